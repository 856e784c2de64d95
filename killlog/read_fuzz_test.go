package killlog

import (
	"os"
	"strings"
	"testing"
)

func FuzzParseJournalJSON(f *testing.F) {
	for _, name := range []string{"testdata/read/journal-kernel.json", "testdata/read/journal-userspace.json"} {
		if b, err := os.ReadFile(name); err == nil {
			// The first two entries: whole files make the fuzzer slow.
			lines := strings.SplitAfterN(string(b), "\n", 3)
			f.Add(strings.Join(lines[:min(2, len(lines))], ""))
		}
	}
	f.Add(`{"__REALTIME_TIMESTAMP":"1","MESSAGE":[104,255],"_BOOT_ID":"b","_SOURCE_MONOTONIC_TIMESTAMP":"9223372036854775807"}`)
	f.Add(`{"__REALTIME_TIMESTAMP":"18446744073709551615","MESSAGE":["a",[1]],"__MONOTONIC_TIMESTAMP":"5"}` + "\n{")
	f.Fuzz(func(t *testing.T, s string) {
		streams, _ := ParseJournalJSON(strings.NewReader(s))
		seen := map[string]bool{}
		for _, st := range streams {
			if seen[st.Boot] {
				t.Errorf("boot %q in two streams", st.Boot)
			}
			seen[st.Boot] = true
			if len(st.Records) == 0 {
				t.Errorf("boot %q: empty stream", st.Boot)
			}
			for _, r := range st.Records {
				if r.Wall == nil || r.Monotonic < 0 || r.Level < -1 || r.Level > 7 {
					t.Errorf("record %+v: bad Wall, Monotonic or Level", r)
				}
			}
			ParseOOM(st.Records) // must not panic
		}
		_ = DecodeJournalJSON(strings.NewReader(s), func(e JournalEntry) error {
			if w := e.LoggedAt(); w.After(e.Realtime) && e.SourceRealtime.IsZero() {
				t.Errorf("LoggedAt %v after the receipt time %v", w, e.Realtime)
			}
			return nil
		})
	})
}

func FuzzParseUserspaceKill(f *testing.F) {
	for _, s := range []string{
		"systemd-oomd[123]: Killed /system.slice/foo.service due to memory pressure for /system.slice being 85.00% > 50.00% for > 20s with reclaim activity",
		"Marked /a.scope for killing due to swap used",
		`earlyoom[456]: sending SIGKILL to process 1234 uid 1000 "chrome": badness 800, VmRSS 3000 MiB`,
		`earlyoom: sending SIGTERM to process 1 "a"b"`,
		`Mar  7 09:15:02 web1 earlyoom[456]: sending SIGTERM to process 1234 "chrome": badness 800`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		k, ok := ParseUserspaceKill(line)
		if ok {
			switch k.Killer {
			case "systemd-oomd":
				if !strings.HasPrefix(k.Cgroup, "/") || k.PID != 0 {
					t.Errorf("oomd kill %+v: cgroup not a path, or a PID", k)
				}
			case "earlyoom":
				if k.PID <= 0 || !strings.HasPrefix(k.Signal, "SIG") || k.Cgroup != "" {
					t.Errorf("earlyoom kill %+v: bad PID, signal or a cgroup", k)
				}
			default:
				t.Errorf("killer %q", k.Killer)
			}
			if k.Text != line || !strings.Contains(line, k.Comm) || !strings.Contains(line, k.Cgroup) {
				t.Errorf("kill %+v: Text, Comm or Cgroup not from the line %q", k, line)
			}
		}
		if u, ok := parseSyslogUserLine(line, 2026); ok && (u.Wall.IsZero() || u.Text != strings.TrimRight(line, "\r\n")) {
			t.Errorf("syslog line %q: %+v", line, u)
		}
	})
}
