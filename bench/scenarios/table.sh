#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The three-way table every scenario prints (sourced by the scenarios).
# Rows are collected with table_row and printed by table_print, which also
# writes them to $RESULT_CSV.

ROWS=()

# table_row LABEL FLOWS MASKS RULES NFV_PPS OVS_PPS TP_PPS
table_row() {
	ROWS+=("$1|$2|$3|$4|$5|$6|$7")
}

table_print() {
	local title=$1 r label flows masks rules nfv ovs tp
	echo
	echo "== $title =="
	env_print
	printf '%-14s %9s %5s %-10s %11s %11s %11s %9s %9s\n' "workload" "flows" "masks" "rules" \
		"nfvswitch" "OVS-DPDK" "testpmd" "nfv/OVS" "nfv/tpmd"
	printf '%-14s %9s %5s %-10s %11s %11s %11s %9s %9s\n' "" "" "" "" "Mpps" "Mpps" "Mpps" "" ""
	echo "scenario,workload,flows,masks,rules,nfvswitch_mpps,ovs_mpps,testpmd_mpps,nfv_over_ovs,nfv_over_testpmd,dpdk,ovs,cpu,cpus,burst,fwd_core" > "$RESULT_CSV"
	for r in "${ROWS[@]}"; do
		IFS='|' read -r label flows masks rules nfv ovs tp <<< "$r"
		nfv=$(mpps "$nfv"); ovs=$(mpps "$ovs"); tp=$(mpps "$tp")
		printf '%-14s %9s %5s %-10s %11s %11s %11s %9s %9s\n' "$label" "$flows" "$masks" \
			"$rules" "$nfv" "$ovs" "$tp" "$(ratio "$nfv" "$ovs")" "$(ratio "$nfv" "$tp")"
		echo "$SCENARIO,$label,$flows,$masks,$rules,$nfv,$ovs,$tp,$(ratio "$nfv" "$ovs"),$(ratio "$nfv" "$tp"),$DPDK_VER,$OVS_VER,\"$CPU_MODEL\",$NCPU,$BURST,$FWD_CORE" >> "$RESULT_CSV"
	done
	if [ ${#NOTES[@]} -gt 0 ]; then
		echo "notes:"
		local n
		for n in "${NOTES[@]}"; do echo "  - $n"; done
	fi
	echo "(${MEASURE_NOTE:-window ${WINDOW}s after ${WARMUP}s warm-up; Mpps = packets/s leaving the sink port}; CSV: $RESULT_CSV)"
}
