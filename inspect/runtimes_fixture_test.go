package inspect_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"nsx/inspect"
	"nsx/internal/testutil"
)

// Runtime identity on the fixture hosts that hold the runtimes' state on
// disk (testdata/hosts/README.md): v2-kubelet is v2-k8s's node with
// containerd's and the kubelet's files, v2-crio a CRI-O node. The facts
// below are what those files say, read by hand; IDs of v2-k8s (pauseID,
// appID, apiID, podUID) are in fixture_test.go.
const (
	kubeletPodNS   = "shop"
	kubeletPodName = "checkout-7f9c8d6b5-x2x4q"
	// nginx's OOM-killed attempt before appID: only its CRI status file
	// and the kubelet's log link are left.
	appAttempt0ID = "8fb2600e6e6118d062bf0d7354683499f4c98a1d6afaa378961ba83b59cc2eb4"

	v2crioPaymentsNS    = "payments"
	v2crioPaymentsPod   = "api-5d9c7b-abcde"
	v2crioPaymentsUID   = "2f6e9c1a-8b3d-4c7e-9f1a-5d2b8e4c6a90"
	v2crioBillingNS     = "billing"
	v2crioBillingPod    = "ledger-6c5b4a-zz9kq"
	v2crioBillingUID    = "7a1c3e5f-9b2d-4f6a-8c0e-1d3f5b7a9c2e"
	v2crioPaymentsInfra = "1735a6c30e2fa9808a5aed578fe7faa7eea29c8784b0ffb8dd3ced44d6e8f3b8"
	// The api of payments, attempt 0: OOM-killed, no process left.
	v2crioPaymentsAPI0   = "890c3f0667144c13d004635d33a68dee28de931b2377ad30643943bce9093cd9"
	v2crioPaymentsAPI1   = "acdd169cb80c54d07cb619e6bde4b0e7e84a038c543dda112bb4d955b2668573"
	v2crioPaymentsSide   = "1b4567a46350ac2ee7a88520e4ea248f0a442be9e862402d3ff8f677877f1dac"
	v2crioBillingInfra   = "c58a433ae4903fdbee00ced012be97a575ec32c2c8f94103d466ff6a187919b7"
	v2crioBillingAPI     = "b7bc0f16eaac2a34565d65bbcface8e759e0b3c3c7da60237377a416516cdd25"
	v2crioPauseImage     = "registry.k8s.io/pause:3.9"
	v2crioPaymentsImage  = "registry.local/payments/api:1.8.2"
	v2crioStorageJSON    = "var/lib/containers/storage/overlay-containers/containers.json"
	v2crioVolatileJSON   = "var/lib/containers/storage/overlay-containers/volatile-containers.json"
	kubeletTaskDir       = "/run/containerd/io.containerd.runtime.v2.task/k8s.io/"
	kubeletCRIContainers = "/var/lib/containerd/io.containerd.grpc.v1.cri/containers/"
)

// identity is what a test states of a process's container.
type identity struct {
	Runtime, ID, Name string
	// Namespace is containerd's (k8s.io), not the pod's.
	Namespace                     string
	PodNamespace, PodName, PodUID string
	PodSandbox                    bool
	Image, State                  string
	InitPID                       int
}

func identityOf(c *inspect.Container) identity {
	id := identity{Runtime: c.Runtime, ID: c.ID, Name: c.Name, Namespace: c.Namespace,
		PodSandbox: c.PodSandbox, Image: c.Image, State: c.State, InitPID: c.InitPID}
	if c.Pod != nil {
		id.PodNamespace, id.PodName, id.PodUID = c.Pod.Namespace, c.Pod.Name, c.Pod.UID
	}
	return id
}

// containerIdentities maps every PID in a container to that container's
// identity; processes in none are left out.
func containerIdentities(s *inspect.Snapshot) map[int]identity {
	out := map[int]identity{}
	for pid, p := range s.Processes {
		if p.Container != nil {
			out[pid] = identityOf(p.Container)
		}
	}
	return out
}

