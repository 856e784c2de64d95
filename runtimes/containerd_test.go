package runtimes

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// CRI status files (var/lib/containerd/io.containerd.grpc.v1.cri/containers/ID/status).
const (
	// real: a crictl-made container under containerd 1.6.20's CRI plugin,
	// running, then after `crictl stop` (containerd-facts §4b). One line,
	// no newline; times in Unix nanoseconds.
	criStatusRunning = `{"Version":"v1","Pid":4840,"CreatedAt":1795926148187124433,"StartedAt":1795926148269259493,"FinishedAt":0,"ExitCode":0,"Reason":"","Message":"","Resources":{"linux":{}}}`
	criStatusExited  = `{"Version":"v1","Pid":0,"CreatedAt":1795926148187124433,"StartedAt":1795926148269259493,"FinishedAt":1795926168383267797,"ExitCode":137,"Reason":"","Message":"","Resources":{"linux":{}}}`

	// synthetic, in the same format: the CRI plugin sets Reason
	// "OOMKilled" on an OOM event; a container created and never started;
	// one whose start failed (Reason StartError, exit code 128).
	criStatusOOM        = `{"Version":"v1","Pid":0,"CreatedAt":1795926148187124433,"StartedAt":1795926148269259493,"FinishedAt":1795926170000000000,"ExitCode":137,"Reason":"OOMKilled","Message":"","Resources":{"linux":{"memory_limit_in_bytes":16777216}}}`
	criStatusCreated    = `{"Version":"v1","Pid":0,"CreatedAt":1795926148187124433,"StartedAt":0,"FinishedAt":0,"ExitCode":0,"Reason":"","Message":"","Resources":null}`
	criStatusStartError = `{"Version":"v1","Pid":0,"CreatedAt":1795926148187124433,"StartedAt":0,"FinishedAt":1795926148300000000,"ExitCode":128,"Reason":"StartError","Message":"failed to create containerd task: exec: \"nope\": executable file not found in $PATH","Resources":null}`
)

