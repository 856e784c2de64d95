package inspect

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// Cgroup layouts.
const (
	LayoutV1     = "v1"     // only v1 hierarchies
	LayoutV2     = "v2"     // only the unified hierarchy
	LayoutHybrid = "hybrid" // v1 controllers plus a v2 tree (systemd's hybrid mode)
)

// CgroupLayout is how the host mounts its cgroup hierarchies.
type CgroupLayout struct {
	Kind   string        `json:"kind"`
	Mounts []CgroupMount `json:"mounts"`
	// From is the mountinfo file the layout was read from.
	From string `json:"-"`
}

// CgroupLayout reads the host's cgroup mounts from the mount table of PID 1
// (the host's mount namespace, wherever nsx itself runs), or of nsx's own
// process when PID 1's cannot be read. Hierarchies are found where they are
// mounted, not at a fixed path.
func (h Host) CgroupLayout() (*CgroupLayout, error) {
	var lastErr error
	for _, pid := range []string{"1", "self"} {
		b, err := h.ReadFile("proc", pid, "mountinfo")
		if err != nil {
			lastErr = err
			continue
		}
		mounts, err := ParseCgroupMounts(b)
		if err != nil {
			lastErr = &ParseError{Path: h.Path("proc", pid, "mountinfo"), Err: err}
			continue
		}
		l := &CgroupLayout{Mounts: mounts, From: h.Path("proc", pid, "mountinfo")}
		v1, v2 := false, false
		for _, m := range mounts {
			if m.Version == 1 && len(m.Controllers) > 0 && !slices.ContainsFunc(m.Controllers, func(c string) bool { return strings.HasPrefix(c, "name=") }) {
				v1 = true
			}
			if m.Version == 2 {
				v2 = true
			}
		}
		switch {
		case v1 && v2:
			l.Kind = LayoutHybrid
		case v1:
			l.Kind = LayoutV1
		case v2:
			l.Kind = LayoutV2
		default:
			return nil, fmt.Errorf("%s: no cgroup hierarchy is mounted", l.From)
		}
		return l, nil
	}
	return nil, fmt.Errorf("reading the host's mount table: %w", lastErr)
}

// mountFor returns the hierarchy that carries a controller: the v1 mount
// listing it, else the unified one.
func (l *CgroupLayout) mountFor(controller string) *CgroupMount {
	for i := range l.Mounts {
		if l.Mounts[i].Version == 1 && slices.Contains(l.Mounts[i].Controllers, controller) {
			return &l.Mounts[i]
		}
	}
	return l.unified()
}

func (l *CgroupLayout) unified() *CgroupMount {
	for i := range l.Mounts {
		if l.Mounts[i].Version == 2 {
			return &l.Mounts[i]
		}
	}
	return nil
}

// pathIn picks a process's path in a hierarchy from its /proc/PID/cgroup.
func pathIn(m *CgroupMount, lines []CgroupLine) (string, bool) {
	for _, l := range lines {
		if m.Version == 2 && l.HierarchyID == 0 && len(l.Controllers) == 0 {
			return l.Path, true
		}
		if m.Version == 1 && len(l.Controllers) > 0 && slices.Equal(sortedCopy(l.Controllers), sortedCopy(m.Controllers)) {
			return l.Path, true
		}
	}
	return "", false
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// cgroupDir is the directory of a cgroup path of hierarchy m on the host.
// A mount of a sub-tree (root not "/", as inside a cgroup namespace) shows
// paths below its root only.
func (h Host) cgroupDir(m *CgroupMount, cgPath string) (string, bool) {
	rel := cgPath
	if m.Root != "/" {
		r, ok := strings.CutPrefix(cgPath, m.Root)
		if !ok || (r != "" && !strings.HasPrefix(r, "/")) {
			return "", false
		}
		rel = r
	}
	return h.Path(m.Mountpoint, rel), true
}

// ancestors lists a cgroup path and its ancestors, innermost first:
// "/a/b" -> "/a/b", "/a", "/".
func ancestors(p string) []string {
	p = path.Clean("/" + p)
	out := []string{p}
	for p != "/" {
		p = path.Dir(p)
		out = append(out, p)
	}
	return out
}

// cgroupPass is one reading of cgroups: the host, an optional cache that
// serves files read before in the same pass (CgroupSummaries reads shared
// ancestors once), and where to note files that exist but cannot be parsed.
type cgroupPass struct {
	h        Host
	l        *CgroupLayout
	cache    *fileCache
	warnings *[]string
	// summary reads only what `nsx ls` and `nsx top` show: limits,
	// usage, OOM kills, CPU use and throttling (see CgroupSummary).
	summary bool
	// limits, when set, serves limit files across passes (LimitCache).
	limits *fileCache
}

// cgroupReader reads interface files of one hierarchy.
type cgroupReader struct {
	pass *cgroupPass
	m    *CgroupMount
}

// read returns a file of cgroup p; ok is false when it does not exist
// (an older kernel, a controller not enabled there, a cgroup removed).
func (r cgroupReader) read(p, file string) ([]byte, bool, error) {
	return r.readVia(r.pass.cache, p, file)
}

// readLimit reads a file that changes only when someone reconfigures the
// cgroup (a limit, a period): from the pass's limit cache when it has one.
func (r cgroupReader) readLimit(p, file string) ([]byte, bool, error) {
	if r.pass.limits != nil {
		return r.readVia(r.pass.limits, p, file)
	}
	return r.read(p, file)
}

func (r cgroupReader) readVia(cache *fileCache, p, file string) ([]byte, bool, error) {
	dir, ok := r.pass.h.cgroupDir(r.m, p)
	if !ok {
		return nil, false, nil
	}
	read := readSmallFile
	if cache != nil {
		read = cache.read
	}
	b, err := read(filepath.Join(dir, file))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNoDevice) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return b, true, nil
}

