"""Does compiling the causal recursion's steps (numba) pay?  Measured in one run, on this machine.

The package's :func:`dmft.numerics.volterra.causal_recursion` computes the history before each block with one BLAS
product and runs the steps inside a block, including the Newton solve of an implicit self-coupling (Eq. 11),
compiled.  The baseline here is the same blocked algorithm with those steps written as a numpy loop vectorised
over the samples (the package's implementation before numba): the history product is shared, so the ratio
isolates what compilation buys.  Both run on the same fields; their outputs must agree to roundoff.

* ``hebbian_speedup``: a Hebbian kernel (g = 2, k = 1, p = 2.5 on h = 0.1), 256 paths x 3000 steps;
* ``stern_speedup``: the Stern network's instantaneous self-coupling s = 1.5 (implicit steps), the same size;
* ``*_speedup_vs_time_major``: against the numpy loop on a time-major copy of the fields (its best layout, which
  would cost the estimators' FFTs their speed);
* ``*_max_diff``: largest |x_numba - x_numpy|.

    python benchmarks/bench_recursion.py --json
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np

from dmft.numerics.single_site import leak_folded_kernel
from dmft.numerics.volterra import causal_recursion, history_matrix


def numpy_recursion(xi, w, c0, block=64):
    """The baseline: the same blocked recursion, steps inside a block as numpy operations on all samples."""
    L, S = xi.shape
    T = history_matrix(w, block)
    M = T.shape[1]
    w_rev = np.concatenate([w[:M + 1], np.zeros(block)])[1:block + 1][::-1].copy()
    x, ps = np.empty((L, S)), np.empty((L, S))
    for n0 in range(0, L, block):
        n1 = min(n0 + block, L)
        ell = min(M, n0)
        acc_block = xi[n0:n1] + (T[:n1 - n0, M - ell:] @ ps[n0 - ell:n0] if ell else 0.0)
        for i in range(n1 - n0):
            n = n0 + i
            acc = acc_block[i] + (w_rev[block - i:] @ ps[n0:n] if i else 0.0)
            x[n] = newton(acc, c0, ps[n - 1] if n else np.zeros(S)) if c0 else acc
            ps[n] = np.tanh(x[n])
    return x


def newton(acc, c0, psi_prev, tol=1e-12):
    """x - c0 tanh x = acc from the predictor on the previous branch (the baseline's implicit step)."""
    x = acc + c0 * psi_prev
    for _ in range(60):
        t = np.tanh(x)
        step = (x - c0 * t - acc) / (1.0 - c0 * (1.0 - t * t))
        x -= step
        if np.max(np.abs(step) / (1.0 + np.abs(x))) < tol:
            break
    return x


def timed(f, repeat):
    f()                                   # compile / warm the caches
    t0 = time.perf_counter()
    for _ in range(repeat):
        out = f()
    return (time.perf_counter() - t0) / repeat, out


def case(name, w, c0, rng, repeat):
    """Both on the engine's path-major fields (each path contiguous, which the estimators' FFTs need: 2-4x faster
    transforms), and the numpy loop also on a time-major copy, its own best layout."""
    xi = np.ascontiguousarray(rng.standard_normal((256, 3000))).T          # path-major, as the engine stores it
    t_nb, (x_nb, _) = timed(lambda: causal_recursion(xi, w, "tanh", c0=c0), repeat)
    t_np, x_np = timed(lambda: numpy_recursion(xi, w, c0), repeat)
    xi_c = np.ascontiguousarray(xi)
    t_np_c, _ = timed(lambda: numpy_recursion(xi_c, w, c0), repeat)
    return {f"{name}_numba_s": t_nb, f"{name}_numpy_s": t_np, f"{name}_speedup": t_np / t_nb,
            f"{name}_numpy_time_major_s": t_np_c, f"{name}_speedup_vs_time_major": t_np_c / t_nb,
            f"{name}_max_diff": float(np.abs(x_nb - x_np).max())}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)
    h, p, k = 0.1, 2.5, 1.0
    tau = h * np.arange(801)
    K = k / p * np.exp(-tau / p) * np.exp(-tau / 8.0) * np.cos(0.3 * tau)      # a C-like decay under e^{-u/p}
    w_hebb = h * leak_folded_kernel(K, h, 0.0, extra=200)
    s = 1.5
    w_stern = h * leak_folded_kernel(np.zeros(801), h, s, extra=200)
    out = {}
    out.update(case("hebbian", w_hebb, 0.0, rng, args.repeat))
    out.update(case("stern", w_stern, 0.5 * w_stern[0], rng, args.repeat))
    if args.json:
        print(json.dumps(out, indent=1))
    else:
        for key, v in out.items():
            print(f"{key:>18}: {v:.4g}")


if __name__ == "__main__":
    main()
