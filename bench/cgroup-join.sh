#!/usr/bin/env bash
# bench/cgroup-join.sh: what joining a cgroup costs, the way nsx enter used
# to and the way it does now (enter/nsexec/nsexec.c, join_cgroups).
#
# A PID written to cgroup.procs makes the kernel take cgroup_threadgroup_rwsem
# for writing, which waits for an RCU grace period; "0" written to a v1
# tasks file moves only the writing thread, which the kernel does without
# that lock (for a single-threaded process, the whole process). The script
# makes one empty cgroup, nsx-bench-join-PID, in every v1 hierarchy and in
# the v2 one, then, $RUNS times each, alternating, after a $PAUSE pause (an
# idle host, where grace periods are longest), starts a fresh bash that joins:
#   v1-procs   its PID into every v1 hierarchy's cgroup.procs (nsx before);
#   v1-tasks   "0" into every v1 hierarchy's tasks (nsx now);
#   v2-procs   its PID into the v2 cgroup.procs (nsx before; nsx now is
#              created there by clone3(CLONE_INTO_CGROUP), which bash cannot
#              do: the row shows what that avoids).
# The time is taken inside the bash (EPOCHREALTIME around the writes), so
# it is the joins alone. It prints a Markdown table of medians (ms).
#
# Usage (as root):  bench/cgroup-join.sh
#   RUNS=100     runs per way
#   PAUSE=0.1    seconds before each run (0 for back-to-back runs)
# Exit status: 0; 1 for an error. The cgroups are removed on exit.
set -Eeuo pipefail
export LC_ALL=C # EPOCHREALTIME must use '.' as decimal separator

RUNS=${RUNS:-100}
PAUSE=${PAUSE:-0.1}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_NAME=cgroup-join.sh
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"

[[ $EUID -eq 0 ]] || die "needs root: it makes cgroups and moves processes into them"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS=$RUNS: want a positive integer"
[[ $PAUSE =~ ^[0-9]*\.?[0-9]+$ ]] || die "PAUSE=$PAUSE: want seconds, e.g. 0.1"

v1=() # the run's cgroup in each v1 hierarchy
v2=() # and in the v2 one, if mounted
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM HUP ERR
	rmdir_retry "${v1[@]}" "${v2[@]}" || rc=1
	exit "$rc"
}
install_traps cleanup

# Mount points by type, from this process's mount table (fields 5 and the
# one after " - "); a hierarchy mounted twice is timed twice, as nsx would
# join it twice.
while read -r fstype mnt; do
	dir=$mnt/nsx-bench-join-$$
	mkdir "$dir"
	if [[ $fstype == cgroup ]]; then v1+=("$dir"); else v2+=("$dir"); fi
done < <(awk '{for (i = 7; i <= NF; i++) if ($i == "-") {if ($(i + 1) == "cgroup" || $(i + 1) == "cgroup2") print $(i + 1), $5; break}}' /proc/self/mountinfo)
((${#v1[@]} + ${#v2[@]})) || die "no cgroup hierarchy is mounted"

# join WAY: a fresh bash joins the cgroups and prints the microseconds the
# writes took.
join() {
	local file value dirs=()
	case $1 in
	v1-procs) file=cgroup.procs value=pid dirs=("${v1[@]}") ;;
	v1-tasks) file=tasks value=0 dirs=("${v1[@]}") ;;
	v2-procs) file=cgroup.procs value=pid dirs=("${v2[@]}") ;;
	esac
	# shellcheck disable=SC2016 # expanded by the inner bash
	bash -c 'file=$1 value=$2; shift 2
		[[ $value == pid ]] && value=$BASHPID
		t0=${EPOCHREALTIME/./}
		for d; do echo "$value" >"$d/$file"; done
		t1=${EPOCHREALTIME/./}
		echo $((t1 - t0))' _ "$file" "$value" "${dirs[@]}"
}

ways=()
((${#v1[@]})) && ways+=(v1-procs v1-tasks)
((${#v2[@]})) && ways+=(v2-procs)
say "${#v1[@]} v1 hierarchies, ${#v2[@]} v2; $RUNS runs per way, ${PAUSE}s apart"
declare -A took=()
for ((r = 0; r < RUNS; r++)); do
	for ((k = 0; k < ${#ways[@]}; k++)); do
		way=${ways[$(((r + k) % ${#ways[@]}))]}
		sleep "$PAUSE"
		took[$way]+=" $(join "$way")"
	done
done

echo
echo "joining empty cgroups from a fresh bash: medians of $RUNS runs each, ${PAUSE}s apart, in ms; $(nproc) CPUs, $(uname -r)"
echo
echo "| way | cgroups | median | p90 |"
echo "|---|---:|---:|---:|"
for way in "${ways[@]}"; do
	n=${#v1[@]}
	[[ $way == v2-* ]] && n=${#v2[@]}
	# shellcheck disable=SC2086 # word splitting of the time list is wanted
	printf '| %s | %d | %s | %s |\n' "$way" "$n" \
		"$(awk -v us="$(median ${took[$way]})" 'BEGIN {printf "%.2f", us / 1000}')" \
		"$(printf '%s\n' ${took[$way]} | sort -n | awk '{v[NR] = $1} END {printf "%.2f", v[int(NR * 0.9)] / 1000}')"
done
exit 0
