package inspect

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Inputs marked "real" were copied from /proc on the Debian 12 test VM
// (kernel 6.18, cgroup v1 + empty v2) on 2026-11-29; the rest are edge
// cases written by hand to hit one branch each.

func TestParseNSLink(t *testing.T) {
	tests := []struct {
		name   string
		link   string
		want   NSID
		wantOK bool
	}{
		// real: readlink /proc/self/ns/net (host netns inode from the VM)
		{name: "net", link: "net:[4026531840]", want: NSID{Type: NetNS, Inode: 4026531840}, wantOK: true},
		{name: "cgroup", link: "cgroup:[4026531835]", want: NSID{Type: CgroupNS, Inode: 4026531835}, wantOK: true},
		{name: "ipc", link: "ipc:[4026531839]", want: NSID{Type: IPCNS, Inode: 4026531839}, wantOK: true},
		{name: "mnt", link: "mnt:[4026531841]", want: NSID{Type: MntNS, Inode: 4026531841}, wantOK: true},
		{name: "pid", link: "pid:[4026531836]", want: NSID{Type: PIDNS, Inode: 4026531836}, wantOK: true},
		{name: "time", link: "time:[4026531834]", want: NSID{Type: TimeNS, Inode: 4026531834}, wantOK: true},
		{name: "user", link: "user:[4026531837]", want: NSID{Type: UserNS, Inode: 4026531837}, wantOK: true},
		{name: "uts", link: "uts:[4026531838]", want: NSID{Type: UTSNS, Inode: 4026531838}, wantOK: true},
		// /proc/PID/ns/pid_for_children and time_for_children link to
		// "pid:[…]" too; the file name is not part of the target.
		{name: "max uint64 inode", link: "net:[18446744073709551615]", want: NSID{Type: NetNS, Inode: 18446744073709551615}, wantOK: true},

		// Targets of /proc/PID/fd/* that are not namespaces.
		{name: "socket", link: "socket:[12345]"},
		{name: "pipe", link: "pipe:[67890]"},
		{name: "anon inode", link: "anon_inode:[eventfd]"},
		{name: "regular file", link: "/dev/null"},
		{name: "deleted file", link: "/tmp/x (deleted)"},

		// Malformed.
		{name: "empty", link: ""},
		{name: "no type", link: ":[4026531840]"},
		{name: "empty brackets", link: "net:[]"},
		{name: "zero inode", link: "net:[0]"},
		{name: "negative inode", link: "net:[-1]"},
		{name: "plus sign", link: "net:[+5]"},
		{name: "hex inode", link: "net:[0xf0000000]"},
		{name: "inode overflows uint64", link: "net:[18446744073709551616]"},
		{name: "missing close bracket", link: "net:[4026531840"},
		{name: "missing open bracket", link: "net:4026531840]"},
		{name: "trailing newline", link: "net:[4026531840]\n"},
		{name: "upper-case type", link: "NET:[4026531840]"},
		{name: "space in brackets", link: "net:[ 4026531840]"},
		{name: "alias is not a kernel name", link: "network:[4026531840]"},
		{name: "only colon", link: ":"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, gotOK := ParseNSLink([]byte(tt.link))
			if gotOK != tt.wantOK {
				t.Fatalf("ParseNSLink(%q) ok = %v, want %v", tt.link, gotOK, tt.wantOK)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseNSLink(%q) mismatch (-want +got):\n%s", tt.link, diff)
			}
		})
	}
}

