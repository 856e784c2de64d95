#!/usr/bin/env bash
# bench/ls.sh: is `nsx ls --ns` fast enough on a host full of processes?
#
# For each size N in $SIZES it starts N processes spread over $SETS namespace
# sets, then times, alternating in one run, $RUNS times each:
#   lsns   `lsns -J` (util-linux), the peer nsx must beat;
#   floor  bench/floor/floor.c: one readlink per process and namespace type,
#          the least work any such tool can do;
#   nsx    `nsx ls --ns -o json`;
#   ls     `nsx ls -o json`, the sandbox view with its MEM, CPU and PIDS
#          columns, read from each sandbox's cgroups;
#   ls-nocg  `nsx ls --no-cgroup -o json`, the same view reading no cgroup.
# Every namespace set lives in cgroups of its own (memory, cpu and pids, each
# with a limit), so the cgroup columns do real work: one distinct cgroup per
# sandbox, as on a host of containers.
# It prints a Markdown table of medians, the ratios nsx/lsns and nsx/floor,
# nsx's peak RSS, and whether the targets are met:
#   nsx <= 0.25 x lsns and <= 2 x floor at every size, max RSS < 64 MiB,
#   time per process roughly constant across sizes (linear growth);
#   nsx ls with the cgroup columns <= 1.5 x nsx ls --no-cgroup.
# It also checks that nsx lists at least every namespace lsns lists.
#
# Usage (as root, from anywhere):  bench/ls.sh
#   SIZES="2500 20000"  process counts to spawn, one measurement each
#   SETS=300            namespace sets per size (one unshare each)
#   RUNS=5              timed runs per tool and size
#   KEEP_PID_MAX=1      do not raise kernel.pid_max even if it is too low
# Exit status: 0 all targets met, 3 a speed or memory target missed,
# 1 an error or nsx missing namespaces that lsns lists.
#
# Everything spawned is killed on exit, error or Ctrl-C (and dies with the
# script even if it is SIGKILLed), its cgroups (nsxbench-<pid> under each
# hierarchy) are removed, and the script checks that none of its processes
# and none of its cgroups is left. (A SIGKILLed script leaves empty cgroups
# named nsxbench-<pid>; rmdir them.)
set -Eeuo pipefail
export LC_ALL=C # EPOCHREALTIME must use '.' as decimal separator

SIZES=${SIZES:-"2500 20000"}
SETS=${SETS:-300}
RUNS=${RUNS:-5}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

BENCH_NAME=ls.sh
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"

[[ $EUID -eq 0 ]] || die "needs root: it creates pid, net, user... namespaces and reads every process's"
[[ $SETS =~ ^[1-9][0-9]*$ ]] || die "SETS=$SETS: want a positive integer"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS=$RUNS: want a positive integer"
for n in $SIZES; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || die "SIZES: $n is not a positive integer"
done

need_pkg jq jq
need_pkg lsns util-linux
need_pkg unshare util-linux
need_pkg setpriv util-linux
[[ -x /usr/bin/time ]] || { need_pkg /usr/bin/time time; }
command -v go >/dev/null || die "go not found: needed to build nsx"
CC=${CC:-cc}
command -v "$CC" >/dev/null || need_pkg gcc gcc

work=$(mktemp -d /tmp/nsx-bench.XXXXXX)
leaders=()          # PIDs of the unshare processes, one per namespace set
orig_pid_max=""     # set when kernel.pid_max was raised, to restore it

stop_sets() { stop_leaders; }

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM HUP
	stop_sets || rc=1
	cg_teardown || rc=1
	if [[ -n $orig_pid_max ]]; then
		echo "$orig_pid_max" >/proc/sys/kernel/pid_max && say "kernel.pid_max restored to $orig_pid_max"
	fi
	rm -rf "$work"
	exit "$rc"
}
install_traps cleanup

# --- build -------------------------------------------------------------------

