package diagnose

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"nsx/inspect"
	"nsx/internal/units"
	"nsx/runtimes"
)

// Verdict codes of why-killed, in the order of the issue that defined them;
// Number is that order, Code the stable word scripts match.
const (
	CodeOOMLimit         = "oom-limit"
	CodeOOMAncestorLimit = "oom-ancestor-limit"
	CodeOOMHost          = "oom-host"
	CodeOOMChild         = "oom-child"
	CodePIDsLimit        = "pids-limit"
	CodeSIGKILL          = "sigkill"
	CodeExited           = "exited"
	CodeRunning          = "running"
)

var codeNumbers = map[string]int{
	CodeOOMLimit: 1, CodeOOMAncestorLimit: 2, CodeOOMHost: 3, CodeOOMChild: 4,
	CodePIDsLimit: 5, CodeSIGKILL: 6, CodeExited: 7, CodeRunning: 8,
}

// ErrNoEvidence: a process that no longer exists and of which the logs
// hold no kill.
var ErrNoEvidence = errors.New("no evidence")

// Subject is what why-killed is asked about: a container (running or not)
// or a process (alive, or a PID that is gone).
type Subject struct {
	Kind      string // "container" or "process"
	PID       int    // the process, or the container's main process; 0 if none
	Alive     bool
	Comm      string
	Container *runtimes.Container
	// Cgroup is the memory cgroup of the process or container as the
	// kernel prints it; "" when unknown (an exited container's is gone).
	Cgroup string
	// Started is when the process, or the container's current run, started.
	Started *time.Time
	// PreviousAttempt is the exited container a Kubernetes pod ran before
	// this one under the same name (the kubelet makes a new container for
	// every restart): why it ended is why this one was started.
	PreviousAttempt *runtimes.Container
}

// Input is every fact WhyKilled weighs.
type Input struct {
	Subject Subject
	// Kills are all kills the logs hold (KillsFromEvents, userspace
	// killers), oldest first; WhyKilled picks the subject's.
	Kills []Kill
	// Levels are the cgroup counters of the subject and its ancestors
	// (memory, then pids, innermost first), where the cgroups exist.
	Levels []inspect.CgroupLevel
	// Boot is the running boot's ID ("" unknown): PIDs are compared only
	// within it.
	Boot string
}

// Exit is how a container's last run ended.
type Exit struct {
	Code   int    `json:"code"`
	Signal string `json:"signal,omitempty"`
}

// Report is why-killed's answer.
type Report struct {
	Verdict  Finding
	Kills    []Kill
	Exit     *Exit
	Timeline []Evidence
}

// graceBefore and graceAfter widen a run's window: runtimes stamp start and
// finish from their own clocks, the kernel's wall time is derived from the
// boot time, and a report is logged before the victim's exit is reaped.
const (
	graceBefore = 2 * time.Second
	graceAfter  = 5 * time.Second
	// exitNear: a kill this close before the run ended killed it.
	exitNear = 10 * time.Second
)

// WhyKilled decides why the subject died, lost processes, or is fine.
func WhyKilled(in Input) (*Report, error) {
	s := in.Subject
	mine := subjectKills(in)
	r := &Report{Kills: mine}
	for i := range r.Kills {
		if s.Kind == "process" && !s.Alive {
			r.Kills[i].MainProcess = true
		}
	}
	switch {
	case s.Kind == "process" && !s.Alive:
		if len(mine) == 0 {
			return nil, fmt.Errorf("%w of a kill of process %d", ErrNoEvidence, s.PID)
		}
		k := &r.Kills[len(r.Kills)-1]
		r.Verdict = killVerdict(s, k, in.Levels)
	case s.Alive:
		r.runningVerdict(in)
	default:
		r.exitedVerdict(in)
	}
	r.Verdict.Number = codeNumbers[r.Verdict.Code]
	r.Timeline = timeline(s, r)
	return r, nil
}

