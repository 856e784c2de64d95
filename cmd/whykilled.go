package cmd

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"nsx/diagnose"
	"nsx/inspect"
	"nsx/internal/units"
	"nsx/killlog"
	"nsx/runtimes"
)

type whyKilledOptions struct {
	*globalOptions
	all   bool
	since string
}

func newWhyKilledCmd(g *globalOptions) *cobra.Command {
	o := &whyKilledOptions{globalOptions: g}
	c := &cobra.Command{
		Use:   "why-killed [TARGET]",
		Short: "Explain, with evidence, why a container or process died or lost processes",
		Long: `Explain why a container or process was killed — or that it was not — from the
kernel's OOM-killer reports, the cgroup counters of the target and its
ancestors, and the runtime's record of its last run:

  1 oom-limit           OOM-killed at its own memory limit
  2 oom-ancestor-limit  OOM-killed at an ancestor's limit (pod, slice, parent)
  3 oom-host            killed by a host-wide OOM (the machine ran out)
  4 oom-child           some of its processes were OOM-killed; it kept running
  5 pids-limit          forks refused by a pids limit
  6 sigkill             SIGKILLed (exit 137) with no OOM evidence: killed from outside
  7 exited              not killed: exited on its own
  8 running             running, not killed; how close it is to its limits

The kernel log is read from /dev/kmsg, the journal (journalctl) and
/var/log/kern.log, messages or syslog (rotated and gzipped files too); kernel
timestamps are turned into wall-clock time from the boot time, correct after
a suspend for what was logged since. TARGET is a container name, ID or ID
prefix (running or exited), NAMESPACE/POD/CONTAINER, or a PID — also one that
no longer exists, whose kill is then looked up in the log.

--all lists every kill on the host, most recent first: OOM kills of any
process (with the container it belonged to) and containers that died of
SIGKILL with no OOM kill.

Exit status: 0 not killed (exited on its own, or running with headroom);
3 a warning (processes OOM-killed, forks refused, close to a limit); 4 killed
(--all: any kill listed); 1 an error.`,
		Example: `  nsx why-killed web
  nsx why-killed 4242 -o json
  nsx why-killed --all --since 24h`,
		Args: func(c *cobra.Command, args []string) error {
			switch {
			case o.all && len(args) > 0:
				return usagef("--all lists every kill on the host: give no TARGET with it")
			case !o.all && len(args) != 1:
				return usagef("why-killed takes one TARGET (a container or PID), or --all")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			since, err := parseSince(o.since, time.Now())
			if err != nil {
				return err
			}
			if o.all {
				return o.runAll(c.OutOrStdout(), c.ErrOrStderr(), since)
			}
			return o.run(c.OutOrStdout(), c.ErrOrStderr(), args[0], since)
		},
	}
	c.Flags().BoolVar(&o.all, "all", false, "list every kill on the host, most recent first")
	c.Flags().StringVar(&o.since, "since", "", "only kills since `WHEN`: a duration (30m, 24h, 7d) or a time (2026-11-29, 2026-11-29T15:04:05Z)")
	return c
}

// parseSince reads --since: a duration back from now, or a point in time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.ParseFloat(days, 64); err == nil && n >= 0 {
			return now.Add(-time.Duration(n * 24 * float64(time.Hour))), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usagef("--since %q: want a duration (30m, 24h, 7d) or a time (2026-11-29, 2026-11-29T15:04:05Z)", s)
}

// killEvidence is what the logs hold, read once per run.
type killEvidence struct {
	kills    []diagnose.Kill
	clock    killlog.Clock
	sources  []sourceJSON
	warnings []string
}

type sourceJSON struct {
	Name    string `json:"name"`
	Records int    `json:"records"`
	Error   string `json:"error,omitempty"`
}

