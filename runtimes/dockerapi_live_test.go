package runtimes

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"nsx/internal/testutil"
)

// These tests give the Store a host root with no Docker state on disk (as
// with a daemon whose --data-root is elsewhere) but with run/docker.sock:
// the real daemon's socket, or a fake daemon that never answers.

// liveDocker runs docker and returns its trimmed stdout, failing the test
// on any error.
func liveDocker(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	c := exec.Command("docker", args...)
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}

// liveContainer runs `docker run -d --name NAME ARGS...` (or, with wait,
// runs it to its end) and removes the container when the test ends; it
// returns the container's full ID.
func liveContainer(t *testing.T, name string, wait bool, args ...string) string {
	t.Helper()
	t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", name).Run() })
	id := liveDocker(t, append([]string{"run", "-d", "--name", name}, args...)...)
	if wait {
		liveDocker(t, "wait", name)
	}
	return id
}

// hostSocket is the daemon's socket on this host.
func hostSocket(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/run/docker.sock", "/var/run/docker.sock"} {
		if fi, err := os.Stat(p); err == nil && fi.Mode()&os.ModeSocket != 0 {
			return p
		}
	}
	t.Fatalf("Docker answers but neither /run/docker.sock nor /var/run/docker.sock is a socket")
	return ""
}

// apiOnlyRoot is a host root with run/docker.sock and nothing else: no
// var/lib/docker, no containerd or podman state.
func apiOnlyRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "run"), 0o755); err != nil {
		t.Fatal(err)
	}
	return root
}

func TestDockerAPILive(t *testing.T) {
	testutil.RequireDocker(t)
	root := apiOnlyRoot(t)
	if err := os.Symlink(hostSocket(t), filepath.Join(root, "run", "docker.sock")); err != nil {
		t.Fatal(err)
	}
	prefix := "apitest-" + randomHexLive(t)
	running, exited := prefix+"-run", prefix+"-exited"
	runningID := liveContainer(t, running, false, testutil.TestImage, "sleep", "300")
	exitedID := liveContainer(t, exited, true, testutil.TestImage, "sh", "-c", "exit 3")
	image := liveDocker(t, "inspect", "-f", "{{.Config.Image}}", running)

	t.Run("Identify", func(t *testing.T) {
		s := NewStore(root)
		c := &Container{Runtime: Docker, ID: runningID, Cgroup: "/docker/" + runningID}
		s.Identify(c)
		want := Container{Runtime: Docker, ID: runningID, Name: running, Image: image, State: "running",
			Cgroup: "/docker/" + runningID, Sources: []string{"docker API"}}
		if c.Runtime != want.Runtime || c.ID != want.ID || c.Name != want.Name || c.Image != want.Image ||
			c.State != want.State || c.Cgroup != want.Cgroup || !slices.Equal(c.Sources, want.Sources) {
			t.Errorf("Identify:\n got %+v\nwant %+v", *c, want)
		}
		// The files are missing, not unreadable: nothing to warn of.
		if w := s.Warnings(); len(w) != 0 {
			t.Errorf("warnings %q, want none", w)
		}
	})
	t.Run("All", func(t *testing.T) {
		byID := map[string]*Container{}
		for _, c := range NewStore(root).All() {
			if c.Runtime != Docker || !slices.Equal(c.Sources, []string{"docker API"}) {
				t.Errorf("%s %s from %q: with only the socket, every container is Docker's, from the API", c.Runtime, c.ID, c.Sources)
			}
			byID[c.ID] = c
		}
		for _, want := range []struct{ id, name, state string }{
			{runningID, running, "running"},
			// GET /containers/json?all=1: stopped ones too.
			{exitedID, exited, "exited"},
		} {
			c := byID[want.id]
			if c == nil {
				t.Errorf("All lacks %s (%s); it has %d containers", want.name, want.id, len(byID))
				continue
			}
			if c.Name != want.name || c.State != want.state || c.Image != image {
				t.Errorf("All: %s is %q %q %q, want %q %q %q", want.id, c.Name, c.State, c.Image, want.name, want.state, image)
			}
		}
	})
}

// TestDockerAPIUnresponsive gives the Store a daemon that accepts the
// connection and never answers, as a hung dockerd does: nsx is often run
// because something hangs, and must not hang with it.
func TestDockerAPIUnresponsive(t *testing.T) {
	root := apiOnlyRoot(t)
	l, err := net.Listen("unix", filepath.Join(root, "run", "docker.sock"))
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu       sync.Mutex
		conns    []net.Conn
		accepted = make(chan struct{}, 16)
	)
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return // closed by the cleanup
			}
			mu.Lock()
			conns = append(conns, conn) // held open, never read or answered
			mu.Unlock()
			select {
			case accepted <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})

	id := strings.Repeat("ab", 32)
	t.Run("Identify", func(t *testing.T) {
		c := &Container{Runtime: Docker, ID: id, Cgroup: "/docker/" + id}
		withinAPIBound(t, "Identify", func() { NewStore(root).Identify(c) })
		// The kernel completes a unix connect before the accept: the
		// listener may learn of it a moment after Identify returned.
		select {
		case <-accepted:
		case <-time.After(2 * time.Second):
			t.Errorf("Identify never connected to the socket: the test proves nothing")
		}
		if c.Name != "" || c.Sources != nil || c.State != "" {
			t.Errorf("Identify = %+v, want the container as the cgroup gave it", *c)
		}
	})
	t.Run("All", func(t *testing.T) {
		var all []*Container
		withinAPIBound(t, "All", func() { all = NewStore(root).All() })
		if len(all) != 0 {
			t.Errorf("All = %d containers from a daemon that never answered", len(all))
		}
	})
}

// withinAPIBound runs f, which asks the silent daemon, and fails unless it
// returns in under 2 s: the API timeout is well below that. A call still
// blocked after 10 s is given up on (the test's cleanup, closing the
// connections, frees it) so that a hang fails the test instead of stalling
// the run.
func withinAPIBound(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s still blocked on the silent daemon after 10s", what)
	}
	if took := time.Since(start); took >= 2*time.Second {
		t.Errorf("%s took %v with a silent daemon, want well under 2s (the API timeout is %v)", what, took, dockerAPITimeout)
	}
}

func randomHexLive(t *testing.T) string {
	t.Helper()
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