// subjectKills selects and classifies the subject's kills, oldest first.
func subjectKills(in Input) []Kill {
	s := in.Subject
	var out []Kill
	for _, k := range in.Kills {
		var ok bool
		ref := s.Cgroup
		switch {
		case s.Container != nil:
			vc := k.VictimCgroup()
			ok = belongsTo(vc, s.Container)
			if ok && ref == "" {
				ref = ownCgroup(vc, s.Container.ID)
			}
			if prev := s.PreviousAttempt; !ok && prev != nil && belongsTo(vc, prev) {
				ok, ref = true, ownCgroup(vc, prev.ID)
			}
		case !s.Alive:
			ok = k.PID == s.PID && (in.Boot == "" || k.Boot == "" || k.Boot == in.Boot)
		default:
			// A process's cgroup may be shared by unrelated processes (a
			// user's session); the root cgroup is everybody's.
			vc := k.VictimCgroup()
			ok = ref != "" && ref != "/" && (vc == ref || isUnder(vc, ref)) &&
				(s.Started == nil || k.Time == nil || !k.Time.Before(*s.Started))
		}
		if ok {
			classify(&k, ref)
			out = append(out, k)
		}
	}
	if s.Kind == "process" && !s.Alive && len(out) > 1 {
		out = out[len(out)-1:] // the PID's latest life
	}
	return out
}

// GoneCgroup is the cgroup a subject that no longer runs lived in, as its
// last kill names it — a container's own cgroup, a process's — or "" when
// no kill names one. The cgroup itself may be gone; its parents (a pod, a
// slice) outlive it and keep counting.
func GoneCgroup(in Input) string {
	kills := subjectKills(in)
	for i := len(kills) - 1; i >= 0; i-- {
		vc := kills[i].VictimCgroup()
		switch c := in.Subject.Container; {
		case vc == "":
		case c == nil:
			return vc
		case belongsTo(vc, c):
			return ownCgroup(vc, c.ID)
		}
	}
	return ""
}

// inWindow reports whether a kill happened in [from-graceBefore, to+graceAfter]
// (open ends when nil; a kill without wall time is taken as inside).
func inWindow(k *Kill, from, to *time.Time) bool {
	if k.Time == nil {
		return true
	}
	if from != nil && k.Time.Before(from.Add(-graceBefore)) {
		return false
	}
	return to == nil || !k.Time.After(to.Add(graceAfter))
}

func (r *Report) exitedVerdict(in Input) {
	s := in.Subject
	var run *runtimes.RunState
	if s.Container != nil {
		run = s.Container.LastRun
	}
	var from, to *time.Time
	if run != nil {
		from, to = run.StartedAt, run.FinishedAt
	}
	var inRun []*Kill
	for i := range r.Kills {
		if inWindow(&r.Kills[i], from, to) {
			inRun = append(inRun, &r.Kills[i])
		}
	}
	if run == nil || run.ExitCode == nil {
		r.Verdict = Finding{Code: CodeExited, Severity: OK,
			Summary: fmt.Sprintf("%s is not running and its runtime recorded no exit (state %q): it never ran or was never started again.", subjectName(s), stateOf(s.Container))}
		if len(inRun) > 0 {
			r.Verdict = killVerdict(s, inRun[len(inRun)-1], in.Levels)
		}
		return
	}
	r.Exit = exitOf(*run.ExitCode)
	if r.Exit.Signal == "SIGKILL" {
		// The kill closest before the end killed the main process; a group
		// kill took every process at once.
		if len(inRun) > 0 {
			k := inRun[len(inRun)-1]
			if k.Time == nil || to == nil || to.Sub(*k.Time) <= exitNear || k.Group {
				k.MainProcess = true
				r.Verdict = killVerdict(s, k, in.Levels)
				return
			}
		}
		if run.OOMKilled {
			r.Verdict = Finding{Code: CodeOOMLimit, Severity: Critical,
				Summary: fmt.Sprintf("%s was OOM-killed%s: its runtime recorded OOMKilled with exit code 137, but the kernel log read holds no OOM report for it (rotated away, or the ring buffer overwritten), so the details are unknown.", subjectName(s), at(to)),
				Fix:     fixOwnLimit(s, nil)}
			return
		}
		r.Verdict = sigkillVerdict(s, to, len(inRun))
		return
	}
	sig := ""
	if r.Exit.Signal != "" {
		sig = fmt.Sprintf(" by signal %s (exit code %d)", r.Exit.Signal, r.Exit.Code)
	} else {
		sig = fmt.Sprintf(" with code %d", r.Exit.Code)
	}
	f := Finding{Code: CodeExited, Severity: OK,
		Summary: fmt.Sprintf("%s was not killed: it exited on its own%s%s.", subjectName(s), sig, at(to)),
		Fix:     []string{"Read the container's own output for the cause (docker logs NAME, kubectl logs --previous)."}}
	if len(inRun) > 0 {
		f.Severity = Warning
		f.Summary += fmt.Sprintf(" During that run the OOM killer killed %s, which may be why it gave up.", victims(inRun))
		f.Fix = append(f.Fix, fixChildren(s)...)
	}
	if run.OOMKilled && len(inRun) == 0 {
		f.Summary += " Its runtime flagged OOMKilled: an OOM kill of any process in the container sets it (moby/moby#18512), not only of the main one."
	}
	r.Verdict = f
}

