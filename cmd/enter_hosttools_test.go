package cmd_test

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"nsx/cmd"
	"nsx/internal/testutil"
)

// htPauseC is the whole program of the distroless test image: it waits for
// ever, and there is nothing else in the image (no shell, no libc).
const htPauseC = `#include <unistd.h>
int main(void) { for (;;) pause(); }
`

// htBuildImage builds a FROM scratch image holding one static binary,
// /pause, as its entrypoint; nothing is pulled. It returns the image's tag
// and the binary's SHA-256, and removes the image when the test ends.
func htBuildImage(t *testing.T) (tag, binSum string) {
	t.Helper()
	gcc := testutil.RequireCommand(t, "gcc")
	ctx := t.TempDir()
	if err := os.WriteFile(filepath.Join(ctx, "pause.c"), []byte(htPauseC), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(ctx, "pause")
	if out, err := exec.Command(gcc, "-static", "-Os", "-s", "-o", bin, filepath.Join(ctx, "pause.c")).CombinedOutput(); err != nil {
		t.Fatalf("gcc -static (needs libc6-dev's libc.a): %v\n%s", err, out)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	// pause.c stays out of the image: a .dockerignore is not needed when
	// the Dockerfile copies one file.
	dockerfile := "FROM scratch\nCOPY pause /pause\nENTRYPOINT [\"/pause\"]\n"
	if err := os.WriteFile(filepath.Join(ctx, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	tag = "nsx-hosttools-test:" + randomHex(t, 4)
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", "-f", tag).Run() })
	dockerCLI(t, "build", "-q", "-t", tag, ctx)
	return tag, hex.EncodeToString(sum[:])
}

// htExport is what `docker export` says of a container's
// filesystem: the SHA-256 of the whole archive and its top-level names.
type htExport struct {
	sum      string
	topLevel []string
}

func htExportContainer(t *testing.T, name string) htExport {
	t.Helper()
	c := exec.Command("docker", "export", name)
	var stderr strings.Builder
	c.Stderr = &stderr
	out, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	tr := tar.NewReader(io.TeeReader(out, h))
	seen := map[string]bool{}
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("docker export %s: reading the archive: %v", name, err)
		}
		top, _, _ := strings.Cut(strings.TrimPrefix(hdr.Name, "./"), "/")
		if top != "" {
			seen[top] = true
		}
	}
	// The tar reader stops at the end-of-archive marker: the padding after
	// it is part of the archive too.
	if _, err := io.Copy(h, out); err != nil {
		t.Fatal(err)
	}
	if err := c.Wait(); err != nil {
		t.Fatalf("docker export %s: %v\n%s", name, err, stderr.String())
	}
	var e htExport
	e.sum = hex.EncodeToString(h.Sum(nil))
	for n := range seen {
		e.topLevel = append(e.topLevel, n)
	}
	slices.Sort(e.topLevel)
	return e
}

// htWithStdin runs f with os.Stdin reading text: nsx enter hands its stdin to
// the command, and cmd.Main takes no reader of its own. Tests of this
// package do not run in parallel, so the swap is seen by no one else.
func htWithStdin(t *testing.T, text string, f func()) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "stdin")
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	in, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	saved := os.Stdin
	os.Stdin = in
	defer func() { os.Stdin = saved }()
	f()
}

// htToolsMounts returns the lines of this process's mount table that are
// --host-tools' tmpfs ("nsx-tools"): there must be none on the host.
func htToolsMounts(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, line := range strings.Split(string(b), "\n") {
		// "... - FSTYPE SOURCE OPTIONS": the tools root is the tmpfs whose
		// source is nsx-tools.
		_, after, ok := strings.Cut(line, " - ")
		if f := strings.Fields(after); ok && len(f) >= 2 && f[1] == "nsx-tools" {
			found = append(found, line)
		}
	}
	return found
}

// htNSPID is the PID of host process pid in its own (innermost) pid
// namespace: the last field of NSpid.
func htNSPID(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "NSpid:"); ok {
			f := strings.Fields(v)
			n, err := strconv.Atoi(f[len(f)-1])
			if err != nil {
				t.Fatalf("/proc/%d/status: %q", pid, line)
			}
			return n
		}
	}
	t.Fatalf("/proc/%d/status has no NSpid", pid)
	return 0
}

// htTopPIDs lists a container's processes as Docker sees them, by host
// PID.
func htTopPIDs(t *testing.T, name string) []int {
	t.Helper()
	lines := strings.Split(dockerCLI(t, "top", name), "\n")
	col := slices.Index(strings.Fields(lines[0]), "PID")
	if col < 0 {
		t.Fatalf("docker top %s: no PID column:\n%s", name, strings.Join(lines, "\n"))
	}
	var pids []int
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if col >= len(f) {
			continue
		}
		pid, err := strconv.Atoi(f[col])
		if err != nil {
			t.Fatalf("docker top %s: PID %q", name, f[col])
		}
		pids = append(pids, pid)
	}
	return pids
}

