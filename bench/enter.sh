#!/usr/bin/env bash
# bench/enter.sh: is `nsx enter PID -- true` within 1.5x of `nsenter -a`?
#
# It starts a target — a busybox Docker container (image
# nsx-test-busybox:latest, built by scripts/docker-image.sh if missing), or,
# without Docker, an `unshare --fork --pid --mount-proc --uts --ipc --net
# --mount sleep` — builds nsx with `make build` (the static binary that
# ships), checks that both tools enter it (same hostname, exit 0), then
# times, alternating in one run, $RUNS times each (wall clock, one process
# start each, as a user or a script runs them):
#   nsx        `nsx enter PID -- true`, the measured command;
#   nsenter    `nsenter -a -t PID true` (util-linux), the peer;
# and, to show where the time goes:
#   nsx-go     `nsx enter --all PID -- true`: the same plan (--all is the
#              default) made by Go — an option is not the fast path's form,
#              so Go starts, plans, and executes a copy of nsx to enter;
#   version    `nsx version`: starting nsx's Go runtime and CLI, nothing
#              more, the least any `nsx` command that runs Go costs;
#   true       `/bin/true`: starting one process from this shell.
# `nsx enter PID -- CMD` is the fast path (enter/nsexec/fastpath.c): the
# constructor of the nsx started plans and enters, Go never starts.
# It prints a Markdown table of medians (ms), the ratio nsx/nsenter and
# whether the target (<= 1.5) is met ("met" or "MISSED").
#
# Usage (as root, from anywhere):  bench/enter.sh
#   RUNS=200      timed runs per command
#   PAUSE=0.1     sleep this long (seconds) before each timed run, as on an
#                 idle host where a command comes now and then (the kernel's
#                 RCU grace periods, which some cgroup moves wait for, are
#                 longest there); default none
#   NO_DOCKER=1   use the unshare'd sleep even if Docker is running
# Exit status: 0, whether the target is met or not (the verdict line says);
# 1 for an error (a tool that fails, a target that cannot be started).
#
# The target is removed on exit, error or Ctrl-C (the container by name, the
# unshare by PID; setpriv --pdeathsig kills it should the script be
# SIGKILLed).
set -Eeuo pipefail
export LC_ALL=C # EPOCHREALTIME must use '.' as decimal separator

RUNS=${RUNS:-200}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

BENCH_NAME=enter.sh
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"

[[ $EUID -eq 0 ]] || die "needs root: nsx enter and nsenter -a enter another process's namespaces"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS=$RUNS: want a positive integer"
PAUSE=${PAUSE:-}
[[ -z $PAUSE || $PAUSE =~ ^[0-9]*\.?[0-9]+$ ]] || die "PAUSE=$PAUSE: want seconds, e.g. 0.1"

need_pkg nsenter util-linux
need_pkg unshare util-linux
need_pkg setpriv util-linux
command -v go >/dev/null || [[ -x /usr/local/go/bin/go ]] || die "go not found: needed to build nsx"

work=$(mktemp -d /tmp/nsx-bench-enter.XXXXXX)
container=""   # the Docker container's name, when Docker is used
leader=""      # the unshare's PID otherwise
image="nsx-test-busybox:latest"

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM HUP ERR
	if [[ -n $container ]]; then
		docker rm -f "$container" >/dev/null 2>&1 || { say "WARNING: cannot remove container $container"; rc=1; }
	fi
	if [[ -n $leader ]]; then
		# unshare --fork --kill-child: SIGKILL it and its sleep dies too.
		kill -KILL "$leader" 2>/dev/null
		wait "$leader" 2>/dev/null || true
	fi
	rm -rf "$work"
	exit "$rc"
}
install_traps cleanup

# --- build -------------------------------------------------------------------

build_nsx

# --- the target --------------------------------------------------------------

docker_ok() {
	[[ -z ${NO_DOCKER:-} ]] && command -v docker >/dev/null &&
		docker info --format '{{.ServerVersion}}' >/dev/null 2>&1 || return 1
	docker image inspect "$image" >/dev/null 2>&1 && return 0
	say "building $image (scripts/docker-image.sh)"
	bash "$repo/scripts/docker-image.sh" "$image" >/dev/null 2>&1
}

if docker_ok; then
	container=nsx-bench-enter-$$
	docker run -d --name "$container" --network none "$image" sleep 3600 >/dev/null ||
		die "docker run failed"
	pid=$(docker inspect -f '{{.State.Pid}}' "$container")
	target="a busybox Docker container (docker run --network none; $(docker version -f 'Docker {{.Server.Version}}'))"
else
	say "Docker unavailable (or NO_DOCKER set): the target is an unshare'd sleep"
	setpriv --pdeathsig KILL unshare --fork --kill-child --pid --mount-proc --uts --ipc --net --mount \
		sh -c 'hostname nsx-bench-enter; exec sleep 3600' &
	leader=$!
	pid=""
	for ((i = 0; i < 100; i++)); do
		child=$(cat "/proc/$leader/task/$leader/children" 2>/dev/null || true)
		if [[ -n $child && $(cat "/proc/${child%% *}/comm" 2>/dev/null) == sleep ]]; then
			pid=${child%% *}
			break
		fi
		sleep 0.05
	done
	[[ -n $pid ]] || die "the unshare'd sleep did not start"
	target="an unshare --fork --pid --mount-proc --uts --ipc --net --mount sleep"
