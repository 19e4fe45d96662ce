#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Run nfvswitch-bench as a process over a one-port net_ring loopback and
check its JSON, CSV and per-flow CSV: exact counts, no loss, ordered latency.

  check_run_json.py BENCH_BINARY WORKDIR
"""
import csv
import json
import os
import shutil
import subprocess
import sys


def main(bench, work):
    os.makedirs(work, exist_ok=True)
    prefix = f"vsbench_cli_{os.getpid()}"
    out = {k: os.path.join(work, f"run.{k}") for k in ("json", "csv", "flows")}
    cmd = [bench, "--no-huge", "-m", "256", "--no-shconf", f"--file-prefix={prefix}",
           "--no-pci", "--no-telemetry", "--log-level=*:warning", "-l", "0",
           "--vdev=net_ring0", "--", "run", "--count", "12000", "--flows", "30",
           "--masks", "3", "--size", "imix", "--quiet",
           "--json", out["json"], "--csv", out["csv"], "--per-flow", out["flows"]]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    finally:
        shutil.rmtree(f"/var/run/dpdk/{prefix}", ignore_errors=True)
    assert p.returncode == 0, p.stderr
    assert "transmitted" in p.stdout and "latency (us)" in p.stdout, p.stdout

    doc = json.load(open(out["json"]))
    r = doc["result"]
    assert doc["env"]["burst"] == 32, doc["env"]
    assert "net_ring0" in doc["env"]["tx_port"], doc["env"]
    assert r["tx_pkts"] == r["rx_pkts"] == 12000, r
    assert r["lost"] == 0 and r["duplicates"] == 0 and r["reordered"] == 0, r
    assert r["tx_bytes"] == r["rx_bytes"] == 1000 * (7 * 64 + 4 * 570 + 1518), r
    lat = r["latency_ns"]
    assert lat["count"] == 12000, lat
    assert 0 < lat["min"] <= lat["p50"] <= lat["p99"] <= lat["p99_9"] <= lat["max"], lat
    assert lat["min"] <= lat["avg"] <= lat["max"], lat

    rows = list(csv.DictReader(open(out["csv"])))
    assert len(rows) == 1 and int(rows[0]["rx_pkts"]) == 12000, rows

    flows = list(csv.DictReader(open(out["flows"])))
    assert len(flows) == 30, len(flows)
    for f in flows:
        assert int(f["tx"]) == int(f["rx"]) == 400 and int(f["lost"]) == 0, f
        g = int(f["flow"]) % 3
        assert f["ip_dst"].startswith(f"10.{g}."), f
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
