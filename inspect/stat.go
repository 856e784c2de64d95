package inspect

import (
	"errors"
	"fmt"
)

// LoadStats reads /proc/PID/stat (command name, parent, start time,
// kernel-thread flag) of the given processes, in parallel, once each. A scan
// does not read it: the namespace view needs none of it, and it is a
// quarter of the cost of reading a process. A malformed stat is reported in
// Warnings; such a process keeps its namespaces and sorts as youngest.
func (s *Snapshot) LoadStats(pids []int) {
	todo := s.unread(pids, func(p *Process) *bool { return &p.stat })
	errs := make([]error, len(todo))
	bufs := make([][]byte, workers(len(todo)))
	forEach(len(todo), func(w, i int) {
		bufs[w], errs[i] = s.loadStat(todo[i], bufs[w])
	})
	for i, err := range errs {
		// A process that exited since the scan has no stat to read; that is
		// no news. Anything else is.
		if err != nil && !errors.Is(err, ErrNoProcess) {
			s.Warnings = append(s.Warnings, fmt.Sprintf("process %d: %v", todo[i].PID, err))
		}
	}
}

func (s *Snapshot) loadStat(p *Process, buf []byte) ([]byte, error) {
	p.stat = true
	d, err := openProcDir(s.Host, p.PID)
	if err != nil {
		return buf, err
	}
	defer d.close()
	b, err := d.readRecord("stat", buf)
	if err != nil {
		return buf, err
	}
	st, err := ParseStat(b)
	if err != nil {
		return b, &ParseError{Path: d.path + "/stat", Err: err}
	}
	p.PPID, p.Comm, p.StartTime, p.Kernel = st.PPID, st.Comm, st.StartTime, st.Kernel()
	return b, nil
}

// loadAllStats reads the stat of every process (Sandboxes needs every start
// time to find each sandbox's oldest process).
func (s *Snapshot) loadAllStats() {
	s.LoadStats(s.SortedPIDs())
}

// isKthreadd reports whether p is the kernel's thread-spawning thread, which
// like every kernel thread lives in the initial namespaces.
func (s *Snapshot) isKthreadd(p *Process) bool {
	s.LoadStats([]int{p.PID})
	return p.Kernel && p.Comm == "kthreadd"
}

// unread returns the processes among pids whose flag (stat or details
// read) is not set yet, and sets it: each is read once, even if listed twice.
func (s *Snapshot) unread(pids []int, flag func(*Process) *bool) []*Process {
	var todo []*Process
	for _, pid := range pids {
		if p := s.Processes[pid]; p != nil && !*flag(p) {
			*flag(p) = true
			todo = append(todo, p)
		}
	}
	return todo
}
