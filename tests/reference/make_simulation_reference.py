"""Regenerate ``simulation_reference.json``: C(tau) and tau* of finite-N networks at a few (g, k, p).

These numbers are the ground truth of the fast value checks of the Monte Carlo DMFT solver
(``tests/test_reference_values.py``): they come from the simulator alone, never from the solver.
Each point is an ensemble of independent networks (seeds SEED0, SEED0 + 1, ...); the error is the
standard error across networks (the spread across neurons of one network understates it).  The
simulator is forward Euler, whose O(dt) phase error is visible for anti-Hebbian oscillations, so the
step is small (dt = 0.01).

    python tests/reference/make_simulation_reference.py            # ~15 min on 2 cores
"""
from __future__ import annotations

import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

import dmft
from dmft.ensemble import simulate_ensemble

POINTS = [dict(g=2.0, k=1.0, p=2.5), dict(g=2.0, k=-2.0, p=2.5), dict(g=3.0, k=-1.0, p=5.0)]
N, N_SEEDS, T, BURN, DT, RECORD_DT, MAX_LAG, SEED0 = 1000, 16, 400.0, 100.0, 0.01, 0.05, 40.0, 1000
LAGS = [0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0]


def main(out: Path) -> None:
    rows = []
    for pt in POINTS:
        t0 = time.perf_counter()
        ens = simulate_ensemble(dmft.Params(**pt), N, n_seeds=N_SEEDS, T=T, burn=BURN, dt=DT, seed=SEED0,
                                record_dt=RECORD_DT, max_lag=MAX_LAG, progress=False)
        idx = [int(round(t / RECORD_DT)) for t in LAGS]
        per = np.array([r["C"][idx] for r in ens.per_seed])
        rows.append(dict(params=pt, lags=LAGS, C=ens.C[idx].tolist(), C_err=ens.C_err[idx].tolist(),
                         tau_star=ens.tau_star, tau_star_err=ens.tau_star_err, PR_A=ens.PR_A,
                         PR_A_err=ens.PR_A_err, states=ens.states, C_per_network=per.tolist(),
                         wall_s=time.perf_counter() - t0))
        print(pt, "C0 = %.4f +- %.4f, tau* = %.3f +- %.3f (%.0f s)" % (
            ens.C0, ens.C0_err, ens.tau_star, ens.tau_star_err, rows[-1]["wall_s"]), flush=True)
    meta = dict(script="tests/reference/make_simulation_reference.py", N=N, n_networks=N_SEEDS, T=T,
                burn=BURN, dt=DT, record_dt=RECORD_DT, max_lag=MAX_LAG, seeds=list(range(SEED0, SEED0 + N_SEEDS)),
                scheme="forward Euler", dmft_version=dmft.__version__ if hasattr(dmft, "__version__") else None,
                numpy=np.__version__, python=platform.python_version(),
                error="standard error across networks (ddof = 1)")
    out.write_text(json.dumps(dict(meta=meta, points=rows), indent=1) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("simulation_reference.json"))
