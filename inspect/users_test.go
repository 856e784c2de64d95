package inspect

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParsePasswd(t *testing.T) {
	// real: the first five lines of /etc/passwd on the Debian 12 test VM
	const debianHead = "root:x:0:0:root:/root:/bin/bash\n" +
		"daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n" +
		"bin:x:2:2:bin:/bin:/usr/sbin/nologin\n" +
		"sys:x:3:3:sys:/dev:/usr/sbin/nologin\n" +
		"sync:x:4:65534:sync:/bin:/bin/sync\n"
	tests := []struct {
		name string
		in   string
		want map[int]string
	}{
		{name: "debian", in: debianHead, want: map[int]string{0: "root", 1: "daemon", 2: "bin", 3: "sys", 4: "sync"}},
		{name: "empty", in: "", want: map[int]string{}},
		{
			name: "nobody and a user",
			in:   "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\nalice:x:1000:1000:Alice,,,:/home/alice:/bin/bash",
			want: map[int]string{65534: "nobody", 1000: "alice"},
		},
		{
			// getpwuid returns the first entry for a uid; so does nsx.
			name: "duplicate uid: first wins",
			in:   "root:x:0:0:root:/root:/bin/bash\ntoor:x:0:0:alias:/root:/bin/sh\n",
			want: map[int]string{0: "root"},
		},
		{
			name: "malformed lines skipped",
			in: "# a comment:x:5:5\n" +
				"\n" +
				"tooshort:x:7\n" +
				":x:8:8:empty name:/:/bin/sh\n" +
				"badid:x:nine:9::/:/bin/sh\n" +
				"+::::::\n" + // NIS compat marker
				"ok:x:10:10::/:/bin/sh\n",
			want: map[int]string{10: "ok"},
		},
		{name: "CRLF line endings", in: "root:x:0:0:root:/root:/bin/bash\r\n", want: map[int]string{0: "root"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParsePasswd([]byte(tt.in))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParsePasswd mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
