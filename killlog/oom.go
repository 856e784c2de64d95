package killlog

import (
	"regexp"
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

var (
	reInvoked   = regexp.MustCompile(`^(.*) invoked oom-killer: (.*)$`)
	reCpuset    = regexp.MustCompile(`^(.*) cpuset=(\S*) mems_allowed=(\S*)$`)
	reTaskIn    = regexp.MustCompile(`^Task in (.*) killed as a result of limit of (.*)$`)
	reCounter   = regexp.MustCompile(`^(memory|memory\+swap|swap|kmem): usage (\d+)kB, limit (\d+)kB(?:, failcnt (\d+))?$`)
	reStatsHdr  = regexp.MustCompile(`^Memory cgroup stats for (.*)$`)
	reStatLine  = regexp.MustCompile(`^([a-z0-9_]+) (\d+)$`)
	reOldStat   = regexp.MustCompile(`^([a-z0-9_]+):(\d+)(KB)?$`)
	reKill      = regexp.MustCompile(`^(?:(.*): )?Kill process (\d+) \((.*)\) score (\d+) or sacrifice child$`)
	reKilled    = regexp.MustCompile(`^(?:(.*): )?Killed process (\d+) \((.*)\) ((?:total-vm|vsz):.*)$`)
	reGroup     = regexp.MustCompile(`^Tasks in (.*) are going to be killed due to memory\.oom\.group set$`)
	reReaped    = regexp.MustCompile(`^oom_reaper: reaped process (\d+) \((.*)\), now (.*)$`)
	reExiting   = regexp.MustCompile(`^(?:(.*): )?OOM victim (\d+) \((.*)\) is already exiting\. Skip killing the task$`)
	reTaskRow   = regexp.MustCompile(`^\[\s*(\d+)\]\s+(.*)$`)
	reTaskTable = regexp.MustCompile(`^\[\s*pid\s*\]\s+(.*\S)\s+name$`)
)

// JoinContinuations merges continuation fragments into the record they
// continue. A '+' record always continues the previous one. A 'c' record
// continues the previous one (4.9+ semantics) unless the next record is a
// '+' one: then it is the first fragment of a 3.5-4.8 continued line.
func JoinContinuations(records []Record) []Record {
	out := make([]Record, 0, len(records))
	for i, r := range records {
		plus := strings.ContainsRune(r.Flags, '+')
		startOld := r.Continuation && i+1 < len(records) && strings.ContainsRune(records[i+1].Flags, '+')
		if len(out) > 0 && (plus || (r.Continuation && !startOld)) {
			out[len(out)-1].Text += r.Text
			continue
		}
		out = append(out, r)
	}
	return out
}

type parseState int

const (
	stNone parseState = iota
	stStats
	stTasks
)

type oomParser struct {
	events []*OOMEvent
	cur    *OOMEvent // open event: its victim is not known yet
	group  *OOMEvent // event whose memory.oom.group kills are being listed
	state  parseState
	cols   []string
}

// ParseOOM assembles OOM events from a record stream (one boot). Records of
// other messages interleaved are ignored; continuation fragments are joined
// first (JoinContinuations). A "Killed process" line with no open report
// (rate-limited header in an OOM storm) still gives an event with only the
// victim set. Events are ordered by Start (by Wall when all have it).
func ParseOOM(records []Record) []OOMEvent {
	p := &oomParser{}
	for _, r := range JoinContinuations(records) {
		p.line(r)
	}
	out := make([]OOMEvent, len(p.events))
	allWall := true
	for i, e := range p.events {
		out[i] = *e
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
func (p *oomParser) open(r Record) *OOMEvent {
	if p.cur == nil {
		p.cur = &OOMEvent{Start: r.Monotonic, Wall: r.Wall}
		p.events = append(p.events, p.cur)
		p.group = nil
	}
	return p.cur
}

func (p *oomParser) line(r Record) {
	text := strings.TrimRight(r.Text, " \r\n")
	switch p.state {
	case stStats:
		if m := reStatLine.FindStringSubmatch(text); m != nil {
			if v, err := strconv.ParseUint(m[2], 10, 64); err == nil && p.cur != nil {
				p.cur.Stats[m[1]] = v
			}
			return
		}
		p.state = stNone
	case stTasks:
		if m := reTaskRow.FindStringSubmatch(text); m != nil {
			if row, ok := parseTaskRow(p.cols, m[1], m[2]); ok && p.cur != nil {
				p.cur.Tasks = append(p.cur.Tasks, row)
			}
			return
		}
		p.state = stNone
	}

	if m := reInvoked.FindStringSubmatch(text); m != nil {
		p.cur = nil
		e := p.open(r)
		e.Trigger = parseTrigger(m[1], m[2])
		return
	}
	if m := reKilled.FindStringSubmatch(text); m != nil {
		v, ok := parseVictim(m[2], m[3], m[4])
		if !ok {
			return
		}
		switch {
		case p.cur != nil:
			p.cur.Victim = v
			p.setMessage(p.cur, m[1])
			p.cur = nil
		case p.group != nil:
			p.group.GroupVictims = append(p.group.GroupVictims, v)
		default:
			e := p.open(r)
			e.Victim = v
			p.setMessage(e, m[1])
			p.cur = nil
		}
		return
	}
	if m := reReaped.FindStringSubmatch(text); m != nil {
		pid, err := strconv.Atoi(m[1])
		if err != nil {
			return
		}
		kv := parseKB(m[3])
		for i := len(p.events) - 1; i >= 0; i-- {
			e := p.events[i]
			if e.Victim.PID == pid && !e.Reaped {
				e.Reaped = true
				e.Reaper = ReaperResult{AnonRSSKB: kv["anon-rss"], FileRSSKB: kv["file-rss"], ShmemRSSKB: kv["shmem-rss"]}
				return
			}
		}
		return
	}
	if m := reGroup.FindStringSubmatch(text); m != nil {
		// Printed after the victim's "Killed process"; the group members'
		// kills follow.
		if n := len(p.events); n > 0 && p.cur == nil {
			p.group = p.events[n-1]
			p.group.GroupKill = m[1]
		}
		return
	}
	if strings.HasPrefix(text, "oom-kill:") {
		parseSummary(p.open(r), text)
		return
	}
	if m := reKill.FindStringSubmatch(text); m != nil {
		pid, err1 := strconv.Atoi(m[2])
		score, err2 := strconv.ParseUint(m[4], 10, 64)
		if err1 != nil || err2 != nil {
			return
		}
		e := p.open(r)
		e.ChosenPID, e.ChosenComm, e.ChosenScore = pid, m[3], score
		p.setMessage(e, m[1])
		return
	}
	if m := reExiting.FindStringSubmatch(text); m != nil {
		pid, err := strconv.Atoi(m[2])
		if err != nil {
			return
		}
		e := p.open(r)
		e.ExitingPID, e.ExitingComm = pid, m[3]
		p.setMessage(e, m[1])
		p.cur = nil
		return
	}
	if strings.HasPrefix(text, "Out of memory and no killable processes") {
		e := p.open(r)
		e.NoKillable, e.Global = true, true
		p.cur = nil
		return
	}
	if m := reTaskIn.FindStringSubmatch(text); m != nil {
		e := p.open(r)
		e.TaskMemcg, e.OOMMemcg = m[1], m[2]
		return
	}
	if m := reCounter.FindStringSubmatch(text); m != nil {
		e := p.open(r)
		usage, limit, fail := num(m[2]), num(m[3]), num(m[4])
		switch m[1] {
		case "memory":
			e.MemoryUsageKB, e.MemoryLimitKB, e.Failcnt = usage, limit, fail
		case "memory+swap", "swap":
			e.SwapUsageKB, e.SwapLimitKB, e.SwapFailcnt = usage, limit, fail
		case "kmem":
			e.KmemUsageKB, e.KmemLimitKB = usage, limit
		}
		return
	}
	if m := reStatsHdr.FindStringSubmatch(text); m != nil && p.cur != nil {
		p.statsHeader(m[1])
		return
	}
	if text == "Tasks state (memory values in pages):" {
		return
	}
	if m := reTaskTable.FindStringSubmatch(text); m != nil && p.cur != nil {
		p.cols = strings.Fields(m[1])
		p.state = stTasks
		return
	}
	if m := reCpuset.FindStringSubmatch(text); m != nil && p.cur != nil && p.cur.Cpuset == "" &&
		m[1] == p.cur.Trigger.Comm {
		p.cur.Cpuset, p.cur.MemsAllowed = m[2], m[3]
		return
	}
}

func (p *oomParser) setMessage(e *OOMEvent, msg string) {
	if msg == "" {
		return
	}
	e.Message = msg
	if e.Constraint == "" && msg == "Out of memory" {
		e.Global = true
	}
}

// statsHeader handles "PATH:" (new, stats on the next lines) and
// "PATH: cache:0KB rss:4KB ..." (old, one line). Only the first block of an
// event is kept: old kernels print one per descendant cgroup.
func (p *oomParser) statsHeader(rest string) {
	e := p.cur
	if e.Stats != nil {
		return
	}
	if path, ok := strings.CutSuffix(rest, ":"); ok {
		e.StatsCgroup, e.Stats = path, map[string]uint64{}
		p.state = stStats
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
			e.StatsCgroup, e.Stats = rest[:j], stats
			return
		}
		i = j + 1
	}
}

func parseOldStats(s string) (map[string]uint64, bool) {
	stats := map[string]uint64{}
	for _, tok := range strings.Fields(s) {
		m := reOldStat.FindStringSubmatch(tok)
		if m == nil {
			return nil, false
		}
		v, err := strconv.ParseUint(m[2], 10, 64)
		if err != nil {
			return nil, false
		}
		if m[3] == "KB" {
			v *= 1024
		}
		stats[m[1]] = v
	}
	return stats, len(stats) > 0
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

// parseTaskRow maps a row's values onto the header's columns; the name is
// whatever follows the numeric columns (it may contain spaces).
func parseTaskRow(cols []string, pidS, rest string) (TaskRow, bool) {
	var row TaskRow
	pid, err := strconv.Atoi(pidS)
	if err != nil {
		return row, false
	}
	row.PID = pid
	for _, c := range cols {
		rest = strings.TrimLeft(rest, " ")
		tok, after, _ := strings.Cut(rest, " ")
		rest = after
		n, err := strconv.ParseInt(tok, 10, 64)
		if err != nil {
			return row, false
		}
		u := uint64(n)
		switch c {
		case "uid":
			row.UID = int(n)
		case "tgid":
			row.TGID = int(n)
		case "total_vm":
			row.TotalVM = u
		case "rss":
			row.RSS = u
		case "rss_anon":
			row.RSSAnon = &u
		case "rss_file":
			row.RSSFile = &u
		case "rss_shmem":
			row.RSSShmem = &u
		case "pgtables_bytes":
			row.PgtablesBytes = &u
		case "nr_ptes":
			row.NrPtes = &u
		case "nr_pmds":
			row.NrPmds = &u
		case "swapents":
			row.SwapEnts = u
		case "oom_score_adj":
			row.OOMScoreAdj = int(n)
		}
	}
	row.Name = strings.TrimLeft(rest, " ")
	return row, true
}
