package runtimes

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"
)

// writeLibpodDB writes a bolt database laid out as podman 4.3's
// bolt_state.db (seen on the test VM with a bolt dumper): bucket ctr/ID
// with config and state JSON, and the exit-code and exit-code-time-stamp
// buckets podman fills from conmon's exit files.
func writeLibpodDB(t *testing.T, path string, ctrs map[string][2]string, exits map[string][2]string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		all, err := tx.CreateBucketIfNotExists([]byte("ctr"))
		if err != nil {
			return err
		}
		for id, cs := range ctrs {
			b, err := all.CreateBucket([]byte(id))
			if err != nil {
				return err
			}
			if cs[0] != "" {
				if err := b.Put([]byte("config"), []byte(cs[0])); err != nil {
					return err
				}
			}
			if cs[1] != "" {
				if err := b.Put([]byte("state"), []byte(cs[1])); err != nil {
					return err
				}
			}
		}
		codes, err := tx.CreateBucketIfNotExists([]byte("exit-code"))
		if err != nil {
			return err
		}
		stamps, err := tx.CreateBucketIfNotExists([]byte("exit-code-time-stamp"))
		if err != nil {
			return err
		}
		for id, e := range exits {
			if err := codes.Put([]byte(id), []byte(e[0])); err != nil {
				return err
			}
			if err := stamps.Put([]byte(id), []byte(e[1])); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestStorePodmanDB names podman's containers and their state from its
// database: the current name (after podman rename, which containers.json's
// metadata does not follow), running with its PID, exited with code and
// times and the OOM flag, and a container whose state is gone but whose
// exit-code bucket entry is not.
func TestStorePodmanDB(t *testing.T) {
	const (
		running = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"
		oomed   = "1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a"
		bucket  = "2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b"
	)
	entry := func(id, name string) string {
		return `{"id": "` + id + `", "names": ["` + name + `"], "metadata": "{\"image-name\":\"localhost/nsx-test-busybox:latest\",\"name\":\"` + name + `-at-creation\"}"}`
	}
	root := writeRootFiles(t, map[string]string{
		sysContainersJSON:               "[" + entry(running, "cache") + "," + entry(oomed, "hog") + "," + entry(bucket, "job") + "]",
		systemStorageGraph + "/libpod/": "",
	})
	writeLibpodDB(t, filepath.Join(root, systemStorageGraph, libpodDB), map[string][2]string{
		// The state JSON keys of libpod's ContainerState (state 3 running, 6 exited).
		running: {`{"name": "cache-renamed", "rootfsImageName": "localhost/nsx-test-busybox:latest"}`,
			`{"state": 3, "pid": 4242, "startedTime": "2026-11-29T04:24:26.1Z", "finishedTime": "0001-01-01T00:00:00Z"}`},
		oomed: {`{"name": "hog"}`,
			`{"state": 6, "exitCode": 137, "oomKilled": true, "startedTime": "2026-11-29T04:20:00Z", "finishedTime": "2026-11-29T04:21:00.5Z"}`},
		bucket: {`{"name": "job"}`, ""},
	}, map[string][2]string{
		bucket: {"3", "2026-11-29T04:24:37.500344528Z"},
	})
	tests := []struct {
		id   string
		want *Container
	}{
		{running, &Container{Runtime: Podman, ID: running, Name: "cache-renamed", Image: "localhost/nsx-test-busybox:latest", State: "running", InitPID: 4242,
			LastRun: &RunState{StartedAt: ts("2026-11-29T04:24:26.1Z")}}},
		{oomed, &Container{Runtime: Podman, ID: oomed, Name: "hog", Image: "localhost/nsx-test-busybox:latest", State: "exited",
			LastRun: &RunState{StartedAt: ts("2026-11-29T04:20:00Z"), FinishedAt: ts("2026-11-29T04:21:00.5Z"), ExitCode: intPtr(137), OOMKilled: true}}},
		{bucket, &Container{Runtime: Podman, ID: bucket, Name: "job", Image: "localhost/nsx-test-busybox:latest", State: "exited",
			LastRun: &RunState{FinishedAt: ts("2026-11-29T04:24:37.500344528Z"), ExitCode: intPtr(3)}}},
	}
	s := NewStore(root)
	for _, tt := range tests {
		t.Run(tt.want.Name, func(t *testing.T) {
			c := FromCgroupPath("/libpod_parent/libpod-" + tt.id)
			s.Identify(c)
			tt.want.Cgroup = c.Cgroup
			tt.want.Sources = []string{"/" + sysContainersJSON, "/" + systemStorageGraph + "/" + libpodDB}
			if diff := cmp.Diff(tt.want, c); diff != "" {
				t.Errorf("Identify (-want +got):\n%s", diff)
			}
		})
	}
	if w := s.Warnings(); len(w) != 0 {
		t.Errorf("warnings %q, want none", w)
	}
}
