"""Stationary DMFT solver [Eqs. 6-8]: exact limits, kernels of App. A, failure reporting."""
import math

import numpy as np
import pytest
from scipy import integrate, optimize

from dmft import Params
from dmft.simulation.ensemble import simulate_ensemble
from dmft.theory.kernels import HEBBIAN, PlasticityRule
from dmft.numerics.single_site import leak_folded_kernel
from dmft.theory.stationary import (SolverSettings, UnphysicalSolutionError, _check_physical, on_step, resolved_step,
                                    solve)
from dmft.numerics.volterra import causal_recursion


def _scs_variance_by_quad(g):
    """Energy condition solved with adaptive quadrature (independent of dmft.numerics.gaussian)."""
    def avg(f, q):
        return integrate.quad(lambda z: f(z) * np.exp(-z * z / (2 * q)) / np.sqrt(2 * np.pi * q),
                              -40 * np.sqrt(q), 40 * np.sqrt(q), limit=400, epsabs=1e-14, epsrel=1e-13)[0]
    Phi = lambda z: np.logaddexp(z, -z) - np.log(2)  # noqa: E731  log cosh
    res = lambda q: g * g * (avg(lambda z: Phi(z) ** 2, q) - avg(Phi, q) ** 2) - q * q / 2  # noqa: E731
    return optimize.brentq(res, 0.5, 20, xtol=1e-14)


def test_exact_k0_matches_independent_quadrature_to_1e6():
    r = solve(Params(2.0, 0.0, 2.5))
    assert r.method == "exact" and r.converged
    assert abs(r.Cx0 / _scs_variance_by_quad(2.0) - 1) < 1e-6


def test_monte_carlo_reproduces_exact_k0_within_error_bars():
    exact = solve(Params(2.0, 0.0, 2.5))
    mc = solve(Params(2.0, 0.0, 2.5), method="monte_carlo", seed=3)
    assert mc.method == "monte_carlo" and mc.converged
    n = min(exact.C.size, mc.C.size)
    for lag in (0.0, 1.0, 3.0, 6.0, 12.0):             # on both grids (the exact one is h = 0.1)
        i, j = int(round(lag / mc.tau_step)), int(round(lag / exact.tau_step))
        assert abs(mc.C[i] - exact.C[j]) <= 3 * mc.C_err[i] + 2e-6 * exact.C0, lag
    assert abs(mc.tau_star - exact.tau_star) <= 3 * mc.tau_star_err + 1e-4 * exact.tau_star
    assert np.all(np.isfinite(mc.C_err[:n]))


def test_leak_folded_kernel_is_the_causal_convolution():
    """G = e^{-t} * K by the exact recursion for piecewise-linear K equals quadrature, within the
    linear-interpolation bound h^2/8 max|K''|, and the error falls as h^2."""
    def errors(h):
        u = h * np.arange(int(round(20 / h)) + 1)
        K = np.exp(-u / 2.5) * np.cos(u)
        G = leak_folded_kernel(K, h)
        assert G[0] == 0.0
        out = []
        for t in (0.5, 5.0, 20.0):
            i = int(round(t / h))
            ref = integrate.quad(lambda v: np.exp(-(u[i] - v)) * np.exp(-v / 2.5) * np.cos(v), 0, u[i],
                                 epsabs=1e-13)[0]
            out.append(abs(G[i] - ref))
        return np.array(out)
    max_K2 = 1.0 + 2 / 2.5 + 1 / 2.5 ** 2   # |d^2/du^2 e^{-u/p} cos u| <= this
    e1, e2 = errors(0.05), errors(0.025)
    assert np.all(e1 <= 0.05 ** 2 / 8 * max_K2)
    assert np.all(e2 < e1 / 3)


def test_blocked_recursion_equals_direct_sum(rng):
    L, S, M = 500, 6, 90
    xi = rng.standard_normal((L, S))
    w = 0.04 * rng.standard_normal(M + 1)
    w[0] = 0.0
    x, _ = causal_recursion(xi, w, "tanh", block=32)
    ref, ps = np.zeros((L, S)), np.zeros((L, S))
    for n in range(L):
        acc = xi[n].copy()
        for m in range(1, min(M, n) + 1):
            acc += w[m] * ps[n - m]
        ref[n], ps[n] = acc, np.tanh(acc)
    assert np.abs(x - ref).max() < 1e-12


def test_hebbian_solution_is_physical_and_reports_provenance():
    r = solve(Params(2.0, 1.0, 2.5), seed=0)
    assert r.converged and r.status == "converged"
    assert r.C0_err <= 0.003 * r.C0
    assert np.all(np.abs(r.C) <= r.C0 + 4 * r.C_err[0])
    assert r.tau_star > solve(Params(2.0, 0.0, 2.5)).tau_star  # Hebbian plasticity slows (Fig. 2b)
    assert 1.0 < r.PR_A < 2.5  # PR_A = p/T, slightly above 1 when tau* >> p [Eq. 23]
    assert r.settings["n_samples"] == 256 and r.seed == 0 and r.iterations > 0


