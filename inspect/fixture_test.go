package inspect_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"nsx/inspect"
	"nsx/internal/testutil"
)

// The fixture hosts under testdata/hosts, as their files define them. The
// IDs and inodes below are the ones written there; the expectations are
// what those files mean, worked out by hand, not nsx's output.
const (
	webID     = "3f4e8c2a9b1d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f"
	dbID      = "7c3a9e10b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a6"
	metricsID = "7c3a9e55d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c5" // shares "7c3a9e" with db
	debugID   = "a41f9b3c7e2058d6f4b2a0c8e6d4f2b0a8c6e4d2f0b8a6c4e2d0f8b6a4c2e0d8"
	oldJobID  = "e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8"

	apiID   = "5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f"
	pauseID = "9b8a7c6d5e4f30211a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081"
	appID   = "c0ffee12d4e6f8a0b2c4d6e8f0a2b4c6d8e0f2a4b6c8d0e2f4a6b8c0d2e4f6a8"
	podUID  = "6f1c2b8e-4a7d-4e21-9c3b-5d8e7f6a1b20"

	hostMntNS   = 4026531841
	blueNetNS   = 4026532800 // ip netns add blue: bind mount only
	fdOnlyNetNS = 4026532500 // open in fd 5 of PID 910 only
	webPIDNS    = 4026532603
	podUserNS   = 4026532900
	podNetNS    = 4026532910
)

func scanFixture(t *testing.T, scenario string) *inspect.Snapshot {
	t.Helper()
	h, err := inspect.NewHost(testutil.FixtureHost(t, scenario))
	if err != nil {
		t.Fatalf("NewHost: %v", err)
	}
	s, err := h.Scan(inspect.ScanOptions{})
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	return s
}

// checkOnlyHierarchyWarning: in a fixture the ns links dangle, so the
// owner/parent ioctls cannot run; that one warning is expected, no other.
func checkOnlyHierarchyWarning(t *testing.T, s *inspect.Snapshot) {
	t.Helper()
	if len(s.Warnings) != 1 || !strings.HasPrefix(s.Warnings[0], "owner and parent of ") ||
		!strings.Contains(s.Warnings[0], "namespaces unknown") {
		t.Errorf("warnings = %q, want only the owner/parent one", s.Warnings)
	}
}

// sandboxSummary is what a test states of a sandbox.
type sandboxSummary struct {
	Host    bool
	PIDs    []int
	Runtime string
	ID      string
	Name    string
	PodUID  string
	// Scopes of the types that are not the host's.
	Scopes map[string]inspect.Scope
}

func summarize(sbs []*inspect.Sandbox) []sandboxSummary {
	var out []sandboxSummary
	for _, sb := range sbs {
		sum := sandboxSummary{Host: sb.IsHost, PIDs: sb.PIDs, Scopes: map[string]inspect.Scope{}}
		if c := sb.Container; c != nil {
			sum.Runtime, sum.ID, sum.Name = c.Runtime, c.ID, c.Name
			if c.Pod != nil {
				sum.PodUID = c.Pod.UID
			}
		}
		for _, typ := range inspect.AllNSTypes {
			if sb.Scope[typ] != inspect.ScopeHost {
				sum.Scopes[typ.String()] = sb.Scope[typ]
			}
		}
		out = append(out, sum)
	}
	return out
}

const (
	private = inspect.ScopePrivate
	shared  = inspect.ScopeShared
)

