#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""An OpenFlow 1.3 controller that counts the PACKET_INs it gets and drops them.

    ofp_sink.py --port N --out FILE

Listens on 127.0.0.1:N for switches (nfvswitch's `controllers:`, OVS's
set-controller), answers HELLO, asks for the features, sets miss_send_len to
the whole frame, answers ECHO requests, and rewrites FILE every 100 ms with
"<packet-ins received> <CLOCK_MONOTONIC seconds>". It never installs a flow
and never sends a PACKET_OUT: the benchmark measures how fast a switch hands
packets to a controller, not what the controller does with them.
"""
import argparse
import os
import selectors
import socket
import struct
import time

OFP_VERSION = 0x04
HELLO, ECHO_REQUEST, ECHO_REPLY, FEATURES_REQUEST, SET_CONFIG, PACKET_IN = 0, 2, 3, 5, 9, 10


def msg(mtype, xid, body=b""):
    return struct.pack("!BBHI", OFP_VERSION, mtype, 8 + len(body), xid) + body


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", args.port))
    lsock.listen(8)
    lsock.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(lsock, selectors.EVENT_READ)
    bufs = {}
    count = 0
    last = 0.0
    while True:
        for key, _ in sel.select(timeout=0.1):
            if key.fileobj is lsock:
                conn, _ = lsock.accept()
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
                conn.sendall(msg(HELLO, 1) + msg(FEATURES_REQUEST, 2) +
                             msg(SET_CONFIG, 3, struct.pack("!HH", 0, 0xFFFF)))
                conn.setblocking(False)
                sel.register(conn, selectors.EVENT_READ)
                bufs[conn] = b""
                continue
            conn = key.fileobj
            try:
                data = conn.recv(1 << 20)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                sel.unregister(conn)
                bufs.pop(conn, None)
                conn.close()
                continue
            buf = bufs[conn] + data
            off = 0
            while len(buf) - off >= 8:
                _, mtype, length, xid = struct.unpack_from("!BBHI", buf, off)
                if length < 8:  # a desynced stream: drop the connection
                    buf, off = b"", 0
                    sel.unregister(conn)
                    conn.close()
                    break
                if len(buf) - off < length:
                    break
                if mtype == PACKET_IN:
                    count += 1
                elif mtype == ECHO_REQUEST:
                    conn.setblocking(True)
                    conn.sendall(msg(ECHO_REPLY, xid, buf[off + 8:off + length]))
                    conn.setblocking(False)
                off += length
            if conn in bufs:
                bufs[conn] = buf[off:]
        now = time.monotonic()
        if now - last >= 0.1:
            tmp = args.out + ".tmp"
            with open(tmp, "w") as f:
                f.write("%d %.6f\n" % (count, now))
            os.replace(tmp, args.out)
            last = now


if __name__ == "__main__":
    main()
