package inspect

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// procDir is an open /proc/PID directory. Reading relative to one directory
// fd costs one path lookup per process instead of one per file, which is
// most of what makes a full scan cheap (see bench/ls.sh).
type procDir struct {
	fd   int
	path string
}

func openProcDir(h Host, pid int) (procDir, error) {
	p := h.ProcPath(pid)
	fd, err := unix.Open(p, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return procDir{fd: -1}, classifyProc(&os.PathError{Op: "open", Path: p, Err: err})
	}
	return procDir{fd: fd, path: p}, nil
}

func (d procDir) close() {
	if d.fd >= 0 {
		unix.Close(d.fd)
	}
}

// readlink reads a link relative to the directory into buf and returns the
// filled part of buf.
func (d procDir) readlink(name string, buf []byte) ([]byte, error) {
	n, err := unix.Readlinkat(d.fd, name, buf)
	if err != nil {
		return nil, classifyProc(&os.PathError{Op: "readlink", Path: d.path + "/" + name, Err: err})
	}
	return buf[:n], nil
}

// readFile reads a small file relative to the directory. buf is reused when
// it is large enough.
func (d procDir) readFile(name string, buf []byte) ([]byte, error) {
	return d.read(name, buf, false)
}

// readRecord reads a proc file that the kernel generates as one record
// (seq_file single_open: stat, cgroup), where a short read means the end.
func (d procDir) readRecord(name string, buf []byte) ([]byte, error) {
	return d.read(name, buf, true)
}

func (d procDir) read(name string, buf []byte, oneRead bool) ([]byte, error) {
	fd, err := unix.Openat(d.fd, name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, classifyProc(&os.PathError{Op: "open", Path: d.path + "/" + name, Err: err})
	}
	defer unix.Close(fd)
	b, err := readAll(fd, buf, oneRead)
	if err != nil {
		return nil, classifyProc(&os.PathError{Op: "read", Path: d.path + "/" + name, Err: err})
	}
	return b, nil
}

// readAll reads fd to its end into buf (reused when large enough). With
// oneRead, a short read is taken as the end: /proc/PID/stat and other
// single-record proc files hand over their whole text in one read, which
// saves the read that would return 0.
func readAll(fd int, buf []byte, oneRead bool) ([]byte, error) {
	if cap(buf) < 512 {
		buf = make([]byte, 0, 4096)
	}
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
		if oneRead && len(buf) < cap(buf) {
			return buf, nil
		}
	}
}

// subdirNames lists a subdirectory such as "task".
func (d procDir) subdirNames(name string, buf []byte) ([]string, error) {
	fd, names, err := d.openSubdir(name, buf)
	if err != nil {
		return nil, err
	}
	unix.Close(fd)
	return names, nil
}

// openSubdir opens a subdirectory, lists it and returns its descriptor for
// reads relative to it; the caller closes it. It calls getdents directly:
// os.File would register every directory with the runtime poller and a
// finalizer, a cost paid per process in a scan.
func (d procDir) openSubdir(name string, buf []byte) (int, []string, error) {
	fd, err := unix.Openat(d.fd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, nil, classifyProc(&os.PathError{Op: "open", Path: d.path + "/" + name, Err: err})
	}
	var names []string
	for {
		n, err := unix.Getdents(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			unix.Close(fd)
			return -1, nil, classifyProc(&os.PathError{Op: "getdents", Path: d.path + "/" + name, Err: err})
		}
		if n <= 0 {
			return fd, names, nil
		}
		_, _, names = unix.ParseDirent(buf[:n], -1, names)
		// procfs fills the buffer for as long as entries fit; room for
		// another entry left over means the listing is complete, which
		// saves the getdents call that would return 0.
		if len(buf)-n > maxDirentSize {
			return fd, names, nil
		}
	}
}

// maxDirentSize bounds one linux_dirent64: a 19-byte header, a name of at
// most 255 bytes and its NUL, rounded up to 8.
const maxDirentSize = 280

func atoiPositive(s string) (int, bool) {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0
}

// errNoDevice: reading a cgroup file of a cgroup being removed gives ENODEV.
var errNoDevice = unix.ENODEV

// readSmallFile reads a whole file through raw syscalls (cgroup files are
// small; os.ReadFile's poller registration is wasted on them).
func readSmallFile(path string) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	b, err := readAll(fd, nil, false)
	if err != nil {
		return nil, &os.PathError{Op: "read", Path: path, Err: err}
	}
	return b, nil
}
