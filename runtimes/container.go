package runtimes

import (
	"strings"
	"time"
)

// Runtime names as nsx prints them.
const (
	Docker     = "docker"
	Containerd = "containerd"
	CRIO       = "cri-o"
	Podman     = "podman"
	LXC        = "lxc"
	Nspawn     = "nspawn"
	// CRI is a Kubernetes container whose cgroup path (the kubelet's
	// cgroupfs driver) does not say whether containerd or CRI-O runs it,
	// and whose runtime state was not found either.
	CRI = "cri"
	// Systemd labels a sandbox made by a plain systemd service
	// (PrivateNetwork=, PrivateTmp=, ...): ID and name are the unit's.
	Systemd = "systemd"
)

// Container is what nsx knows of one container. Fields other than Runtime
// and ID are filled in when the runtime's state on disk gives them.
type Container struct {
	Runtime string `json:"runtime"`
	ID      string `json:"id"`
	// Name is the runtime's name: Docker's and podman's container name,
	// the Kubernetes container name ("app") for a pod's container.
	Name string `json:"name,omitempty"`
	Pod  *Pod   `json:"pod,omitempty"`
	// PodSandbox marks a pod's sandbox (pause, infra) container, which
	// holds the namespaces the pod's containers share.
	PodSandbox bool   `json:"podSandbox,omitempty"`
	Image      string `json:"image,omitempty"`
	// Namespace is containerd's namespace: k8s.io (Kubernetes), moby
	// (Docker), default (ctr).
	Namespace string `json:"namespace,omitempty"`
	// Owner is the user whose rootless runtime runs the container.
	Owner string `json:"owner,omitempty"`
	// State is the runtime's word for it ("running", "exited"), when known.
	State   string `json:"state,omitempty"`
	InitPID int    `json:"initPid,omitempty"`
	// LastRun is when it started and how it last ended, as far as the
	// runtime recorded it.
	LastRun *RunState `json:"lastRun,omitempty"`
	// Settings are the runtime settings that weaken isolation (Docker's
	// hostconfig.json).
	Settings *Settings `json:"settings,omitempty"`
	// Cgroup is the path the container was recognised from.
	Cgroup string `json:"cgroup,omitempty"`
	// Sources are the files (or "docker API") its identity was read from.
	Sources []string `json:"sources,omitempty"`
}

// Pod is a Kubernetes pod, as far as it is known.
type Pod struct {
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name,omitempty"`
	UID       string `json:"uid,omitempty"`
}

// String is NAMESPACE/NAME, or the UID when the name is unknown.
func (p *Pod) String() string {
	switch {
	case p.Name != "" && p.Namespace != "":
		return p.Namespace + "/" + p.Name
	case p.Name != "":
		return p.Name
	}
	return "pod " + p.UID
}