func (o *whyKilledOptions) readEvidence(h inspect.Host, since time.Time) (*killEvidence, error) {
	clock := killlog.NowClock(h.Root)
	coll, err := killlog.Collect(killlog.ReadOptions{Root: h.Root, Since: since, Clock: &clock})
	if err != nil {
		return nil, err
	}
	ev := &killEvidence{clock: clock, warnings: coll.Warnings, sources: []sourceJSON{}}
	for _, s := range coll.Sources {
		ev.sources = append(ev.sources, sourceJSON{Name: s.Name, Records: s.Records, Error: s.Err})
	}
	ev.kills = diagnose.KillsFromEvents(coll.Events)
	for _, u := range coll.Userspace {
		ev.kills = append(ev.kills, diagnose.KillFromUserspace(u.Wall, u.Killer, u.Cgroup, u.PID, u.Comm, u.Text, u.Source))
	}
	// Collect has dropped what is older than since.
	diagnose.SortKills(ev.kills)
	return ev, nil
}

// whyKilledDoc is the JSON document of `nsx why-killed TARGET`.
type whyKilledDoc struct {
	SchemaVersion int                   `json:"schemaVersion"`
	Target        whyKilledTarget       `json:"target"`
	Verdict       diagnose.Finding      `json:"verdict"`
	Kills         []diagnose.Kill       `json:"kills"`
	LastRun       *runtimes.RunState    `json:"lastRun,omitempty"`
	Exit          *diagnose.Exit        `json:"exit,omitempty"`
	Cgroups       []inspect.CgroupLevel `json:"cgroups"`
	Timeline      []diagnose.Evidence   `json:"timeline"`
	Fix           []string              `json:"fix"`
	Sources       []sourceJSON          `json:"sources"`
	Warnings      []string              `json:"warnings"`
}

type whyKilledTarget struct {
	Kind      string             `json:"kind"`
	PID       int                `json:"pid"`
	Alive     bool               `json:"alive"`
	Comm      string             `json:"comm,omitempty"`
	Container *inspect.Container `json:"container,omitempty"`
	Cgroup    string             `json:"cgroup,omitempty"`
}

func (o *whyKilledOptions) run(stdout, stderr io.Writer, spec string, since time.Time) error {
	h, err := o.host()
	if err != nil {
		return err
	}
	snap, err := h.Scan(inspect.ScanOptions{SkipHolders: true, SkipHierarchy: true})
	if err != nil {
		return err
	}
	subject, err := resolveSubject(snap, spec)
	if err != nil {
		return err
	}
	ev, err := o.readEvidence(h, since)
	if err != nil {
		return err
	}
	warnings := append([]string{}, snap.Warnings...)
	warnings = append(warnings, ev.warnings...)

	var levels []inspect.CgroupLevel
	layout, err := h.CgroupLayout()
	if err != nil {
		warnings = append(warnings, fmt.Sprintf("cgroup counters: %v", err))
	} else if subject.Alive {
		lv, w, err := h.CgroupLevels(subject.PID, layout)
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("cgroup counters of process %d: %v", subject.PID, err))
		}
		levels = lv
		warnings = append(warnings, w...)
		if mem := inspect.InnermostLevel(levels, "memory"); mem != nil {
			subject.Cgroup = mem.Path
		}
	}
	if subject.Alive {
		// A scan reads no stat; the start time bounds which kills are
		// this process's life's.
		snap.LoadStats([]int{subject.PID})
		if p := snap.Processes[subject.PID]; p != nil && p.Comm != "" {
			started := ev.clock.Wall(time.Duration(p.StartTime) * time.Second / clockTicks)
			if subject.Started == nil {
				subject.Started = &started
			}
			if subject.Comm == "" {
				subject.Comm = p.Comm
			}
		}
	}
	input := diagnose.Input{Subject: subject, Kills: ev.kills, Boot: ev.clock.Boot}
	if !subject.Alive && layout != nil {
		// What was killed is gone, but the cgroup its last kill names may
		// remain (a plain process's), and its parents (a pod, a slice)
		// keep counting.
		if p := diagnose.GoneCgroup(input); p != "" {
			var w []string
			levels, w = h.CgroupLevelsOf(map[string]string{"memory": p, "pids": p}, layout)
			subject.Cgroup = p
			warnings = append(warnings, w...)
		}
	}
	input.Subject, input.Levels = subject, levels
	report, err := diagnose.WhyKilled(input)
	if errors.Is(err, diagnose.ErrNoEvidence) {
		return fmt.Errorf("no process %d, and the logs read (%s) hold no kill of it: it may have exited on its own, or the log was rotated away", subject.PID, sourceNames(ev.sources))
	}
	if err != nil {
		return err
	}
	doc := whyKilledDoc{
		SchemaVersion: SchemaVersion,
		Target:        whyKilledTarget{Kind: subject.Kind, PID: subject.PID, Alive: subject.Alive, Comm: subject.Comm, Container: subject.Container, Cgroup: subject.Cgroup},
		Verdict:       report.Verdict, Kills: nonNil(report.Kills), Exit: report.Exit,
		Cgroups: nonNil(levels), Timeline: nonNil(report.Timeline), Fix: nonNil(report.Verdict.Fix),
		Sources: ev.sources, Warnings: nonNil(warnings),
	}
	if subject.Container != nil {
		doc.LastRun = subject.Container.LastRun
	}
	if o.output == "json" {
		if err := writeJSON(stdout, doc); err != nil {
			return err
		}
	} else {
		term := detectTerminal(stdout)
		color := o.colorOn(term)
		renderWhyKilled(stdout, doc, color)
		for _, w := range warnings {
			fmt.Fprintln(stderr, paint(color, ansiYellow, "nsx: warning: "+w))
		}
	}
	if code := report.Verdict.Severity.ExitCode(); code != 0 {
		return exitCodeError{code: code}
	}
	return nil
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's start time: 100 on
// every architecture Linux exports to userspace.
const clockTicks = 100