func TestFixtureSandboxes(t *testing.T) {
	tests := []struct {
		scenario  string
		processes int
		want      []sandboxSummary
	}{{
		scenario:  "v1-docker",
		processes: 19,
		want: []sandboxSummary{
			// systemd, 2 kernel threads, daemons, the fd holder and 4 shims.
			{Host: true, PIDs: []int{1, 2, 3, 389, 598, 620, 703, 745, 910, 1290, 1390, 1500, 1590}, Scopes: map[string]inspect.Scope{}},
			// PrivateMounts=yes gives udevd a mount namespace of its own.
			{PIDs: []int{412}, Runtime: "systemd", ID: "systemd-udevd.service", Name: "systemd-udevd.service", Scopes: map[string]inspect.Scope{"mnt": private}},
			{PIDs: []int{1310, 1355}, Runtime: "docker", ID: webID, Name: "web",
				Scopes: map[string]inspect.Scope{"ipc": private, "mnt": private, "net": private, "pid": shared, "uts": private}},
			{PIDs: []int{1420}, Runtime: "docker", ID: dbID, Name: "db",
				Scopes: map[string]inspect.Scope{"ipc": private, "mnt": private, "net": private, "pid": private, "uts": private}},
			// --pid container:web
			{PIDs: []int{1530}, Runtime: "docker", ID: debugID, Name: "web-debug",
				Scopes: map[string]inspect.Scope{"ipc": private, "mnt": private, "net": private, "pid": shared, "uts": private}},
			// --network host: the host's net and uts.
			{PIDs: []int{1620}, Runtime: "docker", ID: metricsID, Name: "metrics",
				Scopes: map[string]inspect.Scope{"ipc": private, "mnt": private, "pid": private}},
		},
	}, {
		scenario:  "v2-k8s",
		processes: 12,
		want: []sandboxSummary{
			{Host: true, PIDs: []int{1, 2, 3, 402, 655, 690, 720, 1880, 2080}, Scopes: map[string]inspect.Scope{}},
			// Docker on cgroup v2 gives a private cgroup namespace too.
			{PIDs: []int{1900}, Runtime: "docker", ID: apiID, Name: "api",
				Scopes: map[string]inspect.Scope{"cgroup": private, "ipc": private, "mnt": private, "net": private, "pid": private, "uts": private}},
			// The pod: pause and app share user, net, ipc and uts.
			{PIDs: []int{2100}, Runtime: "containerd", ID: pauseID, PodUID: podUID,
				Scopes: map[string]inspect.Scope{"cgroup": private, "ipc": shared, "mnt": private, "net": shared, "pid": private, "user": shared, "uts": shared}},
			{PIDs: []int{2160}, Runtime: "containerd", ID: appID, PodUID: podUID,
				Scopes: map[string]inspect.Scope{"cgroup": private, "ipc": shared, "mnt": private, "net": shared, "pid": private, "user": shared, "uts": shared}},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			s := scanFixture(t, tt.scenario)
			if s.Stats.Processes != tt.processes || len(s.Processes) != tt.processes {
				t.Errorf("processes: stats %d, map %d; want %d", s.Stats.Processes, len(s.Processes), tt.processes)
			}
			if s.Stats.Hidden != 0 || s.Stats.Vanished != 0 || s.Stats.HiddenFDs != 0 {
				t.Errorf("stats = %+v, want nothing hidden or vanished", s.Stats)
			}
			checkOnlyHierarchyWarning(t, s)
			s.LoadStats([]int{1, 2}) // a scan reads no stat files; views ask
			if !s.Processes[2].Kernel || s.Processes[1].Kernel {
				t.Errorf("kernel thread flags: PID 1 %v, PID 2 %v; want false, true", s.Processes[1].Kernel, s.Processes[2].Kernel)
			}
			if have := s.HostNS; have != s.Processes[1].NS {
				t.Errorf("HostNS = %v, want PID 1's %v", have, s.Processes[1].NS)
			}
			if diff := cmp.Diff(tt.want, summarize(s.Sandboxes())); diff != "" {
				t.Errorf("sandboxes (-want +have):\n%s", diff)
			}
		})
	}
}

