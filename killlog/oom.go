package killlog

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// OOMEvent is one OOM-killer invocation as reported by the kernel. Fields
// whose lines were absent (rate-limited header, older kernel, lost ring
// buffer records) stay zero or nil.
type OOMEvent struct {
	// Start is the monotonic time of the event's first line; Wall its
	// syslog wall time when the records came from a syslog file.
	Start time.Duration
	Wall  *time.Time
	// Source names where the event was read ("/dev/kmsg", "journal",
	// "/var/log/kern.log.2.gz"; host paths), Boot the boot it belongs to
	// when known (/proc/sys/kernel/random/boot_id, journald's _BOOT_ID).
	// ParseOOM leaves both empty; the readers fill them.
	Source, Boot string

	Trigger Trigger
	// Cpuset and MemsAllowed of the allocating task (the pre-5.0 line of
	// their own, or the 5.0+ summary).
	Cpuset, MemsAllowed string

	// Constraint is CONSTRAINT_NONE, _CPUSET, _MEMORY_POLICY or _MEMCG
	// (5.0+ summary line). Global is true for a global OOM ("global_oom",
	// or the "Out of memory" message when there is no summary line).
	Constraint string
	Nodemask   string
	Global     bool
	// Message is the <msg> prefix of the kill lines: "Memory cgroup out of
	// memory" or "Out of memory".
	Message string
	// OOMMemcg is the cgroup whose limit was hit; TaskMemcg the victim's.
	OOMMemcg, TaskMemcg string

	// memcg counters of the "memory:", "memory+swap:"/"swap:" and "kmem:"
	// lines, in kB.
	MemoryUsageKB, MemoryLimitKB, Failcnt *uint64
	SwapUsageKB, SwapLimitKB, SwapFailcnt *uint64
	KmemUsageKB, KmemLimitKB              *uint64
	// StatsCgroup and Stats are the first "Memory cgroup stats for PATH"
	// block. Values are as memory.stat shows them: sizes in bytes (the old
	// one-line "cache:..KB" form is converted to bytes), events as counts.
	StatsCgroup string
	Stats       map[string]uint64
	// StatsTotal is the OOM memcg's whole subtree. Kernels before ~5.3
	// print one one-line block of local counters per cgroup of the subtree,
	// the OOM memcg's own first (all zero for a pod whose tasks live in its
	// containers): StatsTotal sums them. Newer kernels print one block,
	// already hierarchical: StatsTotal is then the same map as Stats.
	StatsTotal map[string]uint64

	// Tasks is the task table (memory values in pages).
	Tasks []TaskRow

	// ChosenPID/ChosenComm/ChosenScore come from the pre-5.1 "Kill process
	// N (comm) score S or sacrifice child"; Victim may then be a child.
	ChosenPID   int
	ChosenComm  string
	ChosenScore uint64

	// Victim is the "Killed process" line; Victim.PID is 0 when absent.
	Victim Victim
	// Summary is the 5.0+ "oom-kill:" line's task: pid= and task= (uid=
	// in SummaryUID when printed).
	SummaryPID  int
	SummaryComm string
	SummaryUID  *int

	// GroupKill is the cgroup of "Tasks in PATH are going to be killed due
	// to memory.oom.group set"; GroupVictims the other tasks killed with it.
	// The kernel kills the victim again with the group and prints it a
	// second time (oom_kill_memcg_member() does not skip it): that repeat
	// is not a GroupVictim.
	GroupKill    string
	GroupVictims []Victim

	// ExitingPID/ExitingComm: "OOM victim N (comm) is already exiting.
	// Skip killing the task". NoKillable: "Out of memory and no killable
	// processes...".
	ExitingPID  int
	ExitingComm string
	NoKillable  bool

	// Reaped is set by "oom_reaper: reaped process N"; Reaper holds what
	// was left after reaping.
	Reaped bool
	Reaper ReaperResult
}

// Trigger is the "COMM invoked oom-killer:" line: the task that allocated.
type Trigger struct {
	Comm        string
	GFPMask     string // as printed: "0xcc0(GFP_KERNEL)" or "0xd0"
	Nodemask    string // ~4.9 to 4.20 only
	Order       int
	OOMScoreAdj int
}

