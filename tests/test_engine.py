"""The single-site engine checked against things it does not compute itself.

The fields must have the covariance g^2 C filtered by (1 + d/dt)^{-1} [Eq. 7]; at k = 0 the paths are the
fields, so C^x(tau) of the recorded paths must be the exact SCS Delta(tau), which comes from integrating
the lag equation, not from the FFT sampler.  These are value checks at the precision that a scaled field
(x 1.05, a 10% change of its variance) fails by many standard errors: the control variate of the solver
cannot hide such a fault here, because nothing below uses it.
"""
import numpy as np
import pytest
from scipy import integrate

from dmft import Params
from dmft.theory.kernels import HEBBIAN, PlasticityRule
from dmft.numerics.observables import per_path_autocovariance
from dmft.theory.scs import scs_solution
from dmft.numerics.single_site import SingleSite
from dmft.numerics.volterra import implicit_step


def _engine(params, rule=HEBBIAN, tau_max=30.0, n_samples=1024, seed=5):
    return SingleSite(params, rule, 0.1, n_samples, 200.0, 64, np.random.default_rng(seed), tau_max)


def _mean_and_se(per_path):
    return per_path.mean(axis=1), per_path.std(axis=1, ddof=1) / np.sqrt(per_path.shape[1])


def test_fields_have_the_filtered_target_covariance():
    """xi = (1 + d/dt)^{-1} eta has covariance (g^2/2) int e^{-|tau - u|} C(|u|) du (the Green's function of
    1 - d^2/dtau^2), computed here by adaptive quadrature of the same truncated C."""
    params = Params(2.0, 1.0, 2.5)
    eng = _engine(params)
    tau = eng.h * np.arange(eng.n_lag)
    C = 0.7 * np.exp(-tau / 3) * (1 + tau / 3)            # Matern-3/2: positive definite
    xi, _, _, negativity = eng.fields(C)
    assert negativity > -1e-5          # only the truncation of C at the window's end
    est, se = _mean_and_se(per_path_autocovariance(xi[eng.burn:], eng.n_lag))
    Cf = lambda u: np.interp(abs(u), tau, C, right=0.0)  # noqa: E731
    for lag in (0.0, 1.0, 3.0, 8.0):
        i = int(round(lag / eng.h))
        target = 0.5 * params.g ** 2 * integrate.quad(lambda u: np.exp(-abs(lag - u)) * Cf(u), -tau[-1], tau[-1],
                                                      points=[lag, 0.0], limit=400, epsabs=1e-10)[0]
        if lag == 0.0:
            assert se[i] < 0.015 * target    # a 5% scale fault (10% in variance) then fails by > 6 SE
        assert abs(est[i] - target) < 4 * se[i], (lag, est[i], target, se[i])


def test_k0_paths_have_the_exact_scs_autocovariance():
    """At k = 0 the single-site paths are x = xi, so through the whole evaluation (fields, recursion,
    recording) C^x must equal the SCS Delta(tau) of the exact solution fed in."""
    params = Params(2.0, 0.0, 2.5)
    eng = _engine(params)
    sol = scs_solution(params.g, tau_max=30.0, dtau=eng.h)
    out = eng.run(sol.C, None)
    est, se = _mean_and_se(per_path_autocovariance(out["x"], eng.n_lag))
    for i in (0, 10, 30, 80):
        if i == 0:
            assert se[i] < 0.015 * sol.Delta0
        assert abs(est[i] - sol.Cx[i]) < 4 * se[i], (i, est[i], sol.Cx[i], se[i])


@pytest.mark.parametrize("c0", [0.3, 2.5, 5e7])
def test_implicit_step_stays_on_its_branch(c0, rng):
    """x - c0 tanh x = acc: for c0 > 1 the root must continue the previous branch (the outer root with the
    sign of psi(x_prev)), never the unstable middle one; checked against bracketed roots by brentq."""
    from scipy.optimize import brentq

    acc = rng.uniform(-0.5, 0.5, 40) * min(c0, 3.0)
    prev = np.tanh(rng.choice([-3.0, 3.0], 40))
    x = implicit_step(acc, c0, "tanh", prev)
    for a, p, r in zip(acc, prev, x):
        f = lambda v: v - c0 * np.tanh(v) - a  # noqa: E731
        if c0 <= 1:
            ref = brentq(f, a - 2 * c0 - 1, a + 2 * c0 + 1, xtol=1e-14)
        else:
            x_m = np.arccosh(np.sqrt(c0))           # turning points +-x_m bound the outer branches
            side = p if f(np.sign(p) * x_m) * np.sign(p) <= 0 else -p   # the branch of x_prev, if it exists
            ref = (brentq(f, x_m, a + c0 + 1, xtol=1e-14 * c0) if side > 0
                   else brentq(f, a - c0 - 1, -x_m, xtol=1e-14 * c0))
        assert abs(r - ref) <= 1e-9 * (1 + abs(ref)), (a, p, r, ref)


