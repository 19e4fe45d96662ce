#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# A real QEMU guest on an nfvswitch vhost-user port.
#
# QEMU (Debian's qemu-system-x86, TCG is fine) boots Debian's kernel with a
# busybox initramfs; the guest's virtio-net driver is the one on the other
# side of the switch's socket. QEMU serves the socket (server=on), the switch
# is a client (the default mode). The uplink is net_pcap: it replays ICMP
# echo requests to the guest and records what the switch sends out.
#
# Checks, for two switch runs against the same guest (the second one is a
# switch restart; the guest is not restarted):
#   - guest -> uplink: the guest's own pings (ICMP echo requests from its MAC)
#   - uplink -> guest -> uplink: the guest's echo replies to the replayed requests
#
# Exit status: 0 pass, 1 fail, 77 skipped (QEMU absent, or no guest kernel /
# busybox could be found or downloaded). Usage:
#   tests/vhost/qemu_guest.sh [PATH/TO/nfvswitch]
# Environment: NFVSWITCH_BIN, VS_QEMU_WORK (cache for the kernel and
# busybox .debs, default /tmp/nfvswitch-qemu; put them there by hand on an
# offline host), VS_QEMU_CPU / VS_SWITCH_LCORES (pinning).
set -u

NFVSWITCH_BIN=${NFVSWITCH_BIN:-${1:-build/app/nfvswitch}}
W=${VS_QEMU_WORK:-/tmp/nfvswitch-qemu}
QEMU_CPU=${VS_QEMU_CPU:-0}
GUEST_MAC=52:54:00:00:00:02
PEER_MAC=02:00:00:00:00:01
R=""

