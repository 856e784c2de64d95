package killlog

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// ErrOptions is wrapped by Collect's error for options it cannot use.
var ErrOptions = errors.New("killlog: bad read options")

// ReadOptions says where Collect reads.
type ReadOptions struct {
	// Root is the host root ("" or "/" = the live host); every path read
	// is under it. Under another root /dev/kmsg is whatever file the tree
	// holds there (a dump), never the running kernel's.
	Root string
	// Since skips what is older: events and kills before it are dropped,
	// and a rotated file last written before it is not opened. Zero reads
	// everything.
	Since time.Time
	// Clock converts /dev/kmsg stamps to wall time; nil = NowClock(Root).
	Clock *Clock
	// NoKmsg, NoJournal, NoFiles skip a source.
	NoKmsg, NoJournal, NoFiles bool
	// Journalctl is the journalctl program; "" = looked up in PATH. When
	// it does not exist the journal is skipped silently.
	Journalctl string

	// journalTimeout overrides journalTimeout (tests).
	journalTimeout time.Duration
}

// SourceInfo is one source Collect read.
type SourceInfo struct {
	// Name is a host path ("/dev/kmsg", "/var/log/kern.log.1") or
	// "journal" ("journal /var/log/journal" for another root's journal).
	Name string
	// Records counts the kernel records, and userspace kill lines, taken.
	Records int
	// Err is why the source could not be read (whole or in part).
	Err string
}

// Collection is everything Collect read.
type Collection struct {
	// Events are the kernel OOM reports, the same kill read from several
	// sources kept once, oldest first. Source, Boot and Wall are set when
	// known (Boot is unknown for syslog files).
	Events []OOMEvent
	// Userspace are systemd-oomd and earlyoom kills, oldest first.
	Userspace []UserspaceKill
	// Sources lists what was read, in order.
	Sources []SourceInfo
	// Warnings are one line each: unreadable sources, lost records.
	Warnings []string
}

// Source ranks: on equal richness a report from an earlier one is kept.
const (
	rankKmsg = iota
	rankJournal
	rankFiles
)

const kmsgName = "/dev/kmsg"

// Collect gathers every kernel OOM report and userspace OOM-daemon kill the
// host logged: /dev/kmsg (the running boot), the journal (every boot it
// kept) and the syslog files (rotated and gzipped ones too). Sources that
// are absent are skipped; unreadable ones give warnings. The error is only
// for options Collect cannot use.
func Collect(opt ReadOptions) (*Collection, error) {
	root := rootOrSlash(opt.Root)
	st, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("%w: host root: %w", ErrOptions, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%w: host root %s is not a directory", ErrOptions, root)
	}
	if opt.NoKmsg && opt.NoJournal && opt.NoFiles {
		return nil, fmt.Errorf("%w: every source is turned off", ErrOptions)
	}
	c := &collector{opt: opt, root: root, live: root == "/", col: &Collection{}}
	if opt.Clock != nil {
		c.clock = *opt.Clock
	} else {
		c.clock = NowClock(root)
	}
	if !opt.NoKmsg {
		c.readKmsg()
	}
	if !opt.NoJournal {
		c.readJournal()
	}
	if !opt.NoFiles {
		c.readFiles()
	}
	if c.kmsgOverwritten > 0 && len(c.col.Sources) == 1 {
		// Only worth a line when nothing else keeps what the ring lost.
		c.warn(fmt.Sprintf("%s: the %d oldest records of this boot were overwritten (ring buffer full) and no journal or log file keeps them: older kills are not seen", kmsgName, c.kmsgOverwritten))
	}
	if len(c.col.Sources) == 0 {
		c.warn(fmt.Sprintf("no kernel log found under %s (no /dev/kmsg, journal, or /var/log/kern.log, messages or syslog)", root))
	}
	c.finish()
	return c.col, nil
}

type collector struct {
	opt   ReadOptions
	root  string
	live  bool
	clock Clock
	col   *Collection
	found []found
	// kmsgOverwritten counts the running boot's records the ring buffer
	// no longer holds.
	kmsgOverwritten uint64
}

// found is an event and the rank of the source it came from.
type found struct {
	ev   OOMEvent
	rank int
}

