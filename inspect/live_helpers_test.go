//go:build linux

package inspect_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"nsx/inspect"
	"nsx/internal/testutil"
)

// liveTimeout bounds every wait for a started process to reach its state;
// unshare and a fork take milliseconds, so this only matters on a hung host.
const liveTimeout = 10 * time.Second

// nobodyUID is the unprivileged user the rootless cases run as.
const nobodyUID = 65534

// liveStart starts c and, at cleanup, kills and reaps it by its PID.
func liveStart(t *testing.T, c *exec.Cmd) *exec.Cmd {
	t.Helper()
	if c.Dir == "" {
		// The test's working directory may not be readable by nobody.
		c.Dir = "/"
	}
	// A file, not a pipe: with a pipe, Wait would block until every
	// descendant holding its write end exits, and some outlive c on purpose.
	stderr, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	if c.Stderr == nil {
		c.Stderr = stderr
	}
	if err := c.Start(); err != nil {
		t.Fatalf("starting %v: %v", c.Args, err)
	}
	t.Cleanup(func() {
		_ = c.Process.Kill()
		_ = c.Wait()
		// unshare --fork under sh warns "sigprocmask unblock failed"
		// harmlessly, so stderr is shown only when it may explain a failure.
		if b, _ := os.ReadFile(stderr.Name()); len(b) > 0 && t.Failed() {
			t.Logf("%v stderr: %s", c.Args, b)
		}
		stderr.Close()
	})
	return c
}

// asNobody makes c run as uid/gid 65534 with no supplementary groups.
func asNobody(c *exec.Cmd) *exec.Cmd {
	if c.SysProcAttr == nil {
		c.SysProcAttr = &syscall.SysProcAttr{}
	}
	// An empty Groups list drops root's supplementary groups.
	c.SysProcAttr.Credential = &syscall.Credential{Uid: nobodyUID, Gid: nobodyUID}
	return c
}

// procStartTime reads field 22 of /proc/PID/stat: with the PID it
// identifies a process even after its PID could have been reused.
func procStartTime(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// comm may hold spaces and parentheses; the fields after the last ')'
	// are plain.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no ')'", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	return strconv.ParseUint(f[19], 10, 64)
}

// killLater kills pid (a process this test started indirectly) at cleanup,
// unless its PID has meanwhile been reused by another process.
func killLater(t *testing.T, pid int) {
	t.Helper()
	start, err := procStartTime(pid)
	if err != nil {
		t.Fatalf("process %d: %v", pid, err)
	}
	t.Cleanup(func() { killIfSame(pid, start) })
}

func killIfSame(pid int, start uint64) {
	if now, err := procStartTime(pid); err == nil && now == start {
		_ = unix.Kill(pid, unix.SIGKILL)
	}
}

// comm is the process's command name, "" when it is gone.
func comm(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// children lists the direct children of pid from every thread's
// /proc/PID/task/TID/children.
func children(pid int) []int {
	files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	var out []int
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, s := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(s); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

// waitDescendant waits until a descendant of root whose command name is
// comm exists, registers it for killing at cleanup and returns its PID.
// unshare --fork makes the interesting process a child (or grandchild) of
// the one the test started.
func waitDescendant(t *testing.T, root int, name string) int {
	t.Helper()
	deadline := time.Now().Add(liveTimeout)
	for time.Now().Before(deadline) {
		queue := []int{root}
		for len(queue) > 0 {
			pid := queue[0]
			queue = queue[1:]
			if pid != root && comm(pid) == name {
				killLater(t, pid)
				return pid
			}
			queue = append(queue, children(pid)...)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no descendant %q of process %d after %v", name, root, liveTimeout)
	return 0
}

// waitComm waits until pid has exec'd name (namespaces are all set up by
// then: unshare execs only after unsharing and writing the ID maps).
func waitComm(t *testing.T, pid int, name string) {
	t.Helper()
	deadline := time.Now().Add(liveTimeout)
	for comm(pid) != name {
		if time.Now().After(deadline) {
			t.Fatalf("process %d is %q, not %q, after %v", pid, comm(pid), name, liveTimeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitGone waits until pid has no namespaces any more: it exited (a zombie
// has none) or was reaped.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(liveTimeout)
	for {
		if _, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/user", pid)); err != nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d still alive after %v", pid, liveTimeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// nsInode is the kernel's answer, by stat(2), to which namespace of type
// typ pid is in; the tests compare nsx against it.
func nsInode(t *testing.T, pid int, typ inspect.NSType) uint64 {
	t.Helper()
	return pathInode(t, fmt.Sprintf("/proc/%d/ns/%s", pid, typ))
}

// selfNS is the namespace of type typ of the test process.
func selfNS(t *testing.T, typ inspect.NSType) uint64 {
	t.Helper()
	return pathInode(t, "/proc/self/ns/"+typ.String())
}

func pathInode(t *testing.T, path string) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatalf("stat %s: %v", path, err)
	}
	return st.Ino
}

// liveScan scans the live host through nsx's public entry points.
func liveScan(t *testing.T, opts inspect.ScanOptions) *inspect.Snapshot {
	t.Helper()
	h, err := inspect.NewHost("/")
	if err != nil {
		t.Fatalf("NewHost(/): %v", err)
	}
	snap, err := h.Scan(opts)
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	return snap
}

// sandboxOf resolves pid as a target, as `nsx ls PID` does, and returns the
// sandbox holding it with the index of each sandbox.
func sandboxOf(t *testing.T, snap *inspect.Snapshot, pid int) (*inspect.Sandbox, []*inspect.Sandbox) {
	t.Helper()
	tgt, err := snap.Resolve(strconv.Itoa(pid))
	if err != nil {
		t.Fatalf("Resolve(%d): %v", pid, err)
	}
	if tgt.Kind != inspect.TargetPID || len(tgt.PIDs) != 1 || tgt.PIDs[0] != pid {
		t.Fatalf("Resolve(%d) = %+v, want the PID itself", pid, tgt)
	}
	all := snap.Sandboxes()
	for _, sb := range all {
		for _, p := range sb.PIDs {
			if p == pid {
				return sb, all
			}
		}
	}
	t.Fatalf("process %d is in no sandbox", pid)
	return nil, nil
}

// requireLive gates the live tests: root and the util-linux tools.
func requireLive(t *testing.T, commands ...string) {
	t.Helper()
	testutil.RequireRoot(t)
	for _, c := range append([]string{"unshare", "sleep", "sh"}, commands...) {
		testutil.RequireCommand(t, c)
	}
}
