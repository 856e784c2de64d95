package runtimes

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
)

// Store reads the container runtimes' state under one host root: the files
// each runtime keeps for its containers, so that names, pods and last exits
// are known without asking a daemon (which may be the thing that hangs).
// It caches directory listings for its lifetime, which is one scan; it is
// safe for concurrent use.
type Store struct {
	root string

	mu       sync.Mutex
	dirs     map[string][]string        // listDir cache
	podNames map[string]*Pod            // pod UID -> pod, from the kubelet's log directories
	logLinks map[string]*kubeletLogLink // container ID -> the kubelet's log link
	podmen   []*containersStorage       // the system store and rootless ones; nil until needed
	byPID    map[int][]*ociState        // init PID -> OCI runtime states (stale ones too); nil until needed
	api      *dockerAPI                 // nil until first needed

	usersOnce sync.Once
	passwd    []PasswdEntry
	warnings  []string
	// refused are the paths the kernel would not let nsx read: one
	// warning for all (an unprivileged run meets dozens).
	refused []string
}

// NewStore reads runtime state under root ("/" on the host).
func NewStore(root string) *Store {
	return &Store{root: root, dirs: map[string][]string{}}
}

// Warnings returns what could not be read (malformed state files, refused
// directories). A runtime that is not installed is no warning.
func (s *Store) Warnings() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]string(nil), s.warnings...)
	if n := len(s.refused); n > 0 {
		shown := s.refused[:min(n, 3)]
		more := ""
		if n > len(shown) {
			more = fmt.Sprintf(" and %d more", n-len(shown))
		}
		out = append(out, fmt.Sprintf("runtime state not readable (run as root): %s%s; containers there are named by cgroup only",
			strings.Join(shown, ", "), more))
	}
	return out
}

// refuse notes a path whose reading the kernel refused.
func (s *Store) refuse(path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.Contains(s.refused, path) {
		s.refused = append(s.refused, path)
	}
}

func (s *Store) path(rel string) string { return filepath.Join(s.root, rel) }

// hostPath is a file as the host names it, wherever nsx reads it from:
// what Container.Sources shows, so that a run under --host-root says the
// same as one on the host.
func (s *Store) hostPath(rel string) string { return "/" + strings.TrimPrefix(rel, "/") }

func (s *Store) read(rel string) ([]byte, error) { return os.ReadFile(s.path(rel)) }

func (s *Store) exists(rel string) bool {
	_, err := os.Stat(s.path(rel))
	return err == nil
}

// listDir lists the names in a directory under the root, cached; a missing
// directory is empty, an unreadable one is a warning.
func (s *Store) listDir(rel string) []string {
	s.mu.Lock()
	names, ok := s.dirs[rel]
	s.mu.Unlock()
	if ok {
		return names
	}
	entries, err := os.ReadDir(s.path(rel))
	if err != nil {
		s.warnUnlessGone(err, "listing "+s.path(rel))
	}
	for _, e := range entries {
		names = append(names, e.Name())
	}
	s.mu.Lock()
	s.dirs[rel] = names
	s.mu.Unlock()
	return names
}

func (s *Store) warnf(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.warnings = append(s.warnings, fmt.Sprintf(format, args...))
}

// warnUnlessGone records err unless it says the file does not exist: a
// runtime that is not installed, or a container removed meanwhile.
func (s *Store) warnUnlessGone(err error, what string) {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return
	}
	var pe *fs.PathError
	if errors.Is(err, fs.ErrPermission) && errors.As(err, &pe) {
		s.refuse(pe.Path)
		return
	}
	s.warnf("%s: %v", what, err)
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// Identify completes a container recognised from its cgroup path with what
// its runtime's state says: name, pod, image, state, last run. A container
// whose runtime the cgroup path left open (the kubelet's cgroupfs driver)
// gets the runtime whose state has it.
func (s *Store) Identify(c *Container) {
	var found *Container
	switch c.Runtime {
	case Docker:
		found, _ = s.docker(c.ID)
		if found == nil {
			found = s.dockerFromAPI(c.ID)
		}
	case Containerd:
		found = s.containerd(c.ID)
	case CRIO:
		found = s.crio(c.ID)
	case Podman:
		found = s.podman(c.ID)
	case CRI:
		// A task in containerd's moby namespace is Docker's (dockerd on
		// the system containerd): Docker's state has cri-dockerd's labels.
		if found = s.containerd(c.ID); found == nil || found.Namespace == "moby" {
			if f := s.crio(c.ID); f != nil {
				found = f
			} else if f, ok := s.docker(c.ID); ok { // cri-dockerd
				found = f
			}
		}
	}
	if found != nil {
		merge(c, found)
	}
	if c.Pod != nil && c.Pod.Name == "" && c.Pod.UID != "" {
		if p := s.podByUID(c.Pod.UID); p != nil {
			c.Pod.Name, c.Pod.Namespace = p.Name, p.Namespace
		}
	}
}

