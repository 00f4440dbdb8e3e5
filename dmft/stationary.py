"""Stationary single-site DMFT: the autocovariance C(tau) at any (g, k, p) [Eqs. 6-8].

Method (App. C 1, with the leak folded into the kernel)
-------------------------------------------------------
Write the single-site equation as x = xi + G * psi + I, where xi = (1 + d/dt)^{-1} eta is Gaussian
with spectrum g^2 C^(omega) / (1 + omega^2) and G(u) = int_0^u e^{-(u-v)} K(v) dv + s e^{-u}
(K from the plasticity rule, s the instantaneous self-coupling of Eq. 11, I the constant input
of Eq. A7).  Each iteration

1. samples S paths of xi by FFT (Hermitian-symmetric Fourier coefficients, :mod:`dmft.gp`), exactly
   at the grid points: no time-stepping error in the Gaussian part;
2. solves the causal recursion x_n = xi_n + I + h sum_m c_m G_m psi(x_{n-m}) with trapezoid
   weights c_m (G(0) = 0 for every plasticity kernel, so the scheme is explicit), blocked so that
   the long history sum is a BLAS-3 product (:mod:`dmft.volterra`);
3. estimates C(tau) from the paths by FFT, with phi(xi), whose mean is known exactly, as a
   control variate.

With its random numbers held fixed (a "replica"), this map is smooth, and Anderson mixing drives it
to its fixed point F(C) = C to a set tolerance.  Independent replicas are solved until their spread
gives SE(C0) below the target; the answer is then one more solve on all their paths together,
because a single solve's noise biases its slow tail by an amount that falls with its paths.  A cold
start first approaches the solution with a quarter of the paths.  The lag window grows when C has not
decayed inside it; a window that keeps growing past ``tau_cap`` is reported as a diverging
timescale (the large-k region of Fig. 1b; for the Stern network with s > 1, frozen bistable neurons)
rather than iterated forever, except close to a continuous transition, where the timescale is finite and
the verdict is "not converged" (:func:`near_transition_timescale`).  A replica is solved when both its
residual and its quasi-Newton step are below ``tol``; a solve stops after ``max_evaluations``.

k = 0 with the Hebbian rule is solved exactly instead (:mod:`dmft.scs`).
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Optional

import numpy as np
import scipy.fft
from scipy import signal

from .gp import circulant_spectrum, fields_from_coefficients, gaussian_coefficients
from .kernels import HEBBIAN, PlasticityRule
from .observables import (per_path_autocovariance, power_spectrum, synaptic_timescale, tau_star,
                          zero_crossing_frequency)
from .params import Params
from .progress import progress_bar
from .scs import scs_solution
from .volterra import causal_recursion, history_matrix


class UnphysicalSolutionError(RuntimeError):
    """The solver produced something that cannot be an autocovariance (NaN, |C(tau)| > C(0),
    a negative power spectrum beyond noise)."""


@dataclass(frozen=True)
class SolverSettings:
    """Numerical settings of :func:`solve`.

    h           : time step of the single-site paths and lag grid (initial).
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

    h: float = 0.1
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
            if v is None and name in ("tau_max", "tau_cap", "t_record"):
                continue                  # automatic
            if isinstance(v, bool) or not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                raise ValueError(f"{name} must be a positive finite number, got {v!r}")
        if self.tau_max is not None and self.tau_max < 10 * self.h:
            raise ValueError(f"tau_max = {self.tau_max} must span at least 10 steps h = {self.h}")
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


# ----------------------------------------------------------------------------- helpers
def leak_folded_kernel(K: np.ndarray, h: float, s_inst: float = 0.0, extra: int = 0) -> np.ndarray:
    """G on the lag grid: G(u) = int_0^u e^{-(u-v)} K(v) dv + s e^{-u}, with K piecewise linear
    between grid points (exact exponential integration of each piece).  ``extra`` points are
    appended past the kernel's end, where G decays as e^{-u}."""
    e = math.exp(-h)
    a2 = (h - 1.0 + e) / h          # int_0^h e^{-(h-r)} (r/h) dr
    a1 = (1.0 - e) - a2             # int_0^h e^{-(h-r)} (1 - r/h) dr
    Kx = np.concatenate([K, np.zeros(extra)])
    forcing = np.zeros_like(Kx)
    forcing[1:] = a1 * Kx[:-1] + a2 * Kx[1:]
    forcing[0] = s_inst
    return signal.lfilter([1.0], [1.0, -e], forcing)


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


