package killlog

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"
)

// SynthOptions shapes the synthetic kern.log that WriteSynthKernLog writes
// for benchmarks and the why-killed speed script (bench/genkernlog).
type SynthOptions struct {
	// Size is the file's target size in bytes: filler lines are added up
	// to it (never past it), unless the OOM reports alone are longer.
	Size int64
	// Events is the number of OOM reports, each with exactly one killed
	// process (a memory.oom.group report names its victim twice, as the
	// kernel does, but kills one process).
	Events int
	// Seed makes the output reproducible: the same options give the same
	// bytes.
	Seed uint64
	// Host is the syslog host name ("node1" when empty). Boot is the wall
	// time of boot ("Mar 1 00:00:00" of 2026, local time, when zero); the
	// log starts a minute after it.
	Host string
	Boot time.Time
}

// SynthKill is what WriteSynthKernLog wrote for one OOM report: what a
// parser must find there.
type SynthKill struct {
	// Kind is "docker-v1" (cgroup v1 Docker container at its own limit),
	// "kubepods-v2" (cgroup v2 pod-level limit hit by one container) or
	// "global" (host out of memory, big task table).
	Kind      string
	PID       int
	Comm      string
	OOMMemcg  string // empty for "global"
	TaskMemcg string
	// GroupKill is the memory.oom.group cgroup, when the report has one.
	GroupKill string
	// Mono is the monotonic stamp of the report's first line.
	Mono time.Duration
}

// WriteSynthKernLog writes a deterministic kern.log in the traditional
// rsyslog form ("Mar  1 00:01:00 node1 kernel: [   60.000000] text") as a
// 6.8+ kernel on a container host would log it: o.Events OOM reports —
// Docker containers on cgroup v1 at their own limit, Kubernetes pods on
// cgroup v2 hitting the pod's limit (some with memory.oom.group), and every
// 50th a global OOM with a host-wide task table — with their call traces,
// spread evenly among ordinary kernel lines (veth and bridge state changes,
// audit records, conntrack and firewall messages) that fill the file to
// o.Size. Container IDs and PIDs are distinct; timestamps increase. It
// returns the reports in order.
func WriteSynthKernLog(w io.Writer, o SynthOptions) ([]SynthKill, error) {
	if o.Events < 0 || o.Size < 0 {
		return nil, fmt.Errorf("killlog: synthetic log: negative size or event count")
	}
	if o.Host == "" {
		o.Host = "node1"
	}
	if o.Boot.IsZero() {
		o.Boot = time.Date(2026, 3, 1, 0, 0, 0, 0, time.Local)
	}
	g := &synth{
		w:    bufio.NewWriterSize(w, 1<<20),
		rnd:  rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15)),
		host: o.Host,
		boot: o.Boot,
		mono: time.Minute,
		pid:  1000,
	}
	kills := make([]SynthKill, 0, o.Events)
	for i := 0; i < o.Events; i++ {
		// Report i goes in the middle of its share of the file.
		for g.written < (int64(2*i+1)*o.Size)/int64(2*o.Events) && g.filler(o.Size) {
		}
		var k SynthKill
		switch {
		case i%50 == 25:
			k = g.globalOOM()
		case i%2 == 0:
			k = g.dockerV1OOM()
		default:
			k = g.kubepodsV2OOM(i%6 == 1)
		}
		kills = append(kills, k)
	}
	for g.filler(o.Size) {
	}
	if g.err != nil {
		return nil, g.err
	}
	if err := g.w.Flush(); err != nil {
		return nil, err
	}
	return kills, nil
}

type synth struct {
	w       *bufio.Writer
	err     error
	rnd     *rand.Rand
	host    string
	boot    time.Time
	mono    time.Duration
	written int64
	pid     int // last PID handed out; PIDs only grow, so they are distinct
	line    []byte
}

// emit writes one kernel line at the current monotonic time.
func (g *synth) emit(format string, args ...any) {
	g.line = g.prefix(g.line[:0])
	g.line = fmt.Appendf(g.line, format, args...)
	g.line = append(g.line, '\n')
	g.write(g.line)
}

func (g *synth) prefix(b []byte) []byte {
	b = g.boot.Add(g.mono).AppendFormat(b, time.Stamp)
	us := g.mono.Microseconds()
	return fmt.Appendf(b, " %s kernel: [%5d.%06d] ", g.host, us/1e6, us%1e6)
}

