package runtimes

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Elements of overlay-containers/containers.json.
const (
	// real: /var/lib/containers/storage/overlay-containers/containers.json
	// entry of nsxpt-pm (rootful podman 4.3); metadata is a JSON string.
	podmanStorageEntry = `{"id": "73cb7ba8911ce97f2721fb49c3ffa951a10818cacb14b1eefc65db194d766543", "names": ["nsxpt-pm"], "image": "8954e8ef7829f12250789089dd20edb778d9bf1fbf0b9272767209c8d4d7b4a4", "layer": "3be999e29a18b3f53c4e205a3533e4dd9c12986aea333342370aba5f861627c9", "metadata": "{\"image-name\":\"localhost/nsx-test-busybox:latest\",\"image-id\":\"8954e8ef7829f12250789089dd20edb778d9bf1fbf0b9272767209c8d4d7b4a4\",\"name\":\"nsxpt-pm\",\"created-at\":1795926894}", "created": "2026-11-29T04:34:54.244237528Z", "flags": {"MountLabel": "", "ProcessLabel": ""}}`
	// real: the entry of nsxpt-pmr in user nsxpod's store
	// (/home/nsxpod/.local/share/containers/storage).
	podmanRootlessStorageEntry = `{"id": "faf69d380f4ad34967169f3fad82844d35e50429db3d993a9e68fcde58492cd1", "names": ["nsxpt-pmr"], "image": "8f18b278030710f6be7e137851572b1f583d392eadf548ac8cbb61478466e5cd", "layer": "2d36e5796ed246324a7fb9f3645d25b7fa54365bdf1fabc4a69bdc70aba28fcd", "metadata": "{\"image-name\":\"localhost/nsx-test-busybox:latest\",\"image-id\":\"8f18b278030710f6be7e137851572b1f583d392eadf548ac8cbb61478466e5cd\",\"name\":\"nsxpt-pmr\",\"created-at\":1795926898}", "created": "2026-11-29T04:34:58.102251759Z", "flags": {"MountLabel": "", "ProcessLabel": ""}}`

	// synthetic: CRI-O's entries, with metadata as CRI-O's
	// RuntimeContainerMetadata writes it (internal/storage/runtime.go):
	// pod-name is the sandbox's name, metadata-name the CRI metadata name
	// (the Kubernetes container name; the pod name for a sandbox).
	crioAppStorageEntry     = `{"id": "f09a990911d523b62d2aa1ed36c60729e12c547b0b58d81877380f949518efb8", "names": ["k8s_app_web-7f9c_shop_deb9f567-477e-4892-9ce3-d1cc68d36e79_0"], "image": "a8758716bb6aa4d90071160d27028fe4eaee7ce8166221a97d30440c8eac2be6", "layer": "5c4fd0a8b2d1a4b2a3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081920", "metadata": "{\"pod-name\":\"k8s_web-7f9c_shop_deb9f567-477e-4892-9ce3-d1cc68d36e79_0\",\"pod-id\":\"ef3d690bbe2706a989bcdcd0bd45fdcf0b67a0f1e3922cfbffd46d0045527f98\",\"image-name\":\"docker.io/library/nginx:1.25\",\"image-id\":\"a8758716bb6aa4d90071160d27028fe4eaee7ce8166221a97d30440c8eac2be6\",\"name\":\"k8s_app_web-7f9c_shop_deb9f567-477e-4892-9ce3-d1cc68d36e79_0\",\"metadata-name\":\"app\",\"created-at\":1795927000}", "created": "2026-11-29T04:36:40.000000001Z", "flags": {"MountLabel": "", "ProcessLabel": ""}}`
	crioSandboxStorageEntry = `{"id": "ef3d690bbe2706a989bcdcd0bd45fdcf0b67a0f1e3922cfbffd46d0045527f98", "names": ["k8s_POD_web-7f9c_shop_deb9f567-477e-4892-9ce3-d1cc68d36e79_0"], "image": "e6f1816883972d4be47bd48879a08919b96afcd344132622e4d444987919323c", "metadata": "{\"pod-name\":\"k8s_web-7f9c_shop_deb9f567-477e-4892-9ce3-d1cc68d36e79_0\",\"pod-id\":\"ef3d690bbe2706a989bcdcd0bd45fdcf0b67a0f1e3922cfbffd46d0045527f98\",\"image-name\":\"registry.k8s.io/pause:3.9\",\"image-id\":\"e6f1816883972d4be47bd48879a08919b96afcd344132622e4d444987919323c\",\"name\":\"k8s_POD_web-7f9c_shop_deb9f567-477e-4892-9ce3-d1cc68d36e79_0\",\"metadata-name\":\"web-7f9c\",\"uid\":\"deb9f567-477e-4892-9ce3-d1cc68d36e79\",\"namespace\":\"shop\",\"created-at\":1795926999,\"pod\":true}", "created": "2026-11-29T04:36:39.5Z"}`
)

