package runtimes

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// runc state.json files, trimmed to id, init_process_pid,
// init_process_start, created, rootless, config.labels and
// config.cgroups.path (the rest: cgroup_paths, namespace_paths, the whole
// libcontainer config, is left out).
const (
	// real: /run/docker/runtime-runc/moby/<dockerHCID>/state.json. Docker's
	// containers have no annotations: the only label is the bundle.
	runcStateDocker = `{"id":"dbd7e9ab0a45320c0e5b0d5c06bdd637bffa73d457ce4be669278973a98d0995","init_process_pid":22368,"init_process_start":983683,"created":"2026-11-29T04:34:28.456454504Z","rootless":false,"config":{"labels":["bundle=/run/containerd/io.containerd.runtime.v2.task/moby/dbd7e9ab0a45320c0e5b0d5c06bdd637bffa73d457ce4be669278973a98d0995"],"cgroups":{"path":"/docker/dbd7e9ab0a45320c0e5b0d5c06bdd637bffa73d457ce4be669278973a98d0995"}}}`
	// real: /run/containerd/runc/k8s.io/<ctrSandboxID>/state.json: the
	// annotations as k=v labels, the bundle last.
	runcStateCtrSandbox = `{"id":"58941e6342ab8de6eb58388b990dd2c2cd6d807dfbe55ad9dd149a8100092a76","init_process_pid":23484,"init_process_start":985453,"created":"2026-11-29T04:34:46.147682931Z","rootless":false,"config":{"labels":["io.kubernetes.cri.sandbox-name=web-7f9c","io.kubernetes.cri.sandbox-namespace=shop","io.kubernetes.cri.sandbox-uid=9b479785-0feb-4a07-be39-5cf4bd59ad45","io.kubernetes.cri.container-type=sandbox","io.kubernetes.cri.sandbox-id=58941e6342ab8de6eb58388b990dd2c2cd6d807dfbe55ad9dd149a8100092a76","io.kubernetes.cri.sandbox-log-directory=/var/log/pods/shop_web-7f9c_9b479785-0feb-4a07-be39-5cf4bd59ad45","bundle=/run/containerd/io.containerd.runtime.v2.task/k8s.io/58941e6342ab8de6eb58388b990dd2c2cd6d807dfbe55ad9dd149a8100092a76"],"cgroups":{"path":"/kubepods/besteffort/pod9b479785-0feb-4a07-be39-5cf4bd59ad45/58941e6342ab8de6eb58388b990dd2c2cd6d807dfbe55ad9dd149a8100092a76"}}}`
	// real: /run/runc/<podmanID>/state.json (rootful podman).
	runcStatePodman = `{"id":"73cb7ba8911ce97f2721fb49c3ffa951a10818cacb14b1eefc65db194d766543","init_process_pid":23866,"init_process_start":986267,"created":"2026-11-29T04:34:54.2843929Z","rootless":false,"config":{"labels":["io.podman.annotations.autoremove=FALSE","io.podman.annotations.init=FALSE","io.podman.annotations.privileged=FALSE","io.podman.annotations.publish-all=FALSE","org.opencontainers.image.stopSignal=15","io.container.manager=libpod","io.kubernetes.cri-o.Created=2026-11-29T04:34:54.241379133Z","io.kubernetes.cri-o.TTY=false","bundle=/var/lib/containers/storage/overlay-containers/73cb7ba8911ce97f2721fb49c3ffa951a10818cacb14b1eefc65db194d766543/userdata"],"cgroups":{"path":"/libpod_parent/libpod-73cb7ba8911ce97f2721fb49c3ffa951a10818cacb14b1eefc65db194d766543"}}}`
	// real: /run/user/1001/runc/<podmanRootlessID>/state.json (rootless
	// podman as nsxpod: no cgroup; the bundle in the user's store).
	runcStatePodmanRootless = `{"id":"faf69d380f4ad34967169f3fad82844d35e50429db3d993a9e68fcde58492cd1","init_process_pid":23994,"init_process_start":986652,"created":"2026-11-29T04:34:58.137961109Z","rootless":false,"config":{"labels":["io.podman.annotations.autoremove=FALSE","io.podman.annotations.init=FALSE","io.podman.annotations.privileged=FALSE","io.podman.annotations.publish-all=FALSE","org.opencontainers.image.stopSignal=15","io.container.manager=libpod","io.kubernetes.cri-o.Created=2026-11-29T04:34:58.098129033Z","io.kubernetes.cri-o.TTY=false","bundle=/home/nsxpod/.local/share/containers/storage/overlay-containers/faf69d380f4ad34967169f3fad82844d35e50429db3d993a9e68fcde58492cd1/userdata"],"cgroups":{"path":""}}}`

	// real: /run/crun/nsxpt-crun/status, crun 1.8.1 run by hand
	// (`crun --cgroup-manager=disabled run -d nsxpt-crun` in the bundle
	// /tmp/crunb, from a mount namespace that hid the v2 controllers crun
	// refuses on this hybrid host).
	crunStatusReal = `{
    "pid": 24230,
    "process-start-time": 988101,
    "cgroup-path": "",
    "scope": "",
    "rootfs": "rootfs",
    "systemd-cgroup": false,
    "bundle": "/tmp/crunb",
    "created": "2026-11-29T04:35:12.618876Z",
    "owner": "root",
    "detached": true,
    "external_descriptors": "[\"/dev/null\",\"/tmp/bash_jobs.0/dcbb65747e96/stdout\",\"/tmp/bash_jobs.0/dcbb65747e96/stdout\"]"
}
`
)