func (r *Report) runningVerdict(in Input) {
	s := in.Subject
	var run *runtimes.RunState
	if s.Container != nil {
		run = s.Container.LastRun
	}
	again := fmt.Sprintf(" It was started again%s and is running%s.", restarts(run), since(s.Started))
	if prev := s.PreviousAttempt; prev != nil && prev.LastRun != nil {
		// The run that ended is the previous container's.
		run = prev.LastRun
		again = fmt.Sprintf(" That was its previous attempt, container %s; the kubelet started this one%s and it is running.", prev.ShortID(), since(s.Started))
	}
	var current []*Kill
	var previous *Kill
	for i := range r.Kills {
		k := &r.Kills[i]
		if inWindow(k, s.Started, nil) {
			current = append(current, k)
		} else if run != nil && run.FinishedAt != nil && k.Time != nil &&
			!k.Time.After(run.FinishedAt.Add(graceAfter)) && run.FinishedAt.Sub(*k.Time) <= exitNear {
			previous = k // the kill that ended the previous run
		}
	}
	ownOOMKills := uint64(0)
	if lv := inspect.InnermostLevel(in.Levels, "memory"); lv != nil && lv.Events != nil {
		ownOOMKills = lv.Events["oomKill"]
	}
	switch {
	case len(current) > 0 || ownOOMKills > 0:
		r.Verdict = childVerdict(s, current, ownOOMKills)
	case previous != nil:
		previous.MainProcess = true
		f := killVerdict(s, previous, in.Levels)
		f.Summary += again
		r.Verdict = f
	default:
		if f, ok := pidsVerdict(s, in.Levels); ok {
			r.Verdict = f
			return
		}
		r.Verdict = healthyVerdict(s, in.Levels)
	}
}

// killVerdict explains one kernel or userspace kill of the subject.
func killVerdict(s Subject, k *Kill, levels []inspect.CgroupLevel) Finding {
	who := subjectName(s)
	victim := fmt.Sprintf("%s (pid %d)", k.Comm, k.PID)
	if k.Kind == KillUserspace {
		return Finding{Code: CodeSIGKILL, Severity: Critical,
			Summary: fmt.Sprintf("%s was killed%s by %s, a userspace OOM killer, not by the kernel: %q.", who, at(k.Time), k.Killer, k.Text),
			Fix: []string{
				fmt.Sprintf("Check %s's thresholds (systemd-oomd: ManagedOOMMemoryPressure= and ManagedOOMMemoryPressureLimit= of the slice; earlyoom: -m/-s), or exempt this workload.", k.Killer),
				"Give the workload a memory limit that matches its needs, so that pressure stays inside its own cgroup."}}
	}
	held := fmt.Sprintf("%s anon, %s file and %s shmem", units.Bytes(k.AnonRSSBytes), units.Bytes(k.FileRSSBytes), units.Bytes(k.ShmemRSSBytes))
	switch k.Kind {
	case KillHost:
		text := fmt.Sprintf("%s was killed%s by a host-wide OOM: the machine ran out of memory%s, no cgroup limit was reached. The kernel chose %s, which held %s.",
			who, at(k.Time), constraintNote(k.Constraint), victim, held)
		if len(k.TopTasks) > 0 {
			var tops []string
			for _, t := range k.TopTasks {
				tops = append(tops, fmt.Sprintf("%s (pid %d) %s", t.Comm, t.PID, units.Bytes(t.RSSBytes)))
			}
			text += " The largest processes then: " + strings.Join(tops, ", ") + "."
		}
		return Finding{Code: CodeOOMHost, Severity: Critical, Summary: text, Fix: []string{
			"Find what grew on the host (the largest processes above) and give it a memory limit; unlimited containers and services compete for the whole machine.",
			"Add memory or swap, or run fewer workloads on this host; on Kubernetes, set requests close to real use so the scheduler does not overcommit the node.",
			"Protect critical processes with oom_score_adj (lower is safer), and set limits so that a runaway hits its own limit first."}}
	case KillAncestorLimit:
		text := fmt.Sprintf("%s was OOM-killed%s, but not for its own limit: %s %s reached its memory limit%s. The kernel chose %s, which held %s.",
			who, at(k.Time), levelKind(k.OOMMemcg), k.OOMMemcg, limitNote(k), victim, held)
		// Only the victim's own level says what its own limit is: once an
		// exited container's cgroup is gone, the innermost level read is
		// its parent.
		if lv := levelAt(levels, "memory", k.TaskMemcg); lv != nil {
			own := "none"
			if lv.LimitBytes != nil {
				own = units.Bytes(*lv.LimitBytes)
			}
			text += fmt.Sprintf(" Its own limit is %s.", own)
		}
		text += memoryNotes(k)
		return Finding{Code: CodeOOMAncestorLimit, Severity: Critical, Summary: text, Fix: []string{
			fmt.Sprintf("Raise the limit of %s (for a pod: the sum of its containers' limits; a systemd slice: MemoryMax=), or lower what its other members use.", k.OOMMemcg),
			"A limit above the container's own lets siblings starve it: size each container's limit so that they add up to less than the parent's."}}
	case KillUnknown:
		return Finding{Code: CodeOOMLimit, Severity: Critical,
			Summary: fmt.Sprintf("%s was OOM-killed%s by a cgroup memory limit; the kernel's report of it was rate-limited or lost, so which cgroup's limit is not known. The kernel killed %s, which held %s.", who, at(k.Time), victim, held),
			Fix:     fixOwnLimit(s, k)}
	}
	text := fmt.Sprintf("%s was OOM-killed%s: it reached its own memory limit%s. The kernel killed %s, which held %s.",
		who, at(k.Time), limitNote(k), victim, held)
	text += memoryNotes(k)
	return Finding{Code: CodeOOMLimit, Severity: Critical, Summary: text, Fix: fixOwnLimit(s, k)}
}

