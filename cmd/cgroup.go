package cmd

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"nsx/inspect"
	"nsx/internal/units"
)

type cgroupOptions struct {
	*globalOptions
}

func newCgroupCmd(g *globalOptions) *cobra.Command {
	o := &cgroupOptions{globalOptions: g}
	return &cobra.Command{
		Use:   "cgroup TARGET",
		Short: "Show the cgroups of a process or container: effective limits, usage, events, pressure",
		Long: `Show where a process or container sits in every cgroup hierarchy and what binds
it, on cgroup v1, v2 and hybrid hosts alike:

  memory  the effective limit (the tightest of the cgroup and all its ancestors,
          and which level sets it), usage against it, peak, what the usage is
          (anon, file, shmem, kernel), and events since creation (max, oom,
          oom_kill; v1: failcnt and oom_control)
  cpu     the effective quota in cores and its level, weight or shares, cpuset,
          usage and throttling
  pids    the effective limit and its level, current, forks refused
  io      io.max or blkio throttle limits, weight
  pressure  PSI (some/full avg10/avg60/avg300) where the kernel offers it

"unlimited" stands for max, -1 and v1's 2^63-page values. Files an older kernel
lacks are left out. TARGET is a PID or a container name, ID or ID prefix; for a
container, its init process is shown.`,
		Example: `  nsx cgroup web
  nsx cgroup 4242 -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error { return o.run(c.OutOrStdout(), args[0]) },
	}
}

// cgroupDoc is the JSON document of `nsx cgroup`.
type cgroupDoc struct {
	SchemaVersion int                `json:"schemaVersion"`
	View          string             `json:"view"`
	Container     *inspect.Container `json:"container,omitempty"`
	*inspect.CgroupInfo
}

func (o *cgroupOptions) run(w io.Writer, target string) error {
	h, err := o.host()
	if err != nil {
		return err
	}
	// Only the target is needed: no holders, no hierarchy.
	snap, err := h.Scan(inspect.ScanOptions{SkipHolders: true, SkipHierarchy: true})
	if err != nil {
		return err
	}
	t, err := snap.Resolve(target)
	if err != nil {
		return err
	}
	pid := 0
	switch {
	case t.Container != nil:
		pid = snap.MainPID(t.Container)
	case len(t.PIDs) > 0:
		pid = t.PIDs[0]
	}
	if pid == 0 {
		return fmt.Errorf("%s: no process to read cgroups of", target)
	}
	layout, err := h.CgroupLayout()
	if err != nil {
		return err
	}
	info, err := h.Cgroups(pid, layout)
	if err != nil {
		return fmt.Errorf("process %d: %w", pid, err)
	}
	var container *inspect.Container
	if p := snap.Processes[pid]; p != nil {
		container = p.Container
	}
	if o.output == "json" {
		return writeJSON(w, cgroupDoc{SchemaVersion: SchemaVersion, View: "cgroup", Container: container, CgroupInfo: info})
	}
	return renderCgroup(w, snap, pid, container, layout, info, o.noHeaders)
}

func renderCgroup(w io.Writer, snap *inspect.Snapshot, pid int, c *inspect.Container, l *inspect.CgroupLayout, info *inspect.CgroupInfo, noHeaders bool) error {
	var b strings.Builder
	line := func(key, format string, a ...any) {
		fmt.Fprintf(&b, "%-9s %s\n", key, fmt.Sprintf(format, a...))
	}
	p := snap.Details(pid)
	who := fmt.Sprintf("pid %d (%s)", pid, p.Cmdline)
	if c != nil {
		who = fmt.Sprintf("%s (%s %s), %s", c.DisplayName(), c.Runtime, c.ShortID(), who)
	}
	line("TARGET", "%s", who)
	line("LAYOUT", "%s", describeLayout(l))
	// Hierarchies that put the process at the same path share one line.
	byPath := map[string][]string{}
	for _, k := range sortedKeys(info.Paths) {
		byPath[info.Paths[k]] = append(byPath[info.Paths[k]], k)
	}
	for _, path := range sortedKeys(byPath) {
		line("PATH", "%s  (%s)", path, strings.Join(byPath[path], " "))
	}
	if m := info.Memory; m != nil {
		usage := "usage " + bytesOrDash(m.Current)
		if m.Limit.Value != nil {
			usage += " of " + units.Bytes(*m.Limit.Value)
			if m.Percent != nil {
				usage += fmt.Sprintf(" (%.0f%%)", *m.Percent)
			}
			usage += ", limit set by " + setBy(m.Limit.SetBy, m.Cgroup)
		} else {
			usage += ", no limit"
		}
		line("MEMORY", "%s", usage)
		if m.Peak != nil {
			line("", "peak %s", units.Bytes(*m.Peak))
		}
		if m.High != nil && m.High.Value != nil {
			line("", "high %s, set by %s", units.Bytes(*m.High.Value), setBy(m.High.SetBy, m.Cgroup))
		}
		if m.SwapLimit != nil && m.SwapLimit.Value != nil {
			what := "swap limit"
			if m.Version == 1 {
				what = "memory+swap limit"
			}
			line("", "%s %s, set by %s", what, units.Bytes(*m.SwapLimit.Value), setBy(m.SwapLimit.SetBy, m.Cgroup))
		}
		if len(m.Stat) > 0 {
			var parts []string
			for _, k := range sortedKeys(m.Stat) {
				parts = append(parts, k+" "+units.Bytes(m.Stat[k]))
			}
			line("", "%s", strings.Join(parts, ", "))
		}
		var ev []string
		for _, k := range sortedKeys(m.Events) {
			ev = append(ev, fmt.Sprintf("%s %d", k, m.Events[k]))
		}
		if m.Failcnt != nil {
			ev = append(ev, fmt.Sprintf("failcnt %d", *m.Failcnt))
		}
		if m.UnderOOM != nil && *m.UnderOOM {
			ev = append(ev, "UNDER OOM NOW")
		}
		if len(ev) > 0 {
			line("", "events since creation: %s", strings.Join(ev, ", "))
		}
	}
	if ci := info.CPU; ci != nil {
		s := "no quota"
		if ci.Quota.Value != nil {
			s = fmt.Sprintf("quota %.2f cores, set by %s", *ci.Quota.Value, setBy(ci.Quota.SetBy, ci.Cgroup))
		}
		if ci.Weight != nil {
			s += fmt.Sprintf(", weight %d", *ci.Weight)
		}
		if ci.Shares != nil {
			s += fmt.Sprintf(", shares %d", *ci.Shares)
		}
		line("CPU", "%s", s)
		if ci.UsageUsec != nil {
			u := fmt.Sprintf("usage %.2fs", float64(*ci.UsageUsec)/1e6)
			if ci.NrPeriods != nil && ci.NrThrottled != nil {
				u += fmt.Sprintf(", throttled in %d of %d periods", *ci.NrThrottled, *ci.NrPeriods)
				if ci.ThrottledUsec != nil {
					u += fmt.Sprintf(" (%.2fs)", float64(*ci.ThrottledUsec)/1e6)
				}
			}
			line("", "%s", u)
		}
		if ci.CPUs != "" || ci.Mems != "" {
			line("CPUSET", "cpus %s, mems %s", dash(ci.CPUs), dash(ci.Mems))
		}
	}
	if pi := info.PIDs; pi != nil {
		s := "current " + uintOrDash(pi.Current)
		if pi.Limit.Value != nil {
			s += fmt.Sprintf(" of %d", *pi.Limit.Value)
			if pi.Current != nil && *pi.Limit.Value > 0 {
				s += fmt.Sprintf(" (%.0f%%)", 100*float64(*pi.Current)/float64(*pi.Limit.Value))
			}
			s += ", limit set by " + setBy(pi.Limit.SetBy, pi.Cgroup)
		} else {
			s += ", no limit"
		}
		if pi.EventsMax != nil {
			s += fmt.Sprintf("; forks refused: %d", *pi.EventsMax)
		}
		line("PIDS", "%s", s)
	}
	if io := info.IO; io != nil {
		var parts []string
		if len(io.Limits) > 0 {
			parts = append(parts, "limits "+strings.Join(io.Limits, "; "))
		} else {
			parts = append(parts, "not throttled")
		}
		if io.Weight != nil {
			parts = append(parts, fmt.Sprintf("weight %d", *io.Weight))
		}
		if io.ReadBytes != nil || io.WriteBytes != nil {
			parts = append(parts, "read "+bytesOrDash(io.ReadBytes)+", written "+bytesOrDash(io.WriteBytes))
		}
		line("IO", "%s", strings.Join(parts, ", "))
	}
	if len(info.Pressure) > 0 {
		var parts []string
		for _, k := range sortedKeys(info.Pressure) {
			ps := info.Pressure[k]
			s := fmt.Sprintf("%s some %.2f/%.2f", k, ps.Some.Avg10, ps.Some.Avg60)
			if ps.Full != nil {
				s += fmt.Sprintf(" full %.2f/%.2f", ps.Full.Avg10, ps.Full.Avg60)
			}
			parts = append(parts, s)
		}
		line("PRESSURE", "%s (avg10/avg60 %%)", strings.Join(parts, "; "))
	}
	for _, warn := range info.Warnings {
		line("WARNING", "%s", warn)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func describeLayout(l *inspect.CgroupLayout) string {
	switch l.Kind {
	case inspect.LayoutHybrid:
		return "hybrid (v1 controllers, and a v2 tree without them)"
	case inspect.LayoutV2:
		return "v2 (unified)"
	}
	return "v1"
}

// setBy names the level that sets a limit, "this cgroup" for its own.
func setBy(level, own string) string {
	if level == own {
		return "this cgroup"
	}
	return "ancestor " + level
}

func bytesOrDash(v *uint64) string {
	if v == nil {
		return "-"
	}
	return units.Bytes(*v)
}

func uintOrDash(v *uint64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprint(*v)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
