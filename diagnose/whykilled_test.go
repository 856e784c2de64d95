package diagnose

import (
	"errors"
	"strings"
	"testing"
	"time"

	"nsx/inspect"
	"nsx/killlog"
	"nsx/runtimes"
)

const (
	webID   = "45e22fdaba17c0ffee0123456789abcdef0123456789abcdef0123456789abcd"
	otherID = "9c2d0e1f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d"
)

var base = time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)

func tp(d time.Duration) *time.Time { t := base.Add(d); return &t }
func u(v uint64) *uint64            { return &v }
func ip(v int) *int                 { return &v }

func dockerWeb(state string, run *runtimes.RunState) *runtimes.Container {
	return &runtimes.Container{Runtime: runtimes.Docker, ID: webID, Name: "web", State: state, LastRun: run}
}

// memcgKill is a kill at base+at of pid in /docker/<id> (or a sub-cgroup),
// with the OOM cgroup oomCg.
func memcgKill(at time.Duration, pid int, comm, taskCg, oomCg string) Kill {
	return Kill{Time: tp(at), PID: pid, Comm: comm, TaskMemcg: taskCg, OOMMemcg: oomCg,
		LimitBytes: u(32 << 20), UsageBytes: u(32 << 20), AnonRSSBytes: 30 << 20, Source: "/dev/kmsg", AttributedBy: "cgroup"}
}