// RunState is a container's last start and exit.
type RunState struct {
	StartedAt  *time.Time `json:"startedAt,omitempty"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
	// ExitCode is set once the container has exited.
	ExitCode *int `json:"exitCode,omitempty"`
	// OOMKilled is the runtime's own verdict (Docker's flag, CRI's reason);
	// why-killed checks it against the kernel's evidence.
	OOMKilled    bool   `json:"oomKilled,omitempty"`
	Reason       string `json:"reason,omitempty"`
	Error        string `json:"error,omitempty"`
	RestartCount int    `json:"restartCount,omitempty"`
}

// Settings are what a runtime was asked for that loosens a container's
// confinement.
type Settings struct {
	Privileged     bool     `json:"privileged,omitempty"`
	CapAdd         []string `json:"capAdd,omitempty"`
	CapDrop        []string `json:"capDrop,omitempty"`
	NetworkMode    string   `json:"networkMode,omitempty"`
	PIDMode        string   `json:"pidMode,omitempty"`
	IPCMode        string   `json:"ipcMode,omitempty"`
	UsernsMode     string   `json:"usernsMode,omitempty"`
	SecurityOpt    []string `json:"securityOpt,omitempty"`
	ReadonlyRootfs bool     `json:"readonlyRootfs,omitempty"`
	RestartPolicy  string   `json:"restartPolicy,omitempty"`
}

// ShortID is the 12-character form Docker prints; IDs that are names (LXC,
// nspawn, systemd units) are returned whole.
func (c *Container) ShortID() string {
	if IsHexID(c.ID) && len(c.ID) > 12 {
		return c.ID[:12]
	}
	return c.ID
}

// DisplayName is how views name the container: a pod's container as
// NAMESPACE/POD/NAME (its sandbox as NAMESPACE/POD), else the runtime's
// name, else the short ID.
func (c *Container) DisplayName() string {
	if c.Pod != nil && c.Pod.Name != "" {
		if c.PodSandbox || c.Name == "" {
			return c.Pod.String()
		}
		return c.Pod.String() + "/" + c.Name
	}
	if c.Name != "" {
		return c.Name
	}
	return c.ShortID()
}

// FromCgroupPath recognises the cgroup path layouts of the common
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
func FromCgroupPath(path string) *Container {
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

// ServiceFromCgroupPath returns the systemd service a cgroup path is in
// (the innermost "*.service" segment), as a container of runtime Systemd,
// or nil. Processes of a service's sub-cgroups belong to the service.
func ServiceFromCgroupPath(path string) *Container {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i := len(segs) - 1; i >= 0; i-- {
		if unit, ok := strings.CutSuffix(segs[i], ".service"); ok && unit != "" {
			// user@1000.service holds a user's whole session manager: it
			// names no sandbox of its own.
			if strings.HasPrefix(unit, "user@") {
				return nil
			}
			name := unescapeSystemdUnit(segs[i])
			return &Container{Runtime: Systemd, ID: name, Name: name, Cgroup: path}
		}
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
		return id, IsHexID(id)
	}
	if id, ok := scoped("docker-"); ok {
		return &Container{Runtime: Docker, ID: id}
	}
	if id, ok := scoped("cri-containerd-"); ok {
		return &Container{Runtime: Containerd, ID: id}
	}
	if id, ok := scoped("crio-"); ok {
		return &Container{Runtime: CRIO, ID: id}
	}
	if id, ok := scoped("libpod-"); ok {
		return &Container{Runtime: Podman, ID: id}
	}
	if name, ok := strings.CutPrefix(seg, "lxc.payload."); ok && name != "" {
		return &Container{Runtime: LXC, ID: name, Name: name}
	}
	if parent == "lxc" && seg != "" && !strings.HasPrefix(seg, "lxc.") {
		return &Container{Runtime: LXC, ID: seg, Name: seg}
	}
	if name, ok := strings.CutPrefix(seg, "machine-"); ok && strings.HasSuffix(name, ".scope") {
		name = unescapeSystemdUnit(strings.TrimSuffix(name, ".scope"))
		// systemd-machined registers libvirt's VMs here too
		// ("machine-qemu\x2d1\x2dguest.scope"); those are not containers.
		// machined never allows '/' in a name; an escaped one is not ours.
		if name == "" || strings.HasPrefix(name, "qemu-") || strings.Contains(name, "/") {
			return nil
		}
		return &Container{Runtime: Nspawn, ID: name, Name: name}
	}
	if IsHexID(seg) && len(seg) == 64 {
		switch {
		case parent == "docker":
			return &Container{Runtime: Docker, ID: seg}
		case inPod:
			return &Container{Runtime: CRI, ID: seg}
		case parent == "default" || parent == "k8s.io" || parent == "moby":
			return &Container{Runtime: Containerd, ID: seg}
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

// IsHexID reports whether s looks like a 64-hex-digit container ID (or a
// shorter hex prefix of at least 12 digits).
func IsHexID(s string) bool {
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
