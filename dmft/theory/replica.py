"""Two-replica DMFT of freezable chaos: the overlap Q(t) and network B's autocovariance D [Eqs. 27-35, App. C 2].

Network A runs its plastic dynamics; network B has the same J and the couplings A(0) halted at t = 0 [Eq. 27].
Q(t) = <phi_A(t) phi_B> (B at late times) [Eq. 28] solves a self-consistency that plugs into the package's
driver (:mod:`dmft.numerics.driver`) like the stationary C does:

1. The A paths are single-site paths at the stationary C (:class:`dmft.numerics.single_site.SingleSite`), with their
   fields eta_A (covariance g^2 C).  A replica holds one set of them fixed; every time t0 along a path serves
   as a halt time ("time shifts multiply the samples", App. C 2).
2. Given Q, eta_B's conditional mean is mu_B(t0) = sum_n a_n eta_A(t0 + n h) with C * a = Q [Eq. C1a]: a is
   found by Fourier division on the circulant of the sampled fields, so that Cov(eta_A(t0 + t), mu_B(t0)) =
   g^2 Q(t) holds exactly for the sampled process, with a Tikhonov floor ``regularization`` x C(0) (Q's
   Monte Carlo noise would otherwise be divided by the vanishing high-frequency spectrum of C).
   delta = Var(mu_B) / g^2 = a . C a [Eq. C1c].
3. I_B(t0) = (k/p) int_0^inf e^{-s/p} Q(-s) phi_A(t0 - s) ds (the halted plastic input, Eq. 32b) and the static
   input m = mu_B + I_B: network B then depends on A only through m (:mod:`dmft.theory.halted`).
4. Network B's solution of the requested kind (fixed point, or dynamic: D decaying) from the law of m, by
   Gaussian integrals (:class:`dmft.theory.halted.HaltedSite`); phi_B averaged over its own Gaussian part given m is
   Phi_V(m) = E phi(m + sqrt(V) u).
5. Q_new(t) = < phi_A(t0 + t) Phi_V(m(t0)) > over paths and halt times [Eq. 34a].

Q = 0 is always a solution (x -> -x symmetry); the iteration starts from Q = C (B = A at the halt) and finds
the positive nontrivial solution when there is one, else collapses to 0 (verdict "trivial").
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Optional

import numpy as np
import scipy.fft

from dmft.numerics.driver import TERMINAL, BudgetExhausted, Driver, Evaluation, tail_error, weighted_replicas
from dmft.errors import UnphysicalSolutionError
from dmft.numerics.gp import circulant_spectrum
from dmft.numerics.observables import equal_groups, group_means
from dmft.theory.halted import HaltedSite
from dmft.theory.kernels import HEBBIAN
from dmft.progress import progress_bar
from dmft.numerics.single_site import SingleSite, cosine_taper
from dmft.theory.stationary import DMFTResult, SolverSettings, derived_step, on_step

KINDS = ("dynamic", "fixed-point")
MAX_PULLBACKS = 12         # evaluations without a network-B solution before "no solution of this kind"


@dataclass(frozen=True)
class ReplicaSettings(SolverSettings):
    """Settings of :func:`solve_overlap` (those of :class:`dmft.theory.stationary.SolverSettings`, with defaults for Q).

    target_rel_err : stop adding replicas when SE(Q(0))/Q(0) is below this.
    t_window       : initial half-width of the Q(t) window (default: the stationary C's window, at least 30).
    regularization : Tikhonov floor of the Fourier division C * a = Q, relative to C(0).
    halt_stride    : use every this-many-th step as a halt time for network B's statistics (all are used for Q).
    """

    n_samples: int = 512
    max_samples: int = 2048
    mixing: float = 0.5
    anderson_memory: int = 3
    target_rel_err: float = 0.01
    tol: float = 1e-3
    min_replicas: int = 3
    max_replicas: int = 12
    t_window: Optional[float] = None
    regularization: float = 1e-3
    halt_stride: int = 5

    def __post_init__(self):
        super().__post_init__()
        if self.t_window is not None and not (math.isfinite(self.t_window) and self.t_window > 0):
            raise ValueError(f"t_window must be a positive finite number, got {self.t_window!r}")
        if not (math.isfinite(self.regularization) and 0 < self.regularization < 1):
            raise ValueError(f"regularization must be in (0, 1), got {self.regularization!r}")
        if isinstance(self.halt_stride, bool) or not isinstance(self.halt_stride, int) or self.halt_stride < 1:
            raise ValueError(f"halt_stride must be a positive integer, got {self.halt_stride!r}")


@dataclass
class OverlapResult:
    """One solution of the two-replica DMFT (kind "dynamic" or "fixed-point"), or the verdict that the nontrivial
    one does not exist (status "trivial": only Q = 0)."""

    kind: str
    t: np.ndarray                 # halt-time axis, both sides of the halt at t = 0
    Q: np.ndarray
    Q_err: np.ndarray
    Q0: float
    Q0_err: float
    D0: float
    D_inf: float
    delta: float                  # [Eq. C1c]
    r: float                      # bulk radius of the halted network's Jacobian [Eq. 30]
    rho0: float                   # [Eq. 35]
    rho0_err: float
    rho: np.ndarray
    tau: np.ndarray               # D(tau) (dynamic: from the potential; fixed point: constant)
    D: np.ndarray
    C0: float
    converged: bool
    status: str                   # "converged" | "not_converged" | "trivial" | "window_cap" | "excluded"
    residual: float
    residual_history: list
    iterations: int
    settings: dict = field(default_factory=dict)
    seed: Optional[int] = None
    wall_s: float = 0.0
    message: str = ""
    D_decay_time: float = float("nan")
    r_err: float = float("nan")

    @property
    def nontrivial(self) -> bool:
        return self.status in ("converged", "not_converged") and self.Q0 > 0

    def summary(self) -> dict:
        return dict(kind=self.kind, Q0=self.Q0, Q0_err=self.Q0_err, D0=self.D0, D_inf=self.D_inf, delta=self.delta,
                    r=self.r, r_err=self.r_err, rho0=self.rho0, rho0_err=self.rho0_err, converged=self.converged,
                    status=self.status,
                    residual=self.residual, iterations=self.iterations, D_decay_time=self.D_decay_time,
                    message=self.message)


class HaltEngine:
    """One replica of the A side: S single-site paths at the stationary C, their fields eta_A on the whole
    circulant period, and the FFTs that every evaluation reuses."""

    def __init__(self, stationary: DMFTResult, params, n_paths: int, M: int, t_record: float, rng, block: int):
        self.params, self.C, self.M = params, stationary.C, M
        self.h = stationary.tau_step
        self.site = SingleSite(params, HEBBIAN, self.h, n_paths, t_record, block, rng, float(stationary.tau[-1]))
        self.n_rec, self.period, self.burn = self.site.n_rec, self.site.period, self.site.burn
        if self.n_rec < 4 * M + 10:
            raise ValueError("recorded paths too short for the Q window")
        self.lam = circulant_spectrum(self.C, self.period, self.h)[0]        # eigenvalues of C (no g^2)
        self.taper, self.cuts = None, (0, 0)
        self._draw()

    def _draw(self):
        x = self.site.paths(self.C)[0]
        self.phi = self.params.nonlinearity.phi(x)                          # (n_rec, S)
        # eta_A on the whole period, for the circular correlation with a (the circulant field is periodic)
        full = self.site.eta(self.C, full_period=True)
        self.eta_hat = scipy.fft.rfft(full, axis=0, workers=-1)
        # phi_A on the same period, at the rows of the recorded steps: the halted input's convolution and the
        # overlap's correlation then share eta_A's grid, so mu_B + I_B is one inverse transform.  No wrap-around
        # reaches a halt time: halt times t0 are M steps inside the record, and both the convolution (lags 0..M
        # back) and the correlation (lags -M..M) read phi_A inside the record only
        on_period = np.zeros((self.period, self.phi.shape[1]))
        on_period[self.burn:self.burn + self.n_rec] = self.phi
        self.phi_hat = scipy.fft.rfft(on_period, axis=0, workers=-1)

    def static_input(self, Q: np.ndarray, floor: float, split: bool = False):
        """Network B's static input m = mu_B + I_B at every halt time t0 (rows) of every path, given Q on the window
        t = h (-M..M).  Returns (m, rows, delta, mu, I_B, Q_implied): delta = Var(mu_B) / g^2 [Eq. C1c], Q_implied
        the overlap the sampled mu_B carries; mu and I_B separately only with ``split`` (else None: one inverse
        transform instead of two)."""
        M, P, lam, h, p = self.M, self.period, self.lam, self.h, self.params
        # --- conditional mean mu_B [Eq. C1a]: C * a = Q on the circulant, Tikhonov-floored.  The floor is relative
        # to C(0), the eigenvalue level of white noise of C's variance, not to max C^: a slowly decaying C has a
        # large C^(0), and a floor tied to it would cut the frequencies that carry most of a's weight (Q ~ C puts
        # a near a delta function, eta_B ~ eta_A(0))
        q = _circulant(Q, P)
        a_hat = scipy.fft.rfft(q) * lam / (lam ** 2 + floor ** 2)
        Ca = scipy.fft.irfft(a_hat * lam, n=P)
        delta = float(_precision_form(q[:, None], lam, floor)[0])
        Q_implied = np.concatenate([Ca[P - M:], Ca[:M + 1]])
        rows = np.arange(M, self.n_rec - M)                    # halt times with the whole window recorded
        # --- halted plastic input I_B (Eq. 32b), causal in phi_A
        s = np.arange(M + 1)
        b = (p.k / p.p) * h * np.exp(-s * h / p.p) * Q[M - s]
        b[0] *= 0.5
        mu_hat = np.conj(a_hat)[:, None] * self.eta_hat
        I_hat = scipy.fft.rfft(b, n=P)[:, None] * self.phi_hat
        both = scipy.fft.irfft(np.stack([mu_hat, I_hat], axis=1) if split else mu_hat + I_hat, n=P, axis=0,
                               workers=-1)[self.burn + rows]
        if split:
            mu, I_B = both[:, 0], both[:, 1]
        else:
            mu = I_B = None
        return (mu + I_B if split else both), rows, delta, mu, I_B, Q_implied

    def overlap(self, values: np.ndarray, rows: np.ndarray, groups: Optional[int] = None) -> np.ndarray:
        """< phi_A(t0 + t) f(t0) > over the halt times t0 (``rows``) for t = h (-M..M), per path: (2M + 1, S); or,
        with ``groups`` = G, averaged over G equal groups of paths: (2M + 1, G) (paths are independent, so the
        spread of group means gives the standard error, and the inverse transform runs on G columns, not S).
        With f = phi_B's average given m, this is Q_new [Eq. 34a]."""
        M, P, S = self.M, self.period, values.shape[1]
        pad = np.zeros((P, S))
        pad[self.burn + rows] = values
        cross = self.phi_hat * np.conj(scipy.fft.rfft(pad, axis=0, workers=-1))
        if groups is not None:
            cross = group_means(cross, groups, axis=1)
        corr = scipy.fft.irfft(cross, n=P, axis=0, workers=-1)
        return corr[np.arange(-M, M + 1) % P] / rows.size


class _OverlapProblem:
    """Q = F(Q) [Eq. 34a] for :class:`dmft.numerics.driver.Driver`; the iterate is Q on t = h (-M..M)."""

    value_key = "Q"

    def __init__(self, stationary: DMFTResult, kind: str, st: ReplicaSettings, rng):
        self.stat, self.kind, self.st, self.rng = stationary, kind, st, rng
        self.params = stationary.params
        self.h = stationary.tau_step
        self.cap_M = int(round(max(4 * float(stationary.tau[-1]), 200.0) / self.h))
        self.hint = None           # network B's last a (warm start of its root search)
        self._last_Q0 = 0.0        # Q(0) of the last evaluated iterate (see admissible)
        self._pullbacks = 0        # evaluations where network B had no solution of this kind
        self.last_B = None

    @property
    def target_index(self):
        return self._M

    def engine(self, window, n_paths):
        M = window
        self._M = M
        self._pullbacks = 0        # counted per replica
        t_rec = self.st.t_record or max(300.0, 10.0 * M * self.h)
        return HaltEngine(self.stat, self.params, n_paths, M, t_rec, self.rng, self.st.block)

    def evaluate(self, eng, x):
        p, M = self.params, eng.M
        Q = x
        self._last_Q0 = float(Q[M])
        P, lam = eng.period, eng.lam
        floor = self.st.regularization * self.stat.C0
        m, rows, delta, _, _, Q_implied = eng.static_input(Q, floor)
        # --- network B from the law of m
        B = HaltedSite(m[::self.st.halt_stride], delta, p.g, p.nonlinearity)
        sol = B.fixed_point() if self.kind == "fixed-point" else B.dynamic(hint=self.hint)
        trivial_in = float(np.max(np.abs(Q))) < 1e-3 * self.stat.C0
        if sol is None:
            # No solution of this kind for network B at this Q (a dynamic one needs a decaying D: past the merge
            # with the fixed point, r < 1, there is none): outside the map's domain, and the driver backtracks
            # halfway to its last iterate inside (near the merge the dynamic solution sits close to that edge, and
            # a quasi-Newton step can overshoot it).  If the map keeps expanding Q back into the region without a
            # solution (MAX_PULLBACKS times in one replica), there is none of this kind: verdict "trivial" (in
            # freezable chaos the dynamic iteration otherwise cycles until its budget is spent).
            self._pullbacks += 1
            scale = max(float(np.max(np.abs(Q))), 1e-3 * self.stat.C0)
            return Evaluation(F=0.5 * Q, scale=scale, n_measured=Q.size, outside=True,
                              trivial=(float(np.max(np.abs(Q))) < 1e-3 * self.stat.C0
                                       or self._pullbacks >= MAX_PULLBACKS),
                              out=dict(B=None, sol=None, delta=delta, m_var=float(m.var()), rows=rows))
        if sol.kind == "dynamic":
            self.hint = sol.a
        Phi = B.Phi(sol.V)(m)                                   # (rows, S)
        groups = equal_groups(Phi.shape[1])
        per_group = eng.overlap(Phi, rows, groups)               # (2M + 1, groups)
        Q_raw = per_group.mean(axis=1)
        sem = per_group.std(axis=1, ddof=1) / math.sqrt(groups)
        # a lag window on each side of the halt, set at the replica's first evaluation (as for C), and widened
        # (never narrowed) when the output is significant beyond it: the first iterate's shape (C/2, symmetric)
        # decays faster than a solution peaked after the halt, and a window fixed on it cut Q(t) at t ~ 35 where
        # it was still 0.11 (g = 2, k = 0.9): the sharp cut inflated delta = Q C^-1 Q through C^-1 at high
        # frequencies until network B had no dynamic solution
        right = _extent(Q_raw[M:], 4 * sem[M:])
        left = _extent(Q_raw[M::-1], 4 * sem[M::-1])
        if eng.taper is None or right > eng.cuts[1] or left > eng.cuts[0]:
            if eng.taper is not None:
                # widen by a margin: a window widened only to the output's present extent creeps out one
                # evaluation at a time (the tail it lets through extends the next output's), and the map
                # changes at every step (seen at g = 2, k = 0.8: 30 evaluations without converging)
                left = max(eng.cuts[0], min(M + 1, int(1.3 * left)) if left > eng.cuts[0] else 0)
                right = max(eng.cuts[1], min(M + 1, int(1.3 * right)) if right > eng.cuts[1] else 0)
            eng.cuts = (left, right)
            eng.taper = np.concatenate([cosine_taper(M + 1, left)[:0:-1], cosine_taper(M + 1, right)])
        F = Q_raw * eng.taper
        # Noise bias of delta: an iterate carrying Monte Carlo noise e gives delta + e C^-1 e on average, since
        # C^-1 amplifies the noise where C's spectrum is small.  Its expectation tr(C^-1 Sigma) / S, from the
        # spread of the group means (each has covariance Sigma G / S), is what the next iterate's delta carries
        # [Eq. C1c].
        dev = (per_group - Q_raw[:, None]) * eng.taper[:, None]
        delta_bias = float(_precision_form(_circulant(dev, P), lam, floor).sum() / (groups * (groups - 1)))
        level = np.maximum(4 * sem, 0.02 * np.max(np.abs(Q_raw)))
        reach = max(_extent(Q_raw[M:], level[M:]), _extent(Q_raw[M::-1], level[M::-1])) - 1
        self.last_B = (B, sol)
        scale = max(float(np.max(np.abs(Q))), float(np.max(np.abs(F))), 1e-3 * self.stat.C0)
        return Evaluation(F=F, scale=scale, n_measured=Q.size,
                          trivial=bool(float(np.max(np.abs(F))) < 1e-3 * self.stat.C0 and trivial_in),
                          truncated=reach > 0.8 * M,
                          out=dict(Q=F, sem=sem, taper=eng.taper, delta=delta, delta_bias=delta_bias, sol=sol, B=B,
                                   rows=rows,
                                   Q_implied=Q_implied, m_var=float(m.var()), n_halts=rows.size * Phi.shape[1]))

    def admissible(self, x):
        # Q(0) > 0 (the positive solution), and no quasi-Newton jump to a small fraction of the last evaluated
        # Q(0): near the boundary D = delta the map has a kink, Anderson can extrapolate to Q ~ 0, and F(0) = 0
        # would then be taken for a collapse ("trivial") in freezable chaos (seen at g = 2, k = 1.5, 256 paths).
        # Plain damping, the fallback, never shrinks Q(0) below half, so a real collapse is still reached.
        return x[x.size // 2] > 0.25 * self._last_Q0

    def grow(self, x, M):
        M_new = int(round(1.6 * M))
        if M_new > self.cap_M:
            return None
        out = np.zeros(2 * M_new + 1)
        out[M_new - M:M_new + M + 1] = x
        return out, M_new

    @staticmethod
    def regrid(values, old, new):
        out = np.zeros(2 * new + 1)
        out[new - old:new + old + 1] = values
        return out

    def record(self, ev, window):
        sol = ev.out["sol"]
        M = window
        if sol is None:          # the replica ended on an iterate where B had no solution (not solved)
            nan = float("nan")
            return dict(Q=np.full(2 * M + 1, nan), taper=np.ones(2 * M + 1), rho0=nan, D0=nan, r=nan, delta=nan)
        Q0 = ev.out["Q"][M]
        return dict(Q=ev.out["Q"], taper=ev.out["taper"], rho0=Q0 / math.sqrt(sol.D0 * self.stat.C0),
                    D0=sol.D0, r=sol.r, delta=ev.out["delta"])

    @staticmethod
    def warm_start(x, mean):
        # a replica that ended where B had no solution records NaN (and makes the result unconverged): keep x
        return mean.copy() if np.all(np.isfinite(mean)) else x.copy()


def _extent(values: np.ndarray, level: np.ndarray) -> int:
    """The number of leading entries of ``values`` (Q on one side of the halt, from t = 0 outwards) before |Q|
    first falls below ``level``: the extent of the decaying overlap.  The first crossing, not the last
    exceedance: with thousands of lags a single 4-sigma noise spike far out would otherwise set the window (the
    lag window then crept outwards and the window grew to its cap at g = 2, k = 0.8)."""
    below = np.nonzero(np.abs(values) < level)[0]
    return int(below[0]) if below.size else int(values.size)


def _circulant(window: np.ndarray, P: int) -> np.ndarray:
    """Values on t = h (-M..M) (axis 0) placed on a circulant of period P: t >= 0 first, t < 0 at the end."""
    M = (window.shape[0] - 1) // 2
    out = np.zeros((P,) + window.shape[1:])
    out[:M + 1] = window[M:]
    out[P - M:] = window[:M]
    return out


def _precision_form(q: np.ndarray, lam: np.ndarray, floor: float) -> np.ndarray:
    """q . C^-1 q for each column of q (circulant layout, period P), with C^-1 Tikhonov-floored as in the
    conditional mean: a^ = q^ lam / (lam^2 + floor^2), value = a . C a = (1/P) sum_omega |q^|^2 lam^3 / (lam^2 +
    floor^2)^2 (Parseval; rfft layout counts interior frequencies twice)."""
    P = q.shape[0]
    qh = scipy.fft.rfft(q, axis=0, workers=-1)
    w = np.full(lam.size, 2.0)
    w[0] = 1.0
    if P % 2 == 0:
        w[-1] = 1.0
    kern = w * lam ** 3 / (lam ** 2 + floor ** 2) ** 2 / P
    return kern @ (np.abs(qh) ** 2)


def solve_overlap(stationary: DMFTResult, kind: str = "dynamic", *, settings: ReplicaSettings | None = None,
                  seed: int | None = 0, init: "OverlapResult | None" = None, progress=None) -> OverlapResult:
    """Solve the two-replica DMFT [Eqs. 32-34] for Q(t) and D of the given ``kind`` ("dynamic": D decays to a
    nonzero constant; "fixed-point": dx_B/dt = 0, D constant), from a converged stationary solution.

    Returns an :class:`OverlapResult`; ``status`` "trivial" means only Q = 0 was found from the initial guess
    Q = C (or ``init``), i.e. no nontrivial solution of this kind.  Errors: from independent replicas (sets of A
    paths); the answer is one more solve on all their paths together (:class:`dmft.numerics.driver.Driver`)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    _check_stationary(stationary)
    st = settings or ReplicaSettings()
    stationary = on_step(stationary, st.h or derived_step(stationary))
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    problem = _OverlapProblem(stationary, kind, st, rng)
    h = stationary.tau_step
    if init is not None and init.nontrivial:
        M, x = (init.t.size - 1) // 2, init.Q.copy()               # continuation from a neighbouring point
    else:
        M = int(round((st.t_window or max(30.0, float(stationary.tau[-1]))) / h))
        n = min(M + 1, stationary.C.size)
        half = np.zeros(M + 1)
        half[:n] = stationary.C[:n]
        # Q = C / 2: B starts strongly aligned with A at the halt (Q = C itself would put all of eta_B's
        # variance in the conditional mean, delta = C(0), which no D <= 1 of network B can carry)
        x = 0.5 * np.concatenate([half[:0:-1], half])
    problem._M = M
    history = []
    bar = progress_bar(None, progress, desc=f"overlap ({kind})", total=st.min_replicas * 10, auto=True)
    driver = Driver(problem, st, history, bar)
    try:
        x, M, records, engine, ev, how = driver.replicas(x, M)
        if how not in TERMINAL:
            x, M, ev, how, n_pool = driver.pooled(x, M, records)
    except BudgetExhausted:
        bar.close()
        return _empty(stationary, kind, st, seed, start, history, driver.iterations, "not_converged",
                      f"evaluation budget exhausted ({st.max_evaluations} evaluations)")
    bar.close()
    if how == "trivial":
        if problem._pullbacks >= MAX_PULLBACKS:
            why = (f"no nontrivial {kind} solution: the map kept growing Q into the region where network B has no "
                   f"{kind} solution ({problem._pullbacks} times)")
        else:
            why = f"the iteration from Q = C/2 collapsed to Q = 0: no nontrivial {kind} solution"
        return _empty(stationary, kind, st, seed, start, history, driver.iterations, "trivial", why)
    if how == "cap":
        return _empty(stationary, kind, st, seed, start, history, driver.iterations, "window_cap",
                      "Q(t) has not decayed within the largest window")
    out = ev.out
    sol, B = out["sol"], out["B"]
    Q = out["Q"]
    Q_err = tail_error(weighted_replicas(records, "Q", n_paths=n_pool)[1], out["sem"], out["taper"], records)
    rho0_err = float(weighted_replicas(records, "rho0", n_paths=n_pool)[1])
    r_err = float(weighted_replicas(records, "r", n_paths=n_pool)[1])
    t = h * np.arange(-M, M + 1)
    C0 = stationary.C0
    rho = Q / math.sqrt(sol.D0 * C0)
    if Q[M] < 0:
        Q, rho = -Q, -rho                                    # the positive one of the pair +-Q
    if kind == "dynamic":
        tau, D = B.profile(sol, tau_max=float(stationary.tau[-1]) * 4, dtau=h)
        span = sol.D0 - sol.D_inf
        decay = float(np.trapezoid((D - sol.D_inf) / span, tau)) if span > 0 else float("inf")
    else:
        tau, D = np.array([0.0]), np.array([sol.D0])
        decay = float("inf")
    if np.any(np.abs(Q) > np.sqrt(sol.D0 * C0) * (1 + 1e-9) + 4 * Q_err):
        raise UnphysicalSolutionError("|Q(t)| > sqrt(D(0) C(0)) beyond noise (Cauchy-Schwarz)")
    # delta less its Monte Carlo noise bias; D(0) >= delta is the positive semi-definiteness of eta_B's
    # conditional covariance [Eq. C1b], checked within the replicas' statistical error of delta (in the
    # freezable phase the solution sits at the boundary D = delta, V = 0)
    delta = out["delta"] - out["delta_bias"]
    delta_err = float(weighted_replicas(records, "delta", n_paths=n_pool)[1])
    if not (sol.D0 >= delta - 3 * delta_err - 1e-3 * delta):
        raise UnphysicalSolutionError(f"D(0) = {sol.D0:.4g} < delta = {delta:.4g} +- {delta_err:.2g}: the "
                                      "conditional covariance of eta_B would not be positive semi-definite "
                                      "[Eq. C1b]")
    Q0_err = float(Q_err[M])
    se_ok = Q0_err <= st.target_rel_err * Q[M] * (1 + 1e-9)
    converged = bool(driver.all_solved and se_ok)
    resid = float(max(driver.residuals))
    status = "converged" if converged else "not_converged"
    message = (f"{kind} solution on {n_pool} paths x {out['n_halts'] // max(n_pool, 1)} halt times; "
               f"{len(records)} replicas; SE(Q0)/Q0 = {Q0_err / Q[M]:.2e} (target {st.target_rel_err:g}); "
               f"all replicas solved: {driver.all_solved}")
    return OverlapResult(kind=kind, t=t, Q=Q, Q_err=Q_err, Q0=float(Q[M]), Q0_err=Q0_err, D0=sol.D0,
                         D_inf=sol.D_inf, delta=delta, r=sol.r, rho0=float(rho[M]), rho0_err=rho0_err,
                         rho=rho, tau=tau, D=D, C0=C0, converged=converged, status=status, residual=resid,
                         residual_history=history, iterations=driver.iterations, settings=asdict(st), seed=seed,
                         wall_s=time.perf_counter() - start, message=message, D_decay_time=decay, r_err=r_err)


def excluded_dynamic(stationary: DMFTResult, fixed_point: "OverlapResult", settings: ReplicaSettings | None = None,
                     seed: int | None = 0) -> OverlapResult:
    """The dynamic solution's verdict when the fixed-point solution is stable (r < 1 by more than 3 SE): there is
    none, since the dynamic solution exists only for r > 1 and merges with the fixed point at r = 1 (Sec. VII,
    App. D: its decay time grows like (r - 1)^(-1/2)).  Status "excluded", Q = 0, without iterating the dynamic map
    (which, in freezable chaos, only ends after repeated steps into the region where network B has no dynamic
    solution: about 40% of a freeze at g = 2, k = 1.5)."""
    st = settings or ReplicaSettings()
    return _empty(stationary, "dynamic", st, seed, time.perf_counter(), [], 0, "excluded",
                  f"not iterated: the fixed-point solution is stable (r = {fixed_point.r:.3f} +- "
                  f"{fixed_point.r_err:.3f} < 1), and a dynamic solution exists only for r > 1 (App. D)")


def _empty(stationary, kind, st, seed, start, history, iterations, status, message):
    nan = float("nan")
    z = np.zeros(1)
    zero = status in ("trivial", "excluded")
    return OverlapResult(kind=kind, t=z, Q=z, Q_err=z, Q0=0.0 if zero else nan, Q0_err=0.0 if zero else nan,
                         D0=nan, D_inf=nan, delta=0.0 if zero else nan, r=nan, rho0=0.0 if zero else nan,
                         rho0_err=0.0 if zero else nan, rho=z, tau=z, D=z, C0=stationary.C0, converged=zero,
                         status=status, residual=history[-1] if history else nan, residual_history=history,
                         iterations=iterations, settings=asdict(st), seed=seed, wall_s=time.perf_counter() - start,
                         message=message)


def _check_stationary(stationary):
    if not isinstance(stationary, DMFTResult):
        raise ValueError(f"need the stationary DMFTResult of network A, got {type(stationary).__name__}")
    if stationary.rule.get("rule") != "hebbian":
        raise ValueError("the two-replica DMFT is derived for the Hebbian rule of Eq. 3")
    if not stationary.params.k > 0:
        raise ValueError(f"freezable chaos is a property of Hebbian chaos: need k > 0, got k = {stationary.params.k}")
    if stationary.status != "converged":
        raise ValueError(f"the stationary solution is not usable (status {stationary.status!r}: "
                         f"{stationary.message}); no two-replica solution without it")
    if not stationary.params.g > 1:
        raise ValueError("freezable chaos needs chaotic network A (g > 1, Sec. VII)")
