//go:build linux

package inspect_test

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"nsx/inspect"
	"nsx/internal/testutil"
)

// The live cgroup tests build their own v1 cgroups on the real kernel,
// put processes in them, make the kernel enforce the limits (an OOM kill,
// a refused fork) and hold nsx to the numbers the kernel's own files give.

const mib = 1 << 20

// liveCgroupTree is one test's cgroups: the same shape in the memory, pids
// and cpu hierarchies, /nsxtest-RAND/parent with children child (no limit
// of its own) and tight (a limit tighter than the parent's); in memory also
// noswap, where memory+swap is limited to the memory limit.
type liveCgroupTree struct {
	mem, pids, cpu           v1Hierarchy
	parent, child, tight     string // cgroup paths, the same in each hierarchy
	noswap                   string // memory only, and only with memsw
	memsw                    bool   // the kernel accounts swap (memory.memsw.*)
	memParentLimit, memTight uint64
	memswParent, memswTight  uint64
}

func makeLiveCgroupTree(t *testing.T) liveCgroupTree {
	t.Helper()
	suffix := make([]byte, 4)
	if _, err := rand.Read(suffix); err != nil {
		t.Fatal(err)
	}
	base := "/nsxtest-" + hex.EncodeToString(suffix)
	tr := liveCgroupTree{
		mem: liveV1Hierarchy(t, "memory"), pids: liveV1Hierarchy(t, "pids"), cpu: liveV1Hierarchy(t, "cpu"),
		parent: base + "/parent", child: base + "/parent/child", tight: base + "/parent/tight",
		noswap:         base + "/parent/noswap",
		memParentLimit: 64 * mib, memTight: 32 * mib,
		// memory+swap above the memory limit: on a host with swap the OOM
		// test's hog can swap at most half its limit more before it is
		// killed, and the memory counter (memory.failcnt) is the one
		// that fails first.
		memswParent: 96 * mib, memswTight: 48 * mib,
	}
	_, err := os.Stat(tr.mem.dir("/") + "/memory.memsw.limit_in_bytes")
	tr.memsw = err == nil

	memLimit := func(limit, memsw uint64) [][2]string {
		s := [][2]string{{"memory.limit_in_bytes", fmt.Sprint(limit)}}
		if tr.memsw {
			s = append(s, [2]string{"memory.memsw.limit_in_bytes", fmt.Sprint(memsw)})
		}
		return s
	}
	makeV1Cgroup(t, tr.mem, base)
	makeV1Cgroup(t, tr.mem, tr.parent, memLimit(tr.memParentLimit, tr.memswParent)...)
	makeV1Cgroup(t, tr.mem, tr.child)
	makeV1Cgroup(t, tr.mem, tr.tight, memLimit(tr.memTight, tr.memswTight)...)
	if tr.memsw {
		makeV1Cgroup(t, tr.mem, tr.noswap, memLimit(tr.memTight, tr.memTight)...)
	}

	makeV1Cgroup(t, tr.pids, base)
	makeV1Cgroup(t, tr.pids, tr.parent, [2]string{"pids.max", "20"})
	makeV1Cgroup(t, tr.pids, tr.child, [2]string{"pids.max", "max"})
	makeV1Cgroup(t, tr.pids, tr.tight, [2]string{"pids.max", "5"})

	makeV1Cgroup(t, tr.cpu, base)
	makeV1Cgroup(t, tr.cpu, tr.parent, [2]string{"cpu.cfs_period_us", "100000"}, [2]string{"cpu.cfs_quota_us", "50000"})
	makeV1Cgroup(t, tr.cpu, tr.child, [2]string{"cpu.cfs_quota_us", "-1"})
	makeV1Cgroup(t, tr.cpu, tr.tight, [2]string{"cpu.cfs_period_us", "100000"}, [2]string{"cpu.cfs_quota_us", "25000"})
	return tr
}

