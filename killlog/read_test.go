package killlog

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"nsx/internal/testutil"
)

// TestCollectLiveKmsg triggers a real memcg OOM and collects the live host:
// the kill must be there once, from /dev/kmsg, in this boot, at the time
// it happened.
func TestCollectLiveKmsg(t *testing.T) {
	testutil.RequireRoot(t)
	pid, cg, _ := triggerMemcgOOM(t)
	killed := time.Now()
	bootID, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		t.Fatal(err)
	}
	col, err := Collect(ReadOptions{Root: "/"})
	if err != nil {
		t.Fatal(err)
	}
	var mine []OOMEvent
	for _, e := range col.Events {
		if e.Victim.PID == pid {
			mine = append(mine, e)
		}
	}
	if len(mine) != 1 {
		t.Fatalf("%d events with victim %d, want 1; sources %+v, warnings %q", len(mine), pid, col.Sources, col.Warnings)
	}
	e := mine[0]
	if e.Source != "/dev/kmsg" || e.Boot != strings.TrimSpace(string(bootID)) || e.TaskMemcg != cg {
		t.Errorf("Source %q Boot %q TaskMemcg %q; want /dev/kmsg, %q, %q", e.Source, e.Boot, e.TaskMemcg, strings.TrimSpace(string(bootID)), cg)
	}
	if e.Wall == nil || e.Wall.Sub(killed).Abs() > 5*time.Second {
		t.Errorf("Wall %v, the kill was just before %v", e.Wall, killed)
	}
	if col.Sources[0].Name != "/dev/kmsg" || col.Sources[0].Records == 0 || col.Sources[0].Err != "" {
		t.Errorf("first source %+v, want /dev/kmsg read whole", col.Sources[0])
	}
}

func TestCollectOptions(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opt  ReadOptions
	}{
		{"missing root", ReadOptions{Root: filepath.Join(t.TempDir(), "nope")}},
		{"root is a file", ReadOptions{Root: file}},
		{"every source off", ReadOptions{Root: t.TempDir(), NoKmsg: true, NoJournal: true, NoFiles: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			col, err := Collect(tt.opt)
			if !errors.Is(err, ErrOptions) || col != nil {
				t.Errorf("Collect = %v, %v; want ErrOptions", col, err)
			}
		})
	}
}

func TestParseKmsgDump(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		seqs    []uint64
		lost    uint64
		bad     int
		first   uint64
		dictKey string
	}{
		{name: "plain", in: "6,1,10,-;a\n6,2,20,-;b\n", seqs: []uint64{1, 2}, first: 1},
		{name: "dictionary lines", in: "6,1,10,-;a\n SUBSYSTEM=net\n DEVICE=n2\n6,2,20,-;b", seqs: []uint64{1, 2}, first: 1, dictKey: "DEVICE"},
		{name: "sequence gap", in: "6,10,10,-;a\n6,11,20,-;b\n6,15,30,-;c\n6,20,40,-;d\n", seqs: []uint64{10, 11, 15, 20}, lost: 3 + 4, first: 10},
		{name: "malformed records skipped, not the rest", in: "6,1,10,-;a\ngarbage\n6,x,1,-;bad seq\n 6,2,20,-;leading space without a record\n6,3,30,-;c\n", seqs: []uint64{1, 3}, bad: 2, lost: 1, first: 1},
		{name: "dictionary line first is malformed", in: " KEY=V\n6,1,10,-;a\n", seqs: []uint64{1}, bad: 1, first: 1},
		{name: "empty", in: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, ks := parseKmsgDump([]byte(tt.in))
			var seqs []uint64
			for _, r := range recs {
				seqs = append(seqs, r.Seq)
			}
			diff(t, "seqs", tt.seqs, seqs)
			if ks.lost != tt.lost || ks.bad != tt.bad || ks.first != tt.first {
				t.Errorf("lost %d bad %d first %d; want %d %d %d", ks.lost, ks.bad, ks.first, tt.lost, tt.bad, tt.first)
			}
			if tt.dictKey != "" && recs[0].Dict[tt.dictKey] == "" {
				t.Errorf("record 0 lacks dictionary key %s: %v", tt.dictKey, recs[0].Dict)
			}
		})
	}
}

