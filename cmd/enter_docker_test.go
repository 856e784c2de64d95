//go:build linux

package cmd_test

import (
	"context"
	"fmt"
	"maps"
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

	"golang.org/x/sys/unix"

	"nsx/internal/testutil"
)

// Live tests of `nsx enter` against real Docker containers of the local
// busybox image. The reference is always `docker exec` in the same
// container: what it prints, and the exit status it gives, is what nsx
// must print and give. Most run nsx in-process (cmd.Main): its re-executed
// copy is then this test binary, which holds the nsexec constructor because
// package cmd imports package enter. The tests that need a real terminal,
// inherited file descriptors or nsx's PID run the built binary.

// enterTimeout bounds one nsx or docker exec run: every command here is
// short, and a hung enter must fail the test, not hang it.
const enterTimeout = time.Minute

// enterNSX runs nsx in-process with a deadline. On a timeout the test fails
// at once; the stuck run is left behind (it cannot be killed in-process).
func enterNSX(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	type result struct {
		stdout, stderr string
		code           int
	}
	done := make(chan result, 1)
	go func() {
		o, e, c := nsxInProcess(t, args...)
		done <- result{o, e, c}
	}()
	select {
	case r := <-done:
		return r.stdout, r.stderr, r.code
	case <-time.After(enterTimeout):
		t.Fatalf("nsx %s: still running after %v", strings.Join(args, " "), enterTimeout)
		return "", "", 0
	}
}

