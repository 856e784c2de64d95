// Package nsexec holds the C constructor that performs `nsx enter`'s switch
// into another process's namespaces before Go's runtime starts (see
// nsexec.c). Importing it is all it takes: the constructor does nothing
// unless the process was started by package enter with _NSX_ENTER=1, or
// is an `nsx enter PID -- CMD` that its fast path (fastpath.c) plans as
// package enter would; then Go never starts.
//
// Kernel interfaces: setns(2) on a pidfd or /proc/PID/ns/*, pidfd_open(2),
// the v1 hierarchies' tasks files, clone3(2) with CLONE_INTO_CGROUP (else
// cgroup.procs), and, for the fast path, what enter.Prepare reads:
// /proc/PID/{status,ns/*,uid_map,gid_map,setgroups,environ,cgroup},
// /proc/{1,self}/mountinfo, /proc/self/{ns/*,cgroup} and the target's
// /etc/hostname and /etc/passwd through /proc/PID/root.
package nsexec

// #cgo CFLAGS: -Wall -Wextra -Wno-unused-parameter -O2
import "C"

// Unavailable is empty: this build can enter.
const Unavailable = ""
