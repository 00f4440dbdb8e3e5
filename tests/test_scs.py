"""k = 0: the exact Sompolinsky-Crisanti-Sommers solution, Price's theorem, and simulations."""
import numpy as np
import pytest

from dmft import Params
from dmft.numerics.gaussian import gauss_avg, pair_avg
from dmft.simulation.ensemble import simulate_ensemble
from dmft.theory.scs import energy_residual, scs_solution, scs_variance

tanh = np.tanh
sech2 = lambda z: 1 / np.cosh(z) ** 2  # noqa: E731
logcosh = Params(1, 0, 1).nonlinearity.antiderivative


def test_quiescent_below_one_and_energy_condition_above():
    assert scs_variance(0.9) == 0.0 and scs_variance(1.0) == 0.0
    for g in (1.2, 2.0, 4.0):
        q = scs_variance(g)
        assert q > 0 and abs(energy_residual(q, g)) < 1e-12 * q * q


@pytest.mark.parametrize("eps", [1e-3, 1e-2])
def test_variance_near_onset_is_epsilon(eps):
    """Eq. 13 with k = 0: C^x(0) = C(0) = eps to leading order in eps = g - 1."""
    assert abs(scs_variance(1 + eps) / eps - 1) < 2 * eps


def test_prices_theorem_for_pair_averages():
    """d/dc <phi(z1) phi(z2)> = <phi'(z1) phi'(z2)>  and  d/dc <Phi Phi> = <phi phi>."""
    q, h = 1.7, 1e-5
    for c in (-1.2, 0.0, 0.4, 1.5):
        fd = (pair_avg(tanh, tanh, q, q, c + h) - pair_avg(tanh, tanh, q, q, c - h)) / (2 * h)
        assert abs(fd - pair_avg(sech2, sech2, q, q, c)) < 1e-8
        fd = (pair_avg(logcosh, logcosh, q, q, c + h) - pair_avg(logcosh, logcosh, q, q, c - h)) / (2 * h)
        assert abs(fd - pair_avg(tanh, tanh, q, q, c)) < 1e-8
    # boundary values: c = q gives <phi^2>, c = 0 gives <phi>^2 = 0
    assert abs(pair_avg(tanh, tanh, q, q, q) - gauss_avg(lambda z: tanh(z) ** 2, q)) < 1e-10


def test_lag_solution_conserves_energy():
    """Along the exact solution, Delta'^2/2 + V(Delta) = V(Delta_0)."""
    g = 2.0
    sol = scs_solution(g, tau_max=25.0, dtau=0.01)
    q = sol.Delta0
    V = -sol.Cx ** 2 / 2 + g * g * pair_avg(logcosh, logcosh, q, q, sol.Cx)
    dD = np.gradient(sol.Cx, 0.01, edge_order=2)
    E = dD ** 2 / 2 + V
    assert np.abs(E[5:-5] - V[0]).max() < 1e-6 * q * q
    assert np.all(np.abs(sol.C) <= sol.C[0] + 1e-15)
    assert abs(sol.C[0] - gauss_avg(lambda z: tanh(z) ** 2, q)) < 1e-12


def test_sech_profile_near_onset():
    """g -> 1+: C(tau) = eps sech(eps tau / sqrt(3)) [Eq. 13, k = 0]."""
    eps = 0.01
    sol = scs_solution(1 + eps, tau_max=1200.0, dtau=1.0)
    ref = eps / np.cosh(eps * sol.tau / np.sqrt(3))
    assert np.abs(sol.C - ref).max() < 0.03 * eps


@pytest.mark.slow
def test_simulated_variance_matches_exact_scs():
    """k = 0, g = 2, N = 2000: simulated C^x(0) equals the exact SCS Delta_0 within 3 standard
    errors across 5 independent networks."""
    exact = scs_variance(2.0)
    ens = simulate_ensemble(Params(2.0, 0.0, 2.5), 2000, n_seeds=5, T=200.0, burn=50.0, seed=11)
    assert abs(ens.Cx0 - exact) < 3 * ens.Cx0_err, (ens.Cx0, ens.Cx0_err, exact)
    assert ens.Cx0_err < 0.03 * exact  # the error bar is informative
    # the same holds for C(0) of phi, compared with the exact <tanh^2>
    C0 = scs_solution(2.0).C[0]
    assert abs(ens.C0 - C0) < 3 * ens.C0_err
