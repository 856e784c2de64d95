package inspect

import "testing"

// The maps below are the real uid_maps of parse_test.go's TestParseIDMap:
// the host's identity map, `unshare --map-root-user`, and a rootless map
// written as newuidmap does.
var (
	identityMap = []IDMapRange{{Inside: 0, Outside: 0, Count: 4294967295}}
	mapRootUser = []IDMapRange{{Inside: 0, Outside: 0, Count: 1}}
	rootlessMap = []IDMapRange{{Inside: 0, Outside: 1000, Count: 1}, {Inside: 1, Outside: 100000, Count: 65536}}
	// Docker's userns-remap: a single range from /etc/subuid.
	remapMap = []IDMapRange{{Inside: 0, Outside: 165536, Count: 65536}}
	// A namespace whose root is not mapped: only uid 1000 exists inside.
	noRootMap = []IDMapRange{{Inside: 1000, Outside: 1000, Count: 1}}
)

func TestClassifyUIDMap(t *testing.T) {
	tests := []struct {
		name string
		m    []IDMapRange
		want UserMapping
	}{
		{name: "identity is root", m: identityMap, want: MappingRoot},
		{name: "map root user", m: mapRootUser, want: MappingRoot},
		{name: "rootless", m: rootlessMap, want: MappingMapped},
		{name: "userns-remap", m: remapMap, want: MappingMapped},
		{name: "root not mapped", m: noRootMap, want: MappingUnmapped},
		// A freshly created user namespace before its map is written.
		{name: "empty map", m: nil, want: MappingUnmapped},
		{name: "zero-count range maps nothing", m: []IDMapRange{{Inside: 0, Outside: 0, Count: 0}}, want: MappingUnmapped},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ClassifyUIDMap(tt.m); got != tt.want {
				t.Errorf("ClassifyUIDMap(%v) = %q, want %q", tt.m, got, tt.want)
			}
		})
	}
}

func TestMapID(t *testing.T) {
	tests := []struct {
		name   string
		m      []IDMapRange
		inside uint32
		want   uint32
		wantOK bool
	}{
		{name: "identity 0", m: identityMap, inside: 0, want: 0, wantOK: true},
		{name: "identity 1000", m: identityMap, inside: 1000, want: 1000, wantOK: true},
		{name: "identity last mapped id", m: identityMap, inside: 4294967294, want: 4294967294, wantOK: true},
		// (uid_t)-1 is never a valid uid, and the identity map's count
		// stops just short of it.
		{name: "identity -1 unmapped", m: identityMap, inside: 4294967295, wantOK: false},
		{name: "rootless root", m: rootlessMap, inside: 0, want: 1000, wantOK: true},
		{name: "rootless first of second range", m: rootlessMap, inside: 1, want: 100000, wantOK: true},
		{name: "rootless 1000", m: rootlessMap, inside: 1000, want: 100999, wantOK: true},
		{name: "rootless last", m: rootlessMap, inside: 65536, want: 165535, wantOK: true},
		{name: "rootless past the end", m: rootlessMap, inside: 65537, wantOK: false},
		{name: "below the range", m: noRootMap, inside: 999, wantOK: false},
		{name: "empty map", m: nil, inside: 0, wantOK: false},
		{
			name:   "range ending at the top of uint32 does not wrap",
			m:      []IDMapRange{{Inside: 4294967290, Outside: 10, Count: 6}},
			inside: 4294967295, want: 15, wantOK: true,
		},
		{
			name:   "wrap-around is not a match",
			m:      []IDMapRange{{Inside: 4294967290, Outside: 10, Count: 6}},
			inside: 0, wantOK: false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, gotOK := MapID(tt.m, tt.inside)
			if gotOK != tt.wantOK || (gotOK && got != tt.want) {
				t.Errorf("MapID(%v, %d) = %d, %v; want %d, %v", tt.m, tt.inside, got, gotOK, tt.want, tt.wantOK)
			}
		})
	}
}
