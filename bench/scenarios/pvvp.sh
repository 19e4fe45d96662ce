#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# pvvp: the chain through two VNFs (the TUM table's pNIC-vNIC-vNIC-pNIC row).
#
#   net_pcap uplink -> switch -> vm1a ~ guest 1 (testpmd io) ~ vm1b -> switch
#     -> vm2a ~ guest 2 (testpmd io) ~ vm2b -> switch -> net_null sink
#
# Each guest is a dpdk-testpmd in io mode in its own process, with two
# net_virtio_user ports (server mode) that the switch's vhost-user ports
# connect to as clients. The same rules in nfvswitch and OVS-DPDK: the
# uplink's flows to vm1a by ip_dst prefix (MASKS, default 1), vm1b -> vm2a
# and vm2b -> sink by in_port. testpmd io with the same six ports chained is
# the I/O limit. Every system is measured in interleaved rounds (rounds.sh):
# packets/s leaving the sink, and the share of what the uplink received.
#
# On fewer than 4 CPUs the guests poll on the control core with the other
# helpers: the numbers are functional only (the scenario says so).
#
# Sourced by run.sh (scenario_main).

. "$SC_DIR/table.sh"
. "$SC_DIR/rounds.sh"

pvvp_sock() { echo "$RUNDIR/pvvp-$1.sock"; } # vm1a vm1b vm2a vm2b

# pvvp_guest N CORE: guest N's testpmd io over virtio_user ports vmNa, vmNb
pvvp_guest_start() {
	local n=$1 core=$2 prefix="vsb-guest$1-$TAG" log="$RUNDIR/guest$1.log" i
	rm -f "$(pvvp_sock vm${n}a)" "$(pvvp_sock vm${n}b)"
	taskset -c "$core" "$TESTPMD" --lcores "0@$core,1@$core" --main-lcore 0 \
		$(eal_mem_args) -m 512 --file-prefix "$prefix" --no-pci --log-level='*:warning' \
		--vdev="net_virtio_user0,path=$(pvvp_sock vm${n}a),server=1,queues=1,queue_size=1024" \
		--vdev="net_virtio_user1,path=$(pvvp_sock vm${n}b),server=1,queues=1,queue_size=1024" -- \
		--forward-mode=io --nb-cores=1 --port-topology=paired --burst="$BURST" \
		--total-num-mbufs=32768 --auto-start < <(tail -f /dev/null) > "$log" 2>&1 &
	PVVP_GUEST_PIDS+=($!)
	PIDS+=($!)
	# virtio_user in server mode waits in its probe for the client of its
	# first port before it creates the second one's socket: wait for the
	# first here, the second in pvvp_wait_b once the switch has connected
	# (its vhost-user clients reconnect until the socket appears).
	for i in $(seq 1 200); do
		[ -S "$(pvvp_sock vm${n}a)" ] && return 0
		kill -0 "${PVVP_GUEST_PIDS[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	note "pvvp guest $n did not create its sockets: $(tail -2 "$log" | tr '\n' ' ')"
	return 1
}

# Both guests' second sockets exist and their testpmds forward.
pvvp_wait_b() {
	local i
	for i in $(seq 1 300); do
		if [ -S "$(pvvp_sock vm1b)" ] && [ -S "$(pvvp_sock vm2b)" ]; then
			sleep 2 # the switch's reconnect to the second sockets, the guests' start
			return 0
		fi
		sleep 0.1
	done
	note "pvvp: the guests' second ports did not come up (see guest1.log, guest2.log with --keep)"
	return 1
}

pvvp_guests_stop() {
	local p
	for p in "${PVVP_GUEST_PIDS[@]}"; do stop_pid "$p"; done
	PVVP_GUEST_PIDS=()
}

# pvvp_share PREFIX: "pps share" from the switch's uplink and sink ports
pvvp_share() {
	local in out
	in=$(ports_by_name "$1" net_pcap0) && out=$(ports_by_name "$1" net_null0) ||
		{ echo "n/a n/a"; return; }
	measure_share "$1" "$in" "$out"
}

