//go:build linux

package cmd_test

import (
	"bytes"
	"encoding/json"
	"errors"
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

const nobodyUID = 65534

// TestNonRootLs runs the real nsx binary as uid 65534: it must list what
// that user may see, say once how much is hidden and why, and fail cleanly
// on an unknown PID.
func TestNonRootLs(t *testing.T) {
	testutil.RequireRoot(t) // to switch to nobody and to make root's sandbox
	testutil.RequireCommand(t, "unshare")
	nsx := buildNsx(t)

	// One sandbox of nobody's own and one of root's: the first must be
	// listed, the second hidden.
	mine := startSleeper(t, true, "--user", "--map-root-user", "--net")
	roots := startSleeper(t, false, "--uts", "--ipc")
	mineNet := nsInodeOf(t, mine, "net")
	rootsUTS := nsInodeOf(t, roots, "uts")

	t.Run("table", func(t *testing.T) {
		stdout, stderr, code := runAsNobody(t, nsx, "ls")
		if code != 0 {
			t.Fatalf("exit %d, stderr:\n%s", code, stderr)
		}
		pids := tablePIDs(stdout)
		if !slices.Contains(pids, mine) {
			t.Errorf("nobody's sandbox (PID %d) not listed:\n%s", mine, stdout)
		}
		if slices.Contains(pids, roots) {
			t.Errorf("root's sandbox (PID %d) listed to nobody:\n%s", roots, stdout)
		}
		var hiddenLines []string
		for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
			if strings.Contains(l, "hidden") {
				hiddenLines = append(hiddenLines, l)
			}
		}
		if len(hiddenLines) != 1 {
			t.Fatalf("want one warning about hidden processes, got %d:\n%s", len(hiddenLines), stderr)
		}
		line := hiddenLines[0]
		m := regexp.MustCompile(`(\d+) of (\d+) processes hidden`).FindStringSubmatch(line)
		if m == nil || m[1] == "0" {
			t.Errorf("warning does not say how many are hidden: %q", line)
		}
		if !strings.HasPrefix(line, "nsx: warning: ") || !strings.Contains(line, "run as root or with CAP_SYS_PTRACE") {
			t.Errorf("warning %q: want an nsx warning telling to run as root or with CAP_SYS_PTRACE", line)
		}
		if strings.Contains(stderr, "goroutine") {
			t.Errorf("stack trace on stderr:\n%s", stderr)
		}
	})

	t.Run("json namespaces", func(t *testing.T) {
		stdout, stderr, code := runAsNobody(t, nsx, "ls", "--ns", "-o", "json")
		if code != 0 {
			t.Fatalf("exit %d, stderr:\n%s", code, stderr)
		}
		if stderr != "" {
			t.Errorf("stderr in JSON mode (warnings belong in the document):\n%s", stderr)
		}
		var doc nsxNamespacesDoc
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
			t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
		}
		if doc.Scan.Hidden <= 0 || doc.Scan.Processes <= 0 {
			t.Fatalf("scan %+v: want some processes seen and some hidden", doc.Scan)
		}
		hidden := strconv.Itoa(doc.Scan.Hidden)
		if !slices.ContainsFunc(doc.Warnings, func(w string) bool {
			return strings.Contains(w, hidden+" of ") && strings.Contains(w, "hidden")
		}) {
			t.Errorf("no warning names the %s hidden processes: %q", hidden, doc.Warnings)
		}
		listed := map[nsKey]bool{}
		for _, n := range doc.Namespaces {
			listed[nsKey{n.Type, n.Inode}] = true
		}
		if !listed[nsKey{"net", mineNet}] {
			t.Errorf("net ns %d of nobody's sleep not listed", mineNet)
		}
		if listed[nsKey{"uts", rootsUTS}] {
			t.Errorf("uts ns %d of root's sleep listed to nobody", rootsUTS)
		}
	})

	t.Run("own sandbox is not taken for the host", func(t *testing.T) {
		stdout, stderr, code := runAsNobody(t, nsx, "ls", "-o", "json")
		if code != 0 {
			t.Fatalf("exit %d, stderr:\n%s", code, stderr)
		}
		var doc struct {
			Sandboxes []struct {
				Host bool  `json:"host"`
				PIDs []int `json:"pids"`
			} `json:"sandboxes"`
		}
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
			t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
		}
		for _, sb := range doc.Sandboxes {
			if slices.Contains(sb.PIDs, mine) && sb.Host {
				t.Errorf("nobody's unshare'd sleep %d is shown as the host", mine)
			}
		}
	})

	t.Run("unknown pid", func(t *testing.T) {
		const missing = 999999
		if _, err := os.Stat("/proc/" + strconv.Itoa(missing)); err == nil {
			t.Skipf("PID %d exists on this host", missing)
		}
		for _, asNobody := range []bool{true, false} {
			var stdout, stderr string
			var code int
			if asNobody {
				stdout, stderr, code = runAsNobody(t, nsx, "ls", strconv.Itoa(missing))
			} else {
				stdout, stderr, code = run(t, exec.Command(nsx, "ls", strconv.Itoa(missing)))
			}
			if code != 1 {
				t.Errorf("nobody=%v: exit %d, want 1", asNobody, code)
			}
			if stdout != "" {
				t.Errorf("nobody=%v: stdout %q, want nothing", asNobody, stdout)
			}
			lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "nsx: no process 999999 (it may have exited)") {
				t.Errorf("nobody=%v: stderr %q, want one line \"nsx: no process 999999 (it may have exited)...\"", asNobody, stderr)
			}
			if strings.Contains(stderr, "goroutine") {
				t.Errorf("nobody=%v: stack trace on stderr:\n%s", asNobody, stderr)
			}
		}
	})
}

