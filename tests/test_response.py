"""The single-site engine's field eta and response function R against identities they did not produce.

- At k = 0 x = xi = (1 + d/dt)^{-1} eta is Gaussian, so < x(t + u) eta(t) > = g^2 int_0^inf e^{-s} C(u - s) ds:
  asymmetric in u (the field drives x later, not earlier).
- At k != 0 the paths are not Gaussian, but Novikov's theorem still holds for the causal functional x[eta]:
  < phi(x(t + u)) eta(t) > = g^2 int R(v) C(u - v) dv, with R the response function that the engine estimates by a
  white-noise probe (:meth:`dmft.numerics.single_site.SingleSite.response`).  Both sides are measured on the same
  paths; the test is on their per-path differences.
- The static susceptibility int R from the probe against a finite difference of the nonlinear recursion in a
  constant shift of the field.
"""
import math

import numpy as np
import pytest

from dmft import Params
from dmft.numerics.observables import per_path_autocovariance
from dmft.numerics.single_site import SingleSite
from dmft.numerics.volterra import causal_recursion
from dmft.theory.kernels import HEBBIAN
from dmft.theory.stationary import SolverSettings, solve

SETTINGS = SolverSettings(n_samples=128, target_rel_err=0.01)


def _site(k, S, t_record=300.0, seed=1):
    st = solve(Params(2.0, k, 2.5), seed=0, settings=SETTINGS)
    assert st.status == "converged", st.message
    rng = np.random.default_rng(seed)
    site = SingleSite(st.params, HEBBIAN, st.tau_step, S, t_record, 64, rng, float(st.tau[-1]))
    return st, site, rng


def _cross(phi, eta, L):
    """< phi(t + u) eta(t) > per path for u = -(L-1) .. L-1 (lag rows, path columns)."""
    ahead = per_path_autocovariance(eta, L, other=phi)          # sum_n eta_n phi_{n+u}
    behind = per_path_autocovariance(phi, L, other=eta)         # sum_n phi_n eta_{n+u}: u -> -u
    return np.concatenate([behind[:0:-1], ahead])


def test_eta_drives_x_forward_in_time_at_k0():
    """k = 0: the sampled eta and the path x = xi have the causal cross-covariance g^2 int_0^inf e^{-s} C(u - s) ds
    (a field that were a zero-phase smoothing of xi would give a covariance even in u: 12 SE off at u = -2)."""
    st, site, _ = _site(0.0, 128)
    x = site.paths(st.C)[0]
    eta = site.eta(st.C)
    h, g2 = st.tau_step, st.params.g ** 2
    L = int(round(8.0 / h))
    per_path = _cross(x, eta, L)
    s = np.linspace(0.0, 40.0, 40001)
    for u in (-4.0, -2.0, 0.0, 2.0, 4.0):
        i = L - 1 + int(round(u / h))
        exact = g2 * np.trapezoid(np.exp(-s) * np.interp(np.abs(u - s), st.tau, st.C, right=0.0), s)
        est, se = per_path[i].mean(), per_path[i].std(ddof=1) / math.sqrt(per_path.shape[1])
        assert abs(est - exact) < 4 * se, (u, est, exact, se)
    # and the asymmetry itself is resolved: the check above can fail
    ahead, behind = per_path[L - 1 + int(round(2 / h))], per_path[L - 1 - int(round(2 / h))]
    diff = ahead - behind
    assert diff.mean() > 6 * diff.std(ddof=1) / math.sqrt(diff.size)


def test_novikov_identity_on_plastic_paths():
    """g = 2, k = 1.5 (non-Gaussian paths): < phi(x(t + u)) eta(t) > = g^2 int R(v) C(u - v) dv, path by path in
    expectation; the mean of the per-path differences is within 4 SE of zero at lags on both sides."""
    st, site, rng = _site(1.5, 256)
    x = site.paths(st.C)[0]
    eta = site.eta(st.C)
    phi = st.params.nonlinearity.phi(x)
    h, g2 = st.tau_step, st.params.g ** 2
    n_lag = int(round(80.0 / h))
    _, R_paths = site.response(st.C, x, n_lag, rng)              # (n_lag, S) at v = (m - 1/2) h
    v = (np.arange(1, n_lag + 1) - 0.5) * h
    L = int(round(12.0 / h))                                     # lags up to 12 > the largest |u|
    X = _cross(phi, eta, L)
    for u in (-10.0, -3.0, 0.0, 2.0, 8.0):
        i = L - 1 + int(round(u / h))
        Cu = np.interp(np.abs(u - v), st.tau, st.C, right=0.0)
        pred = g2 * h * (Cu @ R_paths)                           # per path
        d = X[i] - pred
        z = d.mean() / (d.std(ddof=1) / math.sqrt(d.size))
        assert abs(z) < 4, (u, X[i].mean(), pred.mean(), z)


def test_static_susceptibility_against_a_shifted_field():
    """int R dv (the probe) against < phi'(x) dx/deps > for a constant shift eps of the field (a finite difference
    of the nonlinear recursion, after the response has settled), g = 2, k = 1.5: within 4 SE of their per-path differences."""
    st, site, rng = _site(1.5, 256, t_record=400.0)
    x_rec, xi = site.paths(st.C)[:2]
    w, c0, _ = site.weights(st.C)
    eps = 1e-5
    x_up, _ = causal_recursion(xi + eps, w, "tanh", c0=c0, block=64)
    x_dn, _ = causal_recursion(xi - eps, w, "tanh", c0=c0, block=64)
    dphi = st.params.nonlinearity.dphi
    settled = site.burn + int(round(100.0 / st.tau_step))
    chi_paths = (dphi(x_rec[settled - site.burn:]) * (x_up - x_dn)[settled:] / (2 * eps)).mean(axis=0)
    n_lag = int(round(100.0 / st.tau_step))
    _, R_paths = site.response(st.C, x_rec, n_lag, rng)
    probe_paths = R_paths.sum(axis=0) * st.tau_step
    d = chi_paths - probe_paths                                 # paired: the same paths
    err = d.std(ddof=1) / math.sqrt(d.size)
    print(f"int R: step {chi_paths.mean():.4f}, probe {probe_paths.mean():.4f}, difference SE {err:.4f}; "
          f"<phi'> {dphi(x_rec).mean():.4f}")
    assert abs(d.mean()) < 4 * err
    # the plastic feedback matters here (the check can fail): the leak alone gives < phi' >
    assert probe_paths.mean() > dphi(x_rec).mean() + 4 * err, (probe_paths.mean(), dphi(x_rec).mean(), err)


def test_response_needs_phi_as_psi():
    """The probe linearises psi = phi; a rule with psi = f_post(phi) is refused, not answered wrongly."""
    from dmft.theory.kernels import PlasticityRule

    st = solve(Params(2.0, 1.0, 2.5), seed=0, settings=SETTINGS)
    site = SingleSite(st.params, PlasticityRule("pre_post", f_post="square"), st.tau_step, 4, 50.0, 64, np.random.default_rng(0),
                      float(st.tau[-1]))
    with pytest.raises(ValueError, match="pre_post"):
        site.response(st.C, np.zeros((10, 4)), 5, np.random.default_rng(0))
