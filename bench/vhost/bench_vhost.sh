#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# vhost benchmark: nfvswitch, OVS-DPDK (openvswitch-switch-dpdk, 3.1 on
# Debian 12) and dpdk-testpmd (io forwarding, the I/O ceiling) on the same
# scenario, 64-byte frames, one worker / PMD / forwarding core:
#   phy: net_pcap replay (1000 flows, infinite) -> switch -> vhost-user ->
#        guest testpmd rxonly; rate = what the guest receives (its Rx-pps)
#   pvp: the same, the guest forwards back (testpmd io) -> switch -> net_null;
#        rate = what the guest sends back (its Tx-pps)
# The guest is dpdk-testpmd over net_virtio_user serving the socket
# (server=1); the switch port is a vhost-user client (nfvswitch `mode:
# client`, OVS dpdkvhostuserclient, testpmd net_vhost client=1). CPU 0: guest
# and control threads; CPU 1: the switch's worker / PMD. Rate = mean of 8
# one-second samples after a warm-up; cycles/packet = the forwarding core's
# TSC rate / the rate at the guest (the core polls all the time, so every
# cycle it has is spent on the packets that get through). Not part of
# `meson test` (it busy-polls for ~20 s per system).
#
# Environment:
#   RULE=port    (default) the rules match the input port only: nfvswitch's
#                port fast path, OVS's EMC
#   RULE=prefix  they match the input port and 10.1.0.0/16: nfvswitch's EMC
#                (or tuple-space search), OVS's EMC
#   HUGE=1       every process on 2 MiB hugepages (about 3.5 GiB free needed)
#                instead of --no-huge
#
# usage: bench/vhost/bench_vhost.sh all|nfv|ovs|testpmd phy|pvp [BUILD_DIR]
#   all: the three systems one after the other, then a table with the ratios
set -u
SW=${1:-} SC=${2:-} BUILD=${3:-build}
RULE=${RULE:-port}
# The scenarios' library: HUGE, eal_mem_args, ovs_mem_args, ratio.
. "$(dirname "${BASH_SOURCE[0]}")/../scenarios/lib.sh"
usage() { sed -n '/^# usage:/,/^set -u/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//' >&2; exit 2; }
case $SW in all | nfv | ovs | testpmd) ;; *) usage ;; esac
case $SC in phy | pvp) ;; *) usage ;; esac
case $RULE in
port) NFV_M="" OVS_M="" ;;
prefix) NFV_M=', ip_dst: "10.1.0.0/16"' OVS_M=",ip,nw_dst=10.1.0.0/16" ;;
*) echo "RULE must be port or prefix" >&2; exit 2 ;;
esac
G_MEM=$(eal_mem_args) OVS_MEM=$(ovs_mem_args)
NFV_HUGE=true
[ "$HUGE" = 1 ] && NFV_HUGE=false
W=${VS_BENCH_DIR:-/tmp/vs_vhost_bench}
SOCK=$W/vm0.sock
PCAP_DEV="net_pcap0,rx_pcap=$W/flows.pcap,infinite_rx=1"
mkdir -p "$W"
[ -f "$W/flows.pcap" ] ||
	"$BUILD/app/nfvswitch-pcapgen" -o "$W/flows.pcap" -f 1000 -n 1024 -s 64 > /dev/null ||
	exit 1

run_nfv() {
	cat > "$W/nfv.yaml" <<Y
dpdk: {main_lcore: 0, memory_mb: 512, no_huge: $NFV_HUGE, in_memory: true, file_prefix: vs_vb_s,
       log_level: "*:notice", extra_args: ["--no-pci", "--no-telemetry"]}
workers: [{lcore: 1}]
control: {stats_interval_ms: 0}
ports:
  - {name: up, type: ethdev, device: "$PCAP_DEV"}
  - {name: vm0, type: vhost, path: "$SOCK", mode: client}
  - {name: sink, type: ethdev, device: "net_null0,no-rx=1"}
rules:
  - {priority: 10, match: {in_port: up$NFV_M}, actions: [{output: vm0}]}
  - {priority: 10, match: {in_port: vm0$NFV_M}, actions: [{output: sink}]}
Y
	"$BUILD/app/nfvswitch" -c "$W/nfv.yaml" --duration 16 > "$W/sw-nfv-$SC.log" 2>&1
}

