package inspect

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"nsx/runtimes"
)

// TargetKind says what a target string named.
type TargetKind string

const (
	TargetPID       TargetKind = "pid"
	TargetContainer TargetKind = "container"
	TargetNamespace TargetKind = "namespace"
	TargetPod       TargetKind = "pod"
)

// Target is a resolved command-line target.
type Target struct {
	Spec      string
	Kind      TargetKind
	PIDs      []int      // the processes it names (running ones)
	Container *Container // for TargetContainer
	Pod       *Pod       // for TargetPod
	NS        NSID       // for TargetNamespace
}

// Resolve turns a command-line target into processes of this snapshot:
//
//	4242                  a PID (or, if no process has it, a container ID prefix)
//	web, 45e22fdaba17     a container name, full ID or unique ID prefix
//	pod/NAME, NS/POD      a Kubernetes pod (all its containers)
//	NS/POD/CONTAINER      one container of a pod
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
		if _, ok := s.Processes[pid]; !ok && runtimes.IsHexID(spec+"000000000000"[:max(0, 12-len(spec))]) {
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
	tgid, err := s.Host.ProcessOf(pid)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, describe(ErrNoProcess, "no process %d (it may have exited)", pid)
	}
	if err != nil {
		return nil, fmt.Errorf("process %d: %w", pid, err)
	}
	if tgid != pid {
		if _, ok := s.Processes[tgid]; ok {
			return &Target{Spec: spec, Kind: TargetPID, PIDs: []int{tgid}}, nil
		}
	}
	if _, err := os.Readlink(s.Host.ProcPath(pid, "ns", "pid")); errors.Is(err, fs.ErrPermission) {
		return nil, describe(ErrPermission, "process %d: reading its namespaces was refused (%s)", pid, permissionHint())
	}
	return nil, describe(ErrNoProcess, "process %d started after the scan; run nsx again", pid)
}