func childVerdict(s Subject, current []*Kill, counted uint64) Finding {
	who := subjectName(s)
	var text string
	if len(current) > 0 {
		text = fmt.Sprintf("%s is running, but the OOM killer killed %s during this run%s; its main process survived.", who, victims(current), since(s.Started))
		last := current[len(current)-1]
		switch last.Kind {
		case KillHost:
			text += " The kills were host-wide OOMs: the machine ran out of memory."
		case KillAncestorLimit:
			text += fmt.Sprintf(" The limit reached was that of %s %s%s.", levelKind(last.OOMMemcg), last.OOMMemcg, limitNote(last))
		default:
			text += fmt.Sprintf(" The limit reached was its own%s.", limitNote(last))
		}
		text += memoryNotes(last)
	} else {
		text = fmt.Sprintf("%s is running, but its cgroup counts %d OOM kill(s) of its processes (memory oom_kill); the kernel log read holds no report of them.", who, counted)
	}
	return Finding{Code: CodeOOMChild, Severity: Warning, Summary: text, Fix: fixChildren(s)}
}

func sigkillVerdict(s Subject, to *time.Time, kills int) Finding {
	text := fmt.Sprintf("%s was killed by SIGKILL (exit code 137)%s, and nothing shows an OOM kill: the kernel log read has no OOM report of it at that time and its runtime did not flag OOMKilled. Something outside killed it. Exit code 137 alone means SIGKILL, not OOM.", subjectName(s), at(to))
	if kills > 0 {
		text += fmt.Sprintf(" (Earlier in the run the OOM killer killed %d of its processes.)", kills)
	}
	return Finding{Code: CodeSIGKILL, Severity: Critical, Summary: text, Fix: []string{
		"A stop that timed out ends in SIGKILL: docker stop waits 10 s (--time, StopTimeout), Kubernetes terminationGracePeriodSeconds; make the process exit on SIGTERM.",
		"Kubernetes kills containers whose liveness probe fails (kubectl describe pod: events 'Liveness probe failed').",
		"A person or a script may have run docker kill or kill -9; a userspace OOM daemon (systemd-oomd, earlyoom) logs its kills to the journal."}}
}