// dockerHCConfig is nsxpt-hc's config.v2.json (real, trimmed like the
// other Docker configs).
const dockerHCConfig = `{"ID": "dbd7e9ab0a45320c0e5b0d5c06bdd637bffa73d457ce4be669278973a98d0995", "Name": "/nsxpt-hc", "State": {"Running": true, "Paused": false, "Restarting": false, "OOMKilled": false, "RemovalInProgress": false, "Dead": false, "Pid": 22368, "ExitCode": 0, "Error": "", "StartedAt": "2026-11-29T04:34:28.489671419Z", "FinishedAt": "0001-01-01T00:00:00Z", "Health": null}, "RestartCount": 0, "Config": {"Image": "nsx-test-busybox:latest", "Labels": {}}}`

func TestParseRuncState(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    *ociState
		wantErr bool
	}{
		{
			name: "docker",
			in:   runcStateDocker,
			want: &ociState{ID: dockerHCID, InitPID: 22368, StartTime: 983683, Bundle: "/run/containerd/io.containerd.runtime.v2.task/moby/" + dockerHCID},
		},
		{
			name: "containerd CRI sandbox: bundle after the annotations",
			in:   runcStateCtrSandbox,
			want: &ociState{ID: ctrSandboxID, InitPID: 23484, StartTime: 985453, Bundle: "/run/containerd/io.containerd.runtime.v2.task/k8s.io/" + ctrSandboxID},
		},
		{
			name: "rootless podman: bundle in the user's store",
			in:   runcStatePodmanRootless,
			want: &ociState{ID: podmanRootlessID, InitPID: 23994, StartTime: 986652, Bundle: "/home/nsxpod/.local/share/containers/storage/overlay-containers/" + podmanRootlessID + "/userdata"},
		},
		{
			// An annotation whose value holds "bundle=" is not the bundle.
			name: "bundle= inside another label",
			in:   `{"id":"x","init_process_pid":5,"config":{"labels":["bundle=/srv/b","note=bundle=/nope"]}}`,
			want: &ociState{ID: "x", InitPID: 5, Bundle: "/srv/b"},
		},
		{name: "no labels", in: `{"id":"handmade","init_process_pid":42}`, want: &ociState{ID: "handmade", InitPID: 42}},
		{name: "labels without a bundle", in: `{"id":"x","init_process_pid":42,"config":{"labels":["a=b"]}}`, want: &ociState{ID: "x", InitPID: 42}},

		{name: "missing id", in: strings.Replace(runcStateDocker, `"id":"`+dockerHCID+`",`, "", 1), wantErr: true},
		{name: "empty id", in: `{"id":"","init_process_pid":42}`, wantErr: true},
		{name: "missing pid", in: `{"id":"x"}`, wantErr: true},
		{name: "pid 0", in: `{"id":"x","init_process_pid":0}`, wantErr: true},
		{name: "negative pid", in: `{"id":"x","init_process_pid":-1}`, wantErr: true},
		{name: "pid as a string", in: `{"id":"x","init_process_pid":"42"}`, wantErr: true},
		{name: "negative start time", in: `{"id":"x","init_process_pid":42,"init_process_start":-1}`, wantErr: true},
		{name: "labels not a list", in: `{"id":"x","init_process_pid":42,"config":{"labels":"bundle=/b"}}`, wantErr: true},
		{name: "JSON null", in: `null`, wantErr: true},
		{name: "empty file", in: "", wantErr: true},
		{name: "truncated", in: runcStateDocker[:70], wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseRuncState([]byte(tt.in))
			checkParse(t, "parseRuncState", tt.in, got, err, tt.wantErr, tt.want, cmp.AllowUnexported(ociState{}))
		})
	}
}