def test_anti_hebbian_oscillates_and_is_faster():
    r = solve(Params(2.0, -2.0, 2.5), seed=0)
    assert r.converged
    assert r.tau_star < solve(Params(2.0, 0.0, 2.5)).tau_star
    i = int(np.argmin(r.C))
    assert np.isfinite(r.zero_crossing_frequency) and r.C[i] < -5 * r.C_err[i]  # C dips below 0


def test_warm_start_reuses_a_solution():
    a = solve(Params(2.0, 1.0, 2.5), seed=0)
    cold = solve(Params(2.0, 1.1, 2.5), seed=1)
    warm = solve(Params(2.0, 1.1, 2.5), seed=1, init=a)
    assert warm.converged and warm.iterations < cold.iterations
    assert abs(warm.C0 - cold.C0) < 3 * np.hypot(warm.C0_err, cold.C0_err)


def test_warm_start_window_follows_the_solution_not_its_window():
    """The exact k = 0 solution lives on a 100-unit window, but C is below 2% of C(0) from tau ~ 12 on: a warm start
    from it takes twice that extent (at least the cold start's 40 units), and still agrees with a cold solve."""
    from dmft.theory.stationary import WARM_WINDOW, _extent
    exact = solve(Params(2.0, 0.0, 2.5))
    assert exact.tau[-1] >= 100.0
    ext = _extent(exact, HEBBIAN)
    above = exact.C[exact.tau > ext]
    assert 5.0 < ext < 30.0 and np.all(np.abs(above) <= 0.02 * exact.C0 + 1e-12)
    warm = solve(Params(2.0, 0.3, 2.5), seed=1, init=exact)
    cold = solve(Params(2.0, 0.3, 2.5), seed=2)
    assert warm.converged and cold.converged
    # the window it started on (it may only have grown from there)
    assert max(40.0, WARM_WINDOW * ext) - warm.tau_step <= warm.tau[-1] < exact.tau[-1]
    assert abs(warm.C0 - cold.C0) < 3 * np.hypot(warm.C0_err, cold.C0_err)
    i = int(round(2 * cold.tau_star / cold.tau_step))        # the tail, where a cut window would show
    assert abs(warm.C[i] - cold.C[i]) < 3 * np.hypot(warm.C_err[i], cold.C_err[i])


def test_below_one_without_dynamics_reports_no_solution():
    r = solve(Params(0.9, 1.2, 2.5), seed=0)
    assert not r.converged and r.status == "no_dynamic_solution" and r.C0 == 0.0
    r = solve(Params(0.5, 0.0, 2.5))
    assert r.status == "no_dynamic_solution"


def test_diverging_timescale_is_detected():
    r = solve(Params(2.0, 3.0, 2.5), seed=0)
    assert not r.converged and r.status == "diverging_timescale"
    assert "diverges" in r.message


QUICK = SolverSettings(n_samples=128, target_rel_err=0.01)   # behaviour checks, not precision


def test_plasticity_rules_of_appendix_A():
    # delay d = 0: the antisymmetric rule cancels exactly -> the k = 0 solution
    d0 = solve(Params(2.0, 1.0, 2.5), PlasticityRule("delayed", d=0.0), seed=0, settings=QUICK)
    exact = solve(Params(2.0, 0.0, 2.5))
    assert abs(d0.C0 - exact.C0) < 1e-5
    # f_pre = f_post = identity is the Hebbian rule
    pp = solve(Params(2.0, 1.0, 2.5), PlasticityRule("pre_post"), seed=0, settings=QUICK)
    hb = solve(Params(2.0, 1.0, 2.5), seed=5, settings=QUICK)
    assert abs(pp.C0 - hb.C0) < 3 * np.hypot(pp.C0_err, hb.C0_err)
    # presynaptic rule: the constant input of Eq. A7, I = (k/p) int_0^inf e^{-u/p} C(u) du, is k/(p + 1) for
    # C = e^{-u} (the solve itself is test_presynaptic_rule_plateau_is_reproducible, slow and failing)
    params = Params(2.0, 1.0, 2.5)
    tau = np.linspace(0.0, 60.0, 6001)
    I = PlasticityRule("presynaptic").constant_input(params, tau, np.exp(-tau))
    assert abs(I - params.k / (params.p + 1.0)) < 1e-5
    for rule in (PlasticityRule("inverse_gamma", alpha=2.0, beta=3.0),):
        r = solve(Params(2.0, 0.5, 2.5), rule, seed=0, settings=QUICK)
        assert r.converged, (rule, r.message)


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="the presynaptic rule's plateau <phi>^2 is a zero-frequency mode of the "
                   "self-consistency: solves at the quick settings end with plateaus from 0.29 to 0.57, or a window "
                   "grown to its cap, depending on the seed (measured at h = 0.1 and 0.2)")
