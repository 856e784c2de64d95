package inspect

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Real /proc/self/mountinfo lines from the test VM.
const (
	// real: `ip netns add nsxparsetest; grep nsfs /proc/self/mountinfo`
	mountinfoNetns = "44 43 0:4 net:[4026532178] /run/netns/nsxparsetest rw shared:3 - nsfs nsfs rw\n"
	// real: `unshare --uts="/tmp/parsetest/sp ace" true`; the kernel
	// escapes the space in the mount point as \040.
	mountinfoUTSSpace = "44 27 0:4 uts:[4026532180] /tmp/parsetest/sp\\040ace rw - nsfs nsfs rw\n"
	// real: the first lines of /proc/self/mountinfo (no nsfs among them)
	mountinfoHead = "22 27 0:21 / /proc rw,relatime - proc proc rw\n" +
		"23 27 0:22 / /sys rw,relatime - sysfs sysfs rw\n" +
		"24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw,size=12334524k,nr_inodes=3083631,mode=755\n" +
		"25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24684096k\n" +
		"26 24 0:24 / /dev/pts rw,relatime - devpts devpts rw,mode=600,ptmxmode=000\n"
)

func TestParseNSFSMounts(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []NSFSMount
		wantErr bool
	}{
		{name: "ip netns add", in: mountinfoHead + mountinfoNetns, want: []NSFSMount{{ID: NSID{Type: NetNS, Inode: 4026532178}, Mountpoint: "/run/netns/nsxparsetest"}}},
		{name: "escaped space in mount point", in: mountinfoUTSSpace, want: []NSFSMount{{ID: NSID{Type: UTSNS, Inode: 4026532180}, Mountpoint: "/tmp/parsetest/sp ace"}}},
		{
			// `ip netns add` on a host where /run/netns is itself a
			// shared bind mount shows the namespace twice (the brief's example line).
			name: "two mounts, optional fields",
			in:   mountinfoNetns + "593 29 0:4 net:[4026532283] /run/netns/blue rw shared:235 - nsfs nsfs rw\n",
			want: []NSFSMount{
				{ID: NSID{Type: NetNS, Inode: 4026532178}, Mountpoint: "/run/netns/nsxparsetest"},
				{ID: NSID{Type: NetNS, Inode: 4026532283}, Mountpoint: "/run/netns/blue"},
			},
		},
		{
			name: "user and mnt namespaces",
			in:   "60 27 0:4 user:[4026532300] /run/userns/pinned rw - nsfs nsfs rw\n61 27 0:4 mnt:[4026532301] /run/mntns/pinned rw master:7 - nsfs nsfs rw\n",
			want: []NSFSMount{
				{ID: NSID{Type: UserNS, Inode: 4026532300}, Mountpoint: "/run/userns/pinned"},
				{ID: NSID{Type: MntNS, Inode: 4026532301}, Mountpoint: "/run/mntns/pinned"},
			},
		},
		{name: "no nsfs mounts", in: mountinfoHead, want: nil},
		{name: "empty", in: "", want: nil},
		{
			// An nsfs mount whose root is not a namespace link (not seen
			// in practice) is skipped rather than failing the scan.
			name: "nsfs root that is not a namespace",
			in:   "70 27 0:4 / /mnt/odd rw - nsfs nsfs rw\n" + mountinfoNetns,
			want: []NSFSMount{{ID: NSID{Type: NetNS, Inode: 4026532178}, Mountpoint: "/run/netns/nsxparsetest"}},
		},
		{
			// A bind mount of /proc/PID/ns/net from a proc mount is not
			// nsfs and not a pinned namespace by this parser's rules.
			name: "proc fstype is ignored",
			in:   "71 27 0:21 net:[4026532178] /mnt/x rw - proc proc rw\n",
			want: nil,
		},

		{name: "too few fields", in: "44 43 0:4 net:[4026532178] /run/netns/x rw\n", wantErr: true},
		{name: "no separator", in: "44 43 0:4 net:[4026532178] /run/netns/x rw shared:3 x nsfs nsfs rw\n", wantErr: true},
		{name: "bad major:minor", in: "44 43 04 net:[4026532178] /run/netns/x rw shared:3 - nsfs nsfs rw\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseNSFSMounts([]byte(tt.in))
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseNSFSMounts(%q) = %+v, want an error", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseNSFSMounts(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseNSFSMounts mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzParseNSFSMounts(f *testing.F) {
	for _, s := range []string{
		mountinfoNetns, mountinfoUTSSpace, mountinfoHead, mountinfoHead + mountinfoNetns,
		"593 29 0:4 net:[4026532283] /run/netns/blue rw shared:235 - nsfs nsfs rw\n",
		"", "44 43 0:4 net:[1] /x rw\n", "1 2 3:4 a b c d - e f g\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		mounts, err := ParseNSFSMounts(b)
		if err != nil {
			return
		}
		for _, m := range mounts {
			if m.ID.Inode == 0 || m.ID.Type < 0 || m.ID.Type >= NumNSTypes {
				t.Fatalf("ParseNSFSMounts(%q) gave an invalid namespace %+v", b, m.ID)
			}
			// The root field carried the link text, so its type must be in
			// the input. (Not the whole String(): "net:[01]" parses as
			// inode 1, which the kernel never writes but is harmless.)
			if !strings.Contains(string(b), m.ID.Type.String()+":[") {
				t.Fatalf("ParseNSFSMounts(%q) gave %v, whose type is not in the input", b, m.ID)
			}
			if !strings.Contains(string(b), "nsfs") {
				t.Fatalf("ParseNSFSMounts(%q) found a mount without nsfs in the input", b)
			}
		}
	})
}
