#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# VXLAN interop with the Linux kernel, in network namespaces made here:
#
#   ns S: nfvswitch (ports tap, und, vxlan vx over und); the tap's kernel end is
#         the host behind it (10.77.0.1) --und veth-- ns K
#   ns K: eth (underlay) + kernel vxlan0 (id 100, dstport 4789) in bridge br0 + veth to ns P
#   ns P (10.77.0.2)
#
# H pings P and P pings H across the overlay; the underlay capture (tcpdump
# in K) must show standard VXLAN both ways: the kernel decapsulates what we
# encapsulate and we decapsulate what it encapsulates. nfvswitch answers the
# kernel's ARP (IPv4) or neighbour solicitation (IPv6) for its local_ip and
# resolves the kernel's address itself: no static MAC anywhere.
#
# usage: vxlan_kernel.sh NFVSWITCH NFVSWITCH_CTL [4|6] [afpacket|tap]
# The underlay is net_af_packet on the veth (default), or a net_tap bridged
# to the veth in ns S: a device with outer IPv4 checksum offload, which
# nfvswitch must then use (show tunnels: outer_cksum_offload).
# Exit 77 (skip) without root, tcpdump, ping or the kernel's vxlan.
set -u
BIN=$1
CTL=$2
FAM=${3:-4}
UNDER=${4:-afpacket}

skip() {
	echo "SKIP: $*"
	exit 77
}
fail() {
	echo "FAIL: $*"
	[ -n "${TMP:-}" ] && [ -f "$TMP/log" ] && { echo "--- nfvswitch log"; tail -n 60 "$TMP/log"; }
	exit 1
}