// cgroupsStable reads pid's cgroups with nsx between two reads of the
// kernel's memory usage of memDir, until both agree: a sleep just moved
// in may still be faulting in its first pages, and a usage compared
// across that would fail for no fault of nsx.
func cgroupsStable(t *testing.T, h inspect.Host, l *inspect.CgroupLayout, pid int, memDir string) (*inspect.CgroupInfo, uint64) {
	t.Helper()
	deadline := time.Now().Add(liveTimeout)
	for {
		before := kernelUint(t, memDir, "memory.usage_in_bytes")
		info, err := h.Cgroups(pid, l)
		if err != nil {
			t.Fatalf("Cgroups(%d): %v", pid, err)
		}
		// The usage the kernel showed on both sides of nsx's read is
		// what nsx must have read; a later read may already differ (a
		// per-CPU charge cache flushed, a page faulted in).
		if kernelUint(t, memDir, "memory.usage_in_bytes") == before {
			return info, before
		}
		if time.Now().After(deadline) {
			t.Fatalf("the memory usage of %s did not hold still for %v", memDir, liveTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func cgroupLiveHost(t *testing.T) (inspect.Host, *inspect.CgroupLayout) {
	t.Helper()
	h, err := inspect.NewHost("/")
	if err != nil {
		t.Fatalf("NewHost(/): %v", err)
	}
	l, err := h.CgroupLayout()
	if err != nil {
		t.Fatalf("CgroupLayout: %v", err)
	}
	return h, l
}

// startSleeperIn starts a sleep and moves it into cgroup directories.
func startSleeperIn(t *testing.T, dirs ...string) int {
	t.Helper()
	c := liveStart(t, exec.Command("sleep", "60"))
	moveToCgroups(t, c.Process.Pid, dirs...)
	return c.Process.Pid
}

func TestCgroupLiveV1Limits(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RequireCommand(t, "sleep")
	testutil.RequireCommand(t, "sh")
	tr := makeLiveCgroupTree(t)
	h, layout := cgroupLiveHost(t)
	wantLayout := inspect.LayoutV1
	if hostHasCgroup2(t) {
		wantLayout = inspect.LayoutHybrid
	}
	if layout.Kind != wantLayout {
		t.Errorf("layout = %q, want %q (v1 controllers, cgroup2 mounted: %v)", layout.Kind, wantLayout, hostHasCgroup2(t))
	}

	cases := []struct {
		name string
		cg   string // where the process is
		// The level whose own limit binds, and the limits the test wrote.
		memSetBy, pidsSetBy, cpuSetBy   string
		memLimit, memswLimit, pidsLimit uint64
		cores                           float64
	}{
		{name: "parent binds a child without limits", cg: tr.child,
			memSetBy: tr.parent, pidsSetBy: tr.parent, cpuSetBy: tr.parent,
			memLimit: tr.memParentLimit, memswLimit: tr.memswParent, pidsLimit: 20, cores: 0.5},
		{name: "own tighter limit binds", cg: tr.tight,
			memSetBy: tr.tight, pidsSetBy: tr.tight, cpuSetBy: tr.tight,
			memLimit: tr.memTight, memswLimit: tr.memswTight, pidsLimit: 5, cores: 0.25},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			memDir, pidsDir, cpuDir := tr.mem.dir(tc.cg), tr.pids.dir(tc.cg), tr.cpu.dir(tc.cg)
			pid := startSleeperIn(t, memDir, pidsDir, cpuDir)
			info, usage := cgroupsStable(t, h, layout, pid, memDir)
			if info.PID != pid || info.Layout != wantLayout {
				t.Errorf("pid %d layout %q, want %d %q", info.PID, info.Layout, pid, wantLayout)
			}
			if len(info.Warnings) > 0 {
				t.Errorf("warnings: %q", info.Warnings)
			}
			for _, hi := range []v1Hierarchy{tr.mem, tr.pids, tr.cpu} {
				if got, kernel := info.Paths[hi.key], kernelCgroupPath(t, pid, hi.key); got != tc.cg || kernel != tc.cg {
					t.Errorf("paths[%s] = %q, kernel says %q, want %q", hi.key, got, kernel, tc.cg)
				}
			}

			t.Run("memory", func(t *testing.T) {
				m := info.Memory
				if m == nil {
					t.Fatal("no memory info")
				}
				kernelLimit := kernelUint(t, tr.mem.dir(tc.memSetBy), "memory.limit_in_bytes")
				if kernelLimit != tc.memLimit {
					t.Fatalf("the kernel kept limit %d in %s, the test wrote %d", kernelLimit, tc.memSetBy, tc.memLimit)
				}
				if m.Version != 1 || m.Cgroup != tc.cg {
					t.Errorf("version %d cgroup %q, want 1 %q", m.Version, m.Cgroup, tc.cg)
				}
				checkLimit(t, "limit", m.Limit, kernelLimit, tc.memSetBy)
				ownUnlimited := kernelSaysUnlimited(t, memDir, "memory.limit_in_bytes")
				switch {
				case ownUnlimited && m.Own.Max != nil:
					t.Errorf("own.max = %d, want null: the kernel says unlimited (%s)", *m.Own.Max, kernelText(t, memDir, "memory.limit_in_bytes"))
				case !ownUnlimited && (m.Own.Max == nil || *m.Own.Max != kernelUint(t, memDir, "memory.limit_in_bytes")):
					t.Errorf("own.max = %v, want the kernel's %s", fmtPtr(m.Own.Max), kernelText(t, memDir, "memory.limit_in_bytes"))
				}
				if tc.cg == tr.child && !ownUnlimited {
					t.Errorf("the child has a limit of its own: %s", kernelText(t, memDir, "memory.limit_in_bytes"))
				}
				if tr.memsw {
					if m.SwapLimit == nil {
						t.Errorf("swapLimit absent; memory.memsw.limit_in_bytes exists")
					} else {
						kernelMemsw := kernelUint(t, tr.mem.dir(tc.memSetBy), "memory.memsw.limit_in_bytes")
						if kernelMemsw != tc.memswLimit {
							t.Fatalf("the kernel kept memsw %d in %s, the test wrote %d", kernelMemsw, tc.memSetBy, tc.memswLimit)
						}
						checkLimit(t, "swapLimit (memsw)", *m.SwapLimit, kernelMemsw, tc.memSetBy)
					}
				}
				checkPtr(t, "current", m.Current, usage)
				checkPtr(t, "failcnt", m.Failcnt, kernelUint(t, memDir, "memory.failcnt"))
				checkPtr(t, "events[oomKill]", mapPtr(m.Events, "oomKill"), kernelKey(t, memDir, "memory.oom_control", "oom_kill"))
				if m.Current != nil {
					want := 100 * float64(*m.Current) / float64(kernelLimit)
					if m.Percent == nil || math.Abs(*m.Percent-want) > 1e-9 {
						t.Errorf("percent = %v, want %v", fmtPtr(m.Percent), want)
					}
				}
			})

			t.Run("pids", func(t *testing.T) {
				p := info.PIDs
				if p == nil {
					t.Fatal("no pids info")
				}
				kernelMax := kernelUint(t, tr.pids.dir(tc.pidsSetBy), "pids.max")
				if kernelMax != tc.pidsLimit {
					t.Fatalf("the kernel kept pids.max %d in %s, the test wrote %d", kernelMax, tc.pidsSetBy, tc.pidsLimit)
				}
				if p.Version != 1 || p.Cgroup != tc.cg {
					t.Errorf("version %d cgroup %q, want 1 %q", p.Version, p.Cgroup, tc.cg)
				}
				checkLimit(t, "limit", p.Limit, kernelMax, tc.pidsSetBy)
				checkPtr(t, "current", p.Current, kernelUint(t, pidsDir, "pids.current"))
				checkPtr(t, "eventsMax", p.EventsMax, kernelKey(t, pidsDir, "pids.events", "max"))
			})

			t.Run("cpu", func(t *testing.T) {
				c := info.CPU
				if c == nil {
					t.Fatal("no cpu info")
				}
				setByDir := tr.cpu.dir(tc.cpuSetBy)
				kernelCores := float64(kernelInt(t, setByDir, "cpu.cfs_quota_us")) / float64(kernelUint(t, setByDir, "cpu.cfs_period_us"))
				if kernelCores != tc.cores {
					t.Fatalf("the kernel's quota/period in %s is %v cores, the test wrote %v", tc.cpuSetBy, kernelCores, tc.cores)
				}
				if c.Version != 1 || c.Cgroup != tc.cg {
					t.Errorf("version %d cgroup %q, want 1 %q", c.Version, c.Cgroup, tc.cg)
				}
				if c.Quota.Value == nil || *c.Quota.Value != kernelCores || c.Quota.SetBy != tc.cpuSetBy {
					t.Errorf("quota = %v set by %q, want %v set by %q", fmtPtr(c.Quota.Value), c.Quota.SetBy, kernelCores, tc.cpuSetBy)
				}
				checkPtr(t, "periodUs", c.PeriodUs, kernelUint(t, cpuDir, "cpu.cfs_period_us"))
				checkPtr(t, "shares", c.Shares, kernelUint(t, cpuDir, "cpu.shares"))
			})
		})
	}

	oomCases := []struct {
		name string
		cg   string
		// failures: memory.failcnt must count the refused charges. With
		// memsw above the limit the memory counter is the one that
		// fails. With memsw equal to it (docker's --memory-swap equal to
		// --memory) the kernel charges memory+swap first, and this
		// kernel (6.18) then counts the failures in neither
		// memory.failcnt nor memory.memsw.failcnt: nsx must still report
		// the kernel's number, not a guess.
		failures bool
	}{
		{name: "memory limit binds", cg: tr.tight, failures: true},
		{name: "memory+swap limit binds", cg: tr.noswap},
	}
	for _, tc := range oomCases {
		t.Run("real OOM kill/"+tc.name, func(t *testing.T) {
			if tc.cg == tr.noswap && !tr.memsw {
				t.Skip("no swap accounting (memory.memsw.*) on this kernel")
			}
			memDir := tr.mem.dir(tc.cg)
			hog := exec.Command(os.Args[0])
			hog.Env = append(os.Environ(), memHogEnv+"=1")
			hog, release := startHeld(t, hog)
			// Into the cgroup before it allocates: all its memory is
			// charged there.
			moveToCgroups(t, hog.Process.Pid, memDir)
			release()
			ws := waitExit(t, hog, 60*time.Second)
			if !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("the hog (%d MiB in a %s cgroup) ended with %v, want killed by SIGKILL from the OOM killer",
					memHogMiB, kernelText(t, memDir, "memory.limit_in_bytes"), describeWait(ws))
			}
			// The hog is gone; a sleep in the same cgroup is the way in.
			pid := startSleeperIn(t, memDir)
			info, _ := cgroupsStable(t, h, layout, pid, memDir)
			m := info.Memory
			if m == nil {
				t.Fatal("no memory info")
			}
			kernelOOMKills := kernelKey(t, memDir, "memory.oom_control", "oom_kill")
			kernelFailcnt := kernelUint(t, memDir, "memory.failcnt")
			t.Logf("kernel: oom_kill %d, memory.failcnt %d", kernelOOMKills, kernelFailcnt)
			if kernelOOMKills < 1 || (tc.failures && kernelFailcnt < 1) {
				t.Fatalf("the kernel counts oom_kill %d, failcnt %d after the hog was killed; want oom_kill >= 1 (and failcnt >= 1: %v)",
					kernelOOMKills, kernelFailcnt, tc.failures)
			}
			checkPtr(t, "events[oomKill]", mapPtr(m.Events, "oomKill"), kernelOOMKills)
			checkPtr(t, "failcnt", m.Failcnt, kernelFailcnt)
			checkLimit(t, "limit", m.Limit, kernelUint(t, memDir, "memory.limit_in_bytes"), tc.cg)
			checkPtr(t, "peak (max_usage_in_bytes)", m.Peak, kernelUint(t, memDir, "memory.max_usage_in_bytes"))
			under := kernelKey(t, memDir, "memory.oom_control", "under_oom") == 1
			if m.UnderOOM == nil || *m.UnderOOM != under {
				t.Errorf("underOom = %v, want the kernel's %v", fmtPtr(m.UnderOOM), under)
			}
		})
	}

	t.Run("real fork refused by pids.max", func(t *testing.T) {
		pidsDir := tr.pids.dir(tr.tight)
		sh, release := startHeld(t, exec.Command("sh", "-c", "read x; for i in 1 2 3 4 5 6 7 8; do sleep 30 & done; wait"))
		moveToCgroups(t, sh.Process.Pid, pidsDir)
		release()
		// sh and four sleeps fill pids.max 5; the fifth sleep's fork is
		// refused.
		deadline := time.Now().Add(liveTimeout)
		for kernelKey(t, pidsDir, "pids.events", "max") < 1 {
			if time.Now().After(deadline) {
				t.Fatalf("no fork refused after %v: pids.current %s, procs %v", liveTimeout, kernelText(t, pidsDir, "pids.current"), cgroupProcs(pidsDir))
			}
			time.Sleep(10 * time.Millisecond)
		}
		// dash gives up at "Cannot fork"; a shell that went on would fork
		// again and move the counts, so it is stopped either way. The
		// sleeps it left stay in the cgroup until cleanup.
		_ = sh.Process.Kill()
		waitExit(t, sh, liveTimeout)
		procs := cgroupProcs(pidsDir)
		if len(procs) == 0 {
			t.Fatal("no sleep left in the cgroup")
		}
		info, err := h.Cgroups(procs[0], layout)
		if err != nil {
			t.Fatalf("Cgroups(%d): %v", procs[0], err)
		}
		p := info.PIDs
		if p == nil {
			t.Fatal("no pids info")
		}
		kernelRefused, kernelCurrent := kernelKey(t, pidsDir, "pids.events", "max"), kernelUint(t, pidsDir, "pids.current")
		t.Logf("kernel: pids.events max %d, pids.current %d (procs %v)", kernelRefused, kernelCurrent, procs)
		if kernelCurrent > 5 {
			t.Errorf("the kernel lets %d processes into a cgroup with pids.max 5", kernelCurrent)
		}
		checkPtr(t, "eventsMax", p.EventsMax, kernelRefused)
		checkPtr(t, "current", p.Current, kernelCurrent)
		checkLimit(t, "limit", p.Limit, 5, tr.tight)
	})
}

// TestCgroupLiveRootCgroup reads a kernel thread, which lives in the root
// cgroup of every hierarchy, where nothing is limited.
func TestCgroupLiveRootCgroup(t *testing.T) {
	testutil.RequireRoot(t)
	const kthreadd = 2
	if comm(kthreadd) != "kthreadd" {
		cgroupSkipOrFail(t, "PID 2 is not kthreadd: not the host's PID namespace")
	}
	mem, pids, cpu := liveV1Hierarchy(t, "memory"), liveV1Hierarchy(t, "pids"), liveV1Hierarchy(t, "cpu")
	for _, hi := range []v1Hierarchy{mem, pids, cpu} {
		if p := kernelCgroupPath(t, kthreadd, hi.key); p != "/" {
			t.Fatalf("the kernel puts kthreadd at %q in %s, not the root", p, hi.key)
		}
	}
	h, layout := cgroupLiveHost(t)
	info, err := h.Cgroups(kthreadd, layout)
	if err != nil {
		t.Fatalf("Cgroups(kthreadd): %v", err)
	}
	if len(info.Warnings) > 0 {
		t.Errorf("warnings: %q", info.Warnings)
	}
	for _, hi := range []v1Hierarchy{mem, pids, cpu} {
		if info.Paths[hi.key] != "/" {
			t.Errorf("paths[%s] = %q, want /", hi.key, info.Paths[hi.key])
		}
	}
	if !kernelSaysUnlimited(t, mem.dir("/"), "memory.limit_in_bytes") {
		t.Fatalf("the root memory cgroup has a limit: %s", kernelText(t, mem.dir("/"), "memory.limit_in_bytes"))
	}
	if info.Memory == nil || info.PIDs == nil || info.CPU == nil {
		t.Fatalf("want memory, pids and cpu info, got %+v", info)
	}
	cases := []struct {
		name         string
		unlimited    bool // the value is null
		value, setBy string
	}{
		{"memory.limit", info.Memory.Limit.Value == nil, fmtPtr(info.Memory.Limit.Value), info.Memory.Limit.SetBy},
		{"pids.limit", info.PIDs.Limit.Value == nil, fmtPtr(info.PIDs.Limit.Value), info.PIDs.Limit.SetBy},
		{"cpu.quota", info.CPU.Quota.Value == nil, fmtPtr(info.CPU.Quota.Value), info.CPU.Quota.SetBy},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.unlimited || tc.setBy != "" {
				t.Errorf("%s = %s set by %q, want unlimited (null, \"\")", tc.name, tc.value, tc.setBy)
			}
		})
	}
}

