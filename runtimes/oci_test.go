package runtimes

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// IDs of containers made on the test VM (Debian 12, containerd 1.6.20,
// runc 1.1.5, Docker 20.10, podman 4.3) for the samples below, and of the
// CRI-O containers the synthetic samples describe (no CRI-O on the VM).
const (
	// real: `ctr -n k8s.io run` of a CRI-shaped pod (sandbox + app), as in
	// /tmp/containerd-facts.md §3; the pod UID is a UUID from the kernel.
	ctrSandboxID = "58941e6342ab8de6eb58388b990dd2c2cd6d807dfbe55ad9dd149a8100092a76"
	ctrAppID     = "fcbdbb7dad569fb1c991411f49b6dc0582447041c0c189110dce8d01e26f2bc3"
	ctrPodUID    = "9b479785-0feb-4a07-be39-5cf4bd59ad45"

	// real: `podman run -d --network none --name nsxpt-pm …` (rootful, runc)
	// and `podman run … --name nsxpt-pmr` as user nsxpod (uid 1001).
	podmanID         = "73cb7ba8911ce97f2721fb49c3ffa951a10818cacb14b1eefc65db194d766543"
	podmanRootlessID = "faf69d380f4ad34967169f3fad82844d35e50429db3d993a9e68fcde58492cd1"

	// real: Docker containers nsxpt-hc (--cap-add, --network host,
	// --restart on-failure:3, --read-only), nsxpt-ex (exit 3), and a pod's
	// sandbox and app container labelled as cri-dockerd labels them.
	dockerHCID          = "dbd7e9ab0a45320c0e5b0d5c06bdd637bffa73d457ce4be669278973a98d0995"
	dockerExitedID      = "dbf915be1431ec18155524389df2163d52fe284c9ef97055bb75aee46cb5f817"
	criDockerdSandboxID = "3b944a0f32da89349ea395f4d7c0498d206c8e0c91a62141f54cd0c97afc022b"
	criDockerdAppID     = "a68f82a4ca8371857356942ca57ae6812780f4fe804a10a6d983c2750f8a7dd8"
	criDockerdPodUID    = "0c865315-0d31-4cea-ade0-a9c7d2c8d3c9"

	// synthetic: a CRI-O pod (CRI-O is not installed on the VM).
	crioSandboxID = "ef3d690bbe2706a989bcdcd0bd45fdcf0b67a0f1e3922cfbffd46d0045527f98"
	crioAppID     = "f09a990911d523b62d2aa1ed36c60729e12c547b0b58d81877380f949518efb8"
	crioPodUID    = "deb9f567-477e-4892-9ce3-d1cc68d36e79"
)