# ----------------------------------------------------------------------------- engine
class _SingleSite:
    """The single-site map C -> C_out for one fixed set of random numbers ("common random
    numbers"): with the Gaussian coefficients z held fixed, the sampled fields depend smoothly on
    C, so C_out = F(C) is a deterministic function that a root finder can drive to F(C) = C.
    Different replicas (different z) give independent solutions whose spread is the
    statistical error."""

    def __init__(self, params, rule, h, n_samples, t_record, block, rng, tau_max):
        self.params, self.rule, self.h = params, rule, h
        self.S, self.block, self.rng = n_samples, block, rng
        self.n_rec = int(round(t_record / h))
        nl = params.nonlinearity
        self.phi, self.dphi = nl.phi, nl.dphi
        self.psi_of_phi = rule.psi()
        # Everything that fixes the random numbers' meaning is set here, independent of C, so
        # that the map C -> F(C) is smooth for a fixed replica.
        self.n_lag = int(round(tau_max / h)) + 1
        reach = rule.kernel_reach(params)
        extra = int(round(20.0 / h))          # G decays like e^{-u} past the kernel
        self.M = self.n_lag + extra if math.isinf(reach) else min(self.n_lag + extra, int(round(reach / h)))
        self.burn = max(self.M, int(round(30.0 / h)))
        self.n_t = self.burn + self.n_rec
        self.period = scipy.fft.next_fast_len(max(self.n_t, 2 * self.n_lag))
        self.taper = None
        self.cut = None
        self._z = None

    def new_noise(self):
        """Draw a fresh set of random numbers (a new replica); the taper is chosen anew."""
        self._z = None
        self.taper = None
        self.cut = None

    def _noise(self):
        if self._z is None:
            self._z = gaussian_coefficients(self.period, self.S, self.rng)
            self._static = self.rng.standard_normal(self.S)
        return self._z

    def fields(self, C: np.ndarray):
        """The driving fields of this replica for the input C: xi = (1 + d/dt)^{-1} eta with <eta eta> = g^2 C
        [Eq. 7], sampled exactly on the grid from the circulant embedding (its covariance is
        g^2 C filtered by 1/(1 + omega^2)).

        A rule with a constant input (Eq. A7) breaks x -> -x: C then tends to a plateau <phi>^2 and eta has a
        static part of variance g^2 <phi>^2 (constant along a path).
        Returns (xi of shape (burn + recorded steps, paths), circulant eigenvalues, plateau, negativity), where
        negativity is the most negative circulant eigenvalue relative to the largest (0 if none): those
        eigenvalues are clipped to 0 to sample, and :func:`_check_spectrum` judges the clipped amount."""
        p, n_lag = self.params, C.size
        plateau = max(float(np.mean(C[int(0.9 * n_lag):])), 0.0) if self.rule.name == "presynaptic" else 0.0
        lam, worst = circulant_spectrum(p.g ** 2 * (C - plateau), self.period, self.h,
                                        transfer=lambda om: 1.0 / (1.0 + om ** 2))
        xi = fields_from_coefficients(lam, self._noise(), self.period)[:self.n_t]
        if plateau > 0:
            xi += p.g * math.sqrt(plateau) * self._static
        return xi, lam, plateau, worst

    def run(self, C: np.ndarray, C_cross: Optional[np.ndarray]):
        """One evaluation of the map: returns dict with C (the output), sem, cross, K and the recorded
        paths x (for C^x and draws of x once the replica is solved)."""
        p, rule, h = self.params, self.rule, self.h
        n_lag = C.size
        if n_lag != self.n_lag:
            raise ValueError(f"C has {n_lag} lags, the engine was built for {self.n_lag}")
        tau = h * np.arange(n_lag)
        K = rule.kernel(p, tau, C, C_cross)
        I = rule.constant_input(p, tau, C)
        s_inst = rule.instantaneous()
        G = leak_folded_kernel(K, h, s_inst, extra=max(0, self.M + 1 - n_lag))
        w = h * G[:self.M + 1]
        c0 = 0.5 * w[0]
        burn = self.burn
        xi, lam, plateau, worst = self.fields(C)
        if self.rule.name == "pre_post":
            f_post = self.psi_of_phi
            psi = lambda x: f_post(self.phi(x))  # noqa: E731
            dpsi = None
        else:
            psi, dpsi = self.phi, self.dphi
        x, _ = causal_recursion(xi, w, psi, dpsi=dpsi, c0=c0, const=I, block=self.block,
                                T_hist=history_matrix(w, self.block))
        x = x[burn:]
        ph = self.phi(x)
        # Control variate: phi(xi) has the exactly known autocovariance E[phi(z1) phi(z2)] with
        # (z1, z2) Gaussian of covariance C_xi (the circulant's own covariance); its sample
        # fluctuations track those of phi(x).  For k = 0 the estimator is exact.
        C_xi = scipy.fft.irfft(lam, n=self.period)[:n_lag] + p.g ** 2 * plateau
        a = per_path_autocovariance(ph, n_lag)
        b = per_path_autocovariance(self.phi(xi[burn:]), n_lag)
        C_est, sem = control_variate_mean(a, b, gaussian_pair_table(self.phi, C_xi))
        # The taper is fixed at a replica's first evaluation, so that its map stays smooth; the
        # input's own significant extent counts too, so a good warm start is not cut back.
        level = float(np.mean(C_est[int(0.9 * n_lag):])) if plateau > 0 else 0.0
        conn = C_est - level                       # the connected (decaying) part
        if self.taper is None:
            self.cut = max(noise_cut(conn, sem), noise_cut(C - plateau, sem))
            self.taper = cosine_taper(n_lag, self.cut)
        big = np.nonzero(np.abs(conn) > np.maximum(4 * sem, 0.02 * abs(conn[0])))[0]
        C_est = level + conn * self.taper
        cross = None
        if self.rule.uses_cross_covariance:
            fpre = self.rule.f_pre_fn()(ph)
            cross = per_path_autocovariance(fpre, n_lag, other=ph).mean(axis=1)
        return dict(C=C_est, sem=sem, taper=self.taper, cross=cross, K=K, x=x,
                    significant=int(big[-1]) + 1 if big.size else 0, spectrum_negativity=worst)


