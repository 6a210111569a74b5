#!/usr/bin/env python3
"""Record the JSON of a fixed set of points, as computed before a redesign.

Run once with the old executable: make_golden.py QTHERMO > points.json
(recorded before the redesign on an Intel Xeon, kernel not recorded), or
make_golden.py QTHERMO --machine to write points-FINGERPRINT.json for this
machine (machine.py). test_golden.py demands the same numbers bit for bit
from a machine with a recorded fingerprint, and to rounding elsewhere."""
import json
import subprocess
import sys
from pathlib import Path

from machine import fingerprint

NSITE = [
    "--N 2 --g 0.3 --TL 0.5 --TR 0.1",
    "--N 5 --g 0.7 --TL 0.9 --TR 0.2",
    "--N 10 --g 1.3 --TL 0.8 --TR 0.4",
    "--N 10 --g 0.1 --TL 0.2 --TR 0.02",
    "--N 10 --g -0.8 --TL 0.3 --TR 0.6",
    "--N 10 --g 1.3 --TL 0.3 --TR 0.1 --h 1.5 --gamma 0.2",
    "--N 10 --g 0.9 --TL 0.7 --TR 0.7",
    "--N 10 --g 0.59 --TL 0.2 --TR 0.1 --spectral ohmic",
    "--N 10 --g 1.3 --TL 0.8 --TR 0.4 --bath classical",
    "--N 10 --g 1.3 --TL 0.8 --TR 0.4 --spectral ohmic --bath classical",
    "--N 12 --g 0.4 --TL 0.8 --TR 0.1 --gap",
    "--N 8 --g 0.6 --TL 0.6 --TR 0.3 --solver dense",
    "--N 6 --g 1.1 --TL 0.6 --TR 0.3 --solver dense --spectral ohmic",
    "--N 6 --g 1.1 --TL 0.6 --TR 0.3 --solver dense --bath classical",
    "--N 40 --g 0.8 --TL 0.9 --TR 0.1",
    "--N 200 --g 0.45 --TL 0.9 --TR 0.1",
    "--N 10 --g 0.0 --TL 0.8 --TR 0.4",
    "--N 10 --g 1.3 --TL 0.8 --TR 0.4 --tol 1e-6 --phase-threshold 1e-3",
]
THREE = [
    "--model lambda --T1 0.8 --T2 0.3",
    "--model lambda --T1 0.8 --T2 0.3 --gap",
    "--model lambda --T1 2.5 --T2 1.5 --d 2 --gamma 0.5",
    "--model lambda --T1 0.8 --T2 0.3 --bath classical",
    "--model lambda --T1 0.8 --T2 0.3 --spectral ohmic",
    "--model lambda --T1 0.8 --T2 0.3 --E1 0.1 --E2 -0.2 --Ee 1.3",
    "--model lambda --T1 0.8 --T2 0.3 --solver dense",
    "--model lambda --T1 0.5 --T2 0.5 --populations 0.1,0.3,0.6",
    "--model vee --T1 0.8 --T2 0.3",
    "--model vee --T1 0.8 --T2 0.3 --gap --solver dense",
    "--model vee --T1 0.8 --T2 0.3 --Eg 0 --E1 1 --E2 1.4 --spectral ohmic",
    "--model vee --T1 0.8 --T2 0.0 --bath classical",
]
CASES = ["--model nsite " + a for a in NSITE] + THREE


def main():
    exe = sys.argv[1]
    out = []
    for args in CASES:
        p = subprocess.run([exe, "point", *args.split()], capture_output=True, text=True)
        out.append({"args": args, "exit": p.returncode, "json": json.loads(p.stdout)})
    if "--machine" in sys.argv[2:]:
        path = Path(__file__).parent / f"points-{fingerprint(exe)}.json"
        path.write_text(json.dumps(out, indent=1) + "\n")
        print(path)
    else:
        json.dump(out, sys.stdout, indent=1)
        print()


if __name__ == "__main__":
    main()
