"""Each boundary of Fig. 1(b) against finite-N networks on both sides of it (slow).

The first-order line and the fixed-point onset have theirs in ``tests/test_fixed_points_vs_simulation.py``
(``test_first_order_transition_matches_annealed_networks``, ``test_onset_of_fixed_points_matches_settling``); the
freezable phase well inside it in ``tests/test_halting.py``.  Here: the g = 1 line, and the semifreezable and
freezable onsets at g = 2, p = 2.5, where the two-replica DMFT puts k_semi ~ 0.31 and k_freeze ~ 0.84.
"""
import numpy as np
import pytest

from dmft import Params, PlasticNetwork
from dmft.simulation.halting import halt_ensemble
from dmft.theory.freezable import freeze

pytestmark = pytest.mark.slow

N_NETWORKS = 8


def _active_after_anneal(g: float, k: float, seed: int, N: int = 1000) -> bool:
    """Start chaotic at g = 1.5, lower g to its value over 100 time units (Sec. IV B), run 400 more."""
    net = PlasticNetwork(Params(1.5, k, 2.5), N, seed=seed)
    net.advance(100.0)
    net.anneal(g, 100.0)
    net.advance(400.0)
    return float(np.sqrt(np.mean(net.x ** 2))) > 1e-3


def test_chaos_onset_at_g_one_for_weak_plasticity():
    """k = 0.5 < 1: below g = 1 (and below k_c(g), which is 1.45 at g = 0.9) the only solution is x = 0; above
    it the network is chaotic [Sec. IV D].  Annealed networks follow: dead at g = 0.9, active at g = 1.1."""
    below = [_active_after_anneal(0.9, 0.5, s) for s in range(2)]
    above = [_active_after_anneal(1.1, 0.5, s) for s in range(2)]
    print(f"active at g = 0.9: {below}; at g = 1.1: {above}")
    assert not any(below) and all(above)


def test_halted_networks_on_both_sides_of_the_onsets():
    """Halting the synapses (Sec. VII) at g = 2, p = 2.5, on three sides of the two onsets:

    - k = 0.1 < k_semi: the DMFT has only Q = 0.  A finite network keeps some memory of the halt state, but it
      falls as N grows (measured 2026-11-29: Q(0) = 0.258 +- 0.050 at N = 250 and 0.101 +- 0.013 at N = 1000,
      eight networks each; 0.050 +- 0.012 at N = 4000, two networks);
    - k_semi < k = 0.6 < k_freeze (semifreezable): the halted networks stay chaotic (none settles);
    - k = 1.2 > k_freeze (freezable): most halted networks settle at a fixed point (6 of 8)."""
    semi = halt_ensemble(Params(2.0, 0.6, 2.5), 1000, N_NETWORKS, seed=20, settle=300.0)
    small = halt_ensemble(Params(2.0, 0.1, 2.5), 250, N_NETWORKS, seed=20, settle=300.0)
    large = halt_ensemble(Params(2.0, 0.1, 2.5), 1000, N_NETWORKS, seed=20, settle=300.0)
    frozen = halt_ensemble(Params(2.0, 1.2, 2.5), 1000, N_NETWORKS, seed=20, settle=300.0)
    print(f"k = 0.6: settled {semi.settled_fraction}; k = 0.1: Q0 = {small.Q0:.3f} +- {small.Q0_err:.3f} (N = 250), "
          f"{large.Q0:.3f} +- {large.Q0_err:.3f} (N = 1000); k = 1.2: settled {frozen.settled_fraction}")
    assert semi.settled_fraction == 0
    assert large.Q0 < 0.5 * small.Q0            # the memory below k_semi is a finite-N effect
    assert frozen.settled_fraction >= 0.5


@pytest.mark.xfail(strict=True, reason="measured disagreement (issue 11): at g = 2, k = 0.6 the DMFT's dynamic "
                   "solution has Q(0) = 0.479 +- 0.034, N = 1000 networks 0.22 +- 0.05 (8 networks), independent "
                   "of the settling time (30 ... 1000); the networks split between Q(0) ~ 0.1 and ~ 0.3-0.5")
def test_semifreezable_memory_against_the_dmft():
    """k_semi < k = 0.6 < k_freeze at g = 2, p = 2.5: Q(0) of halted networks against the two-replica DMFT's
    dynamic solution."""
    result = freeze(Params(2.0, 0.6, 2.5), seed=0)
    assert result.phase == "semifreezable", result.message
    # its SE target (1%) is not reached here (7%, 2026-11-29), but every replica solved: the estimate and its
    # error bar are what is compared
    theory = result.main
    assert "all replicas solved: True" in theory.message, theory.message
    semi = halt_ensemble(Params(2.0, 0.6, 2.5), 1000, N_NETWORKS, seed=20, settle=300.0)
    print(f"k = 0.6: DMFT Q0 = {theory.Q0:.3f} +- {theory.Q0_err:.3f}, N = 1000 {semi.Q0:.3f} +- {semi.Q0_err:.3f}")
    assert abs(semi.Q0 - theory.Q0) < 3 * np.hypot(theory.Q0_err, semi.Q0_err)