// OCI specs (config.json), trimmed to ociVersion, hostname, annotations,
// linux.cgroupsPath and linux.namespaces, and root; the rest (process,
// mounts, ...) is left out.
const (
	// real: /run/containerd/io.containerd.runtime.v2.task/k8s.io/<ctrSandboxID>/config.json
	ctrSandboxSpec = `{"ociVersion":"1.0.2-dev","annotations":{"io.kubernetes.cri.container-type":"sandbox","io.kubernetes.cri.sandbox-id":"58941e6342ab8de6eb58388b990dd2c2cd6d807dfbe55ad9dd149a8100092a76","io.kubernetes.cri.sandbox-log-directory":"/var/log/pods/shop_web-7f9c_9b479785-0feb-4a07-be39-5cf4bd59ad45","io.kubernetes.cri.sandbox-name":"web-7f9c","io.kubernetes.cri.sandbox-namespace":"shop","io.kubernetes.cri.sandbox-uid":"9b479785-0feb-4a07-be39-5cf4bd59ad45"},"linux":{"cgroupsPath":"/kubepods/besteffort/pod9b479785-0feb-4a07-be39-5cf4bd59ad45/58941e6342ab8de6eb58388b990dd2c2cd6d807dfbe55ad9dd149a8100092a76","namespaces":[{"type":"pid"},{"type":"ipc"},{"type":"uts"},{"type":"mount"},{"type":"network"}]},"root":{"path":"rootfs"}}`
	// real: /run/containerd/io.containerd.runtime.v2.task/k8s.io/<ctrAppID>/config.json
	ctrAppSpec = `{"ociVersion":"1.0.2-dev","annotations":{"io.kubernetes.cri.container-name":"app","io.kubernetes.cri.container-type":"container","io.kubernetes.cri.image-name":"docker.io/library/nsx-test-busybox:latest","io.kubernetes.cri.sandbox-id":"58941e6342ab8de6eb58388b990dd2c2cd6d807dfbe55ad9dd149a8100092a76","io.kubernetes.cri.sandbox-name":"web-7f9c","io.kubernetes.cri.sandbox-namespace":"shop","io.kubernetes.cri.sandbox-uid":"9b479785-0feb-4a07-be39-5cf4bd59ad45"},"linux":{"cgroupsPath":"/kubepods/besteffort/pod9b479785-0feb-4a07-be39-5cf4bd59ad45/fcbdbb7dad569fb1c991411f49b6dc0582447041c0c189110dce8d01e26f2bc3","namespaces":[{"type":"pid"},{"type":"ipc","path":"/proc/23484/ns/ipc"},{"type":"uts","path":"/proc/23484/ns/uts"},{"type":"mount"},{"type":"network","path":"/proc/23484/ns/net"}]},"root":{"path":"rootfs"}}`
	// real: /var/lib/containers/storage/overlay-containers/<podmanID>/userdata/config.json
	// (podman names no container in its annotations).
	podmanSpec = `{"ociVersion":"1.0.2-dev","hostname":"73cb7ba8911c","annotations":{"io.container.manager":"libpod","io.kubernetes.cri-o.Created":"2026-11-29T04:34:54.241379133Z","io.kubernetes.cri-o.TTY":"false","io.podman.annotations.autoremove":"FALSE","io.podman.annotations.init":"FALSE","io.podman.annotations.privileged":"FALSE","io.podman.annotations.publish-all":"FALSE","org.opencontainers.image.stopSignal":"15"},"linux":{"cgroupsPath":"/libpod_parent/libpod-73cb7ba8911ce97f2721fb49c3ffa951a10818cacb14b1eefc65db194d766543","namespaces":[{"type":"pid"},{"type":"network"},{"type":"ipc"},{"type":"uts"},{"type":"mount"}]},"root":{"path":"/var/lib/containers/storage/overlay/3be999e29a18b3f53c4e205a3533e4dd9c12986aea333342370aba5f861627c9/merged"}}`

	// synthetic: a CRI-O container's config.json. CRI-O writes its own
	// io.kubernetes.cri-o.* annotations and copies the kubelet's labels
	// (io.kubernetes.pod.*, io.kubernetes.container.name) into the spec's
	// annotations too (cri-o server/container_create_linux.go).
	crioAppSpec = `{"ociVersion":"1.0.2-dev","hostname":"web-7f9c","annotations":{"io.kubernetes.container.hash":"3b9a1c2d","io.kubernetes.container.name":"app","io.kubernetes.container.restartCount":"0","io.kubernetes.cri-o.ContainerID":"f09a990911d523b62d2aa1ed36c60729e12c547b0b58d81877380f949518efb8","io.kubernetes.cri-o.ContainerType":"container","io.kubernetes.cri-o.ImageName":"docker.io/library/nginx:1.25","io.kubernetes.cri-o.Name":"k8s_app_web-7f9c_shop_deb9f567-477e-4892-9ce3-d1cc68d36e79_0","io.kubernetes.cri-o.SandboxID":"ef3d690bbe2706a989bcdcd0bd45fdcf0b67a0f1e3922cfbffd46d0045527f98","io.kubernetes.cri-o.SandboxName":"k8s_web-7f9c_shop_deb9f567-477e-4892-9ce3-d1cc68d36e79_0","io.kubernetes.pod.name":"web-7f9c","io.kubernetes.pod.namespace":"shop","io.kubernetes.pod.uid":"deb9f567-477e-4892-9ce3-d1cc68d36e79"},"linux":{"cgroupsPath":"kubepods-besteffort-poddeb9f567_477e_4892_9ce3_d1cc68d36e79.slice:crio:f09a990911d523b62d2aa1ed36c60729e12c547b0b58d81877380f949518efb8"}}`
	// synthetic: the CRI-O pod's infra (pause) container: ContainerType
	// "sandbox", and the kubelet's sandbox labels name no container.
	crioSandboxSpec = `{"ociVersion":"1.0.2-dev","hostname":"web-7f9c","annotations":{"io.kubernetes.cri-o.ContainerID":"ef3d690bbe2706a989bcdcd0bd45fdcf0b67a0f1e3922cfbffd46d0045527f98","io.kubernetes.cri-o.ContainerName":"k8s_POD_web-7f9c_shop_deb9f567-477e-4892-9ce3-d1cc68d36e79_0","io.kubernetes.cri-o.ContainerType":"sandbox","io.kubernetes.cri-o.KubeName":"web-7f9c","io.kubernetes.cri-o.Namespace":"shop","io.kubernetes.pod.name":"web-7f9c","io.kubernetes.pod.namespace":"shop","io.kubernetes.pod.uid":"deb9f567-477e-4892-9ce3-d1cc68d36e79"},"linux":{"cgroupsPath":"kubepods-besteffort-poddeb9f567_477e_4892_9ce3_d1cc68d36e79.slice:crio:ef3d690bbe2706a989bcdcd0bd45fdcf0b67a0f1e3922cfbffd46d0045527f98"}}`
)

