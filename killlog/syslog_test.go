package killlog

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseKernLogLine(t *testing.T) {
	wall := func(tm time.Time) *time.Time { return &tm }
	tests := []struct {
		name string
		line string
		want Record
		ok   bool
	}{
		{
			name: "traditional",
			line: "Nov 29 04:00:00 host kernel: [12345.678901] Memory cgroup out of memory: Killed process 1 (x) total-vm:1kB",
			want: Record{Level: -1, Monotonic: 12345678901 * time.Microsecond,
				Text: "Memory cgroup out of memory: Killed process 1 (x) total-vm:1kB",
				Wall: wall(time.Date(2026, 11, 29, 4, 0, 0, 0, time.Local))},
			ok: true,
		},
		{
			name: "space-padded day and stamp",
			line: "Nov  9 04:00:00 my-host kernel: [   12.000500] oom_reaper: reaped process 5 (a), now anon-rss:0kB\n",
			want: Record{Level: -1, Monotonic: 12*time.Second + 500*time.Microsecond,
				Text: "oom_reaper: reaped process 5 (a), now anon-rss:0kB",
				Wall: wall(time.Date(2026, 11, 9, 4, 0, 0, 0, time.Local))},
			ok: true,
		},
		{
			name: "rfc3339",
			line: "2026-11-29T04:00:00.123456+00:00 host kernel: [12345.678901] dd invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0",
			want: Record{Level: -1, Monotonic: 12345678901 * time.Microsecond,
				Text: "dd invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0",
				Wall: wall(time.Date(2026, 11, 29, 4, 0, 0, 123456000, time.FixedZone("", 0)))},
			ok: true,
		},
		{
			name: "empty text",
			line: "2026-11-29T04:00:00+01:00 host kernel: [1.5]",
			want: Record{Level: -1, Monotonic: 1500 * time.Millisecond,
				Wall: wall(time.Date(2026, 11, 29, 4, 0, 0, 0, time.FixedZone("", 3600)))},
			ok: true,
		},
		{name: "other program", line: "Nov 29 04:00:00 host sshd[1]: [1.0] x"},
		{name: "kernel line without timestamp", line: "Nov 29 04:00:00 host kernel: Killed process 1 (x)"},
		{name: "bad stamp", line: "Nov 29 04:00:00 host kernel: [abc.def] x"},
		{name: "bad date", line: "Foo 29 04:00:00 host kernel: [1.0] x"},
		{name: "bad rfc3339", line: "2026-13-29T04:00:00Z host kernel: [1.0] x"},
		{name: "empty", line: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseKernLogLine(tt.line, 2026)
			if ok != tt.ok {
				t.Fatalf("ParseKernLogLine(%q) ok = %v, want %v", tt.line, ok, tt.ok)
			}
			if !ok {
				return
			}
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b time.Time) bool {
				return a.Equal(b)
			})); diff != "" {
				t.Errorf("ParseKernLogLine(%q) mismatch (-want +got):\n%s", tt.line, diff)
			}
		})
	}
}
