//go:build linux

package cmd_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"nsx/internal/testutil"
)

// Live tests of what `nsx enter` promises beyond running the command:
//   - it works into a user namespace made by an unprivileged user, both as
//     root and as that user, and refuses, saying why, what the user may not
//     enter;
//   - while it holds host state (before exec), no process in the container
//     can look into it: it is non-dumpable, and holds no host fd;
//   - an enter that fails leaves no process behind, on the host or in the
//     container.
// Some run nsx in-process (cmd.Main, whose re-executed copy is this test
// binary: it holds the nsexec constructor); those that need another user,
// the --test-hold hook or nsx's own PID run a binary built with
// -tags nsxtest.

// safetyTimeout bounds one run of nsx or of a helper command.
const safetyTimeout = time.Minute

// safetyGate skips a test that cannot run here, or fails it under CI=true
// (as testutil's gates do).
func safetyGate(t *testing.T, why string) {
	t.Helper()
	if testutil.InCI() {
		t.Fatalf("CI=true but this test cannot run: %s", why)
	}
	t.Skip(why)
}

// safetyRootlessUser is the unprivileged user whose user namespaces the
// tests enter: testutil.PodmanUser, which scripts/runtimes-setup.sh makes.
func safetyRootlessUser(t *testing.T) string {
	t.Helper()
	testutil.RequireRoot(t)
	testutil.RequireCommand(t, "runuser")
	testutil.RequireCommand(t, "unshare")
	if _, err := user.Lookup(testutil.PodmanUser); err != nil {
		safetyGate(t, "no user "+testutil.PodmanUser+" (scripts/runtimes-setup.sh makes it): "+err.Error())
	}
	return testutil.PodmanUser
}

