package inspect

import (
	"nsx/runtimes"
)

// ParsePasswd maps uids to user names from the text of /etc/passwd; the
// first name of a uid wins.
func ParsePasswd(b []byte) map[int]string {
	names := map[int]string{}
	for _, u := range runtimes.ParsePasswd(b) {
		if _, dup := names[u.UID]; !dup {
			names[u.UID] = u.Name
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
