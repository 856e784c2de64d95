package inspect

import (
	"fmt"
	"strings"
)

// NSType is one of the eight Linux namespace types. The order is lsns's
// (alphabetical) and is used for every fixed-order listing.
type NSType int

const (
	CgroupNS NSType = iota
	IPCNS
	MntNS
	NetNS
	PIDNS
	TimeNS
	UserNS
	UTSNS
	NumNSTypes // the number of namespace types; not a type
)

var nsTypeNames = [NumNSTypes]string{"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"}

// AllNSTypes lists every type in display order.
var AllNSTypes = [NumNSTypes]NSType{CgroupNS, IPCNS, MntNS, NetNS, PIDNS, TimeNS, UserNS, UTSNS}

// String returns the kernel's name of the type, as in /proc/PID/ns/NAME.
func (t NSType) String() string {
	if t < 0 || t >= NumNSTypes {
		return fmt.Sprintf("nstype(%d)", int(t))
	}
	return nsTypeNames[t]
}

// MarshalText makes NSType a JSON string.
func (t NSType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// ParseNSType accepts a kernel name ("net") or a common alias ("network",
// "mount").
func ParseNSType(s string) (NSType, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "network":
		s = "net"
	case "mount", "mnt":
		s = "mnt"
	case "cgroups":
		s = "cgroup"
	}
	for i, n := range nsTypeNames {
		if n == s {
			return NSType(i), nil
		}
	}
	return 0, fmt.Errorf("unknown namespace type %q (want one of %s)", s, strings.Join(nsTypeNames[:], ", "))
}

// ParseNSTypes parses a comma-separated list such as "net,pid".
func ParseNSTypes(list string) ([]NSType, error) {
	var out []NSType
	for _, f := range strings.Split(list, ",") {
		if strings.TrimSpace(f) == "" {
			continue
		}
		t, err := ParseNSType(f)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// NSID identifies a namespace: its type and its nsfs inode number.
type NSID struct {
	Type  NSType
	Inode uint64
}

func (id NSID) String() string { return fmt.Sprintf("%s:[%d]", id.Type, id.Inode) }

// NSSet is the namespace of each type a process is in; 0 where unknown (a
// type the kernel lacks, or a link that could not be read).
type NSSet [NumNSTypes]uint64