// safetyRootlessSleeper starts, as user name, `unshare -U -r --mount --uts`
// running a sleep that first sets the namespace's hostname, and returns the
// sleep's PID once it runs. runuser forks: the unshare (which becomes sh,
// then sleep, one PID) is its child. Both are killed by PID at cleanup.
func safetyRootlessSleeper(t *testing.T, name, hostname string) int {
	t.Helper()
	c := exec.Command("runuser", "-u", name, "--", "unshare", "-U", "-r", "--mount", "--uts",
		"sh", "-c", "hostname "+hostname+" && exec sleep 300")
	c.Dir = "/"
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	if err := c.Start(); err != nil {
		t.Fatalf("starting %v: %v", c.Args, err)
	}
	sleeper := 0
	t.Cleanup(func() {
		if sleeper > 0 {
			_ = syscall.Kill(sleeper, syscall.SIGKILL)
		}
		_ = c.Process.Kill()
		_ = c.Wait()
	})
	ownUser, _ := os.Readlink("/proc/self/ns/user")
	deadline := time.Now().Add(15 * time.Second)
	for {
		for _, pid := range safetyChildrenOf(c.Process.Pid) {
			comm, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
			userNS, _ := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/user")
			if strings.TrimSpace(string(comm)) == "sleep" && userNS != "" && userNS != ownUser {
				sleeper = pid
				return pid
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%v: no sleep in a user namespace of its own after 15s; output:\n%s", c.Args, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// safetyChildrenOf lists a process's children, those of every thread (Go
// forks from any of its threads).
func safetyChildrenOf(pid int) []int {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	var kids []int
	for _, task := range tasks {
		b, _ := os.ReadFile(task)
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil {
				kids = append(kids, n)
			}
		}
	}
	return kids
}

// safetyRunAs runs the built nsx as user name (runuser, a clean
// environment) with a deadline.
func safetyRunAs(t *testing.T, name, nsx string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return within(t, func(ctx context.Context) *exec.Cmd {
		c := exec.CommandContext(ctx, "runuser", append([]string{"-u", name, "--", "env", "-i",
			"PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", nsx}, args...)...)
		c.Dir = "/"
		return c
	})
}

func safetyMustSucceed(t *testing.T, what string, stdout, stderr string, code int) string {
	t.Helper()
	if code != 0 {
		t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", what, code, stdout, stderr)
	}
	return strings.TrimSpace(stdout)
}

// safetyEnterOK runs nsx in-process and returns its trimmed stdout, failing
// the test unless it exits 0.
func safetyEnterOK(t *testing.T, args ...string) string {
	t.Helper()
	stdout, stderr, code := enterNSX(t, args...)
	return safetyMustSucceed(t, "nsx "+strings.Join(args, " "), stdout, stderr, code)
}

// safetyRunAsOK is safetyRunAs that fails the test unless nsx exits 0.
func safetyRunAsOK(t *testing.T, name, nsx string, args ...string) string {
	t.Helper()
	stdout, stderr, code := safetyRunAs(t, name, nsx, args...)
	return safetyMustSucceed(t, name+": nsx "+strings.Join(args, " "), stdout, stderr, code)
}

// safetyIDRe matches the start of id(1)'s output, with or without names.
var safetyIDRe = regexp.MustCompile(`^uid=(\d+)(\([^)]*\))? gid=(\d+)`)

// safetyCheckRoot checks that `id` printed uid 0 and gid 0.
func safetyCheckRoot(t *testing.T, what, out string) {
	t.Helper()
	m := safetyIDRe.FindStringSubmatch(out)
	if m == nil || m[1] != "0" || m[3] != "0" {
		t.Errorf("%s: id printed %q, want uid=0 gid=0 (the target's mapped root)", what, out)
	}
}

// safetyMapFields normalises an ID map (columns are padded) for comparison.
func safetyMapFields(b string) string { return strings.Join(strings.Fields(b), " ") }

// TestEnterRootless enters a user namespace that an unprivileged user made
// (unshare -U -r: uid 0 inside is the user outside, setgroups denied): as
// root, and as that user, whose nsx must manage without any privilege.
func TestEnterRootless(t *testing.T) {
	name := safetyRootlessUser(t)
	nsx := buildNsx(t, "nsxtest")
	pid := safetyRootlessSleeper(t, name, "rootless-x")
	target := strconv.Itoa(pid)
	wantMap, err := os.ReadFile("/proc/" + target + "/uid_map")
	if err != nil {
		t.Fatal(err)
	}
	wantUserNS, err := os.Readlink("/proc/" + target + "/ns/user")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("root", func(t *testing.T) {
		out := safetyEnterOK(t, "enter", target, "--", "id")
		safetyCheckRoot(t, "nsx enter "+target+" -- id", out)
		if out := safetyEnterOK(t, "enter", target, "--", "hostname"); out != "rootless-x" {
			t.Errorf("hostname inside: %q, want rootless-x (the target's uts namespace)", out)
		}
		out = safetyEnterOK(t, "enter", target, "--", "cat", "/proc/self/uid_map")
		if safetyMapFields(out) != safetyMapFields(string(wantMap)) {
			t.Errorf("uid_map inside: %q, want the target's %q", out, wantMap)
		}
		out = safetyEnterOK(t, "enter", target, "--", "readlink", "/proc/self/ns/user")
		if out != wantUserNS {
			t.Errorf("user namespace inside: %s, want the target's %s", out, wantUserNS)
		}
	})

	// The target's user namespace denies setgroups(2): whatever groups
	// the command holds when it joins, it keeps. root's supplementary
	// groups (here disk and root, as sudo or a login can give) are host
	// groups the unprivileged owner of the namespace could use, through
	// the command it can ptrace once it runs: nsx must drop them before it
	// joins, as nsenter -a does. Inside, a group the namespace does not map
	// shows as the overflow gid.
	t.Run("root's supplementary groups stay outside", func(t *testing.T) {
		overflow, err := os.ReadFile("/proc/sys/kernel/overflowgid")
		if err != nil {
			t.Fatal(err)
		}
		stdout, stderr, code := within(t, func(ctx context.Context) *exec.Cmd {
			c := exec.CommandContext(ctx, nsx, "enter", target, "--", "cat", "/proc/self/status")
			c.Dir = "/"
			c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 0, Gid: 0, Groups: []uint32{6, 0}}}
			return c
		})
		status := safetyMustSucceed(t, "nsx enter (groups disk, root) -- cat /proc/self/status", stdout, stderr, code)
		groups := ""
		for _, line := range strings.Split(status, "\n") {
			if v, ok := strings.CutPrefix(line, "Groups:"); ok {
				groups = strings.TrimSpace(v)
			}
		}
		if slices.Contains(strings.Fields(groups), strings.TrimSpace(string(overflow))) {
			t.Errorf("Groups inside: %q: the command kept host groups the target's user namespace does not map (shown as %s); nsx must drop them before joining", groups, strings.TrimSpace(string(overflow)))
		}
	})

	t.Run("as the user", func(t *testing.T) {
		out := safetyRunAsOK(t, name, nsx, "enter", target, "--", "id")
		safetyCheckRoot(t, name+": nsx enter "+target+" -- id", out)
		if out := safetyRunAsOK(t, name, nsx, "enter", target, "--", "hostname"); out != "rootless-x" {
			t.Errorf("hostname inside: %q, want rootless-x", out)
		}
	})

	t.Run("as the user into root's container", func(t *testing.T) {
		testutil.RequireDocker(t)
		ctr := "nsx-es-root-" + randomHex(t, 4)
		startContainer(t, ctr, "run", "-d", "--name", ctr, "--network", "none", testutil.TestImage, "sleep", "300")
		ctrPID := dockerCLI(t, "inspect", "-f", "{{.State.Pid}}", ctr)
		stdout, stderr, code := safetyRunAs(t, name, nsx, "enter", ctrPID, "--", "id")
		if code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
		if stdout != "" {
			t.Errorf("stdout %q, want nothing: the command must not run", stdout)
		}
		lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
		msg := lines[0]
		if len(lines) != 1 || !strings.HasPrefix(msg, "nsx: ") {
			t.Errorf("stderr %q, want one line \"nsx: ...\"", stderr)
		}
		if !strings.Contains(msg, "run as root") {
			t.Errorf("message %q does not say to run as root", msg)
		}
		if !regexp.MustCompile(`\b(cgroup|ipc|mnt|net|pid|time|user|uts)\b`).MatchString(msg) {
			t.Errorf("message %q names no namespace", msg)
		}
		if strings.Contains(stderr, "goroutine") {
			t.Errorf("stack trace on stderr:\n%s", stderr)
		}
	})

	t.Run("rootless podman", func(t *testing.T) {
		u := testutil.RequireRootlessPodman(t)
		ctr := "nsx-es-pmr-" + randomHex(t, 4)
		t.Cleanup(func() {
			within(t, func(ctx context.Context) *exec.Cmd { return u.Command(ctx, "rm", "-f", "-t", "0", ctr) })
		})
		podmanAs(t, u, slices.Concat([]string{"run", "-d", "--name", ctr}, testutil.PodmanRunFlags(true), []string{testutil.TestImage, "sleep", "300"})...)
		facts := parsePodmanFacts(t, podmanAs(t, u, "inspect", "--format", podmanInspectFormat, ctr))
		if facts.PID <= 0 {
			t.Fatalf("podman inspect %s: %+v, want a PID", ctr, facts)
		}
		pmPID := strconv.Itoa(facts.PID)
		pmMap, err := os.ReadFile("/proc/" + pmPID + "/uid_map")
		if err != nil {
			t.Fatal(err)
		}
		out := safetyEnterOK(t, "enter", pmPID, "--", "id")
		safetyCheckRoot(t, "root: nsx enter "+pmPID+" -- id", out)
		out = safetyEnterOK(t, "enter", pmPID, "--", "cat", "/proc/self/uid_map")
		if safetyMapFields(out) != safetyMapFields(string(pmMap)) {
			t.Errorf("uid_map inside: %q, want the container's %q", out, pmMap)
		}
		out = safetyRunAsOK(t, u.Name, nsx, "enter", pmPID, "--", "id")
		safetyCheckRoot(t, u.Name+": nsx enter "+pmPID+" -- id", out)
	})
}

// safetyProbe runs in the container: for each item it prints "ITEM ok" or
// "ITEM refused MESSAGE". "link:F" reads the link /proc/PID/F; anything
// else opens /proc/PID/F for reading (the shell's redirection, whose
// error names the cause).
const safetyProbe = `p=$1; shift
for f in "$@"; do
	case $f in
	link:*)
		l=${f#link:}
		if out=$(readlink "/proc/$p/$l" 2>&1) && [ -n "$out" ]; then echo "$f ok"; else echo "$f refused $out"; fi ;;
	*)
		if out=$( (: <"/proc/$p/$f") 2>&1 ); then echo "$f ok"; else echo "$f refused $out"; fi ;;
	esac
done`

// safetyProbeItems are what a process may not learn of the held nsx: its
// binary, working directory and root (host paths), its fds, environment,
// memory map and memory. (Listing /proc/PID/fd is not among them: the
// kernel lets the owner of /proc/PID/fd, root, list the numbers; reading
// where they lead is what needs ptrace access.)
var safetyProbeItems = []string{"link:exe", "link:cwd", "link:root", "link:fd/0", "link:fd/2", "exe", "environ", "maps", "mem"}

// safetyProbeIn runs safetyProbe in the container as root against PID pid
// (as the container sees it) and returns item -> "ok" or the refusal.
func safetyProbeIn(t *testing.T, ctr, pid string, items ...string) map[string]string {
	t.Helper()
	stdout, stderr, code := within(t, func(ctx context.Context) *exec.Cmd {
		return exec.CommandContext(ctx, "docker", append([]string{"exec", ctr, "sh", "-c", safetyProbe, "sh", pid}, items...)...)
	})
	if code != 0 {
		t.Fatalf("docker exec %s (probe of %s): exit %d\n%s%s", ctr, pid, code, stdout, stderr)
	}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		item, rest, _ := strings.Cut(line, " ")
		got[item] = rest
	}
	return got
}