func (c *collector) warn(s string) { c.col.Warnings = append(c.col.Warnings, s) }

// source records a source read; err (possibly after a partial read) also
// becomes a warning.
func (c *collector) source(name string, records int, err error) {
	si := SourceInfo{Name: name, Records: records}
	if err != nil {
		si.Err = errText(err)
		c.warn(name + ": " + si.Err)
	}
	c.col.Sources = append(c.col.Sources, si)
}

// errText drops the *PathError's path, which names the file under the host
// root; the warning names the host path already.
func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}

// add records events found in a source; source "" keeps the Source each
// event has (the syslog reader names each event's file).
func (c *collector) add(evs []OOMEvent, source, boot string, rank int) {
	for _, e := range evs {
		if source != "" {
			e.Source = source
		}
		e.Boot = boot
		c.found = append(c.found, found{e, rank})
	}
}

// readKmsg reads <root>/dev/kmsg: the running kernel's ring buffer when it
// is the character device, or a dump of it when a regular file (a fixture
// tree, a saved host).
func (c *collector) readKmsg() {
	path := filepath.Join(c.root, "dev/kmsg")
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err != nil {
		c.source(kmsgName, 0, err)
		return
	}
	var recs []Record
	var ks kmsgStats
	switch {
	case st.Mode()&fs.ModeCharDevice != 0:
		recs, ks, err = readKmsgDevice(path)
		c.kmsgOverwritten = ks.first
	case st.Mode().IsRegular():
		var data []byte
		if data, err = os.ReadFile(path); err == nil {
			recs, ks = parseKmsgDump(data)
		}
	default:
		err = errors.New("neither a character device nor a regular file")
	}
	if errors.Is(err, fs.ErrPermission) {
		c.col.Sources = append(c.col.Sources, SourceInfo{Name: kmsgName, Err: errText(err)})
		c.warn(kmsgName + ": permission denied (" + c.dmesgRestrictHint() + ")")
		return
	}
	c.source(kmsgName, len(recs), err)
	if ks.lost > 0 {
		c.warn(fmt.Sprintf("%s: ring buffer lost %d records (sequence gap)", kmsgName, ks.lost))
	}
	if ks.bad > 0 {
		c.warn(fmt.Sprintf("%s: %d malformed records skipped", kmsgName, ks.bad))
	}
	for i := range recs {
		w := c.clock.Wall(recs[i].Monotonic)
		recs[i].Wall = &w
	}
	c.add(ParseOOM(recs), kmsgName, c.clock.Boot, rankKmsg)
}

func (c *collector) dmesgRestrictHint() string {
	hint := "run as root or with CAP_SYSLOG"
	b, err := os.ReadFile(filepath.Join(c.root, "proc/sys/kernel/dmesg_restrict"))
	if err == nil && strings.TrimSpace(string(b)) == "1" {
		hint = "kernel.dmesg_restrict=1; " + hint
	}
	if filepath.Clean(c.root) != "/" {
		// Read through --host-root, from a container: its device cgroup
		// refuses the host's /dev/kmsg unless the device is passed in.
		hint += "; in a container also --device /dev/kmsg"
	}
	return hint
}

// kmsgStats counts what a /dev/kmsg read could not deliver.
type kmsgStats struct {
	first uint64 // sequence number of the first record read
	lost  uint64 // records missing between those read
	bad   int    // records that did not parse
	last  uint64
	seen  bool
}

func (s *kmsgStats) track(seq uint64) {
	switch {
	case !s.seen:
		s.first, s.seen = seq, true
	case seq > s.last+1:
		s.lost += seq - s.last - 1
	}
	s.last = seq
}

// kmsgReadLimit bounds a /dev/kmsg read: a kernel logging faster than it
// can be read would otherwise keep it going.
const kmsgReadLimit = 10 * time.Second

