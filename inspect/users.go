package inspect

import (
	"strconv"
	"strings"
)

// ParsePasswd maps uids to user names from the text of /etc/passwd.
// Malformed lines are skipped: a name is a nicety, the uid is the fact.
func ParsePasswd(b []byte) map[int]string {
	names := map[int]string{}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.SplitN(line, ":", 4)
		if len(f) < 4 || f[0] == "" || strings.HasPrefix(f[0], "#") {
			continue
		}
		uid, err := strconv.Atoi(f[2])
		if err != nil {
			continue
		}
		if _, dup := names[uid]; !dup {
			names[uid] = f[0]
		}
	}
	return names
}

// UserNames reads the host's /etc/passwd (under the host root, so a debug
// container shows the host's names, not its own).
func (h Host) UserNames() map[int]string {
	b, err := h.ReadFile("etc", "passwd")
	if err != nil {
		return map[int]string{}
	}
	return ParsePasswd(b)
}