// resolveSubject turns a target into what why-killed asks about: a
// running or stopped container, a live process, or a PID that is gone.
func resolveSubject(snap *inspect.Snapshot, spec string) (diagnose.Subject, error) {
	t, err := snap.Resolve(spec)
	var notRunning *inspect.NotRunningError
	switch {
	case errors.As(err, &notRunning):
		return diagnose.Subject{Kind: "container", Container: notRunning.Container}, nil
	case errors.Is(err, inspect.ErrNoProcess):
		if pid, perr := strconv.Atoi(strings.TrimSpace(spec)); perr == nil && pid > 0 {
			return diagnose.Subject{Kind: "process", PID: pid}, nil
		}
		return diagnose.Subject{}, err
	case err != nil:
		return diagnose.Subject{}, err
	}
	switch t.Kind {
	case inspect.TargetContainer:
		c := t.Container
		s := diagnose.Subject{Kind: "container", Container: c, PID: snap.MainPID(c), Alive: true, PreviousAttempt: previousAttempt(snap, c)}
		if c.LastRun != nil && c.LastRun.StartedAt != nil && c.State == "running" {
			s.Started = c.LastRun.StartedAt
		}
		return s, nil
	case inspect.TargetPID:
		s := diagnose.Subject{Kind: "process", PID: t.PIDs[0], Alive: true}
		if p := snap.Processes[s.PID]; p != nil && p.Container != nil && snap.MainPID(p.Container) == s.PID {
			// A container's main process is the container.
			c := p.Container
			s.Kind, s.Container, s.PreviousAttempt = "container", c, previousAttempt(snap, c)
			if c.LastRun != nil && c.State == "running" {
				s.Started = c.LastRun.StartedAt
			}
		}
		return s, nil
	case inspect.TargetPod:
		return diagnose.Subject{}, usagef("%q is a pod: name one of its containers (NAMESPACE/POD/CONTAINER)", spec)
	}
	return diagnose.Subject{}, usagef("%q names a namespace: why-killed explains a container or a process", spec)
}