// TestEnterNonDumpable holds an entered nsx before it executes the command
// (--test-hold, in a build with -tags nsxtest) and looks at it: from the
// host, it is already in the container's namespaces and holds no fd but
// 0-2 and its error channel; from inside the container, root can learn
// nothing of it through /proc, while it can of the container's own PID 1.
func TestEnterNonDumpable(t *testing.T) {
	testutil.RequireDocker(t)
	nsx := buildNsx(t, "nsxtest")
	ctr := "nsx-es-dump-" + randomHex(t, 4)
	startContainer(t, ctr, "run", "-d", "--name", ctr, "--network", "none", testutil.TestImage, "sleep", "300")
	initPID, err := strconv.Atoi(dockerCLI(t, "inspect", "-f", "{{.State.Pid}}", ctr))
	if err != nil {
		t.Fatal(err)
	}

	// The container's own PID 1 is open to its root: the probe can see
	// what it looks for, so its refusals below mean something. (Not its
	// fd 2, which may be closed, nor its mem, which Yama's ptrace_scope 1
	// keeps from a process that is not its ancestor.)
	control := slices.DeleteFunc(slices.Clone(safetyProbeItems), func(s string) bool { return s == "link:fd/2" || s == "mem" })
	for item, res := range safetyProbeIn(t, ctr, "1", control...) {
		if res != "ok" {
			t.Fatalf("probe of the container's PID 1: %s %s; want every item readable", item, res)
		}
	}

	// By default the held nsx has all of root's capabilities, more than
	// the container's root: the kernel's capability check alone refuses
	// access. With --inherit-security it has the container's own, so only
	// its being non-dumpable keeps the container's root out.
	for _, tc := range []struct {
		name  string
		flags []string
	}{
		{"default", []string{}},
		{"inherit-security", []string{"--inherit-security"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			safetyHeld(t, nsx, ctr, initPID, tc.flags)
		})
	}
	// `nsx enter PID -- CMD`: the constructor of the nsx started here
	// plans and enters (enter/nsexec/fastpath.c), held by its test hook.
	t.Run("fast path", func(t *testing.T) {
		safetyHeld(t, nsx, ctr, initPID, nil)
	})
}

