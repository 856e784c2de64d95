package runtimes

import (
	"strings"
	"testing"
)

// dockerAPIList is the answer of Docker 20.10 on the test VM to
// GET /containers/json?all=1 (real: curl --unix-socket /run/docker.sock),
// each element trimmed to Id, Names, Image, ImageID, Command, Created,
// State, Status and Labels (Ports, Mounts, HostConfig and NetworkSettings
// are left out): nsxpt-ex (exited 3), the cri-dockerd-labelled app and
// sandbox, and nsxpt-hc.
const dockerAPIList = `[{"Id": "dbf915be1431ec18155524389df2163d52fe284c9ef97055bb75aee46cb5f817", "Names": ["/nsxpt-ex"], "Image": "nsx-test-busybox:latest", "ImageID": "sha256:8954e8ef7829f12250789089dd20edb778d9bf1fbf0b9272767209c8d4d7b4a4", "Command": "sh -c 'exit 3'", "Created": 1795926880, "State": "exited", "Status": "Exited (3) Less than a second ago", "Labels": {}}, {"Id": "a68f82a4ca8371857356942ca57ae6812780f4fe804a10a6d983c2750f8a7dd8", "Names": ["/k8s_app_web-7f9c_shop_0c865315-0d31-4cea-ade0-a9c7d2c8d3c9_0"], "Image": "nsx-test-busybox:latest", "ImageID": "sha256:8954e8ef7829f12250789089dd20edb778d9bf1fbf0b9272767209c8d4d7b4a4", "Command": "sleep 600", "Created": 1795926868, "State": "running", "Status": "Up 11 seconds", "Labels": {"io.kubernetes.container.name": "app", "io.kubernetes.container.restartCount": "0", "io.kubernetes.docker.type": "container", "io.kubernetes.pod.name": "web-7f9c", "io.kubernetes.pod.namespace": "shop", "io.kubernetes.pod.uid": "0c865315-0d31-4cea-ade0-a9c7d2c8d3c9", "io.kubernetes.sandbox.id": "3b944a0f32da89349ea395f4d7c0498d206c8e0c91a62141f54cd0c97afc022b"}}, {"Id": "3b944a0f32da89349ea395f4d7c0498d206c8e0c91a62141f54cd0c97afc022b", "Names": ["/k8s_POD_web-7f9c_shop_0c865315-0d31-4cea-ade0-a9c7d2c8d3c9_0"], "Image": "nsx-test-busybox:latest", "ImageID": "sha256:8954e8ef7829f12250789089dd20edb778d9bf1fbf0b9272767209c8d4d7b4a4", "Command": "sleep 600", "Created": 1795926868, "State": "running", "Status": "Up 11 seconds", "Labels": {"io.kubernetes.container.name": "POD", "io.kubernetes.docker.type": "podsandbox", "io.kubernetes.pod.name": "web-7f9c", "io.kubernetes.pod.namespace": "shop", "io.kubernetes.pod.uid": "0c865315-0d31-4cea-ade0-a9c7d2c8d3c9"}}, {"Id": "dbd7e9ab0a45320c0e5b0d5c06bdd637bffa73d457ce4be669278973a98d0995", "Names": ["/nsxpt-hc"], "Image": "nsx-test-busybox:latest", "ImageID": "sha256:8954e8ef7829f12250789089dd20edb778d9bf1fbf0b9272767209c8d4d7b4a4", "Command": "sleep 600", "Created": 1795926868, "State": "running", "Status": "Up 11 seconds", "Labels": {}}]`

func TestParseDockerAPIList(t *testing.T) {
	api := []string{"docker API"}
	pod := func() *Pod { return &Pod{Namespace: "shop", Name: "web-7f9c", UID: criDockerdPodUID} }
	real := map[string]*Container{
		dockerExitedID:  {Runtime: Docker, ID: dockerExitedID, Name: "nsxpt-ex", Image: "nsx-test-busybox:latest", State: "exited", Sources: api},
		criDockerdAppID: {Runtime: Docker, ID: criDockerdAppID, Name: "app", Pod: pod(), Image: "nsx-test-busybox:latest", State: "running", Sources: api},
		criDockerdSandboxID: {Runtime: Docker, ID: criDockerdSandboxID, Name: "k8s_POD_web-7f9c_shop_" + criDockerdPodUID + "_0", Pod: pod(), PodSandbox: true,
			Image: "nsx-test-busybox:latest", State: "running", Sources: api},
		dockerHCID: {Runtime: Docker, ID: dockerHCID, Name: "nsxpt-hc", Image: "nsx-test-busybox:latest", State: "running", Sources: api},
	}
	tests := []struct {
		name    string
		in      string
		want    map[string]*Container
		wantErr bool
	}{
		{name: "real listing", in: dockerAPIList, want: real},
		// real: the daemon's answer with no containers.
		{name: "no containers", in: `[]`, want: map[string]*Container{}},
		{name: "JSON null", in: `null`, want: map[string]*Container{}},
		{
			// Only full 64-hex IDs are Docker's.
			name: "short, non-hex and missing IDs are skipped",
			in:   `[{"Id":"` + dockerHCID[:12] + `","Names":["/short"]},{"Id":"nsxpt-hc"},{"Names":["/noid"]},{"Id":"` + strings.ToUpper(dockerHCID) + `"},{"Id":"` + dockerHCID + `","Names":["/nsxpt-hc"],"State":"running"}]`,
			want: map[string]*Container{dockerHCID: {Runtime: Docker, ID: dockerHCID, Name: "nsxpt-hc", State: "running", Sources: api}},
		},
		{
			name: "no names, null labels",
			in:   `[{"Id":"` + idA + `","Names":[],"Labels":null,"State":"created"}]`,
			want: map[string]*Container{idA: {Runtime: Docker, ID: idA, State: "created", Sources: api}},
		},
		{
			// Names lists links too ("/other/alias"); the first is the name.
			name: "first name wins",
			in:   `[{"Id":"` + idA + `","Names":["/web","/proxy/web"]}]`,
			want: map[string]*Container{idA: {Runtime: Docker, ID: idA, Name: "web", Sources: api}},
		},

		{name: "empty body", in: "", wantErr: true},
		{name: "truncated", in: dockerAPIList[:200], wantErr: true},
		{name: "error object", in: `{"message":"client version 1.99 is too new"}`, wantErr: true},
		{name: "Names of the wrong type", in: `[{"Id":"` + idA + `","Names":"/web"}]`, wantErr: true},
		{name: "label value not a string", in: `[{"Id":"` + idA + `","Labels":{"io.kubernetes.pod.uid":1}}]`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseDockerAPIList([]byte(tt.in))
			checkParse(t, "parseDockerAPIList", tt.in, got, err, tt.wantErr, tt.want)
		})
	}
}
