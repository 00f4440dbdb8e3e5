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
from dataclasses import asdict, dataclass, field
from typing import Sequence

from dmft.theory.kernels import HEBBIAN, PlasticityRule
from dmft.params import Params
from dmft.progress import progress_bar
from dmft.theory.stationary import SolverSettings, solve

__all__ = ["Branches", "Sweep", "branches", "sweep", "line"]


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