// TestCgroupLiveRemovedCgroup reads processes whose cgroup is gone.
func TestCgroupLiveRemovedCgroup(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RequireCommand(t, "sleep")
	mem := liveV1Hierarchy(t, "memory")
	h, layout := cgroupLiveHost(t)
	suffix := make([]byte, 4)
	if _, err := rand.Read(suffix); err != nil {
		t.Fatal(err)
	}
	base := "/nsxtest-gone-" + hex.EncodeToString(suffix)

	t.Run("exited and reaped", func(t *testing.T) {
		dir := makeV1Cgroup(t, mem, base+"-reaped")
		c := liveStart(t, exec.Command("sleep", "60"))
		pid := c.Process.Pid
		moveToCgroups(t, pid, dir)
		_ = c.Process.Kill()
		waitExit(t, c, liveTimeout)
		removeCgroupDir(t, dir)
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
			t.Skipf("PID %d was reused in the meantime", pid)
		}
		_, err := h.Cgroups(pid, layout)
		if !errors.Is(err, inspect.ErrNoProcess) {
			t.Errorf("Cgroups(exited %d) = %v, want an error wrapping ErrNoProcess", pid, err)
		}
	})

	t.Run("zombie", func(t *testing.T) {
		// A zombie still has /proc/PID/cgroup; once it exited its cgroup
		// can be removed. nsx must read what the kernel then says (on v1
		// the root) without failing.
		dir := makeV1Cgroup(t, mem, base+"-zombie")
		c := liveStart(t, exec.Command("sleep", "60"))
		pid := c.Process.Pid
		moveToCgroups(t, pid, dir)
		_ = c.Process.Kill()
		waitZombie(t, pid)
		removeCgroupDir(t, dir)
		info, err := h.Cgroups(pid, layout)
		if err != nil {
			t.Fatalf("Cgroups(zombie %d): %v", pid, err)
		}
		kernel := kernelCgroupPath(t, pid, mem.key)
		t.Logf("the kernel now gives the zombie memory path %q", kernel)
		if info.Paths[mem.key] != kernel {
			t.Errorf("paths[%s] = %q, the kernel says %q", mem.key, info.Paths[mem.key], kernel)
		}
		if info.Memory == nil || info.Memory.Cgroup != kernel {
			t.Errorf("memory = %+v, want cgroup %q", info.Memory, kernel)
		}
	})
}

