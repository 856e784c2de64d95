package cmd_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"nsx/internal/testutil"
)

// Facts of the cgroup fixture hosts (testdata/hosts/v2-k8s-limits and
// v1-cgroupfs), as their files define them.
const (
	cgK8sPod1   = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod3d9f2a71_8c4e_4b5a_a6d1_0e2f4c6b8a90.slice"
	cgK8sWebID  = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
	cgK8sWebCg  = cgK8sPod1 + "/cri-containerd-" + cgK8sWebID + ".scope"
	cgV1Pod     = "/kubepods/burstable/pod8a4d2c1e-5b3f-4e6a-9d7c-0f1e2d3c4b5a"
	cgV1AppID   = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	cgV1AppCg   = cgV1Pod + "/" + cgV1AppID
	cgV1AppPID  = "3100"
	cgK8sWebPID = "2160"
)

// The `nsx cgroup -o json` document, decoded into local types so that a
// renamed or retyped field breaks the test as it would break a script.
type cgLimitDoc struct {
	Value *uint64 `json:"value"`
	SetBy string  `json:"setBy"`
}

type cgCoresDoc struct {
	Value *float64 `json:"value"`
	SetBy string   `json:"setBy"`
}

type cgDoc struct {
	SchemaVersion int               `json:"schemaVersion"`
	View          string            `json:"view"`
	PID           int               `json:"pid"`
	Layout        string            `json:"layout"`
	Paths         map[string]string `json:"paths"`
	Container     *struct {
		Name    string `json:"name"`
		ID      string `json:"id"`
		InitPID int    `json:"initPid"`
		Pod     *struct {
			UID string `json:"uid"`
		} `json:"pod"`
	} `json:"container"`
	Memory *struct {
		Cgroup    string      `json:"cgroup"`
		Version   int         `json:"version"`
		Limit     cgLimitDoc  `json:"limit"`
		High      *cgLimitDoc `json:"high"`
		SwapLimit *cgLimitDoc `json:"swapLimit"`
		Own       struct {
			Max *uint64 `json:"max"`
		} `json:"own"`
		Current  *uint64           `json:"current"`
		Peak     *uint64           `json:"peak"`
		Percent  *float64          `json:"percent"`
		Stat     map[string]uint64 `json:"stat"`
		Events   map[string]uint64 `json:"events"`
		Failcnt  *uint64           `json:"failcnt"`
		OOMGroup *bool             `json:"oomGroup"`
	} `json:"memory"`
	CPU *struct {
		Cgroup        string     `json:"cgroup"`
		Version       int        `json:"version"`
		Quota         cgCoresDoc `json:"quota"`
		PeriodUs      *uint64    `json:"periodUs"`
		Weight        *uint64    `json:"weight"`
		Shares        *uint64    `json:"shares"`
		CPUs          string     `json:"cpus"`
		UsageUsec     *uint64    `json:"usageUsec"`
		NrThrottled   *uint64    `json:"nrThrottled"`
		ThrottledUsec *uint64    `json:"throttledUsec"`
	} `json:"cpu"`
	PIDs *struct {
		Cgroup    string     `json:"cgroup"`
		Limit     cgLimitDoc `json:"limit"`
		Current   *uint64    `json:"current"`
		EventsMax *uint64    `json:"eventsMax"`
	} `json:"pids"`
	Pressure map[string]struct {
		Some *struct {
			Avg10 float64 `json:"avg10"`
			Total uint64  `json:"total"`
		} `json:"some"`
		Full *struct {
			Avg10 float64 `json:"avg10"`
		} `json:"full"`
	} `json:"pressure"`
	IO *struct {
		Weight *uint64 `json:"weight"`
	} `json:"io"`
	Warnings []string `json:"warnings"`
}

func cgU64(v uint64) *uint64 { return &v }