func FuzzParseNSLink(f *testing.F) {
	for _, s := range []string{
		"net:[4026531840]", "user:[4026531837]", "time:[4026531834]",
		"socket:[12345]", "pipe:[1]", "anon_inode:[eventfd]", "/dev/null",
		"net:[]", "net:[0]", ":[1]", "net:[18446744073709551616]",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, link []byte) {
		id, ok := ParseNSLink(link)
		if !ok {
			if id != (NSID{}) {
				t.Fatalf("ParseNSLink(%q) = %v, false; want the zero NSID when not ok", link, id)
			}
			return
		}
		if id.Inode == 0 {
			t.Fatalf("ParseNSLink(%q) ok with inode 0", link)
		}
		if id.Type < 0 || id.Type >= NumNSTypes {
			t.Fatalf("ParseNSLink(%q) ok with out-of-range type %d", link, int(id.Type))
		}
		// The type's name must be the text before the colon, so that
		// String() renders what the kernel would write.
		if !bytes.HasPrefix(link, []byte(id.Type.String()+":[")) {
			t.Fatalf("ParseNSLink(%q) = %v: type does not round-trip via String()", link, id)
		}
		again, ok := ParseNSLink([]byte(id.String()))
		if !ok || again != id {
			t.Fatalf("ParseNSLink(%q) = %v, but re-parsing %q gives %v, %v", link, id, id.String(), again, ok)
		}
	})
}

// Real /proc/PID/stat lines from the test VM.
const (
	// real: cat /proc/self/stat
	statCat = "7830 (cat) R 7828 7828 5976 0 -1 4194304 98 0 0 0 0 0 0 0 20 0 1 0 70380 3133440 359 18446744073709551615 94562359009280 94562359029161 140737189369856 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 94562359045168 94562359046784 94562571673600 140737189374655 140737189374675 140737189374675 140737189375979 0\n"
	// real: cat /proc/2/stat (kthreadd; flags 2129984 = 0x208040 has PF_KTHREAD)
	statKthreadd = "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 24 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 1 0 0 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
	// real: a copy of /bin/sleep named "a) b", started from bash
	statParenSpace = "7858 (a) b) S 7854 7854 5976 0 -1 4194304 130 0 0 0 0 0 0 0 20 0 1 0 70749 2990080 410 18446744073709551615 94525376102400 94525376120329 140736871728720 0 0 0 0 6 0 1 0 0 17 1 0 0 0 0 0 94525376134416 94525376135680 94526151184384 140736871729867 140736871729877 140736871729877 140736871731185 0\n"
	// real: a copy of /bin/sleep named "(sd-pam)", as systemd --user's helper shows up
	statSdPam = "7859 ((sd-pam)) S 7854 7854 5976 0 -1 4194304 132 0 0 0 0 0 0 0 20 0 1 0 70749 2990080 390 18446744073709551615 93877373149184 93877373167113 140736139362432 0 0 0 0 6 0 1 0 0 17 0 0 0 0 0 0 93877373181200 93877373182464 93877938511872 140736139369151 140736139369165 140736139369165 140736139370477 0\n"
	// real: /proc/<pid>/stat of `sleep 300` in Docker container parsetest-1
	statDockerSleep = "10706 (sleep) S 10685 10706 10706 0 -1 4194560 964 0 1 0 2 1 0 0 20 0 1 0 72406 2322432 316 18446744073709551615 4198400 5785993 140724513857312 0 0 0 0 0 0 1 0 0 17 1 0 0 0 0 0 6141704 6178576 346234880 140724513865604 140724513865614 140724513865614 140724513865709 0"
)

