#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# MAC learning (the `normal` action) beside OVS-DPDK 3.1's NORMAL, one
# forwarding core, 64-byte frames, in interleaved rounds:
#
#   Two net_pcap ports replay captures of opposite sides (bench/l2/macgen.py):
#   side a sends from host MAC a_i to b_i, side b from b_i to a_i, i < MACS.
#   Once both sides have been seen every frame goes to exactly one port, so
#   the switch learns 2 x MACS entries and the measured rate is the learned
#   (known unicast) path, refreshes of existing entries included. Rate: the
#   sum of both ports' tx packets/s after a warm-up that learns the table.
#
#   nfvswitch: one rule `actions: [normal]`, l2.max_entries sized for the
#   table. Both are measured once their MAC table holds every address
#   (up to LEARN_MAX s, 120). OVS: the default NORMAL flow of a netdev bridge (fail-mode
#   standalone, as an L2 switch runs) with mac-table-size sized likewise,
#   EMC on (its default) and off; the better one counts.
#
#   bench/l2/run.sh [--macs "1000 100000"] [--rounds R] [--warmup S] [--window S]
#
# Target (issue 15): >= 1.5 x OVS at 1k and 100k MACs. Every process it
# starts is stopped on exit.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../scenarios/lib.sh
. "$here/../scenarios/lib.sh"
# shellcheck source=../scenarios/rounds.sh
. "$here/../scenarios/rounds.sh"

MACS_LIST="1000 100000"
ROUNDS=3
WARMUP=3
WINDOW=4
while [ $# -gt 0 ]; do
	case $1 in
	--macs) MACS_LIST=$2; shift 2 ;;
	--rounds) ROUNDS=$2; shift 2 ;;
	--warmup) WARMUP=$2; shift 2 ;;
	--window) WINDOW=$2; shift 2 ;;
	--huge) HUGE=1; shift ;;
	--keep) KEEP=1; shift ;;
	-h|--help) sed -n '3,22p' "$0"; exit 0 ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
done

[ -x "$NFVSWITCH" ] || die "build first: meson setup build && ninja -C build"
rundir_init
env_describe
ensure_pkg "$OVS_VSWITCHD" openvswitch-switch-dpdk || note "OVS-DPDK not installed: nfvswitch only"
# OVS's br0 is a kernel tap: in a namespace of this run it cannot collide
# with another OVS on the host
if [ "$(id -u)" = 0 ]; then
	ovs_netns || note "no network namespace for OVS: its br0 tap is the host's"
fi

# pps summed over the tx of two ports of PREFIX over WINDOW after WARMUP
tx2_pps() { # tx2_pps PREFIX NAME_A NAME_B
	local pa pb a0 b0 a1 b1 t0 t1
	pa=$(port_by_name "$1" "$2")
	pb=$(port_by_name "$1" "$3")
	[ -n "$pa" ] && [ -n "$pb" ] || { echo n/a; return; }
	sleep "$WARMUP"
	a0=$("${STATS[@]}" "$1" "$pa" opackets); b0=$("${STATS[@]}" "$1" "$pb" opackets)
	t0=$(date +%s.%N)
	sleep "$WINDOW"
	a1=$("${STATS[@]}" "$1" "$pa" opackets); b1=$("${STATS[@]}" "$1" "$pb" opackets)
	t1=$(date +%s.%N)
	awk -v d=$((a1 - a0 + b1 - b0)) -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.0f", d / (t1 - t0) }'
}

# Before the warm-up, each switch's MAC table must hold every address
# (2 x MACS entries), or up to LEARN_MAX s: a switch still learning (OVS
# learns each new MAC through its slow path) would be measured on its
# flooding path, not the learned one. How long it took is logged.
LEARN_MAX=${LEARN_MAX:-120}
nfv_entries() { # l2_entries of /nfvswitch/info (dpdk_stats.py's telemetry client)
	PYTHONPATH="$SC_DIR" python3 -c 'import sys, dpdk_stats as d
print(d.Telemetry(sys.argv[1]).cmd("/nfvswitch/info")["/nfvswitch/info"]["l2_entries"])' \
		"$NFV_PREFIX" 2>/dev/null || echo 0
}
ovs_entries() {
	ovs-appctl -t "$OVS_RUN/ovs-vswitchd.ctl" fdb/stats-show br0 2>/dev/null |
		awk -F': *' '/Current\/maximum/ { split($2, a, "/"); print a[1] + 0 }'
}
wait_learned() { # wait_learned NAME ENTRIES_FN WANT
	local i c=0 t0=$SECONDS
	for ((i = 0; i < LEARN_MAX * 5; i++)); do
		c=$($2)
		[ "${c:-0}" -ge "$3" ] && break
		sleep 0.2
	done
	log "  $1: ${c:-0} of $3 MAC entries after $((SECONDS - t0)) s"
	[ "${c:-0}" -ge "$3" ] || note "$1 learned ${c:-0} of $3 MACs in ${LEARN_MAX} s: measured while still learning"
}