// Victim is a "Killed process" line. Old kernels lack UID, PgtablesKB and
// OOMScoreAdj (nil then).
type Victim struct {
	PID                                         int
	Comm                                        string
	TotalVMKB, AnonRSSKB, FileRSSKB, ShmemRSSKB uint64
	UID                                         *int
	PgtablesKB                                  *uint64
	OOMScoreAdj                                 *int
}

// ReaperResult is what the oom_reaper line reports after reaping, in kB.
type ReaperResult struct {
	AnonRSSKB, FileRSSKB, ShmemRSSKB uint64
}

// TaskRow is one row of the task table. Memory values are in pages except
// PgtablesBytes. Columns absent in the kernel's layout are nil.
type TaskRow struct {
	PID, UID, TGID int
	TotalVM, RSS   uint64
	// 6.8+ split of RSS.
	RSSAnon, RSSFile, RSSShmem *uint64
	// PgtablesBytes (~4.15+) or NrPtes/NrPmds (older).
	PgtablesBytes, NrPtes, NrPmds *uint64
	SwapEnts                      uint64
	OOMScoreAdj                   int
	Name                          string
}

// groupWindow bounds the gap between the kill lines of one memory.oom.group
// kill: the kernel prints them in one go, microseconds apart (milliseconds
// behind a slow console). A "Killed process" line further from the last
// one starts a new report whose header was rate-limited.
const groupWindow = time.Second

// JoinContinuations merges continuation fragments into the record they
// continue. A '+' record always continues the previous one. A 'c' record
// continues the previous one (4.9+ semantics) unless the next record is a
// '+' one: then it is the first fragment of a 3.5-4.8 continued line.
func JoinContinuations(records []Record) []Record {
	out := make([]Record, 0, len(records))
	var j joiner
	for _, r := range records {
		if done, ok := j.add(r); ok {
			out = append(out, done)
		}
	}
	if done, ok := j.flush(); ok {
		out = append(out, done)
	}
	return out
}

// joiner is JoinContinuations one record at a time: a record is complete
// when the next one does not continue it, and a 'c' record is held until
// the next one tells which continuation semantics apply.
type joiner struct {
	cur, held       Record
	hasCur, hasHeld bool
}

// add takes the next record and returns the record it completed, if any.
func (j *joiner) add(r Record) (done Record, ok bool) {
	plus := strings.IndexByte(r.Flags, '+') >= 0
	if j.hasHeld {
		j.hasHeld = false
		if plus {
			// The held 'c' record began a 3.5-4.8 continued line.
			done, ok = j.cur, j.hasCur
			j.cur, j.hasCur = j.held, true
			j.cur.Text += r.Text
			return done, ok
		}
		j.cur.Text += j.held.Text // a held record always has one before it
	}
	switch {
	case plus && j.hasCur:
		j.cur.Text += r.Text
		return done, false
	case r.Continuation && j.hasCur:
		j.held, j.hasHeld = r, true
		return done, false
	}
	done, ok = j.cur, j.hasCur
	j.cur, j.hasCur = r, true
	return done, ok
}

// flush ends the stream and returns the last record, if any.
func (j *joiner) flush() (Record, bool) {
	if j.hasHeld {
		j.cur.Text += j.held.Text
		j.hasHeld = false
	}
	done, ok := j.cur, j.hasCur
	j.cur, j.hasCur = Record{}, false
	return done, ok
}

type parseState int

const (
	stNone parseState = iota
	stStats
	stTasks
)

// OOMParser assembles OOM events from one boot's records, fed in order
// with Add, without holding them: readers of big logs use it instead of
// collecting every record for ParseOOM. The zero value is ready to use.
//
// Kernel logs are mostly lines of no interest (and, within a report, call
// traces, task rows and memory.stat lines), so each line is first sorted
// by its first bytes and a few fixed substrings, and the task rows and
// stat lines are parsed by hand: a 64 MiB kern.log takes well under a
// second (BenchmarkParseKernLog64MiB).
type OOMParser struct {
	join      joiner
	events    []*OOMEvent
	cur       *OOMEvent // open event: its victim is not known yet
	group     *OOMEvent // event whose memory.oom.group kills are being listed
	groupLast time.Duration
	state     parseState
	cols      []taskColumn
}

