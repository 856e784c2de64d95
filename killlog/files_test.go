package killlog

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// kernLog renders records as rsyslog writes them to kern.log: the
// traditional stamp (local time, whole seconds) of bootWall + the printk
// time, the host, "kernel:" and the bracketed printk time.
func kernLog(recs []Record, bootWall time.Time) string {
	var b strings.Builder
	for _, r := range recs {
		w := bootWall.Add(r.Monotonic).Local()
		us := r.Monotonic.Microseconds()
		fmt.Fprintf(&b, "%s node1 kernel: [%5d.%06d] %s\n", w.Format(time.Stamp), us/1e6, us%1e6, r.Text)
	}
	return b.String()
}

// noise is kernel chatter between reports: none of it is part of one.
var noise = []string{
	"docker0: port 3(veth9a8b7c6) entered blocking state",
	"docker0: port 3(veth9a8b7c6) entered forwarding state",
	"eth0: renamed from veth1d2e3f4",
	`audit: type=1400 audit(1764400000.123:456): apparmor="DENIED" operation="open" class="file" profile="docker-default" name="/proc/sysrq-trigger" pid=4242 comm="sh" requested_mask="r" denied_mask="r" fsuid=0 ouid=0`,
	"[UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=203.0.113.7 DST=198.51.100.2 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=54321 DF PROTO=TCP SPT=51234 DPT=22 WINDOW=64240 RES=0x00 SYN URGP=0",
	"EXT4-fs (sda1): mounted filesystem 8f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b r/w with ordered data mode. Quota mode: none.",
}

// noiseRecs makes n noise records from mono on, step apart.
func noiseRecs(n int, mono, step time.Duration) []Record {
	recs := make([]Record, n)
	for i := range recs {
		recs[i] = Record{Level: -1, Monotonic: mono + time.Duration(i)*step, Text: noise[i%len(noise)]}
	}
	return recs
}

// shifted returns recs moved to start at mono (keeping their spacing).
func shifted(recs []Record, mono time.Duration) []Record {
	out := slices.Clone(recs)
	for i := range out {
		out[i].Monotonic = recs[i].Monotonic - recs[0].Monotonic + mono
	}
	return out
}

func cat(parts ...[]Record) []Record { return slices.Concat(parts...) }

// fixFile is a file of a fixture host tree.
type fixFile struct {
	name    string // under the root
	content string
	gz      bool
	mtime   time.Time // zero: left as written
	dir     bool      // a directory of that name (unreadable as a file, even by root)
}

