package killlog

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func u64(v uint64) *uint64 { return &v }
func ip(v int) *int        { return &v }

// textRecords makes one record per non-empty line, 1 ms apart, as a
// syslog file would give them after ParseKernLogLine.
func textRecords(s string) []Record {
	var recs []Record
	for i, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			recs = append(recs, Record{Level: -1, Monotonic: time.Duration(i+1) * time.Millisecond, Text: l})
		}
	}
	return recs
}

func kmsgFile(t *testing.T, name string) []Record {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := ParseKmsg(data)
	if err != nil {
		t.Fatalf("ParseKmsg(%s): %v", name, err)
	}
	return recs
}

func one(t *testing.T, evs []OOMEvent) OOMEvent {
	t.Helper()
	if len(evs) != 1 {
		t.Fatalf("got %d events, want 1: %+v", len(evs), evs)
	}
	return evs[0]
}

func diff(t *testing.T, what string, want, got any) {
	t.Helper()
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

func TestParseOOM(t *testing.T) {
	tests := []struct {
		name  string
		recs  func(t *testing.T) []Record
		check func(t *testing.T, evs []OOMEvent)
	}{
		{
			name: "real: kubernetes/kubernetes#56891 (3.10 memcg, chosen != killed)",
			recs: func(*testing.T) []Record {
				return textRecords(`
java invoked oom-killer: gfp_mask=0xd0, order=0, oom_score_adj=-998
Memory cgroup out of memory: Kill process 24572 (java) score 0 or sacrifice child
Killed process 28438 (java) total-vm:20255636kB, anon-rss:466160kB, file-rss:13684kB`)
			},
			check: func(t *testing.T, evs []OOMEvent) {
				e := one(t, evs)
				diff(t, "event", OOMEvent{
					Start:     time.Millisecond,
					Trigger:   Trigger{Comm: "java", GFPMask: "0xd0", OOMScoreAdj: -998},
					Message:   "Memory cgroup out of memory",
					ChosenPID: 24572, ChosenComm: "java",
					Victim: Victim{PID: 28438, Comm: "java", TotalVMKB: 20255636, AnonRSSKB: 466160, FileRSSKB: 13684},
				}, e)
			},
		},
		{
			name: "real: istio/istio#42734 (4.x v1 systemd driver, Task in ... limit of)",
			recs: func(*testing.T) []Record {
				return textRecords(`
Task in /kubepods.slice/…/docker-b2720133….scope killed as a result of limit of /kubepods.slice/…/docker-b2720133….scope
memory: usage 1048576kB, limit 1048576kB, failcnt 189
kmem: usage 0kB, limit 9007199254740988kB`)
			},
			check: func(t *testing.T, evs []OOMEvent) {
				e := one(t, evs)
				diff(t, "event", OOMEvent{
					Start:         time.Millisecond,
					TaskMemcg:     "/kubepods.slice/…/docker-b2720133….scope",
					OOMMemcg:      "/kubepods.slice/…/docker-b2720133….scope",
					MemoryUsageKB: u64(1048576), MemoryLimitKB: u64(1048576), Failcnt: u64(189),
					KmemUsageKB: u64(0), KmemLimitKB: u64(9007199254740988),
				}, e)
			},
		},
		{
			name: "real: reportportal/kubernetes#203 (5.4 Killed process + oom_reaper)",
			recs: func(*testing.T) []Record {
				return textRecords(`
Memory cgroup out of memory: Killed process 63214 (uwsgi) total-vm:3149468kB, anon-rss:164992kB, file-rss:52176kB, shmem-rss:92kB, UID:0 pgtables:1372kB oom_score_adj:986
oom_reaper: reaped process 63214 (uwsgi), now anon-rss:0kB, file-rss:0kB, shmem-rss:92kB`)
			},
			check: func(t *testing.T, evs []OOMEvent) {
				e := one(t, evs)
				diff(t, "event", OOMEvent{
					Start:   time.Millisecond,
					Message: "Memory cgroup out of memory",
					Victim: Victim{PID: 63214, Comm: "uwsgi", TotalVMKB: 3149468, AnonRSSKB: 164992, FileRSSKB: 52176, ShmemRSSKB: 92,
						UID: ip(0), PgtablesKB: u64(1372), OOMScoreAdj: ip(986)},
					Reaped: true, Reaper: ReaperResult{ShmemRSSKB: 92},
				}, e)
			},
		},
		{
			name: "real: google/cadvisor#2417 (5.0+ summary, pod-level limit)",
			recs: func(*testing.T) []Record {
				return textRecords(`oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=ef807430…,mems_allowed=0,oom_memcg=/kubepods/burstable/podfbdfe8e3-…,task_memcg=/kubepods/burstable/podfbdfe8e3-…/ef807430…,task=manager,pid=966,uid=0`)
			},
			check: func(t *testing.T, evs []OOMEvent) {
				e := one(t, evs)
				diff(t, "event", OOMEvent{
					Start:      time.Millisecond,
					Constraint: "CONSTRAINT_MEMCG", Nodemask: "(null)", Cpuset: "ef807430…", MemsAllowed: "0",
					OOMMemcg:    "/kubepods/burstable/podfbdfe8e3-…",
					TaskMemcg:   "/kubepods/burstable/podfbdfe8e3-…/ef807430…",
					SummaryComm: "manager", SummaryPID: 966, SummaryUID: ip(0),
				}, e)
			},
		},
		{
			// The excerpt elides the lines between "memory:" and the stats; the
			// "Memory cgroup stats for" header is added here (not in the source).
			name: "real: threefoldtech/0-db#129 (page cache fills the limit)",
			recs: func(*testing.T) []Record {
				return textRecords(`
zdb invoked oom-killer: gfp_mask=0x101c4a(GFP_NOFS|…|__GFP_WRITE)
memory: usage 308224kB, limit 308224kB, failcnt 3270355
Memory cgroup stats for /zdb:
anon 16760832
file 296288256`)
			},
			check: func(t *testing.T, evs []OOMEvent) {
				e := one(t, evs)
				diff(t, "trigger", Trigger{Comm: "zdb", GFPMask: "0x101c4a(GFP_NOFS|…|__GFP_WRITE)"}, e.Trigger)
				diff(t, "usage", []*uint64{u64(308224), u64(308224), u64(3270355)}, []*uint64{e.MemoryUsageKB, e.MemoryLimitKB, e.Failcnt})
				diff(t, "stats", map[string]uint64{"anon": 16760832, "file": 296288256}, e.Stats)
			},
		},
		{
			name: "4.9-4.20 layout: nodemask in trigger, cpuset line, Task in, nr_ptes/nr_pmds, one-line stats",
			recs: func(*testing.T) []Record {
				return textRecords(`
my app invoked oom-killer: gfp_mask=0x14000c0(GFP_KERNEL), nodemask=0-1,3, order=2, oom_score_adj=-5
my app cpuset=docker-1 mems_allowed=0-1
CPU: 1 PID: 77 Comm: my app Not tainted 4.14.0 #1
Task in /docker/abc killed as a result of limit of /docker
memory: usage 65536kB, limit 65536kB, failcnt 12
memory+swap: usage 65536kB, limit 131072kB, failcnt 0
kmem: usage 1024kB, limit 9007199254740988kB, failcnt 0
Memory cgroup stats for /docker: cache:1KB rss:2KB rss_huge:0KB
Memory cgroup stats for /docker/abc: cache:4KB rss:65532KB rss_huge:2048KB mapped_file:0KB swap:0KB
[ pid ]   uid  tgid total_vm      rss nr_ptes nr_pmds swapents oom_score_adj name
[   77]     0    77    20000    16000      40       3        0            -5 my app
[   78]    33    78     1000      100       4       2        7             0 sh
Memory cgroup out of memory: Kill process 77 (my app) score 1003 or sacrifice child
Killed process 77 (my app) total-vm:80000kB, anon-rss:63000kB, file-rss:1000kB, shmem-rss:4kB`)
			},
			check: func(t *testing.T, evs []OOMEvent) {
				e := one(t, evs)
				diff(t, "trigger", Trigger{Comm: "my app", GFPMask: "0x14000c0(GFP_KERNEL)", Nodemask: "0-1,3", Order: 2, OOMScoreAdj: -5}, e.Trigger)
				diff(t, "cpuset", []string{"docker-1", "0-1", "/docker/abc", "/docker", "/docker"},
					[]string{e.Cpuset, e.MemsAllowed, e.TaskMemcg, e.OOMMemcg, e.StatsCgroup})
				diff(t, "swap", []*uint64{u64(65536), u64(131072), u64(0)}, []*uint64{e.SwapUsageKB, e.SwapLimitKB, e.SwapFailcnt})
				// Only the first block (the OOM memcg) is kept; KB become bytes.
				diff(t, "stats", map[string]uint64{"cache": 1024, "rss": 2048, "rss_huge": 0}, e.Stats)
				diff(t, "tasks", []TaskRow{
					{PID: 77, UID: 0, TGID: 77, TotalVM: 20000, RSS: 16000, NrPtes: u64(40), NrPmds: u64(3), OOMScoreAdj: -5, Name: "my app"},
					{PID: 78, UID: 33, TGID: 78, TotalVM: 1000, RSS: 100, NrPtes: u64(4), NrPmds: u64(2), SwapEnts: 7, Name: "sh"},
				}, e.Tasks)
				diff(t, "chosen", []any{77, "my app", uint64(1003)}, []any{e.ChosenPID, e.ChosenComm, e.ChosenScore})
				diff(t, "victim", Victim{PID: 77, Comm: "my app", TotalVMKB: 80000, AnonRSSKB: 63000, FileRSSKB: 1000, ShmemRSSKB: 4}, e.Victim)
				if e.Global {
					t.Error("memcg OOM reported as global")
				}
			},
		},
		{
			name: "old stats with ': ' in the path",
			recs: func(*testing.T) []Record {
				return textRecords(`
x invoked oom-killer: gfp_mask=0xd0, order=0, oom_score_adj=0
Memory cgroup stats for /a: b: cache:8KB rss:4KB`)
			},
			check: func(t *testing.T, evs []OOMEvent) {
				e := one(t, evs)
				diff(t, "stats", []any{"/a: b", map[string]uint64{"cache": 8192, "rss": 4096}}, []any{e.StatsCgroup, e.Stats})
			},
		},
		{
			name: "v2 6.x: swap line, 6.8 task columns, memory.oom.group kill",
			recs: func(*testing.T) []Record {
				return textRecords(`
python3 invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0
memory: usage 102400kB, limit 102400kB, failcnt 54
swap: usage 2048kB, limit 4096kB, failcnt 3
Memory cgroup stats for /system.slice/app.service:
anon 104000000
file 12288
pgfault 9000
Tasks state (memory values in pages):
[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents oom_score_adj name
[   500]     0   500     5000     4000     3000      900      100    65536       10             0 python3
[   501]     0   501     1000      100       50       50        0    16384        0          -100 sleep
oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/system.slice/app.service,task_memcg=/system.slice/app.service,task=python3,pid=500,uid=0
Memory cgroup out of memory: Killed process 500 (python3) total-vm:20000kB, anon-rss:12000kB, file-rss:3600kB, shmem-rss:400kB, UID:0 pgtables:64kB oom_score_adj:0
Tasks in /system.slice/app.service are going to be killed due to memory.oom.group set
Memory cgroup out of memory: Killed process 501 (sleep) total-vm:4000kB, anon-rss:200kB, file-rss:200kB, shmem-rss:0kB, UID:0 pgtables:16kB oom_score_adj:-100`)
			},
			check: func(t *testing.T, evs []OOMEvent) {
				e := one(t, evs)
				diff(t, "swap", []*uint64{u64(2048), u64(4096), u64(3)}, []*uint64{e.SwapUsageKB, e.SwapLimitKB, e.SwapFailcnt})
				diff(t, "stats", map[string]uint64{"anon": 104000000, "file": 12288, "pgfault": 9000}, e.Stats)
				diff(t, "tasks", []TaskRow{
					{PID: 500, TGID: 500, TotalVM: 5000, RSS: 4000, RSSAnon: u64(3000), RSSFile: u64(900), RSSShmem: u64(100), PgtablesBytes: u64(65536), SwapEnts: 10, Name: "python3"},
					{PID: 501, TGID: 501, TotalVM: 1000, RSS: 100, RSSAnon: u64(50), RSSFile: u64(50), RSSShmem: u64(0), PgtablesBytes: u64(16384), OOMScoreAdj: -100, Name: "sleep"},
				}, e.Tasks)
				diff(t, "group", []any{"/system.slice/app.service", 1, 501}, []any{e.GroupKill, len(e.GroupVictims), e.GroupVictims[0].PID})
				diff(t, "victim pid", 500, e.Victim.PID)
			},
		},
		{
			name: "already exiting and no killable processes",
			recs: func(*testing.T) []Record {
				return textRecords(`
a invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0
Memory cgroup out of memory: OOM victim 42 (a) is already exiting. Skip killing the task
b invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0
Out of memory and no killable processes...`)
			},
			check: func(t *testing.T, evs []OOMEvent) {
				if len(evs) != 2 {
					t.Fatalf("got %d events, want 2", len(evs))
				}
				diff(t, "exiting", []any{42, "a", 0}, []any{evs[0].ExitingPID, evs[0].ExitingComm, evs[0].Victim.PID})
				diff(t, "no killable", []any{"b", true, true}, []any{evs[1].Trigger.Comm, evs[1].NoKillable, evs[1].Global})
			},
		},
		{
			// 4.9+: every fragment is 'c' and joins the previous record.
			name: "continuation fragments, 4.9+ semantics",
			recs: func(t *testing.T) []Record {
				recs, err := ParseKmsg([]byte(`4,1,10,-;x invoked oom-killer: gfp_mask=0xd0, order=0, oom_score_adj=0
3,2,20,-;Killed process 9 (x) total-vm:
3,3,30,c;10kB, anon-rss:5kB, file-rss:1kB
`))
				if err != nil {
					t.Fatal(err)
				}
				return recs
			},
			check: func(t *testing.T, evs []OOMEvent) {
				diff(t, "victim", Victim{PID: 9, Comm: "x", TotalVMKB: 10, AnonRSSKB: 5, FileRSSKB: 1}, one(t, evs).Victim)
			},
		},
		{
			// 3.5-4.8: the first fragment is 'c', the rest '+'.
			name: "continuation fragments, 3.x semantics (one-line stats)",
			recs: func(t *testing.T) []Record {
				recs, err := ParseKmsg([]byte(`4,1,10,-;x invoked oom-killer: gfp_mask=0xd0, order=0, oom_score_adj=0
6,2,20,c;Memory cgroup stats for 
6,3,20,+;/docker/abc
6,4,20,+;:
6,5,20,+; cache:4KB
6,6,20,+; rss:8KB
6,7,30,-;Killed process 9 (x) total-vm:10kB, anon-rss:5kB, file-rss:1kB
`))
				if err != nil {
					t.Fatal(err)
				}
				return recs
			},
			check: func(t *testing.T, evs []OOMEvent) {
				e := one(t, evs)
				diff(t, "stats", []any{"/docker/abc", map[string]uint64{"cache": 4096, "rss": 8192}}, []any{e.StatsCgroup, e.Stats})
			},
		},
		{
			name: "global OOM fixture from the format spec (5.x)",
			recs: func(t *testing.T) []Record { return kmsgFile(t, "kmsg-global-oom.txt") },
			check: func(t *testing.T, evs []OOMEvent) {
				e := one(t, evs)
				diff(t, "summary", []any{"CONSTRAINT_NONE", true, "0-1,3", "/", "", "/user.slice/user-1000.slice/session-3.scope", "stress", 4242, ip(1000)},
					[]any{e.Constraint, e.Global, e.MemsAllowed, e.Cpuset, e.OOMMemcg, e.TaskMemcg, e.SummaryComm, e.SummaryPID, e.SummaryUID})
				diff(t, "start", 5*time.Second, e.Start)
				diff(t, "tasks", []string{"systemd-udevd", "stress", "my worker"}, []string{e.Tasks[0].Name, e.Tasks[1].Name, e.Tasks[2].Name})
				diff(t, "adj", -1000, e.Tasks[0].OOMScoreAdj)
				diff(t, "victim", Victim{PID: 4242, Comm: "stress", TotalVMKB: 2400000, AnonRSSKB: 1999000, FileRSSKB: 1000,
					UID: ip(1000), PgtablesKB: u64(4004), OOMScoreAdj: ip(0)}, e.Victim)
				diff(t, "message", "Out of memory", e.Message)
				if !e.Reaped {
					t.Error("oom_reaper line not attached")
				}
			},
		},
		{
			// Header and summary share one rate limit; "Killed process" does not.
			name: "storm fixture: 5 kills, one header",
			recs: func(t *testing.T) []Record { return kmsgFile(t, "kmsg-storm.txt") },
			check: func(t *testing.T, evs []OOMEvent) {
				if len(evs) != 5 {
					t.Fatalf("got %d events, want 5", len(evs))
				}
				var pids []int
				for _, e := range evs {
					pids = append(pids, e.Victim.PID)
				}
				diff(t, "victims", []int{3001, 3002, 3003, 3004, 3005}, pids)
				diff(t, "first has header", []any{"java", "CONSTRAINT_MEMCG", u64(524288)}, []any{evs[0].Trigger.Comm, evs[0].Constraint, evs[0].MemoryLimitKB})
				diff(t, "later have only victim", OOMEvent{Start: 9100 * time.Millisecond, Message: "Memory cgroup out of memory", Victim: evs[1].Victim, Reaped: true}, evs[1])
				diff(t, "storm start", 9400*time.Millisecond, evs[4].Start)
			},
		},
		{
			name: "real: this machine, kernel 6.18 cgroup v1 memcg OOM of dd (testdata/kmsg-6.18-memcg-oom.txt)",
			recs: func(t *testing.T) []Record { return kmsgFile(t, "kmsg-6.18-memcg-oom.txt") },
			check: func(t *testing.T, evs []OOMEvent) {
				// Recorded by the capture: dd was PID 28912 in /nsx-killlog-7855c4.
				checkLiveEvent(t, one(t, evs), 28912, "/nsx-killlog-7855c4")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, ParseOOM(tt.recs(t)))
		})
	}
}

