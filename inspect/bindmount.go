package inspect

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"sort"

	"github.com/moby/sys/mountinfo"
)

// NSFSMount is an nsfs bind mount: a namespace pinned at a path, as
// `ip netns add NAME` does at /run/netns/NAME.
type NSFSMount struct {
	ID         NSID
	Mountpoint string
}

// ParseNSFSMounts finds the nsfs mounts in the text of a mountinfo file.
// The mount's root field ("net:[4026532282]") names the namespace, so no
// file has to be opened to identify it.
func ParseNSFSMounts(b []byte) ([]NSFSMount, error) {
	// moby/sys/mountinfo parses the format (octal escapes, optional
	// fields) from any reader, so it honours --host-root.
	infos, err := mountinfo.GetMountsFromReader(bytes.NewReader(b), mountinfo.FSTypeFilter("nsfs"))
	if err != nil {
		return nil, err
	}
	var out []NSFSMount
	for _, mi := range infos {
		id, ok := ParseNSLink([]byte(mi.Root))
		if !ok {
			continue
		}
		out = append(out, NSFSMount{ID: id, Mountpoint: mi.Mountpoint})
	}
	return out, nil
}

// findBindMounts reads the mount table of every mount namespace seen (one
// process in each), not only nsx's own, so a namespace pinned inside a
// container's mount namespace is found too.
func (s *Snapshot) findBindMounts() {
	var mntNS []*Namespace
	for id, n := range s.Namespaces {
		if id.Type == MntNS && len(n.PIDs) > 0 {
			mntNS = append(mntNS, n)
		}
	}
	sort.Slice(mntNS, func(i, j int) bool { return mntNS[i].Inode < mntNS[j].Inode })
	type result struct {
		pid    int
		mounts []NSFSMount
		err    error
	}
	results := make([]result, len(mntNS))
	bufs := make([][]byte, workers(len(mntNS)))
	forEach(len(mntNS), func(w, i int) {
		// Usually a worker of the scan has read this table already.
		if t, ok := s.mountTables[mntNS[i].Inode]; ok {
			results[i] = result{pid: t.pid, mounts: t.mounts}
			return
		}
		results[i] = result{err: ErrNoProcess}
		// Any member will do; try a few in case the first has just exited.
		for _, pid := range mntNS[i].PIDs[:min(len(mntNS[i].PIDs), 3)] {
			d, err := openProcDir(s.Host, pid)
			if err != nil {
				continue
			}
			var mounts []NSFSMount
			mounts, bufs[w], err = d.nsfsMounts(bufs[w])
			d.close()
			if err != nil && !errors.Is(err, ErrParse) {
				continue // exited, or unreadable: try another member
			}
			results[i] = result{pid: pid, mounts: mounts, err: err}
			if err == nil {
				return
			}
		}
	})
	unreadable := 0
	var lastErr error
	for i, r := range results {
		if errors.Is(r.err, ErrNoProcess) {
			continue // every process of it exited: nothing left to pin
		}
		if errors.Is(r.err, ErrPermission) {
			s.Stats.HiddenMountTables++ // reported with the other hidden things
			continue
		}
		if r.err != nil {
			unreadable++
			lastErr = r.err
			continue
		}
		for _, mt := range r.mounts {
			n := s.addNamespace(mt.ID.Type, mt.ID.Inode)
			n.HeldBy = append(n.HeldBy, Holder{Kind: HeldByBindMount, Path: mt.Mountpoint, MntNS: mntNS[i].Inode})
			if n.handle == "" {
				// The mount point is relative to that process's root.
				n.handle = filepath.Join(s.Host.ProcPath(r.pid, "root"), mt.Mountpoint)
			}
		}
	}
	if unreadable > 0 {
		s.Warnings = append(s.Warnings, fmt.Sprintf(
			"the mount tables of %d mount namespaces could not be read: namespaces pinned by bind mounts there may be missing (%v)", unreadable, lastErr))
	}
}

var nsfsMarker = []byte(" - nsfs ")

// nsfsMounts reads the nsfs mounts in the process's mount table; buf is
// reused and returned for the next read.
func (d procDir) nsfsMounts(buf []byte) ([]NSFSMount, []byte, error) {
	b, err := d.readFile("mountinfo", buf)
	if err != nil {
		return nil, buf, err
	}
	// Most mount tables hold no nsfs mount; skip parsing those.
	if !bytes.Contains(b, nsfsMarker) {
		return nil, b, nil
	}
	mounts, err := ParseNSFSMounts(b)
	if err != nil {
		return nil, b, &ParseError{Path: d.path + "/mountinfo", Err: err}
	}
	return mounts, b, nil
}
