package cmd_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"nsx/cmd"
	"nsx/internal/testutil"
)

// The JSON is decoded into cgroup_test.go's cgDoc: one reading of the
// documented schema for every test.

// cgroupLimitCase is one byte or count limit: nsx's value and level,
// and the references.
type cgroupLimitCase struct {
	name   string
	got    *uint64
	setBy  string
	docker int64 // docker inspect's HostConfig
	kernel int64 // the cgroup's own file
}

// dockerHostConfig is what Docker recorded of the limits it was asked for.
type dockerHostConfig struct {
	Memory      int64
	MemorySwap  int64
	NanoCpus    int64
	CpusetCpus  string
	PidsLimit   *int64
	BlkioWeight uint16
}

func inspectHostConfig(t *testing.T, name string) dockerHostConfig {
	t.Helper()
	var hc dockerHostConfig
	out := dockerCLI(t, "inspect", "-f", "{{json .HostConfig}}", name)
	if err := json.Unmarshal([]byte(out), &hc); err != nil {
		t.Fatalf("docker inspect %s HostConfig: %v\n%s", name, err, out)
	}
	return hc
}

// nsxCgroupJSON runs `nsx cgroup TARGET -o json` in-process and decodes it
// twice: into the typed document, and raw, to hold the key spellings to the
// schema (encoding/json matches field names case-insensitively).
func nsxCgroupJSON(t *testing.T, target string) (cgDoc, map[string]any) {
	t.Helper()
	stdout, stderr, code := nsxInProcess(t, "cgroup", target, "-o", "json")
	if code != cmd.ExitOK {
		t.Fatalf("nsx cgroup %s -o json: exit %d, stderr:\n%s", target, code, stderr)
	}
	var doc cgDoc
	var raw map[string]any
	if err := errors.Join(json.Unmarshal([]byte(stdout), &doc), json.Unmarshal([]byte(stdout), &raw)); err != nil {
		t.Fatalf("nsx cgroup %s -o json: decoding: %v\n%s", target, err, stdout)
	}
	return doc, raw
}

// requireJSONKeys fails for each dotted key path missing from doc.
func requireJSONKeys(t *testing.T, doc map[string]any, paths ...string) {
	t.Helper()
	for _, p := range paths {
		var cur any = doc
		for _, k := range strings.Split(p, ".") {
			m, ok := cur.(map[string]any)
			if !ok {
				cur = nil
				break
			}
			if cur, ok = m[k]; !ok {
				t.Errorf("JSON has no key %s", p)
				break
			}
		}
	}
}

// v1ControllerDir is the directory of a container's cgroup in the v1
// hierarchy of a controller, from the mount table and /proc/PID/cgroup:
// the kernel's own answer that the test compares nsx with. It also
// returns the cgroup path.
func v1ControllerDir(t *testing.T, pid int, controller string) (dir, cgPath string) {
	t.Helper()
	mi, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	mountpoint := ""
	for _, line := range strings.Split(string(mi), "\n") {
		pre, post, ok := strings.Cut(line, " - ")
		pf, qf := strings.Fields(pre), strings.Fields(post)
		if ok && len(pf) >= 5 && len(qf) >= 3 && qf[0] == "cgroup" && pf[3] == "/" &&
			slices.Contains(strings.Split(qf[2], ","), controller) {
			mountpoint = pf[4]
		}
	}
	cg, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(cg), "\n") {
		if f := strings.SplitN(line, ":", 3); len(f) == 3 && slices.Contains(strings.Split(f[1], ","), controller) {
			cgPath = f[2]
		}
	}
	if mountpoint == "" || cgPath == "" {
		if testutil.InCI() {
			t.Fatalf("no v1 %s hierarchy (mount %q, path %q)", controller, mountpoint, cgPath)
		}
		t.Skipf("no v1 %s hierarchy: this test reads Docker's v1 cgroups", controller)
	}
	return filepath.Join(mountpoint, cgPath), cgPath
}

func cgroupFile(t *testing.T, dir, file string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatalf("reading the kernel's %s: %v", file, err)
	}
	return strings.TrimSpace(string(b))
}

func cgroupFileInt(t *testing.T, dir, file string) int64 {
	t.Helper()
	s := cgroupFile(t, dir, file)
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("%s/%s = %q: %v", dir, file, s, err)
	}
	return v
}