// enterOK runs nsx in-process and fails the test unless it exits 0.
func enterOK(t *testing.T, args ...string) string {
	t.Helper()
	stdout, stderr, code := enterNSX(t, args...)
	if code != 0 {
		t.Fatalf("nsx %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout, stderr)
	}
	return stdout
}

// dockerExec runs `docker exec ARGS` with a deadline and returns what it
// printed and its exit status, which the tests compare with nsx's.
func dockerExec(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return within(t, func(ctx context.Context) *exec.Cmd {
		return exec.CommandContext(ctx, "docker", append([]string{"exec"}, args...)...)
	})
}

// dockerExecOK is dockerExec that fails the test on a non-zero exit.
func dockerExecOK(t *testing.T, args ...string) string {
	t.Helper()
	stdout, stderr, code := dockerExec(t, args...)
	if code != 0 {
		t.Fatalf("docker exec %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout, stderr)
	}
	return stdout
}

// runEnterContainer starts a detached container of the test image running
// sleep, removed when the test ends. The sleep is bounded so that a
// container of a killed test run does not live on.
func runEnterContainer(t *testing.T, what string, flags ...string) string {
	t.Helper()
	name := "nsx-enter-" + what + "-" + randomHex(t, 4)
	args := append([]string{"run", "-d", "--name", name}, flags...)
	startContainer(t, name, append(args, testutil.TestImage, "sleep", "600")...)
	return name
}

// lineSet sorts a command's output lines, dropping those keep rejects.
func lineSet(out string, keep func(line string) bool) string {
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if keep == nil || keep(l) {
			lines = append(lines, l)
		}
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// envKeys keeps the lines of `env` output that set one of keys.
func envKeys(keys ...string) func(string) bool {
	return func(l string) bool {
		k, _, ok := strings.Cut(l, "=")
		return ok && slices.Contains(keys, k)
	}
}

// psList sorts the lines of `ps -o pid,user,comm` with ps's own PID
// masked: it differs from run to run, but ps must list itself, which it
// does only when it runs in the container's pid namespace (the container's
// /proc lists the container's processes to anyone).
func psList(out string) string {
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if f := strings.Fields(l); len(f) == 3 && f[2] == "ps" {
			l = "PID " + f[1] + " " + f[2]
		}
		lines = append(lines, l)
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// securityLine keeps the lines of /proc/PID/status that --inherit-security
// copies: the capability sets and no_new_privs.
var securityLine = regexp.MustCompile(`^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):`).MatchString

// TestEnterDockerView runs the same commands through nsx enter and docker
// exec in a running container: a command that has entered the container's
// namespaces, root, working directory, credentials and cgroups sees the
// same host name, interfaces, processes, files, cgroups, identity and
// directory, whichever way the container is named.
func TestEnterDockerView(t *testing.T) {
	testutil.RequireDocker(t)
	// -w makes the working directory one that only entering the target's
	// cwd gives; a second process makes the process list more than init.
	name := runEnterContainer(t, "view", "-w", "/tmp", "-e", "MARK=view")
	dockerCLI(t, "exec", "-d", name, "sleep", "599")
	waitForProcs(t, name, 2)
	facts := inspectContainer(t, name)
	ownCgroup, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}

	commands := []struct {
		name string
		cmd  []string
		// norm makes docker's and nsx's output comparable (nil: as is).
		norm func(string) string
		// check sanity-checks docker's reference output, so that a
		// comparison cannot pass for a trivial reason.
		check func(t *testing.T, ref string)
	}{
		{name: "hostname", cmd: []string{"hostname"}},
		{name: "ip addr", cmd: []string{"ip", "addr"}},
		{
			name: "ps", cmd: []string{"ps", "-o", "pid,user,comm"},
			norm: psList,
			check: func(t *testing.T, ref string) {
				// Header, the init sleep, the exec'd sleep and ps.
				if n := len(strings.Split(ref, "\n")); n < 4 {
					t.Fatalf("docker exec ps lists %d lines, want the header and three processes:\n%s", n, ref)
				}
			},
		},
		{name: "ls /", cmd: []string{"ls", "/"}},
		{
			name: "cgroup", cmd: []string{"cat", "/proc/self/cgroup"},
			check: func(t *testing.T, ref string) {
				if ref == string(ownCgroup) {
					t.Fatalf("the container's cgroups are the test's own: the comparison proves nothing\n%s", ref)
				}
			},
		},
		{name: "id", cmd: []string{"id"}},
		{
			name: "pwd", cmd: []string{"pwd"},
			check: func(t *testing.T, ref string) {
				if strings.TrimSpace(ref) == "/" {
					t.Fatalf("docker exec pwd is /, want the -w directory")
				}
			},
		},
		{
			// docker exec adds the container's own environment (MARK);
			// nsx's clean one must agree on these three.
			name: "env", cmd: []string{"env"},
			norm: func(s string) string { return lineSet(s, envKeys("PATH", "HOME", "HOSTNAME")) },
			check: func(t *testing.T, ref string) {
				if n := len(strings.Split(ref, "\n")); n != 3 {
					t.Fatalf("docker exec env: want PATH, HOME and HOSTNAME, got:\n%s", ref)
				}
			},
		},
	}
	targets := []struct {
		kind, spec string
		flags      []string
	}{
		{"name", name, nil},
		{"pid", strconv.Itoa(facts.PID), nil},
		{"full-id", facts.ID, nil},
		{"id-prefix", facts.ID[:12], nil},
		// The path of kernels before 5.8: one /proc/PID/ns file at a
		// time instead of setns(pidfd).
		{"no-pidfd", name, []string{"--no-pidfd"}},
	}
	for _, c := range commands {
		norm := c.norm
		if norm == nil {
			norm = func(s string) string { return s }
		}
		ref := norm(dockerExecOK(t, append([]string{name}, c.cmd...)...))
		if c.check != nil {
			c.check(t, ref)
		}
		for _, tg := range targets {
			t.Run(tg.kind+"/"+c.name, func(t *testing.T) {
				args := append(append(append([]string{"enter"}, tg.flags...), tg.spec, "--"), c.cmd...)
				stdout, stderr, code := enterNSX(t, args...)
				if code != 0 {
					t.Fatalf("nsx %s: exit %d, stderr:\n%s", strings.Join(args, " "), code, stderr)
				}
				if got := norm(stdout); got != ref {
					t.Errorf("nsx %s differs from docker exec:\n--- docker exec\n%s\n--- nsx\n%s", strings.Join(args, " "), ref, got)
				}
				// Entering a container is not worth a warning.
				if stderr != "" {
					t.Errorf("nsx %s: unexpected stderr:\n%s", strings.Join(args, " "), stderr)
				}
			})
		}
	}
}

// TestEnterExitStatus checks that nsx's exit status is the command's, and
// 128+N for a command killed by signal N, as docker exec gives it; a
// command that cannot be found or executed gives 127 or 126, as a shell
// does (docker exec's own exec gives 126 for both, so the reference there
// is the container's sh).
func TestEnterExitStatus(t *testing.T) {
	testutil.RequireDocker(t)
	name := runEnterContainer(t, "status")
	tests := []struct {
		name string
		// flags go before the target; nsxCmd and dockerCmd run in it.
		flags             []string
		nsxCmd, dockerCmd []string
		want              int
		stderrHas         string // "" for an empty stderr
	}{
		{name: "exit 0", nsxCmd: []string{"sh", "-c", "exit 0"}, want: 0},
		{name: "exit 7", nsxCmd: []string{"sh", "-c", "exit 7"}, want: 7},
		{name: "SIGTERM", nsxCmd: []string{"sh", "-c", "kill -TERM $$"}, want: 128 + int(syscall.SIGTERM)},
		{name: "SIGKILL", nsxCmd: []string{"sh", "-c", "kill -KILL $$"}, want: 128 + int(syscall.SIGKILL)},
		// Without the pid namespace nsx does not fork: the status comes
		// to the Go parent straight from the command, not from the relay.
		{name: "exit 7 without pid ns", flags: []string{"--ns", "uts"}, nsxCmd: []string{"sh", "-c", "exit 7"}, want: 7},
		{name: "SIGTERM without pid ns", flags: []string{"--ns", "uts"}, nsxCmd: []string{"sh", "-c", "kill -TERM $$"}, want: 128 + int(syscall.SIGTERM)},
		{
			name:   "missing command",
			nsxCmd: []string{"nsx-no-such-command"}, dockerCmd: []string{"sh", "-c", "nsx-no-such-command"},
			want: 127, stderrHas: "nsx-no-such-command",
		},
		{
			// The image's /etc/passwd exists and is not executable.
			name:   "not executable",
			nsxCmd: []string{"/etc/passwd"}, dockerCmd: []string{"sh", "-c", "/etc/passwd"},
			want: 126, stderrHas: "/etc/passwd",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dockerCmd := tt.dockerCmd
			if dockerCmd == nil {
				dockerCmd = tt.nsxCmd
			}
			_, dstderr, dcode := dockerExec(t, append([]string{name}, dockerCmd...)...)
			if dcode != tt.want {
				t.Fatalf("reference: docker exec %s exits %d, want %d (stderr %q)", strings.Join(dockerCmd, " "), dcode, tt.want, dstderr)
			}
			args := append(append(append([]string{"enter"}, tt.flags...), name, "--"), tt.nsxCmd...)
			_, stderr, code := enterNSX(t, args...)
			if code != dcode {
				t.Errorf("nsx %s: exit %d, docker exec gives %d; stderr:\n%s", strings.Join(args, " "), code, dcode, stderr)
			}
			if tt.stderrHas == "" {
				if stderr != "" {
					t.Errorf("nsx %s: unexpected stderr:\n%s", strings.Join(args, " "), stderr)
				}
				return
			}
			lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(stderr, "nsx: ") || !strings.Contains(stderr, tt.stderrHas) {
				t.Errorf("nsx %s: stderr %q, want one nsx: line naming %s", strings.Join(args, " "), stderr, tt.stderrHas)
			}
		})
	}
}

// TestEnterInteractiveCtrlC drives nsx enter's default shell in a real
// terminal (tmux), next to docker exec -it as the reference: Ctrl-C must
// stop the shell's foreground command but not the shell (which then says
// 130), and the shell's exit status must become the status of the whole.
func TestEnterInteractiveCtrlC(t *testing.T) {
	testutil.RequireDocker(t)
	tmux := testutil.RequireCommand(t, "tmux")
	nsx := buildNsx(t)
	name := runEnterContainer(t, "tty", "-w", "/tmp")
	hostname := strings.TrimSpace(dockerExecOK(t, name, "hostname"))

	ref := driveShell(t, tmux, name, hostname, "docker exec -it "+name+" sh")
	got := driveShell(t, tmux, name, hostname, nsx+" enter "+name)
	if got != ref {
		t.Errorf("nsx enter: $? after Ctrl-C and exit status %+v, docker exec -it gives %+v", got, ref)
	}
	if want := (shellRun{AfterCtrlC: "130", Exit: "5"}); got != want {
		t.Errorf("nsx enter: %+v, want %+v", got, want)
	}
}

// shellRun is what driveShell saw: $? after Ctrl-C, and the exit status of
// the command that ran the shell.
type shellRun struct{ AfterCtrlC, Exit string }

// driveShell runs cmdline (a shell in the container) in a tmux session on a
// private server, runs `sleep 100` in it, presses Ctrl-C, asks for $? and
// exits 5. Every wait is bounded.
func driveShell(t *testing.T, tmux, container, hostname, cmdline string) shellRun {
	t.Helper()
	// A private server, its socket in the test's directory: removed with
	// it, and never one of the user's sessions.
	socket := filepath.Join(t.TempDir(), "tmux")
	tm := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, tmux, append([]string{"-S", socket}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	// The server goes with every session and process in it.
	t.Cleanup(func() { _ = exec.Command(tmux, "-S", socket, "kill-server").Run() })
	exitFile := filepath.Join(t.TempDir(), "exit")
	// The wrapper records the status, then keeps the pane for diagnostics
	// (bounded: the server is killed at cleanup anyway).
	tm("new-session", "-d", "-s", "enter", "-x", "150", "-y", "40",
		fmt.Sprintf("%s; echo shell-exit=$? > '%s'; echo '[shell ended]'; sleep 120", cmdline, exitFile))
	screen := func() string { return tm("capture-pane", "-p", "-t", "enter") }
	exiting := false
	waitUntil := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second) // generous: a loaded CI host
		for !ok() {
			if _, err := os.Stat(exitFile); err == nil && !exiting {
				t.Fatalf("%s: the shell ended while waiting for %s; screen:\n%s", cmdline, what, screen())
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: waiting for %s; screen:\n%s", cmdline, what, screen())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	send := func(keys ...string) { tm(append([]string{"send-keys", "-t", "enter"}, keys...)...) }

	// The arithmetic shows the shell ran the line (the typed line holds
	// no 42), the host name that it runs in the container.
	send("echo probe-$((6*7))-$(hostname)", "Enter")
	waitUntil("the shell in the container", func() bool { return strings.Contains(screen(), "probe-42-"+hostname) })
	sleeping := func() bool {
		out, _, _ := dockerExec(t, container, "ps", "-o", "args")
		return strings.Contains(out, "sleep 100")
	}
	send("sleep 100", "Enter")
	waitUntil("sleep 100 in the container", sleeping)
	send("C-c")
	waitUntil("Ctrl-C to end sleep 100", func() bool { return !sleeping() })
	send("echo rc=$?", "Enter")
	rcLine := regexp.MustCompile(`(?m)^rc=(\d+)\s*$`)
	var run shellRun
	waitUntil("the shell to report $? (is it still alive?)", func() bool {
		if m := rcLine.FindStringSubmatch(screen()); m != nil {
			run.AfterCtrlC = m[1]
			return true
		}
		return false
	})
	exiting = true
	send("exit 5", "Enter")
	waitUntil("the shell to exit", func() bool {
		b, err := os.ReadFile(exitFile)
		if v, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "shell-exit="); err == nil && ok {
			run.Exit = v
			return true
		}
		return false
	})
	return run
}

// TestEnterBadInput checks nsx enter's answers to targets it cannot enter
// and to bad usage: exit 1 with the reason for a target, exit 2 for usage;
// a process in nsx's own namespaces is entered as is, with a note.
func TestEnterBadInput(t *testing.T) {
	testutil.RequireDocker(t)
	name := runEnterContainer(t, "bad")

	type want struct {
		code      int
		stderrHas []string
		stdout    string // exact, when the command runs
	}
	check := func(t *testing.T, w want, args ...string) {
		t.Helper()
		stdout, stderr, code := enterNSX(t, args...)
		if code != w.code {
			t.Errorf("nsx %s: exit %d, want %d; stderr:\n%s", strings.Join(args, " "), code, w.code, stderr)
		}
		for _, s := range w.stderrHas {
			if !strings.Contains(stderr, s) {
				t.Errorf("nsx %s: stderr does not say %q:\n%s", strings.Join(args, " "), s, stderr)
			}
		}
		if !strings.HasPrefix(stderr, "nsx: ") {
			t.Errorf("nsx %s: stderr %q, want a nsx: line", strings.Join(args, " "), stderr)
		}
		if stdout != w.stdout {
			t.Errorf("nsx %s: stdout %q, want %q", strings.Join(args, " "), stdout, w.stdout)
		}
	}

	t.Run("exited PID", func(t *testing.T) {
		var pid int
		for range 5 {
			c := exec.Command("true")
			if err := c.Run(); err != nil {
				t.Fatal(err)
			}
			pid = c.Process.Pid
			// A PID reused at once by another process is another
			// process: try again.
			if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err != nil {
				break
			}
			pid = 0
		}
		if pid == 0 {
			t.Fatal("every PID of an exited process was reused at once")
		}
		check(t, want{code: 1, stderrHas: []string{fmt.Sprintf("no process %d", pid)}}, "enter", strconv.Itoa(pid), "--", "true")
	})
	t.Run("unknown name", func(t *testing.T) {
		missing := "nsx-enter-missing-" + randomHex(t, 4)
		if _, _, dcode := dockerExec(t, missing, "true"); dcode == 0 {
			t.Fatalf("reference: docker exec in %s succeeded", missing)
		}
		// The error says what was searched: containers, by name and ID.
		check(t, want{code: 1, stderrHas: []string{missing, "searched", "container", "name"}}, "enter", missing, "--", "true")
	})
	t.Run("stopped containers", func(t *testing.T) {
		created := "nsx-enter-created-" + randomHex(t, 4)
		startContainer(t, created, "create", "--name", created, testutil.TestImage, "true")
		exited := "nsx-enter-exited-" + randomHex(t, 4)
		if code := runDetached(t, exited, testutil.TestImage, "true"); code != 0 {
			t.Fatalf("container %s exited %d", exited, code)
		}
		for _, c := range []string{created, exited} {
			_, dstderr, dcode := dockerExec(t, c, "true")
			if dcode == 0 || !strings.Contains(dstderr, "not running") {
				t.Fatalf("reference: docker exec in %s: exit %d, stderr %q, want not running", c, dcode, dstderr)
			}
			check(t, want{code: 1, stderrHas: []string{c, "not running"}}, "enter", c, "--", "true")
		}
	})
	t.Run("bogus ns type", func(t *testing.T) {
		check(t, want{code: 2, stderrHas: []string{"bogus"}}, "enter", "--ns", "bogus", name, "--", "true")
	})
	t.Run("command without --", func(t *testing.T) {
		// The command's own flags would be taken for nsx's: refused.
		check(t, want{code: 2, stderrHas: []string{"--", "hostname"}}, "enter", name, "hostname")
	})
	t.Run("own PID", func(t *testing.T) {
		host, err := os.Hostname()
		if err != nil {
			t.Fatal(err)
		}
		check(t, want{code: 0, stderrHas: []string{"in nsx's own namespaces"}, stdout: host + "\n"},
			"enter", strconv.Itoa(os.Getpid()), "--", "hostname")
	})
	t.Run("host process", func(t *testing.T) {
		// A host process in its own working directory: the command runs
		// there, entering nothing.
		dir := t.TempDir()
		c := exec.Command("sleep", "300")
		c.Dir = dir
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = c.Process.Kill()
			_ = c.Wait()
		})
		check(t, want{code: 0, stderrHas: []string{"in nsx's own namespaces"}, stdout: dir + "\n"},
			"enter", strconv.Itoa(c.Process.Pid), "--", "pwd")
	})
}

// TestEnterOptions checks each option of nsx enter against docker exec's
// equivalent, or against what the option promises when docker exec has
// none.
func TestEnterOptions(t *testing.T) {
	testutil.RequireDocker(t)
	name := runEnterContainer(t, "opts", "-w", "/tmp", "-e", "MARK=xyz")
	facts := inspectContainer(t, name)

	same := func(t *testing.T, docker, nsx []string) string {
		t.Helper()
		ref := dockerExecOK(t, docker...)
		if got := enterOK(t, nsx...); got != ref {
			t.Errorf("nsx %s: %q, docker exec %s: %q", strings.Join(nsx, " "), got, strings.Join(docker, " "), ref)
		}
		return ref
	}
	for _, user := range []string{"1000:1000", "nobody"} {
		t.Run("--user "+user, func(t *testing.T) {
			if user == "nobody" {
				// scripts/docker-image.sh writes nobody into the image's
				// /etc/passwd; an image without it has nothing to test.
				if _, _, code := dockerExec(t, name, "grep", "-q", "^nobody:", "/etc/passwd"); code != 0 {
					t.Skip("the test image has no nobody in /etc/passwd")
				}
			}
			for _, flag := range []string{"-u", "-g"} {
				ref := same(t, []string{"-u", user, name, "id", flag}, []string{"enter", "--user", user, name, "--", "id", flag})
				if strings.TrimSpace(ref) == "0" {
					t.Errorf("reference: docker exec -u %s id %s is 0", user, flag)
				}
			}
		})
	}
	t.Run("--user groups", func(t *testing.T) {
		// docker exec -u gives the primary group and, for a user given
		// without a group, the user's groups in the image's /etc/group.
		dockerExecOK(t, name, "sh", "-c", "echo wheel:x:10:nobody >> /etc/group")
		for _, user := range []string{"nobody", "nobody:nogroup", "65534", "1000:1000", "1000"} {
			// The kernel's list (sorted), not id -G's, which adds the
			// gid whether it is a supplementary group or not.
			groups := []string{"grep", "^Groups:", "/proc/self/status"}
			same(t, append([]string{"-u", user, name}, groups...), append([]string{"enter", "--user", user, name, "--"}, groups...))
		}
	})
	t.Run("-e", func(t *testing.T) {
		keep := envKeys("FOO")
		ref := lineSet(dockerExecOK(t, "-e", "FOO=bar", name, "env"), keep)
		got := lineSet(enterOK(t, "enter", "-e", "FOO=bar", name, "--", "env"), keep)
		if got != ref || ref != "FOO=bar" {
			t.Errorf("nsx -e FOO=bar: env has %q, docker exec -e: %q", got, ref)
		}
	})
	t.Run("--env-from-target", func(t *testing.T) {
		keep := envKeys("MARK")
		ref := lineSet(dockerExecOK(t, name, "env"), keep)
		if ref != "MARK=xyz" {
			t.Fatalf("reference: docker exec env has %q, want MARK=xyz", ref)
		}
		if got := lineSet(enterOK(t, "enter", "--env-from-target", name, "--", "env"), keep); got != ref {
			t.Errorf("nsx --env-from-target: env has %q, docker exec: %q", got, ref)
		}
		// The clean environment has none of the target's own.
		if got := lineSet(enterOK(t, "enter", name, "--", "env"), keep); got != "" {
			t.Errorf("nsx without --env-from-target: env has %q, want no MARK", got)
		}
	})
	t.Run("--wd", func(t *testing.T) {
		same(t, []string{"-w", "/etc", name, "pwd"}, []string{"enter", "--wd", "/etc", name, "--", "pwd"})
	})
	t.Run("--ns net,uts", func(t *testing.T) {
		// The command names its own namespaces: the container's net,
		// nsx's (the test's) mount.
		for _, c := range []struct{ typ, want string }{
			{"net", readNS(t, strconv.Itoa(facts.PID), "net")},
			{"mnt", readNS(t, "self", "mnt")},
		} {
			args := []string{"enter", "--ns", "net,uts", name, "--", "readlink", "/proc/self/ns/" + c.typ}
			stdout, stderr, code := enterNSX(t, args...)
			if got := strings.TrimSpace(stdout); code != 0 || got != c.want {
				// A command chrooted to the container's root without its
				// pid namespace reads the container's /proc, which has no
				// /proc/self for it.
				t.Errorf("nsx %s: exit %d, the command's /proc/self/ns/%s is %q, want %q; stderr %q",
					strings.Join(args, " "), code, c.typ, got, c.want, stderr)
			}
		}
		same(t, []string{name, "hostname"}, []string{"enter", "--ns", "net,uts", name, "--", "hostname"})
	})
	t.Run("--ns net,uts from outside", func(t *testing.T) {
		// The same, seen from the host: every namespace of the running
		// command is the container's for net and uts, the test's own
		// for every other type.
		nsx := buildNsx(t)
		ctx, cancel := context.WithTimeout(context.Background(), enterTimeout)
		defer cancel()
		c := exec.CommandContext(ctx, nsx, "enter", "--ns", "net,uts", name, "--", "sleep", "300")
		c.Dir = "/"
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = c.Process.Kill()
			_ = c.Wait()
		})
		// Without a pid namespace nsx does not fork: its re-executed
		// copy becomes the command (a child of nsx).
		cmdPID := waitDescendant(t, c.Process.Pid, "sleep")
		t.Cleanup(func() { _ = syscall.Kill(cmdPID, syscall.SIGKILL) })
		entries, err := os.ReadDir("/proc/self/ns")
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			typ := e.Name()
			if strings.HasSuffix(typ, "_for_children") {
				continue
			}
			want, whose := nsInodeOf(t, os.Getpid(), typ), "nsx's"
			if typ == "net" || typ == "uts" {
				want, whose = nsInodeOf(t, facts.PID, typ), "the container's"
			}
			if got := nsInodeOf(t, cmdPID, typ); got != want {
				t.Errorf("nsx enter --ns net,uts: the command's %s namespace is %d, want %s %d", typ, got, whose, want)
			}
		}
		// SIGTERM to nsx is passed on; the command's death is nsx's status.
		if err := c.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		err = c.Wait()
		if code := c.ProcessState.ExitCode(); code != 128+int(syscall.SIGTERM) {
			t.Errorf("nsx after SIGTERM: %v (exit %d), want exit %d", err, code, 128+int(syscall.SIGTERM))
		}
	})
	t.Run("--no-cgroup", func(t *testing.T) {
		ref := dockerExecOK(t, name, "cat", "/proc/self/cgroup")
		got := enterOK(t, "enter", "--no-cgroup", name, "--", "cat", "/proc/self/cgroup")
		if got == ref {
			t.Errorf("nsx --no-cgroup: the command is in the container's cgroups:\n%s", got)
		}
		// In the host's cgroup namespace, the command names the very
		// cgroups of nsx (the test).
		if nsInodeOf(t, facts.PID, "cgroup") == nsInodeOf(t, os.Getpid(), "cgroup") {
			own, err := os.ReadFile("/proc/self/cgroup")
			if err != nil {
				t.Fatal(err)
			}
			if got != string(own) {
				t.Errorf("nsx --no-cgroup: the command's cgroups are not nsx's:\n--- nsx's\n%s--- the command's\n%s", own, got)
			}
		}
	})
	t.Run("--inherit-security", func(t *testing.T) {
		locked := runEnterContainer(t, "sec", "--cap-drop", "ALL", "--cap-add", "NET_BIND_SERVICE", "--security-opt", "no-new-privileges")
		status := []string{"cat", "/proc/self/status"}
		ref := lineSet(dockerExecOK(t, append([]string{locked}, status...)...), securityLine)
		got := lineSet(enterOK(t, append([]string{"enter", "--inherit-security", locked, "--"}, status...)...), securityLine)
		if got != ref {
			t.Errorf("nsx --inherit-security differs from docker exec:\n--- docker exec\n%s\n--- nsx\n%s", ref, got)
		}
		// Without it the command keeps nsx's (the test's) privileges.
		own, err := os.ReadFile("/proc/self/status")
		if err != nil {
			t.Fatal(err)
		}
		capEff := regexp.MustCompile(`(?m)^CapEff:.*$`)
		got = enterOK(t, append([]string{"enter", locked, "--"}, status...)...)
		if g, r := capEff.FindString(got), capEff.FindString(ref); g == r {
			t.Errorf("nsx without --inherit-security: %s, the container's own", g)
		}
		if g, o := capEff.FindString(got), capEff.FindString(string(own)); g != o {
			t.Errorf("nsx without --inherit-security: %s, want nsx's %s", g, o)
		}
	})
}

