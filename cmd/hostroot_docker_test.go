package cmd_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"nsx/internal/testutil"
)

// TestHostRootFromContainer runs nsx the way a debug pod or DaemonSet does:
// in an image built from the repository's own Dockerfile (FROM scratch and
// the static binary; nothing pulled), sharing the host's PID namespace,
// with the host's root at /host. What it reports of the host's sandboxes
// must be what nsx reports on the host itself.
func TestHostRootFromContainer(t *testing.T) {
	testutil.RequireDocker(t)
	goTool := testutil.RequireCommand(t, "go")
	tag := "nsx-hostroot-test:" + randomHex(t, 4)

	// The build context holds just what the Dockerfile copies.
	ctx := t.TempDir()
	if err := os.MkdirAll(filepath.Join(ctx, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	// As `make build` builds it: static, with nsx enter's cgo constructor.
	build := exec.Command(goTool, "build", "-tags", "netgo,osusergo", "-ldflags", "-linkmode external -extldflags -static",
		"-o", filepath.Join(ctx, "bin", "nsx"), "nsx/cmd/nsx")
	build.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dockerfile, err := os.ReadFile(filepath.Join(testutil.ModuleRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ctx, "Dockerfile"), dockerfile, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", "-f", tag).Run() })
	dockerCLI(t, "build", "-q", "-t", tag, ctx)

	prefix := "hostroot-" + randomHex(t, 4)
	web := prefix + "-web"
	startContainer(t, web, "run", "-d", "--name", web, "--memory", "48m", testutil.TestImage, "sleep", "300")
	buddy := prefix + "-buddy"
	startContainer(t, buddy, "run", "-d", "--name", buddy, "--network", "container:"+web, testutil.TestImage, "sleep", "300")

	// A podman container too: its name comes from podman's bolt database,
	// which nsx must open read-only through the read-only /host mount.
	testutil.RequirePodman(t)
	pm := prefix + "-pm"
	t.Cleanup(func() { podmanCmd(t, "rm", "-f", "-t", "0", pm) })
	podmanCLI(t, slices.Concat([]string{"run", "-d", "--name", pm}, testutil.PodmanRunFlags(false), []string{testutil.TestImage, "sleep", "300"})...)

	// --privileged is not used: it asks for every capability, and a host
	// whose own bounding set lacks one (this VM's) refuses it. These two
	// are what nsx needs: reading others' namespaces and the NS_GET_* ioctls.
	inside := prefix + "-nsx"
	out := dockerCLI(t, "run", "--rm", "--name", inside, "--pid", "host",
		"--cap-add", "SYS_PTRACE", "--cap-add", "SYS_ADMIN", "-v", "/:/host:ro", tag, "ls", "-o", "json")
	var fromContainer sandboxesDoc
	if err := json.Unmarshal([]byte(out), &fromContainer); err != nil {
		t.Fatalf("nsx in the container printed no JSON: %v\n%s", err, out)
	}
	hostOut, stderr, code := nsxInProcess(t, "ls", "-o", "json")
	if code != 0 {
		t.Fatalf("nsx ls on the host: exit %d\n%s", code, stderr)
	}
	var fromHost sandboxesDoc
	if err := json.Unmarshal([]byte(hostOut), &fromHost); err != nil {
		t.Fatal(err)
	}
	// Every container object, as the documented JSON has it (names, pods,
	// state, last run, settings, the files read, named as the host names
	// them), must be byte for byte the host run's.
	containersFromContainer, containersFromHost := rawContainers(t, out), rawContainers(t, hostOut)
	if len(containersFromHost) < 3 {
		t.Errorf("the host run names %d containers, want at least %s, %s and %s", len(containersFromHost), web, buddy, pm)
	}
	for id, h := range containersFromHost {
		if c := containersFromContainer[id]; string(c) != string(h) {
			t.Errorf("container %s from the container:\n%s\non the host:\n%s", id, c, h)
		}
	}

	if fromContainer.Scan.HostRoot != "/host" {
		t.Errorf("scan.hostRoot %q, want /host", fromContainer.Scan.HostRoot)
	}
	hostOf := func(doc sandboxesDoc) *sandboxDoc {
		for i := range doc.Sandboxes {
			if doc.Sandboxes[i].Host {
				return &doc.Sandboxes[i]
			}
		}
		return nil
	}
	hc, hh := hostOf(fromContainer), hostOf(fromHost)
	if hc == nil || hh == nil {
		t.Fatalf("a host sandbox is missing: container %v, host %v", hc != nil, hh != nil)
	}
	for typ, ns := range hh.Namespaces {
		if hc.Namespaces[typ].Inode != ns.Inode {
			t.Errorf("host %s namespace: %d from the container, %d on the host", typ, hc.Namespaces[typ].Inode, ns.Inode)
		}
	}
	for _, name := range []string{web, buddy, pm} {
		c, h := sandboxNamed(fromContainer, name), sandboxNamed(fromHost, name)
		if len(c) != 1 || len(h) != 1 {
			t.Errorf("%s: %d sandboxes from the container, %d on the host; want 1 and 1", name, len(c), len(h))
			continue
		}
		if c[0].ID != h[0].ID || c[0].PID != h[0].PID || c[0].Procs != h[0].Procs || c[0].UserNS != h[0].UserNS {
			t.Errorf("%s: container view %+v, host view %+v", name, c[0], h[0])
		}
		for typ, ns := range h[0].Namespaces {
			cns := c[0].Namespaces[typ]
			if cns.Inode != ns.Inode || cns.Scope != ns.Scope {
				t.Errorf("%s %s namespace: %d %s from the container, %d %s on the host", name, typ, cns.Inode, cns.Scope, ns.Inode, ns.Scope)
			}
		}
	}
	// nsx in the container sees itself as a container too.
	if self := sandboxNamed(fromContainer, inside); len(self) != 1 || self[0].Runtime != "docker" {
		t.Errorf("the nsx container itself: %+v, want one docker sandbox", self)
	}
}

// rawContainers returns the container object of every sandbox in an ls JSON
// document, by ID, as printed.
func rawContainers(t *testing.T, doc string) map[string]json.RawMessage {
	t.Helper()
	var d struct {
		Sandboxes []struct {
			ID        string          `json:"id"`
			Container json.RawMessage `json:"container"`
		} `json:"sandboxes"`
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatal(err)
	}
	out := map[string]json.RawMessage{}
	for _, sb := range d.Sandboxes {
		if sb.ID != "" {
			out[sb.ID] = sb.Container
		}
	}
	return out
}
