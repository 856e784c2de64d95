package inspect

import (
	"strings"
)

// Runtime names as nsx prints them.
const (
	RuntimeDocker     = "docker"
	RuntimeContainerd = "containerd"
	RuntimeCRIO       = "cri-o"
	RuntimePodman     = "podman"
	RuntimeLXC        = "lxc"
	RuntimeNspawn     = "nspawn"
	// RuntimeCRI is a Kubernetes container whose cgroup path (the kubelet's
	// cgroupfs driver) does not say whether containerd or CRI-O runs it.
	RuntimeCRI = "cri"
)

// Container is what nsx knows of one container. Fields other than Runtime
// and ID are filled in when the runtime's state on disk gives them.
type Container struct {
	Runtime string `json:"runtime"`
	ID      string `json:"id"`
	Name    string `json:"name,omitempty"`
	Pod     *Pod   `json:"pod,omitempty"`
	// State is the runtime's word for it ("running", "exited"), when known.
	State   string `json:"state,omitempty"`
	InitPID int    `json:"initPid,omitempty"`
	// Cgroup is the path the container was recognised from.
	Cgroup string `json:"cgroup,omitempty"`
}

// Pod is a Kubernetes pod, as far as it is known.
type Pod struct {
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name,omitempty"`
	UID       string `json:"uid,omitempty"`
}

// ShortID is the 12-character form Docker prints; IDs that are names (LXC,
// nspawn) are returned whole.
func (c *Container) ShortID() string {
	if isHexID(c.ID) && len(c.ID) > 12 {
		return c.ID[:12]
	}
	return c.ID
}

// DisplayName is the name if known, else the short ID.
func (c *Container) DisplayName() string {
	if c.Name != "" {
		return c.Name
	}
	return c.ShortID()
}

// container reads the process's /proc/PID/cgroup and recognises the
// container it names, if any; buf is reused and returned for the next read.
func (d procDir) container(buf []byte) (*Container, []byte, error) {
	b, err := d.readRecord("cgroup", buf)
	if err != nil {
		return nil, buf, err
	}
	lines, err := ParseCgroupFile(b)
	if err != nil {
		return nil, b, &ParseError{Path: d.path + "/cgroup", Err: err}
	}
	return ContainerFromCgroups(lines), b, nil
}

// ContainerFromCgroups recognises a container from the lines of
// /proc/PID/cgroup. The unified (v2) line is tried first, then every v1
// line: on a hybrid host either may carry the container's path.
func ContainerFromCgroups(lines []CgroupLine) *Container {
	for _, l := range lines {
		if l.HierarchyID == 0 && len(l.Controllers) == 0 {
			if c := ContainerFromCgroupPath(l.Path); c != nil {
				return c
			}
		}
	}
	for _, l := range lines {
		if c := ContainerFromCgroupPath(l.Path); c != nil {
			return c
		}
	}
	return nil
}

// ContainerFromCgroupPath recognises the cgroup path layouts of the common
// runtimes, with both the cgroupfs and the systemd cgroup drivers:
//
//	/docker/<id>                                          docker, cgroupfs
//	/system.slice/docker-<id>.scope                       docker, systemd
//	/kubepods/burstable/pod<uid>/<id>                     kubelet, cgroupfs
//	/kubepods.slice/…-pod<uid>.slice/cri-containerd-<id>.scope
//	/kubepods.slice/…-pod<uid>.slice/crio-<id>.scope
//	/machine.slice/libpod-<id>.scope[/container]          podman
//	/lxc.payload.<name>, /lxc/<name>                      LXC, Incus
//	/machine.slice/machine-<name>.scope                   systemd-nspawn
//	/default/<id>, /k8s.io/<id>                           containerd (ctr)
//
// It returns nil for a path that names no container.
func ContainerFromCgroupPath(path string) *Container {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	podUID := ""
	for _, s := range segs {
		if uid, ok := podUIDFromSegment(s); ok {
			podUID = uid
		}
	}
	// The innermost segment that names a container wins: a container's own
	// cgroup may have children (podman's "container", systemd's "init.scope").
	for i := len(segs) - 1; i >= 0; i-- {
		s := segs[i]
		parent := ""
		if i > 0 {
			parent = segs[i-1]
		}
		c := containerFromSegment(s, parent, podUID != "")
		if c == nil {
			continue
		}
		c.Cgroup = path
		if podUID != "" {
			c.Pod = &Pod{UID: podUID}
		}
		return c
	}
	return nil
}

