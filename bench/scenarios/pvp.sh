#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# pvp: generator -> memif -> switch -> vhost-user -> guest (testpmd macswap
# over virtio_user) -> vhost-user -> switch -> memif -> generator.
# RFC 2544 NDR per system plus latency, as p2p. Sourced by run.sh.

. "$SC_DIR/table.sh"
. "$SC_DIR/gen.sh"
. "$SC_DIR/vhost.sh"

pvp_system() { # pvp_system SYSTEM
	local sys=$1 a b v
	rm -f "$RUNDIR"/memif*.sock
	a=$(memif_dev 0 server)
	b=$(memif_dev 1 server)
	guest_start macswap || return 1
	case $sys in
	testpmd)
		# chained: memif0 -> vhost -> memif1 (-> memif0, unused)
		v="net_vhost0,iface=$(VHOST_SOCK),client=1,queues=1"
		TP_EXTRA=(--port-topology=chained)
		testpmd_start "$a" "$v" "$b" && gen_rfc2544 testpmd
		TP_EXTRA=()
		testpmd_stop ;;
	ovs)
		{ "$BENCH" rules --format ofctl --in-port 1 --out-port 3 --masks "$MASKS"
		  echo "priority=100,in_port=3,actions=output:2"; } > "$RUNDIR/flows.of"
		if ovs_start && ovs_add_port m0 1 "$a" && ovs_add_port m1 2 "$b" &&
		   ovs_vsctl add-port br0 vm0 -- set Interface vm0 type=dpdkvhostuserclient \
			"options:vhost-server-path=$(VHOST_SOCK)" ofport_request=3 &&
		   ovs_flows "$RUNDIR/flows.of"; then
			# OVS sends on txq 1 (its PMD; txq 0 is the main thread): a memif
			# client needs one rx queue per server tx queue.
			GEN_RXQ=2 gen_rfc2544 ovs
		else
			note "OVS-DPDK pvp setup failed"
		fi
		ovs_stop ;;
	nfvswitch)
		nfv_config "$RUNDIR/nfvswitch.yaml" \
"  - {name: m0, type: ethdev, device: \"$a\"}
  - {name: m1, type: ethdev, device: \"$b\"}
  - {name: vm0, type: vhost, path: \"$(VHOST_SOCK)\", mode: client}" \
			"$("$BENCH" rules --format yaml --in-port m0 --out-port vm0 --masks "$MASKS")
  - {priority: 100, match: {in_port: vm0}, actions: [{output: m1}]}"
		if nfv_start "$RUNDIR/nfvswitch.yaml"; then
			gen_rfc2544 nfvswitch
		else
			vhost_check_refusal
		fi
		nfv_stop ;;
	esac
	guest_stop
}

scenario_main() {
	local sys
	search_defaults
	MEASURE_NOTE="Mpps = RFC 2544 NDR found by nfvswitch-bench, ${TRIAL}s trials, resolution ${RESOLUTION}%"
	guest_cores
	log "pvp: $CORE_PLAN; $GEN_NOTE; $GUEST_NOTE"
	for sys in testpmd ovs nfvswitch; do
		if want "$sys"; then pvp_system "$sys" || true; fi
	done
	ndr_rows pvp
	table_print "pvp: generator -> memif -> switch -> vhost -> guest macswap -> switch -> generator, RFC 2544 NDR"
	echo "# $GUEST_NOTE"
	lat_table
	vhost_exit_status
}
