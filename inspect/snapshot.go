package inspect

import (
	"fmt"
	"nsx/runtimes"
	"sort"
)

// Process is one process as the scan saw it.
type Process struct {
	PID int   `json:"pid"`
	NS  NSSet `json:"-"`
	// Exiting: some namespace links were unreadable while others were not.
	// A process that has exited but is not yet reaped (a zombie) keeps only
	// its pid and user namespaces; the others read as gone.
	Exiting   bool       `json:"exiting,omitempty"`
	Container *Container `json:"-"`
	// Tasks are the threads (with --tasks) whose namespaces differ from the
	// process's own; threads that match it are not kept.
	Tasks []Task `json:"-"`

	// From /proc/PID/stat, read only when a view needs them (LoadStats;
	// Sandboxes does, to find each sandbox's oldest process).
	PPID      int    `json:"ppid"`
	Comm      string `json:"comm"`
	StartTime uint64 `json:"startTime"` // clock ticks after boot; unknownStart if unread
	Kernel    bool   `json:"kernelThread,omitempty"`
	stat      bool

	// Filled in only for processes that a view displays (see Snapshot.Details).
	UID     int    `json:"uid"`
	Cmdline string `json:"cmdline,omitempty"`
	details bool
}

// unknownStart sorts a process whose stat could not be read after all others.
const unknownStart = ^uint64(0)

// Task is a thread whose namespaces differ from its process's.
type Task struct {
	TID int
	NS  NSSet
}

// HolderKind says what keeps a namespace alive.
type HolderKind string

const (
	HeldByProcess   HolderKind = "process"    // a process is in it
	HeldByTask      HolderKind = "task"       // only a thread (not its process) is in it
	HeldByFD        HolderKind = "fd"         // an open file descriptor refers to it
	HeldByBindMount HolderKind = "bind-mount" // an nsfs bind mount, e.g. /run/netns/NAME
	// HeldByChild: no process, fd or mount; it is alive only because a
	// namespace it owns or parents is (e.g. the user namespace of a
	// container runtime that has since exited).
	HeldByChild HolderKind = "parent-only"
)

// Holder is one thing keeping a namespace alive.
type Holder struct {
	Kind HolderKind `json:"kind"`
	PID  int        `json:"pid,omitempty"`
	TID  int        `json:"tid,omitempty"`
	FD   int        `json:"fd,omitempty"`
	// Path is the bind mount's mount point, as seen in mount namespace MntNS.
	Path  string `json:"path,omitempty"`
	MntNS uint64 `json:"mntns,omitempty"`
}

func (h Holder) String() string {
	switch h.Kind {
	case HeldByTask:
		return fmt.Sprintf("task %d", h.TID)
	case HeldByFD:
		return fmt.Sprintf("fd %d:%d", h.PID, h.FD)
	case HeldByBindMount:
		return "bind " + h.Path
	}
	return string(h.Kind)
}

// Namespace is one namespace and everything known of it.
type Namespace struct {
	Type  NSType `json:"type"`
	Inode uint64 `json:"inode"`
	// PIDs of the processes in it, ascending.
	PIDs []int `json:"-"`
	// TIDs of threads in it whose process is not (with --tasks).
	TIDs []int `json:"-"`
	// Rep is the lowest PID in it (as lsns shows), or of a process holding
	// it; 0 if none.
	Rep    int      `json:"-"`
	HeldBy []Holder `json:"-"`
	// Owner is the inode of the user namespace that owns it (NS_GET_USERNS);
	// 0 if unknown. For a user namespace the owner is its parent.
	Owner uint64 `json:"-"`
	// Parent is the parent pid or user namespace (NS_GET_PARENT); 0 for the
	// root of the hierarchy or when unknown.
	Parent uint64 `json:"-"`
	// HierarchyKnown is set once the ioctls answered for this namespace.
	HierarchyKnown bool `json:"-"`
	// User namespaces only.
	OwnerUID *uint32      `json:"-"`
	UIDMap   []IDMapRange `json:"-"`
	GIDMap   []IDMapRange `json:"-"`

	// handle is a path that opens the namespace (for the ioctls).
	handle string
}

// ID returns the namespace's identity.
func (n *Namespace) ID() NSID { return NSID{Type: n.Type, Inode: n.Inode} }

// Snapshot is one scan of a host.
type Snapshot struct {
	Host      Host
	Processes map[int]*Process
	// Namespaces by identity; includes namespaces found only through a task,
	// an fd, a bind mount, or as an owner or parent.
	Namespaces map[NSID]*Namespace
	// HostNS is the host's own namespace set: PID 1's.
	HostNS NSSet
	// Stats counts what the scan skipped.
	Stats ScanStats
	// Warnings say what could not be seen and why; one line each.
	Warnings []string
	// Runtimes reads the container runtimes' state under the host root.
	Runtimes *runtimes.Store
	// containers interned by runtime/ID.
	containers map[string]*Container
	// group is each process's sandbox key (see groupProcesses).
	group map[int]NSSet
	// What the scan's workers found once per namespace set and per mount
	// namespace (see claims).
	setContainers map[NSSet]*Container
	mountTables   map[uint64]mountTable
}

// mountTable is the nsfs mounts of one mount namespace, read from PID's
// mountinfo.
type mountTable struct {
	pid    int
	mounts []NSFSMount
}

// ScanStats counts processes and what happened to them during the scan.
type ScanStats struct {
	Processes int `json:"processes"`
	// Vanished processes exited between listing /proc and reading them.
	Vanished int `json:"vanished"`
	// Hidden processes could not be read (permission).
	Hidden int `json:"hidden"`
	// HiddenFDs counts processes whose open files could not be listed.
	HiddenFDs int `json:"hiddenFdTables"`
	// HiddenMountTables counts mount namespaces whose mount table could
	// not be read (permission).
	HiddenMountTables int `json:"hiddenMountTables"`
	Tasks             int `json:"tasks,omitempty"`
}

// SortedPIDs returns the scanned PIDs in ascending order.
func (s *Snapshot) SortedPIDs() []int {
	pids := make([]int, 0, len(s.Processes))
	for pid := range s.Processes {
		pids = append(pids, pid)
	}
	sort.Ints(pids)
	return pids
}

// SortedNamespaces returns every namespace ordered by type, then inode.
func (s *Snapshot) SortedNamespaces() []*Namespace {
	out := make([]*Namespace, 0, len(s.Namespaces))
	for _, n := range s.Namespaces {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Type != out[j].Type {
			return out[i].Type < out[j].Type
		}
		return out[i].Inode < out[j].Inode
	})
	return out
}

// Namespace returns the namespace of the given type and inode, or nil.
func (s *Snapshot) Namespace(t NSType, ino uint64) *Namespace {
	return s.Namespaces[NSID{Type: t, Inode: ino}]
}

// Containers returns the distinct containers seen among processes.
func (s *Snapshot) Containers() []*Container {
	out := make([]*Container, 0, len(s.containers))
	for _, c := range s.containers {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// older reports whether process a started before b (PID breaks ties).
func older(a, b *Process) bool {
	if a.StartTime != b.StartTime {
		return a.StartTime < b.StartTime
	}
	return a.PID < b.PID
}