// kubeletIdentities is v2-kubelet as its files define it.
func kubeletIdentities() map[int]identity {
	pod := func(id identity) identity {
		id.Runtime, id.Namespace, id.State = "containerd", "k8s.io", "running"
		id.PodNamespace, id.PodName, id.PodUID = kubeletPodNS, kubeletPodName, podUID
		return id
	}
	return map[int]identity{
		1900: {Runtime: "docker", ID: apiID, Name: "api", Image: "registry.local/api:2.3", State: "running", InitPID: 1900},
		// containerd's CRI plugin gives the sandbox no image annotation.
		2100: pod(identity{ID: pauseID, PodSandbox: true, InitPID: 2100}),
		2160: pod(identity{ID: appID, Name: "nginx", Image: "docker.io/library/nginx:1.25.3", InitPID: 2160}),
	}
}

// v2crioIdentities is v2-crio as its files define it. The conmon processes
// (3000, 3100, 3200, 3300, 3400) are the host's: their cgroups are
// crio-conmon-ID.scope, which name no container.
func v2crioIdentities() map[int]identity {
	payments := func(id identity) identity {
		id.Runtime, id.State = "cri-o", "running"
		id.PodNamespace, id.PodName, id.PodUID = v2crioPaymentsNS, v2crioPaymentsPod, v2crioPaymentsUID
		return id
	}
	billing := func(id identity) identity {
		id.Runtime, id.State = "cri-o", "running"
		id.PodNamespace, id.PodName, id.PodUID = v2crioBillingNS, v2crioBillingPod, v2crioBillingUID
		return id
	}
	// An infra container has no Kubernetes container name: CRI-O's
	// metadata-name holds the pod's name there, not the container's.
	api1 := payments(identity{ID: v2crioPaymentsAPI1, Name: "api", Image: v2crioPaymentsImage, InitPID: 3120})
	return map[int]identity{
		3010: payments(identity{ID: v2crioPaymentsInfra, PodSandbox: true, Image: v2crioPauseImage, InitPID: 3010}),
		3120: api1,
		3140: api1, // gunicorn's worker: the same container
		3220: payments(identity{ID: v2crioPaymentsSide, Name: "sidecar", Image: "docker.io/envoyproxy/envoy:v1.28.0", InitPID: 3220}),
		3310: billing(identity{ID: v2crioBillingInfra, PodSandbox: true, Image: v2crioPauseImage, InitPID: 3310}),
		3420: billing(identity{ID: v2crioBillingAPI, Name: "api", Image: "registry.local/billing/ledger-api:4.0.1", InitPID: 3420}),
	}
}

// TestFixtureRuntimeIdentity: every containerised process is named from
// its runtime's state: runtime, ID, name, pod, sandbox flag, image, state
// and init PID; nothing else is a container, and reading that state warns
// of nothing.
func TestFixtureRuntimeIdentity(t *testing.T) {
	for _, tt := range []struct {
		scenario string
		want     map[int]identity
	}{
		{"v2-kubelet", kubeletIdentities()},
		{"v2-crio", v2crioIdentities()},
	} {
		t.Run(tt.scenario, func(t *testing.T) {
			s := scanFixture(t, tt.scenario)
			checkOnlyHierarchyWarning(t, s)
			if diff := cmp.Diff(tt.want, containerIdentities(s)); diff != "" {
				t.Errorf("containers by PID (-want +have):\n%s", diff)
			}
		})
	}
}