// Docker labels (config.v2.json Config.Labels) of the real containers
// criDockerdSandboxID and criDockerdAppID: run here with the labels
// cri-dockerd (and dockershim before it) gives a pod's sandbox and
// container (`docker run --label io.kubernetes.docker.type=podsandbox …`).
var (
	criDockerdSandboxLabels = map[string]string{
		"io.kubernetes.container.name": "POD",
		"io.kubernetes.docker.type":    "podsandbox",
		"io.kubernetes.pod.name":       "web-7f9c",
		"io.kubernetes.pod.namespace":  "shop",
		"io.kubernetes.pod.uid":        criDockerdPodUID,
	}
	criDockerdAppLabels = map[string]string{
		"io.kubernetes.container.name":         "app",
		"io.kubernetes.container.restartCount": "0",
		"io.kubernetes.docker.type":            "container",
		"io.kubernetes.pod.name":               "web-7f9c",
		"io.kubernetes.pod.namespace":          "shop",
		"io.kubernetes.pod.uid":                criDockerdPodUID,
		"io.kubernetes.sandbox.id":             criDockerdSandboxID,
	}
)

func TestParseOCISpec(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    *ociSpec
		wantErr bool
	}{
		{
			name: "containerd CRI sandbox",
			in:   ctrSandboxSpec,
			want: &ociSpec{Annotations: map[string]string{
				"io.kubernetes.cri.container-type":        "sandbox",
				"io.kubernetes.cri.sandbox-id":            ctrSandboxID,
				"io.kubernetes.cri.sandbox-log-directory": "/var/log/pods/shop_web-7f9c_" + ctrPodUID,
				"io.kubernetes.cri.sandbox-name":          "web-7f9c",
				"io.kubernetes.cri.sandbox-namespace":     "shop",
				"io.kubernetes.cri.sandbox-uid":           ctrPodUID,
			}, Linux: ociLinux("/kubepods/besteffort/pod" + ctrPodUID + "/" + ctrSandboxID)},
		},
		{
			name: "podman: hostname is the short ID, no pod",
			in:   podmanSpec,
			want: &ociSpec{Hostname: "73cb7ba8911c", Annotations: map[string]string{
				"io.container.manager":                "libpod",
				"io.kubernetes.cri-o.Created":         "2026-11-29T04:34:54.241379133Z",
				"io.kubernetes.cri-o.TTY":             "false",
				"io.podman.annotations.autoremove":    "FALSE",
				"io.podman.annotations.init":          "FALSE",
				"io.podman.annotations.privileged":    "FALSE",
				"io.podman.annotations.publish-all":   "FALSE",
				"org.opencontainers.image.stopSignal": "15",
			}, Linux: ociLinux("/libpod_parent/libpod-" + podmanID)},
		},
		{
			// Docker's bundles have "annotations": null.
			name: "null annotations",
			in:   `{"ociVersion":"1.0.2-dev","annotations":null,"linux":{"cgroupsPath":"/docker/` + dockerHCID + `"}}`,
			want: &ociSpec{Linux: ociLinux("/docker/" + dockerHCID)},
		},
		{name: "empty object", in: `{}`, want: &ociSpec{}},
		{name: "JSON null", in: `null`, want: &ociSpec{}},

		{name: "empty file", in: "", wantErr: true},
		{name: "truncated", in: ctrAppSpec[:200], wantErr: true},
		{name: "annotations of the wrong type", in: `{"annotations":["a=b"]}`, wantErr: true},
		{name: "annotation value not a string", in: `{"annotations":{"io.kubernetes.cri.sandbox-uid":42}}`, wantErr: true},
		{name: "cgroupsPath not a string", in: `{"linux":{"cgroupsPath":7}}`, wantErr: true},
		{name: "array", in: `[]`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseOCISpec([]byte(tt.in))
			checkParse(t, "parseOCISpec", tt.in, got, err, tt.wantErr, tt.want)
		})
	}
}

