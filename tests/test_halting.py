"""Halting measurements on the simulator (dmft.simulation.halting, Sec. VII): the halted network settles in freezable
chaos and not in nonfreezable chaos; Q(t) sign convention and ranges; bad input; the two-replica fixed point against
N-extrapolated simulations (slow)."""
import math

import numpy as np
import pytest

from dmft import Params
from dmft.simulation.halting import SETTLED_VELOCITY, halt_ensemble, halt_network


def test_halted_network_settles_in_freezable_chaos_only():
    """g = 2, p = 2.5: at k = 1.5 the two-replica DMFT has only a stable fixed-point solution (r ~ 0.7), at k = 0.2
    (below both onsets, k_semi = 0.65) Q = 0 is the only solution: the halted copy freezes in the first case and
    stays chaotic in the second."""
    frozen = halt_ensemble(Params(2.0, 1.5, 2.5), 400, 4, seed=1, settle=300.0)
    # finite-N networks can miss the fixed point (most settle; at N = 2000 all did): a majority is required
    assert frozen.settled_fraction >= 0.75
    assert all(r.rms_velocity < SETTLED_VELOCITY for r in frozen.runs if r.settled)
    assert 0.5 < frozen.rho0 <= 1.0 and frozen.Q0 > 0
    chaotic = halt_ensemble(Params(2.0, 0.2, 2.5), 400, 4, seed=1, settle=300.0)
    assert chaotic.settled_fraction == 0


def test_overlap_sign_and_time_axis():
    run = halt_network(Params(2.0, 1.5, 2.5), 200, seed=2, burn=100.0, window=10.0, settle=100.0, record_dt=0.5)
    assert run.t[0] == pytest.approx(-10.0) and run.t[-1] == pytest.approx(10.0)
    assert run.Q[np.argmin(np.abs(run.t))] == run.Q0 >= 0
    assert np.all(np.abs(run.Q) <= np.sqrt(run.D0 * np.mean(run.C0)) * 1.5)


def test_ensemble_errors_are_across_networks():
    e = halt_ensemble(Params(2.0, 1.5, 2.5), 150, 3, seed=0, burn=100.0, window=5.0, settle=100.0)
    q0 = np.array([r.Q0 for r in e.runs])
    assert e.Q0 == pytest.approx(q0.mean())
    assert e.Q0_err == pytest.approx(q0.std(ddof=1) / np.sqrt(3))
    assert len({r.seed for r in e.runs}) == 3


@pytest.mark.parametrize("kwargs", [dict(k=0.0), dict(k=-1.0)])
def test_halting_needs_hebbian_plasticity(kwargs):
    with pytest.raises(ValueError, match="k > 0"):
        halt_network(Params(2.0, kwargs["k"], 2.5), 50)


def test_bad_ensemble_size():
    with pytest.raises(ValueError, match="n_networks"):
        halt_ensemble(Params(2.0, 1.0, 2.5), 50, 0)


@pytest.mark.slow
@pytest.mark.parametrize("k", [1.25, 1.5])
def test_fixed_point_solution_against_simulations(k):
    """Two-replica DMFT fixed point (g = 2, p = 2.5, freezable) against 6 halted networks of N = 2000: rho(0) within 2
    combined standard errors.  Measured (seeds 100-105 / 200-205): k = 1.5: rho(0) = 0.920 +- 0.020, 0.962 +- 0.007,
    0.969 +- 0.008 at N = 1000, 2000, 4000; k = 1.25: 0.782, 0.914 +- 0.021, 0.898 +- 0.013 (all 3 settled at
    N = 4000, r = 0.92).  The DMFT (2026-11-30): 0.964 +- 0.002 (r = 0.771) and 0.910 +- 0.008 (r = 0.910).  Until
    that day the DMFT said 0.992 and 0.984 (r = 0.715, 0.834), a strict xfail here: its eta_A lacked the causal
    phase of (1 + d/dt) xi (tests/test_response.py).  With 4096 paths at most, k = 1.25 gives 0.908 +- 0.005
    (converged at SE 0.8%)."""
    from dmft.theory.replica import ReplicaSettings, solve_overlap
    from dmft.theory.stationary import solve

    params = Params(2.0, k, 2.5)
    # up to 4096 paths: at k = 1.25 the default 2048 end at SE(Q0)/Q0 = 1.2%, above the 1% target
    fp = solve_overlap(solve(params, seed=0, progress=False), "fixed-point", seed=1, progress=False,
                       settings=ReplicaSettings(max_samples=4096))
    assert fp.converged and fp.r < 1, fp.message
    assert fp.t[np.argmax(fp.Q)] > 0                      # Q(t) peaks after the halt in freezable chaos
    sims = halt_ensemble(params, 2000, 6, seed=200)
    print(f"k = {k}: DMFT rho0 = {fp.rho0:.4f} +- {fp.rho0_err:.4f}, r = {fp.r:.3f}; N = 2000: "
          f"{sims.rho0:.4f} +- {sims.rho0_err:.4f}, settled {sims.settled_fraction}")
    assert sims.settled_fraction >= 0.5
    assert abs(sims.rho0 - fp.rho0) < 2 * math.hypot(sims.rho0_err, fp.rho0_err), (sims.rho0, fp.rho0)
