#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# p2p: generator -> net_memif -> switch -> net_memif -> generator.
#
# The switch (or OVS-DPDK, or testpmd in io mode) owns two memif server
# ports; nfvswitch-bench connects to both as a client, sends on the first
# and receives on the second, and runs an RFC 2544 search (NDR, PDR) with
# latency at fractions of NDR, for each frame size and flow count. The table
# compares the NDRs; the latency table follows. Sourced by run.sh.

. "$SC_DIR/table.sh"

. "$SC_DIR/gen.sh"

p2p_system() { # p2p_system SYSTEM
	local sys=$1 a b
	rm -f "$RUNDIR"/memif*.sock
	a=$(memif_dev 0 server)
	b=$(memif_dev 1 server)
	case $sys in
	testpmd)
		testpmd_start "$a" "$b" && gen_rfc2544 testpmd
		testpmd_stop ;;
	ovs)
		"$BENCH" rules --format ofctl --in-port 1 --out-port 2 --masks "$MASKS" > "$RUNDIR/flows.of"
		if ovs_start && ovs_add_port m0 1 "$a" && ovs_add_port m1 2 "$b" &&
		   ovs_flows "$RUNDIR/flows.of"; then
			# OVS sends on txq 1 (its PMD; txq 0 is the main thread): a memif
			# client needs one rx queue per server tx queue.
			GEN_RXQ=2 gen_rfc2544 ovs
		else
			note "OVS-DPDK p2p setup failed"
		fi
		ovs_stop ;;
	nfvswitch)
		nfv_config "$RUNDIR/nfvswitch.yaml" \
"  - {name: m0, type: ethdev, device: \"$a\"}
  - {name: m1, type: ethdev, device: \"$b\"}" \
			"$("$BENCH" rules --format yaml --in-port m0 --out-port m1 --masks "$MASKS")"
		nfv_start "$RUNDIR/nfvswitch.yaml" && gen_rfc2544 nfvswitch
		nfv_stop ;;
	esac
}

scenario_main() {
	local sys
	search_defaults
	MEASURE_NOTE="Mpps = RFC 2544 NDR found by nfvswitch-bench, ${TRIAL}s trials, resolution ${RESOLUTION}%"
	log "p2p: $CORE_PLAN; $GEN_NOTE"
	[ "$NCPU" -ge 3 ] || note "2 CPUs: the generator shares core 0 with the control threads; NDRs are bounded by the generator (marked * in the generator tables)"
	for sys in testpmd ovs nfvswitch; do
		if want "$sys"; then p2p_system "$sys" || true; fi
	done
	ndr_rows p2p
	table_print "p2p: generator -> memif -> switch -> memif -> generator, RFC 2544 NDR"
	lat_table
}
