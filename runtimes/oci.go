package runtimes

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
)

// ociSpec is the part of an OCI bundle's config.json nsx reads. Every
// runtime writes one per container: containerd in its task directory,
// CRI-O and podman in the container's userdata directory.
type ociSpec struct {
	Hostname    string            `json:"hostname"`
	Annotations map[string]string `json:"annotations"`
	Linux       struct {
		CgroupsPath string `json:"cgroupsPath"`
	} `json:"linux"`
}

// ParseOCISpec reads an OCI runtime spec (config.json).
func parseOCISpec(b []byte) (*ociSpec, error) {
	var s ociSpec
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// kubeIdentity is what a Kubernetes runtime records of a container in its
// annotations (OCI spec) or labels (Docker, cri-dockerd).
type kubeIdentity struct {
	name    string
	pod     *Pod
	sandbox bool
	image   string
}

// Annotation and label keys the Kubernetes runtimes write:
//   - containerd's CRI plugin: io.kubernetes.cri.* in the OCI spec;
//   - CRI-O: io.kubernetes.cri-o.* plus the kubelet's io.kubernetes.pod.*
//     and io.kubernetes.container.name;
//   - dockershim and cri-dockerd: the same io.kubernetes.* as Docker labels,
//     with io.kubernetes.docker.type telling sandbox from container.
const (
	annCRIType         = "io.kubernetes.cri.container-type"
	annCRIName         = "io.kubernetes.cri.container-name"
	annCRIPodName      = "io.kubernetes.cri.sandbox-name"
	annCRIPodNamespace = "io.kubernetes.cri.sandbox-namespace"
	annCRIPodUID       = "io.kubernetes.cri.sandbox-uid"
	annCRIImage        = "io.kubernetes.cri.image-name"

	annCRIOType = "io.kubernetes.cri-o.ContainerType"
	// annContainerManager is podman's mark on its own containers.
	annContainerManager = "io.container.manager"
	annCRIOImage        = "io.kubernetes.cri-o.ImageName"

	labelKubeName         = "io.kubernetes.container.name"
	labelKubePodName      = "io.kubernetes.pod.name"
	labelKubePodNamespace = "io.kubernetes.pod.namespace"
	labelKubePodUID       = "io.kubernetes.pod.uid"
	labelDockershimType   = "io.kubernetes.docker.type"
)

// kubeIdentityOf reads the Kubernetes identity from annotations or labels;
// ok is false when they name no pod.
func kubeIdentityOf(a map[string]string) (id kubeIdentity, ok bool) {
	pod := &Pod{
		Namespace: first(a, annCRIPodNamespace, labelKubePodNamespace),
		Name:      first(a, annCRIPodName, labelKubePodName),
		UID:       first(a, annCRIPodUID, labelKubePodUID),
	}
	if pod.Name == "" && pod.UID == "" {
		return id, false
	}
	id.pod = pod
	id.name = first(a, annCRIName, labelKubeName)
	id.image = first(a, annCRIImage, annCRIOImage)
	switch first(a, annCRIType, annCRIOType, labelDockershimType) {
	case "sandbox", "podsandbox":
		id.sandbox = true
	}
	// dockershim names the sandbox "POD".
	if id.sandbox || id.name == "POD" {
		id.sandbox, id.name = true, ""
	}
	return id, true
}

func first(m map[string]string, keys ...string) string {
	for _, k := range keys {
		if v := m[k]; v != "" {
			return v
		}
	}
	return ""
}

// apply copies the Kubernetes identity into c.
func (id kubeIdentity) apply(c *Container) {
	if id.pod == nil {
		return
	}
	if c.Pod == nil {
		c.Pod = &Pod{}
	}
	// The cgroup path gave the UID; the runtime's state gives the rest.
	if id.pod.UID != "" {
		c.Pod.UID = id.pod.UID
	}
	c.Pod.Name, c.Pod.Namespace = id.pod.Name, id.pod.Namespace
	c.PodSandbox = id.sandbox
	if id.name != "" {
		c.Name = id.name
	}
	if id.image != "" && c.Image == "" {
		c.Image = id.image
	}
}

// parseTime reads an RFC 3339 time, treating Go's zero time (which Docker
// writes for "never") and garbage as unknown.
func parseTime(s string) *time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() <= 1 {
		return nil
	}
	return &t
}

// unixNanoTime reads a time in nanoseconds since the epoch; 0 is unknown.
func unixNanoTime(ns int64) *time.Time {
	if ns <= 0 {
		return nil
	}
	t := time.Unix(0, ns).UTC()
	return &t
}

func intPtr(v int) *int { return &v }

// errFormat says a state file parsed as JSON but lacks what every such
// file has (an ID, a version).
var errFormat = errors.New("unexpected format")

// parseDecimalFile reads a file holding one decimal number, perhaps
// newline-ended: exit files (conmon, CRI-O) and pid files.
func parseDecimalFile(b []byte) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	return n, err == nil
}

// parseExitFile reads an exit code as conmon and CRI-O write it.
func parseExitFile(b []byte) (int, bool) {
	n, ok := parseDecimalFile(b)
	return n, ok && n >= -1 && n <= 255
}

// parsePIDFile reads a pid file (containerd's init.pid, conmon's pidfile).
func parsePIDFile(b []byte) (int, bool) {
	n, ok := parseDecimalFile(b)
	return n, ok && n > 0
}
