#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# OpenFlow 1.3 side by side: nfvswitch and OVS-DPDK 3.1 programmed with the
# same flow files by the same client (ovs-ofctl -O OpenFlow13 over TCP on
# 127.0.0.1, a passive listener on both switches), in interleaved rounds:
#
#   install   flow_mod install rate: `ovs-ofctl add-flows` of N flows (100,000
#             by default: priority=10,ip,in_port=1,nw_dst=<one /32 each>,
#             output:2), timed from start until ovs-ofctl exits, which is
#             after the switch's BARRIER reply (ovs-ofctl ends every batch
#             with a barrier); flows/s. Both switches forward a replayed
#             capture meanwhile (table miss: drop). Then the same file with
#             `ovs-ofctl --bundle add-flows`: one ONF bundle (OpenFlow 1.3
#             extension, atomic and ordered) timed until the commit reply.
#   pktin     packet-in rate: a table-miss flow CONTROLLER:65535 and a
#             replayed 64-byte capture; a controller that counts and drops
#             them (bench/openflow/ofp_sink.py) over an active TCP connection.
#             nfvswitch's packet_in_rate is raised to its maximum (1M/s);
#             OVS has no controller rate limit unless configured.
#   fwd       forwarding Mpps of bench/scenarios cases (64-byte frames,
#             net_pcap -> switch -> net_null, one forwarding core) with the
#             flows installed through OpenFlow on both switches, and on
#             nfvswitch also from the YAML file (the same rules), so the
#             OpenFlow and YAML ratios compare in the same round.
#
#             The client's own CPU time is printed too: no switch installs
#             faster than ovs-ofctl encodes and sends.
#
#   bench/openflow/run.sh [--flows N] [--rounds R] [--only install,pktin,fwd]
#                         [--warmup S] [--window S] [--huge] [--keep]
#
# Targets (issue 14): install >= 5x OVS; forwarding ratios through OpenFlow at
# least those of the YAML-programmed runs. Reported: per-round values and the
# median of per-round ratios. Every process it starts is stopped on exit.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../scenarios/lib.sh
. "$here/../scenarios/lib.sh"
# shellcheck source=../scenarios/rounds.sh
. "$here/../scenarios/rounds.sh"

FLOWS=100000
ROUNDS=3
ONLY="install,pktin,fwd"
WARMUP=2
WINDOW=4
while [ $# -gt 0 ]; do
	case $1 in
	--flows) FLOWS=$2; shift 2 ;;
	--rounds) ROUNDS=$2; shift 2 ;;
	--only) ONLY=$2; shift 2 ;;
	--warmup) WARMUP=$2; shift 2 ;;
	--window) WINDOW=$2; shift 2 ;;
	--huge) HUGE=1; shift ;;
	--keep) KEEP=1; shift ;;
	-h|--help) sed -n '3,30p' "$0"; exit 0 ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
done
part() { [[ ",$ONLY," == *",$1,"* ]]; }

need_bench
[ -x "$NFVSWITCH" ] || die "build first: meson setup build && ninja -C build"
rundir_init
env_describe
ensure_pkg ovs-ofctl openvswitch-common || die "ovs-ofctl (openvswitch-common) is needed"
ensure_pkg "$OVS_VSWITCHD" openvswitch-switch-dpdk || die "OVS-DPDK is needed for the comparison"
OFCTL=(ovs-ofctl -O OpenFlow13 --timeout=600)
# Ports of this run (unlikely to collide with a running switch).
OFP_PORT=$((20000 + RANDOM % 20000))
CTL_PORT=$((OFP_PORT + 1))
TARGET="tcp:127.0.0.1:$OFP_PORT"

FLOWFILE="$RUNDIR/install.of"
awk -v n="$FLOWS" 'BEGIN { for (i = 0; i < n; i++)
	printf "priority=10,ip,in_port=1,nw_dst=10.%d.%d.%d,actions=output:2\n",
		1 + int(i / 65536), int(i / 256) % 256, i % 256 }' > "$FLOWFILE"

PCAP1K="$RUNDIR/f1k.pcap"
"$BENCH" pcap -o "$PCAP1K" --flows 1000 --masks 1 --size 64 --count 1024 >/dev/null
PCAP10K8="$RUNDIR/f10k8.pcap"
"$BENCH" pcap -o "$PCAP10K8" --flows 10000 --masks 8 --size 64 --count 10000 >/dev/null
SINK="net_null0,no-rx=1"
src_of() { echo "net_pcap0,rx_pcap=$1,infinite_rx=1"; }

