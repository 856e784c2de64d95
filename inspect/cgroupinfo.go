package inspect

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// CgroupInfo is everything nsx reads of one process's cgroups.
type CgroupInfo struct {
	PID    int               `json:"pid"`
	Layout string            `json:"layout"`
	Paths  map[string]string `json:"paths"` // hierarchy ("unified", or a v1 mount's controllers joined by ",") -> path
	Memory *MemoryInfo       `json:"memory,omitempty"`
	CPU    *CPUInfo          `json:"cpu,omitempty"`
	PIDs   *PIDsInfo         `json:"pids,omitempty"`
	IO     *IOInfo           `json:"io,omitempty"`
	// Pressure (PSI) of the process's cgroup in the unified hierarchy, by
	// resource (cpu, memory, io), where the kernel offers it.
	Pressure map[string]Pressure `json:"pressure,omitempty"`
	Warnings []string            `json:"warnings"`
}

// MemoryInfo is the memory controller's view of a cgroup.
type MemoryInfo struct {
	Cgroup  string `json:"cgroup"`
	Version int    `json:"version"`
	// Limit is the effective hard limit (memory.max, v1 limit_in_bytes):
	// the tightest over the cgroup and its ancestors.
	Limit     Limit     `json:"limit"`
	High      *Limit    `json:"high,omitempty"`      // v2 memory.high, effective
	SwapLimit *Limit    `json:"swapLimit,omitempty"` // v2 memory.swap.max; v1 memsw.limit (memory+swap)
	Own       MemoryOwn `json:"own"`
	Current   *uint64   `json:"current,omitempty"`
	Peak      *uint64   `json:"peak,omitempty"`
	// Percent is Current of the effective Limit.
	Percent *float64          `json:"percent,omitempty"`
	Stat    map[string]uint64 `json:"stat,omitempty"`
	// Events of the cgroup and its descendants since creation (v2
	// memory.events; v1 has only oomKill, from memory.oom_control).
	Events         map[string]uint64 `json:"events,omitempty"`
	Failcnt        *uint64           `json:"failcnt,omitempty"`        // v1
	UnderOOM       *bool             `json:"underOom,omitempty"`       // v1
	OOMKillDisable *bool             `json:"oomKillDisable,omitempty"` // v1
	OOMGroup       *bool             `json:"oomGroup,omitempty"`       // v2 memory.oom.group
}

// MemoryOwn is the cgroup's own settings, before ancestors.
type MemoryOwn struct {
	Max       *uint64 `json:"max"`
	High      *uint64 `json:"high"`
	Low       *uint64 `json:"low,omitempty"`
	Min       *uint64 `json:"min,omitempty"`
	SwapMax   *uint64 `json:"swapMax"`
	SoftLimit *uint64 `json:"softLimit,omitempty"` // v1
}

// CPUInfo is the cpu, cpuacct and cpuset controllers' view.
type CPUInfo struct {
	Cgroup  string `json:"cgroup"`
	Version int    `json:"version"`
	// Quota is the effective CPU limit in cores (quota/period), the
	// tightest over the ancestors; Value nil means none.
	Quota         CoresLimit `json:"quota"`
	PeriodUs      *uint64    `json:"periodUs,omitempty"`
	Weight        *uint64    `json:"weight,omitempty"` // v2 cpu.weight
	Shares        *uint64    `json:"shares,omitempty"` // v1 cpu.shares
	CPUs          string     `json:"cpus,omitempty"`
	Mems          string     `json:"mems,omitempty"`
	UsageUsec     *uint64    `json:"usageUsec,omitempty"`
	NrPeriods     *uint64    `json:"nrPeriods,omitempty"`
	NrThrottled   *uint64    `json:"nrThrottled,omitempty"`
	ThrottledUsec *uint64    `json:"throttledUsec,omitempty"`
}

// CoresLimit is a CPU limit in cores.
type CoresLimit struct {
	Value *float64 `json:"value"`
	SetBy string   `json:"setBy"`
}