func TestParseCRIStatus(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		wantState string
		wantRun   *RunState
		wantErr   bool
	}{
		{
			name: "running", in: criStatusRunning, wantState: "running",
			wantRun: &RunState{StartedAt: unixNanoTime(1795926148269259493)},
		},
		{
			name: "exited after crictl stop", in: criStatusExited, wantState: "exited",
			wantRun: &RunState{StartedAt: unixNanoTime(1795926148269259493), FinishedAt: unixNanoTime(1795926168383267797), ExitCode: intPtr(137)},
		},
		{
			name: "exited with OOMKilled reason", in: criStatusOOM, wantState: "exited",
			wantRun: &RunState{StartedAt: unixNanoTime(1795926148269259493), FinishedAt: unixNanoTime(1795926170000000000), ExitCode: intPtr(137), OOMKilled: true, Reason: "OOMKilled"},
		},
		{
			// Nothing has run yet: no last run at all (as Docker's).
			name: "created", in: criStatusCreated, wantState: "created",
			wantRun: nil,
		},
		{
			name: "start failed", in: criStatusStartError, wantState: "exited",
			wantRun: &RunState{FinishedAt: unixNanoTime(1795926148300000000), ExitCode: intPtr(128), Reason: "StartError",
				Error: `failed to create containerd task: exec: "nope": executable file not found in $PATH`},
		},
		{
			// A zero exit is an exit code all the same.
			name: "exited 0", in: `{"Version":"v1","StartedAt":1795926148269259493,"FinishedAt":1795926168383267797,"ExitCode":0}`, wantState: "exited",
			wantRun: &RunState{StartedAt: unixNanoTime(1795926148269259493), FinishedAt: unixNanoTime(1795926168383267797), ExitCode: intPtr(0)},
		},
		{
			// Reason is only an OOM kill when it says so.
			name: "exited with another reason", in: `{"Version":"v1","StartedAt":1,"FinishedAt":2,"ExitCode":1,"Reason":"Error"}`, wantState: "exited",
			wantRun: &RunState{StartedAt: unixNanoTime(1), FinishedAt: unixNanoTime(2), ExitCode: intPtr(1), Reason: "Error"},
		},

		{name: "missing Version", in: strings.Replace(criStatusRunning, `"Version":"v1",`, "", 1), wantErr: true},
		{name: "empty Version", in: `{"Version":"","StartedAt":1}`, wantErr: true},
		{name: "JSON null", in: `null`, wantErr: true},
		{name: "empty object", in: `{}`, wantErr: true},
		{name: "empty file", in: "", wantErr: true},
		{name: "truncated", in: criStatusRunning[:60], wantErr: true},
		{name: "time as a string", in: `{"Version":"v1","StartedAt":"2026-11-29T04:22:28Z"}`, wantErr: true},
		{name: "Version of the wrong type", in: `{"Version":1}`, wantErr: true},
		{name: "array", in: `[]`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state, run, err := parseCRIStatus([]byte(tt.in))
			if tt.wantErr {
				if err == nil {
					t.Fatalf("parseCRIStatus(%.60q…) = %q, %+v; want an error", tt.in, state, run)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseCRIStatus(%.60q…): %v", tt.in, err)
			}
			if state != tt.wantState {
				t.Errorf("state = %q, want %q", state, tt.wantState)
			}
			if diff := cmp.Diff(tt.wantRun, run); diff != "" {
				t.Errorf("run mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// ctrTask is the task directory of a containerd container in the default
// install, relative to the host root.
func ctrTask(ns, id string) string {
	return "run/containerd/io.containerd.runtime.v2.task/" + ns + "/" + id
}

// criStatusPath is the CRI plugin's status file of a container.
func criStatusPath(id string) string {
	return "var/lib/containerd/io.containerd.grpc.v1.cri/containers/" + id + "/status"
}

func TestStoreIdentifyContainerd(t *testing.T) {
	var (
		exitedID    = strings.Repeat("e1", 32)
		oomID       = strings.Repeat("0f", 32)
		v1ID        = strings.Repeat("1a", 32)
		badSpecID   = strings.Repeat("2b", 32)
		badStatusID = strings.Repeat("3c", 32)
		noUIDID     = strings.Repeat("4e", 32)
		k3sTask     = "run/k3s/containerd/io.containerd.runtime.v2.task/k8s.io/" + idB
		k3sStatus   = "var/lib/rancher/k3s/agent/containerd/io.containerd.grpc.v1.cri/containers/" + idB + "/status"
		v1Task      = "run/containerd/io.containerd.runtime.v1.linux/k8s.io/" + v1ID
	)
	files := map[string]string{
		// real bundle files of the ctr pod: config.json, and init.pid
		// with no newline. Sandboxes have no CRI status file.
		ctrTask("k8s.io", ctrSandboxID) + "/config.json": ctrSandboxSpec,
		ctrTask("k8s.io", ctrSandboxID) + "/init.pid":    "23484",
		ctrTask("k8s.io", ctrAppID) + "/config.json":     ctrAppSpec,
		ctrTask("k8s.io", ctrAppID) + "/init.pid":        "23525",
		// The real status of a crictl container: its Pid (4840) is not
		// the bundle's init.pid, which is the one nsx reports.
		criStatusPath(ctrAppID): criStatusRunning,
		// A stopped task whose bundle is not deleted yet keeps a stale
		// init.pid; the status says it exited.
		ctrTask("k8s.io", exitedID) + "/config.json": ctrAppSpec,
		ctrTask("k8s.io", exitedID) + "/init.pid":    "23600",
		criStatusPath(exitedID):                      criStatusExited,
		ctrTask("k8s.io", oomID) + "/config.json":    ctrAppSpec,
		criStatusPath(oomID):                         criStatusOOM,
		// `ctr run` in the default namespace: no annotations, no status.
		ctrTask("default", idA) + "/config.json": `{"ociVersion":"1.0.2-dev","annotations":null,"linux":{"cgroupsPath":"/default/` + idA + `"}}`,
		ctrTask("default", idA) + "/init.pid":    "777",
		// k3s's embedded containerd keeps its CRI state elsewhere.
		k3sTask + "/config.json": ctrAppSpec,
		k3sTask + "/init.pid":    "888\n",
		k3sStatus:                criStatusRunning,
		// The v1 linux runtime of containerd before 1.2.
		v1Task + "/config.json": ctrSandboxSpec,
		v1Task + "/init.pid":    "999",
		// Broken files: a spec is a warning, a status is skipped.
		ctrTask("k8s.io", badSpecID) + "/config.json":   `{"annotations":`,
		ctrTask("k8s.io", badStatusID) + "/config.json": ctrAppSpec,
		ctrTask("k8s.io", badStatusID) + "/init.pid":    "4321",
		criStatusPath(badStatusID):                      `{"Version":`,
		// Annotations that name the pod but not its UID.
		ctrTask("k8s.io", noUIDID) + "/config.json": strings.Replace(ctrAppSpec, `"io.kubernetes.cri.sandbox-uid":"`+ctrPodUID+`"`, `"x":"y"`, 1),
		// A stray file among the task directories is no container.
		ctrTask("k8s.io", "stray"): "",
		// kubelet's log directory of the pod.
		"var/log/pods/shop_web-7f9c_" + ctrPodUID + "/": "",
	}
	root := writeRootFiles(t, files)
	// Sources name files as the host does, whatever the root.
	src := func(rel string) string { return "/" + rel }
	shop := func() *Pod { return &Pod{Namespace: "shop", Name: "web-7f9c", UID: ctrPodUID} }
	const image = "docker.io/library/nsx-test-busybox:latest"
	started := unixNanoTime(1795926148269259493)
	podPath := "/kubepods/besteffort/pod" + ctrPodUID + "/"
	systemdPod := "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + strings.ReplaceAll(ctrPodUID, "-", "_") + ".slice/"

	tests := []struct {
		name     string
		cgroup   string
		want     *Container // Cgroup is filled in by the test
		wantWarn string
	}{
		{
			name:   "CRI container, kubelet cgroupfs driver",
			cgroup: podPath + ctrAppID,
			want: &Container{Runtime: Containerd, ID: ctrAppID, Name: "app", Pod: shop(), Image: image, Namespace: "k8s.io",
				State: "running", InitPID: 23525, LastRun: &RunState{StartedAt: started},
				Sources: []string{src(ctrTask("k8s.io", ctrAppID) + "/config.json"), src(criStatusPath(ctrAppID))}},
		},
		{
			name:   "CRI container, kubelet systemd driver",
			cgroup: systemdPod + "cri-containerd-" + ctrAppID + ".scope",
			want: &Container{Runtime: Containerd, ID: ctrAppID, Name: "app", Pod: shop(), Image: image, Namespace: "k8s.io",
				State: "running", InitPID: 23525, LastRun: &RunState{StartedAt: started},
				Sources: []string{src(ctrTask("k8s.io", ctrAppID) + "/config.json"), src(criStatusPath(ctrAppID))}},
		},
		{
			name:   "CRI sandbox",
			cgroup: podPath + ctrSandboxID,
			want: &Container{Runtime: Containerd, ID: ctrSandboxID, Pod: shop(), PodSandbox: true, Namespace: "k8s.io",
				State: "running", InitPID: 23484, Sources: []string{src(ctrTask("k8s.io", ctrSandboxID) + "/config.json")}},
		},
		{
			name:   "exited task with a stale init.pid",
			cgroup: podPath + exitedID,
			want: &Container{Runtime: Containerd, ID: exitedID, Name: "app", Pod: shop(), Image: image, Namespace: "k8s.io",
				State: "exited", LastRun: &RunState{StartedAt: started, FinishedAt: unixNanoTime(1795926168383267797), ExitCode: intPtr(137)},
				Sources: []string{src(ctrTask("k8s.io", exitedID) + "/config.json"), src(criStatusPath(exitedID))}},
		},
		{
			name:   "OOM-killed",
			cgroup: podPath + oomID,
			want: &Container{Runtime: Containerd, ID: oomID, Name: "app", Pod: shop(), Image: image, Namespace: "k8s.io",
				State: "exited", LastRun: &RunState{StartedAt: started, FinishedAt: unixNanoTime(1795926170000000000), ExitCode: intPtr(137), OOMKilled: true, Reason: "OOMKilled"},
				Sources: []string{src(ctrTask("k8s.io", oomID) + "/config.json"), src(criStatusPath(oomID))}},
		},
		{
			name:   "ctr container in the default namespace",
			cgroup: "/default/" + idA,
			want: &Container{Runtime: Containerd, ID: idA, Namespace: "default", State: "running", InitPID: 777,
				Sources: []string{src(ctrTask("default", idA) + "/config.json")}},
		},
		{
			name:   "k3s",
			cgroup: podPath + idB,
			want: &Container{Runtime: Containerd, ID: idB, Name: "app", Pod: shop(), Image: image, Namespace: "k8s.io",
				State: "running", InitPID: 888, LastRun: &RunState{StartedAt: started},
				Sources: []string{src(k3sTask + "/config.json"), src(k3sStatus)}},
		},
		{
			name:   "v1 linux runtime",
			cgroup: podPath + v1ID,
			want: &Container{Runtime: Containerd, ID: v1ID, Pod: shop(), PodSandbox: true, Namespace: "k8s.io",
				State: "running", InitPID: 999, Sources: []string{src(v1Task + "/config.json")}},
		},
		{
			// The pod UID of the cgroup path stays, and the kubelet's log
			// directory names the pod.
			name:   "malformed spec",
			cgroup: podPath + badSpecID,
			want: &Container{Runtime: Containerd, ID: badSpecID, Pod: shop(), Namespace: "k8s.io", State: "running",
				Sources: []string{src(ctrTask("k8s.io", badSpecID) + "/config.json")}},
			wantWarn: "malformed " + filepath.Join(root, ctrTask("k8s.io", badSpecID), "config.json"),
		},
		{
			name:   "malformed status is a warning",
			cgroup: podPath + badStatusID,
			want: &Container{Runtime: Containerd, ID: badStatusID, Name: "app", Pod: shop(), Image: image, Namespace: "k8s.io",
				State: "running", InitPID: 4321, Sources: []string{src(ctrTask("k8s.io", badStatusID) + "/config.json")}},
			wantWarn: "malformed " + filepath.Join(root, criStatusPath(badStatusID)),
		},
		{
			// The pod UID comes from the cgroup path.
			name:   "annotations without the pod UID",
			cgroup: podPath + noUIDID,
			want: &Container{Runtime: Containerd, ID: noUIDID, Name: "app", Pod: shop(), Image: image, Namespace: "k8s.io", State: "running",
				Sources: []string{src(ctrTask("k8s.io", noUIDID) + "/config.json")}},
		},
		{
			// No runtime state at all: what the cgroup path and the log
			// directories say.
			name:   "unknown container",
			cgroup: podPath + strings.Repeat("4d", 32),
			want:   &Container{Runtime: CRI, ID: strings.Repeat("4d", 32), Pod: shop()},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewStore(root)
			c := identified(t, s, tt.cgroup)
			tt.want.Cgroup = tt.cgroup
			if diff := cmp.Diff(tt.want, c); diff != "" {
				t.Errorf("Identify mismatch (-want +got):\n%s", diff)
			}
			warnings := s.Warnings()
			if tt.wantWarn == "" && len(warnings) != 0 {
				t.Errorf("Warnings() = %q, want none", warnings)
			}
			if tt.wantWarn != "" && (len(warnings) != 1 || !strings.Contains(warnings[0], tt.wantWarn)) {
				t.Errorf("Warnings() = %q, want one containing %q", warnings, tt.wantWarn)
			}
		})
	}

	t.Run("containerdAll", func(t *testing.T) {
		files[ctrTask("moby", dockerHCID)+"/config.json"] = `{"ociVersion":"1.0.2-dev","annotations":null}`
		s := NewStore(writeRootFiles(t, files))
		var got []string
		for _, c := range s.containerdAll() {
			got = append(got, c.Namespace+"/"+c.ID+"/"+c.State)
		}
		// Docker's own state lists its containers (moby), not containerd's.
		want := []string{
			"default/" + idA + "/running",
		}
		for _, id := range []string{ctrSandboxID, ctrAppID, exitedID, oomID, badSpecID, badStatusID, noUIDID} {
			state := "running"
			if id == exitedID || id == oomID {
				state = "exited"
			}
			want = append(want, "k8s.io/"+id+"/"+state)
		}
		want = append(want, "k8s.io/"+v1ID+"/running", "k8s.io/"+idB+"/running")
		if diff := cmp.Diff(want, got, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
			t.Errorf("containerdAll mismatch (-want +got):\n%s", diff)
		}
	})
}
