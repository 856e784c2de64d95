package inspect

// CgroupLevel is one cgroup between a process's cgroup and its hierarchy's
// root, with the counters that tell why processes in it were killed or
// refused: each level's own limit and events, not the effective values
// `nsx cgroup` shows, because an OOM is charged to the level whose limit
// was hit.
type CgroupLevel struct {
	Path       string `json:"path"`
	Controller string `json:"controller"` // "memory" or "pids"
	Version    int    `json:"version"`

	// Memory: the level's own hard limit (nil: none), usage and peak.
	LimitBytes *uint64 `json:"limitBytes,omitempty"`
	UsageBytes *uint64 `json:"usageBytes,omitempty"`
	PeakBytes  *uint64 `json:"peakBytes,omitempty"`
	// Events are v2 memory.events (the level and its descendants since
	// creation: max, oom, oomKill, oomGroupKill, high, low); on v1 only
	// oomKill, from memory.oom_control (4.13+).
	Events   map[string]uint64 `json:"events,omitempty"`
	Failcnt  *uint64           `json:"failcnt,omitempty"`  // v1 memory.failcnt
	UnderOOM *bool             `json:"underOom,omitempty"` // v1, oom_kill_disable=1 and stuck
	// Stat is what the memory is (anon, file, shmem, kernel, slab, sock),
	// read for the innermost level only.
	Stat map[string]uint64 `json:"stat,omitempty"`

	// pids: the level's own pids.max, pids.current, and the number of
	// forks refused because of this level's limit (pids.events max).
	PIDsLimit     *uint64 `json:"pidsLimit,omitempty"`
	PIDsCurrent   *uint64 `json:"pidsCurrent,omitempty"`
	PIDsEventsMax *uint64 `json:"pidsEventsMax,omitempty"`
}

// CgroupLevels reads the memory and pids counters of process pid's cgroups
// and of every ancestor below the root, innermost first, memory levels
// before pids levels. The root cgroup is the machine, not a limit, and is
// left out. Levels whose files cannot be parsed are noted in the returned
// warnings.
func (h Host) CgroupLevels(pid int, l *CgroupLayout) ([]CgroupLevel, []string, error) {
	lines, err := h.cgroupLines(pid)
	if err != nil {
		return nil, nil, err
	}
	paths := map[string]string{}
	for _, controller := range []string{"memory", "pids"} {
		if m := l.mountFor(controller); m != nil {
			if p, ok := pathIn(m, lines); ok {
				paths[controller] = p
			}
		}
	}
	levels, warnings := h.CgroupLevelsOf(paths, l)
	return levels, warnings, nil
}

// CgroupLevelsOf is CgroupLevels for cgroup paths (by controller, as
// /proc/PID/cgroup and the kernel log print them) that need no process:
// an exited container's cgroup is gone, but its pod's or slice's remain
// and keep their counters. Levels that do not exist are skipped.
func (h Host) CgroupLevelsOf(paths map[string]string, l *CgroupLayout) ([]CgroupLevel, []string) {
	var warnings []string
	pass := &cgroupPass{h: h, l: l, warnings: &warnings}
	var levels []CgroupLevel
	for _, controller := range []string{"memory", "pids"} {
		p, ok := paths[controller]
		m := l.mountFor(controller)
		if !ok || m == nil {
			continue
		}
		r := cgroupReader{pass: pass, m: m}
		for i, a := range ancestors(p) {
			if a == "/" {
				break
			}
			lv, ok := r.level(controller, a, i == 0)
			if ok {
				levels = append(levels, lv)
			}
		}
	}
	return levels, warnings
}

// level reads one level; ok is false when the cgroup does not exist (or
// the controller is not enabled there on v2).
func (r cgroupReader) level(controller, p string, innermost bool) (CgroupLevel, bool) {
	lv := CgroupLevel{Path: p, Controller: controller, Version: r.m.Version}
	v2 := r.m.Version == 2
	switch controller {
	case "memory":
		limitFile, usageFile := "memory.limit_in_bytes", "memory.usage_in_bytes"
		if v2 {
			limitFile, usageFile = "memory.max", "memory.current"
		}
		usage, ok := r.uint(p, usageFile)
		if !ok {
			return lv, false
		}
		lv.UsageBytes = usage
		lv.LimitBytes, _ = r.limitFile(p, limitFile)
		if v2 {
			lv.PeakBytes, _ = r.uint(p, "memory.peak")
			if ev, ok := r.flat(p, "memory.events"); ok {
				lv.Events = renameKeys(ev, memoryEventNames)
			}
			if innermost {
				if st, ok := r.flat(p, "memory.stat"); ok {
					lv.Stat = pick(st, memoryStatV2)
				}
			}
		} else {
			lv.PeakBytes, _ = r.uint(p, "memory.max_usage_in_bytes")
			lv.Failcnt, _ = r.uint(p, "memory.failcnt")
			lv.UnderOOM, _, lv.Events = r.oomControl(p)
			if innermost {
				if st, ok := r.flat(p, "memory.stat"); ok {
					lv.Stat = pick(st, map[string]string{"total_rss": "anon", "total_cache": "file", "total_shmem": "shmem"})
				}
			}
		}
	case "pids":
		current, ok := r.uint(p, "pids.current")
		if !ok {
			return lv, false
		}
		lv.PIDsCurrent = current
		lv.PIDsLimit, _ = r.limitFile(p, "pids.max")
		if ev, ok := r.flat(p, "pids.events"); ok {
			lv.PIDsEventsMax = ptr(ev, "max")
		}
	default:
		return lv, false
	}
	return lv, true
}

// InnermostLevel is the first level of a controller in levels as
// CgroupLevels orders them: the cgroup's own, or nil when none was read.
func InnermostLevel(levels []CgroupLevel, controller string) *CgroupLevel {
	for i := range levels {
		if levels[i].Controller == controller {
			return &levels[i]
		}
	}
	return nil
}
