package inspect

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// TargetKind says what a target string named.
type TargetKind string

const (
	TargetPID       TargetKind = "pid"
	TargetContainer TargetKind = "container"
	TargetNamespace TargetKind = "namespace"
)

// Target is a resolved command-line target.
type Target struct {
	Spec      string
	Kind      TargetKind
	PIDs      []int      // the processes it names (running ones)
	Container *Container // for TargetContainer
	NS        NSID       // for TargetNamespace
}

// Resolve turns a command-line target into processes of this snapshot:
//
//	4242                  a PID (or, if no process has it, a container ID prefix)
//	web, 45e22fdaba17     a container name, full ID or unique ID prefix
//	netns:NAME            a network namespace made by `ip netns add NAME`
//	/run/netns/NAME       any bind-mounted namespace file (under --host-root)
func (s *Snapshot) Resolve(spec string) (*Target, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, &NoTargetError{Target: spec, Searched: "nothing: the target is empty"}
	}
	if pid, err := strconv.Atoi(spec); err == nil {
		// Container IDs often start with digits: a number that is no
		// scanned process may still be an ID prefix ("nsx ls 7376").
		if _, ok := s.Processes[pid]; !ok && isHexID(spec+"000000000000"[:max(0, 12-len(spec))]) {
			t, err := s.resolveContainer(spec)
			var none *NoTargetError
			if !errors.As(err, &none) {
				return t, err // a container, an ambiguous prefix, or a stopped one
			}
		}
		return s.resolvePID(spec, pid)
	}
	if name, ok := strings.CutPrefix(spec, "netns:"); ok {
		return s.resolveNSPath(spec, filepath.Join("/run/netns", name))
	}
	if strings.HasPrefix(spec, "/") {
		return s.resolveNSPath(spec, spec)
	}
	return s.resolveContainer(spec)
}

func (s *Snapshot) resolvePID(spec string, pid int) (*Target, error) {
	if pid <= 0 {
		return nil, describe(ErrNoTarget, "%q: a PID is a positive number", spec)
	}
	if _, ok := s.Processes[pid]; ok {
		return &Target{Spec: spec, Kind: TargetPID, PIDs: []int{pid}}, nil
	}
	status, err := s.Host.ReadFile("proc", strconv.Itoa(pid), "status")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, describe(ErrNoProcess, "no process %d (it may have exited)", pid)
	}
	if err != nil {
		return nil, fmt.Errorf("process %d: %w", pid, err)
	}
	// /proc/TID exists for every thread though only processes are listed:
	// a thread ID names its process.
	if tgid, ok := parseStatusTgid(status); ok && tgid != pid {
		if _, ok := s.Processes[tgid]; ok {
			return &Target{Spec: spec, Kind: TargetPID, PIDs: []int{tgid}}, nil
		}
	}
	if _, err := os.Readlink(s.Host.ProcPath(pid, "ns", "pid")); errors.Is(err, fs.ErrPermission) {
		return nil, describe(ErrPermission, "process %d: reading its namespaces was refused (%s)", pid, permissionHint())
	}
	return nil, describe(ErrNoProcess, "process %d started after the scan; run nsx again", pid)
}

// parseStatusTgid returns the Tgid (process ID) from /proc/PID/status.
func parseStatusTgid(b []byte) (int, bool) {
	f, ok := statusField(b, "Tgid:")
	if !ok || len(f) != 1 {
		return 0, false
	}
	n, err := strconv.Atoi(f[0])
	return n, err == nil
}