func buildTree(t testing.TB, files []fixFile) string {
	t.Helper()
	root := t.TempDir()
	for _, f := range files {
		p := filepath.Join(root, f.name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if f.dir {
			if err := os.Mkdir(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		data := []byte(f.content)
		if f.gz {
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			zw.Write(data)
			if err := zw.Close(); err != nil {
				t.Fatal(err)
			}
			data = b.Bytes()
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if !f.mtime.IsZero() {
			if err := os.Chtimes(p, f.mtime, f.mtime); err != nil {
				t.Fatal(err)
			}
		}
	}
	return root
}

// wantEvent is what a test checks of a collected event.
type wantEvent struct {
	pid    int
	comm   string
	source string
	wall   time.Time
	boot   string
	tasks  bool // has a task table
}

func from(w wantEvent, source string) wantEvent {
	w.source = source
	return w
}

func checkEvents(t *testing.T, got []OOMEvent, want []wantEvent) {
	t.Helper()
	if len(got) != len(want) {
		var b strings.Builder
		for _, e := range got {
			fmt.Fprintf(&b, "\n  %d %s %s %v", e.Victim.PID, e.Victim.Comm, e.Source, e.Wall)
		}
		t.Fatalf("got %d events, want %d:%s", len(got), len(want), b.String())
	}
	for i, w := range want {
		e := got[i]
		if e.Victim.PID != w.pid || e.Victim.Comm != w.comm || e.Source != w.source || e.Boot != w.boot {
			t.Errorf("event %d: victim %d %q from %q boot %q; want %d %q from %q boot %q",
				i, e.Victim.PID, e.Victim.Comm, e.Source, e.Boot, w.pid, w.comm, w.source, w.boot)
		}
		if e.Wall == nil || !e.Wall.Equal(w.wall) {
			t.Errorf("event %d (%d %s): Wall %v, want %v", i, w.pid, w.comm, e.Wall, w.wall)
		}
		if (len(e.Tasks) > 0) != w.tasks {
			t.Errorf("event %d (%d %s): %d task rows, want some: %v", i, w.pid, w.comm, len(e.Tasks), w.tasks)
		}
	}
}

func sourceNames(col *Collection) []string {
	var names []string
	for _, s := range col.Sources {
		names = append(names, s.Name)
	}
	return names
}

func TestCollectFiles(t *testing.T) {
	memcg := kmsgFile(t, "kmsg-6.18-memcg-oom.txt") // dd 28912 at 15412.230716
	global := kmsgFile(t, "kmsg-global-oom.txt")    // stress 4242 at 5.000000
	storm := kmsgFile(t, "kmsg-storm.txt")          // java 3001 at 9.000000, then 3002..3005 Killed lines only
	stormHead, stormTail := storm[:8], storm[8:]    // split after "Killed process 3001"
	if !strings.Contains(stormHead[7].Text, "Killed process 3001") {
		t.Fatalf("kmsg-storm.txt changed: record 7 is %q", stormHead[7].Text)
	}
	cut := slices.IndexFunc(memcg, func(r Record) bool { return strings.HasPrefix(r.Text, "Tasks state") })
	if cut < 0 {
		t.Fatal("kmsg-6.18-memcg-oom.txt has no task table")
	}
	sec := func(d float64) time.Duration { return time.Duration(d * float64(time.Second)) }
	// stampOf is the syslog stamp rsyslog wrote for printk time mono: whole
	// seconds of the wall time.
	stampOf := func(boot time.Time, mono time.Duration) time.Time { return boot.Add(mono).Truncate(time.Second) }

	boot1 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.Local)
	boot2 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.Local)
	// Boot 1: noise, the memcg OOM; kern.log.2.gz. More noise; kern.log.1,
	// where boot 2 starts, with the global OOM and the storm's first kill.
	// The storm's other kills in kern.log.
	file2 := kernLog(cat(noiseRecs(20, sec(15000), sec(1)), memcg), boot1)
	file1 := kernLog(noiseRecs(10, sec(16000), sec(1)), boot1) +
		kernLog(cat(noiseRecs(10, 0, sec(0.1)), global, stormHead), boot2)
	file0 := kernLog(cat(stormTail, noiseRecs(10, sec(60), sec(1))), boot2)
	mainTree := []fixFile{
		{name: "var/log/kern.log.2.gz", content: file2, gz: true, mtime: boot1.Add(sec(15500))},
		{name: "var/log/kern.log.1", content: file1, mtime: boot2.Add(sec(10))},
		{name: "var/log/kern.log", content: file0, mtime: boot2.Add(sec(70))},
	}
	memcgWant := wantEvent{28912, "dd", "/var/log/kern.log.2.gz", stampOf(boot1, memcg[0].Monotonic), "", true}
	globalWant := wantEvent{4242, "stress", "/var/log/kern.log.1", stampOf(boot2, global[0].Monotonic), "", true}
	stormWant := []wantEvent{
		{3001, "java", "/var/log/kern.log.1", stampOf(boot2, sec(9)), "", false},
		{3002, "java", "/var/log/kern.log", stampOf(boot2, sec(9.1)), "", false},
		{3003, "java", "/var/log/kern.log", stampOf(boot2, sec(9.2)), "", false},
		{3004, "java", "/var/log/kern.log", stampOf(boot2, sec(9.3)), "", false},
		{3005, "java", "/var/log/kern.log", stampOf(boot2, sec(9.4)), "", false},
	}

	// Year rollover: booted Dec 31 23:59:53; the global OOM (5 s) is in
	// 2025, the storm (9 s) in 2026; the file was last written in January.
	bootNY := time.Date(2025, 12, 31, 23, 59, 53, 0, time.Local)

	// The kmsg dump's clock: the running boot is boot 2 and no suspend.
	clock2 := Clock{BootWall: boot2, Boot: "b2b2b2b2-0000-4000-8000-000000000002"}
	// After a 1 h suspend the /dev/kmsg conversion puts boot-2 records an
	// hour late; the syslog stamps are right.
	suspended := Clock{BootWall: boot2.Add(time.Hour), Suspended: time.Hour, Boot: clock2.Boot}
	var kmsgDump strings.Builder
	for i, r := range cat(global, storm) {
		fmt.Fprintf(&kmsgDump, "%d,%d,%d,-;%s\n", 4, 500+i, r.Monotonic.Microseconds(), r.Text)
	}

	malformed := strings.Join([]string{
		"garbage without a stamp",
		"Mar  2 10:00:05 node1 kernel: [bad] not a stamp",
		"Mar  2 10:00:05 node1 kernel: printk.time=0 line",
		"Foo  2 10:00:05 node1 kernel: [    5.000001] bad month",
		"\x00\x01\x02 binary \xff\xfe",
		"Mar  2 10:00:05 node1 kernel: [" + strings.Repeat("9", 40) + ".000000] huge stamp",
		strings.Repeat("x", 2<<20), // over eachLine's limit: dropped
	}, "\n") + "\n"
	globalLines := strings.Split(strings.TrimSuffix(kernLog(global, boot2), "\n"), "\n")
	// Malformed lines inside the report; the last line has no newline.
	withJunk := strings.Join(globalLines[:5], "\n") + "\n" + malformed + strings.Join(globalLines[5:], "\n")

	oomdLine := "Mar  2 10:05:00 node1 systemd-oomd[611]: Killed /system.slice/batch.service due to memory pressure for /system.slice being 85.00% > 50.00% for > 20s with reclaim activity\n"
	earlyLine := `Mar  2 10:06:00 node1 earlyoom[702]: sending SIGKILL to process 5123 uid 1000 "chrome": badness 812, VmRSS 3021 MiB` + "\n"
	cronLine := "Mar  2 10:05:01 node1 CRON[999]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)\n"

	tests := []struct {
		name     string
		files    []fixFile
		clock    *Clock
		since    time.Time
		want     []wantEvent
		kills    []string // Killer and what it killed
		sources  []string
		warnings []string // substrings, in order; none other allowed
	}{
		{
			name:    "rotated kern.log family: gzip, reboot, a storm across a rotation",
			files:   mainTree,
			want:    slices.Concat([]wantEvent{memcgWant, globalWant}, stormWant),
			sources: []string{"/var/log/kern.log.2.gz", "/var/log/kern.log.1", "/var/log/kern.log"},
		},
		{
			name:    "since skips an old rotated file unopened, and older events",
			files:   append(slices.Clone(mainTree[1:]), fixFile{name: "var/log/kern.log.2.gz", content: "not gzip at all", mtime: boot1.Add(sec(15500))}),
			since:   boot2.Add(sec(7)), // after the global OOM (5 s), before the storm (9 s)
			want:    stormWant,
			sources: []string{"/var/log/kern.log.1", "/var/log/kern.log"},
		},
		{
			name: "a reboot cuts a report: its victim is not the next boot's",
			files: []fixFile{{name: "var/log/kern.log", mtime: boot2.Add(time.Minute),
				content: kernLog(memcg[:len(memcg)-1], boot1) + kernLog(cat(noiseRecs(5, 0, sec(1)), stormTail[:1]), boot2)}},
			want: []wantEvent{
				{0, "", "/var/log/kern.log", stampOf(boot1, memcg[0].Monotonic), "", true},
				{3002, "java", "/var/log/kern.log", stampOf(boot2, sec(9.1)), "", false},
			},
			sources: []string{"/var/log/kern.log"},
		},
		{
			name: "a report across a rotation is one event",
			files: []fixFile{
				{name: "var/log/kern.log.1", content: kernLog(memcg[:cut+2], boot1), mtime: boot1.Add(sec(15413))},
				{name: "var/log/kern.log", content: kernLog(memcg[cut+2:], boot1), mtime: boot1.Add(sec(15414))},
			},
			want:    []wantEvent{{28912, "dd", "/var/log/kern.log.1", stampOf(boot1, memcg[0].Monotonic), "", true}},
			sources: []string{"/var/log/kern.log.1", "/var/log/kern.log"},
		},
		{
			name: "year rollover: December lines in a file last written in January",
			files: []fixFile{{name: "var/log/kern.log", content: kernLog(cat(global, stormHead), bootNY),
				mtime: time.Date(2026, 1, 1, 0, 10, 0, 0, time.Local)}},
			want: []wantEvent{
				{4242, "stress", "/var/log/kern.log", time.Date(2025, 12, 31, 23, 59, 58, 0, time.Local), "", true},
				{3001, "java", "/var/log/kern.log", time.Date(2026, 1, 1, 0, 0, 2, 0, time.Local), "", false},
			},
			sources: []string{"/var/log/kern.log"},
		},
		{
			name: "a /dev/kmsg dump holds the same kills: kept once, from /dev/kmsg",
			files: append(slices.Clone(mainTree),
				fixFile{name: "dev/kmsg", content: kmsgDump.String()}),
			clock: &clock2,
			want: slices.Concat([]wantEvent{memcgWant,
				{4242, "stress", "/dev/kmsg", clock2.Wall(global[0].Monotonic), clock2.Boot, true}},
				func() []wantEvent {
					var ws []wantEvent
					for _, w := range stormWant {
						ws = append(ws, wantEvent{w.pid, w.comm, "/dev/kmsg", clock2.Wall(storm[slices.IndexFunc(storm, func(r Record) bool {
							return strings.Contains(r.Text, fmt.Sprintf("Killed process %d ", w.pid))
						})].Monotonic), clock2.Boot, false})
					}
					ws[0].wall = clock2.Wall(storm[0].Monotonic)
					return ws
				}()),
			sources: []string{"/dev/kmsg", "/var/log/kern.log.2.gz", "/var/log/kern.log.1", "/var/log/kern.log"},
		},
		{
			name: "after a suspend /dev/kmsg times are late: the syslog stamp wins, still one event",
			files: []fixFile{
				{name: "var/log/kern.log", content: kernLog(global, boot2), mtime: boot2.Add(time.Minute)},
				{name: "dev/kmsg", content: kmsgDump.String()},
			},
			clock: &suspended,
			want: slices.Concat([]wantEvent{{4242, "stress", "/dev/kmsg", stampOf(boot2, global[0].Monotonic), suspended.Boot, true}},
				// The storm is only in /dev/kmsg: its times are the conversion.
				[]wantEvent{{3001, "java", "/dev/kmsg", suspended.Wall(sec(9)), suspended.Boot, false},
					{3002, "java", "/dev/kmsg", suspended.Wall(sec(9.1)), suspended.Boot, false},
					{3003, "java", "/dev/kmsg", suspended.Wall(sec(9.2)), suspended.Boot, false},
					{3004, "java", "/dev/kmsg", suspended.Wall(sec(9.3)), suspended.Boot, false},
					{3005, "java", "/dev/kmsg", suspended.Wall(sec(9.4)), suspended.Boot, false}}),
			sources: []string{"/dev/kmsg", "/var/log/kern.log"},
		},
		{
			name: "messages family when there is no kern.log, with the daemons' lines",
			files: []fixFile{
				{name: "var/log/messages-20260301.gz", content: kernLog(memcg, boot1), gz: true, mtime: boot1.Add(sec(15500))},
				{name: "var/log/messages", content: kernLog(global, boot2) + oomdLine + cronLine + earlyLine, mtime: boot2.Add(time.Hour)},
				{name: "var/log/secure", content: kernLog(storm, boot2)}, // not a kernel log
			},
			want:    []wantEvent{{28912, "dd", "/var/log/messages-20260301.gz", stampOf(boot1, memcg[0].Monotonic), "", true}, from(globalWant, "/var/log/messages")},
			kills:   []string{"systemd-oomd /system.slice/batch.service", "earlyoom 5123 chrome"},
			sources: []string{"/var/log/messages-20260301.gz", "/var/log/messages"},
		},
		{
			name: "Debian: kern.log for the kernel; syslog and daemon.log only for the daemons, kills kept once",
			files: []fixFile{
				{name: "var/log/kern.log", content: kernLog(global, boot2), mtime: boot2.Add(time.Hour)},
				{name: "var/log/syslog", content: kernLog(global, boot2) + oomdLine + cronLine, mtime: boot2.Add(time.Hour)},
				{name: "var/log/syslog.1", content: earlyLine, mtime: boot2.Add(time.Hour)},
				{name: "var/log/daemon.log", content: oomdLine, mtime: boot2.Add(time.Hour)},
			},
			want:    []wantEvent{from(globalWant, "/var/log/kern.log")},
			kills:   []string{"systemd-oomd /system.slice/batch.service", "earlyoom 5123 chrome"},
			sources: []string{"/var/log/kern.log", "/var/log/syslog.1", "/var/log/syslog", "/var/log/daemon.log"},
		},
		{
			name: "unreadable files are warnings; malformed lines are skipped",
			files: []fixFile{
				{name: "var/log/kern.log.3.gz", content: "this is not gzip"},
				{name: "var/log/kern.log.1", dir: true},
				{name: "var/log/kern.log", content: withJunk, mtime: boot2.Add(time.Minute)},
				{name: "var/log/kern.log.x.gz", content: "not a rotation name: ignored"},
			},
			want:     []wantEvent{from(globalWant, "/var/log/kern.log")},
			sources:  []string{"/var/log/kern.log.3.gz", "/var/log/kern.log.1", "/var/log/kern.log"},
			warnings: []string{"/var/log/kern.log.3.gz: gzip: ", "/var/log/kern.log.1: not a regular file"},
		},
		{
			name:     "nothing to read",
			files:    []fixFile{{name: "etc/hostname", content: "node1\n"}},
			warnings: []string{"no kernel log found"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := buildTree(t, tt.files)
			clock := tt.clock
			if clock == nil {
				clock = &Clock{BootWall: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)}
			}
			col, err := Collect(ReadOptions{Root: root, Since: tt.since, Clock: clock, NoJournal: true})
			if err != nil {
				t.Fatal(err)
			}
			checkEvents(t, col.Events, tt.want)
			var kills []string
			for _, k := range col.Userspace {
				s := k.Killer + " " + k.Cgroup
				if k.PID != 0 {
					s = fmt.Sprintf("%s %d %s", k.Killer, k.PID, k.Comm)
				}
				kills = append(kills, s)
				if k.Wall.IsZero() || !strings.HasPrefix(k.Source, "/var/log/") || !strings.Contains(k.Text, k.Killer+"[") {
					t.Errorf("kill %s: Wall %v Source %q Text %q", s, k.Wall, k.Source, k.Text)
				}
			}
			diff(t, "userspace kills", tt.kills, kills)
			diff(t, "sources", tt.sources, sourceNames(col))
			if len(col.Warnings) != len(tt.warnings) {
				t.Errorf("warnings %q, want %d like %q", col.Warnings, len(tt.warnings), tt.warnings)
			} else {
				for i, w := range tt.warnings {
					if !strings.Contains(col.Warnings[i], w) {
						t.Errorf("warning %q lacks %q", col.Warnings[i], w)
					}
				}
			}
		})
	}
}

// TestCollectFilesRecordCounts checks that syslog, which on Debian repeats
// kern.log's kernel lines, is not parsed for them: only its daemon lines
// count.
func TestCollectFilesRecordCounts(t *testing.T) {
	global := kmsgFile(t, "kmsg-global-oom.txt")
	boot := time.Date(2026, 3, 2, 10, 0, 0, 0, time.Local)
	root := buildTree(t, []fixFile{
		{name: "var/log/kern.log", content: kernLog(global, boot)},
		{name: "var/log/syslog", content: kernLog(global, boot) + "Mar  2 10:05:00 node1 systemd-oomd[611]: Killed /a.service due to swap used\n"},
	})
	col, err := Collect(ReadOptions{Root: root, NoJournal: true, NoKmsg: true})
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "sources", []SourceInfo{{Name: "/var/log/kern.log", Records: len(global)}, {Name: "/var/log/syslog", Records: 1}}, col.Sources)
}