say "building nsx, floor and spawn in $work"
(cd "$repo" && CGO_ENABLED=0 go build -o "$work/nsx" ./cmd/nsx) || die "go build failed"
for prog in floor spawn; do
	# Static: no dynamic loader in the floor's time, and forked spawn
	# children map nothing but one small binary.
	"$CC" -O2 -static -o "$work/$prog" "$repo/bench/$prog/$prog.c" 2>/dev/null ||
		"$CC" -O2 -o "$work/$prog" "$repo/bench/$prog/$prog.c" || die "compiling $prog.c failed"
done

tasks_now() { awk '{split($4, a, "/"); print a[2]}' /proc/loadavg; }
procs_now() { local p=(/proc/[1-9]*); echo "${#p[@]}"; }

# --- cgroups -----------------------------------------------------------------

# Each namespace set gets a cgroup of its own in the memory, cpu and pids
# hierarchies (cgroup v1 or hybrid), or in the unified hierarchy (pure v2):
# <mount>/nsxbench-<pid>/set<i>. The mounts come from mountinfo, not from a
# guess at /sys/fs/cgroup/<controller>: hosts mount them elsewhere and name
# them differently (cpu,cpuacct).
cg_version=""  # 1 or 2
cg_parents=()  # <mount>/nsxbench-<pid> per hierarchy, one per mount
cg_sets=()     # every set cgroup made, to remove