# Wait until an OpenFlow listener answers.
wait_ofp() { # wait_ofp TARGET SECONDS
	local i
	for i in $(seq 1 $(($2 * 5))); do
		"${OFCTL[@]}" show "$1" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

# nfv_of_up PCAP [OPENFLOW_EXTRA_YAML] [RULES_YAML]: nfvswitch with a listener
nfv_of_up() {
	local cfg="$RUNDIR/nfv.yaml"
	nfv_config "$cfg" \
"  - {name: uplink0, type: ethdev, device: \"$(src_of "$1")\", ofport: 1}
  - {name: sink0, type: ethdev, device: \"$SINK\", ofport: 2}" \
"${3:-}
classifier: {max_rules: $((FLOWS + 4096))}
openflow:
  listen: \"ptcp:$OFP_PORT:127.0.0.1\"
  table_miss: drop
  packet_in_rate: 1000000
${2:-}"
	nfv_start "$cfg" || die "nfvswitch did not start: $(tail -3 "$RUNDIR/nfvswitch.log")"
	wait_ofp "$TARGET" 30 || die "nfvswitch's OpenFlow listener does not answer"
}

# ovs_of_up PCAP: OVS-DPDK, fail-mode secure, ports added before any flow,
# a passive OpenFlow listener on the same port nfvswitch uses
ovs_of_up() {
	ovs_start || die "OVS-DPDK did not start"
	ovs_vsctl set bridge br0 fail-mode=secure protocols=OpenFlow13
	ovs_add_port p0 1 "$(src_of "$1")" || die "OVS port p0"
	ovs_add_port p1 2 "$SINK" || die "OVS port p1"
	ovs_vsctl set-controller br0 "ptcp:$OFP_PORT:127.0.0.1" ${2:-}
	wait_ofp "$TARGET" 30 || die "OVS's OpenFlow listener does not answer"
	"${OFCTL[@]}" del-flows "$TARGET"
	ovs_dp_flush
}

ovs_tx_pps() {
	local p
	p=$(port_by_name "$OVS_PREFIX" net_null0)
	if [ -n "$p" ]; then measure_pps "$OVS_PREFIX" "$p" opackets || echo n/a
	else ovs_measure_tx 2; fi
}

# install_time: seconds for ovs-ofctl add-flows of FLOWFILE into TARGET
# (install_rate --bundle: all of them in one ONF bundle, timed until the
# commit reply)
# The client's own CPU time (user + sys) goes to $RUNDIR/ofctl.cpu: no switch
# can install faster than ovs-ofctl encodes and sends.
install_rate() {
	local t0 t1 TIMEFORMAT='%U %S'
	t0=$(date +%s%N)
	{ time "${OFCTL[@]}" "$@" add-flows "$TARGET" "$FLOWFILE" 2> "$RUNDIR/ofctl.err"; } 2> "$RUNDIR/ofctl.time"
	t1=$(date +%s%N)
	cat "$RUNDIR/ofctl.err" >&2
	awk '{ printf "%.3f", $1 + $2 }' "$RUNDIR/ofctl.time" > "$RUNDIR/ofctl.cpu"
	awk -v n="$FLOWS" -v d=$((t1 - t0)) 'BEGIN { printf "%.0f", n / (d / 1e9) }'
}
client_cpu() { cat "$RUNDIR/ofctl.cpu"; }

flow_count() { "${OFCTL[@]}" dump-flows "$TARGET" | grep -c 'priority=' || true; }

sink_start() {
	python3 "$here/ofp_sink.py" --port "$CTL_PORT" --out "$RUNDIR/pktin.count" &
	SINK_PID=$!
	PIDS+=("$SINK_PID")
	local i
	for i in $(seq 1 50); do [ -f "$RUNDIR/pktin.count" ] && return 0; sleep 0.1; done
	die "the packet-in sink did not start"
}
sink_stop() { stop_pid "$SINK_PID"; rm -f "$RUNDIR/pktin.count"; }

# packet-ins/s the sink counted over WINDOW after WARMUP
pktin_rate() {
	local a ta b tb
	sleep "$WARMUP"
	read -r a ta < "$RUNDIR/pktin.count"
	sleep "$WINDOW"
	read -r b tb < "$RUNDIR/pktin.count"
	awk -v a="$a" -v b="$b" -v ta="$ta" -v tb="$tb" 'BEGIN { if (tb > ta) printf "%.0f", (b - a) / (tb - ta); else print "n/a" }'
}

# The forwarding cases: name pcap ofctl-flow-args yaml-args
fwd_flows() { # fwd_flows CASE FORMAT
	case $1 in
	port) "$BENCH" rules --format "$2" --port-only $3 ;;
	l3-1k) "$BENCH" rules --format "$2" --masks 1 $3 ;;
	l3-10k-8m) "$BENCH" rules --format "$2" --masks 8 $3 ;;
	esac
}
fwd_pcap() { case $1 in l3-10k-8m) echo "$PCAP10K8" ;; *) echo "$PCAP1K" ;; esac; }
FWD_CASES="port l3-1k l3-10k-8m"

