package killlog

import (
	"testing"
	"time"
)

func TestParseUserspaceKill(t *testing.T) {
	tests := []struct {
		name string
		line string
		want UserspaceKill
		ok   bool
	}{
		{
			name: "systemd-oomd pressure (systemd/systemd#23606 shape)",
			line: "systemd-oomd[123]: Killed /system.slice/foo.service due to memory pressure for /system.slice being 85.00% > 50.00% for > 20s with reclaim activity",
			want: UserspaceKill{Killer: "systemd-oomd", Cgroup: "/system.slice/foo.service"}, ok: true,
		},
		{
			name: "systemd-oomd swap, bare message",
			line: "Killed /user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-firefox-4242.scope due to swap used (7956135936) / total (8589930496) being more than 90.00%",
			want: UserspaceKill{Killer: "systemd-oomd", Cgroup: "/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-firefox-4242.scope"}, ok: true,
		},
		{
			name: "systemd-oomd memory and swap used",
			line: "systemd-oomd[611]: Killed /system.slice/batch.service due to memory used (16000000000) / total (16700000000) and swap used (7900000000) / total (8000000000) being more than 90.00%",
			want: UserspaceKill{Killer: "systemd-oomd", Cgroup: "/system.slice/batch.service"}, ok: true,
		},
		{
			name: "systemd-oomd 256+: marked for killing",
			line: "systemd-oomd[611]: Marked /user.slice/user-1000.slice/session-2.scope for killing due to memory pressure for /user.slice/user-1000.slice being 71.20% > 50.00% for > 20s with reclaim activity",
			want: UserspaceKill{Killer: "systemd-oomd", Cgroup: "/user.slice/user-1000.slice/session-2.scope"}, ok: true,
		},
		{
			name: "earlyoom 1.3+",
			line: `earlyoom[456]: sending SIGKILL to process 1234 uid 1000 "chrome": badness 800, VmRSS 3000 MiB`,
			want: UserspaceKill{Killer: "earlyoom", PID: 1234, Comm: "chrome", Signal: "SIGKILL"}, ok: true,
		},
		{
			name: "earlyoom SIGTERM without the tag",
			line: `sending SIGTERM to process 77 uid 0 "Web Content": badness 612, VmRSS 1400 MiB`,
			want: UserspaceKill{Killer: "earlyoom", PID: 77, Comm: "Web Content", Signal: "SIGTERM"}, ok: true,
		},
		{
			name: "earlyoom before 1.3: no uid",
			line: `earlyoom: sending SIGTERM to process 1234 "chrome": badness 800, VmRSS 3000 MiB`,
			want: UserspaceKill{Killer: "earlyoom", PID: 1234, Comm: "chrome", Signal: "SIGTERM"}, ok: true,
		},
		{
			name: "earlyoom 1.8: oom_score, cmdline",
			line: `earlyoom[9]: sending SIGTERM to process 31337 uid 1000 "python3": oom_score 900, oom_score_adj 0, badness 2900000 KiB, VmRSS 2832 MiB, ordering oom_score, cmdline "python3 train.py"`,
			want: UserspaceKill{Killer: "earlyoom", PID: 31337, Comm: "python3", Signal: "SIGTERM"}, ok: true,
		},
		{
			name: "earlyoom name with a quote",
			line: `earlyoom[9]: sending SIGKILL to process 5 uid 0 "a"b": badness 1, VmRSS 1 MiB`,
			want: UserspaceKill{Killer: "earlyoom", PID: 5, Comm: `a"b`, Signal: "SIGKILL"}, ok: true,
		},
		{name: "earlyoom self-test with signal 0", line: `earlyoom[9]: sending 0 (no-op signal) to process 5 uid 0 "x": badness 1, VmRSS 1 MiB`},
		{name: "earlyoom status line", line: "earlyoom[456]: mem avail:  1204 of 15904 MiB ( 7.57%), swap free:    0 of    0 MiB ( 0.00%)"},
		{name: "earlyoom low memory notice", line: "earlyoom[456]: low memory! at or below SIGTERM limits: mem 10.00%, swap 100.00%"},
		{name: "oomd candidates line", line: "systemd-oomd[611]: Considered 12 cgroups for killing, top candidates were:"},
		{name: "another program saying Killed", line: "systemd[1]: Killed /system.slice/x.service due to a test"},
		{name: "kernel's Killed process", line: "Out of memory: Killed process 4242 (stress) total-vm:2400000kB"},
		{name: "oomd line naming no cgroup path", line: "systemd-oomd[1]: Killed foo due to memory pressure"},
		{name: "earlyoom bad pid", line: `earlyoom[1]: sending SIGKILL to process x uid 0 "a": badness 1`},
		{name: "earlyoom wrong tag form", line: `earlyoom[x]: sending SIGKILL to process 1 uid 0 "a": badness 1`},
		{name: "empty", line: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseUserspaceKill(tt.line)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v (%+v)", ok, tt.ok, got)
			}
			if !ok {
				return
			}
			tt.want.Text = tt.line
			diff(t, "kill", tt.want, got)
		})
	}
}

func TestParseSyslogUserLine(t *testing.T) {
	tests := []struct {
		name string
		line string
		year int
		want UserspaceKill
		ok   bool
	}{
		{
			name: "traditional stamp",
			line: `Mar  7 09:15:02 web1 earlyoom[456]: sending SIGTERM to process 1234 uid 1000 "chrome": badness 800, VmRSS 3000 MiB`,
			year: 2026,
			want: UserspaceKill{Wall: time.Date(2026, 3, 7, 9, 15, 2, 0, time.Local), Killer: "earlyoom", PID: 1234, Comm: "chrome", Signal: "SIGTERM"},
			ok:   true,
		},
		{
			name: "RFC 3339 stamp (rsyslog high precision)",
			line: "2026-03-07T09:15:02.123456+01:00 web1 systemd-oomd[611]: Killed /system.slice/foo.service due to memory pressure for /system.slice being 85.00% > 50.00% for > 20s with reclaim activity",
			year: 1999,
			want: UserspaceKill{Wall: time.Date(2026, 3, 7, 8, 15, 2, 123456000, time.UTC), Killer: "systemd-oomd", Cgroup: "/system.slice/foo.service"},
			ok:   true,
		},
		{name: "a kernel line", line: "Mar  7 09:15:02 web1 kernel: [ 12.000000] earlyoom invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0", year: 2026},
		{name: "a program mentioning earlyoom", line: "Mar  7 09:15:02 web1 apt[1]: Setting up earlyoom (1.7-2) ...", year: 2026},
		{name: "no stamp", line: `earlyoom[456]: sending SIGTERM to process 1234 uid 1000 "chrome": badness 800`, year: 2026},
		{name: "bad month", line: `Foo  7 09:15:02 web1 earlyoom[456]: sending SIGTERM to process 1234 uid 1000 "chrome": badness 800`, year: 2026},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseSyslogUserLine(tt.line, tt.year)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v (%+v)", ok, tt.ok, got)
			}
			if !ok {
				return
			}
			if !got.Wall.Equal(tt.want.Wall) {
				t.Errorf("Wall = %v, want %v", got.Wall, tt.want.Wall)
			}
			tt.want.Wall, tt.want.Text = got.Wall, tt.line
			diff(t, "kill", tt.want, got)
		})
	}
}