func TestParseCrunStatus(t *testing.T) {
	tests := []struct {
		name    string
		id, in  string
		want    *ociState
		wantErr bool
	}{
		// The status file has no ID: it is the directory's name.
		{name: "crun run by hand", id: "nsxpt-crun", in: crunStatusReal, want: &ociState{ID: "nsxpt-crun", InitPID: 24230, StartTime: 988101, Bundle: "/tmp/crunb"}},
		{name: "no start time, no bundle", id: idA, in: `{"pid":7}`, want: &ociState{ID: idA, InitPID: 7}},

		{name: "pid 0", id: idA, in: `{"pid":0,"bundle":"/b"}`, wantErr: true},
		{name: "missing pid", id: idA, in: `{"bundle":"/b"}`, wantErr: true},
		{name: "pid as a string", id: idA, in: `{"pid":"7"}`, wantErr: true},
		{name: "start time as a string", id: idA, in: `{"pid":7,"process-start-time":"988101"}`, wantErr: true},
		{name: "empty file", id: idA, in: "", wantErr: true},
		{name: "truncated", id: idA, in: crunStatusReal[:40], wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCrunStatus(tt.id, []byte(tt.in))
			checkParse(t, "parseCrunStatus", tt.in, got, err, tt.wantErr, tt.want, cmp.AllowUnexported(ociState{}))
		})
	}
}

