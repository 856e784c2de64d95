#!/usr/bin/env bash
# scripts/test.sh: every test tier of nsx, in one command (`make test`).
#
# On a fresh Debian 12 machine, as root, it first provides what the tiers need:
#   - the Debian packages docker.io, busybox-static, iproute2, util-linux,
#     procps and tmux (apt-get, only those missing);
#   - Go (/usr/local/go/bin is put on PATH when `go` is not found);
#   - a running dockerd (started in the background when `docker info` fails;
#     one already running is left alone, and one started here is left running);
#   - the local image nsx-test-busybox:latest (scripts/docker-image.sh; nothing
#     is pulled);
#   - containerd (started before dockerd), podman, a rootless test user and
#     the image in podman and containerd (scripts/runtimes-setup.sh).
# Then it runs, stopping at the first failure:
#   1. go vet ./...
#   2. go test -p 1 -count=1 ./...   (parsers, fixture hosts, live kernel, Docker)
#   3. the cgroup v2 VM tier: a cgroup_no_v1 kernel under QEMU (vmtest/);
#   4. a short fuzz pass: every Fuzz target, $FUZZTIME each (default 5s).
#
# CI=true (set by .ci/run) turns a skipped root/Docker test into a failure.
# Without root the setup is skipped and the gated tests skip themselves.
#
# Usage (from anywhere):  scripts/test.sh [fuzz]
#   fuzz         only the fuzz pass (`make fuzz`, with a longer FUZZTIME)
#   FUZZTIME=5s  how long each Fuzz target runs
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

FUZZTIME=${FUZZTIME:-5s}
logdir=${TMPDIR:-/tmp}

header() { printf '\n==== %s ====\n' "$*"; }

# elapsed prints the seconds since the tier began; tiers report it so that a
# slow one stands out in a CI log.
elapsed() { echo "$((SECONDS - tier_start))s"; }