func (g *synth) write(b []byte) {
	if g.err != nil {
		return
	}
	n, err := g.w.Write(b)
	g.written += int64(n)
	g.err = err
}

// step advances the clock within a report: printk lines of one report are
// microseconds apart.
func (g *synth) step() { g.mono += time.Duration(2+g.rnd.IntN(40)) * time.Microsecond }

func (g *synth) nextPID() int {
	g.pid += 1 + g.rnd.IntN(40)
	return g.pid
}

func (g *synth) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.rnd.IntN(16)]
	}
	return string(b)
}

func pick[T any](g *synth, s []T) T { return s[g.rnd.IntN(len(s))] }

// filler writes one ordinary kernel line, unless it would take the file
// past size; it reports whether it wrote.
func (g *synth) filler(size int64) bool {
	if g.err != nil {
		return false
	}
	g.mono += time.Duration(1+g.rnd.IntN(800)) * time.Millisecond
	veth := "veth" + g.hex(7)
	var text string
	switch g.rnd.IntN(12) {
	case 0:
		text = "IPv6: ADDRCONF(NETDEV_CHANGE): " + veth + ": link becomes ready"
	case 1:
		text = fmt.Sprintf("docker0: port %d(%s) entered forwarding state", 1+g.rnd.IntN(40), veth)
	case 2:
		text = fmt.Sprintf("docker0: port %d(%s) entered blocking state", 1+g.rnd.IntN(40), veth)
	case 3:
		text = fmt.Sprintf("docker0: port %d(%s) entered disabled state", 1+g.rnd.IntN(40), veth)
	case 4:
		text = "device " + veth + " entered promiscuous mode"
	case 5:
		text = "eth0: renamed from " + veth
	case 6:
		text = fmt.Sprintf(`audit: type=1400 audit(%d.%03d:%d): apparmor="STATUS" operation="profile_load" profile="unconfined" name="docker-default" pid=%d comm="apparmor_parser"`,
			1772323200+int64(g.mono/time.Second), g.rnd.IntN(1000), 100+g.rnd.IntN(90000), g.nextPID())
	case 7:
		text = fmt.Sprintf("[UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:%02x:%02x:%02x:52:54:00:12:35:02:08:00 SRC=10.%d.%d.%d DST=10.0.2.15 LEN=60 TOS=0x00 PREC=0x00 TTL=%d ID=%d DF PROTO=TCP SPT=%d DPT=%d WINDOW=64240 RES=0x00 SYN URGP=0",
			g.rnd.IntN(256), g.rnd.IntN(256), g.rnd.IntN(256), g.rnd.IntN(256), g.rnd.IntN(256), g.rnd.IntN(256), 32+g.rnd.IntN(32), g.rnd.IntN(65536), 1024+g.rnd.IntN(60000), pick(g, []int{22, 80, 443, 5432, 6443}))
	case 8:
		text = "nf_conntrack: nf_conntrack: table full, dropping packet"
	case 9:
		text = fmt.Sprintf("TCP: request_sock_TCP: Possible SYN flooding on port %d. Sending cookies.  Check SNMP counters.", 8000+g.rnd.IntN(100))
	case 10:
		text = fmt.Sprintf("overlayfs: fs on '/var/lib/docker/overlay2/l/%s' does not support file handles, falling back to xino=off.", strings.ToUpper(g.hex(26)))
	default:
		text = fmt.Sprintf("perf: interrupt took too long (%d > %d), lowering kernel.perf_event_max_sample_rate to %d", 2500+g.rnd.IntN(500), 2495, 50000+g.rnd.IntN(30000))
	}
	g.line = g.prefix(g.line[:0])
	g.line = append(g.line, text...)
	g.line = append(g.line, '\n')
	if size > 0 && g.written+int64(len(g.line)) > size {
		return false
	}
	g.write(g.line)
	return true
}

var synthComms = []string{"java", "node", "python3", "ruby", "php-fpm", "postgres", "redis-server", "nginx", "mysqld", "dotnet", "gunicorn", "celery", "elasticsearch", "my worker"}

// task is one row of a task table, in pages.
type synthTask struct {
	pid, uid                   int
	totalVM, anon, file, shmem uint64
	pgtables, swapents         uint64
	adj                        int
	name                       string
}