nfv_point() { # nfv_point MACS -> pps
	local n=$1 cfg="$RUNDIR/nfv-$1.yaml"
	nfv_config "$cfg" \
"  - {name: a, type: ethdev, device: \"net_pcap0,rx_pcap=$RUNDIR/a-$n.pcap,infinite_rx=1\"}
  - {name: b, type: ethdev, device: \"net_pcap1,rx_pcap=$RUNDIR/b-$n.pcap,infinite_rx=1\"}" \
"l2: {max_entries: $((n * 2 + 4096))}
rules:
  - {name: l2, priority: 1, match: {}, actions: [normal]}"
	nfv_start "$cfg" || { echo n/a; return; }
	wait_learned nfvswitch nfv_entries $((n * 2)) >&2
	tx2_pps "$NFV_PREFIX" net_pcap0 net_pcap1
	nfv_stop
}

ovs_point() { # ovs_point MACS EMC(on|off) -> pps
	local n=$1
	ovs_start || { echo n/a; return; }
	ovs_vsctl set bridge br0 fail-mode=standalone \
		other_config:mac-table-size=$((n * 2 + 4096)) other_config:mac-aging-time=300
	[ "$2" = off ] && ovs_vsctl set Open_vSwitch . other_config:emc-insert-inv-prob=0
	if ovs_add_port pa 1 "net_pcap0,rx_pcap=$RUNDIR/a-$n.pcap,infinite_rx=1" &&
	   ovs_add_port pb 2 "net_pcap1,rx_pcap=$RUNDIR/b-$n.pcap,infinite_rx=1"; then
		wait_learned "OVS (EMC $2)" ovs_entries $((n * 2)) >&2
		tx2_pps "$OVS_PREFIX" net_pcap0 net_pcap1
	else
		echo n/a
	fi
	ovs_stop
}

declare -A R

for n in $MACS_LIST; do
	python3 "$here/macgen.py" -o "$RUNDIR/a-$n.pcap" --macs "$n" --side a
	python3 "$here/macgen.py" -o "$RUNDIR/b-$n.pcap" --macs "$n" --side b
done
# net_pcap infinite_rx keeps both captures in mbufs
MEM_MB=$((1024 + $(echo "$MACS_LIST" | tr ' ' '\n' | sort -n | tail -1) * 10 / 1024))
NFV_MBUFS=$(( $(echo "$MACS_LIST" | tr ' ' '\n' | sort -n | tail -1) * 2 + 32768 ))

for ((r = 1; r <= ROUNDS; r++)); do
	for n in $MACS_LIST; do
		log "round $r, $n MACs per side"
		R[$n,nfv,$r]=$(nfv_point "$n")
		if [ -x "$OVS_VSWITCHD" ]; then
			local_on=$(ovs_point "$n" on)
			local_off=$(ovs_point "$n" off)
			R[$n,ovs,$r]=$(printf '%s\n%s\n' "$local_on" "$local_off" | grep -v n/a | sort -g | tail -1)
			R[$n,ovs,$r]=${R[$n,ovs,$r]:-n/a}
			log "  nfvswitch $(mpps "${R[$n,nfv,$r]}"), OVS $(mpps "$local_on") (EMC on) $(mpps "$local_off") (EMC off) Mpps"
		else
			R[$n,ovs,$r]=n/a
			log "  nfvswitch $(mpps "${R[$n,nfv,$r]}") Mpps"
		fi
	done
done

echo
echo "== normal (MAC learning) forwarding, two net_pcap ports both ways, 64 B, $ROUNDS interleaved rounds =="
env_print
printf '%-10s %12s %12s %8s   %s\n' "MACs/side" "nfvswitch" "OVS-DPDK" "nfv/OVS" "per-round ratios"
for n in $MACS_LIST; do
	vals() { local i; for ((i = 1; i <= ROUNDS; i++)); do echo "${R[$n,$1,$i]}"; done | grep -v n/a || true; }
	rats() { local i; for ((i = 1; i <= ROUNDS; i++)); do ratio "${R[$n,nfv,$i]}" "${R[$n,ovs,$i]}"; echo; done | grep -v n/a || true; }
	printf '%-10s %12s %12s %8s   %s\n' "$n" "$(mpps "$(median "$(vals nfv)")")" "$(mpps "$(median "$(vals ovs)")")" \
		"$(median "$(rats)")" "$(rats | tr '\n' ' ')"
done
echo "# Mpps, medians; OVS: the better of EMC on / off per round; 2 x MACs table entries"
for m in "${NOTES[@]}"; do echo "# note: $m"; done