// PIDsInfo is the pids controller's view.
type PIDsInfo struct {
	Cgroup  string  `json:"cgroup"`
	Version int     `json:"version"`
	Limit   Limit   `json:"limit"`
	Current *uint64 `json:"current,omitempty"`
	// EventsMax counts forks refused because a pids.max was hit.
	EventsMax *uint64 `json:"eventsMax,omitempty"`
}

// IOInfo is the io (v2) or blkio (v1) controller's view: limits as the
// kernel lists them, per device.
type IOInfo struct {
	Cgroup  string   `json:"cgroup"`
	Version int      `json:"version"`
	Limits  []string `json:"limits,omitempty"` // v2 io.max lines; v1 "FILE MAJ:MIN VALUE"
	Weight  *uint64  `json:"weight,omitempty"`
	// Bytes read and written by the cgroup and its descendants, summed
	// over devices (v2 io.stat; v1 blkio.throttle.io_service_bytes_recursive).
	ReadBytes  *uint64 `json:"readBytes,omitempty"`
	WriteBytes *uint64 `json:"writeBytes,omitempty"`
}

// Cgroups reads the cgroups of process pid: paths in every hierarchy and,
// per controller, limits (effective over ancestors), usage, events and
// pressure. Files missing on older kernels leave values absent.
func (h Host) Cgroups(pid int, l *CgroupLayout) (*CgroupInfo, error) {
	lines, err := h.cgroupLines(pid)
	if err != nil {
		return nil, err
	}
	info := &CgroupInfo{PID: pid, Layout: l.Kind, Paths: map[string]string{}, Warnings: []string{}}
	pass := &cgroupPass{h: h, l: l, warnings: &info.Warnings}
	for i := range l.Mounts {
		m := &l.Mounts[i]
		if p, ok := pathIn(m, lines); ok {
			info.Paths[hierarchyName(m)] = p
		}
	}
	warn := func(what string, err error) {
		if err != nil {
			info.Warnings = append(info.Warnings, fmt.Sprintf("%s: %v", what, err))
		}
	}
	var e error
	info.Memory, e = pass.memoryInfo(lines)
	warn("memory", e)
	info.CPU, e = pass.cpuInfo(lines)
	warn("cpu", e)
	info.PIDs, e = pass.pidsInfo(lines)
	warn("pids", e)
	info.IO = pass.ioInfo(lines)
	info.Pressure = pass.pressure(lines)
	return info, nil
}

func hierarchyName(m *CgroupMount) string {
	if m.Version == 2 {
		return "unified"
	}
	return strings.Join(m.Controllers, ",")
}

// controllerCgroup finds where a process is accounted for a controller:
// its path in the hierarchy that carries it. On v2 a controller not
// enabled for a subtree accounts its processes at the nearest ancestor that
// has the controller's files (marker), so that one is returned.
func (c *cgroupPass) controllerCgroup(lines []CgroupLine, controller, marker string) (cgroupReader, string, bool) {
	m := c.l.mountFor(controller)
	if m == nil {
		return cgroupReader{}, "", false
	}
	p, ok := pathIn(m, lines)
	if !ok {
		return cgroupReader{}, "", false
	}
	r := cgroupReader{pass: c, m: m}
	if m.Version == 1 {
		return r, p, true
	}
	// The top of what this mount shows: "/" unless a subtree is mounted.
	top := path.Clean("/" + m.Root)
	controllers, _, _ := r.readLimit(top, "cgroup.controllers")
	if !slices.Contains(strings.Fields(string(controllers)), controller) {
		return cgroupReader{}, "", false // the controller is not on v2 at all
	}
	for _, a := range ancestors(p) {
		if _, ok, _ := r.readLimit(a, marker); ok {
			return r, a, true
		}
	}
	// Not enabled below the top: the top cgroup accounts it.
	return r, top, true
}

