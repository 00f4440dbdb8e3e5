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
@pytest.mark.parametrize("k, phase", [(1.0, "semifreezable"), (1.25, "freezable"), (1.5, "freezable"),
                                      (1.75, "freezable")])
def test_two_replica_dmft_against_halted_networks(k, phase):
    """Q(0) and rho(0) of the two-replica DMFT (g = 2, p = 2.5; the solution realised on halting: the dynamic one
    in semifreezable chaos, the fixed point in freezable chaos) against 6 halted networks of N = 2000, each run
    300 time units past the halt to its late state: within 2 combined standard errors.

    Measured (2026-12-02; DMFT seed 0, networks seeds 200-205; DMFT against networks, Q(0) | rho(0) | r):
    k = 1.0 (dynamic solution, 3584 paths, SE 2.4%): 0.503 +- 0.012 | 0.772 +- 0.015 | (fixed point's 1.043) against
    0.410 +- 0.049 | 0.643 +- 0.068 | 1.10 +- 0.03, none of 6 settled (1.8 and 1.8 combined SE);
    k = 1.25: 0.649 +- 0.005 | 0.906 +- 0.005 | 0.915 against 0.638 +- 0.029 | 0.890 +- 0.028 | 0.92 +- 0.03 (5 of 6);
    k = 1.5: 0.759 +- 0.002 | 0.967 +- 0.002 | 0.766 against 0.754 +- 0.007 | 0.964 +- 0.005 | 0.78 +- 0.01 (6 of 6);
    k = 1.75: 0.820 +- 0.003 | 0.982 +- 0.002 | 0.654 against 0.833 +- 0.007 | 0.984 +- 0.004 | 0.62 +- 0.01 (6 of 6).
    Until 2026-11-30 the DMFT said rho(0) = 0.992 and 0.984 at k = 1.5 and 1.25, a strict xfail here: its eta_A
    lacked the causal phase of (1 + d/dt) xi (tests/test_response.py)."""
    from dmft.theory.freezable import freeze
    from dmft.theory.replica import ReplicaSettings

    params = Params(2.0, k, 2.5)
    # up to 4096 paths (at k = 1.25 the default 2048 end at SE(Q0)/Q0 = 1.2%).  At k = 1.0, 0.07 below the merge
    # of the two solutions (k_freeze = 1.07), the dynamic solution is near-marginal and noisy (SE 2.4% on 4096
    # paths): its target is 3%, still a quarter of the networks' 12%
    target = 0.03 if phase == "semifreezable" else 0.01
    res = freeze(params, seed=0, settings=ReplicaSettings(max_samples=4096, target_rel_err=target), progress=False)
    assert res.phase == phase and res.converged, (res.phase, res.main.message)
    th = res.main
    if phase == "freezable":
        assert th.r < 1 and th.t[np.argmax(th.Q)] > 0       # Q(t) peaks after the halt in freezable chaos
    sims = halt_ensemble(params, 2000, 6, seed=200)
    print(f"k = {k}: DMFT ({th.kind}) Q0 = {th.Q0:.4f} +- {th.Q0_err:.4f}, rho0 = {th.rho0:.4f} +- {th.rho0_err:.4f},"
          f" r = {th.r:.3f}; N = 2000: Q0 = {sims.Q0:.4f} +- {sims.Q0_err:.4f}, rho0 = {sims.rho0:.4f} +- "
          f"{sims.rho0_err:.4f}, settled {sims.settled_fraction}")
    # the halted networks settle in freezable chaos (finite N can miss the fixed point: a majority) and not in
    # semifreezable chaos
    assert sims.settled_fraction >= 0.5 if phase == "freezable" else sims.settled_fraction == 0
    assert abs(sims.Q0 - th.Q0) < 2 * math.hypot(sims.Q0_err, th.Q0_err), (sims.Q0, th.Q0)
    assert abs(sims.rho0 - th.rho0) < 2 * math.hypot(sims.rho0_err, th.rho0_err), (sims.rho0, th.rho0)