skip() { echo "SKIP: $*"; exit 77; }
fail() {
	echo "FAIL: $*"
	if [ -n "$R" ] && [ -f "$R/console.log" ]; then
		echo "--- guest console (last lines)"; tail -n 20 "$R/console.log"
	fi
	cleanup
	exit 1
}
cleanup() {
	[ -n "${SPID:-}" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	[ -n "${QPID:-}" ] && kill "$QPID" 2>/dev/null && wait "$QPID" 2>/dev/null
	SPID=""
	QPID=""
}
trap cleanup EXIT INT TERM

. "$(dirname "$0")/qemu_lib.sh"
qemu_find
[ -x "$NFVSWITCH_BIN" ] || fail "no nfvswitch binary at $NFVSWITCH_BIN"
command -v python3 >/dev/null || skip "python3 is needed to write the test capture"
qemu_guest_kernel

R=$(mktemp -d /tmp/vs_qemu_XXXXXX)
SOCK=$R/vm1.sock

# ---- initramfs: busybox, the virtio-net modules, an init that pings ----
qemu_initrd "$R/initrd.gz" "ip link set eth0 up
ip addr add 10.0.0.2/24 dev eth0
arp -s 10.0.0.1 $PEER_MAC
echo GUEST-UP
while true; do ping -c 1 -W 1 10.0.0.1 >/dev/null 2>&1; sleep 0.2; done &
sleep 600
poweroff -f"

# ---- the uplink's capture: ICMP echo requests 10.0.0.1 -> 10.0.0.2 ----
python3 - "$R/in.pcap" "$GUEST_MAC" "$PEER_MAC" <<'EOF'
import struct, sys
path, gmac, pmac = sys.argv[1], bytes.fromhex(sys.argv[2].replace(':', '')), bytes.fromhex(sys.argv[3].replace(':', ''))
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
with open(path, 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for seq in range(64):
        icmp = struct.pack('!BBHHH', 8, 0, 0, 0x4242, seq) + b'nfvswitch-qemu-test-' + bytes(12)
        icmp = icmp[:2] + struct.pack('!H', csum(icmp)) + icmp[4:]
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(icmp), seq, 0, 64, 1, 0,
                         bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
        ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
        frame = gmac + pmac + b'\x08\x00' + ip + icmp
        f.write(struct.pack('<IIII', 0, seq, len(frame), len(frame)) + frame)
EOF

# Count, in a capture the switch wrote, frames from the guest's MAC: echo
# requests (the guest's pings) and echo replies (answers to our requests).
count() { # count FILE TYPE(8|0)
	python3 - "$1" "$2" "$GUEST_MAC" <<'EOF'
import struct, sys
path, want, gmac = sys.argv[1], int(sys.argv[2]), bytes.fromhex(sys.argv[3].replace(':', ''))
n = 0
with open(path, 'rb') as f:
    f.read(24)
    while True:
        h = f.read(16)
        if len(h) < 16: break
        caplen = struct.unpack('<IIII', h)[2]
        p = f.read(caplen)
        if p[6:12] == gmac and p[12:14] == b'\x08\x00' and p[23] == 1 and p[34] == want:
            n += 1
print(n)
EOF
}

write_cfg() { # write_cfg RUN
	cat > "$R/sw$1.yaml" <<EOF
dpdk: {main_lcore: 0, memory_mb: 256, no_huge: true, in_memory: true,
       file_prefix: vs_qemu_$$_$1, log_level: "*:notice",
       extra_args: ["--no-pci", "--no-telemetry", "--log-level=nfvswitch.vhost:info"]}
workers: [{lcore: 1}]
control: {stats_interval_ms: 0}
ports:
  - {name: up, type: ethdev,
     device: "net_pcap0,rx_pcap=$R/in.pcap,tx_pcap=$R/out$1.pcap,infinite_rx=1"}
  - {name: vm1, type: vhost, path: "$SOCK", mode: client}
rules:
  - {priority: 10, match: {in_port: up}, actions: [{output: vm1}]}
  - {priority: 10, match: {in_port: vm1}, actions: [{output: up}]}
EOF
}

check_run() { # check_run RUN
	grep -q "device .* running" "$R/sw$1.log" ||
		fail "run $1: the guest device never ran: $(tail -n 20 "$R/sw$1.log")"
	pings=$(count "$R/out$1.pcap" 8)
	replies=$(count "$R/out$1.pcap" 0)
	echo "run $1: guest pings seen on the uplink: $pings, guest echo replies: $replies"
	grep "^port vm1 .* pkts" "$R/sw$1.log"
	[ "$pings" -gt 0 ] || fail "run $1: no guest traffic reached the uplink"
	[ "$replies" -gt 0 ] || fail "run $1: the guest did not answer the uplink's requests"
}

# ---- run 1: the switch (client) connects to the socket QEMU serves ----
# QEMU's vhost-user netdev waits for its backend before it boots the guest,
# so the switch runs first, in the background, until the guest is up.
write_cfg 1
rm -f "$SOCK"
"$NFVSWITCH_BIN" -c "$R/sw1.yaml" --duration 300 > "$R/sw1.log" 2>&1 &
SPID=$!

# ---- QEMU: memfd shared memory, vhost-user netdev, serves the socket ----
taskset -c "$QEMU_CPU" "$QEMU" -machine q35,accel=tcg -cpu max -m 256 -smp 1 \
	-object memory-backend-memfd,id=mem,size=256M,share=on -numa node,memdev=mem \
	-chardev socket,id=c0,path="$SOCK",server=on \
	-netdev vhost-user,id=n0,chardev=c0 \
	-device virtio-net-pci,netdev=n0,mac=$GUEST_MAC,vectors=0 \
	-kernel "$VMLINUZ" -initrd "$R/initrd.gz" \
	-append "console=ttyS0 quiet panic=-1" \
	-display none -monitor none -serial file:"$R/console.log" -no-reboot \
	> "$R/qemu.log" 2>&1 &
QPID=$!
i=0
while ! grep -q GUEST-UP "$R/console.log" 2>/dev/null; do
	kill -0 "$QPID" 2>/dev/null || fail "QEMU exited: $(cat "$R/qemu.log")"
	kill -0 "$SPID" 2>/dev/null || fail "nfvswitch exited: $(tail -n 20 "$R/sw1.log")"
	i=$((i + 1))
	[ $i -le 1800 ] || fail "guest did not boot in 180 s"
	sleep 0.1
done
echo "guest booted (QEMU pid $QPID); console in $R/console.log"
sleep 5
kill -TERM "$SPID"
wait "$SPID" || fail "nfvswitch run 1 failed: $(tail -n 20 "$R/sw1.log")"
SPID=""
check_run 1

# ---- run 2: restart the switch; the guest keeps running ----
write_cfg 2
"$NFVSWITCH_BIN" -c "$R/sw2.yaml" --duration 8 > "$R/sw2.log" 2>&1 ||
	fail "nfvswitch run 2 failed: $(tail -n 20 "$R/sw2.log")"
check_run 2
cleanup
rm -rf "$R"
echo "PASS: QEMU guest on vhost-user (client mode), traffic both ways, switch restarted once"
exit 0
