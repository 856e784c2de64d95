package killlog

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The fixtures in testdata/read/journal-*.json are written by hand in the
// shape `journalctl -o json` prints (systemd 252): every value a string,
// MESSAGE an array of byte values when it is not UTF-8, null when over
// 4 KiB without --all. journal-kernel.json holds two boots:
//
//   - 3c1f…: a memcg OOM of dd (pid 28912) at printk 15412.230716 s, read by
//     journald 400 µs later; the kill line's __REALTIME_TIMESTAMP is
//     1764400000000400 (2025-11-29T07:06:40.0004Z). Then a dockerd line
//     and a kernel record with MESSAGE null.
//   - 9e8d…: a global OOM of stress (pid 4242) during early boot, printk
//     2.500000 s on, read by journald at CLOCK_MONOTONIC 4.8 s when it
//     started; boot wall time 1764486400 s, so the records were logged at
//     2025-11-30T07:06:42.5Z though journald stamped them 2.3 s later.
//     One task row's name is "my\xffworker", so its MESSAGE is bytes.

func readJournalFixture(t *testing.T, name string) []JournalStream {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata/read", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	streams, err := ParseJournalJSON(f)
	if err != nil {
		t.Fatalf("ParseJournalJSON(%s): %v", name, err)
	}
	return streams
}