// ParseOOM assembles OOM events from a record stream (one boot). Records of
// other messages interleaved are ignored; continuation fragments are joined
// first (JoinContinuations), and records holding several lines (memory.stat
// printed with one printk on 5.3 to 6.3) are split. A "Killed process" line
// with no open report (rate-limited header in an OOM storm) still gives an
// event with only the victim set. Events are ordered by Start (by Wall when
// all have it).
func ParseOOM(records []Record) []OOMEvent {
	var p OOMParser
	for i := range records {
		p.Add(records[i])
	}
	return p.Events()
}

// Add feeds the next record of the stream.
func (p *OOMParser) Add(r Record) {
	if r.Flags == "" && !p.join.hasCur && !p.join.hasHeld {
		// Syslog and journal records carry no continuation flags: nothing
		// can join them, so skip the joiner's copies.
		p.record(&r)
		return
	}
	if done, ok := p.join.add(r); ok {
		p.record(&done)
	}
}

// Events returns the events of every record added so far, ordered as
// ParseOOM orders them. It completes a pending continued line, so call it
// after the last Add.
func (p *OOMParser) Events() []OOMEvent {
	if done, ok := p.join.flush(); ok {
		p.record(&done)
	}
	out := make([]OOMEvent, len(p.events))
	allWall := true
	for i, e := range p.events {
		out[i] = *e
		if out[i].StatsTotal == nil {
			out[i].StatsTotal = out[i].Stats
		}
		allWall = allWall && e.Wall != nil
	}
	sort.SliceStable(out, func(i, j int) bool {
		if allWall && !out[i].Wall.Equal(*out[j].Wall) {
			return out[i].Wall.Before(*out[j].Wall)
		}
		return out[i].Start < out[j].Start
	})
	return out
}

// open returns the open event, starting one at r when there is none.
func (p *OOMParser) open(r *Record) *OOMEvent {
	if p.cur == nil {
		p.cur = &OOMEvent{Start: r.Monotonic, Wall: r.Wall}
		p.events = append(p.events, p.cur)
		p.group = nil
	}
	return p.cur
}

// record handles one complete record, line by line.
func (p *OOMParser) record(r *Record) {
	text := r.Text
	for {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			p.line(r, text)
			return
		}
		p.line(r, text[:i])
		text = text[i+1:]
	}
}