def test_presynaptic_rule_plateau_is_reproducible():
    """Presynaptic rule [Eqs. A5-A7]: the constant input gives phi a mean, so C has a plateau; solves with
    different random numbers must all converge and agree on it within their errors."""
    runs = [solve(Params(2.0, 1.0, 2.5), PlasticityRule("presynaptic"), seed=s, settings=QUICK) for s in range(4)]
    for r in runs:
        assert r.converged, r.message
        assert r.C[-1] > 5 * r.C_err[-1]
    plateaus = np.array([r.C[-1] for r in runs])
    errs = np.array([r.C_err[-1] for r in runs])
    assert np.ptp(plateaus) < 3 * np.sqrt(2) * errs.max()


def test_below_one_a_solve_on_the_lower_branch_is_re_solved_from_above():
    """Sec. IV C: above k_c(g < 1) the DMFT has an upper solution (the one networks realise) and a lower, unstable one
    (C(0) = 0.214 at g = 0.9, k = 1.6).  With these settings seed 4 first settles on the lower one (since 2026-12-02,
    with the grouped estimators, it drifts there with its window at the cap: a "diverging timescale" at C(0) = 0.16,
    which is re-checked as well); the answer must be the upper one, against annealed networks (N = 2000, three networks: C(0) = 0.685 +- 0.010, measured 2026-11-29 by
    tests/test_stationary.py::test_dmft_agrees_with_annealed_simulation_below_one)."""
    r = solve(Params(0.9, 1.6, 2.5), seed=4, settings=QUICK)
    assert "lower branch" in r.message                      # this seed exercises the re-solve
    assert r.converged, r.message
    assert abs(r.C0 - 0.685) < 3 * np.hypot(r.C0_err, 0.010)


def test_self_coupled_network_of_stern():
    """Eq. 11: below g + s = 1 the network is quiescent, above it C(0) > 0 grows with s."""
    st = QUICK
    assert solve(Params(0.5, 0, 1), PlasticityRule("stern", s=0.4), seed=0, settings=st).status == \
        "no_dynamic_solution"
    a = solve(Params(0.5, 0, 1), PlasticityRule("stern", s=0.8), seed=0, settings=st)
    b = solve(Params(0.5, 0, 1), PlasticityRule("stern", s=1.2), seed=0, settings=st)
    assert a.converged and b.converged and 0 < a.C0 < b.C0 < 1


@pytest.mark.parametrize("kw, msg", [
    (dict(h=-0.1), "h must be a positive"),
    (dict(mixing=1.5), "mixing must be in"),
    (dict(n_samples=0), "n_samples must be a positive integer"),
    (dict(min_replicas=1), "min_replicas"),
])
def test_bad_settings(kw, msg):
    with pytest.raises(ValueError, match=msg):
        SolverSettings(**kw)


def test_bad_inputs():
    with pytest.raises(ValueError, match="too coarse for p"):
        solve(Params(2.0, 1.0, 0.2), settings=SolverSettings(h=0.1))
    # the default step follows p (the kernel e^(-u/p) needs h <= p/5)
    assert resolved_step(SolverSettings(), Params(2.0, 1.0, 0.2), HEBBIAN) <= 0.2 / 5
    with pytest.raises(ValueError, match="unknown plasticity rule"):
        PlasticityRule("anti-hebbian")
    with pytest.raises(ValueError, match="needs a finite d"):
        PlasticityRule("delayed")
    with pytest.raises(ValueError, match="method"):
        solve(Params(2.0, 1.0, 2.5), method="magic")
    with pytest.raises(ValueError, match="exact solution exists only"):
        solve(Params(2.0, 1.0, 2.5), method="exact")


def test_unphysical_output_is_an_error():
    C = np.array([1.0, 0.5, 1.2, 0.1])
    with pytest.raises(UnphysicalSolutionError, match=r"\|C\(tau\)\| > C\(0\)"):
        _check_physical(C, np.full(4, 1e-3), "test")
    with pytest.raises(UnphysicalSolutionError, match="NaN"):
        _check_physical(np.array([1.0, np.nan]), np.zeros(2), "test")


# ----------------------------------------------------------------------------- vs simulation
def _compare(theory, sim, lags):
    """C at several lags within 4 combined standard errors; tau* integrated over the lags where
    the theory's C is resolved (the finite-N C has network-wide fluctuations at long lags whose
    squares would bias tau* upwards), with the error from the spread across networks."""
    for i in lags:
        err = np.hypot(theory.C_err[i], sim.C_err[i])
        assert abs(theory.C[i] - sim.C[i]) < 4 * err, (i, theory.C[i], sim.C[i], err)
    from dmft.numerics.observables import tau_star
    h = theory.tau_step
    n = min(sim.C.size, int(round((5 * theory.tau_star + 10) / h)))
    per = np.array([tau_star(r["C"][:n], h) for r in sim.per_seed])
    sim_tau, sim_err = per.mean(), per.std(ddof=1) / np.sqrt(per.size)
    th_tau = tau_star(theory.C[:n], h)
    assert abs(th_tau - sim_tau) < 4 * np.hypot(theory.tau_star_err, sim_err), (th_tau, sim_tau, sim_err)


