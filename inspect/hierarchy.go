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

// resolveHierarchy asks the kernel for the owner user namespace of every
// namespace (NS_GET_USERNS), the parent of every pid and user namespace
// (NS_GET_PARENT) and the creator uid of user namespaces (NS_GET_OWNER_UID).
// Ancestors that nothing else holds any more are added, held by their
// children only. User namespaces with a process also get their ID maps.
func (s *Snapshot) resolveHierarchy() {
	var todo []*Namespace
	for _, n := range s.Namespaces {
		if n.handle != "" {
			todo = append(todo, n)
		}
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
	s.readIDMaps()
}

func (s *Snapshot) record(n *Namespace, f nsFacts) {
	n.HierarchyKnown = true
	n.Owner, n.Parent, n.OwnerUID = f.owner, f.parent, f.ownerUID
}

// askKernel opens a namespace's handle and climbs from it.
func (s *Snapshot) askKernel(n *Namespace) hierarchyResult {
	fd, err := unix.Open(n.handle, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return hierarchyResult{err: &os.PathError{Op: "open", Path: n.handle, Err: err}}
	}
	defer unix.Close(fd)
	var r hierarchyResult
	r.facts, r.err = s.factsFromFD(n.ID(), fd, &r.ancestors)
	return r
}

// factsFromFD reads owner, parent and creator of the namespace open at fd.
// An owner or parent the snapshot does not know is followed upwards, its
// facts appended to ancestors, until a known namespace or the root.
func (s *Snapshot) factsFromFD(id NSID, fd int, ancestors *[]nsFacts) (nsFacts, error) {
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
	if f.owner, err = s.climb(id, fd, ownerReq, UserNS, ancestors); err != nil {
		return f, err
	}
	switch id.Type {
	case PIDNS:
		f.parent, err = s.climb(id, fd, unix.NS_GET_PARENT, PIDNS, ancestors)
	case UserNS:
		f.parent = f.owner
	}
	return f, err
}

// climb runs one of the NS_GET_* ioctls that return a new fd and returns
// the inode of the namespace it refers to (0 at the root). A namespace not
// yet in the snapshot is described in turn.
func (s *Snapshot) climb(id NSID, fd int, req uintptr, t NSType, ancestors *[]nsFacts) (uint64, error) {
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
	if _, known := s.Namespaces[up]; known || seen(*ancestors, up) {
		return up.Inode, nil
	}
	// Reserve the slot first so that a cycle (which the kernel cannot
	// produce) could not recurse forever.
	*ancestors = append(*ancestors, nsFacts{id: up})
	slot := len(*ancestors) - 1
	facts, err := s.factsFromFD(up, pfd, ancestors)
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
