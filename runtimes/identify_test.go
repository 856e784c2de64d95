package runtimes

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// real: nsxpt-inpod, `podman run -d --pod nsxpt-pod …` in a pod made by
// `podman pod create --infra=false` (podman 4.3): its userdata config.json
// (trimmed) carries CRI-O's ContainerType annotation.
const (
	podmanInPodID    = "d1c3d0dfc023c9027ba12c145b165b8cd502c207eed3345e0523a51d6df4b602"
	podmanInPodSpec  = `{"ociVersion":"1.0.2-dev","hostname":"d1c3d0dfc023","annotations":{"io.container.manager":"libpod","io.kubernetes.cri-o.ContainerType":"container","io.kubernetes.cri-o.Created":"2026-11-29T04:56:14.290628305Z","io.kubernetes.cri-o.SandboxID":"72920c1f45c360de12c2c591ba01672fdc297fa9770beaaed87824aa9c96658f","io.kubernetes.cri-o.TTY":"false","io.podman.annotations.autoremove":"FALSE","io.podman.annotations.init":"FALSE","io.podman.annotations.privileged":"FALSE","io.podman.annotations.publish-all":"FALSE","org.opencontainers.image.stopSignal":"15"},"linux":{"cgroupsPath":"/libpod_parent/libpod-d1c3d0dfc023c9027ba12c145b165b8cd502c207eed3345e0523a51d6df4b602"}}`
	podmanInPodEntry = `{"id": "d1c3d0dfc023c9027ba12c145b165b8cd502c207eed3345e0523a51d6df4b602", "names": ["nsxpt-inpod"], "image": "8954e8ef7829f12250789089dd20edb778d9bf1fbf0b9272767209c8d4d7b4a4", "layer": "50f6e722c9a5edf3cc1dd240e95cfb9c16dd0334b52028870b32a252f95c1164", "metadata": "{\"image-name\":\"localhost/nsx-test-busybox:latest\",\"image-id\":\"8954e8ef7829f12250789089dd20edb778d9bf1fbf0b9272767209c8d4d7b4a4\",\"name\":\"nsxpt-inpod\",\"created-at\":1795928174}", "created": "2026-11-29T04:56:14.294308333Z", "flags": {"MountLabel": "", "ProcessLabel": ""}}`
)

func TestIdentifyPodmanInPod(t *testing.T) {
	root := writeRootFiles(t, map[string]string{
		sysContainersJSON: "[" + podmanInPodEntry + "]",
		sysUserdata(podmanInPodID) + "/config.json": podmanInPodSpec,
		sysRunUserdata(podmanInPodID) + "/pidfile":  "25301",
		"proc/25301/": "",
	})
	c := FromCgroupPath("/libpod_parent/libpod-" + podmanInPodID)
	NewStore(root).Identify(c)
	if c.Runtime != Podman || c.Name != "nsxpt-inpod" || c.State != "running" || c.InitPID != 25301 {
		t.Errorf("Identify = %+v, want podman nsxpt-inpod running as 25301", c)
	}
}

func TestIdentifyCRIDockerdOnSystemContainerd(t *testing.T) {
	root := writeRootFiles(t, map[string]string{
		"var/lib/docker/containers/" + criDockerdAppID + "/config.v2.json":                      criDockerdAppConfig,
		"run/containerd/io.containerd.runtime.v2.task/moby/" + criDockerdAppID + "/config.json": `{"ociVersion":"1.0.2-dev","annotations":null}`,
		"run/containerd/io.containerd.runtime.v2.task/moby/" + criDockerdAppID + "/init.pid":    "22499",
	})
	c := FromCgroupPath("/kubepods/besteffort/pod" + criDockerdPodUID + "/" + criDockerdAppID)
	NewStore(root).Identify(c)
	if c.Runtime != Docker || c.DisplayName() != "shop/web-7f9c/app" {
		t.Errorf("Identify = %+v (%s), want docker shop/web-7f9c/app", c, c.DisplayName())
	}
}

func TestByInitPIDPrefersTheLiveStateOfAReusedPID(t *testing.T) {
	for _, stale := range []string{"run/containerd/runc/k8s.io/stale", "run/runc/stale"} {
		live := "run/user/1001/runc/live"
		if strings.HasPrefix(stale, "run/containerd") {
			live = "run/runc/live"
		}
		root := writeRootFiles(t, map[string]string{
			live + "/state.json":  `{"id":"live","init_process_pid":100,"init_process_start":5,"config":{"labels":["bundle=/srv/live"]}}`,
			stale + "/state.json": `{"id":"stale","init_process_pid":100,"init_process_start":9,"config":{"labels":["bundle=/srv/stale"]}}`,
		})
		c := NewStore(root).ByInitPID(100, func() uint64 { return 5 })
		if c == nil || c.ID != "live" {
			t.Errorf("stale %s: ByInitPID = %+v, want the live container", stale, c)
		}
	}
}

func TestIdentifyCRIOPausedPID(t *testing.T) {
	root := writeRootFiles(t, map[string]string{
		sysContainersJSON:                       "[" + crioAppStorageEntry + "]",
		sysUserdata(crioAppID) + "/config.json": crioAppSpec,
		sysUserdata(crioAppID) + "/state.json":  strings.Replace(crioStateRunning, `"status":"running"`, `"status":"paused"`, 1),
	})
	c := FromCgroupPath("/kubepods/besteffort/pod" + crioPodUID + "/" + crioAppID)
	NewStore(root).Identify(c)
	if diff := cmp.Diff([]any{"paused", 4242}, []any{c.State, c.InitPID}); diff != "" {
		t.Errorf("paused CRI-O container (-want +got):\n%s", diff)
	}
}