@pytest.mark.slow
@pytest.mark.parametrize("k", [0.0, 1.0])
def test_dmft_agrees_with_simulation_g2(k):
    """Fig. 2a: g = 2, p = 2.5, N = 2000, 3 networks; C(tau) at several lags and tau*."""
    p = Params(2.0, k, 2.5)
    theory = solve(p, seed=0)
    sim = simulate_ensemble(p, 2000, n_seeds=3, T=200.0, burn=50.0, dt=0.025, record_dt=theory.tau_step)
    _compare(theory, sim, lags=(0, 10, 20, 40, 80))


@pytest.mark.slow
def test_dmft_agrees_with_simulation_extrapolated_in_N_anti_hebbian():
    """Fig. 2a, k = -2: here C(0) has a finite-N bias of order 1/N that N = 2000 resolves.  Measured (Heun,
    dt = 0.05, 24/12/6 networks): C(0) = 0.3598(13), 0.3630(6), 0.3639(8) at N = 500, 1000, 2000, rising
    and 0.3646(5) at N = 4000: a fit C_inf - a/N gives C_inf = 0.3653(6), a = 2.5(7), 1.9 SE below the DMFT's
    0.3666(3); a single N = 2000 ensemble sat 7 combined SE below the theory.  So the simulation is extrapolated
    linearly in 1/N from N = 1000 and 2000, C_inf = 2 C_2000 - C_1000, with the errors of both ensembles
    propagated (about 0.5% of C(0): this is a weak check, and its ensembles, seed 200, gave 0.3640 and 0.3639,
    no visible N dependence between them); the theory must agree with that."""
    p = Params(2.0, -2.0, 2.5)
    theory = solve(p, seed=0)
    runs = {N: simulate_ensemble(p, N, n_seeds=n, T=200.0, burn=50.0, dt=0.05, seed=200, record_dt=theory.tau_step,
                                 max_lag=10.0)
            for N, n in ((1000, 16), (2000, 8))}
    lo, hi = runs[1000], runs[2000]
    for i in (0, 5, 10, 20):
        C_inf = 2 * hi.C[i] - lo.C[i]
        err = np.sqrt(4 * hi.C_err[i] ** 2 + lo.C_err[i] ** 2 + theory.C_err[i] ** 2)
        print(f"lag {theory.tau[i]:.1f}: N=1000 {lo.C[i]:.4f}, N=2000 {hi.C[i]:.4f}, N->inf {C_inf:.4f}, "
              f"DMFT {theory.C[i]:.4f} +- {theory.C_err[i]:.4f}")
        assert abs(theory.C[i] - C_inf) < 4 * err, (i, theory.C[i], C_inf, err)


@pytest.mark.slow
def test_dmft_agrees_with_annealed_simulation_below_one():
    """Fig. 3a: g = 0.9, k = 1.6, reached by lowering g from 1.5 (Sec. IV B)."""
    p = Params(0.9, 1.6, 2.5)
    theory = solve(p, seed=0)
    sim = simulate_ensemble(p, 2000, n_seeds=3, T=300.0, burn=50.0, anneal_from=1.5, anneal_duration=100.0,
                            record_dt=theory.tau_step, max_lag=min(100.0, theory.tau[-1]))
    assert all(s == "chaos" for s in sim.states), sim.states
    _compare(theory, sim, lags=(0, 20, 40))


@pytest.mark.slow
def test_near_critical_answer_does_not_depend_on_the_initial_guess():
    """1 < g < 1.5, k != 0: the self-consistency is nearly marginal in the timescale direction.  A converged
    answer must not depend on the start: solve from the default guess and from Eq. 13's sech profile, for
    two pairs of seeds.  (It was a strict xfail: seeds 2/3 differed by 9x the allowance.  Two changes fixed
    it: a replica is solved only when its quasi-Newton step, not just its residual, is below tol (the
    residual understates the distance along a mode with eigenvalue 1 - delta by 1/delta), and the error
    of the tapered tail is no longer the replicas' agreement on zero.)"""
    from dmft import _generated as gen

    params = Params(1.1, 0.5, 2.5)
    for seed_a, seed_b in ((0, 1), (2, 3)):
        a = solve(params, seed=seed_a)
        assert a.converged, a.message
        h = resolved_step(SolverSettings(), params, HEBBIAN)          # an array init lives on the solver's grid
        tau = h * np.arange(int(round(a.tau[-1] / h)) + 1)
        b = solve(params, seed=seed_b, init=gen.eq13_C(tau, params.g, params.k))     # Eq. 13 as the start
        assert b.converged, b.message
        lag = a.tau[a.tau <= min(a.tau[-1], b.tau[-1])]             # the two lag grids may differ
        diff = np.abs(a.C[:lag.size] - np.interp(lag, b.tau, b.C))
        allowed = 5 * np.hypot(a.C_err[:lag.size], np.interp(lag, b.tau, b.C_err)) + 1e-3 * a.C0
        print(f"g=1.1 k=0.5 seeds {seed_a}/{seed_b}: max |C_a - C_b| / C0 = {diff.max() / a.C0:.4f}; "
              f"worst diff / allowed = {np.max(diff / allowed):.2f}")
        assert np.all(diff < allowed), (seed_a, seed_b)