def test_stern_with_huge_self_coupling_freezes_instead_of_taking_the_middle_root():
    """s = 1e9: every neuron sits at x ~ +-s; the old Newton update from acc landed on the unstable middle
    root and reported no dynamic solution.  The verdict is now a frozen state (timescale beyond the cap)."""
    from dmft.theory.stationary import SolverSettings, solve

    r = solve(Params(0.9, 0.0, 1.0), PlasticityRule("stern", s=1e9), seed=0,
              settings=SolverSettings(n_samples=64, tau_cap=60.0))
    assert r.status == "diverging_timescale" and not r.converged
    assert "bistable" in r.message and r.C0 > 0.999


def test_pooled_engine_reuses_the_replicas_random_numbers():
    """The pooled solve's paths are the replicas' own (regenerated from their saved generator states), side by
    side: the fields it draws for a C equal the replicas' fields for that C, column for column."""
    from dmft import Params
    from dmft.theory.kernels import HEBBIAN
    from dmft.numerics.single_site import SingleSite

    params, rng = Params(2.0, 1.0, 2.5), np.random.default_rng(7)
    make = lambda S: SingleSite(params, HEBBIAN, 0.1, S, 50.0, 64, rng, 10.0)  # noqa: E731
    a, b = make(3), make(5)
    C = np.exp(-np.arange(101) * 0.1)
    xa, xb = a.fields(C)[0], b.fields(C)[0]
    pooled = make(7)
    pooled.pool_noise([a.noise_key(), b.noise_key()])
    xp = pooled.fields(C)[0]
    assert np.array_equal(xp, np.concatenate([xa, xb], axis=1)[:, :7])


def test_compiled_nonlinearities_are_the_registry_s():
    """The recursion evaluates phi, phi' and f_post compiled, by name; they must be the registry's functions."""
    from dmft.theory.kernels import _psi_registry
    from dmft.nonlinearities import NONLINEARITIES
    from dmft.numerics.volterra import PHI_CODES, POST_CODES, _phi_and_dphi, scalar_dphi, scalar_phi, scalar_post

    assert set(PHI_CODES) == set(NONLINEARITIES) and set(POST_CODES) == set(_psi_registry())
    x = np.concatenate([np.linspace(-8, 8, 401), [-40.0, 40.0, 1e300, -1e300]])
    for name, code in PHI_CODES.items():
        nl = NONLINEARITIES[name]
        with np.errstate(over="ignore"):          # (erf's phi' squares 1e300 on the way to 0)
            ref_d = nl.dphi(x)
        assert np.allclose([scalar_phi(code, v) for v in x], nl.phi(x), rtol=0, atol=1e-15), name
        assert np.allclose([scalar_dphi(code, v) for v in x], ref_d, rtol=1e-12, atol=1e-15), name
        both = np.array([_phi_and_dphi(code, v) for v in x])          # the pair Newton's iteration uses
        assert np.allclose(both[:, 0], nl.phi(x), rtol=0, atol=1e-15), name
        assert np.allclose(both[:, 1], ref_d, rtol=1e-12, atol=1e-300), name
    for name, code in POST_CODES.items():
        assert np.allclose([scalar_post(code, v) for v in x[:401]], _psi_registry()[name](x[:401]), rtol=1e-14), name


def test_recursion_rejects_unknown_names():
    from dmft.numerics.volterra import causal_recursion

    with pytest.raises(ValueError, match="unknown nonlinearity 'relu'; allowed: erf, tanh"):
        causal_recursion(np.zeros((10, 2)), np.ones(3), "relu")
    with pytest.raises(ValueError, match="needs psi = phi"):
        causal_recursion(np.zeros((10, 2)), np.ones(3), "tanh", post="square", c0=0.5)