func TestWhyKilledVerdicts(t *testing.T) {
	webCg := "/docker/" + webID
	exited := func(code int, oom bool) *runtimes.RunState {
		return &runtimes.RunState{StartedAt: tp(0), FinishedAt: tp(time.Minute), ExitCode: ip(code), OOMKilled: oom}
	}
	tests := []struct {
		name       string
		in         Input
		wantCode   string
		wantSev    Severity
		wantKills  int
		wantMain   bool // the last kill is the main process
		wantInText []string
		// wantNotInText must not appear in the summary.
		wantNotInText []string
	}{
		{
			name: "exited 137 after a kill at its own limit",
			in: Input{Subject: Subject{Kind: "container", Container: dockerWeb("exited", exited(137, true))},
				Kills: []Kill{memcgKill(59*time.Second, 3855, "java", webCg, webCg)}},
			wantCode: CodeOOMLimit, wantSev: Critical, wantKills: 1, wantMain: true,
			wantInText: []string{"web (docker 45e22fdaba17)", "own memory limit of 32.0 MiB", "java (pid 3855)"},
		},
		{
			name: "a kill in a sub-cgroup of the container is still its own limit",
			in: Input{Subject: Subject{Kind: "container", Container: dockerWeb("exited", exited(137, false))},
				Kills: []Kill{memcgKill(59*time.Second, 3855, "java", webCg+"/worker", webCg)}},
			wantCode: CodeOOMLimit, wantSev: Critical, wantKills: 1, wantMain: true,
		},
		{
			name: "the pod's limit",
			in: Input{Subject: Subject{Kind: "container", Container: &runtimes.Container{Runtime: runtimes.Containerd, ID: webID, Name: "app", State: "exited", LastRun: exited(137, true)}},
				Kills: []Kill{memcgKill(time.Minute, 966, "manager", "/kubepods/burstable/podfbdf/"+webID, "/kubepods/burstable/podfbdf")}},
			wantCode: CodeOOMAncestorLimit, wantSev: Critical, wantKills: 1, wantMain: true,
			wantInText: []string{"the pod's cgroup /kubepods/burstable/podfbdf"},
		},
		{
			name: "an ancestor's limit: the parent's limit is not called its own",
			in: Input{Subject: Subject{Kind: "container", Container: dockerWeb("exited", exited(137, true))},
				Kills:  []Kill{memcgKill(time.Minute, 966, "dd", "/parent/"+webID, "/parent")},
				Levels: []inspect.CgroupLevel{{Path: "/parent", Controller: "memory", LimitBytes: u(32 << 20)}}},
			wantCode: CodeOOMAncestorLimit, wantSev: Critical, wantKills: 1, wantMain: true,
			wantNotInText: []string{"Its own limit"},
		},
		{
			name: "an ancestor's limit: the victim's own level is read",
			in: Input{Subject: Subject{Kind: "process", PID: 966},
				Kills: []Kill{memcgKill(time.Minute, 966, "dd", "/parent/child", "/parent")},
				Levels: []inspect.CgroupLevel{{Path: "/parent/child", Controller: "memory", LimitBytes: u(1 << 30)},
					{Path: "/parent", Controller: "memory", LimitBytes: u(32 << 20)}}},
			wantCode: CodeOOMAncestorLimit, wantSev: Critical, wantKills: 1, wantMain: true,
			wantInText: []string{"Its own limit is 1.0 GiB."},
		},
		{
			name: "host-wide OOM names the top users",
			in: Input{Subject: Subject{Kind: "container", Container: dockerWeb("exited", exited(137, false))},
				Kills: []Kill{{Time: tp(time.Minute), PID: 77, Comm: "mysqld", Kind: KillHost, TaskMemcg: webCg,
					TopTasks: []TaskUse{{PID: 12, Comm: "hog", RSSBytes: 20 << 30}}}}},
			wantCode: CodeOOMHost, wantSev: Critical, wantKills: 1, wantMain: true,
			wantInText: []string{"host-wide OOM", "hog (pid 12) 20.0 GiB"},
		},
		{
			name: "SIGKILL and no OOM report: killed from outside",
			in: Input{Subject: Subject{Kind: "container", Container: dockerWeb("exited", exited(137, false))},
				Kills: []Kill{memcgKill(time.Minute, 3855, "java", "/docker/"+otherID, "/docker/"+otherID)}},
			wantCode: CodeSIGKILL, wantSev: Critical, wantKills: 0,
			wantInText: []string{"137 alone means SIGKILL, not OOM"},
		},
		{
			name: "a kill long before the end did not end the run",
			in: Input{Subject: Subject{Kind: "container", Container: dockerWeb("exited", exited(137, false))},
				Kills: []Kill{memcgKill(5*time.Second, 3855, "worker", webCg, webCg)}},
			wantCode: CodeSIGKILL, wantSev: Critical, wantKills: 1,
			wantInText: []string{"Earlier in the run the OOM killer killed 1"},
		},
		{
			name:     "runtime says OOMKilled but the log lost it",
			in:       Input{Subject: Subject{Kind: "container", Container: dockerWeb("exited", exited(137, true))}},
			wantCode: CodeOOMLimit, wantSev: Critical, wantInText: []string{"runtime recorded OOMKilled"},
		},
		{
			name: "systemd-oomd killed it",
			in: Input{Subject: Subject{Kind: "container", Container: dockerWeb("exited", exited(137, false))},
				Kills: []Kill{KillFromUserspace(base.Add(time.Minute), "systemd-oomd", "/system.slice/docker-"+webID+".scope", 0, "", "Killed /system.slice/docker-"+webID+".scope due to memory pressure", "/var/log/syslog")}},
			wantCode: CodeSIGKILL, wantSev: Critical, wantKills: 1, wantMain: true, wantInText: []string{"by systemd-oomd"},
		},
		{
			name:     "exited 3 on its own",
			in:       Input{Subject: Subject{Kind: "container", Container: dockerWeb("exited", exited(3, false))}},
			wantCode: CodeExited, wantSev: OK, wantInText: []string{"with code 3"},
		},
		{
			name:     "SIGTERM is an exit by signal, not a kill",
			in:       Input{Subject: Subject{Kind: "container", Container: dockerWeb("exited", exited(143, false))}},
			wantCode: CodeExited, wantSev: OK, wantInText: []string{"SIGTERM (exit code 143)"},
		},
		{
			name: "running, a worker was killed this run",
			in: Input{Subject: Subject{Kind: "container", Alive: true, Container: dockerWeb("running", &runtimes.RunState{StartedAt: tp(0)}), Started: tp(0), Cgroup: webCg},
				Kills: []Kill{memcgKill(-time.Hour, 100, "old", webCg, webCg), memcgKill(30*time.Second, 3900, "dd", webCg, webCg)}},
			wantCode: CodeOOMChild, wantSev: Warning, wantKills: 2, wantMain: false,
			wantInText: []string{"1 process: dd (pid 3900)"},
		},
		{
			name: "running, the previous run was OOM-killed and restarted",
			in: Input{Subject: Subject{Kind: "container", Alive: true, Started: tp(2 * time.Minute),
				Container: dockerWeb("running", &runtimes.RunState{StartedAt: tp(2 * time.Minute), FinishedAt: tp(time.Minute + time.Second), RestartCount: 3})},
				Kills: []Kill{memcgKill(time.Minute, 3855, "java", webCg, webCg)}},
			wantCode: CodeOOMLimit, wantSev: Critical, wantKills: 1, wantMain: true,
			wantInText: []string{"restart count 3"},
		},
		{
			name: "running pod container whose previous attempt was killed at the pod's limit",
			in: Input{Subject: Subject{Kind: "container", Alive: true, Started: tp(2 * time.Minute), Cgroup: "/kubepods/podA/" + webID,
				Container: &runtimes.Container{Runtime: runtimes.Containerd, ID: webID, Name: "app", State: "running", Pod: &runtimes.Pod{Namespace: "shop", Name: "web-1"}},
				PreviousAttempt: &runtimes.Container{Runtime: runtimes.Containerd, ID: otherID, Name: "app", State: "exited",
					LastRun: &runtimes.RunState{FinishedAt: tp(time.Minute + time.Second), ExitCode: ip(137), Reason: "OOMKilled"}}},
				Kills: []Kill{memcgKill(time.Minute, 77, "app", "/kubepods/podA/"+otherID, "/kubepods/podA"), memcgKill(time.Minute, 78, "x", "/kubepods/podB/c", "/kubepods/podB")}},
			wantCode: CodeOOMAncestorLimit, wantSev: Critical, wantKills: 1, wantMain: true,
			wantInText: []string{"shop/web-1/app", "the pod's cgroup /kubepods/podA", "previous attempt, container 9c2d0e1f3a4b"},
		},
		{
			name: "running, its cgroup counted OOM kills the log no longer has",
			in: Input{Subject: Subject{Kind: "container", Alive: true, Container: dockerWeb("running", nil), Cgroup: webCg},
				Levels: []inspect.CgroupLevel{{Path: webCg, Controller: "memory", Events: map[string]uint64{"oomKill": 2}}}},
			wantCode: CodeOOMChild, wantSev: Warning, wantInText: []string{"counts 2 OOM kill(s)"},
		},
		{
			name: "running, forks refused",
			in: Input{Subject: Subject{Kind: "container", Alive: true, Container: dockerWeb("running", nil), Cgroup: webCg},
				Levels: []inspect.CgroupLevel{
					{Path: webCg, Controller: "memory", UsageBytes: u(1 << 20)},
					{Path: webCg, Controller: "pids", PIDsLimit: u(10), PIDsCurrent: u(10), PIDsEventsMax: u(21)}}},
			wantCode: CodePIDsLimit, wantSev: Warning, wantInText: []string{"21 fork(s) were refused", "limit of 10"},
		},
		{
			name: "running with headroom",
			in: Input{Subject: Subject{Kind: "container", Alive: true, Container: dockerWeb("running", nil), Cgroup: webCg},
				Levels: []inspect.CgroupLevel{{Path: webCg, Controller: "memory", UsageBytes: u(16 << 20), LimitBytes: u(64 << 20)}, {Path: "/docker", Controller: "memory", UsageBytes: u(1 << 30)}}},
			wantCode: CodeRunning, wantSev: OK, wantInText: []string{"16.0 MiB of its own 64.0 MiB limit (25%)"},
		},
		{
			name: "running at 95% of a parent's limit is a warning",
			in: Input{Subject: Subject{Kind: "container", Alive: true, Container: dockerWeb("running", nil), Cgroup: webCg},
				Levels: []inspect.CgroupLevel{{Path: webCg, Controller: "memory", UsageBytes: u(95 << 20)}, {Path: "/parent", Controller: "memory", UsageBytes: u(95 << 20), LimitBytes: u(100 << 20)}}},
			wantCode: CodeRunning, wantSev: Warning, wantInText: []string{"of the cgroup /parent's 100.0 MiB limit (95%)", "close to the limit"},
		},
		{
			name: "a gone PID killed by its parent's limit",
			in: Input{Subject: Subject{Kind: "process", PID: 4242}, Boot: "b1",
				Kills: []Kill{
					{Time: tp(0), PID: 4242, Comm: "old-life", Boot: "b0", TaskMemcg: "/x", OOMMemcg: "/x"},
					memcgKill(time.Minute, 4242, "dd", "/nsx/parent/child", "/nsx/parent")}},
			wantCode: CodeOOMAncestorLimit, wantSev: Critical, wantKills: 1, wantMain: true,
			wantInText: []string{"process 4242", "/nsx/parent"},
		},
		{
			name: "a live process whose cgroup lost a child",
			in: Input{Subject: Subject{Kind: "process", PID: 10, Alive: true, Comm: "sh", Cgroup: "/batch", Started: tp(0)},
				Kills: []Kill{memcgKill(time.Minute, 11, "dd", "/batch", "/batch"), memcgKill(time.Minute, 12, "other", "/batchy", "/batchy")}},
			wantCode: CodeOOMChild, wantSev: Warning, wantKills: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := WhyKilled(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if r.Verdict.Code != tt.wantCode || r.Verdict.Severity != tt.wantSev || r.Verdict.Number != codeNumbers[tt.wantCode] {
				t.Errorf("verdict %s/%d (%s), want %s (%s): %s", r.Verdict.Code, r.Verdict.Number, r.Verdict.Severity, tt.wantCode, tt.wantSev, r.Verdict.Summary)
			}
			if len(r.Kills) != tt.wantKills {
				t.Errorf("%d kills, want %d: %+v", len(r.Kills), tt.wantKills, r.Kills)
			}
			if tt.wantKills > 0 && len(r.Kills) > 0 && r.Kills[len(r.Kills)-1].MainProcess != tt.wantMain {
				t.Errorf("last kill mainProcess %v, want %v", r.Kills[len(r.Kills)-1].MainProcess, tt.wantMain)
			}
			for _, s := range tt.wantInText {
				if !strings.Contains(r.Verdict.Summary, s) {
					t.Errorf("summary lacks %q:\n%s", s, r.Verdict.Summary)
				}
			}
			for _, s := range tt.wantNotInText {
				if strings.Contains(r.Verdict.Summary, s) {
					t.Errorf("summary says %q:\n%s", s, r.Verdict.Summary)
				}
			}
			if len(r.Verdict.Fix) == 0 && r.Verdict.Severity != OK {
				t.Errorf("no advice for a %s verdict", r.Verdict.Severity)
			}
		})
	}
}