// effective walks from p to the root of the hierarchy and returns the
// tightest limit in file, with the cgroup that sets it. conv turns a file
// into a comparable limit (nil: unlimited).
func (r cgroupReader) effective(p, file string, conv func([]byte) (*uint64, error)) (own *uint64, eff Limit, err error) {
	for i, a := range ancestors(p) {
		b, ok, err := r.readLimit(a, file)
		if err != nil {
			return nil, Limit{}, err
		}
		if !ok {
			continue // the root, or a level without the controller
		}
		v, err := conv(b)
		if err != nil {
			return nil, Limit{}, &ParseError{Path: file + " of " + a, Err: err}
		}
		if i == 0 {
			own = v
		}
		if v != nil && (eff.Value == nil || *v < *eff.Value) {
			eff = Limit{Value: v, SetBy: a}
		}
	}
	return own, eff, nil
}

func (r cgroupReader) flat(p, file string) (map[string]uint64, bool) {
	b, ok, err := r.read(p, file)
	if err != nil || !ok {
		return nil, false
	}
	return ParseFlatKeyed(b), true
}

func (r cgroupReader) uint(p, file string) (*uint64, bool) {
	b, ok, err := r.read(p, file)
	if err != nil || !ok {
		return nil, false
	}
	v, err := ParseUint(b)
	if err != nil {
		r.malformed(p, file, err)
		return nil, false
	}
	return &v, true
}

func (r cgroupReader) text(p, file string) string {
	b, ok, err := r.read(p, file)
	if err != nil || !ok {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func u64(v uint64) *uint64 { return &v }

// malformed notes a file that exists but holds no value nsx can read:
// unlike a missing file, that is worth a warning.
func (r cgroupReader) malformed(p, file string, err error) {
	if r.pass.warnings != nil {
		*r.pass.warnings = append(*r.pass.warnings, (&ParseError{Path: file + " of " + p, Err: err}).Error())
	}
}

// cgroupLines reads and parses process pid's /proc/PID/cgroup.
func (h Host) cgroupLines(pid int) ([]CgroupLine, error) {
	b, err := h.ReadFile("proc", itoa(pid), "cgroup")
	if err != nil {
		return nil, classifyProc(err)
	}
	lines, err := ParseCgroupFile(b)
	if err != nil {
		return nil, &ParseError{Path: h.ProcPath(pid, "cgroup"), Err: err}
	}
	return lines, nil
}

// CgroupDirs returns the directory of process pid's cgroup in every
// hierarchy the host mounts (the unified one included), for a process that
// is to join them (nsx enter; enter/nsexec/fastpath.c mirrors this).
// Hierarchies whose directory cannot be located (a sub-tree mount that
// does not hold the path) are left out.
func (h Host) CgroupDirs(pid int, l *CgroupLayout) ([]string, error) {
	lines, err := h.cgroupLines(pid)
	if err != nil {
		return nil, err
	}
	var dirs []string
	for i := range l.Mounts {
		m := &l.Mounts[i]
		if p, ok := pathIn(m, lines); ok {
			if d, ok := h.cgroupDir(m, p); ok {
				dirs = append(dirs, d)
			}
		}
	}
	return dirs, nil
}
