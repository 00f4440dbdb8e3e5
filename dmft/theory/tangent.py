"""lambda_max from the DMFT by Monte Carlo: the tangent self-consistency on the stationary single-site paths.

Two replicas with the same J, linearised in delta = x^A - x^B (docs/derivations.md, "Lyapunov exponent"): the
collective terms (1/N) sum_j phi_j phi'_j delta_j vanish at linear order (delta -> -delta at fixed x), leaving

    (1 + d/dt) delta = xi + (k/p) int_{-inf}^t e^{-(t-t')/p} C(t - t') phi'(x(t')) delta(t') dt',
    <xi(t) xi(s)> = g^2 <phi'(x(t)) phi'(x(s)) delta(t) delta(s)>,

with xi independent of the x path.  In the growing frame delta = e^{lambda t} u this is stationary:

    (1 + lambda + d/dt) u = xi_u + int K(s) e^{-lambda s} phi'(x(t - s)) u(t - s) ds,   K = (k/p) e^{-s/p} C(s),
    <xi_u xi_u>(tau) = g^2 M(tau),   M(tau) = <v(t) v(t + tau)>,  v = phi'(x) u,

a linear homogeneous map M -> F_lambda(M) with leading eigenvalue mu(lambda); lambda_max is the lambda with
mu = 1 (mu decreases with lambda).  :func:`multiplier` computes mu(lambda) by power iteration on the normalised
map, as a fixed point of the package's self-consistency driver (:mod:`dmft.numerics.driver`, Anderson mixing
with fixed random numbers, replicas for the error bar), running the single-site engine
(:mod:`dmft.numerics.single_site`) for the x paths and the causal recursion for u.  :func:`lyapunov` finds the
root of mu(lambda) = 1 from a weighted line through a few mu(lambda).

At k = 0 the map reduces to the lag Schroedinger problem of :mod:`dmft.theory.lyapunov` (exact), which the tests
use as the reference.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Optional

import numpy as np
import scipy.fft

from dmft.numerics.driver import BudgetExhausted, Driver, Evaluation, weighted_replicas
from dmft.numerics.gp import circulant_spectrum, fields_from_coefficients, gaussian_coefficients
from dmft.theory.kernels import HEBBIAN
from dmft.theory.lyapunov import LyapunovTheoryResult
from dmft.numerics.observables import equal_groups, per_path_autocovariance
from dmft.params import Params
from dmft.progress import progress_bar
from dmft.numerics.single_site import SingleSite, cosine_taper, leak_folded_kernel, noise_cut
from dmft.theory.stationary import DMFTResult, SolverSettings, derived_step, on_step, solve
from dmft.numerics.volterra import causal_recursion, history_matrix

TANGENT_SETTINGS = SolverSettings(n_samples=256, max_samples=2048, target_rel_err=0.003, min_replicas=4,
                                  max_replicas=16, mixing=1.0)


class TangentEngine:
    """One replica: S stationary single-site paths x (their phi'(x) is the tangent's gain) and the random numbers
    of the tangent field xi_u, both held fixed while the driver iterates M."""

    def __init__(self, stationary: DMFTResult, lam: float, n_paths: int, rng, block: int = 64):
        p = stationary.params
        self.params, self.C, self.lam, self.rng = p, stationary.C, lam, rng
        self.h = h = stationary.tau_step
        self.n_lag = self.C.size
        tau_max = float(stationary.tau[-1])
        self.u_burn = int(round(max(30.0, 3.0 * tau_max) / h))
        t_record = max(300.0, 10.0 * tau_max) + self.u_burn * h
        self.site = SingleSite(p, HEBBIAN, h, n_paths, t_record, block, rng, tau_max)
        # the tangent kernel in the growing frame, its leak 1 + lambda folded in [tangent Eq.]
        tau = h * np.arange(self.n_lag)
        K = HEBBIAN.kernel(p, tau, self.C) * np.exp(-lam * tau)
        G = leak_folded_kernel(K, h, 0.0, extra=max(0, self.site.M + 1 - self.n_lag), rate=1.0 + lam)
        self.w = h * G[:self.site.M + 1]
        self.T_hist = history_matrix(self.w, block)
        self.block = block
        self.taper = None
        self._draw()

    def _draw(self):
        x = self.site.paths(self.C)[0]                             # stationary paths (recorded steps, S)
        # time-major (C-contiguous), as the recursion steps through time with every path in one contiguous row
        # (on the engine's path-major layout it ran 1.7x slower; the fields are transposed once per evaluation)
        self.gain = np.ascontiguousarray(self.params.nonlinearity.dphi(x))
        self.n_t = x.shape[0]
        self.period = scipy.fft.next_fast_len(max(self.n_t, 2 * self.n_lag))
        self.z = gaussian_coefficients(self.period, x.shape[1], self.rng)

    def apply(self, M: np.ndarray):
        """F(M): the autocovariance of v = phi'(x) u over the paths (lags 0..n_lag-1), with its per-lag SE."""
        g, lam = self.params.g, self.lam
        spec, worst = circulant_spectrum(g * g * M, self.period, self.h,
                                         transfer=lambda om: 1.0 / ((1.0 + lam) ** 2 + om ** 2))
        chi = fields_from_coefficients(spec, self.z, self.period)[:self.n_t]    # (1 + lambda + d/dt)^-1 xi_u
        if self.params.k == 0:
            u = chi
        else:
            u, _ = causal_recursion(np.ascontiguousarray(chi), self.w, c0=0.5 * self.w[0], block=self.block,
                                    T_hist=self.T_hist, gain=self.gain)
        v = (self.gain * u)[self.u_burn:]
        groups = equal_groups(v.shape[1])
        per_group = per_path_autocovariance(v, self.n_lag, groups=groups)     # paths are independent: group means
        return per_group.mean(axis=1), per_group.std(axis=1, ddof=1) / math.sqrt(groups), worst