// TestFixtureRuntimeSources: the identity says which files it came from, as
// the host names them, and the CRI status file gives containerd's app its
// start; CRI-O's state.json gives the start of its containers.
func TestFixtureRuntimeSources(t *testing.T) {
	kubelet := scanFixture(t, "v2-kubelet")
	crio := scanFixture(t, "v2-crio")
	crioUserdata := "/var/lib/containers/storage/overlay-containers/" + v2crioPaymentsAPI1 + "/userdata/"
	tests := []struct {
		name        string
		s           *inspect.Snapshot
		pid         int
		wantSources []string
		wantStarted string
	}{
		{"containerd app", kubelet, 2160,
			[]string{kubeletTaskDir + appID + "/config.json", kubeletCRIContainers + appID + "/status"},
			"2026-11-28T22:14:31.530128114Z"},
		// Sandboxes have no CRI status file: the bundle is all there is.
		{"containerd sandbox", kubelet, 2100, []string{kubeletTaskDir + pauseID + "/config.json"}, ""},
		{"cri-o container", crio, 3120,
			[]string{"/" + v2crioStorageJSON, crioUserdata + "config.json", crioUserdata + "state.json"},
			"2026-11-29T08:41:09.301555871Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.s.Processes[tt.pid].Container
			if c == nil {
				t.Fatalf("PID %d is in no container", tt.pid)
			}
			if diff := cmp.Diff(tt.wantSources, c.Sources); diff != "" {
				t.Errorf("sources (-want +have):\n%s", diff)
			}
			var started string
			if c.LastRun != nil && c.LastRun.StartedAt != nil {
				started = c.LastRun.StartedAt.UTC().Format(time.RFC3339Nano)
			}
			if started != tt.wantStarted {
				t.Errorf("started at %q, want %q", started, tt.wantStarted)
			}
			// A running container has not exited: no exit code.
			if c.LastRun != nil && (c.LastRun.ExitCode != nil || c.LastRun.FinishedAt != nil) {
				t.Errorf("last run %+v: a running container has no exit", c.LastRun)
			}
		})
	}
}

// podSummary is what a test states of a pod group.
type podSummary struct {
	Pod     string // NAMESPACE/NAME
	UID     string
	Members []podMemberSummary
}

type podMemberSummary struct {
	ID      string
	Name    string
	Sandbox bool
	PIDs    []int
}

func summarizePods(groups []*inspect.PodGroup) []podSummary {
	var out []podSummary
	for _, g := range groups {
		ps := podSummary{Pod: g.Pod.String(), UID: g.Pod.UID}
		for _, m := range g.Containers {
			ps.Members = append(ps.Members, podMemberSummary{ID: m.Container.ID, Name: m.Container.Name,
				Sandbox: m.Container.PodSandbox, PIDs: m.PIDs})
		}
		out = append(out, ps)
	}
	return out
}

// TestFixturePods: Snapshot.Pods groups the running containers by pod,
// pods by NAMESPACE/NAME, the sandbox first in each, then the containers
// by name; the exited container (no process) is in no group, and neither
// is Docker's api, which belongs to no pod.
func TestFixturePods(t *testing.T) {
	tests := []struct {
		scenario string
		want     []podSummary
	}{{
		scenario: "v2-kubelet",
		want: []podSummary{{Pod: kubeletPodNS + "/" + kubeletPodName, UID: podUID, Members: []podMemberSummary{
			{ID: pauseID, Sandbox: true, PIDs: []int{2100}},
			{ID: appID, Name: "nginx", PIDs: []int{2160}},
		}}},
	}, {
		scenario: "v2-crio",
		want: []podSummary{
			{Pod: v2crioBillingNS + "/" + v2crioBillingPod, UID: v2crioBillingUID, Members: []podMemberSummary{
				{ID: v2crioBillingInfra, Sandbox: true, PIDs: []int{3310}},
				{ID: v2crioBillingAPI, Name: "api", PIDs: []int{3420}},
			}},
			{Pod: v2crioPaymentsNS + "/" + v2crioPaymentsPod, UID: v2crioPaymentsUID, Members: []podMemberSummary{
				{ID: v2crioPaymentsInfra, Sandbox: true, PIDs: []int{3010}},
				{ID: v2crioPaymentsAPI1, Name: "api", PIDs: []int{3120, 3140}},
				{ID: v2crioPaymentsSide, Name: "sidecar", PIDs: []int{3220}},
			}},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, summarizePods(scanFixture(t, tt.scenario).Pods())); diff != "" {
				t.Errorf("pods (-want +have):\n%s", diff)
			}
		})
	}
}