// safetyHeld runs `nsx enter --test-hold FLAGS CTR -- true` and checks the
// held process; with nil flags, `nsx enter PID -- true` on the fast path,
// held by _NSX_TEST_HOLD.
func safetyHeld(t *testing.T, nsx, ctr string, initPID int, flags []string) {
	fast := flags == nil
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdinR.Close()
	defer stdinW.Close()
	// A host fd that nsx inherits without close-on-exec, as from a careless
	// parent: it reaches the re-executed copy (fd 6: 3, 4 and 5 are taken
	// by the plan, the error channel and the pidfd), which must close it.
	canary, err := os.Open("/")
	if err != nil {
		t.Fatal(err)
	}
	defer canary.Close()

	args := append(append([]string{"enter", "--test-hold"}, flags...), ctr, "--", "true")
	if fast {
		args = []string{"enter", strconv.Itoa(initPID), "--", "true"}
	}
	c := exec.Command(nsx, args...)
	if fast {
		c.Env = append(os.Environ(), "_NSX_TEST_HOLD=1")
	}
	c.Dir = "/"
	c.Stdin = stdinR
	var stdout bytes.Buffer
	c.Stdout = &stdout
	c.ExtraFiles = []*os.File{canary, canary, canary, canary}
	stderrPipe, err := c.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatalf("starting nsx %s: %v", strings.Join(args, " "), err)
	}
	stdinR.Close()
	exited := make(chan struct{})
	var stderr bytes.Buffer
	held := make(chan string, 1)
	go func() {
		defer close(exited)
		sc := bufio.NewScanner(stderrPipe)
		for sc.Scan() {
			stderr.WriteString(sc.Text() + "\n")
			if n, ok := strings.CutPrefix(sc.Text(), "nsx-test: holding "); ok {
				held <- n
			}
		}
		_, _ = io.Copy(io.Discard, stderrPipe)
	}()
	released := false
	defer func() {
		if !released {
			// A failed check: release the held process, then make sure.
			stdinW.Close()
			time.AfterFunc(10*time.Second, func() { _ = c.Process.Kill() })
			<-exited
			_ = c.Wait()
		}
	}()

	var nsPID string
	select {
	case nsPID = <-held:
	case <-exited:
		_ = c.Wait()
		released = true
		t.Fatalf("nsx %s exited before holding; stderr:\n%s", strings.Join(args, " "), stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("nsx %s: no \"nsx-test: holding\" after 30s", strings.Join(args, " "))
	}
	n, err := strconv.Atoi(nsPID)
	if err != nil || n <= 1 {
		t.Fatalf("nsx-test: holding %q: want a PID in the container's pid namespace", nsPID)
	}

	// The held process, found on the host among nsx's descendants (a pid
	// namespace is entered: nsx's child forks it into the container's).
	hostPID := safetyFindHeld(t, c.Process.Pid, n)

	t.Run("in the container's namespaces", func(t *testing.T) {
		for _, typ := range []string{"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"} {
			want, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", initPID, typ))
			if err != nil {
				continue // a type this kernel lacks
			}
			got, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", hostPID, typ))
			if err != nil || got != want {
				t.Errorf("held process %d: %s namespace %s (%v), want the container's %s", hostPID, typ, got, err, want)
			}
		}
	})

	t.Run("no host fd", func(t *testing.T) {
		entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", hostPID))
		if err != nil {
			t.Fatal(err)
		}
		var fds []string
		for _, e := range entries {
			link, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", hostPID, e.Name()))
			fds = append(fds, e.Name()+" -> "+link)
		}
		// The fast path has no Go parent, so no error channel.
		if fast {
			if len(fds) != 3 || !strings.HasPrefix(fds[0], "0 ") || !strings.HasPrefix(fds[1], "1 ") || !strings.HasPrefix(fds[2], "2 ") {
				t.Errorf("held process %d has fds %q, want only 0, 1 and 2", hostPID, fds)
			}
		} else if len(fds) != 4 || !strings.HasPrefix(fds[0], "0 ") || !strings.HasPrefix(fds[1], "1 ") ||
			!strings.HasPrefix(fds[2], "2 ") || !strings.HasPrefix(fds[3], "4 -> pipe:") {
			t.Errorf("held process %d has fds %q, want only 0, 1, 2 and the error channel 4 (a pipe)", hostPID, fds)
		}
	})

	t.Run("closed to the container", func(t *testing.T) {
		got := safetyProbeIn(t, ctr, nsPID, append([]string{"status"}, safetyProbeItems...)...)
		// status is open to all: the PID is right, so a refusal below
		// is not a "no such file".
		if got["status"] != "ok" {
			t.Fatalf("/proc/%s/status in the container: %s; the held process is not there", nsPID, got["status"])
		}
		for _, item := range safetyProbeItems {
			res := got[item]
			switch {
			case res == "ok":
				t.Errorf("container root read %s of the held nsx (/proc/%s): it must be refused", item, nsPID)
			case !strings.HasPrefix(res, "refused"):
				t.Errorf("%s: no answer from the probe (%q)", item, res)
			case !strings.HasPrefix(item, "link:") && !strings.Contains(res, "ermission denied"):
				// readlink says nothing on failure; opens name the cause.
				t.Errorf("%s: %s, want permission denied", item, res)
			}
		}
	})

	stdinW.Close()
	done := make(chan error, 1)
	go func() {
		<-exited
		done <- c.Wait()
	}()
	select {
	case err := <-done:
		released = true
		if err != nil {
			t.Errorf("nsx %s after release: %v; stderr:\n%s", strings.Join(args, " "), err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Errorf("nsx %s: still running 30s after its stdin closed", strings.Join(args, " "))
	}
}

// safetyFindHeld finds, among the descendants of nsx (PID nsxPID), the
// process whose PID in its innermost pid namespace is nsPID.
func safetyFindHeld(t *testing.T, nsxPID, nsPID int) int {
	t.Helper()
	queue := []int{nsxPID}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		if pid != nsxPID {
			if ns := safetyNSpid(pid); len(ns) > 1 && ns[len(ns)-1] == nsPID {
				return pid
			}
		}
		queue = append(queue, safetyChildrenOf(pid)...)
	}
	t.Fatalf("no descendant of nsx (%d) is PID %d in a pid namespace of its own", nsxPID, nsPID)
	return 0
}

// safetyNSpid reads the NSpid line of /proc/PID/status: the PID in each pid
// namespace, outermost first.
func safetyNSpid(pid int) []int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "NSpid:"); ok {
			var ids []int
			for _, f := range strings.Fields(v) {
				n, _ := strconv.Atoi(f)
				ids = append(ids, n)
			}
			return ids
		}
	}
	return nil
}

