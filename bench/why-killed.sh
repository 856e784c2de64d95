#!/usr/bin/env bash
# bench/why-killed.sh: does `nsx why-killed --all` read a big kernel log in
# under a second?
#
# It builds nsx with `make build` (the static binary that ships) and
# bench/genkernlog, writes a synthetic kern.log of $SIZE with $EVENTS OOM
# reports (Docker containers on cgroup v1, Kubernetes pods on cgroup v2, and
# every 50th a host-wide OOM with a task table of hundreds of processes,
# among ordinary kernel lines; see killlog.WriteSynthKernLog) into a
# temporary host root, and times, $RUNS times (wall clock, one process
# start each, as a user runs it):
#   nsx --host-root ROOT why-killed --all -o json
# The host root holds that log as var/log/kern.log and a proc/ with one
# empty process directory (nsx wants a proc/ that lists a process): no
# /dev/kmsg, journal, containers or cgroups, so every kill comes from the
# file. Before timing, it checks that the JSON lists exactly $EVENTS kills,
# all read from var/log/kern.log.
# It prints a Markdown table (median, fastest and slowest run in ms, and
# nsx's peak RSS when /usr/bin/time is installed) and whether the target
# (median < 1000 ms) is met ("met" or "MISSED").
#
# Usage (from anywhere; root is not needed):  bench/why-killed.sh
#   RUNS=11        timed runs
#   SIZE=64MiB     size of the log (bytes, KiB, MiB or GiB)
#   EVENTS=1000    OOM reports in it
#   SEED=1         genkernlog's seed (the same seed writes the same file)
# Exit status: 0 target met, 3 target missed, 1 an error (a build or run
# that fails, a kill count that is wrong).
#
# Everything it writes lives in one temporary directory, removed on exit,
# error or Ctrl-C.
set -Eeuo pipefail
export LC_ALL=C # EPOCHREALTIME must use '.' as decimal separator

RUNS=${RUNS:-11}
SIZE=${SIZE:-64MiB}
EVENTS=${EVENTS:-1000}
SEED=${SEED:-1}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

BENCH_NAME=why-killed.sh
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"

[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS=$RUNS: want a positive integer"
[[ $EVENTS =~ ^[1-9][0-9]*$ ]] || die "EVENTS=$EVENTS: want a positive integer"
[[ $SEED =~ ^[0-9]+$ ]] || die "SEED=$SEED: want a non-negative integer"
[[ $SIZE =~ ^[1-9][0-9]*(KiB|MiB|GiB)?$ ]] || die "SIZE=$SIZE: want bytes, or a number with KiB, MiB or GiB"
export PATH=$PATH:/usr/local/go/bin
command -v go >/dev/null || die "go not found: needed to build nsx and genkernlog"
need_pkg python3 python3

work=$(mktemp -d /tmp/nsx-bench-why-killed.XXXXXX)

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM HUP ERR
	rm -rf "$work"
	exit "$rc"
}
install_traps cleanup

# --- build -------------------------------------------------------------------

build_nsx
"$nsx" why-killed --help >/dev/null 2>&1 || die "$nsx has no why-killed command"
(cd "$repo" && go build -o "$work/genkernlog" ./bench/genkernlog) || die "building bench/genkernlog failed"

# --- the host root -------------------------------------------------------------

root=$work/root
log=$root/var/log/kern.log
mkdir -p "$root/var/log" "$root/proc/1"
t0=${EPOCHREALTIME/./}
"$work/genkernlog" -o "$log" -size "$SIZE" -events "$EVENTS" -seed "$SEED" 2>"$work/gen.out" ||
	die "genkernlog failed: $(cat "$work/gen.out")"
t1=${EPOCHREALTIME/./}
bytes=$(stat -c %s "$log")
lines=$(wc -l <"$log")
say "wrote $log: $bytes bytes, $lines lines, $EVENTS OOM reports in $(((t1 - t0) / 1000)) ms"

run_nsx() { "$nsx" --host-root "$root" why-killed --all -o json; }

# --- checking ------------------------------------------------------------------

# Exit status 4 means "kills listed": what --all must say here.
rc=0
run_nsx >"$work/out.json" 2>"$work/err" || rc=$?
((rc == 4)) || die "nsx why-killed --all exited $rc, want 4 (kills listed): $(head -c 500 "$work/err")"
# Prints "KILLS SOURCES": the number of kill entries and the names of the
# sources nsx read (it must name the file).
python3 - "$work/out.json" >"$work/summary" <<'EOF' || die "reading nsx's JSON failed (see $work/out.json)"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc.get("view") == "kills", "view is %r, want 'kills'" % doc.get("view")
names = [str(s.get("name", "")) for s in doc.get("sources") or []]
print(len(doc.get("kills") or []), ",".join(names) or "-")
EOF
read -r kills sources <"$work/summary"
((kills == EVENTS)) || die "nsx lists $kills kills, the log holds $EVENTS"
[[ $sources == *kern.log* ]] || die "nsx's sources ($sources) do not name var/log/kern.log"
warnings=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1])).get("warnings") or []))' "$work/out.json")
say "nsx lists $kills kills (sources: $sources; $warnings warnings)"

# --- measuring -----------------------------------------------------------------

# The untimed run above warmed the page cache.
durations=()
for ((r = 0; r < RUNS; r++)); do
	t0=${EPOCHREALTIME/./}
	rc=0
	run_nsx >/dev/null 2>&1 || rc=$?
	t1=${EPOCHREALTIME/./}
	((rc == 4)) || die "run $r: nsx why-killed --all exited $rc"
	durations+=($((t1 - t0)))
done
med=$(median "${durations[@]}")
lo=$(printf '%s\n' "${durations[@]}" | sort -n | head -n1)
hi=$(printf '%s\n' "${durations[@]}" | sort -n | tail -n1)
rss="-"
if [[ -x /usr/bin/time ]]; then
	/usr/bin/time -f %M -o "$work/rss" "$nsx" --host-root "$root" why-killed --all -o json >/dev/null 2>&1 || true
	rss=$(awk 'END {printf "%.1f", $1 / 1024}' "$work/rss")
fi

ms() { awk -v us="$1" 'BEGIN {printf "%.1f", us / 1000}'; }
echo
echo "nsx --host-root ROOT why-killed --all -o json, ROOT/var/log/kern.log written by bench/genkernlog (seed $SEED);"
echo "wall clock of $RUNS runs after one warm-up, in ms; $(nproc) CPUs, $(uname -r), $("$nsx" version 2>/dev/null | head -n1)"
echo
echo "| log size | lines | OOM reports | kills listed | median ms | fastest ms | slowest ms | max RSS MiB |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
echo "| $(awk -v b="$bytes" 'BEGIN {printf "%.1f MiB", b / 1048576}') | $lines | $EVENTS | $kills | $(ms "$med") | $(ms "$lo") | $(ms "$hi") | $rss |"
echo
verdict=$(awk -v m="$med" 'BEGIN {print (m < 1000000 ? "met" : "MISSED")}')
echo "- target < 1000 ms: $verdict (median $(ms "$med") ms)"
[[ $verdict == met ]] || exit 3
exit 0