func (p *OOMParser) line(r *Record, text string) {
	text = trimRightSpace(text)
	switch p.state {
	case stStats:
		if k, v, isStat, ok := statLine(text); isStat {
			if ok && p.cur != nil {
				p.cur.Stats[k] = v
			}
			return
		}
		p.state = stNone
	case stTasks:
		if row, isRow, ok := parseTaskRow(p.cols, text); isRow {
			if ok && p.cur != nil {
				p.cur.Tasks = append(p.cur.Tasks, row)
			}
			return
		}
		p.state = stNone
	}
	if text == "" {
		return
	}

	// Lines known by their start.
	switch text[0] {
	case 'o':
		if rest, ok := strings.CutPrefix(text, "oom_reaper: reaped process "); ok {
			p.reaped(rest)
			return
		}
		if strings.HasPrefix(text, "oom-kill:") {
			parseSummary(p.open(r), text)
			return
		}
	case 'T':
		if rest, ok := strings.CutPrefix(text, "Tasks in "); ok {
			if path, ok := strings.CutSuffix(rest, " are going to be killed due to memory.oom.group set"); ok {
				// Printed after the victim's "Killed process"; the group
				// members' kills follow.
				if n := len(p.events); n > 0 && p.cur == nil {
					p.group = p.events[n-1]
					p.group.GroupKill = path
					p.groupLast = r.Monotonic
				}
				return
			}
		}
		if rest, ok := strings.CutPrefix(text, "Task in "); ok {
			const limitOf = " killed as a result of limit of "
			if i := strings.LastIndex(rest, limitOf); i >= 0 {
				e := p.open(r)
				e.TaskMemcg, e.OOMMemcg = rest[:i], rest[i+len(limitOf):]
				return
			}
		}
		if text == "Tasks state (memory values in pages):" {
			return
		}
	case 'm', 's', 'k':
		if p.counter(r, text) {
			return
		}
	case 'M':
		if rest, ok := strings.CutPrefix(text, "Memory cgroup stats for "); ok && p.cur != nil {
			p.statsHeader(rest)
			return
		}
	case 'O':
		if strings.HasPrefix(text, "Out of memory and no killable processes") {
			e := p.open(r)
			e.NoKillable, e.Global = true, true
			p.cur = nil
			return
		}
	case '[':
		if p.cur != nil {
			if cols, ok := taskTableHeader(text); ok {
				p.cols, p.state = cols, stTasks
				return
			}
		}
	}

	// Lines known by a fixed part after a variable start (a comm, or the
	// kill's <msg>). The needles start with rare bytes: most lines are
	// none of these, and a search costs per occurrence of its first byte.
	if i := strings.Index(text, "-killer: "); i >= 0 {
		// "COMM invoked oom-killer: ARGS"; COMM may be empty.
		if comm, ok := strings.CutSuffix(text[:i], " invoked oom"); ok {
			p.cur = nil
			e := p.open(r)
			e.Trigger = parseTrigger(comm, text[i+len("-killer: "):])
			return
		}
	}
	for off := 0; ; {
		i := strings.Index(text[off:], "Kill")
		if i < 0 {
			break
		}
		i += off
		off = i + len("Kill")
		if rest, ok := strings.CutPrefix(text[i:], "Killed process "); ok {
			if msg, ok := msgPrefix(text[:i]); ok && p.killed(r, msg, rest) {
				return
			}
		} else if rest, ok := strings.CutPrefix(text[i:], "Kill process "); ok {
			if msg, ok := msgPrefix(text[:i]); ok && p.kill(r, msg, rest) {
				return
			}
		}
	}
	if i := strings.Index(text, "OOM victim "); i >= 0 {
		if msg, ok := msgPrefix(text[:i]); ok && p.exiting(r, msg, text[i+len("OOM victim "):]) {
			return
		}
	}
	// Before 5.0: "COMM cpuset=NAME mems_allowed=LIST" after the trigger.
	if e := p.cur; e != nil && e.Cpuset == "" && strings.HasPrefix(text, e.Trigger.Comm) {
		if rest, ok := strings.CutPrefix(text[len(e.Trigger.Comm):], " cpuset="); ok {
			cpuset, mems, ok := strings.Cut(rest, " mems_allowed=")
			if ok && !strings.ContainsAny(cpuset, " \t") && !strings.ContainsAny(mems, " \t") {
				e.Cpuset, e.MemsAllowed = cpuset, mems
			}
		}
	}
}

func trimRightSpace(s string) string {
	i := len(s)
	for i > 0 && (s[i-1] == ' ' || s[i-1] == '\r' || s[i-1] == '\n') {
		i--
	}
	return s[:i]
}

// msgPrefix checks what comes before "Killed process" and the like: nothing
// (before 5.1) or "<msg>: ".
func msgPrefix(before string) (string, bool) {
	if before == "" {
		return "", true
	}
	msg, ok := strings.CutSuffix(before, ": ")
	return msg, ok
}