// readKmsgDevice reads every record in the ring buffer. Each read(2)
// returns one record; EPIPE says records were overwritten meanwhile (the
// next read goes on after them; the sequence gap counts them) and EAGAIN
// (O_NONBLOCK) that the buffer is drained.
func readKmsgDevice(path string) ([]Record, kmsgStats, error) {
	var ks kmsgStats
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, ks, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	// A record is at most a few KiB (PRINTKRB_RECORD_MAX text plus the
	// prefix and dictionary); a too-small buffer makes read fail EINVAL.
	buf := make([]byte, 32<<10)
	deadline := time.Now().Add(kmsgReadLimit)
	var recs []Record
	for {
		n, err := unix.Read(fd, buf)
		switch {
		case errors.Is(err, unix.EINTR), errors.Is(err, unix.EPIPE):
			continue
		case errors.Is(err, unix.EAGAIN):
			return recs, ks, nil
		case err != nil:
			return recs, ks, &fs.PathError{Op: "read", Path: path, Err: err}
		case n == 0:
			return recs, ks, nil
		}
		r, perr := ParseKmsgRecord(buf[:n])
		if perr != nil {
			ks.bad++
			continue
		}
		ks.track(r.Seq)
		recs = append(recs, r)
		if len(recs)%4096 == 0 && time.Now().After(deadline) {
			return recs, ks, fmt.Errorf("still reading after %v; stopped", kmsgReadLimit)
		}
	}
}

// parseKmsgDump parses a saved /dev/kmsg (records one per line, dictionary
// lines starting with a space after them), skipping malformed records
// rather than stopping at the first as ParseKmsg does.
func parseKmsgDump(data []byte) ([]Record, kmsgStats) {
	var ks kmsgStats
	var recs []Record
	start := -1 // offset of the record being gathered
	flush := func(end int) {
		if start < 0 {
			return
		}
		r, err := ParseKmsgRecord(data[start:end])
		start = -1
		if err != nil {
			ks.bad++
			return
		}
		ks.track(r.Seq)
		recs = append(recs, r)
	}
	for off := 0; off < len(data); {
		end := len(data)
		if i := bytes.IndexByte(data[off:], '\n'); i >= 0 {
			end = off + i
		}
		switch line := data[off:end]; {
		case len(line) == 0:
		case line[0] == ' ' && start >= 0: // dictionary line of the record
		default:
			flush(off)
			start = off
		}
		off = end + 1
	}
	flush(len(data))
	return recs, ks
}

// readJournal runs journalctl for kernel records and userspace OOM-daemon
// entries: on the live host over the system's journal, under another root
// over its /var/log/journal and /run/log/journal.
func (c *collector) readJournal() {
	jc := c.opt.Journalctl
	if jc == "" {
		p, err := exec.LookPath("journalctl")
		if err != nil {
			return
		}
		jc = p
	} else if _, err := os.Stat(jc); err != nil {
		return
	}
	dirs := []string{""} // "": the journal journalctl finds itself
	if !c.live {
		dirs = nil
		for _, d := range []string{"var/log/journal", "run/log/journal"} {
			if st, err := os.Stat(filepath.Join(c.root, d)); err == nil && st.IsDir() {
				dirs = append(dirs, d)
			}
		}
	}
	timeout := c.opt.journalTimeout
	if timeout == 0 {
		timeout = journalTimeout
	}
	for _, d := range dirs {
		name := "journal"
		// --all: without it journalctl writes fields over 4 KiB as null.
		args := []string{"-o", "json", "--no-pager", "--all"}
		if d != "" {
			name += " /" + d
			args = append(args, "-D", filepath.Join(c.root, d))
		}
		if !c.opt.Since.IsZero() {
			args = append(args, "--since", "@"+strconv.FormatInt(c.opt.Since.Unix(), 10))
		}
		// _TRANSPORT=kernel rather than -k: -k implies -b, the current boot
		// only, and fails on another host's journal.
		var streams []JournalStream
		kerr := runJournalctl(jc, timeout, append(args[:len(args):len(args)], "_TRANSPORT=kernel"), func(r io.Reader) error {
			var err error
			streams, err = ParseJournalJSON(r)
			return err
		})
		n := 0
		for _, s := range streams {
			n += len(s.Records)
			c.add(ParseOOM(s.Records), "journal", s.Boot, rankJournal)
		}
		var kills []UserspaceKill
		uerr := runJournalctl(jc, timeout, append(args, "-t", "systemd-oomd", "-t", "earlyoom"), func(r io.Reader) error {
			return DecodeJournalJSON(r, func(e JournalEntry) error {
				if k, ok := journalUserspaceKill(e); ok {
					kills = append(kills, k)
				}
				return nil
			})
		})
		c.col.Userspace = append(c.col.Userspace, kills...)
		var err error
		switch {
		case kerr != nil && uerr != nil:
			err = fmt.Errorf("kernel records: %w; userspace kills: %w", kerr, uerr)
		case kerr != nil:
			err = fmt.Errorf("kernel records: %w", kerr)
		case uerr != nil:
			err = fmt.Errorf("userspace kills: %w", uerr)
		}
		c.source(name, n+len(kills), err)
	}
}

