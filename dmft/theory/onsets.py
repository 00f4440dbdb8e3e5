"""Onsets of semifreezable chaos, of the unstable fixed-point solution, and of freezable chaos in k at fixed
(g, p) (Sec. VII, Fig. 1b (vii)-(viii), Fig. 7d).

The two-replica self-consistency Q = F(Q) [Eqs. 32-34] always has Q = 0 (x -> -x symmetry), and its nontrivial
solutions branch off continuously (Fig. 7d).  A branch appears where the linearisation of F at Q = 0 acquires
the eigenvalue 1, so the first two onsets are roots of a linear problem, not of the nonlinear solve:

    (L Q)(t) = gamma [ < phi_A(t) mu_B >  +  (k/p) int_0^inf e^{-s/p} Q(-s) C(t + s) ds ],

- the first term has mu_B = sum_s a(s) eta_A(s) with C * a = Q [Eq. C1a].  By Novikov's theorem (Gaussian
  integration by parts, exact for the causal functional x_A[eta_A] although plasticity makes x_A non-Gaussian)
  < phi_A(t) eta_A(s) > = g^2 int R(t - u) C(u - s) du, with R(u) = < phi'(x_A(t)) dx_A(t) / d eta_A(t - u) > the
  response function of network A's single site, so the first term is g^2 int_0^inf R(u) Q(t - u) du: a causal
  convolution;
- the second is < phi_A(t) I_B > with I_B the halted plastic input of Eq. 32b;
- gamma = < phi'(x_B) > at Q = 0, where network B is the k = 0 network at the same g (its memory is gone):
  under its chaotic solution for the dynamic kind (the onset of semifreezable chaos, k_semi), under its fixed-point
  solution D* = < phi(sqrt(g^2 D*) z)^2 > for the fixed-point kind (the onset of the unstable fixed point, k_ufp).
  The first-order change of F with Q comes only from m = mu_B + I_B (delta, D and V change at second order).

Both terms read Q only at times <= t, or <= 0, so the eigenproblem closes on t <= 0; L is a dense matrix of a few
hundred rows (:func:`overlap_operator`), and R is estimated once per set of paths by a white-noise probe of the
linearised single-site recursion (:meth:`dmft.numerics.single_site.SingleSite.response`).  The onset is the k
where the leading eigenvalue mu(k) of L equals 1, found by the secant method in k with the stationary solution
warm-started along k.  mu carries a Monte Carlo error (independent sets of A paths); k_err is that error divided
by d mu / dk.

Why not the map's own estimator (:func:`linear_map`, which samples < phi_A(t) mu_B > directly and is kept as the
map's derivative for the tests): the causal convolution's finite-window matrix is strongly non-normal, and the
acausal sampling noise of that correlation (relative size 1e-3) lifted its top eigenvalue from ~0.05 to ~0.9 at
k = 0, where Q = 0 is the SCS network's only solution.  Measured with R (p = 2.5): k_semi = 0.654 +- 0.012,
1.080 +- 0.022, 1.507 +- 0.019 and k_ufp = 0.762 +- 0.012, 1.340 +- 0.027, 1.925 +- 0.023 at g = 2, 3, 4,
against 0.66, 1.10, 1.50 and 0.74, 1.31, 1.86 read off Fig. 7d (README).

The freezing onset k_freeze is where the fixed-point solution's bulk radius r [Eq. 30] crosses 1 (the dynamic and
fixed-point solutions merge there, App. D); it needs the nonlinear solve (:func:`dmft.theory.replica.solve_overlap`).
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Optional

import numpy as np
from scipy import linalg

from dmft.errors import NoStationarySolutionError
from dmft.numerics.single_site import SingleSite
from dmft.theory.halted import HaltedSite
from dmft.theory.kernels import HEBBIAN
from dmft.params import Params
from dmft.progress import progress_bar
from dmft.theory.replica import HaltEngine, ReplicaSettings, solve_overlap
from dmft.theory.stationary import DMFTResult, SolverSettings, derived_step, on_step, solve

ONSET_KINDS = ("semifreezable", "fixed_point", "freezable")


@dataclass
class OverlapMultiplier:
    """The leading eigenvalue mu of the linearised two-replica map at Q = 0, with its Monte Carlo error."""

    k: float
    mu: float
    mu_err: float
    replicas: list               # leave-one-out eigenvalues (jackknife)
    gamma: float
    eigenvector: np.ndarray      # Q(t) direction of the branch that appears at mu = 1 (Q(0) > 0)
    t: np.ndarray


@dataclass
class OnsetResult:
    """An onset in k at fixed (g, p).  ``converged``: the secant search settled (steps below tol, value within its
    errors of zero) and the onset is resolved, k_err < k (k = 0 is below every onset); k is nan when the search
    left the stationary solutions."""

    kind: str
    g: float
    p: float
    k: float
    k_err: float
    converged: bool
    message: str
    history: list                # (k, value, value_err) of each evaluation; value = mu - 1 or r - 1
    iterations: int
    settings: dict = field(default_factory=dict)
    seed: Optional[int] = None
    wall_s: float = 0.0

    def summary(self) -> dict:
        return dict(kind=self.kind, g=self.g, p=self.p, k=self.k, k_err=self.k_err, converged=self.converged,
                    message=self.message, iterations=self.iterations,
                    history=[dict(k=h[0], value=h[1], value_err=h[2]) for h in self.history], seed=self.seed,
                    wall_s=self.wall_s, settings=self.settings)


def linear_gain(g: float, nonlinearity, kind: str) -> float:
    """gamma = < phi'(x_B) > of network B with no memory (the k = 0 network at g) under its chaotic solution
    (kind "semifreezable") or its fixed-point solution (kind "fixed_point")."""
    B = HaltedSite(np.zeros(1), 0.0, g, nonlinearity)
    sol = B.dynamic() if kind == "semifreezable" else B.fixed_point()
    if sol is None:
        raise ValueError(f"network B has no {kind} solution at g = {g} (need g > 1)")
    return float(B.smoothed(nonlinearity.dphi, sol.V)[np.argmin(np.abs(B.x))])


def linear_map(engine: HaltEngine, gamma: float, floor: float):
    """v -> L v (module docstring) on the Q window t = h (-M..M) of ``engine``: the nonlinear map's own static
    input m[v] = mu_B + I_B and overlap estimator, with phi_B's average given m replaced by its linearisation
    gamma m (so term 1 is computed on the circulant exactly as in the solve, with no truncated cross-covariance)."""
    def apply(v):
        m, rows = engine.static_input(np.asarray(v, dtype=float).ravel(), floor)[:2]
        return gamma * engine.overlap(m, rows).mean(axis=1)
    return apply


def overlap_operator(R: np.ndarray, C: np.ndarray, h: float, M: int, params: Params, gamma: float) -> np.ndarray:
    """The linearised map L at Q = 0 (module docstring) as a matrix on the Q window t = h (-M..M):

        (L Q)(t) = gamma [ g^2 int_0^inf R(u) Q(t - u) du  +  (k/p) int_0^inf e^{-s/p} Q(-s) C(t + s) ds ].

    Term 1 is term 1 of the docstring rewritten by Novikov's theorem (< phi_A(t) eta_A(s) > = g^2 (R * C)(t - s),
    and C * a = Q): a causal convolution with the response function ``R`` of network A's paths, given at the
    mid-step lags (m - 1/2) h, m = 1..2M (:meth:`dmft.numerics.single_site.SingleSite.response`), so the midpoint
    rule on each step weighs Q at its two ends by halves.  Term 2 is < phi_A(t) I_B > [Eq. 32b] (trapezoid in s, Q
    zero before the window).  Both terms read Q only at times <= t, or <= 0: the matrix is block lower triangular
    in (t <= 0, t > 0)."""
    n = 2 * M + 1
    Rm = np.zeros(n + 1)
    Rm[1:min(n, R.size + 1)] = R[:n - 1]                 # Rm[m] = R((m - 1/2) h), Rm[0] = 0
    col = 0.5 * (Rm[:n] + Rm[1:n + 1])                   # weight of Q(t - d h) in the midpoint sum
    L = params.g ** 2 * h * linalg.toeplitz(col, np.zeros(n))
    Cl = np.zeros(n)
    Cl[:min(n, C.size)] = C[:n]
    s = M - np.arange(M + 1)                             # column j <= M holds Q(-s h)
    weight = (params.k / params.p) * h * np.exp(-s * h / params.p)
    weight[-1] *= 0.5                                    # s = 0: the trapezoid's end point
    L[:, :M + 1] += Cl[np.abs(np.arange(n)[:, None] - np.arange(M + 1)[None, :])] * weight[None, :]
    return gamma * L


def leading_eigenpair(L: np.ndarray, M: int):
    """The eigenvalue of largest real part of ``L`` (:func:`overlap_operator`) and its eigenvector on the whole
    window (normalised to Q(0) = 1).  The t <= 0 block decides the spectrum (the t > 0 block is triangular, with
    only the tiny diagonal g^2 h R(h/2) / 2 as eigenvalues); the t > 0 part of the vector then follows causally."""
    head = L[:M + 1, :M + 1]
    ev, V = linalg.eig(head)
    i = int(np.argmax(ev.real))
    mu, v_head = float(ev[i].real), V[:, i].real
    if mu - L[-1, -1] > 1e-12 * max(1.0, abs(mu)):
        tail = linalg.solve_triangular(mu * np.eye(M) - L[M + 1:, M + 1:], L[M + 1:, :M + 1] @ v_head, lower=True)
    else:                    # no eigenvalue above the triangular part's (k = 0): no branch, and no t > 0 part
        tail = np.zeros(M)
    v = np.concatenate([v_head, tail])
    return mu, v / v[M] if v[M] != 0 else v


def leading_multiplier(stationary: DMFTResult, kind: str, *, n_paths: int = 256, n_replicas: int = 4,
                       t_window: float | None = None, settings: ReplicaSettings | None = None,
                       seed: int | None = 0) -> OverlapMultiplier:
    """The leading eigenvalue of the linearised map at Q = 0 (:func:`overlap_operator`), with network A's response
    function estimated on ``n_replicas`` independent sets of ``n_paths`` single-site paths: mu is the eigenvalue
    of the operator built from all of them, mu_err the jackknife error over replicas (``replicas`` holds the
    leave-one-out eigenvalues).

    Why the response function and not the map's own estimator (:func:`linear_map`): term 1 is a causal
    convolution, whose finite-window matrix is strongly non-normal; estimated as the sampled correlation
    < phi_A(t) mu_B >, its acausal sampling noise (relative size 1e-3) lifted the top eigenvalue from ~0.05 to
    ~0.9 at k = 0 (where the exact answer has no eigenvalue near 1 at all: Q = 0 is the only solution of the SCS
    network) and put k_semi at g = 2 near 0.35.  Built from R, term 1 is causal by construction."""
    if kind not in ("semifreezable", "fixed_point"):
        raise ValueError(f"kind must be 'semifreezable' or 'fixed_point', got {kind!r}")
    if n_replicas < 2:
        raise ValueError("need at least 2 replicas for an error estimate")
    st = settings or ReplicaSettings()
    stationary = on_step(stationary, st.h or derived_step(stationary))
    params = stationary.params
    gamma = linear_gain(params.g, params.nonlinearity, kind)
    h = stationary.tau_step
    M = int(round((t_window or max(30.0, float(stationary.tau[-1]))) / h))
    rng = np.random.default_rng(seed)
    t_rec = st.t_record or max(300.0, 10.0 * M * h)
    Rs = []
    for _ in range(n_replicas):
        site = SingleSite(params, HEBBIAN, h, n_paths, t_rec, st.block, rng, float(stationary.tau[-1]))
        x = site.paths(stationary.C)[0]
        Rs.append(site.response(stationary.C, x, 2 * M, rng)[0])
    Rs = np.array(Rs)

    def leading(R):
        return leading_eigenpair(overlap_operator(R, stationary.C, h, M, params, gamma), M)

    mu, v = leading(Rs.mean(axis=0))
    loo = np.array([leading(np.delete(Rs, i, axis=0).mean(axis=0))[0] for i in range(n_replicas)])
    R_ = n_replicas
    mu_err = float(math.sqrt((R_ - 1) / R_ * np.sum((loo - loo.mean()) ** 2)))
    return OverlapMultiplier(k=params.k, mu=mu, mu_err=mu_err, replicas=list(loo), gamma=gamma, eigenvector=v,
                             t=h * np.arange(-M, M + 1))


def _secant_onset(kind, g, p, f, k0, k1, tol, max_iter, bar):
    """Root of f(k) -> (value, err) by the secant method from k0, k1 (value increasing or decreasing in k).
    Returns (k, k_err, converged, message, history)."""
    history, pts = [], []
    try:
        return _secant_steps(kind, f, k0, k1, tol, max_iter, bar, history, pts)
    except NoStationarySolutionError as err:
        # the search reached a k without a stationary solution (e.g. past the diverging-timescale boundary): a
        # verdict, not a crash, and no k (a number here would read as a boundary)
        last = f" (the last k with one: {pts[-1][0]:.4g})" if pts else ""
        return float("nan"), float("nan"), False, f"search stopped{last}: {err}", history


def _secant_steps(kind, f, k0, k1, tol, max_iter, bar, history, pts):
    """The secant iteration of :func:`_secant_onset`, appending to ``history`` and ``pts``."""
    for k in (k0, k1):
        v, e = f(k)
        history.append((k, v, e))
        pts.append((k, v, e))
        bar.update()
    for _ in range(max_iter):
        (ka, va, _), (kb, vb, eb) = pts[-2], pts[-1]
        if vb == va:
            return kb, float("nan"), False, "flat: the secant step is undefined", history
        slope = (vb - va) / (kb - ka)
        step = -vb / slope
        step = float(np.clip(step, -0.5, 0.5))          # never jump far outside the sampled range
        k_new = kb + step
        if not k_new > 0:
            k_new = 0.5 * kb
        v, e = f(k_new)
        history.append((k_new, v, e))
        pts.append((k_new, v, e))
        bar.update()
        if abs(k_new - kb) < tol and abs(v) < 3 * max(e, 1e-12) + abs(slope) * tol:
            k_err = float(e / abs(slope)) if slope != 0 else float("nan")
            if not k_err < k_new:
                # k = 0 (no plasticity: the SCS network, Q = 0 only) is below every onset; a root whose error bar
                # reaches it is noise on a flat value(k) (seen at g = 1.2: k = 0.001 +- 0.32), not an onset
                return k_new, k_err, False, (f"{kind} onset not resolved: k = {k_new:.3g} +- {k_err:.2g} (the value's "
                                             f"slope in k, {slope:.2g}, is small next to its error {e:.2g}); "
                                             "more paths (n_paths) are needed"), history
            return k_new, k_err, True, f"{kind} onset: |value| = {abs(v):.2g} (err {e:.2g}) at the last step", history
    k_last, v_last, e_last = pts[-1]
    return k_last, float("nan"), False, f"no convergence in {max_iter} secant steps (last value {v_last:.3g})", history


def _chaotic_A(g: float, p: float, nonlinearity: str) -> Params:
    base = Params(g=g, k=1.0, p=p, phi=nonlinearity)
    if not base.g > 1:
        raise ValueError(f"freezable chaos needs chaotic network A: g must be > 1, got {g}")
    return base


def _stationary_at(base: Params, k: float, seed, settings, previous):
    """The stationary solution at k, warm-started from the previous k's; NoStationarySolutionError (a ValueError)
    if it did not converge."""
    stat = solve(base.with_(k=k), seed=seed, init=previous, settings=settings, progress=False)
    if stat.status != "converged":
        raise NoStationarySolutionError(f"no converged stationary solution at g = {base.g}, k = {k:.4g}, "
                                        f"p = {base.p} ({stat.status}: {stat.message})")
    return stat


def linear_onset(g: float, p: float, kind: str = "semifreezable", *, k_guess: float | None = None,
                 n_paths: int = 256, n_replicas: int = 4, tol: float = 2e-3, max_iter: int = 8,
                 seed: int | None = 0, stationary_settings: SolverSettings | None = None,
                 nonlinearity: str = "tanh", progress=None) -> OnsetResult:
    """k_semi (kind "semifreezable") or k_ufp (kind "fixed_point") at (g, p): the k where the leading eigenvalue of
    the linearised two-replica map at Q = 0 equals 1."""
    if kind not in ("semifreezable", "fixed_point"):
        raise ValueError(f"kind must be 'semifreezable' or 'fixed_point', got {kind!r}")
    base = _chaotic_A(g, p, nonlinearity)
    start = time.perf_counter()
    state = {"stat": None}
    bar = progress_bar(None, progress, desc=f"onset ({kind})", total=max_iter + 2, auto=True)

    def f(k):
        stat = state["stat"] = _stationary_at(base, k, seed, stationary_settings, state["stat"])
        m = leading_multiplier(stat, kind, n_paths=n_paths, n_replicas=n_replicas, seed=seed)
        return m.mu - 1.0, m.mu_err

    k0 = k_guess if k_guess is not None else _default_guess(g)
    try:
        k, k_err, ok, msg, hist = _secant_onset(kind, g, p, f, k0, 1.1 * k0, tol, max_iter, bar)
    finally:
        bar.close()
    return OnsetResult(kind=kind, g=g, p=p, k=k, k_err=k_err, converged=ok, message=msg, history=hist,
                       iterations=len(hist), seed=seed, wall_s=time.perf_counter() - start,
                       settings=dict(n_paths=n_paths, n_replicas=n_replicas, tol=tol, max_iter=max_iter,
                                     stationary=asdict(stationary_settings or SolverSettings())))


def _default_guess(g: float) -> float:
    # a starting point only: the onsets start at 2/(sqrt(3) pi) as g -> 1+ [Eq. 39] and k_semi rises by about a
    # third per unit g (0.65, 1.08, 1.51 at g = 2, 3, 4)
    return 2.0 / (math.sqrt(3.0) * math.pi) + 0.35 * (g - 1.0)


def freezing_onset(g: float, p: float, *, k_guess: float | None = None, tol: float = 5e-3, max_iter: int = 8,
                   seed: int | None = 0, settings: ReplicaSettings | None = None,
                   stationary_settings: SolverSettings | None = None, nonlinearity: str = "tanh",
                   progress=None) -> OnsetResult:
    """k_freeze at (g, p): where the fixed-point solution's bulk radius r [Eq. 30] crosses 1 (r decreases with k).
    Each evaluation is a nonlinear fixed-point solve warm-started from the previous k; the error of r is the
    replicas' spread."""
    base = _chaotic_A(g, p, nonlinearity)
    start = time.perf_counter()
    state = {"stat": None, "fp": None}
    bar = progress_bar(None, progress, desc="onset (freezable)", total=max_iter + 2, auto=True)

    def f(k):
        stat = state["stat"] = _stationary_at(base, k, seed, stationary_settings, state["stat"])
        fp = solve_overlap(stat, "fixed-point", settings=settings, seed=seed, init=state["fp"], progress=False)
        if not fp.nontrivial:
            raise ValueError(f"no nontrivial fixed-point solution at k = {k:.4g} ({fp.status}: {fp.message}); "
                             "start k_guess above the fixed-point onset")
        state["fp"] = fp
        return 1.0 - fp.r, fp.r_err

    if k_guess is None:
        # the fixed-point solution appears at k_ufp with r > 1 and r falls through 1 above it (Fig. 7d inset): start
        # a little above k_ufp, which the linearised map gives in seconds (k_freeze / k_ufp ~ 1.35 at g = 2)
        ufp = linear_onset(g, p, "fixed_point", seed=seed, stationary_settings=stationary_settings,
                           nonlinearity=nonlinearity, progress=False)
        k_guess = 1.3 * ufp.k if ufp.converged else 2.0 * _default_guess(g)
    k0 = k_guess
    try:
        k, k_err, ok, msg, hist = _secant_onset("freezable", g, p, f, k0, 1.1 * k0, tol, max_iter, bar)
    finally:
        bar.close()
    return OnsetResult(kind="freezable", g=g, p=p, k=k, k_err=k_err, converged=ok, message=msg, history=hist,
                       iterations=len(hist), seed=seed, wall_s=time.perf_counter() - start,
                       settings=dict(tol=tol, max_iter=max_iter, replica=asdict(settings or ReplicaSettings())))


def onset(g: float, p: float, kind: str, **kwargs) -> OnsetResult:
    """One entry point: kind "semifreezable" (k_semi), "fixed_point" (k_ufp) or "freezable" (k_freeze)."""
    if kind not in ONSET_KINDS:
        raise ValueError(f"kind must be one of {ONSET_KINDS}, got {kind!r}")
    if kind == "freezable":
        return freezing_onset(g, p, **kwargs)
    return linear_onset(g, p, kind, **kwargs)
