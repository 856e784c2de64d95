package killlog

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// JournalEntry is one entry of `journalctl -o json` output, reduced to the
// fields the readers use.
type JournalEntry struct {
	// Boot is _BOOT_ID, written as /proc/sys/kernel/random/boot_id writes
	// it (journald drops the dashes) so that the two compare equal.
	Boot string
	// Message is MESSAGE: journald writes it as a JSON string, or as an
	// array of byte values when it is not valid UTF-8.
	Message string
	// Identifier is SYSLOG_IDENTIFIER ("kernel" for kernel records).
	Identifier string
	// PID is _PID, 0 when absent (kernel records).
	PID int
	// Priority and Facility are PRIORITY and SYSLOG_FACILITY, -1 when absent.
	Priority, Facility int
	// Realtime is __REALTIME_TIMESTAMP: when journald received the entry.
	// SourceRealtime is _SOURCE_REALTIME_TIMESTAMP, when the client says it
	// logged it (zero when absent).
	Realtime, SourceRealtime time.Time
	// Monotonic is __MONOTONIC_TIMESTAMP (CLOCK_MONOTONIC at receipt).
	// SourceMonotonic is _SOURCE_MONOTONIC_TIMESTAMP: for kernel records the
	// printk timestamp; -1 when absent.
	Monotonic, SourceMonotonic time.Duration
}

// LoggedAt is the entry's best wall time: _SOURCE_REALTIME_TIMESTAMP when
// the client gave one, else Realtime. For kernel records journald stamps
// Realtime when it reads /dev/kmsg, which lags the printk time by
// Monotonic - SourceMonotonic; records from early boot, read when journald
// started, lag by seconds, and that delay is taken off. The difference also
// holds the drift between CLOCK_MONOTONIC (NTP-slewed, at most 500 ppm)
// and the printk clock (not slewed), which late in a long boot exceeds the
// real delay of a few milliseconds; so the delay is trusted only when it is
// over twice the largest possible drift.
func (e JournalEntry) LoggedAt() time.Time {
	if !e.SourceRealtime.IsZero() {
		return e.SourceRealtime
	}
	if e.SourceMonotonic >= 0 && e.Monotonic >= e.SourceMonotonic {
		delay := e.Monotonic - e.SourceMonotonic
		if delay > e.SourceMonotonic/1000 {
			return e.Realtime.Add(-delay)
		}
	}
	return e.Realtime
}

// Record converts a kernel entry to a Record with Wall set.
func (e JournalEntry) Record() Record {
	mono := e.SourceMonotonic
	if mono < 0 {
		mono = max(e.Monotonic, 0)
	}
	wall := e.LoggedAt()
	return Record{Facility: max(e.Facility, 0), Level: e.Priority, Monotonic: mono, Text: e.Message, Wall: &wall}
}

// journalLine mirrors the JSON object journalctl prints per entry. Fields
// that can be strings, byte arrays or (when repeated) arrays of those are
// kept raw.
type journalLine struct {
	Message         json.RawMessage `json:"MESSAGE"`
	Identifier      json.RawMessage `json:"SYSLOG_IDENTIFIER"`
	PID             json.RawMessage `json:"_PID"`
	Boot            json.RawMessage `json:"_BOOT_ID"`
	Priority        json.RawMessage `json:"PRIORITY"`
	Facility        json.RawMessage `json:"SYSLOG_FACILITY"`
	Realtime        json.RawMessage `json:"__REALTIME_TIMESTAMP"`
	Monotonic       json.RawMessage `json:"__MONOTONIC_TIMESTAMP"`
	SourceRealtime  json.RawMessage `json:"_SOURCE_REALTIME_TIMESTAMP"`
	SourceMonotonic json.RawMessage `json:"_SOURCE_MONOTONIC_TIMESTAMP"`
}

