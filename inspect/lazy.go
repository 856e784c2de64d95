package inspect

import (
	"errors"
	"fmt"
)

// This file reads what a scan leaves out because most views do not need
// it: /proc/PID/stat, status and cmdline, for the processes a view shows.

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

// Details reads the uid and command line of a process, once. Views call it
// only for the processes they show, so a scan of 20,000 processes does not
// read 20,000 status files; LoadDetails does many at once.
func (s *Snapshot) Details(pid int) *Process {
	p := s.Processes[pid]
	if p != nil && !p.details {
		s.loadDetails(p, nil)
	}
	return p
}

// LoadDetails reads the details of many processes in parallel.
func (s *Snapshot) LoadDetails(pids []int) {
	todo := s.unread(pids, func(p *Process) *bool { return &p.details })
	bufs := make([][]byte, workers(len(todo)))
	forEach(len(todo), func(w, i int) {
		bufs[w] = s.loadDetails(todo[i], bufs[w])
	})
}

func (s *Snapshot) loadDetails(p *Process, buf []byte) []byte {
	p.details = true
	if d, err := openProcDir(s.Host, p.PID); err == nil {
		if b, err := d.readRecord("status", buf); err == nil {
			buf = b
			if uid, err := ParseStatusUID(b); err == nil {
				p.UID = uid
			}
		}
		if b, err := d.readFile("cmdline", buf); err == nil {
			buf = b
			p.Cmdline = ParseCmdline(b)
		}
		d.close()
	}
	if p.Cmdline == "" {
		// Kernel threads and zombies have no command line; their name
		// is in stat, which is read only for them.
		if !p.stat {
			buf, _ = s.loadStat(p, buf)
		}
		p.Cmdline = p.Comm
		if p.Kernel {
			p.Cmdline = "[" + p.Comm + "]" // as ps shows kernel threads
		}
	}
	return buf
}
