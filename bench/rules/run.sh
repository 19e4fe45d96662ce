#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Rule update latency and throughput of nfvswitch at 1k and 64k rules, with
# the worker forwarding a replayed 64-byte capture meanwhile:
#   - single `rule add` / `rule del` round trips over the control socket
#     (median, p99), and the forwarding rate during them;
#   - batches of 10,000 adds (then 10,000 deletes) in one transaction
#     (`rule batch`), rules/s, and the forwarding rate during them;
#   - the same through the command line (nfvswitch-ctl, a process per
#     change) and, with --ovs, OVS's own (ovs-ofctl add-flow / add-flows
#     --bundle on an OVS-DPDK bridge), both as an operator types them.
#
#   bench/rules/run.sh [--rules "1000 64000"] [--ovs] [--singles N] [--batch N]
#
# Targets (issue 13): single add <= 1 ms at 64k rules; batch >= 200,000
# rules/s; forwarding during updates >= 0.9 x idle. Every process it starts
# is stopped on exit (normal, error, Ctrl-C).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../scenarios/lib.sh
. "$here/../scenarios/lib.sh"

RULE_COUNTS="1000 64000"
SINGLES=200
BATCH=10000
WITH_OVS=0
CTRL_CORE=${CTRL_CORE:-0}
FWD_CORE=${FWD_CORE:-1}
RULE_BENCH=${RULE_BENCH:-$BUILD/bench/rules/nfvswitch-rule-bench}
CTL=${CTL:-$BUILD/app/nfvswitch-ctl}
PCAPGEN=${PCAPGEN:-$BUILD/app/nfvswitch-pcapgen}

while [ $# -gt 0 ]; do
	case $1 in
	--rules) RULE_COUNTS=$2; shift 2 ;;
	--singles) SINGLES=$2; shift 2 ;;
	--batch) BATCH=$2; shift 2 ;;
	--ovs) WITH_OVS=1; shift ;;
	-h|--help) sed -n '3,19p' "$0"; exit 0 ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
done
[ -x "$RULE_BENCH" ] && [ -x "$NFVSWITCH" ] && [ -x "$CTL" ] ||
	die "build first: meson setup build && ninja -C build"

rundir_init
PCAP="$RUNDIR/flows.pcap"
"$PCAPGEN" -o "$PCAP" -f 256 -n 4096 --dst-ips 256 >/dev/null

# n rules of the file: /32s towards sink0 that the capture's flows hit, plus
# n - 256 more that nothing hits (they make the classifier big).
rules_yaml() {
	local n=$1 i
	echo "rules:"
	for ((i = 0; i < n; i++)); do
		printf '  - {name: f%d, priority: 10, match: {in_port: uplink0, ip_dst: 10.%d.%d.%d/32}, actions: [{output: sink0}]}\n' \
			"$i" $((1 + i / 65536)) $(((i / 256) % 256)) $((i % 256))
	done
}

