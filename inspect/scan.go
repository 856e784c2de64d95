package inspect

import (
	"bytes"
	"errors"
	"fmt"
	"nsx/runtimes"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// ScanOptions say what a scan reads. The zero value reads everything but
// threads; a view that shows less can skip what it does not show.
type ScanOptions struct {
	// Tasks also reads every thread's namespaces (a thread can be in a
	// different namespace than its process, after setns or unshare).
	Tasks bool
	// SkipHolders does not look for what else holds namespaces: open file
	// descriptors of every process and nsfs bind mounts in every mount
	// namespace. Namespaces no process is in are then not found.
	SkipHolders bool
	// SkipHierarchy does not ask the kernel for owners and parents
	// (NS_GET_USERNS, NS_GET_PARENT).
	SkipHierarchy bool
	// Workers is the number of parallel readers; 0 means GOMAXPROCS.
	Workers int
}

// nsLinkNames are the /proc/PID/ns entries in NSType order.
var nsLinkNames = [NumNSTypes]string{"ns/cgroup", "ns/ipc", "ns/mnt", "ns/net", "ns/pid", "ns/time", "ns/user", "ns/uts"}

// scanResult is what one worker learned about one PID.
type scanResult struct {
	proc  *Process
	fdNS  []fdRef
	err   error
	fdErr error
	// What this process was the first to see (see claims): the kernel's
	// facts on its namespaces, its namespace set's container, and its
	// mount namespace's nsfs mounts.
	facts      []nsFacts
	claimedSet bool
	container  *Container
	claimedMnt bool
	mounts     []NSFSMount
	mountsErr  error
}

type fdRef struct {
	fd int
	id NSID
}

// Scan reads every process of the host once, on all CPUs: its namespaces,
// its threads' (with opts.Tasks) and the namespaces it holds open through
// file descriptors. The first process seen in each namespace, namespace set
// and mount namespace also answers, for all of them, who owns and parents
// the namespace (ioctls), which container the set is (its cgroup) and which
// nsfs bind mounts the mount namespace has. After the workers, namespaces
// known only through a thread, an fd or a mount get the same questions,
// ancestors nothing else holds are added, and user namespaces get their ID
// maps. opts can skip what a view does not show.
//
// Processes that exit during the scan are skipped and counted; processes
// that cannot be read are counted and reported in one warning.
func (h Host) Scan(opts ScanOptions) (*Snapshot, error) {
	pids, err := h.PIDs()
	if err != nil {
		return nil, fmt.Errorf("listing processes in %s: %w", h.Path("proc"), err)
	}
	sort.Ints(pids)
	results := make([]scanResult, len(pids))

	n := opts.Workers
	if n <= 0 {
		n = workers(len(pids))
	}
	c := newClaims()
	readers := make([]*procReader, n)
	for w := range readers {
		readers[w] = newProcReader(h, opts, c)
	}
	forEachOn(n, len(pids), func(w, i int) {
		results[i] = readers[w].read(pids[i])
	})

	s := &Snapshot{
		Host:          h,
		Runtimes:      runtimes.NewStore(h.Root),
		Processes:     make(map[int]*Process, len(pids)),
		Namespaces:    make(map[NSID]*Namespace),
		containers:    make(map[string]*Container),
		setContainers: make(map[NSSet]*Container),
		mountTables:   make(map[uint64]mountTable),
	}
	var permErr error
	for i := range results {
		r := &results[i]
		switch {
		case r.err == nil:
		case errors.Is(r.err, ErrNoProcess):
			s.Stats.Vanished++
			continue
		case errors.Is(r.err, ErrPermission):
			s.Stats.Hidden++
			permErr = r.err
			continue
		default:
			// A malformed link or an I/O error on one process must not
			// fail the scan of thousands; it is counted as hidden and named.
			s.Stats.Hidden++
			s.Warnings = append(s.Warnings, fmt.Sprintf("process %d skipped: %v", pids[i], r.err))
			continue
		}
		p := r.proc
		s.Processes[p.PID] = p
		for t := range AllNSTypes {
			if p.NS[t] == 0 {
				continue
			}
			n := s.addNamespace(NSType(t), p.NS[t])
			n.PIDs = append(n.PIDs, p.PID)
			if n.handle == "" {
				n.handle = h.ProcPath(p.PID, nsLinkNames[t])
			}
		}
		for _, task := range p.Tasks {
			s.Stats.Tasks++
			for t := range AllNSTypes {
				if task.NS[t] == 0 || task.NS[t] == p.NS[t] {
					continue
				}
				n := s.addNamespace(NSType(t), task.NS[t])
				n.TIDs = append(n.TIDs, task.TID)
				if n.handle == "" {
					n.handle = h.ProcPath(p.PID, "task", strconv.Itoa(task.TID), nsLinkNames[t])
				}
			}
		}
		for _, ref := range r.fdNS {
			n := s.addNamespace(ref.id.Type, ref.id.Inode)
			n.HeldBy = append(n.HeldBy, Holder{Kind: HeldByFD, PID: p.PID, FD: ref.fd})
			if n.handle == "" {
				n.handle = h.ProcPath(p.PID, "fd", strconv.Itoa(ref.fd))
			}
		}
		if r.fdErr != nil && !errors.Is(r.fdErr, ErrNoProcess) {
			s.Stats.HiddenFDs++
		}
		for _, f := range r.facts {
			s.record(s.addNamespace(f.id.Type, f.id.Inode), f)
		}
		if r.claimedSet {
			s.setContainers[p.NS] = r.container
		}
		if r.claimedMnt && r.mountsErr == nil {
			s.mountTables[p.NS[MntNS]] = mountTable{pid: p.PID, mounts: r.mounts}
		}
	}
	s.Stats.Processes = len(s.Processes)
	hiddenByPermission := 0
	if permErr != nil {
		hiddenByPermission = s.Stats.Hidden
	}

	s.findHostNS()
	s.groupProcesses()
	s.attributeContainers()
	if !opts.SkipHolders {
		s.findBindMounts()
	}
	if !opts.SkipHierarchy {
		s.resolveHierarchy()
	}
	s.readIDMaps()
	s.finish()
	s.nameContainers()
	s.warnHidden(hiddenByPermission, len(pids)-s.Stats.Vanished)
	return s, nil
}

// warnHidden says in one line what a lack of privilege hid: processes,
// their open files, mount tables.
func (s *Snapshot) warnHidden(procs, of int) {
	var also []string
	if n := s.Stats.HiddenFDs; n > 0 {
		also = append(also, fmt.Sprintf("the open files of %d processes", n))
	}
	if n := s.Stats.HiddenMountTables; n > 0 {
		also = append(also, fmt.Sprintf("the mount tables of %d mount namespaces", n))
	}
	var line string
	switch {
	case procs > 0 && len(also) == 0:
		line = fmt.Sprintf("%d of %d processes hidden: reading their namespaces was refused (%s)", procs, of, permissionHint())
	case procs > 0:
		line = fmt.Sprintf("%d of %d processes hidden, and %s could not be read: access was refused (%s); namespaces held only there may be missing",
			procs, of, strings.Join(also, " and "), permissionHint())
	case len(also) > 0:
		line = fmt.Sprintf("%s could not be read (%s); namespaces held only there may be missing", strings.Join(also, " and "), permissionHint())
	default:
		return
	}
	s.Warnings = append(s.Warnings, line)
}

// permissionHint says why the kernel refuses /proc/PID/ns reads to this
// process. Root can be refused too: ptrace access checks also require the
// caller's capabilities to cover the target's, and LSMs may deny it.
func permissionHint() string {
	if os.Geteuid() != 0 {
		return "run as root or with CAP_SYS_PTRACE"
	}
	return "even to root: such a process holds capabilities nsx lacks, or a security module denies access"
}

func (s *Snapshot) addNamespace(t NSType, ino uint64) *Namespace {
	id := NSID{Type: t, Inode: ino}
	n := s.Namespaces[id]
	if n == nil {
		n = &Namespace{Type: t, Inode: ino}
		s.Namespaces[id] = n
	}
	return n
}

func (s *Snapshot) internContainer(c *Container) *Container {
	if c == nil {
		return nil
	}
	key := c.Runtime + "/" + c.ID
	if have, ok := s.containers[key]; ok {
		return have
	}
	s.containers[key] = c
	return c
}

// findHostNS takes PID 1's namespaces as the host's. When PID 1 cannot be
// read (not root, or it holds capabilities nsx lacks), kthreadd (PID 2)
// stands in: kernel threads always live in the initial namespaces. Failing
// both, nsx's own namespaces or else the lowest readable PID's do, and a
// warning says so.
func (s *Snapshot) findHostNS() {
	if p, ok := s.Processes[1]; ok {
		s.HostNS = p.NS
		return
	}
	if p, ok := s.Processes[2]; ok && s.isKthreadd(p) {
		s.HostNS = p.NS
		return
	}
	// Not root: when the scanned /proc is the one nsx runs under, its own
	// namespaces are the best guess (a user's shell is in the host's).
	if l, err := os.Readlink(s.Host.Path("proc", "self")); err == nil && l == strconv.Itoa(os.Getpid()) {
		if p, ok := s.Processes[os.Getpid()]; ok {
			// No warning of its own: the one on hidden processes says
			// why PID 1 could not be read.
			s.HostNS = p.NS
			return
		}
	}
	if pids := s.SortedPIDs(); len(pids) > 0 {
		s.HostNS = s.Processes[pids[0]].NS
		s.Warnings = append(s.Warnings, fmt.Sprintf(
			"PID 1 could not be read; the namespaces of PID %d, the lowest readable, are taken as the host's", pids[0]))
	}
}

// groupProcesses gives every process its sandbox key: its namespace set.
// An exiting process (some links unreadable) joins the sandbox that agrees
// with every namespace it still has — its parent's if that fits — rather
// than forming a sandbox of its own; if none fits, it is in no sandbox (it
// still counts in the namespaces it holds, as lsns counts it).
func (s *Snapshot) groupProcesses() {
	s.group = make(map[int]NSSet, len(s.Processes))
	complete := map[NSSet]bool{}
	var exiting []*Process
	for _, p := range s.Processes {
		for t := range AllNSTypes {
			if p.NS[t] == 0 && s.HostNS[t] != 0 {
				p.Exiting = true
			}
		}
		if p.Exiting {
			exiting = append(exiting, p)
			continue
		}
		s.group[p.PID] = p.NS
		complete[p.NS] = true
	}
	exitingPIDs := make([]int, len(exiting))
	for i, p := range exiting {
		exitingPIDs[i] = p.PID
	}
	s.LoadStats(exitingPIDs) // for their parents
	fits := func(p *Process, set NSSet) bool {
		for t, ino := range p.NS {
			if ino != 0 && ino != set[t] {
				return false
			}
		}
		return true
	}
	for _, p := range exiting {
		if parent, ok := s.group[p.PPID]; ok && fits(p, parent) {
			s.group[p.PID] = parent
			continue
		}
		found := false
		var key NSSet
		for set := range complete {
			if fits(p, set) && (!found || lessNSSet(set, key)) {
				key, found = set, true // the lowest fitting set, so the choice is stable
			}
		}
		// One that fits no running sandbox (the last process of its pid
		// namespace, dead) is in no sandbox: it runs nothing any more.
		if found {
			s.group[p.PID] = key
		}
	}
}

func lessNSSet(a, b NSSet) bool {
	for t := range a {
		if a[t] != b[t] {
			return a[t] < b[t]
		}
	}
	return false
}

// attributeContainers finds the container of each sandbox-to-be (processes
// with identical namespace sets) from the cgroup of its oldest process, and
// gives it to every member. One cgroup read per sandbox instead of one per
// process: the processes of one namespace set belong to one container
// (runtimes give every container its own mount namespace), and a process
// in all of the host's namespaces is in none.
func (s *Snapshot) attributeContainers() {
	groupOf := map[NSSet]int{}
	var groups [][]*Process
	var keys []NSSet
	for _, p := range s.Processes {
		key, ok := s.group[p.PID]
		if !ok || key == s.HostNS {
			continue
		}
		g, ok := groupOf[key]
		if !ok {
			g = len(groups)
			groupOf[key] = g
			groups = append(groups, nil)
			keys = append(keys, key)
		}
		groups[g] = append(groups[g], p)
	}
	found := make([]*Container, len(groups))
	forEach(len(groups), func(_, g int) {
		members := groups[g]
		// Usually a worker read the cgroup of the set's first member
		// already. That one decides: the processes of a set are one
		// container, and the lowest PID is almost always its init.
		if c, ok := s.setContainers[keys[g]]; ok {
			found[g] = c
			return
		}
		sort.Slice(members, func(i, j int) bool { return members[i].PID < members[j].PID })
		// Try a few: the first may have exited, or (nsenter'ed from the
		// host) be in a host cgroup.
		for _, p := range members[:min(3, len(members))] {
			d, err := openProcDir(s.Host, p.PID)
			if err != nil {
				continue
			}
			found[g], _, _ = d.container(nil)
			d.close()
			if found[g] != nil {
				return
			}
		}
	})
	for g, members := range groups {
		c := found[g]
		// A set whose cgroup names no container (rootless podman on cgroup
		// v1 has none of its own, `runc run` by hand may put it anywhere),
		// or only a systemd service, may still be a container the OCI
		// runtime's state knows by its init's PID.
		if c == nil || c.Runtime == runtimes.Systemd {
			if byPID := s.containerByInitPID(members); byPID != nil {
				c = byPID
			}
		}
		c = s.internContainer(c)
		for _, p := range members {
			p.Container = c
		}
	}
}

// containerByInitPID asks the OCI runtimes' state whether one of a set's
// processes is a container's init. The start time guards against a stale
// state file whose PID was reused; it is read only for a PID that matches.
func (s *Snapshot) containerByInitPID(members []*Process) *Container {
	for _, p := range members {
		c := s.Runtimes.ByInitPID(p.PID, func() uint64 {
			if !p.stat {
				s.loadStat(p, nil)
			}
			return p.StartTime
		})
		if c != nil {
			return c
		}
	}
	return nil
}

// finish sorts member lists, picks each namespace's representative process
// and records what holds it.
func (s *Snapshot) finish() {
	for _, n := range s.Namespaces {
		sort.Ints(n.PIDs)
		sort.Ints(n.TIDs)
		var rep *Process
		if len(n.PIDs) > 0 {
			rep = s.Processes[n.PIDs[0]]
		}
		var extra []Holder
		switch {
		case rep != nil:
			extra = []Holder{{Kind: HeldByProcess, PID: rep.PID}}
		case len(n.TIDs) > 0:
			extra = []Holder{{Kind: HeldByTask, TID: n.TIDs[0]}}
		case len(n.HeldBy) == 0:
			extra = []Holder{{Kind: HeldByChild}}
		}
		n.HeldBy = append(extra, n.HeldBy...)
		if rep != nil {
			n.Rep = rep.PID
		} else {
			for _, hb := range n.HeldBy {
				if hb.PID != 0 {
					n.Rep = hb.PID
					break
				}
			}
		}
	}
}

// claims records what some worker has already seen, so that the work done
// once per namespace (asking the kernel for its owner and parent), once per
// namespace set (reading a cgroup to find the container) and once per mount
// namespace (reading its mount table) is done by the first worker to meet
// it, on the /proc/PID directory it has open anyway.
type claims struct {
	mu   sync.Mutex
	ns   map[NSID]struct{}
	sets map[NSSet]struct{}
}

func newClaims() *claims {
	return &claims{ns: map[NSID]struct{}{}, sets: map[NSSet]struct{}{}}
}

// claim returns, of the given namespaces, those no worker has claimed yet,
// and whether the set as a whole is new.
func (c *claims) claim(set NSSet, fresh *[NumNSTypes]bool) (newSet bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for t, ino := range set {
		fresh[t] = false
		if ino == 0 {
			continue
		}
		id := NSID{Type: NSType(t), Inode: ino}
		if _, ok := c.ns[id]; !ok {
			c.ns[id] = struct{}{}
			fresh[t] = true
		}
	}
	if _, ok := c.sets[set]; ok {
		return false
	}
	c.sets[set] = struct{}{}
	return true
}

// procReader reads processes with reusable buffers; one per worker.
type procReader struct {
	h         Host
	opts      ScanOptions
	claims    *claims
	link      []byte
	file      []byte
	mountinfo []byte
	dirent    []byte
}

func newProcReader(h Host, opts ScanOptions, c *claims) *procReader {
	return &procReader{h: h, opts: opts, claims: c, link: make([]byte, 256), file: make([]byte, 0, 4096), dirent: make([]byte, 8192)}
}

func (r *procReader) read(pid int) scanResult {
	d, err := openProcDir(r.h, pid)
	if err != nil {
		return scanResult{err: err}
	}
	defer d.close()

	p := &Process{PID: pid, StartTime: unknownStart}
	if err := r.readNS(d, "", &p.NS); err != nil {
		return scanResult{err: err}
	}
	res := scanResult{proc: p}
	var fresh [NumNSTypes]bool
	newSet := r.claims.claim(p.NS, &fresh)
	if !r.opts.SkipHierarchy {
		r.askKernel(d, p, &fresh, &res)
	}
	if newSet {
		res.claimedSet = true
		res.container, r.file, _ = d.container(r.file)
	}
	if r.opts.SkipHolders {
		return res
	}
	if fresh[MntNS] {
		res.claimedMnt = true
		res.mounts, res.mountsErr = r.readNSFSMounts(d)
	}
	res.fdNS, res.fdErr = r.readFDs(d)
	if r.opts.Tasks {
		p.Tasks = r.readTasks(d, p)
	}
	return res
}

// askKernel gets owner and parent of the namespaces this worker claimed,
// through the process's ns links relative to its open /proc/PID.
func (r *procReader) askKernel(d procDir, p *Process, fresh *[NumNSTypes]bool, res *scanResult) {
	for t, isNew := range fresh {
		if !isNew {
			continue
		}
		fd, err := unix.Openat(d.fd, nsLinkNames[t], unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			// Exited meanwhile, or a fixture tree whose links point
			// nowhere: the namespace keeps its handle and is retried
			// after the scan, where a failure is reported.
			continue
		}
		f, err := kernelFacts(NSID{Type: NSType(t), Inode: p.NS[t]}, fd, nil, nil)
		unix.Close(fd)
		if err != nil {
			// Left unknown: retried after the scan, where the failure
			// is counted and reported once.
			continue
		}
		res.facts = append(res.facts, f)
	}
}

// readNSFSMounts reads the nsfs mounts in the process's mount table.
func (r *procReader) readNSFSMounts(d procDir) (mounts []NSFSMount, err error) {
	mounts, r.mountinfo, err = d.nsfsMounts(r.mountinfo)
	return mounts, err
}

// readNS reads the eight ns links under prefix ("" or "task/TID/"). A type
// the kernel lacks (no time namespace before 5.6) stays 0. Only a failure on
// every link is an error: that is a process that exited or is not ours to read.
func (r *procReader) readNS(d procDir, prefix string, out *NSSet) error {
	var firstErr error
	read := 0
	for t, name := range nsLinkNames {
		l, err := d.readlink(prefix+name, r.link)
		if err != nil {
			if firstErr == nil || errors.Is(err, ErrPermission) {
				firstErr = err
			}
			continue
		}
		if id, ok := ParseNSLink(l); ok && id.Type == NSType(t) {
			out[t] = id.Inode
			read++
		}
	}
	if read == 0 {
		if firstErr == nil {
			firstErr = &ParseError{Path: d.path + "/" + prefix + "ns", Err: errFormat}
		}
		return firstErr
	}
	return nil
}

var pipePrefix = []byte("pipe:")

// readFDs finds the namespaces a process holds open. The link text of an
// nsfs file is "TYPE:[INODE]", so one readlink per fd tells both. Links are
// read relative to the open fd directory: one path step each, no string
// building.
func (r *procReader) readFDs(d procDir) ([]fdRef, error) {
	dirfd, names, err := d.openSubdir("fd", r.dirent)
	if err != nil {
		return nil, err
	}
	defer unix.Close(dirfd)
	var refs []fdRef
	for _, name := range names {
		fd, ok := atoiPositiveOrZero(name)
		if !ok {
			continue
		}
		n, err := unix.Readlinkat(dirfd, name, r.link)
		if err != nil {
			continue // closed meanwhile
		}
		l := r.link[:n]
		// nsfs links end in "]"; so do sockets, pipes and anon inodes,
		// which are the common case and rejected by their first byte.
		if n == 0 || l[n-1] != ']' || l[0] == 's' || l[0] == 'a' || bytes.HasPrefix(l, pipePrefix) {
			continue
		}
		if id, ok := ParseNSLink(l); ok {
			refs = append(refs, fdRef{fd: fd, id: id})
		}
	}
	return refs, nil
}

func (r *procReader) readTasks(d procDir, p *Process) []Task {
	names, err := d.subdirNames("task", r.dirent)
	if err != nil {
		return nil
	}
	var tasks []Task
	for _, name := range names {
		tid, ok := atoiPositive(name)
		if !ok || tid == p.PID {
			continue
		}
		var ns NSSet
		if err := r.readNS(d, "task/"+name+"/", &ns); err != nil {
			continue // thread exited
		}
		if ns != p.NS {
			tasks = append(tasks, Task{TID: tid, NS: ns})
		}
	}
	return tasks
}

func atoiPositiveOrZero(s string) (int, bool) {
	if s == "0" {
		return 0, true
	}
	return atoiPositive(s)
}
