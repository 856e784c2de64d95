package inspect

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
)

// This file holds the pure parsers of kernel text: bytes in, values out, no
// I/O. Each has a table test and a fuzz target in parse_test.go.

var errFormat = errors.New("unexpected format")

// ParseNSLink parses the target of a /proc/PID/ns/* or /proc/PID/fd/* link,
// "net:[4026531840]", into its type and inode. ok is false for anything else
// (a socket, a pipe, a regular file).
func ParseNSLink(link []byte) (id NSID, ok bool) {
	colon := bytes.IndexByte(link, ':')
	if colon <= 0 || len(link) < colon+4 || link[colon+1] != '[' || link[len(link)-1] != ']' {
		return NSID{}, false
	}
	t, found := nsTypeFromBytes(link[:colon])
	if !found {
		return NSID{}, false
	}
	ino, err := strconv.ParseUint(string(link[colon+2:len(link)-1]), 10, 64)
	if err != nil || ino == 0 {
		return NSID{}, false
	}
	return NSID{Type: t, Inode: ino}, true
}

func nsTypeFromBytes(b []byte) (NSType, bool) {
	for i, n := range nsTypeNames {
		if string(b) == n {
			return NSType(i), true
		}
	}
	return 0, false
}

// ProcStat is what nsx needs from /proc/PID/stat.
type ProcStat struct {
	Comm      string
	State     byte
	PPID      int
	Flags     uint64
	StartTime uint64 // clock ticks after boot
}

// pfKthread is PF_KTHREAD from include/linux/sched.h.
const pfKthread = 0x00200000

// Kernel reports whether the process is a kernel thread.
func (s ProcStat) Kernel() bool { return s.Flags&pfKthread != 0 }

// ParseStat parses /proc/PID/stat. The command name may itself contain
// spaces and parentheses, so it is taken up to the last ')'.
func ParseStat(b []byte) (ProcStat, error) {
	open := bytes.IndexByte(b, '(')
	closing := bytes.LastIndexByte(b, ')')
	if open < 0 || closing < open {
		return ProcStat{}, errFormat
	}
	var st ProcStat
	st.Comm = string(b[open+1 : closing])
	// Fields after the comm, 1-based as in proc(5): 3 state, 4 ppid, 9 flags, 22 starttime.
	rest := b[closing+1:]
	field := 2
	for len(rest) > 0 && field < 22 {
		rest = bytes.TrimLeft(rest, " ")
		end := bytes.IndexByte(rest, ' ')
		var tok []byte
		if end < 0 {
			tok, rest = bytes.TrimRight(rest, "\n"), nil
		} else {
			tok, rest = rest[:end], rest[end+1:]
		}
		field++
		var err error
		switch field {
		case 3:
			if len(tok) != 1 {
				return ProcStat{}, errFormat
			}
			st.State = tok[0]
		case 4:
			st.PPID, err = strconv.Atoi(string(tok))
		case 9:
			st.Flags, err = strconv.ParseUint(string(tok), 10, 64)
		case 22:
			st.StartTime, err = strconv.ParseUint(string(tok), 10, 64)
		}
		if err != nil {
			return ProcStat{}, errFormat
		}
	}
	if field < 22 {
		return ProcStat{}, errFormat
	}
	return st, nil
}

// CgroupLine is one line of /proc/PID/cgroup: "ID:CONTROLLERS:PATH".
// ID 0 with no controllers is the cgroup v2 (unified) hierarchy.
type CgroupLine struct {
	HierarchyID int
	Controllers []string
	Path        string
}

// ParseCgroupFile parses /proc/PID/cgroup.
func ParseCgroupFile(b []byte) ([]CgroupLine, error) {
	var out []CgroupLine
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" {
			continue
		}
		id, rest, ok := strings.Cut(line, ":")
		if !ok {
			return nil, errFormat
		}
		ctrls, path, ok := strings.Cut(rest, ":")
		if !ok {
			return nil, errFormat
		}
		n, err := strconv.Atoi(id)
		if err != nil || n < 0 {
			return nil, errFormat
		}
		cl := CgroupLine{HierarchyID: n, Path: path}
		if ctrls != "" {
			cl.Controllers = strings.Split(ctrls, ",")
		}
		out = append(out, cl)
	}
	return out, nil
}

// IDMapRange is one line of a uid_map or gid_map: Count IDs starting at
// Inside in the namespace map to IDs starting at Outside.
type IDMapRange struct {
	Inside  uint32 `json:"inside"`
	Outside uint32 `json:"outside"`
	Count   uint32 `json:"count"`
}

// ParseIDMap parses /proc/PID/uid_map or gid_map.
func ParseIDMap(b []byte) ([]IDMapRange, error) {
	var out []IDMapRange
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 {
			return nil, errFormat
		}
		var v [3]uint64
		for i := range f {
			n, err := strconv.ParseUint(f[i], 10, 32)
			if err != nil {
				return nil, errFormat
			}
			v[i] = n
		}
		out = append(out, IDMapRange{Inside: uint32(v[0]), Outside: uint32(v[1]), Count: uint32(v[2])})
	}
	return out, nil
}

// ParseStatusUID returns the real uid from /proc/PID/status ("Uid:\tR E S F").
func ParseStatusUID(b []byte) (int, error) {
	f, ok := statusField(b, "Uid:")
	if !ok || len(f) == 0 {
		return 0, errFormat
	}
	uid, err := strconv.ParseUint(f[0], 10, 32)
	if err != nil {
		return 0, errFormat
	}
	return int(uid), nil
}

// statusField returns the fields of the first /proc/PID/status line that
// starts with key ("Uid:", "Tgid:").
func statusField(b []byte, key string) ([]string, bool) {
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			return strings.Fields(rest), true
		}
	}
	return nil, false
}

// ParseCmdline turns /proc/PID/cmdline (NUL-separated) into one line.
func ParseCmdline(b []byte) string {
	b = bytes.TrimRight(b, "\x00")
	return strings.ReplaceAll(string(b), "\x00", " ")
}