func TestParseStat(t *testing.T) {
	tests := []struct {
		name       string
		stat       string
		want       ProcStat
		wantKernel bool
		wantErr    bool
	}{
		{name: "cat", stat: statCat, want: ProcStat{Comm: "cat", State: 'R', PPID: 7828, Flags: 4194304, StartTime: 70380}},
		{name: "kthreadd is a kernel thread", stat: statKthreadd, want: ProcStat{Comm: "kthreadd", State: 'S', PPID: 0, Flags: 2129984, StartTime: 24}, wantKernel: true},
		{name: "comm with paren and space", stat: statParenSpace, want: ProcStat{Comm: "a) b", State: 'S', PPID: 7854, Flags: 4194304, StartTime: 70749}},
		{name: "comm in parentheses", stat: statSdPam, want: ProcStat{Comm: "(sd-pam)", State: 'S', PPID: 7854, Flags: 4194304, StartTime: 70749}},
		{name: "no trailing newline", stat: statDockerSleep, want: ProcStat{Comm: "sleep", State: 'S', PPID: 10685, Flags: 4194560, StartTime: 72406}},
		{name: "empty comm", stat: "5 () S 1 1 1 0 -1 64 0 0 0 0 0 0 0 0 20 0 1 0 99 0", want: ProcStat{Comm: "", State: 'S', PPID: 1, Flags: 64, StartTime: 99}},
		{name: "zombie", stat: "42 (defunct) Z 1 42 42 0 -1 4227596 0 0 0 0 0 0 0 0 20 0 1 0 5000 0 0", want: ProcStat{Comm: "defunct", State: 'Z', PPID: 1, Flags: 4227596, StartTime: 5000}},
		{name: "exactly 22 fields ending in newline", stat: "9 (x) S 1 0 0 0 0 7 0 0 0 0 0 0 0 0 0 0 0 0 123\n", want: ProcStat{Comm: "x", State: 'S', PPID: 1, Flags: 7, StartTime: 123}},

		{name: "empty", stat: "", wantErr: true},
		{name: "no parentheses", stat: "1 init S 0 1 1", wantErr: true},
		{name: "no closing paren", stat: "1 (init S 0 1 1 0 -1 4194560", wantErr: true},
		{name: "close before open", stat: "1 )init( S 0", wantErr: true},
		// A read cut short, as when the process exits mid-read.
		{name: "truncated after comm", stat: "7830 (cat)", wantErr: true},
		{name: "truncated after state", stat: "7830 (cat) R", wantErr: true},
		{name: "truncated before starttime", stat: statCat[:strings.Index(statCat, " 70380")], wantErr: true},
		{name: "truncated to 21 fields and trailing space", stat: "9 (x) S 1 0 0 0 0 7 0 0 0 0 0 0 0 0 0 0 0 0 ", wantErr: true},
		{name: "two-letter state", stat: "9 (x) SS 1 0 0 0 0 7 0 0 0 0 0 0 0 0 0 0 0 0 123", wantErr: true},
		{name: "non-numeric ppid", stat: "9 (x) S one 0 0 0 0 7 0 0 0 0 0 0 0 0 0 0 0 0 123", wantErr: true},
		{name: "negative flags", stat: "9 (x) S 1 0 0 0 0 -7 0 0 0 0 0 0 0 0 0 0 0 0 123", wantErr: true},
		{name: "non-numeric starttime", stat: "9 (x) S 1 0 0 0 0 7 0 0 0 0 0 0 0 0 0 0 0 0 later", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseStat([]byte(tt.stat))
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseStat(%q) = %+v, want an error", tt.stat, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseStat(%q): %v", tt.stat, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseStat mismatch (-want +got):\n%s", diff)
			}
			if got.Kernel() != tt.wantKernel {
				t.Errorf("Kernel() = %v, want %v", got.Kernel(), tt.wantKernel)
			}
		})
	}
}

// renderStat writes a /proc/PID/stat line with st's fields in their proc(5)
// positions and zeros elsewhere.
func renderStat(st ProcStat) string {
	fields := make([]string, 52)
	for i := range fields {
		fields[i] = "0"
	}
	fields[0] = "1"
	fields[1] = "(" + st.Comm + ")"
	fields[2] = string([]byte{st.State}) // a byte, not a rune: the state may be any byte
	fields[3] = fmt.Sprint(st.PPID)
	fields[8] = fmt.Sprint(st.Flags)
	fields[21] = fmt.Sprint(st.StartTime)
	return strings.Join(fields, " ") + "\n"
}

func FuzzParseStat(f *testing.F) {
	for _, s := range []string{statCat, statKthreadd, statParenSpace, statSdPam, statDockerSleep, "", "1 (x", "7830 (cat) R"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := ParseStat(b)
		if err != nil {
			if !errors.Is(err, errFormat) {
				t.Fatalf("ParseStat(%q) error %v is not errFormat", b, err)
			}
			return
		}
		// The comm is what lies between the first '(' and the last ')'.
		if !bytes.Contains(b, []byte("("+st.Comm+")")) {
			t.Fatalf("ParseStat(%q) comm %q is not in the input", b, st.Comm)
		}
		if st.State == ' ' {
			t.Fatalf("ParseStat(%q) state is a space", b)
		}
		line := renderStat(st)
		again, err := ParseStat([]byte(line))
		if err != nil {
			t.Fatalf("ParseStat(%q) = %+v, re-parsing %q: %v", b, st, line, err)
		}
		if diff := cmp.Diff(st, again); diff != "" {
			t.Fatalf("ParseStat(%q) does not round-trip (-first +again):\n%s", b, diff)
		}
	})
}