@pytest.mark.slow
def test_unresolved_near_critical_timescale_is_not_reported_as_converged():
    # g = 1.02, k = 0.5: the timescale direction is marginal to O(gamma^2); the solver must say so
    res = solve(Params(1.02, 0.5, 2.5), seed=0)
    assert not res.converged
    assert res.status == "not_converged" and "near-marginal" in res.message


@pytest.mark.parametrize("var", [0.5, 3.0, 8.0])
def test_pair_table_for_tanh_against_nested_quad(var):
    """tanh's poles limit the table's quadrature (not erf's, which is entire): E[tanh(z1) tanh(z2)] at three
    covariances against nested adaptive quadrature (scipy.integrate.quad), to 1e-9."""
    from scipy import integrate

    from dmft.numerics.single_site import gaussian_pair_table

    cov = var * np.concatenate([[1.0], np.linspace(1, -1, 9)[1:]])
    table = gaussian_pair_table(np.tanh, cov)
    for i in (0, 2, 5):
        c = cov[i]
        a, b = c / math.sqrt(var), math.sqrt(max(var - c * c / var, 0.0))

        def inner(u):
            if b == 0:
                return math.tanh(a * u)
            return integrate.quad(lambda v: math.tanh(a * u + b * v) * math.exp(-v * v / 2), -12, 12,
                                  epsabs=1e-13)[0] / math.sqrt(2 * math.pi)

        ref = integrate.quad(lambda u: math.tanh(math.sqrt(var) * u) * inner(u) * math.exp(-u * u / 2), -12, 12,
                             epsabs=1e-12, limit=200)[0] / math.sqrt(2 * math.pi)
        assert abs(table[i] - ref) < 1e-9, (var, c, table[i], ref)


@pytest.mark.parametrize("var", [0.3, 2.0, 6.0, 15.0])
def test_pair_table_matches_arcsine_law_for_erf(var):
    """E[erf(a z1) erf(a z2)] = (2/pi) arcsin(2 a^2 c / (1 + 2 a^2 v)) for Var z = v, Cov = c: a closed
    form the Chebyshev table of the control variate does not use."""
    from dmft.nonlinearities import get_nonlinearity
    from dmft.numerics.single_site import gaussian_pair_table

    a2 = np.pi / 4                                   # dmft's erf is erf(sqrt(pi)/2 x)
    cov = var * np.concatenate([[1.0], np.linspace(1, -1, 301)[1:]])
    exact = 2 / np.pi * np.arcsin(2 * a2 * cov / (1 + 2 * a2 * var))
    assert np.abs(gaussian_pair_table(get_nonlinearity("erf").phi, cov) - exact).max() < 1e-7


@pytest.mark.slow
def test_slow_tail_is_not_biased_by_the_paths_per_solve():
    """The default solve's C(tau) in the slow tail against a solve with 8x the paths per replica, averaged
    over three seeds.  Each replica's own fixed point is biased low in the tail (its noise fed back and cut
    by the noise window): the mean of 4 x 256-path replicas gave C(20) = 0.124 against 0.141, 5 combined
    SE.  The pooled final solve removes that."""
    params = Params(2.0, 1.0, 2.5)
    ref = solve(params, seed=10, settings=SolverSettings(n_samples=2048))
    runs = [solve(params, seed=s) for s in range(3)]
    assert ref.converged and all(r.converged for r in runs)
    for tau in (10.0, 20.0, 30.0):
        i, j = np.searchsorted(ref.tau, tau), [np.searchsorted(r.tau, tau) for r in runs]
        mean = np.mean([r.C[jj] for r, jj in zip(runs, j)])
        err = np.sqrt(sum(r.C_err[jj] ** 2 for r, jj in zip(runs, j))) / 3
        print(f"C({tau:g}): default {mean:.4f} +- {err:.4f}, reference {ref.C[i]:.4f} +- {ref.C_err[i]:.4f}")
        assert abs(mean - ref.C[i]) <= 3 * np.hypot(err, ref.C_err[i]), tau


