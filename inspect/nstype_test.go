package inspect

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseNSType(t *testing.T) {
	tests := []struct {
		in      string
		want    NSType
		wantErr bool
	}{
		// Every kernel name, as in /proc/PID/ns/NAME.
		{in: "cgroup", want: CgroupNS},
		{in: "ipc", want: IPCNS},
		{in: "mnt", want: MntNS},
		{in: "net", want: NetNS},
		{in: "pid", want: PIDNS},
		{in: "time", want: TimeNS},
		{in: "user", want: UserNS},
		{in: "uts", want: UTSNS},
		// Aliases people type.
		{in: "network", want: NetNS},
		{in: "mount", want: MntNS},
		{in: "cgroups", want: CgroupNS},
		{in: "NET", want: NetNS},
		{in: " Mount ", want: MntNS},

		{in: "", wantErr: true},
		{in: "bogus", wantErr: true},
		{in: "pid_for_children", wantErr: true},
		{in: "net:[4026531840]", wantErr: true},
		{in: "ne t", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseNSType(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseNSType(%q) = %v, want an error", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseNSType(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseNSType(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseNSTypes(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []NSType
		wantErr bool
	}{
		{name: "two", in: "net,pid", want: []NSType{NetNS, PIDNS}},
		{name: "order kept", in: "uts,cgroup", want: []NSType{UTSNS, CgroupNS}},
		{name: "aliases and spaces", in: "network, mount ,user", want: []NSType{NetNS, MntNS, UserNS}},
		{name: "empty items skipped", in: "net,,pid,", want: []NSType{NetNS, PIDNS}},
		{name: "empty list", in: "", want: nil},
		{name: "only commas", in: ",,", want: nil},

		{name: "one unknown", in: "net,bogus", wantErr: true},
		{name: "space separated", in: "net pid", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseNSTypes(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseNSTypes(%q) = %v, want an error", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseNSTypes(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseNSTypes(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestNSTypeString(t *testing.T) {
	tests := []struct {
		t    NSType
		want string
	}{
		{t: CgroupNS, want: "cgroup"},
		{t: UTSNS, want: "uts"},
		{t: NumNSTypes, want: "nstype(8)"},
		{t: -1, want: "nstype(-1)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.t.String(); got != tt.want {
				t.Errorf("NSType(%d).String() = %q, want %q", int(tt.t), got, tt.want)
			}
		})
	}
	// Every type's name parses back to it, so the CLI accepts what nsx prints.
	for _, nt := range AllNSTypes {
		t.Run("round trip "+nt.String(), func(t *testing.T) {
			got, err := ParseNSType(nt.String())
			if err != nil || got != nt {
				t.Errorf("ParseNSType(%q) = %v, %v; want %v", nt.String(), got, err, nt)
			}
		})
	}
}

func TestNSTypeJSON(t *testing.T) {
	b, err := json.Marshal(map[string]NSType{"type": NetNS})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"type":"net"}`; got != want {
		t.Errorf("json.Marshal = %s, want %s", got, want)
	}
}

func TestNSIDString(t *testing.T) {
	id := NSID{Type: NetNS, Inode: 4026531840}
	if got, want := id.String(), "net:[4026531840]"; got != want {
		t.Errorf("NSID.String() = %q, want %q", got, want)
	}
}
