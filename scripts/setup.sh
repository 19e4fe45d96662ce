#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# nfvswitch setup, in one step, on Debian 12 as root. Idempotent.
#   1. installs the build and test dependencies from Debian's archive
#   2. reserves and mounts 2 MiB hugepages (NFVSWITCH_HUGEPAGES, default 512 = 1 GiB)
#   3. configures and builds nfvswitch in ./build (NFVSWITCH_BUILD_DIR)
#
# Why 1 GiB of hugepages: the default configuration runs one worker with three
# ports and asks DPDK for 256 MiB; the rest leaves room for a second DPDK process
# (a guest or a traffic generator) beside it. The unit tests use --no-huge and
# need none. Set NFVSWITCH_HUGEPAGES=0 to leave the hugepage setting alone.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${NFVSWITCH_BUILD_DIR:-$here/build}
hugepages=${NFVSWITCH_HUGEPAGES:-512}

say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (installs packages, reserves hugepages); try: sudo $0"

if [ -r /etc/os-release ]; then
	. /etc/os-release
	if [ "${ID:-}" != debian ] || [ "${VERSION_ID:-}" != 12 ]; then
		say "warning: written for Debian 12, this is ${PRETTY_NAME:-unknown}; continuing"
	fi
fi

# ---- 1. packages -------------------------------------------------------------
pkgs=(
	gcc pkg-config meson ninja-build python3 python3-pyelftools
	libdpdk-dev dpdk-dev          # DPDK 22.11 libraries, dpdk-testpmd, dpdk-telemetry.py
	libnuma-dev libyaml-dev libmnl-dev libpcap-dev libjansson-dev
	libcriterion-dev
	clang libclang-rt-14-dev      # libFuzzer harnesses and the sanitizer runtime
	clang-format                  # the lint's formatting check (.clang-format)
	iproute2                      # network namespaces for the SR-IOV kernel round trip
	openvswitch-common            # ovs-ofctl: the OpenFlow client tests/openflow talks to
	python3-os-ken                # osken-manager: the learning-switch controller of tests/openflow
	iputils-ping                  # ping between namespaces through the switch (tests/openflow)
	qemu-system-x86               # a real vhost-user guest (TCG) for tests/vhost: vhost-qemu, migration
	tcpdump                       # the underlay capture of the VXLAN interop test (tests/tunnel)
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	say "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q || die "apt-get update failed: check the network or the apt sources"
	apt-get install -y -q --no-install-recommends "${missing[@]}" ||
		die "apt-get install failed for: ${missing[*]}"
else
	say "packages: all ${#pkgs[@]} present"
fi

# ---- 2. hugepages --------------------------------------------------------------
if [ "$hugepages" -gt 0 ]; then
	nr=/proc/sys/vm/nr_hugepages
	have=$(cat "$nr" 2>/dev/null || echo 0)
	if [ "$have" -lt "$hugepages" ]; then
		say "reserving $hugepages x 2 MiB hugepages (had $have)"
		echo "$hugepages" > "$nr" 2>/dev/null || true
		have=$(cat "$nr" 2>/dev/null || echo 0)
		if [ "$have" -lt "$hugepages" ]; then
			say "warning: only $have of $hugepages hugepages could be reserved (memory" \
				"fragmented or not allowed here); the switch will say what it needs"
		fi
	else
		say "hugepages: $have x 2 MiB reserved (wanted $hugepages)"
	fi
	if ! grep -qs ' hugetlbfs ' /proc/mounts; then
		say "mounting hugetlbfs on /dev/hugepages"
		mkdir -p /dev/hugepages
		mount -t hugetlbfs nodev /dev/hugepages ||
			say "warning: could not mount hugetlbfs; use dpdk.no_huge: true in the config"
	fi
	free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
	say "hugepages free: $free x 2 MiB"
fi

# ---- 3. build ------------------------------------------------------------------
if [ ! -f "$build_dir/build.ninja" ]; then
	say "configuring $build_dir"
	meson setup "$build_dir" "$here" --buildtype=release -Db_ndebug=true >/dev/null ||
		die "meson setup failed (see $build_dir/meson-logs/meson-log.txt)"
fi
say "building in $build_dir"
ninja -C "$build_dir" >/dev/null || { ninja -C "$build_dir"; die "build failed"; }
say "done: $build_dir/app/nfvswitch"
