"""The floating-point fingerprint of this machine: the CPU vendor and the
OpenBLAS kernel it selects. Rounding (BLAS kernels, FMA variants of libm)
differs between them, so bit-for-bit values are recorded per fingerprint."""
import os
import re
import subprocess


def fingerprint(exe):
    vendor = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^vendor_id\s*:\s*(\S+)", f.read(), re.M)
            vendor = m.group(1) if m else vendor
    except OSError:
        pass
    env = dict(os.environ, OPENBLAS_VERBOSE="2")
    p = subprocess.run([exe, "point", "--N", "2"], capture_output=True, text=True, env=env)
    m = re.search(r"Core:\s*(\S+)", p.stdout + p.stderr)
    core = os.environ.get("OPENBLAS_CORETYPE") or (m.group(1) if m else "unknown")
    return f"{vendor}-{core}"