class _TangentProblem:
    """mu and the shape of M at fixed lambda, for :class:`dmft.numerics.driver.Driver`: the iterate is M / M(0)."""

    value_key = "mu"
    target_index = 0

    def __init__(self, stationary: DMFTResult, lam: float, st: SolverSettings, rng):
        self.stat, self.lam, self.st, self.rng = stationary, lam, st, rng

    def engine(self, window, n_paths):
        return TangentEngine(self.stat, self.lam, n_paths, self.rng, self.st.block)

    def evaluate(self, eng, x):
        M_out, sem, worst = eng.apply(x)
        mu = float(M_out[0] / x[0])
        if eng.taper is None:                  # the lag window, fixed at a replica's first evaluation (as for C)
            eng.taper = cosine_taper(x.size, noise_cut(M_out, sem))
        F = M_out * eng.taper / M_out[0]
        return Evaluation(F=F, scale=1.0, n_measured=x.size,
                          out=dict(M=F, mu=mu, sem=sem / M_out[0], negativity=worst))

    @staticmethod
    def admissible(x):
        return x[0] > 0.5                      # a normalised covariance: M(0) = 1, |M| <= M(0)

    @staticmethod
    def grow(x, window):
        return None                            # the lag window is the stationary solution's

    @staticmethod
    def regrid(values, old, new):
        return values

    @staticmethod
    def record(ev, window):
        return dict(M=ev.out["M"], mu=np.array([ev.out["mu"]]))

    @staticmethod
    def warm_start(x, mean):
        return x.copy()                        # the replicas' mean is of mu, not of M: keep the last shape


@dataclass
class TangentMultiplier:
    """mu(lambda), the leading eigenvalue of the tangent map, with its Monte Carlo error."""

    lam: float
    mu: float
    mu_err: float
    M: np.ndarray
    converged: bool
    residual: float
    iterations: int
    n_paths: int
    settings: dict = field(default_factory=dict)


def _initial_shape(stationary: DMFTResult) -> np.ndarray:
    C = stationary.C
    return C / C[0]


def multiplier(stationary: DMFTResult, lam: float, *, settings: Optional[SolverSettings] = None,
               seed: Optional[int] = 0, init: Optional[np.ndarray] = None, progress=None) -> TangentMultiplier:
    """mu(lambda) at the stationary solution: the fixed point of the normalised tangent map [tangent Eq.], with
    the error from independent replicas (new paths and tangent fields) and the answer from a pooled solve."""
    if not lam > -1:
        raise ValueError(f"lambda must be > -1 (the growing frame needs 1 + lambda > 0), got {lam}")
    if stationary.status != "converged":
        raise ValueError(f"the stationary solution did not converge ({stationary.status}): no tangent map")
    st = settings or TANGENT_SETTINGS
    stationary = on_step(stationary, st.h or derived_step(stationary))
    problem = _TangentProblem(stationary, lam, st, np.random.default_rng(seed))
    x = (init if init is not None else _initial_shape(stationary)).copy()
    history = []
    bar = progress_bar(None, progress, desc=f"tangent mu(lambda={lam:.3g})", total=st.min_replicas * 8, auto=True)
    driver = Driver(problem, st, history, bar)
    try:
        x, _, records, _, ev, how = driver.replicas(x, stationary.C.size)
        x, _, ev, how, n_pool = driver.pooled(x, stationary.C.size, records)
    except BudgetExhausted:
        bar.close()
        return TangentMultiplier(lam, math.nan, math.nan, x, False, math.nan, driver.iterations, 0, asdict(st))
    bar.close()
    mu_err = float(weighted_replicas(records, "mu", n_paths=n_pool)[1][0])
    mu = float(ev.out["mu"])
    if not np.isfinite(mu) or mu <= 0:
        from dmft.errors import UnphysicalSolutionError
        raise UnphysicalSolutionError(f"tangent multiplier mu = {mu} (must be a positive number)")
    converged = bool(driver.all_solved and how == "solved")
    return TangentMultiplier(lam, mu, mu_err, ev.out["M"], converged, float(max(driver.residuals)), driver.iterations,
                      n_pool, asdict(st))