# cg_find fills cg_parents (not yet created) and cg_version.
cg_find() {
	local ctrl mnt fstype opts want seen=" "
	for want in memory cpu pids; do
		mnt=""
		# Fields: ... mount-point(5) ... - fstype source super-options.
		while read -r mnt_point fstype opts; do
			[[ $fstype == cgroup ]] || continue
			for ctrl in ${opts//,/ }; do
				[[ $ctrl == "$want" ]] && mnt=$mnt_point
			done
		done < <(awk '{for (i = 7; i <= NF; i++) if ($i == "-") {print $5, $(i + 1), $(i + 3); break}}' /proc/self/mountinfo)
		[[ -n $mnt ]] || break
		# cpu and cpuacct may share one mount: one cgroup there.
		[[ $seen == *" $mnt "* ]] || cg_parents+=("$mnt/nsxbench-$$")
		seen+="$mnt "
	done
	if [[ -n $mnt ]]; then
		cg_version=1
		return
	fi
	cg_parents=()
	mnt=$(awk '{for (i = 7; i <= NF; i++) if ($i == "-") {if ($(i + 1) == "cgroup2") print $5; break}}' /proc/self/mountinfo | head -n1)
	[[ -n $mnt ]] || die "no cgroup hierarchy with the memory, cpu and pids controllers is mounted"
	for ctrl in memory cpu pids; do
		grep -qw "$ctrl" "$mnt/cgroup.controllers" || die "cgroup v2 at $mnt lacks the $ctrl controller"
	done
	cg_version=2
	cg_parents=("$mnt/nsxbench-$$")
}

# cg_setup creates the parent cgroups.
cg_setup() {
	local p
	for p in "${cg_parents[@]}"; do
		mkdir "$p" || die "mkdir $p failed"
	done
	if ((cg_version == 2)); then
		# The controllers must be enabled on the way down to the sets.
		echo "+memory +pids +cpu" >"${cg_parents[0]%/*}/cgroup.subtree_control" ||
			die "enabling memory, pids and cpu in ${cg_parents[0]%/*} failed"
		echo "+memory +pids +cpu" >"${cg_parents[0]}/cgroup.subtree_control" ||
			die "enabling memory, pids and cpu in ${cg_parents[0]} failed"
	fi
}

# cg_make_set i: creates set i's cgroups with their limits and puts the
# cgroup.procs files its leader must join in set_procs_files.
set_procs_files=()
cg_make_set() {
	local i=$1 p d
	set_procs_files=()
	for p in "${cg_parents[@]}"; do
		d=$p/set$i
		mkdir "$d" || die "mkdir $d failed"
		cg_sets+=("$d")
		if ((cg_version == 2)); then
			echo 512M >"$d/memory.max"
			echo 10000 >"$d/pids.max"
			echo "50000 100000" >"$d/cpu.max"
		else
			[[ ! -e $d/memory.limit_in_bytes ]] || echo 512M >"$d/memory.limit_in_bytes"
			[[ ! -e $d/pids.max ]] || echo 10000 >"$d/pids.max"
			[[ ! -e $d/cpu.cfs_quota_us ]] || echo 50000 >"$d/cpu.cfs_quota_us"
		fi
		set_procs_files+=("$d/cgroup.procs")
	done
}

# cg_remove_sets removes the set cgroups (their processes must be gone).
cg_remove_sets() {
	((${#cg_sets[@]} > 0)) || return 0
	local rc=0
	rmdir_retry "${cg_sets[@]}" || rc=1
	cg_sets=()
	return "$rc"
}

# cg_teardown removes every cgroup of this run, and checks that no
# nsxbench-<pid> is left in any hierarchy (any mounted cgroup fs, not just
# the three used).
# shellcheck disable=SC2317 # called by cleanup, from the EXIT trap
cg_teardown() {
	local rc=0 mnt left
	cg_remove_sets || rc=1
	((${#cg_parents[@]} == 0)) || rmdir_retry "${cg_parents[@]}" || rc=1
	while read -r mnt; do
		left=$(find "$mnt" -maxdepth 3 -name "nsxbench-$$" -type d 2>/dev/null | head -n3)
		[[ -z $left ]] || { say "WARNING: cgroups left: $left"; rc=1; }
	done < <(awk '{for (i = 7; i <= NF; i++) if ($i == "-") {if ($(i + 1) ~ /^cgroup2?$/) print $5; break}}' /proc/self/mountinfo)
	return "$rc"
}

cg_find
cg_setup
say "cgroup v$cg_version; each namespace set gets its own cgroups under ${cg_parents[*]}"

# --- spawning ----------------------------------------------------------------

# ensure_pid_max makes room for n more tasks: every process takes a PID in
# the initial pid namespace too, whatever namespace it lives in.
ensure_pid_max() {
	local n=$1 cur want
	cur=$(cat /proc/sys/kernel/pid_max)
	want=$(( (n + $(tasks_now)) * 2 ))
	((want > cur)) || return 0
	[[ -z ${KEEP_PID_MAX:-} ]] || die "kernel.pid_max=$cur is too low for $n more processes (unset KEEP_PID_MAX to raise it)"
	((want <= 4194304)) || die "$n processes do not fit in the largest pid_max"
	[[ -n $orig_pid_max ]] || orig_pid_max=$cur
	echo "$want" >/proc/sys/kernel/pid_max
	say "kernel.pid_max raised from $cur to $want (restored on exit)"
}

# spawn_sets n s: s namespace sets, each an unshare running spawn as PID 1
# of a new pid namespace, with children so that the total (counting each
# set's unshare and spawn) is about n. A third of the sets get a user
# namespace too, a fifth cgroup and time namespaces, so that the sets differ
# in shape as containers do.
spawned=0
spawn_sets() {
	local n=$1 s=$2 per i
	per=$(( (n + s - 1) / s - 2 ))
	((per >= 1)) || per=1
	ensure_pid_max $(( s * (per + 2) ))
	mkdir -p "$work/sets"
	rm -f "$work/sets/"*
	local flags t0=${EPOCHREALTIME/./}
	for ((i = 0; i < s; i++)); do
		flags=(--fork --kill-child --pid --mount-proc --uts --ipc --net)
		((i % 3 == 1)) && flags+=(--user --map-root-user)
		((i % 5 == 2)) && flags+=(--cgroup --time)
		cg_make_set "$i" 
		# setpriv --pdeathsig: should this script itself be SIGKILLed, its
		# unshares die with it, and with them every namespace set.
		# The sh joins the set's cgroups before unshare forks anything, so
		# every process of the set is in them; it then execs unshare
		# (same PID, and the death signal survives the exec).
		# shellcheck disable=SC2016 # $$ and $@ are the inner shell's
		CGROUP_PROCS="${set_procs_files[*]}" setpriv --pdeathsig KILL sh -c 'for f in $CGROUP_PROCS; do echo $$ >"$f" || exit 1; done; unset CGROUP_PROCS; exec "$@"' sh \
			unshare "${flags[@]}" "$work/spawn" "$per" >"$work/sets/$i" 2>&1 &
		leaders+=($!)
	done
	spawned=$(( s * (per + 2) ))
	# Wait for every spawn to report its children forked.
	local ready deadline=$(( SECONDS + 600 ))
	while :; do
		# grep -c fails when it counts 0: not an error here.
		ready=$(cat "$work/sets/"* | grep -c '^ready' || true)
		((ready == s)) && break
		for i in "${!leaders[@]}"; do
			kill -0 "${leaders[$i]}" 2>/dev/null ||
				die "namespace set $i died while starting: $(head -c 300 "$work/sets/$i")"
		done
		((SECONDS < deadline)) || die "only $ready of $s namespace sets ready after 600 s"
		sleep 0.1
	done
	say "spawned $spawned processes in $s namespace sets in $(( (${EPOCHREALTIME/./} - t0) / 1000 )) ms"
}

# --- measuring ---------------------------------------------------------------

run_tool() {
	case $1 in
	lsns) lsns -J ;;
	floor) "$work/floor" ;;
	nsx) "$work/nsx" ls --ns -o json ;;
	ls) "$work/nsx" ls -o json ;;
	ls-nocg) "$work/nsx" ls --no-cgroup -o json ;;
	esac
}

max_rss_kib() { # tool -> the largest max RSS over 3 runs, in KiB
	local best=0 r i
	for ((i = 0; i < 3; i++)); do
		case $1 in
		lsns) /usr/bin/time -f %M -o "$work/rss" lsns -J >/dev/null ;;
		nsx) /usr/bin/time -f %M -o "$work/rss" "$work/nsx" ls --ns -o json >/dev/null ;;
		esac
		r=$(tail -n1 "$work/rss")
		((r > best)) && best=$r
	done
	echo "$best"
}

