# SPDX-License-Identifier: BSD-3-Clause
#
# Shared by the real-QEMU tests (qemu_guest.sh, qemu_migrate.sh, qemu_tcp.sh)
# and bench/vhost/tcp.sh, sourced: finds QEMU, unpacks Debian's kernel and
# busybox-static .debs (cached in $W, never installed), builds a busybox
# initramfs around an init body, stops processes and shows the run's logs.
# The caller defines skip() and fail() and sets W (the .deb cache) and R
# (its own run directory).

# stop PID: SIGTERM, up to 10 s, then SIGKILL; reaped (the tests' cleanups).
stop() {
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# qemu_logs FILE...: the last lines of each of the run's non-empty FILEs in $R
qemu_logs() {
	[ -n "$R" ] || return 0
	for f in "$@"; do
		[ -s "$R/$f" ] && { echo "--- $f (last lines)"; tail -n 15 "$R/$f"; }
	done
}

# The virtio-net modules of Debian's kernel, in load order.
QEMU_GUEST_MODS="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover net_failover virtio_net"

# qemu_find: sets QEMU, or skips (exit 77) when it is absent.
qemu_find() {
	QEMU=$(command -v qemu-system-x86_64) ||
		skip "qemu-system-x86_64 is not installed (Debian: apt-get install qemu-system-x86);" \
		     "the real-QEMU vhost-user test did not run"
	mkdir -p "$W" || skip "cannot create $W"
}

qemu_fetch_deb() { # qemu_fetch_deb PATTERN PACKAGE
	f=$(ls "$W"/$1 2>/dev/null | head -n 1)
	if [ -z "$f" ] && [ -n "$2" ]; then
		(cd "$W" && apt-get download "$2" >/dev/null 2>&1)
		f=$(ls "$W"/$1 2>/dev/null | head -n 1)
	fi
	echo "$f"
}

# qemu_guest_kernel: sets VMLINUZ and MODDIR, or skips.
qemu_guest_kernel() {
	kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-/{print $2; exit}')
	kdeb=$(qemu_fetch_deb 'linux-image-*-amd64_*.deb' "$kpkg")
	[ -n "$kdeb" ] || skip "no guest kernel: put a linux-image-*-amd64 .deb in $W"
	bdeb=$(qemu_fetch_deb 'busybox-static_*.deb' busybox-static)
	[ -n "$bdeb" ] || skip "no busybox: put a busybox-static .deb in $W"
	if [ ! -d "$W/k/boot" ]; then
		mkdir -p "$W/k" && dpkg-deb -x "$kdeb" "$W/k" || skip "cannot unpack $kdeb"
	fi
	if [ ! -x "$W/bb/bin/busybox" ]; then
		mkdir -p "$W/bb" && dpkg-deb -x "$bdeb" "$W/bb" || skip "cannot unpack $bdeb"
	fi
	VMLINUZ=$(ls "$W"/k/boot/vmlinuz-* | head -n 1)
	MODDIR=$(ls -d "$W"/k/lib/modules/* | head -n 1)
}

# qemu_initrd OUT.gz BODY: an initramfs whose /init mounts /proc, /sys, /dev,
# loads the virtio-net modules and then runs BODY (shell text).
qemu_initrd() {
	d=$R/initrd
	mkdir -p "$d/bin" "$d/lib/modules" "$d/proc" "$d/sys" "$d/dev"
	cp "$W/bb/bin/busybox" "$d/bin/busybox"
	for m in $QEMU_GUEST_MODS; do
		f=$(find "$MODDIR/kernel" -name "$m.ko" | head -n 1)
		[ -n "$f" ] || skip "module $m.ko not in $MODDIR"
		cp "$f" "$d/lib/modules/"
	done
	cat > "$d/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
for m in $QEMU_GUEST_MODS; do insmod /lib/modules/\$m.ko || echo "insmod \$m failed"; done
$2
EOF
	chmod +x "$d/init"
	(cd "$d" && find . | "$W/bb/bin/busybox" cpio -o -H newc 2>/dev/null | gzip -1) \
		> "$1" || fail "cannot build the initramfs"
}
