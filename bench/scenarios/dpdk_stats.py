#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Read ethdev counters of a running DPDK process over its telemetry socket.

  dpdk_stats.py PREFIX PORT [FIELD]           print one counter (default opackets)
  dpdk_stats.py --rate PREFIX PORT FIELD SECS  sample twice SECS apart; print pps
  dpdk_stats.py --list PREFIX                  print the port ids and names
  dpdk_stats.py --heap PREFIX                  print the bytes allocated from the
                                               DPDK heaps (all sockets) and their size
  dpdk_stats.py --share PREFIX IN OUT SECS     sample twice SECS apart; print the
                                               pps leaving OUT (opackets, summed
                                               over the comma-separated ports) and
                                               the share of what IN received
                                               (ipackets, likewise) that it is

PREFIX is the process's --file-prefix; the socket is
/var/run/dpdk/PREFIX/dpdk_telemetry.v2 (or $XDG_RUNTIME_DIR/dpdk/... for
non-root). Works for any DPDK 20.05+ process with telemetry enabled
(dpdk-testpmd, nfvswitch, nfvswitch-bench, OVS-DPDK).
"""
import json
import os
import socket
import sys
import time


def sock_path(prefix):
    base = "/var/run/dpdk" if os.geteuid() == 0 else \
        os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/tmp"), "dpdk")
    return os.path.join(base, prefix, "dpdk_telemetry.v2")


class Telemetry:
    def __init__(self, prefix, wait=0.0):
        path = sock_path(prefix)
        deadline = time.time() + wait
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                self.s.connect(path)
                break
            except OSError as e:
                self.s.close()
                if time.time() >= deadline:
                    raise SystemExit(f"dpdk_stats: cannot connect to {path}: {e}")
                time.sleep(0.2)
        info = json.loads(self.s.recv(16384).decode())
        self.maxlen = int(info.get("max_output_len", 16384))

    def cmd(self, c):
        try:
            self.s.send(c.encode())
            return json.loads(self.s.recv(self.maxlen).decode())
        except (OSError, ValueError) as e:
            raise SystemExit(f"dpdk_stats: {c}: {e} (did the process exit?)")


def counter(t, port, field):
    r = t.cmd(f"/ethdev/stats,{port}")
    stats = r.get("/ethdev/stats")
    if not isinstance(stats, dict) or field not in stats:
        raise SystemExit(f"dpdk_stats: port {port} has no {field}: {r}")
    return int(stats[field])


def main(argv):
    if len(argv) >= 2 and argv[1] == "--rate":
        prefix, port, field, secs = argv[2], argv[3], argv[4], float(argv[5])
        t = Telemetry(prefix, wait=10)
        a, ta = counter(t, port, field), time.monotonic()
        time.sleep(secs)
        b, tb = counter(t, port, field), time.monotonic()
        print(f"{(b - a) / (tb - ta):.0f}")
    elif len(argv) >= 2 and argv[1] == "--share":
        prefix, ins, outs, secs = argv[2], argv[3].split(","), argv[4].split(","), float(argv[5])
        t = Telemetry(prefix, wait=10)

        def both():
            return (sum(counter(t, p, "ipackets") for p in ins),
                    sum(counter(t, p, "opackets") for p in outs))
        (ia, oa), ta = both(), time.monotonic()
        time.sleep(secs)
        (ib, ob), tb = both(), time.monotonic()
        share = (ob - oa) / (ib - ia) if ib > ia else 0.0
        print(f"{(ob - oa) / (tb - ta):.0f} {share:.4f}")
    elif len(argv) >= 2 and argv[1] == "--heap":
        t = Telemetry(argv[2], wait=10)
        alloc = size = 0
        for h in t.cmd("/eal/heap_list").get("/eal/heap_list", []):
            info = t.cmd(f"/eal/heap_info,{h}").get("/eal/heap_info", {})
            alloc += int(info.get("Alloc_size", 0))
            size += int(info.get("Heap_size", 0))
        print(alloc, size)
    elif len(argv) >= 2 and argv[1] == "--list":
        t = Telemetry(argv[2], wait=10)
        for p in t.cmd("/ethdev/list").get("/ethdev/list", []):
            name = t.cmd(f"/ethdev/info,{p}").get("/ethdev/info", {}).get("name", "?")
            print(p, name)
    elif len(argv) >= 3:
        t = Telemetry(argv[1], wait=10)
        print(counter(t, argv[2], argv[3] if len(argv) > 3 else "opackets"))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
