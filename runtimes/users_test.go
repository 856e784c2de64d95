package runtimes

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// passwdReal is /etc/passwd of the test VM (real), whole.
const passwdReal = `root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bin:x:2:2:bin:/bin:/usr/sbin/nologin
sys:x:3:3:sys:/dev:/usr/sbin/nologin
sync:x:4:65534:sync:/bin:/bin/sync
games:x:5:60:games:/usr/games:/usr/sbin/nologin
man:x:6:12:man:/var/cache/man:/usr/sbin/nologin
lp:x:7:7:lp:/var/spool/lpd:/usr/sbin/nologin
mail:x:8:8:mail:/var/mail:/usr/sbin/nologin
news:x:9:9:news:/var/spool/news:/usr/sbin/nologin
uucp:x:10:10:uucp:/var/spool/uucp:/usr/sbin/nologin
proxy:x:13:13:proxy:/bin:/usr/sbin/nologin
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
backup:x:34:34:backup:/var/backups:/usr/sbin/nologin
list:x:38:38:Mailing List Manager:/var/list:/usr/sbin/nologin
irc:x:39:39:ircd:/run/ircd:/usr/sbin/nologin
_apt:x:42:65534::/nonexistent:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
cloudsdk:x:1000:1000::/home/cloudsdk:/bin/bash
systemd-network:x:998:998:systemd Network Management:/:/usr/sbin/nologin
systemd-timesync:x:997:997:systemd Time Synchronization:/:/usr/sbin/nologin
messagebus:x:100:102::/nonexistent:/usr/sbin/nologin
polkitd:x:996:996:polkit:/nonexistent:/usr/sbin/nologin
postgres:x:101:104:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash
nsxpod:x:1001:1001::/home/nsxpod:/bin/bash
`

func TestParsePasswd(t *testing.T) {
	t.Run("real", func(t *testing.T) {
		got := ParsePasswd([]byte(passwdReal))
		if len(got) != 25 {
			t.Errorf("ParsePasswd(real) gave %d entries, want 25: %+v", len(got), got)
		}
		want := map[string]PasswdEntry{
			"root":            {Name: "root", UID: 0, Home: "/root"},
			"nobody":          {Name: "nobody", UID: 65534, Home: "/nonexistent"},
			"systemd-network": {Name: "systemd-network", UID: 998, Home: "/"},
			"postgres":        {Name: "postgres", UID: 101, Home: "/var/lib/postgresql"},
			"nsxpod":          {Name: "nsxpod", UID: 1001, Home: "/home/nsxpod"},
		}
		for _, e := range got {
			if w, ok := want[e.Name]; ok {
				if diff := cmp.Diff(w, e); diff != "" {
					t.Errorf("entry %s mismatch (-want +got):\n%s", e.Name, diff)
				}
				delete(want, e.Name)
			}
		}
		for name := range want {
			t.Errorf("no entry for %s", name)
		}
	})

	tests := []struct {
		name string
		in   string
		want []PasswdEntry
	}{
		{name: "empty", in: ""},
		{name: "no trailing newline", in: "nsxpod:x:1001:1001::/home/nsxpod:/bin/bash", want: []PasswdEntry{{Name: "nsxpod", UID: 1001, Home: "/home/nsxpod"}}},
		{name: "CRLF line ends", in: "root:x:0:0:root:/root:/bin/bash\r\nnsxpod:x:1001:1001::/home/nsxpod:/bin/bash\r\n",
			want: []PasswdEntry{{Name: "root", UID: 0, Home: "/root"}, {Name: "nsxpod", UID: 1001, Home: "/home/nsxpod"}}},
		// Six fields (no shell) still name a home.
		{name: "no shell field", in: "svc:x:500:500::/srv/svc", want: []PasswdEntry{{Name: "svc", UID: 500, Home: "/srv/svc"}}},
		{name: "empty home", in: "nohome:x:600:600:::/bin/sh", want: []PasswdEntry{{Name: "nohome", UID: 600}}},
		{
			name: "malformed lines are skipped",
			in: "# a comment\n\n   \n" +
				"short:x:1\n" + // too few fields
				":x:5:5::/home/anon:/bin/sh\n" + // no name
				"#commented:x:7:7::/home/c:/bin/sh\n" + // commented-out entry
				"+::::::\n" + // NIS include
				"neg:x:-1:1::/home/neg:/bin/sh\n" + // negative uid
				"word:x:abc:1::/home/w:/bin/sh\n" + // uid not a number
				"big:x:99999999999999999999:1::/home/b:/bin/sh\n" + // uid overflows
				"nsxpod:x:1001:1001::/home/nsxpod:/bin/bash\n",
			want: []PasswdEntry{{Name: "nsxpod", UID: 1001, Home: "/home/nsxpod"}},
		},
		{
			// Two names for one uid (toor): both are listed, in order.
			name: "duplicate uid",
			in:   "root:x:0:0::/root:/bin/sh\ntoor:x:0:0::/root:/bin/sh\n",
			want: []PasswdEntry{{Name: "root", UID: 0, Home: "/root"}, {Name: "toor", UID: 0, Home: "/root"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParsePasswd([]byte(tt.in))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParsePasswd(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestStoreUserName(t *testing.T) {
	s := NewStore(writeRootFiles(t, map[string]string{"etc/passwd": passwdReal}))
	for uid, want := range map[int]string{0: "root", 1001: "nsxpod", 65534: "nobody", 1002: "1002", -1: "-1"} {
		if got := s.userName(uid); got != want {
			t.Errorf("userName(%d) = %q, want %q", uid, got, want)
		}
	}
	// No passwd under the root: uids in decimal.
	s = NewStore(t.TempDir())
	if got := s.userName(1001); got != "1001" {
		t.Errorf("userName(1001) without passwd = %q, want 1001", got)
	}
}
