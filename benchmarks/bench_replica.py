"""Two-replica DMFT timings (Sec. VII), against the simulation it replaces, measured in the same run.

- ``wall_s``: one ``dmft freeze`` at g = 2, k = 1.5, p = 2.5 (stationary solve, then the dynamic and the
  fixed-point two-replica solutions), with its SE(Q0)/Q0 (target 1%);
- ``boundary_wall_s``: the onsets k_semi (linearised map) and k_freeze (r = 1 on the fixed-point solution) at g = 2;
- ``simulation_s``: the halting measurement it replaces at the same point (4 networks of N = 2000 halted and run
  to their late state), and ``speedup_vs_simulation`` = simulation_s / wall_s (the simulation's error bar is
  reported beside it: it is not a like-for-like accuracy comparison, the DMFT is the N -> infinity answer).

Targets on 2 cores (issue): a point <= 30 s, both onsets at one g <= 3 min.

    python benchmarks/bench_replica.py --json [--no-boundary] [--no-simulation]
"""
from __future__ import annotations

import argparse
import json
import time

from dmft import Params
from dmft.theory.freezable import freeze
from dmft.simulation.halting import halt_ensemble
from dmft.theory.onsets import freezing_onset, linear_onset


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--no-boundary", action="store_true", help="skip the onsets (minutes)")
    ap.add_argument("--no-simulation", action="store_true", help="skip the halted-network baseline")
    args = ap.parse_args()
    params = Params(2.0, 1.5, 2.5)
    t0 = time.perf_counter()
    res = freeze(params, seed=0)
    wall = time.perf_counter() - t0
    m = res.main
    out = dict(wall_s=wall, phase=res.phase, Q0=m.Q0, Q0_err=m.Q0_err, rel_err=m.Q0_err / m.Q0 if m.Q0 else None,
               rho0=m.rho0, converged=res.converged)
    if not args.no_boundary:
        t0 = time.perf_counter()
        semi = linear_onset(2.0, 2.5, "semifreezable")
        frz = freezing_onset(2.0, 2.5)
        out.update(boundary_wall_s=time.perf_counter() - t0, k_semi=semi.k, k_semi_err=semi.k_err,
                   k_freeze=frz.k, k_freeze_err=frz.k_err, boundary_converged=semi.converged and frz.converged)
    if not args.no_simulation:
        t0 = time.perf_counter()
        e = halt_ensemble(params, 2000, 4, seed=0)
        sim = time.perf_counter() - t0
        out.update(simulation_s=sim, speedup_vs_simulation=sim / wall, sim_Q0=e.Q0, sim_Q0_err=e.Q0_err)
    if args.json:
        print(json.dumps(out))
    else:
        for k, v in out.items():
            print(f"{k:>22}: {v}")


if __name__ == "__main__":
    main()
