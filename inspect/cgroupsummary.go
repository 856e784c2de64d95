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
// parallel. Processes with the same cgroups (the same /proc/PID/cgroup)
// are summarised once, and files are read once per cgroup even when many
// sandboxes share an ancestor. Only the files a summary shows are read. A
// process whose cgroups cannot be read gets no entry. limits, when not
// nil, keeps limit files between calls (see LimitCache).
func (h Host) CgroupSummaries(pids []int, l *CgroupLayout, limits *LimitCache) map[int]*CgroupSummary {
	texts := make([][]byte, len(pids))
	forEach(len(pids), func(_, i int) {
		texts[i], _ = h.ReadFile("proc", itoa(pids[i]), "cgroup")
	})
	index := map[string]int{} // cgroup file text -> slot in distinct
	var distinct [][]byte
	slot := make([]int, len(pids))
	for i, t := range texts {
		if t == nil {
			slot[i] = -1
			continue
		}
		k, ok := index[string(t)]
		if !ok {
			k = len(distinct)
			index[string(t)] = k
			distinct = append(distinct, t)
		}
		slot[i] = k
	}
	pass := cgroupPass{h: h, l: l, cache: &fileCache{}, summary: true}
	if limits != nil {
		pass.limits = &limits.files
	}
	sums := make([]*CgroupSummary, len(distinct))
	forEach(len(distinct), func(_, k int) {
		sums[k] = pass.cgroupSummary(distinct[k])
	})
	m := make(map[int]*CgroupSummary, len(pids))
	for i, k := range slot {
		if k >= 0 && sums[k] != nil {
			m[pids[i]] = sums[k]
		}
	}
	return m
}

func (pass *cgroupPass) cgroupSummary(cgroupFile []byte) *CgroupSummary {
	lines, err := ParseCgroupFile(cgroupFile)
	if err != nil {
		return nil
	}
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

// LimitCache keeps the limit files (and the files that tell where a
// controller is enabled) that CgroupSummaries read, for the next call:
// limits change only when someone reconfigures a cgroup, while usage
// changes all the time. nsx top keeps one between rescans.
type LimitCache struct {
	files fileCache
}

// fileCache remembers cgroup files read during one summary pass; limits of
// shared ancestors (/, /docker, kubepods.slice) are then read once.
type fileCache struct {
	m sync.Map // path -> *cachedFile
}

type cachedFile struct {
	once sync.Once
	b    []byte
	err  error
}

// read returns the file's bytes, reading it once however many workers ask
// at the same time.
func (c *fileCache) read(path string) ([]byte, error) {
	v, _ := c.m.LoadOrStore(path, &cachedFile{})
	f := v.(*cachedFile)
	f.once.Do(func() { f.b, f.err = readSmallFile(path) })
	return f.b, f.err
}
