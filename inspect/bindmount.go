package inspect

import (
	"bytes"
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
	unreadable := 0
	buf := make([]byte, 0, 16384)
	for _, m := range mntNS {
		var (
			mounts []NSFSMount
			pid    int
			err    error
		)
		// Any member will do; try a few in case the first has just exited.
		for _, candidate := range m.PIDs[:min(len(m.PIDs), 3)] {
			var d procDir
			d, err = openProcDir(s.Host, candidate)
			if err != nil {
				continue
			}
			var b []byte
			b, err = d.readFile("mountinfo", buf)
			d.close()
			if err != nil {
				continue
			}
			buf = b
			mounts, err = ParseNSFSMounts(b)
			if err == nil {
				pid = candidate
				break
			}
		}
		if err != nil {
			unreadable++
			continue
		}
		for _, mt := range mounts {
			n := s.addNamespace(mt.ID.Type, mt.ID.Inode)
			n.HeldBy = append(n.HeldBy, Holder{Kind: HeldByBindMount, Path: mt.Mountpoint, MntNS: m.Inode})
			if n.handle == "" {
				// The mount point is relative to that process's root.
				n.handle = filepath.Join(s.Host.ProcPath(pid, "root"), mt.Mountpoint)
			}
		}
	}
	if unreadable > 0 {
		s.Warnings = append(s.Warnings, fmt.Sprintf(
			"the mount tables of %d mount namespaces could not be read: namespaces pinned by bind mounts there may be missing", unreadable))
	}
}