// waitZombie waits until pid has exited but is not reaped (state Z).
func waitZombie(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(liveTimeout)
	for {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			t.Fatalf("process %d: %v", pid, err)
		}
		if i := strings.LastIndexByte(string(b), ')'); i > 0 && strings.HasPrefix(string(b[i+1:]), " Z") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d not a zombie after %v: %s", pid, liveTimeout, b)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func checkLimit(t *testing.T, name string, got inspect.Limit, want uint64, wantSetBy string) {
	t.Helper()
	if got.Value == nil || *got.Value != want || got.SetBy != wantSetBy {
		t.Errorf("%s = %v set by %q, want %d set by %q (the kernel's)", name, fmtPtr(got.Value), got.SetBy, want, wantSetBy)
	}
}

func checkPtr(t *testing.T, name string, got *uint64, want uint64) {
	t.Helper()
	if got == nil || *got != want {
		t.Errorf("%s = %v, want the kernel's %d", name, fmtPtr(got), want)
	}
}

func mapPtr(m map[string]uint64, k string) *uint64 {
	if v, ok := m[k]; ok {
		return &v
	}
	return nil
}

func fmtPtr[T any](p *T) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

func describeWait(ws syscall.WaitStatus) string {
	if ws.Signaled() {
		return "signal " + ws.Signal().String()
	}
	return fmt.Sprintf("exit status %d", ws.ExitStatus())
}
