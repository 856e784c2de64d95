// Package enter runs a command in another process's namespaces, as
// `nsx enter` does: all the namespaces in which the target differs from
// nsx (user and mount included), its root and working directory, its
// credentials, its cgroups, and with --inherit-security its capabilities,
// no_new_privs and LSM label.
//
// Prepare reads, under the host root: /proc/PID/ns/* (and nsx's own
// /proc/self/ns/*), /proc/PID/status (Uid, Gid, Groups, Cap*, NoNewPrivs,
// Seccomp), /proc/PID/uid_map, gid_map and setgroups, /proc/PID/environ,
// /proc/PID/attr/current, /proc/PID/cgroup with the host's cgroup mounts,
// and the target's /etc/passwd, /etc/group and /etc/hostname through
// /proc/PID/root. Run re-executes nsx (/proc/self/exe) with the plan on a
// pipe; package nsexec's constructor performs it before Go's runtime
// starts, because setns(2) into user and mount namespaces needs a
// single-threaded process. For `nsx enter PID -- CMD` that constructor
// makes the same plan itself (Plan.Encode's records) and Go never starts.
package enter
