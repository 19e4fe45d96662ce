#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# A real host's port seen through net_tap (issue 16): RSS types from the
# config reduced to what the device offers, flows the kernel spreads over a
# multi-queue tap arriving on several rx queues, and (with "link") the link
# state when the kernel side goes down and up: show ports, telemetry,
# metrics, the link change counter and tx to the down port counted link_down.
#
# usage: hosts_tap.sh NFVSWITCH NFVSWITCH-CTL
set -u
bin=$1
ctl=$2

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; [ -f "$dir/daemon.log" ] && tail -n 40 "$dir/daemon.log"; exit 1; }

[ "$(id -u)" = 0 ] || skip "needs root for net_tap"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
command -v python3 >/dev/null || skip "no python3"
command -v ip >/dev/null || skip "no ip (iproute2)"

sfx=$(printf '%04x' $((RANDOM)))$$
sfx=${sfx:0:8}
tap=hst$sfx
tap1=hsu$sfx
dir=$(mktemp -d /tmp/hs-tap-XXXXXX)
sock=$dir/ctl.sock
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	ip link del "$tap" 2>/dev/null
	ip link del "$tap1" 2>/dev/null
	rm -rf "$dir" "/var/run/dpdk/hs$sfx"
}
trap cleanup EXIT INT TERM

cat >"$dir/switch.yaml" <<YAML
dpdk: {main_lcore: 0, memory_mb: 256, no_huge: true, file_prefix: hs$sfx,
       log_level: "*:notice", extra_args: ["--no-pci"]}
workers: [{lcore: 1}]
control: {stats_interval_ms: 0, socket: $sock}
ports:
  - {name: tap0, type: ethdev, device: "net_tap_hs$sfx,iface=$tap", rx_queues: 4, tx_queues: 4,
     rss: {types: [ip, udp, sctp]}}
  - {name: tap1, type: ethdev, device: "net_tap_hs${sfx}b,iface=$tap1"}
  - {name: sink, type: ethdev, device: "net_null_hs$sfx,no-rx=1"}
rules:
  - {name: in, priority: 10, match: {in_port: tap0}, actions: [{output: sink}]}
  # only the test's frames (the kernel sends its own on a tap that is up)
  - {name: to-tap0, priority: 10, match: {in_port: tap1, ip_dst: 10.7.0.0/16},
     actions: [{output: tap0}]}
YAML

"$bin" -c "$dir/switch.yaml" >"$dir/daemon.log" 2>&1 &
pid=$!
for _ in $(seq 300); do
	[ -S "$sock" ] && break
	kill -0 "$pid" 2>/dev/null || fail "daemon exited"
	sleep 0.1
done
[ -S "$sock" ] || fail "no control socket after 30 s"
for t in "$tap" "$tap1"; do
	sysctl -qw "net.ipv6.conf.$t.disable_ipv6=1" 2>/dev/null
done