// safetyProc is one process of the host, as TestEnterNoHalfEntered looks
// for leftovers.
type safetyProc struct {
	pid, ppid int
	state     string
	cmdline   string
	pidNS     string
	userNS    string
}

func (p safetyProc) String() string {
	return fmt.Sprintf("%d (ppid %d, state %s, %q, %s, %s)", p.pid, p.ppid, p.state, p.cmdline, p.pidNS, p.userNS)
}

// safetyProcs reads every process of the host.
func safetyProcs() []safetyProc {
	entries, _ := os.ReadDir("/proc")
	var procs []safetyProc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/status")
		if err != nil {
			continue
		}
		p := safetyProc{pid: pid}
		for _, line := range strings.Split(string(b), "\n") {
			k, v, _ := strings.Cut(line, ":")
			switch k {
			case "PPid":
				p.ppid, _ = strconv.Atoi(strings.TrimSpace(v))
			case "State":
				p.state = strings.TrimSpace(v)
			}
		}
		cl, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		p.cmdline = strings.TrimRight(strings.ReplaceAll(string(cl), "\x00", " "), " ")
		p.pidNS, _ = os.Readlink("/proc/" + e.Name() + "/ns/pid")
		p.userNS, _ = os.Readlink("/proc/" + e.Name() + "/ns/user")
		procs = append(procs, p)
	}
	return procs
}

