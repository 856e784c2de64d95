package inspect

import "sort"

// Scope says how a sandbox's namespace of one type relates to others.
type Scope string

const (
	ScopeHost    Scope = "host"    // the host's own namespace
	ScopePrivate Scope = "private" // this sandbox's alone
	ScopeShared  Scope = "shared"  // shared with another sandbox, not the host
	ScopeUnknown Scope = "unknown" // could not be read (or the kernel lacks the type)
)

// Sandbox is a set of processes with identical namespaces: a container, a
// pod's container, an `unshare`d shell, or the host itself.
type Sandbox struct {
	NS   NSSet
	PIDs []int // ascending
	// Oldest is the PID of the process that started first.
	Oldest    int
	Container *Container
	IsHost    bool
	Scope     [NumNSTypes]Scope
	// SharedWith lists, per type, the indices (in the Sandboxes slice) of
	// the other non-host sandboxes in the same namespace.
	SharedWith [NumNSTypes][]int
}

// Sandboxes groups the snapshot's processes by identical namespace set. The
// host's set comes first, then the others by their oldest process's start.
// Kernel threads belong to the host's sandbox. It reads the stat file of
// every process (for the start times) the first time it is called.
func (s *Snapshot) Sandboxes() []*Sandbox {
	s.loadAllStats()
	byKey := map[NSSet]*Sandbox{}
	for _, pid := range s.SortedPIDs() {
		p := s.Processes[pid]
		key, ok := s.group[pid]
		if !ok {
			continue // exited, and fits no sandbox (see groupProcesses)
		}
		if p.Kernel {
			// Kernel threads are the host's, even the few with a mount
			// namespace of their own (kdevtmpfs): no one runs them.
			key = s.HostNS
		}
		sb := byKey[key]
		if sb == nil {
			sb = &Sandbox{NS: key, Oldest: pid, IsHost: key == s.HostNS}
			byKey[key] = sb
		}
		sb.PIDs = append(sb.PIDs, pid)
		if older(p, s.Processes[sb.Oldest]) {
			sb.Oldest = pid
		}
	}
	out := make([]*Sandbox, 0, len(byKey))
	for _, sb := range byKey {
		sb.Container = s.sandboxContainer(sb)
		out = append(out, sb)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].IsHost != out[j].IsHost {
			return out[i].IsHost
		}
		return older(s.Processes[out[i].Oldest], s.Processes[out[j].Oldest])
	})

	// Who else is in each namespace?
	members := map[NSID][]int{}
	for i, sb := range out {
		for t, ino := range sb.NS {
			if ino != 0 {
				id := NSID{Type: NSType(t), Inode: ino}
				members[id] = append(members[id], i)
			}
		}
	}
	for i, sb := range out {
		for t, ino := range sb.NS {
			switch {
			case ino == 0:
				sb.Scope[t] = ScopeUnknown
			case ino == s.HostNS[t]:
				sb.Scope[t] = ScopeHost
			default:
				sb.Scope[t] = ScopePrivate
				for _, j := range members[NSID{Type: NSType(t), Inode: ino}] {
					if j != i {
						sb.Scope[t] = ScopeShared
						sb.SharedWith[t] = append(sb.SharedWith[t], j)
					}
				}
			}
		}
	}
	return out
}

// sandboxContainer is the container of the sandbox's oldest process, or,
// when that one is in none (a process nsenter'ed from the host into a
// container keeps its host cgroup), of any member.
func (s *Snapshot) sandboxContainer(sb *Sandbox) *Container {
	if c := s.Processes[sb.Oldest].Container; c != nil || sb.IsHost {
		return c
	}
	for _, pid := range sb.PIDs {
		if c := s.Processes[pid].Container; c != nil {
			return c
		}
	}
	return nil
}
