package runtimes

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Container IDs used below. dockerIDParsetest1 is real: the
// ID of Docker container parsetest-1 on the test VM. The others are
// well-formed 64-hex IDs; no Kubernetes, podman, LXC or nspawn runs on the
// VM, so those paths follow the layouts the runtimes document (kubelet's
// cgroup_manager, podman's libpod scopes, lxc.payload, systemd-machined).
const (
	dockerIDParsetest1 = "fb183c3c5d27806fa3ce92850f4497699feed7602955d372cee1e21592931c36"
	idA                = "4f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
	idB                = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	// Kubernetes pod UIDs are RFC 4122 UUIDs; the systemd driver writes
	// them with '_' for '-' because '-' is systemd's slice separator.
	podUID           = "8a3f2c1e-5b6d-4e7f-9a0b-1c2d3e4f5a6b"
	podUIDUnderscore = "8a3f2c1e_5b6d_4e7f_9a0b_1c2d3e4f5a6b"
)

func TestFromCgroupPath(t *testing.T) {
	tests := []struct {
		name string
		path string
		want *Container // Cgroup is filled in from path by the test
	}{
		// real: /proc/<pid>/cgroup of parsetest-1 (Docker 20.10, cgroupfs driver)
		{name: "docker cgroupfs", path: "/docker/" + dockerIDParsetest1, want: &Container{Runtime: Docker, ID: dockerIDParsetest1}},
		{name: "docker systemd", path: "/system.slice/docker-" + idA + ".scope", want: &Container{Runtime: Docker, ID: idA}},
		// Docker with the systemd driver and a private cgroupns puts the
		// container's processes in a child cgroup.
		{name: "docker systemd init.scope child", path: "/system.slice/docker-" + idA + ".scope/init.scope", want: &Container{Runtime: Docker, ID: idA}},
		// Docker-in-Docker: the innermost container is the one the process is in.
		{name: "docker in docker", path: "/docker/" + idA + "/docker/" + idB, want: &Container{Runtime: Docker, ID: idB}},

		{name: "kubepods cgroupfs burstable", path: "/kubepods/burstable/pod" + podUID + "/" + idA, want: &Container{Runtime: CRI, ID: idA, Pod: &Pod{UID: podUID}}},
		{name: "kubepods cgroupfs guaranteed", path: "/kubepods/pod" + podUID + "/" + idA, want: &Container{Runtime: CRI, ID: idA, Pod: &Pod{UID: podUID}}},
		{
			name: "kubepods systemd cri-containerd",
			path: "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + podUIDUnderscore + ".slice/cri-containerd-" + idA + ".scope",
			want: &Container{Runtime: Containerd, ID: idA, Pod: &Pod{UID: podUID}},
		},
		{
			name: "kubepods systemd crio besteffort",
			path: "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + podUIDUnderscore + ".slice/crio-" + idB + ".scope",
			want: &Container{Runtime: CRIO, ID: idB, Pod: &Pod{UID: podUID}},
		},
		{
			name: "kubepods systemd guaranteed",
			path: "/kubepods.slice/kubepods-pod" + podUIDUnderscore + ".slice/cri-containerd-" + idB + ".scope",
			want: &Container{Runtime: Containerd, ID: idB, Pod: &Pod{UID: podUID}},
		},

		{name: "podman systemd", path: "/machine.slice/libpod-" + idA + ".scope", want: &Container{Runtime: Podman, ID: idA}},
		{name: "podman with container child (cgroupns)", path: "/machine.slice/libpod-" + idA + ".scope/container", want: &Container{Runtime: Podman, ID: idA}},
		{name: "podman rootless", path: "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + idB + ".scope", want: &Container{Runtime: Podman, ID: idB}},
		{name: "podman cgroupfs", path: "/libpod_parent/libpod-" + idA, want: &Container{Runtime: Podman, ID: idA}},

		{name: "lxc payload", path: "/lxc.payload.web1", want: &Container{Runtime: LXC, ID: "web1", Name: "web1"}},
		{name: "lxc payload child", path: "/lxc.payload.web1/system.slice/nginx.service", want: &Container{Runtime: LXC, ID: "web1", Name: "web1"}},
		{name: "lxc legacy", path: "/lxc/web1", want: &Container{Runtime: LXC, ID: "web1", Name: "web1"}},

		{name: "nspawn", path: "/machine.slice/machine-debian.scope", want: &Container{Runtime: Nspawn, ID: "debian", Name: "debian"}},
		{name: "nspawn escaped name", path: `/machine.slice/machine-my\x2dbox.scope`, want: &Container{Runtime: Nspawn, ID: "my-box", Name: "my-box"}},
		{name: "nspawn payload child", path: `/machine.slice/machine-my\x2dbox.scope/payload`, want: &Container{Runtime: Nspawn, ID: "my-box", Name: "my-box"}},

		{name: "containerd ctr default namespace", path: "/default/" + idA, want: &Container{Runtime: Containerd, ID: idA}},
		{name: "containerd k8s.io namespace", path: "/k8s.io/" + idB, want: &Container{Runtime: Containerd, ID: idB}},
		{name: "containerd moby namespace", path: "/moby/" + idB, want: &Container{Runtime: Containerd, ID: idB}},

		// Negatives.
		{name: "root", path: "/"},
		{name: "empty", path: ""},
		{name: "user session", path: "/user.slice/user-1000.slice/session-3.scope"},
		{name: "docker daemon itself", path: "/system.slice/docker.service"},
		{name: "containerd daemon", path: "/system.slice/containerd.service"},
		// real: the agent's memory cgroup on the test VM; a 32-hex segment is no container
		{name: "32-hex segment", path: "/process_api/873128bd209bb3e1d9be62cfc2bd40ce"},
		{name: "63-hex segment under docker", path: "/docker/" + idA[:63]},
		{name: "65-hex segment under docker", path: "/docker/" + idA + "0"},
		{name: "upper-case hex under docker", path: "/docker/" + strings.ToUpper(idA)},
		{name: "64-hex under an unknown parent", path: "/system.slice/" + idA},
		// conmon is podman's monitor process, outside the container.
		{name: "podman conmon", path: "/machine.slice/libpod-conmon-" + idA + ".scope"},
		{name: "cri-o conmon", path: "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + podUIDUnderscore + ".slice/crio-conmon-" + idA + ".scope"},
		{name: "kubepods pod cgroup, no container", path: "/kubepods/burstable/pod" + podUID},
		{name: "kubepods slice only", path: "/kubepods.slice/kubepods-burstable.slice"},
		{name: "docker scope with a non-hex id", path: "/system.slice/docker-notanid.scope"},
		{name: "lxc monitor", path: "/lxc.monitor.web1"},
		{name: "lxc parent only", path: "/lxc"},
		{name: "lxc payload without name", path: "/lxc.payload."},
		{name: "nspawn machine.slice only", path: "/machine.slice"},
		{name: "machine service is not a scope", path: "/machine.slice/machine-debian.service"},
		{name: "libvirt VM registered with machined", path: `/machine.slice/machine-qemu\x2d1\x2dguest.scope/libvirt/emulator`},
		{name: "machine scope with no name", path: "/machine.slice/machine-.scope"},
		{name: "host init scope", path: "/init.scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FromCgroupPath(tt.path)
			if tt.want != nil {
				tt.want.Cgroup = tt.path
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("FromCgroupPath(%q) mismatch (-want +got):\n%s", tt.path, diff)
			}
		})
	}
}

func TestIsHexID(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{in: dockerIDParsetest1, want: true},
		{in: dockerIDParsetest1[:12], want: true},
		{in: dockerIDParsetest1[:11], want: false},
		{in: dockerIDParsetest1 + "0", want: false},
		{in: "", want: false},
		{in: strings.ToUpper(dockerIDParsetest1), want: false},
		{in: "g" + dockerIDParsetest1[1:], want: false},
		{in: "conmon-" + dockerIDParsetest1[:40], want: false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := IsHexID(tt.in); got != tt.want {
				t.Errorf("IsHexID(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestContainerDisplayName(t *testing.T) {
	tests := []struct {
		name      string
		c         Container
		wantShort string
		wantName  string
	}{
		{name: "docker unnamed", c: Container{ID: dockerIDParsetest1}, wantShort: "fb183c3c5d27", wantName: "fb183c3c5d27"},
		{name: "docker named", c: Container{ID: dockerIDParsetest1, Name: "parsetest-1"}, wantShort: "fb183c3c5d27", wantName: "parsetest-1"},
		{name: "lxc name is the id", c: Container{ID: "web1", Name: "web1"}, wantShort: "web1", wantName: "web1"},
		{name: "12-hex id is already short", c: Container{ID: "fb183c3c5d27"}, wantShort: "fb183c3c5d27", wantName: "fb183c3c5d27"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.ShortID(); got != tt.wantShort {
				t.Errorf("ShortID() = %q, want %q", got, tt.wantShort)
			}
			if got := tt.c.DisplayName(); got != tt.wantName {
				t.Errorf("DisplayName() = %q, want %q", got, tt.wantName)
			}
		})
	}
}

func TestUnescapeSystemdUnit(t *testing.T) {
	tests := []struct{ in, want string }{
		{in: `my\x2dbox`, want: "my-box"},
		{in: `a\x2Db`, want: "a-b"},
		{in: `plain`, want: "plain"},
		{in: `bad\xzz`, want: `bad\xzz`},
		{in: `short\x2`, want: `short\x2`},
		{in: `\x2d\x2d`, want: "--"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := unescapeSystemdUnit(tt.in); got != tt.want {
				t.Errorf("unescapeSystemdUnit(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

var knownRuntimes = map[string]bool{
	Docker: true, Containerd: true, CRIO: true, Podman: true,
	LXC: true, Nspawn: true, CRI: true,
}

func FuzzFromCgroupPath(f *testing.F) {
	for _, s := range []string{
		"/docker/" + dockerIDParsetest1,
		"/system.slice/docker-" + idA + ".scope",
		"/kubepods/burstable/pod" + podUID + "/" + idA,
		"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + podUIDUnderscore + ".slice/cri-containerd-" + idA + ".scope",
		"/machine.slice/libpod-" + idA + ".scope/container",
		"/machine.slice/libpod-conmon-" + idA + ".scope",
		"/lxc.payload.web1", "/lxc/web1", `/machine.slice/machine-my\x2dbox.scope`,
		"/default/" + idB, "/", "", "/user.slice/user-1000.slice/session-3.scope",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		c := FromCgroupPath(path)
		if c == nil {
			return
		}
		if c.ID == "" {
			t.Fatalf("FromCgroupPath(%q) = %+v with an empty ID", path, c)
		}
		if !knownRuntimes[c.Runtime] {
			t.Fatalf("FromCgroupPath(%q) runtime %q is not a known constant", path, c.Runtime)
		}
		if c.Cgroup != path {
			t.Fatalf("FromCgroupPath(%q).Cgroup = %q", path, c.Cgroup)
		}
		if strings.Contains(c.ID, "/") {
			t.Fatalf("FromCgroupPath(%q) ID %q spans path segments", path, c.ID)
		}
		if c.Pod != nil && c.Pod.UID == "" {
			t.Fatalf("FromCgroupPath(%q) has a pod without a UID", path)
		}
		switch c.Runtime {
		case Docker, Containerd, CRIO, Podman, CRI:
			if !IsHexID(c.ID) {
				t.Fatalf("FromCgroupPath(%q) %s ID %q is not hex", path, c.Runtime, c.ID)
			}
		}
	})
}