// readNS reads /proc/PROC/ns/TYPE as readlink prints it.
func readNS(t *testing.T, proc, typ string) string {
	t.Helper()
	s, err := os.Readlink("/proc/" + proc + "/ns/" + typ)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// waitDescendant waits (bounded) for a process whose comm is comm below
// ancestor: nsx's re-executed copy that became the command, or (had it
// entered a pid namespace) that copy's child.
func waitDescendant(t *testing.T, ancestor int, comm string) int {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		type proc struct {
			ppid int
			comm string
		}
		procs := map[int]proc{}
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
			if err != nil {
				continue
			}
			// PID (COMM) STATE PPID ...: COMM may hold anything, so cut
			// at its last parenthesis.
			s := string(b)
			open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
			if open < 0 || end < open {
				continue
			}
			if f := strings.Fields(s[end+1:]); len(f) > 1 {
				ppid, _ := strconv.Atoi(f[1])
				procs[pid] = proc{ppid, s[open+1 : end]}
			}
		}
		for pid, p := range procs {
			if p.comm != comm {
				continue
			}
			for up, depth := p.ppid, 0; up > 1 && depth < 8; up, depth = procs[up].ppid, depth+1 {
				if up == ancestor {
					return pid
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no process %q below process %d after 15s", comm, ancestor)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// fdListing parses `ls -l /proc/self/fd`: each fd and its link target (""
// when ls could not read it: its own directory fd, gone when it looks).
func fdListing(t *testing.T, out string) map[int]string {
	t.Helper()
	fds := map[int]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.HasPrefix(l, "total") || l == "" {
			continue
		}
		before, target, _ := strings.Cut(l, " -> ")
		f := strings.Fields(before)
		fd, err := strconv.Atoi(f[len(f)-1])
		if err != nil {
			t.Fatalf("ls -l /proc/self/fd: cannot read the line %q", l)
		}
		fds[fd] = target
	}
	return fds
}

// checkFDs fails unless the command had only 0, 1, 2 and ls's own
// directory fd (3, dangling) open.
func checkFDs(t *testing.T, what string, fds map[int]string) {
	t.Helper()
	for _, fd := range []int{0, 1, 2} {
		if _, ok := fds[fd]; !ok {
			t.Errorf("%s: fd %d is not open", what, fd)
		}
	}
	for fd, target := range fds {
		if fd >= 4 || (fd == 3 && target != "") {
			t.Errorf("%s: the command inherited fd %d -> %q", what, fd, target)
		}
	}
}

// TestEnterFDLeak checks that the command inherits no file descriptor but
// 0, 1 and 2: not nsx's plan, error or pidfd pipes, and not what nsx itself
// inherited.
func TestEnterFDLeak(t *testing.T) {
	testutil.RequireDocker(t)
	name := runEnterContainer(t, "fd")
	list := []string{"ls", "-l", "/proc/self/fd"}
	ref := fdListing(t, dockerExecOK(t, append([]string{name}, list...)...))
	checkFDs(t, "reference: docker exec", ref)

	t.Run("in-process", func(t *testing.T) {
		got := fdListing(t, enterOK(t, append([]string{"enter", name, "--"}, list...)...))
		checkFDs(t, "nsx enter", got)
		if !slices.Equal(slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(ref))) {
			t.Errorf("nsx enter: fds %v, docker exec: %v", got, ref)
		}
	})
	t.Run("inherited by nsx", func(t *testing.T) {
		// nsx started with fds 7, 8 and 9 open (a host file, a pipe, a
		// socket), as a careless parent may leave them: the command in
		// the container must not get them.
		nsx := buildNsx(t)
		file, err := os.Create(filepath.Join(t.TempDir(), "host-file"))
		if err != nil {
			t.Fatal(err)
		}
		defer file.Close()
		pr, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer pr.Close()
		defer pw.Close()
		sp, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		sock0, sock1 := os.NewFile(uintptr(sp[0]), "sock0"), os.NewFile(uintptr(sp[1]), "sock1")
		defer sock0.Close()
		defer sock1.Close()
		extra := []*os.File{nil, nil, nil, nil, file, pw, sock0}
		runWith := func(args ...string) map[int]string {
			t.Helper()
			ctx, cancel := context.WithTimeout(context.Background(), enterTimeout)
			defer cancel()
			c := exec.CommandContext(ctx, args[0], args[1:]...)
			c.ExtraFiles = extra
			stdout, stderr, code := run(t, c)
			if code != 0 {
				t.Fatalf("%s: exit %d, stderr:\n%s", strings.Join(args, " "), code, stderr)
			}
			return fdListing(t, stdout)
		}
		// The set-up works: a plain process gets the three.
		host := runWith("/bin/ls", "-l", "/proc/self/fd")
		for _, fd := range []int{7, 8, 9} {
			if _, ok := host[fd]; !ok {
				t.Fatalf("set-up: fd %d is not passed on: %v", fd, host)
			}
		}
		checkFDs(t, "nsx enter with inherited fds", runWith(append([]string{nsx, "enter", name, "--"}, list...)...))
		// And on the fast path (a PID, no option: no Go, no re-executed
		// copy), where nsx itself holds them until it executes.
		pid := strconv.Itoa(inspectContainer(t, name).PID)
		checkFDs(t, "nsx enter PID (fast path) with inherited fds", runWith(append([]string{nsx, "enter", pid, "--"}, list...)...))
	})
}