fi
[[ $pid =~ ^[1-9][0-9]*$ ]] || die "no target PID ($pid)"
say "target: PID $pid, $target"

# --- checking ----------------------------------------------------------------

# Both tools must really enter: the hostname inside is the target's, not
# the host's.
want=$(cat "/proc/$pid/root/etc/hostname" 2>/dev/null || true)
[[ -n $container ]] || want="nsx-bench-enter"
got_nsx=$("$nsx" enter "$pid" -- hostname) || die "nsx enter $pid -- hostname failed"
got_nsenter=$(nsenter -a -t "$pid" hostname) || die "nsenter -a -t $pid hostname failed"
[[ $got_nsx == "$want" && $got_nsenter == "$want" ]] ||
	die "hostname inside: nsx says $got_nsx, nsenter $got_nsenter, want $want"
[[ $(hostname) != "$want" ]] || die "the host's hostname is the target's ($want): the check proves nothing"

# --- measuring ---------------------------------------------------------------

run_tool() {
	case $1 in
	nsx) "$nsx" enter "$pid" -- true ;;
	nsenter) nsenter -a -t "$pid" true ;;
	nsx-go) "$nsx" enter --all "$pid" -- true ;;
	version) "$nsx" version >/dev/null ;;
	true) /bin/true ;;
	esac
}

tools=(nsx nsenter nsx-go version true)
# One untimed round warms the page cache and /proc's dentries for all.
for tool in "${tools[@]}"; do run_tool "$tool" || die "$tool failed"; done

declare -A durations=()
for ((r = 0; r < RUNS; r++)); do
	# Rotate the order each round, so no tool always runs right after the
	# same other one.
	for ((k = 0; k < ${#tools[@]}; k++)); do
		tool=${tools[$(((r + k) % ${#tools[@]}))]}
		[[ -z $PAUSE ]] || sleep "$PAUSE"
		t0=${EPOCHREALTIME/./}
		run_tool "$tool" || die "$tool failed (run $r)"
		t1=${EPOCHREALTIME/./}
		durations[$tool]+=" $((t1 - t0))"
	done
done

declare -A med=()
for tool in "${tools[@]}"; do
	# shellcheck disable=SC2086 # word splitting of the time lists is wanted
	med[$tool]=$(median ${durations[$tool]})
done
ms() { awk -v us="$1" 'BEGIN {printf "%.2f", us / 1000}'; }
# spread TOOL: its 10th and 90th percentiles in ms, "p10-p90".
spread() {
	# shellcheck disable=SC2086 # word splitting of the time list is wanted
	printf '%s\n' ${durations[$1]} | sort -n | awk '{v[NR] = $1} END {
		lo = v[int(NR * 0.1) + 1]; hi = v[int(NR * 0.9)]; if (hi == "") hi = v[NR]
		printf "%.2f-%.2f", lo / 1000, hi / 1000
	}'
}
cgroups=$(awk '{for (i = 7; i <= NF; i++) if ($i == "-") {if ($(i + 1) == "cgroup") v1++; else if ($(i + 1) == "cgroup2") v2++; break}}
	END {if (v1 && v2) print "hybrid"; else if (v1) print "v1"; else print "v2"}' /proc/self/mountinfo)
ratio=$(awk -v a="${med[nsx]}" -v b="${med[nsenter]}" 'BEGIN {printf "%.2f", a / b}')

echo
echo "nsx enter PID -- true vs nsenter -a -t PID true; target: $target;"
echo "medians of $RUNS alternating runs${PAUSE:+, each after a ${PAUSE}s pause}, wall clock in ms (10th-90th percentile below); $(nproc) CPUs, $(uname -r), cgroups $cgroups"
echo
echo "| | nsx enter | nsenter -a | nsx/nsenter | nsx enter --all (Go) | nsx version | /bin/true |"
echo "|---|---:|---:|---:|---:|---:|---:|"
echo "| median | $(ms "${med[nsx]}") | $(ms "${med[nsenter]}") | $ratio | $(ms "${med[nsx-go]}") | $(ms "${med[version]}") | $(ms "${med[true]}") |"
echo "| p10-p90 | $(spread nsx) | $(spread nsenter) | | $(spread nsx-go) | $(spread version) | $(spread true) |"
echo
verdict=$(awk -v r="$ratio" 'BEGIN {print (r <= 1.5 ? "met" : "MISSED")}')
echo "- $verdict: nsx/nsenter $ratio (target <= 1.5)"
awk -v nsx="${med[nsx]}" -v go="${med[nsx-go]}" -v n="${med[nsenter]}" 'BEGIN {
	printf "- through Go (an option given) nsx enter takes %.2f ms, %.2fx nsenter\n", go / 1000, go / n
}'
exit 0
