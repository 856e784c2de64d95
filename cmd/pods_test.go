package cmd_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"nsx/cmd"
	"nsx/internal/testutil"
)

// Pod facts of the fixture hosts v2-kubelet (v2-k8s's node with
// containerd's state) and v2-crio (a CRI-O node), as their files define
// them (testdata/hosts/README.md).
const (
	kubeletPod      = "shop/checkout-7f9c8d6b5-x2x4q"
	kubeletPodUID   = podUID // v2-k8s's pod
	kubeletPauseID  = pauseID
	kubeletAppID    = "c0ffee12d4e6f8a0b2c4d6e8f0a2b4c6d8e0f2a4b6c8d0e2f4a6b8c0d2e4f6a8"
	v2crioPayments  = "payments/api-5d9c7b-abcde"
	v2crioPayUID    = "2f6e9c1a-8b3d-4c7e-9f1a-5d2b8e4c6a90"
	v2crioBilling   = "billing/ledger-6c5b4a-zz9kq"
	v2crioBillUID   = "7a1c3e5f-9b2d-4f6a-8c0e-1d3f5b7a9c2e"
	v2crioPayInfra  = "1735a6c30e2fa9808a5aed578fe7faa7eea29c8784b0ffb8dd3ced44d6e8f3b8"
	v2crioPayAPI0   = "890c3f0667144c13d004635d33a68dee28de931b2377ad30643943bce9093cd9" // exited, OOM-killed
	v2crioPayAPI1   = "acdd169cb80c54d07cb619e6bde4b0e7e84a038c543dda112bb4d955b2668573"
	v2crioPaySide   = "1b4567a46350ac2ee7a88520e4ea248f0a442be9e862402d3ff8f677877f1dac"
	v2crioBillInfra = "c58a433ae4903fdbee00ced012be97a575ec32c2c8f94103d466ff6a187919b7"
	v2crioBillAPI   = "b7bc0f16eaac2a34565d65bbcface8e759e0b3c3c7da60237377a416516cdd25"
)

// The pod view's JSON document (`nsx ls --pods -o json`), decoded into
// local types so that a renamed or retyped field breaks the test as it
// would break a script.
type podsViewDoc struct {
	SchemaVersion int          `json:"schemaVersion"`
	View          string       `json:"view"`
	Scan          scanDoc      `json:"scan"`
	Pods          []podsPodDoc `json:"pods"`
	Warnings      []string     `json:"warnings"`
	Stopped       []podsCtrDoc `json:"stopped"` // never in this view
	Sandboxes     []any        `json:"sandboxes"`
}

type podsPodDoc struct {
	Namespace  string       `json:"namespace"`
	Name       string       `json:"name"`
	UID        string       `json:"uid"`
	Containers []podsCtrDoc `json:"containers"`
}

type podsPodRefDoc struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	UID       string `json:"uid"`
}

type podsLastRunDoc struct {
	StartedAt  string `json:"startedAt"`
	FinishedAt string `json:"finishedAt"`
	ExitCode   *int   `json:"exitCode"`
	OOMKilled  bool   `json:"oomKilled"`
}

// podsCtrDoc is a container as the pod view (with pids, processes) and
// `ls -a` ("stopped") print it.
type podsCtrDoc struct {
	Runtime    string          `json:"runtime"`
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Pod        *podsPodRefDoc  `json:"pod"`
	PodSandbox bool            `json:"podSandbox"`
	Image      string          `json:"image"`
	Namespace  string          `json:"namespace"`
	State      string          `json:"state"`
	InitPID    int             `json:"initPid"`
	LastRun    *podsLastRunDoc `json:"lastRun"`
	Cgroup     string          `json:"cgroup"`
	Sources    []string        `json:"sources"`
	PIDs       []int           `json:"pids"`
	Processes  []struct {
		PID     int    `json:"pid"`
		User    string `json:"user"`
		UID     int    `json:"uid"`
		Command string `json:"command"`
	} `json:"processes"`
}

type podsLsAllDoc struct {
	View      string       `json:"view"`
	Sandboxes []sandboxDoc `json:"sandboxes"`
	Stopped   []podsCtrDoc `json:"stopped"`
	Warnings  []string     `json:"warnings"`
}