// TestFixtureNamespaceMembers checks every namespace against the ns links
// the fixture defines: the same set, each with the same processes.
func TestFixtureNamespaceMembers(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		// namespaces no process is in
		extra []inspect.NSID
	}{
		{"v1-docker", []inspect.NSID{{Type: inspect.NetNS, Inode: blueNetNS}, {Type: inspect.NetNS, Inode: fdOnlyNetNS}}},
		{"v2-k8s", nil},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			s := scanFixture(t, tc.scenario)
			want := map[inspect.NSID][]int{}
			for _, id := range tc.extra {
				want[id] = nil
			}
			for path, target := range testutil.FixtureLinks(t, tc.scenario) {
				f := strings.Split(path, "/") // proc PID ns TYPE
				if len(f) != 4 || f[0] != "proc" || f[2] != "ns" {
					continue
				}
				pid, _ := strconv.Atoi(f[1])
				typ, err := inspect.ParseNSType(f[3])
				if err != nil {
					t.Fatalf("links.txt %s: %v", path, err)
				}
				ino, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(target, f[3]+":["), "]"), 10, 64)
				id := inspect.NSID{Type: typ, Inode: ino}
				want[id] = append(want[id], pid)
			}
			for _, pids := range want {
				slices.Sort(pids)
			}
			have := map[inspect.NSID][]int{}
			for id, n := range s.Namespaces {
				have[id] = n.PIDs
			}
			if diff := cmp.Diff(want, have); diff != "" {
				t.Errorf("namespace members (-want +have):\n%s", diff)
			}
		})
	}
}

func TestFixtureHolders(t *testing.T) {
	s := scanFixture(t, "v1-docker")
	tests := []struct {
		name string
		id   inspect.NSID
		want []inspect.Holder
	}{
		{"ip netns add blue", inspect.NSID{Type: inspect.NetNS, Inode: blueNetNS},
			[]inspect.Holder{{Kind: inspect.HeldByBindMount, Path: "/run/netns/blue", MntNS: hostMntNS}}},
		{"fd only", inspect.NSID{Type: inspect.NetNS, Inode: fdOnlyNetNS},
			[]inspect.Holder{{Kind: inspect.HeldByFD, PID: 910, FD: 5}}},
		// dockerd pins each container's netns at /run/docker/netns/ too.
		{"web's net", inspect.NSID{Type: inspect.NetNS, Inode: 4026532605}, []inspect.Holder{
			{Kind: inspect.HeldByProcess, PID: 1310},
			{Kind: inspect.HeldByBindMount, Path: "/run/docker/netns/ebe2650a41c1", MntNS: hostMntNS}}},
		{"web's pid, shared with web-debug", inspect.NSID{Type: inspect.PIDNS, Inode: webPIDNS},
			[]inspect.Holder{{Kind: inspect.HeldByProcess, PID: 1310}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := s.Namespaces[tt.id]
			if n == nil {
				t.Fatalf("%v not found", tt.id)
			}
			if diff := cmp.Diff(tt.want, n.HeldBy); diff != "" {
				t.Errorf("HeldBy (-want +have):\n%s", diff)
			}
		})
	}
}

func TestFixtureUserMapping(t *testing.T) {
	s := scanFixture(t, "v2-k8s")
	tests := []struct {
		name   string
		userNS uint64
		want   inspect.UserMapping
	}{
		{"host", s.HostNS[inspect.UserNS], inspect.MappingHost},
		{"pod with hostUsers false", podUserNS, inspect.MappingMapped},
		{"not in the snapshot", 4026539999, inspect.MappingUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if have := s.UserMapping(tt.userNS); have != tt.want {
				t.Errorf("UserMapping(%d) = %q, want %q", tt.userNS, have, tt.want)
			}
		})
	}
	n := s.Namespace(inspect.UserNS, podUserNS)
	if n == nil {
		t.Fatal("the pod's user namespace is missing")
	}
	wantMap := []inspect.IDMapRange{{Inside: 0, Outside: 100000, Count: 65536}}
	if diff := cmp.Diff(wantMap, n.UIDMap); diff != "" {
		t.Errorf("UIDMap (-want +have):\n%s", diff)
	}
	if diff := cmp.Diff([]int{2100, 2160}, n.PIDs); diff != "" {
		t.Errorf("pod user namespace members (-want +have):\n%s", diff)
	}
	// containerd pins the pod's netns for CNI.
	net := s.Namespace(inspect.NetNS, podNetNS)
	if net == nil || !slices.ContainsFunc(net.HeldBy, func(h inspect.Holder) bool {
		return h.Kind == inspect.HeldByBindMount && strings.HasPrefix(h.Path, "/run/netns/cni-")
	}) {
		t.Errorf("pod netns holders = %+v, want a /run/netns/cni-* bind mount", net)
	}
}