func TestParseJournalJSON(t *testing.T) {
	streams := readJournalFixture(t, "journal-kernel.json")
	if len(streams) != 2 {
		t.Fatalf("got %d boots, want 2", len(streams))
	}
	tests := []struct {
		name       string
		stream     JournalStream
		boot       string
		records    int
		victimPID  int
		victimComm string
		wall       time.Time
		check      func(t *testing.T, s JournalStream, e OOMEvent)
	}{
		{
			name: "boot 1: memcg OOM, stamped by journald on receipt",
			// 13 kernel records; the dockerd line is not the kernel's and
			// the null MESSAGE has nothing to read.
			stream: streams[0], boot: "3c1f5a9e-7b2d-4e6f-8a0b-1c2d3e4f5a6b", records: 13,
			victimPID: 28912, victimComm: "dd",
			// The first record: its realtime stamp minus nothing (a 400 µs
			// delay is within the clocks' drift at 4 h of uptime).
			wall: time.UnixMicro(1764400000000400 - (15412231045 - 15412230716)),
			check: func(t *testing.T, s JournalStream, e OOMEvent) {
				if e.TaskMemcg != "/system.slice/docker-3f9a.scope" || e.MemoryLimitKB == nil || *e.MemoryLimitKB != 16384 {
					t.Errorf("memcg fields: %q limit %v", e.TaskMemcg, e.MemoryLimitKB)
				}
				if s.Records[0].Level != 4 || s.Records[2].Level != 6 {
					t.Errorf("levels from PRIORITY: %d %d, want 4 6", s.Records[0].Level, s.Records[2].Level)
				}
				if s.Records[12].Monotonic != 15412231045*time.Microsecond {
					t.Errorf("Monotonic = %v, want _SOURCE_MONOTONIC_TIMESTAMP 15412.231045s", s.Records[12].Monotonic)
				}
			},
		},
		{
			name:   "boot 2: early-boot global OOM, byte-array MESSAGE, journald's delay taken off",
			stream: streams[1], boot: "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b", records: 9,
			victimPID: 4242, victimComm: "stress",
			wall: time.Date(2025, 11, 30, 7, 6, 42, 500000000, time.UTC),
			check: func(t *testing.T, s JournalStream, e OOMEvent) {
				if !e.Global {
					t.Error("not global")
				}
				var names []string
				for _, r := range e.Tasks {
					names = append(names, r.Name)
				}
				if len(names) != 3 || names[2] != "my\xffworker" {
					t.Errorf("task names %q, want the third to be the raw bytes my\\xffworker", names)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.stream
			if s.Boot != tt.boot || len(s.Records) != tt.records {
				t.Fatalf("boot %q with %d records, want %q with %d", s.Boot, len(s.Records), tt.boot, tt.records)
			}
			e := one(t, ParseOOM(s.Records))
			if e.Victim.PID != tt.victimPID || e.Victim.Comm != tt.victimComm {
				t.Errorf("victim %d %q, want %d %q", e.Victim.PID, e.Victim.Comm, tt.victimPID, tt.victimComm)
			}
			if e.Wall == nil || !e.Wall.Equal(tt.wall) {
				t.Errorf("Wall = %v, want %v", e.Wall, tt.wall)
			}
			tt.check(t, s, e)
		})
	}
}

func TestDashedUUID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"3c1f5a9e7b2d4e6f8a0b1c2d3e4f5a6b", "3c1f5a9e-7b2d-4e6f-8a0b-1c2d3e4f5a6b"},
		{"3C1F5A9E7B2D4E6F8A0B1C2D3E4F5A6B", "3c1f5a9e-7b2d-4e6f-8a0b-1c2d3e4f5a6b"},
		{"3c1f5a9e-7b2d-4e6f-8a0b-1c2d3e4f5a6b", "3c1f5a9e-7b2d-4e6f-8a0b-1c2d3e4f5a6b"},
		{"3c1f5a9e7b2d4e6f8a0b1c2d3e4f5a6g", "3c1f5a9e7b2d4e6f8a0b1c2d3e4f5a6g"},
		{"b1", "b1"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := dashedUUID(tt.in); got != tt.want {
				t.Errorf("dashedUUID(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestJournalValue(t *testing.T) {
	tests := []struct {
		raw  string
		want string
		ok   bool
	}{
		{`"text"`, "text", true},
		{`"a\u00e9"`, "aé", true},
		{`[104,105,255]`, "hi\xff", true},
		{`[]`, "", true},
		{`["first","second"]`, "first", true}, // a field repeated in one entry
		{`[[104,105],"x"]`, "hi", true},
		{`null`, "", false},
		{``, "", false},
		{`[256]`, "", false},
		{`[-1]`, "", false},
		{`12`, "", false},
		{`{"a":1}`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, ok := journalValue(json.RawMessage(tt.raw))
			if got != tt.want || ok != tt.ok {
				t.Errorf("journalValue(%s) = %q, %v; want %q, %v", tt.raw, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestDecodeJournalJSON(t *testing.T) {
	good := `{"__REALTIME_TIMESTAMP":"1764400000000000","_BOOT_ID":"b1","MESSAGE":"one","SYSLOG_IDENTIFIER":"kernel"}`
	tests := []struct {
		name     string
		in       string
		messages []string
		errFmt   bool
	}{
		{"two entries", good + "\n" + strings.Replace(good, "one", "two", 1) + "\n", []string{"one", "two"}, false},
		{"no final newline", good, []string{"one"}, false},
		{"blank lines", "\n\n" + good + "\n\n", []string{"one"}, false},
		{"truncated last line (journalctl killed)", good + "\n" + good[:40], []string{"one"}, true},
		{"garbage in between", good + "\nnot json\n" + good + "\n", []string{"one", "one"}, true},
		{"wrong type for a timestamp", `{"__REALTIME_TIMESTAMP":5,"MESSAGE":"x"}` + "\n" + good, []string{"one"}, false},
		{"no realtime stamp", `{"MESSAGE":"x"}` + "\n" + good, []string{"one"}, false},
		{"a line over the read buffer", `{"__REALTIME_TIMESTAMP":"1","MESSAGE":"` + strings.Repeat("x", 600<<10) + `"}`, []string{strings.Repeat("x", 600<<10)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			err := DecodeJournalJSON(strings.NewReader(tt.in), func(e JournalEntry) error {
				got = append(got, e.Message)
				return nil
			})
			if errors.Is(err, ErrFormat) != tt.errFmt || (err != nil && !tt.errFmt) {
				t.Errorf("err = %v, want ErrFormat: %v", err, tt.errFmt)
			}
			if strings.Join(got, "|") != strings.Join(tt.messages, "|") {
				t.Errorf("messages %q, want %q", got, tt.messages)
			}
		})
	}
}

func TestJournalLoggedAt(t *testing.T) {
	rt := time.UnixMicro(1764400000000000)
	tests := []struct {
		name string
		e    JournalEntry
		want time.Time
	}{
		{"no source stamps: receipt time", JournalEntry{Realtime: rt, Monotonic: 5 * time.Second, SourceMonotonic: -1}, rt},
		{"client's own realtime stamp", JournalEntry{Realtime: rt, SourceRealtime: rt.Add(-time.Second), SourceMonotonic: -1}, rt.Add(-time.Second)},
		{"early-boot backlog: delay taken off", JournalEntry{Realtime: rt, Monotonic: 5 * time.Second, SourceMonotonic: 2 * time.Second}, rt.Add(-3 * time.Second)},
		{"late in a long boot: the difference may be clock drift, kept", JournalEntry{Realtime: rt, Monotonic: 30*24*time.Hour + 40*time.Second, SourceMonotonic: 30 * 24 * time.Hour}, rt},
		{"source after receipt (drift the other way): kept", JournalEntry{Realtime: rt, Monotonic: time.Hour, SourceMonotonic: time.Hour + time.Second}, rt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.e.LoggedAt(); !got.Equal(tt.want) {
				t.Errorf("LoggedAt = %v, want %v", got, tt.want)
			}
		})
	}
}

// fakeJournalctl writes a journalctl stand-in that logs its arguments to
// args.log (one run per line) and prints the fixture for the kind of query
// (kernel records or the userspace identifiers), or does what script says.
func fakeJournalctl(t *testing.T, script string) (path, argsLog string) {
	t.Helper()
	dir := t.TempDir()
	argsLog = filepath.Join(dir, "args.log")
	abs, err := filepath.Abs("testdata/read")
	if err != nil {
		t.Fatal(err)
	}
	if script == "" {
		script = `case "$*" in
*_TRANSPORT=kernel*) cat '` + abs + `/journal-kernel.json' ;;
*systemd-oomd*) cat '` + abs + `/journal-userspace.json' ;;
esac`
	}
	path = filepath.Join(dir, "journalctl")
	body := "#!/bin/sh\necho \"$*\" >> '" + argsLog + "'\n" + script + "\n"
	if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return path, argsLog
}

func TestCollectJournal(t *testing.T) {
	since := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		script   string
		since    time.Time
		dirs     []string
		timeout  time.Duration
		events   int
		kills    int
		argsWant []string // substrings of every run's arguments
		runs     int
		warning  string
	}{
		{
			name: "persistent journal", dirs: []string{"var/log/journal"},
			events: 2, kills: 2, runs: 2,
			argsWant: []string{"-o json", "--no-pager", "--all", "-D ROOT/var/log/journal"},
		},
		{
			name: "both journals, since", dirs: []string{"var/log/journal", "run/log/journal"}, since: since,
			// Each directory holds the same fixture: merged to one each.
			events: 2, kills: 2, runs: 4,
			argsWant: []string{"--since @1761955200"},
		},
		{name: "no journal directory: not run", runs: 0},
		{
			name: "journalctl fails", dirs: []string{"var/log/journal"}, script: "echo 'Failed to open: corrupt' >&2; exit 1",
			runs: 2, warning: "journal /var/log/journal: ",
		},
		{
			name: "journalctl reads only the user's journal", dirs: []string{"var/log/journal"},
			script: "echo 'Hint: You are currently not seeing messages from other users and the system.' >&2; echo 'No journal files were opened due to insufficient permissions.' >&2",
			runs:   2, warning: "insufficient permissions",
		},
		{
			name: "journalctl hangs", dirs: []string{"var/log/journal"}, script: "exec sleep 30", timeout: 300 * time.Millisecond,
			runs: 2, warning: "timed out after 300ms",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			for _, d := range tt.dirs {
				if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			jc, argsLog := fakeJournalctl(t, tt.script)
			start := time.Now()
			col, err := Collect(ReadOptions{Root: root, NoKmsg: true, NoFiles: true, Journalctl: jc, Since: tt.since, journalTimeout: tt.timeout})
			if err != nil {
				t.Fatal(err)
			}
			if tt.timeout > 0 && time.Since(start) > 5*time.Second {
				t.Errorf("Collect took %v with a %v journalctl timeout", time.Since(start), tt.timeout)
			}
			if len(col.Events) != tt.events || len(col.Userspace) != tt.kills {
				t.Errorf("%d events, %d userspace kills; want %d, %d", len(col.Events), len(col.Userspace), tt.events, tt.kills)
			}
			for _, e := range col.Events {
				if e.Source != "journal" || e.Boot == "" || e.Wall == nil {
					t.Errorf("event %d (%s): Source %q Boot %q Wall %v", e.Victim.PID, e.Victim.Comm, e.Source, e.Boot, e.Wall)
				}
			}
			logged, _ := os.ReadFile(argsLog)
			runs := strings.Split(strings.TrimSpace(string(logged)), "\n")
			if len(logged) == 0 {
				runs = nil
			}
			if len(runs) != tt.runs {
				t.Errorf("journalctl ran %d times, want %d: %q", len(runs), tt.runs, runs)
			}
			for _, run := range runs {
				for _, w := range tt.argsWant {
					if w = strings.ReplaceAll(w, "ROOT", root); !strings.Contains(run, w) {
						t.Errorf("run %q lacks %q", run, w)
					}
				}
				for _, f := range strings.Fields(run) {
					if f == "-k" || f == "--dmesg" || f == "-b" {
						t.Errorf("run %q uses %s: the current boot only", run, f)
					}
				}
			}
			warns := strings.Join(col.Warnings, "\n")
			if tt.warning == "" && len(col.Warnings) > 0 && tt.runs > 0 {
				t.Errorf("warnings: %s", warns)
			}
			if tt.warning != "" && !strings.Contains(warns, tt.warning) {
				t.Errorf("warnings %q lack %q", warns, tt.warning)
			}
		})
	}
}

// TestCollectJournalAndKmsg: the journal and /dev/kmsg hold the same boot
// (journald writes its ID without dashes). After a suspend the /dev/kmsg
// conversion is an hour late; the reports still match by boot and printk
// time, are kept once, from /dev/kmsg, at the journal's time.
func TestCollectJournalAndKmsg(t *testing.T) {
	streams := readJournalFixture(t, "journal-kernel.json")
	var dump strings.Builder
	for i, r := range streams[1].Records { // boot 9e8d…, the global OOM
		fmt.Fprintf(&dump, "%d,%d,%d,-;%s\n", max(r.Level, 0), 1000+i, r.Monotonic.Microseconds(), strings.ReplaceAll(r.Text, "\xff", `\xff`))
	}
	root := buildTree(t, []fixFile{{name: "dev/kmsg", content: dump.String()}, {name: "var/log/journal/x", content: ""}})
	jc, _ := fakeJournalctl(t, "")
	bootWall := time.UnixMicro(1764486400000000)
	tests := []struct {
		name  string
		clock Clock
	}{
		{"no suspend", Clock{BootWall: bootWall, Boot: "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"}},
		{"an hour suspended since", Clock{BootWall: bootWall.Add(time.Hour), Suspended: time.Hour, Boot: "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			col, err := Collect(ReadOptions{Root: root, Clock: &tt.clock, NoFiles: true, Journalctl: jc})
			if err != nil {
				t.Fatal(err)
			}
			checkEvents(t, col.Events, []wantEvent{
				{28912, "dd", "journal", time.UnixMicro(1764400000000400 - (15412231045 - 15412230716)), "3c1f5a9e-7b2d-4e6f-8a0b-1c2d3e4f5a6b", true},
				{4242, "stress", "/dev/kmsg", time.Date(2025, 11, 30, 7, 6, 42, 500000000, time.UTC), "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b", true},
			})
			var names []string
			for _, r := range col.Events[1].Tasks {
				names = append(names, r.Name)
			}
			if !slices.Contains(names, "my\xffworker") {
				t.Errorf("task names %q lack the \\xff-escaped one, unescaped", names)
			}
		})
	}
}

// TestCollectJournalUserspace checks the kills journald holds, with the
// client's own realtime stamp when it sent one.
func TestCollectJournalUserspace(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "var/log/journal"), 0o755); err != nil {
		t.Fatal(err)
	}
	jc, _ := fakeJournalctl(t, "")
	col, err := Collect(ReadOptions{Root: root, NoKmsg: true, NoFiles: true, Journalctl: jc})
	if err != nil {
		t.Fatal(err)
	}
	want := []UserspaceKill{
		{
			Wall: time.UnixMicro(1764486400000000 + 600000500), Killer: "systemd-oomd",
			Cgroup: "/user.slice/user-1000.slice/user@1000.service/app.slice/app-firefox.scope",
			Text:   "systemd-oomd[611]: Killed /user.slice/user-1000.slice/user@1000.service/app.slice/app-firefox.scope due to memory pressure for /user.slice/user-1000.slice/user@1000.service being 62.35% > 50.00% for > 20s with reclaim activity",
			Source: "journal",
		},
		{
			Wall: time.UnixMicro(1764486400000000 + 700000100), Killer: "earlyoom", PID: 5123, Comm: "chrome", Signal: "SIGTERM",
			Text: `earlyoom[702]: sending SIGTERM to process 5123 uid 1000 "chrome": badness 812, VmRSS 3021 MiB`, Source: "journal",
		},
	}
	diff(t, "userspace kills", want, col.Userspace)
}

// TestCollectLiveJournalctl runs the real journalctl, where installed, with
// Collect's arguments: it must accept them (this VM has no journal files,
// so nothing is read, but an unknown option would fail).
func TestCollectLiveJournalctl(t *testing.T) {
	if _, err := os.Stat("/usr/bin/journalctl"); err != nil {
		t.Skip("no journalctl")
	}
	tests := []struct {
		name string
		opt  ReadOptions
	}{
		{"live host", ReadOptions{Root: "/", NoKmsg: true, NoFiles: true}},
		{"live host since", ReadOptions{Root: "/", NoKmsg: true, NoFiles: true, Since: time.Now().Add(-time.Hour)}},
		{"another root's journal", ReadOptions{Root: "ROOT", NoKmsg: true, NoFiles: true, Since: time.Now().Add(-time.Hour)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.opt.Root == "ROOT" {
				tt.opt.Root = t.TempDir()
				if err := os.MkdirAll(filepath.Join(tt.opt.Root, "var/log/journal"), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			col, err := Collect(tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if len(col.Sources) != 1 || col.Sources[0].Err != "" {
				t.Errorf("sources %+v, want one journal read without error; warnings %q", col.Sources, col.Warnings)
			}
		})
	}
}
