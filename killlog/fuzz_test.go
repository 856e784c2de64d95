package killlog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func FuzzParseKmsgRecord(f *testing.F) {
	for _, s := range []string{
		"6,1,2,-;text",
		"4,8,2,c,caller=T1;a\\x5cb\n KEY=V\n",
		"6,1,2;bad",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseKmsgRecord(b)
		if err != nil {
			return
		}
		if r.Monotonic < 0 || r.Level < 0 || r.Level > 7 || r.Flags == "" {
			t.Errorf("ParseKmsgRecord(%q) = %+v: invalid fields", b, r)
		}
	})
}

// FuzzParseOOM feeds text split into records: kmsg dumps when the text
// parses as one, else one record per line with increasing timestamps.
func FuzzParseOOM(f *testing.F) {
	// Seeds are cut to 1 KiB: the fuzzer minimizes interesting inputs,
	// which takes minutes for whole 10 KiB dumps.
	files, _ := filepath.Glob("testdata/*.txt")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(string(b[:min(len(b), 1024)]))
		}
	}
	f.Add("Killed process 1 (a) total-vm:1kB\nKilled process 0 (b) total-vm:1kB\noom_reaper: reaped process 1 (a), now anon-rss:0kB")
	f.Add("x invoked oom-killer: gfp_mask=0xd0, order=0, oom_score_adj=0\n[ pid ]   uid  tgid total_vm      rss name\n[ 1] 0 1 2 3 n\nTasks in / are going to be killed due to memory.oom.group set")
	f.Fuzz(func(t *testing.T, s string) {
		recs, err := ParseKmsg([]byte(s))
		if err != nil {
			recs = textRecords(s)
		}
		for _, r := range recs {
			if strings.Contains(r.Text, "\x00") {
				return // still must not panic above
			}
		}
		evs := ParseOOM(recs)
		for i, e := range evs {
			if e.Victim != (Victim{}) && e.Victim.PID <= 0 {
				t.Errorf("event %d: victim set with PID %d", i, e.Victim.PID)
			}
			for _, v := range e.GroupVictims {
				if v.PID <= 0 {
					t.Errorf("event %d: group victim PID %d", i, v.PID)
				}
			}
			if i > 0 && e.Start < evs[i-1].Start {
				t.Errorf("events not ordered by Start: %v after %v", e.Start, evs[i-1].Start)
			}
		}
	})
}
