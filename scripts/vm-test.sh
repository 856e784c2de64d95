#!/usr/bin/env bash
# scripts/vm-test.sh: boot a cgroup-v2-only Linux kernel under QEMU (software
# emulation, TCG) with a busybox initramfs that carries a static nsx and
# vmtest/init.sh, and capture what the guest prints.
#
# The development and CI machines run hybrid cgroups (v1 controllers), while
# most production hosts run pure v2; this VM is where nsx meets the latter.
# vmtest/vm_test.go runs this script and checks the output; run it alone to
# look at the guest by hand.
#
# Usage: scripts/vm-test.sh OUTDIR
#   OUTDIR/output.log   the guest's test output (its own serial port, ttyS1),
#                       sections "=== BEGIN name ===" ... "=== END name ==="
#   OUTDIR/console.log  the kernel console (ttyS0)
#
# What it provides first (root only; cached, so reruns take seconds):
#   - qemu-system-x86_64 (Debian's qemu-system-x86, no recommends);
#   - the kernel of the package linux-image-amd64 depends on, downloaded with
#     `apt-get download` and unpacked, never installed (installing drags in
#     dozens of packages); cached under $NSX_VM_CACHE, default
#     ${XDG_CACHE_HOME:-$HOME/.cache}/nsx-vm;
#   - a static nsx (as make build builds it), or the binary named by $NSX_VM_BIN.
#
# Exit status: 0 the guest ran to its end (its verdict is in output.log);
# 3 a prerequisite is missing and cannot be provided here (the caller skips,
# or fails under CI=true); anything else is a failure.
#
# Environment: NSX_VM_TIMEOUT (seconds for the QEMU run, default 150),
# NSX_VM_BIN (use this nsx instead of building one).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ $# -ne 1 ]]; then
	echo "usage: scripts/vm-test.sh OUTDIR" >&2
	exit 2
fi
outdir=$1
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

cache=${NSX_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nsx-vm}
vm_timeout=${NSX_VM_TIMEOUT:-150}

missing() {
	echo "vm-test.sh: missing prerequisite: $*" >&2
	exit 3
}

if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
	export PATH=$PATH:/usr/local/go/bin
fi

ensure_qemu() {
	command -v qemu-system-x86_64 >/dev/null 2>&1 && return
	[[ $(id -u) -eq 0 ]] || missing "qemu-system-x86_64 (apt-get install qemu-system-x86, as root)"
	echo "vm-test.sh: installing qemu-system-x86" >&2
	export DEBIAN_FRONTEND=noninteractive
	# --no-install-recommends: the recommended packages are for graphical
	# and networked guests; this one only needs serial ports.
	if ! apt-get install -y -q --no-install-recommends qemu-system-x86 >&2; then
		apt-get update -q >&2
		apt-get install -y -q --no-install-recommends qemu-system-x86 >&2
	fi
}

# static_busybox prints the path of a statically linked busybox: the guest has
# no shared libraries.
static_busybox() {
	local bb
	for bb in /bin/busybox /usr/bin/busybox; do
		if [[ -x $bb ]] && ! ldd "$bb" >/dev/null 2>&1; then
			echo "$bb"
			return
		fi
	done
	if [[ $(id -u) -eq 0 ]]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends busybox-static >&2
		if ! ldd /bin/busybox >/dev/null 2>&1; then
			echo /bin/busybox
			return
		fi
	fi
	missing "a static busybox (apt-get install busybox-static)"
}

# unpack_vmlinux turns a bzImage into the uncompressed ELF vmlinux: QEMU boots
# that directly through its PVH entry, about 3 s faster a boot under TCG than
# decompressing in the guest. The payload is XZ-compressed in Debian's kernels.
unpack_vmlinux() {
	local vmlinuz=$1 out=$2 offset
	# LC_ALL=C: in a UTF-8 locale grep -P matches characters, not these bytes.
	offset=$(LC_ALL=C grep -abo -m1 -P '\xfd7zXZ\x00' "$vmlinuz" | head -n1 | cut -d: -f1) || return 1
	[[ -n $offset ]] || return 1
	# xz complains about the bytes after the stream; the ELF check below is
	# what decides.
	tail -c +$((offset + 1)) "$vmlinuz" | xz -dc >"$out.tmp.$$" 2>/dev/null || true
	if [[ $(head -c 4 "$out.tmp.$$" | od -An -tx1 | tr -d ' \n') != 7f454c46 ]]; then
		rm -f "$out.tmp.$$"
		return 1
	fi
	mv "$out.tmp.$$" "$out"
}

# kernel_package prints the versioned kernel package that the meta-package
# linux-image-amd64 depends on (linux-image-6.1.0-NN-amd64).
kernel_package() {
	apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/{print $2; exit}' || true
}

