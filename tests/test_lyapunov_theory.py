"""lambda_max from the DMFT at k = 0 (the SCS network) against an independent eigen-solution written here: the
lag Schroedinger operator -d^2/dtau^2 - g^2 C_phi'(tau) discretised by finite differences (Neumann at 0 for the
even ground state, Dirichlet far out), two grids and Richardson extrapolation.  The library finds the ground state
by shooting and bisection on the node count; the two share only the SCS solution Cx(tau), tested on its own."""
import math

import numpy as np
import pytest
from scipy.linalg import eigh_tridiagonal

from dmft.theory.lyapunov import SCSPotential, leading_eigenvalue, scs_lyapunov
from dmft.theory.scs import scs_solution


def _fd_ground_energy(g, h, L):
    sol = scs_solution(g, tau_max=L, dtau=h)
    q = sol.Cx[0]
    # g^2 <tanh'(z1) tanh'(z2)> for Var = q, Cov = Cx, by the trapezoid rule in two standard normals: exponentially
    # accurate for an analytic integrand (Gauss-Hermite is not enough here: sech^2 has poles near the real axis, and
    # 120 nodes are 1e-3 off at g = 3)
    u = np.arange(-10.0, 10.0001, 0.1)
    w = 0.1 * np.exp(-u * u / 2) / math.sqrt(2 * math.pi)
    dphi = lambda z: 1.0 / np.cosh(z) ** 2          # noqa: E731
    V = np.empty(sol.Cx.size)
    for i in range(0, V.size, 200):
        c = np.clip(sol.Cx[i:i + 200], 0.0, q)[:, None, None]
        z1 = math.sqrt(q) * u[None, :, None]
        z2 = (c / math.sqrt(q)) * u[None, :, None] + np.sqrt(np.maximum(q - c ** 2 / q, 0.0)) * u[None, None, :]
        V[i:i + 200] = g * g * np.einsum("nij,i,j->n", dphi(z1) * dphi(z2), w, w)
    n = V.size - 1                                   # unknowns psi_0 .. psi_{n-1}, psi_n = 0
    diag = 2.0 / h ** 2 - V[:n]
    off = np.full(n - 1, -1.0 / h ** 2)
    off[0] = -math.sqrt(2.0) / h ** 2                # psi_{-1} = psi_1 (even), symmetrised
    return eigh_tridiagonal(diag, off, select="i", select_range=(0, 0), eigvals_only=True)[0]


def _fd_lyapunov(g, L=90.0):
    e1, e2 = _fd_ground_energy(g, 0.02, L), _fd_ground_energy(g, 0.01, L)
    E = (4.0 * e2 - e1) / 3.0                        # second-order scheme: Richardson
    return math.sqrt(-E) - 1.0, abs(e2 - e1)


@pytest.fixture(scope="module")
def g2():
    """The exact k = 0 result at g = 2 and its potential (shared by the tests below)."""
    return scs_lyapunov(2.0, curve_points=0), SCSPotential(2.0)


def _check(g, res=None):
    lam_fd, spread = _fd_lyapunov(g)
    assert spread > 1e-9                             # the two grids differ: the extrapolation does something
    res = res or scs_lyapunov(g, curve_points=0)
    assert res.converged and res.method == "exact"
    assert res.lambda_max == pytest.approx(lam_fd, abs=1e-6)
    assert res.lambda_max > 0                        # chaos


def test_exact_lyapunov_g2_against_finite_differences(g2):
    _check(2.0, g2[0])


@pytest.mark.slow
@pytest.mark.parametrize("g", [1.5, 3.0])
def test_exact_lyapunov_against_finite_differences(g):
    _check(g)


def test_quiescent_network_has_lambda_g_minus_one():
    """g < 1: x = 0 and the exponent is that of the linear network, g - 1; mu(lambda) = g^2 / (1 + lambda)^2."""
    res = scs_lyapunov(0.6, curve_points=3)
    assert res.lambda_max == pytest.approx(-0.4, abs=1e-12)
    for lam, mu, _ in res.curve:
        assert mu == pytest.approx(0.36 / (1 + lam) ** 2, rel=1e-12)


def test_leading_eigenvalue_is_one_at_lambda_max_and_decreasing(g2):
    res, pot = g2
    assert leading_eigenvalue(pot, res.lambda_max) == pytest.approx(1.0, abs=1e-7)
    mus = [leading_eigenvalue(pot, lam) for lam in (0.0, 0.1, 0.3)]
    assert mus[0] > mus[1] > mus[2]
    with pytest.raises(ValueError, match="lambda must be > -1"):
        leading_eigenvalue(pot, -1.5)