// merge copies what the runtime's state found into c, which the cgroup path
// (or an OCI runtime's state, see ByInitPID) made: the path, the pod UID and
// the sources it was found from stay.
func merge(c, found *Container) {
	cgroup, pod, sources := c.Cgroup, c.Pod, c.Sources
	*c = *found
	c.Cgroup = cgroup
	c.Sources = slices.Clone(c.Sources)
	for _, src := range sources {
		if !slices.Contains(c.Sources, src) {
			c.Sources = append(c.Sources, src)
		}
	}
	if c.Pod == nil {
		c.Pod = pod
	} else if c.Pod.UID == "" && pod != nil {
		c.Pod.UID = pod.UID
	}
}

// All lists every container the runtimes' state on disk knows, running or
// not, each runtime's in ID order: Docker's, containerd's running tasks,
// CRI-O's, and podman's (rootful and every user's rootless store).
func (s *Store) All() []*Container {
	var all []*Container
	seen := map[string]bool{}
	add := func(list []*Container) {
		sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
		for _, c := range list {
			if key := c.Runtime + "/" + c.ID; !seen[key] {
				seen[key] = true
				all = append(all, c)
			}
		}
	}
	docker := s.dockerAll()
	add(docker)
	if len(docker) == 0 {
		// A daemon with another data root: its API may still answer.
		add(s.dockerAPIAll())
	}
	add(s.containerdAll())
	add(s.containersStorageAll())
	for _, c := range all {
		if c.Pod != nil && c.Pod.Name == "" && c.Pod.UID != "" {
			if p := s.podByUID(c.Pod.UID); p != nil {
				c.Pod.Name, c.Pod.Namespace = p.Name, p.Namespace
			}
		}
	}
	return all
}

// kubeletPodLogs is where the kubelet keeps each pod's container logs, in a
// directory named NAMESPACE_NAME_UID (Kubernetes 1.14 and later). It names
// a pod from its UID when no runtime state does (a runtime nsx cannot
// read, or a pod whose containers are gone).
const kubeletPodLogs = "var/log/pods"

func (s *Store) podByUID(uid string) *Pod {
	s.mu.Lock()
	if s.podNames == nil {
		s.mu.Unlock()
		names := map[string]*Pod{}
		for _, d := range s.listDir(kubeletPodLogs) {
			if p, ok := parsePodLogDir(d); ok {
				names[p.UID] = p
			}
		}
		s.mu.Lock()
		s.podNames = names
	}
	defer s.mu.Unlock()
	return s.podNames[uid]
}

// parsePodLogDir splits NAMESPACE_NAME_UID. Namespaces and pod names are
// DNS labels and subdomains, which have no '_'.
func parsePodLogDir(d string) (*Pod, bool) {
	parts := strings.Split(d, "_")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || len(parts[2]) < 32 {
		return nil, false
	}
	return &Pod{Namespace: parts[0], Name: parts[1], UID: parts[2]}, true
}

// kubeletContainerLogs holds the kubelet's links to each container's log,
// named POD_NAMESPACE_CONTAINER-ID.log and pointing into
// /var/log/pods/NAMESPACE_POD_UID/CONTAINER/N.log. They outlive the
// container until the kubelet removes it, so they name exited containers.
const kubeletContainerLogs = "var/log/containers"

type kubeletLogLink struct {
	container string
	pod       *Pod
	link      string
}

// parseKubeletLogLink splits POD_NAMESPACE_CONTAINER-ID.log; target is the
// link's target, whose pod directory gives the pod UID.
func parseKubeletLogLink(name, target string) (id string, l *kubeletLogLink, ok bool) {
	base, ok := strings.CutSuffix(name, ".log")
	if !ok || len(base) < 66 || base[len(base)-65] != '-' {
		return "", nil, false
	}
	id = base[len(base)-64:]
	parts := strings.Split(base[:len(base)-65], "_")
	if !IsHexID(id) || len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return "", nil, false
	}
	l = &kubeletLogLink{container: parts[2], pod: &Pod{Name: parts[0], Namespace: parts[1]}}
	// .../var/log/pods/NAMESPACE_POD_UID/CONTAINER/N.log
	if dir := path.Base(path.Dir(path.Dir(target))); dir != "." {
		if p, ok := parsePodLogDir(dir); ok && p.Name == l.pod.Name && p.Namespace == l.pod.Namespace {
			l.pod.UID = p.UID
		}
	}
	return id, l, true
}

func (s *Store) kubeletLogLinks() map[string]*kubeletLogLink {
	s.mu.Lock()
	if s.logLinks != nil {
		defer s.mu.Unlock()
		return s.logLinks
	}
	s.mu.Unlock()
	links := map[string]*kubeletLogLink{}
	for _, name := range s.listDir(kubeletContainerLogs) {
		rel := path.Join(kubeletContainerLogs, name)
		target, _ := os.Readlink(s.path(rel))
		if id, l, ok := parseKubeletLogLink(name, target); ok {
			l.link = rel
			links[id] = l
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logLinks = links
	return links
}
