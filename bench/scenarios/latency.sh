#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# latency: nfvswitch-bench's latency histogram at 10 %, 50 % and 90 % of each
# system's own NDR, in p2p (generator -> memif -> switch -> memif ->
# generator) and in PVP (... -> switch -> vhost -> guest macswap -> switch
# -> ...), for nfvswitch and OVS-DPDK (and testpmd io with --systems), in one
# run and one table: p50 / p99 / p99.9 (and min, max) in microseconds.
#
# Each system's NDR comes from an RFC 2544 search (gen.sh), then one
# latency trial per load fraction (LAT_FRACTIONS, default 0.1,0.5,0.9) at
# 64 bytes over GEN_FLOWS flows (--flows; default 1000). Latency is measured
# by the generator's TSC stamps in every packet, so it includes both memif
# hops (and in PVP the guest): compare systems, not absolute values.
#
# Sourced by run.sh (scenario_main).

. "$SC_DIR/table.sh"
. "$SC_DIR/gen.sh"
. "$SC_DIR/vhost.sh"
. "$SC_DIR/p2p.sh"
. "$SC_DIR/pvp.sh"

LAT_TABLE_ROWS=()

# lat_collect SCENARIO SYSTEM: the system's latency rows of the last search
lat_collect() {
	local f="$RUNDIR/gen-$2-lat.csv"
	[ -f "$f" ] || { LAT_TABLE_ROWS+=("$1|$2|n/a"); return; }
	cp "$f" "$RESULTS_DIR/latency-$1-$2.csv"
	local before=${#LAT_TABLE_ROWS[@]}
	while IFS= read -r line; do
		LAT_TABLE_ROWS+=("$1|$2|$line")
	done < <(awk -F, 'NR > 1 { printf "%s %s %.0f%% %.3f %.3f %.3f %.3f %.3f %.3f\n",
		$1, $2, $4 * 100, $5, $8 / 1e3, $10 / 1e3, $11 / 1e3, $12 / 1e3, $13 / 1e3 }' "$f")
	rm -f "$f"
	[ ${#LAT_TABLE_ROWS[@]} -gt "$before" ] || LAT_TABLE_ROWS+=("$1|$2|n/a")
}

scenario_main() {
	local sys sc r a b c
	[ -n "${SYSTEMS_SET:-}" ] || SYSTEMS="nfvswitch,ovs"
	SIZES=${SIZES:-64}
	LAT_FRACTIONS=${LAT_FRACTIONS:-0.1,0.5,0.9}
	search_defaults
	[ -n "$FLOWS_LIST" ] || GEN_FLOWS=1000
	guest_cores
	log "latency: $CORE_PLAN; $GEN_NOTE; $GUEST_NOTE"
	[ "$NCPU" -ge 3 ] || note "2 CPUs: the generator shares core 0 with the control threads (and in PVP the guest): latencies include its scheduling"
	for sc in p2p pvp; do
		for sys in nfvswitch ovs testpmd; do
			want "$sys" || continue
			log "latency: $sc $sys"
			"${sc}_system" "$sys" || true
			lat_collect "$sc" "$sys"
		done
	done
	echo
	echo "== latency (us) at fractions of each system's own NDR, ${SIZES} B, $GEN_FLOWS flows =="
	env_print
	printf '%-5s %-10s %-6s %8s %5s %9s %9s %9s %9s %9s %9s\n' scen system size flows load \
		"rate Mpps" min p50 p99 p99.9 max
	echo "scenario,system,size,flows,load,rate_mpps,min_us,p50_us,p99_us,p999_us,max_us" > "$RESULT_CSV"
	for r in "${LAT_TABLE_ROWS[@]}"; do
		IFS='|' read -r a b c <<< "$r"
		if [ "$c" = n/a ]; then
			printf '%-5s %-10s %s\n' "$a" "$b" "n/a (no NDR found: see the notes)"
			continue
		fi
		read -r -a f <<< "$c"
		printf '%-5s %-10s %-6s %8s %5s %9s %9s %9s %9s %9s %9s\n' "$a" "$b" "${f[@]}"
		echo "$a,$b,$(IFS=,; echo "${f[*]}")" >> "$RESULT_CSV"
	done
	if [ ${#NOTES[@]} -gt 0 ]; then
		echo "notes:"
		local n
		for n in "${NOTES[@]}"; do echo "  - $n"; done
	fi
	echo "(RFC 2544 search ${TRIAL}s trials, resolution ${RESOLUTION}%; latency trials at $LAT_FRACTIONS of the NDR; CSV: $RESULT_CSV)"
	vhost_exit_status
}