// TestFixturePodTargets: the pod forms of a target, and a container name
// Kubernetes repeats across pods.
func TestFixturePodTargets(t *testing.T) {
	snaps := map[string]*inspect.Snapshot{
		"v2-kubelet": scanFixture(t, "v2-kubelet"),
		"v2-crio":    scanFixture(t, "v2-crio"),
	}
	checkout := kubeletPodNS + "/" + kubeletPodName
	payments := v2crioPaymentsNS + "/" + v2crioPaymentsPod
	paymentsPIDs := []int{3010, 3120, 3140, 3220}
	tests := []struct {
		scenario string
		spec     string
		wantKind inspect.TargetKind
		wantPIDs []int
		wantID   string // the container's, for a container target
		wantPod  string // NAMESPACE/NAME, for a pod target
	}{
		{"v2-kubelet", "pod/" + kubeletPodName, inspect.TargetPod, []int{2100, 2160}, "", checkout},
		{"v2-kubelet", checkout, inspect.TargetPod, []int{2100, 2160}, "", checkout},
		{"v2-kubelet", checkout + "/nginx", inspect.TargetContainer, []int{2160}, appID, ""},
		{"v2-kubelet", kubeletPodName, inspect.TargetPod, []int{2100, 2160}, "", checkout},
		{"v2-kubelet", "nginx", inspect.TargetContainer, []int{2160}, appID, ""},
		// Docker's container keeps its own name on a Kubernetes node.
		{"v2-kubelet", "api", inspect.TargetContainer, []int{1900}, apiID, ""},
		{"v2-crio", "pod/" + v2crioPaymentsPod, inspect.TargetPod, paymentsPIDs, "", payments},
		{"v2-crio", payments, inspect.TargetPod, paymentsPIDs, "", payments},
		// The running attempt, not the OOM-killed one of the same name.
		{"v2-crio", payments + "/api", inspect.TargetContainer, []int{3120, 3140}, v2crioPaymentsAPI1, ""},
		{"v2-crio", v2crioBillingNS + "/" + v2crioBillingPod + "/api", inspect.TargetContainer, []int{3420}, v2crioBillingAPI, ""},
		// The pod's name alone is the pod, sandbox and all, not its infra container.
		{"v2-crio", v2crioPaymentsPod, inspect.TargetPod, paymentsPIDs, "", payments},
		{"v2-crio", "sidecar", inspect.TargetContainer, []int{3220}, v2crioPaymentsSide, ""},
	}
	for _, tt := range tests {
		t.Run(tt.scenario+"/"+tt.spec, func(t *testing.T) {
			checkResolve(t, snaps[tt.scenario], tt.spec, tt.wantKind, tt.wantPIDs, tt.wantID, tt.wantPod)
		})
	}

	t.Run("ambiguous container name lists both pods' containers", func(t *testing.T) {
		_, err := snaps["v2-crio"].Resolve("api")
		var amb *inspect.AmbiguousError
		if !errors.As(err, &amb) || !errors.Is(err, inspect.ErrAmbiguous) {
			t.Fatalf("Resolve(api) = %v, want an *AmbiguousError", err)
		}
		// Only the running ones: attempt 0 of payments' api is no candidate.
		want := []string{
			"cri-o " + v2crioPaymentsAPI1[:12] + " (" + payments + "/api)",
			"cri-o " + v2crioBillingAPI[:12] + " (" + v2crioBillingNS + "/" + v2crioBillingPod + "/api)",
		}
		if diff := cmp.Diff(want, amb.Candidates); diff != "" {
			t.Errorf("candidates (-want +have):\n%s", diff)
		}
	})

	errTests := []struct {
		name      string
		spec      string
		wantIs    error
		wantInMsg []string
	}{
		{"exited container by ID", v2crioPaymentsAPI0, inspect.ErrNoTarget,
			[]string{"not running (exited)", payments + "/api", v2crioPaymentsAPI0[:12]}},
		{"exited container by ID prefix", v2crioPaymentsAPI0[:8], inspect.ErrNoTarget,
			[]string{"not running (exited)", payments + "/api"}},
		{"unknown container of a pod", payments + "/web", inspect.ErrNoTarget, []string{payments + "/web"}},
		{"unknown pod", v2crioPaymentsNS + "/nope", inspect.ErrNoTarget, []string{"nope"}},
		{"pod of another namespace", v2crioBillingNS + "/" + v2crioPaymentsPod, inspect.ErrNoTarget, []string{v2crioPaymentsPod}},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			tgt, err := snaps["v2-crio"].Resolve(tt.spec)
			if err == nil {
				t.Fatalf("Resolve(%q) = %+v, want an error", tt.spec, tgt)
			}
			if !errors.Is(err, tt.wantIs) {
				t.Errorf("Resolve(%q) = %v; errors.Is %v is false", tt.spec, err, tt.wantIs)
			}
			for _, w := range tt.wantInMsg {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Resolve(%q) = %q, want it to mention %q", tt.spec, err, w)
				}
			}
		})
	}
}