// Real /proc/PID/cgroup files from the test VM (hybrid: v1 controllers plus
// an empty v2 hierarchy as line 0).
const (
	// real: cat /proc/self/cgroup from the VM's agent session
	cgroupHostHybrid = "9:name=systemd:/\n8:pids:/\n7:blkio:/\n6:freezer:/\n5:devices:/\n4:memory:/process_api/873128bd209bb3e1d9be62cfc2bd40ce\n3:cpuset:/\n2:cpuacct:/\n1:cpu:/\n0::/\n"
	// real: /proc/<pid>/cgroup of `sleep 300` in Docker container parsetest-1
	// (Docker 20.10, cgroupfs driver)
	cgroupDockerHybrid = "9:name=systemd:/docker/fb183c3c5d27806fa3ce92850f4497699feed7602955d372cee1e21592931c36\n" +
		"8:pids:/docker/fb183c3c5d27806fa3ce92850f4497699feed7602955d372cee1e21592931c36\n" +
		"7:blkio:/docker/fb183c3c5d27806fa3ce92850f4497699feed7602955d372cee1e21592931c36\n" +
		"6:freezer:/docker/fb183c3c5d27806fa3ce92850f4497699feed7602955d372cee1e21592931c36\n" +
		"5:devices:/docker/fb183c3c5d27806fa3ce92850f4497699feed7602955d372cee1e21592931c36\n" +
		"4:memory:/docker/fb183c3c5d27806fa3ce92850f4497699feed7602955d372cee1e21592931c36\n" +
		"3:cpuset:/docker/fb183c3c5d27806fa3ce92850f4497699feed7602955d372cee1e21592931c36\n" +
		"2:cpuacct:/docker/fb183c3c5d27806fa3ce92850f4497699feed7602955d372cee1e21592931c36\n" +
		"1:cpu:/docker/fb183c3c5d27806fa3ce92850f4497699feed7602955d372cee1e21592931c36\n" +
		"0::/docker/fb183c3c5d27806fa3ce92850f4497699feed7602955d372cee1e21592931c36\n"
	dockerIDParsetest1 = "fb183c3c5d27806fa3ce92850f4497699feed7602955d372cee1e21592931c36"
)