func containerFromSegment(seg, parent string, inPod bool) *Container {
	scoped := func(prefix string) (string, bool) {
		id, ok := strings.CutPrefix(seg, prefix)
		if !ok {
			return "", false
		}
		id = strings.TrimSuffix(id, ".scope")
		return id, isHexID(id)
	}
	if id, ok := scoped("docker-"); ok {
		return &Container{Runtime: RuntimeDocker, ID: id}
	}
	if id, ok := scoped("cri-containerd-"); ok {
		return &Container{Runtime: RuntimeContainerd, ID: id}
	}
	if id, ok := scoped("crio-"); ok {
		return &Container{Runtime: RuntimeCRIO, ID: id}
	}
	if id, ok := scoped("libpod-"); ok {
		return &Container{Runtime: RuntimePodman, ID: id}
	}
	if name, ok := strings.CutPrefix(seg, "lxc.payload."); ok && name != "" {
		return &Container{Runtime: RuntimeLXC, ID: name, Name: name}
	}
	if parent == "lxc" && seg != "" && !strings.HasPrefix(seg, "lxc.") {
		return &Container{Runtime: RuntimeLXC, ID: seg, Name: seg}
	}
	if name, ok := strings.CutPrefix(seg, "machine-"); ok && strings.HasSuffix(name, ".scope") {
		name = unescapeSystemdUnit(strings.TrimSuffix(name, ".scope"))
		// systemd-machined registers libvirt's VMs here too
		// ("machine-qemu\x2d1\x2dguest.scope"); those are not containers.
		// machined never allows '/' in a name; an escaped one is not ours.
		if name == "" || strings.HasPrefix(name, "qemu-") || strings.Contains(name, "/") {
			return nil
		}
		return &Container{Runtime: RuntimeNspawn, ID: name, Name: name}
	}
	if isHexID(seg) && len(seg) == 64 {
		switch {
		case parent == "docker":
			return &Container{Runtime: RuntimeDocker, ID: seg}
		case inPod:
			return &Container{Runtime: RuntimeCRI, ID: seg}
		case parent == "default" || parent == "k8s.io" || parent == "moby":
			return &Container{Runtime: RuntimeContainerd, ID: seg}
		}
	}
	return nil
}

// podUIDFromSegment finds the pod UID in "pod<uid>" (cgroupfs driver) or
// "kubepods-<qos>-pod<uid>.slice" (systemd driver, with '_' for '-').
func podUIDFromSegment(seg string) (string, bool) {
	s := strings.TrimSuffix(seg, ".slice")
	i := strings.LastIndex(s, "pod")
	if i < 0 || (i > 0 && s[i-1] != '-') {
		return "", false
	}
	uid := strings.ReplaceAll(s[i+3:], "_", "-")
	if len(uid) < 32 || strings.Trim(uid, "0123456789abcdef-") != "" {
		return "", false
	}
	return uid, true
}

// isHexID reports whether s looks like a 64-hex-digit container ID (or a
// shorter hex prefix of at least 12 digits).
func isHexID(s string) bool {
	if len(s) < 12 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// unescapeSystemdUnit undoes systemd's \xNN escaping in unit names
// ("my\x2dbox" -> "my-box").
func unescapeSystemdUnit(s string) string {
	if !strings.Contains(s, `\x`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' {
			if v, ok := hexByte(s[i+2], s[i+3]); ok {
				b.WriteByte(v)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func hexByte(a, b byte) (byte, bool) {
	h := func(c byte) (byte, bool) {
		switch {
		case c >= '0' && c <= '9':
			return c - '0', true
		case c >= 'a' && c <= 'f':
			return c - 'a' + 10, true
		case c >= 'A' && c <= 'F':
			return c - 'A' + 10, true
		}
		return 0, false
	}
	x, ok1 := h(a)
	y, ok2 := h(b)
	return x<<4 | y, ok1 && ok2
}