// TestEnterHostTools enters a distroless container — one static binary, no
// shell, no tools — with --host-tools: the host's ps, ip, hostname, ls and
// cat must see the container (its processes, interfaces, hostname, files
// and cgroups), the container's filesystem must come out byte-identical,
// and nothing of the tools root may show on the host.
func TestEnterHostTools(t *testing.T) {
	testutil.RequireDocker(t)
	for _, c := range []string{"ps", "ip", "hostname", "ls", "cat", "sh", "sha256sum"} {
		testutil.RequireCommand(t, c)
	}
	busybox := testutil.RequireCommand(t, "busybox")
	image, binSum := htBuildImage(t)

	name := "hosttools-" + randomHex(t, 4)
	hostname := "ht-" + randomHex(t, 3)
	// A private cgroup namespace (Docker's default on cgroup v2 only): the
	// command must enter it, not only the container's cgroups.
	startContainer(t, name, "run", "-d", "--name", name, "--hostname", hostname, "--cgroupns", "private", image)
	// A second process, so that "exactly the container's processes" is
	// more than PID 1.
	dockerCLI(t, "exec", "-d", name, "/pause")
	waitForProcs(t, name, 2)
	initPID := inspectContainer(t, name).PID

	before := htExportContainer(t, name)
	diffBefore := dockerCLI(t, "diff", name)

	// hostTools runs `nsx enter --host-tools [flags] NAME -- command` and
	// returns its stdout; any failure fails the test.
	hostTools := func(t *testing.T, flags []string, command ...string) string {
		t.Helper()
		args := slices.Concat([]string{"enter", "--host-tools"}, flags, []string{name, "--"}, command)
		stdout, stderr, code := nsxInProcess(t, args...)
		if code != cmd.ExitOK {
			t.Fatalf("nsx %s: exit %d, stderr:\n%s", strings.Join(args, " "), code, stderr)
		}
		return stdout
	}

	t.Run("without --host-tools", func(t *testing.T) {
		// The image has no shell: nsx must say so before starting anything,
		// and point at --host-tools.
		_, stderr, code := nsxInProcess(t, "enter", name)
		if code != cmd.ExitError {
			t.Errorf("nsx enter %s (no shell in the image): exit %d, want %d; stderr:\n%s", name, code, cmd.ExitError, stderr)
		}
		if !strings.Contains(stderr, "no shell") || !strings.Contains(stderr, "--host-tools") {
			t.Errorf("nsx enter %s: stderr should say the image has no shell and suggest --host-tools, got:\n%s", name, stderr)
		}
		if n := strings.Count(strings.TrimSpace(stderr), "\n"); n != 0 {
			t.Errorf("nsx enter %s: want one line of stderr, got %d:\n%s", name, n+1, stderr)
		}
		// A command runs in the image's root, where there is no `true`:
		// 127, as a shell says of a command it cannot find.
		stdout, stderr, code := nsxInProcess(t, "enter", name, "--", "true")
		if code != 127 || !strings.Contains(stderr, "true") {
			t.Errorf("nsx enter %s -- true: exit %d, want 127 (no such command in the image); stdout %q, stderr:\n%s", name, code, stdout, stderr)
		}
		// With --host-tools the host's true runs.
		hostTools(t, nil, "true")
	})

	t.Run("default shell is the host's", func(t *testing.T) {
		want, err := filepath.EvalSymlinks("/bin/sh")
		if err != nil {
			t.Fatal(err)
		}
		var stdout, stderr string
		var code int
		htWithStdin(t, "readlink /proc/$$/exe\nhostname\n", func() {
			stdout, stderr, code = nsxInProcess(t, "enter", "--host-tools", name)
		})
		if code != cmd.ExitOK {
			t.Fatalf("nsx enter --host-tools %s: exit %d, stderr:\n%s", name, code, stderr)
		}
		if diff := cmp.Diff(want+"\n"+hostname+"\n", stdout); diff != "" {
			t.Errorf("the host's /bin/sh reading stdin (-want +got):\n%s", diff)
		}
	})

	t.Run("ps", func(t *testing.T) {
		// Docker's list, by host PID, mapped to the container's PIDs.
		want := map[int]string{}
		for _, pid := range htTopPIDs(t, name) {
			cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
			if err != nil {
				t.Fatal(err)
			}
			want[htNSPID(t, pid)] = strings.Join(strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00"), " ")
		}
		if want[1] != "/pause" || len(want) != 2 {
			t.Fatalf("docker top %s: want /pause as PID 1 and the exec'd /pause, got %v", name, want)
		}
		out := hostTools(t, nil, "ps", "-e", "-o", "pid=,args=")
		got := map[int]string{}
		var own []int
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			f := strings.Fields(line)
			if len(f) < 2 {
				t.Fatalf("ps: unexpected line %q in:\n%s", line, out)
			}
			pid, err := strconv.Atoi(f[0])
			if err != nil {
				t.Fatalf("ps: unexpected line %q in:\n%s", line, out)
			}
			args := strings.Join(f[1:], " ")
			if args == "ps -e -o pid=,args=" {
				own = append(own, pid)
				continue
			}
			got[pid] = args
		}
		// ps sees itself (it is in the container's pid namespace) and
		// nothing of the host: not nsx, not the shim, not the test.
		if len(own) != 1 {
			t.Errorf("ps lists itself %d times, want once:\n%s", len(own), out)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ps in --host-tools vs docker top (PID -> args, -want +got):\n%s\nps output:\n%s", diff, out)
		}
	})

	t.Run("ip", func(t *testing.T) {
		facts := strings.Fields(dockerCLI(t, "inspect", "-f", "{{.NetworkSettings.IPAddress}} {{.NetworkSettings.MacAddress}}", name))
		if len(facts) != 2 {
			t.Fatalf("docker inspect %s: want IP and MAC address, got %q", name, facts)
		}
		var links []string
		for _, line := range strings.Split(strings.TrimSpace(hostTools(t, nil, "ip", "-o", "link", "show")), "\n") {
			// "2330: eth0@if2331: <BROADCAST,...> ..."
			if f := strings.Fields(line); len(f) > 1 {
				n, _, _ := strings.Cut(strings.TrimSuffix(f[1], ":"), "@")
				links = append(links, n)
			}
		}
		slices.Sort(links)
		if diff := cmp.Diff([]string{"eth0", "lo"}, links); diff != "" {
			t.Errorf("ip link: the container's interfaces (-want +got):\n%s", diff)
		}
		// "2330: eth0    inet 172.17.0.5/16 brd ... scope global eth0 ..."
		addr := strings.Fields(hostTools(t, nil, "ip", "-o", "-4", "addr", "show", "dev", "eth0"))
		if i := slices.Index(addr, "inet"); i < 0 || i+1 >= len(addr) || strings.Split(addr[i+1], "/")[0] != facts[0] {
			t.Errorf("ip addr show dev eth0: want inet %s (docker inspect), got %q", facts[0], strings.Join(addr, " "))
		}
		// Tools that read sysfs rather than ask netlink (ethtool, udev's,
		// scripts) must see the container's interfaces too.
		sysNet := strings.Fields(hostTools(t, nil, "ls", "/sys/class/net"))
		if diff := cmp.Diff([]string{"eth0", "lo"}, sysNet); diff != "" {
			t.Errorf("ls /sys/class/net: the container's interfaces (-want +got):\n%s", diff)
		}
		if got := strings.TrimSpace(hostTools(t, nil, "cat", "/sys/class/net/eth0/address")); got != facts[1] {
			t.Errorf("/sys/class/net/eth0/address = %q, want %s (docker inspect)", got, facts[1])
		}
	})

	t.Run("hostname", func(t *testing.T) {
		if got := dockerCLI(t, "inspect", "-f", "{{.Config.Hostname}}", name); got != hostname {
			t.Fatalf("docker inspect: hostname %q, want the %q given", got, hostname)
		}
		if got := strings.TrimSpace(hostTools(t, nil, "hostname")); got != hostname {
			t.Errorf("hostname in --host-tools = %q, want the container's %q", got, hostname)
		}
	})

	t.Run("target", func(t *testing.T) {
		// /target is the container's root: the names docker export lists
		// at its top, and the image's binary, byte for byte.
		got := strings.Fields(hostTools(t, nil, "ls", "-A", "/target"))
		slices.Sort(got)
		if diff := cmp.Diff(before.topLevel, got); diff != "" {
			t.Errorf("ls -A /target vs docker export's top level (-want +got):\n%s", diff)
		}
		sum := strings.Fields(hostTools(t, nil, "sha256sum", "/target/pause"))
		if len(sum) == 0 || sum[0] != binSum {
			t.Errorf("sha256sum /target/pause = %q, want the built binary's %s", sum, binSum)
		}
	})

	t.Run("cgroup", func(t *testing.T) {
		// The host reads the init's cgroups as /docker/ID; inside its
		// private cgroup namespace, rooted at those cgroups, the container
		// reads "/" for each. The command must read the latter: it joined
		// the same cgroups (else a path like /../..) and the namespace
		// (else /docker/ID).
		b, err := os.ReadFile("/proc/" + strconv.Itoa(initPID) + "/cgroup")
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			i := strings.LastIndex(line, ":")
			if !strings.Contains(line[i+1:], "docker") {
				t.Fatalf("/proc/%d/cgroup: %q is not a Docker cgroup", initPID, line)
			}
			want = append(want, line[:i+1]+"/")
		}
		out := hostTools(t, nil, "cat", "/proc/self/cgroup", "/proc/1/cgroup")
		got := strings.Split(strings.TrimSpace(out), "\n")
		// Twice: the command's own lines, then the container's PID 1's as
		// the command sees them.
		if diff := cmp.Diff(slices.Concat(want, want), got); diff != "" {
			t.Errorf("cgroups in --host-tools (-want +got):\n%s", diff)
		}
	})

	t.Run("cgroup, host cgroup namespace", func(t *testing.T) {
		// Docker's default on cgroup v1: the command enters no cgroup
		// namespace, and must read exactly what the host reads of the
		// container's init.
		other := name + "-hostcg"
		startContainer(t, other, "run", "-d", "--name", other, "--cgroupns", "host", image)
		pid := inspectContainer(t, other).PID
		want, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
		if err != nil {
			t.Fatal(err)
		}
		stdout, stderr, code := nsxInProcess(t, "enter", "--host-tools", other, "--", "cat", "/proc/self/cgroup")
		if code != cmd.ExitOK {
			t.Fatalf("nsx enter --host-tools %s: exit %d, stderr:\n%s", other, code, stderr)
		}
		if diff := cmp.Diff(string(want), stdout); diff != "" {
			t.Errorf("/proc/self/cgroup in --host-tools vs the host's /proc/%d/cgroup (-want +got):\n%s", pid, diff)
		}
	})

	t.Run("tools", func(t *testing.T) {
		// A static busybox under a name that is on no PATH of the host's:
		// found only in /tools. (busybox runs as busybox* or an applet.)
		dir := t.TempDir()
		b, err := os.ReadFile(busybox)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "busybox-nsxtools"), b, 0o755); err != nil {
			t.Fatal(err)
		}
		if got := hostTools(t, []string{"--tools", dir}, "busybox-nsxtools", "echo", "hi"); got != "hi\n" {
			t.Errorf("--tools %s -- busybox-nsxtools echo hi: stdout %q, want \"hi\\n\"", dir, got)
		}
		out := hostTools(t, []string{"--tools", dir}, "sh", "-c", `printf '%s\n' "$PATH"; command -v busybox-nsxtools; ls -A /tools`)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 3 || !strings.HasPrefix(lines[0], "/tools:") || lines[1] != "/tools/busybox-nsxtools" || lines[2] != "busybox-nsxtools" {
			t.Errorf("--tools %s: want PATH starting with /tools, busybox-nsxtools found in /tools and /tools holding only it; got:\n%s", dir, out)
		}
		// Without --tools there is no /tools.
		if _, stderr, code := nsxInProcess(t, "enter", "--host-tools", name, "--", "busybox-nsxtools", "true"); code != 127 {
			t.Errorf("without --tools, busybox-nsxtools: exit %d, want 127; stderr:\n%s", code, stderr)
		}
	})

	t.Run("private /tmp", func(t *testing.T) {
		// The host's /tmp is not empty (t.TempDir and this marker are in
		// it); the command's is its own, empty tmpfs.
		marker, err := os.CreateTemp("", "nsx-hosttools-marker-")
		if err != nil {
			t.Fatal(err)
		}
		marker.Close()
		t.Cleanup(func() { os.Remove(marker.Name()) })
		if got := hostTools(t, nil, "ls", "-A", "/tmp"); got != "" {
			t.Errorf("ls -A /tmp in --host-tools: want an empty /tmp, got:\n%s", got)
		}
		if got := htToolsMounts(t); len(got) != 0 {
			t.Errorf("the host's mount table gained --host-tools mounts:\n%s", strings.Join(got, "\n"))
		}
	})

	// Nothing above wrote to the container's filesystem: the export is
	// byte-identical, and Docker sees no change.
	after := htExportContainer(t, name)
	if after.sum != before.sum {
		t.Errorf("docker export %s: SHA-256 %s before the --host-tools commands, %s after", name, before.sum, after.sum)
	}
	if diffAfter := dockerCLI(t, "diff", name); diffAfter != diffBefore {
		t.Errorf("docker diff %s: before the --host-tools commands:\n%s\nafter:\n%s", name, diffBefore, diffAfter)
	}
	if got := htToolsMounts(t); len(got) != 0 {
		t.Errorf("the host's mount table has --host-tools mounts:\n%s", strings.Join(got, "\n"))
	}
}
