package killlog

import (
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
	// A log holds hundreds of thousands of these: the traditional stamp is
	// parsed by hand (time.Parse is most of the cost otherwise), and nothing
	// but the Wall value is allocated.
	for len(line) > 0 && (line[len(line)-1] == '\n' || line[len(line)-1] == '\r') {
		line = line[:len(line)-1]
	}
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
		t, ok := parseTraditionalStamp(line[:15], year)
		if !ok {
			// Odd spacing time.Parse still accepts ("Nov 29  4:05:06").
			p, err := time.ParseInLocation(time.Stamp, line[:15], time.Local)
			if err != nil {
				return r, false
			}
			t = time.Date(year, p.Month(), p.Day(), p.Hour(), p.Minute(), p.Second(), p.Nanosecond(), time.Local)
		}
		wall, rest = t, line[16:]
	}
	i := strings.IndexByte(rest, ' ') // after the host name
	if i < 0 {
		return r, false
	}
	rest, found := strings.CutPrefix(rest[i+1:], "kernel: [")
	if !found {
		return r, false
	}
	var ts, text string
	if i := strings.IndexByte(rest, ']'); i >= 0 && (i+1 == len(rest) || rest[i+1] == ' ') {
		ts = rest[:i]
		if i+1 < len(rest) {
			text = rest[i+2:]
		}
	} else {
		// "] " may not be the first ']' (never seen; kept from the regular
		// form: the stamp is whatever comes before the first "] ").
		var cut bool
		if ts, text, cut = strings.Cut(rest, "] "); !cut {
			if ts, cut = strings.CutSuffix(rest, "]"); !cut {
				return r, false
			}
			text = ""
		}
	}
	mono, ok := parseStamp(strings.TrimSpace(ts))
	if !ok {
		return r, false
	}
	return Record{Level: -1, Monotonic: mono, Text: text, Wall: &wall}, true
}

// stampMonth reads the three letters of time.Stamp's month.
func stampMonth(s string) (time.Month, bool) {
	switch s {
	case "Jan":
		return time.January, true
	case "Feb":
		return time.February, true
	case "Mar":
		return time.March, true
	case "Apr":
		return time.April, true
	case "May":
		return time.May, true
	case "Jun":
		return time.June, true
	case "Jul":
		return time.July, true
	case "Aug":
		return time.August, true
	case "Sep":
		return time.September, true
	case "Oct":
		return time.October, true
	case "Nov":
		return time.November, true
	case "Dec":
		return time.December, true
	}
	return 0, false
}

// parseTraditionalStamp parses the usual "Jan _2 15:04:05" (time.Stamp) as
// local time in year: a day of one digit after a space or of two, up to the
// month's length in a leap year (a year-less stamp may be Feb 29; time.Date
// moves it to Mar 1 in other years), as time.ParseInLocation(time.Stamp)
// does. ok=false for anything else, which may still be a stamp that
// time.Parse reads.
func parseTraditionalStamp(s string, year int) (time.Time, bool) {
	month, ok := stampMonth(s[:3])
	if !ok || s[3] != ' ' || s[6] != ' ' || s[9] != ':' || s[12] != ':' {
		return time.Time{}, false
	}
	var day int
	switch {
	case s[4] == ' ' && isDigit(s[5]):
		day = int(s[5] - '0')
	case isDigit(s[4]) && isDigit(s[5]):
		day = int(s[4]-'0')*10 + int(s[5]-'0')
	default:
		return time.Time{}, false
	}
	hour, ok1 := twoDigits(s[7:9])
	minute, ok2 := twoDigits(s[10:12])
	sec, ok3 := twoDigits(s[13:15])
	maxDay := [...]int{31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[month-1]
	if !ok1 || !ok2 || !ok3 || hour > 23 || minute > 59 || sec > 59 || day < 1 || day > maxDay {
		return time.Time{}, false
	}
	return time.Date(year, month, day, hour, minute, sec, 0, time.Local), true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func twoDigits(s string) (int, bool) {
	if !isDigit(s[0]) || !isDigit(s[1]) {
		return 0, false
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), true
}

// parseStamp parses "12345.678901" (seconds.microseconds).
func parseStamp(s string) (time.Duration, bool) {
	dot := strings.IndexByte(s, '.')
	if dot <= 0 || dot == len(s)-1 || len(s)-dot-1 > 9 {
		return 0, false
	}
	const maxSec = uint64(1<<63-1)/uint64(time.Second) - 1
	var sec, frac uint64
	for i := 0; i < dot; i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		if sec = sec*10 + uint64(s[i]-'0'); sec > maxSec {
			return 0, false
		}
	}
	for i := dot + 1; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		frac = frac*10 + uint64(s[i]-'0')
	}
	for i := len(s) - dot - 1; i < 9; i++ {
		frac *= 10
	}
	return time.Duration(sec)*time.Second + time.Duration(frac), true
}
