// Package runtimes knows containers by the state their runtimes keep on
// disk, so that nsx names them without asking a daemon: the daemon may be
// the very thing that hangs when someone reaches for nsx.
//
// A container is first recognised from its cgroup path (FromCgroupPath:
// the layouts of Docker, containerd, CRI-O, podman, LXC, systemd-nspawn
// and the kubelet, with both cgroup drivers). A Store then reads, under a
// configurable host root ("/", a debug container's "/host", a fixture):
//
//   - Docker: var/lib/docker/containers/ID/config.v2.json (name, image,
//     state, exit code, OOMKilled, start and finish times, restart count,
//     cri-dockerd's pod labels) and hostconfig.json (privileged,
//     capabilities, namespace modes, restart policy); when the data root is
//     elsewhere, one GET /containers/json over run/docker.sock, bounded by
//     300 ms and never required;
//   - containerd, Kubernetes included: the task bundle
//     run/containerd/io.containerd.runtime.v2.task/NS/ID/config.json (and
//     the v1 runtime's, and k3s's) with the CRI annotations (container,
//     sandbox, pod name, namespace, UID), init.pid, and the CRI plugin's
//     var/lib/containerd/io.containerd.grpc.v1.cri/containers/ID/status;
//   - CRI-O and podman, through containers/storage:
//     var/lib/containers/storage/overlay-containers/containers.json and each
//     user's ~/.local/share/containers/storage (users from etc/passwd), the
//     userdata config.json (annotations), CRI-O's state.json and
//     run/crio/exits/ID, podman's libpod/bolt_state.db (read-only, with a
//     bounded wait for its lock) and conmon's exit and pid files;
//   - runc's and crun's state (state.json, status) under run/runc,
//     run/crun, run/containerd/runc/NS, run/docker/runtime-runc/NS and
//     run/user/UID/{runc,crun}, which name a container by its init PID when
//     its cgroup does not (rootless podman on cgroup v1 has no cgroup of
//     its own);
//   - the kubelet's var/log/pods/NAMESPACE_NAME_UID directories, which name
//     a pod from the UID in a cgroup path when no runtime state does.
//
// Pure parsers (bytes in, values out) sit beside the Store methods that
// read the files. Nothing here writes; a missing runtime is no error, and a
// malformed or unreadable state file is a warning.
package runtimes
