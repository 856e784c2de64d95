package enter

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"nsx/inspect"
)

// status is /proc/PID/status of a busybox container's sleep on the test
// VM (Docker 20.10, --cap-drop ALL --cap-add NET_BIND_SERVICE
// --security-opt no-new-privileges, -u 1000:1000 --group-add 10), trimmed.
const status = `Name:	sleep
Umask:	0022
State:	S (sleeping)
Tgid:	12257
Pid:	12257
PPid:	12230
Uid:	1000	1000	1000	1000
Gid:	1000	1000	1000	1000
FDSize:	64
Groups:	10 1000 
NStgid:	12257	1
CapInh:	0000000000000000
CapPrm:	0000000000000000
CapEff:	0000000000000000
CapBnd:	0000000000000400
CapAmb:	0000000000000000
NoNewPrivs:	1
Seccomp:	2
Seccomp_filters:	1
`

func TestParseStatus(t *testing.T) {
	got := parseStatus([]byte(status))
	want := procStatus{uid: 1000, gid: 1000, groups: []int{10, 1000}, capBnd: 0x400, noNewPrivs: true, seccomp: 2}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(procStatus{})); diff != "" {
		t.Errorf("parseStatus (-want +got):\n%s", diff)
	}
	// Effective IDs, not real ones: a setuid program's.
	got = parseStatus([]byte("Uid:\t1000\t0\t0\t0\nGid:\t1000\t5\t5\t5\n"))
	if got.uid != 0 || got.gid != 5 {
		t.Errorf("uid, gid = %d, %d; want the effective 0, 5", got.uid, got.gid)
	}
	if got := parseStatus([]byte("garbage\nUid:\nCapEff:\tzz\n")); got.uid != 0 || got.capEff != 0 {
		t.Errorf("malformed status gave %+v", got)
	}
}

func TestInside(t *testing.T) {
	// real: a rootless podman container's uid_map, "0 1001 1" and
	// "1 100000 65536".
	m := []inspect.IDMapRange{{Inside: 0, Outside: 1001, Count: 1}, {Inside: 1, Outside: 100000, Count: 65536}}
	tests := []struct {
		host, want int
		ok         bool
	}{
		{1001, 0, true}, {100000, 1, true}, {165535, 65536, true},
		{165536, 0, false}, {0, 0, false}, {1000, 0, false},
	}
	for _, tt := range tests {
		got, ok := inside(m, tt.host)
		if got != tt.want || ok != tt.ok {
			t.Errorf("inside(%d) = %d, %v; want %d, %v", tt.host, got, ok, tt.want, tt.ok)
		}
	}
	if got, ok := inside(identityMap, 4294967294); !ok || got != 4294967294 {
		t.Errorf("identity map: %d, %v", got, ok)
	}
}

func TestExecLabel(t *testing.T) {
	tests := []struct{ current, want string }{
		{"docker-default (enforce)\n", "exec docker-default"},
		{"unconfined\n", ""},
		{"unconfined (unconfined)", ""},
		{"system_u:system_r:container_t:s0:c12,c345\x00", "system_u:system_r:container_t:s0:c12,c345"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := execLabel(tt.current); got != tt.want {
			t.Errorf("execLabel(%q) = %q, want %q", tt.current, got, tt.want)
		}
	}
}

func TestSetEnv(t *testing.T) {
	got := setEnv([]string{"PATH=/bin", "HOME=/", "A=1"}, []string{"HOME=/root", "B=2", "A=3"})
	want := []string{"PATH=/bin", "HOME=/root", "B=2", "A=3"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("setEnv (-want +got):\n%s", diff)
	}
}

func TestParseEnviron(t *testing.T) {
	got := parseEnviron([]byte("PATH=/usr/bin\x00HOME=/root\x00junk\x00=x\x00EMPTY=\x00"), nil)
	want := []string{"PATH=/usr/bin", "HOME=/root", "EMPTY="}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parseEnviron (-want +got):\n%s", diff)
	}
}

// TestEncode checks the plan as nsexec.c reads it: NUL-separated records,
// values kept byte for byte (a NUL cannot occur in one: argv and environ
// strings are C strings).
func TestEncode(t *testing.T) {
	p := &Plan{PID: 42, Types: []inspect.NSType{inspect.NetNS, inspect.UserNS}, Command: []string{"sh", "-c", "echo a=b; echo 'x y'"},
		Env: []string{"PATH=/bin", "X=a=b"}, UID: 1000, GID: 1000, Groups: []int{10, 1000}, SetGroups: true,
		CgroupDirs: []string{"/sys/fs/cgroup/memory/docker/x"}, WD: "/tmp",
		Security: &Security{CapBnd: 0x400, NoNewPrivs: true, Label: "exec docker-default"}}
	recs := strings.Split(strings.TrimSuffix(string(p.Encode()), "\x00"), "\x00")
	want := []string{"pid=42", "ns=net", "ns=user", "cgroup=/sys/fs/cgroup/memory/docker/x", "root=1", "cwdpath=/tmp",
		"uid=1000", "gid=1000", "groups=10,1000", "setgroups=1",
		"capbnd=400", "capprm=0", "capeff=0", "capinh=0", "capamb=0", "nnp=1", "label=exec docker-default",
		"env=PATH=/bin", "env=X=a=b", "arg=sh", "arg=-c", "arg=echo a=b; echo 'x y'"}
	if diff := cmp.Diff(want, recs); diff != "" {
		t.Errorf("encode (-want +got):\n%s", diff)
	}
	p = &Plan{PID: 7, HostTools: true, ToolsDir: "/opt/tools", WD: "/", Command: []string{"ps"}}
	recs = strings.Split(strings.TrimSuffix(string(p.Encode()), "\x00"), "\x00")
	if recs[1] != "hosttools=1" || recs[2] != "tools=/opt/tools" || recs[3] != "cwdpath=/" {
		t.Errorf("host-tools records %q", recs[:4])
	}
}
