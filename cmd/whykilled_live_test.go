package cmd_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"nsx/cmd"
	"nsx/internal/testutil"
)

// Live tests of `nsx why-killed`: real OOM kills, refused forks, outside
// kills and plain exits on this machine (cgroup v1 memory and pids
// controllers, Docker's cgroupfs driver), each held to what the kernel and
// Docker say of the same event. They run the built binary, as a script
// would, so that the exit status is the one a shell sees.
//
// What the kernel and Docker 20.10 do here, found by hand first:
//   - A memcg OOM of a container's main process: one report, oom_memcg ==
//     task_memcg == /docker/<id>, the victim's PID is State.Pid, exit 137,
//     OOMKilled true.
//   - A child-only OOM: the container keeps running and docker inspect says
//     OOMKilled false (Docker 20.10 sets the flag from the OOM event only at
//     the container's exit), while the cgroup's memory.oom_control counts
//     oom_kill 1.
//   - Filling /dev/shm: the tmpfs pages are charged to the container's memcg
//     ("shmem" in the report's stats); the OOM killer then picks the writing
//     dd itself (its own shmem-rss is 0: written pages are not mapped), so a
//     dd that is the main process exits 137.
//   - --cgroup-parent under a v1 memory cgroup whose limit is tighter: the
//     report names oom_memcg=/<parent>, task_memcg=/<parent>/<id>, and
//     Docker still says OOMKilled true.
//   - A pids-limited shell that forks in a loop exits at the first refused
//     fork ("can't fork"), which would take the container (and the
//     pids.events evidence) with it; so the loop runs in a child shell and
//     the main shell then execs sleep without forking.

const mib = 1 << 20

// wantKill is what a scenario knows of the OOM kill it caused, from the
// kernel and Docker rather than from nsx.
type wantKill struct {
	pid         int // 0: not known beforehand (a child forked inside the container)
	comm        string
	kind        string // "limit" or "ancestor-limit"
	oomMemcg    string
	taskMemcg   string
	limitBytes  uint64
	mainProcess *bool  // nil: not asserted (a plain process has no "main" one)
	containerID string // "" for a plain process
	after       time.Time
	before      time.Time // the kill happened between after and before
}

// whyKilledLive carries what the scenarios share: the binary, and the kills
// they made, for the --all check at the end.
type whyKilledLive struct {
	top   *testing.T // containers and cgroups live until the whole test ends
	nsx   string
	kills []wantKill
}

// nsxRun runs the built nsx with a deadline.
func (w *whyKilledLive) nsxRun(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runNsxBinary(t, w.nsx, args...)
}

func runNsxBinary(t *testing.T, nsx string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return within(t, func(ctx context.Context) *exec.Cmd { return exec.CommandContext(ctx, nsx, args...) })
}

// why runs `nsx why-killed TARGET -o json`, checks its exit status and
// decodes the document. When the test fails it logs the document and the
// kernel's OOM lines, which is what a reader of the failure needs.
func (w *whyKilledLive) why(t *testing.T, wantExit int, target string) whyKilledDoc {
	t.Helper()
	args := []string{"why-killed", target, "-o", "json"}
	stdout, stderr, code := w.nsxRun(t, args...)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("nsx %s (exit %d):\n%s\nstderr:\n%s\nkernel OOM lines:\n%s", strings.Join(args, " "), code, stdout, stderr, kernelOOMLines(t))
		}
	})
	if code != wantExit {
		t.Errorf("nsx %s: exit %d, want %d", strings.Join(args, " "), code, wantExit)
	}
	var doc whyKilledDoc
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("nsx %s: decoding JSON: %v", strings.Join(args, " "), err)
	}
	if doc.SchemaVersion != 1 {
		t.Errorf("schemaVersion %d, want 1", doc.SchemaVersion)
	}
	if strings.TrimSpace(doc.Verdict.Summary) == "" {
		t.Errorf("verdict.summary is empty")
	}
	return doc
}

// kernelOOMLines is the tail of the kernel log's OOM lines, for failure
// messages.
func kernelOOMLines(t *testing.T) string {
	out, err := exec.Command("dmesg").Output()
	if err != nil {
		return fmt.Sprintf("dmesg: %v", err)
	}
	var keep []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "oom-kill:") || strings.Contains(line, "Killed process") ||
			strings.Contains(line, "memory: usage") || strings.Contains(line, "invoked oom-killer") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep[max(0, len(keep)-24):], "\n")
}

func checkVerdict(t *testing.T, doc whyKilledDoc, code string, number int, severity string) {
	t.Helper()
	if v := doc.Verdict; v.Code != code || v.Number != number || v.Severity != severity {
		t.Errorf("verdict %q (%d, %s), want %q (%d, %s); summary: %s", v.Code, v.Number, v.Severity, code, number, severity, v.Summary)
	}
}