q() { "$ctl" -s "$sock" --json "$@"; }
# py EXPR: evaluate a Python expression over the JSON reply j of stdin
py() { python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"; }

# ---- RSS state in show ports --------------------------------------------------
ports=$(q show ports) || fail "show ports"
rss=$(echo "$ports" | py '[p for p in j if p["name"]=="tap0"][0]["rss"]')
echo "tap0 rss: $rss"
echo "$ports" | py '[p for p in j if p["name"]=="tap0"][0]["rss"]["types_asked"]' |
	grep -q "'ipv4', 'ipv6', 'udp', 'sctp'" || fail "types_asked: $rss"
echo "$ports" | py '[p for p in j if p["name"]=="tap0"][0]["rss"]["types"]' |
	grep -qx "\['ipv4', 'ipv6', 'udp'\]" || fail "active types (net_tap has no sctp): $rss"
echo "$ports" | py '[p for p in j if p["name"]=="tap0"][0]["rss"]["enabled"]' |
	grep -qx True || fail "rss not enabled: $rss"
grep -q "port tap0: RSS hash types reduced.*not hashed: sctp" "$dir/daemon.log" ||
	fail "no warning naming the lost hash type"
# where each lives: the port's NUMA socket and rx pool, each worker's socket
where=$(echo "$ports" | py '[(p["name"], p["numa_socket"], p["mbuf_pool"]) for p in j]')
echo "ports (name, numa_socket, mbuf_pool): $where"
echo "$ports" | py 'all(p["mbuf_pool"].startswith("vs_mbuf_") for p in j)' | grep -qx True ||
	fail "a port without its mbuf pool: $where"
q show workers | py 'all(isinstance(w["numa_socket"], int) for w in j)' | grep -qx True ||
	fail "show workers has no numa_socket"

# ---- flows from the kernel side land on several rx queues ---------------------
python3 - "$tap" <<'PY' || fail "sender"
import socket, struct, sys
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
n = 0
for rnd in range(4):
    for f in range(128):
        src = bytes([10, 9, f // 256, f % 256]); dst = bytes([10, 8, 0, 1 + f % 200])
        udp = struct.pack("!HHHH", 1000 + f, 2000 + 7 * f, 8 + 18, 0) + bytes(18)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), f, 0, 64, 17, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        eth = bytes.fromhex("020000000002") + bytes.fromhex("0200000000%02x" % (f % 250 + 1)) + b"\x08\x00"
        s.send(eth + ip + udp); n += 1
print("sent", n)
PY
busy=0
for _ in $(seq 200); do
	rxqs=$(q show workers | py '[(r["queue"], r["pkts"]) for w in j for r in w["rxqs"] if r["port"]=="tap0"]')
	busy=$(q show workers | py 'len([r for w in j for r in w["rxqs"] if r["port"]=="tap0" and r["pkts"] > 0])')
	total=$(q show workers | py 'sum(r["pkts"] for w in j for r in w["rxqs"] if r["port"]=="tap0")')
	[ "$total" -ge 512 ] && break
	sleep 0.1
done
echo "tap0 rx queues (queue, pkts): $rxqs"
[ "$total" -ge 512 ] || fail "only $total of 512 packets arrived: $rxqs"
[ "$busy" -ge 2 ] || fail "every flow on one rx queue: $rxqs"

# ---- link state: kernel side down and up ----------------------------------------
# send N frames from the kernel side of tap1 towards 10.7.0.1 (rule: out tap0)
send1() {
	python3 - "$tap1" "$1" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 46, 0, 0, 64, 17, 0, bytes([10, 9, 0, 1]), bytes([10, 7, 0, 1]))
udp = struct.pack("!HHHH", 1, 2, 26, 0) + bytes(18)
for i in range(int(sys.argv[2])):
    s.send(bytes.fromhex("020000000001020000000002" "0800") + ip + udp)
PY
}
port() { q show ports | py "[p for p in j if p['name']=='$1'][0]$2"; }
metric() { "$ctl" -s "$sock" metrics | grep "^$1{port=\"tap0\"}" | awk '{print $2}'; }
tx_at_least() { [ "$(port tap0 "['tx_pkts']")" -ge "$1" ] && echo True; }
link_down_drops() { q show workers | py 'sum(w["drops"].get("link_down", 0) for w in j)'; }
tel() {
	printf '/nfvswitch/ports,tap0\n' |
		python3 /usr/bin/dpdk-telemetry.py -f "hs$sfx" 2>/dev/null | grep '^{' | tail -n 1 |
		py "j['/nfvswitch/ports'].get('$1')"
}
wait_for() { # wait_for DESC CMD... : until CMD prints "True", 20 s
	local d=$1; shift
	for _ in $(seq 100); do [ "$("$@")" = True ] && return 0; sleep 0.2; done
	fail "$d"
}
link_is() { port tap0 "['link']['up']" ; }
[ "$(port tap0 "['link']['detect']")" = interrupt ] || fail "net_tap raises LSC: $(port tap0 "['link']")"
wait_for "tap0 link up" link_is
[ "$(metric nfvswitch_port_link_up)" = 1 ] || fail "metric link_up: $("$ctl" -s "$sock" metrics | grep link_up)"
changes0=$(port tap0 "['link']['changes']")
tx0=$(port tap0 "['tx_pkts']")
send1 100
wait_for "100 frames out of tap0 while up" tx_at_least $((tx0 + 100))

ip link set "$tap" down
down() { [ "$(link_is)" = False ] && echo True; }
wait_for "tap0 link down after ip link set down" down
# show ports reads the link as it is; the change counter moves when the
# control loop handles the change (an event or the 1 s poll): wait for it
changes_are() { [ "$(port tap0 "['link']['changes']")" = "$1" ] && echo True; }
wait_for "link changes +1 after down: $(port tap0 "['link']")" changes_are $((changes0 + 1))
echo "tap0 link: $(port tap0 "['link']")"
[ "$(metric nfvswitch_port_link_up)" = 0 ] || fail "metric link_up while down"
[ "$(metric nfvswitch_port_link_changes_total)" = $((changes0 + 1)) ] ||
	fail "metric link_changes: $("$ctl" -s "$sock" metrics | grep link_changes)"
if [ -r /usr/bin/dpdk-telemetry.py ]; then
	[ "$(tel link_up)" = 0 ] || fail "telemetry link_up while down: $(tel link_up)"
	[ "$(tel link_changes)" = $((changes0 + 1)) ] || fail "telemetry link_changes"
fi
d0=$(link_down_drops)
tx1=$(port tap0 "['tx_pkts']")
send1 50
got() { [ "$(link_down_drops)" -ge $((d0 + 50)) ] && echo True; }
wait_for "50 frames to the down tap0 counted link_down" got
sleep 0.5
[ "$(link_down_drops)" = $((d0 + 50)) ] ||
	fail "link_down drops not exactly 50"
[ "$(port tap0 "['tx_pkts']")" = "$tx1" ] || fail "tap0 sent while down"

ip link set "$tap" up
wait_for "tap0 link up again" link_is
wait_for "link changes +2 after up" changes_are $((changes0 + 2))
send1 30
wait_for "30 frames out of tap0 after the link came back" tx_at_least $((tx1 + 30))

# net_tap (22.11) refreshes its link from a netlink interrupt but raises no
# RTE_ETH_EVENT_INTR_LSC, so the link-events fd stays quiet here and the 1 s
# poll reads the refreshed state: what the loop woke for, for the record.
kill "$pid"
for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
wait "$pid" 2>/dev/null
pid=
grep -o "control loop: .*" "$dir/daemon.log" | head -n 1

echo "PASS"
