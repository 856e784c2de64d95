package cmd_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"nsx/cmd"
	"nsx/internal/testutil"
)

// The JSON documents are decoded into the types of ls_test.go: one
// reading of the documented schema for every test.

// dockerFacts is what Docker itself says of a container, the reference the
// test holds nsx to.
type dockerFacts struct {
	ID         string
	PID        int    // State.Pid: the container's init process on the host
	SandboxKey string // /var/run/docker/netns/<key>: where dockerd pins the net ns
}

// dockerCLI runs docker and returns its trimmed stdout, failing the test on
// any error.
func dockerCLI(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	c := exec.Command("docker", args...)
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}

// startContainer runs `docker <args>` for a container called name and
// removes it (running or not) when the test ends. The cleanup is registered
// first so that a half-created container does not outlive a failed start.
func startContainer(t *testing.T, name string, args ...string) {
	t.Helper()
	t.Cleanup(func() {
		// Errors are ignored: the container may never have been created.
		_ = exec.Command("docker", "rm", "-f", name).Run()
	})
	dockerCLI(t, args...)
}

func inspectContainer(t *testing.T, name string) dockerFacts {
	t.Helper()
	out := dockerCLI(t, "inspect", "-f", "{{.Id}} {{.State.Pid}} {{.NetworkSettings.SandboxKey}}", name)
	fields := strings.Fields(out)
	if len(fields) != 3 {
		t.Fatalf("docker inspect %s: want ID, PID and sandbox key, got %q", name, out)
	}
	pid, err := strconv.Atoi(fields[1])
	if err != nil {
		t.Fatalf("docker inspect %s: State.Pid %q: %v", name, fields[1], err)
	}
	return dockerFacts{ID: fields[0], PID: pid, SandboxKey: fields[2]}
}

// nsxInProcess runs nsx through cmd.Main and returns what it wrote.
func nsxInProcess(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = cmd.Main(args, &out, &errOut)
	return out.String(), errOut.String(), code
}

func nsxJSON[T any](t *testing.T, args ...string) T {
	t.Helper()
	stdout, stderr, code := nsxInProcess(t, args...)
	if code != cmd.ExitOK {
		t.Fatalf("nsx %s: exit %d, stderr:\n%s", strings.Join(args, " "), code, stderr)
	}
	var doc T
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("nsx %s: decoding JSON: %v\n%s", strings.Join(args, " "), err, stdout)
	}
	return doc
}

func sandboxNamed(doc sandboxesDoc, name string) []sandboxDoc {
	var found []sandboxDoc
	for _, sb := range doc.Sandboxes {
		if sb.Name == name {
			found = append(found, sb)
		}
	}
	return found
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("random name: %v", err)
	}
	return hex.EncodeToString(b)
}