func TestParseStorageContainers(t *testing.T) {
	list := func(entries ...string) string { return "[" + strings.Join(entries, ",") + "]" }
	podman := &storageEntry{ID: podmanID, Names: []string{"nsxpt-pm"}, Created: *ts("2026-11-29T04:34:54.244237528Z"),
		Metadata: `{"image-name":"localhost/nsx-test-busybox:latest","image-id":"8954e8ef7829f12250789089dd20edb778d9bf1fbf0b9272767209c8d4d7b4a4","name":"nsxpt-pm","created-at":1795926894}`,
		meta:     storageMetadata{Name: "nsxpt-pm", ImageName: "localhost/nsx-test-busybox:latest", CreatedAtUnix: 1795926894}}
	crioApp := &storageEntry{ID: crioAppID, Names: []string{"k8s_app_web-7f9c_shop_" + crioPodUID + "_0"}, Created: *ts("2026-11-29T04:36:40.000000001Z"),
		Metadata: `{"pod-name":"k8s_web-7f9c_shop_deb9f567-477e-4892-9ce3-d1cc68d36e79_0","pod-id":"ef3d690bbe2706a989bcdcd0bd45fdcf0b67a0f1e3922cfbffd46d0045527f98","image-name":"docker.io/library/nginx:1.25","image-id":"a8758716bb6aa4d90071160d27028fe4eaee7ce8166221a97d30440c8eac2be6","name":"k8s_app_web-7f9c_shop_deb9f567-477e-4892-9ce3-d1cc68d36e79_0","metadata-name":"app","created-at":1795927000}`,
		meta: storageMetadata{Name: "k8s_app_web-7f9c_shop_" + crioPodUID + "_0", ImageName: "docker.io/library/nginx:1.25",
			PodName: "k8s_web-7f9c_shop_" + crioPodUID + "_0", PodID: crioSandboxID, MetadataName: "app", CreatedAtUnix: 1795927000}}
	tests := []struct {
		name    string
		in      string
		want    map[string]*storageEntry
		wantErr bool
	}{
		{name: "podman entry", in: list(podmanStorageEntry), want: map[string]*storageEntry{podmanID: podman}},
		{name: "CRI-O entry with pod-name metadata", in: list(crioAppStorageEntry), want: map[string]*storageEntry{crioAppID: crioApp}},
		{
			name: "CRI-O sandbox entry",
			in:   list(crioSandboxStorageEntry),
			want: map[string]*storageEntry{crioSandboxID: {ID: crioSandboxID, Names: []string{"k8s_POD_web-7f9c_shop_" + crioPodUID + "_0"}, Created: *ts("2026-11-29T04:36:39.5Z"),
				Metadata: `{"pod-name":"k8s_web-7f9c_shop_deb9f567-477e-4892-9ce3-d1cc68d36e79_0","pod-id":"ef3d690bbe2706a989bcdcd0bd45fdcf0b67a0f1e3922cfbffd46d0045527f98","image-name":"registry.k8s.io/pause:3.9","image-id":"e6f1816883972d4be47bd48879a08919b96afcd344132622e4d444987919323c","name":"k8s_POD_web-7f9c_shop_deb9f567-477e-4892-9ce3-d1cc68d36e79_0","metadata-name":"web-7f9c","uid":"deb9f567-477e-4892-9ce3-d1cc68d36e79","namespace":"shop","created-at":1795926999,"pod":true}`,
				meta: storageMetadata{Name: "k8s_POD_web-7f9c_shop_" + crioPodUID + "_0", ImageName: "registry.k8s.io/pause:3.9",
					PodName: "k8s_web-7f9c_shop_" + crioPodUID + "_0", PodID: crioSandboxID, MetadataName: "web-7f9c", CreatedAtUnix: 1795926999, Pod: true}}},
		},
		{name: "podman and CRI-O in one store", in: list(podmanStorageEntry, crioAppStorageEntry), want: map[string]*storageEntry{podmanID: podman, crioAppID: crioApp}},
		{
			// Another tool's store may keep anything in metadata: the entry
			// stays, its metadata is unknown.
			name: "metadata string that is not JSON",
			in:   `[{"id":"` + idA + `","names":["buildah-working-container"],"metadata":"not json"}]`,
			want: map[string]*storageEntry{idA: {ID: idA, Names: []string{"buildah-working-container"}, Metadata: "not json"}},
		},
		{
			name: "metadata with a field of the wrong type keeps the rest",
			in:   `[{"id":"` + idA + `","metadata":"{\"name\":\"x\",\"created-at\":\"soon\"}"}]`,
			want: map[string]*storageEntry{idA: {ID: idA, Metadata: `{"name":"x","created-at":"soon"}`, meta: storageMetadata{Name: "x"}}},
		},
		{name: "no metadata", in: `[{"id":"` + idA + `"}]`, want: map[string]*storageEntry{idA: {ID: idA}}},
		{
			name: "non-hex, short, upper-case and empty IDs are skipped",
			in: list(podmanStorageEntry, `{"id":"nsxpt-pm","names":["x"]}`, `{"id":"73cb7ba8911","names":["short"]}`,
				`{"id":"`+strings.ToUpper(idA)+`"}`, `{"id":""}`, `{"names":["no id"]}`),
			want: map[string]*storageEntry{podmanID: podman},
		},
		{name: "null element is skipped", in: list("null", podmanStorageEntry), want: map[string]*storageEntry{podmanID: podman}},
		// real: podman's containers.json after every container is removed.
		{name: "empty store", in: `[]`, want: map[string]*storageEntry{}},
		{name: "JSON null", in: `null`, want: map[string]*storageEntry{}},

		{name: "empty file", in: "", wantErr: true},
		{name: "truncated", in: list(podmanStorageEntry)[:120], wantErr: true},
		{name: "object instead of a list", in: podmanStorageEntry, wantErr: true},
		{name: "metadata that is an object", in: `[{"id":"` + idA + `","metadata":{"name":"x"}}]`, wantErr: true},
		{name: "names that is a string", in: `[{"id":"` + idA + `","names":"x"}]`, wantErr: true},
		{name: "created that is not a time", in: `[{"id":"` + idA + `","created":"yesterday"}]`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStorageContainers([]byte(tt.in))
			if tt.wantErr {
				if err == nil {
					t.Fatalf("parseStorageContainers(%.60q…) = %v, want an error", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseStorageContainers(%.60q…): %v", tt.in, err)
			}
			if diff := cmp.Diff(entryViews(tt.want), entryViews(got)); diff != "" {
				t.Errorf("parseStorageContainers mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// entryView is what a test compares of a storageEntry: its fields and the
// metadata fields nsx uses.
type entryView struct {
	ID, Metadata                                  string
	Names                                         []string
	Created                                       time.Time
	Name, ImageName, PodName, PodID, MetadataName string
	CreatedAtUnix                                 int64
	Pod                                           bool
}

func entryViews(m map[string]*storageEntry) map[string]entryView {
	if m == nil {
		return nil
	}
	out := make(map[string]entryView, len(m))
	for k, e := range m {
		if e == nil {
			out[k] = entryView{ID: "<nil>"}
			continue
		}
		out[k] = entryView{ID: e.ID, Metadata: e.Metadata, Names: e.Names, Created: e.Created,
			Name: e.meta.Name, ImageName: e.meta.ImageName, PodName: e.meta.PodName, PodID: e.meta.PodID,
			MetadataName: e.meta.MetadataName, CreatedAtUnix: e.meta.CreatedAtUnix, Pod: e.meta.Pod}
	}
	return out
}

// CRI-O's state.json in a container's userdata. synthetic: CRI-O is not
// installed on the test VM; the shape is CRI-O's internal/oci
// ContainerState, written with encoding/json: the OCI state (ociVersion,
// id, status, pid omitted when 0, bundle, annotations), then created,
// started and finished (time.Time, the zero time for "not yet"), exitCode
// (omitted until known), oomKilled, error, initPid, initStartTime.
const (
	crioStateRunning = `{"ociVersion":"1.0.2-dev","id":"f09a990911d523b62d2aa1ed36c60729e12c547b0b58d81877380f949518efb8","status":"running","pid":4242,"bundle":"/run/containers/storage/overlay-containers/f09a990911d523b62d2aa1ed36c60729e12c547b0b58d81877380f949518efb8/userdata","annotations":{"io.kubernetes.container.name":"app"},"created":"2026-11-29T04:36:40.100000000Z","started":"2026-11-29T04:36:40.250000000Z","finished":"0001-01-01T00:00:00Z","initPid":4242,"initStartTime":"1795927000","checkpointedTime":"0001-01-01T00:00:00Z"}`
	crioStateOOM     = `{"ociVersion":"1.0.2-dev","id":"f09a990911d523b62d2aa1ed36c60729e12c547b0b58d81877380f949518efb8","status":"stopped","bundle":"/run/containers/storage/overlay-containers/f09a990911d523b62d2aa1ed36c60729e12c547b0b58d81877380f949518efb8/userdata","created":"2026-11-29T04:36:40.100000000Z","started":"2026-11-29T04:36:40.250000000Z","finished":"2026-11-29T04:40:01.5+01:00","exitCode":137,"oomKilled":true,"initPid":4242,"initStartTime":"1795927000","checkpointedTime":"0001-01-01T00:00:00Z"}`
	// Stopped, its exit code not in state.json yet: conmon's exit file has it.
	crioStateStoppedNoCode = `{"ociVersion":"1.0.2-dev","id":"f09a990911d523b62d2aa1ed36c60729e12c547b0b58d81877380f949518efb8","status":"stopped","created":"2026-11-29T04:36:40.100000000Z","started":"2026-11-29T04:36:40.250000000Z","finished":"2026-11-29T04:37:00Z","initPid":4242,"checkpointedTime":"0001-01-01T00:00:00Z"}`
	crioStateCreated       = `{"ociVersion":"1.0.2-dev","id":"f09a990911d523b62d2aa1ed36c60729e12c547b0b58d81877380f949518efb8","status":"created","pid":4242,"created":"2026-11-29T04:36:40.100000000Z","started":"0001-01-01T00:00:00Z","finished":"0001-01-01T00:00:00Z","checkpointedTime":"0001-01-01T00:00:00Z"}`
	// SetStartFailed: started and finished are the creation time, error set.
	crioStateStartFailed = `{"ociVersion":"1.0.2-dev","id":"f09a990911d523b62d2aa1ed36c60729e12c547b0b58d81877380f949518efb8","status":"stopped","created":"2026-11-29T04:36:40.100000000Z","started":"2026-11-29T04:36:40.100000000Z","finished":"2026-11-29T04:36:40.100000000Z","exitCode":128,"error":"container create failed: exec: \"nope\": executable file not found in $PATH","checkpointedTime":"0001-01-01T00:00:00Z"}`
)

func TestParseCRIOState(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    *crioContainerState
		wantErr bool
	}{
		{name: "running", in: crioStateRunning, want: &crioContainerState{Status: "running", Pid: 4242, Started: "2026-11-29T04:36:40.250000000Z", Finished: "0001-01-01T00:00:00Z"}},
		{name: "stopped, OOM-killed", in: crioStateOOM, want: &crioContainerState{Status: "stopped", Started: "2026-11-29T04:36:40.250000000Z", Finished: "2026-11-29T04:40:01.5+01:00", ExitCode: intPtr(137), OOMKilled: true}},
		{name: "stopped without exit code", in: crioStateStoppedNoCode, want: &crioContainerState{Status: "stopped", Started: "2026-11-29T04:36:40.250000000Z", Finished: "2026-11-29T04:37:00Z"}},
		{name: "created", in: crioStateCreated, want: &crioContainerState{Status: "created", Pid: 4242, Started: "0001-01-01T00:00:00Z", Finished: "0001-01-01T00:00:00Z"}},
		{
			name: "start failed", in: crioStateStartFailed,
			want: &crioContainerState{Status: "stopped", Started: "2026-11-29T04:36:40.100000000Z", Finished: "2026-11-29T04:36:40.100000000Z", ExitCode: intPtr(128),
				Error: `container create failed: exec: "nope": executable file not found in $PATH`},
		},
		{name: "exit code 0 is kept", in: `{"status":"stopped","exitCode":0}`, want: &crioContainerState{Status: "stopped", ExitCode: intPtr(0)}},

		{name: "missing status", in: `{"id":"` + crioAppID + `","pid":4242}`, wantErr: true},
		{name: "empty status", in: `{"status":""}`, wantErr: true},
		{name: "JSON null", in: `null`, wantErr: true},
		{name: "empty file", in: "", wantErr: true},
		{name: "truncated", in: crioStateRunning[:90], wantErr: true},
		{name: "exit code as a string", in: `{"status":"stopped","exitCode":"137"}`, wantErr: true},
		{name: "pid as a string", in: `{"status":"running","pid":"4242"}`, wantErr: true},
		{name: "started as a number", in: `{"status":"running","started":1795927000}`, wantErr: true},
		{name: "array", in: `[]`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCRIOState([]byte(tt.in))
			checkParse(t, "parseCRIOState", tt.in, got, err, tt.wantErr, tt.want)
		})
	}
}

// Paths of the system containers/storage store, relative to the root.
func sysUserdata(id string) string {
	return "var/lib/containers/storage/overlay-containers/" + id + "/userdata"
}

func sysRunUserdata(id string) string {
	return "run/containers/storage/overlay-containers/" + id + "/userdata"
}

const sysContainersJSON = "var/lib/containers/storage/overlay-containers/containers.json"

// setMtime gives a file of a test root a known modification time.
func setMtime(t *testing.T, root, rel string, mt time.Time) {
	t.Helper()
	if err := os.Chtimes(filepath.Join(root, rel), mt, mt); err != nil {
		t.Fatal(err)
	}
}

func TestStoreIdentifyCRIO(t *testing.T) {
	var (
		exitFileID  = strings.Repeat("5e", 32) // stopped, code from run/crio/exits
		oomID       = strings.Repeat("6f", 32) // stopped, code in state.json
		bundleID    = strings.Repeat("7a", 32) // config.json only in the bundle
		bareID      = strings.Repeat("8b", 32) // containers.json entry only
		badStateID  = strings.Repeat("9c", 32) // malformed state.json
		noMetaName  = strings.Repeat("ad", 32) // CRI-O metadata without metadata-name
		annOnly     = strings.Repeat("be", 32) // no metadata: CRI-O by its annotations
		withCRIOApp = func(id string) string { return strings.ReplaceAll(crioAppStorageEntry, crioAppID, id) }
	)
	root := writeRootFiles(t, map[string]string{
		sysContainersJSON: "[" + strings.Join([]string{crioSandboxStorageEntry, crioAppStorageEntry, podmanStorageEntry,
			withCRIOApp(exitFileID), withCRIOApp(oomID), withCRIOApp(bundleID), withCRIOApp(bareID), withCRIOApp(badStateID),
			strings.Replace(withCRIOApp(noMetaName), `\"metadata-name\":\"app\",`, "", 1),
			`{"id":"` + annOnly + `","names":["k8s_app_web-7f9c_shop_` + crioPodUID + `_1"]}`}, ",") + "]",
		sysUserdata(annOnly) + "/config.json":       crioAppSpec,
		sysUserdata(crioSandboxID) + "/config.json": crioSandboxSpec,
		sysUserdata(crioSandboxID) + "/state.json":  strings.ReplaceAll(strings.ReplaceAll(crioStateRunning, crioAppID, crioSandboxID), "4242", "4100"),
		sysUserdata(crioAppID) + "/config.json":     crioAppSpec,
		sysUserdata(crioAppID) + "/state.json":      crioStateRunning,
		sysUserdata(exitFileID) + "/config.json":    crioAppSpec,
		sysUserdata(exitFileID) + "/state.json":     crioStateStoppedNoCode,
		"run/crio/exits/" + exitFileID:              "2",
		sysUserdata(oomID) + "/config.json":         crioAppSpec,
		sysUserdata(oomID) + "/state.json":          crioStateOOM,
		// state.json has the code: a differing exit file is not read.
		"run/crio/exits/" + oomID:                        "1",
		sysRunUserdata(bundleID) + "/config.json":        crioAppSpec,
		sysUserdata(badStateID) + "/config.json":         crioAppSpec,
		sysUserdata(badStateID) + "/state.json":          `{"status":`,
		sysUserdata(podmanID) + "/config.json":           podmanSpec,
		"var/log/pods/shop_web-7f9c_" + crioPodUID + "/": "",
	})
	shop := func() *Pod { return &Pod{Namespace: "shop", Name: "web-7f9c", UID: crioPodUID} }
	const image = "docker.io/library/nginx:1.25"
	systemdPod := "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + strings.ReplaceAll(crioPodUID, "-", "_") + ".slice/"
	sources := func(id string, files ...string) []string {
		out := []string{"/" + sysContainersJSON}
		for _, f := range files {
			out = append(out, "/"+sysUserdata(id)+"/"+f)
		}
		return out
	}
	tests := []struct {
		name     string
		cgroup   string
		want     *Container // Cgroup is filled in by the test
		wantWarn string
	}{
		{
			name:   "running container, systemd driver",
			cgroup: systemdPod + "crio-" + crioAppID + ".scope",
			want: &Container{Runtime: CRIO, ID: crioAppID, Name: "app", Pod: shop(), Image: image, State: "running", InitPID: 4242,
				LastRun: &RunState{StartedAt: ts("2026-11-29T04:36:40.25Z")}, Sources: sources(crioAppID, "config.json", "state.json")},
		},
		{
			// The cgroupfs driver does not say which runtime: CRI-O's
			// store has it, containerd's does not.
			name:   "running container, cgroupfs driver",
			cgroup: "/kubepods/besteffort/pod" + crioPodUID + "/" + crioAppID,
			want: &Container{Runtime: CRIO, ID: crioAppID, Name: "app", Pod: shop(), Image: image, State: "running", InitPID: 4242,
				LastRun: &RunState{StartedAt: ts("2026-11-29T04:36:40.25Z")}, Sources: sources(crioAppID, "config.json", "state.json")},
		},
		{
			// CRI-O's metadata-name of an infra container (pod: true, its
			// own pod-id) is the pod's name, not a container's: the
			// sandbox has no name of its own, and views show the pod.
			name:   "sandbox",
			cgroup: systemdPod + "crio-" + crioSandboxID + ".scope",
			want: &Container{Runtime: CRIO, ID: crioSandboxID, Pod: shop(), PodSandbox: true, Image: "registry.k8s.io/pause:3.9",
				State: "running", InitPID: 4100, LastRun: &RunState{StartedAt: ts("2026-11-29T04:36:40.25Z")},
				Sources: sources(crioSandboxID, "config.json", "state.json")},
		},
		{
			name:   "stopped, exit code from run/crio/exits",
			cgroup: systemdPod + "crio-" + exitFileID + ".scope",
			want: &Container{Runtime: CRIO, ID: exitFileID, Name: "app", Pod: shop(), Image: image, State: "exited",
				LastRun: &RunState{StartedAt: ts("2026-11-29T04:36:40.25Z"), FinishedAt: ts("2026-11-29T04:37:00Z"), ExitCode: intPtr(2)},
				Sources: sources(exitFileID, "config.json", "state.json")},
		},
		{
			name:   "stopped, OOM-killed, exit code from state.json",
			cgroup: systemdPod + "crio-" + oomID + ".scope",
			want: &Container{Runtime: CRIO, ID: oomID, Name: "app", Pod: shop(), Image: image, State: "exited",
				LastRun: &RunState{StartedAt: ts("2026-11-29T04:36:40.25Z"), FinishedAt: ts("2026-11-29T03:40:01.5Z"), ExitCode: intPtr(137), OOMKilled: true},
				Sources: sources(oomID, "config.json", "state.json")},
		},
		{
			name:   "spec only in the run-time bundle",
			cgroup: systemdPod + "crio-" + bundleID + ".scope",
			want: &Container{Runtime: CRIO, ID: bundleID, Name: "app", Pod: shop(), Image: image,
				Sources: []string{"/" + sysContainersJSON, "/" + sysRunUserdata(bundleID) + "/config.json"}},
		},
		{
			// The entry's metadata says CRI-O and names the container; the
			// pod is the cgroup's UID, named from the kubelet's logs.
			name:   "containers.json entry only",
			cgroup: systemdPod + "crio-" + bareID + ".scope",
			want:   &Container{Runtime: CRIO, ID: bareID, Name: "app", Pod: shop(), Image: image, Sources: []string{"/" + sysContainersJSON}},
		},
		{
			// CRI-O's storage name (k8s_NAME_POD_NS_UID_N) is not shown
			// as the container's name.
			name:   "containers.json entry without metadata-name",
			cgroup: systemdPod + "crio-" + noMetaName + ".scope",
			want:   &Container{Runtime: CRIO, ID: noMetaName, Pod: shop(), Image: image, Sources: []string{"/" + sysContainersJSON}},
		},
		{
			// An entry without metadata is CRI-O's when its spec's
			// annotations say so; the image is the annotation's.
			name:   "CRI-O by its annotations alone",
			cgroup: systemdPod + "crio-" + annOnly + ".scope",
			want: &Container{Runtime: CRIO, ID: annOnly, Name: "app", Pod: shop(), Image: image,
				Sources: []string{"/" + sysContainersJSON, "/" + sysUserdata(annOnly) + "/config.json"}},
		},
		{
			name:   "malformed state.json",
			cgroup: systemdPod + "crio-" + badStateID + ".scope",
			want: &Container{Runtime: CRIO, ID: badStateID, Name: "app", Pod: shop(), Image: image,
				Sources: sources(badStateID, "config.json")},
			wantWarn: "malformed " + filepath.Join(root, sysUserdata(badStateID), "state.json"),
		},
		{
			// The store's podman container is not CRI-O's: only the cgroup
			// path and the kubelet's logs say anything.
			name:   "podman container in the same store",
			cgroup: systemdPod + "crio-" + podmanID + ".scope",
			want:   &Container{Runtime: CRIO, ID: podmanID, Pod: shop()},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewStore(root)
			c := identified(t, s, tt.cgroup)
			tt.want.Cgroup = tt.cgroup
			if tt.want.PodSandbox {
				if got := c.DisplayName(); got != "shop/web-7f9c" {
					t.Errorf("sandbox DisplayName() = %q, want shop/web-7f9c", got)
				}
			}
			if diff := cmp.Diff(tt.want, c); diff != "" {
				t.Errorf("Identify mismatch (-want +got):\n%s", diff)
			}
			checkWarnings(t, s, tt.wantWarn)
		})
	}
}

// checkWarnings wants no warning, or one that contains want.
func checkWarnings(t *testing.T, s *Store, want string) {
	t.Helper()
	warnings := s.Warnings()
	if want == "" && len(warnings) != 0 {
		t.Errorf("Warnings() = %q, want none", warnings)
	}
	if want != "" && (len(warnings) != 1 || !strings.Contains(warnings[0], want)) {
		t.Errorf("Warnings() = %q, want one containing %q", warnings, want)
	}
}

// nsxpodPasswd is /etc/passwd with the test VM's rootless podman user.
const nsxpodPasswd = "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\nnsxpod:x:1001:1001::/home/nsxpod:/bin/bash\n"

const userContainersJSON = "home/nsxpod/.local/share/containers/storage/overlay-containers/containers.json"

func TestStoreIdentifyPodmanWithoutDB(t *testing.T) {
	var (
		exitedID  = strings.Repeat("a1", 32)
		createdID = strings.Repeat("b2", 32)
		staleID   = strings.Repeat("c3", 32)
		withID    = func(id, name string) string {
			return strings.ReplaceAll(strings.ReplaceAll(podmanStorageEntry, podmanID, id), "nsxpt-pm", name)
		}
		exitedAt = time.Date(2026, 11, 29, 4, 40, 0, 0, time.UTC)
	)
	files := map[string]string{
		"etc/passwd":       nsxpodPasswd,
		sysContainersJSON:  "[" + strings.Join([]string{podmanStorageEntry, withID(exitedID, "ex"), withID(createdID, "cr"), withID(staleID, "st")}, ", ") + "]",
		userContainersJSON: "[" + podmanRootlessStorageEntry + "]",
		// real: the userdata spec and conmon's pidfile (no newline) of
		// nsxpt-pm; proc/PID stands for the live process.
		sysUserdata(podmanID) + "/config.json": podmanSpec,
		sysRunUserdata(podmanID) + "/pidfile":  "23866",
		"proc/23866/":                          "",
		// conmon's exit file, left behind when podman's cleanup failed.
		"run/libpod/exits/" + exitedID: "137",
		// A pidfile outlives its container until `podman rm`.
		sysRunUserdata(staleID) + "/pidfile": "31337",
		// nsxpod's rootless exit file (real content: "3", no newline).
		"run/user/1001/libpod/tmp/exits/" + podmanRootlessID: "3",
	}
	root := writeRootFiles(t, files)
	setMtime(t, root, "run/libpod/exits/"+exitedID, exitedAt)
	setMtime(t, root, "run/user/1001/libpod/tmp/exits/"+podmanRootlessID, exitedAt)
	const image = "localhost/nsx-test-busybox:latest"
	tests := []struct {
		name   string
		cgroup string
		want   *Container
	}{
		{
			// real: nsxpt-pm's cgroup under podman's cgroupfs manager.
			name:   "running (pidfile of a live process)",
			cgroup: "/libpod_parent/libpod-" + podmanID,
			want: &Container{Runtime: Podman, ID: podmanID, Name: "nsxpt-pm", Image: image, State: "running", InitPID: 23866,
				Sources: []string{"/" + sysContainersJSON, "/" + sysUserdata(podmanID) + "/config.json"}},
		},
		{
			name:   "exited (exit file)",
			cgroup: "/machine.slice/libpod-" + exitedID + ".scope",
			want: &Container{Runtime: Podman, ID: exitedID, Name: "ex", Image: image, State: "exited",
				LastRun: &RunState{ExitCode: intPtr(137), FinishedAt: &exitedAt},
				Sources: []string{"/" + sysContainersJSON, "/run/libpod/exits/" + exitedID}},
		},
		{
			name:   "created (nothing but the entry)",
			cgroup: "/machine.slice/libpod-" + createdID + ".scope",
			want:   &Container{Runtime: Podman, ID: createdID, Name: "cr", Image: image, State: "created", Sources: []string{"/" + sysContainersJSON}},
		},
		{
			name:   "stale pidfile of a gone process",
			cgroup: "/machine.slice/libpod-" + staleID + ".scope",
			want:   &Container{Runtime: Podman, ID: staleID, Name: "st", Image: image, State: "created", Sources: []string{"/" + sysContainersJSON}},
		},
		{
			name:   "rootless, in the user's store",
			cgroup: "/user.slice/user-1001.slice/user@1001.service/user.slice/libpod-" + podmanRootlessID + ".scope",
			want: &Container{Runtime: Podman, ID: podmanRootlessID, Name: "nsxpt-pmr", Image: image, Owner: "nsxpod", State: "exited",
				LastRun: &RunState{ExitCode: intPtr(3), FinishedAt: &exitedAt},
				Sources: []string{"/" + userContainersJSON, "/run/user/1001/libpod/tmp/exits/" + podmanRootlessID}},
		},
		{
			name:   "unknown",
			cgroup: "/machine.slice/libpod-" + idA + ".scope",
			want:   &Container{Runtime: Podman, ID: idA},
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
			checkWarnings(t, s, "")
		})
	}

	// A database that cannot be opened is a warning; the files conmon
	// leaves still tell the state.
	t.Run("unreadable bolt database", func(t *testing.T) {
		files["var/lib/containers/storage/libpod/bolt_state.db"] = "not a bolt database"
		root := writeRootFiles(t, files)
		s := NewStore(root)
		c := FromCgroupPath("/libpod_parent/libpod-" + podmanID)
		s.Identify(c)
		if c.Name != "nsxpt-pm" || c.State != "running" || c.InitPID != 23866 {
			t.Errorf("Identify = %+v, want nsxpt-pm running with pid 23866", c)
		}
		checkWarnings(t, s, filepath.Join(root, "var/lib/containers/storage/libpod/bolt_state.db"))
	})
}

func TestStoreAll(t *testing.T) {
	const (
		uidOnly   = `{"ociVersion":"1.0.2-dev","annotations":{"io.kubernetes.cri.container-type":"container","io.kubernetes.cri.sandbox-uid":"` + podUID + `"}}`
		mobyTask  = "run/containerd/io.containerd.runtime.v2.task/moby/"
		dockerDir = "var/lib/docker/containers/"
	)
	root := writeRootFiles(t, map[string]string{
		"etc/passwd": nsxpodPasswd,
		// Docker: a plain container and a cri-dockerd sandbox (real
		// config.v2.json, trimmed); a directory that is no container.
		dockerDir + dockerHCID + "/config.v2.json":          dockerHCConfig,
		dockerDir + criDockerdSandboxID + "/config.v2.json": criDockerdSandboxConfig,
		dockerDir + "tmp-unpack/":                           "",
		// containerd: the ctr pod, a ctr container, one whose pod is
		// known by UID only, Docker's own task (moby: Docker lists it),
		// and the app again under k3s's containerd.
		ctrTask("k8s.io", ctrSandboxID) + "/config.json":                                       ctrSandboxSpec,
		ctrTask("k8s.io", ctrAppID) + "/config.json":                                           ctrAppSpec,
		ctrTask("default", idA) + "/config.json":                                               `{"annotations":null}`,
		ctrTask("k8s.io", idB) + "/config.json":                                                uidOnly,
		mobyTask + dockerHCID + "/config.json":                                                 `{"annotations":null}`,
		"run/k3s/containerd/io.containerd.runtime.v2.task/k8s.io/" + ctrAppID + "/config.json": ctrAppSpec,
		"var/log/pods/team_batch-x_" + podUID + "/":                                            "",
		// containers/storage: podman, CRI-O, and nsxpod's rootless podman.
		sysContainersJSON:  "[" + podmanStorageEntry + "," + crioAppStorageEntry + "," + crioSandboxStorageEntry + "]",
		userContainersJSON: "[" + podmanRootlessStorageEntry + "]",
	})
	s := NewStore(root)
	all := s.All()
	var got []string
	for _, c := range all {
		got = append(got, c.Runtime+"/"+c.ID)
	}
	// Each runtime's containers in ID order: Docker's, containerd's, then
	// containers/storage's (all stores together); one entry per runtime/ID.
	want := []string{
		Docker + "/" + criDockerdSandboxID, Docker + "/" + dockerHCID,
		Containerd + "/" + idB, Containerd + "/" + idA, Containerd + "/" + ctrSandboxID, Containerd + "/" + ctrAppID,
		Podman + "/" + podmanID, CRIO + "/" + crioSandboxID, CRIO + "/" + crioAppID, Podman + "/" + podmanRootlessID,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("All() mismatch (-want +got):\n%s", diff)
	}
	byID := map[string]*Container{}
	for _, c := range all {
		byID[c.ID] = c
	}
	// The pod known by UID only is named from the kubelet's log directory.
	if diff := cmp.Diff(&Pod{Namespace: "team", Name: "batch-x", UID: podUID}, byID[idB].Pod); diff != "" {
		t.Errorf("pod of %s mismatch (-want +got):\n%s", idB, diff)
	}
	if got := byID[criDockerdSandboxID].DisplayName(); got != "shop/web-7f9c" {
		t.Errorf("cri-dockerd sandbox DisplayName() = %q, want shop/web-7f9c", got)
	}
	if c := byID[podmanRootlessID]; c.Owner != "nsxpod" || c.Name != "nsxpt-pmr" {
		t.Errorf("rootless container = %+v, want nsxpt-pmr owned by nsxpod", c)
	}
	checkWarnings(t, s, "")

	// An empty host knows no container and warns of nothing.
	s = NewStore(t.TempDir())
	if all := s.All(); len(all) != 0 {
		t.Errorf("All() on an empty root = %v, want none", all)
	}
	checkWarnings(t, s, "")
}
