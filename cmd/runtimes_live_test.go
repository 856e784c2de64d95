package cmd_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"nsx/cmd"
	"nsx/internal/testutil"
)

// Live tests with real podman (rootful and rootless) and real containerd
// (ctr, in Kubernetes' namespace with a pod's cgroups and CRI annotations):
// nsx must name their containers from the runtimes' state on disk alone.
// scripts/runtimes-setup.sh provides the runtimes, the rootless user and
// the image.

// The sandbox documents are ls_test.go's sandboxesDoc; the pod view's is
// this one, with its containers as containerDoc.
type rtPodsDoc struct {
	View string `json:"view"`
	Pods []struct {
		Namespace  string `json:"namespace"`
		Name       string `json:"name"`
		UID        string `json:"uid"`
		Containers []struct {
			containerDoc
			PIDs []int `json:"pids"`
		} `json:"containers"`
	} `json:"pods"`
}

// sandboxesWithID returns the sandboxes of the container with this ID.
func sandboxesWithID(doc sandboxesDoc, id string) []sandboxDoc {
	var found []sandboxDoc
	for _, sb := range doc.Sandboxes {
		if sb.ID == id {
			found = append(found, sb)
		}
	}
	return found
}

// oneSandbox is the one sandbox of the container with this ID.
func oneSandbox(t *testing.T, doc sandboxesDoc, id string) sandboxDoc {
	t.Helper()
	found := sandboxesWithID(doc, id)
	if len(found) != 1 {
		t.Fatalf("want exactly one sandbox with ID %s, got %d: %+v", id, len(found), found)
	}
	if found[0].Container == nil {
		t.Fatalf("sandbox %s has no container", id)
	}
	return found[0]
}

// oneStopped is the one entry of ls -a's stopped list with this ID.
func oneStopped(t *testing.T, doc sandboxesDoc, id string) containerDoc {
	t.Helper()
	var found []containerDoc
	for _, c := range doc.Stopped {
		if c.ID == id {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want container %s listed once as stopped, got %d times: %+v", id, len(found), found)
	}
	return found[0]
}

// sandboxIDs lists the container IDs of the sandboxes, sorted.
func sandboxIDs(doc sandboxesDoc) []string {
	var ids []string
	for _, sb := range doc.Sandboxes {
		ids = append(ids, sb.ID)
	}
	slices.Sort(ids)
	return ids
}

// within runs the command mk makes with a minute's deadline: a hung
// runtime fails the test instead of hanging it. It returns what run does.
func within(t *testing.T, mk func(ctx context.Context) *exec.Cmd) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return run(t, mk(ctx))
}

// mustSucceed fails the test unless the command exited 0, and returns its
// trimmed stdout.
func mustSucceed(t *testing.T, what string) func(stdout, stderr string, code int) string {
	return func(stdout, stderr string, code int) string {
		t.Helper()
		if code != 0 {
			t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", what, code, stdout, stderr)
		}
		return strings.TrimSpace(stdout)
	}
}

// podmanCmd runs rootful podman.
func podmanCmd(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return within(t, func(ctx context.Context) *exec.Cmd { return exec.CommandContext(ctx, "podman", args...) })
}

// podmanCLI runs rootful podman and returns its trimmed stdout, failing the
// test on any error.
func podmanCLI(t *testing.T, args ...string) string {
	t.Helper()
	return mustSucceed(t, "podman "+strings.Join(args, " "))(podmanCmd(t, args...))
}

// podmanAs runs podman as the rootless user, failing the test on any
// error; rootless podman's warnings go to stderr.
func podmanAs(t *testing.T, u testutil.RootlessUser, args ...string) string {
	t.Helper()
	return mustSucceed(t, u.Name+": podman "+strings.Join(args, " "))(
		within(t, func(ctx context.Context) *exec.Cmd { return u.Command(ctx, args...) }))
}

// ctrCLI runs ctr in the test namespace, failing the test on any error.
func ctrCLI(t *testing.T, args ...string) string {
	t.Helper()
	args = append([]string{"-n", testutil.CtrNamespace}, args...)
	return mustSucceed(t, "ctr "+strings.Join(args, " "))(
		within(t, func(ctx context.Context) *exec.Cmd { return exec.CommandContext(ctx, "ctr", args...) }))
}

