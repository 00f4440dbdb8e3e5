"""Stationary single-site DMFT: the autocovariance C(tau) at any (g, k, p) [Eqs. 6-8].

Method (App. C 1, with the leak folded into the kernel)
-------------------------------------------------------
Write the single-site equation as x = xi + G * psi + I, where xi = (1 + d/dt)^{-1} eta is Gaussian
with spectrum g^2 C^(omega) / (1 + omega^2) and G(u) = int_0^u e^{-(u-v)} K(v) dv + s e^{-u}
(K from the plasticity rule, s the instantaneous self-coupling of Eq. 11, I the constant input
of Eq. A7).  Each iteration

1. samples S paths of xi by FFT (Hermitian-symmetric Fourier coefficients, :mod:`dmft.numerics.gp`), exactly
   at the grid points: no time-stepping error in the Gaussian part;
2. solves the causal recursion x_n = xi_n + I + h sum_m c_m G_m psi(x_{n-m}) with trapezoid
   weights c_m (G(0) = 0 for every plasticity kernel, so the scheme is explicit), blocked so that
   the long history sum is a BLAS-3 product (:mod:`dmft.numerics.volterra`);
3. estimates C(tau) from the paths by FFT, with phi(xi), whose mean is known exactly, as a
   control variate.

With its random numbers held fixed (a "replica"), this map is smooth, and Anderson mixing drives it
to its fixed point F(C) = C to a set tolerance.  Independent replicas are solved until their spread
gives SE(C0) below the target; the answer is then one more solve on all their paths (their own random
numbers) together, because a single solve's noise biases its slow tail by an amount that falls with its
paths.  A cold start first approaches the solution with a quarter of the paths and settles the lag window
(its cut follows the iterate's tail, and it asks for a longer window earlier than a replica would).  The
lag window grows when C has not decayed inside it; a window that keeps growing past ``tau_cap`` is reported as a
diverging timescale (the large-k region of Fig. 1b; for the Stern network with s > 1, frozen bistable neurons)
rather than iterated forever, except close to a continuous transition, where the timescale is finite and
the verdict is "not converged" (:func:`near_transition_timescale`).  A replica is solved when both its
residual and its quasi-Newton step are below ``tol``; a solve stops after ``max_evaluations``.

k = 0 with the Hebbian rule is solved exactly instead (:mod:`dmft.theory.scs`).
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Optional

import numpy as np
import scipy.fft

from dmft.numerics.driver import TERMINAL, BudgetExhausted, Driver, Evaluation, tail_error, tightened, weighted_replicas
from dmft.errors import UnphysicalSolutionError
from dmft.theory.kernels import HEBBIAN, PlasticityRule
from dmft.numerics.observables import (per_path_autocovariance, power_spectrum, synaptic_timescale, tau_star,
                          zero_crossing_frequency)
from dmft.params import Params
from dmft.progress import progress_bar
from dmft.theory.scs import scs_solution
from dmft.numerics.single_site import SingleSite

__all__ = ["DERIVED_STEP", "DMFTResult", "SolverSettings", "UnphysicalSolutionError", "derived_step",
           "near_transition_timescale", "on_step", "resolved_step", "solve"]


DEFAULT_STEP = 0.2          # the Monte Carlo solver's step when SolverSettings.h is None
EXACT_STEP = 0.1            # the exact k = 0 solution's (it is cheap)
P_KERNEL_RULES = ("hebbian", "pre_post", "delayed")     # rules whose kernel decays as e^(-u/p)
# The solvers that run on a stationary solution (the tangent map, the two-replica DMFT) are more sensitive to the
# step than C itself, and run at this step on C interpolated from a coarser grid (see on_step).
DERIVED_STEP = 0.1


def resolved_step(st: "SolverSettings", params: Params, rule: PlasticityRule) -> float:
    """The step a Monte Carlo solve uses: ``st.h``, or by default DEFAULT_STEP, at most p/5 for the rules whose
    kernel decays as e^(-u/p)."""
    if st.h is not None:
        return st.h
    return min(DEFAULT_STEP, params.p / 5) if rule.name in P_KERNEL_RULES else DEFAULT_STEP


@dataclass(frozen=True)
class SolverSettings:
    """Numerical settings of :func:`solve`.

    h           : time step of the single-site paths and lag grid (initial).  Default (None): 0.2 for
                  Monte Carlo, at most p/5 (the kernel e^(-u/p) must be resolved), and 0.1 for the exact
                  k = 0 solution.  The causal recursion is second order in h: from 0.1 to 0.2, C(0) moves
                  by 0.04% at g = 2, k = 1 and 0.2% at k = -2 (below the default 0.3% standard error) for
                  a third of the cost.
    h_max       : largest step the solver may switch to when the window grows past 1000 lags
                  (also capped at p/5).
    n_samples   : paths per replica (vectorised).  The answer is a final solve on the paths of all
                  replicas together (at most max_samples), because a solve's slow tail is biased by
                  an amount that falls with its number of paths (see :func:`solve`).
    t_record    : recorded length of each path (default: max(300, 6 tau_max)).
    tau_max     : initial lag window (default from tau* of the initial guess and p).
    tau_cap     : largest window before the timescale is declared divergent
                  (default max(500, 40 p)).
    max_samples : replicas double their paths (up to this) when the spread between replicas
                  shows that the target error would need many more replicas; also the cap on the
                  paths of the final pooled solve.
    mixing      : damping of the Anderson-accelerated fixed-point iteration of the replicas, which start
                  near the solution (the cold-start phase uses at most 0.5).
    tol         : a replica is solved when rms|F(C) - C| / C(0) < tol (F is deterministic for a
                  replica's fixed random numbers, so this can be made small).
    anderson_memory : number of previous iterates used by Anderson mixing.
    max_iter    : iterations per replica before giving up.
    max_evaluations : evaluations of the single-site map in one solve (cold start, replicas, checks and
                  retries together) before giving up with ``not_converged``: bounds the time spent close
                  to a continuous transition, where the map is marginal (g = 2: ~45; g = 1.1, k = 0.5: ~170).
    target_rel_err : stop adding replicas when SE(C0)/C0 is below this.
    min_replicas, max_replicas : replicas (independent random numbers) for the error estimate.
    block       : block length of the causal recursion.
    """

    h: Optional[float] = None
    h_max: float = 0.25
    n_samples: int = 256
    t_record: Optional[float] = None
    tau_max: Optional[float] = None
    tau_cap: Optional[float] = None
    max_samples: int = 4096
    mixing: float = 1.0
    tol: float = 5e-4
    anderson_memory: int = 5
    max_iter: int = 60
    max_evaluations: int = 400
    target_rel_err: float = 0.003
    min_replicas: int = 4
    max_replicas: int = 24
    block: int = 64

    def __post_init__(self):
        for name in ("h", "h_max", "mixing", "target_rel_err", "tol", "tau_max", "tau_cap", "t_record"):
            v = getattr(self, name)
            if v is None and name in ("h", "tau_max", "tau_cap", "t_record"):
                continue                  # automatic
            if isinstance(v, bool) or not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                raise ValueError(f"{name} must be a positive finite number, got {v!r}")
        if self.tau_max is not None and self.tau_max < 10 * (self.h or DEFAULT_STEP):
            raise ValueError(f"tau_max = {self.tau_max} must span at least 10 steps h = {self.h or DEFAULT_STEP}")
        if self.mixing > 1:
            raise ValueError(f"mixing must be in (0, 1], got {self.mixing}")
        for name in ("n_samples", "max_iter", "min_replicas", "max_replicas", "block", "anderson_memory",
                     "max_samples", "max_evaluations"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        if self.min_replicas < 2 or self.max_replicas < self.min_replicas:
            raise ValueError("need 2 <= min_replicas <= max_replicas for an error estimate")


@dataclass
class DMFTResult:
    """Stationary DMFT solution and everything needed to judge and reproduce it."""

    params: Params
    rule: dict
    tau: np.ndarray
    C: np.ndarray
    C_err: np.ndarray
    Cx: np.ndarray
    K: np.ndarray
    C0: float
    C0_err: float
    Cx0: float
    tau_star: float
    tau_star_err: float
    PR_A: float
    f: np.ndarray
    S: np.ndarray
    zero_crossing_frequency: float
    converged: bool
    status: str           # "converged" | "not_converged" | "no_dynamic_solution" | "diverging_timescale"
    residual: float       # rms |C_out - C_in| / C0 at the end
    residual_history: list
    iterations: int
    method: str           # "exact" | "monte_carlo"
    branch: str           # "chaotic (g > 1)" | "large-s" | "none"
    settings: dict = field(default_factory=dict)
    seed: Optional[int] = None
    wall_s: float = 0.0
    message: str = ""
    x_samples: Optional[np.ndarray] = None   # draws of the single-site x (for averages over x, Eq. 21)

    @property
    def tau_step(self) -> float:
        return float(self.tau[1] - self.tau[0])

    def summary(self) -> dict:
        """JSON-ready dictionary of the main numbers (arrays as lists)."""
        return dict(params=self.params.as_dict(), rule=self.rule, C0=self.C0, C0_err=self.C0_err,
                    Cx0=self.Cx0, tau_star=self.tau_star, tau_star_err=self.tau_star_err,
                    PR_A=self.PR_A, tau_step=self.tau_step, C=self.C, C_err=self.C_err,
                    zero_crossing_frequency=self.zero_crossing_frequency, converged=self.converged,
                    status=self.status, residual=self.residual, iterations=self.iterations,
                    method=self.method, branch=self.branch, seed=self.seed, settings=self.settings,
                    wall_s=self.wall_s, message=self.message)


def derived_step(result: DMFTResult) -> float:
    """The step of a solver built on the stationary solution ``result`` (tangent map, two-replica DMFT): DERIVED_STEP,
    or tau_max/1000 on a long window (never finer than ``result``'s own grid is coarse): the grid a solve at h = 0.1
    would have ended on, as the window grows with the step (their cost grows with the square of the lags)."""
    return min(result.tau_step, max(DERIVED_STEP, float(result.tau[-1]) / 1000.0))


def on_step(result: DMFTResult, h: float) -> DMFTResult:
    """The stationary solution on the lag grid of step ``h`` (C, its error, C^x and K by cubic interpolation; the
    solution itself is unchanged: C is smooth, and its interpolation error is far below its Monte Carlo error).

    Why: the solvers built on C regenerate single-site paths from it, and their answers move with the step more
    than C does.  At g = 2, k = 1, p = 2.5, C(0) moves by 0.04% from h = 0.1 to h = 0.2, but the two-replica
    fixed-point Q(0) at k = 1.5 came out 0.7859 and 0.7863 (two seeds) with everything at h = 0.2 against 0.7909
    and 0.7896 at h = 0.1 (errors 0.0015).  They therefore run at :func:`derived_step` (0.1 on windows up to 100):
    with C solved at h = 0.2 and interpolated, Q(0) is 0.7926 and 0.7901 (seeds 0, 1), and lambda_max over six seeds
    differs from the all-h = 0.1 computation with the same seeds by -0.0003 +- 0.0002 (2026-11-29)."""
    if abs(h - result.tau_step) < 1e-12:
        return result
    from scipy.interpolate import CubicSpline
    n = int(round(float(result.tau[-1]) / h)) + 1
    tau = h * np.arange(n)
    on = {name: CubicSpline(result.tau, getattr(result, name))(tau) for name in ("C", "C_err", "Cx", "K")}
    return replace(result, tau=tau, **on)


# ----------------------------------------------------------------------------- helpers
def _regrid(C: np.ndarray, h_old: float, n_new: int, h_new: float) -> np.ndarray:
    tau_old = h_old * np.arange(C.size)
    return np.interp(h_new * np.arange(n_new), tau_old, C, right=0.0)


def _extend(C: np.ndarray, h_old: float, n_new: int, h_new: float) -> np.ndarray:
    """C on a longer window: the old values, then an exponential continuation with the decay
    rate of the envelope over the last fifth of the old window (zero if it is not decaying)."""
    n = C.size
    tail = np.abs(C[int(0.8 * n):])
    tau_old = h_old * np.arange(n)
    out = _regrid(C, h_old, n_new, h_new)
    beyond = h_new * np.arange(n_new) > tau_old[-1]
    if tail.size >= 4 and tail[0] > 0 and tail[-1] > 0 and tail[-1] < tail[0]:
        rate = np.log(tail[0] / tail[-1]) / (tau_old[-1] - tau_old[int(0.8 * n)])
        out[beyond] = C[-1] * np.exp(-rate * (h_new * np.arange(n_new)[beyond] - tau_old[-1]))
    return out


def _initial_guess(params: Params, rule: PlasticityRule, h: float, tau_max: float) -> np.ndarray:
    n = int(round(tau_max / h)) + 1
    tau = h * np.arange(n)
    if params.g > 1.0:
        base = scs_solution(params.g, tau_max=tau_max, dtau=h, phi=params.phi).C
        return base
    # below g = 1 start high and slow, on the large-s side (Sec. IV C)
    return 0.8 * np.exp(-0.5 * (tau / (0.2 * tau_max)) ** 2)


def _check_physical(C, C_err, where: str):
    if not np.all(np.isfinite(C)):
        raise UnphysicalSolutionError(f"{where}: C(tau) contains NaN or inf")
    excess = np.abs(C[1:]) - C[0]
    tol = 4 * np.sqrt(C_err[1:] ** 2 + C_err[0] ** 2) + 1e-12
    if np.any(excess > tol):
        i = int(np.argmax(excess - tol)) + 1
        raise UnphysicalSolutionError(f"{where}: |C(tau)| > C(0) beyond noise at lag index {i}")


def solve(params: Params, rule: PlasticityRule = HEBBIAN, *, settings: SolverSettings | None = None,
          seed: int | None = 0, init: "DMFTResult | np.ndarray | None" = None, method: str = "auto",
          progress=None) -> DMFTResult:
    """Solve the stationary single-site DMFT [Eqs. 6-8] for C(tau).

    params : Params(g, k, p, phi).
    rule   : plasticity rule / kernel of App. A (default: the Hebbian rule of Eq. 3).
    init   : a previous DMFTResult (warm start, e.g. when continuing in k or g) or an initial
             C on the settings' lag grid.
    method : "auto" (exact for k = 0 with the Hebbian rule, Monte Carlo otherwise), "exact",
             or "monte_carlo".
    Returns a :class:`DMFTResult`; check ``converged`` and ``status``.

    Several replicas (independent random numbers, each a smooth fixed-point problem) give the error bars;
    the answer is one more solve on all their paths together.  A single solve's noise, fed back through
    the slow modes of the self-consistency and cut by the noise window, biases its slow tail by an amount
    that falls with its number of paths: at g = 2, k = 1, p = 2.5 the mean of 4 x 256-path replicas gave
    C(20) = 0.124 against 0.141, the pooled 1024-path solve agrees within its error bars.

    Near the continuous transition (1 < g < 1.5, k != 0) the self-consistency is nearly marginal in the
    timescale direction [Eqs. 12-13], so an answer is accepted only if a replica re-solved from a
    faster-decaying guess lands on it; otherwise the tolerance is tightened (twice at most) and, failing
    that, the result is ``not_converged`` with the reason in ``message``.
    """
    if not isinstance(params, Params):
        raise ValueError(f"params must be a dmft.Params, got {type(params).__name__}")
    if not isinstance(rule, PlasticityRule):
        raise ValueError(f"rule must be a dmft.theory.kernels.PlasticityRule, got {type(rule).__name__}")
    if method not in ("auto", "exact", "monte_carlo"):
        raise ValueError(f"method must be 'auto', 'exact' or 'monte_carlo', got {method!r}")
    st = settings or SolverSettings()
    start = time.perf_counter()
    exact_ok = params.k == 0 and rule.name == "hebbian"
    if method == "exact" and not exact_ok:
        raise ValueError("the exact solution exists only for k = 0 with the Hebbian rule")
    if method == "exact" or (method == "auto" and exact_ok):
        return _solve_exact(params, rule, st, start)
    res = _solve_monte_carlo(params, rule, st, seed, init, progress, start)
    # below g = 1 the lower solution's timescale can be long enough to grow the window to its cap: a "diverging
    # timescale" there may be a solve stuck on the lower branch (g = 0.9, k = 1.6, seed 4 with 128-path replicas:
    # C(0) = 0.16 at the cap, while the upper solution has C(0) = 0.68 and tau* ~ 10), so it is re-checked too
    if (res.status in ("converged", "not_converged", "diverging_timescale") and res.C0 > 0 and params.g < 1
            and params.k != 0 and rule.name != "stern"):
        res = _on_the_upper_branch(params, rule, st, seed, res, progress, start)
    # Near g = 1 a replica stopped at tol can depend on where it started (see _initial_guess_dependence):
    # tighten the tolerance (up to twice, from the current answer) before reporting non-convergence.
    for _ in range(2):
        if not res.message.startswith(NEAR_MARGINAL):
            break
        # the retry gets what is left of the evaluation budget
        st = tightened(st, 10.0, used=res.iterations)
        retry = _solve_monte_carlo(params, rule, st, seed, res, progress, start)
        if retry.status not in ("converged", "not_converged"):
            # the slow mode drifted out of the window instead of settling: keep the honest verdict
            res.message += f"; with tol = {st.tol:g} the iterate drifted ({retry.status}) instead of settling"
            res.wall_s = retry.wall_s
            return res
        res = retry
    return res


def _finish(params, rule, st, tau, C, C_err, Cx, K, ts_err, converged, status, residual, history,
            iterations, method, branch, seed, start, message=""):
    h = tau[1] - tau[0]
    C0 = float(C[0])
    if C0 > 0:
        ts = tau_star(C, h)
        pr = params.p / synaptic_timescale(C, h, params.p)
        f, S = power_spectrum(C, h)
        zf = zero_crossing_frequency(C, h)
    else:
        ts, pr, zf = float("nan"), float("nan"), float("nan")
        f, S = np.zeros(1), np.zeros(1)
    return DMFTResult(
        params=params, rule=rule.describe(), tau=tau, C=C, C_err=C_err, Cx=Cx, K=K, C0=C0,
        C0_err=float(C_err[0]), Cx0=float(Cx[0]), tau_star=ts, tau_star_err=ts_err, PR_A=pr, f=f, S=S,
        zero_crossing_frequency=zf, converged=converged, status=status, residual=residual,
        residual_history=history, iterations=iterations, method=method, branch=branch,
        settings=asdict(st) | {"tau_max_final": float(tau[-1])}, seed=seed,
        wall_s=time.perf_counter() - start, message=message)


EXACT_DECAY = 1e-3     # the exact k = 0 window must hold C down to this fraction of C(0)


def _solve_exact(params, rule, st, start):
    """k = 0: the exact SCS solution, on a window grown (1.6x at a time, as for Monte Carlo) until C has
    decayed to EXACT_DECAY C(0) inside it.  Near g = 1 the timescale is ~sqrt(3)/(g - 1) [Eq. 13], so the
    window may need thousands of time units; past 2000 lags the step grows with the window.  A window that
    reaches tau_cap without the decay is reported as not converged, never as an answer."""
    tau_max = st.tau_max or 100.0
    tau_cap = st.tau_cap or max(2000.0, 40.0 * params.p)
    while True:
        h = max(st.h or EXACT_STEP, tau_max / 2000.0)
        sol = scs_solution(params.g, tau_max=tau_max, dtau=h, phi=params.phi)
        if sol.Delta0 == 0.0:
            zero = np.zeros_like(sol.C)
            return _finish(params, rule, st, sol.tau, sol.C, zero, sol.Cx, zero, 0.0, False,
                           "no_dynamic_solution", 0.0, [], 0, "exact", "none", None, start,
                           "g <= 1 and k = 0: the only solution is the quiescent C = 0")
        tail = float(np.max(np.abs(sol.C[int(0.8 * sol.C.size):]))) / sol.C[0]
        if tail <= EXACT_DECAY or tau_max >= tau_cap:
            break
        tau_max = min(1.6 * tau_max, tau_cap)
    zero = np.zeros_like(sol.C)
    if tail > EXACT_DECAY:
        return _finish(params, rule, st, sol.tau, sol.C, zero, sol.Cx, zero, float("nan"), False,
                       "not_converged", tail, [], 0, "exact", "chaotic (g > 1)", None, start,
                       f"exact SCS solution truncated: |C|/C(0) = {tail:.2g} at the end of the window grown "
                       f"to tau_cap = {tau_cap:g} (g -> 1+: tau* ~ sqrt(3)/(g - 1), Eq. 13); raise tau_cap")
    res = _finish(params, rule, st, sol.tau, sol.C, zero, sol.Cx, zero, 0.0, True, "converged", tail, [],
                  0, "exact", "chaotic (g > 1)", None, start,
                  f"exact SCS solution (energy condition); window tau = {tau_max:g}, |C|/C(0) <= {tail:.1g} in its "
                  f"last fifth")
    # x is Gaussian with variance Delta_0: deterministic quantiles stand in for draws
    from scipy.stats import norm
    res.x_samples = math.sqrt(sol.Delta0) * norm.ppf((np.arange(4000) + 0.5) / 4000)
    return res


LOWER_BRANCH = "lower branch"      # how the message of a solve stuck on it starts


def _on_the_upper_branch(params, rule, st, seed, res, progress, start):
    """Below g = 1 and above k_c(g) the DMFT has two nontrivial solutions (Sec. IV C): the upper one, which networks
    realise, and a lower, unstable one (at g = 0.9, k = 1.6: C(0) = 0.68 and 0.214).  The cold start usually finds
    the upper one, but not always (measured: one seed of six at h = 0.1, one of four at h = 0.2 settled on 0.214).
    So one replica is re-solved from the answer raised to C(0) = 0.8 (the cold start's height); if it settles
    clearly higher (C(0) 1.5 times the answer's or more), the solve is repeated warm-started from there, and if that
    lands low again the answer is reported not converged."""
    st = replace(st, h=resolved_step(st, params, rule))
    problem = _AutocovarianceProblem(params, rule, st, np.random.default_rng(None if seed is None else seed + 7919))
    window = (float(res.tau[-1]), res.tau.size)
    x0 = res.C * (0.8 / res.C0)                      # the answer's shape, raised to the cold start's height
    x0 = np.concatenate([x0, x0]) if rule.uses_cross_covariance else x0
    probe = Driver(problem, replace(st, max_evaluations=len(res.residual_history) + 60), list(res.residual_history),
                   progress_bar(None, False))
    try:
        x, window, _, _, _, how = probe.converge(x0, window, st.n_samples)
    except BudgetExhausted:
        return res
    C_high = x[:window[1]]
    if how != "solved" or C_high[0] < 1.5 * res.C0:
        return res
    h = window[0] / (window[1] - 1)
    upper = replace(res, tau=h * np.arange(window[1]), C=C_high)
    retry = _solve_monte_carlo(params, rule, st, seed, upper, progress, start)
    if retry.status in ("converged", "not_converged") and retry.C0 >= 1.5 * res.C0:
        retry.message += f"; a first solve had settled on the lower branch (C(0) = {res.C0:.4g}), re-solved from above"
        retry.iterations += res.iterations + probe.iterations
        return retry
    res.converged, res.status = False, "not_converged"
    res.message = (f"{LOWER_BRANCH}: the solve settled on C(0) = {res.C0:.4g} while a replica started high settled "
                   f"on {C_high[0]:.4g} (Sec. IV C: below g = 1 the upper solution is the one networks realise); a "
                   f"solve warm-started there ended {retry.status} with C(0) = {retry.C0:.4g}")
    return res


GUESS_SPREAD_FACTOR = 5.0   # allowed initial-guess dependence, in units of the target standard error
NEAR_MARGINAL = "near-marginal self-consistency"     # how such a verdict's message starts


def _initial_guess_dependence(driver, engine, x_solved, window):
    """max |C_a - C_b| between a replica's solution and the same replica (same random numbers) re-solved from
    a guess that decays 1.5x faster."""
    n_lag = window[1]
    C_solved = x_solved[:n_lag]
    faster = np.interp(1.5 * np.arange(n_lag), np.arange(n_lag), C_solved, right=0.0)
    try:
        x_alt, _, _, its, _ = driver.anderson(engine, np.concatenate([faster, x_solved[n_lag:]]))
    except BudgetExhausted as stop:           # the solve's verdict needs the window of the last iterate
        raise BudgetExhausted(stop.x, window) from None
    driver.iterations += its
    return float(np.max(np.abs(x_alt[:n_lag] - C_solved)))


class _AutocovarianceProblem:
    """The stationary self-consistency C = F(C) [Eqs. 6-8] as a problem for :class:`dmft.numerics.driver.Driver`.

    The iterate is C on the lag grid of the window (tau_max, n_lag), followed by the pre/post cross-covariance
    for rules that need it (App. A); the residual measures C.  The window grows 1.6x at a time; past 1000 lags
    the step grows with it (up to h_max), since a slowly decaying C needs a long window but no finer
    resolution.  Past tau_cap the driver's verdict is "cap"."""

    value_key, target_index = "C", 0

    def __init__(self, params, rule, st, rng):
        self.params, self.rule, self.st, self.rng = params, rule, st, rng

    def engine(self, window, n_paths):
        tau_max, n_lag = window
        t_rec = self.st.t_record or max(200.0, 4.0 * tau_max)
        site = SingleSite(self.params, self.rule, tau_max / (n_lag - 1), n_paths, t_rec, self.st.block, self.rng,
                          tau_max)
        # the cold start (fewer paths) lets its cut follow the iterate's growing tail and asks for a longer window
        # earlier (significant C past 70% of it, against 80% for a replica), so that the window is settled before
        # the replicas start: a window grown later discards their work.  (Its significance threshold stays at 4
        # standard errors: a lower one finds noise "significant" somewhere in hundreds of lags and grows the
        # window to its cap, a false diverging timescale.)
        if n_paths < self.st.n_samples:
            site.taper_grows = True
            site.window_fill = 0.7
        return site

    def evaluate(self, engine, x):
        n = engine.n_lag
        if x.size not in (n, 2 * n):
            raise ValueError(f"C has {x.size} lags, the engine was built for {n}")
        C_in = x[:n]
        out = engine.run(C_in, x[n:] if x.size > n else None)
        F = out["C"] if x.size == n else np.concatenate([out["C"], out["cross"]])
        return Evaluation(F=F, scale=max(C_in[0], out["C"][0], 1e-12), n_measured=n,
                          trivial=bool(out["C"][0] < 1e-4 and C_in[0] < 1e-3),
                          truncated=bool(out["significant"] > engine.window_fill * n), out=out)

    def pool_engine(self, engines, window, n_paths):
        """One engine on the random numbers of ``engines`` (solved replicas of this window), first n_paths paths."""
        if sum(e.S for e in engines) < n_paths:
            return None
        pooled = self.engine(window, n_paths)
        pooled.pool_noise([e.noise_key() for e in engines])
        return pooled

    @staticmethod
    def admissible(x):
        return x[0] > 0

    def grow(self, x, window):
        tau_max, n = window
        new_tau_max = 1.6 * tau_max
        if new_tau_max > self.st.tau_cap:
            return None
        h_old = tau_max / (n - 1)
        h_new = max(h_old, min(self.st.h_max, new_tau_max / 1000.0))
        n_new = int(round(new_tau_max / h_new)) + 1
        # regrid onto the new window, continuing the tail with its own decay rate
        parts = [_extend(x[i:i + n], h_old, n_new, h_new) for i in range(0, x.size, n)]
        return np.concatenate(parts), ((n_new - 1) * h_new, n_new)

    @staticmethod
    def regrid(values, old, new):
        return _regrid(values, old[0] / (old[1] - 1), new[1], new[0] / (new[1] - 1))

    @staticmethod
    def record(ev, window):
        h = window[0] / (window[1] - 1)
        return dict(C=ev.out["C"], tau_star=tau_star(ev.out["C"], h), taper=ev.out["taper"])

    @staticmethod
    def warm_start(x, mean):
        return np.concatenate([mean, x[mean.size:]])


def near_transition_timescale(params, rule) -> Optional[float]:
    """The decay time of C near a continuous transition to chaos, sqrt(3)/gamma in the sense of Eq. 13, when
    (params, rule) are within gamma < 0.5 of one; None otherwise.

    Hebbian rule (and the rules of App. A whose kernel has static weight k, or 0): gamma = (g - 1)/(1 - k)
    for 1 < g < 1.5, k < 1 [Eq. 13].  Stern network [Eq. 11] with s < 1:
    (1 - s + d/dt) x = eta + s (phi(x) - x), so in the time (1 - s) t it is the same transition at the
    effective gain g/(1 - s): gamma = g/(1 - s) - 1, and the timescale is stretched by 1/(1 - s).
    There the self-consistency has a mode with eigenvalue 1 - O(gamma^2): the solver's near-marginal guard
    applies, and a window that reaches its cap means "not resolved", not a diverging timescale."""
    if rule.name in ("hebbian", "pre_post", "inverse_gamma", "delayed", "presynaptic") and 1.0 < params.g < 1.5:
        # the kernel's static weight is k (Hebbian-like rules; the delayed rule's two terms cancel to 0, and
        # the presynaptic rule acts through a constant input): gamma = (g - 1)/(1 - weight) [Eq. 13]
        weight = params.k if rule.name in ("hebbian", "pre_post", "inverse_gamma") else 0.0
        return math.sqrt(3.0) * (1.0 - weight) / (params.g - 1.0) if weight < 1.0 else None
    if rule.name == "stern" and rule.s < 1.0:
        gamma = params.g / (1.0 - rule.s) - 1.0
        return math.sqrt(3.0) / (gamma * (1.0 - rule.s)) if 0.0 < gamma < 0.5 else None
    return None


def _early_exit(params, rule, st, h, C, out, res, how, history, iterations, branch, seed, start):
    n_lag = C.size
    tau = h * np.arange(n_lag)
    nan = np.full(n_lag, np.nan)
    if how == "trivial":
        zero = np.zeros(n_lag)
        return _finish(params, rule, st, tau, zero, zero, zero, zero, float("nan"), False,
                       "no_dynamic_solution", res, history, iterations, "monte_carlo", "none", seed, start,
                       "the iteration decays to the quiescent solution C = 0: no dynamic (chaotic) "
                       "solution was found from the large-C initial guess")
    K = out["K"] if out["K"].size == n_lag else nan
    where = f"C(tau) has not decayed within tau = {tau[-1]:.0f} with the window grown to the cap tau_cap = {st.tau_cap:g}"
    if near_transition_timescale(params, rule) is not None or (rule.name == "stern" and rule.s <= 1.0):
        # a continuous transition has a finite timescale on the chaotic side: the iteration did not resolve it
        return _finish(params, rule, st, tau, C, nan, nan, K, float("nan"), False, "not_converged", res, history,
                       iterations, "monte_carlo", branch, seed, start,
                       f"timescale not resolved: {NEAR_MARGINAL} close to the continuous transition (the timescale "
                       f"is finite there, but the self-consistency is marginal to O(gamma^2)): {where}")
    return _finish(params, rule, st, tau, C, nan, nan, K, float("nan"), False, "diverging_timescale", res, history,
                   iterations, "monte_carlo", branch, seed, start, f"{where}: " + _diverging_meaning(params, rule))


def _diverging_meaning(params, rule) -> str:
    """What a timescale beyond the window cap means for this rule and these parameters."""
    if rule.name == "stern":      # s > 1 here (s <= 1 is reported as not converged)
        eta_m = math.sqrt(rule.s * (rule.s - 1)) - math.acosh(math.sqrt(rule.s))
        return (f"tau* exceeds the cap; with s = {rule.s:g} > 1 each neuron is bistable (half-width "
                f"{eta_m:.3g} of its field), and a field too weak to switch it freezes the dynamics")
    if rule.name == "hebbian" and params.k > 0:
        return "tau* diverges (the hatched, large-k region of Fig. 1b)"
    return "tau* diverges or exceeds the cap"


def _solve_monte_carlo(params, rule, st, seed, init, progress, start):
    st = replace(st, h=resolved_step(st, params, rule))       # recorded in the result's settings
    history = []
    bar = progress_bar(None, progress, desc="dmft", total=st.min_replicas * 12, auto=True)
    try:
        return _solve_monte_carlo_budgeted(params, rule, st, seed, init, start, history, bar)
    except BudgetExhausted as stop:
        tau_max, n_lag = stop.window
        tau, nan = tau_max / (n_lag - 1) * np.arange(n_lag), np.full(n_lag, np.nan)
        near = near_transition_timescale(params, rule) is not None
        return _finish(params, rule, st, tau, stop.x[:n_lag], nan, nan, nan, float("nan"), False, "not_converged",
                       history[-1] if history else float("nan"), history, len(history), "monte_carlo",
                       "chaotic (g > 1)" if params.g > 1 else "large-s", seed, start,
                       f"evaluation budget exhausted: {len(history)} evaluations of the single-site map "
                       f"(max_evaluations = {st.max_evaluations}) without meeting tol = {st.tol:g}"
                       + (f"; {NEAR_MARGINAL} close to the continuous transition" if near else ""))
    finally:
        bar.close()


def _starting_point(params, rule, st, init):
    """The initial C, its window (tau_max, n_lag) and the settings with the automatic window cap filled in."""
    h = st.h
    settings_cap = st.tau_cap
    if st.tau_cap is None:
        st = replace(st, tau_cap=max(500.0, 40.0 * params.p))
    if rule.name in P_KERNEL_RULES:
        st = replace(st, h_max=max(h, min(st.h_max, params.p / 5)))
    tau_max = st.tau_max or max(40.0, 8.0 * params.p)
    slow = near_transition_timescale(params, rule)
    if slow is not None:
        # near the continuous transition C decays on this timescale [Eq. 13]: a window that truncates it
        # admits spurious, faster-decaying fixed points
        tau_max = max(tau_max, 6.0 * slow)
        if settings_cap is None:
            st = replace(st, tau_cap=max(st.tau_cap, 1.7 * tau_max))
    if isinstance(init, DMFTResult):
        # the cold start's window, or more if the solution it starts from reaches further (see WARM_WINDOW)
        tau_max = st.tau_max or max(tau_max, min(float(init.tau[-1]), WARM_WINDOW * _extent(init, rule)))
        h = max(h, min(init.tau_step, st.h_max))
        n_lag = int(round(tau_max / h)) + 1
        C = _regrid(init.C, init.tau_step, n_lag, h)
    elif init is not None:
        C = np.asarray(init, dtype=float)
        n_lag = C.size
        tau_max = (n_lag - 1) * h
    else:
        h = max(h, min(st.h_max, tau_max / 1000.0))
        n_lag = int(round(tau_max / h)) + 1
        C = _initial_guess(params, rule, h, tau_max)
    return C, (tau_max, n_lag), st


# A warm start's window is this many times the extent of the solution it starts from (see _extent), not that
# solution's whole window: a window grown on the way to a slow solution (or the exact k = 0 solution's 100 time
# units) would otherwise be inherited by every later point of a sweep, at a cost that grows with it (the lags of the
# history and the recorded time, max(200, 4 tau_max), both grow).  A replica asks for a longer window when C is
# significant past 80% of it, so 2x leaves room for the neighbour's C to reach 1.6x further.
WARM_WINDOW = 2.0


def _extent(res: DMFTResult, rule: PlasticityRule) -> float:
    """The lag up to which the connected part of ``res.C`` is significant in the sense the engine uses to ask for a
    longer window (above 4 standard errors and 2% of its value at 0, see :meth:`SingleSite.run`)."""
    C = np.asarray(res.C, dtype=float)
    level = float(np.mean(C[int(0.9 * C.size):])) if rule.name == "presynaptic" else 0.0
    conn = C - level
    err = np.zeros_like(C) if res.C_err is None else np.nan_to_num(np.asarray(res.C_err, dtype=float))
    big = np.nonzero(np.abs(conn) > np.maximum(4 * err, 0.02 * abs(conn[0])))[0]
    return float(res.tau[big[-1]]) if big.size else 0.0


def _solve_monte_carlo_budgeted(params, rule, st, seed, init, start, history, bar):
    if rule.name in P_KERNEL_RULES and st.h > params.p / 5:
        raise ValueError(f"step h = {st.h} is too coarse for p = {params.p}: need h <= p/5 "
                         f"so that the kernel e^(-u/p) is resolved")
    rng = np.random.default_rng(seed)
    C, window, st = _starting_point(params, rule, st, init)
    x = np.concatenate([C, C]) if rule.uses_cross_covariance else C
    branch = "chaotic (g > 1)" if params.g > 1 else "large-s"
    near_critical = near_transition_timescale(params, rule) is not None and not (
        rule.name == "hebbian" and params.k == 0.0)
    problem = _AutocovarianceProblem(params, rule, st, rng)

    def early_exit(x, window, ev, res, how, iterations):
        h = window[0] / (window[1] - 1)
        how = "diverging_timescale" if how == "cap" else how
        return _early_exit(params, rule, st, h, x[:window[1]], ev.out, res, how, history, iterations, branch,
                           seed, start)

    iterations = 0
    if not isinstance(init, DMFTResult):
        # Cold start: approach the solution cheaply with a quarter of the paths and a looser
        # tolerance (window growth happens here too); the replicas then start close to it.
        # Far from the solution the map is strongly nonlinear: damped steps and a short Anderson memory
        # (measured: fewer iterations than memory 5 at g = 2-4, k = -5..2, p = 2.5-20).
        coarse = replace(st, n_samples=max(32, st.n_samples // 4), tol=4 * st.tol, mixing=min(st.mixing, 0.5),
                         anderson_memory=min(st.anderson_memory, 2))
        cold = Driver(problem, coarse, history, bar)
        x, window, _, ev, res, how = cold.converge(x, window, coarse.n_samples)
        iterations = cold.iterations
        if how in TERMINAL:
            return early_exit(x, window, ev, res, how, iterations)
    driver = Driver(problem, st, history, bar)
    driver.iterations = iterations
    x, window, replicas, engine, ev, how = driver.replicas(x, window)
    if how in TERMINAL:
        return early_exit(x, window, ev, driver.residuals[-1], how, driver.iterations)
    guess_spread = None
    if near_critical:
        # the last replica's solution, on its own random numbers
        last = np.concatenate([replicas[-1]["C"], x[window[1]:]])
        guess_spread = _initial_guess_dependence(driver, engine, last, window)
    # The answer: one more solve on as many paths as all the replicas together (their random numbers).  A
    # replica's fixed point is biased in the slow tail by its own noise, fed back through the near-marginal
    # modes and cut by the noise window, by an amount that falls with the paths per solve; at g = 2, k = 1
    # the mean of 4 x 256-path replicas had C(20) 12% low (5 standard errors over three seeds), the 1024-path
    # solve was within its error bars.  The replicas' spread still gives the statistical error.
    x, window, ev, how, n_pool = driver.pooled(x, window, replicas)
    bar.close()
    if how in TERMINAL:
        return early_exit(x, window, ev, driver.residuals[-1], how, driver.iterations)
    out = ev.out
    n_lag = window[1]
    h = window[0] / (n_lag - 1)
    C_fin = out["C"]
    # the standard error of a solve on n_pool paths (not of all the replicas' paths, which may be more)
    C_err = weighted_replicas(replicas, n_paths=n_pool)[1]
    C_err = tail_error(C_err, out["sem"], out["taper"], replicas)
    R = len(replicas)
    Cx_fin = per_path_autocovariance(out["x"], n_lag).mean(axis=1)
    # draws of x for averages over x (Eq. 21): ~100 times on n_samples paths, as many as one replica has, so
    # that the cost of those averages does not grow with the pooled paths
    x_samples = out["x"][:: max(1, out["x"].shape[0] // 100), :st.n_samples].ravel()[:50000]
    ts_err = float(weighted_replicas(replicas, key="tau_star", n_paths=n_pool)[1])
    tau = h * np.arange(n_lag)
    C_cross = x[n_lag:] if rule.uses_cross_covariance else None
    K_fin = rule.kernel(params, tau, C_fin, C_cross)
    _check_physical(C_fin, C_err, "DMFT solution")
    _check_spectrum(C_fin, C_err, h, sampler_negativity=out["spectrum_negativity"])
    se_ok = C_err[0] <= st.target_rel_err * C_fin[0] * (1 + 1e-9)
    # near g = 1 the map is marginal in the timescale direction: a replica stopped at tol can sit far from its
    # fixed point.  If restarting it from a faster-decaying guess lands elsewhere, the answer is not converged.
    guess_ok = guess_spread is None or guess_spread <= GUESS_SPREAD_FACTOR * st.target_rel_err * C_fin[0]
    all_solved = driver.all_solved
    converged = bool(se_ok and all_solved and guess_ok)
    resid = float(max(driver.residuals))
    if not guess_ok:
        status = "not_converged"
        message = (f"{NEAR_MARGINAL} (g -> 1+): restarting a replica from a faster-decaying guess "
                   f"moved C by {guess_spread / C_fin[0]:.2g} C(0) (allowed "
                   f"{GUESS_SPREAD_FACTOR * st.target_rel_err:.2g} C(0)); the timescale is not resolved. "
                   f"Eq. 13 gives the leading order as g -> 1+")
    elif converged:
        status = "converged"
        message = (f"solved on {n_pool} paths to rms|F(C) - C|/C0 < {st.tol:g}; error from {R} replicas: "
                   f"SE(C0)/C0 = {C_err[0] / C_fin[0]:.2e}")
    else:
        status = "not_converged"
        message = (f"{R} replicas; all solved: {all_solved} (worst residual {resid:.2e}, tol {st.tol:g}); "
                   f"SE(C0)/C0 = {C_err[0] / C_fin[0]:.2e} (target {st.target_rel_err:g})")
    res = _finish(params, rule, st, tau, C_fin, C_err, Cx_fin, K_fin, ts_err, converged,
                  status, resid, history, driver.iterations, "monte_carlo", branch, seed, start, message)
    res.x_samples = x_samples
    return res


def _check_spectrum(C, C_err, h, sampler_negativity: float = 0.0):
    """The Fourier transform of an autocovariance is non-negative (Bochner): allow noise and a
    0.1% floor for the truncation of C at the end of the window.

    ``sampler_negativity`` is the most negative circulant eigenvalue (relative to the largest) that the
    Gaussian-field sampler clipped to zero in the last evaluation [Eq. 7]: a clip beyond the same
    allowance means the fields were not drawn with the covariance g^2 C, and is an error too."""
    C = C - np.mean(C[int(0.9 * C.size):])   # a plateau (constant input, Eq. A7) is a delta at f = 0
    w = np.ones_like(C)
    w[0] = 0.5
    nfft = scipy.fft.next_fast_len(4 * C.size)
    Chat = 2 * h * scipy.fft.rfft(w * C, n=nfft).real
    noise = 2 * h * np.sqrt(np.sum((w * C_err) ** 2)) * 2
    allowed = 5 * noise + 1e-3 * Chat.max()            # 0.1% floor: window truncation
    if Chat.min() < -allowed:
        raise UnphysicalSolutionError(
            f"the power spectrum of C is negative beyond noise (min {Chat.min():.3g}, noise {noise:.3g})")
    if sampler_negativity < -allowed / Chat.max():
        raise UnphysicalSolutionError(
            f"the Gaussian-field sampler clipped a negative circulant eigenvalue of {sampler_negativity:.3g} "
            f"(relative to the largest) beyond noise ({allowed / Chat.max():.3g}): the fields would not have "
            f"the covariance g^2 C")