# ensure_kernel prints the path of a bootable kernel, from the cache when the
# current linux-image-amd64 target was fetched before. The cache keeps the
# bzImage (vmlinuz) and, when it unpacks, the ELF (vmlinux) beside it.
ensure_kernel() {
	local pkg dir tmp
	pkg=$(kernel_package)
	if [[ -z $pkg && $(id -u) -eq 0 && ! -d $cache ]]; then
		# A fresh machine may have no package lists yet.
		apt-get update -q >&2 || true
		pkg=$(kernel_package)
	fi
	if [[ -z $pkg ]]; then
		# No package lists (offline laptop): any kernel fetched before will do.
		for dir in "$cache"/linux-image-*; do
			[[ -f $dir/vmlinuz ]] && { pick_kernel "$dir"; return; }
		done
		missing "a kernel: linux-image-amd64 is not in the apt package lists (apt-get update) and $cache has none"
	fi
	dir=$cache/$pkg
	if [[ ! -f $dir/vmlinuz ]]; then
		mkdir -p "$dir"
		tmp=$(mktemp -d)
		# apt-get download writes as the user _apt where it can; otherwise it
		# warns and downloads as root.
		chown _apt "$tmp" 2>/dev/null || true
		echo "vm-test.sh: fetching $pkg (downloaded and unpacked, not installed)" >&2
		(cd "$tmp" && apt-get download "$pkg" >&2) || { rm -rf "$tmp"; missing "the kernel package $pkg (apt-get download failed)"; }
		dpkg-deb --fsys-tarfile "$tmp"/*.deb | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*'
		mv "$(ls "$tmp"/boot/vmlinuz-* | head -n1)" "$dir/vmlinuz"
		rm -rf "$tmp"
	fi
	pick_kernel "$dir"
}

# pick_kernel prints the ELF kernel in DIR, unpacking it first if need be, or
# else the bzImage.
pick_kernel() {
	local dir=$1
	if [[ -f $dir/vmlinux ]] || unpack_vmlinux "$dir/vmlinuz" "$dir/vmlinux"; then
		echo "$dir/vmlinux"
		return
	fi
	echo "vm-test.sh: could not unpack the ELF kernel; booting the bzImage (slower)" >&2
	echo "$dir/vmlinuz"
}

start=$SECONDS
ensure_qemu
busybox=$(static_busybox)
kernel=$(ensure_kernel)
echo "vm-test.sh: kernel $kernel" >&2

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,dev,proc,sys,tmp}
cp "$busybox" "$root/bin/busybox"
# util-linux's unshare (busybox's cannot make a cgroup namespace), with the C
# library it is linked to, at the paths its loader expects.
cp /usr/bin/unshare "$root/bin/ul-unshare"
for lib in $(ldd /usr/bin/unshare | grep -o '/[^ ]*'); do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
if [[ -n ${NSX_VM_BIN:-} ]]; then
	# The guest has no C library: a dynamic binary is "not found" there.
	if ldd "$NSX_VM_BIN" >/dev/null 2>&1; then
		echo "vm-test.sh: NSX_VM_BIN=$NSX_VM_BIN is dynamically linked; build it with make build" >&2
		exit 1
	fi
	cp "$NSX_VM_BIN" "$root/bin/nsx"
else
	# Static, as `make build` builds it (cgo for nsx enter, glibc linked
	# in): the initramfs holds no C library.
	CGO_ENABLED=1 go build -tags netgo,osusergo -ldflags "-linkmode external -extldflags -static" -o "$root/bin/nsx" ./cmd/nsx
fi
cp vmtest/init.sh "$root/init"
chmod 755 "$root/init" "$root/bin/nsx"
# busybox's cpio: Debian has no cpio installed by default. init.sh mounts
# devtmpfs itself before it opens a serial port.
(cd "$root" && find . | "$busybox" cpio -o -H newc 2>/dev/null | gzip -1 >"$work/initrd.gz")
# A broken cpio step makes a tiny archive that boots into a kernel panic;
# catch it here with a clear message instead.
if (($(stat -c %s "$work/initrd.gz") < 100000)); then
	echo "vm-test.sh: initramfs $work/initrd.gz is implausibly small" >&2
	exit 1
fi
echo "vm-test.sh: prepared in $((SECONDS - start))s" >&2

: >"$outdir/output.log"
: >"$outdir/console.log"
boot=$SECONDS
# -M pc, not microvm: microvm hangs at TSC calibration about half the time
# under TCG. No -enable-kvm: this machine's /dev/kvm cannot run the guest.
# cgroup_no_v1=all,named: "all" alone still allows named v1 hierarchies.
# panic=-1 with -no-reboot: a guest panic ends QEMU instead of hanging.
rc=0
timeout --kill-after=5 "$vm_timeout" qemu-system-x86_64 \
	-M pc -accel tcg -smp 1 -m 512M \
	-nodefaults -no-user-config -display none -no-reboot \
	-kernel "$kernel" -initrd "$work/initrd.gz" \
	-append 'console=ttyS0 quiet panic=-1 cgroup_no_v1=all,named' \
	-serial "file:$outdir/console.log" \
	-serial "file:$outdir/output.log" || rc=$?
echo "vm-test.sh: guest ran ${rc:+(qemu exit $rc) }in $((SECONDS - boot))s" >&2
if ((rc == 124 || rc == 137)); then
	echo "vm-test.sh: QEMU timed out after ${vm_timeout}s; the end of the console:" >&2
	tail -n 20 "$outdir/console.log" >&2
	exit 1
fi
exit "$rc"
