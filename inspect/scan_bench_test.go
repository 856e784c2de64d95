package inspect_test

// Benchmarks of the scan that `nsx ls` runs, on the live host, and of the
// parsers it runs once per process. bench/ls.sh times the whole binary
// against lsns on a host with thousands of processes; these say where the
// time goes:
//
//	go test ./inspect -run '^$' -bench . -benchmem
//	go test ./inspect -run '^$' -bench 'Scan$' -cpuprofile cpu.out

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"nsx/inspect"
)

// liveHost returns the host at "/", skipping the benchmark without root:
// without it most processes are hidden, and the benchmark would measure a
// scan that reads almost nothing. A benchmark is a measurement, not a
// gate, so it skips even under CI=true.
func liveHost(b *testing.B) inspect.Host {
	b.Helper()
	if os.Geteuid() != 0 {
		b.Skip("needs root to read every process's namespaces")
	}
	h, err := inspect.NewHost("/")
	if err != nil {
		b.Fatalf("NewHost(/): %v", err)
	}
	return h
}

// benchScan runs Scan b.N times and reports, besides ns/op, how many
// processes each scan saw and the cost per process, the number to compare
// across hosts of different sizes.
func benchScan(b *testing.B, h inspect.Host, opts inspect.ScanOptions) {
	b.Helper()
	b.ReportAllocs()
	var scans, procs, tasks int
	for b.Loop() {
		s, err := h.Scan(opts)
		if err != nil {
			b.Fatalf("Scan(%+v): %v", opts, err)
		}
		if len(s.Processes) == 0 {
			b.Fatal("Scan saw no process")
		}
		scans++
		procs += len(s.Processes)
		tasks += s.Stats.Tasks
	}
	b.ReportMetric(float64(procs)/float64(scans), "processes/op")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(procs), "ns/process")
	if opts.Tasks {
		// Stats.Tasks counts only threads whose namespaces differ from
		// their process's: the ones the scan keeps.
		b.ReportMetric(float64(tasks)/float64(scans), "odd-ns-tasks/op")
	}
}

func BenchmarkScan(b *testing.B) {
	h := liveHost(b)
	// workers=1 against the default shows how well the scan parallelises;
	// on a 2-core VM the two are the same if it is bound by the kernel.
	for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run("workers="+strconv.Itoa(workers), func(b *testing.B) {
			benchScan(b, h, inspect.ScanOptions{Workers: workers})
		})
	}
}

func BenchmarkScanTasks(b *testing.B) {
	benchScan(b, liveHost(b), inspect.ScanOptions{Tasks: true})
}

// BenchmarkReadlinkFloor is the least a scan can do, as bench/floor/floor.c:
// list /proc and read the eight ns links of every process, one thread.
// Its ns/process is the floor for BenchmarkScan's.
func BenchmarkReadlinkFloor(b *testing.B) {
	liveHost(b)
	types := []string{"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"}
	buf := make([]byte, 128)
	var scans, procs int
	for b.Loop() {
		d, err := os.Open("/proc")
		if err != nil {
			b.Fatal(err)
		}
		names, err := d.Readdirnames(-1)
		d.Close()
		if err != nil {
			b.Fatal(err)
		}
		for _, name := range names {
			if name[0] < '1' || name[0] > '9' {
				continue
			}
			procs++
			for _, t := range types {
				unix.Readlink("/proc/"+name+"/ns/"+t, buf) // errors: exited meanwhile
			}
		}
		scans++
	}
	b.ReportMetric(float64(procs)/float64(scans), "processes/op")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(procs), "ns/process")
}