func (c *cgroupPass) memoryInfo(lines []CgroupLine) (*MemoryInfo, error) {
	r, p, ok := c.controllerCgroup(lines, "memory", "memory.current")
	if !ok {
		return nil, nil
	}
	mi := &MemoryInfo{Cgroup: p, Version: r.m.Version}
	var err error
	if r.m.Version == 2 {
		if mi.Own.Max, mi.Limit, err = r.effective(p, "memory.max", ParseLimitValue); err != nil {
			return nil, err
		}
		mi.Current, _ = r.uint(p, "memory.current")
		if ev, ok := r.flat(p, "memory.events"); ok {
			mi.Events = renameKeys(ev, memoryEventNames)
		}
		if !c.summary {
			if err := r.memoryDetailsV2(p, mi); err != nil {
				return nil, err
			}
		}
	} else {
		if mi.Own.Max, mi.Limit, err = r.effective(p, "memory.limit_in_bytes", ParseLimitValue); err != nil {
			return nil, err
		}
		mi.Current, _ = r.uint(p, "memory.usage_in_bytes")
		mi.UnderOOM, mi.OOMKillDisable, mi.Events = r.oomControl(p)
		if !c.summary {
			if err := r.memoryDetailsV1(p, mi); err != nil {
				return nil, err
			}
		}
	}
	if mi.Current != nil && mi.Limit.Value != nil && *mi.Limit.Value > 0 {
		pct := 100 * float64(*mi.Current) / float64(*mi.Limit.Value)
		mi.Percent = &pct
	}
	return mi, nil
}

// What nsx shows of v2 memory.events and memory.stat, under its JSON names.
var (
	memoryEventNames = map[string]string{"oom_kill": "oomKill", "oom_group_kill": "oomGroupKill"}
	memoryStatV2     = map[string]string{"anon": "anon", "file": "file", "shmem": "shmem", "kernel": "kernel", "slab": "slab", "sock": "sock"}
)

// oomControl reads v1 memory.oom_control: whether the cgroup is stalled
// under OOM, whether its OOM killer is disabled, and its OOM kills (4.13+)
// as the one v1 memory event; all nil when the file is absent.
func (r cgroupReader) oomControl(p string) (underOOM, killDisabled *bool, events map[string]uint64) {
	oc, ok := r.flat(p, "memory.oom_control")
	if !ok {
		return nil, nil, nil
	}
	under, disabled := oc["under_oom"] == 1, oc["oom_kill_disable"] == 1
	if v, ok := oc["oom_kill"]; ok {
		events = map[string]uint64{"oomKill": v}
	}
	return &under, &disabled, events
}

// memoryDetailsV2 reads what only `nsx cgroup` shows of v2 memory.
func (r cgroupReader) memoryDetailsV2(p string, mi *MemoryInfo) error {
	own, high, err := r.effective(p, "memory.high", ParseLimitValue)
	if err != nil {
		return err
	}
	mi.Own.High, mi.High = own, &high
	own, swap, err := r.effective(p, "memory.swap.max", ParseLimitValue)
	if err != nil {
		return err
	}
	if _, ok, _ := r.read(p, "memory.swap.max"); ok {
		mi.Own.SwapMax, mi.SwapLimit = own, &swap
	}
	mi.Own.Low, _ = r.limitFile(p, "memory.low")
	mi.Own.Min, _ = r.limitFile(p, "memory.min")
	mi.Peak, _ = r.uint(p, "memory.peak")
	if st, ok := r.flat(p, "memory.stat"); ok {
		mi.Stat = pick(st, memoryStatV2)
	}
	if v, ok := r.uint(p, "memory.oom.group"); ok {
		b := *v == 1
		mi.OOMGroup = &b
	}
	return nil
}

// memoryDetailsV1 reads what only `nsx cgroup` shows of v1 memory.
func (r cgroupReader) memoryDetailsV1(p string, mi *MemoryInfo) error {
	if _, ok, _ := r.read(p, "memory.memsw.limit_in_bytes"); ok {
		own, swap, err := r.effective(p, "memory.memsw.limit_in_bytes", ParseLimitValue)
		if err != nil {
			return err
		}
		mi.Own.SwapMax, mi.SwapLimit = own, &swap
	}
	mi.Own.SoftLimit, _ = r.limitFile(p, "memory.soft_limit_in_bytes")
	mi.Peak, _ = r.uint(p, "memory.max_usage_in_bytes")
	mi.Failcnt, _ = r.uint(p, "memory.failcnt")
	if st, ok := r.flat(p, "memory.stat"); ok {
		// total_* include the cgroup's descendants, as usage does.
		mi.Stat = pick(st, map[string]string{"total_rss": "anon", "total_cache": "file", "total_shmem": "shmem", "total_mapped_file": "mappedFile"})
	}
	return nil
}

