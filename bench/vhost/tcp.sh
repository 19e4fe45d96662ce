#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Guest -> guest TCP throughput through the switch, guest offloads on and
# off, nfvswitch beside OVS-DPDK 3.1, in interleaved rounds.
#
# Two QEMU guests (Debian's kernel and virtio-net driver, a busybox
# initramfs; KVM when /dev/kvm is there, else TCG) serve vhost-user sockets
# (server=on); the switch under test is the client on both (nfvswitch
# `mode: client` ports with `normal`; OVS dpdkvhostuserclient ports on a
# standalone netdev bridge: its NORMAL). Guest B sends MB MiB over one TCP
# connection (busybox nc) to guest A, which times the bytes from the first
# line on (/proc/uptime, 10 ms) and prints Mbit/s on its console. The guests
# stay up while the switches take turns on their sockets: each round runs
# nfvswitch, then OVS (the next round the other way round), one transfer
# each.
#
#   offloads on:  nfvswitch `offloads: true`; OVS other_config
#                 userspace-tso-enable=true (its documented TSO switch, read
#                 at start). The guests negotiate CSUM/TSO4 and send
#                 super-frames that pass guest to guest.
#   offloads off: nfvswitch `offloads: false`; OVS without TSO (its default).
#   The guests are booted anew for each mode (features are negotiated once).
#
#   bench/vhost/tcp.sh [--rounds R] [--mb MB] [--only on|off]
#
# Reported: Mbit/s per system and mode (median), the median of per-round
# nfvswitch/OVS ratios, and on/off per system. Under TCG the guests' CPU
# emulation bounds the rate (both systems see the same bound): a functional
# comparison, not a host's real throughput; on a KVM host it is the real
# one. Every process it starts is stopped on exit.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../scenarios/lib.sh
. "$here/../scenarios/lib.sh"
# shellcheck source=../scenarios/rounds.sh
. "$here/../scenarios/rounds.sh"

ROUNDS=3
MB=32
MODES="on off"
while [ $# -gt 0 ]; do
	case $1 in
	--rounds) ROUNDS=$2; shift 2 ;;
	--mb) MB=$2; shift 2 ;;
	--only) MODES=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	-h|--help) sed -n '3,33p' "$0"; exit 0 ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
done

[ -x "$NFVSWITCH" ] || die "build first: meson setup build && ninja -C build"
rundir_init
env_describe
ensure_pkg "$OVS_VSWITCHD" openvswitch-switch-dpdk || note "OVS-DPDK not installed: nfvswitch only"

# The guests: qemu_lib.sh (tests/vhost) finds QEMU, Debian's kernel and busybox.
W=${VS_QEMU_WORK:-/tmp/nfvswitch-qemu}
R=$RUNDIR
skip() { die "$*"; }
fail() { die "$*"; }
# shellcheck source=../../tests/vhost/qemu_lib.sh
. "$ROOT/tests/vhost/qemu_lib.sh"
qemu_find
qemu_guest_kernel
ACCEL="tcg -cpu qemu64"
[ -w /dev/kvm ] && ACCEL="kvm -cpu host"
BYTES=$((MB * 1048576))

