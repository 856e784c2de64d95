package runtimes

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// dockerConfigRunning is /var/lib/docker/containers/<id>/config.v2.json of
// parsetest-1 (`docker run -d --name parsetest-1 nsx-test-busybox:latest
// sleep 300`, Docker 20.10 on the test VM), trimmed to a few top-level keys
// and with Config cut down; the State object is whole.
const dockerConfigRunning = `{"StreamConfig": {}, "State": {"Running": true, "Paused": false, "Restarting": false, "OOMKilled": false, "RemovalInProgress": false, "Dead": false, "Pid": 10706, "ExitCode": 0, "Error": "", "StartedAt": "2026-11-29T02:02:36.017514778Z", "FinishedAt": "0001-01-01T00:00:00Z", "Health": null}, "ID": "fb183c3c5d27806fa3ce92850f4497699feed7602955d372cee1e21592931c36", "Created": "2026-11-29T02:02:35.48866836Z", "Managed": false, "Path": "sleep", "Args": ["300"], "Config": {"Hostname": "fb183c3c5d27", "Image": "nsx-test-busybox:latest", "Cmd": ["sleep", "300"], "Env": null}, "Image": "sha256:cd5b39491f7f3e0decb6f69fd6ba649c0d1f53746ce7ac30a8e1060fe700eef8", "Name": "/parsetest-1", "Driver": "overlay2", "OS": "linux", "RestartCount": 0, "HasBeenStartedBefore": true}`

// The other configs are the real ID, Name and State of containers made the
// same way on the test VM; other keys are left out.
const (
	// real: `docker create --name parsetest-2 … true`
	dockerConfigCreated = `{"ID": "04bd49e0b1b9f7e0661686bdfee986810845265cbfb9f8db96101e4b1dfc5d0f", "Name": "/parsetest-2", "State": {"Running": false, "Paused": false, "Restarting": false, "OOMKilled": false, "RemovalInProgress": false, "Dead": false, "Pid": 0, "ExitCode": 0, "Error": "", "StartedAt": "0001-01-01T00:00:00Z", "FinishedAt": "0001-01-01T00:00:00Z", "Health": null}}`
	// real: `docker run --name parsetest-3 … true`, which failed to start
	// (busybox has no true): Docker still calls it "Created", exit 127.
	dockerConfigFailedStart = `{"ID": "e54e8005c0588e99760ff7d0958e325c9b5e207e52157267a401554aa3b2273f", "Name": "/parsetest-3", "State": {"Running": false, "Paused": false, "Restarting": false, "OOMKilled": false, "RemovalInProgress": false, "Dead": false, "Pid": 0, "ExitCode": 127, "Error": "failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: \"true\": executable file not found in $PATH: unknown", "StartedAt": "0001-01-01T00:00:00Z", "FinishedAt": "0001-01-01T00:00:00Z", "Health": null}}`
	// real: `docker run -d --name parsetest-4 … sleep 300; docker pause parsetest-4`
	dockerConfigPaused = `{"ID": "6e26ac5319295bdaa9f32838629c296b0f2c78f750dbdcf9e78ff5b2efba5b38", "Name": "/parsetest-4", "State": {"Running": true, "Paused": true, "Restarting": false, "OOMKilled": false, "RemovalInProgress": false, "Dead": false, "Pid": 10877, "ExitCode": 0, "Error": "", "StartedAt": "2026-11-29T02:02:36.994357785Z", "FinishedAt": "0001-01-01T00:00:00Z", "Health": null}}`
	// real: `docker run --name parsetest-5 … sh -c 'exit 3'`
	dockerConfigExited = `{"ID": "94cfd329a6404e3ad2df1acf4a17bd49b105edcc1b391e63c92405c489f7da18", "Name": "/parsetest-5", "State": {"Running": false, "Paused": false, "Restarting": false, "OOMKilled": false, "RemovalInProgress": false, "Dead": false, "Pid": 0, "ExitCode": 3, "Error": "", "StartedAt": "2026-11-29T02:02:40.758063623Z", "FinishedAt": "2026-11-29T02:02:40.759092845Z", "Health": null}}`
)

