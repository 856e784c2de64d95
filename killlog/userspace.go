package killlog

import (
	"strconv"
	"strings"
	"time"
)

// UserspaceKill is a kill by a userspace OOM daemon. Such kills leave no
// kernel OOM report: the victim just gets a signal.
type UserspaceKill struct {
	Wall time.Time
	// Killer is "systemd-oomd" or "earlyoom".
	Killer string
	// Cgroup is the cgroup systemd-oomd killed (every process in it).
	Cgroup string
	// PID and Comm are the process earlyoom signalled.
	PID  int
	Comm string
	// Signal is "SIGKILL" or "SIGTERM" when the line states it.
	Signal string
	// Text is the log line.
	Text string
	// Source is where it was read: "journal" or a host path.
	Source string
}

// ParseUserspaceKill parses the message of a systemd-oomd or earlyoom kill,
// with or without the syslog tag before it ("earlyoom[456]: sending ...").
// It understands:
//
//	systemd-oomd: Killed CGROUP due to memory pressure for ... (v247+;
//	  also "due to swap used ..." and "due to memory used ...")
//	systemd-oomd: Marked CGROUP for killing due to ... (v256+, where the
//	  kill itself is queued and not logged at notice level)
//	earlyoom: sending SIGKILL to process PID uid UID "COMM": badness ...
//	earlyoom: sending SIGTERM to process PID "COMM": badness ... (before 1.3)
//
// Wall, Source are left for the reader; Text is line as given.
func ParseUserspaceKill(line string) (UserspaceKill, bool) {
	ident, msg := splitTag(line)
	k, ok := parseUserspaceMessage(ident, msg)
	if ok {
		k.Text = line
	}
	return k, ok
}

// splitTag splits "ident[pid]: message" or "ident: message"; ident is ""
// when the line has no such tag.
func splitTag(line string) (ident, msg string) {
	i := strings.Index(line, ": ")
	if i <= 0 {
		return "", line
	}
	tag := line[:i]
	if j := strings.IndexByte(tag, '['); j > 0 && strings.HasSuffix(tag, "]") {
		if _, err := strconv.Atoi(tag[j+1 : len(tag)-1]); err != nil {
			return "", line
		}
		tag = tag[:j]
	}
	if tag != "systemd-oomd" && tag != "earlyoom" {
		return "", line
	}
	return tag, line[i+2:]
}

// parseUserspaceMessage parses a message whose syslog identifier is ident
// ("" when unknown: the killer is then told by the message's form).
func parseUserspaceMessage(ident, msg string) (UserspaceKill, bool) {
	msg = strings.TrimRight(msg, "\r\n")
	if ident == "" || ident == "systemd-oomd" {
		if k, ok := parseOomd(msg); ok {
			return k, true
		}
	}
	if ident == "" || ident == "earlyoom" {
		if k, ok := parseEarlyoom(msg); ok {
			return k, true
		}
	}
	return UserspaceKill{}, false
}

func parseOomd(msg string) (UserspaceKill, bool) {
	var cg string
	if rest, ok := strings.CutPrefix(msg, "Killed "); ok {
		cg, _, ok = strings.Cut(rest, " due to ")
		if !ok {
			return UserspaceKill{}, false
		}
	} else if rest, ok := strings.CutPrefix(msg, "Marked "); ok {
		cg, _, ok = strings.Cut(rest, " for killing due to ")
		if !ok {
			return UserspaceKill{}, false
		}
	} else {
		return UserspaceKill{}, false
	}
	// oomd names cgroups by their path under the cgroup2 root.
	if !strings.HasPrefix(cg, "/") || strings.ContainsAny(cg, " \t") {
		return UserspaceKill{}, false
	}
	return UserspaceKill{Killer: "systemd-oomd", Cgroup: cg}, true
}

func parseEarlyoom(msg string) (UserspaceKill, bool) {
	rest, ok := strings.CutPrefix(msg, "sending ")
	if !ok {
		return UserspaceKill{}, false
	}
	sig, rest, ok := strings.Cut(rest, " to process ")
	if !ok || !strings.HasPrefix(sig, "SIG") || len(sig) < 5 || len(sig) > 10 {
		// sig 0 is earlyoom's startup self-test, not a kill.
		return UserspaceKill{}, false
	}
	num, rest, _ := strings.Cut(rest, " ")
	pid, err := strconv.Atoi(num)
	if err != nil || pid <= 0 {
		return UserspaceKill{}, false
	}
	if after, ok := strings.CutPrefix(rest, "uid "); ok {
		uid, tail, _ := strings.Cut(after, " ")
		if _, err := strconv.Atoi(uid); err != nil {
			return UserspaceKill{}, false
		}
		rest = tail
	}
	k := UserspaceKill{Killer: "earlyoom", PID: pid, Signal: sig}
	// The name is quoted and may itself hold quotes: it ends at the last
	// `": ` before the numbers (or at the last quote of the line).
	if name, ok := strings.CutPrefix(rest, `"`); ok {
		if i := strings.Index(name, `": `); i >= 0 {
			k.Comm = name[:i]
		} else if i := strings.LastIndexByte(name, '"'); i >= 0 {
			k.Comm = name[:i]
		}
	}
	return k, true
}

// parseSyslogUserLine parses a syslog file line from a userspace OOM
// daemon: "STAMP HOST ident[pid]: message", with the traditional stamp (the
// year given) or an RFC 3339 one.
func parseSyslogUserLine(line string, year int) (UserspaceKill, bool) {
	line = strings.TrimRight(line, "\r\n")
	wall, rest, ok := parseSyslogStamp(line, year)
	if !ok {
		return UserspaceKill{}, false
	}
	_, rest, ok = strings.Cut(rest, " ") // host
	if !ok {
		return UserspaceKill{}, false
	}
	ident, msg := splitTag(rest)
	if ident == "" {
		return UserspaceKill{}, false
	}
	k, ok := parseUserspaceMessage(ident, msg)
	if !ok {
		return k, false
	}
	k.Wall, k.Text = wall, line
	return k, true
}

// parseSyslogStamp parses the stamp that starts a syslog line and returns
// the rest after the following space.
func parseSyslogStamp(line string, year int) (time.Time, string, bool) {
	if len(line) > 0 && line[0] >= '0' && line[0] <= '9' {
		stamp, rest, ok := strings.Cut(line, " ")
		if !ok {
			return time.Time{}, "", false
		}
		t, err := time.Parse(time.RFC3339Nano, stamp)
		return t, rest, err == nil
	}
	if len(line) < 16 || line[15] != ' ' {
		return time.Time{}, "", false
	}
	t, err := time.ParseInLocation(time.Stamp, line[:15], time.Local)
	if err != nil {
		return time.Time{}, "", false
	}
	t = time.Date(year, t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.Local)
	return t, line[16:], true
}