func TestWhyKilledGonePIDWithoutEvidence(t *testing.T) {
	_, err := WhyKilled(Input{Subject: Subject{Kind: "process", PID: 4242},
		Kills: []Kill{memcgKill(0, 4243, "dd", "/a", "/a")}})
	if !errors.Is(err, ErrNoEvidence) {
		t.Fatalf("err %v, want ErrNoEvidence", err)
	}
}

// TestKillsFromEvents checks the conversion of reports into kills: kinds,
// units, a group kill, and a rate-limited report attributed by PID through
// the task table of an earlier report.
func TestKillsFromEvents(t *testing.T) {
	cg := "/docker/" + webID
	events := []killlog.OOMEvent{
		{Start: time.Second, Wall: tp(0), Source: "/dev/kmsg", Constraint: "CONSTRAINT_MEMCG", OOMMemcg: cg, TaskMemcg: cg,
			MemoryLimitKB: u(32768), MemoryUsageKB: u(32768), Stats: map[string]uint64{"shmem": 20 << 20},
			Tasks:  []killlog.TaskRow{{PID: 101, TGID: 101, Name: "a", RSS: 10}, {PID: 102, TGID: 102, Name: "b", RSS: 20}},
			Victim: killlog.Victim{PID: 101, Comm: "a", AnonRSSKB: 100, ShmemRSSKB: 5}},
		{Start: 2 * time.Second, Wall: tp(time.Second), Source: "/dev/kmsg", Message: "Memory cgroup out of memory",
			Victim: killlog.Victim{PID: 102, Comm: "b"}},
		{Start: 3 * time.Second, Wall: tp(2 * time.Second), Source: "/dev/kmsg", Global: true, Constraint: "CONSTRAINT_NONE", TaskMemcg: "/user.slice",
			Tasks:  []killlog.TaskRow{{PID: 5, Name: "small", RSS: 1}, {PID: 6, Name: "big", RSS: 1000}},
			Victim: killlog.Victim{PID: 6, Comm: "big"}},
		{Start: 4 * time.Second, Wall: tp(3 * time.Second), Source: "/dev/kmsg", Constraint: "CONSTRAINT_MEMCG", OOMMemcg: "/kubepods/podX", TaskMemcg: "/kubepods/podX/c1",
			GroupKill: "/kubepods/podX/c1", Victim: killlog.Victim{PID: 201, Comm: "app"}, GroupVictims: []killlog.Victim{{PID: 202, Comm: "helper"}}},
		{Start: 5 * time.Second, Source: "/dev/kmsg", NoKillable: true},
	}
	kills := KillsFromEvents(events)
	if len(kills) != 5 {
		t.Fatalf("%d kills, want 5 (one per victim): %+v", len(kills), kills)
	}
	first := kills[0]
	if *first.LimitBytes != 32<<20 || first.AnonRSSBytes != 100<<10 || first.ShmemRSSBytes != 5<<10 || first.AttributedBy != "cgroup" {
		t.Errorf("first kill %+v: want limit 32 MiB, anon 100 KiB, shmem 5 KiB, by cgroup", first)
	}
	if storm := kills[1]; storm.OOMMemcg != cg || storm.AttributedBy != "pid" {
		t.Errorf("rate-limited kill of 102: memcg %q by %q, want %q by pid", storm.OOMMemcg, storm.AttributedBy, cg)
	}
	if host := kills[2]; host.Kind != KillHost || len(host.TopTasks) != 2 || host.TopTasks[0].Comm != "big" || host.TopTasks[0].RSSBytes != 1000*pageSize {
		t.Errorf("global kill %+v: want kind host, big first with 1000 pages", host)
	}
	if g := kills[4]; !g.Group || g.PID != 202 || g.TaskMemcg != "/kubepods/podX/c1" {
		t.Errorf("group member %+v: want group, pid 202, in the group's cgroup", g)
	}
	h := KillHistory(kills, nil, nil, time.Time{})
	if len(h) != 5 || h[0].PID != 202 || h[len(h)-1].PID != 101 {
		t.Errorf("history not most recent first: %+v", h)
	}
	if h[len(h)-1].Container == nil || h[len(h)-1].Container.ID != webID || h[len(h)-1].Kind != KillLimit {
		t.Errorf("oldest kill: container %+v kind %s, want docker %s, limit", h[len(h)-1].Container, h[len(h)-1].Kind, webID)
	}
}

