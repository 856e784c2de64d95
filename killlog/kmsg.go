package killlog

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ErrFormat is wrapped by every error about malformed input.
var ErrFormat = errors.New("killlog: malformed record")

// Record is one kernel log record, from /dev/kmsg or from a syslog file.
type Record struct {
	// Facility and Level come from PRI (facility<<3 | level). Records from
	// syslog files carry no level: Level is -1 there.
	Facility, Level int
	// Seq is the /dev/kmsg sequence number (0 for syslog lines).
	Seq uint64
	// Monotonic is the printk timestamp, time since boot (local_clock).
	Monotonic time.Duration
	// Flags is the raw FLAGS field of a /dev/kmsg record ("-", "c", "+").
	Flags string
	// Continuation is true when FLAGS holds 'c': the record is a fragment
	// of a continued line (kernels 4.9+ mark every fragment so; 3.5 to 4.8
	// marked the first fragment 'c' and the following ones '+').
	Continuation bool
	// Caller is the caller= field (CONFIG_PRINTK_CALLER), e.g. "T123".
	Caller string
	// Text is the message with \xNN escapes undone.
	Text string
	// Dict holds the dictionary lines (" KEY=VALUE"), nil when none.
	Dict map[string]string
	// Wall is the wall-clock time syslog stamped on the line; nil for
	// /dev/kmsg records.
	Wall *time.Time
}

func formatErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, args...))
}

// ParseKmsgRecord parses one /dev/kmsg record (what one read(2) returns):
// "PRI,SEQ,TS_USEC,FLAGS[,caller=..][,unknown...];text" and optional
// dictionary lines that start with a space. A trailing newline is optional.
// Malformed input yields an error wrapping ErrFormat.
func ParseKmsgRecord(b []byte) (Record, error) {
	var r Record
	b = bytes.TrimSuffix(b, []byte("\n"))
	head, rest, ok := bytes.Cut(b, []byte(";"))
	if !ok {
		return r, formatErr("no ';' after the prefix")
	}
	fields := strings.Split(string(head), ",")
	if len(fields) < 4 {
		return r, formatErr("prefix %q has %d fields, want at least 4", head, len(fields))
	}
	pri, err := strconv.ParseUint(fields[0], 10, 32)
	if err != nil {
		return r, formatErr("PRI %q: %v", fields[0], err)
	}
	r.Facility, r.Level = int(pri>>3), int(pri&7)
	if r.Seq, err = strconv.ParseUint(fields[1], 10, 64); err != nil {
		return r, formatErr("SEQ %q: %v", fields[1], err)
	}
	usec, err := strconv.ParseUint(fields[2], 10, 64)
	if err != nil {
		return r, formatErr("TS_USEC %q: %v", fields[2], err)
	}
	if usec > math.MaxInt64/uint64(time.Microsecond) {
		return r, formatErr("TS_USEC %q out of range", fields[2])
	}
	r.Monotonic = time.Duration(usec) * time.Microsecond
	if fields[3] == "" {
		return r, formatErr("empty FLAGS")
	}
	r.Flags = fields[3]
	r.Continuation = strings.ContainsRune(r.Flags, 'c')
	for _, f := range fields[4:] {
		// Unknown fields are ignored, as the ABI document asks.
		if v, ok := strings.CutPrefix(f, "caller="); ok {
			r.Caller = v
		}
	}
	lines := bytes.Split(rest, []byte("\n"))
	r.Text = unescape(string(lines[0]))
	for _, l := range lines[1:] {
		kv, ok := bytes.CutPrefix(l, []byte(" "))
		if !ok {
			return r, formatErr("dictionary line %q does not start with a space", l)
		}
		k, v, ok := bytes.Cut(kv, []byte("="))
		if !ok || len(k) == 0 {
			return r, formatErr("dictionary line %q is not KEY=VALUE", l)
		}
		if r.Dict == nil {
			r.Dict = make(map[string]string)
		}
		r.Dict[string(k)] = unescape(string(v))
	}
	return r, nil
}

// ParseKmsg parses a dump of /dev/kmsg records, one record per line with
// its dictionary lines (lines starting with a space) after it, as saved by
// concatenating read(2) results. Empty lines are skipped.
func ParseKmsg(data []byte) ([]Record, error) {
	var recs []Record
	var cur []byte
	flush := func() error {
		if cur == nil {
			return nil
		}
		r, err := ParseKmsgRecord(cur)
		cur = nil
		if err != nil {
			return err
		}
		recs = append(recs, r)
		return nil
	}
	for _, l := range bytes.Split(data, []byte("\n")) {
		switch {
		case len(l) == 0:
		case l[0] == ' ' && cur != nil:
			cur = append(append(cur, '\n'), l...)
		default:
			if err := flush(); err != nil {
				return recs, err
			}
			cur = append([]byte(nil), l...)
		}
	}
	return recs, flush()
}

// unescape undoes the kernel's \xNN escaping; anything else is kept as is.
func unescape(s string) string {
	if !strings.Contains(s, `\x`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' {
			if n, err := strconv.ParseUint(s[i+2:i+4], 16, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
