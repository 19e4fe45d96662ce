#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Wrap every frame of a capture in VXLAN (RFC 7348) over IPv4, for the
decapsulation benchmark: what a remote VTEP sends to the switch's underlay.

    vxgen.py -i INNER.pcap -o OUT.pcap --src-mac M --dst-mac M \\
             --src-ip A --dst-ip A --vni N [--dst-port 4789]

Outer Ethernet from --src-mac (the remote VTEP) to --dst-mac (the switch's
underlay), IPv4 from --src-ip to --dst-ip (TTL 64, header checksum set, DF
clear), UDP to --dst-port with the source port from a hash of the inner
frame (49152..65535, as RFC 7348 section 5 asks of the sender; checksum 0),
VXLAN flags I and --vni. Frames are written without FCS, as captured.
"""
import argparse
import struct
import zlib


def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def mac(s):
    b = bytes(int(x, 16) for x in s.split(":"))
    if len(b) != 6:
        raise SystemExit("vxgen: %s is not a MAC address" % s)
    return b


def ip4(s):
    b = bytes(int(x) for x in s.split("."))
    if len(b) != 4:
        raise SystemExit("vxgen: %s is not an IPv4 address" % s)
    return b


def frames(path):
    with open(path, "rb") as f:
        hdr = f.read(24)
        if len(hdr) < 24:
            raise SystemExit("vxgen: %s: not a pcap file" % path)
        magic = struct.unpack("<I", hdr[:4])[0]
        if magic in (0xA1B2C3D4, 0xA1B23C4D):
            end = "<"
        elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
            end = ">"
        else:
            raise SystemExit("vxgen: %s: not a pcap file (magic %#x)" % (path, magic))
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            _, _, caplen, _ = struct.unpack(end + "IIII", rec)
            yield f.read(caplen)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-i", required=True)
    ap.add_argument("-o", required=True)
    ap.add_argument("--src-mac", required=True)
    ap.add_argument("--dst-mac", required=True)
    ap.add_argument("--src-ip", required=True)
    ap.add_argument("--dst-ip", required=True)
    ap.add_argument("--vni", type=int, required=True)
    ap.add_argument("--dst-port", type=int, default=4789)
    a = ap.parse_args()
    if not 0 <= a.vni < 1 << 24:
        raise SystemExit("vxgen: --vni %d: expected 0..16777215" % a.vni)
    eth = mac(a.dst_mac) + mac(a.src_mac) + b"\x08\x00"
    n = 0
    with open(a.o, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for inner in frames(a.i):
            vxlan = struct.pack("!II", 0x08000000, a.vni << 8)
            sport = 49152 + (zlib.crc32(inner[:64]) & 0x3FFF)
            udp = struct.pack("!HHHH", sport, a.dst_port, 8 + len(vxlan) + len(inner), 0)
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp) + len(vxlan) + len(inner),
                             0, 0, 64, 17, 0, ip4(a.src_ip), ip4(a.dst_ip))
            ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
            frame = eth + ip + udp + vxlan + inner
            out.write(struct.pack("<IIII", 0, n, len(frame), len(frame)))
            out.write(frame)
            n += 1
    if n == 0:
        raise SystemExit("vxgen: %s holds no frames" % a.i)


if __name__ == "__main__":
    main()