func (g *synth) task(name string, uid, adj int, anonPages uint64) synthTask {
	t := synthTask{pid: g.nextPID(), uid: uid, adj: adj, name: name, anon: anonPages,
		file: uint64(100 + g.rnd.IntN(4000)), shmem: uint64(g.rnd.IntN(3) * g.rnd.IntN(500))}
	t.totalVM = t.anon + t.file + t.shmem + uint64(10000+g.rnd.IntN(200000))
	t.pgtables = (t.totalVM/512 + 8) * 4096
	return t
}

// header writes the first lines of a report: the trigger and its stack.
func (g *synth) header(comm string, pid int, gfp string, adj int, memcg bool) {
	g.emit("%s invoked oom-killer: gfp_mask=%s, order=0, oom_score_adj=%d", comm, gfp, adj)
	g.step()
	g.emit("CPU: %d PID: %d Comm: %.15s Not tainted 6.8.0-45-generic #45-Ubuntu", g.rnd.IntN(8), pid, comm)
	g.emit("Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.3-debian-1.16.3-2 04/01/2014")
	g.emit("Call Trace:")
	g.emit(" <TASK>")
	frames := []string{"dump_stack_lvl+0x48/0x70", "dump_header+0x4b/0x1d0", "oom_kill_process+0x10d/0x1b0", "out_of_memory+0xed/0x2d0"}
	if memcg {
		frames = append(frames, "mem_cgroup_out_of_memory+0x13a/0x150", "try_charge_memcg+0x76c/0x7e0", "__mem_cgroup_charge+0x3f/0xa0",
			"do_anonymous_page+0x131/0x4b0", "__handle_mm_fault+0xb2d/0xe00")
	} else {
		frames = append(frames, "__alloc_pages_may_oom+0x10b/0x1d0", "__alloc_pages_slowpath.constprop.0+0x420/0xa00",
			"__alloc_pages+0x30a/0x340", "alloc_pages_mpol+0x91/0x1f0", "folio_alloc+0x18/0x50", "__filemap_get_folio+0x14d/0x340",
			"filemap_fault+0x5d0/0x8d0", "__do_fault+0x36/0x150", "do_fault+0x282/0x4d0", "__handle_mm_fault+0x7b8/0xe00")
	}
	frames = append(frames, "handle_mm_fault+0x18d/0x380", "do_user_addr_fault+0x169/0x6b0", "exc_page_fault+0x82/0x1b0", "asm_exc_page_fault+0x27/0x30")
	for _, f := range frames {
		g.emit(" %s", f)
	}
	g.emit("RIP: 0033:0x7f%s", g.hex(10))
	code := make([]string, 42)
	for i := range code {
		code[i] = g.hex(2)
	}
	g.emit("Code: %s", strings.Join(code, " "))
	g.emit("RSP: 002b:00007ffd%s EFLAGS: 00010206", g.hex(8))
	g.emit("RAX: 00007f%s RBX: 0000000000000000 RCX: 00000000%s", g.hex(10), g.hex(8))
	g.emit("RDX: 0000000000000000 RSI: 0000000000000000 RDI: 00007f%s", g.hex(10))
	g.emit("RBP: 00007ffd%s R08: 0000000000000000 R09: 0000000000000000", g.hex(8))
	g.emit("R10: 0000000000000022 R11: 0000000000000246 R12: 0000000000000000")
	g.emit("R13: 0000000000000000 R14: 0000000000000000 R15: 0000000000000000")
	g.emit(" </TASK>")
}

// tasks writes the 6.8+ task table.
func (g *synth) tasks(ts []synthTask) {
	g.emit("Tasks state (memory values in pages):")
	g.emit("[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents oom_score_adj name")
	for _, t := range ts {
		g.step()
		g.emit("[%7d] %5d %5d %8d %8d %8d %8d %9d %8d %8d         %5d %s",
			t.pid, t.uid, t.pid, t.totalVM, t.anon+t.file+t.shmem, t.anon, t.file, t.shmem, t.pgtables, t.swapents, t.adj, t.name)
	}
}

func (g *synth) killed(msg string, t synthTask) {
	g.emit("%s: Killed process %d (%s) total-vm:%dkB, anon-rss:%dkB, file-rss:%dkB, shmem-rss:%dkB, UID:%d pgtables:%dkB oom_score_adj:%d",
		msg, t.pid, t.name, t.totalVM*4, t.anon*4, t.file*4, t.shmem*4, t.uid, t.pgtables/1024, t.adj)
}

