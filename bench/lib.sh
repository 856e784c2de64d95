# bench/lib.sh: what bench/ls.sh and bench/top.sh share. Source it after
# setting BENCH_NAME (for messages); our_pids and stop_leaders need $work
# (the run's temporary directory, holding its spawn binary) and leaders
# (the PIDs of the run's unshare processes).
# shellcheck shell=bash disable=SC2154 # $work and leaders are the sourcing script's

die() {
	echo "bench/$BENCH_NAME: $*" >&2
	exit 1
}
say() { echo "bench/$BENCH_NAME: $*" >&2; }

need_pkg() { # command package
	command -v "$1" >/dev/null && return
	say "installing $2 (for $1)"
	apt-get install -y -qq "$2" >/dev/null || die "$1 missing and apt-get install $2 failed"
}

# our_pids lists every process still running this run's spawn binary. The
# binary lives in $work, so a match is ours and nobody else's.
our_pids() {
	perl -e 'for my $d (glob "/proc/[0-9]*") { my $l = readlink("$d/exe"); print substr($d, 6), "\n" if defined $l && $l eq $ARGV[0] }' "$work/spawn"
}

# stop_leaders kills the run's unshare processes and everything they
# started, and checks that nothing of the run is left.
stop_leaders() {
	if ((${#leaders[@]} > 0)); then
		# unshare --fork ignores SIGTERM and SIGINT while it waits; SIGKILL
		# it, and --kill-child's PDEATHSIG kills the pid namespace's init,
		# which makes the kernel kill every process in that namespace.
		kill -KILL "${leaders[@]}" 2>/dev/null || true
		wait "${leaders[@]}" 2>/dev/null || true
		leaders=()
	fi
	local left i
	for ((i = 0; i < 300; i++)); do
		mapfile -t left < <(our_pids)
		((${#left[@]} == 0)) && return 0
		# Stragglers (still dying, or a spawn whose unshare died early).
		kill -KILL "${left[@]}" 2>/dev/null || true
		sleep 0.1
	done
	say "WARNING: ${#left[@]} spawned processes survive: ${left[*]:0:20}"
	return 1
}

# rmdir_retry removes empty cgroups; one whose tasks just died can stay busy
# for a moment, so each is retried for up to 5 s.
rmdir_retry() {
	local d i rc=0
	for d in "$@"; do
		[[ -d $d ]] || continue
		for ((i = 0; i < 50; i++)); do
			rmdir "$d" 2>/dev/null && break
			sleep 0.1
		done
		[[ ! -d $d ]] || { say "WARNING: cannot remove cgroup $d: $(rmdir "$d" 2>&1)"; rc=1; }
	done
	return "$rc"
}

median() { # values... -> median
	printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

# install_traps FUNC: FUNC runs on every exit (it removes what the script
# made); an error says where it happened, an interrupt says so.
install_traps() {
	# shellcheck disable=SC2064 # the function's name is fixed now
	trap "$1" EXIT
	trap 'say "failed (status $?) at line $LINENO: $BASH_COMMAND"' ERR
	trap 'say interrupted; exit 130' INT TERM HUP
}

# build_nsx: `make build` (the static binary that ships) and set nsx to it.
build_nsx() {
	say "building nsx with make build"
	make -C "$repo" build >/dev/null || die "make build failed"
	nsx=$repo/bin/nsx
	[[ -x $nsx ]] || die "make build made no $nsx"
}