// podmanFacts is what podman inspect says of a container.
type podmanFacts struct {
	ID       string
	PID      int
	Status   string
	ExitCode int
}

const podmanInspectFormat = "{{.Id}} {{.State.Pid}} {{.State.Status}} {{.State.ExitCode}}"

func parsePodmanFacts(t *testing.T, out string) podmanFacts {
	t.Helper()
	f := strings.Fields(out)
	if len(f) != 4 {
		t.Fatalf("podman inspect: want ID, PID, status and exit code, got %q", out)
	}
	pid, err1 := strconv.Atoi(f[1])
	code, err2 := strconv.Atoi(f[3])
	if err1 != nil || err2 != nil {
		t.Fatalf("podman inspect: %q", out)
	}
	return podmanFacts{ID: f[0], PID: pid, Status: f[2], ExitCode: code}
}

// waitPodmanIdle waits until no process names the container any more:
// after the container exits, conmon and the exit command it starts
// (`podman container cleanup ID`) record the exit in podman's database,
// whose lock nsx waits for only briefly.
func waitPodmanIdle(t *testing.T, id string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var busy []string
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			if _, err := strconv.Atoi(e.Name()); err != nil {
				continue
			}
			b, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
			if strings.Contains(string(b), id) {
				busy = append(busy, e.Name()+": "+strings.ReplaceAll(string(b), "\x00", " "))
			}
		}
		if len(busy) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("container %s: processes still name it after 15s:\n%s", id, strings.Join(busy, "\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestPodmanRootful runs rootful podman containers and checks nsx's view
// of them, running, renamed and exited, against podman inspect.
func TestPodmanRootful(t *testing.T) {
	testutil.RequirePodman(t)
	flags := testutil.PodmanRunFlags(false)
	name := "nsx-pm-" + randomHex(t, 4)
	renamed, failed := name+"-renamed", name+"-exit3"
	// Registered before the containers exist, so that a half-made one does
	// not outlive a failed start; errors are ignored, as the container may
	// never have been made or is known by the other name.
	t.Cleanup(func() {
		for _, n := range []string{name, renamed, failed} {
			podmanCmd(t, "rm", "-f", "-t", "0", n)
		}
	})
	podmanCLI(t, slices.Concat([]string{"run", "-d", "--name", name}, flags, []string{testutil.TestImage, "sleep", "300"})...)
	// In the foreground: it has exited, with status 3, when podman returns.
	if stdout, stderr, code := podmanCmd(t, slices.Concat([]string{"run", "--name", failed}, flags, []string{testutil.TestImage, "sh", "-c", "exit 3"})...); code != 3 {
		t.Fatalf("podman run %s: exit %d, want 3\n%s%s", failed, code, stdout, stderr)
	}
	waitPodmanIdle(t, podmanCLI(t, "inspect", "--format", "{{.Id}}", failed))
	running := parsePodmanFacts(t, podmanCLI(t, "inspect", "--format", podmanInspectFormat, name))
	if running.Status != "running" || running.PID <= 0 {
		t.Fatalf("podman inspect %s: %+v, want running with a PID", name, running)
	}
	id := running.ID

	t.Run("running", func(t *testing.T) {
		sb := oneSandbox(t, nsxJSON[sandboxesDoc](t, "ls", "-o", "json"), id)
		c := sb.Container
		if sb.Runtime != "podman" || c.Runtime != "podman" {
			t.Errorf("runtime %q (container %q), want podman", sb.Runtime, c.Runtime)
		}
		if sb.Name != name || c.Name != name {
			t.Errorf("name %q (container %q), want %s", sb.Name, c.Name, name)
		}
		if c.State != "running" || c.InitPID != running.PID || sb.PID != running.PID {
			t.Errorf("state %q initPid %d pid %d, want running and podman's State.Pid %d", c.State, c.InitPID, sb.PID, running.PID)
		}
		if c.Owner != "" {
			t.Errorf("owner %q, want none: rootful podman", c.Owner)
		}
	})
	t.Run("target by name", func(t *testing.T) {
		doc := nsxJSON[sandboxesDoc](t, "ls", name, "-o", "json")
		if ids := sandboxIDs(doc); !slices.Equal(ids, []string{id}) {
			t.Errorf("nsx ls %s: sandboxes %v, want only %s", name, ids, id)
		}
	})

	podmanCLI(t, "rename", name, renamed)
	t.Run("renamed", func(t *testing.T) {
		sb := oneSandbox(t, nsxJSON[sandboxesDoc](t, "ls", "-o", "json"), id)
		if sb.Name != renamed || sb.Container.Name != renamed {
			t.Errorf("after podman rename: name %q (container %q), want %s", sb.Name, sb.Container.Name, renamed)
		}
		doc := nsxJSON[sandboxesDoc](t, "ls", renamed, "-o", "json")
		if ids := sandboxIDs(doc); !slices.Equal(ids, []string{id}) {
			t.Errorf("nsx ls %s: sandboxes %v, want only %s", renamed, ids, id)
		}
		if stdout, stderr, code := runNSX(t, "ls", name); code != cmd.ExitError || !strings.Contains(stderr, name) {
			t.Errorf("nsx ls %s (the old name): exit %d, stderr %q, want %d naming it\n%s", name, code, stderr, cmd.ExitError, stdout)
		}
	})

	podmanCLI(t, "stop", "-t", "0", renamed)
	waitPodmanIdle(t, id)
	stopped := parsePodmanFacts(t, podmanCLI(t, "inspect", "--format", podmanInspectFormat, renamed))
	exited := parsePodmanFacts(t, podmanCLI(t, "inspect", "--format", podmanInspectFormat, failed))
	if stopped.Status != "exited" || stopped.ExitCode == 0 || exited.Status != "exited" || exited.ExitCode != 3 {
		t.Fatalf("podman inspect: %s %+v, %s %+v; want both exited, with a signal's status and 3", renamed, stopped, failed, exited)
	}

	t.Run("stopped", func(t *testing.T) {
		doc := nsxJSON[sandboxesDoc](t, "ls", "-a", "-o", "json")
		if found := sandboxesWithID(doc, id); len(found) != 0 {
			t.Errorf("stopped container %s still listed as a sandbox: %+v", id, found)
		}
		for _, want := range []struct {
			name  string
			facts podmanFacts
		}{{renamed, stopped}, {failed, exited}} {
			c := oneStopped(t, doc, want.facts.ID)
			if c.Runtime != "podman" || c.Name != want.name || c.State != "exited" {
				t.Errorf("stopped %s: runtime %q name %q state %q, want podman %s exited", want.facts.ID, c.Runtime, c.Name, c.State, want.name)
			}
			if c.LastRun == nil || c.LastRun.ExitCode == nil || *c.LastRun.ExitCode != want.facts.ExitCode {
				t.Errorf("stopped %s: lastRun %+v, want exit code %d as podman inspect says", want.name, c.LastRun, want.facts.ExitCode)
			}
		}
	})
	t.Run("stopped table", func(t *testing.T) {
		stdout, _, code := runNSX(t, "ls", "-a")
		if code != cmd.ExitOK {
			t.Fatalf("nsx ls -a: exit %d", code)
		}
		var row string
		for _, line := range strings.Split(stdout, "\n") {
			if f := strings.Fields(line); len(f) > 0 && f[0] == failed {
				row = line
			}
		}
		if !strings.Contains(row, "podman") || !strings.Contains(row, exited.ID[:12]) || !strings.Contains(row, "(exited (3)") {
			t.Errorf("nsx ls -a: row of %s = %q, want podman, %s and \"(exited (3)\"\n%s", failed, row, exited.ID[:12], stdout)
		}
	})
	t.Run("stopped target", func(t *testing.T) {
		stdout, stderr, code := runNSX(t, "ls", renamed)
		if code != cmd.ExitError {
			t.Errorf("nsx ls %s: exit %d, want %d\nstdout:\n%s", renamed, code, cmd.ExitError, stdout)
		}
		for _, want := range []string{"not running", "exited", renamed} {
			if !strings.Contains(stderr, want) {
				t.Errorf("nsx ls %s: stderr %q, want %q in it", renamed, stderr, want)
			}
		}
	})
}

// TestPodmanRootless runs a container with rootless podman as the test
// user: it lives in the user's user namespace, and on cgroup v1 in the
// cgroup of whoever started it, so nsx finds it by its init's PID in
// runc's state under the user's runtime directory.
func TestPodmanRootless(t *testing.T) {
	u := testutil.RequireRootlessPodman(t)
	name := "nsx-pmr-" + randomHex(t, 4)
	t.Cleanup(func() {
		within(t, func(ctx context.Context) *exec.Cmd { return u.Command(ctx, "rm", "-f", "-t", "0", name) })
	})
	podmanAs(t, u, slices.Concat([]string{"run", "-d", "--name", name}, testutil.PodmanRunFlags(true), []string{testutil.TestImage, "sleep", "300"})...)
	running := parsePodmanFacts(t, podmanAs(t, u, "inspect", "--format", podmanInspectFormat, name))
	if running.Status != "running" || running.PID <= 0 {
		t.Fatalf("podman inspect %s: %+v, want running with a PID", name, running)
	}
	id := running.ID

	t.Run("running", func(t *testing.T) {
		sb := oneSandbox(t, nsxJSON[sandboxesDoc](t, "ls", "-o", "json"), id)
		c := sb.Container
		if sb.Runtime != "podman" || c.Name != name || sb.Name != name {
			t.Errorf("runtime %q name %q (container %q), want podman %s", sb.Runtime, sb.Name, c.Name, name)
		}
		if c.Owner != u.Name {
			t.Errorf("owner %q, want %s", c.Owner, u.Name)
		}
		if c.State != "running" || c.InitPID != running.PID || sb.PID != running.PID {
			t.Errorf("state %q initPid %d pid %d, want running and podman's State.Pid %d", c.State, c.InitPID, sb.PID, running.PID)
		}
		// Root inside is the user outside: uid 0 maps to its uid.
		if sb.UserNS != "mapped" || sb.User != u.Name {
			t.Errorf("userns %q user %q, want mapped and %s", sb.UserNS, sb.User, u.Name)
		}
		// The user namespace is the one podman's rootless pause process
		// keeps for all of the user's containers.
		if b, err := os.ReadFile(filepath.Join(u.RuntimeDir, "libpod/tmp/pause.pid")); err != nil {
			t.Errorf("podman's pause process: %v", err)
		} else if pause, err := strconv.Atoi(strings.TrimSpace(string(b))); err != nil {
			t.Errorf("podman's pause.pid %q: %v", b, err)
		} else if want := nsInodeOf(t, pause, "user"); sb.Namespaces["user"].Inode != want {
			t.Errorf("user ns %d, want %d, that of podman's pause process %d", sb.Namespaces["user"].Inode, want, pause)
		}
		// Where the cgroup does not name the container (cgroup v1, or no
		// systemd to delegate one), only runc's state can.
		cg, err := os.ReadFile("/proc/" + strconv.Itoa(running.PID) + "/cgroup")
		if err != nil {
			t.Fatal(err)
		}
		if state := filepath.Join(u.RuntimeDir, "runc", id); !strings.Contains(string(cg), id) && !slices.Contains(c.Sources, state) {
			t.Errorf("sources %q, want runc's state %s: the cgroup does not name the container\n%s", c.Sources, state, cg)
		}
	})
	t.Run("target by name", func(t *testing.T) {
		doc := nsxJSON[sandboxesDoc](t, "ls", name, "-o", "json")
		if ids := sandboxIDs(doc); !slices.Equal(ids, []string{id}) {
			t.Errorf("nsx ls %s: sandboxes %v, want only %s", name, ids, id)
		}
	})

	podmanAs(t, u, "stop", "-t", "0", name)
	waitPodmanIdle(t, id)
	stopped := parsePodmanFacts(t, podmanAs(t, u, "inspect", "--format", podmanInspectFormat, name))
	t.Run("stopped", func(t *testing.T) {
		doc := nsxJSON[sandboxesDoc](t, "ls", "-a", "-o", "json")
		c := oneStopped(t, doc, id)
		if c.Name != name || c.Owner != u.Name || c.State != "exited" {
			t.Errorf("stopped: name %q owner %q state %q, want %s, %s, exited", c.Name, c.Owner, c.State, name, u.Name)
		}
		if c.LastRun == nil || c.LastRun.ExitCode == nil || *c.LastRun.ExitCode != stopped.ExitCode {
			t.Errorf("stopped: lastRun %+v, want exit code %d as podman inspect says", c.LastRun, stopped.ExitCode)
		}
	})
}

// randomUUID makes a pod UID as the API server does (version 4).
func randomUUID(t *testing.T) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// ctrTaskPID is the host PID of a task's init, as ctr lists it.
func ctrTaskPID(t *testing.T, id string) int {
	t.Helper()
	out := ctrCLI(t, "task", "ls")
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) >= 3 && f[0] == id {
			pid, err := strconv.Atoi(f[1])
			if err != nil || pid <= 0 || f[2] != "RUNNING" {
				t.Fatalf("ctr task ls: task %s: %q", id, line)
			}
			return pid
		}
	}
	t.Fatalf("ctr task ls lacks %s:\n%s", id, out)
	return 0
}

