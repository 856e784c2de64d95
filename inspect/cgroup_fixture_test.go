package inspect_test

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"nsx/inspect"
	"nsx/internal/testutil"
)

// The cgroup fixture hosts (testdata/hosts/v2-k8s-limits, v1-cgroupfs), as
// their files define them; expected figures are worked out by hand from
// those files.
const (
	k8sPod1      = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod3d9f2a71_8c4e_4b5a_a6d1_0e2f4c6b8a90.slice"
	k8sWebID     = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
	k8sWebCgroup = k8sPod1 + "/cri-containerd-" + k8sWebID + ".scope"
	k8sWebPID    = 2160
	k8sPod2      = "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod5b7e1c3a_2d4f_4a6b_8c9d_1e3f5a7b9c0d.slice"
	k8sBatchID   = "b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c"
	k8sBatchCg   = k8sPod2 + "/cri-containerd-" + k8sBatchID + ".scope"
	k8sBatchPID  = 2360

	v1Pod    = "/kubepods/burstable/pod8a4d2c1e-5b3f-4e6a-9d7c-0f1e2d3c4b5a"
	v1AppID  = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	v1AppCg  = v1Pod + "/" + v1AppID
	v1AppPID = 3100
)

func u64(v uint64) *uint64                    { return &v }
func f64(v float64) *float64                  { return &v }
func boolp(v bool) *bool                      { return &v }
func limit(v uint64, by string) inspect.Limit { return inspect.Limit{Value: &v, SetBy: by} }

var approx = cmpopts.EquateApprox(0, 1e-9)

func cgroupHost(t *testing.T, scenario string) (inspect.Host, string) {
	t.Helper()
	root := testutil.FixtureHost(t, scenario)
	h, err := inspect.NewHost(root)
	if err != nil {
		t.Fatalf("NewHost: %v", err)
	}
	return h, root
}

func readCgroups(t *testing.T, h inspect.Host, pid int) *inspect.CgroupInfo {
	t.Helper()
	l, err := h.CgroupLayout()
	if err != nil {
		t.Fatalf("CgroupLayout: %v", err)
	}
	info, err := h.Cgroups(pid, l)
	if err != nil {
		t.Fatalf("Cgroups(%d): %v", pid, err)
	}
	return info
}