# ----------------------------------------------------------------------------- honest flags and errors
def test_exact_k0_window_grows_until_C_has_decayed():
    """g = 1.01: tau* ~ 176 (Eq. 13's sech gives 173 at leading order in g - 1).  The old fixed window of 100
    reported converged with C(100)/C(0) = 0.86 and tau* = 90."""
    from dmft import _generated as gen

    r = solve(Params(1.01, 0.0, 2.5))
    assert r.converged and abs(r.C[-1]) < 1e-3 * r.C0
    tau = np.linspace(0, 3000, 300001)
    ts13 = np.trapezoid((gen.eq13_C(tau, 1.01, 0.0) / gen.eq13_C(0.0, 1.01, 0.0)) ** 2, tau)
    assert abs(r.tau_star / ts13 - 1) < 0.05, (r.tau_star, ts13)   # O(g - 1) corrections only
    capped = solve(Params(1.01, 0.0, 2.5), settings=SolverSettings(tau_cap=300.0))
    assert not capped.converged and capped.status == "not_converged" and "truncated" in capped.message


def test_error_bar_is_that_of_the_pooled_paths():
    """Replicas with 3 x 2048 paths but a pooled solve capped at 4096: the SE is sigma / sqrt(4096)."""
    from dmft.numerics.driver import weighted_replicas

    rng = np.random.default_rng(0)
    reps = [dict(C=np.array([1.0 + 0.02 * rng.standard_normal()]), weight=2048) for _ in range(3)]
    _, se_all, _ = weighted_replicas(reps)
    _, se_pool, _ = weighted_replicas(reps, n_paths=4096)
    assert se_pool[0] == pytest.approx(se_all[0] * np.sqrt(6144 / 4096))


def test_clipped_sampler_spectrum_beyond_noise_is_an_error():
    from dmft.theory.stationary import _check_spectrum

    tau = 0.1 * np.arange(300)
    C = np.exp(-tau / 3) * (1 + tau / 3)
    _check_spectrum(C, np.full(300, 1e-4), 0.1, sampler_negativity=-1e-6)     # truncation-sized: fine
    with pytest.raises(UnphysicalSolutionError, match="clipped"):
        _check_spectrum(C, np.full(300, 1e-4), 0.1, sampler_negativity=-0.2)


def test_truncating_window_is_grown_even_when_a_replica_solves_at_once():
    """Stern s = 5 at g = 0.9: neurons are frozen on their branches and C stays ~1 over any window.  A warm
    replica used to be 'solved' in one step on a truncating window (the taper hid it): C0 = 0.998 reported
    converged.  The window must grow to the cap and say why."""
    r = solve(Params(0.9, 0, 1), PlasticityRule("stern", s=5.0), seed=0,
              settings=SolverSettings(n_samples=64, tau_cap=80.0))
    assert r.status == "diverging_timescale" and not r.converged and "bistable" in r.message


def test_sharp_inverse_gamma_rule_is_the_hebbian_rule():
    """Eq. A4 with a sharply peaked InvGamma(alpha, beta) distribution of p (alpha = 400, mean 2.5, spread
    5%) must give the Hebbian solution at p = 2.5: the power-law kernel path against the exponential one."""
    hb = solve(Params(2.0, 1.0, 2.5), seed=1, settings=QUICK)
    ig = solve(Params(2.0, 1.0, 2.5), PlasticityRule("inverse_gamma", alpha=400.0, beta=401 * 2.5), seed=2,
               settings=QUICK)
    assert hb.converged and ig.converged
    assert abs(ig.C0 - hb.C0) < 4 * np.hypot(ig.C0_err, hb.C0_err)
    assert abs(ig.tau_star - hb.tau_star) < 4 * np.hypot(ig.tau_star_err, hb.tau_star_err)


def _simulate_stern(g, s, N, T, burn, dt, seed):
    """C(0) of the self-coupled network (1 + d/dt) x = J phi + s phi(x) [Eq. 11], integrated here by Heun's
    method (independent of dmft's simulator and solver)."""
    rng = np.random.default_rng(seed)
    J = rng.standard_normal((N, N)) * g / np.sqrt(N)
    x = rng.standard_normal(N)
    n_b, n_r = int(burn / dt), int(T / dt)
    acc = 0.0
    for n in range(n_b + n_r):
        ph = np.tanh(x)
        if n >= n_b:
            acc += ph @ ph / N
        f1 = -x + J @ ph + s * ph
        xp = x + dt * f1
        php = np.tanh(xp)
        x = x + 0.5 * dt * (f1 - xp + J @ php + s * php)
    return acc / n_r


@pytest.mark.slow
@pytest.mark.parametrize("s", [0.8, 1.2])
def test_stern_solution_agrees_with_simulated_self_coupled_networks(s):
    """Eqs. 10-11: C(0) of the Stern rule against four simulated N = 1000 networks at g = 0.5 (measured:
    0.3216 +- 0.0049 against 0.3219 +- 0.0022 at s = 0.8; 0.6698 +- 0.0020 against 0.6650 +- 0.0013 at s = 1.2)."""
    sims = [_simulate_stern(0.5, s, 1000, 200.0, 100.0, 0.05, seed) for seed in range(4)]
    r = solve(Params(0.5, 0, 1), PlasticityRule("stern", s=s), seed=0, settings=QUICK)
    assert r.converged, r.message
    mean, se = np.mean(sims), np.std(sims, ddof=1) / 2
    assert abs(r.C0 - mean) < 4 * np.hypot(se, r.C0_err), (r.C0, r.C0_err, mean, se)


