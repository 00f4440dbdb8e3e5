"""Value checks of the Monte Carlo DMFT solver at k != 0 against stored long simulations.

``tests/reference/simulation_reference.json`` holds C(tau) at a few lags for three (g, k, p), from 16
independent N = 1000 networks each, integrated at dt = 0.01 and 0.02 and extrapolated to dt -> 0 (forward
Euler is first order).  It was made by ``tests/reference/make_simulation_reference.py`` with the seeds it
records: the simulator's numbers, never the solver's.  Each theory value must lie within 4 combined
standard errors (the solver's, from its replicas, and the simulation's, across networks).  Finite-N
corrections are not removed; at this N they were below those errors where checked (see the closing note of
the issue that added this file).
"""
import json
import math
from pathlib import Path

import numpy as np
import pytest

from dmft import Params
from dmft.theory.stationary import solve

REF = json.loads((Path(__file__).parent / "reference" / "simulation_reference.json").read_text())


def test_reference_file_records_how_it_was_made():
    meta = REF["meta"]
    assert meta["script"] == "tests/reference/make_simulation_reference.py"
    assert len(meta["seeds"]) == meta["n_networks"] >= 8 and meta["N"] >= 1000
    assert "Richardson" in meta["dt_extrapolation"]


@pytest.mark.parametrize("point", REF["points"], ids=lambda pt: "g={g} k={k} p={p}".format(**pt["params"]))
def test_monte_carlo_solver_matches_long_simulations(point):
    r = solve(Params(**point["params"]), seed=0)
    assert r.converged, r.message
    for lag, c, e in zip(point["lags"], point["C"], point["C_err"]):
        # at the simulated lag itself, whatever the solver's grid (zero past its window)
        theory = float(np.interp(lag, r.tau, r.C, right=0.0))
        theory_err = float(np.interp(lag, r.tau, r.C_err, right=0.0))
        assert abs(theory - c) < 4 * math.hypot(e, theory_err), (lag, theory, theory_err, c, e)
    # PR_A = p / T [Eq. 23]; the solver gives no error for it, so the simulation's error alone sets the bar
    assert abs(r.PR_A - point["PR_A"]) < 4 * point["PR_A_err"], (r.PR_A, point["PR_A"], point["PR_A_err"])