func (g *synth) reaped(t synthTask) {
	g.mono += time.Duration(5+g.rnd.IntN(30)) * time.Millisecond
	g.emit("oom_reaper: reaped process %d (%s), now anon-rss:0kB, file-rss:0kB, shmem-rss:%dkB", t.pid, t.name, t.shmem*4)
}

// largest returns the task with the most RSS: the OOM killer's choice when
// oom_score_adj is equal.
func largest(ts []synthTask) synthTask {
	best := ts[0]
	for _, t := range ts[1:] {
		if t.anon+t.file+t.shmem > best.anon+best.file+best.shmem {
			best = t
		}
	}
	return best
}

// dockerV1OOM: a Docker container (cgroupfs driver, cgroup v1) at its own
// memory limit; 6.4+ prints the v1 memory.stat keys for v1.
func (g *synth) dockerV1OOM() SynthKill {
	id := g.hex(64)
	cg := "/docker/" + id
	limitKB := uint64([]int{262144, 524288, 1048576, 2097152}[g.rnd.IntN(4)])
	comm := pick(g, synthComms)
	app := g.task(comm, 0, 0, limitKB/4*9/10)
	ts := []synthTask{g.task("tini", 0, 0, 20), app}
	for n := g.rnd.IntN(5); n > 0; n-- {
		ts = append(ts, g.task(pick(g, []string{"sh", "bash", "sleep", comm}), 0, 0, uint64(10+g.rnd.IntN(300))))
	}
	victim := largest(ts)
	start := g.mono
	g.header(comm, app.pid, "0xcc0(GFP_KERNEL)", 0, true)
	g.emit("memory: usage %dkB, limit %dkB, failcnt %d", limitKB, limitKB, 1+g.rnd.IntN(100000))
	g.emit("memory+swap: usage %dkB, limit 9007199254740988kB, failcnt 0", limitKB)
	g.emit("kmem: usage %dkB, limit 9007199254740988kB, failcnt 0", 1000+g.rnd.IntN(20000))
	g.emit("Memory cgroup stats for %s:", cg)
	rss := limitKB * 1024 * 9 / 10
	cache := limitKB*1024 - rss
	for _, kv := range []struct {
		k string
		v uint64
	}{{"cache", cache}, {"rss", rss}, {"rss_huge", 0}, {"shmem", 0}, {"mapped_file", cache / 2}, {"dirty", 0}, {"writeback", 0},
		{"workingset_refault_anon", 0}, {"workingset_refault_file", uint64(g.rnd.IntN(5000))}, {"swap", 0}, {"swapcached", 0},
		{"pgpgin", uint64(g.rnd.IntN(1e6))}, {"pgpgout", uint64(g.rnd.IntN(1e6))}, {"pgfault", uint64(g.rnd.IntN(1e7))}, {"pgmajfault", uint64(g.rnd.IntN(100))},
		{"inactive_anon", rss}, {"active_anon", 0}, {"inactive_file", cache / 2}, {"active_file", cache / 2}, {"unevictable", 0},
		{"hierarchical_memory_limit", limitKB * 1024}, {"hierarchical_memsw_limit", 9223372036854771712}} {
		g.step()
		g.emit("%s %d", kv.k, kv.v)
	}
	g.tasks(ts)
	g.emit("oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=%s,mems_allowed=0,oom_memcg=%s,task_memcg=%s,task=%s,pid=%d,uid=%d",
		id, cg, cg, victim.name, victim.pid, victim.uid)
	g.killed("Memory cgroup out of memory", victim)
	g.reaped(victim)
	return SynthKill{Kind: "docker-v1", PID: victim.pid, Comm: victim.name, OOMMemcg: cg, TaskMemcg: cg, Mono: start}
}

