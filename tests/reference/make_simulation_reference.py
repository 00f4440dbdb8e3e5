"""Regenerate ``simulation_reference.json``: C(tau) and tau* of finite-N networks at a few (g, k, p).

These numbers are the ground truth of the fast value checks of the Monte Carlo DMFT solver
(``tests/test_reference_values.py``): they come from the simulator alone, never from the solver.
Each point is an ensemble of independent networks (seeds SEED0, SEED0 + 1, ...); the error is the
standard error across networks (the spread across neurons of one network understates it).  The
simulator is forward Euler, whose O(dt) phase error is visible for anti-Hebbian oscillations, so the
step is small (dt = 0.01), and the O(dt) error is removed by Richardson extrapolation against dt = 0.02
(same seeds).  tau* is not stored: a finite network's C(tau) has long-lag fluctuations (at N = 1000,
T = 400, about 0.01 at tau = 10-20 for k = -2) whose square biases int (C/C0)^2 upward by far more than
its error bar (2.18 +- 0.09 against 1.73 at g = 2, k = -2).

    python tests/reference/make_simulation_reference.py            # ~25 min on 2 cores
"""
from __future__ import annotations

import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

import dmft
from dmft.simulation.ensemble import simulate_ensemble

POINTS = [dict(g=2.0, k=1.0, p=2.5), dict(g=2.0, k=-2.0, p=2.5), dict(g=3.0, k=-1.0, p=5.0)]
N, N_SEEDS, T, BURN, DT, RECORD_DT, MAX_LAG, SEED0 = 1000, 16, 400.0, 100.0, 0.01, 0.1, 40.0, 1000
# Forward Euler's error is O(dt): each point is also run at 2 dt (same seeds) and the first-order
# Richardson extrapolation 2 C(dt) - C(2 dt) is stored as the dt -> 0 reference, with its error.
LAGS = [0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0]


def main(out: Path) -> None:
    rows = []
    for pt in POINTS:
        t0 = time.perf_counter()
        runs = {}
        for dt in (DT, 2 * DT):
            ens = simulate_ensemble(dmft.Params(**pt), N, n_seeds=N_SEEDS, T=T, burn=BURN, dt=dt, seed=SEED0,
                                    record_dt=RECORD_DT, max_lag=MAX_LAG, progress=False)
            idx = [int(round(t / (ens.tau[1] - ens.tau[0]))) for t in LAGS]
            per = np.array([r["C"][idx] for r in ens.per_seed])
            runs[dt] = dict(C=per.mean(0), C_err=per.std(0, ddof=1) / np.sqrt(N_SEEDS), PR_A=ens.PR_A,
                            PR_A_err=ens.PR_A_err, tau_star=ens.tau_star, tau_star_err=ens.tau_star_err,
                            states=ens.states, C_per_network=per.tolist())
        a, b = runs[DT], runs[2 * DT]
        rows.append(dict(params=pt, lags=LAGS,
                         C=(2 * a["C"] - b["C"]).tolist(), C_err=np.hypot(2 * a["C_err"], b["C_err"]).tolist(),
                         PR_A=2 * a["PR_A"] - b["PR_A"], PR_A_err=float(np.hypot(2 * a["PR_A_err"], b["PR_A_err"])),
                         by_dt={str(dt): dict(r, C=r["C"].tolist(), C_err=r["C_err"].tolist()) for dt, r in runs.items()},
                         wall_s=time.perf_counter() - t0))
        print(pt, "C0 = %.4f +- %.4f (dt -> 0); %.4f at dt = %g, %.4f at dt = %g (%.0f s)" % (
            rows[-1]["C"][0], rows[-1]["C_err"][0], a["C"][0], DT, b["C"][0], 2 * DT, rows[-1]["wall_s"]), flush=True)
    meta = dict(script="tests/reference/make_simulation_reference.py", N=N, n_networks=N_SEEDS, T=T,
                burn=BURN, dt=DT, record_dt=RECORD_DT, max_lag=MAX_LAG, seeds=list(range(SEED0, SEED0 + N_SEEDS)),
                scheme="forward Euler", dt_extrapolation="Richardson, first order: 2 C(dt) - C(2 dt), same seeds",
                dmft_version=dmft.__version__ if hasattr(dmft, "__version__") else None,
                numpy=np.__version__, python=platform.python_version(),
                error="standard error across networks (ddof = 1)")
    out.write_text(json.dumps(dict(meta=meta, points=rows), indent=1) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("simulation_reference.json"))
