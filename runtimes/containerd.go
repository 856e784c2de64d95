package runtimes

import (
	"encoding/json"
	"path"
)

// containerdInstall is where one containerd keeps its state: the task
// (bundle) directories of running containers under state, and the CRI
// plugin's per-container status files under root.
type containerdInstall struct {
	state, root string
}

// containerdInstalls are the places containerd runs from: the packaged
// daemon (Kubernetes nodes, `ctr`), and k3s's embedded one. Docker's
// managed containerd (/run/docker/containerd) is not listed: Docker's own
// state names those containers.
var containerdInstalls = []containerdInstall{
	{state: "run/containerd", root: "var/lib/containerd"},
	{state: "run/k3s/containerd", root: "var/lib/rancher/k3s/agent/containerd"},
}

// Task directories: runtime v2 shims (containerd 1.2 and later), and the
// v1 linux runtime of older releases. Each holds NAMESPACE/ID/config.json.
var containerdTaskDirs = []string{"io.containerd.runtime.v2.task", "io.containerd.runtime.v1.linux"}

// criStatus is the CRI plugin's status file
// (io.containerd.grpc.v1.cri/containers/ID/status): the container's
// status struct with its version, times in nanoseconds since the epoch.
type criStatus struct {
	Version    string `json:"Version"`
	Pid        int    `json:"Pid"`
	CreatedAt  int64  `json:"CreatedAt"`
	StartedAt  int64  `json:"StartedAt"`
	FinishedAt int64  `json:"FinishedAt"`
	ExitCode   int    `json:"ExitCode"`
	Reason     string `json:"Reason"`
	Message    string `json:"Message"`
}

// parseCRIStatus reads a CRI status file into a state and last run.
func parseCRIStatus(b []byte) (state string, run *RunState, err error) {
	var st criStatus
	if err := json.Unmarshal(b, &st); err != nil {
		return "", nil, err
	}
	if st.Version == "" {
		return "", nil, errFormat
	}
	run = &RunState{StartedAt: unixNanoTime(st.StartedAt), FinishedAt: unixNanoTime(st.FinishedAt), Reason: st.Reason, Error: st.Message}
	switch {
	case st.FinishedAt > 0:
		state = "exited"
		run.ExitCode = intPtr(st.ExitCode)
		run.OOMKilled = st.Reason == "OOMKilled"
	case st.StartedAt > 0:
		state = "running"
	default:
		state = "created"
	}
	if *run == (RunState{}) {
		run = nil // never started: no last run to speak of
	}
	return state, run, nil
}

// containerd finds a running container's task directory in any namespace
// of any containerd install, and reads its bundle's OCI spec and, for a
// Kubernetes container, the CRI plugin's status file.
func (s *Store) containerd(id string) *Container {
	for _, inst := range containerdInstalls {
		for _, tasks := range containerdTaskDirs {
			dir := path.Join(inst.state, tasks)
			for _, ns := range s.listDir(dir) {
				if c := s.containerdTask(inst, path.Join(dir, ns, id), ns, id); c != nil {
					return c
				}
			}
		}
	}
	return nil
}

// containerdTask reads one task directory; nil when it does not exist.
func (s *Store) containerdTask(inst containerdInstall, dir, ns, id string) *Container {
	specPath := path.Join(dir, "config.json")
	b, err := s.read(specPath)
	if err != nil {
		s.warnUnlessGone(err, "containerd container "+shortID(id))
		return nil
	}
	c := &Container{Runtime: Containerd, ID: id, Namespace: ns, State: "running", Sources: []string{s.hostPath(specPath)}}
	spec, err := parseOCISpec(b)
	if err != nil {
		s.warnf("containerd container %s: malformed %s: %v", shortID(id), s.path(specPath), err)
		return c
	}
	if kid, ok := kubeIdentityOf(spec.Annotations); ok {
		kid.apply(c)
	}
	statusPath := path.Join(inst.root, "io.containerd.grpc.v1.cri/containers", id, "status")
	if b, err := s.read(statusPath); err == nil {
		if state, run, err := parseCRIStatus(b); err == nil {
			c.State, c.LastRun = state, run
			c.Sources = append(c.Sources, s.hostPath(statusPath))
		} else {
			s.warnf("containerd container %s: malformed %s: %v", shortID(id), s.path(statusPath), err)
		}
	}
	if pid, ok := parsePIDFile(s.readOrNil(path.Join(dir, "init.pid"))); ok && c.State == "running" {
		c.InitPID = pid
	}
	return c
}

// containerdAll lists the running containers of every containerd namespace
// but Docker's (moby), which Docker's own state lists, and the exited
// Kubernetes containers the CRI plugin still keeps a status file for,
// named from the kubelet's log links.
func (s *Store) containerdAll() []*Container {
	var list []*Container
	for _, inst := range containerdInstalls {
		for _, tasks := range containerdTaskDirs {
			dir := path.Join(inst.state, tasks)
			for _, ns := range s.listDir(dir) {
				if ns == "moby" {
					continue
				}
				for _, id := range s.listDir(path.Join(dir, ns)) {
					if c := s.containerdTask(inst, path.Join(dir, ns, id), ns, id); c != nil {
						list = append(list, c)
					}
				}
			}
		}
	}
	return append(list, s.criExited(list)...)
}

func (s *Store) readOrNil(rel string) []byte {
	b, _ := s.read(rel)
	return b
}

// criExited lists the CRI plugin's containers that have a status file but
// no task: exited ones, kept until the kubelet removes them. Their names
// are in containerd's metadata database, which containerd holds locked;
// the kubelet's log links name them instead.
func (s *Store) criExited(running []*Container) []*Container {
	seen := map[string]bool{}
	for _, c := range running {
		seen[c.ID] = true
	}
	var list []*Container
	for _, inst := range containerdInstalls {
		dir := path.Join(inst.root, "io.containerd.grpc.v1.cri/containers")
		for _, id := range s.listDir(dir) {
			if seen[id] || !IsHexID(id) {
				continue
			}
			statusPath := path.Join(dir, id, "status")
			b, err := s.read(statusPath)
			if err != nil {
				continue
			}
			state, run, err := parseCRIStatus(b)
			if err != nil {
				s.warnf("containerd container %s: malformed %s: %v", shortID(id), s.path(statusPath), err)
				continue
			}
			c := &Container{Runtime: Containerd, ID: id, Namespace: "k8s.io", State: state, LastRun: run,
				Sources: []string{s.hostPath(statusPath)}}
			if kl := s.kubeletLogLinks()[id]; kl != nil {
				c.Name, c.Pod = kl.container, kl.pod
				c.Sources = append(c.Sources, s.hostPath(kl.link))
			}
			list = append(list, c)
		}
	}
	return list
}
