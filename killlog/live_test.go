package killlog

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"nsx/internal/testutil"
)

// TestLiveMemcgOOM triggers a real memcg OOM (16 MiB limit, dd with a 64 MiB
// buffer) and parses the running kernel's /dev/kmsg records, so CI checks
// the parser against whatever kernel it runs.
func TestLiveMemcgOOM(t *testing.T) {
	testutil.RequireRoot(t)
	pid, cg, recs := triggerMemcgOOM(t)
	var mine []OOMEvent
	for _, e := range ParseOOM(recs) {
		// Other OOMs may happen on the host meanwhile; keep ours.
		if e.TaskMemcg == cg || e.Victim.PID == pid {
			mine = append(mine, e)
		}
	}
	if len(mine) != 1 {
		t.Fatalf("got %d events for %s, want 1; records:\n%s", len(mine), cg, dumpTexts(recs))
	}
	checkLiveEvent(t, mine[0], pid, cg)
}

func dumpTexts(recs []Record) string {
	var b strings.Builder
	for _, r := range recs {
		b.WriteString(r.Text + "\n")
	}
	return b.String()
}

// triggerMemcgOOM runs dd in a fresh memory cgroup (v1 memory controller,
// else cgroup v2) limited to 16 MiB and returns dd's PID, the cgroup path as
// the kernel prints it, and the /dev/kmsg records logged meanwhile.
func triggerMemcgOOM(t *testing.T) (int, string, []Record) {
	t.Helper()
	var rnd [4]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		t.Fatal(err)
	}
	name := "nsx-killlog-" + hex.EncodeToString(rnd[:])
	root, limits := "/sys/fs/cgroup/memory", [][2]string{
		{"memory.limit_in_bytes", "16M"}, {"memory.memsw.limit_in_bytes", "16M"}}
	if _, err := os.Stat(filepath.Join(root, "memory.limit_in_bytes")); err != nil {
		root, limits = "/sys/fs/cgroup", [][2]string{{"memory.max", "16M"}, {"memory.swap.max", "0"}}
		if b, err := os.ReadFile(filepath.Join(root, "cgroup.controllers")); err != nil || !strings.Contains(string(b), "memory") {
			t.Fatalf("no cgroup v1 memory controller and no v2 memory controller at %s", root)
		}
	}
	dir := filepath.Join(root, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.Remove(dir); err != nil {
			t.Errorf("removing %s: %v", dir, err)
		}
	})
	for _, l := range limits {
		f := filepath.Join(dir, l[0])
		if _, err := os.Stat(f); err != nil { // memsw/swap files exist only with swap accounting
			continue
		}
		if err := os.WriteFile(f, []byte(l[1]), 0); err != nil {
			t.Fatalf("%s: %v", l[0], err)
		}
	}

	fd, err := unix.Open("/dev/kmsg", unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("open /dev/kmsg: %v", err)
	}
	defer unix.Close(fd)
	if _, err := unix.Seek(fd, 0, unix.SEEK_END); err != nil {
		t.Fatalf("seek /dev/kmsg: %v", err)
	}

	// sh waits on stdin so it joins the cgroup before exec'ing dd.
	cmd := exec.Command("sh", "-c", "read x; exec dd if=/dev/zero of=/dev/null bs=64M count=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("cgroup.procs: %v", err)
	}
	stdin.Write([]byte("go\n"))
	stdin.Close()
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("dd was not SIGKILLed: %v", err)
	}

	// The kill is logged before SIGKILL is delivered: all records are there.
	var recs []Record
	buf := make([]byte, 8192)
	for {
		n, err := unix.Read(fd, buf)
		if errors.Is(err, unix.EPIPE) { // overwritten records; keep going
			continue
		}
		if errors.Is(err, unix.EAGAIN) {
			break
		}
		if err != nil {
			t.Fatalf("read /dev/kmsg: %v", err)
		}
		r, err := ParseKmsgRecord(buf[:n])
		if err != nil {
			t.Fatalf("live record %q: %v", buf[:n], err)
		}
		recs = append(recs, r)
	}
	return pid, "/" + name, recs
}
