package inspect

import "strconv"

// UserMapping summarises what root inside a user namespace is outside it.
type UserMapping string

const (
	// MappingHost: the host's own (initial) user namespace.
	MappingHost UserMapping = "host"
	// MappingRoot: uid 0 inside is uid 0 on the host — container root is
	// host root.
	MappingRoot UserMapping = "root"
	// MappingMapped: uid 0 inside is an unprivileged uid on the host
	// (rootless containers, userns-remap).
	MappingMapped UserMapping = "mapped"
	// MappingUnmapped: uid 0 has no mapping (the namespace's root does not
	// exist, or the map is not written yet).
	MappingUnmapped UserMapping = "unmapped"
	// MappingUnknown: the map could not be read.
	MappingUnknown UserMapping = "unknown"
)

// ClassifyUIDMap says what uid 0 inside maps to, given a uid_map read from
// the initial user namespace (so "outside" IDs are host IDs).
func ClassifyUIDMap(m []IDMapRange) UserMapping {
	outside, ok := MapID(m, 0)
	switch {
	case !ok:
		return MappingUnmapped
	case outside == 0:
		return MappingRoot
	}
	return MappingMapped
}

// MapID maps an ID inside the namespace to the ID outside it.
func MapID(m []IDMapRange, inside uint32) (uint32, bool) {
	for _, r := range m {
		if inside >= r.Inside && uint64(inside) < uint64(r.Inside)+uint64(r.Count) {
			return r.Outside + (inside - r.Inside), true
		}
	}
	return 0, false
}

// UserMapping classifies a user namespace of this snapshot.
func (s *Snapshot) UserMapping(userNS uint64) UserMapping {
	if userNS == 0 {
		return MappingUnknown
	}
	if userNS == s.HostNS[UserNS] {
		return MappingHost
	}
	n := s.Namespace(UserNS, userNS)
	if n == nil || n.UIDMap == nil {
		return MappingUnknown
	}
	return ClassifyUIDMap(n.UIDMap)
}

func itoa(i int) string { return strconv.Itoa(i) }