// podsTableCells splits a table whose cells may be blank (the pod view
// leaves the pod and container out of a container's further rows) at the
// columns the header starts: whitespace alone cannot tell an empty cell.
func podsTableCells(t *testing.T, stdout string) (header []string, rows [][]string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(stdout, "\n"), "\n")
	header = strings.Fields(lines[0])
	var starts []int
	for i := 0; i < len(lines[0]); i++ {
		if lines[0][i] != ' ' && (i == 0 || lines[0][i-1] == ' ') {
			starts = append(starts, i)
		}
	}
	if len(starts) != len(header) {
		t.Fatalf("header %q: %d words at %d starts", lines[0], len(header), len(starts))
	}
	for _, line := range lines[1:] {
		row := make([]string, len(starts))
		for i, start := range starts {
			end := len(line)
			if i+1 < len(starts) && starts[i+1] < end {
				end = starts[i+1]
			}
			if start < end {
				row[i] = strings.TrimSpace(line[start:end])
			}
		}
		rows = append(rows, row)
	}
	return header, rows
}

// TestPodsTable: `nsx ls --pods` shows each pod once, its sandbox first as
// "(sandbox)", one row per process, and the pod and container only on a
// container's first row.
func TestPodsTable(t *testing.T) {
	type row struct{ Pod, Container, Runtime, ID, PID, User, Command string }
	tests := []struct {
		scenario string
		want     []row
	}{{
		scenario: "v2-kubelet",
		// Docker's api belongs to no pod: not listed. The pod's users
		// are the host's uids its user namespace maps to (none named).
		want: []row{
			{kubeletPod, "(sandbox)", "containerd", kubeletPauseID[:12], "2100", "165535", "/pause"},
			{"", "nginx", "containerd", kubeletAppID[:12], "2160", "100000", "nginx: master process nginx -g daemon off;"},
		},
	}, {
		scenario: "v2-crio",
		// Pods by NAMESPACE/NAME; conmon (on the host) and the exited
		// attempt of payments' api (no process) are not listed.
		want: []row{
			{v2crioBilling, "(sandbox)", "cri-o", v2crioBillInfra[:12], "3310", "65535", "/pause"},
			{"", "api", "cri-o", v2crioBillAPI[:12], "3420", "1001", "java -jar /app/ledger-api.jar"},
			{v2crioPayments, "(sandbox)", "cri-o", v2crioPayInfra[:12], "3010", "65535", "/pause"},
			{"", "api", "cri-o", v2crioPayAPI1[:12], "3120", "1001", "gunicorn: master [api:app]"},
			{"", "", "", "", "3140", "1001", "gunicorn: worker [api:app]"},
			{"", "sidecar", "cri-o", v2crioPaySide[:12], "3220", "101", "envoy -c /etc/envoy/envoy.yaml"},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			stdout, stderr := runLs(t, testutil.FixtureHost(t, tt.scenario), "--pods")
			header, rows := podsTableCells(t, stdout)
			wantHeader := []string{"POD", "CONTAINER", "RUNTIME", "ID", "PID", "USER", "MEM", "CPU", "PIDS", "COMMAND"}
			if diff := cmp.Diff(wantHeader, header); diff != "" {
				t.Fatalf("header (-want +have):\n%s", diff)
			}
			var have []row
			for _, r := range rows {
				have = append(have, row{r[0], r[1], r[2], r[3], r[4], r[5], r[9]})
			}
			if diff := cmp.Diff(tt.want, have); diff != "" {
				t.Errorf("rows (-want +have):\n%s\n%s", diff, stdout)
			}
			if stderr != "" {
				t.Errorf("stderr = %q, want nothing", stderr)
			}
		})
	}
}

