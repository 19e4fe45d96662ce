#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the capture one side of the MAC-learning benchmark replays.

    macgen.py -o FILE --macs N --side a|b [--size 64]

Frame i (of N) goes from this side's host MAC i to the other side's host
MAC i (a: 02:aa:..., b: 02:bb:...; the low 24 bits are i), UDP over IPv4,
--size bytes without FCS. Replaying side a on one port and side b on
another makes a learning switch learn 2 N MACs and forward every frame to
exactly one port once both sides have been seen.
"""
import argparse
import struct


def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def mac(side, i):
    return bytes([0x02, side, 0, (i >> 16) & 0xFF, (i >> 8) & 0xFF, i & 0xFF])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-o", required=True)
    ap.add_argument("--macs", type=int, required=True)
    ap.add_argument("--side", choices=("a", "b"), required=True)
    ap.add_argument("--size", type=int, default=64)
    a = ap.parse_args()
    me, peer = (0xAA, 0xBB) if a.side == "a" else (0xBB, 0xAA)
    size = max(a.size - 4, 60)  # the capture holds frames without FCS
    payload = size - 14 - 20 - 8
    with open(a.o, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i in range(a.macs):
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + 8 + payload, 0, 0, 64, 17, 0,
                             bytes([10, me & 0x0F, (i >> 8) & 0xFF, i & 0xFF]),
                             bytes([10, peer & 0x0F, (i >> 8) & 0xFF, i & 0xFF]))
            ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
            udp = struct.pack("!HHHH", 1024 + (i & 0x3FFF), 5000, 8 + payload, 0)
            frame = mac(peer, i) + mac(me, i) + b"\x08\x00" + ip + udp + bytes(payload)
            f.write(struct.pack("<IIII", 0, i, len(frame), len(frame)))
            f.write(frame)


if __name__ == "__main__":
    main()