ensure_packages() {
	local missing=() pkg
	for pkg in docker.io busybox-static iproute2 util-linux procps tmux; do
		# dpkg-query, not `dpkg -s | grep -q`: under pipefail grep's early exit
		# kills dpkg with SIGPIPE and an installed package looks missing.
		if [[ $(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) != "install ok installed" ]]; then
			missing+=("$pkg")
		fi
	done
	if ((${#missing[@]} == 0)); then
		echo "packages: all present"
		return
	fi
	echo "packages: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# docker.io's recommended packages (cgroupfs-mount, git, ...) are not needed
	# to run containers from a local image.
	apt-get install -y -q --no-install-recommends "${missing[@]}"
}

ensure_go() {
	if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
		export PATH=$PATH:/usr/local/go/bin
	fi
	if ! command -v go >/dev/null 2>&1; then
		echo "test.sh: go not found (expected on PATH or at /usr/local/go/bin)" >&2
		exit 1
	fi
	echo "go: $(go version)"
}

ensure_dockerd() {
	if docker info >/dev/null 2>&1; then
		echo "dockerd: already running"
		return
	fi
	local log="$logdir/nsx-test-dockerd.log"
	echo "dockerd: starting in the background, log in $log"
	# setsid: the daemon must not die with this script's process group (an
	# interrupted `make test` would otherwise take Docker down with it).
	setsid dockerd >"$log" 2>&1 </dev/null &
	local pid=$! i
	for ((i = 0; i < 60; i++)); do
		if docker info >/dev/null 2>&1; then
			echo "dockerd: ready after ${i}s (pid $pid, left running; log in $log)"
			return
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "test.sh: dockerd exited; the end of $log:" >&2
			tail -n 20 "$log" >&2
			exit 1
		fi
		sleep 1
	done
	echo "test.sh: dockerd not ready after 60s; the end of $log:" >&2
	tail -n 20 "$log" >&2
	exit 1
}

ensure_image() {
	local image=nsx-test-busybox:latest
	if docker image inspect "$image" >/dev/null 2>&1; then
		echo "image: $image present"
		return
	fi
	bash scripts/docker-image.sh "$image"
}

# fuzz_pass runs each package's Fuzz targets one by one (go test -fuzz takes
# one target and one package at a time).
# fuzz_one runs one fuzz target for $FUZZTIME. Go's fuzzer sometimes fails
# a run with nothing but "context deadline exceeded" when the time is up
# while a worker is busy (a loaded machine); that is no finding, and the
# target runs once more. A real failure writes its input and fails at once.
fuzz_one() {
	local out
	if out=$(go test "$1" -run '^$' -fuzz "^${2}\$" -fuzztime "$FUZZTIME" 2>&1); then
		printf '%s\n' "$out"
		return
	fi
	printf '%s\n' "$out"
	if grep -q 'context deadline exceeded' <<<"$out" && ! grep -q 'Failing input written' <<<"$out"; then
		echo "-- $1 $2: the fuzzer's own timeout, not a finding; running it again"
		go test "$1" -run '^$' -fuzz "^${2}\$" -fuzztime "$FUZZTIME"
		return
	fi
	return 1
}

fuzz_pass() {
	local listing line pkg names=() name count=0
	listing=$(go test -list '^Fuzz' ./...)
	# -list prints a package's matching names, then "ok  <pkg> <time>".
	while IFS= read -r line; do
		case $line in
		Fuzz*)
			names+=("$line")
			;;
		ok*)
			pkg=$(awk '{print $2}' <<<"$line")
			for name in "${names[@]}"; do
				echo "-- $pkg $name ($FUZZTIME)"
				fuzz_one "$pkg" "$name"
				count=$((count + 1))
			done
			names=()
			;;
		esac
	done <<<"$listing"
	if ((count == 0)); then
		echo "test.sh: no fuzz targets found" >&2
		exit 1
	fi
	echo "fuzz: $count targets"
}

total_start=$SECONDS

if [[ ${1:-} == fuzz ]]; then
	ensure_go
	tier_start=$SECONDS
	header "fuzz ($FUZZTIME per target)"
	fuzz_pass
	echo "fuzz: $(elapsed)"
	exit 0
elif [[ $# -gt 0 ]]; then
	echo "usage: scripts/test.sh [fuzz]" >&2
	exit 2
fi

tier_start=$SECONDS
header "setup"
ensure_go
if [[ $(id -u) -eq 0 ]]; then
	ensure_packages
	# containerd first, so that dockerd uses it (namespace moby) as it does
	# under systemd; then podman, the rootless test user and the image in
	# every runtime (scripts/runtimes-setup.sh).
	bash scripts/runtimes-setup.sh containerd
	ensure_dockerd
	ensure_image
	bash scripts/runtimes-setup.sh
else
	echo "not root: skipping package, dockerd and image setup (root-gated tests will skip, or fail under CI=true)"
fi
echo "setup: $(elapsed)"

tier_start=$SECONDS
header "go vet ./..."
go vet ./...
echo "vet: $(elapsed)"

tier_start=$SECONDS
# -p 1: the lsns cross-check and the churn test compare whole-host scans, which
# other packages' tests running at the same time would disturb.
header "go test -p 1 -count=1 ./... (CI=${CI:-})"
go test -p 1 -count=1 ./...
echo "test: $(elapsed)"

# ==== cgroup v2 VM ====
# A real cgroup-v2-only kernel under QEMU (TCG), with nsx checked against the
# kernel's files there (vmtest/, scripts/vm-test.sh): this machine is hybrid,
# most production hosts are v2 only. Under CI=true a missing qemu or kernel
# fails the tier. The guest's logs stay in $logdir/nsx-vmtest.
tier_start=$SECONDS
header "cgroup v2 VM (CI=${CI:-})"
NSX_VM_TEST=1 NSX_VM_LOGDIR="$logdir/nsx-vmtest" \
	timeout --kill-after=10 300 go test -count=1 -timeout 290s -v ./vmtest
echo "vm: $(elapsed)"

tier_start=$SECONDS
header "fuzz ($FUZZTIME per target)"
fuzz_pass
echo "fuzz: $(elapsed)"

echo
echo "all tiers passed in $((SECONDS - total_start))s"
