package cmd_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"nsx/internal/testutil"
)

// The v1-docker fixture's containers (testdata/hosts/README.md).
const (
	fixWebID    = "3f4e8c2a9b1d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f"
	fixOldJobID = "e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8"
)

func isTrue(b *bool) bool { return b != nil && *b }

// kernLog writes kernel lines as rsyslog does with RFC 3339 stamps, the
// printk timestamp inside; each report's lines share its wall time.
type kernLog struct{ b strings.Builder }

func (k *kernLog) report(wall time.Time, mono float64, lines ...string) {
	for _, l := range lines {
		fmt.Fprintf(&k.b, "%s fixturehost kernel: [%12.6f] %s\n", wall.UTC().Format("2006-01-02T15:04:05.000000-07:00"), mono, l)
		mono += 0.000013
	}
}

func memcgReport(trigger string, pid int, taskCg, oomCg string, limitKB, anonKB uint64) []string {
	return []string{
		trigger + " invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0",
		fmt.Sprintf("memory: usage %dkB, limit %dkB, failcnt 240", limitKB, limitKB),
		fmt.Sprintf("memory+swap: usage %dkB, limit 9007199254740988kB, failcnt 0", limitKB),
		"Memory cgroup stats for " + oomCg + ":",
		fmt.Sprintf("anon %d", anonKB*1024),
		"file 1048576",
		"shmem 0",
		"Tasks state (memory values in pages):",
		"[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name",
		fmt.Sprintf("[%7d]     0 %5d    40000    15800   180224        0             0 %s", pid, pid, trigger),
		fmt.Sprintf("oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=x,mems_allowed=0,oom_memcg=%s,task_memcg=%s,task=%s,pid=%d,uid=0", oomCg, taskCg, trigger, pid),
		fmt.Sprintf("Memory cgroup out of memory: Killed process %d (%s) total-vm:160000kB, anon-rss:%dkB, file-rss:2000kB, shmem-rss:0kB, UID:0 pgtables:176kB oom_score_adj:0", pid, trigger, anonKB),
	}
}

