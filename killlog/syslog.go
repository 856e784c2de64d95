package killlog

import (
	"strconv"
	"strings"
	"time"
)

// ParseKernLogLine parses one kernel line of a syslog file (/var/log/kern.log,
// /var/log/messages) that carries the printk timestamp:
//
//	Nov 29 04:00:00 host kernel: [12345.678901] text
//	2026-11-29T04:00:00.123456+00:00 host kernel: [12345.678901] text
//
// The traditional form has no year, so year supplies it, and no zone, so
// it is read as local time (what rsyslog writes). Monotonic comes from the
// bracket, Wall from the syslog stamp; Level is -1 (unknown). Lines from
// other programs, and kernel lines without a bracketed timestamp
// (printk.time=0), give ok=false.
func ParseKernLogLine(line string, year int) (r Record, ok bool) {
	line = strings.TrimRight(line, "\r\n")
	var wall time.Time
	var rest string
	if len(line) > 0 && line[0] >= '0' && line[0] <= '9' {
		stamp, after, found := strings.Cut(line, " ")
		if !found {
			return r, false
		}
		t, err := time.Parse(time.RFC3339Nano, stamp)
		if err != nil {
			return r, false
		}
		wall, rest = t, after
	} else {
		// "Jan _2 15:04:05" is 15 bytes; the day may be space-padded.
		if len(line) < 16 || line[15] != ' ' {
			return r, false
		}
		t, err := time.ParseInLocation(time.Stamp, line[:15], time.Local)
		if err != nil {
			return r, false
		}
		wall = time.Date(year, t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.Local)
		rest = line[16:]
	}
	_, rest, found := strings.Cut(rest, " ") // host name
	if !found {
		return r, false
	}
	rest, found = strings.CutPrefix(rest, "kernel: [")
	if !found {
		return r, false
	}
	ts, text, found := strings.Cut(rest, "] ")
	if !found {
		ts, found = strings.CutSuffix(rest, "]")
		if !found {
			return r, false
		}
		text = ""
	}
	mono, ok := parseStamp(strings.TrimSpace(ts))
	if !ok {
		return r, false
	}
	return Record{Level: -1, Monotonic: mono, Text: text, Wall: &wall}, true
}

// parseStamp parses "12345.678901" (seconds.microseconds).
func parseStamp(s string) (time.Duration, bool) {
	secs, frac, found := strings.Cut(s, ".")
	if !found || secs == "" || frac == "" || len(frac) > 9 {
		return 0, false
	}
	sec, err := strconv.ParseUint(secs, 10, 64)
	if err != nil || sec > uint64(1<<63-1)/uint64(time.Second)-1 {
		return 0, false
	}
	f, err := strconv.ParseUint(frac, 10, 64)
	if err != nil {
		return 0, false
	}
	for i := len(frac); i < 9; i++ {
		f *= 10
	}
	return time.Duration(sec)*time.Second + time.Duration(f), true
}