// kubepodsV2OOM: a Kubernetes pod (systemd driver, cgroup v2) whose pod
// limit is hit by one of its containers; with oomGroup the container has
// memory.oom.group set (kubelet 1.28+) and the kernel names the victim a
// second time after the group line.
func (g *synth) kubepodsV2OOM(oomGroup bool) SynthKill {
	uid := fmt.Sprintf("%s_%s_%s_%s_%s", g.hex(8), g.hex(4), g.hex(4), g.hex(4), g.hex(12))
	qos := pick(g, []string{"burstable", "besteffort"})
	pod := fmt.Sprintf("/kubepods.slice/kubepods-%s.slice/kubepods-%s-pod%s.slice", qos, qos, uid)
	ctr := g.hex(64)
	task := pod + "/cri-containerd-" + ctr + ".scope"
	limitKB := uint64([]int{524288, 1048576, 4194304}[g.rnd.IntN(3)])
	comm := pick(g, synthComms)
	pause := g.task("pause", 65535, -998, 60)
	sidecar := g.task(pick(g, []string{"envoy", "fluent-bit", "vault-agent"}), 101, 999, limitKB/4/10)
	app := g.task(comm, 1000, 999, limitKB/4*8/10)
	ts := []synthTask{pause, sidecar, app}
	victim := app
	start := g.mono
	g.header(comm, app.pid, "0xcc0(GFP_KERNEL)", 999, true)
	g.emit("memory: usage %dkB, limit %dkB, failcnt %d", limitKB, limitKB, g.rnd.IntN(2000))
	g.emit("swap: usage 0kB, limit 0kB, failcnt 0")
	g.emit("Memory cgroup stats for %s:", pod)
	anon := limitKB * 1024 * 9 / 10
	file := limitKB*1024 - anon
	for _, kv := range []struct {
		k string
		v uint64
	}{{"anon", anon}, {"file", file}, {"kernel", 4 << 20}, {"kernel_stack", 1 << 20}, {"pagetables", 2 << 20}, {"sec_pagetables", 0},
		{"percpu", 300000}, {"sock", 0}, {"vmalloc", 0}, {"shmem", app.shmem * 4096}, {"zswap", 0}, {"zswapped", 0},
		{"file_mapped", file / 2}, {"file_dirty", 0}, {"file_writeback", 0}, {"swapcached", 0}, {"anon_thp", 0}, {"file_thp", 0}, {"shmem_thp", 0},
		{"inactive_anon", anon}, {"active_anon", 0}, {"inactive_file", file / 2}, {"active_file", file / 2}, {"unevictable", 0},
		{"slab_reclaimable", 500000}, {"slab_unreclaimable", 700000}, {"slab", 1200000},
		{"workingset_refault_anon", 0}, {"workingset_refault_file", uint64(g.rnd.IntN(9000))}, {"workingset_activate_anon", 0},
		{"workingset_activate_file", 0}, {"workingset_restore_anon", 0}, {"workingset_restore_file", 0}, {"workingset_nodereclaim", 0},
		{"pgscan", uint64(g.rnd.IntN(1e5))}, {"pgsteal", uint64(g.rnd.IntN(1e5))}, {"pgscan_kswapd", 0}, {"pgscan_direct", uint64(g.rnd.IntN(1e5))},
		{"pgscan_khugepaged", 0}, {"pgsteal_kswapd", 0}, {"pgsteal_direct", uint64(g.rnd.IntN(1e5))}, {"pgsteal_khugepaged", 0},
		{"pgfault", uint64(g.rnd.IntN(1e7))}, {"pgmajfault", uint64(g.rnd.IntN(500))}, {"pgrefill", uint64(g.rnd.IntN(1e5))},
		{"pgactivate", uint64(g.rnd.IntN(1e5))}, {"pgdeactivate", 0}, {"pglazyfree", 0}, {"pglazyfreed", 0},
		{"zswpin", 0}, {"zswpout", 0}, {"zswpwb", 0}, {"thp_fault_alloc", 0}, {"thp_collapse_alloc", 0}, {"thp_swpout", 0}, {"thp_swpout_fallback", 0}} {
		g.step()
		g.emit("%s %d", kv.k, kv.v)
	}
	g.tasks(ts)
	g.emit("oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=cri-containerd-%s.scope,mems_allowed=0,oom_memcg=%s,task_memcg=%s,task=%s,pid=%d,uid=%d",
		ctr, pod, task, victim.name, victim.pid, victim.uid)
	g.killed("Memory cgroup out of memory", victim)
	k := SynthKill{Kind: "kubepods-v2", PID: victim.pid, Comm: victim.name, OOMMemcg: pod, TaskMemcg: task, Mono: start}
	if oomGroup {
		g.emit("Tasks in %s are going to be killed due to memory.oom.group set", task)
		g.killed("Memory cgroup out of memory", victim)
		k.GroupKill = task
	}
	g.reaped(victim)
	return k
}

