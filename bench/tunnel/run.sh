#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# VXLAN tunnel endpoints beside OVS-DPDK 3.1's userspace VXLAN, one
# forwarding core, 64-byte inner frames, in interleaved rounds:
#
#   encap: a net_pcap port replays 64-byte inner frames (FLOWS UDP flows);
#          one rule sends them to a vxlan port (VNI 100, one remote VTEP with
#          a static next-hop MAC) whose underlay is a net_null sink. Rate:
#          the underlay's tx packets/s (every frame encapsulated once).
#   decap: the underlay is a net_pcap port replaying the same frames already
#          encapsulated by the remote VTEP (bench/tunnel/vxgen.py: outer
#          Ethernet/IPv4/UDP 4789/VXLAN VNI 100 to the local address); one
#          rule sends what the vxlan port receives to a net_null sink. Rate:
#          the sink's tx packets/s.
#
#   nfvswitch: a `type: vxlan` port over an ethdev underlay (docs/config.md,
#   docs/overlay.md) with `remote_mac` (a net_null underlay answers no ARP)
#   and one `output` rule. OVS: as its "Connecting VMs Using Tunnels
#   (Userspace)" guide sets it up: br0 (netdev) with the source or sink port
#   and vx0 (type=vxlan, options:remote_ip, options:key=100); br-phy
#   (netdev, fail-mode standalone, other_config:hwaddr) with the underlay
#   DPDK port, the local address on br-phy's internal port, the route to the
#   remote (ovs/route/add when OVS did not pick it up) and its MAC in
#   tnl/arp/set. br0 has one flow (fail-mode secure), like nfvswitch's rule.
#   ovs-vswitchd runs in a network namespace of this run, so that br-phy's
#   address and route stay there. EMC on and off (emc-insert-inv-prob) are
#   both measured; the better one counts.
#
#   bench/tunnel/run.sh [--flows N] [--only encap,decap] [--rounds R]
#                       [--warmup S] [--window S] [--huge] [--keep]
#
# Cycles per packet: the core clock (cpu MHz of /proc/cpuinfo) over the rate,
# since the one forwarding core polls all the time. Target (issue 15):
# >= 1.5 x OVS on each. Needs root (the namespace); every process, the
# namespace and the files it makes are removed on exit.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../scenarios/lib.sh
. "$here/../scenarios/lib.sh"
# shellcheck source=../scenarios/rounds.sh
. "$here/../scenarios/rounds.sh"

FLOWS=1000
ONLY="encap,decap"
ROUNDS=3
WARMUP=3
WINDOW=4
while [ $# -gt 0 ]; do
	case $1 in
	--flows) FLOWS=$2; shift 2 ;;
	--only) ONLY=$2; shift 2 ;;
	--rounds) ROUNDS=$2; shift 2 ;;
	--warmup) WARMUP=$2; shift 2 ;;
	--window) WINDOW=$2; shift 2 ;;
	--huge) HUGE=1; shift ;;
	--keep) KEEP=1; shift ;;
	-h|--help) sed -n '3,36p' "$0"; exit 0 ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
done
[[ $ROUNDS =~ ^[1-9][0-9]*$ && $FLOWS =~ ^[1-9][0-9]*$ ]] ||
	die "--rounds and --flows take a positive integer"