def test_evaluation_budget_ends_in_not_converged():
    r = solve(Params(2.0, 1.0, 2.5), seed=0, settings=SolverSettings(n_samples=64, max_evaluations=6))
    assert not r.converged and r.status == "not_converged" and "budget" in r.message
    assert r.iterations == 6 and np.all(np.isnan(r.C_err))


def test_stern_near_its_transition_is_never_called_a_diverging_timescale():
    """g = 0.5, s = 0.55: g + s > 1, a finite-timescale solution (C0 ~ 0.054) behind a marginal mode.  A
    capped window or an exhausted budget must say 'not converged, near-marginal', not 'diverging'."""
    from dmft.theory.stationary import near_transition_timescale

    rule = PlasticityRule("stern", s=0.55)
    assert near_transition_timescale(Params(0.5, 0, 1), rule) == pytest.approx(np.sqrt(3) / (0.5 / 0.45 - 1) / 0.45)
    r = solve(Params(0.5, 0, 1), rule, seed=0, settings=SolverSettings(n_samples=32, max_evaluations=12))
    assert r.status == "not_converged" and "near-marginal" in r.message


@pytest.mark.parametrize("d", [0.7, 2.0])
def test_delayed_kernel_reproduces_the_network_rule(d):
    """Eq. A9 against Eq. A8 itself: three 'neurons' phi_j(t) = sqrt 2 cos(w t + 2 pi j / 3) have population
    correlation (1/N) sum_j phi_j(t1) phi_j(t2) = cos(w (t1 - t2)) exactly, so the input sum_j A_ij phi_j(t)
    with A_ij from the delayed rule, integrated here by quadrature, must equal int K(u) phi_i(t - u) du with
    the kernel the solver assembles from C = cos(w tau) (its C(u + d) and C(u - d) shifts included)."""
    from scipy import integrate as si

    k, p, w, t, N = 1.3, 2.5, 0.8, 3.0, 3
    phi = [lambda s, j=j: np.sqrt(2) * np.cos(w * s + 2 * np.pi * j / N) for j in range(N)]
    i = 1

    def A(j):   # (1 + p d/dt) A_ij = (k/N) [phi_i(t) phi_j(t - d) - phi_i(t - d) phi_j(t)]
        f = lambda v: np.exp(-v / p) * (phi[i](t - v) * phi[j](t - v - d) - phi[i](t - v - d) * phi[j](t - v))  # noqa: E731
        return k / (p * N) * si.quad(f, 0, 60 * p, limit=400, epsabs=1e-13)[0]

    direct = sum(A(j) * phi[j](t) for j in range(N))
    h = 0.005
    tau = h * np.arange(int(round(60 * p / h)) + 1)
    K = PlasticityRule("delayed", d=d).kernel(Params(2.0, k, p), tau, np.cos(w * tau))
    via_kernel = np.trapezoid(K * phi[i](t - tau), tau)
    # the kernel jumps at u = d (the H(u - d) term): the trapezoid rule is then O(h) there
    assert abs(via_kernel - direct) < 2 * h * k / p, (via_kernel, direct)


def test_no_decay_rule_is_the_large_p_limit_of_the_hebbian_rule():
    """Eqs. A2-A3: k, p -> inf with k/p = ktilde.  ktilde = -0.4 against the Hebbian rule at p = 40 and 80 (k = -16,
    -32), extrapolated linearly in 1/p: the kernels differ by e^{-u/p} - 1 ~ u/p over the range of C (tau* ~ 1.7),
    which moves C(0) by ~0.3% at p = 40, two of the no-decay solve's standard errors (measured: 0.39817 +- 0.0002
    at p = 40, 0.39717 +- 0.0002 at p = 80, 0.3970 +- 0.0001 at p = 200): compared without the extrapolation the
    check would be marginal by construction."""
    nd = solve(Params(2.0, 0.0, 2.5), PlasticityRule("no_decay", ktilde=-0.4), seed=2, settings=QUICK)
    hb = [solve(Params(2.0, -0.4 * p, p), seed=3, settings=QUICK) for p in (40.0, 80.0)]
    assert nd.converged and all(r.converged for r in hb)
    for key in ("C0", "tau_star"):
        v40, v80 = (getattr(r, key) for r in hb)
        e40, e80 = (getattr(r, key + "_err") for r in hb)
        limit, limit_err = 2 * v80 - v40, np.hypot(2 * e80, e40)
        assert abs(getattr(nd, key) - limit) < 4 * np.hypot(getattr(nd, key + "_err"), limit_err), key