// pidComm splits "N (COMM)REST" where COMM ends at the last occurrence of
// end (a comm may hold spaces and parentheses); REST follows end.
func pidComm(s, end string) (pid int, comm, rest string, ok bool) {
	digits, after, found := strings.Cut(s, " (")
	if !found || digits == "" || !allDigits(digits) {
		return 0, "", "", false
	}
	i := strings.LastIndex(after, end)
	if i < 0 {
		return 0, "", "", false
	}
	pid, err := strconv.Atoi(digits)
	if err != nil {
		return 0, "", "", false
	}
	return pid, after[:i], after[i+len(end):], true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// killed handles "N (COMM) total-vm:..." (or "vsz:" before 2.6.36); it
// reports whether the line had that form.
func (p *OOMParser) killed(r *Record, msg, rest string) bool {
	digits, after, found := strings.Cut(rest, " (")
	if !found || digits == "" || !allDigits(digits) {
		return false
	}
	// The comm ends at the last ") total-vm:" or ") vsz:".
	i := strings.LastIndex(after, ") total-vm:")
	if j := strings.LastIndex(after, ") vsz:"); j > i {
		i = j
	}
	if i < 0 {
		return false
	}
	v, ok := parseVictim(digits, after[:i], after[i+2:])
	if !ok {
		return true
	}
	switch {
	case p.cur != nil:
		p.cur.Victim = v
		p.setMessage(p.cur, msg)
		p.cur = nil
	case p.group != nil && within(r.Monotonic, p.groupLast, groupWindow):
		p.groupLast = r.Monotonic
		if v.PID != p.group.Victim.PID && !hasVictim(p.group.GroupVictims, v.PID) {
			p.group.GroupVictims = append(p.group.GroupVictims, v)
		}
	default:
		e := p.open(r)
		e.Victim = v
		p.setMessage(e, msg)
		p.cur = nil
	}
	return true
}

func within(a, b, d time.Duration) bool {
	if a < b {
		a, b = b, a
	}
	return a-b <= d
}

func hasVictim(vs []Victim, pid int) bool {
	for _, v := range vs {
		if v.PID == pid {
			return true
		}
	}
	return false
}

// kill handles the pre-5.1 "N (COMM) score S or sacrifice child".
func (p *OOMParser) kill(r *Record, msg, rest string) bool {
	rest, ok := strings.CutSuffix(rest, " or sacrifice child")
	if !ok {
		return false
	}
	pid, comm, scoreS, ok := pidComm(rest, ") score ")
	if !ok || scoreS == "" || !allDigits(scoreS) {
		return false
	}
	score, err := strconv.ParseUint(scoreS, 10, 64)
	if err != nil {
		return true
	}
	e := p.open(r)
	e.ChosenPID, e.ChosenComm, e.ChosenScore = pid, comm, score
	p.setMessage(e, msg)
	return true
}

// exiting handles "N (COMM) is already exiting. Skip killing the task".
func (p *OOMParser) exiting(r *Record, msg, rest string) bool {
	pid, comm, tail, ok := pidComm(rest, ") is already exiting. Skip killing the task")
	if !ok || tail != "" {
		return false
	}
	e := p.open(r)
	e.ExitingPID, e.ExitingComm = pid, comm
	p.setMessage(e, msg)
	p.cur = nil
	return true
}

// reaped handles "N (COMM), now anon-rss:..." of the oom_reaper line.
func (p *OOMParser) reaped(rest string) {
	pid, _, now, ok := pidComm(rest, "), now ")
	if !ok {
		return
	}
	kv := parseKB(now)
	for i := len(p.events) - 1; i >= 0; i-- {
		e := p.events[i]
		if e.Victim.PID == pid && !e.Reaped {
			e.Reaped = true
			e.Reaper = ReaperResult{AnonRSSKB: kv["anon-rss"], FileRSSKB: kv["file-rss"], ShmemRSSKB: kv["shmem-rss"]}
			return
		}
	}
}

// counter handles "memory: usage NkB, limit NkB[, failcnt N]" and its
// memory+swap, swap and kmem siblings; it reports whether the line was one.
func (p *OOMParser) counter(r *Record, text string) bool {
	name, rest, ok := strings.Cut(text, ": usage ")
	if !ok {
		return false
	}
	switch name {
	case "memory", "memory+swap", "swap", "kmem":
	default:
		return false
	}
	usageS, rest, ok := cutDigits(rest, "kB, limit ")
	if !ok {
		return false
	}
	limitS, rest, ok := cutDigits(rest, "kB")
	if !ok {
		return false
	}
	var failS string
	if rest != "" {
		if failS, ok = strings.CutPrefix(rest, ", failcnt "); !ok || failS == "" || !allDigits(failS) {
			return false
		}
	}
	e := p.open(r)
	usage, limit, fail := num(usageS), num(limitS), num(failS)
	switch name {
	case "memory":
		e.MemoryUsageKB, e.MemoryLimitKB, e.Failcnt = usage, limit, fail
	case "memory+swap", "swap":
		e.SwapUsageKB, e.SwapLimitKB, e.SwapFailcnt = usage, limit, fail
	case "kmem":
		e.KmemUsageKB, e.KmemLimitKB = usage, limit
	}
	return true
}

// cutDigits splits s into its leading digits (at least one) and what
// follows sep, which must come right after them.
func cutDigits(s, sep string) (digits, rest string, ok bool) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return "", "", false
	}
	rest, ok = strings.CutPrefix(s[i:], sep)
	return s[:i], rest, ok
}