// TestCtrPod makes a pod the way containerd's CRI plugin does, with ctr: a
// sandbox and an app container in the kubelet's cgroups
// (/kubepods/besteffort/pod<uid>/<id>), with the CRI annotations, the app
// joining the sandbox's net, ipc and uts namespaces. nsx must show the pod
// and resolve its targets.
func TestCtrPod(t *testing.T) {
	testutil.RequireCtr(t)
	podUID := randomUUID(t)
	podNS, podName := "nsx-test-"+randomHex(t, 3), "web-"+randomHex(t, 3)
	sandbox, app := randomHex(t, 32), randomHex(t, 32)
	parent := "/kubepods/besteffort/pod" + podUID

	// Of the cgroup directories runc makes, the test removes those that
	// did not exist before: the pod's in every hierarchy, and kubepods and
	// its besteffort class where this test made them.
	var made []string
	for _, mnt := range testutil.CgroupMounts(t) {
		for _, dir := range []string{"kubepods", "kubepods/besteffort"} {
			if _, err := os.Stat(filepath.Join(mnt, dir)); err != nil {
				made = append(made, filepath.Join(mnt, dir))
			}
		}
		made = append(made, filepath.Join(mnt, parent))
	}
	t.Cleanup(func() {
		// The app first: the sandbox's shim serves both.
		for _, id := range []string{app, sandbox} {
			for _, args := range [][]string{{"task", "delete", "-f", id}, {"container", "delete", id}} {
				within(t, func(ctx context.Context) *exec.Cmd {
					return exec.CommandContext(ctx, "ctr", append([]string{"-n", testutil.CtrNamespace}, args...)...)
				})
			}
		}
		// Innermost first; a directory another pod still uses stays.
		slices.SortFunc(made, func(a, b string) int { return len(b) - len(a) })
		for _, dir := range made {
			if err := os.Remove(dir); err != nil && !os.IsNotExist(err) && strings.HasSuffix(dir, podUID) {
				t.Errorf("removing the pod's cgroup: %v", err)
			}
		}
	})

	annotations := func(kind string) []string {
		var args []string
		for _, kv := range []string{
			"io.kubernetes.cri.container-type=" + kind,
			"io.kubernetes.cri.sandbox-id=" + sandbox,
			"io.kubernetes.cri.sandbox-name=" + podName,
			"io.kubernetes.cri.sandbox-namespace=" + podNS,
			"io.kubernetes.cri.sandbox-uid=" + podUID,
		} {
			args = append(args, "--annotation", kv)
		}
		return args
	}
	ctrCLI(t, slices.Concat([]string{"run", "-d", "--cgroup", parent + "/" + sandbox}, annotations("sandbox"),
		[]string{testutil.CtrImage, sandbox, "sleep", "300"})...)
	sandboxPID := ctrTaskPID(t, sandbox)
	var join []string
	for _, ns := range []struct{ ctr, proc string }{{"network", "net"}, {"ipc", "ipc"}, {"uts", "uts"}} {
		join = append(join, "--with-ns", ns.ctr+":/proc/"+strconv.Itoa(sandboxPID)+"/ns/"+ns.proc)
	}
	ctrCLI(t, slices.Concat([]string{"run", "-d", "--cgroup", parent + "/" + app}, join, annotations("container"),
		[]string{"--annotation", "io.kubernetes.cri.container-name=app", testutil.CtrImage, app, "sleep", "300"})...)
	appPID := ctrTaskPID(t, app)
	podPath := podNS + "/" + podName

	t.Run("pods view", func(t *testing.T) {
		doc := nsxJSON[rtPodsDoc](t, "ls", "--pods", "-o", "json")
		found := 0
		for _, p := range doc.Pods {
			if p.UID != podUID {
				continue
			}
			found++
			if p.Namespace != podNS || p.Name != podName {
				t.Errorf("pod %s: %s/%s, want %s", podUID, p.Namespace, p.Name, podPath)
			}
			if len(p.Containers) != 2 {
				t.Fatalf("pod %s: %d containers, want the sandbox and app: %+v", podPath, len(p.Containers), p.Containers)
			}
			sb, ap := p.Containers[0], p.Containers[1]
			if sb.ID != sandbox || !sb.PodSandbox || !slices.Contains(sb.PIDs, sandboxPID) {
				t.Errorf("first container: id %s sandbox %v pids %v, want the sandbox %s with pid %d", sb.ID, sb.PodSandbox, sb.PIDs, sandbox, sandboxPID)
			}
			if ap.ID != app || ap.PodSandbox || ap.Name != "app" || !slices.Contains(ap.PIDs, appPID) {
				t.Errorf("second container: id %s sandbox %v name %q pids %v, want app %s with pid %d", ap.ID, ap.PodSandbox, ap.Name, ap.PIDs, app, appPID)
			}
			for _, c := range []containerDoc{sb.containerDoc, ap.containerDoc} {
				if c.Runtime != "containerd" || c.Namespace != testutil.CtrNamespace || c.State != "running" {
					t.Errorf("container %s: runtime %q namespace %q state %q, want containerd %s running", c.ID, c.Runtime, c.Namespace, c.State, testutil.CtrNamespace)
				}
				if c.Pod == nil || c.Pod.UID != podUID || c.Pod.Namespace != podNS || c.Pod.Name != podName {
					t.Errorf("container %s: pod %+v, want %s (%s)", c.ID, c.Pod, podPath, podUID)
				}
			}
		}
		if found != 1 {
			t.Errorf("pod %s listed %d times, want once", podUID, found)
		}
	})

	both := []string{sandbox, app}
	slices.Sort(both)
	for _, tc := range []struct {
		target string
		want   []string
	}{
		{podPath, both},
		{"pod/" + podName, both},
		{podPath + "/app", []string{app}},
	} {
		t.Run("target "+tc.target, func(t *testing.T) {
			doc := nsxJSON[sandboxesDoc](t, "ls", tc.target, "-o", "json")
			if ids := sandboxIDs(doc); !slices.Equal(ids, tc.want) {
				t.Errorf("nsx ls %s: sandboxes %v, want %v", tc.target, ids, tc.want)
			}
		})
	}

	t.Run("sandboxes", func(t *testing.T) {
		doc := nsxJSON[sandboxesDoc](t, "ls", podPath, "-o", "json")
		sb, ap := oneSandbox(t, doc, sandbox), oneSandbox(t, doc, app)
		if sb.Name != podPath || ap.Name != podPath+"/app" {
			t.Errorf("names %q and %q, want %s and %s/app", sb.Name, ap.Name, podPath, podPath)
		}
		if sb.PID != sandboxPID || ap.PID != appPID {
			t.Errorf("pids %d and %d, want %d and %d", sb.PID, ap.PID, sandboxPID, appPID)
		}
		// A pod's containers share the sandbox's net, ipc and uts.
		for _, typ := range []string{"net", "ipc", "uts"} {
			s, a := sb.Namespaces[typ], ap.Namespaces[typ]
			if s.Inode == 0 || s.Inode != a.Inode || s.Scope != "shared" || a.Scope != "shared" {
				t.Errorf("%s: sandbox %+v, app %+v, want one shared namespace", typ, s, a)
			}
		}
		stdout, stderr, code := runNSX(t, "ls", podPath)
		if code != cmd.ExitOK {
			t.Fatalf("nsx ls %s: exit %d\n%s", podPath, code, stderr)
		}
		rows := tableRows(stdout)
		var names []string
		for _, f := range rows[1:] {
			if len(f) < 3 || f[1] != "containerd" {
				t.Errorf("row %q, want runtime containerd", f)
				continue
			}
			names = append(names, f[0]+" "+f[2])
		}
		slices.Sort(names)
		want := []string{podPath + " " + sandbox[:12], podPath + "/app " + app[:12]}
		if !slices.Equal(names, want) {
			t.Errorf("NAME and ID columns %q, want %q\n%s", names, want, stdout)
		}
	})
}