// ts parses an RFC 3339 time for a want.
func ts(s string) *time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func TestParseDockerConfig(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    *Container
		wantErr bool
	}{
		{
			name: "running",
			in:   dockerConfigRunning,
			want: &Container{Runtime: Docker, ID: "fb183c3c5d27806fa3ce92850f4497699feed7602955d372cee1e21592931c36", Name: "parsetest-1", Image: "nsx-test-busybox:latest", State: "running", InitPID: 10706,
				LastRun: &RunState{StartedAt: ts("2026-11-29T02:02:36.017514778Z")}},
		},
		{
			name: "created",
			in:   dockerConfigCreated,
			want: &Container{Runtime: Docker, ID: "04bd49e0b1b9f7e0661686bdfee986810845265cbfb9f8db96101e4b1dfc5d0f", Name: "parsetest-2", State: "created"},
		},
		{
			name: "failed to start is created, as docker ps says",
			in:   dockerConfigFailedStart,
			want: &Container{Runtime: Docker, ID: "e54e8005c0588e99760ff7d0958e325c9b5e207e52157267a401554aa3b2273f", Name: "parsetest-3", State: "created",
				LastRun: &RunState{ExitCode: intPtr(127), Error: "failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: \"true\": executable file not found in $PATH: unknown"}},
		},
		{
			// Paused containers still have processes: keep the init PID.
			name: "paused",
			in:   dockerConfigPaused,
			want: &Container{Runtime: Docker, ID: "6e26ac5319295bdaa9f32838629c296b0f2c78f750dbdcf9e78ff5b2efba5b38", Name: "parsetest-4", State: "paused", InitPID: 10877,
				LastRun: &RunState{StartedAt: ts("2026-11-29T02:02:36.994357785Z")}},
		},
		{
			name: "exited",
			in:   dockerConfigExited,
			want: &Container{Runtime: Docker, ID: "94cfd329a6404e3ad2df1acf4a17bd49b105edcc1b391e63c92405c489f7da18", Name: "parsetest-5", State: "exited",
				LastRun: &RunState{StartedAt: ts("2026-11-29T02:02:40.758063623Z"), FinishedAt: ts("2026-11-29T02:02:40.759092845Z"), ExitCode: intPtr(3)}},
		},
		{
			name: "restarting",
			in:   `{"ID": "` + idA + `", "Name": "/r", "State": {"Running": true, "Restarting": true, "Pid": 0, "StartedAt": "2026-11-29T02:02:40Z"}}`,
			want: &Container{Runtime: Docker, ID: idA, Name: "r", State: "restarting",
				LastRun: &RunState{StartedAt: ts("2026-11-29T02:02:40Z"), ExitCode: intPtr(0)}},
		},
		{
			name: "dead",
			in:   `{"ID": "` + idA + `", "Name": "/d", "State": {"Dead": true, "StartedAt": "2026-11-29T02:02:40Z"}}`,
			want: &Container{Runtime: Docker, ID: idA, Name: "d", State: "dead",
				LastRun: &RunState{StartedAt: ts("2026-11-29T02:02:40Z"), ExitCode: intPtr(0)}},
		},
		{
			// A stale Pid of a stopped container must not be reported.
			name: "exited with a stale pid",
			in:   `{"ID": "` + idA + `", "Name": "/s", "State": {"Running": false, "Pid": 4242, "StartedAt": "2026-11-29T02:02:40Z"}}`,
			want: &Container{Runtime: Docker, ID: idA, Name: "s", State: "exited",
				LastRun: &RunState{StartedAt: ts("2026-11-29T02:02:40Z"), ExitCode: intPtr(0)}},
		},
		{
			name: "no State object",
			in:   `{"ID": "` + idA + `", "Name": "/n"}`,
			want: &Container{Runtime: Docker, ID: idA, Name: "n", State: "created"},
		},

		{name: "missing ID", in: strings.Replace(dockerConfigRunning, `"ID": "fb183c3c5d27806fa3ce92850f4497699feed7602955d372cee1e21592931c36", `, "", 1), wantErr: true},
		{name: "empty ID", in: `{"ID": "", "Name": "/x"}`, wantErr: true},
		{name: "ID not hex", in: `{"ID": "parsetest-1", "Name": "/x"}`, wantErr: true},
		{name: "ID too long", in: `{"ID": "` + idA + `0", "Name": "/x"}`, wantErr: true},
		{name: "truncated JSON", in: dockerConfigRunning[:100], wantErr: true},
		{name: "empty file", in: "", wantErr: true},
		{name: "ID of the wrong type", in: `{"ID": 42}`, wantErr: true},
		{name: "JSON array", in: `[]`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDockerConfig([]byte(tt.in))
			checkParse(t, "ParseDockerConfig", tt.in, got, err, tt.wantErr, tt.want)
		})
	}
}