func TestFixtureResolve(t *testing.T) {
	snaps := map[string]*inspect.Snapshot{
		"v1-docker": scanFixture(t, "v1-docker"),
		"v2-k8s":    scanFixture(t, "v2-k8s"),
	}
	tests := []struct {
		name     string
		scenario string
		spec     string
		wantKind inspect.TargetKind
		wantPIDs []int
		wantID   string
	}{
		{"pid in a container", "v1-docker", "1355", inspect.TargetPID, []int{1355}, ""},
		{"host pid", "v1-docker", "1", inspect.TargetPID, []int{1}, ""},
		{"name", "v1-docker", "web", inspect.TargetContainer, []int{1310, 1355}, webID},
		{"full id", "v1-docker", webID, inspect.TargetContainer, []int{1310, 1355}, webID},
		{"unique prefix", "v1-docker", "3f4e8", inspect.TargetContainer, []int{1310, 1355}, webID},
		{"longer prefix of one of two", "v1-docker", "7c3a9e5", inspect.TargetContainer, []int{1620}, metricsID},
		{"pid-sharing container", "v1-docker", "web-debug", inspect.TargetContainer, []int{1530}, debugID},
		{"docker on v2", "v2-k8s", "api", inspect.TargetContainer, []int{1900}, apiID},
		{"cri container by prefix", "v2-k8s", "9b8a7c", inspect.TargetContainer, []int{2100}, pauseID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkResolve(t, snaps[tt.scenario], tt.spec, tt.wantKind, tt.wantPIDs, tt.wantID, "")
		})
	}

	errTests := []struct {
		name      string
		spec      string
		wantIs    error
		wantInMsg string
	}{
		{"stopped container by name", "old-job", inspect.ErrNoTarget, "not running"},
		{"stopped container by prefix", oldJobID[:8], inspect.ErrNoTarget, "not running"},
		{"unknown name", "no-such-container", inspect.ErrNoTarget, "no-such-container"},
		{"unknown pid", "4242", inspect.ErrNoProcess, "4242"},
		{"ambiguous prefix", "7c3a9e", inspect.ErrAmbiguous, "7c3a9e"},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			tgt, err := snaps["v1-docker"].Resolve(tt.spec)
			if err == nil {
				t.Fatalf("Resolve(%q) = %+v, want an error", tt.spec, tgt)
			}
			if !errors.Is(err, tt.wantIs) {
				t.Errorf("Resolve(%q) = %v; errors.Is %v is false", tt.spec, err, tt.wantIs)
			}
			if !strings.Contains(err.Error(), tt.wantInMsg) {
				t.Errorf("Resolve(%q) = %q, want it to mention %q", tt.spec, err, tt.wantInMsg)
			}
		})
	}

	t.Run("ambiguous prefix lists both candidates", func(t *testing.T) {
		_, err := snaps["v1-docker"].Resolve("7c3a9e")
		var amb *inspect.AmbiguousError
		if !errors.As(err, &amb) {
			t.Fatalf("Resolve = %v, want an *AmbiguousError", err)
		}
		if len(amb.Candidates) != 2 {
			t.Fatalf("candidates = %q, want db and metrics", amb.Candidates)
		}
		for _, want := range []string{dbID[:12], metricsID[:12]} {
			if !slices.ContainsFunc(amb.Candidates, func(c string) bool { return strings.Contains(c, want) }) {
				t.Errorf("candidates = %q, want one naming %s", amb.Candidates, want)
			}
		}
	})
	t.Run("unknown name is a NoTargetError", func(t *testing.T) {
		_, err := snaps["v1-docker"].Resolve("no-such-container")
		var nt *inspect.NoTargetError
		if !errors.As(err, &nt) || nt.Target != "no-such-container" {
			t.Errorf("Resolve = %v, want a *NoTargetError for the target", err)
		}
	})
}