// DecodeJournalJSON reads `journalctl -o json` output (one JSON object per
// line) and calls fn for each entry that has a MESSAGE and a realtime
// stamp. Malformed lines are skipped; the error then wraps ErrFormat and
// counts them, after every good line was delivered. An error from fn stops
// the decoding and is returned.
func DecodeJournalJSON(r io.Reader, fn func(JournalEntry) error) error {
	br := bufio.NewReaderSize(r, 256<<10)
	bad := 0
	var firstBad string
	var long []byte
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long, line...)
			continue
		}
		if long != nil {
			line = append(long, line...)
			long = nil
		}
		if len(bytes.TrimSpace(line)) > 0 {
			e, perr := decodeJournalLine(line)
			if perr != nil {
				if bad == 0 {
					firstBad = perr.Error()
				}
				bad++
			} else if e != nil {
				if ferr := fn(*e); ferr != nil {
					return ferr
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	if bad > 0 {
		return formatErr("%d journal JSON lines skipped, the first: %s", bad, firstBad)
	}
	return nil
}

// decodeJournalLine returns nil, nil for a well-formed entry without a
// message or realtime stamp (nothing to read from it).
func decodeJournalLine(line []byte) (*JournalEntry, error) {
	var jl journalLine
	if err := json.Unmarshal(line, &jl); err != nil {
		return nil, err
	}
	msg, ok := journalValue(jl.Message)
	if !ok {
		return nil, nil // null: over journalctl's size limit without --all
	}
	rt, ok := journalUsec(jl.Realtime)
	if !ok {
		return nil, nil
	}
	e := &JournalEntry{Message: msg, Priority: -1, Facility: -1, Monotonic: -1, SourceMonotonic: -1}
	e.Realtime = time.UnixMicro(int64(rt))
	if us, ok := journalUsec(jl.SourceRealtime); ok {
		e.SourceRealtime = time.UnixMicro(int64(us))
	}
	if us, ok := journalUsec(jl.Monotonic); ok {
		e.Monotonic = time.Duration(us) * time.Microsecond
	}
	if us, ok := journalUsec(jl.SourceMonotonic); ok {
		e.SourceMonotonic = time.Duration(us) * time.Microsecond
	}
	boot, _ := journalValue(jl.Boot)
	e.Boot = dashedUUID(boot)
	e.Identifier, _ = journalValue(jl.Identifier)
	if s, ok := journalValue(jl.PID); ok {
		e.PID, _ = strconv.Atoi(s)
	}
	if s, ok := journalValue(jl.Priority); ok {
		if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= 7 {
			e.Priority = n
		}
	}
	if s, ok := journalValue(jl.Facility); ok {
		if n, err := strconv.Atoi(s); err == nil && n >= 0 {
			e.Facility = n
		}
	}
	return e, nil
}

// journalValue decodes one field value: a string, an array of byte values
// (journald's form for data that is not UTF-8 text), or an array of those
// when the field appears more than once in the entry (the first is taken).
func journalValue(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] == 'n' { // absent or null
		return "", false
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		return s, true
	}
	if raw[0] != '[' {
		return "", false
	}
	var nums []int
	if json.Unmarshal(raw, &nums) == nil {
		b := make([]byte, len(nums))
		for i, n := range nums {
			if n < 0 || n > 255 {
				return "", false
			}
			b[i] = byte(n)
		}
		return string(b), true
	}
	var many []json.RawMessage
	if json.Unmarshal(raw, &many) != nil || len(many) == 0 {
		return "", false
	}
	return journalValue(many[0])
}

// dashedUUID writes a UUID given as 32 hex digits in the 8-4-4-4-12 form;
// anything else is returned as it is.
func dashedUUID(s string) string {
	if len(s) != 32 {
		return s
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return s
		}
	}
	s = strings.ToLower(s)
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}

func journalUsec(raw json.RawMessage) (uint64, bool) {
	s, ok := journalValue(raw)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	// Keep the value within what time.Duration and time.UnixMicro hold.
	if err != nil || n > uint64(1<<63-1)/uint64(time.Microsecond) {
		return 0, false
	}
	return n, true
}

// JournalStream is one boot's kernel records from the journal, in the
// order journalctl printed them.
type JournalStream struct {
	Boot    string
	Records []Record
}

// ParseJournalJSON reads `journalctl -o json _TRANSPORT=kernel` output and
// groups the records by _BOOT_ID (ParseOOM takes one boot's stream), in
// order of each boot's first record. Records carry Wall (LoggedAt), Level
// from PRIORITY and Monotonic from _SOURCE_MONOTONIC_TIMESTAMP. Entries that
// are not from the kernel are skipped. The error is DecodeJournalJSON's;
// the streams hold everything decoded regardless.
func ParseJournalJSON(r io.Reader) ([]JournalStream, error) {
	var streams []JournalStream
	index := map[string]int{}
	err := DecodeJournalJSON(r, func(e JournalEntry) error {
		if e.Identifier != "" && e.Identifier != "kernel" {
			return nil
		}
		i, ok := index[e.Boot]
		if !ok {
			i = len(streams)
			index[e.Boot] = i
			streams = append(streams, JournalStream{Boot: e.Boot})
		}
		streams[i].Records = append(streams[i].Records, e.Record())
		return nil
	})
	return streams, err
}

// journalUserspaceKill turns a systemd-oomd or earlyoom journal entry into
// a kill.
func journalUserspaceKill(e JournalEntry) (UserspaceKill, bool) {
	k, ok := parseUserspaceMessage(e.Identifier, e.Message)
	if !ok {
		return k, false
	}
	k.Wall = e.LoggedAt()
	tag := e.Identifier
	if e.PID > 0 {
		tag += "[" + strconv.Itoa(e.PID) + "]"
	}
	if tag != "" {
		k.Text = tag + ": " + e.Message
	} else {
		k.Text = e.Message
	}
	k.Source = "journal"
	return k, true
}

// journalTimeout bounds each journalctl run: a huge or damaged journal must
// not hold up the answer.
const journalTimeout = 5 * time.Second

// runJournalctl runs journalctl with args and hands its stdout to parse as
// it streams. Whatever parse read before a failure or the timeout is kept
// by the caller; the error says what went wrong.
func runJournalctl(journalctl string, timeout time.Duration, args []string, parse func(io.Reader) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, journalctl, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &limitedWriter{w: &stderr, n: 4096}
	cmd.WaitDelay = time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	perr := parse(out)
	// Drain what parse left so journalctl is not stuck on a full pipe.
	_, _ = io.Copy(io.Discard, out)
	werr := cmd.Wait()
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	msg := lines[0]
	for _, l := range lines {
		if strings.Contains(l, "permission") {
			msg = l
		}
	}
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%s timed out after %v; its output may be incomplete", journalctl, timeout)
	case werr != nil && msg != "":
		return fmt.Errorf("%s: %w: %s", journalctl, werr, msg)
	case werr != nil:
		return fmt.Errorf("%s: %w", journalctl, werr)
	case strings.Contains(msg, "permission"):
		// Exit 0, but without the systemd-journal or adm group it read only
		// the user's own journal: "No journal files were opened due to
		// insufficient permissions."
		return fmt.Errorf("%s: %s", journalctl, msg)
	}
	return perr
}

type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}
