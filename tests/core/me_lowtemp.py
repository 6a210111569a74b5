#!/usr/bin/env python3
"""Relative accuracy of tiny populations at low temperature (docs/physics.md
section 6: redfield is not a rate equation). Reference: the sector equations
of the chain solved in 50-digit arithmetic (mpmath); ours: me_driver's sector
path, and for redfield also its refinement route (GMRES, forced). Every site
population must agree to a relative 1e-11, down to 1e-17.

usage: me_lowtemp.py ME_DRIVER     (exit 77 = skipped: no mpmath)
"""
import json
import subprocess
import sys

try:
    import mpmath as mp
except ImportError:
    print("mpmath not installed: skipped")
    sys.exit(77)

mp.mp.dps = 50
RTOL = 1e-11


def reference(N, g, TL, TR, gam, me):
    """Site populations of the sector steady state (high precision)."""
    T = [TL + (TR - TL) * k / (N - 1) for k in range(N)]
    H = mp.matrix(N, N)
    for k in range(N):
        H[k, k] = 1
        if k + 1 < N: H[k, k+1] = H[k+1, k] = g
    eps, psi = mp.eigsy(H)
    def S(w, Tk):
        aw = abs(w); n = 1 / mp.expm1(aw / Tk)
        return gam * (1 + n) if w > 0 else gam * n
    if me == "redfield":
        C = [[psi[k, a] for a in range(N)] for k in range(N)]
        Hx = [[eps[a] if a == b else mp.mpf(0) for b in range(N)] for a in range(N)]
        U = [[C[k][a] * S(eps[a], T[k]) for a in range(N)] for k in range(N)]
        V = [[C[k][a] * S(-eps[a], T[k]) / 2 for a in range(N)] for k in range(N)]
    else:
        C = [[mp.mpf(int(a == k)) for a in range(N)] for k in range(N)]
        Hx = [[H[a, b] for b in range(N)] for a in range(N)]
        U = [[C[k][a] * S(mp.mpf(1), T[k]) for a in range(N)] for k in range(N)]
        V = [[C[k][a] * S(mp.mpf(-1), T[k]) / 2 for a in range(N)] for k in range(N)]
    alpha = [2 * sum(C[k][a] * V[k][a] for a in range(N)) for k in range(N)]
    B = [[sum(C[k][a] * U[k][b] for k in range(N)) / 2 for b in range(N)] for a in range(N)]
    A = [[1j * Hx[a][b] + B[a][b] for b in range(N)] for a in range(N)]
    n = N + N * N
    M = mp.matrix(n, n); rhs = mp.matrix(n, 1)
    ri = lambda a, b: N + a * N + b
    for k in range(N):
        M[k, k] += -alpha[k]
        for a in range(N):
            for b in range(N):
                M[k, ri(a, b)] += (U[k][a] * C[k][b] + C[k][a] * U[k][b]) / 2
    for a in range(N):
        for b in range(N):
            row = ri(a, b)
            for c in range(N):
                M[row, ri(c, b)] -= A[a][c]            # A R
                M[row, ri(a, c)] -= mp.conj(A[b][c])   # R A^dag: (R A^dag)_ab = sum_c R_ac conj(A_bc)
            for k in range(N):
                M[row, k] += V[k][a] * C[k][b] + C[k][a] * V[k][b]
    for j in range(n): M[0, j] = 0
    for k in range(N): M[0, k] = 1
    for a in range(N): M[0, ri(a, a)] += 1
    rhs[0] = 1
    x = mp.lu_solve(M, rhs)
    p = []
    for k in range(N):
        s = x[k]
        for a in range(N):
            for b in range(N):
                s += C[k][a] * x[ri(a, b)] * C[k][b]
        p.append(mp.re(s))
    return p


def ours(driver, N, g, TL, TR, gam, me, solver):
    T = [TL + (TR - TL) * k / (N - 1) for k in range(N)]
    args = ["chain", me, solver, N, gam, "flat", "quantum"] + [1.0] * N + [g] * (N - 1) + T
    out = json.loads(subprocess.run([driver] + [repr(a) if isinstance(a, float) else str(a)
                                                for a in args], capture_output=True, text=True).stdout)
    d = 2 * N
    return [out["rho_re"][k * d + k] + out["rho_re"][(N + k) * d + N + k] for k in range(N)]


def main():
    driver = sys.argv[1]
    ok = True
    for N, g, TL, TR, gam, me in ((10, 0.1, 0.2, 0.02, 0.1, "redfield"),
                                  (10, 0.1, 0.2, 0.02, 1.0, "redfield"),
                                  (10, 1.3, 0.8, 0.1, 1.0, "redfield"),
                                  (10, 0.1, 0.2, 0.02, 1.0, "local")):
        ref = reference(N, mp.mpf(g), mp.mpf(TL), mp.mpf(TR), mp.mpf(gam), me)
        for solver in ("sector", "refined") if me == "redfield" else ("sector",):
            got = ours(driver, N, g, TL, TR, gam, me, solver)
            worst = max(abs((x - r) / r) for x, r in zip(got, ref))
            good = worst <= RTOL
            ok &= good
            print(f"{'ok  ' if good else 'FAIL'} {me} ({solver}) N={N} g={g} T={TL}..{TR} "
                  f"Gamma={gam}: smallest population {mp.nstr(min(ref), 5)}, "
                  f"worst relative error {float(worst):.3g}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
