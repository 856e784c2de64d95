//go:build linux

package inspect_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"nsx/internal/testutil"
)

// memHogEnv makes the test binary, re-executed by the OOM test, a memory
// hog instead of a test run. An init function rather than TestMain: the
// package may get a TestMain of its own, and there can be only one.
const memHogEnv = "NSX_TEST_MEMHOG"

// memHogMiB is far above any limit the tests set, so that only the
// kernel's OOM killer can stop the hog.
const memHogMiB = 200

func init() {
	if os.Getenv(memHogEnv) == "1" {
		runMemHog()
	}
}

// runMemHog waits for one byte on stdin (the test moves it into the
// cgroup in the meantime, so that nothing it allocates is charged
// elsewhere), then allocates and touches memHogMiB MiB and exits 0: an
// exit 0 means no limit stopped it.
func runMemHog() {
	var go1 [1]byte
	if _, err := os.Stdin.Read(go1[:]); err != nil {
		fmt.Fprintln(os.Stderr, "memhog: reading the start byte:", err)
		os.Exit(3)
	}
	var keep [][]byte
	for range memHogMiB {
		chunk := make([]byte, 1<<20)
		// Touch every page: untouched pages are never charged.
		for i := 0; i < len(chunk); i += os.Getpagesize() {
			chunk[i] = 1
		}
		keep = append(keep, chunk)
	}
	runtime.KeepAlive(keep)
	os.Exit(0)
}

// v1Hierarchy is a cgroup v1 hierarchy carrying one controller, found the
// way the kernel describes it, independently of nsx's layout code.
type v1Hierarchy struct {
	controller string
	mountpoint string // where the hierarchy's root is mounted
	key        string // the hierarchy's controller list as /proc/PID/cgroup names it
}

// dir is the directory of cgroup path cgPath of the hierarchy.
func (hi v1Hierarchy) dir(cgPath string) string { return filepath.Join(hi.mountpoint, cgPath) }

// liveV1Hierarchy finds the v1 mount of controller in /proc/self/mountinfo
// (a mount of the hierarchy's root, so cgroup paths map to directories
// below it) and the name /proc/self/cgroup gives the hierarchy.
func liveV1Hierarchy(t *testing.T, controller string) v1Hierarchy {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	hi := v1Hierarchy{controller: controller}
	for _, line := range strings.Split(string(b), "\n") {
		pre, post, ok := strings.Cut(line, " - ")
		if !ok {
			continue
		}
		pf, qf := strings.Fields(pre), strings.Fields(post)
		if len(pf) < 5 || len(qf) < 3 || qf[0] != "cgroup" || pf[3] != "/" {
			continue
		}
		if slices.Contains(strings.Split(qf[2], ","), controller) {
			hi.mountpoint = pf[4]
			break
		}
	}
	if hi.mountpoint == "" {
		cgroupSkipOrFail(t, "no cgroup v1 hierarchy with the "+controller+" controller is mounted")
	}
	self, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(self), "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) == 3 && slices.Contains(strings.Split(f[1], ","), controller) {
			hi.key = f[1]
		}
	}
	if hi.key == "" {
		t.Fatalf("/proc/self/cgroup names no hierarchy with %s:\n%s", controller, self)
	}
	return hi
}

// hostHasCgroup2 reports whether a cgroup2 tree is mounted: with v1
// controllers, that makes the layout hybrid.
func hostHasCgroup2(t *testing.T) bool {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(string(b), " - cgroup2 ")
}

// cgroupSkipOrFail skips on a host without v1 controllers (a pure v2
// laptop) and fails under CI, where every tier must run.
func cgroupSkipOrFail(t *testing.T, why string) {
	t.Helper()
	if testutil.InCI() {
		t.Fatalf("CI=true but this test cannot run: %s", why)
	}
	t.Skip(why)
}

// makeV1Cgroup creates cgroup cgPath in a hierarchy, writes settings in
// order (some depend on earlier ones: memsw after the memory limit) and
// removes it at cleanup. Cleanups run last-in first-out, so children made
// after their parent are removed before it.
func makeV1Cgroup(t *testing.T, hi v1Hierarchy, cgPath string, settings ...[2]string) string {
	t.Helper()
	dir := hi.dir(cgPath)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatalf("creating cgroup: %v", err)
	}
	t.Cleanup(func() { removeCgroupDir(t, dir) })
	for _, s := range settings {
		writeCgroupFile(t, dir, s[0], s[1])
	}
	return dir
}