run_ovs() {
	local R=$W/ovs V
	rm -rf "$R"
	mkdir -p "$R"
	export OVS_RUNDIR=$R OVS_LOGDIR=$R OVS_DBDIR=$R OVS_SYSCONFDIR=$R
	V="ovs-vsctl --db=unix:$R/db.sock"
	ovsdb-tool create "$R/conf.db" "$OVS_SCHEMA"
	ovsdb-server "$R/conf.db" --remote="punix:$R/db.sock" --pidfile="$R/ovsdb-server.pid" \
		--unixctl="$R/ovsdb-server.ctl" --detach --log-file="$R/ovsdb.log" 2> /dev/null
	$V --no-wait init
	$V --no-wait set Open_vSwitch . other_config:dpdk-init=true \
		other_config:dpdk-lcore-mask=0x1 other_config:pmd-cpu-mask=0x2 \
		other_config:dpdk-extra="$OVS_MEM -m 1536 --file-prefix vs_vb_o --no-pci --log-level=*:warning"
	# Its own network namespace: the netdev datapath makes an ovs-netdev tap.
	unshare -n taskset -c 0,1 "$OVS_VSWITCHD" "unix:$R/db.sock" --pidfile="$R/ovs-vswitchd.pid" \
		--unixctl="$R/ovs-vswitchd.ctl" --log-file="$R/ovs-vswitchd.log" -vconsole:off --detach 2> /dev/null
	$V add-br br0 -- set bridge br0 datapath_type=netdev
	$V add-port br0 up -- set Interface up type=dpdk \
		"options:dpdk-devargs=$PCAP_DEV" ofport_request=1
	$V add-port br0 vm0 -- set Interface vm0 type=dpdkvhostuserclient \
		"options:vhost-server-path=$SOCK" ofport_request=2
	$V add-port br0 sink -- set Interface sink type=dpdk \
		"options:dpdk-devargs=net_null0,no-rx=1" ofport_request=3
	ovs-ofctl del-flows "unix:$R/br0.mgmt"
	ovs-ofctl add-flow "unix:$R/br0.mgmt" "in_port=1$OVS_M,actions=output:2"
	ovs-ofctl add-flow "unix:$R/br0.mgmt" "in_port=2$OVS_M,actions=output:3"
	sleep 14
	ovs-appctl -t "$R/ovs-vswitchd.ctl" dpif-netdev/pmd-stats-show > "$W/sw-ovs-$SC.log" 2>&1
	ovs-appctl -t "$R/ovs-vswitchd.ctl" exit --cleanup
	ovs-appctl -t "$R/ovsdb-server.ctl" exit
}

# io forwarding, ports chained: uplink -> vhost -> sink (-> uplink: the sink
# receives nothing). No rules: the I/O ceiling of the scenario.
run_testpmd() {
	timeout -s INT 16 taskset -c 0,1 "$TESTPMD" -l 0,1 --main-lcore 0 $G_MEM -m 1024 \
		--no-pci --file-prefix vs_vb_t --vdev "$PCAP_DEV" \
		--vdev "net_vhost0,iface=$SOCK,client=1,queues=1" --vdev "net_null0,no-rx=1" -- \
		--forward-mode=io --port-topology=chained --nb-cores=1 --burst=32 \
		--total-num-mbufs=65536 --auto-start < <(sleep 20) > "$W/sw-testpmd-$SC.log" 2>&1
}

# one SYSTEM: prints "SYSTEM MPPS" (MPPS: n/a when the guest saw nothing)
one() {
	local sys=$1 mode=rxonly key=Rx-pps gp
	[ "$SC" = pvp ] && mode=io key=Tx-pps
	rm -f "$SOCK"
	taskset -c 0 "$TESTPMD" --lcores '0@0,1@0' $G_MEM -m 512 --no-pci --single-file-segments \
		--file-prefix vs_vb_g --vdev "net_virtio_user0,path=$SOCK,server=1,queue_size=1024" -- \
		--total-num-mbufs=16384 --rxd=1024 --txd=1024 --forward-mode=$mode --auto-start \
		--stats-period 1 > "$W/guest-$sys-$SC.log" 2>&1 &
	gp=$!
	sleep 2
	"run_$sys"
	kill -INT $gp
	wait $gp
	grep -o "$key: *[0-9]*" "$W/guest-$sys-$SC.log" | awk '{print $2}' | tail -n 9 | head -n 8 |
		awk -v s="$sys" '{t += $1; n++} END {if (n && t) printf "%s %.3f\n", s, t / n / 1e6; else print s, "n/a"}'
}

# cycles/packet of the forwarding core at MPPS
cpp() {
	awk -v m="$1" -v hz="$TSC_HZ" 'BEGIN {if (m + 0 > 0) printf "%.0f", hz / (m * 1e6); else print "n/a"}'
}

TSC_HZ=$(awk '/^cpu MHz/ {print $4 * 1e6; exit}' /proc/cpuinfo)
if [ "$SW" != all ]; then
	r=$(one "$SW" | awk '{print $2}')
	echo "$SW $SC rule=$RULE huge=$HUGE: guest mean $r Mpps ($(cpp "$r") cycles/pkt on the forwarding core)"
	exit 0
fi
declare -A MPPS
for sys in nfv ovs testpmd; do
	MPPS[$sys]=$(one "$sys" | awk '{print $2}')
done
printf '%s rule=%s huge=%s, 64-byte frames, 1000 flows, Mpps at the guest\n' "$SC" "$RULE" "$HUGE"
printf '%-10s %8s %12s\n' system Mpps cycles/pkt
for sys in nfv ovs testpmd; do
	printf '%-10s %8s %12s\n' "$sys" "${MPPS[$sys]}" "$(cpp "${MPPS[$sys]}")"
done
printf 'nfvswitch/OVS %s, nfvswitch/testpmd %s\n' "$(ratio "${MPPS[nfv]}" "${MPPS[ovs]}")" \
	"$(ratio "${MPPS[nfv]}" "${MPPS[testpmd]}")"