// waitForProcs waits until docker top lists want processes in a container:
// `docker exec -d` returns before its process is certain to exist.
func waitForProcs(t *testing.T, name string, want int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		// The first line of docker top is its header.
		lines := strings.Split(dockerCLI(t, "top", name), "\n")
		if len(lines)-1 >= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("container %s: %d processes after 15s, want %d:\n%s", name, len(lines)-1, want, strings.Join(lines, "\n"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestDockerContainers runs real containers from the local busybox image and
// checks nsx's view of them against what Docker reports.
func TestDockerContainers(t *testing.T) {
	testutil.RequireDocker(t)
	img := testutil.TestImage
	prefix := "dockertest-" + randomHex(t, 4)
	web, hostNet, pidShare, stopped := prefix+"-web", prefix+"-hostnet", prefix+"-pidshare", prefix+"-stopped"

	startContainer(t, web, "run", "-d", "--name", web, img, "sleep", "300")
	dockerCLI(t, "exec", "-d", web, "sleep", "301")
	startContainer(t, hostNet, "run", "-d", "--network", "host", "--name", hostNet, img, "sleep", "300")
	startContainer(t, pidShare, "run", "-d", "--pid", "container:"+web, "--name", pidShare, img, "sleep", "300")
	// Run in the foreground: it has exited (not merely been created) when
	// docker returns.
	startContainer(t, stopped, "run", "--name", stopped, img, "sh", "-c", "exit 0")
	waitForProcs(t, web, 2)

	webFacts := inspectContainer(t, web)
	stoppedID := dockerCLI(t, "inspect", "-f", "{{.Id}}", stopped)

	doc := nsxJSON[sandboxesDoc](t, "ls", "-o", "json")
	one := func(t *testing.T, name string) sandboxDoc {
		t.Helper()
		found := sandboxNamed(doc, name)
		if len(found) != 1 {
			t.Fatalf("want exactly one sandbox named %s, got %d: %+v", name, len(found), found)
		}
		return found[0]
	}

	t.Run("default container is one sandbox", func(t *testing.T) {
		sb := one(t, web)
		if sb.Runtime != "docker" {
			t.Errorf("runtime = %q, want docker", sb.Runtime)
		}
		if sb.ID != webFacts.ID {
			t.Errorf("id = %q, want docker inspect's %q", sb.ID, webFacts.ID)
		}
		if sb.PID != webFacts.PID {
			t.Errorf("pid = %d, want docker inspect's State.Pid %d", sb.PID, webFacts.PID)
		}
		if sb.Procs != 2 {
			t.Errorf("procs = %d (pids %v), want 2: sleep 300 and the exec'd sleep 301", sb.Procs, sb.PIDs)
		}
		if !slices.Contains(sb.PIDs, webFacts.PID) {
			t.Errorf("pids %v lack the init process %d", sb.PIDs, webFacts.PID)
		}
		for _, typ := range []string{"mnt", "net", "uts", "ipc"} {
			if got := sb.Namespaces[typ].Scope; got != "private" {
				t.Errorf("%s scope = %q, want private", typ, got)
			}
		}
	})

	t.Run("host network", func(t *testing.T) {
		sb := one(t, hostNet)
		for typ, want := range map[string]string{"net": "host", "mnt": "private", "pid": "private"} {
			if got := sb.Namespaces[typ].Scope; got != want {
				t.Errorf("%s scope = %q, want %s", typ, got, want)
			}
		}
	})

	t.Run("shared pid namespace", func(t *testing.T) {
		webSB, shareSB := one(t, web), one(t, pidShare)
		webPID, sharePID := webSB.Namespaces["pid"], shareSB.Namespaces["pid"]
		if webPID.Inode == 0 || webPID.Inode != sharePID.Inode {
			t.Errorf("pid ns inodes %d (%s) and %d (%s), want equal", webPID.Inode, web, sharePID.Inode, pidShare)
		}
		if webPID.Scope != "shared" || !slices.Equal(webPID.SharedWith, []string{pidShare}) {
			t.Errorf("%s pid: scope %q shared with %v, want shared with [%s]", web, webPID.Scope, webPID.SharedWith, pidShare)
		}
		if sharePID.Scope != "shared" || !slices.Equal(sharePID.SharedWith, []string{web}) {
			t.Errorf("%s pid: scope %q shared with %v, want shared with [%s]", pidShare, sharePID.Scope, sharePID.SharedWith, web)
		}
		// Only the pid namespace is shared: the rest stays each one's own.
		if webSB.Namespaces["net"].Inode == shareSB.Namespaces["net"].Inode {
			t.Errorf("%s and %s share net ns %d, want separate", web, pidShare, webSB.Namespaces["net"].Inode)
		}
	})

	t.Run("stopped container is no sandbox", func(t *testing.T) {
		for _, sb := range doc.Sandboxes {
			if sb.Name == stopped || sb.ID == stoppedID {
				t.Errorf("stopped container listed as sandbox %+v", sb)
			}
		}
	})

	t.Run("targets", func(t *testing.T) {
		for _, tc := range []struct{ name, target string }{
			{"name", web},
			{"full ID", webFacts.ID},
			{"12-char ID prefix", webFacts.ID[:12]},
		} {
			t.Run(tc.name, func(t *testing.T) {
				narrowed := nsxJSON[sandboxesDoc](t, "ls", tc.target, "-o", "json")
				if len(narrowed.Sandboxes) != 1 || narrowed.Sandboxes[0].Name != web || narrowed.Sandboxes[0].ID != webFacts.ID {
					t.Errorf("nsx ls %s: want only sandbox %s (%s), got %+v", tc.target, web, webFacts.ID, narrowed.Sandboxes)
				}
			})
		}
	})

	t.Run("stopped target", func(t *testing.T) {
		stdout, stderr, code := nsxInProcess(t, "ls", stopped)
		if code != cmd.ExitError {
			t.Errorf("nsx ls %s: exit %d, want %d\nstdout:\n%s", stopped, code, cmd.ExitError, stdout)
		}
		if !strings.Contains(stderr, "not running") || !strings.Contains(stderr, "exited") || !strings.Contains(stderr, stopped) {
			t.Errorf("nsx ls %s: stderr %q, want it to name the container and say it is not running (exited)", stopped, stderr)
		}
	})

	t.Run("net namespace view", func(t *testing.T) {
		netInode := one(t, web).Namespaces["net"].Inode
		// Docker pins each container's net ns with a bind mount named after
		// its sandbox key; /var/run is a symlink to /run, so the mount point
		// shows under /run.
		wantMount := filepath.Join("/run/docker/netns", filepath.Base(webFacts.SandboxKey))
		nsDoc := nsxJSON[namespacesDoc](t, "ls", "--ns", "-o", "json")
		found := 0
		for _, n := range nsDoc.Namespaces {
			if n.Type != "net" || n.Inode != netInode {
				continue
			}
			found++
			if n.NProcs != 2 {
				t.Errorf("net ns %d: nprocs %d, want 2", n.Inode, n.NProcs)
			}
			if n.Container == nil || n.Container.Name != web || n.Container.ID != webFacts.ID {
				t.Errorf("net ns %d: container %+v, want %s (%s)", n.Inode, n.Container, web, webFacts.ID)
			}
			var mounts []string
			for _, h := range n.HeldBy {
				if h.Kind == "bind-mount" {
					mounts = append(mounts, h.Path)
				}
			}
			if !slices.Contains(mounts, wantMount) {
				t.Errorf("net ns %d: bind mounts %v, want %s among them (heldBy %+v)", n.Inode, mounts, wantMount, n.HeldBy)
			}
		}
		if found != 1 {
			t.Errorf("net ns %d of %s listed %d times, want once", netInode, web, found)
		}
	})

	t.Run("ambiguous ID prefix", func(t *testing.T) {
		// Running containers are matched before stopped ones, so the two
		// sharing a prefix must both run. The prefix must hold a letter: a
		// decimal number names a PID. So containers are started until two IDs
		// begin with the same letter a-f; those that begin with a decimal
		// digit are removed at once, so at most seven are left running.
		byLetter := map[byte]string{}
		isLetter := func(id string) bool { return id[0] >= 'a' && id[0] <= 'f' }
		for _, name := range []string{web, hostNet, pidShare} {
			if id := dockerCLI(t, "inspect", "-f", "{{.Id}}", name); isLetter(id) {
				byLetter[id[0]] = name
			}
		}
		var letter byte
		var pair [2]string
		// Each ID starts with a letter with probability 6/16; 60 tries all
		// but rule out finding no pair.
		for i := 0; letter == 0; i++ {
			if i >= 60 {
				t.Fatalf("no two of %d started containers share a first ID letter", i)
			}
			name := prefix + "-amb" + strconv.Itoa(i)
			startContainer(t, name, "run", "-d", "--name", name, img, "sleep", "300")
			id := dockerCLI(t, "inspect", "-f", "{{.Id}}", name)
			if !isLetter(id) {
				dockerCLI(t, "rm", "-f", name)
				continue
			}
			if other, ok := byLetter[id[0]]; ok {
				letter, pair = id[0], [2]string{other, name}
			}
			byLetter[id[0]] = name
		}
		stdout, stderr, code := nsxInProcess(t, "ls", string(letter))
		if code != cmd.ExitError {
			t.Errorf("nsx ls %c: exit %d, want %d\nstdout:\n%s", letter, code, cmd.ExitError, stdout)
		}
		if !strings.Contains(stderr, "ambiguous") {
			t.Errorf("nsx ls %c: stderr %q, want it to say the prefix is ambiguous", letter, stderr)
		}
		for _, name := range pair {
			if !strings.Contains(stderr, name) {
				t.Errorf("nsx ls %c: stderr %q does not list candidate %s", letter, stderr, name)
			}
		}
	})
}
