// Package diagnose turns what inspect, runtimes and killlog read into
// verdicts: a Finding says what is wrong (or that nothing is), how bad it
// is, the evidence it rests on and what to do. Nothing here prints, and
// nothing here reads files: callers gather the facts (the kernel log
// through killlog, cgroup counters through inspect, runtime state through
// runtimes) and the functions are pure, so every verdict can be tested
// from fixtures as well as from live kills.
//
// why-killed (WhyKilled, KillHistory) rests on:
//   - OOM-killer reports of the kernel log (/dev/kmsg, journald, kern.log):
//     victim, the cgroup whose limit was hit (oom_memcg) and the victim's
//     (task_memcg), usage and limit, memory.stat of the OOM cgroup, the
//     task table;
//   - userspace OOM killers' log lines (systemd-oomd, earlyoom);
//   - cgroup counters of the target and its ancestors: v2 memory.events,
//     v1 memory.failcnt and memory.oom_control, pids.events;
//   - the runtime's last state: exit code, OOMKilled, start and finish
//     times, restart count.
package diagnose