mkdir -p "$R/a" "$R/b"
R=$RUNDIR/a
qemu_initrd "$RUNDIR/initrd-a.gz" "ip link set eth0 up
ip addr add 10.0.0.1/24 dev eth0
echo GUEST-UP
i=0
while :; do
	nc -l -p 5000 | { read -r x; t0=\$(cut -d' ' -f1 /proc/uptime); head -c $BYTES > /dev/null
		t1=\$(cut -d' ' -f1 /proc/uptime); echo \"RECV \$i \$t0 \$t1\"; }
	i=\$((i + 1))
done"
R=$RUNDIR/b
qemu_initrd "$RUNDIR/initrd-b.gz" "ip link set eth0 up
ip addr add 10.0.0.2/24 dev eth0
{ echo 1; dd if=/dev/zero bs=1048576 count=$MB 2>/dev/null; } > /payload
echo GUEST-UP
while :; do nc 10.0.0.1 5000 < /payload; sleep 5; done"
R=$RUNDIR

QPIDS=()
guests_up() {
	local n mac
	rm -f "$R"/console-*.log "$R"/*.sock
	for n in a b; do
		mac=52:54:00:00:00:a1; [ $n = b ] && mac=52:54:00:00:00:b2
		# shellcheck disable=SC2086
		taskset -c "$CTRL_CORE" "$QEMU" -machine q35,accel=$ACCEL -m 512 -smp 1 \
			-object memory-backend-memfd,id=mem,size=512M,share=on -numa node,memdev=mem \
			-chardev socket,id=c0,path="$R/$n.sock",server=on,wait=off \
			-netdev vhost-user,id=n0,chardev=c0 \
			-device virtio-net-pci,netdev=n0,mac=$mac,vectors=0 \
			-kernel "$VMLINUZ" -initrd "$R/initrd-$n.gz" \
			-append "console=ttyS0 quiet panic=-1" \
			-display none -serial file:"$R/console-$n.log" -no-reboot \
			> "$R/qemu-$n.log" 2>&1 &
		QPIDS+=($!)
		PIDS+=($!)
	done
	local i
	for i in $(seq 1 600); do
		[ -S "$R/a.sock" ] && [ -S "$R/b.sock" ] && return 0
		sleep 0.1
	done
	die "QEMU did not open its sockets: $(cat "$R/qemu-a.log")"
}
guests_down() {
	local p
	for p in "${QPIDS[@]}"; do stop_pid "$p"; done
	QPIDS=()
}

# One transfer through the switch now up: Mbit/s, or n/a after 300 s.
transfer() {
	local before i line
	before=$(grep -c '^RECV' "$R/console-a.log" 2>/dev/null || true)
	for i in $(seq 1 3000); do
		if [ "$(grep -c '^RECV' "$R/console-a.log" 2>/dev/null || true)" -gt "$before" ]; then
			line=$(grep '^RECV' "$R/console-a.log" | tail -1 | tr -d '\r')
			awk -v b=$BYTES -v l="$line" 'BEGIN { split(l, f, " "); d = f[4] - f[3]
				if (d <= 0) print "n/a"; else printf "%.1f", b * 8 / d / 1e6 }'
			return
		fi
		sleep 0.1
	done
	echo n/a
}

nfv_tcp() { # nfv_tcp OFFLOADS(true|false) -> Mbit/s
	local cfg="$RUNDIR/nfv.yaml"
	nfv_config "$cfg" \
"  - {name: a, type: vhost, path: \"$R/a.sock\", mode: client, offloads: $1}
  - {name: b, type: vhost, path: \"$R/b.sock\", mode: client, offloads: $1}" \
"rules:
  - {name: l2, priority: 1, match: {}, actions: [normal]}"
	sleep 2 # QEMU notices the previous client left
	nfv_start "$cfg" || { echo n/a; return; }
	transfer
	nfv_stop
}

# ovs_vhost_port NAME OFPORT SOCKET: a dpdkvhostuserclient port; a QEMU that
# just lost its previous client may refuse the first attempt: one more try
ovs_vhost_port() {
	local k
	for k in 1 2; do
		ovs_vsctl --may-exist add-port br0 "$1" -- set Interface "$1" \
			type=dpdkvhostuserclient "options:vhost-server-path=$3" \
			"ofport_request=$2" 2>>"$RUNDIR/ovs-vsctl.log" && return 0
		ovs_vsctl --if-exists del-port br0 "$1" 2>>"$RUNDIR/ovs-vsctl.log"
		sleep 2
	done
	note "OVS port $1: $(ovs_vsctl get Interface "$1" error 2>/dev/null || true)"
	return 1
}

ovs_tcp() { # ovs_tcp TSO(true|false) -> Mbit/s
	OVS_OTHER_CONFIG=(other_config:userspace-tso-enable="$1")
	sleep 2 # QEMU notices the previous client left
	ovs_start || { echo n/a; return; }
	ovs_vsctl set bridge br0 fail-mode=standalone
	ovs_vhost_port va 1 "$R/a.sock" && ovs_vhost_port vb 2 "$R/b.sock" ||
		{ ovs_stop; echo n/a; return; }
	transfer
	ovs_stop
}

declare -A V
for m in $MODES; do
	on=true; [ "$m" = off ] && on=false
	log "offloads $m: booting the guests ($ACCEL)"
	guests_up
	for ((r = 1; r <= ROUNDS; r++)); do
		if [ $((r % 2)) = 1 ]; then
			V[$m,nfv,$r]=$(nfv_tcp $on)
			V[$m,ovs,$r]=n/a
			[ -x "$OVS_VSWITCHD" ] && V[$m,ovs,$r]=$(ovs_tcp $on)
		else
			V[$m,ovs,$r]=n/a
			[ -x "$OVS_VSWITCHD" ] && V[$m,ovs,$r]=$(ovs_tcp $on)
			V[$m,nfv,$r]=$(nfv_tcp $on)
		fi
		log "  round $r: nfvswitch ${V[$m,nfv,$r]}, OVS ${V[$m,ovs,$r]} Mbit/s"
	done
	guests_down
done

vals() { local r; for ((r = 1; r <= ROUNDS; r++)); do echo -n "${V[$1,$r]:-n/a} "; done; }
echo
echo "== guest -> guest TCP ($MB MiB per transfer, busybox nc, $ROUNDS interleaved rounds, medians) =="
env_print
echo "# guests: QEMU accel=$ACCEL, 1 vCPU each, both on core $CTRL_CORE; the switch's forwarding core $FWD_LIST"
printf '%-14s %12s %12s %8s   %s\n' "offloads" "nfv Mbit/s" "OVS Mbit/s" "nfv/OVS" "per-round nfv/OVS"
for m in $MODES; do
	rr=$(round_ratios "$(vals "$m,nfv")" "$(vals "$m,ovs")")
	printf '%-14s %12s %12s %8s   %s\n' "$m" "$(median "$(vals "$m,nfv")")" \
		"$(median "$(vals "$m,ovs")")" "$(fmt2 "$(median "$rr")")" "$rr"
done
if [[ " $MODES " == *" on "* && " $MODES " == *" off "* ]]; then
	for s in nfv ovs; do
		echo "# $s: offloads on/off $(fmt2 "$(median "$(round_ratios "$(vals "on,$s")" "$(vals "off,$s")")")")"
	done
fi
for n in "${NOTES[@]}"; do echo "# note: $n"; done
