#!/usr/bin/env python3
"""The numbers of a fixed set of points must not change, bit for bit.

points.json was recorded by make_golden.py with the executable before the
parameter table and model types were introduced. Keys renamed since then
(one spelling per parameter) are mapped; every recorded number must come
back identical, every recorded string equal, and the exit code the same."""
import json
import math
import subprocess
import sys
from pathlib import Path

RENAMED = {"T1": "T_1", "T2": "T_2", "E1": "E_1", "E2": "E_2", "Ee": "E_e", "Eg": "E_g"}


def same(a, b):
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, (int, float)):
        return (math.isnan(a) and math.isnan(b)) or a == b
    return a == b


def main():
    exe = sys.argv[1]
    cases = json.loads((Path(__file__).parent / "points.json").read_text())
    failures = 0
    for case in cases:
        p = subprocess.run([exe, "point", *case["args"].split()], capture_output=True, text=True)
        if p.returncode != case["exit"]:
            print(f"FAIL {case['args']}: exit {p.returncode}, recorded {case['exit']}: {p.stderr}")
            failures += 1
            continue
        new = json.loads(p.stdout)
        bad = 0
        for key, old in case["json"].items():
            nkey = RENAMED.get(key, key) if RENAMED.get(key, key) in new else key
            if nkey not in new or not same(old, new[nkey]):
                print(f"FAIL {case['args']}: {key} = {old!r}, now {new.get(nkey)!r}")
                bad = 1
        failures += bad
    print(f"{len(cases) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