// TestPodsJSON: `nsx ls --pods -o json` is one document of view "pods":
// each pod's namespace, name and UID, and its containers (the sandbox
// first) with the container fields, their PIDs and processes.
func TestPodsJSON(t *testing.T) {
	root := testutil.FixtureHost(t, "v2-crio")
	doc := decode[podsViewDoc](t, func() string { s, _ := runLs(t, root, "--pods", "-o", "json"); return s }())
	if doc.SchemaVersion != 1 || doc.View != "pods" {
		t.Errorf("schemaVersion %d view %q, want 1 pods", doc.SchemaVersion, doc.View)
	}
	if doc.Scan.HostRoot != root || doc.Scan.Processes != 17 || doc.Scan.Hidden != 0 {
		t.Errorf("scan = %+v, want hostRoot %s, 17 processes, none hidden", doc.Scan, root)
	}
	if doc.Warnings == nil || len(doc.Warnings) != 0 {
		t.Errorf("warnings = %#v, want an empty list", doc.Warnings)
	}
	if doc.Stopped != nil || doc.Sandboxes != nil {
		t.Errorf("the pod view has no stopped or sandboxes keys: %+v %+v", doc.Stopped, doc.Sandboxes)
	}

	// What each container is, as the fixture's files say.
	type ctr struct {
		ID, Name, Image string
		Sandbox         bool
		PIDs            []int
		Users           []string
		Commands        []string
	}
	type pod struct {
		Namespace, Name, UID string
		Containers           []ctr
	}
	want := []pod{
		{"billing", "ledger-6c5b4a-zz9kq", v2crioBillUID, []ctr{
			// An infra container has no Kubernetes container name.
			{v2crioBillInfra, "", "registry.k8s.io/pause:3.9", true, []int{3310}, []string{"65535"}, []string{"/pause"}},
			{v2crioBillAPI, "api", "registry.local/billing/ledger-api:4.0.1", false, []int{3420}, []string{"1001"},
				[]string{"java -jar /app/ledger-api.jar"}},
		}},
		{"payments", "api-5d9c7b-abcde", v2crioPayUID, []ctr{
			{v2crioPayInfra, "", "registry.k8s.io/pause:3.9", true, []int{3010}, []string{"65535"}, []string{"/pause"}},
			{v2crioPayAPI1, "api", "registry.local/payments/api:1.8.2", false, []int{3120, 3140}, []string{"1001", "1001"},
				[]string{"gunicorn: master [api:app]", "gunicorn: worker [api:app]"}},
			{v2crioPaySide, "sidecar", "docker.io/envoyproxy/envoy:v1.28.0", false, []int{3220}, []string{"101"},
				[]string{"envoy -c /etc/envoy/envoy.yaml"}},
		}},
	}
	var have []pod
	for _, p := range doc.Pods {
		hp := pod{Namespace: p.Namespace, Name: p.Name, UID: p.UID}
		for _, c := range p.Containers {
			hc := ctr{ID: c.ID, Name: c.Name, Image: c.Image, Sandbox: c.PodSandbox, PIDs: c.PIDs}
			for _, proc := range c.Processes {
				hc.Users = append(hc.Users, proc.User)
				hc.Commands = append(hc.Commands, proc.Command)
				// No process of these pods runs as root: a 0 is a lost uid.
				if proc.UID == 0 || proc.User != strconv.Itoa(proc.UID) {
					t.Errorf("%s: process %+v: want its uid, shown as the number (no user has it)", c.ID[:12], proc)
				}
			}
			hp.Containers = append(hp.Containers, hc)
			// Every container carries its pod, runtime, state and origin.
			if c.Pod == nil || c.Pod.Namespace != p.Namespace || c.Pod.Name != p.Name || c.Pod.UID != p.UID {
				t.Errorf("%s: pod %+v, want %s/%s %s", c.ID[:12], c.Pod, p.Namespace, p.Name, p.UID)
			}
			if c.Runtime != "cri-o" || c.State != "running" || c.InitPID != c.PIDs[0] {
				t.Errorf("%s: runtime %q state %q initPid %d, want cri-o running %d", c.ID[:12], c.Runtime, c.State, c.InitPID, c.PIDs[0])
			}
			if !strings.HasSuffix(c.Cgroup, "/crio-"+c.ID+".scope") || !strings.Contains(c.Cgroup, strings.ReplaceAll(p.UID, "-", "_")) {
				t.Errorf("%s: cgroup %q, want its crio scope in the pod's slice", c.ID[:12], c.Cgroup)
			}
			wantSources := []string{
				"/var/lib/containers/storage/overlay-containers/containers.json",
				"/var/lib/containers/storage/overlay-containers/" + c.ID + "/userdata/config.json",
				"/var/lib/containers/storage/overlay-containers/" + c.ID + "/userdata/state.json",
			}
			if diff := cmp.Diff(wantSources, c.Sources); diff != "" {
				t.Errorf("%s: sources (-want +have):\n%s", c.ID[:12], diff)
			}
			if c.LastRun == nil || c.LastRun.StartedAt == "" || c.LastRun.ExitCode != nil || c.LastRun.FinishedAt != "" {
				t.Errorf("%s: lastRun %+v, want a start and no exit", c.ID[:12], c.LastRun)
			}
		}
		have = append(have, hp)
	}
	if diff := cmp.Diff(want, have); diff != "" {
		t.Errorf("pods (-want +have):\n%s", diff)
	}

	t.Run("v2-kubelet", func(t *testing.T) {
		stdout, _ := runLs(t, testutil.FixtureHost(t, "v2-kubelet"), "--pods", "-o", "json")
		doc := decode[podsViewDoc](t, stdout)
		if len(doc.Pods) != 1 {
			t.Fatalf("%d pods, want 1 (Docker's api is in none):\n%s", len(doc.Pods), stdout)
		}
		p := doc.Pods[0]
		if p.Namespace+"/"+p.Name != kubeletPod || p.UID != kubeletPodUID || len(p.Containers) != 2 {
			t.Fatalf("pod %s/%s %s with %d containers, want %s %s with 2", p.Namespace, p.Name, p.UID, len(p.Containers), kubeletPod, kubeletPodUID)
		}
		sb, app := p.Containers[0], p.Containers[1]
		if !sb.PodSandbox || sb.ID != kubeletPauseID || sb.Name != "" || sb.Namespace != "k8s.io" || sb.Runtime != "containerd" {
			t.Errorf("sandbox = %+v, want containerd's %s in k8s.io, no name", sb, kubeletPauseID[:12])
		}
		if app.PodSandbox || app.ID != kubeletAppID || app.Name != "nginx" || app.Image != "docker.io/library/nginx:1.25.3" ||
			app.State != "running" || app.InitPID != 2160 {
			t.Errorf("app = %+v, want nginx %s running as 2160", app, kubeletAppID[:12])
		}
		// The CRI plugin's status file gives the app's start.
		if app.LastRun == nil || app.LastRun.StartedAt != "2026-11-28T22:14:31.530128114Z" {
			t.Errorf("app lastRun %+v, want started 2026-11-28T22:14:31.530128114Z", app.LastRun)
		}
	})
}

