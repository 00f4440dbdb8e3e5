"""Stationary solutions along a line of parameters, each warm-started from its neighbour [Eqs. 6-8].

A sweep (in k at fixed g, say) is how curves like Fig. 2(b) and phase boundaries are computed.  Neighbouring
solutions are close, so each solve after the first starts from the previous converged C (no cold start: see
:func:`dmft.theory.stationary.solve` with ``init``); its replicas, error bars and verdicts are those of a single solve.
A point that did not converge (or reached a verdict such as a diverging timescale) is kept with its status and
does not seed the next one.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Sequence

import numpy as np

from dmft.numerics.driver import BudgetExhausted, Driver
from dmft.numerics.observables import synaptic_timescale, tau_star
from dmft.theory.kernels import HEBBIAN, PlasticityRule
from dmft.params import Params
from dmft.progress import progress_bar
from dmft.theory.stationary import SolverSettings, _AutocovarianceProblem, _starting_point, resolved_step, solve

__all__ = ["Basin", "Basins", "Branches", "Sweep", "basins", "branches", "sweep", "line"]


@dataclass
class Sweep:
    """The solutions of a sweep, in order, with the settings and the total wall time."""

    results: list
    settings: dict = field(default_factory=dict)
    seed: int = 0
    wall_s: float = 0.0

    @property
    def converged(self) -> bool:
        """Whether every point converged (see each result's ``status`` otherwise)."""
        return all(r.converged for r in self.results)

    def summary(self) -> dict:
        """JSON-ready: per point the parameters, C(0), tau*, PR_A with errors, status and iterations."""
        rows = [dict(params=r.params.as_dict(), C0=r.C0, C0_err=r.C0_err, tau_star=r.tau_star,
                     tau_star_err=r.tau_star_err, PR_A=r.PR_A, status=r.status, converged=r.converged,
                     iterations=r.iterations, wall_s=r.wall_s, method=r.method) for r in self.results]
        return dict(points=rows, converged=self.converged, seed=self.seed, settings=self.settings,
                    wall_s=self.wall_s)


def line(base: Params, name: str, start: float, stop: float, num: int) -> list:
    """``num`` copies of ``base`` with the parameter ``name`` (g, k or p) from ``start`` to ``stop`` evenly."""
    if name not in ("g", "k", "p"):
        raise ValueError(f"a sweep varies g, k or p, got {name!r}")
    if isinstance(num, bool) or not isinstance(num, int) or num < 1:
        raise ValueError(f"num must be a positive integer, got {num!r}")
    if not (math.isfinite(start) and math.isfinite(stop)):
        raise ValueError(f"the sweep range must be finite, got {start}, {stop}")
    step = (stop - start) / (num - 1) if num > 1 else 0.0
    return [base.with_(**{name: start + i * step}) for i in range(num)]


def sweep(points: Sequence[Params], rule: PlasticityRule = HEBBIAN, *, settings: SolverSettings | None = None,
          seed: int = 0, progress=None) -> Sweep:
    """Solve the stationary DMFT at each of ``points`` in order, warm-starting each from the last converged
    solution.  Point i uses seed ``seed + i`` (independent random numbers).  Returns a :class:`Sweep`."""
    points = list(points)
    if not points or not all(isinstance(q, Params) for q in points):
        raise ValueError("points must be a non-empty sequence of dmft.Params")
    st = settings or SolverSettings()
    start = time.perf_counter()
    results, prev = [], None
    for i, q in enumerate(progress_bar(points, progress, desc="sweep", total=len(points))):
        res = solve(q, rule, settings=st, seed=seed + i, init=prev)
        results.append(res)
        if res.converged:
            prev = res
    return Sweep(results, dict(solver=asdict(st), rule=rule.describe()), seed, time.perf_counter() - start)


@dataclass
class Branches:
    """The stationary solutions along a line, continued from both of its ends (App. B: at large p and k there can
    be a fast solution, tau* of order 1, and a slow one, tau* >> p).

    forward  : the results continued from the first point (each warm-started from its converged predecessor);
    backward : those continued from the last point, listed in the order of the points.
    Where the two continuations converge to different solutions, both branches exist (:meth:`coexist`); where a
    branch ends (a saddle-node), its continuation falls onto the other one and the two agree."""

    points: list
    forward: list
    backward: list
    settings: dict = field(default_factory=dict)
    seed: int = 0
    wall_s: float = 0.0

    def coexist(self, n_sigma: float = 4.0) -> list:
        """Per point: True where both continuations converged and their tau* differ by more than ``n_sigma``
        combined standard errors, False where they converged and agree, None where either did not converge.
        The flag trusts the solves' error bars; close to the end of a branch (its slow mode) they can be too small
        (g = 2, p = 45, k = 0.7: tau* = 4.64 +- 0.01 and 4.99 +- 0.01 from the two ends, where plain iteration on
        one set of random numbers finds a single solution from both starts), so a True there needs a look at C."""
        flags = []
        for f, b in zip(self.forward, self.backward):
            if not (f.converged and b.converged):
                flags.append(None)
                continue
            err = math.hypot(f.tau_star_err, b.tau_star_err)
            flags.append(bool(abs(f.tau_star - b.tau_star) > n_sigma * err))
        return flags

    def summary(self) -> dict:
        """JSON-ready: per point both continuations (C(0), tau*, PR_A with errors, status) and the coexistence flag."""
        def row(r):
            return dict(C0=r.C0, C0_err=r.C0_err, tau_star=r.tau_star, tau_star_err=r.tau_star_err, PR_A=r.PR_A,
                        status=r.status, converged=r.converged)
        rows = [dict(params=q.as_dict(), forward=row(f), backward=row(b), coexist=c)
                for q, f, b, c in zip(self.points, self.forward, self.backward, self.coexist())]
        return dict(points=rows, seed=self.seed, settings=self.settings, wall_s=self.wall_s)


def branches(points: Sequence[Params], rule: PlasticityRule = HEBBIAN, *, settings: SolverSettings | None = None,
             seed: int = 0, progress=None) -> Branches:
    """Solve the stationary DMFT along ``points`` twice: a :func:`sweep` from the first point and one from the last
    (seeds ``seed + i`` and ``seed + len(points) + i``), so that each branch is followed as far as it exists.
    Along k at large p, from small k the sweep follows the fast solution and from large k the slow one.
    Returns a :class:`Branches`."""
    points = list(points)
    start = time.perf_counter()
    fwd = sweep(points, rule, settings=settings, seed=seed, progress=progress)
    bwd = sweep(points[::-1], rule, settings=settings, seed=seed + len(points), progress=progress)
    return Branches(points, fwd.results, bwd.results[::-1], fwd.settings, seed, time.perf_counter() - start)


@dataclass
class Basin:
    """Where one replica's iteration (fixed random numbers) ends from one start: C on its lag grid, tau*, PR_A
    [Eq. 23] and the driver's verdict ``how`` ("solved", "not_converged", "cap": the window reached its cap,
    "trivial", "budget": the evaluation budget ran out), with the evaluations it took."""

    tau: np.ndarray
    C: np.ndarray
    tau_star: float
    PR_A: float
    how: str
    evaluations: int

    @property
    def solved(self) -> bool:
        return self.how == "solved"


@dataclass
class Basins:
    """The fixed points of one replica per point, continued from both ends of a line (:func:`basins`)."""

    points: list
    forward: list
    backward: list
    n_paths: int
    seed: int
    settings: dict = field(default_factory=dict)
    wall_s: float = 0.0

    def coexist(self, rel: float = 0.5) -> list:
        """Per point: True where both continuations solved and their tau* differ by more than the fraction ``rel``
        of the smaller, False where they solved and agree, None where either did not solve.  The two branches of
        App. B differ in tau* by a factor of 3 or more where they coexist (g = 2, p = 45, k = 0.8: 5.6 and 24); one
        replica's tau* scatters by a few percent (a window grown by one continuation and not the other changes its
        random numbers), so the default 50% separates the branches from noise."""
        flags = []
        for f, b in zip(self.forward, self.backward):
            if not (f.solved and b.solved):
                flags.append(None)
                continue
            flags.append(bool(abs(f.tau_star - b.tau_star) > rel * min(f.tau_star, b.tau_star)))
        return flags

    def summary(self) -> dict:
        """JSON-ready: per point tau*, PR_A, verdict and evaluations of both continuations, and the flag."""
        def row(b):
            return dict(tau_star=b.tau_star, PR_A=b.PR_A, C0=float(b.C[0]), how=b.how, evaluations=b.evaluations)
        rows = [dict(params=q.as_dict(), forward=row(f), backward=row(b), coexist=c)
                for q, f, b, c in zip(self.points, self.forward, self.backward, self.coexist())]
        return dict(points=rows, n_paths=self.n_paths, seed=self.seed, settings=self.settings, wall_s=self.wall_s)


def _with_growing_taper(make_engine):
    """The problem's engine factory, its engines' lag window (taper) following the output's significant extent
    outwards instead of being fixed at the first evaluation: a taper fixed on a fast start cuts off the slow tail
    that would carry the iterate to the slow branch, and sustains a fast "solution" that is an artefact of the cut
    (g = 2, p = 45, k = 1.1 from the fast guess: tau* = 14.9 with C zero past tau = 100)."""
    def engine(window, n_paths):
        e = make_engine(window, n_paths)
        e.taper_grows = True
        return e
    return engine


SLOW_STRETCH = 1.0   # the backward continuation's first start: the fast guess stretched in lag by this times p


def basins(points: Sequence[Params], rule: PlasticityRule = HEBBIAN, *, n_paths: int = 256,
           settings: SolverSettings | None = None, seed: int = 0, progress=None) -> Basins:
    """Both solutions of App. B, where they exist, by continuation from both ends of a line with one replica.

    At each point one replica (``n_paths`` paths, random numbers from ``seed + i`` for both continuations) is
    iterated to its fixed point by the package's driver (Anderson mixing, the stall guard that follows the map
    through a saddle-node ghost, window growth).  The forward continuation starts at the first point from the
    solver's cold guess (the fast, k = 0 shape) and each next point from the previous fixed point; the backward one
    starts at the last point from that guess stretched in lag by ``SLOW_STRETCH`` x p (a slow start: synapses
    dragging neurons, App. B) and runs back.  With its random numbers fixed, a replica's map is smooth and
    deterministic, so it settles on a fixed point or, near the end of a branch, lingers at its ghost (reported
    "not_converged" after max_iter).  The two continuations' fixed points differ by sampling noise only (a few
    percent in tau*: a window grown by one and not the other draws other random numbers) where there is one
    solution, and by a factor of 3 or more where two coexist (:meth:`Basins.coexist`); where one branch has ended
    its continuation falls onto the other.  This is what :func:`branches` does with full
    solves, at a fraction of the cost and without their error bars (replicas near a ghost land on either side of
    it and the full solves are then reported not converged; a single replica has no such ambiguity).
    ``settings``: the solver's (max_iter and max_evaluations per point)."""
    points = list(points)
    if not points or not all(isinstance(q, Params) for q in points):
        raise ValueError("points must be a non-empty sequence of dmft.Params")
    if isinstance(n_paths, bool) or not isinstance(n_paths, int) or n_paths < 16:
        raise ValueError(f"n_paths must be an integer >= 16, got {n_paths!r}")
    st0 = settings or SolverSettings(tol=1e-6, max_iter=300, max_evaluations=400)
    start = time.perf_counter()
    bar = progress_bar(None, progress, desc="basins", total=2 * len(points), auto=True)

    def run(i, q, x, window, forward):
        guess, guess_window, st = _starting_point(q, rule, replace(st0, h=resolved_step(st0, q, rule)), None)
        problem = _AutocovarianceProblem(q, rule, st, np.random.default_rng(seed + i))
        problem.engine = _with_growing_taper(problem.engine)
        driver = Driver(problem, st, [], progress_bar(None, False))
        if x is None:
            x, window = guess, guess_window
            if not forward:
                lag = np.arange(window[1])
                x = np.interp(lag / (SLOW_STRETCH * q.p), lag, x)          # the fast guess, stretched
        try:
            x, window, _, _, _, how = driver.converge(x, window, n_paths)
        except BudgetExhausted as stop:
            x, window, how = stop.x, stop.window, "budget"
        h = window[0] / (window[1] - 1)
        C = x[:window[1]]
        ok = C[0] > 0 and how != "trivial"
        bar.update()
        return Basin(h * np.arange(window[1]), C, tau_star(C, h) if ok else math.nan,
                     q.p / synaptic_timescale(C, h, q.p) if ok else math.nan, how, len(driver.history)), (x, window)

    results = {}
    for forward, order in ((True, range(len(points))), (False, range(len(points) - 1, -1, -1))):
        x = window = None
        out = []
        for i in order:
            basin, state = run(i, points[i], x, window, forward)
            out.append(basin)
            x, window = state if basin.solved else (x, window)
        results[forward] = out if forward else out[::-1]
    bar.close()
    return Basins(points, results[True], results[False], n_paths, seed,
                  dict(solver=asdict(st0), rule=rule.describe(), slow_stretch=SLOW_STRETCH),
                  time.perf_counter() - start)