// ProcessOf maps a PID or a thread ID to its process: /proc/TID exists for
// every thread though only processes are listed. An ID whose status has no
// Tgid line is taken as a process.
func (h Host) ProcessOf(id int) (int, error) {
	status, err := h.ReadFile("proc", strconv.Itoa(id), "status")
	if err != nil {
		return 0, err
	}
	if tgid, ok := parseStatusTgid(status); ok {
		return tgid, nil
	}
	return id, nil
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

// resolveContainer finds the container or pod a string names: a pod as
// pod/NAME, NAMESPACE/POD or NAMESPACE/POD/CONTAINER; a container by name,
// full ID or unique ID prefix; else a pod by its name alone. Running
// containers are searched first, then every container the runtimes' state
// knows, so that the error can say one exists but is not running.
func (s *Snapshot) resolveContainer(spec string) (*Target, error) {
	running := s.Containers()
	if strings.Contains(spec, "/") {
		return s.resolvePod(spec, running)
	}
	c, err := matchContainer(spec, running)
	if err != nil {
		return nil, err
	}
	if c != nil {
		return &Target{Spec: spec, Kind: TargetContainer, Container: c, PIDs: s.containerPIDs(c)}, nil
	}
	if t, err := s.podTarget(spec, running, func(p *Pod) bool { return p.Name == spec }); t != nil || err != nil {
		return t, err
	}
	return nil, s.notRunning(spec, func(list []*Container) (*Container, error) { return matchContainer(spec, list) }, len(running))
}

// resolvePod reads pod/NAME, NAMESPACE/POD and NAMESPACE/POD/CONTAINER.
func (s *Snapshot) resolvePod(spec string, running []*Container) (*Target, error) {
	parts := strings.Split(spec, "/")
	if slices.Contains(parts, "") || len(parts) > 3 {
		return nil, describe(ErrNoTarget, "%q: a pod is pod/NAME, NAMESPACE/POD or NAMESPACE/POD/CONTAINER", spec)
	}
	if parts[0] == "pod" && len(parts) == 2 {
		t, err := s.podTarget(spec, running, func(p *Pod) bool { return p.Name == parts[1] })
		if t != nil || err != nil {
			return t, err
		}
		// A namespace called "pod" is possible: try NAMESPACE/POD below.
	}
	inPod := func(p *Pod) bool { return p.Namespace == parts[0] && p.Name == parts[1] }
	if len(parts) == 2 {
		if t, err := s.podTarget(spec, running, inPod); t != nil || err != nil {
			return t, err
		}
	} else {
		var matches []*Container
		for _, c := range running {
			if c.Pod != nil && inPod(c.Pod) && c.Name == parts[2] && !c.PodSandbox {
				matches = append(matches, c)
			}
		}
		if len(matches) > 1 {
			return nil, ambiguous(spec, matches)
		}
		if len(matches) == 1 {
			c := matches[0]
			return &Target{Spec: spec, Kind: TargetContainer, Container: c, PIDs: s.containerPIDs(c)}, nil
		}
	}
	return nil, s.notRunning(spec, func(list []*Container) (*Container, error) {
		for _, c := range list {
			if c.Pod != nil && (inPod(c.Pod) || parts[0] == "pod" && c.Pod.Name == parts[1]) && (len(parts) < 3 || c.Name == parts[2]) {
				return c, nil
			}
		}
		return nil, nil
	}, len(running))
}

// podTarget gathers the running containers of the pods that match; more
// than one pod is ambiguous.
func (s *Snapshot) podTarget(spec string, running []*Container, match func(*Pod) bool) (*Target, error) {
	pods := map[string]*Pod{}
	var members []*Container
	for _, c := range running {
		if c.Pod == nil || c.Pod.Name == "" || !match(c.Pod) {
			continue
		}
		pods[c.Pod.String()] = c.Pod
		members = append(members, c)
	}
	switch len(pods) {
	case 0:
		return nil, nil
	case 1:
	default:
		cands := make([]string, 0, len(pods))
		for name := range pods {
			cands = append(cands, "pod "+name)
		}
		sort.Strings(cands)
		return nil, &AmbiguousError{Target: spec, Candidates: cands}
	}
	t := &Target{Spec: spec, Kind: TargetPod}
	for _, p := range pods {
		t.Pod = p
	}
	seen := map[int]bool{}
	for _, c := range members {
		for _, pid := range s.containerPIDs(c) {
			if !seen[pid] {
				seen[pid] = true
				t.PIDs = append(t.PIDs, pid)
			}
		}
	}
	sort.Ints(t.PIDs)
	return t, nil
}

// notRunning looks the target up among every container the runtimes know,
// running or not, to tell "not running" from "unknown".
func (s *Snapshot) notRunning(spec string, match func([]*Container) (*Container, error), nRunning int) error {
	// A state file may still say "running" of a container whose processes
	// are gone (a daemon that died with it): the others say more.
	all := s.Runtimes.All()
	sort.SliceStable(all, func(i, j int) bool { return all[i].State != "running" && all[j].State == "running" })
	c, err := match(all)
	if err != nil {
		return err
	}
	if c != nil {
		return &NotRunningError{Container: c}
	}
	return &NoTargetError{Target: spec, Searched: fmt.Sprintf(
		"%d running containers and their pods by name, ID and ID prefix, the stopped containers in the runtimes' state, and PIDs", nRunning)}
}

// matchContainer prefers an exact name or ID over a prefix, as docker does.
// Kubernetes container names repeat across pods: several exact matches are
// ambiguous.
func matchContainer(spec string, list []*Container) (*Container, error) {
	var exact []*Container
	for _, c := range list {
		if c.ID == spec {
			return c, nil
		}
		if c.Name == spec {
			exact = append(exact, c)
		}
	}
	switch len(exact) {
	case 1:
		return exact[0], nil
	case 0:
	default:
		return nil, ambiguous(spec, exact)
	}
	var matches []*Container
	for _, c := range list {
		if strings.HasPrefix(c.ID, spec) {
			matches = append(matches, c)
		}
	}
	switch len(matches) {
	case 0:
		return nil, nil
	case 1:
		return matches[0], nil
	}
	return nil, ambiguous(spec, matches)
}

// ambiguous lists the candidates as "runtime shortID (name)".
func ambiguous(spec string, matches []*Container) error {
	cands := make([]string, 0, len(matches))
	for _, c := range matches {
		label := c.Runtime + " " + c.ShortID()
		if n := c.DisplayName(); n != c.ShortID() {
			label += " (" + n + ")"
		}
		cands = append(cands, label)
	}
	sort.Strings(cands)
	return &AmbiguousError{Target: spec, Candidates: cands}
}

// MainPID is the process that stands for a container: its init when it
// is among the scanned processes, else its lowest PID (0 if none).
func (s *Snapshot) MainPID(c *Container) int {
	if c.InitPID != 0 && s.Processes[c.InitPID] != nil {
		return c.InitPID
	}
	if pids := s.containerPIDs(c); len(pids) > 0 {
		return pids[0]
	}
	return 0
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
