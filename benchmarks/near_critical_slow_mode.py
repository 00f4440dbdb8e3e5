"""How marginal the stationary self-consistency gets as g -> 1+ (why Eq. 13 is out of reach by Monte Carlo).

For one replica (fixed random numbers) the map C -> F(C) of dmft.theory.stationary is smooth, so its Jacobian
at the replica's fixed point can be probed by finite differences.  The leading eigenvalues (ARPACK on
J v = (F(C* + eps v) - F(C*)) / eps) say how much the sampling noise of F is amplified in the solution:
along an eigenvector with eigenvalue lam the error is the noise divided by 1 - lam.

    python benchmarks/near_critical_slow_mode.py --g 2 1.3 1.2 1.1 --json

Prints, per g, gamma = (g - 1)/(1 - k), the leading eigenvalues, 1 - lam_1 and (1 - lam_1)/gamma^2.
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np
from scipy.sparse.linalg import LinearOperator, eigs

from dmft import Params
from dmft.theory.kernels import HEBBIAN
from dmft.numerics.driver import Driver
from dmft.numerics.single_site import SingleSite
from dmft.theory.stationary import SolverSettings, _AutocovarianceProblem, solve


class _NoBar:
    def update(self):
        pass


def leading_eigenvalues(params: Params, n_eig: int = 4, n_samples: int = 256, seed: int = 5):
    """Leading Jacobian eigenvalues of one replica's map at its fixed point; returns (eigenvalues, matvecs,
    replica residual)."""
    res = solve(params, seed=0)
    h, tau_max = res.tau_step, float(res.tau[-1])
    engine = SingleSite(params, HEBBIAN, h, n_samples, max(200.0, 4.0 * tau_max), 64,
                        np.random.default_rng(seed), tau_max)
    st = SolverSettings(tol=1e-6, max_iter=200)
    driver = Driver(_AutocovarianceProblem(params, HEBBIAN, st, None), st, [], _NoBar())
    C, _, resid, _, _ = driver.anderson(engine, res.C.copy())
    F0 = engine.run(C, None)["C"]
    eps = 1e-3 * C[0]
    count = [0]

    def matvec(v):
        count[0] += 1
        v = np.real(np.ravel(v))
        norm = np.linalg.norm(v)
        if norm == 0:
            return v
        return (engine.run(C + eps * v / norm, None)["C"] - F0) / eps * norm

    J = LinearOperator((C.size, C.size), matvec=matvec, dtype=float)
    lam = eigs(J, k=n_eig, which="LM", return_eigenvectors=False, tol=1e-4, maxiter=300)
    return lam[np.argsort(-np.abs(lam))], count[0], resid


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--g", type=float, nargs="+", default=[2.0, 1.3, 1.2, 1.1])
    ap.add_argument("--k", type=float, default=0.5)
    ap.add_argument("--p", type=float, default=2.5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    rows = []
    for g in args.g:
        t0 = time.perf_counter()
        lam, matvecs, resid = leading_eigenvalues(Params(g, args.k, args.p))
        gamma = (g - 1) / (1 - args.k)
        gap = 1 - abs(lam[0])
        rows.append(dict(g=g, k=args.k, p=args.p, gamma=gamma, eigenvalues=[[float(z.real), float(z.imag)] for z in lam],
                         one_minus_lam1=gap, gap_over_gamma2=gap / gamma ** 2, matvecs=matvecs,
                         replica_residual=resid, wall_s=time.perf_counter() - t0))
        if not args.json:
            print(f"g = {g}: gamma = {gamma:.3f}, lam = {np.round(lam, 4)}, 1 - lam_1 = {gap:.4f}, "
                  f"(1 - lam_1)/gamma^2 = {gap / gamma ** 2:.2f}")
    if args.json:
        print(json.dumps(dict(benchmark="near_critical_slow_mode", rows=rows)))


if __name__ == "__main__":
    main()
