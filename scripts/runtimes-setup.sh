#!/usr/bin/env bash
# scripts/runtimes-setup.sh: what the live podman and containerd tests
# (cmd/runtimes_live_test.go) need, on a Debian 12 machine, as root.
#
# Idempotent, and quick when everything is in place already; one line per
# step. It provides:
#   - the Debian packages podman, uidmap, containerd and runc (apt-get, only
#     those missing, without recommends: crun, slirp4netns and fuse-overlayfs
#     are not needed, and crun fails on hybrid cgroup hosts, so the tests
#     pass --runtime runc);
#   - the test user nsxpod (uid 1001 when free) for rootless podman, with
#     subordinate uid and gid ranges, its runtime directory /run/user/UID and
#     a storage.conf choosing the overlay driver (rootless podman would pick
#     vfs without one);
#   - a running containerd at /run/containerd/containerd.sock (a standalone
#     one is started in the background when `ctr version` fails, and left
#     running; log in ${TMPDIR:-/tmp}/nsx-test-containerd.log);
#   - the image nsx-test-busybox:latest in rootful podman, in nsxpod's
#     podman and in containerd's namespace k8s.io, copied from Docker's
#     (docker save; scripts/docker-image.sh builds it), when missing there.
#
# Usage (as root, from anywhere):
#   scripts/runtimes-setup.sh              everything (dockerd must be up and
#                                          have the image)
#   scripts/runtimes-setup.sh containerd   only start containerd; call it
#                                          before dockerd starts, so that
#                                          dockerd uses this containerd as it
#                                          does under systemd
set -euo pipefail

image=nsx-test-busybox:latest
ctr_image=docker.io/library/$image # how containerd names a docker-saved image
ctr_ns=k8s.io
user=nsxpod
want_uid=1001
sub_count=65536
logdir=${TMPDIR:-/tmp}
subids_added=false

say() { printf 'runtimes-setup: %s\n' "$*"; }
die() {
	printf 'runtimes-setup: %s\n' "$*" >&2
	exit 1
}

# quietly runs a command, showing its output only when it fails.
quietly() {
	local out
	if ! out=$("$@" 2>&1); then
		printf '%s\n' "$out" >&2
		die "failed: $*"
	fi
}

