#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# switch-only: net_pcap replay -> switch -> net_null. No generator core: the
# switch's own core reads the capture (infinite_rx) and the sink swallows
# what it forwards, so this measures the forwarding core alone.
#
# Points: flow counts (1, 1k, 10k, 100k, 1M) with one ip_dst prefix rule
# (1 wildcard mask); 8 prefix rules of 8 different lengths (8 masks); and
# port-only rules (in_port -> output). The capture holds max(flows, 1024)
# frames of 64 bytes, every flow a distinct 5-tuple (nfvswitch-bench pcap).
#
# Sourced by run.sh (scenario_main).

. "$SC_DIR/table.sh"

# Packets/s OVS forwards to the sink (port 2), after the warm-up.
so_ovs_measure() {
	local p
	if [ -S "$(telemetry_sock "$OVS_PREFIX")" ] &&
	   p=$(port_by_name "$OVS_PREFIX" net_null0) && [ -n "$p" ]; then
		measure_pps "$OVS_PREFIX" "$p" opackets || echo n/a
	else
		ovs_measure_tx 2
	fi
}

# The larger of two rates (n/a loses).
best_of() {
	if [ "$1" = n/a ]; then echo "$2"; elif [ "$2" = n/a ]; then echo "$1"
	elif [ "$1" -ge "$2" ]; then echo "$1"; else echo "$2"; fi
}

# so_point FLOWS MASKS RULES(prefix|port)
so_point() {
	local flows=$1 masks=$2 rules=$3 count pcap mem nfv=n/a ovs=n/a tp=n/a
	local port_only=() p
	[ "$rules" = port ] && port_only=(--port-only)
	count=$(( flows > 1024 ? flows : 1024 ))
	pcap="$RUNDIR/flows-$flows-$masks.pcap"
	[ -f "$pcap" ] || "$BENCH" pcap -o "$pcap" --flows "$flows" --masks "$masks" --size 64 \
		--count "$count" > /dev/null || die "cannot write $pcap"
	# net_pcap infinite_rx keeps the whole capture in mbufs: size memory for it
	# (5 KiB a frame: a 1M-frame pool fails at 4 GiB under --no-huge).
	mem=$(( 1024 + count * 5 / 1024 ))
	local save_mem=$MEM_MB
	MEM_MB=$mem
	TP_MBUFS=$(( count + 32768 ))
	NFV_MBUFS=$TP_MBUFS
	local src="net_pcap0,rx_pcap=$pcap,infinite_rx=1" sink="net_null0,no-rx=1"
	log "point: $flows flows, $masks mask(s), $rules rules (memory $mem MiB)"

	if want testpmd; then
		if testpmd_start "$src" "$sink"; then
			p=$(port_by_name "$TP_PREFIX" net_null0)
			tp=$(measure_pps "$TP_PREFIX" "${p:-1}" opackets || echo n/a)
			log "  testpmd:   $(mpps "$tp") Mpps"
		fi
		testpmd_stop
	fi

	if want ovs; then
		"$BENCH" rules --format ofctl --in-port 1 --out-port 2 --masks "$masks" \
			"${port_only[@]}" > "$RUNDIR/flows.of"
		if ovs_start && ovs_add_port p0 1 "$src" && ovs_add_port p1 2 "$sink" &&
		   ovs_flows "$RUNDIR/flows.of"; then
			ovs=$(so_ovs_measure)
			log "  OVS-DPDK:  $(mpps "$ovs") Mpps (EMC on, the default)"
			# The target is OVS's best setting: past its 8192 EMC entries,
			# EMC off (emc-insert-inv-prob=0) is often faster.
			if [ "$flows" -ge 10000 ] &&
			   ovs_vsctl set Open_vSwitch . other_config:emc-insert-inv-prob=0; then
				local off
				off=$(so_ovs_measure)
				log "  OVS-DPDK:  $(mpps "$off") Mpps (EMC off)"
				ovs=$(best_of "$ovs" "$off")
			fi
		else
			note "OVS-DPDK failed at $flows flows/$masks masks/$rules (log kept in run dir with --keep)"
		fi
		ovs_stop
	fi

	if want nfvswitch; then
		nfv_config "$RUNDIR/nfvswitch.yaml" \
"  - {name: uplink0, type: ethdev, device: \"$src\"}
  - {name: sink0, type: ethdev, device: \"$sink\"}" \
			"$("$BENCH" rules --format yaml --in-port uplink0 --out-port sink0 \
				--masks "$masks" "${port_only[@]}")"
		if nfv_start "$RUNDIR/nfvswitch.yaml"; then
			nfv=$(nfv_measure_tx sink0 net_null0 || echo n/a)
			log "  nfvswitch: $(mpps "$nfv") Mpps"
		fi
		nfv_stop
	fi
	MEM_MB=$save_mem
	table_row "switch-only" "$flows" "$masks" "$rules" "$nfv" "$ovs" "$tp"
}

scenario_main() {
	local f flows_list
	if [ -n "$FLOWS_LIST" ]; then
		flows_list=${FLOWS_LIST//,/ }
	elif [ "$QUICK" = 1 ]; then
		flows_list="1 10k"
	else
		flows_list="1 1k 10k 100k 1M"
	fi
	log "switch-only: $CORE_PLAN"
	want ovs && note "OVS-DPDK: the best of EMC on (default) and EMC off (emc-insert-inv-prob=0) at 10k flows and more"
	for f in $flows_list; do
		so_point "$(expand_count "$f")" 1 prefix
	done
	# 8 masks: 10k flows, and 100k (the issue's target point) in full runs.
	so_point 10000 8 prefix
	[ "$QUICK" = 1 ] || so_point 100000 8 prefix
	so_point 10000 1 port
	[ "$QUICK" = 1 ] || so_point 1 1 port
	table_print "switch-only: net_pcap -> switch -> net_null, 64-byte frames"
}
