"""lambda_max at g = 2, k = 1, p = 2.5: the DMFT (Monte Carlo tangent map, dmft.theory.tangent) against the simulator's
perturbation method, measured in the same run.

- ``wall_s``: the DMFT lambda_max (stationary solve included) with its SE; ``--tangent-target`` sets the relative SE
  of each mu(lambda) solve (the default gives an SE of lambda_max near the issue's 2%);
- the simulation baseline (``--baseline``):

  * ``extrapolated`` (default): finite networks lie below the N -> infinity exponent by more than 2% at the sizes
    one can simulate (measured: 8% at N = 1000, 5% at N = 2000 at this point), so a single N never reaches "bias below
    the SE".  The baseline is the cheapest unbiased-to-first-order estimate, the linear extrapolation in 1/N from
    N and 2N, lambda_inf = 2 lambda_2N - lambda_N: networks of either size are added (each where it lowers the
    extrapolated variance most per second, from the spreads and costs measured so far) until its SE is at most the
    DMFT's.  Its remaining bias is O(1/N^2), not measured.
  * ``single``: networks of ``--N`` neurons until the SE across them is at most the DMFT's, ignoring the finite-N
    bias (a lower bound on the cost of an unbiased simulation).

  ``simulation_s`` is that baseline's wall time (capped by ``--max-sim-s``; ``sim_reached_target`` says whether it
  got there) and ``speedup_vs_simulation`` = simulation_s / wall_s.

Target on 2 cores (issue): speedup >= 20x at an SE <= 2%.

    python benchmarks/bench_lyapunov.py --json [--baseline extrapolated|single] [--N 1000]
"""
from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import replace

import numpy as np

from dmft import Params
from dmft.simulation.lyapunov import max_lyapunov_perturbation
from dmft.simulation.network import PlasticNetwork
from dmft.theory.tangent import TANGENT_SETTINGS, lyapunov


def network_exponent(params, N, index, T):
    """(lambda_max, seconds) of one network (network seed = perturbation seed = index)."""
    t0 = time.perf_counter()
    lam = max_lyapunov_perturbation(PlasticNetwork(params, N, seed=index), T, burn=100.0, seed=index).lambda_max
    return lam, time.perf_counter() - t0


def _mean_var(xs):
    """(mean, variance of the mean)."""
    return float(np.mean(xs)), float(np.var(xs, ddof=1) / len(xs))


def single_size(params, N, T, target_se, max_s):
    lams, spent = [], 0.0
    while spent < max_s:
        lam, s = network_exponent(params, N, len(lams), T)
        lams.append(lam)
        spent += s
        if len(lams) >= 3 and math.sqrt(_mean_var(lams)[1]) <= target_se:
            break
    mean, var = _mean_var(lams)
    return dict(simulation_s=spent, sim_N=N, sim_networks=len(lams), sim_lambda_max=mean,
                sim_lambda_max_err=math.sqrt(var), sim_reached_target=bool(math.sqrt(var) <= target_se))


def extrapolated(params, N, T, target_se, max_s):
    """2 lambda(2N) - lambda(N) to SE <= target_se: networks of either size added greedily."""
    sizes = (N, 2 * N)
    lams = {n: [] for n in sizes}
    secs = {n: [] for n in sizes}
    spent = 0.0

    def add(n):
        nonlocal spent
        lam, s = network_exponent(params, n, 1000 * (n == sizes[1]) + len(lams[n]), T)
        lams[n].append(lam)
        secs[n].append(s)
        spent += s

    def var_ext(extra=None):
        v = 0.0
        for n, c in zip(sizes, (1.0, 2.0)):
            m = len(lams[n]) + (extra == n)
            v += c ** 2 * np.var(lams[n], ddof=1) / m
        return v

    for n in sizes:
        for _ in range(2):
            add(n)
    while math.sqrt(var_ext()) > target_se and spent < max_s:
        gain = {n: (var_ext() - var_ext(n)) / np.mean(secs[n]) for n in sizes}
        add(max(gain, key=gain.get))
    (m1, v1), (m2, v2) = _mean_var(lams[sizes[0]]), _mean_var(lams[sizes[1]])
    se = math.sqrt(var_ext())
    return dict(simulation_s=spent, sim_N=list(sizes), sim_networks=[len(lams[n]) for n in sizes],
                sim_lambda_max_by_N=[m1, m2], sim_lambda_max_err_by_N=[math.sqrt(v1), math.sqrt(v2)],
                sim_lambda_max=2 * m2 - m1, sim_lambda_max_err=se, sim_reached_target=bool(se <= target_se),
                sim_bias_at_2N=(2 * m2 - m1) - m2, sim_bias_at_2N_err=math.sqrt(v1 + v2))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--baseline", choices=["extrapolated", "single"], default="extrapolated")
    ap.add_argument("--N", type=int, default=1000, help="network size (extrapolated: N and 2N)")
    ap.add_argument("--T", type=float, default=300.0, help="duration of each simulated measurement")
    ap.add_argument("--tangent-target", type=float, default=0.01,
                    help="relative SE of each mu(lambda) solve of the DMFT")
    ap.add_argument("--max-sim-s", type=float, default=3600.0, help="cap on the simulation baseline's wall time")
    args = ap.parse_args()
    params = Params(2.0, 1.0, 2.5)
    t0 = time.perf_counter()
    th = lyapunov(params, seed=0, settings=replace(TANGENT_SETTINGS, target_rel_err=args.tangent_target))
    wall = time.perf_counter() - t0
    out = dict(benchmark="lyapunov", params=params.as_dict(), wall_s=wall, lambda_max=th.lambda_max,
               lambda_max_err=th.lambda_max_err, rel_err=th.lambda_max_err / abs(th.lambda_max),
               converged=th.converged, tangent_target=args.tangent_target, baseline=args.baseline)
    run = extrapolated if args.baseline == "extrapolated" else single_size
    out.update(run(params, args.N, args.T, th.lambda_max_err, args.max_sim_s))
    out["speedup_vs_simulation"] = out["simulation_s"] / wall
    out["theory_minus_simulation_in_se"] = (th.lambda_max - out["sim_lambda_max"]) / math.hypot(
        th.lambda_max_err, out["sim_lambda_max_err"])
    if args.json:
        print(json.dumps(out))
    else:
        for k, v in out.items():
            print(f"{k:>30}: {v}")


if __name__ == "__main__":
    main()
