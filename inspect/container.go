package inspect

import (
	"slices"

	"nsx/runtimes"
)

// The container model lives in package runtimes, which reads the runtimes'
// state; these names keep inspect's API whole for its callers.
type (
	Container = runtimes.Container
	Pod       = runtimes.Pod
)

// Runtime names as nsx prints them.
const (
	RuntimeDocker     = runtimes.Docker
	RuntimeContainerd = runtimes.Containerd
	RuntimeCRIO       = runtimes.CRIO
	RuntimePodman     = runtimes.Podman
	RuntimeLXC        = runtimes.LXC
	RuntimeNspawn     = runtimes.Nspawn
	RuntimeCRI        = runtimes.CRI
)

// container reads the process's /proc/PID/cgroup and recognises the
// container it names, if any; buf is reused and returned for the next read.
func (d procDir) container(buf []byte) (*Container, []byte, error) {
	b, err := d.readRecord("cgroup", buf)
	if err != nil {
		return nil, buf, err
	}
	lines, err := ParseCgroupFile(b)
	if err != nil {
		return nil, b, &ParseError{Path: d.path + "/cgroup", Err: err}
	}
	if c := ContainerFromCgroups(lines); c != nil {
		return c, b, nil
	}
	return serviceFromCgroups(lines), b, nil
}

// ContainerFromCgroups recognises a container from the lines of
// /proc/PID/cgroup. The unified (v2) line is tried first, then every v1
// line: on a hybrid host either may carry the container's path.
func ContainerFromCgroups(lines []CgroupLine) *Container {
	for _, l := range lines {
		if l.HierarchyID == 0 && len(l.Controllers) == 0 {
			if c := runtimes.FromCgroupPath(l.Path); c != nil {
				return c
			}
		}
	}
	for _, l := range lines {
		if c := runtimes.FromCgroupPath(l.Path); c != nil {
			return c
		}
	}
	return nil
}

// serviceFromCgroups labels a process of a plain systemd service with its
// unit, from the systemd hierarchy (v2, else v1's name=systemd): a sandbox
// made by PrivateNetwork= or PrivateTmp= is known by its service. Scans
// call it only for processes outside the host's namespaces.
func serviceFromCgroups(lines []CgroupLine) *Container {
	for _, l := range lines {
		systemd := l.HierarchyID == 0 && len(l.Controllers) == 0 || slices.Contains(l.Controllers, "name=systemd")
		if !systemd {
			continue
		}
		if unit := runtimes.ServiceFromCgroupPath(l.Path); unit != nil {
			return unit
		}
	}
	return nil
}
