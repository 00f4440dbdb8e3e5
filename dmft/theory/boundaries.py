"""One point of each boundary of the phase diagram [Fig. 1(b)], in a common form.

Every function here computes k on one boundary at one g (and p) and returns a :class:`BoundaryPoint`:
k, its error, whether the computation converged, and a message.  They are thin wrappers around the
solvers that own the physics, so that :mod:`dmft.phase_diagram` can treat every point as one task:

=====================  ====================================================  ============================
boundary               meaning                                               computed by
=====================  ====================================================  ============================
``chaos_onset``        x = 0 loses stability: g = 1 for every k (A = 0 at    exact
                       x = 0, so only J decides) [Sec. III]
``first_order``        dynamic solutions appear for g < 1 (regions iv / v)   :func:`~.first_order.first_order_boundary`
                       [Sec. IV C, Eq. 10-11]
``fixed_point_onset``  stable fixed points exist (hatched region, vi)        :func:`dmft.theory.fixed_points.onset`
                       [Sec. VI, Eqs. 24-26]
``semifreezable``      halting keeps a memory (vii) [Sec. VII]               :func:`dmft.theory.onsets.onset`
``freezable``          the halted fixed point is stable, r = 1 (viii)        :func:`dmft.theory.onsets.onset`
                       [Eq. 30]
``diverging_timescale``  smallest k where the stationary DMFT reports        :func:`diverging_timescale_onset`
                       tau* beyond its cap [Sec. VI]
=====================  ====================================================  ============================
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Optional

from dmft.errors import UnphysicalSolutionError
from dmft.params import Params
from dmft.theory.stationary import SolverSettings, solve

BOUNDARIES = ("chaos_onset", "first_order", "fixed_point_onset", "semifreezable", "freezable",
              "diverging_timescale")

# boundaries whose solver is provisional (drawn dashed and labelled so).  Empty since 2026-11-30: the two-replica
# onsets agree with Fig. 7d and with halted networks (README, "The two-replica solver").
EXPERIMENTAL: tuple = ()


@dataclass
class BoundaryPoint:
    """k on one boundary at one (g, p)."""

    boundary: str
    g: float
    p: float
    k: float
    k_err: float
    converged: bool
    message: str = ""
    wall_s: float = 0.0
    detail: dict = field(default_factory=dict)

    def summary(self) -> dict:
        return asdict(self)


def _point(boundary, g, p, k, k_err, converged, message, start, **detail) -> BoundaryPoint:
    return BoundaryPoint(boundary, float(g), float(p), float(k), float(k_err), bool(converged), message,
                         time.perf_counter() - start, detail)


def chaos_onset_point(g: float, p: float, *, k: float, **_) -> BoundaryPoint:
    """The chaos onset at plasticity k: g = 1 exactly.  At x = 0 the Hebbian term vanishes (phi(0) = 0, so A
    decays to 0), and the quiescent state's stability is that of the random network J alone: unstable iff g > 1.
    Here ``g`` is ignored (the boundary is a line of constant g), and the point returned is (1, k)."""
    start = time.perf_counter()
    return _point("chaos_onset", 1.0, p, k, 0.0, True, "exact: x = 0 is unstable iff g > 1", start)


def first_order_point(g: float, p: float, *, n_s: int = 9, target_rel_err: float = 0.005, seed: int = 0,
                      **_) -> BoundaryPoint:
    """k_c(g) for g < 1: the minimum of y(s) [Sec. IV C].  Independent of p (slow form, Eq. 10)."""
    from dmft.theory.first_order import first_order_boundary

    start = time.perf_counter()
    b = first_order_boundary(g, n_s=n_s, settings=SolverSettings(target_rel_err=target_rel_err, min_replicas=3),
                             seed=seed, progress=False)
    return _point("first_order", g, p, b.k_c, b.k_c_err, b.converged, b.message, start, s_min=b.s_at_min)


def fixed_point_onset_point(g: float, p: float, **_) -> BoundaryPoint:
    """The smallest k with stable fixed points [Sec. VI]: deterministic (quadrature), independent of p."""
    from dmft.theory.fixed_points import onset

    start = time.perf_counter()
    o = onset(g)
    return _point("fixed_point_onset", g, p, o.k_onset, 0.0, True,
                  "discontinuous onset" if o.discontinuous else "continuous onset", start,
                  s_onset=o.s_onset, C0=o.C0, log2_number=o.log2_number)


def replica_onset_point(boundary: str, g: float, p: float, *, n_paths: int = 256, n_replicas: int = 4,
                        seed: int = 0, **_) -> BoundaryPoint:
    """k_semi (``semifreezable``) or k_freeze (``freezable``) from the two-replica DMFT [Sec. VII]."""
    from dmft.theory.onsets import onset

    start = time.perf_counter()
    if boundary == "semifreezable":
        o = onset(g, p, "semifreezable", n_paths=n_paths, n_replicas=n_replicas, seed=seed)
    else:
        o = onset(g, p, "freezable", seed=seed)
    return _point(boundary, g, p, o.k, o.k_err, o.converged, o.message, start, iterations=o.iterations)


def diverging_timescale_onset(g: float, p: float, k_lo: float, k_hi: float, *, steps: int = 5, seed: int = 0,
                              settings: Optional[SolverSettings] = None, phi: str = "tanh") -> BoundaryPoint:
    """The smallest k in [k_lo, k_hi] at which the stationary DMFT's timescale diverges [Sec. VI].

    Bisection on the verdict of :func:`dmft.theory.stationary.solve` ("converged" below, "diverging_timescale" above),
    ``steps`` halvings of the bracket, warm-starting each solve from the nearest converged one.  k is the
    bracket's midpoint and k_err its half-width (the verdict is a yes/no, so this is a resolution, not a
    statistical error).  ``converged`` is False when k_hi does not diverge (no boundary in the range; k = nan),
    when k_lo already diverges (k is then an upper bound, k_lo), or when a solve ends in neither verdict."""
    start = time.perf_counter()
    if not (k_hi > k_lo):
        raise ValueError(f"need k_lo < k_hi, got [{k_lo}, {k_hi}]")
    base = Params(g, k_lo, p, phi)
    status = {}

    def verdict(k, init=None):
        r = solve(base.with_(k=k), seed=seed, settings=settings, init=init, progress=False)
        status[k] = r.status
        return r

    hi = verdict(k_hi)
    if hi.status != "diverging_timescale":
        return _point("diverging_timescale", g, p, math.nan, math.nan, False,
                      f"no diverging timescale up to k = {k_hi:g} (solve at k_hi: {hi.status})", start,
                      verdicts=status)
    lo = verdict(k_lo)
    if lo.status == "diverging_timescale":
        return _point("diverging_timescale", g, p, k_lo, 0.0, False,
                      f"the timescale already diverges at k_lo = {k_lo:g}: k is an upper bound", start,
                      verdicts=status)
    if lo.status != "converged":
        return _point("diverging_timescale", g, p, math.nan, math.nan, False,
                      f"no verdict at k_lo = {k_lo:g} ({lo.status})", start, verdicts=status)
    a, b, init = k_lo, k_hi, lo
    for _ in range(steps):
        mid = 0.5 * (a + b)
        r = verdict(mid, init)
        if r.status == "converged":
            a, init = mid, r
        elif r.status == "diverging_timescale":
            b = mid
        else:
            return _point("diverging_timescale", g, p, 0.5 * (a + b), 0.5 * (b - a), False,
                          f"no verdict at k = {mid:.4g} ({r.status}); bracket [{a:.4g}, {b:.4g}]", start,
                          verdicts=status)
    return _point("diverging_timescale", g, p, 0.5 * (a + b), 0.5 * (b - a), True,
                  f"bracket [{a:.4g}, {b:.4g}] after {steps} bisections", start, verdicts=status)


def diverging_timescale_point(g: float, p: float, *, k_max: float, steps: int = 5, seed: int = 0,
                              target_rel_err: float = 0.003, **_) -> BoundaryPoint:
    """The diverging-timescale boundary at g, searched between the fixed-point onset (below which stable fixed
    points do not exist and the timescale stays finite, Sec. VI) and k_max."""
    from dmft.theory.fixed_points import onset

    k_lo = min(onset(g).k_onset, 0.9 * k_max)
    return diverging_timescale_onset(g, p, k_lo, k_max, steps=steps, seed=seed,
                                     settings=SolverSettings(target_rel_err=target_rel_err))


POINT_FUNCTIONS = {
    "chaos_onset": chaos_onset_point,
    "first_order": first_order_point,
    "fixed_point_onset": fixed_point_onset_point,
    "semifreezable": lambda g, p, **kw: replica_onset_point("semifreezable", g, p, **kw),
    "freezable": lambda g, p, **kw: replica_onset_point("freezable", g, p, **kw),
    "diverging_timescale": diverging_timescale_point,
}


def boundary_point(boundary: str, g: float, p: float, **options) -> BoundaryPoint:
    """k on ``boundary`` at (g, p); ``options`` go to the boundary's solver (see the table above).

    A solver that fails at this point (an unphysical output, a Newton solve that found no root) gives a point
    with k = nan, ``converged`` False and the error in ``message``: one failed point of a diagram is a result to
    report, not a reason to lose the others.  Bad input still raises ValueError."""
    if boundary not in POINT_FUNCTIONS:
        raise ValueError(f"unknown boundary {boundary!r}; known: {', '.join(BOUNDARIES)}")
    start = time.perf_counter()
    try:
        return POINT_FUNCTIONS[boundary](g, p, **options)
    except (UnphysicalSolutionError, FloatingPointError) as err:
        return _point(boundary, g, p, math.nan, math.nan, False,
                      f"computation failed: {type(err).__name__}: {err}", start)