// dropCRIOContainer removes a CRI-O container from a copied fixture as if
// it had never been: its processes (and conmon's), its containers.json
// entry, its userdata and bundle, and runc's state.
func dropCRIOContainer(t *testing.T, root, id string, pids ...int) {
	t.Helper()
	for _, pid := range pids {
		if err := os.RemoveAll(filepath.Join(root, "proc", strconv.Itoa(pid))); err != nil {
			t.Fatal(err)
		}
	}
	for _, dir := range []string{
		"var/lib/containers/storage/overlay-containers/" + id,
		"run/containers/storage/overlay-containers/" + id,
		"run/runc/" + id,
	} {
		if err := os.RemoveAll(filepath.Join(root, dir)); err != nil {
			t.Fatal(err)
		}
	}
	list := filepath.Join(root, v2crioStorageJSON)
	b, err := os.ReadFile(list)
	if err != nil {
		t.Fatal(err)
	}
	var entries []map[string]any
	if err := json.Unmarshal(b, &entries); err != nil {
		t.Fatal(err)
	}
	kept := entries[:0]
	for _, e := range entries {
		if e["id"] != id {
			kept = append(kept, e)
		}
	}
	if len(kept) != len(entries)-1 {
		t.Fatalf("%s has no entry %s", list, id)
	}
	if b, err = json.Marshal(kept); err == nil {
		err = os.WriteFile(list, b, 0o600)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func scanRoot(t *testing.T, root string) *inspect.Snapshot {
	t.Helper()
	h, err := inspect.NewHost(root)
	if err != nil {
		t.Fatalf("NewHost: %v", err)
	}
	s, err := h.Scan(inspect.ScanOptions{})
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	return s
}

// TestFixtureCrashLoopTarget: in CrashLoopBackOff a pod's container has
// exited and no attempt runs; naming it says so, rather than that nothing
// has that name.
func TestFixtureCrashLoopTarget(t *testing.T) {
	root := testutil.FixtureHost(t, "v2-crio")
	dropCRIOContainer(t, root, v2crioPaymentsAPI1, 3100, 3120, 3140)
	s := scanRoot(t, root)
	payments := v2crioPaymentsNS + "/" + v2crioPaymentsPod
	_, err := s.Resolve(payments + "/api")
	if !errors.Is(err, inspect.ErrNoTarget) || !strings.Contains(err.Error(), "not running (exited)") ||
		!strings.Contains(err.Error(), v2crioPaymentsAPI0[:12]) {
		t.Errorf("Resolve(%s/api) = %v, want the exited attempt %s reported not running (exited)",
			payments, err, v2crioPaymentsAPI0[:12])
	}
	// The bare name now has one running container: billing's.
	tgt, err := s.Resolve("api")
	if err != nil || tgt.Container == nil || tgt.Container.ID != v2crioBillingAPI {
		t.Errorf("Resolve(api) = %+v, %v; want billing's api %s", tgt, err, v2crioBillingAPI[:12])
	}
}

// TestFixtureRuntimesAll: the runtimes' state lists every container,
// running or not, once each (Docker's api is not listed again from its
// bundle in containerd's moby namespace), and keeps the last exit of the
// one that is not running.
func TestFixtureRuntimesAll(t *testing.T) {
	type listed struct {
		Runtime, ID, Name, State string
		ExitCode                 *int
		OOMKilled                bool
		Finished                 string
	}
	exit137 := 137
	tests := []struct {
		scenario string
		want     []listed
	}{{
		scenario: "v2-kubelet",
		want: []listed{
			{Runtime: "docker", ID: apiID, Name: "api", State: "running"},
			// nginx's OOM-killed attempt before appID (IDs sort it first): a
			// CRI status file and the kubelet's log link are all that is left.
			{Runtime: "containerd", ID: appAttempt0ID, Name: "nginx", State: "exited", ExitCode: &exit137, OOMKilled: true,
				Finished: "2026-11-28T22:14:29.877310026Z"},
			{Runtime: "containerd", ID: pauseID, State: "running"},
			{Runtime: "containerd", ID: appID, Name: "nginx", State: "running"},
		},
	}, {
		scenario: "v2-crio",
		want: []listed{
			{Runtime: "cri-o", ID: v2crioPaymentsInfra, State: "running"},
			{Runtime: "cri-o", ID: v2crioPaymentsSide, Name: "sidecar", State: "running"},
			{Runtime: "cri-o", ID: v2crioPaymentsAPI0, Name: "api", State: "exited", ExitCode: &exit137, OOMKilled: true,
				Finished: "2026-11-29T08:41:07.530127844Z"},
			{Runtime: "cri-o", ID: v2crioPaymentsAPI1, Name: "api", State: "running"},
			{Runtime: "cri-o", ID: v2crioBillingAPI, Name: "api", State: "running"},
			{Runtime: "cri-o", ID: v2crioBillingInfra, State: "running"},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			s := scanFixture(t, tt.scenario)
			var have []listed
			for _, c := range s.Runtimes.All() {
				l := listed{Runtime: c.Runtime, ID: c.ID, Name: c.Name, State: c.State}
				if r := c.LastRun; r != nil {
					l.ExitCode, l.OOMKilled = r.ExitCode, r.OOMKilled
					if r.FinishedAt != nil {
						l.Finished = r.FinishedAt.UTC().Format(time.RFC3339Nano)
					}
				}
				have = append(have, l)
			}
			if diff := cmp.Diff(tt.want, have); diff != "" {
				t.Errorf("Runtimes.All() (-want +have):\n%s", diff)
			}
			if w := s.Runtimes.Warnings(); len(w) != 0 {
				t.Errorf("runtime warnings %q, want none", w)
			}
		})
	}
	t.Run("the exited CRI container is named by the kubelet's log link", func(t *testing.T) {
		for _, c := range scanFixture(t, "v2-kubelet").Runtimes.All() {
			if c.ID != appAttempt0ID {
				continue
			}
			if c.Pod == nil || c.Pod.String() != kubeletPodNS+"/"+kubeletPodName || c.Pod.UID != podUID || c.Namespace != "k8s.io" {
				t.Errorf("pod = %+v in containerd namespace %q, want shop/checkout-7f9c8d6b5-x2x4q %s in k8s.io", c.Pod, c.Namespace, podUID)
			}
			if c.LastRun == nil || c.LastRun.Reason != "OOMKilled" || c.LastRun.StartedAt == nil {
				t.Errorf("lastRun = %+v, want reason OOMKilled and a start time", c.LastRun)
			}
			return
		}
		t.Errorf("%s not listed", appAttempt0ID)
	})
	t.Run("the exited container keeps its pod and start", func(t *testing.T) {
		for _, c := range scanFixture(t, "v2-crio").Runtimes.All() {
			if c.ID != v2crioPaymentsAPI0 {
				continue
			}
			if c.Pod == nil || c.Pod.String() != v2crioPaymentsNS+"/"+v2crioPaymentsPod || c.Pod.UID != v2crioPaymentsUID {
				t.Errorf("pod = %+v, want %s/%s %s", c.Pod, v2crioPaymentsNS, v2crioPaymentsPod, v2crioPaymentsUID)
			}
			if c.LastRun == nil || c.LastRun.StartedAt == nil ||
				!c.LastRun.StartedAt.Equal(time.Date(2026, 11, 29, 8, 2, 13, 220918405, time.UTC)) {
				t.Errorf("last run %+v, want started 2026-11-29T08:02:13.220918405Z", c.LastRun)
			}
			// state.json keeps the dead init's PID; it names no process.
			if c.InitPID != 0 {
				t.Errorf("init PID %d, want none for an exited container", c.InitPID)
			}
			return
		}
		t.Errorf("%s is not listed", v2crioPaymentsAPI0[:12])
	})
}

// TestFixturePodNamesFromKubeletLogs: without any runtime state (containerd's
// run directory gone) the pod is still named, from the kubelet's log
// directory NAMESPACE_NAME_UID that matches the UID in the cgroup path.
func TestFixturePodNamesFromKubeletLogs(t *testing.T) {
	root := testutil.FixtureHost(t, "v2-kubelet")
	if err := os.RemoveAll(filepath.Join(root, "run", "containerd")); err != nil {
		t.Fatal(err)
	}
	s := scanRoot(t, root)
	checkOnlyHierarchyWarning(t, s)
	have := containerIdentities(s)
	// The cgroup path says containerd and the pod UID; the log directory
	// names the pod. Nothing says which container is the sandbox, or names
	// the app.
	pod := func(id string) identity {
		return identity{Runtime: "containerd", ID: id, PodNamespace: kubeletPodNS, PodName: kubeletPodName, PodUID: podUID}
	}
	want := map[int]identity{2100: pod(pauseID), 2160: pod(appID), 1900: have[1900]}
	if diff := cmp.Diff(want, have); diff != "" {
		t.Errorf("containers by PID (-want +have):\n%s", diff)
	}
}

// TestFixtureContainerByInitPID: a process whose cgroup names no container
// is still known by runc's state when it is a container's init, unless the
// state's start time says the PID has been reused since.
func TestFixtureContainerByInitPID(t *testing.T) {
	for _, tt := range []struct {
		name      string
		reusedPID bool
		want      *identity
	}{
		{"state matches the process", false, &identity{Runtime: "containerd", ID: appID, Name: "nginx", Namespace: "k8s.io",
			PodNamespace: kubeletPodNS, PodName: kubeletPodName, PodUID: podUID,
			Image: "docker.io/library/nginx:1.25.3", State: "running", InitPID: 2160}},
		{"PID reused since", true, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			root := testutil.FixtureHost(t, "v2-kubelet")
			// A cgroup that names nothing (runc run by hand, an unusual parent).
			if err := os.WriteFile(filepath.Join(root, "proc", "2160", "cgroup"), []byte("0::/\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if tt.reusedPID {
				state := filepath.Join(root, "run/containerd/runc/k8s.io", appID, "state.json")
				b, err := os.ReadFile(state)
				if err != nil {
					t.Fatal(err)
				}
				const start = `"init_process_start":10390,` // PID 2160's stat field 22
				if !strings.Contains(string(b), start) {
					t.Fatalf("%s lacks %s", state, start)
				}
				b = []byte(strings.Replace(string(b), start, `"init_process_start":9876,`, 1))
				if err := os.WriteFile(state, b, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			c := scanRoot(t, root).Processes[2160].Container
			var have *identity
			if c != nil {
				id := identityOf(c)
				have = &id
			}
			if diff := cmp.Diff(tt.want, have); diff != "" {
				t.Errorf("PID 2160's container (-want +have):\n%s", diff)
			}
		})
	}
}

// TestFixtureCRIOVolatileContainers: containers/storage 1.45 and later
// (CRI-O 1.27 and later) keep containers created volatile, which every
// CRI-O container is, in volatile-containers.json beside containers.json
// (which then holds only podman's ordinary ones). The same node must read
// the same.
func TestFixtureCRIOVolatileContainers(t *testing.T) {
	root := testutil.FixtureHost(t, "v2-crio")
	if err := os.Rename(filepath.Join(root, v2crioStorageJSON), filepath.Join(root, v2crioVolatileJSON)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, v2crioStorageJSON), []byte("[]"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := scanRoot(t, root)
	checkOnlyHierarchyWarning(t, s)
	if diff := cmp.Diff(v2crioIdentities(), containerIdentities(s)); diff != "" {
		t.Errorf("containers by PID (-want +have):\n%s", diff)
	}
	found := false
	for _, c := range s.Runtimes.All() {
		found = found || c.ID == v2crioPaymentsAPI0 && c.State == "exited"
	}
	if !found {
		t.Errorf("the exited %s is not listed", v2crioPaymentsAPI0[:12])
	}
}