func runCgroup(t *testing.T, root string, args ...string) string {
	t.Helper()
	stdout, stderr, code := runNSX(t, append([]string{"--host-root", root, "cgroup"}, args...)...)
	if code != 0 {
		t.Fatalf("nsx cgroup %s: exit %d\nstderr:\n%s", strings.Join(args, " "), code, stderr)
	}
	return stdout
}

func TestCgroupJSON(t *testing.T) {
	approx := cmpopts.EquateApprox(0, 1e-9)

	t.Run("v2 pod-bound container", func(t *testing.T) {
		root := testutil.FixtureHost(t, "v2-k8s-limits")
		doc := decode[cgDoc](t, runCgroup(t, root, cgK8sWebPID, "-o", "json"))
		if doc.SchemaVersion != 1 || doc.View != "cgroup" || doc.PID != 2160 || doc.Layout != "v2" {
			t.Errorf("schemaVersion %d view %q pid %d layout %q, want 1 cgroup 2160 v2", doc.SchemaVersion, doc.View, doc.PID, doc.Layout)
		}
		if doc.Container == nil || doc.Container.ID != cgK8sWebID || doc.Container.Pod == nil || doc.Container.Pod.UID != "3d9f2a71-8c4e-4b5a-a6d1-0e2f4c6b8a90" {
			t.Errorf("container = %+v, want %s in pod 3d9f2a71-…", doc.Container, cgK8sWebID)
		}
		if diff := cmp.Diff(map[string]string{"unified": cgK8sWebCg}, doc.Paths); diff != "" {
			t.Errorf("paths mismatch (-want +got):\n%s", diff)
		}
		m := doc.Memory
		if m == nil {
			t.Fatal("memory absent")
		}
		if diff := cmp.Diff(cgLimitDoc{Value: cgU64(268435456), SetBy: cgK8sPod1}, m.Limit); diff != "" {
			t.Errorf("memory.limit mismatch (-want +got):\n%s", diff)
		}
		if m.Own.Max != nil || m.High == nil || m.High.Value != nil || m.High.SetBy != "" {
			t.Errorf("own.max %v high %+v, want null (\"max\" in the container) and unlimited high", m.Own.Max, m.High)
		}
		if m.Current == nil || *m.Current != 123531264 || m.Peak == nil || *m.Peak != 201326592 {
			t.Errorf("current %v peak %v, want 123531264 and 201326592", m.Current, m.Peak)
		}
		if m.Percent == nil || !cmp.Equal(*m.Percent, 100*123531264.0/268435456.0, approx) {
			t.Errorf("percent %v, want %v", m.Percent, 100*123531264.0/268435456.0)
		}
		if m.Events["oomKill"] != 2 || m.Events["oom"] != 2 || m.Events["max"] != 31 {
			t.Errorf("events %v, want oomKill 2, oom 2, max 31", m.Events)
		}
		if m.Stat["anon"] != 83886080 || m.Stat["file"] != 36700160 {
			t.Errorf("stat %v, want anon 83886080, file 36700160", m.Stat)
		}
		if m.OOMGroup == nil || !*m.OOMGroup || m.Failcnt != nil {
			t.Errorf("oomGroup %v failcnt %v, want true and absent (v2)", m.OOMGroup, m.Failcnt)
		}
		c := doc.CPU
		if c == nil || c.Quota.Value == nil || !cmp.Equal(*c.Quota.Value, 0.5, approx) || c.Quota.SetBy != cgK8sPod1 {
			t.Fatalf("cpu %+v, want quota 0.5 set by the pod slice", c)
		}
		if c.PeriodUs == nil || *c.PeriodUs != 100000 || c.Weight == nil || *c.Weight != 39 || c.NrThrottled == nil || *c.NrThrottled != 1215 {
			t.Errorf("cpu %+v, want period 100000, weight 39, 1215 throttled", c)
		}
		if p := doc.PIDs; p == nil || !cmp.Equal(cgLimitDoc{Value: cgU64(1024), SetBy: "/kubepods.slice"}, p.Limit) || p.Current == nil || *p.Current != 5 {
			t.Errorf("pids %+v, want limit 1024 set by /kubepods.slice, current 5", p)
		}
		if ps, ok := doc.Pressure["cpu"]; !ok || ps.Some == nil || ps.Some.Avg10 != 12.5 || ps.Full == nil || ps.Full.Avg10 != 9.75 {
			t.Errorf("pressure %+v, want cpu some avg10 12.5, full 9.75", doc.Pressure)
		}
		if doc.Warnings == nil || len(doc.Warnings) != 0 {
			t.Errorf("warnings %v, want []", doc.Warnings)
		}
	})

	t.Run("v1 cgroupfs container by ID prefix", func(t *testing.T) {
		root := testutil.FixtureHost(t, "v1-cgroupfs")
		doc := decode[cgDoc](t, runCgroup(t, root, cgV1AppID[:8], "-o", "json"))
		if doc.PID != 3100 || doc.Layout != "v1" || doc.Container == nil || doc.Container.ID != cgV1AppID {
			t.Errorf("pid %d layout %q container %+v, want 3100, v1, %s", doc.PID, doc.Layout, doc.Container, cgV1AppID)
		}
		wantPaths := map[string]string{"memory": cgV1AppCg, "cpu,cpuacct": cgV1AppCg, "pids": cgV1AppCg, "cpuset": cgV1AppCg, "name=systemd": cgV1AppCg}
		if diff := cmp.Diff(wantPaths, doc.Paths); diff != "" {
			t.Errorf("paths mismatch (-want +got):\n%s", diff)
		}
		m := doc.Memory
		if m == nil || m.Version != 1 || !cmp.Equal(cgLimitDoc{Value: cgU64(536870912), SetBy: cgV1Pod}, m.Limit) || m.Own.Max != nil {
			t.Fatalf("memory %+v, want v1, limit 512 MiB set by the pod, own unlimited", m)
		}
		if m.Failcnt == nil || *m.Failcnt != 7 || m.Events["oomKill"] != 1 {
			t.Errorf("failcnt %v events %v, want 7 and oomKill 1", m.Failcnt, m.Events)
		}
		if m.Percent == nil || !cmp.Equal(*m.Percent, 19.53125, approx) {
			t.Errorf("percent %v, want 19.53125 (100 MiB of 512 MiB)", m.Percent)
		}
		c := doc.CPU
		if c == nil || c.Quota.Value == nil || *c.Quota.Value != 1 || c.Quota.SetBy != cgV1Pod || c.Shares == nil || *c.Shares != 512 || c.CPUs != "2-3" {
			t.Errorf("cpu %+v, want quota 1 core set by the pod, shares 512, cpus 2-3", c)
		}
		if c != nil && (c.UsageUsec == nil || *c.UsageUsec != 98765432) {
			t.Errorf("cpu usage %v, want 98765432 us (cpuacct.usage in ns / 1000)", c.UsageUsec)
		}
	})

	t.Run("own high and swapMax are null when max (spec)", func(t *testing.T) {
		// The container's memory.high and memory.swap.max hold "max": the
		// contract writes unlimited as null, so a script can tell it from a
		// file the kernel lacks.
		root := testutil.FixtureHost(t, "v2-k8s-limits")
		raw := decode[struct {
			Memory struct {
				Own map[string]json.RawMessage `json:"own"`
			} `json:"memory"`
		}](t, runCgroup(t, root, cgK8sWebPID, "-o", "json"))
		_, hasHigh := raw.Memory.Own["high"]
		_, hasSwap := raw.Memory.Own["swapMax"]
		if !hasHigh && !hasSwap {
			t.Fatal("memory.own.high and memory.own.swapMax are omitted instead of null when \"max\"")
		}
		for _, k := range []string{"max", "high", "swapMax"} {
			if v, ok := raw.Memory.Own[k]; !ok || string(v) != "null" {
				t.Errorf("memory.own.%s = %s (present %v), want null", k, v, ok)
			}
		}
	})

	t.Run("v1 root cgroup is unlimited", func(t *testing.T) {
		root := testutil.FixtureHost(t, "v1-cgroupfs")
		doc := decode[cgDoc](t, runCgroup(t, root, "2", "-o", "json"))
		if doc.Memory == nil || doc.Memory.Limit.Value != nil || doc.Memory.Limit.SetBy != "" || doc.Memory.Percent != nil {
			t.Errorf("memory %+v, want limit {null, \"\"} and no percent", doc.Memory)
		}
		if doc.CPU == nil || doc.CPU.Quota.Value != nil || doc.PIDs == nil || doc.PIDs.Limit.Value != nil {
			t.Errorf("cpu %+v pids %+v, want no quota and no pids limit", doc.CPU, doc.PIDs)
		}
	})
}

