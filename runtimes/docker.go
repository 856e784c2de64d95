package runtimes

import (
	"encoding/json"
	"errors"
	"strings"
)

// dockerContainersDir is Docker's default data root. A daemon started with
// --data-root elsewhere is not found on disk; the Engine API, when it
// answers, names its containers instead.
const dockerContainersDir = "var/lib/docker/containers"

// dockerConfig is the part of config.v2.json nsx reads.
type dockerConfig struct {
	ID    string `json:"ID"`
	Name  string `json:"Name"`
	State struct {
		Running    bool   `json:"Running"`
		Paused     bool   `json:"Paused"`
		Restarting bool   `json:"Restarting"`
		Dead       bool   `json:"Dead"`
		Pid        int    `json:"Pid"`
		ExitCode   int    `json:"ExitCode"`
		Error      string `json:"Error"`
		OOMKilled  bool   `json:"OOMKilled"`
		StartedAt  string `json:"StartedAt"`
		FinishedAt string `json:"FinishedAt"`
	} `json:"State"`
	RestartCount int `json:"RestartCount"`
	Config       struct {
		Image  string            `json:"Image"`
		Labels map[string]string `json:"Labels"`
	} `json:"Config"`
}

var errNoID = errors.New("no container ID")

// ParseDockerConfig reads the identity and state of a container from the
// bytes of Docker's config.v2.json.
func ParseDockerConfig(b []byte) (*Container, error) {
	var cfg dockerConfig
	if err := json.Unmarshal(b, &cfg); err != nil {
		return nil, err
	}
	if !IsHexID(cfg.ID) || len(cfg.ID) != 64 {
		return nil, errNoID
	}
	c := &Container{Runtime: Docker, ID: cfg.ID, Name: strings.TrimPrefix(cfg.Name, "/"), Image: cfg.Config.Image}
	st := cfg.State
	started := parseTime(st.StartedAt)
	switch {
	case st.Paused:
		c.State = "paused"
	case st.Restarting:
		c.State = "restarting"
	case st.Running:
		c.State = "running"
	case st.Dead:
		c.State = "dead"
	case started == nil:
		// Never started, or failed to: `docker ps -a` says "Created".
		c.State = "created"
	default:
		c.State = "exited"
	}
	if st.Running {
		c.InitPID = st.Pid
	}
	run := &RunState{StartedAt: started, FinishedAt: parseTime(st.FinishedAt), OOMKilled: st.OOMKilled,
		Error: st.Error, RestartCount: cfg.RestartCount}
	// Docker keeps the previous exit code while a restarted container runs;
	// it is the last exit only once the container is down again.
	if c.State == "exited" || c.State == "dead" || c.State == "restarting" || (c.State == "created" && st.ExitCode != 0) {
		run.ExitCode = intPtr(st.ExitCode)
	}
	if *run != (RunState{}) {
		c.LastRun = run
	}
	// cri-dockerd (and dockershim before it) runs Kubernetes pods on Docker
	// and says so in labels.
	if id, ok := kubeIdentityOf(cfg.Config.Labels); ok {
		id.apply(c)
	}
	return c, nil
}

// dockerHostConfig is the part of hostconfig.json nsx reads.
type dockerHostConfig struct {
	Privileged     bool     `json:"Privileged"`
	CapAdd         []string `json:"CapAdd"`
	CapDrop        []string `json:"CapDrop"`
	NetworkMode    string   `json:"NetworkMode"`
	PidMode        string   `json:"PidMode"`
	IpcMode        string   `json:"IpcMode"`
	UsernsMode     string   `json:"UsernsMode"`
	SecurityOpt    []string `json:"SecurityOpt"`
	ReadonlyRootfs bool     `json:"ReadonlyRootfs"`
	RestartPolicy  struct {
		Name              string `json:"Name"`
		MaximumRetryCount int    `json:"MaximumRetryCount"`
	} `json:"RestartPolicy"`
}

// ParseDockerHostConfig reads the isolation settings of hostconfig.json.
func ParseDockerHostConfig(b []byte) (*Settings, error) {
	var hc dockerHostConfig
	if err := json.Unmarshal(b, &hc); err != nil {
		return nil, err
	}
	s := &Settings{
		Privileged: hc.Privileged, CapAdd: normalizeCaps(hc.CapAdd), CapDrop: normalizeCaps(hc.CapDrop),
		NetworkMode: hc.NetworkMode, PIDMode: hc.PidMode, IPCMode: hc.IpcMode, UsernsMode: hc.UsernsMode,
		SecurityOpt: hc.SecurityOpt, ReadonlyRootfs: hc.ReadonlyRootfs, RestartPolicy: hc.RestartPolicy.Name,
	}
	if s.RestartPolicy == "no" {
		s.RestartPolicy = ""
	}
	return s, nil
}

// docker reads a Docker container's state files; ok is false when it has
// none under the default data root.
func (s *Store) docker(id string) (*Container, bool) {
	path := dockerContainersDir + "/" + id + "/config.v2.json"
	b, err := s.read(path)
	if err != nil {
		s.warnUnlessGone(err, "docker container "+shortID(id))
		return nil, false
	}
	c, err := ParseDockerConfig(b)
	if err != nil {
		s.warnf("docker container %s: malformed %s: %v", shortID(id), s.path(path), err)
		return nil, false
	}
	c.Sources = []string{s.hostPath(path)}
	hostConfig := dockerContainersDir + "/" + id + "/hostconfig.json"
	if b, err := s.read(hostConfig); err == nil {
		if set, err := ParseDockerHostConfig(b); err == nil {
			c.Settings = set
			c.Sources = append(c.Sources, s.hostPath(hostConfig))
		}
	}
	return c, true
}

// dockerAll lists Docker's containers on disk, running or not.
func (s *Store) dockerAll() []*Container {
	var list []*Container
	for _, name := range s.listDir(dockerContainersDir) {
		if !IsHexID(name) || len(name) != 64 {
			continue
		}
		if c, ok := s.docker(name); ok {
			list = append(list, c)
		}
	}
	return list
}

// normalizeCaps spells capabilities as Docker 20.10 and later record them
// (CAP_NET_ADMIN); older releases kept what was typed ("net_admin"). "ALL"
// stays.
func normalizeCaps(caps []string) []string {
	var out []string
	for _, c := range caps {
		if c = strings.ToUpper(c); c != "ALL" && !strings.HasPrefix(c, "CAP_") {
			c = "CAP_" + c
		}
		out = append(out, c)
	}
	return out
}