// real: config.v2.json of a pod's sandbox and app container run on the test
// VM with the labels cri-dockerd gives them (`docker run --label
// io.kubernetes.docker.type=podsandbox --label io.kubernetes.pod.name=… …`,
// named k8s_POD_… and k8s_app_… as cri-dockerd names them), trimmed to ID,
// Name, State, RestartCount and Config's Image and Labels.
const (
	criDockerdSandboxConfig = `{"ID": "3b944a0f32da89349ea395f4d7c0498d206c8e0c91a62141f54cd0c97afc022b", "Name": "/k8s_POD_web-7f9c_shop_0c865315-0d31-4cea-ade0-a9c7d2c8d3c9_0", "State": {"Running": true, "Paused": false, "Restarting": false, "OOMKilled": false, "RemovalInProgress": false, "Dead": false, "Pid": 22431, "ExitCode": 0, "Error": "", "StartedAt": "2026-11-29T04:34:28.736464455Z", "FinishedAt": "0001-01-01T00:00:00Z", "Health": null}, "RestartCount": 0, "Config": {"Image": "nsx-test-busybox:latest", "Labels": {"io.kubernetes.container.name": "POD", "io.kubernetes.docker.type": "podsandbox", "io.kubernetes.pod.name": "web-7f9c", "io.kubernetes.pod.namespace": "shop", "io.kubernetes.pod.uid": "0c865315-0d31-4cea-ade0-a9c7d2c8d3c9"}}}`
	criDockerdAppConfig     = `{"ID": "a68f82a4ca8371857356942ca57ae6812780f4fe804a10a6d983c2750f8a7dd8", "Name": "/k8s_app_web-7f9c_shop_0c865315-0d31-4cea-ade0-a9c7d2c8d3c9_0", "State": {"Running": true, "Paused": false, "Restarting": false, "OOMKilled": false, "RemovalInProgress": false, "Dead": false, "Pid": 22499, "ExitCode": 0, "Error": "", "StartedAt": "2026-11-29T04:34:28.880526727Z", "FinishedAt": "0001-01-01T00:00:00Z", "Health": null}, "RestartCount": 0, "Config": {"Image": "nsx-test-busybox:latest", "Labels": {"io.kubernetes.container.name": "app", "io.kubernetes.container.restartCount": "0", "io.kubernetes.docker.type": "container", "io.kubernetes.pod.name": "web-7f9c", "io.kubernetes.pod.namespace": "shop", "io.kubernetes.pod.uid": "0c865315-0d31-4cea-ade0-a9c7d2c8d3c9", "io.kubernetes.sandbox.id": "3b944a0f32da89349ea395f4d7c0498d206c8e0c91a62141f54cd0c97afc022b"}}}`
)

func TestParseDockerConfigCRIDockerd(t *testing.T) {
	pod := func() *Pod { return &Pod{Namespace: "shop", Name: "web-7f9c", UID: criDockerdPodUID} }
	tests := []struct {
		name string
		in   string
		want *Container
	}{
		{
			// The sandbox keeps Docker's name; it is marked as the pod's
			// sandbox, which views name by the pod.
			name: "sandbox",
			in:   criDockerdSandboxConfig,
			want: &Container{Runtime: Docker, ID: criDockerdSandboxID, Name: "k8s_POD_web-7f9c_shop_" + criDockerdPodUID + "_0", Pod: pod(), PodSandbox: true,
				Image: "nsx-test-busybox:latest", State: "running", InitPID: 22431, LastRun: &RunState{StartedAt: ts("2026-11-29T04:34:28.736464455Z")}},
		},
		{
			// The container's name is the Kubernetes one, not Docker's.
			name: "container",
			in:   criDockerdAppConfig,
			want: &Container{Runtime: Docker, ID: criDockerdAppID, Name: "app", Pod: pod(),
				Image: "nsx-test-busybox:latest", State: "running", InitPID: 22499, LastRun: &RunState{StartedAt: ts("2026-11-29T04:34:28.880526727Z")}},
		},
		{
			// Labels that name no pod (a namespace alone) leave it a plain
			// Docker container.
			name: "labels without a pod",
			in:   `{"ID": "` + idA + `", "Name": "/plain", "Config": {"Image": "busybox", "Labels": {"io.kubernetes.pod.namespace": "shop", "com.example.team": "x"}}}`,
			want: &Container{Runtime: Docker, ID: idA, Name: "plain", Image: "busybox", State: "created"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDockerConfig([]byte(tt.in))
			if err != nil {
				t.Fatalf("ParseDockerConfig: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseDockerConfig mismatch (-want +got):\n%s", diff)
			}
			if got.Pod != nil {
				want := "shop/web-7f9c/app"
				if got.PodSandbox {
					want = "shop/web-7f9c"
				}
				if dn := got.DisplayName(); dn != want {
					t.Errorf("DisplayName() = %q, want %q", dn, want)
				}
			}
		})
	}
}

