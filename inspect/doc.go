// Package inspect is nsx's read-only model of a Linux host: its processes,
// their namespaces, and the containers they belong to.
//
// Every file is read through a Host, rooted at a configurable directory, so the
// same code reads the live host ("/"), a fixture tree under testdata/, or a
// host mounted at /host inside a debug container.
//
// Kernel interfaces read:
//   - /proc/PID/ns/{cgroup,ipc,mnt,net,pid,time,user,uts} (readlink), and
//     /proc/PID/task/TID/ns/* when threads are scanned;
//   - /proc/PID/stat (comm, ppid, start time, kernel-thread flag);
//   - /proc/PID/status (real uid), /proc/PID/cmdline;
//   - /proc/PID/cgroup (container attribution);
//   - /proc/PID/fd/* (namespaces held open by a file descriptor);
//   - /proc/PID/mountinfo of one process per mount namespace (nsfs bind
//     mounts such as those made by `ip netns add`);
//   - /proc/PID/uid_map and gid_map of one process per user namespace;
//   - ioctl(NS_GET_USERNS, NS_GET_PARENT, NS_GET_OWNER_UID) on namespace
//     files (owner and parent hierarchy, see ioctl_linux.go);
//   - /var/lib/docker/containers/ID/config.v2.json (Docker container names).
//
// Pure parsers (bytes in, values out) live in parse.go and are fuzzed; the
// readers around them only open files. Nothing in this package writes.
package inspect