// TestLsAllStoppedCRIO: `nsx ls -a` adds the containers the runtimes know
// that are not running: here the OOM-killed first attempt of payments'
// api, with its last exit, in "stopped" and not among the sandboxes.
func TestLsAllStoppedCRIO(t *testing.T) {
	root := testutil.FixtureHost(t, "v2-crio")
	t.Run("json", func(t *testing.T) {
		stdout, _ := runLs(t, root, "-a", "-o", "json")
		doc := decode[podsLsAllDoc](t, stdout)
		for _, sb := range doc.Sandboxes {
			if sb.ID == v2crioPayAPI0 {
				t.Errorf("the exited container is listed as a running sandbox: %+v", sb)
			}
		}
		if len(doc.Stopped) != 1 {
			t.Fatalf("%d stopped containers, want 1:\n%s", len(doc.Stopped), stdout)
		}
		c := doc.Stopped[0]
		code := 137
		want := podsCtrDoc{Runtime: "cri-o", ID: v2crioPayAPI0, Name: "api",
			Pod:   &podsPodRefDoc{Namespace: "payments", Name: "api-5d9c7b-abcde", UID: v2crioPayUID},
			Image: "registry.local/payments/api:1.8.2", State: "exited",
			LastRun: &podsLastRunDoc{StartedAt: "2026-11-29T08:02:13.220918405Z", FinishedAt: "2026-11-29T08:41:07.530127844Z",
				ExitCode: &code, OOMKilled: true},
			Sources: []string{
				"/var/lib/containers/storage/overlay-containers/containers.json",
				"/var/lib/containers/storage/overlay-containers/" + v2crioPayAPI0 + "/userdata/config.json",
				"/var/lib/containers/storage/overlay-containers/" + v2crioPayAPI0 + "/userdata/state.json",
			}}
		if diff := cmp.Diff(want, c); diff != "" {
			t.Errorf("stopped container (-want +have):\n%s", diff)
		}
		if len(doc.Warnings) != 0 {
			t.Errorf("warnings = %q, want none", doc.Warnings)
		}
	})
	t.Run("table", func(t *testing.T) {
		stdout, _ := runLs(t, root, "-a")
		rows := tableRows(stdout)
		last := rows[len(rows)-1]
		if len(last) < 8 || last[0] != v2crioPayments+"/api" || last[1] != "cri-o" || last[2] != v2crioPayAPI0[:12] ||
			last[3] != "-" || last[4] != "0" {
			t.Fatalf("last row %q, want the exited %s/api %s with no PID and 0 processes", last, v2crioPayments, v2crioPayAPI0[:12])
		}
		// "(exited (137) OOM-killed 5m ago)": how long ago depends on the clock.
		status := strings.Join(last[10:], " ")
		if !strings.HasPrefix(status, "(exited (137) OOM-killed ") || !strings.HasSuffix(status, " ago)") {
			t.Errorf("status %q, want (exited (137) OOM-killed … ago)", status)
		}
	})
}

