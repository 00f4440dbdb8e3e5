"""Simulator throughput: the buffered-A PlasticNetwork against a naive dense update of A.

Both integrate the same forward-Euler scheme at g = 2, k = 1, p = 2.5, dt = 0.05.  The baseline
rewrites the full N x N matrix every step (A <- A + dt/p (-A + k/N phi phi^T), as full arrays),
exactly as in dmft.reference.dense_euler.  Both are timed in this run, on this machine, so the
reported ratio does not depend on the machine's speed.

    python benchmarks/bench_simulator.py --json
"""
from __future__ import annotations

import argparse
import json
import time
import tracemalloc

import numpy as np

from dmft import Params, PlasticNetwork


def naive_steps_per_s(params, J, x0, dt, seconds):
    N = x0.size
    x, A = x0.copy(), np.zeros((N, N))
    n, start = 0, time.perf_counter()
    while True:
        phi = np.tanh(x)
        dx = dt * (-x + J @ phi + A @ phi)
        A = A + dt / params.p * (-A + params.k / N * np.outer(phi, phi))
        x = x + dx
        n += 1
        el = time.perf_counter() - start
        if el > seconds and n >= 5:
            return n / el


def fast_steps_per_s(net, seconds):
    n, start = 0, time.perf_counter()
    while True:
        for _ in range(net.fold_every):
            net.step()
        n += net.fold_every
        el = time.perf_counter() - start
        if el > seconds:
            return n / el


def peak_extra_bytes(params, N, dt, steps=200):
    """Peak memory allocated while stepping, beyond J (measured with tracemalloc)."""
    net = PlasticNetwork(params, N, dt=dt, seed=0)
    tracemalloc.start()
    for _ in range(steps):
        net.step()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000])
    ap.add_argument("--seconds", type=float, default=3.0, help="timing budget per measurement")
    args = ap.parse_args(argv)
    params, dt = Params(2.0, 1.0, 2.5), 0.05
    rows = []
    for N in args.sizes:
        net = PlasticNetwork(params, N, dt=dt, seed=0)
        net.advance(5.0)  # warm up (allocates A_base)
        J, x0 = net.J, net.x.copy()
        fast = fast_steps_per_s(net, args.seconds)
        naive = naive_steps_per_s(params, J, x0, dt, args.seconds)
        rows.append(dict(N=N, steps_per_s=fast, naive_steps_per_s=naive, speedup=fast / naive,
                         state_bytes=int(2 * N * N * 8 + net._U.nbytes)))
    out = dict(benchmark="simulator", params=params.as_dict(), dt=dt, results=rows)
    at2000 = [r for r in rows if r["N"] == 2000]
    if at2000:
        out["speedup"] = at2000[0]["speedup"]
        out["peak_step_alloc_bytes_N2000"] = peak_extra_bytes(params, 2000, dt)
    if args.json:
        print(json.dumps(out))
    else:
        for r in rows:
            print(f"N={r['N']:5d}  {r['steps_per_s']:8.1f} steps/s  naive {r['naive_steps_per_s']:7.1f}"
                  f"  speedup {r['speedup']:.1f}x")


if __name__ == "__main__":
    main()
