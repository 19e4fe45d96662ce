#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Count test cases across meson test logs: Criterion executables report their
cases in a "Synthesis:" line; any other test counts as one case."""
import json
import re
import sys

SYN = re.compile(r"Synthesis: Tested: (\d+) \| Passing: (\d+) \| Failing: (\d+) \| Crashing: (\d+)")


def main(paths):
    passed = failed = skipped = 0
    for path in paths:
        try:
            lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
        except OSError as e:
            print(f"missing test log {path}: {e}")
            failed += 1
            continue
        for line in lines:
            if not line.strip():
                continue
            t = json.loads(line)
            res = t.get("result", "")
            out = (t.get("stdout") or "") + (t.get("stderr") or "")
            m = SYN.findall(out)
            if res == "SKIP":
                skipped += 1
            elif m:
                tested, ok, fail, crash = map(int, m[-1])
                passed += ok
                failed += fail + crash
                skipped += max(0, tested - ok - fail - crash)
                if res not in ("OK", "EXPECTEDFAIL") and fail + crash == 0:
                    failed += 1  # the executable failed outside its test cases
            elif res in ("OK", "EXPECTEDFAIL"):
                passed += 1
            else:
                failed += 1
    print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