[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"
command -v tcpdump >/dev/null || skip "needs tcpdump (apt-get install tcpdump)"
command -v ping >/dev/null || skip "needs ping (iputils-ping)"

SFX=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
NS_S=vx${SFX}s NS_K=vx${SFX}k NS_P=vx${SFX}p
U=vx${SFX}u  # underlay veth, nfvswitch's end (ns S)
E=vx${SFX}e  # underlay veth, the kernel's end (ns K)
T=vx${SFX}t  # nfvswitch's tap: the host behind nfvswitch (ns S's stack)
KH=vx${SFX}q # veth ns K (bridge) <-> ns P
W=vx${SFX}w  # tap underlay (UNDER=tap), bridged to U in ns S
TMP=$(mktemp -d /tmp/vx${SFX}.XXXX)
PID= DUMP=

cleanup() {
	[ -n "$DUMP" ] && kill "$DUMP" 2>/dev/null && wait "$DUMP" 2>/dev/null
	if [ -n "$PID" ]; then
		kill "$PID" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.2; done
		kill -9 "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
	fi
	for ns in $NS_S $NS_K $NS_P; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT

for ns in $NS_S $NS_K $NS_P; do ip netns add "$ns" || fail "ip netns add $ns"; done
# Rules on the tunnel metadata: echo requests from the kernel's VTEP match
# from-vtep; other-vtep (replies of another VNI, or from another VTEP) never
# matches.
if [ "$FAM" = 6 ]; then
	LOCAL=fd77::1 REMOTE=fd77::2 PLEN=64
	TUNMATCH="tun_id: 100,"
	OTHER="in_port: tap,"
else
	LOCAL=192.168.77.1 REMOTE=192.168.77.2 PLEN=24
	TUNMATCH="tun_id: 100, tun_src: $REMOTE," OTHER="tun_src: 192.168.77.9,"
fi
ip -n "$NS_K" link add vxprobe type vxlan id 1 dstport 4789 2>/dev/null ||
	skip "the kernel has no vxlan support"
ip -n "$NS_K" link del vxprobe

# Underlay: MTU 1600 so a 1500-byte inner frame fits (VXLAN adds 50 / 70).
ip link add "$U" netns "$NS_S" mtu 1600 type veth peer name "$E" netns "$NS_K" mtu 1600 ||
	fail "veth $U"
ip -n "$NS_S" link set "$U" up
ip -n "$NS_S" link set lo up
# The kernel VTEP, its bridge and the host behind it.
ip -n "$NS_K" link set lo up
ip -n "$NS_K" link set "$E" up
ip -n "$NS_K" addr add "$REMOTE/$PLEN" dev "$E" $([ "$FAM" = 6 ] && echo nodad)
ip -n "$NS_K" link add vxlan0 type vxlan id 100 local "$REMOTE" remote "$LOCAL" dstport 4789 ||
	fail "kernel vxlan0"
ip -n "$NS_K" link add br0 type bridge
ip -n "$NS_K" link set vxlan0 master br0
ip link add "$KH" netns "$NS_K" type veth peer name eth0 netns "$NS_P" || fail "veth $KH"
ip -n "$NS_K" link set "$KH" master br0
for d in vxlan0 br0 "$KH"; do ip -n "$NS_K" link set "$d" up; done
ip -n "$NS_P" link set lo up
ip -n "$NS_P" link set eth0 up
ip -n "$NS_P" addr add 10.77.0.2/24 dev eth0

ip netns exec "$NS_K" tcpdump -i "$E" -U -w "$TMP/underlay.pcap" udp port 4789 \
	>"$TMP/tcpdump.log" 2>&1 &
DUMP=$!

if [ "$UNDER" = tap ]; then
	UNDEV="net_tap1,iface=$W"
else
	UNDEV="net_af_packet0,iface=$U"
fi
cat >"$TMP/nfvswitch.yaml" <<EOF
dpdk: {main_lcore: 0, memory_mb: 256, no_huge: true, in_memory: true, file_prefix: vx$SFX,
       log_level: "*:notice", extra_args: ["--no-pci"]}
workers: [{lcore: 1}]
control: {stats_interval_ms: 0, socket: $TMP/ctl.sock}
ports:
  - {name: und, type: ethdev, device: "$UNDEV"}
  - {name: tap, type: ethdev, device: "net_tap0,iface=$T"}
  - {name: vx, type: vxlan, underlay: und, local_ip: "$LOCAL", remote_ip: "$REMOTE", vni: 100}
rules:
  - {priority: 10, match: {in_port: tap}, actions: [normal]}
  - {priority: 10, match: {in_port: vx}, actions: [normal]}
  - {name: from-vtep, priority: 20, match: {$TUNMATCH ip_proto: icmp, icmp_type: 8},
     actions: [normal]}
  - {name: other-vtep, priority: 20, match: {tun_id: 100, $OTHER ip_proto: icmp, icmp_type: 0},
     actions: [drop]}
EOF
ip netns exec "$NS_S" "$BIN" -c "$TMP/nfvswitch.yaml" >"$TMP/log" 2>&1 &
PID=$!
ctl() { ip netns exec "$NS_S" "$CTL" -s "$TMP/ctl.sock" "$@"; }
for _ in $(seq 150); do
	[ -S "$TMP/ctl.sock" ] && ctl version >/dev/null 2>&1 && break
	kill -0 "$PID" 2>/dev/null || fail "nfvswitch exited"
	sleep 0.2
done
ctl version >/dev/null 2>&1 || fail "no control socket after 30 s"

if [ "$UNDER" = tap ]; then
	ip -n "$NS_S" link add vxbr type bridge
	# The kernel end of the tap starts with the port's MAC; a bridge that
	# took it would keep the frames to nfvswitch's VTEP for itself.
	ip -n "$NS_S" link set "$W" address 02:00:00:00:77:77
	ip -n "$NS_S" link set "$W" mtu 1600
	ip -n "$NS_S" link set "$W" master vxbr
	ip -n "$NS_S" link set "$U" master vxbr
	ip -n "$NS_S" link set "$W" up
	ip -n "$NS_S" link set vxbr up
fi
# The host behind nfvswitch: the tap's kernel end in ns S. (A tap moved to
# another namespace keeps working, but the PMD then sees its link down.)
ip -n "$NS_S" link set "$T" up
ip -n "$NS_S" addr add 10.77.0.1/24 dev "$T"

# nfvswitch resolves the kernel VTEP (ARP / ND) by itself.
for _ in $(seq 100); do
	ctl --json show tunnels | grep -q '"resolved": true' && break
	sleep 0.2
done
ctl --json show tunnels | grep -q '"resolved": true' ||
	fail "remote VTEP not resolved: $(ctl show neighbours)"

ping_ok() { # NS TARGET
	local i
	for i in $(seq 10); do
		ip netns exec "$1" ping -c 1 -W 2 "$2" >/dev/null 2>&1 && return 0
	done
	return 1
}
ping_ok "$NS_S" 10.77.0.2 || fail "H -> P over VXLAN: $(ctl stats)"
ip netns exec "$NS_S" ping -c 3 -i 0.3 -W 2 10.77.0.2 >"$TMP/ping1" 2>&1 ||
	fail "H -> P: $(cat "$TMP/ping1")"
ip netns exec "$NS_P" ping -c 3 -i 0.3 -W 2 10.77.0.1 >"$TMP/ping2" 2>&1 ||
	fail "P -> H: $(cat "$TMP/ping2")"
# A live reload that changes the vxlan port (ttl: recreate) keeps the
# overlay up, with the new setting on the wire.
sed -i 's/vni: 100}$/vni: 100, ttl: 33}/' "$TMP/nfvswitch.yaml"
ctl reload >"$TMP/reload" 2>&1 || fail "reload: $(cat "$TMP/reload")"
ctl --json show tunnels | grep -q '"ttl": 33' || fail "ttl not 33 after reload: $(ctl --json show tunnels)"
ping_ok "$NS_S" 10.77.0.2 || fail "H -> P after the reload: $(ctl stats)"
# The kernel forgets nfvswitch's MAC: it must ask (ARP / neighbour
# solicitation for local_ip) and nfvswitch must answer.
ip -n "$NS_K" neigh flush dev "$E"
ip netns exec "$NS_P" ping -c 2 -i 0.3 -W 2 10.77.0.1 >"$TMP/ping3" 2>&1 ||
	fail "P -> H after the kernel's neighbour flush: $(cat "$TMP/ping3"); $(ctl show neighbours)"
ctl --json show neighbours | grep -Eq '"(arp|nd)_replied": [1-9]' ||
	fail "nfvswitch answered no ARP / ND for $LOCAL: $(ctl show neighbours)"
# A frame the kernel would send to a VNI nfvswitch has not: named drop.
ip -n "$NS_K" link add vxlan1 type vxlan id 101 local "$REMOTE" remote "$LOCAL" dstport 4789
ip -n "$NS_K" link set vxlan1 up
ip -n "$NS_K" addr add 10.78.0.2/24 dev vxlan1
ip netns exec "$NS_K" ping -c 2 -i 0.3 -W 1 10.78.0.1 >/dev/null 2>&1

ctl show tunnels
ctl show neighbours
sleep 1
kill "$DUMP" 2>/dev/null
wait "$DUMP" 2>/dev/null
DUMP=
tcpdump -nn -v -r "$TMP/underlay.pcap" >"$TMP/dump.txt" 2>/dev/null ||
	fail "tcpdump -r: $(cat "$TMP/tcpdump.log")"
if [ "$FAM" = 6 ]; then
	OUT_RE="$LOCAL\.[0-9]+ > $REMOTE\.4789: .*VXLAN, flags \[I\] \(0x08\), vni 100"
	IN_RE="$REMOTE\.[0-9]+ > $LOCAL\.4789: .*VXLAN, flags \[I\] \(0x08\), vni 100"
else
	OUT_RE="$LOCAL\.[0-9]+ > $REMOTE\.4789: VXLAN, flags \[I\] \(0x08\), vni 100"
	IN_RE="$REMOTE\.[0-9]+ > $LOCAL\.4789: VXLAN, flags \[I\] \(0x08\), vni 100"
fi
grep -Eq "$OUT_RE" "$TMP/dump.txt" || fail "no VXLAN from nfvswitch in the capture: $(head -40 "$TMP/dump.txt")"
grep -Eq "$IN_RE" "$TMP/dump.txt" || fail "no VXLAN from the kernel in the capture"
grep -Eq "10\.77\.0\.1 > 10\.77\.0\.2: ICMP echo request" "$TMP/dump.txt" ||
	fail "no inner echo request from H in the capture"
grep -Eq "10\.77\.0\.2 > 10\.77\.0\.1: ICMP echo request" "$TMP/dump.txt" ||
	fail "no inner echo request from P in the capture"
# Our frames' checksums (the kernel's own may show as bad: veth leaves them
# to an offload that never happens on a capture).
tcpdump -nn -v -r "$TMP/underlay.pcap" src host "$LOCAL" >"$TMP/ours.txt" 2>/dev/null
grep -q VXLAN "$TMP/ours.txt" || fail "no frame from $LOCAL in the capture"
if grep -Eqi "bad (cksum|udp cksum)" "$TMP/ours.txt"; then
	fail "bad checksum in nfvswitch's frames: $(grep -Ei 'bad' "$TMP/ours.txt" | head)"
fi
if [ "$FAM" = 4 ]; then
	grep -Eq "ttl 33, .*proto UDP" "$TMP/ours.txt" || fail "no frame with the reloaded ttl 33"
else
	grep -Eq "hlim 33, .*next-header UDP" "$TMP/ours.txt" || fail "no frame with the reloaded hop limit 33"
fi
head -8 "$TMP/dump.txt"

# Counters: both directions, and the VNI nfvswitch does not have dropped by name.
ST=$(ctl --json stats)
echo "$ST" | grep -Eq '"tun_bad_vni": [1-9]' || fail "no tun_bad_vni drop counted: $ST"
TJ=$(ctl --json show tunnels)
echo "$TJ" | grep -Eq '"encapsulated": [1-9]' || fail "encapsulated not counted: $TJ"
echo "$TJ" | grep -Eq '"decapsulated": [1-9]' || fail "decapsulated not counted: $TJ"
if [ "$UNDER" = tap ]; then
	echo "$TJ" | grep -q '"outer_cksum_offload": true' ||
		fail "the tap underlay offers IPv4 checksum offload; not used: $TJ"
fi
RJ=$(ctl --json show rules | tr -d ' \n')
echo "$RJ" | grep -Eq '"name":"from-vtep"[^}]*"packets":[1-9]' ||
	fail "no echo request from the VTEP matched tun_id/tun_src: $RJ"
echo "$RJ" | grep -Eq '"name":"other-vtep"[^}]*"packets":0[,}]' ||
	fail "a rule of another VTEP matched: $RJ"
echo "PASS: IPv$FAM underlay, kernel VXLAN interop both ways"
exit 0