// resolveNSPath opens a namespace file under the host root and finds the
// processes in that namespace.
func (s *Snapshot) resolveNSPath(spec, path string) (*Target, error) {
	full := s.Host.Path(path)
	fd, err := unix.Open(full, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil, &NoTargetError{Target: spec, Searched: full}
		}
		return nil, fmt.Errorf("%s: %w", full, err)
	}
	defer unix.Close(fd)
	var sfs unix.Statfs_t
	if err := unix.Fstatfs(fd, &sfs); err != nil || sfs.Type != unix.NSFS_MAGIC {
		return nil, describe(ErrNoTarget, "%s is not a namespace file (an nsfs bind mount such as /run/netns/NAME)", full)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", full, err)
	}
	nstype, err := unix.IoctlRetInt(fd, unix.NS_GET_NSTYPE)
	if err != nil {
		return nil, fmt.Errorf("%s: NS_GET_NSTYPE: %w", full, err)
	}
	t, ok := nsTypeFromCloneFlag(nstype)
	if !ok {
		return nil, fmt.Errorf("%s: unknown namespace type %#x", full, nstype)
	}
	tgt := &Target{Spec: spec, Kind: TargetNamespace, NS: NSID{Type: t, Inode: st.Ino}}
	if n := s.Namespace(t, st.Ino); n != nil {
		tgt.PIDs = append(tgt.PIDs, n.PIDs...)
	}
	return tgt, nil
}

func nsTypeFromCloneFlag(flag int) (NSType, bool) {
	switch flag {
	case unix.CLONE_NEWCGROUP:
		return CgroupNS, true
	case unix.CLONE_NEWIPC:
		return IPCNS, true
	case unix.CLONE_NEWNS:
		return MntNS, true
	case unix.CLONE_NEWNET:
		return NetNS, true
	case unix.CLONE_NEWPID:
		return PIDNS, true
	case unix.CLONE_NEWTIME:
		return TimeNS, true
	case unix.CLONE_NEWUSER:
		return UserNS, true
	case unix.CLONE_NEWUTS:
		return UTSNS, true
	}
	return 0, false
}

// resolveContainer matches a name, a full ID or a unique ID prefix against
// the running containers, then against Docker's stopped ones so that the
// error can say the container exists but is not running.
func (s *Snapshot) resolveContainer(spec string) (*Target, error) {
	running := s.Containers()
	c, err := matchContainer(spec, running)
	if err != nil {
		return nil, err
	}
	if c != nil {
		return &Target{Spec: spec, Kind: TargetContainer, Container: c, PIDs: s.containerPIDs(c)}, nil
	}
	all, _ := s.Host.DockerContainers()
	c, err = matchContainer(spec, all)
	if err != nil {
		return nil, err
	}
	if c != nil {
		return nil, describe(ErrNoTarget, "container %s (%s %s) is not running (%s)", c.DisplayName(), c.Runtime, c.ShortID(), c.State)
	}
	return nil, &NoTargetError{Target: spec, Searched: fmt.Sprintf(
		"%d running containers by name, ID and ID prefix, Docker's stopped containers in %s, and PIDs", len(running), s.Host.Path(dockerContainersDir))}
}

// matchContainer prefers an exact name or ID over a prefix, as docker does.
func matchContainer(spec string, list []*Container) (*Container, error) {
	for _, c := range list {
		if c.Name == spec || c.ID == spec {
			return c, nil
		}
	}
	var matches []*Container
	for _, c := range list {
		if len(spec) >= 1 && strings.HasPrefix(c.ID, spec) {
			matches = append(matches, c)
		}
	}
	switch len(matches) {
	case 0:
		return nil, nil
	case 1:
		return matches[0], nil
	}
	cands := make([]string, 0, len(matches))
	for _, c := range matches {
		label := c.Runtime + " " + c.ShortID()
		if c.Name != "" {
			label += " (" + c.Name + ")"
		}
		cands = append(cands, label)
	}
	sort.Strings(cands)
	return nil, &AmbiguousError{Target: spec, Candidates: cands}
}

func (s *Snapshot) containerPIDs(c *Container) []int {
	var pids []int
	for _, pid := range s.SortedPIDs() {
		if s.Processes[pid].Container == c {
			pids = append(pids, pid)
		}
	}
	return pids
}
