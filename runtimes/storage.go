package runtimes

import (
	"encoding/json"
	"path"
	"strconv"
	"sync"
	"time"
)

// containersStorage is one containers/storage store, the library podman,
// CRI-O and buildah keep containers in: graph (persistent: layers,
// containers.json, each container's userdata) and run (tmpfs: bundles,
// pid files). Rootful podman and CRI-O share the system store; each user
// who runs rootless podman has one under their home.
type containersStorage struct {
	graph, run string
	// owner is the user of a rootless store ("" for the system store), and
	// uid that user's ID, which names their runtime directory.
	owner string
	uid   int

	once    sync.Once
	entries map[string]*storageEntry // by container ID

	dbOnce   sync.Once
	db       map[string]*libpodRecord // podman's database, by container ID
	dbSource string
}

const (
	systemStorageGraph = "var/lib/containers/storage"
	systemStorageRun   = "run/containers/storage"
)

// storageEntry is one element of overlay-containers/containers.json (or
// volatile-containers.json).
type storageEntry struct {
	ID       string    `json:"id"`
	Names    []string  `json:"names"`
	Created  time.Time `json:"created"`
	Metadata string    `json:"metadata"`
	// meta is Metadata decoded: podman and CRI-O each write their own.
	meta storageMetadata
	// list is the file (under the host root) the entry was read from.
	list string
}

// storageMetadata is the JSON string podman (name, image-name) and CRI-O
// (also pod-name, pod-id, metadata-name: the Kubernetes container name)
// keep in containers.json.
type storageMetadata struct {
	Name          string `json:"name"`
	ImageName     string `json:"image-name"`
	PodName       string `json:"pod-name"`
	PodID         string `json:"pod-id"`
	MetadataName  string `json:"metadata-name"`
	CreatedAtUnix int64  `json:"created-at"`
	// Pod marks CRI-O's infra (pause) container, whose metadata-name is
	// the pod's name, not a container's.
	Pod bool `json:"pod"`
}

// parseStorageContainers reads containers.json.
func parseStorageContainers(b []byte) (map[string]*storageEntry, error) {
	var list []*storageEntry
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, err
	}
	out := make(map[string]*storageEntry, len(list))
	for _, e := range list {
		if e == nil || !IsHexID(e.ID) {
			continue
		}
		if e.Metadata != "" {
			// A store written by another tool may hold anything here.
			_ = json.Unmarshal([]byte(e.Metadata), &e.meta)
		}
		out[e.ID] = e
	}
	return out, nil
}

func (st *containersStorage) containersJSON() string {
	return path.Join(st.graph, "overlay-containers/containers.json")
}

// containerLists are the files containers/storage lists containers in:
// containers.json and, since containers/storage 1.45, volatile-containers.json
// for the containers made volatile (every CRI-O container since CRI-O 1.22,
// podman run --rm): beside it, or in the run root with transient_store.
func (st *containersStorage) containerLists() []string {
	return []string{
		st.containersJSON(),
		path.Join(st.graph, "overlay-containers/volatile-containers.json"),
		path.Join(st.run, "overlay-containers/volatile-containers.json"),
	}
}

// userdata is a container's persistent directory (podman and CRI-O keep
// config.json and CRI-O its state.json there).
func (st *containersStorage) userdata(id string) string {
	return path.Join(st.graph, "overlay-containers", id, "userdata")
}

// runUserdata is a container's run-time directory: its bundle, pid file.
func (st *containersStorage) runUserdata(id string) string {
	return path.Join(st.run, "overlay-containers", id, "userdata")
}

// loadStorage reads the store's container lists once per scan.
func (s *Store) loadStorage(st *containersStorage) map[string]*storageEntry {
	st.once.Do(func() {
		for _, list := range st.containerLists() {
			b, err := s.read(list)
			if err != nil {
				s.warnUnlessGone(err, "container storage")
				continue
			}
			entries, err := parseStorageContainers(b)
			if err != nil {
				s.warnf("malformed %s: %v", s.path(list), err)
				continue
			}
			if st.entries == nil {
				st.entries = map[string]*storageEntry{}
			}
			for id, e := range entries {
				e.list = list
				st.entries[id] = e
			}
		}
	})
	return st.entries
}