func TestCgroupTable(t *testing.T) {
	tests := []struct {
		name     string
		scenario string
		target   string
		want     []string // substrings of stdout
		notWant  []string
	}{
		{
			name: "v2 pod-bound memory", scenario: "v2-k8s-limits", target: cgK8sWebPID,
			want: []string{
				"LAYOUT    v2",
				"PATH      " + cgK8sWebCg,
				"of 256.0 MiB (46%), limit set by ancestor " + cgK8sPod1,
				"quota 0.50 cores, set by ancestor " + cgK8sPod1,
				"current 5 of 1024 (0%), limit set by ancestor /kubepods.slice",
				"oomKill 2",
			},
			notWant: []string{"no limit", "WARNING"},
		},
		{
			name: "v2 container by ID prefix", scenario: "v2-k8s-limits", target: cgK8sWebID[:10],
			want: []string{"pid 2160", "limit set by ancestor " + cgK8sPod1},
		},
		{
			name: "v1 pod-bound container", scenario: "v1-cgroupfs", target: cgV1AppPID,
			want: []string{
				"LAYOUT    v1",
				"usage 100.0 MiB of 512.0 MiB (20%), limit set by ancestor " + cgV1Pod,
				"failcnt 7",
				"quota 1.00 cores, set by ancestor " + cgV1Pod,
			},
		},
		{
			name: "v1 root cgroup", scenario: "v1-cgroupfs", target: "2",
			want:    []string{"PATH      /  (", ", no limit", "no quota", "current 412, no limit"},
			notWant: []string{"set by"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := runCgroup(t, testutil.FixtureHost(t, tt.scenario), tt.target)
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(out, w) {
					t.Errorf("output has %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestCgroupExitCodes(t *testing.T) {
	root := testutil.FixtureHost(t, "v2-k8s-limits")
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{name: "no argument", args: []string{"--host-root", root, "cgroup"}, wantCode: 2, wantErr: "nsx: "},
		{name: "two arguments", args: []string{"--host-root", root, "cgroup", "1", "2"}, wantCode: 2, wantErr: "nsx: "},
		{name: "unknown target", args: []string{"--host-root", root, "cgroup", "nosuchcontainer"}, wantCode: 1, wantErr: `nsx: no process or container matches "nosuchcontainer"`},
		{name: "no such PID", args: []string{"--host-root", root, "cgroup", "99999"}, wantCode: 1, wantErr: "nsx: "},
		{name: "bad output format", args: []string{"--host-root", root, "cgroup", "2160", "-o", "yaml"}, wantCode: 2, wantErr: "nsx: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runNSX(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.wantCode, stderr)
			}
			if !strings.HasPrefix(stderr, tt.wantErr) {
				t.Errorf("stderr %q, want it to start with %q", stderr, tt.wantErr)
			}
			if n := strings.Count(strings.TrimSuffix(stderr, "\n"), "\n"); n != 0 {
				t.Errorf("stderr has %d lines, want one:\n%s", n+1, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing on failure", stdout)
			}
		})
	}
}