func TestRotatedFiles(t *testing.T) {
	names := []string{"kern.log", "kern.log.1", "kern.log.10.gz", "kern.log.2.gz", "kern.log.9.gz", "kern.log-20260301.gz",
		"kern.log-20260222", "kern.log.old", "kern.logger", "kern.log.gz", "kern.log.1.xz", "messages", "kern.log-2026.gz"}
	var got []string
	for _, f := range rotatedFiles("/x/var/log", "/var/log", "kern.log", names) {
		got = append(got, strings.TrimPrefix(f.name, "/var/log/"))
	}
	want := []string{"kern.log-20260222", "kern.log-20260301.gz", "kern.log.10.gz", "kern.log.9.gz", "kern.log.2.gz", "kern.log.1", "kern.log"}
	diff(t, "oldest-first order", want, got)
}

func TestYearGuess(t *testing.T) {
	tests := []struct {
		mtime time.Time
		line  string
		want  int
	}{
		{time.Date(2026, 1, 3, 0, 0, 0, 0, time.Local), "Dec 31 23:59:59 h kernel: x", 2025},
		{time.Date(2026, 1, 3, 0, 0, 0, 0, time.Local), "Jan  1 00:00:01 h kernel: x", 2026},
		{time.Date(2026, 6, 3, 0, 0, 0, 0, time.Local), "Jun 30 00:00:01 h kernel: x", 2026}, // same month: this year
		{time.Date(2026, 6, 3, 0, 0, 0, 0, time.Local), "Jul  1 00:00:01 h kernel: x", 2025},
		{time.Date(2026, 6, 3, 0, 0, 0, 0, time.Local), "2024-07-01T00:00:01Z h kernel: x", 2026}, // has its own year
		{time.Date(2026, 6, 3, 0, 0, 0, 0, time.Local), "Xyz", 2026},
	}
	for _, tt := range tests {
		t.Run(tt.line[:min(6, len(tt.line))]+" in "+tt.mtime.Format("Jan"), func(t *testing.T) {
			if got := newYearGuess(tt.mtime).of([]byte(tt.line)); got != tt.want {
				t.Errorf("year of %q in a file written %v = %d, want %d", tt.line, tt.mtime, got, tt.want)
			}
		})
	}
}