func TestParseCgroupFile(t *testing.T) {
	dockerPath := "/docker/" + dockerIDParsetest1
	tests := []struct {
		name    string
		in      string
		want    []CgroupLine
		wantErr bool
	}{
		{
			name: "hybrid host",
			in:   cgroupHostHybrid,
			want: []CgroupLine{
				{HierarchyID: 9, Controllers: []string{"name=systemd"}, Path: "/"},
				{HierarchyID: 8, Controllers: []string{"pids"}, Path: "/"},
				{HierarchyID: 7, Controllers: []string{"blkio"}, Path: "/"},
				{HierarchyID: 6, Controllers: []string{"freezer"}, Path: "/"},
				{HierarchyID: 5, Controllers: []string{"devices"}, Path: "/"},
				{HierarchyID: 4, Controllers: []string{"memory"}, Path: "/process_api/873128bd209bb3e1d9be62cfc2bd40ce"},
				{HierarchyID: 3, Controllers: []string{"cpuset"}, Path: "/"},
				{HierarchyID: 2, Controllers: []string{"cpuacct"}, Path: "/"},
				{HierarchyID: 1, Controllers: []string{"cpu"}, Path: "/"},
				{HierarchyID: 0, Path: "/"},
			},
		},
		{
			name: "hybrid docker container",
			in:   cgroupDockerHybrid,
			want: []CgroupLine{
				{HierarchyID: 9, Controllers: []string{"name=systemd"}, Path: dockerPath},
				{HierarchyID: 8, Controllers: []string{"pids"}, Path: dockerPath},
				{HierarchyID: 7, Controllers: []string{"blkio"}, Path: dockerPath},
				{HierarchyID: 6, Controllers: []string{"freezer"}, Path: dockerPath},
				{HierarchyID: 5, Controllers: []string{"devices"}, Path: dockerPath},
				{HierarchyID: 4, Controllers: []string{"memory"}, Path: dockerPath},
				{HierarchyID: 3, Controllers: []string{"cpuset"}, Path: dockerPath},
				{HierarchyID: 2, Controllers: []string{"cpuacct"}, Path: dockerPath},
				{HierarchyID: 1, Controllers: []string{"cpu"}, Path: dockerPath},
				{HierarchyID: 0, Path: dockerPath},
			},
		},
		{
			// The shape of a pure v1 host (e.g. CentOS 7): controllers
			// co-mounted in one hierarchy are comma-separated.
			name: "v1 co-mounted controllers",
			in:   "11:cpu,cpuacct:/user.slice\n4:net_cls,net_prio:/\n1:name=systemd:/user.slice/user-1000.slice/session-3.scope\n",
			want: []CgroupLine{
				{HierarchyID: 11, Controllers: []string{"cpu", "cpuacct"}, Path: "/user.slice"},
				{HierarchyID: 4, Controllers: []string{"net_cls", "net_prio"}, Path: "/"},
				{HierarchyID: 1, Controllers: []string{"name=systemd"}, Path: "/user.slice/user-1000.slice/session-3.scope"},
			},
		},
		{name: "v2 root", in: "0::/\n", want: []CgroupLine{{HierarchyID: 0, Path: "/"}}},
		{
			name: "v2 systemd session",
			in:   "0::/user.slice/user-1000.slice/session-3.scope\n",
			want: []CgroupLine{{HierarchyID: 0, Path: "/user.slice/user-1000.slice/session-3.scope"}},
		},
		{
			// A process in a cgroup namespace sees paths relative to its
			// root, and outside it as "/..".
			name: "v2 outside cgroupns root",
			in:   "0::/../../system.slice/foo.service\n",
			want: []CgroupLine{{HierarchyID: 0, Path: "/../../system.slice/foo.service"}},
		},
		{
			name: "path containing a colon",
			in:   "0::/system.slice/a:b.service\n",
			want: []CgroupLine{{HierarchyID: 0, Path: "/system.slice/a:b.service"}},
		},
		{name: "empty file (kernel thread with no cgroup)", in: "", want: nil},
		{name: "blank lines only", in: "\n\n", want: nil},
		{name: "no trailing newline", in: "0::/", want: []CgroupLine{{HierarchyID: 0, Path: "/"}}},

		{name: "no colons", in: "garbage\n", wantErr: true},
		{name: "one colon", in: "0:/\n", wantErr: true},
		{name: "non-numeric id", in: "x::/\n", wantErr: true},
		{name: "negative id", in: "-1::/\n", wantErr: true},
		{name: "empty id", in: "::/\n", wantErr: true},
		{name: "one bad line among good ones", in: "0::/\nbad\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCgroupFile([]byte(tt.in))
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseCgroupFile(%q) = %+v, want an error", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseCgroupFile(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseCgroupFile mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func renderCgroupFile(lines []CgroupLine) string {
	var b strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&b, "%d:%s:%s\n", l.HierarchyID, strings.Join(l.Controllers, ","), l.Path)
	}
	return b.String()
}

func FuzzParseCgroupFile(f *testing.F) {
	for _, s := range []string{cgroupHostHybrid, cgroupDockerHybrid, "0::/\n", "11:cpu,cpuacct:/x\n", "", "garbage", "0:/", "-1::/"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		lines, err := ParseCgroupFile(b)
		if err != nil {
			if lines != nil {
				t.Fatalf("ParseCgroupFile(%q) returned lines with an error", b)
			}
			return
		}
		for _, l := range lines {
			if l.HierarchyID < 0 {
				t.Fatalf("ParseCgroupFile(%q) gave negative hierarchy id %d", b, l.HierarchyID)
			}
			if l.Controllers != nil && len(l.Controllers) == 0 {
				t.Fatalf("ParseCgroupFile(%q) gave an empty non-nil controller list", b)
			}
			if strings.Contains(l.Path, "\n") {
				t.Fatalf("ParseCgroupFile(%q) gave a path with a newline", b)
			}
		}
		text := renderCgroupFile(lines)
		again, err := ParseCgroupFile([]byte(text))
		if err != nil {
			t.Fatalf("re-parsing %q: %v", text, err)
		}
		if diff := cmp.Diff(lines, again); diff != "" {
			t.Fatalf("ParseCgroupFile(%q) does not round-trip (-first +again):\n%s", b, diff)
		}
	})
}

