"""Simulator throughput and accuracy per unit of wall time.

1. The buffered-A PlasticNetwork against a naive dense update of A: both integrate the same forward-Euler
   scheme at g = 2, k = 1, p = 2.5, dt = 0.05.  The baseline rewrites the full N x N matrix every step
   (A <- A + dt/p (-A + k/N phi phi^T), as full arrays), exactly as in dmft.simulation.reference.dense_euler
   (``speedup``; ``heun_steps_per_s`` is the default scheme's rate at the same N).
2. ``dt_speedup``: the wall time forward Euler needs to get C(1)/C(0) within 0.5% of its small-dt limit at
   g = 2, k = -2, p = 2.5, divided by the time Heun needs for the same accuracy.  The bias of C(1)/C(0) is
   measured at three steps per scheme on the same networks (same J and x0: the network-to-network spread
   cancels in the differences) and fitted jointly as L + b_E dt (Euler) and L + b_H dt^2 (Heun), L the common
   small-dt limit; the step each scheme needs is where its fitted bias is 0.5% of L (Heun's capped at 90% of
   its stability bound); the time is (1/dt) / (steps per second), measured here for both at that N.

Everything is timed in this run, on this machine, so the ratios do not depend on the machine's speed.

    python benchmarks/bench_simulator.py --json
"""
from __future__ import annotations

import argparse
import json
import math
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


def c1_ratio(params, N, dt, scheme, seeds, T, burn):
    """C(1)/C(0) of phi, averaged over networks ``seeds`` (records every step; 1/dt must be an integer)."""
    lag = int(round(1.0 / dt))
    assert abs(lag * dt - 1.0) < 1e-12, dt
    vals = []
    for s in seeds:
        traj = PlasticNetwork(params, N, dt=dt, seed=s, scheme=scheme).run(T, burn=burn, record_dt=dt,
                                                                          progress=False)
        ph = traj.phi
        vals.append(float(np.mean(ph[:-lag] * ph[lag:]) / np.mean(ph * ph)))
    return np.array(vals)


def _fit(design, y, w):
    """Weighted least squares for (L, b_E, b_H)."""
    return np.linalg.lstsq(design * w[:, None], y * w, rcond=None)[0]


def _needed_steps(L, bE, bH, bound):
    """The steps at which the fitted biases are 0.5% of L (Heun's capped at 90% of its stability bound)."""
    return {"euler": 0.005 * L / abs(bE), "heun": min(math.sqrt(0.005 * L / abs(bH)), 0.9 * bound)}


def dt_speedup(N=400, seeds=(0, 1, 2), T=300.0, burn=50.0, seconds=2.0):
    """The accuracy-per-time comparison of the module docstring; returns a dict."""
    params = Params(2.0, -2.0, 2.5)
    ladders = {"euler": (0.05, 0.1, 0.2), "heun": (0.1, 0.2, 0.25)}
    order = {"euler": 1, "heun": 2}
    rows, A, per_seed = [], [], []
    for scheme, dts in ladders.items():
        for dt in dts:
            v = c1_ratio(params, N, dt, scheme, seeds, T, burn)
            rows.append(dict(scheme=scheme, dt=dt, C1_over_C0=float(v.mean()),
                             se=float(v.std(ddof=1) / math.sqrt(v.size)), per_seed=v.tolist()))
            A.append([1.0, dt if scheme == "euler" else 0.0, dt ** 2 if scheme == "heun" else 0.0])
            per_seed.append(v)
    A, per_seed = np.array(A), np.array(per_seed)            # per_seed: (configurations, seeds)
    bound = 2.0 / (1.0 + 2.0 * params.g + abs(params.k))
    L, bE, bH = _fit(A, per_seed.mean(axis=1), np.ones(len(A)))
    need = _needed_steps(L, bE, bH, bound)
    rate = {}
    for scheme in ladders:
        net = PlasticNetwork(params, N, dt=need[scheme], seed=0, scheme=scheme)
        net.advance(5.0)
        rate[scheme] = fast_steps_per_s(net, seconds)
    wall = {s: 1.0 / need[s] / rate[s] for s in ladders}   # seconds per unit of simulated time
    # the spread of the same comparison made network by network (same J and x0 at every step: paired)
    by_seed = []
    for j in range(per_seed.shape[1]):
        n = _needed_steps(*_fit(A, per_seed[:, j], np.ones(len(A))), bound)
        by_seed.append((1.0 / n["euler"] / rate["euler"]) / (1.0 / n["heun"] / rate["heun"]))
    return dict(dt_speedup_per_network=by_seed, params=params.as_dict(), N=N, seeds=list(seeds), T=T, measurements=rows, limit=float(L),
                bias_coefficients=dict(euler=float(bE), heun=float(bH)), orders=order,
                dt_needed=need, steps_per_s=rate, wall_per_time_unit_s=wall,
                dt_speedup=wall["euler"] / wall["heun"])


def peak_extra_bytes(params, N, dt, steps=200):
    """Peak memory allocated while stepping, beyond J (measured with tracemalloc)."""
    net = PlasticNetwork(params, N, dt=dt, seed=0, scheme="euler")
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
    ap.add_argument("--no-accuracy", action="store_true", help="skip the dt_speedup measurement")
    args = ap.parse_args(argv)
    params, dt = Params(2.0, 1.0, 2.5), 0.05
    rows = []
    for N in args.sizes:
        net = PlasticNetwork(params, N, dt=dt, seed=0, scheme="euler")
        net.advance(5.0)  # warm up (allocates A_base)
        J, x0 = net.J, net.x.copy()
        fast = fast_steps_per_s(net, args.seconds)
        heun = PlasticNetwork(params, N, dt=dt, seed=0, scheme="heun")
        heun.advance(5.0)
        naive = naive_steps_per_s(params, J, x0, dt, args.seconds)
        rows.append(dict(N=N, steps_per_s=fast, heun_steps_per_s=fast_steps_per_s(heun, args.seconds),
                         naive_steps_per_s=naive, speedup=fast / naive,
                         state_bytes=int(2 * N * N * 8 + net._U.nbytes)))
    out = dict(benchmark="simulator", params=params.as_dict(), dt=dt, results=rows)
    if not args.no_accuracy:
        acc = dt_speedup(seconds=args.seconds)
        out["dt_speedup"] = acc.pop("dt_speedup")
        out["dt_accuracy"] = acc
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
        if "dt_speedup" in out:
            print(f"dt_speedup (Heun vs Euler at equal C(1)/C(0) accuracy): {out['dt_speedup']:.2f}")


if __name__ == "__main__":
    main()
