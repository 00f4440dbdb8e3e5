"""Sweeps: warm-started solutions along a line agree with independent cold solves and cost fewer iterations."""
import json
import subprocess
import sys

import numpy as np
import pytest

from dmft import Params
from dmft.theory.continuation import line, sweep
from dmft.theory.stationary import SolverSettings, solve

QUICK = SolverSettings(n_samples=128, target_rel_err=0.01)


def test_sweep_agrees_with_cold_solves_and_saves_iterations():
    pts = line(Params(2.0, 0.0, 2.5), "k", 0.5, 1.0, 3)
    assert [q.k for q in pts] == pytest.approx([0.5, 0.75, 1.0])
    sw = sweep(pts, settings=QUICK, seed=10, progress=False)
    cold = [solve(q, settings=QUICK, seed=20 + i) for i, q in enumerate(pts)]
    assert sw.converged and all(r.converged for r in cold)
    for a, b in zip(sw.results, cold):
        assert abs(a.C0 - b.C0) < 4 * np.hypot(a.C0_err, b.C0_err)
        assert abs(a.tau_star - b.tau_star) < 4 * np.hypot(a.tau_star_err, b.tau_star_err)
    # the warm-started points skip the cold start
    assert sum(r.iterations for r in sw.results[1:]) < sum(r.iterations for r in cold[1:])
    rows = sw.summary()["points"]
    assert [r["params"]["k"] for r in rows] == pytest.approx([0.5, 0.75, 1.0]) and sw.summary()["converged"]


@pytest.mark.parametrize("call, msg", [
    (lambda: line(Params(2.0, 0.0, 2.5), "s", 0.0, 1.0, 3), "varies g, k or p"),
    (lambda: line(Params(2.0, 0.0, 2.5), "k", 0.0, 1.0, 0), "num must be a positive integer"),
    (lambda: line(Params(2.0, 0.0, 2.5), "k", 0.0, float("nan"), 3), "must be finite"),
    (lambda: line(Params(2.0, 0.0, 2.5), "p", -1.0, 1.0, 3), "p"),
    (lambda: sweep([]), "non-empty"),
])
def test_bad_sweeps(call, msg):
    with pytest.raises(ValueError, match=msg):
        call()


def test_cli_sweep_round_trip():
    out = subprocess.run([sys.executable, "-m", "dmft", "sweep", "--g", "2", "--p", "2.5", "--vary", "k",
                          "--start", "0", "--stop", "0.5", "--num", "2", "--samples", "128",
                          "--target-rel-err", "0.01", "--json", "--no-progress"],
                         capture_output=True, text=True, check=True).stdout
    d = json.loads(out)
    assert [r["params"]["k"] for r in d["points"]] == [0.0, 0.5]
    assert d["points"][0]["method"] == "exact" and d["points"][1]["converged"]