@pytest.mark.slow
def test_lambda_vanishes_as_g_to_one():
    """lambda_max -> 0 as g -> 1+ (quadratically in g - 1 for the SCS network)."""
    lam = {g: scs_lyapunov(g, curve_points=0).lambda_max for g in (1.05, 1.1, 1.2)}
    assert 0 < lam[1.05] < lam[1.1] < lam[1.2]
    slope = math.log(lam[1.2] / lam[1.05]) / math.log(0.2 / 0.05)
    assert 1.7 < slope < 2.3


# ---------------------------------------------------------------- the Monte Carlo route (dmft.theory.tangent)

def test_linear_gain_recursion_matches_a_direct_loop():
    """causal_recursion with gain: u_n = chi_n + c0 a_n u_n + sum_m w_m a_{n-m} u_{n-m}, checked step by step."""
    from dmft.numerics.volterra import causal_recursion

    rng = np.random.default_rng(3)
    L, S, M = 150, 3, 40
    chi = rng.standard_normal((L, S))
    a = rng.uniform(0.1, 1.0, (L, S))
    w = 0.05 * np.exp(-0.1 * np.arange(M + 1))
    c0 = 0.5 * w[0]
    u, _ = causal_recursion(chi, w, c0=c0, block=16, gain=a)
    ref = np.zeros_like(chi)
    for n in range(L):
        acc = chi[n] + sum(w[m] * a[n - m] * ref[n - m] for m in range(1, min(M, n) + 1))
        ref[n] = acc / (1 - c0 * a[n])
    assert np.allclose(u, ref, rtol=1e-12, atol=1e-12)


def test_leak_folded_kernel_with_a_rate_is_the_exponential_convolution():
    """G(u) = int_0^u e^{-a(u-v)} K(v) dv with K piecewise linear: exact for a piecewise-linear K."""
    from scipy import integrate

    from dmft.numerics.single_site import leak_folded_kernel

    h = 0.1
    tau = h * np.arange(60)
    K = np.exp(-tau / 2.5) * np.cos(tau)
    for rate in (1.0, 1.37):
        G = leak_folded_kernel(K, h, rate=rate)
        Kl = lambda v: np.interp(v, tau, K)          # noqa: E731
        for n in (1, 17, 45):
            u = tau[n]
            ref = integrate.quad(lambda v: math.exp(-rate * (u - v)) * Kl(v), 0, u, points=tau[:n + 1], limit=200)[0]
            assert G[n] == pytest.approx(ref, rel=1e-9, abs=1e-12)


def test_monte_carlo_multiplier_at_k0_matches_the_exact_operator(g2):
    """mu(lambda) from the tangent map on sampled paths (k = 0, g = 2) against the exact leading eigenvalue of
    [(1 + lambda)^2 - d^2]^-1 g^2 C_phi' (shooting), within the 99% interval of its error.  The error comes from the
    spread of R replicas, so (mu - exact) / mu_err is Student-t with R - 1 degrees of freedom: with the default 4
    replicas 3 errors are a 94% interval (measured over 40 seeds: rms 1.5, 15% beyond 2 errors, t_3 has 14%);
    8 replicas make 3.5 errors the 99% one."""
    from dataclasses import replace

    from scipy import stats

    from dmft import Params
    from dmft.theory.stationary import solve
    from dmft.theory.tangent import TANGENT_SETTINGS, multiplier

    stat = solve(Params(2.0, 0.0, 2.5), progress=False)
    pot = g2[1]
    m = multiplier(stat, 0.15, seed=1, settings=replace(TANGENT_SETTINGS, min_replicas=8))
    exact = leading_eigenvalue(pot, 0.15)
    assert m.converged and 0 < m.mu_err < 0.01
    assert abs(m.mu - exact) < stats.t.ppf(0.995, 7) * m.mu_err


@pytest.mark.slow
def test_monte_carlo_lyapunov_at_k0_within_two_se_of_exact():
    """k = 0 [issue 12]: the Monte Carlo tangent map (non-Gaussian machinery run on a Gaussian single site) against
    the exact lag Schroedinger ground state, within 2 standard errors."""
    from dmft import Params
    from dmft.theory.tangent import lyapunov

    # Three independent runs (each run's mu solves use seeds seed .. seed + 4), combined by inverse variance: one
    # run is a 2-SE test that a correct estimator fails one time in twenty (seed 0 alone: 0.1103 +- 0.0010, 2.3 SE
    # below the exact 0.11246, the same before and after the solver's step changed)
    exact = scs_lyapunov(2.0, curve_points=0).lambda_max
    runs = [lyapunov(Params(2.0, 0.0, 2.5), seed=seed) for seed in (0, 100, 200)]
    for res in runs:
        assert res.method == "monte_carlo" and res.converged
        assert res.lambda_max_err < 0.01
    lams = np.array([r.lambda_max for r in runs])
    w = np.array([1.0 / r.lambda_max_err ** 2 for r in runs])
    mean = float(np.dot(w, lams) / w.sum())
    # the runs scatter more than their reported errors (measured: 0.1103, 0.1120, 0.1152 with errors ~0.001, a
    # chi^2 of ~15 for 2 dof), so the SE of the mean is the larger of the propagated one and the scatter's
    se = max(float(1.0 / np.sqrt(w.sum())), float(lams.std(ddof=1) / np.sqrt(lams.size)))
    print(f"k = 0, g = 2: Monte Carlo {np.round(lams, 5)} (errors {[round(r.lambda_max_err, 5) for r in runs]}) "
          f"-> {mean:.5f} +- {se:.5f}; exact {exact:.5f}")
    assert abs(mean - exact) < 2 * se