// ociLinux builds the anonymous linux part of an ociSpec.
func ociLinux(cgroupsPath string) struct {
	CgroupsPath string `json:"cgroupsPath"`
} {
	var l struct {
		CgroupsPath string `json:"cgroupsPath"`
	}
	l.CgroupsPath = cgroupsPath
	return l
}

// mustSpecAnnotations parses a spec sample for its annotations.
func mustSpecAnnotations(t *testing.T, spec string) map[string]string {
	t.Helper()
	s, err := parseOCISpec([]byte(spec))
	if err != nil {
		t.Fatalf("parseOCISpec: %v", err)
	}
	return s.Annotations
}

func TestKubeIdentityOf(t *testing.T) {
	tests := []struct {
		name   string
		in     map[string]string
		want   kubeIdentity
		wantOK bool
	}{
		{
			name:   "containerd CRI sandbox",
			in:     mustSpecAnnotations(t, ctrSandboxSpec),
			want:   kubeIdentity{pod: &Pod{Namespace: "shop", Name: "web-7f9c", UID: ctrPodUID}, sandbox: true},
			wantOK: true,
		},
		{
			name:   "containerd CRI container",
			in:     mustSpecAnnotations(t, ctrAppSpec),
			want:   kubeIdentity{name: "app", pod: &Pod{Namespace: "shop", Name: "web-7f9c", UID: ctrPodUID}, image: "docker.io/library/nsx-test-busybox:latest"},
			wantOK: true,
		},
		{
			name:   "CRI-O container",
			in:     mustSpecAnnotations(t, crioAppSpec),
			want:   kubeIdentity{name: "app", pod: &Pod{Namespace: "shop", Name: "web-7f9c", UID: crioPodUID}, image: "docker.io/library/nginx:1.25"},
			wantOK: true,
		},
		{
			name:   "CRI-O sandbox",
			in:     mustSpecAnnotations(t, crioSandboxSpec),
			want:   kubeIdentity{pod: &Pod{Namespace: "shop", Name: "web-7f9c", UID: crioPodUID}, sandbox: true},
			wantOK: true,
		},
		{
			name:   "cri-dockerd sandbox: podsandbox type, container name POD",
			in:     criDockerdSandboxLabels,
			want:   kubeIdentity{pod: &Pod{Namespace: "shop", Name: "web-7f9c", UID: criDockerdPodUID}, sandbox: true},
			wantOK: true,
		},
		{
			name:   "cri-dockerd container",
			in:     criDockerdAppLabels,
			want:   kubeIdentity{name: "app", pod: &Pod{Namespace: "shop", Name: "web-7f9c", UID: criDockerdPodUID}},
			wantOK: true,
		},
		{
			// Old dockershim containers may lack the type label; "POD" is
			// still its sandbox.
			name: "dockershim POD without a type label",
			in: map[string]string{
				"io.kubernetes.container.name": "POD",
				"io.kubernetes.pod.name":       "web-7f9c",
				"io.kubernetes.pod.namespace":  "shop",
				"io.kubernetes.pod.uid":        criDockerdPodUID,
			},
			want:   kubeIdentity{pod: &Pod{Namespace: "shop", Name: "web-7f9c", UID: criDockerdPodUID}, sandbox: true},
			wantOK: true,
		},
		{
			// The type label alone marks cri-dockerd's sandbox.
			name: "podsandbox type without the POD name",
			in: map[string]string{
				"io.kubernetes.docker.type":   "podsandbox",
				"io.kubernetes.pod.name":      "web-7f9c",
				"io.kubernetes.pod.namespace": "shop",
			},
			want:   kubeIdentity{pod: &Pod{Namespace: "shop", Name: "web-7f9c"}, sandbox: true},
			wantOK: true,
		},
		{
			// A sandbox's container name, if any, is not a container's.
			name: "sandbox type wins over a container name",
			in: map[string]string{
				"io.kubernetes.cri.container-type": "sandbox",
				"io.kubernetes.cri.container-name": "pause",
				"io.kubernetes.cri.sandbox-name":   "web-7f9c",
			},
			want:   kubeIdentity{pod: &Pod{Name: "web-7f9c"}, sandbox: true},
			wantOK: true,
		},
		{
			// containerd's CRI keys come first when both are there.
			name: "CRI annotations before kubelet labels",
			in: map[string]string{
				"io.kubernetes.cri.sandbox-name":      "from-cri",
				"io.kubernetes.cri.sandbox-namespace": "cri-ns",
				"io.kubernetes.cri.sandbox-uid":       ctrPodUID,
				"io.kubernetes.cri.container-name":    "cri-name",
				"io.kubernetes.pod.name":              "from-label",
				"io.kubernetes.pod.namespace":         "label-ns",
				"io.kubernetes.pod.uid":               crioPodUID,
				"io.kubernetes.container.name":        "label-name",
			},
			want:   kubeIdentity{name: "cri-name", pod: &Pod{Namespace: "cri-ns", Name: "from-cri", UID: ctrPodUID}},
			wantOK: true,
		},
		{
			name: "empty CRI value falls back to the label",
			in: map[string]string{
				"io.kubernetes.cri.sandbox-name": "",
				"io.kubernetes.pod.name":         "web-7f9c",
			},
			want:   kubeIdentity{pod: &Pod{Name: "web-7f9c"}},
			wantOK: true,
		},
		{
			name:   "pod known by UID only",
			in:     map[string]string{"io.kubernetes.pod.uid": crioPodUID, "io.kubernetes.container.name": "app"},
			want:   kubeIdentity{name: "app", pod: &Pod{UID: crioPodUID}},
			wantOK: true,
		},

		{name: "podman annotations name no pod", in: mustSpecAnnotations(t, podmanSpec)},
		{name: "a namespace alone is no pod", in: map[string]string{"io.kubernetes.pod.namespace": "shop", "io.kubernetes.container.name": "app"}},
		{name: "ctr container without annotations", in: map[string]string{}},
		{name: "nil map", in: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := kubeIdentityOf(tt.in)
			if ok != tt.wantOK {
				t.Fatalf("kubeIdentityOf ok = %v, want %v (identity %+v)", ok, tt.wantOK, got)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(kubeIdentity{})); diff != "" {
				t.Errorf("kubeIdentityOf mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestKubeIdentityApply(t *testing.T) {
	ctrApp := kubeIdentity{name: "app", pod: &Pod{Namespace: "shop", Name: "web-7f9c", UID: ctrPodUID}, image: "docker.io/library/nsx-test-busybox:latest"}
	tests := []struct {
		name string
		id   kubeIdentity
		c    Container
		want Container
	}{
		{
			// The cgroup path gave runtime CRI, the ID and the pod UID.
			name: "container recognised from its cgroup",
			id:   ctrApp,
			c:    Container{Runtime: CRI, ID: ctrAppID, Pod: &Pod{UID: ctrPodUID}},
			want: Container{Runtime: CRI, ID: ctrAppID, Name: "app", Image: "docker.io/library/nsx-test-busybox:latest",
				Pod: &Pod{Namespace: "shop", Name: "web-7f9c", UID: ctrPodUID}},
		},
		{
			name: "no pod yet",
			id:   ctrApp,
			c:    Container{Runtime: Containerd, ID: ctrAppID},
			want: Container{Runtime: Containerd, ID: ctrAppID, Name: "app", Image: "docker.io/library/nsx-test-busybox:latest",
				Pod: &Pod{Namespace: "shop", Name: "web-7f9c", UID: ctrPodUID}},
		},
		{
			// Docker's config names the image the container was made from.
			name: "an image already known stays",
			id:   ctrApp,
			c:    Container{Runtime: Docker, ID: criDockerdAppID, Image: "nsx-test-busybox:latest"},
			want: Container{Runtime: Docker, ID: criDockerdAppID, Name: "app", Image: "nsx-test-busybox:latest",
				Pod: &Pod{Namespace: "shop", Name: "web-7f9c", UID: ctrPodUID}},
		},
		{
			// A sandbox's identity names no container: Docker's name stays.
			name: "sandbox keeps the runtime's name",
			id:   kubeIdentity{pod: &Pod{Namespace: "shop", Name: "web-7f9c", UID: criDockerdPodUID}, sandbox: true},
			c:    Container{Runtime: Docker, ID: criDockerdSandboxID, Name: "k8s_POD_web-7f9c_shop_" + criDockerdPodUID + "_0"},
			want: Container{Runtime: Docker, ID: criDockerdSandboxID, Name: "k8s_POD_web-7f9c_shop_" + criDockerdPodUID + "_0", PodSandbox: true,
				Pod: &Pod{Namespace: "shop", Name: "web-7f9c", UID: criDockerdPodUID}},
		},
		{
			name: "annotations without a UID keep the cgroup's",
			id:   kubeIdentity{name: "app", pod: &Pod{Namespace: "shop", Name: "web-7f9c"}},
			c:    Container{Runtime: CRI, ID: idA, Pod: &Pod{UID: podUID}},
			want: Container{Runtime: CRI, ID: idA, Name: "app", Pod: &Pod{Namespace: "shop", Name: "web-7f9c", UID: podUID}},
		},
		{
			name: "no identity changes nothing",
			id:   kubeIdentity{},
			c:    Container{Runtime: Podman, ID: podmanID, Name: "nsxpt-pm"},
			want: Container{Runtime: Podman, ID: podmanID, Name: "nsxpt-pm"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.c
			tt.id.apply(&c)
			if diff := cmp.Diff(tt.want, c); diff != "" {
				t.Errorf("apply mismatch (-want +got):\n%s", diff)
			}
		})
	}
	// apply must not share the identity's Pod with the container: the
	// container's pod is later filled in (podByUID) and merged.
	c := Container{}
	ctrApp.apply(&c)
	if c.Pod == ctrApp.pod {
		t.Errorf("apply stored the identity's *Pod in the container")
	}
}

func TestPodString(t *testing.T) {
	tests := []struct {
		pod  Pod
		want string
	}{
		{pod: Pod{Namespace: "shop", Name: "web-7f9c", UID: ctrPodUID}, want: "shop/web-7f9c"},
		{pod: Pod{Name: "web-7f9c", UID: ctrPodUID}, want: "web-7f9c"},
		{pod: Pod{Namespace: "shop", UID: ctrPodUID}, want: "pod " + ctrPodUID},
		{pod: Pod{UID: ctrPodUID}, want: "pod " + ctrPodUID},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.pod.String(); got != tt.want {
				t.Errorf("%+v.String() = %q, want %q", tt.pod, got, tt.want)
			}
		})
	}
}

func TestDisplayNamePods(t *testing.T) {
	pod := &Pod{Namespace: "shop", Name: "web-7f9c", UID: ctrPodUID}
	tests := []struct {
		name string
		c    Container
		want string
	}{
		{name: "pod container", c: Container{Runtime: Containerd, ID: ctrAppID, Name: "app", Pod: pod}, want: "shop/web-7f9c/app"},
		{name: "containerd sandbox (no name)", c: Container{Runtime: Containerd, ID: ctrSandboxID, Pod: pod, PodSandbox: true}, want: "shop/web-7f9c"},
		{
			name: "cri-dockerd sandbox keeps Docker's name but shows the pod",
			c:    Container{Runtime: Docker, ID: criDockerdSandboxID, Name: "k8s_POD_web-7f9c_shop_" + criDockerdPodUID + "_0", Pod: pod, PodSandbox: true},
			want: "shop/web-7f9c",
		},
		{name: "pod container whose name is unknown", c: Container{Runtime: CRI, ID: idA, Pod: pod}, want: "shop/web-7f9c"},
		{name: "pod without namespace", c: Container{Runtime: CRI, ID: idA, Name: "app", Pod: &Pod{Name: "web-7f9c"}}, want: "web-7f9c/app"},
		// A pod known by its UID only (cgroup path, nothing on disk) does
		// not name the container.
		{name: "pod known by UID, container named", c: Container{Runtime: CRI, ID: idA, Name: "app", Pod: &Pod{UID: podUID}}, want: "app"},
		{name: "pod known by UID, nothing else", c: Container{Runtime: CRI, ID: idA, Pod: &Pod{UID: podUID}, PodSandbox: true}, want: idA[:12]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.DisplayName(); got != tt.want {
				t.Errorf("DisplayName() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestServiceFromCgroupPath(t *testing.T) {
	svc := func(path, name string) *Container {
		return &Container{Runtime: Systemd, ID: name, Name: name, Cgroup: path}
	}
	tests := []struct {
		name string
		path string
		want *Container
	}{
		{name: "plain service", path: "/system.slice/nginx.service", want: svc("/system.slice/nginx.service", "nginx.service")},
		{name: "template instance", path: "/system.slice/system-getty.slice/getty@tty1.service", want: svc("/system.slice/system-getty.slice/getty@tty1.service", "getty@tty1.service")},
		// Processes in a service's sub-cgroups (Delegate=yes) are the service's.
		{name: "sub-cgroup of a service", path: "/system.slice/nginx.service/workers/w1", want: svc("/system.slice/nginx.service/workers/w1", "nginx.service")},
		{name: "innermost service wins", path: "/system.slice/outer.service/inner.service", want: svc("/system.slice/outer.service/inner.service", "inner.service")},
		{name: `escaped \x2d`, path: `/system.slice/foo\x2dbar.service`, want: svc(`/system.slice/foo\x2dbar.service`, "foo-bar.service")},
		{name: `escaped in a sub-cgroup`, path: `/system.slice/system-my\x2dapp.slice/my\x2dapp@1.service/sub`, want: svc(`/system.slice/system-my\x2dapp.slice/my\x2dapp@1.service/sub`, "my-app@1.service")},
		// A user's own service inside their manager is a service.
		{name: "user service under user@", path: "/user.slice/user-1000.slice/user@1000.service/app.slice/syncthing.service", want: svc("/user.slice/user-1000.slice/user@1000.service/app.slice/syncthing.service", "syncthing.service")},

		{name: "user@ manager itself is skipped", path: "/user.slice/user-1000.slice/user@1000.service"},
		{name: "user@ init.scope is skipped", path: "/user.slice/user-1000.slice/user@1000.service/init.scope"},
		{name: "user@ app scope is skipped", path: "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + idB + ".scope"},
		{name: "a scope is no service", path: "/system.slice/docker-" + idA + ".scope"},
		{name: "session scope", path: "/user.slice/user-1000.slice/session-3.scope"},
		{name: "bare .service segment", path: "/system.slice/.service"},
		{name: "service suffix inside a segment", path: "/system.slice/nginx.service.d"},
		// real: a memory cgroup on the test VM (no systemd there).
		{name: "no systemd", path: "/process_api/85135bb3bae3e67b1d5ef9004682b165"},
		{name: "root", path: "/"},
		{name: "empty", path: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ServiceFromCgroupPath(tt.path)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ServiceFromCgroupPath(%q) mismatch (-want +got):\n%s", tt.path, diff)
			}
		})
	}
}

func TestParsePodLogDir(t *testing.T) {
	tests := []struct {
		in   string
		want *Pod
	}{
		// real: the sandbox-log-directory annotation of the ctr pod.
		{in: "shop_web-7f9c_" + ctrPodUID, want: &Pod{Namespace: "shop", Name: "web-7f9c", UID: ctrPodUID}},
		{in: "kube-system_coredns-5d78c9869d-x8k2p_" + crioPodUID, want: &Pod{Namespace: "kube-system", Name: "coredns-5d78c9869d-x8k2p", UID: crioPodUID}},
		// A UID without dashes (static pods' config hash) is 32 hex digits.
		{in: "kube-system_etcd-node1_0123456789abcdef0123456789abcdef", want: &Pod{Namespace: "kube-system", Name: "etcd-node1", UID: "0123456789abcdef0123456789abcdef"}},

		{in: "web-7f9c_" + ctrPodUID},
		{in: "shop_web_7f9c_" + ctrPodUID},
		{in: "shop_web-7f9c_" + ctrPodUID + "_0"},
		{in: "shop_web-7f9c_" + strings.Repeat("a", 31)},
		{in: "_web-7f9c_" + ctrPodUID},
		{in: "shop__" + ctrPodUID},
		{in: "shop_web-7f9c_0123456789abcdef"},
		{in: "shop_web-7f9c_"},
		{in: ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parsePodLogDir(tt.in)
			if ok != (tt.want != nil) {
				t.Fatalf("parsePodLogDir(%q) ok = %v, want %v", tt.in, ok, tt.want != nil)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parsePodLogDir(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseExitFile(t *testing.T) {
	tests := []struct {
		in     string
		want   int
		wantOK bool
	}{
		// real: conmon writes the code with no newline (podman-facts §3).
		{in: "137", want: 137, wantOK: true},
		{in: "3", want: 3, wantOK: true},
		{in: "0", want: 0, wantOK: true},
		{in: "255", want: 255, wantOK: true},
		{in: "1\n", want: 1, wantOK: true},
		{in: " 7 \n", want: 7, wantOK: true},
		// conmon writes -1 when it could not get the status.
		{in: "-1", want: -1, wantOK: true},

		{in: "256"},
		{in: "-2"},
		{in: ""},
		{in: "\n"},
		{in: "exited"},
		{in: "1e3"},
		{in: "0x10"},
		{in: "99999999999999999999"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseExitFile([]byte(tt.in))
			if ok != tt.wantOK || (ok && got != tt.want) {
				t.Errorf("parseExitFile(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestParsePIDFile(t *testing.T) {
	tests := []struct {
		in     string
		want   int
		wantOK bool
	}{
		// real: containerd's init.pid and conmon's pidfile have no newline.
		{in: "23525", want: 23525, wantOK: true},
		{in: "23866", want: 23866, wantOK: true},
		{in: "1\n", want: 1, wantOK: true},
		{in: "4194304", want: 4194304, wantOK: true},

		{in: "0"},
		{in: "-1"},
		{in: ""},
		{in: "pid"},
		{in: "12 34"},
		{in: "99999999999999999999"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parsePIDFile([]byte(tt.in))
			if ok != tt.wantOK || (ok && got != tt.want) {
				t.Errorf("parsePIDFile(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestParseTimes(t *testing.T) {
	t.Run("parseTime", func(t *testing.T) {
		tests := []struct {
			in   string
			want *time.Time
		}{
			{in: "2026-11-29T04:34:28.489671419Z", want: ts("2026-11-29T04:34:28.489671419Z")},
			{in: "2026-11-29T05:34:28+01:00", want: ts("2026-11-29T05:34:28+01:00")},
			// Docker's and CRI-O's "never".
			{in: "0001-01-01T00:00:00Z"},
			{in: ""},
			{in: "yesterday"},
			{in: "2026-11-29 04:34:28"},
		}
		for _, tt := range tests {
			if got := parseTime(tt.in); !cmp.Equal(tt.want, got) {
				t.Errorf("parseTime(%q) = %v, want %v", tt.in, got, tt.want)
			}
		}
	})
	t.Run("unixNanoTime", func(t *testing.T) {
		// real: StartedAt of a CRI status file (containerd-facts §4b).
		got := unixNanoTime(1795926148269259493)
		want := time.Date(2026, 11, 29, 4, 22, 28, 269259493, time.UTC)
		if got == nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("unixNanoTime(1795926148269259493) = %v, want %v UTC", got, want)
		}
		for _, ns := range []int64{0, -1} {
			if got := unixNanoTime(ns); got != nil {
				t.Errorf("unixNanoTime(%d) = %v, want nil", ns, got)
			}
		}
	})
}

// writeRootFiles makes a host root in a temp dir: each key is a path
// relative to it, each value the file's content; a key ending in "/" is a
// directory.
func writeRootFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for rel, content := range files {
		p := filepath.Join(root, rel)
		if strings.HasSuffix(rel, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestStorePodByUID(t *testing.T) {
	root := writeRootFiles(t, map[string]string{
		// real: the log directory the ctr sandbox's annotation names.
		"var/log/pods/shop_web-7f9c_" + ctrPodUID + "/app/0.log":                "",
		"var/log/pods/kube-system_coredns-5d78c9869d-x8k2p_" + crioPodUID + "/": "",
		"var/log/pods/not-a-pod-dir/":                                           "",
	})
	s := NewStore(root)
	if diff := cmp.Diff(&Pod{Namespace: "shop", Name: "web-7f9c", UID: ctrPodUID}, s.podByUID(ctrPodUID)); diff != "" {
		t.Errorf("podByUID(%s) mismatch (-want +got):\n%s", ctrPodUID, diff)
	}
	if diff := cmp.Diff(&Pod{Namespace: "kube-system", Name: "coredns-5d78c9869d-x8k2p", UID: crioPodUID}, s.podByUID(crioPodUID)); diff != "" {
		t.Errorf("podByUID(%s) mismatch (-want +got):\n%s", crioPodUID, diff)
	}
	if p := s.podByUID(podUID); p != nil {
		t.Errorf("podByUID(unknown) = %+v, want nil", p)
	}

	// Identify names a pod its runtime's state does not know from the
	// kubelet's log directory: here no runtime has the container at all.
	c := FromCgroupPath("/kubepods/besteffort/pod" + ctrPodUID + "/" + idA)
	s.Identify(c)
	want := &Container{Runtime: CRI, ID: idA, Pod: &Pod{Namespace: "shop", Name: "web-7f9c", UID: ctrPodUID},
		Cgroup: "/kubepods/besteffort/pod" + ctrPodUID + "/" + idA}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("Identify mismatch (-want +got):\n%s", diff)
	}
	if w := s.Warnings(); len(w) != 0 {
		t.Errorf("Warnings() = %q, want none", w)
	}

	// No kubelet on the host: no pod names, no warning.
	s = NewStore(t.TempDir())
	if p := s.podByUID(ctrPodUID); p != nil {
		t.Errorf("podByUID without /var/log/pods = %+v, want nil", p)
	}
	if w := s.Warnings(); len(w) != 0 {
		t.Errorf("Warnings() without /var/log/pods = %q, want none", w)
	}
}
