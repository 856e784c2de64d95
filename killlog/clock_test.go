package killlog

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestNowClock checks the live clock against what the kernel says of the
// boot time: /proc/uptime (CLOCK_BOOTTIME) and /proc/stat's btime (its own
// REALTIME - BOOTTIME, whole seconds). Both count suspended time; BootWall
// does not, so BootWall - Suspended is what they give.
func TestNowClock(t *testing.T) {
	c := NowClock("/")
	now := time.Now()
	if c.Suspended < 0 {
		t.Errorf("Suspended = %v, want >= 0", c.Suspended)
	}
	bootWithSuspend := c.BootWall.Add(-c.Suspended)
	tests := []struct {
		name string
		boot func(t *testing.T) time.Time
	}{
		{"now - /proc/uptime", func(t *testing.T) time.Time {
			b, err := os.ReadFile("/proc/uptime")
			if err != nil {
				t.Fatal(err)
			}
			up, err := strconv.ParseFloat(strings.Fields(string(b))[0], 64)
			if err != nil {
				t.Fatal(err)
			}
			if c.Suspended > time.Duration(up*float64(time.Second)) {
				t.Errorf("Suspended %v exceeds the uptime %vs", c.Suspended, up)
			}
			return now.Add(-time.Duration(up * float64(time.Second)))
		}},
		{"/proc/stat btime", func(t *testing.T) time.Time {
			b, err := os.ReadFile("/proc/stat")
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range strings.Split(string(b), "\n") {
				if v, ok := strings.CutPrefix(l, "btime "); ok {
					n, err := strconv.ParseInt(v, 10, 64)
					if err != nil {
						t.Fatal(err)
					}
					return time.Unix(n, 0)
				}
			}
			t.Fatal("no btime in /proc/stat")
			return time.Time{}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.boot(t)
			if d := bootWithSuspend.Sub(want).Abs(); d > 2*time.Second {
				t.Errorf("BootWall - Suspended = %v, kernel says boot was at %v (%v apart)", bootWithSuspend, want, d)
			}
		})
	}
}

func TestNowClockBootID(t *testing.T) {
	live, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		t.Fatal(err)
	}
	fixture := t.TempDir()
	p := filepath.Join(fixture, "proc/sys/kernel/random/boot_id")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("0f5e2b4c-1d3a-4e5f-8a9b-0c1d2e3f4a5b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, root, want string
	}{
		{"empty root is the live host", "", strings.TrimSpace(string(live))},
		{"live host", "/", strings.TrimSpace(string(live))},
		{"fixture tree", fixture, "0f5e2b4c-1d3a-4e5f-8a9b-0c1d2e3f4a5b"},
		{"tree without boot_id", t.TempDir(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NowClock(tt.root).Boot; got != tt.want {
				t.Errorf("Boot = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestClockWall(t *testing.T) {
	boot := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	c := Clock{BootWall: boot}
	tests := []struct {
		mono time.Duration
		want time.Time
	}{
		{0, boot},
		{15412230716 * time.Microsecond, time.Date(2026, 3, 2, 14, 16, 52, 230716000, time.UTC)},
		{40 * 24 * time.Hour, time.Date(2026, 4, 11, 10, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.mono.String(), func(t *testing.T) {
			if got := c.Wall(tt.mono); !got.Equal(tt.want) {
				t.Errorf("Wall(%v) = %v, want %v", tt.mono, got, tt.want)
			}
		})
	}
}
