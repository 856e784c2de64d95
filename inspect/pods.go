package inspect

import (
	"sort"
)

// PodGroup is a Kubernetes pod as the scan saw it: its running containers
// (the sandbox first) and their processes.
type PodGroup struct {
	Pod        *Pod
	Containers []PodMember
}

// PodMember is one container of a pod and its processes, lowest PID first.
type PodMember struct {
	Container *Container
	PIDs      []int
}

// Pods groups the running containers that belong to a pod by pod UID (or
// NAMESPACE/NAME when a runtime gave no UID), sorted by NAMESPACE/NAME.
func (s *Snapshot) Pods() []*PodGroup {
	byKey := map[string]*PodGroup{}
	pids := map[*Container][]int{}
	for _, pid := range s.SortedPIDs() {
		if c := s.Processes[pid].Container; c != nil && c.Pod != nil {
			pids[c] = append(pids[c], pid)
		}
	}
	for c, list := range pids {
		key := c.Pod.UID
		if key == "" {
			key = c.Pod.String()
		}
		g := byKey[key]
		if g == nil {
			g = &PodGroup{Pod: c.Pod}
			byKey[key] = g
		}
		// Containers of one pod may know more or less of it (a pause
		// container whose runtime state was unreadable): keep the fullest.
		if g.Pod.Name == "" && c.Pod.Name != "" {
			g.Pod = c.Pod
		}
		g.Containers = append(g.Containers, PodMember{Container: c, PIDs: list})
	}
	out := make([]*PodGroup, 0, len(byKey))
	for _, g := range byKey {
		sort.Slice(g.Containers, func(i, j int) bool {
			a, b := g.Containers[i].Container, g.Containers[j].Container
			if a.PodSandbox != b.PodSandbox {
				return a.PodSandbox
			}
			if a.Name != b.Name {
				return a.Name < b.Name
			}
			return a.ID < b.ID
		})
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool {
		if a, b := out[i].Pod.String(), out[j].Pod.String(); a != b {
			return a < b
		}
		return out[i].Pod.UID < out[j].Pod.UID
	})
	return out
}
