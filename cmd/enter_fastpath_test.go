//go:build linux

package cmd_test

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"nsx/internal/testutil"
)

// Tests of nsx enter's fast path (enter/nsexec/fastpath.c): `nsx enter PID
// -- COMMAND` planned and entered by the constructor of the nsx the user
// started, Go never starting. They run the built binary (in-process runs
// never take the fast path: the constructor ran for the test binary).

// fastPlan runs the test build of nsx with _NSX_TEST_FAST_PLAN=1, which
// makes the fast path print its plan's records instead of entering; when
// it does not take the form, Go runs as usual.
func fastPlan(t *testing.T, nsx string, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return within(t, func(ctx context.Context) *exec.Cmd {
		c := exec.CommandContext(ctx, nsx, args...)
		c.Env = append(append(os.Environ(), "_NSX_TEST_FAST_PLAN=1"), env...)
		return c
	})
}

// records splits a plan's records for a readable diff.
func records(plan string) string {
	return strings.ReplaceAll(strings.TrimSuffix(plan, "\x00"), "\x00", "\n")
}

// TestEnterFastPathPlan checks, on real targets, that the fast path plans
// byte for byte what Go's Prepare plans (`--all` is the default, but an
// option, so Go makes that plan), and that it takes the form at all.
func TestEnterFastPathPlan(t *testing.T) {
	testutil.RequireDocker(t)
	nsx := buildNsx(t, "nsxtest")
	plain := runEnterContainer(t, "fast-plain")
	// Everything the plan takes from the target differs from the plain
	// one: credentials and groups, the image's PATH (-e sets the init's
	// environment, as an image's ENV does), hostname, working directory.
	custom := runEnterContainer(t, "fast-custom", "-u", "1000:1000", "--group-add", "5", "--group-add", "27",
		"-e", "PATH=/opt/x:/bin", "--hostname", "fast-host", "-w", "/tmp")
	targets := map[string]int{
		"docker":         inspectContainer(t, plain).PID,
		"docker, custom": inspectContainer(t, custom).PID,
	}
	// A user namespace made by a user: the IDs are mapped, and its
	// setgroups file says allow.
	targets["rootless unshare"] = safetyRootlessSleeper(t, safetyRootlessUser(t), "fast-rootless")
	command := []string{"sh", "-c", "echo 'two words'", "x y"}
	for name, pid := range targets {
		for _, term := range []string{"TERM=xterm-256color", "TERM="} {
			t.Run(name+"/"+term, func(t *testing.T) {
				spec := strconv.Itoa(pid)
				env := []string{term}
				fast, stderr, code := fastPlan(t, nsx, env, append([]string{"enter", spec, "--"}, command...)...)
				if code != 0 || !strings.HasPrefix(fast, "pid="+spec+"\x00") {
					t.Fatalf("fast path: exit %d, stdout %q, stderr %q; want its plan (pid=%s first)", code, records(fast), stderr, spec)
				}
				slow, stderr, code := fastPlan(t, nsx, env, append([]string{"enter", "--all", "--test-plan", spec, "--"}, command...)...)
				if code != 0 {
					t.Fatalf("Go's plan: exit %d, stderr %q", code, stderr)
				}
				if fast != slow {
					t.Errorf("the fast path's plan differs from Go's:\n--- fast path\n%s\n--- Go\n%s", records(fast), records(slow))
				}
			})
		}
	}
}

// TestEnterFastPathFallback checks that every form the fast path is not
// sure of runs Go's nsx, which does the job (the command runs, or Go's
// error is printed), never the fast path's plan.
func TestEnterFastPathFallback(t *testing.T) {
	testutil.RequireDocker(t)
	nsx := buildNsx(t, "nsxtest")
	name := runEnterContainer(t, "fast-fallback")
	pid := strconv.Itoa(inspectContainer(t, name).PID)
	echo := []string{"--", "echo", "go-ran"}
	// A thread of this test process (Go runs several): its Tgid is not
	// itself.
	thread := ""
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range tasks {
		if e.Name() != strconv.Itoa(os.Getpid()) {
			thread = e.Name()
		}
	}
	if thread == "" {
		t.Fatal("this test process has a single thread")
	}
	for _, tc := range []struct {
		name string
		args []string
		// wantOut is the command's output when it runs, wantErr a piece of
		// Go's message when nsx refuses.
		wantOut, wantErr string
		wantCode         int
	}{
		{name: "container name", args: append([]string{"enter", name}, echo...), wantOut: "go-ran\n"},
		{name: "an option", args: append([]string{"enter", "--no-cgroup", pid}, echo...), wantOut: "go-ran\n"},
		{name: "option after the PID", args: append([]string{"enter", pid, "-e", "A=b"}, echo...), wantOut: "go-ran\n"},
		{name: "no command", args: []string{"enter", "--test-plan", pid}, wantOut: "arg=/bin/sh\x00"},
		{name: "own namespaces", args: append([]string{"enter", strconv.Itoa(os.Getpid())}, echo...),
			wantOut: "go-ran\n", wantErr: "entering none"},
		{name: "a thread", args: append([]string{"enter", thread}, echo...), wantOut: "go-ran\n", wantErr: "entering none"},
		{name: "gone PID", args: append([]string{"enter", "999999999"}, echo...), wantErr: "999999999", wantCode: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := fastPlan(t, nsx, nil, tc.args...)
			if strings.HasPrefix(stdout, "pid=") && !strings.Contains(strings.Join(tc.args, " "), "--test-plan") {
				t.Fatalf("nsx %s: the fast path took it (plan %q)", strings.Join(tc.args, " "), records(stdout))
			}
			if code != tc.wantCode || !strings.HasSuffix(stdout, tc.wantOut) || !strings.Contains(stderr, tc.wantErr) {
				t.Errorf("nsx %s: exit %d, stdout %q, stderr %q; want exit %d, stdout ending %q, stderr with %q",
					strings.Join(tc.args, " "), code, stdout, stderr, tc.wantCode, tc.wantOut, tc.wantErr)
			}
		})
	}
	t.Run("not root", func(t *testing.T) {
		// A user entering its own rootless namespaces: Go's path (its
		// hints are about who may enter what).
		user := safetyRootlessUser(t)
		sleeper := strconv.Itoa(safetyRootlessSleeper(t, user, "fast-nonroot"))
		stdout, stderr, code := within(t, func(ctx context.Context) *exec.Cmd {
			return exec.CommandContext(ctx, "runuser", "-u", user, "--", "env", "_NSX_TEST_FAST_PLAN=1", nsx,
				"enter", sleeper, "--", "hostname")
		})
		if code != 0 || stdout != "fast-nonroot\n" {
			t.Errorf("nsx enter %s as %s: exit %d, stdout %q, stderr %q; want the hostname fast-nonroot", sleeper, user, code, records(stdout), stderr)
		}
	})
}

