package cmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"nsx/inspect"
)

type topOptions struct {
	*globalOptions
	interval time.Duration
	sortBy   string
	once     bool
	count    int
}

// topSortKeys are the --sort keys, each descending but name.
var topSortKeys = []string{"cpu", "mem", "mem%", "pids", "oom", "throttled", "name"}

func newTopCmd(g *globalOptions) *cobra.Command {
	o := &topOptions{globalOptions: g}
	c := &cobra.Command{
		Use:   "top",
		Short: "Live view of every container's memory, CPU, pids and OOM kills against its limits",
		Long: `A refreshing view, one row per container (or other sandbox in a cgroup of its
own), like systemd-cgtop but container-aware: memory usage against the effective
limit, CPU use in percent of one core against the quota in cores, periods
throttled since the last refresh, pids against their limit, and OOM kills since
the cgroup was created.

CPU percentages need two samples: the first screen appears after one interval.
--once prints one such measurement and exits (with -o json for scripts).
Ctrl-C restores the terminal.`,
		Example: `  nsx top
  nsx top --sort mem
  nsx top --once -o json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			return o.run(c.Context(), c.OutOrStdout(), c.ErrOrStderr())
		},
	}
	f := c.Flags()
	f.DurationVarP(&o.interval, "interval", "d", 2*time.Second, "time between refreshes")
	f.StringVarP(&o.sortBy, "sort", "s", "cpu", "sort by: "+strings.Join(topSortKeys, ", "))
	f.BoolVar(&o.once, "once", false, "print one measurement and exit")
	f.IntVarP(&o.count, "iterations", "n", 0, "refresh this many times, then exit (0: until Ctrl-C)")
	return c
}

// topRow is one container's figures in a refresh.
type topRow struct {
	Name          string   `json:"name"`
	Runtime       string   `json:"runtime,omitempty"`
	ID            string   `json:"id,omitempty"`
	PID           int      `json:"pid"`
	Cgroup        string   `json:"cgroup"`
	MemoryCurrent *uint64  `json:"memoryCurrent,omitempty"`
	MemoryLimit   *uint64  `json:"memoryLimit"`
	MemoryPercent *float64 `json:"memoryPercent,omitempty"`
	CPUPercent    *float64 `json:"cpuPercent,omitempty"`       // of one core, over the interval
	CPUQuota      *float64 `json:"cpuQuota"`                   // cores
	Throttled     *uint64  `json:"throttledPeriods,omitempty"` // in the interval
	PIDsCurrent   *uint64  `json:"pidsCurrent,omitempty"`
	PIDsLimit     *uint64  `json:"pidsLimit"`
	OOMKills      *uint64  `json:"oomKills,omitempty"` // since the cgroup was created

	usageUsec *uint64
	throttled *uint64
}

type topSample struct {
	at       time.Time
	rows     map[string]*topRow // by cgroup
	warnings []string           // what the scan could not see
}

func (o *topOptions) run(ctx context.Context, w, stderr io.Writer) error {
	if !validSortKey(o.sortBy) {
		return usagef("--sort %q: want one of %s", o.sortBy, strings.Join(topSortKeys, ", "))
	}
	if o.interval < 100*time.Millisecond {
		return usagef("--interval %s: at least 100ms", o.interval)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	h, err := o.host()
	if err != nil {
		return err
	}
	layout, err := h.CgroupLayout()
	if err != nil {
		return err
	}
	term := detectTerminal(w)
	live := !o.once && o.output == "table" && term.isTTY
	if live {
		// The alternate screen keeps the user's scrollback intact, and
		// leaving it (also on Ctrl-C, below) restores the terminal.
		io.WriteString(w, "\x1b[?1049h\x1b[?25l")
		defer io.WriteString(w, "\x1b[?25h\x1b[?1049l")
	}
	watch := &topWatch{h: h, layout: layout}
	prev, err := watch.sample()
	if err != nil {
		return err
	}
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(o.interval):
		}
		cur, err := watch.sample()
		if err != nil {
			return err
		}
		rows := cur.rates(prev)
		sortTop(rows, o.sortBy)
		prev = cur
		if o.output == "json" {
			if err := writeJSON(w, struct {
				SchemaVersion int       `json:"schemaVersion"`
				View          string    `json:"view"`
				Time          time.Time `json:"time"`
				IntervalSec   float64   `json:"intervalSeconds"`
				Containers    []*topRow `json:"containers"`
				Warnings      []string  `json:"warnings"`
			}{SchemaVersion, "top", cur.at, o.interval.Seconds(), rows, nonNil(cur.warnings)}); err != nil {
				return err
			}
		} else {
			var b strings.Builder
			if live {
				b.WriteString("\x1b[H\x1b[2J")
				fmt.Fprintf(&b, "nsx top — %d containers, every %s, sorted by %s — Ctrl-C to quit\n\n", len(rows), o.interval, o.sortBy)
			}
			if err := topTable(rows).render(&b, o.noHeaders, term, o.colorOn(term)); err != nil {
				return err
			}
			// Warnings (non-root: most processes hidden) go under the
			// table on every screen of the live view, else to stderr.
			for _, warn := range cur.warnings {
				line := paint(o.colorOn(term), ansiYellow, "nsx: warning: "+warn) + "\n"
				if live {
					b.WriteString(line)
				} else {
					io.WriteString(stderr, line)
				}
			}
			if _, err := io.WriteString(w, b.String()); err != nil {
				return err
			}
		}
		if o.once || (o.count > 0 && i+1 >= o.count) {
			return nil
		}
	}
}

func validSortKey(k string) bool {
	for _, s := range topSortKeys {
		if s == k {
			return true
		}
	}
	return false
}

// topWatch follows the containers across refreshes. Finding them takes a
// scan of every process; reading their cgroups does not. So the processes
// are scanned on every rescanEvery-th refresh (and whenever a container's
// process is gone), and in between only the known containers' usage
// counters are read; their limits are read again with each rescan.
type topWatch struct {
	h          inspect.Host
	limits     *inspect.LimitCache // limit files, kept until the next rescan
	layout     *inspect.CgroupLayout
	containers []topContainer
	warnings   []string
	refreshes  int
	stale      bool
}

// topContainer is a container and the process its cgroups are read from
// (its lowest PID: a scan reads no start times).
type topContainer struct {
	c   *inspect.Container
	pid int
}

const rescanEvery = 5

func (tw *topWatch) rescan() error {
	snap, err := tw.h.Scan(inspect.ScanOptions{SkipHolders: true, SkipHierarchy: true})
	if err != nil {
		return err
	}
	lowest := map[*inspect.Container]int{}
	for pid, p := range snap.Processes {
		if p.Container == nil {
			continue
		}
		if have, ok := lowest[p.Container]; !ok || pid < have {
			lowest[p.Container] = pid
		}
	}
	tw.containers = tw.containers[:0]
	for c, pid := range lowest {
		tw.containers = append(tw.containers, topContainer{c: c, pid: pid})
	}
	tw.warnings, tw.stale = snap.Warnings, false
	// Limits are read anew with each rescan, so a changed limit shows
	// within rescanEvery refreshes.
	tw.limits = &inspect.LimitCache{}
	return nil
}

func (tw *topWatch) sample() (*topSample, error) {
	if tw.stale || tw.refreshes%rescanEvery == 0 {
		if err := tw.rescan(); err != nil {
			return nil, err
		}
	}
	tw.refreshes++
	s := &topSample{at: time.Now(), rows: map[string]*topRow{}, warnings: tw.warnings}
	pids := make([]int, len(tw.containers))
	for i, c := range tw.containers {
		pids[i] = c.pid
	}
	stats := tw.h.CgroupSummaries(pids, tw.layout, tw.limits)
	for _, tc := range tw.containers {
		st := stats[tc.pid]
		if st == nil {
			tw.stale = true // exited: find the container's processes anew
			continue
		}
		row := &topRow{Name: tc.c.DisplayName(), Runtime: tc.c.Runtime, ID: tc.c.ShortID(),
			PID: tc.pid, Cgroup: st.Cgroup,
			MemoryCurrent: st.MemoryCurrent, MemoryLimit: st.MemoryLimit.Value, CPUQuota: st.CPUQuota,
			PIDsCurrent: st.PIDsCurrent, PIDsLimit: st.PIDsLimit.Value, OOMKills: st.OOMKills,
			usageUsec: st.CPUUsageUsec, throttled: st.NrThrottled}
		if row.MemoryCurrent != nil && row.MemoryLimit != nil && *row.MemoryLimit > 0 {
			p := 100 * float64(*row.MemoryCurrent) / float64(*row.MemoryLimit)
			row.MemoryPercent = &p
		}
		// A pod's containers each have a cgroup; processes of one
		// container seen under two runtimes' names would not: one row.
		if _, dup := s.rows[st.Cgroup]; !dup {
			s.rows[st.Cgroup] = row
		}
	}
	return s, nil
}

// rates fills in what needs the previous sample: CPU percent and periods
// throttled in between.
func (s *topSample) rates(prev *topSample) []*topRow {
	wall := s.at.Sub(prev.at).Seconds()
	rows := make([]*topRow, 0, len(s.rows))
	for cg, r := range s.rows {
		if p, ok := prev.rows[cg]; ok && wall > 0 {
			if r.usageUsec != nil && p.usageUsec != nil && *r.usageUsec >= *p.usageUsec {
				pct := float64(*r.usageUsec-*p.usageUsec) / 1e6 / wall * 100
				r.CPUPercent = &pct
			}
			if r.throttled != nil && p.throttled != nil && *r.throttled >= *p.throttled {
				d := *r.throttled - *p.throttled
				r.Throttled = &d
			}
		}
		rows = append(rows, r)
	}
	return rows
}

func sortTop(rows []*topRow, key string) {
	val := func(r *topRow) float64 {
		f := func(p *uint64) float64 {
			if p == nil {
				return -1
			}
			return float64(*p)
		}
		switch key {
		case "cpu":
			if r.CPUPercent == nil {
				return -1
			}
			return *r.CPUPercent
		case "mem":
			return f(r.MemoryCurrent)
		case "mem%":
			if r.MemoryPercent == nil {
				return -1
			}
			return *r.MemoryPercent
		case "pids":
			return f(r.PIDsCurrent)
		case "oom":
			return f(r.OOMKills)
		case "throttled":
			return f(r.Throttled)
		}
		return 0
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if key == "name" {
			return rows[i].Name < rows[j].Name
		}
		if a, b := val(rows[i]), val(rows[j]); a != b {
			return a > b
		}
		return rows[i].Name < rows[j].Name
	})
}

func topTable(rows []*topRow) *table {
	t := &table{header: []string{"NAME", "RUNTIME", "ID", "PID", "MEM", "MEM%", "CPU%", "QUOTA", "THROTTLED", "PIDS", "OOM-KILLS"}}
	opt := func(p *uint64) string {
		if p == nil {
			return "-"
		}
		return strconv.FormatUint(*p, 10)
	}
	pct := func(p *float64) string {
		if p == nil {
			return "-"
		}
		return strconv.FormatFloat(*p, 'f', 1, 64)
	}
	for _, r := range rows {
		mem := "-"
		if r.MemoryCurrent != nil {
			mem = shortBytes(*r.MemoryCurrent) + "/"
			if r.MemoryLimit != nil {
				mem += shortBytes(*r.MemoryLimit)
			} else {
				mem += "-"
			}
		}
		quota := "-"
		if r.CPUQuota != nil {
			quota = strconv.FormatFloat(*r.CPUQuota, 'f', -1, 64)
		}
		pids := opt(r.PIDsCurrent) + "/" + opt(r.PIDsLimit)
		t.append(r.Name, r.Runtime, r.ID, strconv.Itoa(r.PID), mem, pct(r.MemoryPercent), pct(r.CPUPercent), quota, opt(r.Throttled), pids, opt(r.OOMKills))
	}
	return t
}