nfv_up() { # nfv_up N_RULES
	local cfg="$RUNDIR/switch-$1.yaml"
	nfv_config "$cfg" \
"  - {name: uplink0, type: ethdev, device: \"net_pcap0,rx_pcap=$PCAP,infinite_rx=1\"}
  - {name: sink0, type: ethdev, device: \"net_null0,no-rx=1\"}" "$(rules_yaml "$1")"
	# Room for the loaded rules, a batch and the singles.
	sed -i "/^workers:/i classifier: {max_rules: $(($1 + BATCH + SINGLES + 1024))}" "$cfg"
	sed -i "/^control:/a \\  socket: $RUNDIR/ctl.sock" "$cfg"
	nfv_start "$cfg" || die "nfvswitch did not start: see $RUNDIR/nfvswitch.log"
	wait_socket "$RUNDIR/ctl.sock" 30 "$NFV_PID" || die "no control socket"
}

# The command line, as an operator types it: one process per change.
cli_singles() { # -> "median_ms p99_ms"
	local i t0 t1 out=()
	for ((i = 0; i < 50; i++)); do
		t0=$(date +%s%N)
		"$CTL" -s "$RUNDIR/ctl.sock" rule add "{name: c$i, priority: 1, match: {in_port: uplink0, ip_dst: 10.250.0.$i/32}, actions: [drop]}" >/dev/null
		t1=$(date +%s%N)
		out+=($(((t1 - t0) / 1000)))
		"$CTL" -s "$RUNDIR/ctl.sock" rule del "c$i" >/dev/null
	done
	printf '%s\n' "${out[@]}" | sort -n | awk '{v[NR] = $1} END { printf "%.3f %.3f\n", v[int((NR + 1) / 2)] / 1e3, v[int(NR * 0.99 + 0.5)] / 1e3 }'
}

ovs_run() { # ovs_run N_RULES: the same file rules as OpenFlow flows
	ovs_start || { note "OVS not available: no OVS comparison"; return 1; }
	ovs_add_port up 1 "net_pcap0,rx_pcap=$PCAP,infinite_rx=1" || return 1
	ovs_add_port s0 2 "net_null0,no-rx=1" || return 1
	ovs_vsctl set bridge br0 fail-mode=secure
	local i flows="$RUNDIR/ovs-flows.txt" mgmt="unix:$OVS_RUN/br0.mgmt"
	for ((i = 0; i < $1; i++)); do
		printf 'priority=10,ip,in_port=1,nw_dst=10.%d.%d.%d,actions=output:2\n' \
			$((1 + i / 65536)) $(((i / 256) % 256)) $((i % 256))
	done > "$flows"
	ovs-ofctl -O OpenFlow13 --bundle add-flows "$mgmt" "$flows"
	local t0 t1 out=()
	for ((i = 0; i < 50; i++)); do
		t0=$(date +%s%N)
		ovs-ofctl -O OpenFlow13 add-flow "$mgmt" "priority=1,ip,in_port=1,nw_dst=10.250.0.$i,actions=drop"
		t1=$(date +%s%N)
		out+=($(((t1 - t0) / 1000)))
		ovs-ofctl -O OpenFlow13 --strict del-flows "$mgmt" "priority=1,ip,in_port=1,nw_dst=10.250.0.$i"
	done
	read -r med p99 < <(printf '%s\n' "${out[@]}" | sort -n | awk '{v[NR] = $1} END { printf "%.3f %.3f\n", v[int((NR + 1) / 2)] / 1e3, v[int(NR * 0.99 + 0.5)] / 1e3 }')
	for ((i = 0; i < BATCH; i++)); do
		printf 'priority=1,ip,in_port=2,nw_dst=10.%d.%d.%d,actions=drop\n' \
			$((200 + i / 65536)) $(((i / 256) % 256)) $((i % 256))
	done > "$RUNDIR/ovs-batch.txt"
	t0=$(date +%s%N)
	ovs-ofctl -O OpenFlow13 --bundle add-flows "$mgmt" "$RUNDIR/ovs-batch.txt"
	t1=$(date +%s%N)
	printf 'OVS %s: ovs-ofctl add-flow round trip median %s ms, p99 %s ms; add-flows --bundle of %d: %.0f rules/s\n' \
		"$($OVS_VSWITCHD --version | head -1 | awk '{print $NF}')" "$med" "$p99" "$BATCH" \
		"$(awk -v n="$BATCH" -v d=$((t1 - t0)) 'BEGIN { print n / (d / 1e9) }')"
	ovs_stop
}

env_describe 2>/dev/null || true
for n in $RULE_COUNTS; do
	log "nfvswitch with $n rules"
	nfv_up "$n"
	echo "== nfvswitch, $n file rules, one worker forwarding net_pcap -> net_null"
	"$RULE_BENCH" -s "$RUNDIR/ctl.sock" -p uplink0 -n "$SINGLES" -b "$BATCH"
	read -r med p99 < <(cli_singles)
	echo "nfvswitch-ctl rule add (a process per change): median $med ms, p99 $p99 ms"
	nfv_stop
	if [ "$WITH_OVS" = 1 ]; then
		log "OVS-DPDK with $n flows"
		echo "== OVS-DPDK, $n flows, fail-mode secure, one PMD"
		ovs_run "$n" || true
	fi
done