# check_namespaces compares one nsx and one lsns listing taken back to back:
# nsx must list every namespace lsns lists. Other processes on the host may
# come and go between the two, so a mismatch is retried once.
check_namespaces() {
	local missing _
	for _ in 1 2; do
		"$work/nsx" ls --ns -o json >"$work/nsx.json" || die "nsx ls --ns failed"
		lsns -J >"$work/lsns.json" || die "lsns -J failed"
		nsx_ns=$(jq '.namespaces | length' "$work/nsx.json")
		lsns_ns=$(jq '.namespaces | length' "$work/lsns.json")
		missing=$(jq -n --slurpfile a "$work/nsx.json" --slurpfile b "$work/lsns.json" '
			(reduce $a[0].namespaces[] as $n ({}; .["\($n.type):\($n.inode)"] = true)) as $have
			| [$b[0].namespaces[] | "\(.type):\(.ns)" | select($have[.] | not)]')
		if ((nsx_ns >= lsns_ns)) && [[ $(jq length <<<"$missing") == 0 ]]; then
			return 0
		fi
	done
	say "nsx lists $nsx_ns namespaces, lsns $lsns_ns; lsns namespaces nsx misses: $(jq -c '.[:20]' <<<"$missing")"
	return 1
}

rows=()
cg_rows=()
marginals=()
verdicts=()
status=0
per_proc_nsx=()
baseline=$(procs_now)
say "baseline: $baseline processes, $(tasks_now) tasks"

for size in $SIZES; do
	spawn_sets "$size" "$SETS"

	check_namespaces || status=1
	seen=$(jq '.scan.processes + .scan.hidden' "$work/nsx.json")
	"$work/nsx" ls -o json >"$work/ls.json" || die "nsx ls failed"
	sandboxes=$(jq '.sandboxes | length' "$work/ls.json")
	# The cgroup columns must have read the sets' own cgroups: each set's
	# sandboxes show its memory and pids limits. A set is two sandboxes
	# (unshare stays in the parent pid namespace), so count cgroups.
	cg_seen=$(jq --arg p "/nsxbench-$$/set" '[.sandboxes[] | select(.cgroup.cgroup // "" | contains($p))
		| select(.cgroup.memoryLimit.value == 536870912 and .cgroup.pidsLimit.value == 10000)
		| .cgroup.cgroup] | unique | length' "$work/ls.json")
	if ((cg_seen != SETS)); then
		say "size $size: nsx ls shows the cgroup limits of $cg_seen of $SETS namespace sets"
		status=1
	fi

	# One untimed round warms the dentry and inode caches of /proc for all.
	tools=(lsns floor nsx ls ls-nocg)
	for tool in "${tools[@]}"; do run_tool "$tool" >/dev/null || die "$tool failed"; done

	declare -A durations=([lsns]="" [floor]="" [nsx]="" [ls]="" [ls-nocg]="")
	for ((r = 0; r < RUNS; r++)); do
		# Rotate the order each round, so no tool always runs right after
		# the same other one.
		for ((k = 0; k < ${#tools[@]}; k++)); do
			tool=${tools[$(( (r + k) % ${#tools[@]} ))]}
			t0=${EPOCHREALTIME/./}
			run_tool "$tool" >/dev/null || die "$tool failed"
			t1=${EPOCHREALTIME/./}
			durations[$tool]+=" $((t1 - t0))"
		done
	done
	# shellcheck disable=SC2086 # word splitting of the time lists is wanted
	{
		m_lsns=$(median ${durations[lsns]})
		m_floor=$(median ${durations[floor]})
		m_nsx=$(median ${durations[nsx]})
		m_ls=$(median ${durations[ls]})
		m_nocg=$(median ${durations[ls-nocg]})
	}
	cg_rows+=("$(awk -v size="$size" -v seen="$seen" -v sets="$SETS" -v cg="$cg_seen" -v a="$m_ls" -v b="$m_nocg" 'BEGIN {
		printf "| %d | %d | %d / %d | %.1f | %.1f | %.2f |", size, seen, cg, sets, a / 1000, b / 1000, a / b
	}')")
	verdicts+=("$(awk -v size="$size" -v a="$m_ls" -v b="$m_nocg" 'BEGIN {
		printf "%s size %d: ls cgroup columns: ratio %.2f (target <= 1.5)", (a / b <= 1.5 ? "met" : "MISSED"), size, a / b
	}')")
	rss_nsx=$(max_rss_kib nsx)
	rss_lsns=$(max_rss_kib lsns)

	row=$(awk -v size="$size" -v spawned="$spawned" -v seen="$seen" -v sets="$SETS" -v sb="$sandboxes" \
		-v nsns="$nsx_ns" -v lsns_ns="$lsns_ns" \
		-v l="$m_lsns" -v f="$m_floor" -v n="$m_nsx" -v rss="$rss_nsx" -v lrss="$rss_lsns" 'BEGIN {
		printf "| %d | %d | %d | %d / %d | %d / %d | %.1f | %.1f | %.1f | %.3f | %.2f | %.1f | %.1f | %.2f | %.2f |",
			size, spawned, seen, sets, sb, nsns, lsns_ns, l / 1000, f / 1000, n / 1000, n / l, n / f,
			rss / 1024, lrss / 1024, n / seen, f / seen
	}')
	rows+=("$row")
	per_proc_nsx+=("$(awk -v n="$m_nsx" -v seen="$seen" 'BEGIN {print n / seen}')")
	# The cost of one more process, between this size and the previous:
	# it excludes fixed and per-namespace-set costs, which the us/proc
	# columns include.
	if [[ -n ${prev:-} ]]; then
		read -r p_seen p_lsns p_floor p_nsx <<<"$prev"
		marginals+=("$(awk -v a="$p_seen" -v b="$seen" -v l0="$p_lsns" -v l1="$m_lsns" -v f0="$p_floor" -v f1="$m_floor" -v n0="$p_nsx" -v n1="$m_nsx" 'BEGIN {
			d = b - a; if (d <= 0) d = 1
			printf "from %d to %d processes, one more costs: lsns %.1f us, floor %.1f us, nsx %.1f us (nsx/floor %.2f)", a, b, (l1 - l0) / d, (f1 - f0) / d, (n1 - n0) / d, (f1 - f0 > 0 ? (n1 - n0) / (f1 - f0) : 0)
		}')")
	fi
	prev="$seen $m_lsns $m_floor $m_nsx"
	while read -r v; do verdicts+=("$v"); done < <(awk -v size="$size" -v l="$m_lsns" -v f="$m_floor" -v n="$m_nsx" -v rss="$rss_nsx" 'BEGIN {
		printf "%s size %d: nsx/lsns %.3f (target <= 0.25)\n", (n / l <= 0.25 ? "met" : "MISSED"), size, n / l
		printf "%s size %d: nsx/floor %.2f (target <= 2)\n", (n / f <= 2 ? "met" : "MISSED"), size, n / f
		printf "%s size %d: nsx max RSS %.1f MiB (target < 64)\n", (rss / 1024 < 64 ? "met" : "MISSED"), size, rss / 1024
	}')
	# A run twice as slow as the fastest of its tool means something else
	# on the host got in the way (other load, a kernel lock held by a
	# namespace teardown): the medians of few runs are then suspect.
	for tool in "${tools[@]}"; do
		# shellcheck disable=SC2086
		spread=$(printf '%s\n' ${durations[$tool]} | sort -n | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%.1f", hi / lo}')
		if awk -v s="$spread" 'BEGIN {exit !(s > 2)}'; then
			verdicts+=("NOISY size $size: $tool's slowest run took ${spread}x its fastest; rerun on a quiet host or with more RUNS")
		fi
	done
	say "size $size: lsns ${durations[lsns]} / floor ${durations[floor]} / nsx ${durations[nsx]} / ls ${durations[ls]} / ls-nocg ${durations[ls-nocg]} (us)"
	unset durations

	stop_sets || status=1
	cg_remove_sets || status=1
done

after=$(procs_now)
say "processes: $baseline before, $after after (other programs on the host may have changed the count; none of this run's is left)"

# Linear growth: the time per process at the largest size may not exceed
# 1.5 x that at the smallest (fixed start-up costs only make it smaller).
if ((${#per_proc_nsx[@]} >= 2)); then
	verdicts+=("$(awk -v a="${per_proc_nsx[0]}" -v b="${per_proc_nsx[-1]}" 'BEGIN {
		printf "%s linear growth: nsx %.2f us/process at the smallest size, %.2f at the largest (target <= 1.5x)", (b <= 1.5 * a ? "met" : "MISSED"), a, b
	}')")
fi

echo
echo "nsx ls --ns -o json vs lsns -J vs floor; medians of $RUNS alternating runs, times in ms; $(nproc) CPUs, $(uname -r)"
echo
echo "| size | spawned | procs seen | sets spawned / sandboxes | namespaces nsx / lsns | lsns ms | floor ms | nsx ms | nsx/lsns | nsx/floor | nsx max RSS MiB | lsns max RSS MiB | nsx us/proc | floor us/proc |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
echo
echo
echo "nsx ls -o json (with the MEM, CPU and PIDS columns) vs nsx ls --no-cgroup -o json; same runs, medians in ms; each namespace set in cgroups of its own (cgroup v$cg_version)"
echo
echo "| size | procs seen | sets whose limits ls shows / sets | ls ms | ls --no-cgroup ms | ratio |"
echo "|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${cg_rows[@]}"
echo
((${#marginals[@]} == 0)) || { printf -- '- %s\n' "${marginals[@]}"; echo; }
printf -- '- %s\n' "${verdicts[@]}"
if ((status == 0)) && printf '%s\n' "${verdicts[@]}" | grep -q '^MISSED'; then
	status=3
fi
exit "$status"