// TestCollectKmsgDumpWarnings: a dump with lost and malformed records still
// gives its events, with one warning for each kind of loss.
func TestCollectKmsgDumpWarnings(t *testing.T) {
	dump := "4,100,5000000,-;stress invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n" +
		"6,101,5000010,-;memory: usage 1024kB, limit 1024kB, failcnt 3\n" +
		"6,bad;x\n" +
		"3,140,5000100,-;Memory cgroup out of memory: Killed process 4242 (stress) total-vm:2400kB, anon-rss:1000kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4kB oom_score_adj:0\n"
	root := buildTree(t, []fixFile{{name: "dev/kmsg", content: dump}})
	clock := Clock{BootWall: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), Boot: "b"}
	col, err := Collect(ReadOptions{Root: root, Clock: &clock, NoJournal: true})
	if err != nil {
		t.Fatal(err)
	}
	checkEvents(t, col.Events, []wantEvent{{4242, "stress", "/dev/kmsg", clock.BootWall.Add(5 * time.Second), "b", false}})
	diff(t, "warnings", []string{"/dev/kmsg: ring buffer lost 38 records (sequence gap)", "/dev/kmsg: 1 malformed records skipped"}, col.Warnings)
	diff(t, "sources", []SourceInfo{{Name: "/dev/kmsg", Records: 3}}, col.Sources)
}