// removeCgroupDir kills what is left in a cgroup the test made (all of it
// the test's own processes and their orphans), waits until it is empty and
// removes it.
func removeCgroupDir(t *testing.T, dir string) {
	t.Helper()
	deadline := time.Now().Add(liveTimeout)
	for {
		for _, pid := range cgroupProcs(dir) {
			_ = unix.Kill(pid, unix.SIGKILL)
		}
		err := unix.Rmdir(dir)
		if err == nil || errors.Is(err, unix.ENOENT) {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("removing cgroup %s: %v (procs %v)", dir, err, cgroupProcs(dir))
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func cgroupProcs(dir string) []int {
	b, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	var pids []int
	for _, s := range strings.Fields(string(b)) {
		if pid, err := strconv.Atoi(s); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

func writeCgroupFile(t *testing.T, dir, file, value string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, file), []byte(value), 0); err != nil {
		t.Fatalf("writing %q to %s: %v", value, filepath.Join(dir, file), err)
	}
}

// moveToCgroups moves a process into each cgroup directory.
func moveToCgroups(t *testing.T, pid int, dirs ...string) {
	t.Helper()
	for _, dir := range dirs {
		writeCgroupFile(t, dir, "cgroup.procs", strconv.Itoa(pid))
	}
}

// kernelText is a cgroup file's content, trimmed.
func kernelText(t *testing.T, dir, file string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatalf("reading the kernel's %s: %v", file, err)
	}
	return strings.TrimSpace(string(b))
}

// kernelUint reads a file holding one number, as the reference for nsx.
func kernelUint(t *testing.T, dir, file string) uint64 {
	t.Helper()
	s := kernelText(t, dir, file)
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatalf("%s/%s = %q: %v", dir, file, s, err)
	}
	return v
}

// kernelInt reads a signed number (v1 cpu.cfs_quota_us is -1 when unset).
func kernelInt(t *testing.T, dir, file string) int64 {
	t.Helper()
	s := kernelText(t, dir, file)
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("%s/%s = %q: %v", dir, file, s, err)
	}
	return v
}

// kernelKey reads one key of a "key value" file (memory.oom_control,
// pids.events).
func kernelKey(t *testing.T, dir, file, key string) uint64 {
	t.Helper()
	for _, line := range strings.Split(kernelText(t, dir, file), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == key {
			v, err := strconv.ParseUint(f[1], 10, 64)
			if err != nil {
				t.Fatalf("%s/%s: %q: %v", dir, file, line, err)
			}
			return v
		}
	}
	t.Fatalf("%s/%s has no key %q", dir, file, key)
	return 0
}

// kernelSaysUnlimited reports whether a v1 limit file holds the kernel's
// "no limit": -1, or PAGE_COUNTER_MAX pages in bytes (about 2^63), or max.
func kernelSaysUnlimited(t *testing.T, dir, file string) bool {
	t.Helper()
	s := kernelText(t, dir, file)
	if s == "-1" || s == "max" {
		return true
	}
	v, err := strconv.ParseUint(s, 10, 64)
	return err == nil && v > 1<<62
}

// startHeld starts a command that waits for a line on stdin before doing
// its work, so the test can move it into cgroups first; release sends the
// line. The process is killed and reaped at cleanup.
func startHeld(t *testing.T, c *exec.Cmd) (cmd *exec.Cmd, release func()) {
	t.Helper()
	stdin, err := c.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	liveStart(t, c)
	return c, func() {
		t.Helper()
		if _, err := io.WriteString(stdin, "go\n"); err != nil {
			t.Fatalf("releasing %v: %v", c.Args, err)
		}
		stdin.Close()
	}
}

// waitExit waits for a started process to end and returns its wait status.
func waitExit(t *testing.T, c *exec.Cmd, timeout time.Duration) syscall.WaitStatus {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	select {
	case err := <-done:
		var exitErr *exec.ExitError
		if err != nil && !errors.As(err, &exitErr) {
			t.Fatalf("waiting for %v: %v", c.Args, err)
		}
		return c.ProcessState.Sys().(syscall.WaitStatus)
	case <-time.After(timeout):
		t.Fatalf("%v still running after %v", c.Args, timeout)
		return 0
	}
}

// kernelCgroupPath is the path /proc/PID/cgroup gives a process in the
// hierarchy named key.
func kernelCgroupPath(t *testing.T, pid int, key string) string {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if p := strings.SplitN(sc.Text(), ":", 3); len(p) == 3 && p[1] == key {
			return p[2]
		}
	}
	t.Fatalf("/proc/%d/cgroup has no hierarchy %q", pid, key)
	return ""
}