def gaussian_pair_table(phi, cov: np.ndarray, n_nodes: int = 49) -> np.ndarray:
    """E[phi(z1) phi(z2)] for Var z = cov[0], Cov = cov[tau].

    The average is an analytic function of the covariance on [-Var, Var] (its derivatives are the
    averages of derivatives, Price's theorem), so Chebyshev interpolation converges geometrically:
    49 nodes give ~1e-10 for Var z = 6 and ~3e-8 for Var z = 15 (tanh)."""
    from numpy.polynomial import chebyshev

    from .gaussian import pair_avg

    v = float(cov[0])
    nodes = np.cos(np.pi * (np.arange(n_nodes) + 0.5) / n_nodes)
    coef = chebyshev.chebfit(nodes, pair_avg(phi, phi, v, v, v * nodes), n_nodes - 1)
    return chebyshev.chebval(np.clip(cov / v, -1.0, 1.0), coef)


def control_variate_mean(a: np.ndarray, b: np.ndarray, b_mean: np.ndarray):
    """Mean over columns of ``a`` with the control ``b`` (known mean ``b_mean``) removed at the
    regression-optimal coefficient per row; returns (estimate, standard error)."""
    S = a.shape[1]
    da = a - a.mean(axis=1, keepdims=True)
    db = b - b.mean(axis=1, keepdims=True)
    var_b = np.einsum("ij,ij->i", db, db)
    beta = np.where(var_b > 0, np.einsum("ij,ij->i", da, db) / np.where(var_b > 0, var_b, 1.0), 0.0)
    est = a.mean(axis=1) - beta * (b.mean(axis=1) - b_mean)
    resid = da - beta[:, None] * db
    sem = np.sqrt(np.einsum("ij,ij->i", resid, resid) / (S - 1) / S)
    return est, sem