// storageContainer builds the container of one store entry: CRI-O's when
// its metadata or annotations name a pod, else podman's.
func (s *Store) storageContainer(st *containersStorage, e *storageEntry) *Container {
	list := e.list
	if list == "" {
		list = st.containersJSON()
	}
	c := &Container{Runtime: Podman, ID: e.ID, Image: e.meta.ImageName, Owner: st.owner,
		Sources: []string{s.hostPath(list)}}
	if len(e.Names) > 0 {
		c.Name = e.Names[0]
	}
	spec := s.storageSpec(st, e.ID, c)
	// podman marks its containers io.container.manager=libpod, and gives
	// those in a podman pod CRI-O's ContainerType annotation too.
	libpod := spec != nil && spec.Annotations[annContainerManager] == "libpod"
	if e.meta.PodName != "" || !libpod && spec != nil && spec.Annotations[annCRIOType] != "" {
		c.Runtime = CRIO
		c.Name = "" // CRI-O's storage name is k8s_NAME_POD_NS_UID_N; the annotations have NAME
		// metadata-name is the Kubernetes container's name, but the pod's
		// for the infra container (pod: true, its own pod-id).
		if e.meta.MetadataName != "" && !e.meta.Pod && e.meta.PodID != e.ID {
			c.Name = e.meta.MetadataName
		}
		if spec != nil {
			if kid, ok := kubeIdentityOf(spec.Annotations); ok {
				kid.apply(c)
			}
		}
		s.crioState(st, c)
		return c
	}
	s.conmonState(st, c)
	return c
}

// storageSpec reads the container's OCI spec, from its persistent userdata
// or else its bundle, and notes where it came from.
func (s *Store) storageSpec(st *containersStorage, id string, c *Container) *ociSpec {
	for _, dir := range []string{st.userdata(id), st.runUserdata(id)} {
		p := path.Join(dir, "config.json")
		b, err := s.read(p)
		if err != nil {
			continue
		}
		spec, err := parseOCISpec(b)
		if err != nil {
			s.warnf("container %s: malformed %s: %v", shortID(id), s.path(p), err)
			return nil
		}
		c.Sources = append(c.Sources, s.hostPath(p))
		return spec
	}
	return nil
}

// crioContainerState is CRI-O's state.json in the container's userdata:
// the OCI state plus created/started/finished, exit code and OOM flag.
type crioContainerState struct {
	Status    string `json:"status"`
	Pid       int    `json:"pid"`
	Started   string `json:"started"`
	Finished  string `json:"finished"`
	ExitCode  *int   `json:"exitCode"`
	OOMKilled bool   `json:"oomKilled"`
	Error     string `json:"error"`
}

func parseCRIOState(b []byte) (*crioContainerState, error) {
	var st crioContainerState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, err
	}
	if st.Status == "" {
		return nil, errFormat
	}
	return &st, nil
}

// crioExits is where CRI-O's conmon writes each container's exit code.
const crioExits = "run/crio/exits"

func (s *Store) crioState(st *containersStorage, c *Container) {
	p := path.Join(st.userdata(c.ID), "state.json")
	b, err := s.read(p)
	if err != nil {
		return
	}
	cs, err := parseCRIOState(b)
	if err != nil {
		s.warnf("cri-o container %s: malformed %s: %v", shortID(c.ID), s.path(p), err)
		return
	}
	c.Sources = append(c.Sources, s.hostPath(p))
	c.State = cs.Status
	if cs.Status == "stopped" {
		c.State = "exited"
	}
	if c.State == "running" || c.State == "paused" {
		c.InitPID = cs.Pid
	}
	run := &RunState{StartedAt: parseTime(cs.Started), FinishedAt: parseTime(cs.Finished), OOMKilled: cs.OOMKilled, Error: cs.Error}
	if c.State == "exited" {
		run.ExitCode = cs.ExitCode
		if run.ExitCode == nil {
			if code, ok := parseExitFile(s.readOrNil(path.Join(crioExits, c.ID))); ok {
				run.ExitCode = &code
			}
		}
	}
	c.LastRun = run
}

// crio finds a CRI-O container in the system store.
func (s *Store) crio(id string) *Container {
	st := s.systemStorage()
	if e := s.loadStorage(st)[id]; e != nil {
		if c := s.storageContainer(st, e); c.Runtime == CRIO {
			return c
		}
	}
	return nil
}

// containersStorageAll lists the containers of every store: CRI-O's and
// rootful podman's in the system store, each user's rootless podman ones.
func (s *Store) containersStorageAll() []*Container {
	var list []*Container
	for _, st := range s.storages() {
		for _, e := range s.loadStorage(st) {
			list = append(list, s.storageContainer(st, e))
		}
	}
	return list
}

// atoiOr is strconv.Atoi with a default.
func atoiOr(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return def
}