// readFiles reads the syslog files under <root>/var/log: kernel lines from
// the first of kern.log, messages, syslog present (with their rotations),
// userspace OOM-daemon lines from syslog, messages and daemon.log.
func (c *collector) readFiles() {
	dir := filepath.Join(c.root, "var/log")
	ents, err := os.ReadDir(dir)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			c.source("/var/log", 0, err)
		}
		return
	}
	names := make([]string, len(ents))
	for i, e := range ents {
		names[i] = e.Name()
	}
	stream := &fileStream{}
	kernelFamily := ""
	for _, fam := range kernelFamilies {
		if files := rotatedFiles(dir, "/var/log", fam, names); len(files) > 0 {
			kernelFamily = fam
			c.readFamily(files, true, fam != "kern.log", stream)
			break
		}
	}
	stream.flush()
	c.add(stream.events, "", "", rankFiles)
	for _, fam := range userFamilies {
		if fam != kernelFamily {
			c.readFamily(rotatedFiles(dir, "/var/log", fam, names), false, true, stream)
		}
	}
}

// readFamily reads a family's files, oldest first, into stream (kernel
// lines) and the userspace kills.
func (c *collector) readFamily(files []logFile, kernel, user bool, stream *fileStream) {
	for _, f := range files {
		st, err := os.Stat(f.path)
		if err != nil {
			c.source(f.name, 0, err)
			continue
		}
		if !st.Mode().IsRegular() {
			c.source(f.name, 0, errors.New("not a regular file"))
			continue
		}
		// Every line of a file is older than its last write.
		if !c.opt.Since.IsZero() && st.ModTime().Before(c.opt.Since) {
			continue
		}
		n, err := scanLogFile(f, st.ModTime(), kernel, user, stream, &c.col.Userspace)
		c.source(f.name, n, err)
	}
}

// finish merges the reports found in several sources, drops what is before
// Since and sorts.
func (c *collector) finish() {
	c.col.Events = mergeEvents(c.found, c.clock)
	c.col.Userspace = mergeUserspace(c.col.Userspace)
	if since := c.opt.Since; !since.IsZero() {
		evs := c.col.Events[:0]
		for _, e := range c.col.Events {
			if e.Wall == nil || !e.Wall.Before(since) {
				evs = append(evs, e)
			}
		}
		c.col.Events = evs
		kills := c.col.Userspace[:0]
		for _, k := range c.col.Userspace {
			if !k.Wall.Before(since) {
				kills = append(kills, k)
			}
		}
		c.col.Userspace = kills
	}
}

// sameWindow is how far apart two sources' wall times for one record may
// be: syslog stamps are whole seconds, and each source stamps the record
// when it reads it.
const sameWindow = 2 * time.Second

// eventKey is what two reports of one kill share: the victim, or for a
// report without one (its line lost, nothing killed) the cgroup, the
// allocating task and the outcome.
func eventKey(e *OOMEvent) string {
	if e.Victim.PID != 0 {
		return "v" + strconv.Itoa(e.Victim.PID) + " " + e.Victim.Comm
	}
	return fmt.Sprintf("n%s\x00%s\x00%d\x00%v", e.TaskMemcg, e.Trigger.Comm, e.ExitingPID, e.NoKillable)
}