// TestLsPodTargets: a pod target narrows every view to that pod's
// sandboxes; NAMESPACE/POD/CONTAINER to one container.
func TestLsPodTargets(t *testing.T) {
	crio := testutil.FixtureHost(t, "v2-crio")
	kubelet := testutil.FixtureHost(t, "v2-kubelet")
	tests := []struct {
		name string
		root string
		args []string
		want []string // NAME column, or POD column of the pod view
	}{
		{"NS/POD", crio, []string{v2crioPayments},
			[]string{v2crioPayments, v2crioPayments + "/api", v2crioPayments + "/sidecar"}},
		{"NS/POD/CONTAINER", crio, []string{v2crioBilling + "/api"}, []string{v2crioBilling + "/api"}},
		{"pod/NAME", kubelet, []string{"pod/checkout-7f9c8d6b5-x2x4q"}, []string{kubeletPod, kubeletPod + "/nginx"}},
		{"two pods", crio, []string{v2crioBilling, v2crioPayments + "/sidecar"},
			// Sandboxes in the order their oldest processes started.
			[]string{v2crioPayments + "/sidecar", v2crioBilling, v2crioBilling + "/api"}},
		{"pod view", crio, []string{"--pods", v2crioBilling}, []string{v2crioBilling, ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, _ := runLs(t, tt.root, tt.args...)
			_, rows := podsTableCells(t, stdout)
			var names []string
			for _, r := range rows {
				names = append(names, r[0])
			}
			if diff := cmp.Diff(tt.want, names); diff != "" {
				t.Errorf("first column (-want +have):\n%s\n%s", diff, stdout)
			}
		})
	}
	t.Run("json", func(t *testing.T) {
		stdout, _ := runLs(t, crio, v2crioPayments, "-o", "json")
		var ids []string
		for _, sb := range decode[sandboxesDoc](t, stdout).Sandboxes {
			ids = append(ids, sb.ID)
		}
		if diff := cmp.Diff([]string{v2crioPayInfra, v2crioPayAPI1, v2crioPaySide}, ids); diff != "" {
			t.Errorf("sandbox IDs (-want +have):\n%s", diff)
		}
	})
}

// TestPodTargetErrors: a target that names two containers, or one that is
// not running, is an error (exit 1) of one line naming what it found, and
// nothing is printed on stdout.
func TestPodTargetErrors(t *testing.T) {
	root := testutil.FixtureHost(t, "v2-crio")
	ambiguous := `nsx: "api" is ambiguous: it matches cri-o ` + v2crioPayAPI1[:12] + ` (` + v2crioPayments + `/api), cri-o ` +
		v2crioBillAPI[:12] + ` (` + v2crioBilling + `/api)` + "\n"
	exited := "nsx: container " + v2crioPayments + "/api (cri-o " + v2crioPayAPI0[:12] + ") is not running (exited)\n"
	tests := []struct {
		name       string
		args       []string
		wantStderr string
		prefixOnly bool // the rest says what was searched
	}{
		{"ambiguous container name", []string{"ls", "api"}, ambiguous, false},
		{"ambiguous in the pod view", []string{"ls", "--pods", "api"}, ambiguous, false},
		{"ambiguous as JSON", []string{"ls", "-o", "json", "api"}, ambiguous, false},
		{"exited container", []string{"ls", v2crioPayAPI0[:12]}, exited, false},
		{"unknown pod", []string{"ls", "payments/nope"}, `nsx: no process or container matches "payments/nope" (searched `, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runNSX(t, append([]string{"--host-root", root}, tt.args...)...)
			if code != cmd.ExitError {
				t.Errorf("exit %d, want %d", code, cmd.ExitError)
			}
			if stderr != tt.wantStderr && !(tt.prefixOnly && strings.HasPrefix(stderr, tt.wantStderr) &&
				strings.Count(stderr, "\n") == 1 && strings.HasSuffix(stderr, "\n")) {
				t.Errorf("stderr:\n%q\nwant:\n%q", stderr, tt.wantStderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
		})
	}
}