func TestParseIDMap(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []IDMapRange
		wantErr bool
	}{
		// real: cat /proc/self/uid_map on the host (the initial user namespace)
		{name: "identity", in: "         0          0 4294967295\n", want: []IDMapRange{{Inside: 0, Outside: 0, Count: 4294967295}}},
		// real: unshare --user --map-root-user cat /proc/self/uid_map
		{name: "map root user", in: "         0          0          1\n", want: []IDMapRange{{Inside: 0, Outside: 0, Count: 1}}},
		// real: uid_map of `unshare --user sleep` after writing
		// "0 1000 1\n1 100000 65536" to it, as newuidmap does for rootless podman
		{
			name: "rootless",
			in:   "         0       1000          1\n         1     100000      65536\n",
			want: []IDMapRange{{Inside: 0, Outside: 1000, Count: 1}, {Inside: 1, Outside: 100000, Count: 65536}},
		},
		{name: "single spaces", in: "0 1000 1\n1 100000 65536", want: []IDMapRange{{Inside: 0, Outside: 1000, Count: 1}, {Inside: 1, Outside: 100000, Count: 65536}}},
		// A user namespace whose map has not been written yet.
		{name: "empty", in: "", want: nil},
		{name: "blank lines", in: "\n  \n", want: nil},

		{name: "two fields", in: "0 1000\n", wantErr: true},
		{name: "four fields", in: "0 1000 1 1\n", wantErr: true},
		{name: "non-numeric", in: "0 root 1\n", wantErr: true},
		{name: "negative", in: "-1 0 1\n", wantErr: true},
		{name: "over uint32", in: "0 0 4294967296\n", wantErr: true},
		{name: "good line then bad", in: "0 0 1\nx y z\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseIDMap([]byte(tt.in))
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseIDMap(%q) = %+v, want an error", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseIDMap(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseIDMap mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// renderIDMap writes ranges the way the kernel prints uid_map (%10u %10u %10u).
func renderIDMap(m []IDMapRange) string {
	var b strings.Builder
	for _, r := range m {
		fmt.Fprintf(&b, "%10d %10d %10d\n", r.Inside, r.Outside, r.Count)
	}
	return b.String()
}

func FuzzParseIDMap(f *testing.F) {
	for _, s := range []string{
		"         0          0 4294967295\n",
		"         0       1000          1\n         1     100000      65536\n",
		"", "0 0\n", "0 0 4294967296\n", "-1 0 1",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseIDMap(b)
		if err != nil {
			if m != nil {
				t.Fatalf("ParseIDMap(%q) returned ranges with an error", b)
			}
			return
		}
		text := renderIDMap(m)
		again, err := ParseIDMap([]byte(text))
		if err != nil {
			t.Fatalf("ParseIDMap(%q) = %v, re-parsing %q: %v", b, m, text, err)
		}
		if diff := cmp.Diff(m, again); diff != "" {
			t.Fatalf("ParseIDMap(%q) does not round-trip (-first +again):\n%s", b, diff)
		}
		// Every range's first ID maps to its Outside, unless an earlier
		// range already covers it (MapID takes the first match).
		for i, r := range m {
			if r.Count == 0 || coveredBefore(m[:i], r.Inside) {
				continue
			}
			if got, ok := MapID(m, r.Inside); !ok || got != r.Outside {
				t.Fatalf("MapID(%v, %d) = %d, %v; want %d, true", m, r.Inside, got, ok, r.Outside)
			}
		}
	})
}

func coveredBefore(m []IDMapRange, id uint32) bool {
	_, ok := MapID(m, id)
	return ok
}

func TestParseStatusUID(t *testing.T) {
	// real: the first lines of /proc/self/status of cat, run as root
	const statusRoot = "Name:\tcat\nUmask:\t0022\nState:\tR (running)\nTgid:\t7835\nNgid:\t0\nPid:\t7835\nPPid:\t7828\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t256\nGroups:\t \n"
	tests := []struct {
		name    string
		in      string
		want    int
		wantErr bool
	}{
		{name: "root", in: statusRoot, want: 0},
		// Real uid is the first of the four (real, effective, saved, fs):
		// a setuid program run by uid 1000 has "1000 0 0 0".
		{name: "setuid: real differs from effective", in: "Name:\tpasswd\nUid:\t1000\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\n", want: 1000},
		{name: "nobody", in: "Uid:\t65534\t65534\t65534\t65534\n", want: 65534},
		{name: "max uid32", in: "Uid:\t4294967294\t0\t0\t0\n", want: 4294967294},
		{name: "first Uid line wins", in: "Uid:\t5\t5\t5\t5\nUid:\t6\t6\t6\t6\n", want: 5},

		{name: "empty", in: "", wantErr: true},
		{name: "no Uid line", in: "Name:\tcat\nGid:\t0\t0\t0\t0\n", wantErr: true},
		{name: "empty Uid line", in: "Uid:\t\n", wantErr: true},
		{name: "non-numeric", in: "Uid:\troot\t0\t0\t0\n", wantErr: true},
		{name: "negative", in: "Uid:\t-1\t0\t0\t0\n", wantErr: true},
		{name: "over uint32", in: "Uid:\t4294967296\t0\t0\t0\n", wantErr: true},
		{name: "prefix must start the line", in: "XUid:\t5\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseStatusUID([]byte(tt.in))
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseStatusUID(%q) = %d, want an error", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseStatusUID(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseStatusUID(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzParseStatusUID(f *testing.F) {
	for _, s := range []string{
		"Name:\tcat\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n",
		"Uid:\t1000\t0\t0\t0\n", "", "Uid:\n", "Uid:\t-1\n", "Uid:\t4294967296\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		uid, err := ParseStatusUID(b)
		if err != nil {
			return
		}
		if uid < 0 || uid > 1<<32-1 {
			t.Fatalf("ParseStatusUID(%q) = %d, outside the uid32 range", b, uid)
		}
		// The uid comes from the first line that starts with "Uid:".
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "Uid:"); ok {
				doc := fmt.Sprintf("Uid:\t%d\n", uid)
				if again, err := ParseStatusUID([]byte(doc)); err != nil || again != uid {
					t.Fatalf("ParseStatusUID(%q) = %d, but %q gives %d, %v", b, uid, doc, again, err)
				}
				if len(strings.Fields(rest)) == 0 {
					t.Fatalf("ParseStatusUID(%q) = %d from an empty Uid line", b, uid)
				}
				return
			}
		}
		t.Fatalf("ParseStatusUID(%q) = %d without a Uid: line", b, uid)
	})
}

func TestParseCmdline(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		// real: /proc/<pid>/cmdline of the "a) b" sleep copy run as `./a) b 30`
		{name: "argument with a space in argv0", in: "./a) b\x0030\x00", want: "./a) b 30"},
		// real: /proc/<pid>/cmdline of `sleep 300` in Docker container parsetest-1
		{name: "sleep", in: "sleep\x00300\x00", want: "sleep 300"},
		// Kernel threads and zombies have an empty cmdline.
		{name: "kernel thread", in: "", want: ""},
		{name: "only NULs", in: "\x00\x00", want: ""},
		// A process that rewrote its argv (setproctitle) often has no NUL.
		{name: "no NUL", in: "postgres: checkpointer", want: "postgres: checkpointer"},
		{name: "empty argument kept", in: "a\x00\x00b\x00", want: "a  b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseCmdline([]byte(tt.in)); got != tt.want {
				t.Errorf("ParseCmdline(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