func TestCgroupLayoutFixtures(t *testing.T) {
	v1 := func(mp string, ctrls ...string) inspect.CgroupMount {
		return inspect.CgroupMount{Version: 1, Controllers: ctrls, Mountpoint: mp, Root: "/"}
	}
	tests := []struct {
		scenario string
		kind     string
		mounts   []inspect.CgroupMount
	}{
		{"v2-k8s-limits", inspect.LayoutV2, []inspect.CgroupMount{{Version: 2, Mountpoint: "/sys/fs/cgroup", Root: "/"}}},
		{"v1-cgroupfs", inspect.LayoutV1, []inspect.CgroupMount{
			v1("/cgroup/memory", "memory"), v1("/cgroup/cpu,cpuacct", "cpu", "cpuacct"), v1("/cgroup/pids", "pids"),
			v1("/cgroup/cpuset", "cpuset"), v1("/cgroup/systemd", "name=systemd"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			h, _ := cgroupHost(t, tt.scenario)
			l, err := h.CgroupLayout()
			if err != nil {
				t.Fatalf("CgroupLayout: %v", err)
			}
			if l.Kind != tt.kind {
				t.Errorf("Kind = %q, want %q", l.Kind, tt.kind)
			}
			if diff := cmp.Diff(tt.mounts, l.Mounts); diff != "" {
				t.Errorf("Mounts mismatch (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("falls back to proc/self/mountinfo", func(t *testing.T) {
		h, root := cgroupHost(t, "v2-k8s-limits")
		mi, err := os.ReadFile(filepath.Join(root, "proc/1/mountinfo"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(filepath.Join(root, "proc/1/mountinfo")); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(root, "proc/self"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "proc/self/mountinfo"), mi, 0o644); err != nil {
			t.Fatal(err)
		}
		l, err := h.CgroupLayout()
		if err != nil {
			t.Fatalf("CgroupLayout: %v", err)
		}
		if l.Kind != inspect.LayoutV2 || !strings.HasSuffix(l.From, "proc/self/mountinfo") {
			t.Errorf("Kind %q From %q, want v2 from proc/self/mountinfo", l.Kind, l.From)
		}
	})

	t.Run("no cgroup mounted", func(t *testing.T) {
		h, root := cgroupHost(t, "v2-k8s-limits")
		if err := os.WriteFile(filepath.Join(root, "proc/1/mountinfo"),
			[]byte("28 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := h.CgroupLayout(); err == nil || !strings.Contains(err.Error(), "no cgroup hierarchy") {
			t.Errorf("CgroupLayout error = %v, want one saying no cgroup hierarchy is mounted", err)
		}
	})
}

func TestCgroupsV2K8sLimits(t *testing.T) {
	h, _ := cgroupHost(t, "v2-k8s-limits")

	t.Run("pod slice binds the container", func(t *testing.T) {
		info := readCgroups(t, h, k8sWebPID)
		if info.Layout != inspect.LayoutV2 {
			t.Errorf("Layout = %q, want v2", info.Layout)
		}
		if diff := cmp.Diff(map[string]string{"unified": k8sWebCgroup}, info.Paths); diff != "" {
			t.Errorf("Paths mismatch (-want +got):\n%s", diff)
		}
		wantMem := &inspect.MemoryInfo{
			Cgroup: k8sWebCgroup, Version: 2,
			// memory.max: container max, pod 268435456, burstable max, kubepods 7851081728.
			Limit:     limit(268435456, k8sPod1),
			High:      &inspect.Limit{},
			SwapLimit: &inspect.Limit{},
			Own:       inspect.MemoryOwn{Max: nil, High: nil, Low: u64(0), Min: u64(0), SwapMax: nil},
			Current:   u64(123531264),
			Peak:      u64(201326592),
			Percent:   f64(100 * 123531264.0 / 268435456.0),
			Stat:      map[string]uint64{"anon": 83886080, "file": 36700160, "kernel": 2945024, "shmem": 1048576, "slab": 2097152, "sock": 4096},
			Events:    map[string]uint64{"low": 0, "high": 0, "max": 31, "oom": 2, "oomKill": 2, "oomGroupKill": 0},
			OOMGroup:  boolp(true),
		}
		if diff := cmp.Diff(wantMem, info.Memory, approx); diff != "" {
			t.Errorf("Memory mismatch (-want +got):\n%s", diff)
		}
		wantCPU := &inspect.CPUInfo{
			Cgroup: k8sWebCgroup, Version: 2,
			Quota:    inspect.CoresLimit{Value: f64(0.5), SetBy: k8sPod1}, // 50000/100000 on the pod slice
			PeriodUs: u64(100000), Weight: u64(39), CPUs: "0-3", Mems: "0",
			UsageUsec: u64(73456789), NrPeriods: u64(8400), NrThrottled: u64(1215), ThrottledUsec: u64(64300123),
		}
		if diff := cmp.Diff(wantCPU, info.CPU, approx); diff != "" {
			t.Errorf("CPU mismatch (-want +got):\n%s", diff)
		}
		wantPIDs := &inspect.PIDsInfo{Cgroup: k8sWebCgroup, Version: 2, Limit: limit(1024, "/kubepods.slice"), Current: u64(5), EventsMax: u64(3)}
		if diff := cmp.Diff(wantPIDs, info.PIDs); diff != "" {
			t.Errorf("PIDs mismatch (-want +got):\n%s", diff)
		}
		wantIO := &inspect.IOInfo{Cgroup: k8sWebCgroup, Version: 2, Weight: u64(100)}
		if diff := cmp.Diff(wantIO, info.IO); diff != "" {
			t.Errorf("IO mismatch (-want +got):\n%s", diff)
		}
		wantPSI := map[string]inspect.Pressure{
			"cpu": {Some: &inspect.PressureLine{Avg10: 12.50, Avg60: 8.25, Avg300: 3.10, Total: 41234567},
				Full: &inspect.PressureLine{Avg10: 9.75, Avg60: 6.00, Avg300: 2.20, Total: 30111222}},
			"memory": {Some: &inspect.PressureLine{Avg10: 0.40, Avg60: 0.10, Avg300: 0.02, Total: 523411},
				Full: &inspect.PressureLine{Avg10: 0.30, Avg60: 0.08, Avg300: 0.01, Total: 401233}},
			"io": {Some: &inspect.PressureLine{Total: 1200}, Full: &inspect.PressureLine{Total: 900}},
		}
		if diff := cmp.Diff(wantPSI, info.Pressure, approx); diff != "" {
			t.Errorf("Pressure mismatch (-want +got):\n%s", diff)
		}
		if len(info.Warnings) != 0 {
			t.Errorf("Warnings = %q, want none", info.Warnings)
		}
	})

	t.Run("memory not enabled in the subtree is accounted at the pod slice", func(t *testing.T) {
		info := readCgroups(t, h, k8sBatchPID)
		if info.Paths["unified"] != k8sBatchCg {
			t.Errorf("unified path = %q, want %q", info.Paths["unified"], k8sBatchCg)
		}
		m := info.Memory
		if m == nil {
			t.Fatal("Memory = nil, want the pod slice's accounting")
		}
		// The pod slice's subtree_control lacks memory: the scope has no
		// memory.current, so its memory is charged to the pod slice.
		if m.Cgroup != k8sPod2 {
			t.Errorf("Memory.Cgroup = %q, want the pod slice %q", m.Cgroup, k8sPod2)
		}
		if diff := cmp.Diff(limit(7851081728, "/kubepods.slice"), m.Limit); diff != "" {
			t.Errorf("Memory.Limit mismatch (-want +got):\n%s", diff)
		}
		if m.Current == nil || *m.Current != 60817408 {
			t.Errorf("Memory.Current = %v, want 60817408 (the pod slice's)", m.Current)
		}
		if m.Percent == nil || !cmp.Equal(*m.Percent, 100*60817408.0/7851081728.0, approx) {
			t.Errorf("Memory.Percent = %v, want %v", m.Percent, 100*60817408.0/7851081728.0)
		}
		if m.Stat["anon"] != 50331648 {
			t.Errorf("Memory.Stat[anon] = %d, want 50331648 (the pod slice's memory.stat)", m.Stat["anon"])
		}
		// cpu and pids are enabled below the pod: they stay at the scope.
		if info.CPU == nil || info.CPU.Cgroup != k8sBatchCg || info.CPU.Quota.Value != nil || info.CPU.Quota.SetBy != "" {
			t.Errorf("CPU = %+v, want the scope, no quota", info.CPU)
		}
		if info.PIDs == nil || info.PIDs.Cgroup != k8sBatchCg || !cmp.Equal(limit(1024, "/kubepods.slice"), info.PIDs.Limit) {
			t.Errorf("PIDs = %+v, want the scope, limit 1024 set by /kubepods.slice", info.PIDs)
		}
	})

	t.Run("kernel thread in the root cgroup", func(t *testing.T) {
		info := readCgroups(t, h, 2)
		if info.Memory == nil || info.Memory.Cgroup != "/" || info.Memory.Limit.Value != nil || info.Memory.Limit.SetBy != "" || info.Memory.Percent != nil {
			t.Errorf("Memory = %+v, want the root cgroup, unlimited, no percent", info.Memory)
		}
		if info.CPU == nil || info.CPU.Quota.Value != nil || info.CPU.CPUs != "0-3" {
			t.Errorf("CPU = %+v, want no quota and the root's cpuset", info.CPU)
		}
		if info.PIDs == nil || info.PIDs.Limit.Value != nil {
			t.Errorf("PIDs = %+v, want unlimited", info.PIDs)
		}
	})

	t.Run("no such process", func(t *testing.T) {
		l, err := h.CgroupLayout()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.Cgroups(99999, l); !errors.Is(err, inspect.ErrNoProcess) {
			t.Errorf("Cgroups(99999) error = %v, want ErrNoProcess", err)
		}
	})
}

func TestCgroupsV1Cgroupfs(t *testing.T) {
	h, _ := cgroupHost(t, "v1-cgroupfs")

	t.Run("pod binds the container", func(t *testing.T) {
		info := readCgroups(t, h, v1AppPID)
		if info.Layout != inspect.LayoutV1 {
			t.Errorf("Layout = %q, want v1", info.Layout)
		}
		wantPaths := map[string]string{"memory": v1AppCg, "cpu,cpuacct": v1AppCg, "pids": v1AppCg, "cpuset": v1AppCg, "name=systemd": v1AppCg}
		if diff := cmp.Diff(wantPaths, info.Paths); diff != "" {
			t.Errorf("Paths mismatch (-want +got):\n%s", diff)
		}
		wantMem := &inspect.MemoryInfo{
			Cgroup: v1AppCg, Version: 1,
			// limit_in_bytes: container 2^63 pages (unlimited), pod 512 MiB, kubepods 7851081728.
			Limit:     limit(536870912, v1Pod),
			SwapLimit: &inspect.Limit{}, // memsw unlimited everywhere
			Own:       inspect.MemoryOwn{Max: nil, SwapMax: nil, SoftLimit: nil},
			Current:   u64(104857600),
			Peak:      u64(157286400),
			Percent:   f64(100 * 104857600.0 / 536870912.0),
			// total_* of the container's memory.stat.
			Stat:           map[string]uint64{"anon": 73400320, "file": 29360128, "shmem": 524288, "mappedFile": 4194304},
			Events:         map[string]uint64{"oomKill": 1},
			Failcnt:        u64(7),
			UnderOOM:       boolp(false),
			OOMKillDisable: boolp(false),
		}
		if diff := cmp.Diff(wantMem, info.Memory, approx); diff != "" {
			t.Errorf("Memory mismatch (-want +got):\n%s", diff)
		}
		wantCPU := &inspect.CPUInfo{
			Cgroup: v1AppCg, Version: 1,
			Quota:    inspect.CoresLimit{Value: f64(1), SetBy: v1Pod}, // 100000/100000 on the pod
			PeriodUs: u64(100000), Shares: u64(512), CPUs: "2-3", Mems: "0",
			UsageUsec: u64(98765432), // cpuacct.usage 98765432100 ns
			NrPeriods: u64(0), NrThrottled: u64(0), ThrottledUsec: u64(0),
		}
		if diff := cmp.Diff(wantCPU, info.CPU, approx); diff != "" {
			t.Errorf("CPU mismatch (-want +got):\n%s", diff)
		}
		wantPIDs := &inspect.PIDsInfo{Cgroup: v1AppCg, Version: 1, Limit: limit(1024, v1Pod), Current: u64(27), EventsMax: u64(0)}
		if diff := cmp.Diff(wantPIDs, info.PIDs); diff != "" {
			t.Errorf("PIDs mismatch (-want +got):\n%s", diff)
		}
		if info.IO != nil || info.Pressure != nil {
			t.Errorf("IO %+v Pressure %+v, want none (no blkio, no v2 mount)", info.IO, info.Pressure)
		}
		if len(info.Warnings) != 0 {
			t.Errorf("Warnings = %q, want none", info.Warnings)
		}
	})

	t.Run("throttling of the pod is read from the pod, ns to us", func(t *testing.T) {
		// The pod's cpu.stat has throttled_time 15000000000 ns; seen from
		// the pod's own cgroup that is 15000000 us. Read through PID 3100's
		// ancestor by pointing a copy of the process at the pod.
		_, root := cgroupHost(t, "v1-cgroupfs")
		cg := strings.ReplaceAll(string(mustRead(t, filepath.Join(root, "proc/3100/cgroup"))), v1AppCg, v1Pod)
		if err := os.WriteFile(filepath.Join(root, "proc/3100/cgroup"), []byte(cg), 0o644); err != nil {
			t.Fatal(err)
		}
		h2, err := inspect.NewHost(root)
		if err != nil {
			t.Fatal(err)
		}
		info := readCgroups(t, h2, v1AppPID)
		if info.CPU == nil || info.CPU.ThrottledUsec == nil || *info.CPU.ThrottledUsec != 15000000 ||
			info.CPU.NrThrottled == nil || *info.CPU.NrThrottled != 240 || info.CPU.Quota.SetBy != v1Pod {
			t.Errorf("CPU = %+v, want 240 throttled periods, 15000000 us, quota set by the pod itself", info.CPU)
		}
	})

	for _, pid := range []int{1, 2} {
		t.Run("root cgroup pid "+strconv.Itoa(pid), func(t *testing.T) {
			info := readCgroups(t, h, pid)
			m := info.Memory
			if m == nil || m.Cgroup != "/" || m.Limit.Value != nil || m.Limit.SetBy != "" || m.Percent != nil || m.Own.Max != nil {
				t.Errorf("Memory = %+v, want the root cgroup, unlimited, no percent", m)
			}
			if m != nil && (m.Current == nil || *m.Current != 3120562176) {
				t.Errorf("Memory.Current = %v, want the root's usage 3120562176", m.Current)
			}
			if c := info.CPU; c == nil || c.Quota.Value != nil || c.Quota.SetBy != "" || c.CPUs != "0-7" {
				t.Errorf("CPU = %+v, want no quota, cpus 0-7", c)
			}
			if p := info.PIDs; p == nil || p.Limit.Value != nil || p.Limit.SetBy != "" || p.Current == nil || *p.Current != 412 {
				t.Errorf("PIDs = %+v, want unlimited, current 412", p)
			}
		})
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A malformed limit file must not turn into a wrong number: nsx drops the
// controller's view and says which file of which cgroup is malformed.
func TestCgroupsMalformedFile(t *testing.T) {
	tests := []struct {
		name     string
		scenario string
		file     string // relative to the fixture root
		pid      int
		check    func(*inspect.CgroupInfo) bool
		wantIn   []string
	}{
		{
			name: "v2 memory.max of the pod slice", scenario: "v2-k8s-limits",
			file: "sys/fs/cgroup" + k8sPod1 + "/memory.max", pid: k8sWebPID,
			check:  func(i *inspect.CgroupInfo) bool { return i.Memory == nil && i.CPU != nil },
			wantIn: []string{"memory", "memory.max", k8sPod1},
		},
		{
			name: "v2 cpu.max of the container", scenario: "v2-k8s-limits",
			file: "sys/fs/cgroup" + k8sWebCgroup + "/cpu.max", pid: k8sWebPID,
			check:  func(i *inspect.CgroupInfo) bool { return i.CPU == nil && i.Memory != nil },
			wantIn: []string{"cpu", "cpu.max", k8sWebCgroup},
		},
		{
			name: "v1 limit_in_bytes of the pod", scenario: "v1-cgroupfs",
			file: "cgroup/memory" + v1Pod + "/memory.limit_in_bytes", pid: v1AppPID,
			check:  func(i *inspect.CgroupInfo) bool { return i.Memory == nil && i.PIDs != nil },
			wantIn: []string{"memory", "memory.limit_in_bytes", v1Pod},
		},
		{
			name: "v1 cfs_quota_us of the pod", scenario: "v1-cgroupfs",
			file: "cgroup/cpu,cpuacct" + v1Pod + "/cpu.cfs_quota_us", pid: v1AppPID,
			check:  func(i *inspect.CgroupInfo) bool { return i.CPU == nil && i.Memory != nil },
			wantIn: []string{"cpu", "cpu.cfs_quota_us", v1Pod},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, root := cgroupHost(t, tt.scenario)
			if err := os.WriteFile(filepath.Join(root, tt.file), []byte("lots\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			info := readCgroups(t, h, tt.pid)
			if !tt.check(info) {
				t.Errorf("the malformed controller's view is still there (or another one is gone): memory %+v cpu %+v pids %+v",
					info.Memory, info.CPU, info.PIDs)
			}
			if len(info.Warnings) != 1 {
				t.Fatalf("Warnings = %q, want exactly one", info.Warnings)
			}
			for _, want := range tt.wantIn {
				if !strings.Contains(info.Warnings[0], want) {
					t.Errorf("warning %q does not mention %q", info.Warnings[0], want)
				}
			}
			if !strings.Contains(info.Warnings[0], inspect.ErrParse.Error()) && !strings.Contains(info.Warnings[0], "parsing") {
				t.Errorf("warning %q does not say the file is malformed", info.Warnings[0])
			}
		})
	}

	t.Run("malformed proc/PID/cgroup is an ErrParse error", func(t *testing.T) {
		h, root := cgroupHost(t, "v2-k8s-limits")
		if err := os.WriteFile(filepath.Join(root, "proc/2160/cgroup"), []byte("no colons here\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		l, err := h.CgroupLayout()
		if err != nil {
			t.Fatal(err)
		}
		_, err = h.Cgroups(k8sWebPID, l)
		if !errors.Is(err, inspect.ErrParse) || !strings.Contains(err.Error(), "cgroup") {
			t.Errorf("Cgroups error = %v, want ErrParse naming the cgroup file", err)
		}
	})
}

// A file that holds no number is not "absent": dropping it without a word
// shows "-" where the kernel has a value.
func TestCgroupsMalformedUsageIsReported(t *testing.T) {
	tests := []struct {
		name string
		file string
		gone func(*inspect.CgroupInfo) bool
	}{
		{
			name: "memory.current",
			file: "sys/fs/cgroup" + k8sWebCgroup + "/memory.current",
			gone: func(i *inspect.CgroupInfo) bool { return i.Memory != nil && i.Memory.Current == nil },
		},
		{
			name: "cpu.pressure",
			file: "sys/fs/cgroup" + k8sWebCgroup + "/cpu.pressure",
			gone: func(i *inspect.CgroupInfo) bool { _, ok := i.Pressure["cpu"]; return !ok },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, root := cgroupHost(t, "v2-k8s-limits")
			if err := os.WriteFile(filepath.Join(root, tt.file), []byte("lots\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			info := readCgroups(t, h, k8sWebPID)
			if !tt.gone(info) {
				t.Fatalf("a malformed %s still produced a value", tt.name)
			}
			if len(info.Warnings) == 0 {
				t.Fatal("a malformed " + tt.name + " is dropped without a warning")
			}
			if !strings.Contains(strings.Join(info.Warnings, "\n"), tt.name) {
				t.Errorf("Warnings = %q, want one naming %s", info.Warnings, tt.name)
			}
		})
	}
}

// A hierarchy mounted from a subtree (a bind mount of part of
// /sys/fs/cgroup, or a v1 mount made inside a container with the host's
// cgroup namespace) shows the cgroups below its root; the levels inside it
// must still be read.
func TestCgroupsSubtreeMount(t *testing.T) {
	// remount moves dir/sub to be the mount point's contents and rewrites
	// the mount's root in proc/1/mountinfo.
	remount := func(t *testing.T, root, mountpoint, sub, mountinfoPrefix string) {
		t.Helper()
		mp := filepath.Join(root, mountpoint)
		if err := os.Rename(mp, mp+".full"); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(filepath.Join(mp+".full", sub), mp); err != nil {
			t.Fatal(err)
		}
		mi := filepath.Join(root, "proc/1/mountinfo")
		b := string(mustRead(t, mi))
		from := mountinfoPrefix + " / " + mountpoint + " "
		if !strings.Contains(b, from) {
			t.Fatalf("mountinfo has no %q", from)
		}
		b = strings.Replace(b, from, mountinfoPrefix+" "+sub+" "+mountpoint+" ", 1)
		if err := os.WriteFile(mi, []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("v1 memory mounted from /kubepods/burstable", func(t *testing.T) {
		h, root := cgroupHost(t, "v1-cgroupfs")
		remount(t, root, "/cgroup/memory", "/kubepods/burstable", "41 40 0:36")
		info := readCgroups(t, h, v1AppPID)
		if info.Memory == nil {
			t.Fatalf("Memory = nil (warnings %q), want the container's", info.Warnings)
		}
		if diff := cmp.Diff(limit(536870912, v1Pod), info.Memory.Limit); diff != "" {
			t.Errorf("Memory.Limit mismatch (-want +got):\n%s", diff)
		}
		if info.Memory.Current == nil || *info.Memory.Current != 104857600 {
			t.Errorf("Memory.Current = %v, want 104857600", info.Memory.Current)
		}
	})

	t.Run("v2 mounted from /kubepods.slice", func(t *testing.T) {
		h, root := cgroupHost(t, "v2-k8s-limits")
		remount(t, root, "/sys/fs/cgroup", "/kubepods.slice", "29 23 0:26")
		info := readCgroups(t, h, k8sWebPID)
		if info.Memory == nil && info.CPU == nil && info.PIDs == nil && len(info.Warnings) == 0 {
			t.Fatal("with the unified mount's root not \"/\", memory, cpu, pids and io vanish without a warning")
		}
		if info.Memory == nil {
			t.Fatalf("Memory = nil (warnings %q), want the container's", info.Warnings)
		}
		if diff := cmp.Diff(limit(268435456, k8sPod1), info.Memory.Limit); diff != "" {
			t.Errorf("Memory.Limit mismatch (-want +got):\n%s", diff)
		}
		if info.CPU == nil || info.CPU.Quota.Value == nil || *info.CPU.Quota.Value != 0.5 {
			t.Errorf("CPU = %+v, want quota 0.5", info.CPU)
		}
		if info.PIDs == nil || !cmp.Equal(limit(1024, "/kubepods.slice"), info.PIDs.Limit) {
			t.Errorf("PIDs = %+v, want limit 1024 set by /kubepods.slice (the mount's root)", info.PIDs)
		}
	})
}