// TestEnterFastPathBehaviour runs the fast path for real (make build's
// binary, no test hook) and compares it with docker exec and with Go's
// path (the same command with --all).
func TestEnterFastPathBehaviour(t *testing.T) {
	testutil.RequireDocker(t)
	nsx := buildNsx(t)
	name := runEnterContainer(t, "fast-run", "-w", "/tmp", "--hostname", "fast-run")
	dockerCLI(t, "exec", "-d", name, "sleep", "599")
	waitForProcs(t, name, 2)
	pid := strconv.Itoa(inspectContainer(t, name).PID)
	nsxRun := func(args ...string) (string, string, int) {
		return within(t, func(ctx context.Context) *exec.Cmd { return exec.CommandContext(ctx, nsx, args...) })
	}
	for _, c := range []struct {
		name string
		cmd  []string
		norm func(string) string
	}{
		{name: "hostname", cmd: []string{"hostname"}},
		{name: "cgroup", cmd: []string{"cat", "/proc/self/cgroup"}},
		{name: "id", cmd: []string{"id"}},
		{name: "pwd", cmd: []string{"pwd"}},
		{name: "ps", cmd: []string{"ps", "-o", "pid,user,comm"}, norm: psList},
		{name: "namespaces", cmd: []string{"sh", "-c", "for f in /proc/self/ns/*; do readlink $f; done"}},
		{name: "env", cmd: []string{"env"}, norm: func(s string) string { return lineSet(s, envKeys("PATH", "HOME", "HOSTNAME")) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			norm := c.norm
			if norm == nil {
				norm = func(s string) string { return s }
			}
			ref := norm(dockerExecOK(t, append([]string{name}, c.cmd...)...))
			stdout, stderr, code := nsxRun(append([]string{"enter", pid, "--"}, c.cmd...)...)
			if code != 0 || stderr != "" || norm(stdout) != ref {
				t.Errorf("nsx enter %s -- %s: exit %d, stderr %q, differs from docker exec:\n--- docker exec\n%s\n--- nsx\n%s",
					pid, strings.Join(c.cmd, " "), code, stderr, ref, norm(stdout))
			}
		})
	}
	// Exit statuses and errors: the same as through Go, one line each.
	for _, c := range []struct {
		name     string
		cmd      []string
		wantCode int
	}{
		{"exit 7", []string{"sh", "-c", "exit 7"}, 7},
		{"SIGTERM", []string{"sh", "-c", "kill -TERM $$"}, 128 + int(syscall.SIGTERM)},
		{"SIGKILL", []string{"sh", "-c", "kill -KILL $$"}, 128 + int(syscall.SIGKILL)},
		{"not found", []string{"/no/such/tool"}, 127},
		{"not executable", []string{"/etc/passwd"}, 126},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, fastErr, fastCode := nsxRun(append([]string{"enter", pid, "--"}, c.cmd...)...)
			_, goErr, goCode := nsxRun(append([]string{"enter", "--all", pid, "--"}, c.cmd...)...)
			if fastCode != c.wantCode || goCode != c.wantCode || fastErr != goErr {
				t.Errorf("nsx enter %s -- %s: fast path exit %d, stderr %q; Go's exit %d, stderr %q; want exit %d and the same stderr",
					pid, strings.Join(c.cmd, " "), fastCode, fastErr, goCode, goErr, c.wantCode)
			}
			if c.wantCode >= 126 && c.wantCode <= 127 && (!strings.HasPrefix(fastErr, "nsx: ") || strings.Count(fastErr, "\n") != 1) {
				t.Errorf("fast path stderr %q: want one line starting with \"nsx: \"", fastErr)
			}
		})
	}
	t.Run("gone meanwhile", func(t *testing.T) {
		// A PID that names no process: Go's error, through the fallback.
		_, stderr, code := nsxRun("enter", "999999999", "--", "true")
		if code == 0 || !strings.HasPrefix(stderr, "nsx: ") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("nsx enter 999999999: exit %d, stderr %q; want one nsx: line", code, stderr)
		}
	})
	t.Run("no half-entered process", func(t *testing.T) {
		// The command cannot run: nothing of nsx's stays in the container.
		before := dockerExecOK(t, name, "ps", "-o", "pid,user,comm")
		if _, _, code := nsxRun("enter", pid, "--", "/no/such/tool"); code != 127 {
			t.Fatalf("exit %d, want 127", code)
		}
		if after := dockerExecOK(t, name, "ps", "-o", "pid,user,comm"); psList(after) != psList(before) {
			t.Errorf("processes in the container changed:\n--- before\n%s\n--- after\n%s", before, after)
		}
	})
}
