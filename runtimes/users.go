package runtimes

import (
	"strconv"
	"strings"
)

// PasswdEntry is one line of /etc/passwd, as far as nsx needs it.
type PasswdEntry struct {
	Name string
	UID  int
	Home string
}

// ParsePasswd reads the text of /etc/passwd. Malformed lines are skipped: a
// name is a nicety, the uid is the fact.
func ParsePasswd(b []byte) []PasswdEntry {
	var out []PasswdEntry
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, ":")
		if len(f) < 6 || f[0] == "" || strings.HasPrefix(f[0], "#") {
			continue
		}
		uid, err := strconv.Atoi(f[2])
		if err != nil || uid < 0 {
			continue
		}
		out = append(out, PasswdEntry{Name: f[0], UID: uid, Home: f[5]})
	}
	return out
}

// users reads the host's /etc/passwd once.
func (s *Store) users() []PasswdEntry {
	s.usersOnce.Do(func() {
		if b, err := s.read("etc/passwd"); err == nil {
			s.passwd = ParsePasswd(b)
		}
	})
	return s.passwd
}

// userName names a uid, or gives it in decimal.
func (s *Store) userName(uid int) string {
	for _, u := range s.users() {
		if u.UID == uid {
			return u.Name
		}
	}
	return strconv.Itoa(uid)
}
