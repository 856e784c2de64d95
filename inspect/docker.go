package inspect

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"strings"
)

// dockerContainersDir is Docker's default data root. A daemon started with
// --data-root elsewhere is not found (its containers are still recognised by
// cgroup path, only without names).
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
		OOMKilled  bool   `json:"OOMKilled"`
		StartedAt  string `json:"StartedAt"`
		FinishedAt string `json:"FinishedAt"`
	} `json:"State"`
}

// ParseDockerConfig reads the identity and state of a container from the
// bytes of Docker's config.v2.json.
func ParseDockerConfig(b []byte) (*Container, error) {
	var cfg dockerConfig
	if err := json.Unmarshal(b, &cfg); err != nil {
		return nil, err
	}
	if !isHexID(cfg.ID) {
		return nil, errFormat
	}
	c := &Container{Runtime: RuntimeDocker, ID: cfg.ID, Name: strings.TrimPrefix(cfg.Name, "/")}
	switch {
	case cfg.State.Paused:
		c.State = "paused"
	case cfg.State.Restarting:
		c.State = "restarting"
	case cfg.State.Running:
		c.State = "running"
	case cfg.State.Dead:
		c.State = "dead"
	case cfg.State.StartedAt == "" || strings.HasPrefix(cfg.State.StartedAt, "0001-"):
		c.State = "created"
	default:
		c.State = "exited"
	}
	if cfg.State.Running {
		c.InitPID = cfg.State.Pid
	}
	return c, nil
}

// DockerContainers reads every container in Docker's state directory,
// running or not. A missing directory (no Docker here) is no error; an
// unreadable or malformed entry is skipped and reported in warnings.
func (h Host) DockerContainers() (list []*Container, warnings []string) {
	dir := h.Path(dockerContainersDir)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, []string{"docker container names unavailable: " + err.Error()}
	}
	for _, e := range entries {
		if !e.IsDir() || !isHexID(e.Name()) {
			continue
		}
		b, err := h.ReadFile(dockerContainersDir, e.Name(), "config.v2.json")
		if errors.Is(err, fs.ErrNotExist) {
			continue // being created or removed right now
		}
		if err != nil {
			warnings = append(warnings, "docker container "+e.Name()[:12]+": "+err.Error())
			continue
		}
		c, err := ParseDockerConfig(b)
		if err != nil {
			warnings = append(warnings, "docker container "+e.Name()[:12]+": malformed config.v2.json: "+err.Error())
			continue
		}
		list = append(list, c)
	}
	return list, warnings
}
