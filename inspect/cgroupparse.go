package inspect

import (
	"bytes"
	"strconv"
	"strings"
)

// Pure parsers of cgroup v1 and v2 interface files. Each has a table test
// and, for the ones that read kernel text of any shape, a fuzz target.

// Limit is a cgroup limit: Value nil means unlimited.
type Limit struct {
	Value *uint64 `json:"value"`
	// SetBy is the cgroup (path in its hierarchy) whose own limit is the
	// effective one; "" when unlimited everywhere.
	SetBy string `json:"setBy"`
}

// unlimitedFloor: v1 writes "unlimited" as PAGE_COUNTER_MAX pages in bytes
// (9223372036854771712 on 4 KiB pages) and v2 as "max"; anything from 2^62
// up is no real limit on any machine.
const unlimitedFloor = uint64(1) << 62

// ParseLimitValue parses one limit: "max", "-1" and huge values are
// unlimited (nil).
func ParseLimitValue(b []byte) (*uint64, error) {
	s := strings.TrimSpace(string(b))
	if s == "max" || s == "-1" {
		return nil, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return nil, errFormat
	}
	if v >= unlimitedFloor {
		return nil, nil
	}
	return &v, nil
}

// ParseUint parses a file holding one unsigned number.
func ParseUint(b []byte) (uint64, error) {
	v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, errFormat
	}
	return v, nil
}

// ParseInt parses a file holding one signed number (v1 cpu.cfs_quota_us).
func ParseInt(b []byte) (int64, error) {
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, errFormat
	}
	return v, nil
}

// ParseFlatKeyed parses "key value" lines (memory.stat, memory.events,
// cpu.stat, pids.events, v1 memory.oom_control). Lines whose value is not
// a number are skipped: newer kernels add keys, and a reader that failed on
// them would break on every upgrade.
func ParseFlatKeyed(b []byte) map[string]uint64 {
	out := map[string]uint64{}
	for _, line := range bytes.Split(b, []byte{'\n'}) {
		f := bytes.Fields(line)
		if len(f) != 2 {
			continue
		}
		v, err := strconv.ParseUint(string(f[1]), 10, 64)
		if err != nil {
			continue
		}
		out[string(f[0])] = v
	}
	return out
}

// CPUMax is cgroup v2 cpu.max: "$MAX $PERIOD", MAX "max" for no quota.
type CPUMax struct {
	QuotaUs  *uint64
	PeriodUs uint64
}

// ParseCPUMax parses cpu.max.
func ParseCPUMax(b []byte) (CPUMax, error) {
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return CPUMax{}, errFormat
	}
	period, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil || period == 0 {
		return CPUMax{}, errFormat
	}
	if f[0] == "max" {
		return CPUMax{PeriodUs: period}, nil
	}
	q, err := strconv.ParseUint(f[0], 10, 64)
	if err != nil {
		return CPUMax{}, errFormat
	}
	return CPUMax{QuotaUs: &q, PeriodUs: period}, nil
}

// Pressure is one PSI line set (some, and full where the kernel gives it).
type Pressure struct {
	Some *PressureLine `json:"some,omitempty"`
	Full *PressureLine `json:"full,omitempty"`
}

// PressureLine is "avg10=0.00 avg60=0.00 avg300=0.00 total=0".
type PressureLine struct {
	Avg10  float64 `json:"avg10"`
	Avg60  float64 `json:"avg60"`
	Avg300 float64 `json:"avg300"`
	Total  uint64  `json:"total"` // microseconds stalled
}

// ParsePressure parses a *.pressure file.
func ParsePressure(b []byte) (Pressure, error) {
	var p Pressure
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		var pl PressureLine
		for _, kv := range f[1:] {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return Pressure{}, errFormat
			}
			var err error
			switch k {
			case "avg10":
				pl.Avg10, err = strconv.ParseFloat(v, 64)
			case "avg60":
				pl.Avg60, err = strconv.ParseFloat(v, 64)
			case "avg300":
				pl.Avg300, err = strconv.ParseFloat(v, 64)
			case "total":
				pl.Total, err = strconv.ParseUint(v, 10, 64)
			}
			if err != nil {
				return Pressure{}, errFormat
			}
		}
		switch f[0] {
		case "some":
			p.Some = &pl
		case "full":
			p.Full = &pl
		default:
			return Pressure{}, errFormat
		}
	}
	if p.Some == nil {
		return Pressure{}, errFormat
	}
	return p, nil
}

// CgroupMount is one mounted cgroup hierarchy.
type CgroupMount struct {
	Version     int      `json:"version"`
	Controllers []string `json:"controllers,omitempty"` // v1: from the mount options; v2: none listed here
	Mountpoint  string   `json:"mountpoint"`            // as seen in the reading process's mount namespace
	Root        string   `json:"root"`                  // the hierarchy path mounted there (not "/" inside a cgroup namespace)
}

// ParseCgroupMounts finds the cgroup (v1) and cgroup2 mounts in the text
// of a mountinfo file. v1 controllers come from the super-block options
// ("rw,cpu,cpuacct"; "name=systemd" for a named hierarchy).
func ParseCgroupMounts(b []byte) ([]CgroupMount, error) {
	var out []CgroupMount
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" {
			continue
		}
		// 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
		pre, post, ok := strings.Cut(line, " - ")
		if !ok {
			return nil, errFormat
		}
		pf := strings.Fields(pre)
		qf := strings.Fields(post)
		if len(pf) < 5 || len(qf) < 1 {
			return nil, errFormat
		}
		fstype := qf[0]
		if fstype != "cgroup" && fstype != "cgroup2" {
			continue
		}
		m := CgroupMount{Version: 2, Root: unescapeMountPath(pf[3]), Mountpoint: unescapeMountPath(pf[4])}
		if fstype == "cgroup" {
			m.Version = 1
			if len(qf) >= 3 {
				for _, opt := range strings.Split(qf[2], ",") {
					switch {
					case opt == "rw" || opt == "ro" || opt == "" || strings.HasPrefix(opt, "release_agent=") ||
						opt == "clone_children" || opt == "noprefix" || opt == "xattr" || opt == "cpuset_v2_mode" ||
						opt == "favordynmods" || opt == "nofavordynmods":
					default:
						m.Controllers = append(m.Controllers, opt)
					}
				}
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// unescapeMountPath undoes mountinfo's octal escapes (\040 for a space).
func unescapeMountPath(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ParseIOStat sums rbytes and wbytes over the devices of a v2 io.stat
// ("8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0"). nil where no
// device reports the key.
func ParseIOStat(b []byte) (read, write *uint64) {
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		for _, kv := range f[min(1, len(f)):] {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				continue
			}
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				continue
			}
			switch k {
			case "rbytes":
				read = addTo(read, n)
			case "wbytes":
				write = addTo(write, n)
			}
		}
	}
	return read, write
}

// ParseBlkioServiceBytes sums the Read and Write lines of a v1
// blkio.throttle.io_service_bytes(_recursive) ("8:0 Read 4096"; the
// "Total" lines are left out, not to count twice).
func ParseBlkioServiceBytes(b []byte) (read, write *uint64) {
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		n, err := strconv.ParseUint(f[2], 10, 64)
		if err != nil {
			continue
		}
		switch f[1] {
		case "Read":
			read = addTo(read, n)
		case "Write":
			write = addTo(write, n)
		}
	}
	return read, write
}

func addTo(p *uint64, n uint64) *uint64 {
	if p == nil {
		return &n
	}
	v := *p + n
	return &v
}
