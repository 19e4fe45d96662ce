#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# Jumbo frames through the switch between two network namespaces.
#
# Two net_af_packet ports with mtu: 9000 on veths whose other ends are eth0
# of two namespaces:
#   ns1 eth0 10.77.0.1 = veth a [switch] veth b = ns2 eth0 10.77.0.2
# net_af_packet cannot scatter rx, so each port gets its own rx pool of
# mbufs that hold a whole frame (the switch's hold 2048 bytes), and its ring
# frames (framesz) take 9000-byte packets. DPDK 22.11's net_af_packet and
# net_tap both cap frames at 1518/1522 bytes in their device info, so
# rte_eth_dev_set_mtu refuses 9000: the switch warns and keeps the ports,
# and the veths get MTU 9000 from ip link (as an operator would). A third
# port, net_tap, shows the same warning.
# Checks: the jumbo pools and the warnings are logged; ping -s 8500 -M do
# (8528-byte IPv4 packets, never fragmented) works both ways.
#
# Exit status: 0 pass, 1 fail, 77 skipped (not root, no ping, no tun).
# Usage: tests/pipeline/jumbo_af_packet.sh [PATH/TO/nfvswitch]
set -u

NFVSWITCH_BIN=${NFVSWITCH_BIN:-${1:-build/app/nfvswitch}}
T=jb$$
R=""
SPID=""

skip() { echo "SKIP: $*"; exit 77; }
fail() {
	echo "FAIL: $*"
	[ -n "$R" ] && [ -f "$R/sw.log" ] && { echo "--- switch log"; tail -n 30 "$R/sw.log"; }
	cleanup
	exit 1
}
cleanup() {
	if [ -n "$SPID" ]; then
		kill "$SPID" 2>/dev/null
		wait "$SPID" 2>/dev/null
		SPID=""
	fi
	ip link del ${T}v1 2>/dev/null
	ip link del ${T}v2 2>/dev/null
	ip netns del ${T}n1 2>/dev/null
	ip netns del ${T}n2 2>/dev/null
	[ -n "$R" ] && rm -rf "$R"
	R=""
}
trap cleanup EXIT INT TERM

[ "$(id -u)" -eq 0 ] || skip "needs root (namespaces, veth, tap)"
[ -x "$NFVSWITCH_BIN" ] || fail "no nfvswitch binary at $NFVSWITCH_BIN"
command -v ping >/dev/null || skip "ping is needed (iputils-ping)"
[ -c /dev/net/tun ] || skip "no /dev/net/tun for net_tap"

R=$(mktemp -d /tmp/vs_jumbo_XXXXXX) || fail "mktemp"
for k in 1 2; do
	ip netns add ${T}n$k || fail "netns ${T}n$k"
	ip link add ${T}v$k mtu 9000 type veth peer name eth0 mtu 9000 netns ${T}n$k ||
		fail "veth ${T}v$k"
	ip netns exec ${T}n$k sh -c "sysctl -qw net.ipv6.conf.all.disable_ipv6=1;
		ip link set lo up; ip link set eth0 up; ip addr add 10.77.0.$k/24 dev eth0" ||
		fail "namespace ${T}n$k"
	sysctl -qw net.ipv6.conf.${T}v$k.disable_ipv6=1 2>/dev/null
	ip link set ${T}v$k up || fail "veth ${T}v$k up"
done

# Ring frames of 9216 bytes (4 to a 36 KiB block): 9164 bytes of packet,
# which the port's own 9216-byte mbufs hold.
AFP="framesz=9216,blocksz=36864,framecnt=512"
{
	echo "dpdk: {main_lcore: 0, memory_mb: 512, no_huge: true, in_memory: true,"
	echo "       file_prefix: $T, log_level: \"*:notice\","
	echo "       extra_args: [\"--no-pci\", \"--no-telemetry\"]}"
	echo "workers: [{lcore: 1}]"
	echo "control: {stats_interval_ms: 0, socket: \"$R/ctl.sock\"}"
	echo "ports:"
	echo "  - {name: a, type: ethdev, mtu: 9000,"
	echo "     device: \"net_af_packet_${T}a,iface=${T}v1,$AFP\"}"
	echo "  - {name: b, type: ethdev, mtu: 9000,"
	echo "     device: \"net_af_packet_${T}b,iface=${T}v2,$AFP\"}"
	echo "  - {name: t, type: ethdev, mtu: 9000, device: \"net_tap_${T}t,iface=${T}t\"}"
	echo "rules:"
	echo "  - {priority: 10, match: {in_port: a}, actions: [{output: b}]}"
	echo "  - {priority: 10, match: {in_port: b}, actions: [{output: a}]}"
} > "$R/sw.yaml"
"$NFVSWITCH_BIN" -c "$R/sw.yaml" > "$R/sw.log" 2>&1 &
SPID=$!
i=0
until grep -q "nfvswitch running" "$R/sw.log"; do
	kill -0 "$SPID" 2>/dev/null || fail "nfvswitch exited"
	i=$((i + 1))
	[ $i -le 300 ] || fail "switch not running in 30 s"
	sleep 0.1
done
grep -q "port a: .*own rx pool" "$R/sw.log" || fail "port a got no jumbo rx pool"
grep -q "port b: .*own rx pool" "$R/sw.log" || fail "port b got no jumbo rx pool"
grep -q "port t: .*refused mtu 9000" "$R/sw.log" ||
	fail "no warning for the tap port that cannot take mtu 9000"

ok=0
for try in 1 2 3; do
	if ip netns exec ${T}n1 ping -c 3 -i 0.2 -W 2 -s 8500 -M do -q 10.77.0.2 \
		> "$R/p1.log" 2>&1 &&
	   ip netns exec ${T}n2 ping -c 3 -i 0.2 -W 2 -s 8500 -M do -q 10.77.0.1 \
		> "$R/p2.log" 2>&1; then
		ok=1
		break
	fi
	sleep 1
done
[ $ok = 1 ] || fail "jumbo ping failed: $(cat "$R/p1.log" "$R/p2.log")"
echo "ns1 -> ns2: $(grep 'packets transmitted' "$R/p1.log")"
echo "ns2 -> ns1: $(grep 'packets transmitted' "$R/p2.log")"
kill -TERM "$SPID"
wait "$SPID" || fail "nfvswitch exited with an error"
SPID=""
grep -E "^port (a|b) " "$R/sw.log"
echo "PASS: 8528-byte pings both ways through two net_af_packet ports with mtu 9000"
exit 0
