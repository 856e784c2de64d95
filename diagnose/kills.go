package diagnose

import (
	"sort"
	"strings"
	"time"

	"nsx/killlog"
	"nsx/runtimes"
)

// KillKind says whose limit a kill enforced.
type KillKind string

const (
	// KillLimit: the OOM killer enforced the memory limit of the cgroup the
	// victim belongs to (the container's own, or one inside it).
	KillLimit KillKind = "limit"
	// KillAncestorLimit: the limit of an ancestor (pod, slice, parent).
	KillAncestorLimit KillKind = "ancestor-limit"
	// KillHost: a host-wide OOM (no cgroup limit was hit; the machine, a
	// cpuset or a memory policy ran out).
	KillHost KillKind = "host"
	// KillUserspace: a userspace OOM killer (systemd-oomd, earlyoom).
	KillUserspace KillKind = "userspace"
	// KillUnknown: a memcg OOM whose report did not say which cgroup (a
	// rate-limited header in an OOM storm, a lost ring buffer record).
	KillUnknown KillKind = "unknown"
)

// Kill is one process killed by an OOM killer, as the log reports it.
type Kill struct {
	Time      *time.Time `json:"time,omitempty"`
	Monotonic float64    `json:"monotonic,omitempty"` // seconds since boot (kernel kills)
	PID       int        `json:"pid,omitempty"`
	Comm      string     `json:"comm,omitempty"`
	Kind      KillKind   `json:"kind"`
	// Constraint is the kernel's CONSTRAINT_* for the OOM (5.0+).
	Constraint string `json:"constraint,omitempty"`
	OOMMemcg   string `json:"oomMemcg,omitempty"`
	TaskMemcg  string `json:"taskMemcg,omitempty"`
	// LimitBytes and UsageBytes are the OOM cgroup's, as the report printed
	// them.
	LimitBytes *uint64 `json:"limitBytes,omitempty"`
	UsageBytes *uint64 `json:"usageBytes,omitempty"`
	// The victim's resident memory when it was chosen.
	AnonRSSBytes  uint64 `json:"anonRssBytes"`
	FileRSSBytes  uint64 `json:"fileRssBytes"`
	ShmemRSSBytes uint64 `json:"shmemRssBytes"`
	// Stats is the OOM cgroup's memory.stat in the report, in bytes.
	Stats map[string]uint64 `json:"stats,omitempty"`
	// TopTasks are the largest processes of the report's task table: for a
	// host-wide OOM, the host's top memory users.
	TopTasks []TaskUse `json:"topTasks,omitempty"`
	// Group is set when the kill was part of a memory.oom.group kill.
	Group bool `json:"group,omitempty"`
	// MainProcess: the victim was the container's main process.
	MainProcess bool `json:"mainProcess"`
	// Killer is the userspace killer ("systemd-oomd", "earlyoom").
	Killer string `json:"killer,omitempty"`
	// Text is the userspace killer's log line.
	Text   string `json:"text,omitempty"`
	Source string `json:"source,omitempty"`
	Boot   string `json:"boot,omitempty"`
	// AttributedBy says how the kill was tied to its cgroup: "cgroup" (the
	// report names it), "pid" (a rate-limited report: the PID was listed in
	// an earlier report's task table of that cgroup).
	AttributedBy string     `json:"attributedBy,omitempty"`
	Container    *Container `json:"container,omitempty"`
}

// TaskUse is one row of a report's task table.
type TaskUse struct {
	PID      int    `json:"pid"`
	Comm     string `json:"comm"`
	RSSBytes uint64 `json:"rssBytes"`
}

// Container names the container a kill belongs to in the host's history.
type Container struct {
	Runtime string `json:"runtime"`
	ID      string `json:"id"`
	Name    string `json:"name,omitempty"`
}

// pageSize is the unit of the kernel's task table. Every architecture nsx
// ships for (amd64, arm64 with 4 KiB pages) uses 4 KiB; the table's values
// only rank processes.
const pageSize = 4096

// KillsFromEvents turns OOM reports into kills, one per victim (a
// memory.oom.group kill gives several), oldest first. Reports whose header
// was rate-limited name no cgroup; their victim is attributed to the cgroup
// of an earlier report (same source and boot) whose task table listed its
// PID.
func KillsFromEvents(events []killlog.OOMEvent) []Kill {
	type seen struct {
		memcg string
		at    int
	}
	listed := map[string]map[int]seen{} // source+boot -> pid -> memcg of the report that listed it
	var kills []Kill
	for i := range events {
		e := &events[i]
		stream := e.Source + "\x00" + e.Boot
		if listed[stream] == nil {
			listed[stream] = map[int]seen{}
		}
		if e.OOMMemcg != "" && !e.Global {
			for _, t := range e.Tasks {
				listed[stream][t.TGID] = seen{memcg: e.OOMMemcg, at: i}
				listed[stream][t.PID] = seen{memcg: e.OOMMemcg, at: i}
			}
		}
		victims := []killlog.Victim{}
		if e.Victim.PID != 0 {
			victims = append(victims, e.Victim)
		}
		victims = append(victims, e.GroupVictims...)
		for _, v := range victims {
			k := killFromEvent(e, v)
			if k.TaskMemcg == "" && k.OOMMemcg == "" && k.Kind != KillHost {
				if s, ok := listed[stream][v.PID]; ok {
					k.OOMMemcg, k.AttributedBy = s.memcg, "pid"
				}
			}
			kills = append(kills, k)
		}
	}
	SortKills(kills)
	return kills
}

