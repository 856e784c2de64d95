#!/bin/busybox sh
# vmtest/init.sh: /init of the cgroup-v2-only guest that scripts/vm-test.sh
# boots. It builds a nested cgroup hierarchy, provokes real OOM kills and a
# refused fork, leaves sleeping processes behind, then prints the kernel's own
# files next to what nsx says about the same processes, for vm_test.go to
# compare on the host.
#
# Output goes to the second serial port (ttyS1), in sections:
#   === BEGIN name ===
#   ...
#   === END name ===
#   === RC name N ===          the exit status of the command that printed it
# The kernel console stays on ttyS0, so its messages never mix in.
#
# Hierarchy (controllers memory, pids, cpu, io enabled all the way down):
#   /nsx/parent          memory.max 64M, pids.max 20
#   /nsx/parent/child    memory.max max, pids.max 50: the PARENT binds
#   /nsx/parent/tight    memory.max 16M: its own limit binds
# Only leaves hold processes: a cgroup with controllers in its own
# subtree_control refuses them (EBUSY).

/bin/busybox --install -s /bin
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup

# raw: without it the tty turns "\n" into "\r\n".
stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec >/dev/ttyS1 2>&1

cg=/sys/fs/cgroup

# section NAME CMD...: run CMD with its stdout between markers; its stderr, if
# any, becomes the section NAME.stderr.
section() {
	_name=$1
	shift
	echo "=== BEGIN $_name ==="
	"$@" 2>/tmp/section.err
	_rc=$?
	# The marker must start a line even when the output lacks a final newline.
	echo
	echo "=== END $_name ==="
	echo "=== RC $_name $_rc ==="
	if [ -s /tmp/section.err ]; then
		echo "=== BEGIN $_name.stderr ==="
		cat /tmp/section.err
		echo
		echo "=== END $_name.stderr ==="
	fi
}

# note: a free-form line for a human reading the log.
note() { echo "# $*"; }

enable_controllers() {
	_want=""
	for _c in memory pids cpu io; do
		case " $(cat "$1/cgroup.controllers") " in
		*" $_c "*) _want="$_want +$_c" ;;
		esac
	done
	# One write per controller: a single unknown one would fail the lot.
	for _c in $_want; do
		echo "$_c" >"$1/cgroup.subtree_control" || note "enabling $_c in $1 failed"
	done
}

# in_cgroup DIR CMD...: run CMD (in the background) as a member of DIR.
# The shell moves itself first, then execs, so CMD's first allocation is
# already charged there.
in_cgroup() {
	_dir=$1
	shift
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$_dir" "$@" &
}

section uname uname -a
section cmdline cat /proc/cmdline
section mountinfo cat /proc/self/mountinfo
section self-cgroup cat /proc/self/cgroup

mkdir -p $cg/nsx/parent
# Top-down: a controller can only be enabled where the parent enabled it.
enable_controllers $cg
enable_controllers $cg/nsx
enable_controllers $cg/nsx/parent
mkdir $cg/nsx/parent/child $cg/nsx/parent/tight
echo 64M >$cg/nsx/parent/memory.max
echo 20 >$cg/nsx/parent/pids.max
echo max >$cg/nsx/parent/child/memory.max
echo 50 >$cg/nsx/parent/child/pids.max
echo 16M >$cg/nsx/parent/tight/memory.max
section subtree-control cat $cg/cgroup.subtree_control $cg/nsx/cgroup.subtree_control $cg/nsx/parent/cgroup.subtree_control

# The processes nsx is asked about afterwards.
in_cgroup $cg/nsx/parent/child sleep 100000
child_pid=$!
in_cgroup $cg/nsx/parent/tight sleep 100000
tight_pid=$!
# A sandbox: its own uts, ipc, net and mount namespaces (no pid namespace,
# so unshare execs sleep and the sandbox is this one process).
in_cgroup $cg/nsx/parent/tight unshare -u -i -n -m sleep 100000
sandbox_pid=$!
sleep 1

# Memory hog: busybox dd allocates one buffer of bs bytes and reading
# /dev/zero into it touches every page, all anonymous memory charged to the
# dd's cgroup. In child the 64M of the parent is what it runs into.
# in_cgroup's shell execs dd, so $! is the PID the kernel kills: nsx
# why-killed is asked about these dead PIDs below.
in_cgroup $cg/nsx/parent/child dd if=/dev/zero of=/dev/null bs=100M count=1
child_hog=$!
wait $child_hog
note "child hog exit status $? (137 = SIGKILL from the OOM killer)"
in_cgroup $cg/nsx/parent/tight dd if=/dev/zero of=/dev/null bs=32M count=1
tight_hog=$!
wait $tight_hog
note "tight hog exit status $? (137 = SIGKILL from the OOM killer)"

# Fork bomb, bounded: more sleeps than the parent's pids.max 20 allows. The
# shell gives up at the first refused fork ("can't fork"); the kernel counts
# the refusal in pids.events of the forking task's cgroup.
in_cgroup $cg/nsx/parent/child sh -c 'i=0; while [ $i -lt 40 ]; do sleep 100000 & i=$((i+1)); done; wait'
bomb=$!
wait $bomb
note "fork loop exit status $?"
# Its sleeps are orphans now (children of this init): kill them and reap, so
# that only child_pid is left in child and pids.current stays put.
for p in $(cat $cg/nsx/parent/child/cgroup.procs); do
	[ "$p" = "$child_pid" ] || kill -KILL "$p"
done
i=0
while [ "$(cat $cg/nsx/parent/child/pids.current)" != 1 ] && [ $i -lt 50 ]; do
	# A foreground command makes ash wait(), which reaps any child, orphans included.
	sleep 0.1
	i=$((i + 1))