def noise_cut(C: np.ndarray, sem: np.ndarray, n_sigma: float = 4.0) -> int:
    """One past the last lag where |C| exceeds ``n_sigma`` standard errors (all lags when the
    estimate is noise-free, as for k = 0 with the control variate)."""
    sig = np.nonzero(np.abs(C) > np.maximum(n_sigma * sem, 1e-15 * abs(C[0])))[0]
    return int(sig[-1]) + 1 if sig.size else 1


def cosine_taper(n: int, cut: int) -> np.ndarray:
    """Lag window: 1 up to ``cut``, a cosine roll-off over cut/10 lags, 0 after.

    Multiplying C by it removes the tail where C is below the sampling noise; without it the
    near-marginal low-frequency modes of the self-consistency amplify that noise."""
    width = max(4, cut // 10)
    taper = np.ones(n)
    end = min(n, cut + width)
    if end > cut:
        taper[cut:end] = 0.5 * (1 + np.cos(np.pi * (np.arange(end - cut) + 1) / (width + 1)))
    taper[end:] = 0.0
    return taper


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
        raise ValueError(f"rule must be a dmft.kernels.PlasticityRule, got {type(rule).__name__}")
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
    # Near g = 1 a replica stopped at tol can depend on where it started (see _initial_guess_dependence):
    # tighten the tolerance (up to twice, from the current answer) before reporting non-convergence.
    for _ in range(2):
        if not res.message.startswith(NEAR_MARGINAL):
            break
        # the retry gets what is left of the evaluation budget
        st = replace(st, tol=st.tol / 10, max_iter=2 * st.max_iter,
                     max_evaluations=max(1, st.max_evaluations - res.iterations))
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
        h = max(st.h, tau_max / 2000.0)
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


class _BudgetExhausted(Exception):
    """More evaluations of the single-site map than ``max_evaluations``; carries the last iterate."""

    def __init__(self, C, h):
        super().__init__("evaluation budget exhausted")
        self.C, self.h = C, h


def _anderson(engine, C, C_cross, st, history, bar, pairs=None):
    """Solve F(C) = C for one replica by Anderson-accelerated damped iteration.

    ``pairs`` holds the secant pairs (x_j - x_i, F(x_j) - x_j - F(x_i) + x_i) Anderson mixing uses;
    a caller may pass the list on to the next replica: the replicas' maps differ only by their random
    numbers, so the pairs still describe the Jacobian and the next replica starts with a quasi-Newton
    step instead of plain damping.  (A pair never straddles two replicas.)
    Returns (C, C_cross, last evaluation, residual, iterations, status) with status
    "solved", "not_converged", "trivial" or "grow" (C has not decayed inside the window)."""
    n_lag = C.size
    pairs = [] if pairs is None else pairs
    x = C if C_cross is None else np.concatenate([C, C_cross])
    prev = None
    out, res = None, float("nan")
    for it in range(1, st.max_iter + 1):
        if len(history) >= st.max_evaluations:
            raise _BudgetExhausted(x[:n_lag].copy(), engine.h)
        Cin = x[:n_lag]
        out = engine.run(Cin, None if C_cross is None else x[n_lag:])
        bar.update()
        Fx = out["C"] if C_cross is None else np.concatenate([out["C"], out["cross"]])
        if not np.all(np.isfinite(Fx)):
            raise UnphysicalSolutionError("single-site paths produced NaN (parameters out of range?)")
        f = Fx - x
        scale = max(Cin[0], out["C"][0], 1e-12)
        res = float(np.sqrt(np.mean(f[:n_lag] ** 2))) / scale
        history.append(res)
        if out["C"][0] < 1e-4 and Cin[0] < 1e-3:
            return x[:n_lag] * 0, None, out, res, it, "trivial"
        # C still sizeable near the end of the window: judged once the iterate has relaxed, and always
        # before a solution is accepted (a warm-started replica can be "solved" in one step on a window
        # that truncates C; the taper then hides the truncation)
        if out["significant"] > 0.8 * n_lag and (it >= 4 or res < st.tol):
            x_new = x + st.mixing * f
            return x_new[:n_lag], (None if C_cross is None else x_new[n_lag:]), out, res, it, "grow"
        if prev is not None:
            pairs.append((x - prev[0], f - prev[1]))
            del pairs[:-st.anderson_memory]
        prev = (x.copy(), f.copy())
        if pairs:
            dX = np.array([d[0] for d in pairs]).T
            dF = np.array([d[1] for d in pairs]).T
            gamma = np.linalg.lstsq(dF, f, rcond=None)[0]
            x_new = x + st.mixing * f - (dX + st.mixing * dF) @ gamma
        else:
            x_new = x + st.mixing * f
        if not np.all(np.isfinite(x_new)) or x_new[0] <= 0:
            x_new = x + st.mixing * f          # fall back to plain damping
            pairs.clear()
        # Solved when both the residual and the quasi-Newton step are below tol.  Along a slow mode of the map
        # (eigenvalue 1 - delta, delta ~ gamma^2 near g = 1 [Eq. 13]) the residual understates the distance to
        # the fixed point by 1/delta; the Anderson step, whose secant pairs see that mode, does not.
        step = float(np.sqrt(np.mean((x_new - x)[:n_lag] ** 2))) / scale
        if res < st.tol and step < st.tol:
            return x[:n_lag], (None if C_cross is None else x[n_lag:]), out, res, it, "solved"
        x = x_new
    return x[:n_lag], (None if C_cross is None else x[n_lag:]), out, res, st.max_iter, "not_converged"


GUESS_SPREAD_FACTOR = 5.0   # allowed initial-guess dependence, in units of the target standard error
NEAR_MARGINAL = "near-marginal self-consistency"     # how such a verdict's message starts


def _initial_guess_dependence(engine, C_solved, st, C_cross, history, bar):
    """max |C_a - C_b| between a replica's solution and the same replica (same random numbers) re-solved from
    a guess that decays 1.5x faster; returns (spread, iterations)."""
    n = C_solved.size
    faster = np.interp(1.5 * np.arange(n), np.arange(n), C_solved, right=0.0)
    C_alt, _, _, _, its, _ = _anderson(engine, faster, C_cross, st, history, bar)
    return float(np.max(np.abs(C_alt - C_solved))), its


def _weighted_replicas(replicas, key="C", n_paths=None):
    """Mean of the replicas' ``key`` weighted by their number of paths, and the standard error of an
    estimate made from ``n_paths`` paths (default: all the replicas' paths together), assuming each
    replica's variance is sigma^2 / (its paths).  Returns (mean, SE, R)."""
    w = np.array([r["weight"] for r in replicas], dtype=float)
    v = np.array([np.asarray(r[key], dtype=float) for r in replicas])
    W = w.sum()
    mean = np.tensordot(w, v, axes=1) / W
    R = len(replicas)
    if R < 2:
        return mean, np.full_like(mean, np.nan), R
    sigma2 = np.tensordot(w, (v - mean) ** 2, axes=1) / (R - 1)
    return mean, np.sqrt(sigma2 / (W if n_paths is None else n_paths)), R


def _tail_error(C_err, out, replicas):
    """The replica spread is no error estimate where the replicas' tapers cut C to zero (they all agree on
    zero there) while the pooled solve, with more paths, keeps it.  There the error is the pooled solve's
    sampling SE times the amplification by the self-consistency that the spread shows where every replica
    kept C (the median ratio of spread to sampling SE).  The same holds past the pooled solve's own cut,
    where it set C to zero (or to the plateau of Eq. A7) because it was below 4 such SE."""
    sem, taper = out["sem"], out["taper"]
    kept = np.ones(C_err.size, dtype=bool)
    for r in replicas:
        if r.get("taper") is not None and r["taper"].size == C_err.size:
            kept &= r["taper"] >= 1.0
    ok = kept & (sem > 0)
    amp = max(float(np.median(C_err[ok] / sem[ok])), 1.0) if ok.sum() > 10 else 1.0
    return np.where(kept & (taper >= 1.0), C_err, np.maximum(C_err, amp * sem))


def _converge_window(make_engine, st, C, C_cross, tau_max, history, bar, engine=None, pairs=None):
    """Solve one replica, growing the lag window while C has not decayed inside it.

    The window grows by 1.6x; past 1000 lags the step grows with it (up to min(0.25, p/5)),
    since a slowly decaying C needs a long window but no finer resolution.
    ``pairs``: Anderson secant pairs carried over from the previous replica (emptied when the window changes).
    Returns (C, C_cross, tau_max, engine, last evaluation, residual, iterations, how)."""
    pairs = [] if pairs is None else pairs
    engine = engine or make_engine(tau_max, C.size)
    iterations = 0
    while True:
        C, C_cross, out, res, its, how = _anderson(engine, C, C_cross, st, history, bar, pairs)
        iterations += its
        if how != "grow":
            return C, C_cross, tau_max, engine, out, res, iterations, how
        new_tau_max = 1.6 * tau_max
        if new_tau_max > st.tau_cap:
            return C, C_cross, tau_max, engine, out, res, iterations, "diverging_timescale"
        h_old = engine.h
        h_new = max(h_old, min(st.h_max, new_tau_max / 1000.0))
        n_new = int(round(new_tau_max / h_new)) + 1
        # regrid onto the new window, continuing the tail with its own decay rate
        C = _extend(C, h_old, n_new, h_new)
        if C_cross is not None:
            C_cross = _extend(C_cross, h_old, n_new, h_new)
        tau_max = (n_new - 1) * h_new
        engine = make_engine(tau_max, n_new)
        pairs.clear()                     # secant pairs of the old grid do not apply


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
    history = []
    bar = progress_bar(None, progress, desc="dmft", total=st.min_replicas * 12, auto=True)
    try:
        return _solve_monte_carlo_budgeted(params, rule, st, seed, init, start, history, bar)
    except _BudgetExhausted as stop:
        n_lag = stop.C.size
        tau, nan = stop.h * np.arange(n_lag), np.full(n_lag, np.nan)
        near = near_transition_timescale(params, rule) is not None
        return _finish(params, rule, st, tau, stop.C, nan, nan, nan, float("nan"), False, "not_converged",
                       history[-1] if history else float("nan"), history, len(history), "monte_carlo",
                       "chaotic (g > 1)" if params.g > 1 else "large-s", seed, start,
                       f"evaluation budget exhausted: {len(history)} evaluations of the single-site map "
                       f"(max_evaluations = {st.max_evaluations}) without meeting tol = {st.tol:g}"
                       + (f"; {NEAR_MARGINAL} close to the continuous transition" if near else ""))
    finally:
        bar.close()


def _solve_monte_carlo_budgeted(params, rule, st, seed, init, start, history, bar):
    h = st.h
    if rule.name in ("hebbian", "pre_post", "delayed") and h > params.p / 5:
        raise ValueError(f"step h = {h} is too coarse for p = {params.p}: need h <= p/5 "
                         f"so that the kernel e^(-u/p) is resolved")
    rng = np.random.default_rng(seed)
    settings_cap = st.tau_cap
    if st.tau_cap is None:
        st = replace(st, tau_cap=max(500.0, 40.0 * params.p))
    if rule.name in ("hebbian", "pre_post", "delayed"):
        st = replace(st, h_max=max(h, min(st.h_max, params.p / 5)))
    # --- initial C and window
    if isinstance(init, DMFTResult):
        tau_max = st.tau_max or max(float(init.tau[-1]), 30.0)
        h = max(h, min(init.tau_step, st.h_max))
        n_lag = int(round(tau_max / h)) + 1
        C = _regrid(init.C, init.tau_step, n_lag, h)
    elif init is not None:
        C = np.asarray(init, dtype=float)
        n_lag = C.size
        tau_max = (n_lag - 1) * h
    else:
        tau_max = st.tau_max or max(40.0, 8.0 * params.p)
        slow = near_transition_timescale(params, rule)
        if slow is not None:
            # near the continuous transition C decays on this timescale [Eq. 13]: a window that truncates it
            # admits spurious, faster-decaying fixed points
            tau_max = max(tau_max, 6.0 * slow)
            if settings_cap is None:
                st = replace(st, tau_cap=max(st.tau_cap, 1.7 * tau_max))
        h = max(h, min(st.h_max, tau_max / 1000.0))
        n_lag = int(round(tau_max / h)) + 1
        C = _initial_guess(params, rule, h, tau_max)
    C_cross = C.copy() if rule.uses_cross_covariance else None
    branch = "chaotic (g > 1)" if params.g > 1 else "large-s"
    near_critical = near_transition_timescale(params, rule) is not None and not (
        rule.name == "hebbian" and params.k == 0.0)

    def engine_for(tmax, n_lag, n_samples):
        hh = tmax / (n_lag - 1)
        t_rec = st.t_record or max(200.0, 4.0 * tmax)
        return _SingleSite(params, rule, hh, n_samples, t_rec, st.block, rng, tmax)

    replicas, residuals = [], []
    iterations = 0
    if not isinstance(init, DMFTResult):
        # Cold start: approach the solution cheaply with a quarter of the paths and a looser
        # tolerance (window growth happens here too); the replicas then start close to it.
        # Far from the solution the map is strongly nonlinear: damped steps and a short Anderson memory
        # (measured: fewer iterations than memory 5 at g = 2-4, k = -5..2, p = 2.5-20).
        coarse = replace(st, n_samples=max(32, st.n_samples // 4), tol=4 * st.tol, mixing=min(st.mixing, 0.5),
                         anderson_memory=min(st.anderson_memory, 2))
        C, C_cross, tau_max, _, out, res, its, how = _converge_window(
            lambda tm, nl: engine_for(tm, nl, coarse.n_samples), coarse, C, C_cross, tau_max, history, bar)
        iterations += its
        if how in ("trivial", "diverging_timescale"):
            bar.close()
            return _early_exit(params, rule, st, tau_max / (C.size - 1), C, out, res, how, history, iterations,
                               branch, seed, start)
    engine = None
    all_solved = True
    n_samples = st.n_samples
    pairs = []        # Anderson secant pairs, passed from replica to replica

    def solve_once(n_paths, engine):
        """Solve on ``n_paths`` paths (the window may grow, and then the replicas so far are regridded);
        returns the last evaluation, the engine and how it ended."""
        nonlocal C, C_cross, tau_max, h, replicas, iterations, all_solved
        n_before = C.size
        C, C_cross, tau_max, engine, out, res, its, how = _converge_window(
            lambda tm, nl: engine_for(tm, nl, n_paths), st, C, C_cross, tau_max, history, bar, engine, pairs)
        iterations += its
        h_new = tau_max / (C.size - 1)
        if C.size != n_before or h_new != h:
            replicas = [dict(r, C=_regrid(r["C"], h, C.size, h_new), taper=_regrid(r["taper"], h, C.size, h_new))
                        for r in replicas]
            h = h_new
        all_solved &= how == "solved"
        residuals.append(res)
        return out, engine, how

    while len(replicas) < st.max_replicas:
        if engine is not None:
            engine.new_noise()
        out, engine, how = solve_once(n_samples, engine)
        if how in ("trivial", "diverging_timescale"):
            bar.close()
            return _early_exit(params, rule, st, h, C, out, residuals[-1], how, history, iterations, branch,
                               seed, start)
        replicas.append(dict(C=out["C"], tau_star=tau_star(out["C"], h), weight=n_samples, taper=out["taper"]))
        C = _weighted_replicas(replicas)[0]   # warm start for the next replica
        if len(replicas) >= st.min_replicas:
            # the error that matters is that of the answer, the pooled solve on at most max_samples paths
            total = sum(r["weight"] for r in replicas)
            mean, err, _ = _weighted_replicas(replicas, n_paths=min(total, st.max_samples))
            if err[0] <= st.target_rel_err * mean[0]:
                break
            if total >= st.max_samples:
                break          # more replicas cannot make the pooled answer better: reported below
            # replicas still needed at the current size; if many, double the paths per replica
            needed = total * ((err[0] / (st.target_rel_err * mean[0])) ** 2 - 1) / n_samples
            if needed > 4 and 2 * n_samples <= st.max_samples:
                n_samples *= 2
                engine = engine_for(tau_max, C.size, n_samples)
    guess_spread = None
    if near_critical:
        guess_spread = _initial_guess_dependence(engine, replicas[-1]["C"], st, C_cross, history, bar)
        iterations += guess_spread[1]
    # The answer: one more solve on as many paths as all the replicas together (fresh random numbers).  A
    # replica's fixed point is biased in the slow tail by its own noise, fed back through the near-marginal
    # modes and cut by the noise window, by an amount that falls with the paths per solve; at g = 2, k = 1
    # the mean of 4 x 256-path replicas had C(20) 12% low (5 standard errors over three seeds), the 1024-path
    # solve was within its error bars.  The replicas' spread still gives the statistical error.
    n_pool = min(sum(r["weight"] for r in replicas), st.max_samples)
    out, _, how = solve_once(n_pool, None)
    bar.close()
    if how in ("trivial", "diverging_timescale"):
        return _early_exit(params, rule, st, h, C, out, residuals[-1], how, history, iterations, branch, seed,
                           start)
    n_lag = C.size
    C_fin = out["C"]
    # the standard error of a solve on n_pool paths (not of all the replicas' paths, which may be more)
    C_err = _weighted_replicas(replicas, n_paths=n_pool)[1]
    C_err = _tail_error(C_err, out, replicas)
    R = len(replicas)
    Cx_fin = per_path_autocovariance(out["x"], n_lag).mean(axis=1)
    # draws of x for averages over x (Eq. 21): ~100 times on n_samples paths, as many as one replica has, so
    # that the cost of those averages does not grow with the pooled paths
    x_samples = out["x"][:: max(1, out["x"].shape[0] // 100), :st.n_samples].ravel()[:50000]
    ts_err = float(_weighted_replicas(replicas, key="tau_star", n_paths=n_pool)[1])
    tau = h * np.arange(n_lag)
    K_fin = rule.kernel(params, tau, C_fin, C_cross)
    _check_physical(C_fin, C_err, "DMFT solution")
    _check_spectrum(C_fin, C_err, h, sampler_negativity=out["spectrum_negativity"])
    se_ok = C_err[0] <= st.target_rel_err * C_fin[0] * (1 + 1e-9)
    # near g = 1 the map is marginal in the timescale direction: a replica stopped at tol can sit far from its
    # fixed point.  If restarting it from a faster-decaying guess lands elsewhere, the answer is not converged.
    guess_ok = guess_spread is None or guess_spread[0] <= GUESS_SPREAD_FACTOR * st.target_rel_err * C_fin[0]
    converged = bool(se_ok and all_solved and guess_ok)
    resid = float(max(residuals))
    if not guess_ok:
        status = "not_converged"
        message = (f"{NEAR_MARGINAL} (g -> 1+): restarting a replica from a faster-decaying guess "
                   f"moved C by {guess_spread[0] / C_fin[0]:.2g} C(0) (allowed "
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
    res = _finish(params, rule, st, h * np.arange(n_lag), C_fin, C_err, Cx_fin, K_fin, ts_err, converged,
                  status, resid, history, iterations, "monte_carlo", branch, seed, start, message)
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