func pidsVerdict(s Subject, levels []inspect.CgroupLevel) (Finding, bool) {
	for _, lv := range levels {
		if lv.Controller != "pids" || lv.PIDsEventsMax == nil || *lv.PIDsEventsMax == 0 {
			continue
		}
		limit := "its limit"
		if lv.PIDsLimit != nil {
			limit = fmt.Sprintf("its limit of %d", *lv.PIDsLimit)
		}
		text := fmt.Sprintf("%s is running, but %d fork(s) were refused because %s %s reached %s (pids.events max)",
			subjectName(s), *lv.PIDsEventsMax, levelKind(lv.Path), lv.Path, limit)
		if lv.PIDsCurrent != nil {
			text += fmt.Sprintf("; it holds %d tasks now", *lv.PIDsCurrent)
		}
		text += ". Programs that cannot fork or start threads fail in odd ways (\"can't fork\", \"Resource temporarily unavailable\") and often crash-loop."
		return Finding{Code: CodePIDsLimit, Severity: Warning, Summary: text, Fix: []string{
			"Look for a fork bomb or a thread leak: nsx ls and ps -eLf show what holds the tasks (threads count against pids.max).",
			"Raise the limit if the workload needs it (docker --pids-limit, Kubernetes podPidsLimit, systemd TasksMax=)."}}, true
	}
	return Finding{}, false
}

func healthyVerdict(s Subject, levels []inspect.CgroupLevel) Finding {
	f := Finding{Code: CodeRunning, Severity: OK}
	text := fmt.Sprintf("%s is running and was not killed%s.", subjectName(s), since(s.Started))
	if lv := inspect.InnermostLevel(levels, "memory"); lv != nil && lv.UsageBytes != nil {
		limit, level := effectiveLimit(levels)
		if limit != nil {
			pct := 100 * float64(*lv.UsageBytes) / float64(*limit)
			whose := "its own"
			if level != lv.Path {
				whose = fmt.Sprintf("%s %s's", levelKind(level), level)
			}
			text += fmt.Sprintf(" Memory: %s of %s %s limit (%.0f%%)", units.Bytes(*lv.UsageBytes), whose, units.Bytes(*limit), pct)
			if lv.PeakBytes != nil {
				text += fmt.Sprintf(", peak %s", units.Bytes(*lv.PeakBytes))
			}
			text += "."
			if pct >= 90 {
				f.Severity = Warning
				text += " It is close to the limit: the next allocation burst may be OOM-killed."
				f.Fix = append(f.Fix, "Raise the limit before it is hit, or find what grows: nsx cgroup TARGET shows usage by kind (anon, file, shmem, kernel).")
			}
		} else {
			text += fmt.Sprintf(" Memory: %s, no limit: only a host-wide OOM can kill it.", units.Bytes(*lv.UsageBytes))
		}
		if n := lv.Events["max"]; n > 0 {
			text += fmt.Sprintf(" It hit its limit %d time(s) and the kernel reclaimed memory (memory.events max).", n)
		}
		if lv.UnderOOM != nil && *lv.UnderOOM {
			f.Severity = Warning
			text += " It is under OOM now with the OOM killer disabled (memory.oom_control): its processes are stalled."
			f.Fix = append(f.Fix, "Raise the limit or free memory in the cgroup: with oom_kill_disable=1 its processes wait until memory is available.")
		}
	}
	for _, lv := range levels {
		if lv.Controller == "pids" && lv.PIDsLimit != nil && lv.PIDsCurrent != nil {
			text += fmt.Sprintf(" Tasks: %d of %d (%s).", *lv.PIDsCurrent, *lv.PIDsLimit, lv.Path)
			break
		}
	}
	f.Summary = text
	return f
}

// memoryNotes points at memory that surprises people: tmpfs and page cache
// are charged to the cgroup too.
func memoryNotes(k *Kill) string {
	var notes string
	usage := uint64(0)
	if k.UsageBytes != nil {
		usage = *k.UsageBytes
	}
	shmem := max(k.Stats["shmem"], k.ShmemRSSBytes)
	if shmem > 0 && (usage == 0 || shmem*8 >= usage) {
		notes += fmt.Sprintf(" %s of it was shmem: files in tmpfs (/dev/shm, an emptyDir with medium Memory) or shared memory, which count against the limit and are not freed by killing processes.", units.Bytes(shmem))
	}
	if file := k.Stats["file"]; file > 0 && usage > 0 && file*2 >= usage {
		notes += fmt.Sprintf(" %s was page cache (file), which counts against the limit; dirty or writeback pages cannot be dropped fast enough under pressure.", units.Bytes(file))
	}
	return notes
}