// hostconfig.json of real containers, trimmed to the keys nsx reads plus a
// few neighbours.
const (
	// real: `docker run -d --name nsxpt-hc --cap-add NET_ADMIN --cap-add
	// SYS_PTRACE --cap-drop MKNOD --network host --restart on-failure:3
	// --read-only --security-opt no-new-privileges nsx-test-busybox:latest
	// sleep 600` (Docker 20.10 stores the capabilities with CAP_).
	dockerHostConfigLoose = `{"Binds": null, "ContainerIDFile": "", "LogConfig": {"Type": "json-file", "Config": {}}, "NetworkMode": "host", "PortBindings": {}, "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 3}, "AutoRemove": false, "CapAdd": ["CAP_NET_ADMIN", "CAP_SYS_PTRACE"], "CapDrop": ["CAP_MKNOD"], "CgroupnsMode": "host", "IpcMode": "private", "Cgroup": "", "OomScoreAdj": 0, "PidMode": "", "Privileged": false, "PublishAllPorts": false, "ReadonlyRootfs": true, "SecurityOpt": ["no-new-privileges"], "UTSMode": "", "UsernsMode": "", "ShmSize": 67108864, "Runtime": "runc"}`
	// real: the cri-dockerd-labelled sandbox above, run with defaults.
	dockerHostConfigDefault = `{"Binds": null, "NetworkMode": "default", "RestartPolicy": {"Name": "no", "MaximumRetryCount": 0}, "AutoRemove": false, "CapAdd": null, "CapDrop": null, "CgroupnsMode": "host", "IpcMode": "private", "PidMode": "", "Privileged": false, "ReadonlyRootfs": false, "SecurityOpt": null, "UsernsMode": "", "Runtime": "runc"}`
	// real: its app container, which joined the sandbox's network.
	dockerHostConfigJoined = `{"Binds": null, "NetworkMode": "container:3b944a0f32da89349ea395f4d7c0498d206c8e0c91a62141f54cd0c97afc022b", "RestartPolicy": {"Name": "no", "MaximumRetryCount": 0}, "CapAdd": null, "CapDrop": null, "IpcMode": "private", "PidMode": "", "Privileged": false, "ReadonlyRootfs": false, "SecurityOpt": null, "UsernsMode": ""}`
)

func TestParseDockerHostConfig(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    *Settings
		wantErr bool
	}{
		{
			name: "cap-add, network host, restart, read-only",
			in:   dockerHostConfigLoose,
			want: &Settings{CapAdd: []string{"CAP_NET_ADMIN", "CAP_SYS_PTRACE"}, CapDrop: []string{"CAP_MKNOD"}, NetworkMode: "host", IPCMode: "private",
				SecurityOpt: []string{"no-new-privileges"}, ReadonlyRootfs: true, RestartPolicy: "on-failure"},
		},
		{
			// Restart policy "no" is no policy.
			name: "defaults",
			in:   dockerHostConfigDefault,
			want: &Settings{NetworkMode: "default", IPCMode: "private"},
		},
		{
			name: "network joined from the sandbox",
			in:   dockerHostConfigJoined,
			want: &Settings{NetworkMode: "container:" + criDockerdSandboxID, IPCMode: "private"},
		},
		{
			name: "privileged, host pid and ipc, userns host, always restart",
			in:   `{"Privileged": true, "PidMode": "host", "IpcMode": "host", "UsernsMode": "host", "RestartPolicy": {"Name": "always"}, "SecurityOpt": ["seccomp=unconfined", "apparmor=unconfined"]}`,
			want: &Settings{Privileged: true, PIDMode: "host", IPCMode: "host", UsernsMode: "host", RestartPolicy: "always", SecurityOpt: []string{"seccomp=unconfined", "apparmor=unconfined"}},
		},
		{
			// Docker before 20.10 kept capabilities as typed; they are
			// spelled as 20.10 records them. "ALL" stays.
			name: "capabilities as older Docker kept them",
			in:   `{"CapAdd": ["net_admin", "SYS_PTRACE", "CAP_SYS_ADMIN"], "CapDrop": ["all"]}`,
			want: &Settings{CapAdd: []string{"CAP_NET_ADMIN", "CAP_SYS_PTRACE", "CAP_SYS_ADMIN"}, CapDrop: []string{"ALL"}},
		},
		{name: "empty object", in: `{}`, want: &Settings{}},

		{name: "empty file", in: "", wantErr: true},
		{name: "truncated", in: dockerHostConfigLoose[:80], wantErr: true},
		{name: "CapAdd of the wrong type", in: `{"CapAdd": "NET_ADMIN"}`, wantErr: true},
		{name: "Privileged as a string", in: `{"Privileged": "true"}`, wantErr: true},
		{name: "RestartPolicy as a string", in: `{"RestartPolicy": "always"}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDockerHostConfig([]byte(tt.in))
			checkParse(t, "ParseDockerHostConfig", tt.in, got, err, tt.wantErr, tt.want)
		})
	}
}
