#!/usr/bin/env bash
# scripts/docker-image.sh: build the local test image nsx-test-busybox:latest.
#
# The image is Debian's statically linked busybox (package busybox-static) with
# a symlink per applet in /bin, imported from a tar with `docker import`:
# nothing is pulled from a registry, so the Docker tests run offline.
#
# Usage (as root, from anywhere):  scripts/docker-image.sh [IMAGE]
#   IMAGE defaults to nsx-test-busybox:latest (internal/testutil.TestImage).
# It (re)builds the image every time; scripts/test.sh calls it only when the
# image is missing.
set -euo pipefail

image=${1:-nsx-test-busybox:latest}
busybox=/bin/busybox

if [[ ! -x $busybox ]]; then
	echo "docker-image.sh: $busybox missing (apt-get install busybox-static)" >&2
	exit 1
fi
# A dynamically linked busybox (Debian's "busybox" package) would need libc in
# the image; only the static one runs alone.
if ! "$busybox" --list >/dev/null 2>&1 || ldd "$busybox" >/dev/null 2>&1; then
	echo "docker-image.sh: $busybox is not a static busybox (apt-get install busybox-static)" >&2
	exit 1
fi

rootfs=$(mktemp -d "${TMPDIR:-/tmp}/nsx-image.XXXXXX")
trap 'rm -rf "$rootfs"' EXIT

mkdir -p "$rootfs"/{bin,etc,root,tmp,proc,sys,dev}
chmod 1777 "$rootfs/tmp"
cp "$busybox" "$rootfs/bin/busybox"
# Every applet (sh, sleep, ps, ls, cat, hostname, ip, id, top, nsenter, ...),
# so that tests can run whatever busybox offers without naming it here.
while read -r applet; do
	[[ $applet == busybox || -z $applet ]] && continue
	ln -sf busybox "$rootfs/bin/$applet"
done < <("$busybox" --list)
for required in sh sleep ps ls cat hostname ip id top nsenter; do
	if [[ ! -e $rootfs/bin/$required ]]; then
		echo "docker-image.sh: busybox has no '$required' applet" >&2
		exit 1
	fi
done
# id, ps and ls print names rather than bare numbers with these.
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"

tar -C "$rootfs" --numeric-owner --owner=0 --group=0 -cf - . |
	docker import --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/bin' - "$image" >/dev/null
echo "docker-image.sh: built $image ($(docker image inspect -f '{{.Id}}' "$image"))"