func fixOwnLimit(s Subject, k *Kill) []string {
	fix := []string{
		"If the workload needs more, raise the limit (docker update --memory, Kubernetes resources.limits.memory, systemd MemoryMax=).",
		"If it should not need more, find what grows: nsx cgroup TARGET shows usage by kind (anon, file, shmem, kernel); anon that keeps growing is a leak.",
	}
	if k != nil && max(k.Stats["shmem"], k.ShmemRSSBytes) > 0 {
		fix = append(fix, "Clean up or bound tmpfs use: files in /dev/shm or a memory-backed emptyDir stay charged until deleted (docker --shm-size, emptyDir sizeLimit).")
	}
	if s.Container != nil && s.Container.Runtime == runtimes.Docker {
		fix = append(fix, "A JVM or runtime that sizes its heap from the host's memory must be told the container's limit (-XX:MaxRAMPercentage, GOMEMLIMIT).")
	}
	return fix
}

func fixChildren(s Subject) []string {
	return []string{
		"Find which process grows: the kill list names them; a worker that is killed and respawned hides the problem from the container's status.",
		"Raise the memory limit if the workload needs it, or bound the workers' memory.",
		"On cgroup v2, memory.oom.group=1 kills the whole container instead of single processes, so that a half-dead container restarts cleanly (Kubernetes 1.28+ sets it).",
	}
}

func constraintNote(c string) string {
	switch c {
	case "CONSTRAINT_CPUSET":
		return " (within its cpuset's memory nodes)"
	case "CONSTRAINT_MEMORY_POLICY":
		return " (within its NUMA memory policy)"
	}
	return ""
}

func limitNote(k *Kill) string {
	switch {
	case k.LimitBytes != nil && k.UsageBytes != nil:
		return fmt.Sprintf(" of %s (usage %s)", units.Bytes(*k.LimitBytes), units.Bytes(*k.UsageBytes))
	case k.LimitBytes != nil:
		return " of " + units.Bytes(*k.LimitBytes)
	}
	return ""
}

// levelKind names what a cgroup level is, for people.
func levelKind(p string) string {
	base := p[strings.LastIndex(p, "/")+1:]
	switch {
	case strings.HasPrefix(base, "pod") || strings.Contains(base, "-pod"):
		return "the pod's cgroup"
	case strings.HasSuffix(base, ".slice"):
		return "the slice"
	case base == "kubepods" || base == "burstable" || base == "besteffort" || strings.Contains(base, "kubepods"):
		return "the Kubernetes QoS cgroup"
	}
	return "the cgroup"
}

// levelAt is the level of a controller at cgroup path p, if it was read.
func levelAt(levels []inspect.CgroupLevel, controller, p string) *inspect.CgroupLevel {
	for i := range levels {
		if levels[i].Controller == controller && levels[i].Path == p {
			return &levels[i]
		}
	}
	return nil
}

// effectiveLimit is the tightest memory limit over the levels, and where.
func effectiveLimit(levels []inspect.CgroupLevel) (*uint64, string) {
	var limit *uint64
	level := ""
	for _, lv := range levels {
		if lv.Controller == "memory" && lv.LimitBytes != nil && (limit == nil || *lv.LimitBytes < *limit) {
			limit, level = lv.LimitBytes, lv.Path
		}
	}
	return limit, level
}

func victims(kills []*Kill) string {
	var parts []string
	for i, k := range kills {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("and %d more", len(kills)-5))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (pid %d)%s", k.Comm, k.PID, at(k.Time)))
	}
	n := "process"
	if len(kills) > 1 {
		n = "processes"
	}
	return fmt.Sprintf("%d %s: %s", len(kills), n, strings.Join(parts, ", "))
}

// subjectName is how the summary names what was asked about.
func subjectName(s Subject) string {
	if c := s.Container; c != nil {
		return fmt.Sprintf("%s (%s %s)", c.DisplayName(), c.Runtime, c.ShortID())
	}
	if s.Comm != "" {
		return fmt.Sprintf("process %d (%s)", s.PID, s.Comm)
	}
	return fmt.Sprintf("process %d", s.PID)
}

func stateOf(c *runtimes.Container) string {
	if c == nil {
		return ""
	}
	return c.State
}

