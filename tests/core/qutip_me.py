#!/usr/bin/env python3
"""Local and Bloch-Redfield steady states against QuTiP (docs/physics.md section 6).

redfield: QuTiP's bloch_redfield_tensor(..., use_secular=False) + steadystate;
local: steadystate with the site collapse operators sqrt(S(+h)) sigma^- and
sqrt(S(-h)) sigma^+. Our side: tests/core/me_driver (sector fast path and
dense reference). Largest difference of any density-matrix element <= 1e-10.

usage: qutip_me.py ME_DRIVER     (exit 77 = skipped: no qutip)
"""
import json
import math
import subprocess
import sys

try:
    import numpy as np
    import qutip
except ImportError:
    print("qutip not installed: skipped")
    sys.exit(77)

TOL = 1e-10
W_ZERO = 1e-9


def rate(w, T, gamma, spectral, bath):
    """S(w) of physics.md section 2: w > 0 emission, w < 0 absorption."""
    aw = abs(w)
    if aw <= W_ZERO:
        return gamma * T if spectral == "ohmic" else 0.0  # no w = 0 jumps in these points
    n = 0.0 if T <= 0 else 1.0 / math.expm1(aw / T)
    J = gamma * aw if spectral == "ohmic" else gamma
    if w > 0:
        return J * (n if bath == "classical" else 1.0 + n)
    return J * n


def chain_operators(N, h, g):
    d = 2 * N
    H = np.zeros((d, d))
    lowers = []
    for k in range(N):
        H[N + k, N + k] = h[k]
        if k + 1 < N:
            H[N + k, N + k + 1] = H[N + k + 1, N + k] = g[k]
        L = np.zeros((d, d))
        L[k, N + k] = 1.0
        lowers.append(L)
    return H, lowers


def threelevel_operators(model, E):
    H = np.diag(E)
    lowers = []
    for k in range(2):
        L = np.zeros((3, 3))
        if model == "lambda":
            L[k, 2] = 1.0
        else:
            L[0, k + 1] = 1.0
        lowers.append(L)
    return H, lowers


def qutip_rho(me, H, lowers, freqs, T, gamma, spectral, bath):
    Hq = qutip.Qobj(H)
    if me == "local":
        c_ops = []
        for L, w, Tk in zip(lowers, freqs, T):
            c_ops.append(math.sqrt(rate(w, Tk, gamma, spectral, bath)) * qutip.Qobj(L))
            c_ops.append(math.sqrt(rate(-w, Tk, gamma, spectral, bath)) * qutip.Qobj(L.T))
        rho = qutip.steadystate(Hq, c_ops, method="direct", sparse=False)
        return rho.full()
    a_ops = []
    for L, Tk in zip(lowers, T):
        a_ops.append([qutip.Qobj(L + L.T),
                      (lambda w, Tk=Tk: rate(w, Tk, gamma, spectral, bath))])
    R, ekets = qutip.bloch_redfield_tensor(Hq, a_ops, use_secular=False)
    rho = qutip.steadystate(R, method="direct", sparse=False)
    return rho.transform(ekets, True).full()


def ours(driver, args):
    out = subprocess.run([driver] + [str(a) for a in args], capture_output=True, text=True)
    res = json.loads(out.stdout)
    if res["status"] != 0:
        raise SystemExit(f"me_driver {' '.join(map(str, args))}: status {res['status']}")
    d = res["d"]
    return np.array(res["rho_re"]).reshape(d, d) + 1j * np.array(res["rho_im"]).reshape(d, d)


def check(label, a, b):
    diff = float(np.max(np.abs(a - b)))
    ok = diff <= TOL
    print(f"{'ok  ' if ok else 'FAIL'} {label}: largest |rho_ours - rho_qutip| = {diff:.3g}")
    return ok


def main():
    driver = sys.argv[1]
    ok = True
    chains = [  # N, gamma, spectral, bath, h, g, T
        (3, 0.5, "flat", "quantum", [1.0, 1.0, 1.0], [0.3, 0.3], [0.8, 0.6, 0.4]),
        (4, 0.2, "ohmic", "quantum", [1.0, 1.2, 0.9, 1.1], [0.3, -0.2, 0.4], [1.0, 0.2, 0.5, 0.3]),
        (5, 1.0, "flat", "classical", [1.0] * 5, [1.3] * 4, [0.8, 0.7, 0.6, 0.5, 0.4]),
        (6, 0.1, "flat", "quantum", [1.0] * 6, [0.1] * 5, [0.2 - 0.036 * k for k in range(6)]),
    ]
    for N, gamma, sp, bt, h, g, T in chains:
        H, lowers = chain_operators(N, h, g)
        for me in ("local", "redfield"):
            ref = qutip_rho(me, H, lowers, h, T, gamma, sp, bt)
            for solver in ("sector", "dense"):
                rho = ours(driver, ["chain", me, solver, N, gamma, sp, bt] + h + g + T)
                ok &= check(f"chain N={N} {me} {solver} {sp} {bt}", rho, ref)
    for model, E, T1, T2 in (("lambda", [0.0, 0.2, 1.0], 0.6, 0.2), ("vee", [0.0, 1.0, 1.3], 0.3, 0.9)):
        H, lowers = threelevel_operators(model, E)
        freqs = [E[2] - E[0], E[2] - E[1]] if model == "lambda" else [E[1] - E[0], E[2] - E[0]]
        for me in ("local", "redfield"):
            ref = qutip_rho(me, H, lowers, freqs, [T1, T2], 0.7, "flat", "quantum")
            rho = ours(driver, [model, me, "dense", 0.7, "flat", "quantum"] + E + [T1, T2])
            ok &= check(f"{model} {me} dense", rho, ref)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