func TestNewHostRejectsNonHostRoot(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T) string
	}{
		{"no proc", func(t *testing.T) string { return t.TempDir() }},
		{"empty proc", func(t *testing.T) string {
			root := t.TempDir()
			if err := os.Mkdir(filepath.Join(root, "proc"), 0o755); err != nil {
				t.Fatal(err)
			}
			return root
		}},
		{"proc without process directories", func(t *testing.T) string {
			root := t.TempDir()
			for _, d := range []string{"proc/self", "proc/sys", "proc/0x10"} {
				if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			return root
		}},
		{"a file", func(t *testing.T) string {
			f := filepath.Join(t.TempDir(), "file")
			if err := os.WriteFile(f, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			return f
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := tt.setup(t)
			if _, err := inspect.NewHost(root); !errors.Is(err, inspect.ErrNotHostRoot) {
				t.Errorf("NewHost(%s) = %v, want ErrNotHostRoot", root, err)
			}
		})
	}
}

// TestFixtureMalformedProcess: a malformed stat must not fail the scan or
// lose the process: its namespaces are still known (it is counted where lsns
// counts it), a warning names the file, and it sorts as the youngest of its
// sandbox, so it never becomes the sandbox's PID.
func TestFixtureMalformedProcess(t *testing.T) {
	tests := []struct {
		name string
		stat string
	}{
		{"garbage", "this is not a stat line\n"},
		{"empty", ""},
		{"truncated after comm", "598 (cron) S 1 598\n"},
		{"non-numeric ppid", "598 (cron) S one 598 598 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 611 0 0\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := testutil.FixtureHost(t, "v1-docker")
			if err := os.WriteFile(filepath.Join(root, "proc", "598", "stat"), []byte(tt.stat), 0o644); err != nil {
				t.Fatal(err)
			}
			h, err := inspect.NewHost(root)
			if err != nil {
				t.Fatal(err)
			}
			s, err := h.Scan(inspect.ScanOptions{})
			if err != nil {
				t.Fatalf("Scan failed on one malformed process: %v", err)
			}
			if _, ok := s.Processes[598]; !ok || s.Stats.Processes != 19 || s.Stats.Hidden != 0 {
				t.Errorf("PID 598 kept %v, stats %+v; want it kept, 19 processes, none hidden", ok, s.Stats)
			}
			var sandboxOf598 *inspect.Sandbox
			for _, sb := range s.Sandboxes() { // reads every stat
				if slices.Contains(sb.PIDs, 598) {
					sandboxOf598 = sb
				}
			}
			if sandboxOf598 == nil {
				t.Fatal("PID 598 is in no sandbox")
			}
			if sandboxOf598.Oldest == 598 {
				t.Errorf("PID 598, whose start time is unknown, was taken as its sandbox's oldest")
			}
			if !slices.ContainsFunc(s.Warnings, func(w string) bool {
				return strings.Contains(w, "process 598") && strings.Contains(w, "stat")
			}) {
				t.Errorf("warnings = %q, want one naming process 598's stat", s.Warnings)
			}
		})
	}
}