// buildNsx builds the nsx binary into a directory nobody can enter.
func buildNsx(t *testing.T, tags ...string) string {
	t.Helper()
	goTool := testutil.RequireCommand(t, "go")
	dir, err := os.MkdirTemp("", "nsx-bin-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// MkdirTemp makes it 0700, which would keep other users out.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "nsx")
	// With cgo, as make build builds it: nsx enter needs its constructor.
	c := exec.Command(goTool, "build", "-tags", strings.Join(tags, ","), "-o", bin, "nsx/cmd/nsx")
	c.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("go build -tags %q: %v\n%s", strings.Join(tags, ","), err, out)
	}
	return bin
}

// startSleeper starts `unshare FLAGS sleep 300` (as nobody if asked), waits
// until the sleep runs in its namespaces and kills it at cleanup.
func startSleeper(t *testing.T, asNobody bool, flags ...string) int {
	t.Helper()
	c := exec.Command("unshare", append(flags, "sleep", "300")...)
	c.Dir = "/"
	if asNobody {
		c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobodyUID, Gid: nobodyUID}}
	}
	if err := c.Start(); err != nil {
		t.Fatalf("starting %v: %v", c.Args, err)
	}
	t.Cleanup(func() {
		_ = c.Process.Kill()
		_ = c.Wait()
	})
	pid := c.Process.Pid
	// unshare execs sleep only once its namespaces and ID maps are set.
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
		if strings.TrimSpace(string(b)) == "sleep" {
			return pid
		}
		if time.Now().After(deadline) {
			t.Fatalf("%v did not exec sleep", c.Args)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func nsInodeOf(t *testing.T, pid int, typ string) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat("/proc/"+strconv.Itoa(pid)+"/ns/"+typ, &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

// runAsNobody runs nsx as uid 65534 with a minimal environment.
func runAsNobody(t *testing.T, nsx string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	c := exec.Command(nsx, args...)
	c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobodyUID, Gid: nobodyUID}}
	c.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/nonexistent"}
	return run(t, c)
}

func run(t *testing.T, c *exec.Cmd) (stdout, stderr string, code int) {
	t.Helper()
	c.Dir = "/"
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatalf("running %v: %v", c.Args, err)
	}
	return out.String(), errb.String(), code
}

// tablePIDs returns the PID column of `nsx ls` table output.
func tablePIDs(table string) []int {
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) == 0 {
		return nil
	}
	col := slices.Index(strings.Fields(lines[0]), "PID")
	var pids []int
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if col >= 0 && col < len(f) {
			if pid, err := strconv.Atoi(f[col]); err == nil {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// TestNonRootWhyKilled: unprivileged, why-killed explains what the user may
// see and says in few lines what it could not read: the kernel's ring
// buffer (dmesg_restrict), the runtimes' state directories (one line for
// all of them).
func TestNonRootWhyKilled(t *testing.T) {
	testutil.RequireRoot(t) // to switch to nobody
	testutil.RequireCommand(t, "unshare")
	nsx := buildNsx(t)
	mine := startSleeper(t, true, "--user", "--map-root-user")

	stdout, stderr, code := runAsNobody(t, nsx, "why-killed", strconv.Itoa(mine), "-o", "json")
	var doc whyKilledDoc
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("exit %d stderr %q: %v\n%s", code, stderr, err, stdout)
	}
	if code != 0 || doc.Verdict.Code != "running" || doc.Target.PID != mine || !doc.Target.Alive {
		t.Errorf("exit %d verdict %q target %+v: want 0, running, pid %d alive", code, doc.Verdict.Code, doc.Target, mine)
	}
	if b, _ := os.ReadFile("/proc/sys/kernel/dmesg_restrict"); strings.TrimSpace(string(b)) == "1" &&
		!slices.ContainsFunc(doc.Warnings, func(w string) bool { return strings.Contains(w, "/dev/kmsg") && strings.Contains(w, "CAP_SYSLOG") }) {
		t.Errorf("no warning says /dev/kmsg needs CAP_SYSLOG: %q", doc.Warnings)
	}

	_, stderr, code = runAsNobody(t, nsx, "why-killed", "--all")
	if code != 0 && code != 4 {
		t.Fatalf("--all as nobody: exit %d, stderr:\n%s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	refused := 0
	for _, l := range lines {
		if !strings.HasPrefix(l, "nsx: ") {
			t.Errorf("stderr line %q is not an nsx: line", l)
		}
		if strings.HasPrefix(l, "nsx: warning: listing ") {
			t.Errorf("a refused directory has a line of its own: %q", l)
		}
		if strings.Contains(l, "runtime state not readable (run as root)") {
			refused++
		}
	}
	if refused != 1 {
		t.Errorf("want one line for the runtime state nobody cannot read (Docker's is root's), got %d:\n%s", refused, stderr)
	}
}
