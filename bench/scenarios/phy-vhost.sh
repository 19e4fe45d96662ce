#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# phy-vhost: net_pcap replay -> switch -> vhost-user -> guest (testpmd rxonly
# over virtio_user). The rate is what the guest receives (its ethdev
# ipackets over the window), the same meter for the three systems.
# Sourced by run.sh.

. "$SC_DIR/table.sh"
. "$SC_DIR/vhost.sh"

# pv_point FLOWS
pv_point() {
	local flows=$1 count pcap nfv=n/a ovs=n/a tp=n/a sys src v
	count=$(( flows > 1024 ? flows : 1024 ))
	pcap="$RUNDIR/flows-$flows.pcap"
	"$BENCH" pcap -o "$pcap" --flows "$flows" --size 64 --count "$count" > /dev/null ||
		die "cannot write $pcap"
	local save_mem=$MEM_MB
	MEM_MB=$(( 1024 + count * 5 / 1024 ))
	TP_MBUFS=$(( count + 32768 ))
	NFV_MBUFS=$TP_MBUFS
	src="net_pcap0,rx_pcap=$pcap,infinite_rx=1"
	log "point: $flows flows"
	for sys in testpmd ovs nfvswitch; do
		want "$sys" || continue
		guest_start rxonly || continue
		local r=n/a
		case $sys in
		testpmd)
			v="net_vhost0,iface=$(VHOST_SOCK),client=1,queues=1"
			if testpmd_start "$src" "$v"; then
				r=$(measure_pps "$GUEST_PREFIX" 0 ipackets || echo n/a)
			fi
			testpmd_stop ;;
		ovs)
			"$BENCH" rules --format ofctl --in-port 1 --out-port 3 > "$RUNDIR/flows.of"
			if ovs_start && ovs_add_port p0 1 "$src" &&
			   ovs_vsctl add-port br0 vm0 -- set Interface vm0 type=dpdkvhostuserclient \
				"options:vhost-server-path=$(VHOST_SOCK)" ofport_request=3 &&
			   ovs_flows "$RUNDIR/flows.of"; then
				r=$(measure_pps "$GUEST_PREFIX" 0 ipackets || echo n/a)
			else
				note "OVS-DPDK phy-vhost setup failed"
			fi
			ovs_stop ;;
		nfvswitch)
			nfv_config "$RUNDIR/nfvswitch.yaml" \
"  - {name: uplink0, type: ethdev, device: \"$src\"}
  - {name: vm0, type: vhost, path: \"$(VHOST_SOCK)\", mode: client}" \
				"$("$BENCH" rules --format yaml --in-port uplink0 --out-port vm0)"
			if nfv_start "$RUNDIR/nfvswitch.yaml"; then
				r=$(measure_pps "$GUEST_PREFIX" 0 ipackets || echo n/a)
			else
				vhost_check_refusal
			fi
			nfv_stop ;;
		esac
		guest_stop
		log "  $sys: $(mpps "$r") Mpps at the guest"
		case $sys in testpmd) tp=$r ;; ovs) ovs=$r ;; nfvswitch) nfv=$r ;; esac
	done
	MEM_MB=$save_mem
	table_row "phy-vhost" "$flows" 1 prefix "$nfv" "$ovs" "$tp"
}

scenario_main() {
	local f flows_list
	MEASURE_NOTE="window ${WINDOW}s after ${WARMUP}s warm-up; Mpps = packets/s the guest receives"
	guest_cores
	if [ -n "$FLOWS_LIST" ]; then
		flows_list=${FLOWS_LIST//,/ }
	elif [ "$QUICK" = 1 ]; then
		flows_list="1000"
	else
		flows_list="1 1k 10k 100k"
	fi
	log "phy-vhost: $CORE_PLAN; $GUEST_NOTE"
	for f in $flows_list; do
		pv_point "$(expand_count "$f")"
	done
	table_print "phy-vhost: net_pcap -> switch -> vhost -> guest rxonly (rate at the guest)"
	echo "# $GUEST_NOTE"
	vhost_exit_status
}
