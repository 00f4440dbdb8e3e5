"""lambda_max from the DMFT at k = 0 (the SCS network) against an independent eigen-solution written here: the
lag Schroedinger operator -d^2/dtau^2 - g^2 C_phi'(tau) discretised by finite differences (Neumann at 0 for the
even ground state, Dirichlet far out), two grids and Richardson extrapolation.  The library finds the ground state
by shooting and bisection on the node count; the two share only the SCS solution Cx(tau), tested on its own."""
import math

import numpy as np
import pytest
from scipy.linalg import eigh_tridiagonal

from dmft.lyapunov_theory import SCSPotential, leading_eigenvalue, scs_lyapunov
from dmft.scs import scs_solution


def _fd_ground_energy(g, h, L):
    sol = scs_solution(g, tau_max=L, dtau=h)
    q = sol.Cx[0]
    # g^2 <tanh'(z1) tanh'(z2)> for Var = q, Cov = Cx, by probabilists' Gauss-Hermite in two variables
    u, w = np.polynomial.hermite_e.hermegauss(120)
    w = w / w.sum()
    dphi = lambda z: 1.0 / np.cosh(z) ** 2          # noqa: E731
    c = np.clip(sol.Cx, 0.0, q)[:, None, None]
    z1 = math.sqrt(q) * u[None, :, None]
    z2 = (c / math.sqrt(q)) * u[None, :, None] + np.sqrt(np.maximum(q - c ** 2 / q, 0.0)) * u[None, None, :]
    V = g * g * np.einsum("nij,i,j->n", dphi(z1) * dphi(z2), w, w)
    n = V.size - 1                                   # unknowns psi_0 .. psi_{n-1}, psi_n = 0
    diag = 2.0 / h ** 2 - V[:n]
    off = np.full(n - 1, -1.0 / h ** 2)
    off[0] = -math.sqrt(2.0) / h ** 2                # psi_{-1} = psi_1 (even), symmetrised
    return eigh_tridiagonal(diag, off, select="i", select_range=(0, 0), eigvals_only=True)[0]


def _fd_lyapunov(g, L=90.0):
    e1, e2 = _fd_ground_energy(g, 0.02, L), _fd_ground_energy(g, 0.01, L)
    E = (4.0 * e2 - e1) / 3.0                        # second-order scheme: Richardson
    return math.sqrt(-E) - 1.0, abs(e2 - e1)


def _check(g):
    lam_fd, spread = _fd_lyapunov(g)
    assert spread > 1e-7                             # the two grids differ: the extrapolation does something
    res = scs_lyapunov(g, curve_points=0)
    assert res.converged and res.method == "exact"
    assert res.lambda_max == pytest.approx(lam_fd, abs=1e-6)
    assert res.lambda_max > 0                        # chaos


def test_exact_lyapunov_g2_against_finite_differences():
    _check(2.0)


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


def test_leading_eigenvalue_is_one_at_lambda_max_and_decreasing():
    pot = SCSPotential(2.0)
    res = scs_lyapunov(2.0, curve_points=0)
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