func (p *OOMParser) setMessage(e *OOMEvent, msg string) {
	if msg == "" {
		return
	}
	e.Message = msg
	// "Out of memory", or "Out of memory (oom_kill_allocating_task)" with
	// vm.oom_kill_allocating_task: both global.
	if e.Constraint == "" && strings.HasPrefix(msg, "Out of memory") {
		e.Global = true
	}
}

// statsHeader handles "PATH:" (new, stats on the next lines) and
// "PATH: cache:0KB rss:4KB ..." (old, one line per cgroup of the subtree,
// the OOM memcg first). Stats keeps the first block; StatsTotal sums the
// old one-line blocks.
func (p *OOMParser) statsHeader(rest string) {
	e := p.cur
	if path, ok := strings.CutSuffix(rest, ":"); ok {
		if e.Stats == nil {
			e.StatsCgroup, e.Stats = path, make(map[string]uint64, 64)
			p.state = stStats
		}
		return
	}
	// The path may hold ": "; the stats start at the first ": " after
	// which every token is key:N[KB].
	for i := 0; i < len(rest); {
		j := strings.Index(rest[i:], ": ")
		if j < 0 {
			return
		}
		j += i
		if stats, ok := parseOldStats(rest[j+2:]); ok {
			if e.Stats == nil {
				e.StatsCgroup, e.Stats = rest[:j], stats
			}
			if e.StatsTotal == nil {
				e.StatsTotal = make(map[string]uint64, len(stats))
			}
			for k, v := range stats {
				e.StatsTotal[k] += v
			}
			return
		}
		i = j + 1
	}
}

// parseOldStats parses "cache:0KB rss:4KB ..." (values in KB become bytes).
func parseOldStats(s string) (map[string]uint64, bool) {
	stats := map[string]uint64{}
	for _, tok := range strings.Fields(s) {
		k, v, ok := strings.Cut(tok, ":")
		if !ok || !statKey(k) {
			return nil, false
		}
		v, kb := strings.CutSuffix(v, "KB")
		if v == "" || !allDigits(v) {
			return nil, false
		}
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return nil, false
		}
		if kb {
			n *= 1024
		}
		stats[k] = n
	}
	return stats, len(stats) > 0
}

// statKey: [a-z0-9_]+, a memory.stat key.
func statKey(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// statLine parses a memory.stat line "key N": isStat says whether the line
// has that form, ok whether N fits a uint64.
func statLine(s string) (key string, v uint64, isStat, ok bool) {
	key, val, found := strings.Cut(s, " ")
	if !found || !statKey(key) || val == "" || !allDigits(val) {
		return "", 0, false, false
	}
	v, err := strconv.ParseUint(val, 10, 64)
	return key, v, true, err == nil
}

func num(s string) *uint64 {
	if s == "" {
		return nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return nil
	}
	return &v
}

// parseTrigger parses "gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0"
// (and the older forms with nodemask= or oom_adj=).
func parseTrigger(comm, args string) Trigger {
	t := Trigger{Comm: comm}
	for _, kv := range strings.Split(args, ", ") {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "gfp_mask":
			t.GFPMask = v
		case "nodemask":
			t.Nodemask = v
		case "order":
			t.Order, _ = strconv.Atoi(v)
		case "oom_score_adj":
			t.OOMScoreAdj, _ = strconv.Atoi(v)
		}
	}
	return t
}

