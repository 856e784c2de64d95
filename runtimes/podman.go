package runtimes

import (
	"encoding/json"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
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
		if !s.exists(path.Join(graph, "overlay-containers/containers.json")) &&
			!s.exists(path.Join(graph, "overlay-containers/volatile-containers.json")) {
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

// podman finds a container of containers/storage (podman's, or CRI-O's:
// they share the system store) in the system store or any user's.
func (s *Store) podman(id string) *Container {
	for _, st := range s.storages() {
		if e := s.loadStorage(st)[id]; e != nil {
			return s.storageContainer(st, e)
		}
	}
	return nil
}

// libpodDB is podman 4's state database in a store's graph root: bolt
// buckets ctr/ID/{config,state} (JSON) and exit-code/ID. Podman 5 may use
// sqlite (db.sql) instead; its containers are still named from
// containers.json, only without their last exit.
const libpodDB = "libpod/bolt_state.db"

// libpodRecord is what the database says of one container.
type libpodRecord struct {
	Name       string
	Image      string
	State      libpodState
	ExitCode   *int // the exit-code bucket; kept a few minutes after removal
	HasState   bool
	ExitedTime *time.Time
}

// libpodState is the state JSON of a container (libpod's ContainerState).
type libpodState struct {
	State        int       `json:"state"`
	PID          int       `json:"pid"`
	ExitCode     int       `json:"exitCode"`
	OOMKilled    bool      `json:"oomKilled"`
	StartedTime  time.Time `json:"startedTime"`
	FinishedTime time.Time `json:"finishedTime"`
	RestartCount int       `json:"restartCount"`
	Exited       bool      `json:"exited"`
}

// libpodStatus names libpod's ContainerStatus values.
var libpodStatus = map[int]string{1: "configured", 2: "created", 3: "running", 4: "stopped", 5: "paused", 6: "exited", 7: "removing", 8: "stopping"}

// libpodConfig is the part of a container's config JSON nsx reads.
type libpodConfig struct {
	Name  string `json:"name"`
	Image string `json:"rootfsImageName"`
}

// boltOpenTimeout bounds the wait for bolt's shared file lock: podman holds
// it exclusively only while it writes, but a hung podman may hold it.
const boltOpenTimeout = 200 * time.Millisecond

// loadLibpod reads a store's database once, read-only.
func (s *Store) loadLibpod(st *containersStorage) map[string]*libpodRecord {
	st.dbOnce.Do(func() {
		p := s.path(path.Join(st.graph, libpodDB))
		if _, err := os.Stat(p); err != nil {
			return
		}
		db, err := bolt.Open(p, 0o600, &bolt.Options{ReadOnly: true, Timeout: boltOpenTimeout})
		if err != nil {
			s.warnf("podman state %s: %v", p, err)
			return
		}
		defer db.Close()
		st.db = map[string]*libpodRecord{}
		err = db.View(func(tx *bolt.Tx) error {
			record := func(id string) *libpodRecord {
				r := st.db[id]
				if r == nil {
					r = &libpodRecord{}
					st.db[id] = r
				}
				return r
			}
			if ctrs := tx.Bucket([]byte("ctr")); ctrs != nil {
				_ = ctrs.ForEach(func(k, v []byte) error {
					b := ctrs.Bucket(k)
					if v != nil || b == nil {
						return nil
					}
					r := record(string(k))
					var cfg libpodConfig
					if json.Unmarshal(b.Get([]byte("config")), &cfg) == nil {
						r.Name, r.Image = cfg.Name, cfg.Image
					}
					if json.Unmarshal(b.Get([]byte("state")), &r.State) == nil {
						r.HasState = true
					}
					return nil
				})
			}
			if codes := tx.Bucket([]byte("exit-code")); codes != nil {
				stamps := tx.Bucket([]byte("exit-code-time-stamp"))
				_ = codes.ForEach(func(k, v []byte) error {
					if code, ok := parseExitFile(v); ok {
						r := record(string(k))
						r.ExitCode = &code
						if stamps != nil {
							r.ExitedTime = parseTime(string(stamps.Get(k)))
						}
					}
					return nil
				})
			}
			return nil
		})
		if err != nil {
			s.warnf("podman state %s: %v", p, err)
		}
		st.dbSource = s.hostPath(path.Join(st.graph, libpodDB))
	})
	return st.db
}

// exitsDir is where conmon writes podman's exit files: rootful podman's
// tmp dir (/run/libpod), a rootless user's ($XDG_RUNTIME_DIR/libpod/tmp).
// podman moves them into its database within milliseconds; one left
// behind means that failed.
func (st *containersStorage) exitsDir() string {
	if st.owner == "" {
		return "run/libpod/exits"
	}
	return "run/user/" + strconv.Itoa(st.uid) + "/libpod/tmp/exits"
}

// conmonState fills in a podman container's state: from podman's database
// when it can be read, else from the files conmon leaves (an exit file, a
// pid file naming a live process).
func (s *Store) conmonState(st *containersStorage, c *Container) {
	if r := s.loadLibpod(st)[c.ID]; r != nil {
		if r.Name != "" {
			c.Name = r.Name
		}
		if c.Image == "" {
			c.Image = r.Image
		}
		c.Sources = append(c.Sources, st.dbSource)
		if r.HasState {
			ls := r.State
			c.State = libpodStatus[ls.State]
			if c.State == "stopped" {
				c.State = "exited"
			}
			run := &RunState{OOMKilled: ls.OOMKilled, RestartCount: ls.RestartCount}
			if !ls.StartedTime.IsZero() {
				t := ls.StartedTime
				run.StartedAt = &t
			}
			switch c.State {
			case "running", "paused", "stopping":
				c.InitPID = ls.PID
			case "exited":
				code := ls.ExitCode
				run.ExitCode = &code
				if !ls.FinishedTime.IsZero() {
					t := ls.FinishedTime
					run.FinishedAt = &t
				}
			}
			c.LastRun = run
			return
		}
		// Only the exit-code bucket, which podman fills from conmon's
		// exit file: exited, with that code, at that time.
		if r.ExitCode != nil {
			c.State = "exited"
			c.LastRun = &RunState{ExitCode: r.ExitCode, FinishedAt: r.ExitedTime}
			return
		}
	}
	exitPath := path.Join(st.exitsDir(), c.ID)
	if b, err := s.read(exitPath); err == nil {
		if code, ok := parseExitFile(b); ok {
			c.State = "exited"
			c.LastRun = &RunState{ExitCode: &code}
			if fi, err := os.Stat(s.path(exitPath)); err == nil {
				t := fi.ModTime().UTC()
				c.LastRun.FinishedAt = &t
			}
			c.Sources = append(c.Sources, s.hostPath(exitPath))
			return
		}
	}
	// conmon's pid file outlives the container: trust it only while that
	// process exists.
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