// previousAttempt is the container a pod ran before c under the same
// name — the kubelet makes a new container for every restart — that
// finished last; nil when c is no pod's or ran first.
func previousAttempt(snap *inspect.Snapshot, c *inspect.Container) *inspect.Container {
	if c.Pod == nil || c.Name == "" || c.PodSandbox {
		return nil
	}
	var prev *inspect.Container
	for _, o := range snap.Runtimes.All() {
		if o.ID == c.ID || o.Name != c.Name || o.Pod == nil || o.State == "running" ||
			o.LastRun == nil || o.LastRun.FinishedAt == nil || !samePod(o.Pod, c.Pod) {
			continue
		}
		if prev == nil || o.LastRun.FinishedAt.After(*prev.LastRun.FinishedAt) {
			prev = o
		}
	}
	return prev
}

func samePod(a, b *runtimes.Pod) bool {
	if a.UID != "" && b.UID != "" {
		return a.UID == b.UID
	}
	return a.Name != "" && a.Name == b.Name && a.Namespace == b.Namespace
}

func sourceNames(s []sourceJSON) string {
	if len(s) == 0 {
		return "nothing could be read"
	}
	var names []string
	for _, src := range s {
		names = append(names, src.Name)
	}
	return strings.Join(names, ", ")
}

// renderWhyKilled prints the verdict first, then the evidence as a
// timeline, the cgroup counters, and what to do.
func renderWhyKilled(w io.Writer, d whyKilledDoc, color bool) {
	sev := map[diagnose.Severity]string{diagnose.Critical: ansiRed, diagnose.Warning: ansiYellow, diagnose.OK: ansiGreen}[d.Verdict.Severity]
	fmt.Fprintf(w, "%s\n\n", paint(color, sev, fmt.Sprintf("VERDICT %d %s (%s)", d.Verdict.Number, d.Verdict.Code, d.Verdict.Severity)))
	fmt.Fprintf(w, "%s\n", wrap(d.Verdict.Summary, 88, ""))
	if len(d.Timeline) > 0 {
		fmt.Fprintf(w, "\nTIMELINE\n")
		for _, e := range d.Timeline {
			when := "                   "
			if e.Time != nil {
				when = e.Time.Local().Format("2006-01-02 15:04:05")
			}
			text := e.Text
			if e.Source != "" {
				text += " [" + e.Source + "]"
			}
			fmt.Fprintf(w, "  %s  %s\n", when, wrap(text, 66, strings.Repeat(" ", 23)))
		}
	}
	if len(d.Cgroups) > 0 {
		fmt.Fprintf(w, "\nCGROUPS (innermost first)\n")
		for _, lv := range d.Cgroups {
			fmt.Fprintf(w, "  %-7s %s  %s\n", lv.Controller, lv.Path, levelCounters(lv))
		}
	}
	if len(d.Fix) > 0 {
		fmt.Fprintf(w, "\nWHAT TO DO\n")
		for _, f := range d.Fix {
			fmt.Fprintf(w, "  - %s\n", wrap(f, 84, "    "))
		}
	}
}

func levelCounters(lv inspect.CgroupLevel) string {
	var parts []string
	if lv.Controller == "pids" {
		parts = append(parts, "limit "+uintOrUnlimited(lv.PIDsLimit), "current "+uintOrDash(lv.PIDsCurrent))
		if lv.PIDsEventsMax != nil {
			parts = append(parts, fmt.Sprintf("refused forks %d", *lv.PIDsEventsMax))
		}
		return strings.Join(parts, ", ")
	}
	limit := "unlimited"
	if lv.LimitBytes != nil {
		limit = units.Bytes(*lv.LimitBytes)
	}
	parts = append(parts, "limit "+limit, "usage "+bytesOrDash(lv.UsageBytes))
	if lv.PeakBytes != nil {
		parts = append(parts, "peak "+units.Bytes(*lv.PeakBytes))
	}
	for _, k := range []string{"max", "oom", "oomKill", "oomGroupKill"} {
		if v, ok := lv.Events[k]; ok {
			parts = append(parts, fmt.Sprintf("%s %d", k, v))
		}
	}
	if lv.Failcnt != nil {
		parts = append(parts, fmt.Sprintf("failcnt %d", *lv.Failcnt))
	}
	return strings.Join(parts, ", ")
}