// whyKilledFixture is v1-docker with a kernel log of three OOM kills and
// old-job's last run turned into an OOM kill (exit 137, OOMKilled).
func whyKilledFixture(t *testing.T) string {
	t.Helper()
	root := testutil.FixtureHost(t, "v1-docker")
	cfg := filepath.Join(root, "var/lib/docker/containers", fixOldJobID, "config.v2.json")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	state := doc["State"].(map[string]any)
	state["ExitCode"], state["OOMKilled"] = 137, true
	if b, err = json.Marshal(doc); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, b, 0o644); err != nil {
		t.Fatal(err)
	}
	finished := time.Date(2026, 11, 28, 20, 1, 3, 250000000, time.UTC) // old-job's FinishedAt
	var k kernLog
	k.b.WriteString("2026-11-28T19:00:00.000000+00:00 fixturehost kernel: [    5.000000] docker0: port 1(veth1) entered forwarding state\n")
	k.report(finished.Add(-300*time.Millisecond), 3600.5,
		memcgReport("python3", 5120, "/docker/"+fixOldJobID, "/docker/"+fixOldJobID, 65536, 61000)...)
	k.report(time.Date(2026, 11, 28, 21, 30, 0, 0, time.UTC), 8700.25,
		memcgReport("php-fpm", 1377, "/docker/"+fixWebID, "/docker/"+fixWebID, 262144, 250000)...)
	k.report(time.Date(2026, 11, 28, 22, 0, 0, 0, time.UTC), 10500.75,
		memcgReport("dd", 4242, "/batch/child", "/batch", 32768, 30000)...)
	// A host-wide OOM in the 6.8+ layout (rss split into anon/file/shmem).
	k.report(time.Date(2026, 11, 28, 22, 5, 0, 0, time.UTC), 10800.5,
		"stress invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0",
		"Tasks state (memory values in pages):",
		"[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents oom_score_adj name",
		"[   1420]   999  1420   100000    50000    49000     1000         0   500000        0             0 postgres",
		"[   7777]     0  7777  2000000  1900000  1899000     1000         0 15400000        0             0 stress",
		"oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/user.slice/user-0.slice/session-1.scope,task=stress,pid=7777,uid=0",
		"Out of memory: Killed process 7777 (stress) total-vm:8000000kB, anon-rss:7596000kB, file-rss:4000kB, shmem-rss:0kB, UID:0 pgtables:15040kB oom_score_adj:0")
	if err := os.MkdirAll(filepath.Join(root, "var/log"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "var/log/kern.log"), []byte(k.b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	// A userspace OOM killer leaves no kernel line, only its own.
	earlyoom := "2026-11-28T22:10:00.000000+00:00 fixturehost earlyoom[456]: sending SIGKILL to process 31000 uid 1000 \"chrome\": badness 800, VmRSS 3000 MiB\n"
	if err := os.WriteFile(filepath.Join(root, "var/log/syslog"), []byte(earlyoom), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

// TestWhyKilledFixture runs why-killed on a fixture host: the kernel log
// is a kern.log (no /dev/kmsg, no journal under the root), the runtime
// state Docker's config.v2.json.
func TestWhyKilledFixture(t *testing.T) {
	root := whyKilledFixture(t)
	tests := []struct {
		target   string
		wantCode string
		wantExit int
		check    func(t *testing.T, d whyKilledDoc)
	}{
		{"old-job", "oom-limit", 4, func(t *testing.T, d whyKilledDoc) {
			if len(d.Kills) != 1 || d.Kills[0].PID != 5120 || !isTrue(d.Kills[0].MainProcess) || d.Kills[0].Kind != "limit" ||
				d.Kills[0].LimitBytes == nil || *d.Kills[0].LimitBytes != 64<<20 || d.Kills[0].Source != "/var/log/kern.log" {
				t.Errorf("kills %+v: want python3 5120, main, limit 64 MiB, from /var/log/kern.log", d.Kills)
			}
			if d.Exit == nil || d.Exit.Code != 137 || d.Exit.Signal != "SIGKILL" {
				t.Errorf("exit %+v, want 137 SIGKILL", d.Exit)
			}
			if d.Target.Kind != "container" || d.Target.Alive || d.Target.Container == nil || d.Target.Container.ID != fixOldJobID {
				t.Errorf("target %+v, want old-job, not alive", d.Target)
			}
		}},
		{"web", "oom-child", 3, func(t *testing.T, d whyKilledDoc) {
			if len(d.Kills) != 1 || d.Kills[0].PID != 1377 || isTrue(d.Kills[0].MainProcess) {
				t.Errorf("kills %+v: want php-fpm 1377, not the main process", d.Kills)
			}
			if !d.Target.Alive || d.Target.PID != 1310 {
				t.Errorf("target %+v: want web's nginx master 1310, alive", d.Target)
			}
		}},
		{"4242", "oom-ancestor-limit", 4, func(t *testing.T, d whyKilledDoc) {
			if d.Target.Kind != "process" || d.Target.Alive || len(d.Kills) != 1 || d.Kills[0].OOMMemcg != "/batch" {
				t.Errorf("target %+v kills %+v: want the gone PID's kill at /batch", d.Target, d.Kills)
			}
		}},
		{"7777", "oom-host", 4, func(t *testing.T, d whyKilledDoc) {
			for _, want := range []string{"host-wide OOM", "stress (pid 7777) 7.2 GiB, postgres (pid 1420) 195.3 MiB"} {
				if !strings.Contains(d.Verdict.Summary, want) {
					t.Errorf("summary lacks %q: %s", want, d.Verdict.Summary)
				}
			}
			if len(d.Kills) != 1 || d.Kills[0].Kind != "host" {
				t.Errorf("kills %+v: want stress's, kind host", d.Kills)
			}
		}},
		{"31000", "sigkill", 4, func(t *testing.T, d whyKilledDoc) {
			if len(d.Kills) != 1 || d.Kills[0].Kind != "userspace" || d.Kills[0].Comm != "chrome" || !strings.Contains(d.Verdict.Summary, "by earlyoom") {
				t.Errorf("kills %+v summary %q: want chrome killed by earlyoom", d.Kills, d.Verdict.Summary)
			}
		}},
		{"db", "running", 0, func(t *testing.T, d whyKilledDoc) {
			if len(d.Kills) != 0 {
				t.Errorf("db has kills %+v", d.Kills)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			stdout, stderr, code := nsxInProcess(t, "--host-root", root, "why-killed", tt.target, "-o", "json")
			var d whyKilledDoc
			if err := json.Unmarshal([]byte(stdout), &d); err != nil {
				t.Fatalf("exit %d, stderr %q: %v\n%s", code, stderr, err, stdout)
			}
			if d.SchemaVersion != 1 || d.Verdict.Code != tt.wantCode || code != tt.wantExit {
				t.Errorf("verdict %s, exit %d; want %s, exit %d\n%s", d.Verdict.Code, code, tt.wantCode, tt.wantExit, d.Verdict.Summary)
			}
			if len(d.Sources) == 0 || d.Sources[0].Name != "/var/log/kern.log" {
				t.Errorf("sources %+v, want /var/log/kern.log (host path)", d.Sources)
			}
			tt.check(t, d)
		})
	}

	t.Run("table", func(t *testing.T) {
		stdout, _, code := nsxInProcess(t, "--host-root", root, "why-killed", "old-job")
		for _, want := range []string{"VERDICT 1 oom-limit (critical)", "old-job (docker e9d8c7b6a5f4) was OOM-killed", "TIMELINE", "WHAT TO DO", "python3 (pid 5120)"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("table output lacks %q:\n%s", want, stdout)
			}
		}
		if code != 4 {
			t.Errorf("exit %d, want 4", code)
		}
	})

	t.Run("all", func(t *testing.T) {
		stdout, _, code := nsxInProcess(t, "--host-root", root, "why-killed", "--all", "-o", "json")
		var d whyKilledDoc
		if err := json.Unmarshal([]byte(stdout), &d); err != nil {
			t.Fatalf("%v\n%s", err, stdout)
		}
		var pids []int
		for _, k := range d.Kills {
			pids = append(pids, k.PID)
		}
		if d.View != "kills" || fmt.Sprint(pids) != "[31000 7777 4242 1377 5120]" || code != 4 {
			t.Fatalf("view %q kills %v exit %d, want kills [31000 7777 4242 1377 5120] (most recent first), exit 4", d.View, pids, code)
		}
		if c := d.Kills[3].Container; c == nil || c.ID != fixWebID || c.Name != "web" {
			t.Errorf("php-fpm's container %+v, want web", c)
		}
		if d.Kills[2].Container != nil || d.Kills[2].Kind != "ancestor-limit" {
			t.Errorf("dd in /batch/child: container %+v kind %s, want none and ancestor-limit", d.Kills[2].Container, d.Kills[2].Kind)
		}
	})

	t.Run("since", func(t *testing.T) {
		// Everything in the fixture is older than an hour.
		stdout, stderr, code := nsxInProcess(t, "--host-root", root, "why-killed", "--all", "--since", "1h")
		if code != 0 || strings.Contains(stdout, "4242") || !strings.Contains(stderr, "no kills found") {
			t.Errorf("--since 1h: exit %d stdout %q stderr %q, want exit 0 and no kills", code, stdout, stderr)
		}
	})
}

func TestWhyKilledFixtureBadInput(t *testing.T) {
	root := whyKilledFixture(t)
	tests := []struct {
		args     []string
		wantCode int
		wantErr  string
	}{
		{[]string{"why-killed", "no-such-container"}, 1, "no process or container matches"},
		{[]string{"why-killed", "31337"}, 1, "no process 31337, and the logs read (/var/log/kern.log, /var/log/syslog) hold no kill of it"},
		{[]string{"why-killed", "7c3a9e"}, 1, "ambiguous"},
		{[]string{"why-killed"}, 2, "why-killed takes one TARGET"},
		{[]string{"why-killed", "--all", "web"}, 2, "give no TARGET"},
		{[]string{"why-killed", "--all", "--since", "yesterday-ish"}, 2, "--since"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			stdout, stderr, code := nsxInProcess(t, append([]string{"--host-root", root}, tt.args...)...)
			if code != tt.wantCode || !strings.HasPrefix(stderr, "nsx: ") || !strings.Contains(stderr, tt.wantErr) || strings.Count(stderr, "\n") != 1 || stdout != "" {
				t.Errorf("exit %d stdout %q stderr %q; want exit %d and one nsx: line with %q", code, stdout, stderr, tt.wantCode, tt.wantErr)
			}
		})
	}
}

// TestWhyKilledKubeletFixture: on a cgroup v2 Kubernetes node (v2-kubelet),
// nginx's previous attempt was OOM-killed at the pod's limit (the CRI
// status says OOMKilled, the kernel says whose limit). Asked by the exited
// attempt's ID and by the pod container's name — the running attempt, a
// new container — both get the pod-limit verdict.
func TestWhyKilledKubeletFixture(t *testing.T) {
	const (
		oldNginx = "8fb2600e6e6118d062bf0d7354683499f4c98a1d6afaa378961ba83b59cc2eb4"
		podSlice = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod6f1c2b8e_4a7d_4e21_9c3b_5d8e7f6a1b20.slice"
	)
	root := testutil.FixtureHost(t, "v2-kubelet")
	finished := time.Unix(0, 1795904069877310026) // the CRI status's FinishedAt
	var k kernLog
	k.report(finished.Add(-400*time.Millisecond), 72000.125,
		memcgReport("nginx", 3301, podSlice+"/cri-containerd-"+oldNginx+".scope", podSlice, 393216, 250000)...)
	if err := os.MkdirAll(filepath.Join(root, "var/log"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "var/log/kern.log"), []byte(k.b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{oldNginx[:12], "shop/checkout-7f9c8d6b5-x2x4q/nginx"} {
		t.Run(target, func(t *testing.T) {
			stdout, stderr, code := nsxInProcess(t, "--host-root", root, "why-killed", target, "-o", "json")
			var d whyKilledDoc
			if err := json.Unmarshal([]byte(stdout), &d); err != nil {
				t.Fatalf("exit %d stderr %q: %v\n%s", code, stderr, err, stdout)
			}
			t.Logf("summary: %s", d.Verdict.Summary)
			if d.Verdict.Code != "oom-ancestor-limit" || code != 4 || !strings.Contains(d.Verdict.Summary, "the pod's cgroup "+podSlice) {
				t.Errorf("verdict %s exit %d, want oom-ancestor-limit naming the pod's cgroup, exit 4:\n%s", d.Verdict.Code, code, d.Verdict.Summary)
			}
			if len(d.Kills) != 1 || d.Kills[0].PID != 3301 || d.Kills[0].Kind != "ancestor-limit" || !isTrue(d.Kills[0].MainProcess) ||
				d.Kills[0].LimitBytes == nil || *d.Kills[0].LimitBytes != 384<<20 {
				t.Errorf("kills %+v: want nginx 3301, ancestor-limit, main, the pod's 384 MiB", d.Kills)
			}
		})
	}
}