// parseSummary parses the 5.0+ line
// "oom-kill:constraint=C,nodemask=N,cpuset=S,mems_allowed=M,{oom_memcg=P|global_oom},task_memcg=P,task=COMM,pid=N,uid=N".
// Values may hold commas (node lists, comm), so keys are located in order
// from the front and task/pid/uid from the back.
func parseSummary(e *OOMEvent, s string) {
	s = strings.TrimPrefix(s, "oom-kill:")
	if i := strings.LastIndex(s, ",uid="); i >= 0 {
		if uid, err := strconv.Atoi(s[i+5:]); err == nil {
			e.SummaryUID = &uid
			s = s[:i]
		}
	}
	if i := strings.LastIndex(s, ",pid="); i >= 0 {
		if pid, err := strconv.Atoi(s[i+5:]); err == nil {
			e.SummaryPID = pid
			s = s[:i]
		}
	}
	if i := strings.LastIndex(s, ",task="); i >= 0 && !strings.Contains(s[i:], ",task_memcg=") {
		e.SummaryComm = s[i+6:]
		s = s[:i]
	}
	keys := []string{"constraint=", ",nodemask=", ",cpuset=", ",mems_allowed=", ",oom_memcg=", ",global_oom", ",task_memcg="}
	type span struct{ key, val string }
	var found []span
	pos := 0
	last := -1
	for _, k := range keys {
		j := strings.Index(s[pos:], k)
		if j < 0 {
			continue
		}
		j += pos
		if last >= 0 {
			found[last].val = s[pos:j]
		}
		found = append(found, span{key: k})
		last = len(found) - 1
		pos = j + len(k)
	}
	if last >= 0 {
		found[last].val = s[pos:]
	}
	for _, f := range found {
		switch f.key {
		case "constraint=":
			e.Constraint = f.val
		case ",nodemask=":
			e.Nodemask = f.val
		case ",cpuset=":
			e.Cpuset = f.val
		case ",mems_allowed=":
			e.MemsAllowed = f.val
		case ",oom_memcg=":
			e.OOMMemcg = f.val
		case ",global_oom":
			e.Global = true
		case ",task_memcg=":
			e.TaskMemcg = f.val
		}
	}
}

// parseKB parses "k1:NkB, k2:NkB, K3:N k4:NkB" into a map (units dropped).
func parseKB(s string) map[string]uint64 {
	kv := map[string]uint64{}
	for _, tok := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		k, v, ok := strings.Cut(tok, ":")
		if !ok {
			continue
		}
		v = strings.TrimSuffix(v, "kB")
		if n, err := strconv.ParseUint(v, 10, 64); err == nil {
			kv[k] = n
		} else if n, err := strconv.ParseInt(v, 10, 64); err == nil && k == "oom_score_adj" {
			kv[k] = uint64(n) // recovered as int below
		}
	}
	return kv
}

func parseVictim(pidS, comm, rest string) (Victim, bool) {
	pid, err := strconv.Atoi(pidS)
	if err != nil || pid <= 0 {
		return Victim{}, false
	}
	kv := parseKB(rest)
	v := Victim{
		PID: pid, Comm: comm,
		TotalVMKB: kv["total-vm"], AnonRSSKB: kv["anon-rss"], FileRSSKB: kv["file-rss"], ShmemRSSKB: kv["shmem-rss"],
	}
	if n, ok := kv["vsz"]; ok {
		v.TotalVMKB = n
	}
	if n, ok := kv["UID"]; ok {
		uid := int(n)
		v.UID = &uid
	}
	if n, ok := kv["pgtables"]; ok {
		v.PgtablesKB = &n
	}
	if n, ok := kv["oom_score_adj"]; ok {
		adj := int(int64(n))
		v.OOMScoreAdj = &adj
	}
	return v, true
}

// taskColumn is a numeric column of the task table, known by its header.
type taskColumn uint8