// globalOOM: the host ran out of memory; the task table lists every
// process on the host.
func (g *synth) globalOOM() SynthKill {
	ts := []synthTask{g.task("systemd", 0, 0, 2000), g.task("systemd-journal", 0, -250, 3000), g.task("dockerd", 0, -500, 30000),
		g.task("containerd", 0, -999, 12000), g.task("kubelet", 0, -999, 25000), g.task("sshd", 0, -1000, 400)}
	for n := 300 + g.rnd.IntN(300); n > 0; n-- {
		name := pick(g, []string{"containerd-shim", "pause", "sh", "nginx", "node", "java", "python3", "postgres", "redis-server", "envoy"})
		ts = append(ts, g.task(name, pick(g, []int{0, 101, 999, 1000, 65535}), pick(g, []int{-998, 0, 999, 1000}), uint64(50+g.rnd.IntN(60000))))
	}
	hog := g.task(pick(g, synthComms), 1000, 1000, uint64(1500000+g.rnd.IntN(500000)))
	ts = append(ts, hog)
	victim := hog
	trigger := pick(g, ts)
	taskMemcg := "/docker/" + g.hex(64)
	start := g.mono
	g.header(trigger.name, trigger.pid, "0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP)", trigger.adj, false)
	g.emit("Mem-Info:")
	g.emit("active_anon:%d inactive_anon:%d isolated_anon:0", 1900000+g.rnd.IntN(90000), g.rnd.IntN(9000))
	g.emit(" active_file:%d inactive_file:%d isolated_file:0", g.rnd.IntN(300), g.rnd.IntN(300))
	g.emit(" unevictable:4653 dirty:0 writeback:0")
	g.emit(" slab_reclaimable:%d slab_unreclaimable:%d", 800+g.rnd.IntN(900), 5000+g.rnd.IntN(900))
	g.emit(" mapped:4760 shmem:4157 pagetables:%d", 4000+g.rnd.IntN(9000))
	g.emit(" sec_pagetables:0 bounce:0")
	g.emit(" kernel_misc_reclaimable:0")
	g.emit(" free:%d free_pcp:%d free_cma:0", 1000+g.rnd.IntN(100), g.rnd.IntN(9000))
	g.emit("Node 0 active_anon:7997700kB inactive_anon:0kB active_file:0kB inactive_file:0kB unevictable:18612kB isolated(anon):0kB isolated(file):0kB mapped:19040kB dirty:0kB writeback:0kB shmem:16628kB writeback_tmp:0kB kernel_stack:2144kB pagetables:16036kB sec_pagetables:0kB all_unreclaimable? no")
	g.emit("Node 0 DMA free:32kB boost:0kB min:20kB low:32kB high:44kB reserved_highatomic:0KB active_anon:14296kB inactive_anon:0kB active_file:0kB inactive_file:0kB unevictable:0kB writepending:0kB present:15992kB managed:15360kB mlocked:0kB bounce:0kB free_pcp:8kB local_pcp:8kB free_cma:0kB")
	g.emit("lowmem_reserve[]: 0 1895 7890 0 0")
	g.emit("Node 0 Normal free:984kB boost:0kB min:8628kB low:14764kB high:20900kB reserved_highatomic:0KB active_anon:6041180kB inactive_anon:0kB active_file:0kB inactive_file:0kB unevictable:18612kB writepending:0kB present:6291456kB managed:6138744kB mlocked:12kB bounce:0kB free_pcp:19972kB local_pcp:14156kB free_cma:0kB")
	g.emit("lowmem_reserve[]: 0 0 0 0 0")
	g.emit("Node 0 Normal: 14*4kB (UE) 7*8kB (UE) 3*16kB (U) 3*32kB (UM) 1*64kB (M) 2*128kB (UM) 0*256kB 0*512kB 0*1024kB 0*2048kB 0*4096kB = 576kB")
	g.emit("Node 0 hugepages_total=0 hugepages_free=0 hugepages_surp=0 hugepages_size=2048kB")
	g.emit("8810 total pagecache pages")
	g.emit("0 pages in swap cache")
	g.emit("Free swap  = 0kB")
	g.emit("Total swap = 0kB")
	g.emit("2097022 pages RAM")
	g.emit("0 pages HighMem/MovableOnly")
	g.emit("67366 pages reserved")
	g.emit("0 pages hwpoisoned")
	g.tasks(ts)
	g.emit("oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=%s,task=%s,pid=%d,uid=%d",
		taskMemcg, victim.name, victim.pid, victim.uid)
	g.killed("Out of memory", victim)
	g.reaped(victim)
	return SynthKill{Kind: "global", PID: victim.pid, Comm: victim.name, TaskMemcg: taskMemcg, Mono: start}
}