// TestCgroupDockerLimits runs a container with every limit docker run
// offers and holds nsx's report to docker inspect and to the kernel.
func TestCgroupDockerLimits(t *testing.T) {
	testutil.RequireDocker(t)
	name := "cgdocker-" + randomHex(t, 4) + "-limits"
	startContainer(t, name, "run", "-d", "--name", name,
		"--memory", "96m", "--memory-swap", "192m", "--cpus", "1.5", "--cpuset-cpus", "0", "--pids-limit", "33",
		testutil.TestImage, "sleep", "300")
	facts := inspectContainer(t, name)
	hc := inspectHostConfig(t, name)
	const mib = 1 << 20
	// Docker must have kept what it was asked for, or the comparisons
	// below would compare nsx with the wrong reference.
	if hc.Memory != 96*mib || hc.MemorySwap != 192*mib || hc.NanoCpus != 1_500_000_000 || hc.CpusetCpus != "0" ||
		hc.PidsLimit == nil || *hc.PidsLimit != 33 {
		t.Fatalf("docker inspect HostConfig = %+v, not the limits of docker run", hc)
	}
	ownCgroup := "/docker/" + facts.ID
	memDir, memPath := v1ControllerDir(t, facts.PID, "memory")
	cpuDir, cpuPath := v1ControllerDir(t, facts.PID, "cpu")
	cpusetDir, _ := v1ControllerDir(t, facts.PID, "cpuset")
	pidsDir, pidsPath := v1ControllerDir(t, facts.PID, "pids")
	for _, p := range []string{memPath, cpuPath, pidsPath} {
		if p != ownCgroup {
			t.Fatalf("the kernel puts the container's init at %s, want %s (cgroupfs driver)", p, ownCgroup)
		}
	}

	doc, raw := nsxCgroupJSON(t, name)
	requireJSONKeys(t, raw, "schemaVersion", "view", "container.name", "pid", "layout", "paths",
		"memory.limit.value", "memory.limit.setBy", "memory.swapLimit.value", "memory.swapLimit.setBy",
		"cpu.quota.value", "cpu.quota.setBy", "cpu.cpus", "pids.limit.value", "pids.limit.setBy", "warnings")

	t.Run("document", func(t *testing.T) {
		if doc.SchemaVersion != 1 || doc.View != "cgroup" {
			t.Errorf("schemaVersion %d view %q, want 1 cgroup", doc.SchemaVersion, doc.View)
		}
		if doc.Container == nil || doc.Container.Name != name || doc.Container.ID != facts.ID {
			t.Errorf("container = %+v, want name %s id %s", doc.Container, name, facts.ID)
		}
		if doc.PID != facts.PID {
			t.Errorf("pid = %d, want docker's State.Pid %d", doc.PID, facts.PID)
		}
		if doc.Paths["memory"] != ownCgroup || doc.Paths["pids"] != ownCgroup {
			t.Errorf("paths = %v, want memory and pids at %s", doc.Paths, ownCgroup)
		}
		if doc.Warnings == nil || len(doc.Warnings) > 0 {
			t.Errorf("warnings = %#v, want []", doc.Warnings)
		}
	})

	var cases []cgroupLimitCase
	if doc.Memory != nil {
		cases = append(cases, cgroupLimitCase{"memory.limit", doc.Memory.Limit.Value, doc.Memory.Limit.SetBy, hc.Memory, cgroupFileInt(t, memDir, "memory.limit_in_bytes")})
		if doc.Memory.SwapLimit != nil {
			// v1 memsw is memory+swap, as Docker's MemorySwap is.
			cases = append(cases, struct {
				name   string
				got    *uint64
				setBy  string
				docker int64
				kernel int64
			}{"memory.swapLimit", doc.Memory.SwapLimit.Value, doc.Memory.SwapLimit.SetBy, hc.MemorySwap, cgroupFileInt(t, memDir, "memory.memsw.limit_in_bytes")})
		} else {
			t.Errorf("memory.swapLimit absent; the kernel has memsw %s", cgroupFile(t, memDir, "memory.memsw.limit_in_bytes"))
		}
	} else {
		t.Error("memory absent")
	}
	if doc.PIDs != nil {
		cases = append(cases, cgroupLimitCase{"pids.limit", doc.PIDs.Limit.Value, doc.PIDs.Limit.SetBy, *hc.PidsLimit, cgroupFileInt(t, pidsDir, "pids.max")})
	} else {
		t.Error("pids absent")
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.kernel != tc.docker {
				t.Fatalf("the kernel has %d, docker inspect %d", tc.kernel, tc.docker)
			}
			if tc.got == nil || int64(*tc.got) != tc.kernel || tc.setBy != ownCgroup {
				t.Errorf("%s = %s set by %q, want %d (kernel and docker) set by %q", tc.name, fmtUintPtr(tc.got), tc.setBy, tc.kernel, ownCgroup)
			}
		})
	}

	t.Run("cpu", func(t *testing.T) {
		if doc.CPU == nil {
			t.Fatal("cpu absent")
		}
		kernelCores := float64(cgroupFileInt(t, cpuDir, "cpu.cfs_quota_us")) / float64(cgroupFileInt(t, cpuDir, "cpu.cfs_period_us"))
		if dockerCores := float64(hc.NanoCpus) / 1e9; kernelCores != dockerCores {
			t.Fatalf("the kernel's quota/period is %v cores, docker's NanoCpus %v", kernelCores, dockerCores)
		}
		if q := doc.CPU.Quota; q.Value == nil || *q.Value != kernelCores || q.SetBy != ownCgroup {
			t.Errorf("cpu.quota = %v set by %q, want %v set by %q", q.Value, q.SetBy, kernelCores, ownCgroup)
		}
		if kernel := cgroupFile(t, cpusetDir, "cpuset.cpus"); doc.CPU.CPUs != kernel || kernel != hc.CpusetCpus {
			t.Errorf("cpu.cpus = %q, kernel cpuset.cpus %q, docker %q", doc.CPU.CPUs, kernel, hc.CpusetCpus)
		}
	})

	t.Run("table", func(t *testing.T) {
		stdout, stderr, code := nsxInProcess(t, "cgroup", name)
		if code != cmd.ExitOK {
			t.Fatalf("exit %d, stderr:\n%s", code, stderr)
		}
		var memLine string
		for _, line := range strings.Split(stdout, "\n") {
			if strings.HasPrefix(line, "MEMORY") {
				memLine = line
			}
		}
		want := fmt.Sprintf("of %.1f MiB", float64(cgroupFileInt(t, memDir, "memory.limit_in_bytes"))/mib)
		if want != "of 96.0 MiB" {
			t.Fatalf("the kernel's limit reads %q, not 96 MiB", want)
		}
		if !strings.Contains(memLine, want) || !strings.Contains(memLine, "set by this cgroup") {
			t.Errorf("MEMORY line %q lacks %q or %q; table:\n%s", memLine, want, "set by this cgroup", stdout)
		}
	})
}

