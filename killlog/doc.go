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
// OOMParser turns a stream of records, fed one at a time, into OOMEvents,
// covering the report formats of kernels 3.10 to 6.x (mm/oom_kill.c,
// mm/memcontrol.c); ParseOOM does the same for a slice. WriteSynthKernLog
// (synth.go) writes a seeded kern.log of such reports for benchmarks.
//
// The parsers are pure. Collect is the reader beside them: it gathers every
// OOM report and userspace OOM-daemon kill a host logged, everything under
// a configurable host root, from
//
//   - <root>/dev/kmsg: the running kernel's ring buffer (O_NONBLOCK, one
//     record per read(2), EPIPE for overwritten records, EAGAIN at the end;
//     CAP_SYSLOG when kernel.dmesg_restrict=1), or a saved dump when it is
//     a regular file. Its stamps become wall time with Clock
//     (CLOCK_REALTIME - CLOCK_MONOTONIC; CLOCK_BOOTTIME for the time
//     suspended) and the boot is <root>/proc/sys/kernel/random/boot_id;
//   - the journal, through `journalctl -o json` (_TRANSPORT=kernel, and
//     SYSLOG_IDENTIFIER systemd-oomd and earlyoom), of the live host or of
//     <root>/var/log/journal and <root>/run/log/journal; see
//     ParseJournalJSON;
//   - <root>/var/log: kern.log, else messages, else syslog, with their
//     rotations (.1, .N.gz, -YYYYMMDD[.gz]) for kernel lines; syslog,
//     messages and daemon.log for systemd-oomd and earlyoom lines (see
//     ParseUserspaceKill).
//
// The same kill read from several sources is kept once.
package killlog
