// Package killlog parses kernel log records and assembles the kernel's
// OOM-killer reports from them. It is the parsing half of `nsx why-killed`.
//
// Two input interfaces are understood:
//
//   - /dev/kmsg records (Documentation/ABI/testing/dev-kmsg, Linux 3.5+):
//     "PRI,SEQ,TS_USEC,FLAGS[,caller=..][,...];text" followed by optional
//     " KEY=VALUE" dictionary lines; see ParseKmsgRecord and ParseKmsg.
//   - syslog files written by rsyslog and similar daemons (/var/log/kern.log,
//     /var/log/messages) whose kernel lines carry the printk timestamp
//     "[12345.678901]", in the traditional "Nov 29 04:00:00 host kernel:" form
//     or the RFC 3339 form; see ParseKernLogLine.
//
// ParseOOM turns a stream of records into OOMEvents, covering the report
// formats of kernels 3.10 to 6.x (mm/oom_kill.c, mm/memcontrol.c).
//
// Everything here is pure: nothing in this package opens or reads files or
// devices yet. The readers (/dev/kmsg, journald, kern.log) come with the
// why-killed command.
package killlog