declare -A R # R[part,case,system,round] = value


for ((round = 1; round <= ROUNDS; round++)); do
	log "round $round of $ROUNDS"
	if part install; then
		nfv_of_up "$PCAP1K"
		R[install,nfv,$round]=$(install_rate)
		R[install-cpu,nfv,$round]=$(client_cpu)
		[ "$round" = 1 ] && log "  nfvswitch holds $(flow_count) flows"
		nfv_stop
		ovs_of_up "$PCAP1K"
		R[install,ovs,$round]=$(install_rate)
		R[install-cpu,ovs,$round]=$(client_cpu)
		[ "$round" = 1 ] && log "  OVS holds $(flow_count) flows"
		ovs_stop
		log "  install: nfvswitch ${R[install,nfv,$round]} flows/s, OVS ${R[install,ovs,$round]} flows/s"
		nfv_of_up "$PCAP1K"
		R[binstall,nfv,$round]=$(install_rate --bundle)
		R[binstall-cpu,nfv,$round]=$(client_cpu)
		[ "$round" = 1 ] && log "  nfvswitch holds $(flow_count) flows (bundle)"
		nfv_stop
		ovs_of_up "$PCAP1K"
		R[binstall,ovs,$round]=$(install_rate --bundle)
		R[binstall-cpu,ovs,$round]=$(client_cpu)
		[ "$round" = 1 ] && log "  OVS holds $(flow_count) flows (bundle)"
		ovs_stop
		log "  install --bundle: nfvswitch ${R[binstall,nfv,$round]} flows/s, OVS ${R[binstall,ovs,$round]} flows/s"
	fi
	if part pktin; then
		sink_start
		nfv_of_up "$PCAP1K" "  controllers: [\"tcp:127.0.0.1:$CTL_PORT\"]"
		"${OFCTL[@]}" add-flow "$TARGET" "priority=0,actions=CONTROLLER:65535"
		R[pktin,nfv,$round]=$(pktin_rate)
		nfv_stop
		sink_stop
		sink_start
		ovs_of_up "$PCAP1K" "tcp:127.0.0.1:$CTL_PORT"
		"${OFCTL[@]}" add-flow "$TARGET" "priority=0,actions=CONTROLLER:65535"
		R[pktin,ovs,$round]=$(pktin_rate)
		ovs_stop
		sink_stop
		log "  packet-in: nfvswitch ${R[pktin,nfv,$round]}/s, OVS ${R[pktin,ovs,$round]}/s"
	fi
	if part fwd; then
		for c in $FWD_CASES; do
			fwd_flows "$c" ofctl "--in-port 1 --out-port 2" > "$RUNDIR/$c.of"
			nfv_of_up "$(fwd_pcap "$c")"
			"${OFCTL[@]}" add-flows "$TARGET" "$RUNDIR/$c.of"
			R[fwd,$c,nfv-of,$round]=$(nfv_measure_tx sink0 net_null0 || echo n/a)
			nfv_stop
			nfv_of_up "$(fwd_pcap "$c")" "" "$(fwd_flows "$c" yaml "--in-port uplink0 --out-port sink0")"
			R[fwd,$c,nfv-yaml,$round]=$(nfv_measure_tx sink0 net_null0 || echo n/a)
			nfv_stop
			ovs_of_up "$(fwd_pcap "$c")"
			"${OFCTL[@]}" add-flows "$TARGET" "$RUNDIR/$c.of"
			ovs_dp_flush
			R[fwd,$c,ovs,$round]=$(ovs_tx_pps)
			ovs_stop
			log "  $c: nfvswitch/OpenFlow $(mpps "${R[fwd,$c,nfv-of,$round]}"), nfvswitch/YAML $(mpps "${R[fwd,$c,nfv-yaml,$round]}"), OVS $(mpps "${R[fwd,$c,ovs,$round]}") Mpps"
		done
	fi
