package runtimes

import (
	"encoding/json"
	"path"
	"strings"
)

// ociState is what a low-level OCI runtime (runc, crun) records of a
// running container in its state directory: the container's init PID and
// its bundle. It names containers whose cgroup path does not: rootless
// podman on cgroup v1 (no cgroups at all), `runc run` by hand, a runtime
// configured with unusual cgroup parents.
type ociState struct {
	ID        string
	InitPID   int
	StartTime uint64 // the init's start time in clock ticks (stat field 22), 0 if unknown
	Bundle    string
	// root is the state directory (under the host root) it was found in.
	root string
}

// runcState is runc's state.json (libcontainer).
type runcState struct {
	ID        string `json:"id"`
	InitPID   int    `json:"init_process_pid"`
	InitStart uint64 `json:"init_process_start"`
	Config    struct {
		Labels []string `json:"labels"`
	} `json:"config"`
}

// parseRuncState reads runc's state.json; the bundle is in a "bundle=PATH"
// label.
func parseRuncState(b []byte) (*ociState, error) {
	var st runcState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, err
	}
	if st.ID == "" || st.InitPID <= 0 {
		return nil, errFormat
	}
	o := &ociState{ID: st.ID, InitPID: st.InitPID, StartTime: st.InitStart}
	for _, l := range st.Config.Labels {
		if b, ok := strings.CutPrefix(l, "bundle="); ok {
			o.Bundle = b
		}
	}
	return o, nil
}

// crunStatus is crun's status file.
type crunStatus struct {
	PID       int    `json:"pid"`
	StartTime uint64 `json:"process-start-time"`
	Bundle    string `json:"bundle"`
}

func parseCrunStatus(id string, b []byte) (*ociState, error) {
	var st crunStatus
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, err
	}
	if st.PID <= 0 {
		return nil, errFormat
	}
	return &ociState{ID: id, InitPID: st.PID, StartTime: st.StartTime, Bundle: st.Bundle}, nil
}

// ociStateRoots are the state directories of runc and crun as the
// runtimes above invoke them: their own defaults, containerd's shims (one
// per namespace), Docker's, and each user's rootless ones under
// /run/user/UID. A directory of the pattern may hold one level of
// namespaces (marked by *).
var ociStateRoots = []string{
	"run/runc", "run/crun",
	"run/containerd/runc/*", "run/docker/runtime-runc/*",
	"run/user/*/runc", "run/user/*/crun",
}

// loadOCIStates indexes every OCI runtime state by init PID, once.
func (s *Store) loadOCIStates() map[int][]*ociState {
	s.mu.Lock()
	if s.byPID != nil {
		defer s.mu.Unlock()
		return s.byPID
	}
	s.mu.Unlock()
	byPID := map[int][]*ociState{}
	for _, pattern := range ociStateRoots {
		for _, dir := range s.expand(pattern) {
			crun := strings.HasSuffix(dir, "crun")
			for _, id := range s.listDir(dir) {
				var st *ociState
				var err error
				if crun {
					var b []byte
					if b, err = s.read(path.Join(dir, id, "status")); err == nil {
						st, err = parseCrunStatus(id, b)
					}
				} else {
					var b []byte
					if b, err = s.read(path.Join(dir, id, "state.json")); err == nil {
						st, err = parseRuncState(b)
					}
				}
				if err != nil || st == nil {
					continue // not a container directory, or one being torn down
				}
				st.root = dir
				byPID[st.InitPID] = append(byPID[st.InitPID], st)
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byPID = byPID
	return byPID
}

// expand replaces '*' segments of a relative path by the names in that
// directory.
func (s *Store) expand(pattern string) []string {
	dirs := []string{""}
	for _, seg := range strings.Split(pattern, "/") {
		var next []string
		for _, d := range dirs {
			if seg != "*" {
				next = append(next, path.Join(d, seg))
				continue
			}
			for _, name := range s.listDir(d) {
				next = append(next, path.Join(d, name))
			}
		}
		dirs = next
	}
	return dirs
}

// ByInitPID finds the container whose init process is pid from the OCI
// runtimes' state, then names it from its runtime's own state. startTime
// gives the process's start time (clock ticks since boot, 0 if unknown); it
// is asked only when a state names pid, and guards against a stale state
// file whose PID has been reused.
func (s *Store) ByInitPID(pid int, startTime func() uint64) *Container {
	// A stopped task's state keeps its old PID, which may have been
	// reused: of several states for pid, the one whose start time matches.
	var st *ociState
	var t uint64
	asked := false
	for _, cand := range s.loadOCIStates()[pid] {
		if cand.StartTime != 0 {
			if !asked {
				t, asked = startTime(), true
			}
			if t != 0 && t != cand.StartTime {
				continue
			}
		}
		if st == nil || st.StartTime == 0 {
			st = cand
		}
	}
	if st == nil {
		return nil
	}
	c := &Container{ID: st.ID, InitPID: pid, State: "running"}
	if uid, ok := strings.CutPrefix(st.root, "run/user/"); ok {
		uid, _, _ = strings.Cut(uid, "/")
		c.Owner = s.userName(atoiOr(uid, -1))
	}
	switch {
	case strings.Contains(st.Bundle, "/overlay-containers/"):
		c.Runtime = Podman
		if found := s.podman(st.ID); found != nil {
			merge(c, found)
		}
	case strings.Contains(st.root, "runtime-runc/moby") || strings.HasSuffix(st.root, "/moby"):
		c.Runtime = Docker
		if found, ok := s.docker(st.ID); ok {
			merge(c, found)
		}
	case strings.Contains(st.Bundle, "io.containerd.runtime"):
		c.Runtime = Containerd
		if found := s.containerd(st.ID); found != nil {
			merge(c, found)
		}
	default:
		// runc or crun run by hand: the bundle's spec may still say more.
		c.Runtime = path.Base(st.root)
		c.Name = st.ID
		if b, err := s.read(strings.TrimPrefix(path.Join(st.Bundle, "config.json"), "/")); err == nil {
			if spec, err := parseOCISpec(b); err == nil {
				if kid, ok := kubeIdentityOf(spec.Annotations); ok {
					kid.apply(c)
				}
			}
		}
	}
	c.InitPID = pid
	c.Sources = append(c.Sources, s.hostPath(st.root+"/"+st.ID))
	return c
}
