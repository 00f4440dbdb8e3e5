"""The SymPy derivations: no drift, correct emitted functions, failing steps are named."""
import math

import mpmath
import numpy as np
import pytest
from scipy import integrate, optimize, special

import derivations
from derivations.core import DerivationError, Step, _current, check
from dmft import _generated as gen

ROOT = derivations.MODULE_PATH.parents[1]


@pytest.fixture(scope="module")
def built():
    return derivations.build()


def test_regeneration_is_byte_identical(built):
    module, doc = built
    assert module == derivations.MODULE_PATH.read_text(), "dmft/_generated.py is stale: run python -m derivations"
    assert doc == derivations.DOC_PATH.read_text(), "docs/derivations.md is stale: run python -m derivations"
    assert derivations.build() == built  # deterministic


def test_every_step_asserted_something(built):
    for st in derivations.STEPS:
        assert st.checks, f"step {st.name!r} asserts nothing"


def test_failing_step_stops_with_its_name():
    st = Step("my step", "test", lambda: None)
    _current.append(st)
    try:
        with pytest.raises(DerivationError, match="step 'my step': check failed: 1 = 2"):
            check("1 = 2", False)
    finally:
        _current.pop()


def test_kernels_against_direct_evaluation(rng):
    for _ in range(5):
        u, C, k, p = rng.uniform(0, 5), rng.uniform(-1, 1), rng.uniform(-3, 3), rng.uniform(0.5, 10)
        assert math.isclose(gen.kernel_hebbian(u, C, k, p), k / p * math.exp(-u / p) * C, rel_tol=1e-13)
        alpha, beta = rng.uniform(0.5, 3), rng.uniform(0.5, 3)
        # average of (k/p) e^{-u/p} over p ~ InvGamma(alpha, beta), by quadrature
        dens = lambda q: beta ** alpha / math.gamma(alpha) * math.exp(-beta / q) * q ** (-alpha - 1)  # noqa: E731
        avg = integrate.quad(lambda q: dens(q) * k / q * math.exp(-u / q), 0, np.inf, limit=200)[0]
        assert math.isclose(gen.kernel_inverse_gamma(u, 1.0, k, alpha, beta), avg, rel_tol=1e-7)


def test_T_integrand_and_synaptic_weight(rng):
    p, a = 2.5, 0.3
    T = integrate.quad(lambda v: gen.T_integrand(v, math.exp(-a * v), 1.0, p), 0, np.inf)[0]
    assert math.isclose(T, 1 / (1 / p + 2 * a), rel_tol=1e-10)
    lr, li, k = -0.3, 0.7, 1.3
    lam = complex(lr, li)
    assert math.isclose(gen.synaptic_weight(lr, li, k, p), k ** 2 / (k ** 2 + p ** 2 * abs(lam + 1 / p) ** 2))


def test_eq21_integrand_and_k0_circle(rng):
    g, k, p, C0, x = 2.0, 1.1, 2.5, 0.6, 0.8
    for _ in range(4):
        lam = complex(rng.uniform(-2, 1), rng.uniform(-2, 2))
        amp = g * (1 + p * lam) / ((1 + p * lam) * (1 + lam) * math.cosh(x) ** 2 - k * C0)
        assert math.isclose(gen.eq21_integrand(lam.real, lam.imag, x, g, k, p, C0), abs(amp) ** 2, rel_tol=1e-12)
    # k = 0: average over x of the integrand equals 1 exactly on |1 + lam| = g sqrt(<phi'^2>)
    xs = np.random.default_rng(0).normal(0, 1.3, 2000)
    r = g * math.sqrt(np.mean(1 / np.cosh(xs) ** 4))
    vals = [np.mean(gen.eq21_integrand(-1 + r * math.cos(t), r * math.sin(t), xs, g, 0.0, p, C0))
            for t in (0.3, 1.7, 3.0)]
    assert np.allclose(vals, 1.0, atol=1e-12)


def test_g0_fixed_point_constants():
    chi = optimize.brentq(gen.g0_chi_equation, 1.0, 2.0, xtol=1e-15)
    assert round(chi, 4) == 1.4192 and round(float(gen.g0_k_of_chi(chi)), 4) == 2.0170
    # independent: k = min over chi of chi / tanh^3(chi)
    res = optimize.minimize_scalar(lambda c: c / math.tanh(c) ** 3, bounds=(0.5, 3), method="bounded",
                                   options={"xatol": 1e-12})
    assert abs(res.fun - gen.g0_k_of_chi(chi)) < 1e-9


def test_g0_eigenvalues_match_a_direct_reduced_jacobian():
    """Build Eq. 18 at the g = 0 onset fixed point for N = 6 and compare eigenvalues."""
    from dmft import Params
    from dmft.simulation.jacobian import reduced_jacobian
    chi = optimize.brentq(gen.g0_chi_equation, 1.0, 2.0, xtol=1e-15)
    k, p, N = float(gen.g0_k_of_chi(chi)), 2.5, 6
    x = np.full(N, chi)
    phi = np.tanh(x)
    A = k / N * np.outer(phi, phi)
    lam = np.sort_complex(np.linalg.eigvals(reduced_jacobian(Params(0.0, k, p), x, np.zeros((N, N)), A)))
    # the paper's closed forms (Sec. VI), typed here from the paper
    root = math.sqrt((1 + p) ** 2 - 8 * p / 3)
    expected = np.sort_complex(np.array(
        [-(1 + p + root) / (2 * p)] * (N - 1) + [-(1 + p - root) / (2 * p)] * (N - 1)
        + [0.0, -1 / p - 2 / 3], dtype=complex))
    assert np.abs(lam - expected).max() < 1e-6   # repeated eigenvalues: sqrt(eps) accuracy


def test_eq13_and_h_function():
    tau = np.linspace(0, 200, 5)
    gam = 0.02 / (1 - 0.5)
    assert np.allclose(gen.eq13_C(tau, 1.02, 0.5), gam / np.cosh(gam * tau / math.sqrt(3)))
    for k in (-1.0, 0.2, 0.37, 0.8):
        assert abs(gen.h_replica(1.0, k) - 2 / (math.sqrt(3) * math.pi)) < 1e-12
    # h from its defining integral at u = 2, k = 0.3
    u, k = 2.0, 0.3
    a = math.sqrt(3) * (1 - k) * (u - 1)
    lap = float(mpmath.quad(lambda t: mpmath.exp(-a * t) * mpmath.sech(t), [0, mpmath.inf]))
    assert math.isclose(gen.h_replica(u, k), 1 / (math.sqrt(3) * lap), rel_tol=1e-10)
    assert gen.h_replica(3.0, k) > gen.h_replica(2.0, k)   # increasing in u
    _ = special  # scipy.special backs the generated digamma


def test_stern_y_and_fixed_point_residual():
    assert gen.stern_y(1.2, 0.6) == 2.0
    assert gen.fixed_point_residual(1.0, 1.0 - 2 * 0.5 * math.tanh(1.0), 2.0, 0.5) == pytest.approx(0.0, abs=1e-15)