// sameTime reports whether a and b, with equal keys, are one report: their
// wall times agree, or their printk stamps agree to the millisecond within
// one boot. A syslog file's boot is unknown; its printk stamps still match
// to the microsecond, and its wall time (taken when logged) may differ
// from the /dev/kmsg conversion by the time suspended since and the drift
// of the printk clock against CLOCK_MONOTONIC (at most 500 ppm of uptime).
func sameTime(a, b *OOMEvent, clock Clock) bool {
	var wallDiff time.Duration
	bothWall := a.Wall != nil && b.Wall != nil
	if bothWall {
		wallDiff = a.Wall.Sub(*b.Wall).Abs()
		if wallDiff <= sameWindow {
			return true
		}
	}
	if (a.Start - b.Start).Abs() > time.Millisecond {
		return false
	}
	switch {
	case a.Boot != "" && a.Boot == b.Boot:
		return true
	case a.Boot != "" && b.Boot != "":
		return false
	}
	return !bothWall || wallDiff <= sameWindow+clock.Suspended+max(a.Start, b.Start)/2000
}

// richness counts the parts of a report present; the richest copy of a
// kill is kept (a ring buffer or a rate limit may have lost parts).
func richness(e *OOMEvent) int {
	n := 0
	for _, ok := range []bool{
		e.Trigger.Comm != "", e.Constraint != "", e.TaskMemcg != "", e.OOMMemcg != "",
		e.MemoryUsageKB != nil, e.SwapUsageKB != nil, e.KmemUsageKB != nil,
		len(e.Stats) > 0, len(e.Tasks) > 0, e.Victim.PID != 0, e.SummaryPID != 0,
		e.ChosenPID != 0, e.Reaped, e.GroupKill != "",
	} {
		if ok {
			n++
		}
	}
	return n
}

// merged is one kill and the copies of it seen so far.
type merged struct {
	ev       OOMEvent
	wall     *time.Time
	wallRank int
}

// mergeEvents keeps each kill once: the richest copy (the earliest source
// on a tie), with the best wall time of all copies: the journal's (stamped
// when logged, in µs), else /dev/kmsg's conversion unless a syslog copy
// disagrees by more than a stamp's rounding (the conversion is late for
// records logged before a suspend), else the syslog stamp.
func mergeEvents(all []found, clock Clock) []OOMEvent {
	sort.SliceStable(all, func(i, j int) bool { return all[i].rank < all[j].rank })
	var groups []*merged
	byKey := map[string][]*merged{}
	for i := range all {
		f := &all[i]
		key := eventKey(&f.ev)
		var g *merged
		for _, cand := range byKey[key] {
			if sameTime(&cand.ev, &f.ev, clock) {
				g = cand
				break
			}
		}
		if g == nil {
			g = &merged{ev: f.ev, wall: f.ev.Wall, wallRank: f.rank}
			groups = append(groups, g)
			byKey[key] = append(byKey[key], g)
			continue
		}
		boot := cmp.Or(g.ev.Boot, f.ev.Boot)
		if richness(&f.ev) > richness(&g.ev) {
			g.ev = f.ev
		}
		g.ev.Boot = boot
		if w := f.ev.Wall; w != nil {
			switch {
			case g.wall == nil,
				f.rank == rankJournal && g.wallRank != rankJournal,
				f.rank == rankFiles && g.wallRank == rankKmsg && w.Sub(*g.wall).Abs() > sameWindow:
				g.wall, g.wallRank = w, f.rank
			}
		}
	}
	out := make([]OOMEvent, len(groups))
	for i, g := range groups {
		out[i] = g.ev
		out[i].Wall = g.wall
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Wall, out[j].Wall
		if a == nil || b == nil {
			return a == nil && b != nil
		}
		return a.Before(*b)
	})
	return out
}

// mergeUserspace keeps each userspace kill once (syslog and daemon.log, or
// the journal and a file, hold the same line), preferring the journal's
// finer stamp, and sorts them oldest first.
func mergeUserspace(kills []UserspaceKill) []UserspaceKill {
	sort.SliceStable(kills, func(i, j int) bool {
		ji, jj := kills[i].Source == "journal", kills[j].Source == "journal"
		return ji && !jj
	})
	var out []UserspaceKill
	for _, k := range kills {
		dup := false
		for _, o := range out {
			if o.Killer == k.Killer && o.Cgroup == k.Cgroup && o.PID == k.PID && o.Comm == k.Comm &&
				o.Wall.Sub(k.Wall).Abs() <= sameWindow {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, k)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Wall.Before(out[j].Wall) })
	return out
}
