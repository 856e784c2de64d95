package inspect

import (
	"errors"
	"fmt"
	"os"
	"sort"

	"golang.org/x/sys/unix"
)

// nsFacts is what the ioctls tell of one namespace.
type nsFacts struct {
	id       NSID
	owner    uint64
	parent   uint64
	ownerUID *uint32
}

// hierarchyResult is what one namespace's handle revealed: its own facts
// and those of any ancestor the snapshot did not know.
type hierarchyResult struct {
	facts     nsFacts
	ancestors []nsFacts
	err       error
}

// resolveHierarchy completes what the scan's workers began for the
// namespaces of processes: it asks the kernel for the owner user namespace
// (NS_GET_USERNS), the parent of pid and user namespaces (NS_GET_PARENT) and
// the creator uid of user namespaces (NS_GET_OWNER_UID) of the namespaces
// held otherwise (threads, fds, bind mounts), and climbs to ancestors that
// nothing else holds any more, which are added, held by their children only.
func (s *Snapshot) resolveHierarchy() {
	var todo []*Namespace
	for _, n := range s.Namespaces {
		if n.handle == "" {
			continue
		}
		// The scan's workers asked the kernel about the namespaces of
		// processes already, without climbing; climb from those whose
		// owner or parent no process holds.
		if n.HierarchyKnown && s.knows(UserNS, n.Owner) && s.knows(n.Type, n.Parent) {
			continue
		}
		todo = append(todo, n)
	}
	sort.Slice(todo, func(i, j int) bool { return todo[i].Inode < todo[j].Inode })
	// The workers only read s.Namespaces (to stop climbing at a known
	// namespace); all writes happen below, after they are done.
	results := make([]hierarchyResult, len(todo))
	forEach(len(todo), func(_, i int) {
		results[i] = s.askKernel(todo[i])
	})
	var failed int
	var lastErr error
	for i, r := range results {
		if r.err != nil {
			failed++
			lastErr = r.err
			continue
		}
		s.record(todo[i], r.facts)
		for _, a := range r.ancestors {
			n := s.addNamespace(a.id.Type, a.id.Inode)
			if !n.HierarchyKnown {
				s.record(n, a)
			}
		}
	}
	if failed > 0 {
		s.Warnings = append(s.Warnings, fmt.Sprintf(
			"owner and parent of %d namespaces unknown: %v", failed, lastErr))
	}
}

// knows reports whether the snapshot has the namespace (0: none to have).
func (s *Snapshot) knows(t NSType, ino uint64) bool {
	if ino == 0 {
		return true
	}
	_, ok := s.Namespaces[NSID{Type: t, Inode: ino}]
	return ok
}

func (s *Snapshot) record(n *Namespace, f nsFacts) {
	n.HierarchyKnown = true
	n.Owner, n.Parent, n.OwnerUID = f.owner, f.parent, f.ownerUID
}

// askKernel opens a namespace's handle and climbs from it to namespaces the
// snapshot knows.
func (s *Snapshot) askKernel(n *Namespace) hierarchyResult {
	fd, err := unix.Open(n.handle, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return hierarchyResult{err: &os.PathError{Op: "open", Path: n.handle, Err: err}}
	}
	defer unix.Close(fd)
	known := func(id NSID) bool { _, ok := s.Namespaces[id]; return ok }
	var r hierarchyResult
	r.facts, r.err = kernelFacts(n.ID(), fd, known, &r.ancestors)
	return r
}

// kernelFacts reads owner, parent and creator of the namespace open at fd.
// An owner or parent for which known returns false is followed upwards,
// its facts appended to ancestors; with a nil known nothing is followed
// (the scan's workers, which cannot know yet what is known).
func kernelFacts(id NSID, fd int, known func(NSID) bool, ancestors *[]nsFacts) (nsFacts, error) {
	f := nsFacts{id: id}
	if id.Type == UserNS {
		if uid, err := unix.IoctlGetUint32(fd, unix.NS_GET_OWNER_UID); err == nil {
			f.ownerUID = &uid
		}
	}
	ownerReq := uintptr(unix.NS_GET_USERNS)
	if id.Type == UserNS {
		// A user namespace's owner is its parent.
		ownerReq = unix.NS_GET_PARENT
	}
	var err error
	if f.owner, err = climb(id, fd, ownerReq, UserNS, known, ancestors); err != nil {
		return f, err
	}
	switch id.Type {
	case PIDNS:
		f.parent, err = climb(id, fd, unix.NS_GET_PARENT, PIDNS, known, ancestors)
	case UserNS:
		f.parent = f.owner
	}
	return f, err
}

// climb runs one of the NS_GET_* ioctls that return a new fd and returns
// the inode of the namespace it refers to (0 at the root).
func climb(id NSID, fd int, req uintptr, t NSType, known func(NSID) bool, ancestors *[]nsFacts) (uint64, error) {
	r, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), req, 0)
	if errno != 0 {
		switch {
		case errno == unix.EPERM:
			// The root of its hierarchy, or an ancestor outside nsx's
			// own user namespace: nothing further nsx may see.
			return 0, nil
		case errors.Is(errno, unix.ENOTTY), errors.Is(errno, unix.EINVAL):
			return 0, fmt.Errorf("%s: the kernel does not support NS_GET_* ioctls (needs Linux 4.9): %w", id, errno)
		}
		return 0, fmt.Errorf("%s: ioctl: %w", id, errno)
	}
	pfd := int(r)
	defer unix.Close(pfd)
	var st unix.Stat_t
	if err := unix.Fstat(pfd, &st); err != nil {
		return 0, fmt.Errorf("%s: fstat: %w", id, err)
	}
	up := NSID{Type: t, Inode: st.Ino}
	if known == nil || known(up) || seen(*ancestors, up) {
		return up.Inode, nil
	}
	// Reserve the slot first so that a cycle (which the kernel cannot
	// produce) could not recurse forever.
	*ancestors = append(*ancestors, nsFacts{id: up})
	slot := len(*ancestors) - 1
	facts, err := kernelFacts(up, pfd, known, ancestors)
	(*ancestors)[slot] = facts
	return up.Inode, err
}

func seen(list []nsFacts, id NSID) bool {
	for _, f := range list {
		if f.id == id {
			return true
		}
	}
	return false
}

// readIDMaps reads uid_map and gid_map of each user namespace from one of
// its processes. From the initial user namespace, the "outside" IDs are the
// host's (user_namespaces(7)).
func (s *Snapshot) readIDMaps() {
	var users []*Namespace
	for id, n := range s.Namespaces {
		if id.Type == UserNS && len(n.PIDs) > 0 {
			users = append(users, n)
		}
	}
	bad := make([]int, len(users))
	forEach(len(users), func(_, i int) {
		n := users[i]
		for _, pid := range n.PIDs[:min(3, len(n.PIDs))] {
			d, err := openProcDir(s.Host, pid)
			if err != nil {
				continue
			}
			ub, err1 := d.readFile("uid_map", nil)
			gb, err2 := d.readFile("gid_map", nil)
			d.close()
			if err1 != nil || err2 != nil {
				continue
			}
			um, err1 := ParseIDMap(ub)
			gm, err2 := ParseIDMap(gb)
			if err1 != nil || err2 != nil {
				bad[i] = pid
				return
			}
			n.UIDMap, n.GIDMap = um, gm
			return
		}
	})
	for i, pid := range bad {
		if pid != 0 {
			s.Warnings = append(s.Warnings, fmt.Sprintf("user namespace %d: malformed ID map of process %d", users[i].Inode, pid))
		}
	}
}