def _line_root(points):
    """Weighted least-squares line mu = a + b lambda through (lambda, mu, mu_err) points; returns (root of
    mu = 1, its standard error, slope b, chi^2 per degree of freedom).  The error is inflated by
    sqrt(chi^2/dof) when the points scatter more than their errors say (a few replicas estimate an SE
    loosely)."""
    lam = np.array([q[0] for q in points])
    mu = np.array([q[1] for q in points])
    w = 1.0 / np.array([max(q[2], 1e-12) for q in points]) ** 2
    A = np.stack([np.ones_like(lam), lam], axis=1)
    cov = np.linalg.inv(A.T @ (w[:, None] * A))
    a, b = cov @ (A.T @ (w * mu))
    dof = max(len(points) - 2, 1)
    chi2 = float(np.sum(w * (mu - a - b * lam) ** 2) / dof) if len(points) > 2 else 1.0
    root = (1.0 - a) / b
    grad = np.array([-1.0 / b, -(1.0 - a) / b ** 2])           # d root / d(a, b)
    err = math.sqrt(float(grad @ cov @ grad)) * math.sqrt(max(chi2, 1.0))
    return float(root), err, float(b), chi2


def lyapunov(params: Params, *, lam_guess: float = 0.1, step: float = 0.05, n_points: int = 5,
             settings: Optional[SolverSettings] = None, stationary: Optional[DMFTResult] = None,
             seed: Optional[int] = 0, progress=None) -> LyapunovTheoryResult:
    """lambda_max at (g, k, p) by Monte Carlo: the root of mu(lambda) = 1 [tangent Eq.].

    mu is evaluated at lam_guess and lam_guess + step, then at the root of the weighted line through every point so
    far, then on both sides of it (+- step / 4), ``n_points`` solves in all, each with independent random numbers.
    The answer is the root of the weighted line through them (mu is smooth and nearly linear over a few step), its
    error propagated from the fit (inflated by sqrt(chi^2/dof) when the points scatter more than their errors).
    ``converged``: every mu solve converged, mu decreases, and the root lies inside the lambdas evaluated.
    The stationary solution's own Monte Carlo error is not propagated."""
    if n_points < 3:
        raise ValueError(f"n_points must be >= 3 (two to start, one at the root), got {n_points}")
    start = time.perf_counter()
    stat = stationary or solve(params, seed=seed, progress=False)
    if stat.status != "converged":
        raise ValueError(f"no converged stationary solution at {params.as_dict()} ({stat.status}: {stat.message})")
    bar = progress_bar(None, progress, desc="lambda_max", total=n_points, auto=True)
    solves, shape = [], None

    def evaluate(lam):
        nonlocal shape
        m = multiplier(stat, lam, settings=settings, seed=None if seed is None else seed + len(solves),
                       init=shape, progress=False)
        shape = m.M
        solves.append(m)
        bar.update()

    try:
        evaluate(lam_guess)
        evaluate(lam_guess + step)
        while len(solves) < n_points:
            root, _, slope, _ = _line_root([(m.lam, m.mu, m.mu_err) for m in solves])
            if not (slope < 0 and math.isfinite(root) and root > -1):
                break
            side = len(solves) - 3              # 0: the root itself, then below and above it
            offset = (0.0, -0.25 * step, 0.25 * step)[side % 3]
            evaluate(max(root + offset, -0.9))
    finally:
        bar.close()
    points = [(m.lam, m.mu, m.mu_err) for m in solves]
    root, err, slope, chi2 = _line_root(points)
    lams = [q[0] for q in points]
    ok = bool(slope < 0 and all(m.converged for m in solves) and min(lams) <= root <= max(lams))
    msg = (f"root of the weighted line through mu(lambda) at {len(points)} lambdas; d mu/d lambda = {slope:.3g}, "
           f"chi^2/dof = {chi2:.2g}")
    if slope >= 0:
        msg = "mu(lambda) does not decrease over the lambdas evaluated: no root"
        root = err = math.nan
    return LyapunovTheoryResult(params=params, lambda_max=float(root), lambda_max_err=float(err),
                                converged=ok, method="monte_carlo", ground_energy=math.nan, curve=points,
                                iterations=len(points), message=msg,
                                settings=dict(tangent=asdict(settings or TANGENT_SETTINGS), lam_guess=lam_guess,
                                              step=step, n_points=n_points, seed=seed),
                                wall_s=time.perf_counter() - start)