func uintOrUnlimited(v *uint64) string {
	if v == nil {
		return "unlimited"
	}
	return strconv.FormatUint(*v, 10)
}

// wrap breaks text into lines of at most width runes, continuing lines
// with indent.
func wrap(text string, width int, indent string) string {
	var b strings.Builder
	n := 0
	for i, word := range strings.Fields(text) {
		if i > 0 {
			if n+1+len(word) > width {
				b.WriteString("\n" + indent)
				n = 0
			} else {
				b.WriteByte(' ')
				n++
			}
		}
		b.WriteString(word)
		n += len(word)
	}
	return b.String()
}

// whyKilledAllDoc is the JSON document of `nsx why-killed --all`.
type whyKilledAllDoc struct {
	SchemaVersion int             `json:"schemaVersion"`
	View          string          `json:"view"`
	Since         *time.Time      `json:"since,omitempty"`
	Kills         []diagnose.Kill `json:"kills"`
	Sources       []sourceJSON    `json:"sources"`
	Warnings      []string        `json:"warnings"`
}

func (o *whyKilledOptions) runAll(stdout, stderr io.Writer, since time.Time) error {
	h, err := o.host()
	if err != nil {
		return err
	}
	ev, err := o.readEvidence(h, since)
	if err != nil {
		return err
	}
	store := runtimes.NewStore(h.Root)
	kills := diagnose.KillHistory(ev.kills, store.All(), store.Identify, since)
	warnings := append(ev.warnings, store.Warnings()...)
	doc := whyKilledAllDoc{SchemaVersion: SchemaVersion, View: "kills", Kills: nonNil(kills), Sources: ev.sources, Warnings: nonNil(warnings)}
	if !since.IsZero() {
		doc.Since = &since
	}
	if o.output == "json" {
		if err := writeJSON(stdout, doc); err != nil {
			return err
		}
	} else {
		term := detectTerminal(stdout)
		color := o.colorOn(term)
		t := &table{header: []string{"TIME", "CONTAINER", "PID", "COMM", "KIND", "LIMIT", "CGROUP"}}
		for _, k := range kills {
			when, container, pid, limit := "-", "-", "-", "-"
			if k.Time != nil {
				when = k.Time.Local().Format("2006-01-02 15:04:05")
			}
			if k.Container != nil {
				container = k.Container.Name + " (" + k.Container.Runtime + ")"
			}
			if k.PID != 0 {
				pid = strconv.Itoa(k.PID)
			}
			if k.LimitBytes != nil {
				limit = units.Bytes(*k.LimitBytes)
			}
			// The victim's cgroup, and the one whose limit was hit when
			// that is another (an ancestor's).
			cg := k.OOMMemcg
			if k.Kind == diagnose.KillAncestorLimit || cg == "" {
				cg = k.TaskMemcg
				if k.OOMMemcg != "" && k.OOMMemcg != k.TaskMemcg {
					cg += " (limit: " + k.OOMMemcg + ")"
				}
			}
			comm := k.Comm
			if comm == "" {
				comm = "-"
			}
			t.append(when, container, pid, comm, string(k.Kind), limit, dash(cg))
		}
		if err := t.render(stdout, o.noHeaders, term, color); err != nil {
			return err
		}
		if len(kills) == 0 {
			fmt.Fprintf(stderr, "nsx: no kills found in %s\n", sourceNames(ev.sources))
		}
		for _, w := range warnings {
			fmt.Fprintln(stderr, paint(color, ansiYellow, "nsx: warning: "+w))
		}
	}
	if len(kills) > 0 {
		return exitCodeError{code: ExitCritical}
	}
	return nil
}