func TestStoreByInitPID(t *testing.T) {
	const (
		userRunc  = "run/user/1001/runc/"
		userRun   = "run/user/1001/containers/overlay-containers/"
		image     = "localhost/nsx-test-busybox:latest"
		goneID    = "0a0b0c0d0e0f0a0b0c0d0e0f0a0b0c0d0e0f0a0b0c0d0e0f0a0b0c0d0e0f0a0b"
		handBndl  = "srv/bundles/web"
		ghostUser = "run/user/1002/runc/"
	)
	root := writeRootFiles(t, map[string]string{
		"etc/passwd": nsxpodPasswd,
		// Rootless podman: runc's state under nsxpod's runtime dir, the
		// container in nsxpod's store, conmon's pidfile of a live process.
		userRunc + podmanRootlessID + "/state.json":      runcStatePodmanRootless,
		userContainersJSON:                               "[" + podmanRootlessStorageEntry + "]",
		userRun + podmanRootlessID + "/userdata/pidfile": "23994",
		"proc/23994/": "",
		// Rootful podman.
		"run/runc/" + podmanID + "/state.json": runcStatePodman,
		sysContainersJSON:                      "[" + podmanStorageEntry + "]",
		sysUserdata(podmanID) + "/config.json": podmanSpec,
		sysRunUserdata(podmanID) + "/pidfile":  "23866",
		"proc/23866/":                          "",
		// A podman container removed while runc's state lingers.
		"run/runc/" + goneID + "/state.json": `{"id":"` + goneID + `","init_process_pid":31000,"config":{"labels":["bundle=/var/lib/containers/storage/overlay-containers/` + goneID + `/userdata"]}}`,
		// Docker.
		"run/docker/runtime-runc/moby/" + dockerHCID + "/state.json":   runcStateDocker,
		"var/lib/docker/containers/" + dockerHCID + "/config.v2.json":  dockerHCConfig,
		"var/lib/docker/containers/" + dockerHCID + "/hostconfig.json": dockerHostConfigLoose,
		// containerd's CRI sandbox.
		"run/containerd/runc/k8s.io/" + ctrSandboxID + "/state.json": runcStateCtrSandbox,
		ctrTask("k8s.io", ctrSandboxID) + "/config.json":             ctrSandboxSpec,
		ctrTask("k8s.io", ctrSandboxID) + "/init.pid":                "23484",
		// crun and runc run by hand; the runc bundle's spec has CRI
		// annotations (as a pod's container run by hand would).
		"run/crun/nsxpt-crun/status":   crunStatusReal,
		"tmp/crunb/config.json":        `{"ociVersion":"1.0.2-dev","hostname":"crun"}`,
		"run/runc/handmade/state.json": `{"id":"handmade","init_process_pid":5150,"init_process_start":77,"config":{"labels":["bundle=/` + handBndl + `"]}}`,
		handBndl + "/config.json":      ctrAppSpec,
		// A uid passwd does not name.
		ghostUser + idA + "/state.json": `{"id":"` + idA + `","init_process_pid":6000,"config":{"labels":["bundle=/home/ghost/.local/share/containers/storage/overlay-containers/` + idA + `/userdata"]}}`,
		// Not container state: skipped without a word.
		"run/runc/torn-down/":             "",
		"run/runc/garbage/state.json":     `{"id":`,
		"run/runc/no-pid/state.json":      `{"id":"no-pid","init_process_pid":0}`,
		"run/crun/bad/status":             `{"pid":"x"}`,
		"run/user/1001/crun/":             "",
		"run/containerd/runc/moby/":       "",
		"run/docker/runtime-runc/other/x": "",
	})
	startTimeIs := func(v uint64) func() uint64 { return func() uint64 { return v } }
	notAsked := func() uint64 { t.Errorf("startTime asked for a PID with no state"); return 0 }
	tests := []struct {
		name      string
		pid       int
		startTime func() uint64
		want      *Container
	}{
		{
			name: "rootless podman", pid: 23994, startTime: startTimeIs(986652),
			want: &Container{Runtime: Podman, ID: podmanRootlessID, Name: "nsxpt-pmr", Image: image, Owner: "nsxpod", State: "running", InitPID: 23994,
				Sources: []string{"/" + userContainersJSON, "/" + userRunc + podmanRootlessID}},
		},
		{
			// The kernel could not say (0): the state is trusted.
			name: "start time unknown", pid: 23994, startTime: startTimeIs(0),
			want: &Container{Runtime: Podman, ID: podmanRootlessID, Name: "nsxpt-pmr", Image: image, Owner: "nsxpod", State: "running", InitPID: 23994,
				Sources: []string{"/" + userContainersJSON, "/" + userRunc + podmanRootlessID}},
		},
		// The PID was reused by another process: the state is stale.
		{name: "start time mismatch", pid: 23994, startTime: startTimeIs(986653)},
		{name: "start time mismatch, docker", pid: 22368, startTime: startTimeIs(1)},
		{name: "no state for the PID", pid: 4242, startTime: notAsked},
		{
			name: "rootful podman", pid: 23866, startTime: startTimeIs(986267),
			want: &Container{Runtime: Podman, ID: podmanID, Name: "nsxpt-pm", Image: image, State: "running", InitPID: 23866,
				Sources: []string{"/" + sysContainersJSON, "/" + sysUserdata(podmanID) + "/config.json", "/run/runc/" + podmanID}},
		},
		{
			// No start time in the state: nothing to compare.
			name: "podman container gone from the store", pid: 31000, startTime: notAsked,
			want: &Container{Runtime: Podman, ID: goneID, State: "running", InitPID: 31000, Sources: []string{"/run/runc/" + goneID}},
		},
		{
			name: "docker", pid: 22368, startTime: startTimeIs(983683),
			want: &Container{Runtime: Docker, ID: dockerHCID, Name: "nsxpt-hc", Image: "nsx-test-busybox:latest", State: "running", InitPID: 22368,
				LastRun: &RunState{StartedAt: ts("2026-11-29T04:34:28.489671419Z")},
				Settings: &Settings{CapAdd: []string{"CAP_NET_ADMIN", "CAP_SYS_PTRACE"}, CapDrop: []string{"CAP_MKNOD"}, NetworkMode: "host", IPCMode: "private",
					SecurityOpt: []string{"no-new-privileges"}, ReadonlyRootfs: true, RestartPolicy: "on-failure"},
				Sources: []string{"/var/lib/docker/containers/" + dockerHCID + "/config.v2.json", "/var/lib/docker/containers/" + dockerHCID + "/hostconfig.json",
					"/run/docker/runtime-runc/moby/" + dockerHCID}},
		},
		{
			name: "containerd CRI sandbox", pid: 23484, startTime: startTimeIs(985453),
			want: &Container{Runtime: Containerd, ID: ctrSandboxID, Pod: &Pod{Namespace: "shop", Name: "web-7f9c", UID: ctrPodUID}, PodSandbox: true,
				Namespace: "k8s.io", State: "running", InitPID: 23484,
				Sources: []string{"/" + ctrTask("k8s.io", ctrSandboxID) + "/config.json", "/run/containerd/runc/k8s.io/" + ctrSandboxID}},
		},
		{
			name: "crun by hand", pid: 24230, startTime: startTimeIs(988101),
			want: &Container{Runtime: "crun", ID: "nsxpt-crun", Name: "nsxpt-crun", State: "running", InitPID: 24230, Sources: []string{"/run/crun/nsxpt-crun"}},
		},
		{
			name: "runc by hand, bundle with CRI annotations", pid: 5150, startTime: startTimeIs(77),
			want: &Container{Runtime: "runc", ID: "handmade", Name: "app", Pod: &Pod{Namespace: "shop", Name: "web-7f9c", UID: ctrPodUID},
				Image: "docker.io/library/nsx-test-busybox:latest", State: "running", InitPID: 5150, Sources: []string{"/run/runc/handmade"}},
		},
		{
			name: "user passwd does not name", pid: 6000, startTime: notAsked,
			want: &Container{Runtime: Podman, ID: idA, Owner: "1002", State: "running", InitPID: 6000, Sources: []string{"/" + ghostUser + idA}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewStore(root)
			got := s.ByInitPID(tt.pid, tt.startTime)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ByInitPID(%d) mismatch (-want +got):\n%s", tt.pid, diff)
			}
			checkWarnings(t, s, "")
		})
	}
}