func (r cgroupReader) limitFile(p, file string) (*uint64, bool) {
	b, ok, err := r.read(p, file)
	if err != nil || !ok {
		return nil, false
	}
	v, err := ParseLimitValue(b)
	if err != nil {
		r.malformed(p, file, err)
		return nil, false
	}
	return v, true
}

func (c *cgroupPass) cpuInfo(lines []CgroupLine) (*CPUInfo, error) {
	r, p, ok := c.controllerCgroup(lines, "cpu", "cpu.max")
	if !ok {
		return nil, nil
	}
	ci := &CPUInfo{Cgroup: p, Version: r.m.Version}
	if r.m.Version == 2 {
		for _, a := range ancestors(p) {
			b, ok, err := r.readLimit(a, "cpu.max")
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			cm, err := ParseCPUMax(b)
			if err != nil {
				return nil, &ParseError{Path: "cpu.max of " + a, Err: err}
			}
			if a == p {
				ci.PeriodUs = u64(cm.PeriodUs)
			}
			if cm.QuotaUs != nil {
				cores := float64(*cm.QuotaUs) / float64(cm.PeriodUs)
				if ci.Quota.Value == nil || cores < *ci.Quota.Value {
					ci.Quota = CoresLimit{Value: &cores, SetBy: a}
				}
			}
		}
		if st, ok := r.flat(p, "cpu.stat"); ok {
			ci.UsageUsec, ci.NrPeriods, ci.NrThrottled, ci.ThrottledUsec = ptr(st, "usage_usec"), ptr(st, "nr_periods"), ptr(st, "nr_throttled"), ptr(st, "throttled_usec")
		}
		if !c.summary {
			ci.Weight, _ = r.uint(p, "cpu.weight")
			ci.CPUs, ci.Mems = r.text(p, "cpuset.cpus.effective"), r.text(p, "cpuset.mems.effective")
		}
		return ci, nil
	}
	for _, a := range ancestors(p) {
		qb, ok, err := r.readLimit(a, "cpu.cfs_quota_us")
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		quota, err := ParseInt(qb)
		if err != nil {
			return nil, &ParseError{Path: "cpu.cfs_quota_us of " + a, Err: err}
		}
		// The period matters only where a quota is set (and is shown
		// for the cgroup itself by nsx cgroup).
		if quota <= 0 && (a != p || c.summary) {
			continue
		}
		pb, ok, _ := r.readLimit(a, "cpu.cfs_period_us")
		period, err := ParseUint(pb)
		if !ok || err != nil || period == 0 {
			return nil, &ParseError{Path: "cpu.cfs_period_us of " + a, Err: errFormat}
		}
		if a == p {
			ci.PeriodUs = &period
		}
		if quota > 0 {
			cores := float64(quota) / float64(period)
			if ci.Quota.Value == nil || cores < *ci.Quota.Value {
				ci.Quota = CoresLimit{Value: &cores, SetBy: a}
			}
		}
	}
	if st, ok := r.flat(p, "cpu.stat"); ok {
		ci.NrPeriods, ci.NrThrottled = ptr(st, "nr_periods"), ptr(st, "nr_throttled")
		if ns, ok := st["throttled_time"]; ok {
			ci.ThrottledUsec = u64(ns / 1000)
		}
	}
	if ar, ap, ok := c.controllerCgroup(lines, "cpuacct", "cpuacct.usage"); ok && ar.m.Version == 1 {
		if ns, ok := ar.uint(ap, "cpuacct.usage"); ok {
			ci.UsageUsec = u64(*ns / 1000)
		}
	}
	if c.summary {
		return ci, nil
	}
	ci.Shares, _ = r.uint(p, "cpu.shares")
	if sr, sp, ok := c.controllerCgroup(lines, "cpuset", "cpuset.cpus"); ok && sr.m.Version == 1 {
		ci.CPUs = sr.text(sp, "cpuset.effective_cpus")
		if ci.CPUs == "" {
			ci.CPUs = sr.text(sp, "cpuset.cpus")
		}
		ci.Mems = sr.text(sp, "cpuset.effective_mems")
		if ci.Mems == "" {
			ci.Mems = sr.text(sp, "cpuset.mems")
		}
	}
	return ci, nil
}

