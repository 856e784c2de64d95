package inspect

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// Host is the root through which nsx reads everything: "/" on the live host,
// "/host" in a debug container that mounts the host there, or a fixture tree.
type Host struct {
	Root string
}

// NewHost checks that root looks like a host's root: a directory with a
// proc/ that lists at least one process.
func NewHost(root string) (Host, error) {
	if root == "" {
		root = "/"
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return Host{}, fmt.Errorf("--host-root %s: %w", root, err)
	}
	h := Host{Root: abs}
	fi, err := os.Stat(abs)
	if err != nil {
		return Host{}, fmt.Errorf("--host-root %s: %w", root, err)
	}
	if !fi.IsDir() {
		return Host{}, describe(ErrNotHostRoot, "--host-root %s: not a directory", root)
	}
	if !h.hasProcesses() {
		return Host{}, describe(ErrNotHostRoot, "--host-root %s is not a host's root: %s lists no processes (is proc mounted there?)",
			root, h.Path("proc"))
	}
	return h, nil
}

// Path joins elements under the host root.
func (h Host) Path(elem ...string) string {
	return filepath.Join(append([]string{h.Root}, elem...)...)
}

// ProcPath is a path under the host's /proc/PID.
func (h Host) ProcPath(pid int, elem ...string) string {
	return filepath.Join(append([]string{h.Root, "proc", strconv.Itoa(pid)}, elem...)...)
}

// ReadFile reads a file under the host root.
func (h Host) ReadFile(elem ...string) ([]byte, error) {
	return os.ReadFile(h.Path(elem...))
}

// hasProcesses reports whether proc/ under the root lists at least one
// process, reading only as far as the first.
func (h Host) hasProcesses() bool {
	d, err := os.Open(h.Path("proc"))
	if err != nil {
		return false
	}
	defer d.Close()
	for {
		names, err := d.Readdirnames(64)
		for _, n := range names {
			if _, ok := atoiPositive(n); ok {
				return true
			}
		}
		if err != nil {
			return false
		}
	}
}

// PIDs lists the process directories of the host's /proc, unsorted.
func (h Host) PIDs() ([]int, error) {
	d, err := os.Open(h.Path("proc"))
	if err != nil {
		return nil, err
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	pids := make([]int, 0, len(names))
	for _, n := range names {
		if n == "" || n[0] < '1' || n[0] > '9' {
			continue
		}
		pid, err := strconv.Atoi(n)
		if err == nil {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// classifyProc maps the kernel's errors on a /proc/PID file onto nsx's
// sentinels, keeping the original for the message. A process that has
// exited gives ENOENT or ESRCH; both mean "no such process" to callers.
func classifyProc(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, unix.ESRCH):
		return fmt.Errorf("%w (%w)", ErrNoProcess, err)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%w (%w)", ErrPermission, err)
	}
	return err
}
