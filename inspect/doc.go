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
//   - the container runtimes' state files, through package runtimes (see
//     its documentation), to name the containers found;
//   - /proc/1/mountinfo (else /proc/self/mountinfo) for the cgroup layout and
//     where each hierarchy is mounted, and under those mounts the cgroup
//     interface files of a process's cgroup and its ancestors: v2 memory.*,
//     cpu.max, cpu.stat, cpu.weight, cpuset.*.effective, pids.*, io.max,
//     io.stat, io.weight, *.pressure, cgroup.controllers; v1
//     memory.limit_in_bytes, usage, max_usage, memsw, failcnt, oom_control,
//     stat, cpu.cfs_quota_us/cfs_period_us/shares/stat, cpuacct.usage,
//     cpuset.*, pids.*, blkio.throttle.*, blkio.weight.
//
// Pure parsers (bytes in, values out) live in parse.go and cgroupparse.go
// and are fuzzed; the readers around them only open files. Nothing in this
// package writes.
package inspect