func killFromEvent(e *killlog.OOMEvent, v killlog.Victim) Kill {
	k := Kill{
		Time:          e.Wall,
		Monotonic:     e.Start.Seconds(),
		PID:           v.PID,
		Comm:          v.Comm,
		Constraint:    e.Constraint,
		OOMMemcg:      e.OOMMemcg,
		TaskMemcg:     e.TaskMemcg,
		LimitBytes:    kib(e.MemoryLimitKB),
		UsageBytes:    kib(e.MemoryUsageKB),
		AnonRSSBytes:  v.AnonRSSKB * 1024,
		FileRSSBytes:  v.FileRSSKB * 1024,
		ShmemRSSBytes: v.ShmemRSSKB * 1024,
		Stats:         e.Stats,
		Source:        e.Source,
		Boot:          e.Boot,
	}
	if e.GroupKill != "" {
		k.Group = true
		if v.PID != e.Victim.PID {
			// The report names only the first victim's cgroup; the
			// others were in the group's.
			k.TaskMemcg = e.GroupKill
		}
	}
	if k.TaskMemcg != "" || k.OOMMemcg != "" {
		k.AttributedBy = "cgroup"
	}
	if isHostOOM(e) {
		k.Kind = KillHost
		k.TopTasks = topTasks(e.Tasks, 5)
	}
	return k
}

// isHostOOM: no cgroup limit was hit. The parser sets Global for
// global_oom and for the pre-5.0 "Out of memory" message; a cpuset or
// memory-policy constraint (5.0+) is no cgroup's limit either.
func isHostOOM(e *killlog.OOMEvent) bool {
	return e.Global || (e.Constraint != "" && e.Constraint != "CONSTRAINT_MEMCG")
}

func kib(v *uint64) *uint64 {
	if v == nil {
		return nil
	}
	b := *v * 1024
	return &b
}

func topTasks(rows []killlog.TaskRow, n int) []TaskUse {
	out := make([]TaskUse, 0, len(rows))
	for _, r := range rows {
		out = append(out, TaskUse{PID: r.PID, Comm: r.Name, RSSBytes: r.RSS * pageSize})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].RSSBytes > out[j].RSSBytes })
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// SortKills orders kills oldest first: by wall time when both have one,
// else by position (the streams are already in order).
func SortKills(kills []Kill) {
	sort.SliceStable(kills, func(i, j int) bool {
		a, b := kills[i].Time, kills[j].Time
		return a != nil && b != nil && a.Before(*b)
	})
}

// classify sets a kernel kill's kind relative to the cgroup of what is
// asked about (a container's or a process's cgroup, "" when unknown): a
// limit at that cgroup or inside it is the target's own; one above it is an
// ancestor's. Without a reference, the victim's own cgroup is it.
func classify(k *Kill, ref string) {
	if k.Kind == KillHost || k.Kind == KillUserspace {
		return
	}
	if k.OOMMemcg == "" {
		k.Kind = KillUnknown
		return
	}
	if ref == "" {
		ref = k.TaskMemcg
	}
	switch {
	case ref == "":
		k.Kind = KillLimit // only the OOM cgroup is known: the victim was in it
	case k.OOMMemcg == ref || isUnder(k.OOMMemcg, ref):
		k.Kind = KillLimit
	case isUnder(ref, k.OOMMemcg):
		k.Kind = KillAncestorLimit
	default:
		k.Kind = KillUnknown
	}
}

// isUnder reports whether cgroup path p is a strict descendant of parent.
func isUnder(p, parent string) bool {
	if parent == "/" {
		return p != "/" && strings.HasPrefix(p, "/")
	}
	return strings.HasPrefix(p, parent+"/")
}

// VictimCgroup is the cgroup a kill's victim was in, as far as known.
func (k *Kill) VictimCgroup() string {
	if k.TaskMemcg != "" {
		return k.TaskMemcg
	}
	return k.OOMMemcg
}

// containerOfCgroup recognises the container a cgroup path belongs to and
// returns it with the path of the container's own cgroup (the path up to
// the segment that names it: a container may have sub-cgroups).
func containerOfCgroup(p string) (*runtimes.Container, string) {
	c := runtimes.FromCgroupPath(p)
	if c == nil {
		c = runtimes.ServiceFromCgroupPath(p)
	}
	if c == nil {
		return nil, ""
	}
	return c, ownCgroup(p, c.ID)
}

// ownCgroup cuts a cgroup path after the innermost segment that holds id.
func ownCgroup(p, id string) string {
	segs := strings.Split(p, "/")
	for i := len(segs) - 1; i >= 0; i-- {
		if id != "" && strings.Contains(segs[i], id) {
			return strings.Join(segs[:i+1], "/")
		}
	}
	return p
}

// belongsTo reports whether a cgroup path is container c's (or inside it).
// Container IDs are 64 hex digits where they are hex, so a path holding
// the ID is the container's; name-IDs (LXC, nspawn, systemd units) are
// compared as the cgroup path parses.
func belongsTo(p string, c *runtimes.Container) bool {
	if p == "" || c == nil || c.ID == "" {
		return false
	}
	if runtimes.IsHexID(c.ID) && len(c.ID) >= 32 {
		return strings.Contains(p, c.ID)
	}
	if pc, _ := containerOfCgroup(p); pc != nil {
		return pc.ID == c.ID
	}
	return false
}

// KillFromUserspace is a userspace OOM killer's kill (systemd-oomd names a
// cgroup, earlyoom a process).
func KillFromUserspace(wall time.Time, killer, cgroup string, pid int, comm, text, source string) Kill {
	k := Kill{Kind: KillUserspace, Killer: killer, TaskMemcg: cgroup, PID: pid, Comm: comm, Text: text, Source: source}
	if !wall.IsZero() {
		k.Time = &wall
	}
	if cgroup != "" {
		k.AttributedBy = "cgroup"
	}
	return k
}