func restarts(run *runtimes.RunState) string {
	if run == nil || run.RestartCount == 0 {
		return ""
	}
	return fmt.Sprintf(" (restart count %d)", run.RestartCount)
}

// exitOf reads a runtime's exit code: 128+N is death by signal N, as
// shells, Docker and the CRI report it.
func exitOf(code int) *Exit {
	e := &Exit{Code: code}
	if code > 128 && code <= 128+64 {
		e.Signal = signalName(code - 128)
	}
	return e
}

// signalName is the kernel's name of signal n ("SIGKILL"), or "signal N".
func signalName(n int) string {
	if name := unix.SignalName(syscall.Signal(n)); name != "" {
		return name
	}
	return fmt.Sprintf("signal %d", n)
}

// at formats an event time for a sentence (" at 22:14:03", with the date
// when it is not today), in local time.
func at(t *time.Time) string {
	if t == nil {
		return ""
	}
	return " at " + clock(*t)
}

func since(t *time.Time) string {
	if t == nil {
		return ""
	}
	return " (started " + clock(*t) + ")"
}

func clock(t time.Time) string {
	t = t.Local()
	if y, m, d := time.Now().Date(); t.Year() == y && t.Month() == m && t.Day() == d {
		return t.Format("15:04:05")
	}
	return t.Format("2006-01-02 15:04:05")
}

// timeline lists what happened, oldest first; facts without a time last.
func timeline(s Subject, r *Report) []Evidence {
	var ev []Evidence
	var run *runtimes.RunState
	if s.Container != nil {
		run = s.Container.LastRun
	}
	if run != nil && run.StartedAt != nil {
		ev = append(ev, Evidence{Time: run.StartedAt, Text: "started" + restarts(run), Source: "runtime state"})
	} else if s.Started != nil {
		ev = append(ev, Evidence{Time: s.Started, Text: "started", Source: "/proc"})
	}
	for _, k := range r.Kills {
		ev = append(ev, Evidence{Time: k.Time, Text: k.describe(), Source: k.Source})
	}
	if prev := s.PreviousAttempt; prev != nil && prev.LastRun != nil && prev.LastRun.FinishedAt != nil {
		text := "previous attempt " + prev.ShortID() + " ended"
		if code := prev.LastRun.ExitCode; code != nil {
			text = fmt.Sprintf("previous attempt %s exited with code %d", prev.ShortID(), *code)
		}
		if prev.LastRun.Reason != "" {
			text += " (" + prev.LastRun.Reason + ")"
		}
		ev = append(ev, Evidence{Time: prev.LastRun.FinishedAt, Text: text, Source: "runtime state"})
	}
	if run != nil && run.FinishedAt != nil && r.Exit != nil {
		text := fmt.Sprintf("exited with code %d", r.Exit.Code)
		if r.Exit.Signal != "" {
			text += " (" + r.Exit.Signal + ")"
		}
		if run.OOMKilled {
			text += "; the runtime flagged OOMKilled"
		}
		ev = append(ev, Evidence{Time: run.FinishedAt, Text: text, Source: "runtime state"})
	}
	sort.SliceStable(ev, func(i, j int) bool {
		a, b := ev[i].Time, ev[j].Time
		if a == nil || b == nil {
			return a != nil
		}
		return a.Before(*b)
	})
	return ev
}

// describe is a kill in one line.
func (k *Kill) describe() string {
	if k.Kind == KillUserspace {
		return fmt.Sprintf("%s: %s", k.Killer, k.Text)
	}
	var what string
	switch k.Kind {
	case KillHost:
		what = "in a host-wide OOM" + constraintNote(k.Constraint)
	case KillUnknown:
		what = "at a cgroup limit (the report was rate-limited or lost)"
	default:
		if k.OOMMemcg == k.TaskMemcg {
			what = "at its own cgroup's limit" + limitNote(k)
		} else {
			what = "at the limit of " + k.OOMMemcg + limitNote(k)
		}
	}
	text := fmt.Sprintf("OOM killer killed %s (pid %d; anon %s, file %s, shmem %s) %s",
		k.Comm, k.PID, units.Bytes(k.AnonRSSBytes), units.Bytes(k.FileRSSBytes), units.Bytes(k.ShmemRSSBytes), what)
	if k.Group {
		text += " (memory.oom.group: the whole group was killed)"
	}
	if k.AttributedBy == "pid" {
		text += " (attributed by PID: the report's header was rate-limited)"
	}
	return text
}