// checkLiveEvent asserts what a 16 MiB memcg OOM of dd must report.
func checkLiveEvent(t *testing.T, e OOMEvent, pid int, cg string) {
	t.Helper()
	diff(t, "memcgs", []string{cg, cg, cg}, []string{e.OOMMemcg, e.TaskMemcg, e.StatsCgroup})
	diff(t, "victim", []any{pid, "dd"}, []any{e.Victim.PID, e.Victim.Comm})
	diff(t, "summary", []any{pid, "dd", "CONSTRAINT_MEMCG", false}, []any{e.SummaryPID, e.SummaryComm, e.Constraint, e.Global})
	diff(t, "trigger comm", "dd", e.Trigger.Comm)
	if e.MemoryLimitKB == nil || *e.MemoryLimitKB != 16384 {
		t.Errorf("MemoryLimitKB = %v, want 16384", e.MemoryLimitKB)
	}
	if e.Victim.UID == nil || e.Victim.PgtablesKB == nil || e.Victim.OOMScoreAdj == nil || e.Victim.AnonRSSKB == 0 {
		t.Errorf("victim lacks 5.4+ fields: %+v", e.Victim)
	}
	if len(e.Tasks) == 0 || e.Tasks[len(e.Tasks)-1].PID != pid {
		t.Errorf("task table %+v lacks pid %d", e.Tasks, pid)
	}
	if len(e.Stats) < 5 {
		t.Errorf("Stats = %v, want the memory.stat block", e.Stats)
	}
}
