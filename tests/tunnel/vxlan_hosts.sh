#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Hosts joined by a VXLAN overlay, each an nfvswitch process in a network
# namespace of its own ("host"), with the `normal` action and no rule per MAC:
#
#   host A: nfvswitch [tap | vx | und] --veth--+
#   host B: nfvswitch [tap | vx | und] --veth--+-- ns U: the underlay (bridge)
#   host C: nfvswitch [tap | vx | und] --veth--+
#
# Each tap's kernel end (in the host's namespace) is the guest behind that
# host, 10.88.0.<n>. Each host's vxlan port lists the others as remote_ip.
# Checked: every guest pings every other (both directions), a broadcast from
# one host reaches all the others (head-end replication), host A learns guest
# B's MAC behind vx *and* behind B's VTEP (show fdb: remote_vtep), and A's
# unicast to guest B then goes to B's VTEP only (C decapsulates nothing more).
#
# With a 4th argument `virtio`, host 1 also has a vhost-user port whose guest
# is dpdk-testpmd on net_virtio_user in icmpecho mode (it answers ARP and
# ping for any address): guest 2 must reach it at 10.88.0.101 over VXLAN.
#
# usage: vxlan_hosts.sh NFVSWITCH NFVSWITCH_CTL [HOSTS (2 or 3, default 3)] [virtio]
# Exit 77 (skip) without root or ping (or dpdk-testpmd for virtio).
set -u
BIN=$1
CTL=$2
N=${3:-3}
VIRTIO=${4:-}

skip() {
	echo "SKIP: $*"
	exit 77
}
fail() {
	local h
	echo "FAIL: $*"
	for h in $(seq "$N"); do
		[ -f "$TMP/log$h" ] && { echo "--- host $h log"; tail -n 30 "$TMP/log$h"; }
	done
	exit 1
}

