package inspect

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Inputs marked "real" were copied from /proc and /sys/fs/cgroup on the
// Debian 12 test VM (kernel 6.18, cgroup v1 + empty v2) on 2026-11-29, or
// from the kernel's cgroup-v2.rst / cgroup-v1 memory.rst examples; the rest
// are edge cases written by hand to hit one branch each.

func u64p(v uint64) *uint64 { return &v }

func TestParseLimitValue(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    *uint64
		wantErr bool
	}{
		{name: "v2 max", in: "max\n", want: nil},
		{name: "v1 cfs quota -1", in: "-1\n", want: nil},
		{name: "v1 unlimited (page-rounded 2^63, real)", in: "9223372036854771712\n", want: nil},
		{name: "2^63-1", in: "9223372036854775807", want: nil},
		{name: "2^62 is already unlimited", in: "4611686018427387904", want: nil},
		{name: "just below 2^62 is a limit", in: "4611686018427387903", want: u64p(4611686018427387903)},
		{name: "zero is a limit", in: "0\n", want: u64p(0)},
		{name: "100 MiB with newline", in: "104857600\n", want: u64p(104857600)},
		{name: "surrounding blanks", in: "  268435456 \n", want: u64p(268435456)},
		{name: "garbage", in: "lots", wantErr: true},
		{name: "empty", in: "", wantErr: true},
		{name: "negative other than -1", in: "-2", wantErr: true},
		{name: "Max is case-sensitive", in: "Max", wantErr: true},
		{name: "two values", in: "1 2", wantErr: true},
		{name: "above uint64", in: "18446744073709551616", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseLimitValue([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseLimitValue(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseLimitValue(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseUintInt(t *testing.T) {
	uints := []struct {
		name    string
		in      string
		want    uint64
		wantErr bool
	}{
		{name: "memory.current", in: "123531264\n", want: 123531264},
		{name: "zero", in: "0\n", want: 0},
		{name: "uint64 max", in: "18446744073709551615", want: 18446744073709551615},
		{name: "negative", in: "-1\n", wantErr: true},
		{name: "max is no number", in: "max\n", wantErr: true},
		{name: "empty", in: "", wantErr: true},
		{name: "two lines", in: "1\n2\n", wantErr: true},
	}
	for _, tt := range uints {
		t.Run("uint/"+tt.name, func(t *testing.T) {
			got, err := ParseUint([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseUint(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseUint(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
	ints := []struct {
		name    string
		in      string
		want    int64
		wantErr bool
	}{
		{name: "cfs_quota_us unlimited", in: "-1\n", want: -1},
		{name: "cfs_quota_us 50ms", in: "50000\n", want: 50000},
		{name: "int64 min", in: "-9223372036854775808", want: -9223372036854775808},
		{name: "overflow", in: "9223372036854775808", wantErr: true},
		{name: "garbage", in: "max", wantErr: true},
	}
	for _, tt := range ints {
		t.Run("int/"+tt.name, func(t *testing.T) {
			got, err := ParseInt([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseInt(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseInt(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseFlatKeyed(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]uint64
	}{
		{
			name: "memory.stat v1 (real, head)",
			in: "cache 9625600\nrss 6701056\nrss_huge 0\nshmem 8998912\nmapped_file 7499776\n" +
				"hierarchical_memory_limit 9223372036854771712\ntotal_cache 765030400\ntotal_rss 63434752\n",
			want: map[string]uint64{"cache": 9625600, "rss": 6701056, "rss_huge": 0, "shmem": 8998912, "mapped_file": 7499776,
				"hierarchical_memory_limit": 9223372036854771712, "total_cache": 765030400, "total_rss": 63434752},
		},
		{
			name: "memory.stat v2 (real layout)",
			in:   "anon 10436608\nfile 77824\nkernel 1089536\nkernel_stack 49152\npagetables 151552\nsec_pagetables 0\npercpu 4320\nsock 0\nvmalloc 0\nshmem 0\nslab 842248\n",
			want: map[string]uint64{"anon": 10436608, "file": 77824, "kernel": 1089536, "kernel_stack": 49152, "pagetables": 151552,
				"sec_pagetables": 0, "percpu": 4320, "sock": 0, "vmalloc": 0, "shmem": 0, "slab": 842248},
		},
		{
			name: "memory.events",
			in:   "low 0\nhigh 0\nmax 31\noom 2\noom_kill 2\noom_group_kill 0\n",
			want: map[string]uint64{"low": 0, "high": 0, "max": 31, "oom": 2, "oom_kill": 2, "oom_group_kill": 0},
		},
		{
			name: "cpu.stat v1 (real)",
			in:   "nr_periods 0\nnr_throttled 0\nthrottled_time 0\nnr_bursts 0\nburst_time 0\n",
			want: map[string]uint64{"nr_periods": 0, "nr_throttled": 0, "throttled_time": 0, "nr_bursts": 0, "burst_time": 0},
		},
		{
			name: "cpu.stat v2 with throttling",
			in:   "usage_usec 3253371142\nuser_usec 1964786761\nsystem_usec 1288584381\nnice_usec 0\nnr_periods 1200\nnr_throttled 85\nthrottled_usec 4120331\nnr_bursts 0\nburst_usec 0\n",
			want: map[string]uint64{"usage_usec": 3253371142, "user_usec": 1964786761, "system_usec": 1288584381, "nice_usec": 0,
				"nr_periods": 1200, "nr_throttled": 85, "throttled_usec": 4120331, "nr_bursts": 0, "burst_usec": 0},
		},
		{name: "pids.events", in: "max 12\n", want: map[string]uint64{"max": 12}},
		{
			name: "memory.oom_control (real)",
			in:   "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n",
			want: map[string]uint64{"oom_kill_disable": 0, "under_oom": 0, "oom_kill": 0},
		},
		{
			name: "non-numeric values and odd lines skipped",
			in:   "anon 5\nfuture_key abc\nnegative -3\nthree fields here\n\nlonely\nfile 7",
			want: map[string]uint64{"anon": 5, "file": 7},
		},
		{name: "empty", in: "", want: map[string]uint64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ParseFlatKeyed([]byte(tt.in))); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseCPUMax(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    CPUMax
		wantErr bool
	}{
		{name: "no quota", in: "max 100000\n", want: CPUMax{PeriodUs: 100000}},
		{name: "1.5 cores", in: "150000 100000\n", want: CPUMax{QuotaUs: u64p(150000), PeriodUs: 100000}},
		{name: "half core, short period", in: "5000 10000", want: CPUMax{QuotaUs: u64p(5000), PeriodUs: 10000}},
		{name: "period 0", in: "max 0", wantErr: true},
		{name: "only quota", in: "max\n", wantErr: true},
		{name: "negative quota", in: "-1 100000", wantErr: true},
		{name: "garbage period", in: "150000 x", wantErr: true},
		{name: "three fields", in: "1 2 3", wantErr: true},
		{name: "empty", in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCPUMax([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseCPUMax(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseCPUMax(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParsePressure(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Pressure
		wantErr bool
	}{
		{
			name: "cpu with full (real, kernel 6.18)",
			in:   "some avg10=25.09 avg60=22.40 avg300=14.08 total=734633714\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
			want: Pressure{
				Some: &PressureLine{Avg10: 25.09, Avg60: 22.40, Avg300: 14.08, Total: 734633714},
				Full: &PressureLine{},
			},
		},
		{
			name: "cpu without full (kernels before 5.13)",
			in:   "some avg10=1.50 avg60=0.75 avg300=0.10 total=123456\n",
			want: Pressure{Some: &PressureLine{Avg10: 1.50, Avg60: 0.75, Avg300: 0.10, Total: 123456}},
		},
		{
			name: "memory",
			in:   "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
			want: Pressure{Some: &PressureLine{}, Full: &PressureLine{}},
		},
		{name: "garbage", in: "hello world\n", wantErr: true},
		{name: "only full", in: "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", wantErr: true},
		{name: "bad number", in: "some avg10=x avg60=0.00 avg300=0.00 total=0\n", wantErr: true},
		{name: "negative total", in: "some avg10=0.00 avg60=0.00 avg300=0.00 total=-1\n", wantErr: true},
		{name: "empty", in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePressure([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParsePressure(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParsePressure(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// realHybridMountinfo is `grep cgroup /proc/self/mountinfo` on the test VM.
const realHybridMountinfo = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`

func TestParseCgroupMounts(t *testing.T) {
	v1 := func(mp string, ctrls ...string) CgroupMount {
		return CgroupMount{Version: 1, Controllers: ctrls, Mountpoint: mp, Root: "/"}
	}
	tests := []struct {
		name    string
		in      string
		want    []CgroupMount
		wantErr bool
	}{
		{
			name: "real hybrid (tmpfs skipped)",
			in:   realHybridMountinfo,
			want: []CgroupMount{
				v1("/sys/fs/cgroup/cpu", "cpu"), v1("/sys/fs/cgroup/cpuacct", "cpuacct"), v1("/sys/fs/cgroup/cpuset", "cpuset"),
				v1("/sys/fs/cgroup/memory", "memory"), v1("/sys/fs/cgroup/devices", "devices"), v1("/sys/fs/cgroup/freezer", "freezer"),
				v1("/sys/fs/cgroup/blkio", "blkio"), v1("/sys/fs/cgroup/pids", "pids"), v1("/sys/fs/cgroup/systemd", "name=systemd"),
				{Version: 2, Mountpoint: "/sys/fs/cgroup/unified", Root: "/"},
			},
		},
		{
			name: "pure v2",
			in:   "29 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n",
			want: []CgroupMount{{Version: 2, Mountpoint: "/sys/fs/cgroup", Root: "/"}},
		},
		{
			name: "v1 co-mount with systemd's options",
			in:   "33 25 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,cpu,cpuacct\n",
			want: []CgroupMount{v1("/sys/fs/cgroup/cpu,cpuacct", "cpu", "cpuacct")},
		},
		{
			name: "named hierarchy with xattr and release_agent",
			in:   "27 25 0:24 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:6 - cgroup cgroup rw,xattr,release_agent=/lib/systemd/systemd-cgroups-agent,name=systemd\n",
			want: []CgroupMount{v1("/sys/fs/cgroup/systemd", "name=systemd")},
		},
		{
			name: "unusual mount point",
			in:   "40 20 0:40 / /cgroups/memory rw,relatime - cgroup memory rw,memory\n",
			want: []CgroupMount{v1("/cgroups/memory", "memory")},
		},
		{
			name: "cgroup namespace: mount root not /",
			in:   "1209 1208 0:97 /kubepods.slice/pod.slice/cri-containerd-ab.scope /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup ro,nsdelegate\n",
			want: []CgroupMount{{Version: 2, Mountpoint: "/sys/fs/cgroup", Root: "/kubepods.slice/pod.slice/cri-containerd-ab.scope"}},
		},
		{
			name: "octal-escaped mount point",
			in:   `50 20 0:41 / /mnt/my\040cgroups\011tab\134x rw,relatime - cgroup2 cgroup2 rw` + "\n",
			want: []CgroupMount{{Version: 2, Mountpoint: "/mnt/my cgroups\ttab\\x", Root: "/"}},
		},
		{
			name: "optional fields absent and many present",
			in:   "60 20 0:42 / /a rw - cgroup cgroup rw,pids\n61 20 0:43 / /b rw shared:1 master:2 propagate_from:3 unbindable - cgroup cgroup rw,blkio\n",
			want: []CgroupMount{v1("/a", "pids"), v1("/b", "blkio")},
		},
		{name: "no cgroups", in: "28 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw\n", want: nil},
		{name: "empty", in: "", want: nil},
		{name: "no separator", in: "28 1 259:2 / / rw,relatime shared:1 ext4 /dev/nvme0n1p2 rw\n", wantErr: true},
		{name: "too few fields", in: "28 1 / - cgroup2 cgroup2 rw\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCgroupMounts([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, wantErr %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// Fuzz targets: the parsers read kernel text, which nsx must survive in
// any shape. Each checks a property, not just the absence of a panic.

const limitFloor = uint64(1) << 62

func FuzzParseLimitValue(f *testing.F) {
	for _, s := range []string{"max", "-1", "9223372036854771712", "9223372036854775807", "0", "104857600\n", "garbage", " max\n", "-0", "+5"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ParseLimitValue(b)
		if err != nil {
			if v != nil {
				t.Fatalf("ParseLimitValue(%q) returned a value with error %v", b, err)
			}
			return
		}
		if v != nil && *v >= limitFloor {
			t.Fatalf("ParseLimitValue(%q) = %d, a limit at or above 2^62 must be unlimited (nil)", b, *v)
		}
	})
}

func FuzzParseFlatKeyed(f *testing.F) {
	for _, s := range []string{"anon 1\nfile 2\n", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n", "x y\n", "a  1\n\n\tb 2"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m := ParseFlatKeyed(b)
		// Every key comes from a line, and keys hold no blanks.
		for k := range m {
			if k == "" || strings.ContainsAny(k, " \t\n") {
				t.Fatalf("ParseFlatKeyed(%q) has key %q", b, k)
			}
			if !strings.Contains(string(b), k) {
				t.Fatalf("ParseFlatKeyed(%q) invented key %q", b, k)
			}
		}
	})
}

func FuzzParseCPUMax(f *testing.F) {
	for _, s := range []string{"max 100000", "150000 100000\n", "max 0", "1 2 3", "", "-1 100000"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		cm, err := ParseCPUMax(b)
		if err != nil {
			return
		}
		if cm.PeriodUs == 0 {
			t.Fatalf("ParseCPUMax(%q) succeeded with period 0 (cores would divide by zero)", b)
		}
	})
}

func FuzzParsePressure(f *testing.F) {
	for _, s := range []string{
		"some avg10=25.09 avg60=22.40 avg300=14.08 total=734633714\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
		"some avg10=1.50 avg60=0.75 avg300=0.10 total=123456\n",
		"full avg10=0.00\n", "some\n", "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePressure(b)
		if err != nil {
			return
		}
		if p.Some == nil {
			t.Fatalf("ParsePressure(%q) succeeded without a some line", b)
		}
	})
}

func FuzzParseCgroupMounts(f *testing.F) {
	f.Add([]byte(realHybridMountinfo))
	for _, s := range []string{
		"29 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n",
		`50 20 0:41 / /mnt/my\040cgroups rw - cgroup cgroup rw,cpu,cpuacct` + "\n",
		"1 2 3 / - cgroup\n", " - cgroup2\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		mounts, err := ParseCgroupMounts(b)
		if err != nil {
			return
		}
		for _, m := range mounts {
			if m.Version != 1 && m.Version != 2 {
				t.Fatalf("ParseCgroupMounts(%q): mount %+v has version %d", b, m, m.Version)
			}
			if m.Mountpoint == "" {
				t.Fatalf("ParseCgroupMounts(%q): mount %+v has no mount point", b, m)
			}
			if m.Version == 2 && len(m.Controllers) > 0 {
				t.Fatalf("ParseCgroupMounts(%q): v2 mount %+v lists controllers", b, m)
			}
		}
	})
}

func TestParseIOUsage(t *testing.T) {
	tests := []struct {
		name              string
		parse             func([]byte) (*uint64, *uint64)
		in                string
		wantRead, wantWrt *uint64
	}{
		// The format of cgroup-v2.rst's io.stat example.
		{"io.stat two devices", ParseIOStat,
			"8:16 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0\n8:0 rbytes=90430464 wbytes=299008000 rios=8950 wios=1252 dbytes=50331648 dios=3021\n",
			u64p(1459200 + 90430464), u64p(314773504 + 299008000)},
		{"io.stat empty (no I/O yet)", ParseIOStat, "", nil, nil},
		{"io.stat garbage values skipped", ParseIOStat, "8:0 rbytes=x wbytes=7 junk\n", nil, u64p(7)},
		// Real on this VM's blkio root: no traffic, only the Total line.
		{"blkio total only", ParseBlkioServiceBytes, "Total 0\n", nil, nil},
		{"blkio two devices", ParseBlkioServiceBytes,
			"8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\n8:0 Async 12288\n8:0 Discard 0\n8:0 Total 12288\n8:16 Read 1\n8:16 Write 2\nTotal 12291\n",
			u64p(4097), u64p(8194)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, w := tt.parse([]byte(tt.in))
			if diff := cmp.Diff(tt.wantRead, r); diff != "" {
				t.Errorf("read (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantWrt, w); diff != "" {
				t.Errorf("write (-want +got):\n%s", diff)
			}
		})
	}
}
