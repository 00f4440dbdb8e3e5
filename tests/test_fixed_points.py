"""Fixed-point mean-field theory and counting [Eqs. 24-26, Sec. VI, Fig. 6(c)-(d)].

The count is checked against numbers the paper states or plots (read off Fig. 6(c)-(d) to the
precision a reader can), against an independent quadrature (scipy.integrate.quad in eta with
brentq branches), against Monte Carlo draws, and against simulated g = 0 fixed points.
"""
import math

import numpy as np
import pytest
from scipy import integrate, optimize

from dmft import _generated as gen
from dmft.theory import fixed_points as fpm
from dmft.simulation.jacobian import network_reduced_spectrum
from dmft.simulation.network import PlasticNetwork
from dmft.params import Params


def test_g0_onset_constants_from_the_paper():
    o = fpm.onset(0.0)
    assert o.chi == pytest.approx(1.4192, abs=5e-5)
    assert o.k_onset == pytest.approx(2.0170, abs=5e-5)


def test_onset_is_continuous_in_g_at_zero():
    # the g > 0 path (quadrature, existence edge, minimum over s) meets the g = 0 closed form
    assert fpm.onset(0.01).k_onset == pytest.approx(2.0170, abs=2e-3)


def test_onset_line_matches_fig6d():
    # Fig. 6(d): the boundary flattens at k ~ 1.2 for g = 2..4 (read off the figure, +-0.05)
    for g in (2.0, 3.0, 4.0):
        assert fpm.onset(g).k_onset == pytest.approx(1.22, abs=0.05)


def test_onset_discontinuous_below_g_076():
    # Sec. VI: "The onset of fixed points is discontinuous for g < 0.76"
    assert fpm.onset(0.72).discontinuous and fpm.onset(0.72).log2_number > 0
    o = fpm.onset(0.80)
    assert not o.discontinuous and o.log2_number == 0.0


def test_log_number_matches_fig6c():
    # Fig. 6(c) at k = 5: g = 2 -> 0.87, g = 3 -> 0.69 (read off the figure, +-0.03)
    assert fpm.log2_number(2.0, 5.0) == pytest.approx(0.87, abs=0.03)
    assert fpm.log2_number(3.0, 5.0) == pytest.approx(0.69, abs=0.03)


def test_log_number_zero_below_onset_increasing_and_saturating():
    g = 2.0
    k_on = fpm.onset(g).k_onset
    assert fpm.log2_number(g, k_on - 0.05) == 0.0
    assert not fpm.fixed_points(g, k_on - 0.05).exists
    ks = np.linspace(k_on + 0.05, 8.0, 8)
    n = np.array([fpm.log2_number(g, k) for k in ks])
    assert np.all(np.diff(n) > 0)
    assert 0.99 < fpm.log2_number(g, 12.0) <= 1.0


def test_two_solutions_below_076_and_large_s_dominates():
    res = fpm.fixed_points(0.5, 1.66)
    assert len(res.solutions) == 2
    small, large = sorted(res.solutions, key=lambda r: r.s)
    assert large.C0 > small.C0 and large.log2_number > small.log2_number
    assert res.dominant is large
    for r in res.solutions:
        assert r.k == pytest.approx(1.66, abs=1e-8)


def _quad_averages(g, s, C0, eta_c):
    """<tanh^2 x> and g^2 <(phi'/g')^2> by scipy quad in eta, branches by brentq (independent of the module)."""
    x_m = math.acosh(math.sqrt(s))
    sig = g * math.sqrt(C0)
    rho = lambda e: math.exp(-0.5 * (e / sig) ** 2) / (sig * math.sqrt(2 * math.pi))  # noqa: E731

    def branch(e):
        return optimize.brentq(lambda x: x - s * math.tanh(x) - e, x_m, abs(e) + s + 1, xtol=1e-15)

    def avg(F):
        aligned = integrate.quad(lambda e: 2 * rho(e) * F(branch(e)), eta_c, eta_c + 14 * sig, limit=200)[0]
        free = integrate.quad(lambda e: rho(e) * (F(branch(e)) + F(branch(-e))), 0, eta_c, limit=400)[0]
        return aligned + free

    C = avg(lambda x: math.tanh(x) ** 2)
    M = g ** 2 * avg(lambda x: (1 / math.cosh(x) ** 2 / (1 - s / math.cosh(x) ** 2)) ** 2)
    return C, M