for c in ${ONLY//,/ }; do
	[ "$c" = encap ] || [ "$c" = decap ] || die "--only: encap and/or decap, not $c"
done

[ "$(id -u)" = 0 ] || die "needs root: OVS's underlay bridge gets an address in a network namespace"
need_bench
[ -x "$NFVSWITCH" ] || die "build first: meson setup build && ninja -C build"
rundir_init
env_describe
{ ensure_pkg "$OVS_VSWITCHD" openvswitch-switch-dpdk && [ -x "$OVS_VSWITCHD" ]; } ||
	die "OVS-DPDK is needed for the comparison: $OVS_VSWITCHD is missing (apt-get install openvswitch-switch-dpdk, or OVS_VSWITCHD=path)"
command -v ovs-vsctl >/dev/null && command -v ovs-appctl >/dev/null && command -v ovs-ofctl >/dev/null ||
	die "ovs-vsctl, ovs-appctl and ovs-ofctl (openvswitch-common) are needed"

ovs_netns || die "cannot create a network namespace for OVS"
NS=$OVS_NS
# no IPv6 autoconfiguration traffic from br-phy's internal port on the underlay
ip netns exec "$NS" sysctl -q -w net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1 || true

VNI=100
LOCAL_IP=172.31.255.1
REMOTE_IP=172.31.255.2
LOCAL_MAC=02:00:00:00:ff:01
REMOTE_MAC=02:00:00:00:ff:02
MHZ=$(awk -F: '/^cpu MHz/ { print $2 + 0; exit }' /proc/cpuinfo)

INNER="$RUNDIR/inner.pcap"
"$BENCH" pcap -o "$INNER" --flows "$FLOWS" --size 64 --count "$FLOWS" >/dev/null ||
	die "nfvswitch-bench pcap failed"
OUTER="$RUNDIR/vxlan.pcap"
python3 "$here/vxgen.py" -i "$INNER" -o "$OUTER" --src-mac "$REMOTE_MAC" --dst-mac "$LOCAL_MAC" \
	--src-ip "$REMOTE_IP" --dst-ip "$LOCAL_IP" --vni "$VNI"
SRC="net_pcap0,rx_pcap=$INNER,infinite_rx=1"
UND_RX="net_pcap0,rx_pcap=$OUTER,infinite_rx=1"
SINK="net_null0,no-rx=1"

# ---- nfvswitch ----

# The points set RES (and OVS's RES_ON / RES_OFF) rather than print: run in
# the script's own shell, not in $(...), every process they start is known
# to the exit trap.
nfv_point() { # nfv_point encap|decap -> RES=pps
	local cfg="$RUNDIR/nfv-$1.yaml" ports rule vx
	vx="  - {name: vx, type: vxlan, underlay: und, local_ip: $LOCAL_IP, remote_ip: $REMOTE_IP, vni: $VNI, remote_mac: \"$REMOTE_MAC\"}"
	if [ "$1" = encap ]; then
		ports="  - {name: src, type: ethdev, device: \"$SRC\"}
  - {name: und, type: ethdev, device: \"$SINK\", mac: \"$LOCAL_MAC\"}
$vx"
		rule="  - {name: encap, priority: 10, match: {in_port: src}, actions: [{output: vx}]}"
	else
		# (net_pcap cannot take a MAC: the frames go to LOCAL_MAC anyway,
		# and nfvswitch takes VXLAN by its outer IP and UDP port)
		ports="  - {name: und, type: ethdev, device: \"$UND_RX\"}
  - {name: sink, type: ethdev, device: \"$SINK\"}
$vx"
		rule="  - {name: decap, priority: 10, match: {in_port: vx}, actions: [{output: sink}]}"
	fi
	nfv_config "$cfg" "$ports" "rules:
$rule"
	# its own control socket (the default one may be another switch's)
	sed -i "/^control:/a \\  socket: $RUNDIR/nfv-ctl.sock" "$cfg"
	RES=n/a
	nfv_start "$cfg" || return 0
	RES=$(measure_pps "$NFV_PREFIX" "$(port_by_name "$NFV_PREFIX" net_null0)" opackets || echo n/a)
	nfv_stop
}

# ---- OVS-DPDK, userspace tunneling ----

ovs_ctl() { ovs-appctl -t "$OVS_RUN/ovs-vswitchd.ctl" "$@"; }

# The underlay bridge of OVS's userspace tunneling guide, with port und.
ovs_underlay() { # ovs_underlay DEVARGS
	ovs_vsctl --may-exist add-br br-phy -- set bridge br-phy datapath_type=netdev \
		-- br-set-external-id br-phy bridge-id br-phy \
		-- set bridge br-phy fail-mode=standalone other_config:hwaddr="$LOCAL_MAC" || return 1
	ovs_vsctl add-port br-phy und -- set Interface und type=dpdk "options:dpdk-devargs=$1" || return 1
	local err
	err=$(ovs_vsctl get Interface und error 2>/dev/null || true)
	[ -z "$err" ] || [ "$err" = "[]" ] || { note "OVS port und: $err"; return 1; }
	local i
	for i in $(seq 1 100); do
		ip -n "$NS" link show br-phy >/dev/null 2>&1 && break
		sleep 0.1
	done
	ip -n "$NS" addr replace "$LOCAL_IP/24" dev br-phy &&
		ip -n "$NS" link set br-phy up || { note "cannot address br-phy in $NS"; return 1; }
	# OVS caches the kernel's routes; add the tunnel route when it has not
	for i in $(seq 1 50); do
		ovs_ctl ovs/route/show 2>/dev/null | grep -q "172.31.255.0/24 dev br-phy" && break
		sleep 0.1
	done
	ovs_ctl ovs/route/show | grep -q "172.31.255.0/24 dev br-phy" ||
		ovs_ctl ovs/route/add "$LOCAL_IP/24" br-phy >/dev/null || { note "OVS: no route to $REMOTE_IP"; return 1; }
	ovs_ctl tnl/arp/set br-phy "$REMOTE_IP" "$REMOTE_MAC" >/dev/null || return 1
}

ovs_vx() {
	ovs_vsctl add-port br0 vx0 -- set interface vx0 type=vxlan options:remote_ip="$REMOTE_IP" \
		options:key="$VNI" ofport_request="$1"
}

# The datapath flows of this point must do what the point measures.
ovs_check_dp() { # ovs_check_dp tnl_push|tnl_pop
	ovs_ctl dpctl/dump-flows > "$RUNDIR/ovs-dpflows-$1.txt" 2>&1 || true
	grep -q "$1" "$RUNDIR/ovs-dpflows-$1.txt" ||
		{ note "OVS datapath has no $1 flow: $(head -3 "$RUNDIR/ovs-dpflows-$1.txt" | tr '\n' ' ')"; return 1; }
}

ovs_point() { # ovs_point encap|decap -> RES_ON, RES_OFF (pps, EMC on / off)
	local act p
	RES_ON=n/a
	RES_OFF=n/a
	ovs_start || { ovs_stop; return 0; }
	# br0: in_port 1 -> 2 (encap: source -> vx0; decap: vx0 -> sink)
	if [ "$1" = encap ]; then
		ovs_underlay "$SINK" && ovs_add_port src 1 "$SRC" && ovs_vx 2 || { ovs_stop; return 0; }
		act=tnl_push
	else
		ovs_underlay "$UND_RX" && ovs_vx 1 && ovs_add_port sink 2 "$SINK" || { ovs_stop; return 0; }
		act=tnl_pop
	fi
	echo "in_port=1,actions=output:2" > "$RUNDIR/ovs-$1.of"
	ovs_flows "$RUNDIR/ovs-$1.of" || { ovs_stop; return 0; }
	p=$(port_by_name "$OVS_PREFIX" net_null0)
	if [ -n "$p" ]; then
		ovs_cache_mode emc && RES_ON=$(measure_pps "$OVS_PREFIX" "$p" opackets || echo n/a)
		ovs_check_dp "$act" || RES_ON=n/a
		ovs_cache_mode noemc && RES_OFF=$(measure_pps "$OVS_PREFIX" "$p" opackets || echo n/a)
		ovs_check_dp "$act" || RES_OFF=n/a
	else
		note "OVS: no net_null0 port in its DPDK telemetry"
	fi
	ovs_stop
}

cyc() { # cyc PPS -> cycles per packet at the core clock
	awk -v p="$1" -v m="$MHZ" 'BEGIN { if (p == "" || p == "n/a" || p + 0 == 0 || m == "") print "n/a"; else printf "%.0f", m * 1e6 / p }'
}

declare -A R

for ((r = 1; r <= ROUNDS; r++)); do
	for c in ${ONLY//,/ }; do
		log "round $r/$ROUNDS, $c"
		# interleaved: odd rounds nfvswitch first, even rounds OVS first
		if ((r % 2)); then order="nfv ovs"; else order="ovs nfv"; fi
		for sys in $order; do
			if [ "$sys" = nfv ]; then
				nfv_point "$c"
				R[$c,nfv,$r]=${RES:-n/a}
			else
				ovs_point "$c"
				R[$c,ovs,$r]=$(best_of "${RES_ON:-n/a}" "${RES_OFF:-n/a}")
				log "  OVS $(mpps "$RES_ON") (EMC on) $(mpps "$RES_OFF") (EMC off) Mpps"
			fi
		done
		log "  nfvswitch $(mpps "${R[$c,nfv,$r]}"), OVS $(mpps "${R[$c,ovs,$r]}") Mpps"
	done
done

echo
echo "== VXLAN tunnel endpoint, 64 B inner frames, $FLOWS flows, one core, $ROUNDS interleaved rounds =="
env_print
printf '%-6s %10s %10s %9s %9s %8s   %s\n' case "nfvswitch" "OVS-DPDK" "nfv" "OVS" "nfv/OVS" "per-round ratios"
printf '%-6s %10s %10s %9s %9s %8s\n' "" Mpps Mpps cyc/pkt cyc/pkt ""
for c in ${ONLY//,/ }; do
	vals() { local i; for ((i = 1; i <= ROUNDS; i++)); do echo "${R[$c,$1,$i]}"; done | grep -v n/a || true; }
	rats() { local i; for ((i = 1; i <= ROUNDS; i++)); do ratio "${R[$c,nfv,$i]}" "${R[$c,ovs,$i]}"; echo; done | grep -v n/a || true; }
	mn=$(median "$(vals nfv)")
	mo=$(median "$(vals ovs)")
	printf '%-6s %10s %10s %9s %9s %8s   %s\n' "$c" "$(mpps "$mn")" "$(mpps "$mo")" "$(cyc "$mn")" \
		"$(cyc "$mo")" "$(median "$(rats)")" "$(rats | tr '\n' ' ')"
done
echo "# Mpps: medians of the rounds (encap: underlay tx; decap: sink tx); nfv/OVS: median of per-round ratios"
echo "# cyc/pkt: ${MHZ:-?} MHz core clock / median rate; OVS: the better of EMC on / off per round"
for m in "${NOTES[@]}"; do echo "# note: $m"; done