func TestEachLine(t *testing.T) {
	long := strings.Repeat("y", 300<<10) // over the reader's buffer, under maxLine
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"plain", "a\nb\n", []string{"a", "b"}},
		{"no final newline", "a\nb", []string{"a", "b"}},
		{"blank lines skipped", "a\n\n\nb\n", []string{"a", "b"}},
		{"long line kept", "a\n" + long + "\nb\n", []string{"a", long, "b"}},
		{"over maxLine dropped", "a\n" + strings.Repeat("z", maxLine+10) + "\nb\n", []string{"a", "b"}},
		{"long line then short ones", long + "\nc\nd", []string{long, "c", "d"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			if err := eachLine(strings.NewReader(tt.in), func(b []byte) { got = append(got, string(b)) }); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d lines, want %d", len(got), len(tt.want))
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("line %d: %.20q… (%d bytes), want %.20q… (%d bytes)", i, got[i], len(got[i]), tt.want[i], len(tt.want[i]))
				}
			}
		})
	}
}

// benchKernLog writes a kern.log of about size bytes with events OOM
// reports (the 6.18 memcg report, each with its own PID and timestamps)
// spread through kernel noise, as a host with a long history would have.
func benchKernLog(b *testing.B, path string, size, events int) {
	data, err := os.ReadFile("testdata/kmsg-6.18-memcg-oom.txt")
	if err != nil {
		b.Fatal(err)
	}
	report, err := ParseKmsg(data)
	if err != nil {
		b.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	boot := time.Date(2026, 3, 1, 0, 0, 0, 0, time.Local)
	var buf bytes.Buffer
	written := 0
	mono := time.Second
	perEvent := size / events
	for i := range events {
		recs := shifted(report, mono)
		for j := range recs {
			recs[j].Text = strings.ReplaceAll(recs[j].Text, "28912", fmt.Sprint(100000+i))
		}
		buf.WriteString(kernLog(recs, boot))
		mono = recs[len(recs)-1].Monotonic + time.Millisecond
		for buf.Len() < perEvent {
			buf.WriteString(kernLog(noiseRecs(50, mono, 5*time.Millisecond), boot))
			mono += 250 * time.Millisecond
		}
		written += buf.Len()
		if _, err := f.Write(buf.Bytes()); err != nil {
			b.Fatal(err)
		}
		buf.Reset()
	}
}

// BenchmarkCollectFiles collects a 64 MiB kern.log with 1,000 OOM reports:
// the why-killed --all case of the issue (target: well under 1 s).
func BenchmarkCollectFiles(b *testing.B) {
	root := b.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "var/log"), 0o755); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(root, "var/log/kern.log")
	benchKernLog(b, path, 64<<20, 1000)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ResetTimer()
	for b.Loop() {
		col, err := Collect(ReadOptions{Root: root, NoKmsg: true, NoJournal: true})
		if err != nil {
			b.Fatal(err)
		}
		if len(col.Events) != 1000 {
			b.Fatalf("got %d events, want 1000", len(col.Events))
		}
	}
}