func TestKillHistorySIGKILLedContainers(t *testing.T) {
	killedOutside := dockerWeb("exited", &runtimes.RunState{StartedAt: tp(0), FinishedAt: tp(time.Hour), ExitCode: ip(137)})
	oomed := &runtimes.Container{Runtime: runtimes.Docker, ID: otherID, Name: "db", State: "exited",
		LastRun: &runtimes.RunState{StartedAt: tp(0), FinishedAt: tp(2 * time.Hour), ExitCode: ip(137), OOMKilled: true}}
	old := &runtimes.Container{Runtime: runtimes.Docker, ID: strings.Repeat("a", 64), Name: "old", State: "exited",
		LastRun: &runtimes.RunState{FinishedAt: tp(-48 * time.Hour), ExitCode: ip(137)}}
	fine := &runtimes.Container{Runtime: runtimes.Docker, ID: strings.Repeat("b", 64), Name: "fine", State: "exited",
		LastRun: &runtimes.RunState{FinishedAt: tp(time.Hour), ExitCode: ip(0)}}
	kills := []Kill{
		// docker run --cgroup-parent /custom: no runtime's path convention.
		memcgKill(10*time.Minute, 8, "worker", "/custom/"+webID, "/custom"),
		memcgKill(2*time.Hour-time.Second, 9, "postgres", "/docker/"+otherID, "/docker/"+otherID),
	}
	h := KillHistory(kills, []*runtimes.Container{killedOutside, oomed, old, fine}, nil, base.Add(-time.Hour))
	if len(h) != 3 {
		t.Fatalf("%d entries, want db's OOM kill, web's SIGKILL and web's worker: %+v", len(h), h)
	}
	if h[0].Container.Name != "db" || h[0].Kind != KillLimit || h[1].Container.Name != "web" || h[1].Kind != KillSIGKILL {
		t.Errorf("history %+v %+v: want db's OOM kill then web's sigkill", h[0], h[1])
	}
	if h[2].Container == nil || h[2].Container.Name != "web" || h[2].Kind != KillAncestorLimit {
		t.Errorf("worker under /custom: %+v, want web's, ancestor-limit", h[2])
	}
}

// TestGoneCgroup: where to read the surviving parents' counters of what
// is gone — the container's own cgroup even when the victim was in a
// sub-cgroup of it, the process's cgroup, nothing without a kill.
func TestGoneCgroup(t *testing.T) {
	webCg := "/docker/" + webID
	tests := []struct {
		name string
		in   Input
		want string
	}{
		{"container, victim in a sub-cgroup", Input{Subject: Subject{Kind: "container", Container: dockerWeb("exited", nil)},
			Kills: []Kill{memcgKill(0, 1, "a", webCg+"/worker", webCg), memcgKill(time.Minute, 2, "b", "/docker/"+otherID, "/docker/"+otherID)}}, webCg},
		{"gone process", Input{Subject: Subject{Kind: "process", PID: 7},
			Kills: []Kill{memcgKill(0, 7, "dd", "/batch/child", "/batch")}}, "/batch/child"},
		{"no kill of it", Input{Subject: Subject{Kind: "process", PID: 8},
			Kills: []Kill{memcgKill(0, 7, "dd", "/batch/child", "/batch")}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := GoneCgroup(tt.in); got != tt.want {
				t.Errorf("GoneCgroup = %q, want %q", got, tt.want)
			}
		})
	}
}
