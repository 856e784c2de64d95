package runtimes

import (
	"os"
	"path"
	"strconv"
	"strings"
)

// Podman keeps no daemon: its containers are named in the
// containers/storage store (containers.json), their bundle's spec is in
// the userdata directory, and conmon writes each exit code to a file named
// after the container in podman's exits directory. (Podman's own database,
// bolt or sqlite, holds more, but needs a library nsx does without.)

// systemStorage is the store of rootful podman and CRI-O.
func (s *Store) systemStorage() *containersStorage {
	return s.storages()[0]
}

// storages returns the system store, then one per user with a rootless
// store under their home ($HOME/.local/share/containers/storage), found
// from /etc/passwd under the host root.
func (s *Store) storages() []*containersStorage {
	s.mu.Lock()
	if s.podmen != nil {
		defer s.mu.Unlock()
		return s.podmen
	}
	s.mu.Unlock()
	list := []*containersStorage{{graph: systemStorageGraph, run: systemStorageRun}}
	seen := map[string]bool{}
	for _, u := range s.users() {
		if u.UID == 0 || u.Home == "" || u.Home == "/" || seen[u.Home] {
			continue
		}
		seen[u.Home] = true
		graph := strings.TrimPrefix(path.Join(u.Home, ".local/share/containers/storage"), "/")
		if !s.exists(path.Join(graph, "overlay-containers/containers.json")) {
			continue
		}
		// The run root is $XDG_RUNTIME_DIR/containers; without a runtime
		// directory podman falls back to /tmp/containers-user-UID.
		run := "run/user/" + strconv.Itoa(u.UID) + "/containers"
		list = append(list, &containersStorage{graph: graph, run: run, owner: u.Name, uid: u.UID})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.podmen == nil {
		s.podmen = list
	}
	return s.podmen
}

// podman finds a podman container in the system store or any user's.
func (s *Store) podman(id string) *Container {
	for _, st := range s.storages() {
		if e := s.loadStorage(st)[id]; e != nil {
			return s.storageContainer(st, e)
		}
	}
	return nil
}

// podmanOrCRIO finds a container of containers/storage: in the store of
// owner (a rootless user's name, "" for the system store) first.
func (s *Store) podmanOrCRIO(id, owner string) *Container {
	for _, st := range s.storages() {
		if st.owner != owner && owner != "" {
			continue
		}
		if e := s.loadStorage(st)[id]; e != nil {
			return s.storageContainer(st, e)
		}
	}
	return s.podman(id)
}

// exitsDirs are where conmon writes podman's exit files: rootful podman's
// tmp dir (/run/libpod), a rootless user's ($XDG_RUNTIME_DIR/libpod/tmp).
func (st *containersStorage) exitsDir() string {
	if st.owner == "" {
		return "run/libpod/exits"
	}
	return "run/user/" + strconv.Itoa(st.uid) + "/libpod/tmp/exits"
}

// conmonState fills in a podman container's state from the files conmon
// leaves: the exit file once it has exited (its mtime is when), the pid
// file while it runs.
func (s *Store) conmonState(st *containersStorage, c *Container) {
	exitPath := path.Join(st.exitsDir(), c.ID)
	if b, err := s.read(exitPath); err == nil {
		if code, ok := parseExitFile(b); ok {
			c.State = "exited"
			c.LastRun = &RunState{ExitCode: &code}
			if fi, err := os.Stat(s.path(exitPath)); err == nil {
				t := fi.ModTime().UTC()
				c.LastRun.FinishedAt = &t
			}
			c.Sources = append(c.Sources, s.path(exitPath))
			return
		}
	}
	if pid, ok := parsePIDFile(s.readOrNil(path.Join(st.runUserdata(c.ID), "pidfile"))); ok && s.alive(pid) {
		c.State, c.InitPID = "running", pid
		return
	}
	c.State = "created"
}

// alive reports whether a process exists under the host's /proc.
func (s *Store) alive(pid int) bool {
	_, err := os.Stat(s.path("proc/" + strconv.Itoa(pid)))
	return err == nil
}
