package killlog

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// parseKernLog is what a kern.log reader does with a whole file: split it
// into lines, parse each, assemble the OOM reports.
func parseKernLog(data []byte, year int) []OOMEvent {
	s := string(data) // one copy; every Text below is a substring of it
	recs := make([]Record, 0, len(data)/100)
	for len(s) > 0 {
		line := s
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		if r, ok := ParseKernLogLine(line, year); ok {
			recs = append(recs, r)
		}
	}
	return ParseOOM(recs)
}

// TestSynthKernLog checks the synthetic log against the parser: every
// report written is found once, with the victim and cgroups written.
func TestSynthKernLog(t *testing.T) {
	var buf bytes.Buffer
	const size, events = 4 << 20, 60
	kills, err := WriteSynthKernLog(&buf, SynthOptions{Size: size, Events: events, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if buf.Len() > size || buf.Len() < size-1024 {
		t.Errorf("wrote %d bytes, want just under %d", buf.Len(), size)
	}
	var again bytes.Buffer
	if _, err := WriteSynthKernLog(&again, SynthOptions{Size: size, Events: events, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("same seed, different output")
	}
	evs := parseKernLog(buf.Bytes(), 2026)
	if len(evs) != events || len(kills) != events {
		t.Fatalf("parsed %d events, wrote %d (returned %d)", len(evs), events, len(kills))
	}
	kinds := map[string]int{}
	pids := map[int]bool{}
	for i, k := range kills {
		e := evs[i]
		kinds[k.Kind]++
		if pids[k.PID] {
			t.Errorf("report %d: victim PID %d reused", i, k.PID)
		}
		pids[k.PID] = true
		diff(t, "report "+k.Kind, []any{k.PID, k.Comm, k.OOMMemcg, k.TaskMemcg, k.Kind == "global", k.GroupKill, 0, true, k.Mono},
			[]any{e.Victim.PID, e.Victim.Comm, e.OOMMemcg, e.TaskMemcg, e.Global, e.GroupKill, len(e.GroupVictims), e.Reaped, e.Start})
		if len(e.Tasks) < 2 || e.Tasks[len(e.Tasks)-1].RSSAnon == nil {
			t.Errorf("report %d: task table %d rows, want the 6.8 layout", i, len(e.Tasks))
		}
		if k.Kind != "global" && len(e.Stats) < 20 {
			t.Errorf("report %d: %d stats", i, len(e.Stats))
		}
	}
	if kinds["docker-v1"] == 0 || kinds["kubepods-v2"] == 0 || kinds["global"] != 1 {
		t.Errorf("report kinds %v, want all three, one global", kinds)
	}
}

// TestTraditionalStampMatchesTimeParse: the hand-written stamp parser
// accepts and gives exactly what time.ParseInLocation(time.Stamp) does.
func TestTraditionalStampMatchesTimeParse(t *testing.T) {
	var stamps []string
	for _, mon := range []string{"Jan", "Feb", "Mar", "Apr", "Jun", "Sep", "Dec", "Foo", "jan", "JAN"} {
		for day := 0; day <= 32; day++ {
			stamps = append(stamps, fmt.Sprintf("%s %2d 04:05:06", mon, day), fmt.Sprintf("%s %02d 23:59:59", mon, day))
		}
	}
	stamps = append(stamps, "Nov 29 24:00:00", "Nov 29 23:60:00", "Nov 29 23:59:60", "Nov 29 2:05:06 ", "Nov 29 02-05-06",
		"Nov  9 0a:05:06", "Nov 2  04:05:06", "Nov x9 04:05:06", "Nov -1 04:05:06", "Nov 29  4:05:06", "Nov 29 04:05:6 ")
	for _, stamp := range stamps {
		line := stamp + " host kernel: [1.000000] x"
		var want *time.Time
		if ref, err := time.ParseInLocation(time.Stamp, stamp, time.Local); err == nil {
			w := time.Date(2024, ref.Month(), ref.Day(), ref.Hour(), ref.Minute(), ref.Second(), 0, time.Local)
			want = &w
		}
		r, ok := ParseKernLogLine(line, 2024)
		switch {
		case ok != (want != nil):
			t.Errorf("%q: ok = %v, time.Parse says %v", stamp, ok, want != nil)
		case ok && !r.Wall.Equal(*want):
			t.Errorf("%q: wall %v, want %v", stamp, r.Wall, want)
		}
	}
}

// FuzzTraditionalStamp: for any 15 bytes, ParseKernLogLine accepts the
// stamp exactly when time.ParseInLocation(time.Stamp) does, with the same
// time.
func FuzzTraditionalStamp(f *testing.F) {
	for _, s := range []string{"Nov 29 04:00:00", "Feb 29 23:59:59", "Nov  9 04:00:00", "Nov 29  4:05:06", "Dec 32 00:00:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, stamp string) {
		if len(stamp) != 15 || isDigit(stamp[0]) {
			return
		}
		r, ok := ParseKernLogLine(stamp+" host kernel: [1.000000] x", 2023)
		ref, err := time.ParseInLocation(time.Stamp, stamp, time.Local)
		if ok != (err == nil) {
			t.Fatalf("%q: ok = %v, time.Parse error %v", stamp, ok, err)
		}
		if ok {
			want := time.Date(2023, ref.Month(), ref.Day(), ref.Hour(), ref.Minute(), ref.Second(), ref.Nanosecond(), time.Local)
			if !r.Wall.Equal(want) {
				t.Fatalf("%q: wall %v, want %v", stamp, r.Wall, want)
			}
		}
	})
}

var synth64 struct {
	once  sync.Once
	data  []byte
	kills []SynthKill
	err   error
}

// synthKernLog64MiB writes the benchmark's file once per test binary run
// (b.TempDir is per benchmark call; -benchtime 3x calls twice).
func synthKernLog64MiB(b *testing.B) ([]byte, []SynthKill) {
	synth64.once.Do(func() {
		dir, err := os.MkdirTemp("", "killlog-bench-")
		if err != nil {
			synth64.err = err
			return
		}
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, "kern.log")
		f, err := os.Create(path)
		if err != nil {
			synth64.err = err
			return
		}
		synth64.kills, synth64.err = WriteSynthKernLog(f, SynthOptions{Size: 64 << 20, Events: 1000, Seed: 1})
		if err := f.Close(); synth64.err == nil {
			synth64.err = err
		}
		if synth64.err == nil {
			synth64.data, synth64.err = os.ReadFile(path)
		}
	})
	if synth64.err != nil {
		b.Fatal(synth64.err)
	}
	return synth64.data, synth64.kills
}

// BenchmarkParseKernLog64MiB: a 64 MiB kern.log with 1,000 OOM reports,
// split into lines, parsed, assembled (the why-killed --all target is
// under 1 s end to end; parsing should take well under half of it). The
// file is in memory: reading it is not measured. Three ways to feed it:
//
//	records  one string of the file, every line's Record in a slice, then
//	         ParseOOM (holds ~55 MB of records);
//	stream   one string of the file, each Record straight into an
//	         OOMParser;
//	lines    a string per line (what a bufio line reader gives), each
//	         Record into an OOMParser.
func BenchmarkParseKernLog64MiB(b *testing.B) {
	data, kills := synthKernLog64MiB(b)
	for _, mode := range []struct {
		name  string
		parse func([]byte, int) []OOMEvent
	}{
		{"records", parseKernLog},
		{"stream", streamKernLog},
		{"lines", lineByLineKernLog},
	} {
		b.Run(mode.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			var evs []OOMEvent
			start := time.Now()
			for i := 0; i < b.N; i++ {
				evs = mode.parse(data, 2026)
			}
			b.StopTimer()
			b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N), "ms/file")
			if len(evs) != len(kills) {
				b.Fatalf("parsed %d events, want %d", len(evs), len(kills))
			}
			for i, k := range kills {
				if evs[i].Victim.PID != k.PID {
					b.Fatalf("event %d: victim %d, want %d", i, evs[i].Victim.PID, k.PID)
				}
			}
		})
	}
}

func streamKernLog(data []byte, year int) []OOMEvent {
	s := string(data)
	var p OOMParser
	for len(s) > 0 {
		line := s
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		if r, ok := ParseKernLogLine(line, year); ok {
			p.Add(r)
		}
	}
	return p.Events()
}

func lineByLineKernLog(data []byte, year int) []OOMEvent {
	var p OOMParser
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if r, ok := ParseKernLogLine(string(line), year); ok {
			p.Add(r)
		}
	}
	return p.Events()
}