// TestCgroupDockerBlkioWeight asks Docker for a block I/O weight. Docker
// discards it when the kernel has no blkio.weight (no CFQ, as on kernels
// since 5.0); nsx must then report no weight, not a default.
func TestCgroupDockerBlkioWeight(t *testing.T) {
	testutil.RequireDocker(t)
	name := "cgdocker-" + randomHex(t, 4) + "-blkio"
	t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", name).Run() })
	var stdout, stderr bytes.Buffer
	run := exec.Command("docker", "run", "-d", "--name", name, "--blkio-weight", "300", testutil.TestImage, "sleep", "300")
	run.Stdout, run.Stderr = &stdout, &stderr
	if err := run.Run(); err != nil {
		// A daemon that refuses the weight outright is the kernel's
		// answer too: nothing to compare nsx with.
		t.Logf("the daemon refused --blkio-weight 300: %v: %s", err, stderr.String())
		return
	}
	facts := inspectContainer(t, name)
	hc := inspectHostConfig(t, name)
	blkioDir, _ := v1ControllerDir(t, facts.PID, "blkio")
	doc, _ := nsxCgroupJSON(t, name)
	if doc.IO == nil {
		t.Fatal("io absent: the container has a blkio cgroup")
	}
	kernel, err := os.ReadFile(filepath.Join(blkioDir, "blkio.weight"))
	switch {
	case err == nil:
		want, perr := strconv.ParseUint(strings.TrimSpace(string(kernel)), 10, 64)
		if perr != nil || want != 300 {
			t.Fatalf("the kernel's blkio.weight is %q, docker was asked for 300 (HostConfig %d)", kernel, hc.BlkioWeight)
		}
		if doc.IO.Weight == nil || *doc.IO.Weight != want {
			t.Errorf("io.weight = %s, want the kernel's %d", fmtUintPtr(doc.IO.Weight), want)
		}
	case errors.Is(err, os.ErrNotExist):
		bfq, _ := os.ReadFile(filepath.Join(blkioDir, "blkio.bfq.weight"))
		t.Logf("no blkio.weight in %s; docker said: %q; HostConfig.BlkioWeight %d; blkio.bfq.weight %q",
			blkioDir, strings.TrimSpace(stderr.String()), hc.BlkioWeight, strings.TrimSpace(string(bfq)))
		if doc.IO.Weight != nil {
			t.Errorf("io.weight = %d, want none: the kernel has no blkio.weight for the container", *doc.IO.Weight)
		}
	default:
		t.Fatal(err)
	}
}

// TestCgroupDockerUsageErrors checks the exit codes: an unknown target is
// an error (1) told in one line, a missing argument a usage error (2).
func TestCgroupDockerUsageErrors(t *testing.T) {
	cases := []struct {
		name     string
		args     []string
		wantCode int
	}{
		{"unknown target", []string{"cgroup", "cgdocker-" + randomHex(t, 4) + "-no-such-thing"}, cmd.ExitError},
		{"no target", []string{"cgroup"}, cmd.ExitUsage},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := nsxInProcess(t, tc.args...)
			if code != tc.wantCode {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.wantCode, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			if tc.wantCode == cmd.ExitError {
				lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
				if len(lines) != 1 || !strings.HasPrefix(lines[0], "nsx: ") {
					t.Errorf("stderr = %q, want one line starting \"nsx: \"", stderr)
				}
			}
		})
	}
}

func fmtUintPtr(p *uint64) string {
	if p == nil {
		return "null"
	}
	return strconv.FormatUint(*p, 10)
}
