package inspect

import (
	"errors"
	"fmt"
	"os"
	"sort"

	"golang.org/x/sys/unix"
)

// resolveHierarchy asks the kernel for the owner user namespace of every
// namespace (NS_GET_USERNS), the parent of every pid and user namespace
// (NS_GET_PARENT) and the creator uid of user namespaces (NS_GET_OWNER_UID).
// Ancestors that nothing else holds any more are added, held by their
// children only. User namespaces with a process also get their ID maps.
func (s *Snapshot) resolveHierarchy() {
	ids := make([]NSID, 0, len(s.Namespaces))
	for id := range s.Namespaces {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i].Inode < ids[j].Inode })
	var failed int
	var lastErr error
	for _, id := range ids {
		n := s.Namespaces[id]
		if n.HierarchyKnown || n.handle == "" {
			continue
		}
		fd, err := unix.Open(n.handle, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			failed++
			lastErr = &os.PathError{Op: "open", Path: n.handle, Err: err}
			continue
		}
		if err := s.resolveFromFD(n, fd); err != nil {
			failed++
			lastErr = err
		}
		unix.Close(fd)
	}
	if failed > 0 {
		s.Warnings = append(s.Warnings, fmt.Sprintf(
			"owner and parent of %d namespaces unknown: %v", failed, lastErr))
	}
	s.readIDMaps()
}

// resolveFromFD fills in n's owner and parent from an open nsfs fd, and
// recursively those of any ancestor not yet known. It does not close fd.
func (s *Snapshot) resolveFromFD(n *Namespace, fd int) error {
	if n.HierarchyKnown {
		return nil
	}
	n.HierarchyKnown = true
	if n.Type == UserNS {
		if uid, err := unix.IoctlGetUint32(fd, unix.NS_GET_OWNER_UID); err == nil {
			n.OwnerUID = &uid
		}
	}
	ownerReq := uintptr(unix.NS_GET_USERNS)
	if n.Type == UserNS {
		// A user namespace's owner is its parent.
		ownerReq = unix.NS_GET_PARENT
	}
	if err := s.climb(n, fd, ownerReq, UserNS, &n.Owner); err != nil {
		return err
	}
	if n.Type == PIDNS {
		if err := s.climb(n, fd, unix.NS_GET_PARENT, PIDNS, &n.Parent); err != nil {
			return err
		}
	}
	if n.Type == UserNS {
		n.Parent = n.Owner
	}
	return nil
}

// climb runs one of the NS_GET_* ioctls that return a new fd, records the
// inode of the namespace it refers to, adds that namespace if it is new,
// and resolves it in turn.
func (s *Snapshot) climb(n *Namespace, fd int, req uintptr, t NSType, out *uint64) error {
	r, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), req, 0)
	if errno != 0 {
		// EPERM: the namespace is the root of its hierarchy, or its
		// ancestor lies outside nsx's own user namespace. Either way
		// there is nothing further nsx may see.
		if errno == unix.EPERM {
			return nil
		}
		if errors.Is(errno, unix.ENOTTY) || errors.Is(errno, unix.EINVAL) {
			return fmt.Errorf("%s: the kernel does not support NS_GET_* ioctls (needs Linux 4.9): %w", n.ID(), errno)
		}
		return fmt.Errorf("%s: ioctl: %w", n.ID(), errno)
	}
	pfd := int(r)
	defer unix.Close(pfd)
	var st unix.Stat_t
	if err := unix.Fstat(pfd, &st); err != nil {
		return fmt.Errorf("%s: fstat: %w", n.ID(), err)
	}
	*out = st.Ino
	parent := s.Namespaces[NSID{Type: t, Inode: st.Ino}]
	if parent == nil {
		parent = &Namespace{Type: t, Inode: st.Ino}
		s.Namespaces[parent.ID()] = parent
	}
	return s.resolveFromFD(parent, pfd)
}

// readIDMaps reads uid_map and gid_map of each user namespace from one of
// its processes. From the initial user namespace, the "outside" IDs are the
// host's (user_namespaces(7)).
func (s *Snapshot) readIDMaps() {
	for id, n := range s.Namespaces {
		if id.Type != UserNS || len(n.PIDs) == 0 {
			continue
		}
		for _, pid := range n.PIDs[:min(3, len(n.PIDs))] {
			ub, err1 := s.Host.ReadFile("proc", itoa(pid), "uid_map")
			gb, err2 := s.Host.ReadFile("proc", itoa(pid), "gid_map")
			if err1 != nil || err2 != nil {
				continue
			}
			um, err1 := ParseIDMap(ub)
			gm, err2 := ParseIDMap(gb)
			if err1 != nil || err2 != nil {
				s.Warnings = append(s.Warnings, fmt.Sprintf("user namespace %d: malformed ID map of process %d", id.Inode, pid))
				break
			}
			n.UIDMap, n.GIDMap = um, gm
			break
		}
	}
}