done

section pids echo "child=$child_pid tight=$tight_pid sandbox=$sandbox_pid"
section hogs echo "child=$child_hog tight=$tight_hog"

# The kernel's truth, file by file.
for d in nsx/parent nsx/parent/child nsx/parent/tight; do
	for f in memory.max memory.high memory.current memory.events memory.events.local pids.max pids.current pids.events cgroup.procs; do
		section "file /$d/$f" cat "$cg/$d/$f"
	done
done
for p in $child_pid $tight_pid $sandbox_pid 1; do
	section "proc $p cgroup" cat /proc/$p/cgroup
	for t in cgroup ipc mnt net pid time user uts; do
		section "proc $p ns $t" readlink /proc/$p/ns/$t
	done
done
section dmesg-oom sh -c 'dmesg | grep -E "oom-kill:|Memory cgroup out of memory"'

section "nsx ls" nsx ls -o json
# nsx enter on a v2-only host: the command joins the sandbox's cgroup and
# every namespace it has of its own (uts, ipc, net, mnt).
section "nsx enter cgroup" nsx enter $sandbox_pid -- cat /proc/self/cgroup
for t in ipc mnt net uts; do
	section "nsx enter ns $t" nsx enter $sandbox_pid -- readlink /proc/self/ns/$t
done
# A container-like sandbox in a cgroup of its own, with its own cgroup and pid
# namespaces too (util-linux's unshare: busybox's has no -C), on a hierarchy
# mounted with nsdelegate as systemd mounts it: the kernel then creates a
# process in that cgroup only for one that can see both cgroups from its
# cgroup namespace. nsx enter (its fast path, and Go's with --all) runs a
# sleep in it; the sleep's cgroup and namespaces are read from here, outside.
mkdir $cg/nsx/box
in_cgroup $cg/nsx/box ul-unshare -C -p -f -u -i -n -m sleep 100000
box_unshare=$!
box_pid=""
i=0
while [ -z "$box_pid" ] && [ $i -lt 50 ]; do
	sleep 0.1
	read -r box_pid _ </proc/$box_unshare/task/$box_unshare/children
	i=$((i + 1))
done
section "box pid" echo "$box_pid"
section "proc box cgroup" cat /proc/$box_pid/cgroup
for t in cgroup ipc mnt net pid uts; do
	section "proc box ns $t" readlink /proc/$box_pid/ns/$t
done
for how in fast go; do
	flags=""
	[ $how = go ] && flags=--all
	nsx enter $flags $box_pid -- sleep 100000 2>/tmp/enter.err &
	relay=$!
	cmd_pid=""
	i=0
	# Up to 30 s: Go's start is slow under an emulated CPU.
	while [ -z "$cmd_pid" ] && [ $i -lt 300 ]; do
		sleep 0.1
		# fast: nsx is the relay, the sleep its child; go: nsx, its
		# re-executed copy (the relay), then the sleep.
		cmd_pid=$(echo $(cat /proc/$relay/task/*/children 2>/dev/null))
		if [ $how = go ] && [ -n "$cmd_pid" ]; then
			cmd_pid=$(cat /proc/$cmd_pid/task/*/children 2>/dev/null)
		fi
		cmd_pid=$(echo $cmd_pid) # no trailing space
		i=$((i + 1))
	done
	section "box enter $how stderr" cat /tmp/enter.err
	section "box enter $how cgroup" cat /proc/$cmd_pid/cgroup
	for t in cgroup ipc mnt net pid uts; do
		section "box enter $how ns $t" readlink /proc/$cmd_pid/ns/$t
	done
	section "box enter $how pid" echo "$cmd_pid"
	# Should the sleep not be found, nsx goes too: nothing waits forever.
	kill -KILL $cmd_pid 2>/dev/null
	sleep 0.2
	kill -KILL $relay 2>/dev/null
	wait $relay
	note "nsx enter $how into the box: exit status $? (137: its sleep was killed)"
done
kill -KILL $box_unshare 2>/dev/null

# The other views only have to run cleanly on a v2-only host; their output
# is for a human reading the log.
section "nsx ls text" nsx ls --color never
section "nsx ls --ns" nsx ls --ns --color never
section "nsx ls --tree" nsx ls --tree --color never
section "nsx top" nsx top --once --interval 1s -o json
# Cobra answers `nsx cgroup --help` with the root's help and status 0 when
# there is no such command; the command list is what tells.
if nsx --help 2>&1 | grep -q '^  cgroup '; then
	for p in $child_pid $tight_pid $sandbox_pid; do
		section "nsx cgroup $p" nsx cgroup $p -o json
	done
	section "nsx cgroup text $child_pid" nsx cgroup $child_pid
else
	section nsx-cgroup-missing echo "nsx --help lists no cgroup command"
fi

# nsx why-killed on the dead hogs, by PID: the kernel log is all that is
# left of them. Their exit status is 4 (a critical finding), which the
# checks expect.
if nsx --help 2>&1 | grep -q '^  why-killed '; then
	for p in $child_hog $tight_hog; do
		section "nsx why-killed $p" nsx why-killed $p -o json
	done
	section "nsx why-killed --all" nsx why-killed --all -o json
	section "nsx why-killed text $child_hog" nsx why-killed $child_hog --color never
else
	section nsx-why-killed-missing echo "nsx --help lists no why-killed command"
fi

echo "=== DONE ==="
# Background jobs holding the port open would delay the end of the run.
kill -KILL $child_pid $tight_pid $sandbox_pid 2>/dev/null
exec >/dev/null 2>&1
poweroff -f