// checkContainerTarget checks that nsx resolved the container Docker
// knows under that ID.
func checkContainerTarget(t *testing.T, doc whyKilledDoc, id string, alive bool) {
	t.Helper()
	if doc.Target.Kind != "container" || doc.Target.Container == nil || doc.Target.Container.ID != id {
		t.Errorf("target kind %q container %+v, want the container %s", doc.Target.Kind, doc.Target.Container, id)
	}
	if doc.Target.Alive != alive {
		t.Errorf("target.alive %v, want %v", doc.Target.Alive, alive)
	}
}

func checkExit(t *testing.T, doc whyKilledDoc, code int, signal string) {
	t.Helper()
	if doc.Exit == nil || doc.Exit.Code != code || doc.Exit.Signal != signal {
		t.Errorf("exit %+v, want code %d signal %q", doc.Exit, code, signal)
	}
}

// checkKilledContainer checks the verdict of a container that died of
// SIGKILL: code and number, critical, the container resolved though it
// no longer runs, exit 137.
func checkKilledContainer(t *testing.T, doc whyKilledDoc, code string, number int, id string) {
	t.Helper()
	checkVerdict(t, doc, code, number, "critical")
	checkContainerTarget(t, doc, id, false)
	checkExit(t, doc, 137, "SIGKILL")
}

// hog is a gated container (see gated) whose main process is a memory hog,
// with what Docker and the kernel said of it before and after its death.
type hog struct {
	name            string
	facts           dockerFacts
	memDir, memPath string // its v1 memory cgroup, read while it runs
	docker          identInspect
}

func watchHog(t *testing.T, name string) *hog {
	t.Helper()
	h := &hog{name: name, facts: inspectContainer(t, name)}
	h.memDir, h.memPath = v1ControllerDir(t, h.facts.PID, "memory")
	return h
}

// release lets the hog run and waits for the container to exit 137 (why
// says what should kill it).
func (h *hog) release(t *testing.T, why string) {
	t.Helper()
	dockerCLI(t, "exec", h.name, "touch", "/go")
	if code := waitExit(t, h.name); code != 137 {
		t.Fatalf("setup: the container exited %d, want 137 (%s)", code, why)
	}
	h.docker = identInspectOf(t, h.name)
}

// mainKill is the kill the kernel made of the hog, its main process, during
// the run Docker recorded.
func (h *hog) mainKill(t *testing.T, kind, oomMemcg string, limit uint64) wantKill {
	t.Helper()
	return wantKill{
		pid: h.facts.PID, comm: "dd", kind: kind, oomMemcg: oomMemcg, taskMemcg: h.memPath,
		limitBytes: limit, mainProcess: ptrTo(true), containerID: h.facts.ID,
		after:  dockerTime(t, "StartedAt", h.docker.State.StartedAt),
		before: dockerTime(t, "FinishedAt", h.docker.State.FinishedAt),
	}
}

// oneKill returns the single kill of the document.
func oneKill(t *testing.T, kills []whyKilledKill) whyKilledKill {
	t.Helper()
	if len(kills) != 1 {
		t.Fatalf("%d kills, want 1: %+v", len(kills), kills)
	}
	return kills[0]
}

// checkKill holds one kill of nsx's document to what the scenario knows.
func checkKill(t *testing.T, got whyKilledKill, want wantKill) {
	t.Helper()
	if want.pid != 0 && got.PID != want.pid {
		t.Errorf("kill pid %d, want %d", got.PID, want.pid)
	}
	if got.Comm != want.comm || got.Kind != want.kind {
		t.Errorf("kill comm %q kind %q, want %q %q", got.Comm, got.Kind, want.comm, want.kind)
	}
	if got.OOMMemcg != want.oomMemcg || got.TaskMemcg != want.taskMemcg {
		t.Errorf("kill oomMemcg %q taskMemcg %q, want %q %q", got.OOMMemcg, got.TaskMemcg, want.oomMemcg, want.taskMemcg)
	}
	if got.LimitBytes == nil || *got.LimitBytes != want.limitBytes {
		t.Errorf("kill limitBytes %s, want %d (the limit the test set)", fmtUintPtr(got.LimitBytes), want.limitBytes)
	}
	// At the OOM the memcg is full: the report's usage is the limit, give
	// or take the page the kernel failed to charge.
	if got.UsageBytes == nil || *got.UsageBytes+mib < want.limitBytes {
		t.Errorf("kill usageBytes %s, want about the limit %d", fmtUintPtr(got.UsageBytes), want.limitBytes)
	}
	if want.mainProcess != nil && (got.MainProcess == nil || *got.MainProcess != *want.mainProcess) {
		t.Errorf("kill mainProcess %s, want %v", fmtBoolPtr(got.MainProcess), *want.mainProcess)
	}
	if got.Source == "" || got.AttributedBy == "" {
		t.Errorf("kill source %q attributedBy %q, want both named", got.Source, got.AttributedBy)
	}
	if got.Monotonic <= 0 {
		t.Errorf("kill monotonic %v, want seconds since boot", got.Monotonic)
	}
	// The wall-clock time comes from the kernel's monotonic stamp; two
	// seconds allow for the conversion and for Docker's own stamps.
	const slack = 2 * time.Second
	if got.Time == nil || got.Time.Before(want.after.Add(-slack)) || got.Time.After(want.before.Add(slack)) {
		t.Errorf("kill time %v, want between %v and %v", got.Time, want.after, want.before)
	}
}