@pytest.mark.slow
def test_monte_carlo_lambda_falls_towards_zero_as_g_to_one_at_k_half():
    """0 < k < 1: lambda_max -> 0 as g -> 1+ (issue 12).  The Monte Carlo route at k = 0.5, p = 2.5, g = 1.5, 1.3, 1.2
    (measured 2026-11-29: 0.0610 +- 0.0015, 0.0339 +- 0.0009, 0.0201 +- 0.0007) falls with g - 1 by more than its
    errors, and as a power of g - 1 above 1 (fitted: about 1.2), so lambda / (g - 1) falls too: a curve through the
    origin, as the exact k = 0 exponent's (quadratic, test above).  Closer to g = 1 the stationary solve itself
    becomes marginal [Eq. 13], so the limit is approached, not reached."""
    from dmft import Params
    from dmft.theory.tangent import lyapunov

    gs, lams, errs = np.array([1.5, 1.3, 1.2]), [], []
    for g in gs:
        # started near the root (it must lie among the lambdas evaluated)
        res = lyapunov(Params(g, 0.5, 2.5), lam_guess=0.3 * (g - 1) ** 2, step=max(0.01, 0.2 * (g - 1) ** 2), seed=0)
        assert res.converged, (g, res.message)
        lams.append(res.lambda_max)
        errs.append(res.lambda_max_err)
    lams, errs = np.array(lams), np.array(errs)
    print("k = 0.5:", [f"g = {g}: {lam:.4f} +- {err:.4f}" for g, lam, err in zip(gs, lams, errs)])
    assert np.all(lams > 0)
    assert np.all(lams[:-1] - lams[1:] > 3 * np.hypot(errs[:-1], errs[1:]))
    # weighted line through log lambda against log(g - 1): the exponent and its error
    (b, _), cov = np.polyfit(np.log(gs - 1), np.log(lams), 1, w=lams / errs, cov="unscaled")
    b_err = math.sqrt(cov[0, 0])
    print(f"lambda ~ (g - 1)^{b:.3f} +- {b_err:.3f}")
    assert b - 1 > 2 * b_err


@pytest.mark.slow
@pytest.mark.parametrize("g,k", [(2.0, 0.0), (2.0, -1.0), (2.0, 1.0), (2.0, 2.0), (3.0, 1.0)])
def test_lyapunov_against_simulations_extrapolated_in_N(g, k):
    """p = 2.5: finite networks' lambda_max rises with N (at N = 1000 it is 8-16% below the theory, at k = 0, where
    the theory is exact, as at k != 0; 2026-11-29), so the theory is compared with the simulations extrapolated
    linearly in 1/N from N = 1000 and 2000 (lambda_inf = 2 lambda_2000 - lambda_1000).  k = 0 checks the
    extrapolation against the exact value; k != 0 checks the Monte Carlo tangent map."""
    from dmft import Params
    from dmft.theory.tangent import lyapunov

    if k == 0:
        theory, theory_err = scs_lyapunov(g, curve_points=0).lambda_max, 0.0
    else:
        # started near its root (0.1 at g = 2, 0.2 at g = 3): the root must lie among the lambdas evaluated
        res = lyapunov(Params(g, k, 2.5), lam_guess=0.1 * g - 0.1, seed=0)
        assert res.converged, res.message
        theory, theory_err = res.lambda_max, res.lambda_max_err
    from dmft.simulation.lyapunov import max_lyapunov_across_networks

    lo, lo_err = max_lyapunov_across_networks(Params(g, k, 2.5), 1000, seed=100)
    hi, hi_err = max_lyapunov_across_networks(Params(g, k, 2.5), 2000, seed=100)
    inf, inf_err = 2 * hi - lo, math.hypot(2 * hi_err, lo_err)
    print(f"k = {k}: theory {theory:.4f} +- {theory_err:.4f}; N = 1000 {lo:.4f} +- {lo_err:.4f}, "
          f"N = 2000 {hi:.4f} +- {hi_err:.4f}, N -> inf {inf:.4f} +- {inf_err:.4f}")
    assert abs(theory - inf) < 3 * math.hypot(theory_err, inf_err)
    assert lo < hi < theory             # finite networks approach the theory from below