func TestDmesgRestrictHint(t *testing.T) {
	tests := []struct {
		value string // "" = file absent
		want  string
	}{
		// buildTree's root is not "/": what a container with --host-root sees.
		{"1\n", "kernel.dmesg_restrict=1; run as root or with CAP_SYSLOG; in a container also --device /dev/kmsg"},
		{"0\n", "run as root or with CAP_SYSLOG; in a container also --device /dev/kmsg"},
		{"", "run as root or with CAP_SYSLOG; in a container also --device /dev/kmsg"},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSpace(tt.value), func(t *testing.T) {
			var files []fixFile
			if tt.value != "" {
				files = append(files, fixFile{name: "proc/sys/kernel/dmesg_restrict", content: tt.value})
			}
			c := &collector{root: buildTree(t, files)}
			if got := c.dmesgRestrictHint(); got != tt.want {
				t.Errorf("hint %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMergeEvents(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 10, 0, 5, 0, time.UTC)
	at := func(d time.Duration) *time.Time { w := t0.Add(d); return &w }
	victim := Victim{PID: 4242, Comm: "stress"}
	rich := func(src, boot string, wall *time.Time, start time.Duration) OOMEvent {
		return OOMEvent{Start: start, Wall: wall, Source: src, Boot: boot, Trigger: Trigger{Comm: "stress"},
			Tasks: []TaskRow{{PID: 4242, Name: "stress"}}, Victim: victim}
	}
	bare := func(src, boot string, wall *time.Time, start time.Duration) OOMEvent {
		return OOMEvent{Start: start, Wall: wall, Source: src, Boot: boot, Victim: victim}
	}
	s5 := 5 * time.Second
	noSuspend := Clock{}
	tests := []struct {
		name   string
		clock  Clock
		in     []found
		source []string // of the merged events, oldest first
		walls  []time.Time
		boots  []string
	}{
		{
			name: "same kill in three sources: one, from /dev/kmsg, the journal's time",
			in: []found{
				{rich("/var/log/kern.log", "", at(0), s5), rankFiles},
				{rich("journal", "B", at(300*time.Millisecond), s5), rankJournal},
				{rich("/dev/kmsg", "B", at(100*time.Millisecond), s5), rankKmsg},
			},
			source: []string{"/dev/kmsg"}, walls: []time.Time{*at(300 * time.Millisecond)}, boots: []string{"B"},
		},
		{
			name: "the richer copy wins over the source order; the boot is kept",
			in: []found{
				{bare("/dev/kmsg", "B", at(0), s5), rankKmsg},
				{rich("/var/log/kern.log", "", at(time.Second), s5), rankFiles},
			},
			source: []string{"/var/log/kern.log"}, walls: []time.Time{t0}, boots: []string{"B"},
		},
		{
			name: "same victim 3 s apart, other stamps: two kills (a PID reused)",
			in: []found{
				{rich("/dev/kmsg", "B", at(0), s5), rankKmsg},
				{rich("/dev/kmsg", "B", at(3*time.Second), 8*time.Second), rankKmsg},
			},
			source: []string{"/dev/kmsg", "/dev/kmsg"}, walls: []time.Time{t0, *at(3 * time.Second)}, boots: []string{"B", "B"},
		},
		{
			name: "same boot, same printk time, walls an hour apart (kmsg after a suspend): one",
			in: []found{
				{rich("/dev/kmsg", "B", at(time.Hour), s5), rankKmsg},
				{rich("journal", "B", at(0), s5+300*time.Microsecond), rankJournal},
			},
			source: []string{"/dev/kmsg"}, walls: []time.Time{t0}, boots: []string{"B"},
		},
		{
			name: "same printk time in two boots: two kills",
			in: []found{
				{rich("journal", "A", at(-24*time.Hour), s5), rankJournal},
				{rich("journal", "B", at(0), s5), rankJournal},
			},
			source: []string{"journal", "journal"}, walls: []time.Time{*at(-24 * time.Hour), t0}, boots: []string{"A", "B"},
		},
		{
			name:  "syslog copy of a kmsg record logged before a suspend: one, the syslog time",
			clock: Clock{Suspended: 2 * time.Hour},
			in: []found{
				{rich("/dev/kmsg", "B", at(time.Hour), s5), rankKmsg},
				{rich("/var/log/kern.log", "", at(0), s5), rankFiles},
			},
			source: []string{"/dev/kmsg"}, walls: []time.Time{t0}, boots: []string{"B"},
		},
		{
			name: "syslog copy an hour off with no suspend to explain it: two",
			in: []found{
				{rich("/dev/kmsg", "B", at(time.Hour), s5), rankKmsg},
				{rich("/var/log/kern.log", "", at(0), s5), rankFiles},
			},
			source: []string{"/var/log/kern.log", "/dev/kmsg"}, walls: []time.Time{t0, *at(time.Hour)}, boots: []string{"", "B"},
		},
		{
			name: "syslog copy within a second: the finer kmsg time is kept",
			in: []found{
				{rich("/var/log/kern.log", "", at(0), s5), rankFiles},
				{rich("/dev/kmsg", "B", at(700*time.Millisecond), s5), rankKmsg},
			},
			source: []string{"/dev/kmsg"}, walls: []time.Time{*at(700 * time.Millisecond)}, boots: []string{"B"},
		},
		{
			name: "reports without a victim match by cgroup and trigger",
			in: []found{
				{OOMEvent{Wall: at(0), Start: s5, Source: "/dev/kmsg", Boot: "B", TaskMemcg: "/a", Trigger: Trigger{Comm: "x"}}, rankKmsg},
				{OOMEvent{Wall: at(0), Start: s5, Source: "journal", Boot: "B", TaskMemcg: "/a", Trigger: Trigger{Comm: "x"}}, rankJournal},
				{OOMEvent{Wall: at(0), Start: s5, Source: "journal", Boot: "B", TaskMemcg: "/b", Trigger: Trigger{Comm: "x"}}, rankJournal},
			},
			source: []string{"/dev/kmsg", "journal"}, walls: []time.Time{t0, t0}, boots: []string{"B", "B"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := tt.clock
			if clock == (Clock{}) {
				clock = noSuspend
			}
			got := mergeEvents(tt.in, clock)
			var sources, boots []string
			var walls []time.Time
			for _, e := range got {
				sources, boots = append(sources, e.Source), append(boots, e.Boot)
				walls = append(walls, *e.Wall)
			}
			diff(t, "sources", tt.source, sources)
			diff(t, "walls", tt.walls, walls)
			diff(t, "boots", tt.boots, boots)
		})
	}
}