func fmtBoolPtr(p *bool) string {
	if p == nil {
		return "absent"
	}
	return strconv.FormatBool(*p)
}

// cgroupEntry finds the entry of a controller's cgroup in the document.
func cgroupEntry(t *testing.T, doc whyKilledDoc, controller, path string) whyKilledCgroup {
	t.Helper()
	for _, c := range doc.Cgroups {
		if c.Controller == controller && c.Path == path {
			return c
		}
	}
	t.Fatalf("cgroups has no %s entry for %s: %+v", controller, path, doc.Cgroups)
	return whyKilledCgroup{}
}

// mentions reports whether the summary or a fix names any of the words.
func mentions(doc whyKilledDoc, words ...string) bool {
	text := strings.ToLower(doc.Verdict.Summary + "\n" + strings.Join(doc.Fix, "\n"))
	for _, w := range words {
		if strings.Contains(text, strings.ToLower(w)) {
			return true
		}
	}
	return false
}

var (
	clauseSep = regexp.MustCompile(`[.:;]\s`)
	byteSize  = regexp.MustCompile(`\d+(\.\d+)? ?[KMGT]i?B\b`)
)

// ownLimitClauses are the clauses of a text that speak of "own limit" and
// give a size in bytes.
func ownLimitClauses(text string) []string {
	var found []string
	for _, c := range clauseSep.Split(text, -1) {
		if strings.Contains(strings.ToLower(c), "own limit") && byteSize.MatchString(c) {
			found = append(found, c)
		}
	}
	return found
}

// container starts a detached container of the test image, removed when
// the whole test ends: --all looks at the kills of every scenario, and a
// container still known to Docker is what lets nsx name it there.
func (w *whyKilledLive) container(t *testing.T, what string, flags []string, command ...string) string {
	t.Helper()
	name := "nsx-wk-" + what + "-" + randomHex(t, 4)
	w.top.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", name).Run() })
	args := append([]string{"run", "-d", "--name", name}, flags...)
	dockerCLI(t, append(append(args, testutil.TestImage), command...)...)
	return name
}

// gated makes a container command that waits for /go before it execs cmd:
// the test reads the container's PID and cgroup while it waits, and Docker
// is certain to watch the cgroup for OOM events by the time cmd runs (a
// kill right at the start can beat containerd's OOM watch).
func gated(cmd string) []string {
	return []string{"sh", "-c", "while [ ! -e /go ]; do sleep 0.1; done; exec " + cmd}
}

// waitExit waits for a container to exit and returns its exit code.
func waitExit(t *testing.T, name string) int {
	t.Helper()
	out, _, code := within(t, func(ctx context.Context) *exec.Cmd { return exec.CommandContext(ctx, "docker", "wait", name) })
	if code != 0 {
		t.Fatalf("docker wait %s: exit %d", name, code)
	}
	exit, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("docker wait %s: %q", name, out)
	}
	return exit
}

// poll calls cond every 100 ms until it holds, failing the test after
// 30 s with what describes the state.
func poll(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30s, still not %s: %s", what, state)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// procsOf lists the PIDs of a v1 cgroup directory, with their comm.
func procsOf(dir string) map[int]string {
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return nil
	}
	procs := map[int]string{}
	for _, f := range strings.Fields(string(b)) {
		pid, _ := strconv.Atoi(f)
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		procs[pid] = strings.TrimSpace(string(comm))
	}
	return procs
}