ensure_packages() {
	local missing=() pkg
	for pkg in podman uidmap containerd runc; do
		# Not `dpkg -s | grep -q`: grep quitting early makes dpkg die of
		# SIGPIPE, and pipefail then calls an installed package missing.
		if [[ $(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) != "install ok installed" ]]; then
			missing+=("$pkg")
		fi
	done
	if ((${#missing[@]} == 0)); then
		say "packages: podman uidmap containerd runc present"
		return
	fi
	say "packages: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	quietly apt-get update -q
	quietly apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# containerd_ready says whether a containerd answers on the default socket.
# A socket file alone proves nothing: a dead daemon leaves it behind.
containerd_ready() { timeout 10 ctr version >/dev/null 2>&1; }

ensure_containerd() {
	if containerd_ready; then
		say "containerd: running"
		return
	fi
	command -v containerd >/dev/null || die "containerd is not installed (apt-get install containerd)"
	local log=$logdir/nsx-test-containerd.log pid i
	# setsid: the daemon must outlive this script and its process group.
	setsid containerd >"$log" 2>&1 </dev/null &
	pid=$!
	for ((i = 0; i < 200; i++)); do # 10 s; it is ready in about 0.1 s
		if containerd_ready; then
			say "containerd: started (pid $pid, left running; log in $log)"
			return
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			tail -n 20 "$log" >&2
			die "containerd exited; its log is $log"
		fi
		sleep 0.05
	done
	tail -n 20 "$log" >&2
	die "containerd not ready after 10s; its log is $log"
}

# next_subid prints the first id after every range in a subordinate id file
# (and at least 100000), where a new range overlaps none.
next_subid() {
	awk -F: 'BEGIN { next_id = 100000 }
		NF == 3 && $2 ~ /^[0-9]+$/ && $3 ~ /^[0-9]+$/ && $2 + $3 > next_id { next_id = $2 + $3 }
		END { print next_id }' "$1" 2>/dev/null || echo 100000
}

ensure_user() {
	if id -u "$user" >/dev/null 2>&1; then
		say "user: $user exists (uid $(id -u "$user"))"
	else
		local uid_flag=()
		if ! getent passwd "$want_uid" >/dev/null; then
			uid_flag=(-u "$want_uid")
		fi
		quietly useradd -m -s /bin/bash "${uid_flag[@]}" "$user"
		say "user: created $user (uid $(id -u "$user"))"
	fi
	uid=$(id -u "$user")
	gid=$(id -g "$user")
	home=$(getent passwd "$user" | cut -d: -f6)
	[[ -d $home ]] || die "$user's home $home does not exist"

	# Rootless podman maps the container's uids 1..65536 to this range with
	# newuidmap (package uidmap). Debian's useradd usually adds one itself.
	local f start added=()
	for f in /etc/subuid /etc/subgid; do
		if [[ -f $f ]] && grep -qE "^($user|$uid):" "$f"; then
			continue
		fi
		start=$(next_subid "$f")
		echo "$user:$start:$sub_count" >>"$f"
		added+=("$user:$start:$sub_count to $f")
	done
	if ((${#added[@]} == 0)); then
		say "subids: $user has ranges in /etc/subuid and /etc/subgid"
	else
		subids_added=true
		say "subids: added ${added[*]}"
	fi

	# What pam_systemd would make at login: podman keeps its run root, the
	# rootless pause process's pid file and runc's state there.
	local rundir=/run/user/$uid
	if [[ -d $rundir && $(stat -c %u:%a "$rundir") == "$uid:700" ]]; then
		say "runtime dir: $rundir present"
	else
		install -d -m 0755 /run/user
		install -d -m 0700 -o "$uid" -g "$gid" "$rundir"
		chown "$uid:$gid" "$rundir"
		chmod 0700 "$rundir"
		say "runtime dir: made $rundir (0700, $user)"
	fi
}

# as_user runs a command as the test user, with the environment a login
# would give (and no TMPDIR of root's), from / (podman complains about a
# working directory it cannot read).
as_user() {
	(cd / && runuser -u "$user" -- env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
		HOME="$home" USER="$user" LOGNAME="$user" XDG_RUNTIME_DIR="/run/user/$uid" "$@")
}

ensure_storage_conf() {
	local dir=$home/.config/containers conf driver
	conf=$dir/storage.conf
	driver=
	if [[ -f $conf ]]; then
		driver=$(sed -n 's/^[[:space:]]*driver[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$conf" | head -n 1)
	fi
	if [[ $driver == overlay ]]; then
		say "storage.conf: $conf says overlay"
	else
		install -d -m 0755 -o "$uid" -g "$gid" "$home/.config" "$dir"
		printf '[storage]\ndriver = "overlay"\n' >"$conf"
		chown "$uid:$gid" "$conf"
		say "storage.conf: wrote $conf (driver overlay; was ${driver:-unset})"
	fi
	# A store first used without storage.conf was made with vfs, and its
	# database keeps it: podman then ignores storage.conf ("User-selected
	# graph driver "overlay" overwritten by graph driver "vfs" from
	# database") or refuses ("database storage graph driver "vfs" does not
	# match our storage graph driver "overlay""). Only then is the store
	# reset: a reset removes every container and image of the user.
	local out ok=true
	out=$(as_user podman info --format '{{.Store.GraphDriverName}}' 2>&1) || ok=false
	if $ok && [[ ${out##*$'\n'} == overlay ]]; then
		if $subids_added; then
			# A store made before takes new ranges only when migrated.
			quietly as_user podman system migrate
			say "rootless podman: $user's store uses overlay; migrated to the new subordinate ids"
		else
			say "rootless podman: $user's store uses overlay"
		fi
		return
	fi
	if ! $ok && [[ $out != *"does not match our storage graph driver"* ]]; then
		printf '%s\n' "$out" >&2
		die "rootless podman does not work for $user"
	fi
	quietly as_user podman system reset -f
	ok=true
	out=$(as_user podman info --format '{{.Store.GraphDriverName}}' 2>&1) || ok=false
	if ! $ok || [[ ${out##*$'\n'} != overlay ]]; then
		printf '%s\n' "$out" >&2
		die "rootless podman does not use overlay for $user even after podman system reset"
	fi
	say "rootless podman: reset $user's store, which used another driver; now overlay"
}

ensure_images() {
	docker image inspect "$image" >/dev/null 2>&1 ||
		die "docker has no image $image (scripts/docker-image.sh builds it; dockerd must run)"

	if podman image exists "$image"; then
		say "image: $image in rootful podman"
	else
		docker save "$image" | quietly podman load -q
		say "image: loaded $image into rootful podman"
	fi

	if as_user podman image exists "$image" >/dev/null 2>&1; then
		say "image: $image in $user's podman"
	else
		# The user cannot read a pipe of root's: load from a file instead.
		local tmp
		tmp=$(mktemp -d /tmp/nsx-runtimes-setup.XXXXXX)
		# shellcheck disable=SC2064 # expand $tmp now
		trap "rm -rf '$tmp'" EXIT
		chmod 0755 "$tmp"
		docker save -o "$tmp/image.tar" "$image"
		chmod 0644 "$tmp/image.tar"
		quietly as_user podman load -q -i "$tmp/image.tar"
		rm -rf "$tmp"
		say "image: loaded $image into $user's podman"
	fi

	if ctr -n "$ctr_ns" images ls -q | grep -qxF "$ctr_image"; then
		say "image: $ctr_image in containerd namespace $ctr_ns"
	else
		docker save "$image" | quietly ctr -n "$ctr_ns" images import -
		say "image: imported $ctr_image into containerd namespace $ctr_ns"
	fi
}

if [[ $(id -u) -ne 0 ]]; then
	die "must run as root"
fi
case ${1:-all} in
containerd)
	ensure_containerd
	;;
all)
	ensure_packages
	ensure_user
	ensure_storage_conf
	ensure_containerd
	ensure_images
	;;
*)
	echo "usage: scripts/runtimes-setup.sh [containerd]" >&2
	exit 2
	;;
esac