def test_marginal_solution_against_independent_quadrature():
    # s chosen so that the cutoff sits well inside the bistable range (eta_c / eta_m ~ 0.99)
    r = fpm.stern_fixed_point(2.0, 1.281)
    assert r.exists and r.marginal and r.eta_c < 0.995 * r.eta_m
    C, M = _quad_averages(2.0, 1.281, r.C0, r.eta_c)
    assert C == pytest.approx(r.C0, abs=1e-6)
    assert M == pytest.approx(1.0, abs=1e-4)          # Eq. 26
    assert r.log2_number == pytest.approx(math.erf(r.eta_c / (math.sqrt(2) * 2.0 * math.sqrt(r.C0))), abs=1e-12)


def test_monte_carlo_draws_reproduce_C0_and_count():
    r = fpm.fixed_points(2.0, 3.0).dominant
    x = r.sample_x(200_000, rng=1)
    phi2 = np.tanh(x) ** 2
    assert abs(phi2.mean() - r.C0) < 4 * phi2.std() / math.sqrt(x.size)
    eta = x - r.s * np.tanh(x)                       # Eq. 24 recovers the field
    assert np.allclose(x - r.s * np.tanh(x) - eta, 0)
    assert eta.std() == pytest.approx(2.0 * math.sqrt(r.C0), rel=0.01)
    free = np.mean(np.abs(eta) < r.eta_c)
    assert abs(free - r.log2_number) < 4 * math.sqrt(free * (1 - free) / x.size)
    reversed_ = np.mean(np.sign(x) != np.sign(eta))
    assert abs(reversed_ - r.log2_number / 2) < 4 * math.sqrt(0.25 / x.size)


def test_no_fixed_points_without_bistability():
    r = fpm.stern_fixed_point(1.0, 0.9)
    assert not r.exists and "bistable" in r.reason
    assert not fpm.fixed_points(2.0, 0.8).exists


def test_simulated_g0_fixed_point_eigenvalues_match_closed_forms():
    # any k above onset: x_i = +-chi(k), chi = k tanh^3 chi; the 2 x 2 blocks give every eigenvalue
    k, p, N = 2.2, 2.5, 150
    net = PlasticNetwork(Params(0.0, k, p), N, seed=0)
    net.x[:] = np.random.default_rng(0).choice([-1.0, 1.0], N) * 2.0
    phi = np.tanh(net.x)
    net.set_A(k * np.outer(phi, phi) / N)
    net.advance(300.0)
    assert np.sqrt(np.mean(net.velocity() ** 2)) < 1e-10
    chi = float(np.abs(net.x).mean())
    assert chi == pytest.approx(k * math.tanh(chi) ** 3, abs=1e-10)
    lam, _ = network_reduced_spectrum(net)
    P2 = math.tanh(chi) ** 2 / math.cosh(chi) ** 2
    bulk = np.roots([1, -gen.g0_block_trace(k, p, P2, 0), gen.g0_block_det(k, p, P2, 0)])
    uniform = np.roots([1, -gen.g0_block_trace(k, p, P2, 1), gen.g0_block_det(k, p, P2, 1)])
    expected = np.sort_complex(np.concatenate([np.repeat(bulk, N - 1), uniform]))
    assert np.allclose(np.sort_complex(lam), expected, atol=1e-7)


def test_simulated_g0_onset_fixed_point_has_the_papers_eigenvalues():
    # at k = 2.0170 the paper gives -[1 + p +- sqrt((1+p)^2 - 8p/3)]/(2p) (x N-1 each), -1/p - 2/3 and 0
    chi = optimize.brentq(gen.g0_chi_equation, 0.5, 3.0, xtol=1e-15)
    k, p, N = float(gen.g0_k_of_chi(chi)), 2.5, 60
    net = PlasticNetwork(Params(0.0, k, p), N, seed=0)
    net.x[:] = np.random.default_rng(1).choice([-1.0, 1.0], N) * chi
    phi = np.tanh(net.x)
    net.set_A(k * np.outer(phi, phi) / N)
    assert np.max(np.abs(net.velocity())) < 1e-12          # it is a fixed point
    lam = np.sort_complex(network_reduced_spectrum(net)[0])
    root = math.sqrt((1 + p) ** 2 - 8 * p / 3)
    paper = np.array([-(1 + p + root) / (2 * p)] * (N - 1) + [-(1 + p - root) / (2 * p)] * (N - 1)
                     + [-1 / p - 2 / 3, 0.0])
    assert np.allclose(lam, np.sort_complex(paper.astype(complex)), atol=1e-6)