// The parser inputs are real, copied from /proc on the Debian 12 test VM,
// except where a comment says how they were made.
var (
	// /proc/PID/stat of cat; the comm of the second has spaces and a ')'
	// (a thread name may hold anything), so ParseStat must take the last one.
	benchStat        = []byte("14558 (cat) R 14556 14556 5968 0 -1 4194304 99 0 0 0 0 0 0 0 20 0 1 0 90038 3133440 389 18446744073709551615 94569112002560 94569112022441 140726267135456 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 94569112038448 94569112040064 94569502154752 140726267136706 140726267136726 140726267136726 140726267138027 0\n")
	benchStatTricky  = []byte("14558 (a) b (c)) R 14556 14556 5968 0 -1 4194304 99 0 0 0 0 0 0 0 20 0 1 0 90038 3133440 389 18446744073709551615 94569112002560 94569112022441 140726267135456 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 94569112038448 94569112040064 94569502154752 140726267136706 140726267136726 140726267136726 140726267138027 0\n")
	benchNSLink      = []byte("net:[4026531840]")
	benchCgroupV1    = []byte("9:name=systemd:/docker/3f4e0a1b2c3d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789ab\n8:pids:/docker/3f4e0a1b2c3d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789ab\n7:blkio:/docker/3f4e0a1b2c3d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789ab\n6:freezer:/docker/3f4e0a1b2c3d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789ab\n5:devices:/docker/3f4e0a1b2c3d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789ab\n4:memory:/docker/3f4e0a1b2c3d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789ab\n3:cpuset:/docker/3f4e0a1b2c3d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789ab\n2:cpuacct:/docker/3f4e0a1b2c3d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789ab\n1:cpu:/docker/3f4e0a1b2c3d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789ab\n0::/\n")
	benchIDMap       = []byte("         0     100000      65536\n")
	benchMountinfoNS = []byte(strings.Join([]string{
		"22 27 0:21 / /proc rw,relatime - proc proc rw",
		"23 27 0:22 / /sys rw,relatime - sysfs sysfs rw",
		"24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw,size=12334524k,nr_inodes=3083631,mode=755",
		"27 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw",
		"40 27 0:35 / /run rw,nosuid,nodev shared:5 - tmpfs tmpfs rw,mode=755",
		// Written by hand in the format `ip netns add x` leaves.
		"512 40 0:4 net:[4026532282] /run/netns/x rw shared:210 - nsfs nsfs rw",
		"",
	}, "\n"))
)

func BenchmarkParseStat(b *testing.B) {
	for _, tc := range []struct {
		name string
		in   []byte
	}{{"plain", benchStat}, {"paren-in-comm", benchStatTricky}} {
		b.Run(tc.name, func(b *testing.B) {
			if st, err := inspect.ParseStat(tc.in); err != nil || st.PPID != 14556 || st.StartTime != 90038 {
				b.Fatalf("ParseStat = %+v, %v; want PPID 14556, StartTime 90038", st, err)
			}
			b.SetBytes(int64(len(tc.in)))
			b.ReportAllocs()
			for b.Loop() {
				inspect.ParseStat(tc.in)
			}
		})
	}
}

func BenchmarkParseNSLink(b *testing.B) {
	if id, ok := inspect.ParseNSLink(benchNSLink); !ok || id.Inode != 4026531840 || id.Type != inspect.NetNS {
		b.Fatalf("ParseNSLink(%q) = %v, %v", benchNSLink, id, ok)
	}
	b.ReportAllocs()
	for b.Loop() {
		inspect.ParseNSLink(benchNSLink)
	}
}

func BenchmarkParseCgroupFile(b *testing.B) {
	if lines, err := inspect.ParseCgroupFile(benchCgroupV1); err != nil || len(lines) != 10 {
		b.Fatalf("ParseCgroupFile: %d lines, %v; want 10", len(lines), err)
	}
	b.SetBytes(int64(len(benchCgroupV1)))
	b.ReportAllocs()
	for b.Loop() {
		inspect.ParseCgroupFile(benchCgroupV1)
	}
}

func BenchmarkParseIDMap(b *testing.B) {
	if m, err := inspect.ParseIDMap(benchIDMap); err != nil || len(m) != 1 || m[0].Outside != 100000 {
		b.Fatalf("ParseIDMap = %v, %v", m, err)
	}
	b.ReportAllocs()
	for b.Loop() {
		inspect.ParseIDMap(benchIDMap)
	}
}

// The scan parses one mount table per mount namespace: with a few hundred
// containers, a few hundred of these.
func BenchmarkParseNSFSMounts(b *testing.B) {
	if m, err := inspect.ParseNSFSMounts(benchMountinfoNS); err != nil || len(m) != 1 || m[0].Mountpoint != "/run/netns/x" {
		b.Fatalf("ParseNSFSMounts = %v, %v; want one mount at /run/netns/x", m, err)
	}
	b.SetBytes(int64(len(benchMountinfoNS)))
	b.ReportAllocs()
	for b.Loop() {
		inspect.ParseNSFSMounts(benchMountinfoNS)
	}
}