done

# per-round ratios of a/b, one per line
ratios() { # ratios PREFIX_A PREFIX_B
	local r
	for ((r = 1; r <= ROUNDS; r++)); do
		ratio "${R[$1,$r]:-n/a}" "${R[$2,$r]:-n/a}"; echo
	done | grep -v n/a || true
}
values() { local r; for ((r = 1; r <= ROUNDS; r++)); do echo "${R[$1,$r]:-n/a}"; done | grep -v n/a || true; }

echo
echo "== OpenFlow 1.3: nfvswitch vs OVS-DPDK, $ROUNDS interleaved rounds, medians =="
env_print
echo "# client: $(ovs-ofctl --version | head -1); both switches listen on $TARGET"
if part install; then
	printf '%-28s %14s %14s %8s   %s\n' "install ($FLOWS flows)" "nfvswitch/s" "OVS/s" "ratio" "per-round ratios"
	printf '%-28s %14s %14s %8s   %s\n' "add-flows until barrier" \
		"$(median "$(values install,nfv)")" "$(median "$(values install,ovs)")" \
		"$(median "$(ratios install,nfv install,ovs)")" "$(ratios install,nfv install,ovs | tr '\n' ' ')"
	printf '%-28s %14s %14s %8s   %s\n' "add-flows --bundle, commit" \
		"$(median "$(values binstall,nfv)")" "$(median "$(values binstall,ovs)")" \
		"$(median "$(ratios binstall,nfv binstall,ovs)")" "$(ratios binstall,nfv binstall,ovs | tr '\n' ' ')"
	printf '%-28s %14s %14s\n' "ovs-ofctl CPU s, add-flows" "$(median "$(values install-cpu,nfv)")" "$(median "$(values install-cpu,ovs)")"
	printf '%-28s %14s %14s\n' "ovs-ofctl CPU s, --bundle" "$(median "$(values binstall-cpu,nfv)")" "$(median "$(values binstall-cpu,ovs)")"
	echo "# the client's user+sys seconds for the $FLOWS flows (median): no switch installs faster"
	echo "# than $FLOWS / that through this client on this machine"
	echo "# add-flows: ovs-ofctl sends each flow_mod with a barrier and waits for its reply (a round"
	echo "# trip per flow); --bundle: one ONF bundle (atomic, ordered) of all of them, one commit"
fi
if part pktin; then
	printf '%-28s %14s %14s %8s   %s\n' "packet-in (64 B, miss)" "nfvswitch/s" "OVS/s" "ratio" "per-round ratios"
	printf '%-28s %14s %14s %8s   %s\n' "to a dropping controller" \
		"$(median "$(values pktin,nfv)")" "$(median "$(values pktin,ovs)")" \
		"$(median "$(ratios pktin,nfv pktin,ovs)")" "$(ratios pktin,nfv pktin,ovs | tr '\n' ' ')"
fi
if part fwd; then
	printf '%-12s %10s %10s %10s %9s %9s   %s\n' "forwarding" "nfv-OF" "nfv-YAML" "OVS-OF" "OF/OVS" "YAML/OVS" "per-round OF/OVS"
	for c in $FWD_CASES; do
		printf '%-12s %10s %10s %10s %9s %9s   %s\n' "$c" \
			"$(mpps "$(median "$(values "fwd,$c,nfv-of")")")" \
			"$(mpps "$(median "$(values "fwd,$c,nfv-yaml")")")" \
			"$(mpps "$(median "$(values "fwd,$c,ovs")")")" \
			"$(median "$(ratios "fwd,$c,nfv-of" "fwd,$c,ovs")")" \
			"$(median "$(ratios "fwd,$c,nfv-yaml" "fwd,$c,ovs")")" \
			"$(ratios "fwd,$c,nfv-of" "fwd,$c,ovs" | tr '\n' ' ')"
	done
	echo "# Mpps; cases: port = in_port rule, 1k flows; l3-1k = one ip_dst prefix rule, 1k flows;"
	echo "# l3-10k-8m = 8 prefix rules of 8 lengths, 10k flows (bench/scenarios workloads)"
fi
for n in "${NOTES[@]}"; do echo "# note: $n"; done