[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"
command -v ping >/dev/null || skip "needs ping (iputils-ping)"
[ "$N" = 2 ] || [ "$N" = 3 ] || fail "HOSTS must be 2 or 3"
if [ -n "$VIRTIO" ]; then
	TESTPMD=$(command -v dpdk-testpmd) || skip "needs dpdk-testpmd for the virtio guest"
fi

SFX=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
NS_U=vx${SFX}U
TMP=$(mktemp -d /tmp/vx${SFX}.XXXX)
PIDS=()
GUEST=

ns() { echo "vx${SFX}$1"; }
ctl() { ip netns exec "$(ns "$1")" "$CTL" -s "$TMP/ctl$1.sock" "${@:2}"; }

cleanup() {
	local p h
	[ -n "$GUEST" ] && kill "$GUEST" 2>/dev/null && wait "$GUEST" 2>/dev/null
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for h in $(seq "$N"); do ip netns del "$(ns "$h")" 2>/dev/null; done
	ip netns del "$NS_U" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

ip netns add "$NS_U" || fail "ip netns add $NS_U"
ip -n "$NS_U" link add br0 type bridge
ip -n "$NS_U" link set br0 up
for h in $(seq "$N"); do
	ip netns add "$(ns "$h")" || fail "ip netns add $(ns "$h")"
	# No IPv6 on the guests' taps: their autoconfiguration multicast (DAD,
	# router solicitations, MLD reports) floods to every VTEP and would be
	# counted by the unicast check below.
	ip netns exec "$(ns "$h")" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 \
		net.ipv6.conf.all.disable_ipv6=1 || fail "disable IPv6 in host $h"
	ip link add "vx${SFX}u$h" netns "$(ns "$h")" mtu 1600 type veth \
		peer name "vx${SFX}b$h" netns "$NS_U" mtu 1600 || fail "veth of host $h"
	ip -n "$NS_U" link set "vx${SFX}b$h" master br0
	ip -n "$NS_U" link set "vx${SFX}b$h" up
	ip -n "$(ns "$h")" link set lo up
	ip -n "$(ns "$h")" link set "vx${SFX}u$h" up
done

for h in $(seq "$N"); do
	remotes=""
	for o in $(seq "$N"); do
		[ "$o" = "$h" ] || remotes="$remotes${remotes:+, }192.168.88.$o"
	done
	cat >"$TMP/host$h.yaml" <<EOF
dpdk: {main_lcore: 0, memory_mb: 256, no_huge: true, in_memory: true, file_prefix: vx${SFX}$h,
       log_level: "*:notice", extra_args: ["--no-pci"]}
workers: [{lcore: 1}]
control: {stats_interval_ms: 0, socket: $TMP/ctl$h.sock}
ports:
  - {name: und, type: ethdev, device: "net_af_packet0,iface=vx${SFX}u$h"}
  - {name: tap, type: ethdev, device: "net_tap0,iface=vx${SFX}t$h"}
  - {name: vx, type: vxlan, underlay: und, local_ip: 192.168.88.$h, remote_ip: [$remotes],
     vni: 5000}
rules:
  - {priority: 10, match: {in_port: tap}, actions: [normal]}
  - {priority: 10, match: {in_port: vx}, actions: [normal]}
EOF
	if [ -n "$VIRTIO" ] && [ "$h" = 1 ]; then
		sed -i "s|^rules:|  - {name: vm, type: vhost, path: $TMP/vm1.sock, mode: server}\nrules:\n  - {priority: 10, match: {in_port: vm}, actions: [normal]}|" \
			"$TMP/host$h.yaml"
	fi
	ip netns exec "$(ns "$h")" "$BIN" -c "$TMP/host$h.yaml" >"$TMP/log$h" 2>&1 &
	PIDS+=($!)
done
for h in $(seq "$N"); do
	for _ in $(seq 150); do
		[ -S "$TMP/ctl$h.sock" ] && ctl "$h" version >/dev/null 2>&1 && break
		sleep 0.2
	done
	ctl "$h" version >/dev/null 2>&1 || fail "host $h: no control socket after 30 s"
	ip -n "$(ns "$h")" link set "vx${SFX}t$h" up
	ip -n "$(ns "$h")" addr add "10.88.0.$h/24" dev "vx${SFX}t$h"
done
# Every VTEP resolves every other by ARP (no static MAC anywhere).
for h in $(seq "$N"); do
	for _ in $(seq 100); do
		[ "$(ctl "$h" --json show tunnels | grep -c '"resolved": true')" = $((N - 1)) ] && break
		sleep 0.2
	done
	[ "$(ctl "$h" --json show tunnels | grep -c '"resolved": true')" = $((N - 1)) ] ||
		fail "host $h: remotes not resolved: $(ctl "$h" show neighbours)"
done

if [ -n "$VIRTIO" ]; then
	# The guest's memory is shared with nfvswitch (no hugepages: memfd).
	"$TESTPMD" --lcores 0@0,1@0 --no-huge -m 256 --no-pci --no-shconf --no-telemetry \
		--single-file-segments --file-prefix "vx${SFX}g" --log-level "*:warning" \
		--vdev "net_virtio_user0,path=$TMP/vm1.sock,queue_size=256" -- \
		--total-num-mbufs=4096 --forward-mode=icmpecho --auto-start --stats-period 1 \
		>"$TMP/testpmd.log" 2>&1 </dev/null &
	GUEST=$!
	for _ in $(seq 150); do
		ctl 1 --json show vhost | grep -q '"state": "running"' && break
		sleep 0.2
	done
	ctl 1 --json show vhost | grep -q '"state": "running"' ||
		fail "the virtio guest never came up: $(tail -5 "$TMP/testpmd.log")"
fi

ping_ok() { # FROM TO
	local i
	for i in $(seq 10); do
		ip netns exec "$(ns "$1")" ping -c 1 -W 2 "10.88.0.$2" >/dev/null 2>&1 && return 0
	done
	return 1
}
for h in $(seq "$N"); do
	for o in $(seq "$N"); do
		[ "$o" = "$h" ] && continue
		ping_ok "$h" "$o" || fail "guest $h -> guest $o: $(ctl "$h" stats)"
	done
done
ip netns exec "$(ns 1)" ping -c 3 -i 0.3 -W 2 10.88.0.2 >"$TMP/ping" 2>&1 ||
	fail "guest 1 -> guest 2: $(cat "$TMP/ping")"

# Host 1 learned guest 2's MAC behind vx, behind host 2's VTEP.
MAC2=$(ip -n "$(ns 2)" -br link show "vx${SFX}t2" | awk '{print toupper($3)}')
FDB=$(ctl 1 --json show fdb)
echo "$FDB" | tr -d ' \n' | grep -q "\"mac\":\"$MAC2\"[^}]*\"port\":\"vx\"" ||
	fail "host 1 did not learn $MAC2 behind vx: $FDB"
if [ "$N" = 3 ]; then
	echo "$FDB" | tr -d ' \n' | grep -q "\"mac\":\"$MAC2\"[^}]*\"remote_vtep\":\"192.168.88.2\"" ||
		fail "host 1 did not learn $MAC2 behind VTEP 192.168.88.2: $FDB"
	# Unicast to a learned MAC goes to its VTEP only: host 3 decapsulates
	# nothing of 20 pings from guest 1 to guest 2.
	dec3() { ctl 3 --json show tunnels | tr -d ' \n' | sed 's/.*"decapsulated":\([0-9]*\).*/\1/'; }
	before=$(dec3)
	ip netns exec "$(ns 1)" ping -c 20 -i 0.05 -W 2 10.88.0.2 >/dev/null 2>&1 ||
		fail "guest 1 -> guest 2 (20 pings)"
	after=$(dec3)
	[ $((after - before)) -lt 3 ] ||
		fail "host 3 decapsulated $((after - before)) frames of a unicast flow 1 -> 2"
	# A broadcast from guest 1 reaches both others (head-end replication).
	ip netns exec "$(ns 1)" ping -b -c 3 -i 0.3 -W 1 10.88.0.255 >/dev/null 2>&1
	after2=$(dec3)
	[ $((after2 - after)) -ge 3 ] ||
		fail "host 3 got $((after2 - after)) of 3 broadcasts from host 1"
fi
if [ -n "$VIRTIO" ]; then
	for _ in $(seq 5); do
		ip netns exec "$(ns 2)" ping -c 3 -i 0.5 -W 3 10.88.0.101 >"$TMP/ping-vm" 2>&1 && break
	done
	grep -q " 0% packet loss\| [12] received" "$TMP/ping-vm" ||
		fail "guest 2 -> the virtio guest behind host 1: $(cat "$TMP/ping-vm"); $(ctl 1 stats); $(ctl 1 show vhost); testpmd: $(tail -20 "$TMP/testpmd.log")"
fi
ctl 1 show tunnels
ctl 1 show neighbours
echo "PASS: $N hosts over VXLAN with normal forwarding${VIRTIO:+, and a virtio guest}"
exit 0