@pytest.mark.parametrize("bad", [dict(g=-1.0, k=2.0), dict(g=float("nan"), k=2.0), dict(g=1.0, k=float("nan"))])
def test_bad_input(bad):
    with pytest.raises(ValueError):
        fpm.fixed_points(**bad)


def test_bad_s_and_phi():
    with pytest.raises(ValueError, match="s must be"):
        fpm.stern_fixed_point(1.0, -2.0)
    with pytest.raises(ValueError, match="nonlinearity"):
        fpm.stern_fixed_point(1.0, 2.0, phi="relu")


def test_number_map_interpolates_the_direct_count():
    gs, ks = np.array([0.5, 2.0]), np.array([1.0, 1.9, 3.0])
    direct = np.array([[fpm.log2_number(g, k) for g in gs] for k in ks])
    assert np.allclose(fpm.number_map(gs, ks, progress=False), direct, atol=2e-3)


def test_newton_search_finds_the_g0_fixed_points():
    # g = 0, k = 2.2: every sign pattern at |x_i| = chi(k) is a stable fixed point (2^N of them);
    # with N = 4 and many starts the search must find all 16, and nothing else stable
    N, k = 4, 2.2
    stable, _ = fpm.find_stable_fixed_points(Params(0.0, k, 2.5), np.zeros((N, N)), n_starts=4000, seed=0)
    assert len(stable) == 2 ** N
    chi = float(np.abs(stable).max())
    assert chi == pytest.approx(k * math.tanh(chi) ** 3, abs=1e-9)
    assert np.allclose(np.abs(stable), chi, atol=1e-6)
    with pytest.raises(ValueError, match="square"):
        fpm.find_stable_fixed_points(Params(0.0, k, 2.5), np.zeros((3, 4)))
    with pytest.raises(ValueError, match="tanh"):
        fpm.find_stable_fixed_points(Params(0.0, k, 2.5, "erf"), np.zeros((N, N)))


@pytest.mark.parametrize("g", [2.0, 0.5, 0.0])
def test_solutions_appear_exactly_at_the_onset(g):
    k_on = fpm.onset(g).k_onset
    assert not fpm.fixed_points(g, k_on - 1e-3).exists
    above = fpm.fixed_points(g, k_on + 1e-4)
    assert above.exists
    assert all(r.k == pytest.approx(k_on + 1e-4, abs=1e-8) for r in above.solutions)


@pytest.mark.parametrize("k", [2.5, 3.0])
def test_g0_solutions_are_judged_by_the_reduced_jacobian(k):
    """g = 0: x_i = sigma_i chi with chi = s tanh chi solves the fixed-point equations for every s > 1, but
    only the large-chi solution is stable.  The verdict of fixed_points (from dk/ds along the branch) must
    match the eigenvalues of the full reduced Jacobian [Eq. 18] of a constructed network, including its
    collective (outlier) mode [Eq. 20]; the small-s solution at k = 3 has max Re lambda ~ +0.4."""
    from dmft.simulation.jacobian import reduced_jacobian

    res = fpm.fixed_points(0.0, k)
    assert len(res.solutions) == 2 and res.exists
    N, params = 12, Params(0.0, k, 2.5)
    signs = np.random.default_rng(1).choice([-1.0, 1.0], N)
    for sol in res.solutions:
        chi = float(fpm.outer_branch(0.0, sol.s))
        x = signs * chi
        phi = np.tanh(x)
        A = k * np.outer(phi, phi) / N
        assert np.abs(-x + A @ phi).max() < 1e-10                  # it is a fixed point of Eqs. 1-3
        top = np.linalg.eigvals(reduced_jacobian(params, x, np.zeros((N, N)), A)).real.max()
        assert (top < 0) == sol.outlier_stable, (sol.s, top, sol.dk_ds)
    assert res.dominant.s == max(r.s for r in res.solutions)


def test_unstable_branch_never_makes_fixed_points_exist():
    """Below the onset at g = 0.5 there is no solution at all; just above it (discontinuous onset) the
    small-s solution has dk/ds < 0 and is listed as outlier-unstable, the large-s one is the answer."""
    k_on = fpm.onset(0.5).k_onset
    res = fpm.fixed_points(0.5, k_on + 0.05)
    small, large = sorted(res.solutions, key=lambda r: r.s)
    assert small.outlier_stable is False and small.dk_ds < 0
    assert large.outlier_stable is True and res.dominant is large