// TestFixtureTasks: with --tasks, threads that share their process's
// namespaces add nothing.
func TestFixtureTasks(t *testing.T) {
	h, err := inspect.NewHost(testutil.FixtureHost(t, "v1-docker"))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := h.Scan(inspect.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := h.Scan(inspect.ScanOptions{Tasks: true})
	if err != nil {
		t.Fatal(err)
	}
	if tasks.Stats.Tasks != 0 || len(tasks.Namespaces) != len(plain.Namespaces) {
		t.Errorf("with tasks: %d differing tasks, %d namespaces; want 0 and %d", tasks.Stats.Tasks, len(tasks.Namespaces), len(plain.Namespaces))
	}
}

// TestFixtureKernelWithoutTimeNamespace: before Linux 5.6 there is no
// ns/time link. The scan must carry on without the type: no time
// namespaces, no error, no warning, the same sandboxes, and the type's
// scope unknown rather than private.
func TestFixtureKernelWithoutTimeNamespace(t *testing.T) {
	root := testutil.FixtureHost(t, "v1-docker")
	links, err := filepath.Glob(filepath.Join(root, "proc", "*", "ns", "time*"))
	if err != nil || len(links) == 0 {
		t.Fatalf("fixture has no time links to remove (%v)", err)
	}
	tasks, _ := filepath.Glob(filepath.Join(root, "proc", "*", "task", "*", "ns", "time*"))
	for _, l := range append(links, tasks...) {
		if err := os.Remove(l); err != nil {
			t.Fatal(err)
		}
	}
	withTime := scanFixture(t, "v1-docker")
	h, err := inspect.NewHost(root)
	if err != nil {
		t.Fatal(err)
	}
	s, err := h.Scan(inspect.ScanOptions{Tasks: true})
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	for id := range s.Namespaces {
		if id.Type == inspect.TimeNS {
			t.Errorf("found time namespace %d on a kernel without them", id.Inode)
		}
	}
	if s.Stats.Processes != withTime.Stats.Processes || s.Stats.Hidden != 0 {
		t.Errorf("stats %+v, want %d processes, none hidden", s.Stats, withTime.Stats.Processes)
	}
	have, want := s.Sandboxes(), withTime.Sandboxes()
	if len(have) != len(want) {
		t.Fatalf("%d sandboxes without time namespaces, %d with", len(have), len(want))
	}
	for i, sb := range have {
		if !slices.Equal(sb.PIDs, want[i].PIDs) {
			t.Errorf("sandbox %d: PIDs %v, want %v", i, sb.PIDs, want[i].PIDs)
		}
		if sb.Scope[inspect.TimeNS] != inspect.ScopeUnknown {
			t.Errorf("sandbox of PID %d: time scope %q, want unknown", sb.Oldest, sb.Scope[inspect.TimeNS])
		}
		for _, p := range sb.PIDs {
			if s.Processes[p].Exiting {
				t.Errorf("process %d taken for an exiting one", p)
			}
		}
	}
	checkOnlyHierarchyWarning(t, s)
}

// checkResolve resolves spec and checks the target's kind, PIDs and, when
// wanted, its container's ID and its pod (NAMESPACE/NAME).
func checkResolve(t *testing.T, s *inspect.Snapshot, spec string, wantKind inspect.TargetKind, wantPIDs []int, wantID, wantPod string) {
	t.Helper()
	tgt, err := s.Resolve(spec)
	if err != nil {
		t.Fatalf("Resolve(%q): %v", spec, err)
	}
	if tgt.Kind != wantKind {
		t.Errorf("kind = %q, want %q", tgt.Kind, wantKind)
	}
	if diff := cmp.Diff(wantPIDs, tgt.PIDs); diff != "" {
		t.Errorf("PIDs (-want +have):\n%s", diff)
	}
	if wantID != "" && (tgt.Container == nil || tgt.Container.ID != wantID) {
		t.Errorf("container = %+v, want ID %s", tgt.Container, wantID)
	}
	if wantPod != "" && (tgt.Pod == nil || tgt.Pod.String() != wantPod) {
		t.Errorf("pod = %+v, want %s", tgt.Pod, wantPod)
	}
}