// v1MemoryCgroup makes a cgroup in the v1 memory hierarchy (and, for
// Docker's --cgroup-parent, lets Docker add it in the others), limited to
// limit bytes of memory and of memory+swap, removed when the whole test
// ends. It returns the cgroup path and its directory.
func (w *whyKilledLive) v1MemoryCgroup(t *testing.T, limit uint64) (path, dir string) {
	t.Helper()
	path = "/nsx-wk-" + randomHex(t, 4)
	dir = filepath.Join("/sys/fs/cgroup/memory", path)
	if _, err := os.Stat("/sys/fs/cgroup/memory/memory.limit_in_bytes"); err != nil {
		if testutil.InCI() {
			t.Fatalf("no v1 memory hierarchy at /sys/fs/cgroup/memory: %v", err)
		}
		t.Skipf("no v1 memory hierarchy at /sys/fs/cgroup/memory: %v", err)
	}
	// Registered before any process joins, so it runs after they are gone
	// (cleanups run last first). Children first: rmdir needs empty ones;
	// Docker made the same path in every v1 hierarchy.
	w.top.Cleanup(func() {
		dirs, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup/*", path))
		for _, d := range dirs {
			subs, _ := filepath.Glob(filepath.Join(d, "*", "cgroup.procs"))
			for _, s := range subs {
				_ = os.Remove(filepath.Dir(s))
			}
			if err := os.Remove(d); err != nil {
				w.top.Logf("removing cgroup %s: %v", d, err)
			}
		}
	})
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// The memory limit first: memsw may never be below it.
	writeCgroupFile(t, dir, "memory.limit_in_bytes", limit)
	if _, err := os.Stat(filepath.Join(dir, "memory.memsw.limit_in_bytes")); err == nil {
		writeCgroupFile(t, dir, "memory.memsw.limit_in_bytes", limit)
	}
	return path, dir
}

func writeCgroupFile(t *testing.T, dir, file string, v uint64) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, file), []byte(strconv.FormatUint(v, 10)), 0o644); err != nil {
		t.Fatalf("setting %s/%s: %v", dir, file, err)
	}
}

// TestWhyKilledLive provokes every verdict nsx why-killed can reach on this
// machine, one subtest each, then checks --all's host-wide kill history
// against the kills they made.
func TestWhyKilledLive(t *testing.T) {
	testutil.RequireDocker(t)
	w := &whyKilledLive{top: t, nsx: buildNsx(t)}
	start := time.Now()

	t.Run("oom-limit: the main process over the container's limit", func(t *testing.T) {
		const limit = 32 * mib
		name := w.container(t, "limit", []string{"--memory", "32m", "--memory-swap", "32m"},
			gated("dd if=/dev/zero of=/dev/null bs=100M count=1")...)
		hog := watchHog(t, name)
		hog.release(t, "dd OOM-killed")
		facts, memPath, docker := hog.facts, hog.memPath, hog.docker

		doc := w.why(t, cmd.ExitCritical, name)
		checkKilledContainer(t, doc, "oom-limit", 1, facts.ID)
		if doc.LastRun == nil || doc.LastRun.OOMKilled != docker.State.OOMKilled {
			t.Errorf("lastRun %+v, want oomKilled %v as docker inspect says", doc.LastRun, docker.State.OOMKilled)
		}
		if !docker.State.OOMKilled {
			t.Logf("docker inspect %s says OOMKilled false although the kernel killed its main process", name)
		}
		if !strings.Contains(memPath, facts.ID) {
			t.Fatalf("setup: the container's memory cgroup %s does not carry its ID", memPath)
		}
		want := hog.mainKill(t, "limit", memPath, limit)
		k := oneKill(t, doc.Kills)
		checkKill(t, k, want)
		// dd's 100 MiB buffer is anonymous memory: the victim holds most of
		// the limit.
		if k.AnonRSSBytes == nil || *k.AnonRSSBytes < limit*3/4 {
			t.Errorf("kill anonRssBytes %s, want most of the %d limit", fmtUintPtr(k.AnonRSSBytes), limit)
		}
		if len(doc.Fix) == 0 {
			t.Errorf("no fix offered")
		}
		w.kills = append(w.kills, want)

		// The table says the same with the same exit status.
		stdout, stderr, code := w.nsxRun(t, "why-killed", name)
		if code != cmd.ExitCritical || !strings.Contains(stdout, name) {
			t.Errorf("nsx why-killed %s (table): exit %d, want %d, and the container named:\n%s\nstderr:\n%s", name, code, cmd.ExitCritical, stdout, stderr)
		}
	})

	t.Run("oom-child: a child killed, the container runs on", func(t *testing.T) {
		const limit = 32 * mib
		// The shell stays the main process while dd runs as its child; after
		// the kill it execs sleep (busybox's last command), keeping its PID.
		name := w.container(t, "child", []string{"--memory", "32m"}, "sh", "-c",
			"while [ ! -e /go ]; do sleep 0.1; done; dd if=/dev/zero of=/dev/null bs=100M count=1; sleep 1000")
		facts := inspectContainer(t, name)
		memDir, memPath := v1ControllerDir(t, facts.PID, "memory")
		after := time.Now()
		dockerCLI(t, "exec", name, "touch", "/go")
		// The kernel counts the kill before it logs it; the killed dd is the
		// task that logs, so once it is gone the record is there.
		poll(t, "one OOM kill and dd gone", func() (bool, string) {
			oc := cgroupFile(t, memDir, "memory.oom_control")
			procs := procsOf(memDir)
			return strings.Contains(oc, "oom_kill 1") && len(procs) == 1, fmt.Sprintf("oom_control %q, procs %v", oc, procs)
		})
		before := time.Now()
		oomControl := cgroupFile(t, memDir, "memory.oom_control")

		doc := w.why(t, cmd.ExitWarning, name)
		checkVerdict(t, doc, "oom-child", 4, "warning")
		checkContainerTarget(t, doc, facts.ID, true)
		if doc.Target.PID != facts.PID {
			t.Errorf("target.pid %d, want the container's main process %d", doc.Target.PID, facts.PID)
		}
		if doc.Exit != nil {
			t.Errorf("exit %+v for a running container", doc.Exit)
		}
		want := wantKill{
			comm: "dd", kind: "limit", oomMemcg: memPath, taskMemcg: memPath,
			limitBytes: limit, mainProcess: ptrTo(false), containerID: facts.ID, after: after, before: before,
		}
		k := oneKill(t, doc.Kills)
		checkKill(t, k, want)
		if k.PID == facts.PID || k.PID <= 0 {
			t.Errorf("kill pid %d, want the dd child, not the main process %d", k.PID, facts.PID)
		}
		// The cgroup still exists: its limit and kill count, as the kernel
		// has them.
		cg := cgroupEntry(t, doc, "memory", memPath)
		if cg.Version != 1 || cg.LimitBytes == nil || *cg.LimitBytes != limit {
			t.Errorf("memory cgroup version %d limitBytes %s, want 1 and %d", cg.Version, fmtUintPtr(cg.LimitBytes), limit)
		}
		if !strings.Contains(oomControl, fmt.Sprintf("oom_kill %d", cg.Events["oomKill"])) || cg.Events["oomKill"] != 1 {
			t.Errorf("memory cgroup events %v, want oomKill 1 as memory.oom_control says:\n%s", cg.Events, oomControl)
		}
		want.pid = k.PID
		w.kills = append(w.kills, want)
	})

	t.Run("oom-limit: /dev/shm fills the limit", func(t *testing.T) {
		const limit = 64 * mib
		name := w.container(t, "shm", []string{"--memory", "64m", "--memory-swap", "64m", "--shm-size", "256m"},
			gated("dd if=/dev/zero of=/dev/shm/fill bs=1M count=200")...)
		hog := watchHog(t, name)
		hog.release(t, "dd OOM-killed once /dev/shm filled the limit")

		doc := w.why(t, cmd.ExitCritical, name)
		checkKilledContainer(t, doc, "oom-limit", 1, hog.facts.ID)
		want := hog.mainKill(t, "limit", hog.memPath, limit)
		k := oneKill(t, doc.Kills)
		checkKill(t, k, want)
		// The tmpfs pages are in the memcg's stats, not in the victim.
		if k.Stats["shmem"] <= 32*mib {
			t.Errorf("kill stats shmem %d, want more than 32 MiB of the 64 MiB limit (stats %v)", k.Stats["shmem"], k.Stats)
		}
		if !mentions(doc, "tmpfs", "/dev/shm") {
			t.Errorf("neither the summary nor a fix names tmpfs or /dev/shm:\n%s\n%q", doc.Verdict.Summary, doc.Fix)
		}
		w.kills = append(w.kills, want)
	})

	t.Run("oom-ancestor-limit: Docker's --cgroup-parent has the tighter limit", func(t *testing.T) {
		if driver := dockerCLI(t, "info", "-f", "{{.CgroupDriver}}"); driver != "cgroupfs" {
			if testutil.InCI() {
				t.Fatalf("Docker's cgroup driver is %s; this test makes a cgroupfs parent", driver)
			}
			t.Skipf("Docker's cgroup driver is %s; this test makes a cgroupfs parent", driver)
		}
		const limit = 32 * mib
		parent, _ := w.v1MemoryCgroup(t, limit)
		name := w.container(t, "parent", []string{"--cgroup-parent", parent, "--memory", "1g"},
			gated("dd if=/dev/zero of=/dev/null bs=100M count=1")...)
		hog := watchHog(t, name)
		memDir, memPath := hog.memDir, hog.memPath
		if filepath.Dir(memPath) != parent {
			t.Fatalf("setup: the container's memory cgroup is %s, not under %s", memPath, parent)
		}
		if own := cgroupFileInt(t, memDir, "memory.limit_in_bytes"); own != 1<<30 {
			t.Fatalf("setup: the container's own memory.limit_in_bytes is %d, want 1 GiB", own)
		}
		hog.release(t, "dd OOM-killed at the parent's limit")

		doc := w.why(t, cmd.ExitCritical, name)
		checkKilledContainer(t, doc, "oom-ancestor-limit", 2, hog.facts.ID)
		want := hog.mainKill(t, "ancestor-limit", parent, limit)
		checkKill(t, oneKill(t, doc.Kills), want)
		// The issue: "name the level and its limit".
		if !mentions(doc, strings.TrimPrefix(parent, "/")) {
			t.Errorf("neither the summary nor a fix names the parent cgroup %s:\n%s\n%q", parent, doc.Verdict.Summary, doc.Fix)
		}
		// Where the summary speaks of the container's own limit with a
		// size, that size is its 1 GiB, not the parent's 32 MiB (the
		// container's cgroup is gone; the parent's is all that is left).
		for _, clause := range ownLimitClauses(doc.Verdict.Summary) {
			if !strings.Contains(clause, "1.0 GiB") && !strings.Contains(clause, "1 GiB") && !strings.Contains(clause, "1024 MiB") {
				t.Errorf("the summary gives the container's own limit (--memory 1g) as %q", clause)
			}
		}
		w.kills = append(w.kills, want)
	})

	t.Run("oom-ancestor-limit: a plain process, asked about by its dead PID", func(t *testing.T) {
		const limit = 32 * mib
		parent, dir := w.v1MemoryCgroup(t, limit)
		if err := os.Mkdir(filepath.Join(dir, "child"), 0o755); err != nil {
			t.Fatal(err)
		}
		child := parent + "/child"
		// The shell moves itself into the child cgroup, then execs dd: the
		// PID the test knows is the one the kernel kills. The host's dd
		// allocates its 100 MiB buffer and fills it from /dev/zero.
		c := exec.Command("sh", "-c", `echo $$ >"$0/cgroup.procs" && exec dd if=/dev/zero of=/dev/null bs=100M count=1`, filepath.Join(dir, "child"))
		after := time.Now()
		err := c.Run()
		before := time.Now()
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("setup: dd in %s ended with %v, want killed by SIGKILL", child, err)
		}
		if ws, ok := exit.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("setup: dd in %s ended with %v, want killed by SIGKILL", child, err)
		}
		pid := c.Process.Pid

		doc := w.why(t, cmd.ExitCritical, strconv.Itoa(pid))
		checkVerdict(t, doc, "oom-ancestor-limit", 2, "critical")
		if doc.Target.Kind != "process" || doc.Target.PID != pid || doc.Target.Alive || doc.Target.Container != nil {
			t.Errorf("target %+v, want process %d, not alive, no container", doc.Target, pid)
		}
		want := wantKill{
			pid: pid, comm: "dd", kind: "ancestor-limit", oomMemcg: parent, taskMemcg: child,
			limitBytes: limit, after: after, before: before,
		}
		checkKill(t, oneKill(t, doc.Kills), want)
		w.kills = append(w.kills, want)
	})

	t.Run("oom-child: a live process whose child was killed, asked about by its PID", func(t *testing.T) {
		const limit = 32 * mib
		_, dir := w.v1MemoryCgroup(t, limit)
		// The shell joins the limited cgroup, runs dd as a child (killed),
		// then waits: it lives on in the cgroup that lost a process.
		c := exec.Command("sh", "-c", `echo $$ >"$0/cgroup.procs" && dd if=/dev/zero of=/dev/null bs=100M count=1; exec sleep 300`, dir)
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Process.Kill(); _ = c.Wait() })
		pid := c.Process.Pid
		poll(t, "dd killed and the shell sleeping", func() (bool, string) {
			comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
			oc, _ := os.ReadFile(filepath.Join(dir, "memory.oom_control"))
			return strings.TrimSpace(string(comm)) == "sleep" && strings.Contains(string(oc), "oom_kill 1"), string(comm) + " " + string(oc)
		})
		doc := w.why(t, cmd.ExitWarning, strconv.Itoa(pid))
		checkVerdict(t, doc, "oom-child", 4, "warning")
		if doc.Target.Kind != "process" || doc.Target.PID != pid || !doc.Target.Alive || doc.Target.Comm != "sleep" {
			t.Errorf("target %+v, want process %d (sleep), alive", doc.Target, pid)
		}
		k := oneKill(t, doc.Kills)
		if k.Comm != "dd" || k.PID == pid || k.MainProcess == nil || *k.MainProcess || k.Kind != "limit" {
			t.Errorf("kill %+v: want dd (not the shell %d), not the main process, at its own limit", k, pid)
		}
	})

	t.Run("pids-limit: forks refused, the container runs on", func(t *testing.T) {
		const pidsLimit = 10
		// The loop runs in a child shell, which gives up at the first refused
		// fork; the main shell then execs sleep, which needs no fork.
		name := w.container(t, "pids", []string{"--pids-limit", strconv.Itoa(pidsLimit)}, "sh", "-c",
			`sh -c "for i in \$(seq 30); do sleep 1000 & done"; exec sleep 1000`)
		facts := inspectContainer(t, name)
		pidsDir, pidsPath := v1ControllerDir(t, facts.PID, "pids")
		// Settled: a fork was refused, and the looping shell is gone.
		poll(t, "a refused fork and only sleeps left", func() (bool, string) {
			events := cgroupFile(t, pidsDir, "pids.events")
			procs := procsOf(pidsDir)
			settled := !strings.Contains(events, "max 0") && len(procs) > 0
			for _, comm := range procs {
				settled = settled && comm == "sleep"
			}
			return settled, fmt.Sprintf("pids.events %q, procs %v", events, procs)
		})
		eventsMax, err := strconv.ParseUint(strings.TrimPrefix(cgroupFile(t, pidsDir, "pids.events"), "max "), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		current := uint64(cgroupFileInt(t, pidsDir, "pids.current"))
		if got := cgroupFile(t, pidsDir, "pids.max"); got != strconv.Itoa(pidsLimit) {
			t.Fatalf("setup: pids.max %s, want %d", got, pidsLimit)
		}

		doc := w.why(t, cmd.ExitWarning, name)
		checkVerdict(t, doc, "pids-limit", 5, "warning")
		checkContainerTarget(t, doc, facts.ID, true)
		if len(doc.Kills) != 0 {
			t.Errorf("kills %+v, want none", doc.Kills)
		}
		cg := cgroupEntry(t, doc, "pids", pidsPath)
		if cg.PidsLimit == nil || *cg.PidsLimit != pidsLimit {
			t.Errorf("pids cgroup pidsLimit %s, want %d", fmtUintPtr(cg.PidsLimit), pidsLimit)
		}
		if cg.PidsEventsMax == nil || *cg.PidsEventsMax != eventsMax {
			t.Errorf("pids cgroup pidsEventsMax %s, want the kernel's %d", fmtUintPtr(cg.PidsEventsMax), eventsMax)
		}
		if cg.PidsCurrent == nil || *cg.PidsCurrent != current {
			t.Errorf("pids cgroup pidsCurrent %s, want the kernel's %d", fmtUintPtr(cg.PidsCurrent), current)
		}
	})

	t.Run("sigkill: docker kill -s KILL", func(t *testing.T) {
		name := w.container(t, "kill", nil, "sleep", "1000")
		facts := inspectContainer(t, name)
		dockerCLI(t, "kill", "-s", "KILL", name)
		if code := waitExit(t, name); code != 137 {
			t.Fatalf("setup: the killed container exited %d, want 137", code)
		}
		docker := identInspectOf(t, name)

		// By full ID this time.
		doc := w.why(t, cmd.ExitCritical, facts.ID)
		checkVerdict(t, doc, "sigkill", 6, "critical")
		checkContainerTarget(t, doc, facts.ID, false)
		checkExit(t, doc, 137, "SIGKILL")
		if len(doc.Kills) != 0 {
			t.Errorf("kills %+v, want none (nothing was OOM-killed)", doc.Kills)
		}
		if doc.LastRun == nil || doc.LastRun.OOMKilled != docker.State.OOMKilled || docker.State.OOMKilled {
			t.Errorf("lastRun %+v, docker's OOMKilled %v: want false from both", doc.LastRun, docker.State.OOMKilled)
		}
	})

	t.Run("exited: exit 3 on its own", func(t *testing.T) {
		name := w.container(t, "exit3", nil, "sh", "-c", "exit 3")
		if code := waitExit(t, name); code != 3 {
			t.Fatalf("setup: the container exited %d, want 3", code)
		}
		id := dockerCLI(t, "inspect", "-f", "{{.Id}}", name)

		doc := w.why(t, cmd.ExitOK, name)
		checkVerdict(t, doc, "exited", 7, "ok")
		checkContainerTarget(t, doc, id, false)
		checkExit(t, doc, 3, "")
		if len(doc.Kills) != 0 {
			t.Errorf("kills %+v, want none", doc.Kills)
		}
		if doc.LastRun == nil || doc.LastRun.ExitCode == nil || *doc.LastRun.ExitCode != 3 {
			t.Errorf("lastRun %+v, want exitCode 3", doc.LastRun)
		}
	})

	t.Run("running: healthy, with its limit", func(t *testing.T) {
		const limit = 64 * mib
		name := w.container(t, "running", []string{"--memory", "64m"}, "sleep", "1000")
		facts := inspectContainer(t, name)
		memDir, memPath := v1ControllerDir(t, facts.PID, "memory")
		if got := cgroupFileInt(t, memDir, "memory.limit_in_bytes"); got != limit {
			t.Fatalf("setup: memory.limit_in_bytes %d, want %d", got, limit)
		}

		// By a unique ID prefix this time.
		doc := w.why(t, cmd.ExitOK, facts.ID[:12])
		checkVerdict(t, doc, "running", 8, "ok")
		checkContainerTarget(t, doc, facts.ID, true)
		if doc.Target.PID != facts.PID || doc.Target.Cgroup != memPath {
			t.Errorf("target pid %d cgroup %q, want %d %q", doc.Target.PID, doc.Target.Cgroup, facts.PID, memPath)
		}
		if doc.Exit != nil || len(doc.Kills) != 0 {
			t.Errorf("exit %+v kills %+v, want neither for a running container", doc.Exit, doc.Kills)
		}
		cg := cgroupEntry(t, doc, "memory", memPath)
		if cg.Version != 1 || cg.LimitBytes == nil || *cg.LimitBytes != limit {
			t.Errorf("memory cgroup version %d limitBytes %s, want 1 and %d", cg.Version, fmtUintPtr(cg.LimitBytes), limit)
		}
		if cg.UsageBytes == nil || *cg.UsageBytes == 0 || *cg.UsageBytes > limit {
			t.Errorf("memory cgroup usageBytes %s, want some, under the limit %d", fmtUintPtr(cg.UsageBytes), limit)
		}
	})

	t.Run("--all lists the kills, most recent first", func(t *testing.T) {
		if len(w.kills) == 0 {
			t.Skip("no kill subtest ran (-run picked this one alone)")
		}
		// Whole minutes that cover the test so far, as a user would type.
		since := fmt.Sprintf("%dm", int(time.Since(start).Minutes())+2)
		stdout, stderr, code := w.nsxRun(t, "why-killed", "--all", "--since", since, "-o", "json")
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("nsx why-killed --all --since %s -o json (exit %d):\n%s\nstderr:\n%s\nkernel OOM lines:\n%s", since, code, stdout, stderr, kernelOOMLines(t))
			}
		})
		// The listing also holds containers that died of SIGKILL without an
		// OOM kill (the sigkill subtest's): they have a time but no kernel
		// stamp, so the order is checked on the wall-clock times.
		if code != cmd.ExitCritical {
			t.Errorf("exit %d, want %d (kills listed)", code, cmd.ExitCritical)
		}
		var doc whyKilledDoc
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
			t.Fatalf("decoding JSON: %v", err)
		}
		if doc.SchemaVersion != 1 || doc.View != "kills" {
			t.Errorf("schemaVersion %d view %q, want 1 kills", doc.SchemaVersion, doc.View)
		}
		// Other tests may kill things meanwhile; the whole list is still in
		// order.
		for i := 1; i < len(doc.Kills); i++ {
			cur, prev := doc.Kills[i].Time, doc.Kills[i-1].Time
			if cur != nil && prev != nil && cur.After(*prev) {
				t.Errorf("kill %d (%v, pid %d) comes after kill %d (%v, pid %d): not most recent first", i, cur, doc.Kills[i].PID, i-1, prev, doc.Kills[i-1].PID)
			}
		}
		// Each kill of the scenarios once, in the reverse of the order they
		// were made.
		prev := -1
		for i := len(w.kills) - 1; i >= 0; i-- {
			want := w.kills[i]
			idx := slices.IndexFunc(doc.Kills, func(k whyKilledKill) bool { return k.PID == want.pid && k.OOMMemcg == want.oomMemcg })
			if idx < 0 {
				t.Errorf("no kill of pid %d (%s) in %s", want.pid, want.oomMemcg, want.taskMemcg)
				continue
			}
			if idx <= prev {
				t.Errorf("kill of pid %d at position %d, want after position %d (it is older)", want.pid, idx, prev)
			}
			prev = idx
			k := doc.Kills[idx]
			checkKill(t, k, wantKill{pid: want.pid, comm: want.comm, kind: want.kind, oomMemcg: want.oomMemcg,
				taskMemcg: want.taskMemcg, limitBytes: want.limitBytes, after: want.after, before: want.before})
			switch {
			case want.containerID == "" && k.Container != nil:
				t.Errorf("kill of pid %d (a plain process): container %+v", want.pid, k.Container)
			case want.containerID != "" && (k.Container == nil || k.Container.ID != want.containerID):
				t.Errorf("kill of pid %d: container %+v, want id %s", want.pid, k.Container, want.containerID)
			}
		}

		// A --since after the last kill leaves the scenarios' kills out.
		cutoff := time.Now().Format(time.RFC3339Nano)
		laterOut, laterErr, laterCode := w.nsxRun(t, "why-killed", "--all", "--since", cutoff, "-o", "json")
		if laterCode != cmd.ExitOK && laterCode != cmd.ExitCritical {
			t.Fatalf("nsx why-killed --all --since %s: exit %d\n%s", cutoff, laterCode, laterErr)
		}
		var later whyKilledDoc
		if err := json.Unmarshal([]byte(laterOut), &later); err != nil {
			t.Fatalf("--since %s: decoding JSON: %v", cutoff, err)
		}
		for _, k := range later.Kills {
			for _, want := range w.kills {
				if k.PID == want.pid && k.OOMMemcg == want.oomMemcg {
					t.Errorf("--since %s lists the earlier kill of pid %d at %v", cutoff, k.PID, k.Time)
				}
			}
		}
	})
}

func ptrTo[T any](v T) *T { return &v }

// TestWhyKilledBadInput: targets nsx knows nothing of are errors (exit 1,
// one "nsx: " line), a missing target is a usage error.
func TestWhyKilledBadInput(t *testing.T) {
	testutil.RequireRoot(t)
	nsx := buildNsx(t)
	tests := []struct {
		name     string
		args     []string
		wantExit int
	}{
		{"unknown container name", []string{"why-killed", "nsx-wk-nosuch-" + randomHex(t, 4), "-o", "json"}, cmd.ExitError},
		{"PID that never existed", []string{"why-killed", strconv.Itoa(unusedPID(t)), "-o", "json"}, cmd.ExitError},
		{"no target", []string{"why-killed"}, cmd.ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runNsxBinary(t, nsx, tt.args...)
			if code != tt.wantExit {
				t.Fatalf("nsx %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(tt.args, " "), code, tt.wantExit, stdout, stderr)
			}
			if tt.wantExit != cmd.ExitError {
				return
			}
			lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "nsx: ") {
				t.Errorf("stderr %q, want one \"nsx: \" line", stderr)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing on an error", stdout)
			}
		})
	}
}

// unusedPID is a PID no process has now and no kernel log line names: a
// gone PID nsx can know nothing about.
func unusedPID(t *testing.T) int {
	t.Helper()
	log, err := exec.Command("dmesg").Output()
	if err != nil {
		t.Fatalf("dmesg: %v", err)
	}
	b, err := os.ReadFile("/proc/sys/kernel/pid_max")
	if err != nil {
		t.Fatal(err)
	}
	pidMax, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	for pid := pidMax - 1; pid > pidMax/2; pid-- {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
			continue
		}
		if !strings.Contains(string(log), strconv.Itoa(pid)) {
			return pid
		}
	}
	t.Fatalf("no PID below %d that is free and absent from the kernel log", pidMax)
	return 0
}