func (c *cgroupPass) pidsInfo(lines []CgroupLine) (*PIDsInfo, error) {
	r, p, ok := c.controllerCgroup(lines, "pids", "pids.current")
	if !ok {
		return nil, nil
	}
	pi := &PIDsInfo{Cgroup: p, Version: r.m.Version}
	var err error
	if _, pi.Limit, err = r.effective(p, "pids.max", ParseLimitValue); err != nil {
		return nil, err
	}
	pi.Current, _ = r.uint(p, "pids.current")
	if c.summary {
		return pi, nil
	}
	if ev, ok := r.flat(p, "pids.events"); ok {
		pi.EventsMax = ptr(ev, "max")
	}
	return pi, nil
}

func (c *cgroupPass) ioInfo(lines []CgroupLine) *IOInfo {
	if r, p, ok := c.controllerCgroup(lines, "blkio", "blkio.weight"); ok && r.m.Version == 1 {
		io := &IOInfo{Cgroup: p, Version: 1}
		for _, f := range []string{"blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
			"blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device"} {
			for _, line := range strings.Split(r.text(p, f), "\n") {
				if line != "" {
					io.Limits = append(io.Limits, f+" "+line)
				}
			}
		}
		io.Weight, _ = r.uint(p, "blkio.weight")
		if b, ok, err := r.read(p, "blkio.throttle.io_service_bytes_recursive"); err == nil && ok {
			io.ReadBytes, io.WriteBytes = ParseBlkioServiceBytes(b)
		}
		return io
	}
	r, p, ok := c.controllerCgroup(lines, "io", "io.max")
	if !ok || r.m.Version != 2 {
		return nil
	}
	io := &IOInfo{Cgroup: p, Version: 2}
	for _, line := range strings.Split(r.text(p, "io.max"), "\n") {
		if line != "" {
			io.Limits = append(io.Limits, line)
		}
	}
	if w := strings.Fields(r.text(p, "io.weight")); len(w) == 2 && w[0] == "default" {
		if v, err := ParseUint([]byte(w[1])); err == nil {
			io.Weight = &v
		}
	}
	if b, ok, err := r.read(p, "io.stat"); err == nil && ok {
		io.ReadBytes, io.WriteBytes = ParseIOStat(b)
	}
	return io
}

// pressure reads PSI of the process's cgroup in the unified hierarchy
// (present on hybrid hosts too, where v2 has no controllers).
func (c *cgroupPass) pressure(lines []CgroupLine) map[string]Pressure {
	m := c.l.unified()
	if m == nil {
		return nil
	}
	p, ok := pathIn(m, lines)
	if !ok {
		return nil
	}
	r := cgroupReader{pass: c, m: m}
	out := map[string]Pressure{}
	for _, res := range []string{"cpu", "memory", "io"} {
		if b, ok, err := r.read(p, res+".pressure"); err == nil && ok {
			if ps, err := ParsePressure(b); err == nil {
				out[res] = ps
			} else {
				r.malformed(p, res+".pressure", err)
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func ptr(m map[string]uint64, k string) *uint64 {
	if v, ok := m[k]; ok {
		return &v
	}
	return nil
}

func renameKeys(m map[string]uint64, rename map[string]string) map[string]uint64 {
	out := make(map[string]uint64, len(m))
	for k, v := range m {
		if n, ok := rename[k]; ok {
			k = n
		}
		out[k] = v
	}
	return out
}

func pick(m map[string]uint64, keys map[string]string) map[string]uint64 {
	out := map[string]uint64{}
	for from, to := range keys {
		if v, ok := m[from]; ok {
			out[to] = v
		}
	}
	return out
}