const (
	colOther taskColumn = iota // a column this parser does not know: numeric, skipped
	colUID
	colTGID
	colTotalVM
	colRSS
	colRSSAnon
	colRSSFile
	colRSSShmem
	colPgtablesBytes
	colNrPtes
	colNrPmds
	colSwapEnts
	colOOMScoreAdj
)

var taskColumnNames = map[string]taskColumn{
	"uid": colUID, "tgid": colTGID, "total_vm": colTotalVM, "rss": colRSS,
	"rss_anon": colRSSAnon, "rss_file": colRSSFile, "rss_shmem": colRSSShmem,
	"pgtables_bytes": colPgtablesBytes, "nr_ptes": colNrPtes, "nr_pmds": colNrPmds,
	"swapents": colSwapEnts, "oom_score_adj": colOOMScoreAdj,
}

// taskTableHeader parses the task table's header, "[  pid  ]   uid  tgid
// total_vm      rss ... name" in any kernel's layout, into the columns
// between pid and name.
func taskTableHeader(s string) ([]taskColumn, bool) {
	rest, ok := strings.CutPrefix(s, "[")
	if !ok {
		return nil, false
	}
	if rest, ok = strings.CutPrefix(strings.TrimLeft(rest, " \t"), "pid"); !ok {
		return nil, false
	}
	if rest, ok = strings.CutPrefix(strings.TrimLeft(rest, " \t"), "]"); !ok || !startsWithSpace(rest) {
		return nil, false
	}
	fields := strings.Fields(rest)
	if len(fields) < 2 || fields[len(fields)-1] != "name" {
		return nil, false
	}
	cols := make([]taskColumn, len(fields)-1)
	for i, f := range fields[:len(fields)-1] {
		cols[i] = taskColumnNames[f]
	}
	return cols, true
}

func startsWithSpace(s string) bool { return s != "" && (s[0] == ' ' || s[0] == '\t') }

// parseTaskRow parses "[  PID] values... name", mapping the values onto the
// header's columns; the name is whatever follows them (it may contain
// spaces). isRow says whether s has a row's form, ok whether the values
// fit the columns.
func parseTaskRow(cols []taskColumn, s string) (row TaskRow, isRow, ok bool) {
	rest, found := strings.CutPrefix(s, "[")
	if !found {
		return row, false, false
	}
	digits, rest, found := cutDigits(strings.TrimLeft(rest, " \t"), "]")
	if !found || !startsWithSpace(rest) {
		return row, false, false
	}
	pid, err := strconv.Atoi(digits)
	if err != nil {
		return row, true, false
	}
	row.PID = pid
	var ptrs *[6]uint64 // one allocation for the row's pointer fields
	ptr := func(slot int, v uint64) *uint64 {
		if ptrs == nil {
			ptrs = new([6]uint64)
		}
		ptrs[slot] = v
		return &ptrs[slot]
	}
	for _, c := range cols {
		rest = strings.TrimLeft(rest, " ")
		tok, after, _ := strings.Cut(rest, " ")
		rest = after
		n, err := strconv.ParseInt(tok, 10, 64)
		if err != nil {
			return row, true, false
		}
		u := uint64(n)
		switch c {
		case colUID:
			row.UID = int(n)
		case colTGID:
			row.TGID = int(n)
		case colTotalVM:
			row.TotalVM = u
		case colRSS:
			row.RSS = u
		case colRSSAnon:
			row.RSSAnon = ptr(0, u)
		case colRSSFile:
			row.RSSFile = ptr(1, u)
		case colRSSShmem:
			row.RSSShmem = ptr(2, u)
		case colPgtablesBytes:
			row.PgtablesBytes = ptr(3, u)
		case colNrPtes:
			row.NrPtes = ptr(4, u)
		case colNrPmds:
			row.NrPmds = ptr(5, u)
		case colSwapEnts:
			row.SwapEnts = u
		case colOOMScoreAdj:
			row.OOMScoreAdj = int(n)
		}
	}
	row.Name = strings.TrimLeft(rest, " ")
	return row, true, true
}
