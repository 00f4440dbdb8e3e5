"""First-order transition to dynamic (chaotic) solutions for g < 1 [Sec. IV C, Fig. 3(c)].

For g < 1 and tau >> p the single-site dynamics take the "slow" form [Eq. 10], i.e. the network of
Stern et al. with self-coupling s = k C(0) [Eq. 11].  A dynamic Stern solution at (g, s) with
variance C(0) is a plastic-network solution at k = y(s) = s / C(0).  y(s) descends from infinity at
s = 1 - g and grows like s for large s (a U shape), so k_c(g) = min_s y(s) is where dynamic solutions
first appear.  Below it the network is quiescent.  Above it there are two solutions: a small-s one
and a large-s one.

C(0) at each s comes from the stationary DMFT engine (:func:`dmft.theory.stationary.solve` with the
``stern`` rule), so y(s) carries a Monte Carlo error, and so does k_c.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from dmft import _generated as gen
from dmft.theory.kernels import PlasticityRule
from dmft.params import Params
from dmft.progress import progress_bar
from dmft.theory.stationary import SolverSettings, solve

# A looser default than solve()'s 0.3%: the minimum of y(s) is flat, and k_c needs y to about 0.5%.
BOUNDARY_SETTINGS = SolverSettings(target_rel_err=0.005, min_replicas=3)


@dataclass
class SternPoint:
    """One point of the y(s) curve: C(0) of the dynamic Stern solution and y = s / C(0)."""

    s: float
    C0: float
    C0_err: float
    converged: bool
    status: str

    @property
    def y(self) -> float:
        return float(gen.stern_y(self.s, self.C0)) if self.C0 > 0 else math.inf

    @property
    def y_err(self) -> float:
        return self.y * self.C0_err / self.C0 if self.C0 > 0 else math.inf


def stern_curve(g: float, s_values, *, settings: SolverSettings | None = None, seed: int = 0,
                progress=None, stop=None) -> list[SternPoint]:
    """y(s) = s / C(0) of the dynamic solutions of Eq. 11 at each s (Fig. 3c), in the order given, warm-starting
    each solve from the previous one.  ``stop(points so far) -> bool``, if given, ends the curve early."""
    st = settings or BOUNDARY_SETTINGS
    out, prev = [], None
    s_values = [float(s) for s in s_values]
    for s in progress_bar(s_values, progress, desc=f"y(s) at g={g}", total=len(s_values)):
        res = solve(Params(g, 0.0, 1.0), PlasticityRule("stern", s=s), settings=st, seed=seed,
                    init=prev if prev is not None and prev.converged else None)
        C0 = float(res.C0) if res.converged else 0.0
        out.append(SternPoint(s, C0, float(res.C0_err) if res.converged else math.nan, bool(res.converged),
                              res.status))
        prev = res
        if stop is not None and stop(out):
            break
    return out


BRACKET_SIGMAS = 3.0     # a point below the minimum in s that is this many errors above it closes the bracket


def minimum_bracketed(points: list) -> bool:
    """Whether a y(s) curve computed from large s downwards has passed its minimum: the last point is converged,
    at smaller s than the lowest y so far, and above it by BRACKET_SIGMAS combined errors.  Below the minimum
    y(s) only rises (to infinity at s = 1 - g) while the solves slow down (the timescale grows as s -> 1 - g),
    so the points there are not needed for k_c."""
    ok = [q for q in points if q.converged and q.C0 > 0]
    if len(ok) < 3 or ok[-1] is not points[-1]:
        return False
    best = min(ok, key=lambda q: q.y)
    last = ok[-1]
    return last.s < best.s and last.y - best.y > BRACKET_SIGMAS * math.hypot(last.y_err, best.y_err)


@dataclass
class FirstOrderBoundary:
    """k_c(g) = min_s y(s) [Sec. IV C] with the curve it came from."""

    g: float
    k_c: float
    k_c_err: float
    s_at_min: float
    points: list = field(repr=False, default_factory=list)
    converged: bool = True
    message: str = ""
    wall_s: float = 0.0
    settings: dict = field(default_factory=dict)

    def summary(self) -> dict:
        return {"g": self.g, "k_c": self.k_c, "k_c_err": self.k_c_err, "s_at_min": self.s_at_min,
                "converged": self.converged, "message": self.message, "wall_s": self.wall_s,
                "settings": self.settings,
                "y_curve": [{"s": q.s, "C0": q.C0, "C0_err": q.C0_err, "y": q.y if q.converged else None,
                             "status": q.status} for q in self.points]}


def _parabola_minimum(sv: np.ndarray, yv: np.ndarray):
    """(s_min, y_min) of the parabola through three points, s_min clipped to their range (the lowest
    point if noise made them concave)."""
    a, b, c = np.polyfit(sv, yv, 2)
    if a <= 0:
        i = int(np.argmin(yv))
        return float(sv[i]), float(yv[i])
    s_min = float(np.clip(-b / (2 * a), sv[0], sv[-1]))
    return s_min, float(np.polyval([a, b, c], s_min))


# statuses that are answers about a point of the y(s) curve, not failures to find one
_VERDICTS = ("converged", "diverging_timescale", "no_dynamic_solution")


def first_order_boundary(g: float, *, n_s: int = 9, s_span: float = 1.2, settings: SolverSettings | None = None,
                         seed: int = 0, progress=None) -> FirstOrderBoundary:
    """k_c(g) for 0 < g < 1: y(s) on n_s points of s in (1 - g, 1 - g + s_span], then the minimum of the
    parabola through the lowest point and its neighbours [Sec. IV C].  The curve is computed from large s
    downwards and stops once the minimum is bracketed (:func:`minimum_bracketed`): the points closest to
    s = 1 - g, the slowest to solve, are computed only when the minimum is near them.

    Error: the Monte Carlo errors of the three y values propagated through the parabola's minimum (linear
    in them: the weights are the Lagrange basis at s_min).  The parabola's own discretisation error is not
    included.  ``converged`` is False when any point of the curve failed (status ``not_converged``), when
    a point of the fitted trio is not a converged solution, or when the minimum is at an end of the s
    range (k_c is then an upper bound).  A minimum at the largest converged s next to a diverging-timescale
    verdict is first retried with a longer window (:func:`_retry_above_minimum`).  Points whose solve ended in a
    verdict (a diverging timescale, no dynamic solution) stay in ``points`` with their status and are named in
    ``message``."""
    if isinstance(n_s, bool) or not isinstance(n_s, (int, np.integer)) or n_s < 3:
        raise ValueError(f"n_s (points of the y(s) curve) must be an integer >= 3, got {n_s!r}")
    if not (isinstance(s_span, (int, float)) and math.isfinite(s_span) and s_span > 0):
        raise ValueError(f"s_span must be a positive finite number, got {s_span!r}")
    g = float(g)
    if not (math.isfinite(g) and 0 < g < 1):
        raise ValueError(f"the first-order transition is for 0 < g < 1, got g = {g}")
    st = settings or BOUNDARY_SETTINGS
    start = time.perf_counter()
    s0 = 1.0 - g
    s_grid = s0 + s_span * np.linspace(1.0 / n_s, 1.0, n_s)
    pts = stern_curve(g, s_grid[::-1], settings=st, seed=seed, progress=progress, stop=minimum_bracketed)
    pts = sorted(pts, key=lambda q: q.s)
    pts, retried = _retry_above_minimum(g, pts, st, seed)
    sett = _settings_dict(st, n_s, s_span, seed)
    failed = [q for q in pts if q.status not in _VERDICTS]
    other = [q for q in pts if q.status in _VERDICTS and q.status != "converged"]
    notes = [retried] if retried else []
    if failed:
        notes.append("not converged at s = " + ", ".join(f"{q.s:.3g}" for q in failed))
    if other:
        notes.append("; ".join(f"s = {q.s:.3g}: {q.status}" for q in other))
    ok = [q for q in pts if q.converged and q.C0 > 0]
    if len(ok) < 3:
        notes.insert(0, f"only {len(ok)} converged points on the y(s) curve")
        return FirstOrderBoundary(g, math.nan, math.nan, math.nan, pts, False, "; ".join(notes),
                                  time.perf_counter() - start, sett)
    ys = np.array([q.y for q in ok])
    i = int(np.argmin(ys))
    if i == 0 or i == len(ok) - 1:
        notes.insert(0, "minimum at the end of the converged s range: k_c is an upper bound")
        q = ok[i]
        return FirstOrderBoundary(g, q.y, q.y_err, q.s, pts, False, "; ".join(notes),
                                  time.perf_counter() - start, sett)
    trio = ok[i - 1:i + 2]
    sv = np.array([q.s for q in trio])
    yv = np.array([q.y for q in trio])
    s_min, k_c = _parabola_minimum(sv, yv)
    # propagate the y errors (k_c is smooth in the y values away from the clipping)
    grad = []
    for j in range(3):
        dy = 1e-6 * max(abs(yv[j]), 1.0)
        yp = yv.copy()
        yp[j] += dy
        grad.append((_parabola_minimum(sv, yp)[1] - k_c) / dy)
    k_err = float(np.sqrt(np.sum((np.array(grad) * np.array([q.y_err for q in trio])) ** 2)))
    # a neighbour of the trio that is not a converged point means the minimum is not bracketed by solutions
    pos = [pts.index(q) for q in trio]
    contiguous = pos == list(range(pos[0], pos[0] + 3))
    if not contiguous:
        notes.insert(0, "the fitted points are not neighbours on the s grid (points between them failed)")
    converged = not failed and contiguous
    return FirstOrderBoundary(g, k_c, k_err, s_min, pts, converged, "; ".join(notes),
                              time.perf_counter() - start, sett)


# the window caps of a Stern solve retried next to the minimum, tried in turn (solve's default: 500)
LONG_TAU_CAPS = (2000.0, 8000.0)


def _retry_above_minimum(g, pts, st, seed):
    """While y(s) is lowest at the largest converged s and the next s up ended in a diverging timescale, solve that
    point again with the longer window caps LONG_TAU_CAPS, in turn, until it no longer reports a diverging timescale.
    Where the Stern dynamics slow down towards freezing (large s, small g) the timescale is long but finite: at
    g = 0.5, s = 1.567 converges with cap 2000 and brackets the minimum (k_c = 1.771 +- 0.003), with the default cap
    it reported a diverging timescale and k_c was only an upper bound; at g = 0.4, s = 1.4 converges with cap 2000 and
    s = 1.533, the next point up, needs 8000 (a solve of ~10 minutes).  Returns (points with the retried ones
    replaced, a note, or "" if nothing was retried)."""
    notes = []
    while True:
        ok = [q for q in pts if q.converged and q.C0 > 0]
        if len(ok) < 2 or min(ok, key=lambda q: q.y) is not ok[-1]:
            break
        above = [q for q in pts if q.s > ok[-1].s and q.status == "diverging_timescale"]
        caps = [cap for cap in LONG_TAU_CAPS if cap > (st.tau_cap or 0.0)]
        if not above or not caps:
            break
        tried = []
        for cap in caps:
            redo = stern_curve(g, [above[0].s], settings=replace(st, tau_cap=cap), seed=seed)[0]
            tried.append(f"{cap:g}: {redo.status}")
            if redo.status != "diverging_timescale":
                break
        pts = sorted([redo if q is above[0] else q for q in pts], key=lambda q: q.s)
        notes.append(f"s = {redo.s:.3g} retried with tau_cap = " + ", ".join(tried))
        if not redo.converged:
            break
    return pts, "; ".join(notes)


def _settings_dict(st: SolverSettings, n_s: int, s_span: float, seed: int) -> dict:
    return dict(solver=asdict(st), n_s=n_s, s_span=s_span, seed=seed)