// TestEnterNoHalfEntered makes enters fail at each stage after nsx
// re-executed itself — credentials, working directory, exec — into a
// container (the copy forks into its pid namespace) and into a rootless
// user namespace (no fork): each must fail with its status and one
// message, run nothing, and, once nsx returns, leave no process: no child
// of nsx (this test process, made a child subreaper, so that an orphan of
// nsx's copy or of its fork would be its child too), and none more in the
// target's namespaces.
func TestEnterNoHalfEntered(t *testing.T) {
	testutil.RequireDocker(t)
	ctr := "nsx-es-half-" + randomHex(t, 4)
	startContainer(t, ctr, "run", "-d", "--name", ctr, "--network", "none", testutil.TestImage, "sleep", "300")
	ctrPID := dockerCLI(t, "inspect", "-f", "{{.State.Pid}}", ctr)
	// Orphans of this process's descendants (nsx's re-executed copy and
	// what it forks) are reparented to it, not to init, where they could
	// not be told from other processes of the host.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Fatalf("PR_SET_CHILD_SUBREAPER: %v", err)
	}
	t.Cleanup(func() { _ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0) })

	tests := []struct {
		name     string
		rootless bool // target: a rootless unshare'd sleep, not the container
		flags    []string
		command  []string
		code     int
		stderr   string // in the message
		notHint  string // not in the message
	}{
		// 99999999999 is no uid (IDs are 32 bits), and must not become
		// one taken modulo 2^32 (1215752191).
		{name: "uid out of range", flags: []string{"--user", "99999999999"}, command: []string{"id"}, code: 1, stderr: "99999999999"},
		// 4294967295 is (uid_t)-1, which setresuid(2) takes as "leave
		// unchanged": the command would run as root.
		{name: "uid -1", flags: []string{"--user", "4294967295"}, command: []string{"id"}, code: 1, stderr: "4294967295"},
		{name: "working directory missing", flags: []string{"--wd", "/nonexistent-nsx-dir"}, command: []string{"true"}, code: 1, stderr: "/nonexistent-nsx-dir"},
		{name: "command not found", command: []string{"/nonexistent-nsx-command"}, code: 127, stderr: "No such file or directory"},
		// The file's mode refuses: no hint about privileges, which
		// nsx has and which would not help.
		{name: "command not executable", command: []string{"/etc/passwd"}, code: 126, stderr: "ermission denied", notHint: "even root"},
		// uid 5 is not in the map (0 -> the user's uid, one ID): setresuid
		// fails after every namespace is joined.
		{name: "uid unmapped in the user namespace", rootless: true, flags: []string{"--user", "5"}, command: []string{"id"}, code: 1, stderr: "setting"},
	}
	rootlessPID := ""
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := ctrPID
			if tt.rootless {
				if rootlessPID == "" {
					rootlessPID = strconv.Itoa(safetyRootlessSleeper(t, safetyRootlessUser(t), "rootless-half"))
				}
				target = rootlessPID
			}
			// The target's own namespace, in which nothing may be left:
			// its pid namespace (the container), else its user namespace
			// (the rootless sleep shares the host's pid namespace).
			nsOf := func(p safetyProc) string { return p.pidNS }
			targetNS, err := os.Readlink("/proc/" + target + "/ns/pid")
			if err != nil {
				t.Fatal(err)
			}
			if own, _ := os.Readlink("/proc/self/ns/pid"); own == targetNS {
				nsOf = func(p safetyProc) string { return p.userNS }
				if targetNS, err = os.Readlink("/proc/" + target + "/ns/user"); err != nil {
					t.Fatal(err)
				}
			}
			self := os.Getpid()
			countIn := func(procs []safetyProc) (kids, inTarget []safetyProc) {
				for _, p := range procs {
					if p.ppid == self {
						kids = append(kids, p)
					}
					if nsOf(p) == targetNS {
						inTarget = append(inTarget, p)
					}
				}
				return kids, inTarget
			}
			kidsBefore, inTargetBefore := countIn(safetyProcs())

			args := slices.Concat([]string{"enter"}, tt.flags, []string{target, "--"}, tt.command)
			stdout, stderr, code := enterNSX(t, args...)

			procs := safetyProcs()
			kids, inTarget := countIn(procs)
			for _, p := range kids {
				if !slices.ContainsFunc(kidsBefore, func(q safetyProc) bool { return q.pid == p.pid }) {
					t.Errorf("left behind: a child of nsx: %v", p)
				}
			}
			if len(inTarget) != len(inTargetBefore) {
				t.Errorf("%d processes in the target's namespace %s before, %d after: %v", len(inTargetBefore), targetNS, len(inTarget), inTarget)
			}

			if code != tt.code {
				t.Errorf("nsx %s: exit %d, want %d; stdout %q, stderr %q", strings.Join(args, " "), code, tt.code, stdout, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing: the command must not have run", stdout)
			}
			lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "nsx: ") || !strings.Contains(lines[0], tt.stderr) {
				t.Errorf("stderr %q, want one line \"nsx: ...\" with %q", stderr, tt.stderr)
			}
			if tt.notHint != "" && strings.Contains(stderr, tt.notHint) {
				t.Errorf("stderr %q: a misleading hint (%q)", stderr, tt.notHint)
			}
		})
	}
}