pvvp_measure() { # pvvp_measure SYSTEM (sets RES)
	local sys=$1 src="net_pcap0,rx_pcap=$PVVP_PCAP,infinite_rx=1" sink="net_null0,no-rx=1" v
	PVVP_GUEST_PIDS=()
	pvvp_guest_start 1 "$GUEST_CORE" && pvvp_guest_start 2 "$GUEST_CORE" ||
		{ pvvp_guests_stop; return 1; }
	case $sys in
	testpmd)
		TP_EXTRA=(--port-topology=chained)
		testpmd_start "$src" \
			"net_vhost0,iface=$(pvvp_sock vm1a),client=1,queues=1" \
			"net_vhost1,iface=$(pvvp_sock vm1b),client=1,queues=1" \
			"net_vhost2,iface=$(pvvp_sock vm2a),client=1,queues=1" \
			"net_vhost3,iface=$(pvvp_sock vm2b),client=1,queues=1" "$sink" &&
			pvvp_wait_b && RES=$(pvvp_share "$TP_PREFIX")
		TP_EXTRA=()
		testpmd_stop ;;
	ovs)
		{ "$BENCH" rules --format ofctl --in-port 1 --out-port 3 --masks "$MASKS"
		  echo "priority=100,in_port=4,actions=output:5"
		  echo "priority=100,in_port=6,actions=output:2"; } > "$RUNDIR/flows.of"
		local ok=1 p o
		ovs_start && ovs_add_port s0 2 "$sink" || ok=0
		for p in vm1a:3 vm1b:4 vm2a:5 vm2b:6; do
			[ $ok = 1 ] || break
			o=${p#*:}
			p=${p%:*}
			ovs_vsctl add-port br0 "$p" -- set Interface "$p" type=dpdkvhostuserclient \
				"options:vhost-server-path=$(pvvp_sock "$p")" ofport_request="$o" || ok=0
		done
		[ $ok = 1 ] && ovs_flows "$RUNDIR/flows.of" && pvvp_wait_b && ovs_add_port p0 1 "$src" || ok=0
		if [ $ok = 1 ]; then
			ovs_best_cache pvvp_share
		else
			note "OVS-DPDK pvvp setup failed"
		fi
		ovs_stop ;;
	nfvswitch|nfv-emc0)
		local emc=""
		[ "$sys" = nfv-emc0 ] && emc=0
		NFV_EMC_ENTRIES=$emc nfv_config "$RUNDIR/nfvswitch.yaml" \
"  - {name: uplink0, type: ethdev, device: \"$src\"}
  - {name: sink0, type: ethdev, device: \"$sink\"}
  - {name: vm1a, type: vhost, path: \"$(pvvp_sock vm1a)\", mode: client}
  - {name: vm1b, type: vhost, path: \"$(pvvp_sock vm1b)\", mode: client}
  - {name: vm2a, type: vhost, path: \"$(pvvp_sock vm2a)\", mode: client}
  - {name: vm2b, type: vhost, path: \"$(pvvp_sock vm2b)\", mode: client}" \
			"$("$BENCH" rules --format yaml --in-port uplink0 --out-port vm1a --masks "$MASKS")
  - {priority: 100, match: {in_port: vm1b}, actions: [{output: vm2a}]}
  - {priority: 100, match: {in_port: vm2b}, actions: [{output: sink0}]}"
		if nfv_start "$RUNDIR/nfvswitch.yaml" && [ "${NFV_TELEMETRY:-0}" = 1 ] && pvvp_wait_b; then
			RES=$(pvvp_share "$NFV_PREFIX")
		fi
		nfv_stop ;;
	esac
	pvvp_guests_stop
}

scenario_main() {
	local f flows_list count systems=() s
	MASKS=${MASKS:-1}
	if [ "$NCPU" -ge 4 ]; then
		GUEST_CORE=3
	elif [ "$NCPU" -ge 3 ]; then
		GUEST_CORE=2
	else
		GUEST_CORE=$CTRL_CORE
		note "2 CPUs: both guests poll on core $CTRL_CORE with the control threads: functional numbers only"
	fi
	if [ -n "$FLOWS_LIST" ]; then
		flows_list=${FLOWS_LIST//,/ }
	elif [ "$QUICK" = 1 ]; then
		flows_list="1k"
	else
		flows_list="1 1k 100k"
	fi
	log "pvvp: $CORE_PLAN; guests (testpmd io, virtio_user) on core $GUEST_CORE"
	want ovs && note "OVS-DPDK: the best per point of its cache settings $OVS_CACHE_MODES"
	for s in nfvswitch ovs testpmd; do want "$s" && systems+=("$s"); done
	for f in $flows_list; do
		f=$(expand_count "$f")
		count=$(( f > 1024 ? f : 1024 ))
		PVVP_PCAP="$RUNDIR/pvvp-$f.pcap"
		"$BENCH" pcap -o "$PVVP_PCAP" --flows "$f" --masks "$MASKS" --size 64 --count "$count" \
			> /dev/null || die "cannot write $PVVP_PCAP"
		local save_mem=$MEM_MB
		MEM_MB=$(( 1024 + count * 5 / 1024 ))
		TP_MBUFS=$(( count + 32768 ))
		NFV_MBUFS=$TP_MBUFS
		log "point: pvvp, $f flows"
		rounds_point "pvvp" "$f" "$MASKS" prefix pvvp_measure "${systems[@]}"
		MEM_MB=$save_mem
	done
	rounds_print "pvvp: net_pcap -> switch -> guest 1 (testpmd io) -> switch -> guest 2 (testpmd io) -> switch -> net_null, 64-byte frames"
}