def _plain_iteration_C0(params, rule, h, n_paths=2048, window=200.0, iterations=100, keep=50, seed=7):
    """C(0) from the plain iteration of App. C 1 as the paper runs it: new random numbers at every evaluation, no
    lag window, the mean of the last ``keep`` iterates.  It shares the single-site engine with the solver but none
    of its driver (no replicas, no Anderson mixing, no noise cut).  Returns (mean, a rough SE that ignores the
    iterates' correlation)."""
    from dmft.numerics.single_site import SingleSite

    n = int(round(window / h)) + 1
    engine = SingleSite(params, rule, h, n_paths, 300.0, 64, np.random.default_rng(seed), window)
    C = 0.43 * np.exp(-h * np.arange(n) / 5.0)
    c0 = []
    for _ in range(iterations):
        engine.new_noise()
        engine.taper, engine.cut = np.ones(n), n           # no noise window
        C = engine.run(C, None)["C"]
        c0.append(C[0])
    kept = np.array(c0[-keep:])
    return float(kept.mean()), float(kept.std(ddof=1) / np.sqrt(keep))


@pytest.mark.slow
def test_boundary_settings_error_bars_cover_the_plain_iteration():
    """The Stern network at g = 0.9, s = 0.633 (a point of the k_c(0.9) curve) with the first-order line's settings:
    each of four seeds within 3 of its reported standard errors (and the plain iteration's rough SE) of the plain
    iteration's C(0) at the same step.  It was a strict xfail at h = 0.1 (C(0) = 0.4331, 0.4322, 0.4355, 0.4310 against
    the plain iteration's 0.4346: ~0.4% low, errors under-covering); at the default h = 0.2 (2026-11-29): 0.43775,
    0.43491, 0.43432, 0.43640 (reported SE 0.0004-0.002) against 0.43558, within 1.6 SE each.  (The plain iteration
    itself moves by +0.28% from h = 0.1 to 0.2 here: the step's own error.)"""
    from dmft.theory.first_order import BOUNDARY_SETTINGS

    params, rule = Params(0.9, 0.0, 1.0), PlasticityRule("stern", s=0.633)
    h = resolved_step(BOUNDARY_SETTINGS, params, rule)                 # the same step as the solver's
    ref, ref_err = _plain_iteration_C0(params, rule, h)
    print(f"plain iteration, h = {h}: C0 = {ref:.5f} +- {ref_err:.5f}")
    for seed in range(4):
        r = solve(params, rule, settings=BOUNDARY_SETTINGS, seed=seed)
        assert r.converged, r.message
        print(f"seed {seed}: C0 = {r.C0:.5f} +- {r.C0_err:.5f}")
        assert abs(r.C0 - ref) < 3 * np.hypot(r.C0_err, ref_err), seed


def test_on_step_interpolates_the_solution_onto_a_finer_grid():
    """on_step (the grid of the solvers built on C) against the exact k = 0 solution computed on that grid."""
    coarse = solve(Params(2.0, 0.0, 2.5), settings=SolverSettings(h=0.2))
    fine = solve(Params(2.0, 0.0, 2.5), settings=SolverSettings(h=0.05))
    moved = on_step(coarse, 0.05)
    assert moved.tau_step == pytest.approx(0.05) and moved.tau[-1] == pytest.approx(coarse.tau[-1])
    n = min(moved.C.size, fine.C.size)
    assert np.max(np.abs(moved.C[:n] - fine.C[:n])) < 1e-4 * fine.C0
    assert on_step(coarse, coarse.tau_step) is coarse


def test_budget_running_out_in_the_initial_guess_check_is_a_verdict():
    """The near-critical check re-solves a replica from another guess; an evaluation budget exhausted there must
    carry the window (the solve then reports not_converged), as anywhere else in a solve."""
    from dmft.numerics.driver import BudgetExhausted, Driver
    from dmft.theory.stationary import _AutocovarianceProblem, _initial_guess_dependence

    st = SolverSettings(h=0.2, n_samples=16, max_evaluations=1)
    problem = _AutocovarianceProblem(Params(1.1, 0.5, 2.5), HEBBIAN, st, np.random.default_rng(0))
    window = (40.0, 201)
    driver = Driver(problem, st, history=[0.1], bar=type("Bar", (), {"update": lambda self: None})())
    with pytest.raises(BudgetExhausted) as stop:
        _initial_guess_dependence(driver, problem.engine(window, 16), np.exp(-0.2 * np.arange(201) / 5), window)
    assert stop.value.window == window


def test_derived_step_is_the_grid_a_solve_at_h_one_tenth_would_end_on():
    """The tangent and two-replica solvers run at 0.1, or at tau_max/1000 on long windows (the step grows with the
    window, up to h_max), and never on a finer grid than the answer's own when that is coarser still."""
    from dataclasses import replace

    from dmft.theory.stationary import derived_step

    base = solve(Params(2.0, 0.0, 2.5), settings=SolverSettings(h=0.2))
    for h, tau_max, expected in ((0.2, 40.0, 0.1), (0.2, 150.0, 0.15), (0.25, 400.0, 0.25), (0.05, 40.0, 0.05)):
        r = replace(base, tau=h * np.arange(int(round(tau_max / h)) + 1))
        assert derived_step(r) == pytest.approx(expected)
