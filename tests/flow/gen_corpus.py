#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpus of the flow_fuzz target (tests/flow/corpus).

Each seed is one split byte (see tests/fuzz/flow_fuzz.c) followed by an
Ethernet frame. The frames cover every header the parser knows, valid and
malformed, so the fuzzer and the replay test start from deep paths.
Run it again after changing it: ./tests/flow/gen_corpus.py
"""
import os
import struct
import sys

DST = bytes.fromhex('525400000002')
SRC = bytes.fromhex('525400000001')
IP6A = bytes.fromhex('20010db8000000000000000000000001')
IP6B = bytes.fromhex('20010db8ff0000000000000000001234')


def eth(etype, tags=()):
    b = DST + SRC
    for tpid, tci in tags:
        b += struct.pack('!HH', tpid, tci)
    return b + struct.pack('!H', etype)


def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ipv4(proto, payload, tos=0, frag=0, opts=b''):
    ihl = 5 + len(opts) // 4
    h = struct.pack('!BBHHHBBH4s4s', 0x40 | ihl, tos, ihl * 4 + len(payload), 0x1234, frag,
                    64, proto, 0, bytes([10, 0, 0, 1]), bytes([192, 168, 1, 2])) + opts
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    return h + payload


def ipv6(nh, payload, tclass=0):
    return struct.pack('!IHBB', 0x60000000 | tclass << 20 | 0x12345, len(payload), nh,
                       64) + IP6A + IP6B + payload


def ext(nh, size=8):
    return bytes([nh, size // 8 - 1, 1, size - 4]) + bytes(size - 4)


def ah(nh, size=12):
    return bytes([nh, size // 4 - 2, 0, 0]) + bytes(size - 4)


def frag6(nh, off, more):
    return struct.pack('!BBHI', nh, 0, off << 3 | more, 0xabcdef01)


def tcp(s, d):
    return struct.pack('!HHIIBBHHH', s, d, 1000, 0, 0x50, 0x02, 65535, 0, 0)


def udp(s, d, payload=b''):
    return struct.pack('!HHHH', s, d, 8 + len(payload), 0) + payload


def sctp(s, d):
    return struct.pack('!HHII', s, d, 0xdeadbeef, 0)


def icmp(t, c):
    return struct.pack('!BBHI', t, c, 0, 0x00010002)


def pad(b, n=60):
    return b + bytes(max(0, n - len(b)))


def seeds():
    v4 = eth(0x0800)
    v6 = eth(0x86dd)
    yield 'eth_lldp', pad(eth(0x88cc))
    yield 'eth_8023', pad(eth(46))
    yield 'runt', eth(0x0800)[:10]
    yield 'vlan_udp', eth(0x0800, [(0x8100, 0xa064)]) + ipv4(17, udp(5000, 53))
    yield 'qinq_ad_tcp6', eth(0x86dd, [(0x88a8, 0x6ffe), (0x8100, 0xe011)]) + ipv6(6, tcp(443, 51000), 0x28)
    yield 'qinq_8100_udp', eth(0x0800, [(0x8100, 10), (0x8100, 20)]) + ipv4(17, udp(1, 2))
    yield 'three_tags', pad(eth(0x0800, [(0x88a8, 10), (0x8100, 20), (0x8100, 30)]))
    yield 'vlan_trunc', eth(0x0800, [(0x8100, 10)])[:16]
    yield 'ipv4_tcp', v4 + ipv4(6, tcp(12345, 80), tos=0xb8, frag=0x4000)
    yield 'ipv4_udp_padded', pad(v4 + ipv4(17, udp(7, 9, b'\xee\xee')))
    yield 'ipv4_sctp', v4 + ipv4(132, sctp(2905, 2944))
    yield 'ipv4_icmp', v4 + ipv4(1, icmp(8, 0))
    yield 'ipv4_gre', v4 + ipv4(47, b'\x00\x00\x08\x00')
    yield 'ipv4_opts_udp', v4 + ipv4(17, udp(1, 2), opts=b'\x01' * 39 + b'\x00')
    yield 'ipv4_opts8_tcp', v4 + ipv4(6, tcp(3, 4), opts=b'\x01' * 7 + b'\x00')
    yield 'ipv4_frag_first', v4 + ipv4(17, udp(4000, 4001, bytes(64)), frag=0x2000)
    yield 'ipv4_frag_later', v4 + ipv4(17, udp(4000, 4001), frag=0x2009)
    yield 'ipv4_bad_ihl', v4 + b'\x44' + ipv4(6, tcp(1, 2))[1:]
    yield 'ipv4_bad_version', v4 + b'\x65' + ipv4(6, tcp(1, 2))[1:]
    yield 'ipv4_l4_trunc', pad(v4 + ipv4(6, struct.pack('!HH', 1111, 2222)))
    yield 'ipv6_tcp', v6 + ipv6(6, tcp(22, 60000), 0xb8)
    yield 'ipv6_udp', v6 + ipv6(17, udp(546, 547))
    yield 'ipv6_sctp', v6 + ipv6(132, sctp(1, 65535))
    yield 'ipv6_icmp6', v6 + ipv6(58, icmp(135, 0) + bytes(16))
    yield 'ipv6_chain', v6 + ipv6(0, ext(60) + ext(43, 16) + ext(51, 24) + ah(17, 24) + udp(3000, 4000))
    yield 'ipv6_chain8', v6 + ipv6(60, b''.join(ext(60 if i < 7 else 6) for i in range(8)) + tcp(80, 81))
    yield 'ipv6_chain9', v6 + ipv6(60, b''.join(ext(60 if i < 8 else 6) for i in range(9)) + tcp(80, 81))
    yield 'ipv6_frag_first', v6 + ipv6(44, frag6(6, 0, 1) + tcp(179, 30000))
    yield 'ipv6_frag_later', v6 + ipv6(0, ext(44) + frag6(17, 100, 1) + udp(9, 9))
    yield 'ipv6_frag_atomic', v6 + ipv6(44, frag6(17, 0, 0) + udp(1, 2))
    yield 'ipv6_esp', v6 + ipv6(50, bytes(16))
    yield 'ipv6_nonext', v6 + ipv6(60, ext(59))
    yield 'ipv6_jumbo', v6 + ipv6(0, ext(17) + udp(10, 20))[:4] + b'\x00\x00' + ipv6(0, ext(17) + udp(10, 20))[6:]
    yield 'ipv6_padded', pad(v6 + ipv6(17, udp(5, 6)), 96)
    yield 'vlan_ipv6_ah_tcp', eth(0x86dd, [(0x8100, 7)]) + ipv6(51, ah(6, 16) + tcp(5, 6))


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus')
    os.makedirs(out, exist_ok=True)
    for old in os.listdir(out):
        os.unlink(os.path.join(out, old))
    for i, (name, frame) in enumerate(seeds()):
        # split byte: vary the first cut and the 2/3-segment choice
        split = (17 + 13 * i) & 0x7f | (0x80 if i % 2 else 0)
        with open(os.path.join(out, name), 'wb') as f:
            f.write(bytes([split]) + frame)
    return 0


if __name__ == '__main__':
    sys.exit(main())
