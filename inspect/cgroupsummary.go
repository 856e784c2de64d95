package inspect

import (
	"sync"
)

// CgroupSummary is the few cgroup figures `nsx ls` shows per sandbox:
// usage against the effective limit of memory and pids, and the effective
// CPU quota.
type CgroupSummary struct {
	// Cgroup is the memory controller's path (else the cpu's): what
	// identifies the container's cgroup across refreshes.
	Cgroup        string   `json:"cgroup"`
	MemoryCurrent *uint64  `json:"memoryCurrent,omitempty"`
	MemoryLimit   Limit    `json:"memoryLimit"`
	CPUQuota      *float64 `json:"cpuQuota,omitempty"` // cores
	PIDsCurrent   *uint64  `json:"pidsCurrent,omitempty"`
	PIDsLimit     Limit    `json:"pidsLimit"`
	// For rates between two summaries (nsx top).
	CPUUsageUsec *uint64 `json:"cpuUsageUsec,omitempty"`
	NrThrottled  *uint64 `json:"nrThrottled,omitempty"`
	OOMKills     *uint64 `json:"oomKills,omitempty"`
}

// CgroupSummaries reads the summary of each given process's cgroups, in
// parallel. Files are read once per cgroup even when many processes (or
// many sandboxes' ancestors) share it. A process whose cgroups cannot be
// read gets no entry.
func (h Host) CgroupSummaries(pids []int, l *CgroupLayout) map[int]*CgroupSummary {
	cache := &fileCache{}
	out := make([]*CgroupSummary, len(pids))
	forEach(len(pids), func(_, i int) {
		out[i] = h.cgroupSummary(pids[i], l, cache)
	})
	m := make(map[int]*CgroupSummary, len(pids))
	for i, s := range out {
		if s != nil {
			m[pids[i]] = s
		}
	}
	return m
}

func (h Host) cgroupSummary(pid int, l *CgroupLayout, cache *fileCache) *CgroupSummary {
	b, err := h.ReadFile("proc", itoa(pid), "cgroup")
	if err != nil {
		return nil
	}
	lines, err := ParseCgroupFile(b)
	if err != nil {
		return nil
	}
	pass := &cgroupPass{h: h, l: l, cache: cache}
	s := &CgroupSummary{}
	if mi, err := pass.memoryInfo(lines); err == nil && mi != nil {
		s.MemoryCurrent, s.MemoryLimit, s.Cgroup = mi.Current, mi.Limit, mi.Cgroup
		if v, ok := mi.Events["oomKill"]; ok {
			s.OOMKills = &v
		}
	}
	if ci, err := pass.cpuInfo(lines); err == nil && ci != nil {
		s.CPUQuota, s.CPUUsageUsec, s.NrThrottled = ci.Quota.Value, ci.UsageUsec, ci.NrThrottled
		if s.Cgroup == "" {
			s.Cgroup = ci.Cgroup
		}
	}
	if pi, err := pass.pidsInfo(lines); err == nil && pi != nil {
		s.PIDsCurrent, s.PIDsLimit = pi.Current, pi.Limit
	}
	if s.Cgroup == "/" {
		// The root cgroup's usage is the whole machine's, not the
		// process's: no figure is better than a misleading one.
		s.MemoryCurrent, s.PIDsCurrent = nil, nil
	}
	return s
}

// fileCache remembers cgroup files read during one summary pass; limits of
// shared ancestors (/, /docker, kubepods.slice) are then read once.
type fileCache struct {
	m sync.Map // path -> cachedFile
}

type cachedFile struct {
	b   []byte
	err error
}

func (c *fileCache) read(path string) ([]byte, error) {
	if v, ok := c.m.Load(path); ok {
		f := v.(cachedFile)
		return f.b, f.err
	}
	b, err := readSmallFile(path)
	c.m.Store(path, cachedFile{b: b, err: err})
	return b, err
}
