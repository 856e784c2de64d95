package killlog

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// kernelFamilies are the syslog files that hold kernel lines, by
// preference: Debian and Ubuntu write kern.log (and the same lines again to
// syslog), RHEL and SUSE write messages. Only the first family present is
// read for kernel lines.
var kernelFamilies = []string{"kern.log", "messages", "syslog"}

// userFamilies are the files where systemd-oomd and earlyoom lines land
// (facility daemon): syslog and daemon.log on Debian, messages on RHEL.
var userFamilies = []string{"syslog", "messages", "daemon.log"}

// logFile is one file of a rotated family.
type logFile struct {
	name  string // host path, "/var/log/kern.log.2.gz"
	path  string // under the host root
	gz    bool
	order [2]int64 // sort key, oldest first
}

// rotatedFiles lists base and its rotations among names (entries of
// /var/log), oldest first: base-YYYYMMDD[.gz] (dateext) by date, then
// base.N[.gz] by decreasing N, then base itself.
func rotatedFiles(dir, hostDir, base string, names []string) []logFile {
	var out []logFile
	for _, n := range names {
		f := logFile{name: hostDir + "/" + n, path: filepath.Join(dir, n)}
		rest, ok := strings.CutPrefix(n, base)
		if !ok {
			continue
		}
		rest, f.gz = strings.CutSuffix(rest, ".gz")
		switch {
		case rest == "" && !f.gz:
			f.order = [2]int64{2, 0}
		case len(rest) > 1 && rest[0] == '.':
			num, err := strconv.ParseUint(rest[1:], 10, 31)
			if err != nil {
				continue
			}
			f.order = [2]int64{1, -int64(num)}
		case len(rest) == 9 && rest[0] == '-':
			date, err := strconv.ParseUint(rest[1:], 10, 31)
			if err != nil {
				continue
			}
			f.order = [2]int64{0, int64(date)}
		default:
			continue
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].order, out[j].order
		return a[0] < b[0] || a[0] == b[0] && a[1] < b[1]
	})
	return out
}

// bootGap is how far the printk timestamp may step back between two lines
// before the second is taken as the start of a new boot. Records logged on
// different CPUs can be stamped a little out of order; a reboot restarts
// the stamp at zero, far below where the previous boot stopped.
const bootGap = 10 * time.Millisecond

// fileStream parses kernel records across the rotated files of a family
// (a report may straddle a rotation), one boot at a time: a boot's records
// go to an OOMParser as they are read, and its events are taken when the
// next boot begins. Nothing holds the records themselves.
type fileStream struct {
	parser OOMParser
	n      int // records of this boot
	marks  []fileMark
	last   time.Duration
	events []OOMEvent
}

// fileMark records where a file's records begin within the boot, so each
// event can name the file it came from.
type fileMark struct {
	mono time.Duration
	name string
}

func (s *fileStream) add(r Record, name string) {
	if s.n > 0 && r.Monotonic+bootGap < s.last {
		s.flush()
	}
	if n := len(s.marks); n == 0 || s.marks[n-1].name != name {
		s.marks = append(s.marks, fileMark{r.Monotonic, name})
	}
	s.parser.Add(r)
	s.n++
	s.last = r.Monotonic
}

// flush ends the boot: its events are kept, each named after the file
// that holds its first line.
func (s *fileStream) flush() {
	if s.n > 0 {
		for _, e := range s.parser.Events() {
			e.Source = s.marks[0].name
			for _, m := range s.marks[1:] {
				if m.mono <= e.Start {
					e.Source = m.name
				}
			}
			s.events = append(s.events, e)
		}
	}
	s.parser, s.n, s.marks, s.last = OOMParser{}, 0, nil, 0
}

var (
	kernelTag = []byte(" kernel: ")
	oomdTag   = []byte("systemd-oomd")
	earlyTag  = []byte("earlyoom")
)

// yearGuess supplies the year that traditional syslog stamps lack: the
// year of the file's mtime, or the one before for a month later than the
// mtime's (the file was last written in January, the line is from
// December).
type yearGuess struct {
	year  int
	month time.Month
}

func newYearGuess(mtime time.Time) yearGuess {
	mt := mtime.Local()
	return yearGuess{mt.Year(), mt.Month()}
}

func (g yearGuess) of(line []byte) int {
	if len(line) >= 3 && line[0] >= 'A' && line[0] <= 'Z' {
		if m := monthOf(line[:3]); m > g.month {
			return g.year - 1
		}
	}
	return g.year
}

func monthOf(b []byte) time.Month {
	const names = "JanFebMarAprMayJunJulAugSepOctNovDec"
	for i := 0; i < len(names); i += 3 {
		if string(b) == names[i:i+3] {
			return time.Month(i/3 + 1)
		}
	}
	return 0
}

// scanLogFile reads one syslog file: kernel lines into stream (when
// kernel), userspace OOM daemon lines into kills (when user). It returns
// how many it took; records read before an error are kept.
func scanLogFile(f logFile, mtime time.Time, kernel, user bool, stream *fileStream, kills *[]UserspaceKill) (int, error) {
	fh, err := os.Open(f.path)
	if err != nil {
		return 0, err
	}
	defer fh.Close()
	var r io.Reader = fh
	if f.gz {
		zr, err := gzip.NewReader(bufio.NewReaderSize(fh, 256<<10))
		if err != nil {
			return 0, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		r = zr
	}
	years := newYearGuess(mtime)
	n := 0
	err = eachLine(r, func(line []byte) {
		if kernel && bytes.Contains(line, kernelTag) {
			if rec, ok := ParseKernLogLine(string(line), years.of(line)); ok {
				stream.add(rec, f.name)
				n++
			}
			return
		}
		if user && (bytes.Contains(line, oomdTag) || bytes.Contains(line, earlyTag)) {
			if k, ok := parseSyslogUserLine(string(line), years.of(line)); ok {
				k.Source = f.name
				*kills = append(*kills, k)
				n++
			}
		}
	})
	return n, err
}

// maxLine bounds one line: longer ones (binary garbage, a corrupt file) are
// dropped rather than held whole in memory.
const maxLine = 1 << 20

// eachLine calls fn with every line of r, without its newline. The slice
// is only valid during the call.
func eachLine(r io.Reader, fn func([]byte)) error {
	br := bufio.NewReaderSize(r, 256<<10)
	var long []byte
	tooLong := false
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			if len(long)+len(line) > maxLine {
				tooLong, long = true, long[:0]
			} else if !tooLong {
				long = append(long, line...)
			}
			continue
		}
		if len(long) > 0 || tooLong {
			if tooLong || len(long)+len(line) > maxLine {
				line = nil
			} else {
				line = append(long, line...)
			}
			long, tooLong = long[:0], false
		}
		line = bytes.TrimSuffix(line, []byte("\n"))
		if len(line) > 0 {
			fn(line)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
