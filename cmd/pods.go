package cmd

import (
	"fmt"
	"io"
	"slices"
	"strconv"

	"nsx/inspect"
)

// ---- pod view (ls --pods) ----

type podJSON struct {
	Namespace  string             `json:"namespace"`
	Name       string             `json:"name"`
	UID        string             `json:"uid"`
	Containers []podContainerJSON `json:"containers"`
}

type podContainerJSON struct {
	*inspect.Container
	PIDs      []int                  `json:"pids"`
	Processes []podProcessJSON       `json:"processes"`
	Cgroup    *inspect.CgroupSummary `json:"cgroupSummary,omitempty"`
}

type podProcessJSON struct {
	PID     int    `json:"pid"`
	User    string `json:"user"`
	UID     int    `json:"uid"`
	Command string `json:"command"`
}

// renderPods shows Kubernetes pods, their containers (the sandbox first)
// and each container's processes.
func (v *lsView) renderPods(w io.Writer, stderr io.Writer) error {
	var pods []*inspect.PodGroup
	var reps, all []int
	for _, g := range v.snap.Pods() {
		keep := v.targets == nil
		for _, m := range g.Containers {
			for _, pid := range m.PIDs {
				keep = keep || v.targets[pid]
			}
		}
		if !keep {
			continue
		}
		pods = append(pods, g)
		for _, m := range g.Containers {
			reps = append(reps, m.PIDs[0])
			all = append(all, m.PIDs...)
		}
	}
	v.snap.LoadDetails(all)
	limits := v.summaries(reps)
	if v.g.output == "json" {
		doc := struct {
			SchemaVersion int       `json:"schemaVersion"`
			View          string    `json:"view"`
			Scan          scanJSON  `json:"scan"`
			Pods          []podJSON `json:"pods"`
			Warnings      []string  `json:"warnings"`
		}{SchemaVersion: SchemaVersion, View: "pods", Scan: v.scanInfo(), Pods: []podJSON{}, Warnings: v.warnings()}
		for _, g := range pods {
			pj := podJSON{Namespace: g.Pod.Namespace, Name: g.Pod.Name, UID: g.Pod.UID}
			for _, m := range g.Containers {
				cj := podContainerJSON{Container: m.Container, PIDs: m.PIDs, Cgroup: limits[m.PIDs[0]]}
				for _, pid := range m.PIDs {
					p := v.snap.Details(pid)
					cj.Processes = append(cj.Processes, podProcessJSON{PID: pid, User: v.userName(p.UID), UID: p.UID, Command: p.Cmdline})
				}
				pj.Containers = append(pj.Containers, cj)
			}
			doc.Pods = append(doc.Pods, pj)
		}
		return writeJSON(w, doc)
	}
	header := []string{"POD", "CONTAINER", "RUNTIME", "ID", "PID", "USER", "MEM", "CPU", "PIDS", "COMMAND"}
	if v.noCgroup {
		header = slices.Delete(header, 6, 9)
	}
	t := &table{header: header}
	for _, g := range pods {
		podCell := podLabel(g.Pod)
		for _, m := range g.Containers {
			c := m.Container
			name := c.Name
			if c.PodSandbox {
				name = "(sandbox)"
			} else if name == "" {
				name = "-"
			}
			runtime, id := c.Runtime, c.ShortID()
			for i, pid := range m.PIDs {
				p := v.snap.Details(pid)
				row := []string{podCell, name, runtime, id, strconv.Itoa(pid), v.userName(p.UID)}
				if !v.noCgroup {
					mem, cpu, pids := "", "", ""
					if i == 0 {
						mem, cpu, pids = cgroupCells(limits[m.PIDs[0]])
					}
					row = append(row, mem, cpu, pids)
				}
				t.append(append(row, p.Cmdline)...)
				// Repeat neither the pod nor the container on the
				// following rows: the eye finds the groups.
				podCell, name, runtime, id = "", "", "", ""
			}
		}
	}
	if err := t.render(w, v.g.noHeaders, v.term, v.color); err != nil {
		return err
	}
	if len(pods) == 0 {
		fmt.Fprintln(stderr, "nsx: no pods: no running container belongs to a Kubernetes pod")
	}
	return nil
}

// podLabel is NAMESPACE/NAME, else the UID the cgroup path gave.
func podLabel(p *inspect.Pod) string {
	if p.Name != "" {
		return p.String()
	}
	return "uid:" + p.UID
}
