"""Freezable chaos: the phase of a plastic network after its synapses are halted (Sec. VII, Fig. 1b (vii)-(viii)).

Definitions (Sec. VII), from the two solutions of the two-replica DMFT (:mod:`dmft.theory.replica`):

- nonfreezable : Q = 0 is the only solution;
- semifreezable: a nontrivial Q with a decaying D (a fixed-point solution, if any, has r > 1);
- freezable    : only the fixed-point solution, and it is stable, r < 1 [Eq. 30].

As g -> 1+ everything is analytic [Eqs. 36-39]: with eps = g - 1, u = D/eps solves h(u, k) = k (h emitted from
``derivations/replica.py``), Q(0) = eps sqrt(u (u - 1)/k) [Eq. 37], r = 1 - D + eps [Sec. VII], and Q(t) is the
causal filter of C of Eq. 38; both onsets start at k = h(1, k) = 2/(sqrt(3) pi) [Eq. 39].
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
from scipy import integrate, optimize

from dmft import _generated as gen
from dmft.params import Params
from dmft.theory.replica import OverlapResult, ReplicaSettings, excluded_dynamic, solve_overlap
from dmft.theory.stationary import SolverSettings, solve

K_ONSET_G1 = 2.0 / (math.sqrt(3.0) * math.pi)      # h(1, k) [Eq. 39]
PHASES = ("nonfreezable", "semifreezable", "freezable")


@dataclass
class FreezeResult:
    """The phase at (g, k, p) with both two-replica solutions."""

    params: Params
    phase: str
    dynamic: OverlapResult
    fixed_point: OverlapResult
    C0: float
    converged: bool
    message: str
    seed: Optional[int] = None
    wall_s: float = 0.0
    settings: dict = field(default_factory=dict)

    @property
    def main(self) -> OverlapResult:
        """The solution realised on halting: the dynamic one in semifreezable chaos, else the fixed point."""
        return self.dynamic if self.phase == "semifreezable" else self.fixed_point

    def summary(self) -> dict:
        """Q0, rho0, D0 of the solution realised on halting: zero without memory (nonfreezable), NaN when the phase
        is undetermined."""
        m, nan = self.main, float("nan")
        if self.phase == "nonfreezable":
            Q0, Q0_err, rho0, rho0_err, D0 = 0.0, 0.0, 0.0, 0.0, nan
        elif self.phase == "undetermined":
            Q0 = Q0_err = rho0 = rho0_err = D0 = nan
        else:
            Q0, Q0_err, rho0, rho0_err, D0 = m.Q0, m.Q0_err, m.rho0, m.rho0_err, m.D0
        return dict(params=self.params.as_dict(), phase=self.phase, Q0=Q0, Q0_err=Q0_err, rho0=rho0,
                    rho0_err=rho0_err, D0=D0, r=self.fixed_point.r, converged=self.converged,
                    solutions=[s.summary() for s in (self.dynamic, self.fixed_point) if s.nontrivial],
                    C0=self.C0, message=self.message, seed=self.seed, wall_s=self.wall_s)


VERDICTS = ("converged", "trivial", "excluded")      # statuses of a solve that ended with an answer or a verdict


def classify(dynamic: OverlapResult, fixed_point: OverlapResult) -> tuple[str, str]:
    """The phase (Sec. VII) from the two solutions, with a note: "nonfreezable", "semifreezable", "freezable", or
    "undetermined" when a solve that decides it ended without an answer or a verdict (window cap, budget
    exhausted): a failed dynamic solve is not evidence that there is no dynamic solution."""
    if dynamic.nontrivial:
        note = "a nontrivial Q with decaying D"
        if fixed_point.nontrivial and fixed_point.r < 1:
            note += f"; the fixed-point solution has r = {fixed_point.r:.3f} < 1 (expected > 1 here)"
        return "semifreezable", note
    if fixed_point.nontrivial and fixed_point.r < 1:
        return "freezable", f"only the fixed-point solution, stable (r = {fixed_point.r:.3f} < 1)"
    for s in (dynamic, fixed_point):
        if not s.nontrivial and s.status not in VERDICTS:
            return "undetermined", (f"the {s.kind} solve ended without an answer ({s.status}: {s.message}), so "
                                    "the phase is not decided")
    if fixed_point.nontrivial:
        return "nonfreezable", (f"no dynamic memory; an unstable fixed-point solution (r = {fixed_point.r:.3f}) "
                                "exists")
    return "nonfreezable", "Q = 0 is the only solution found"


def freeze(params: Params, *, seed: int | None = 0, settings: ReplicaSettings | None = None,
           stationary_settings: SolverSettings | None = None, stationary=None, progress=None) -> FreezeResult:
    """Solve the stationary DMFT at ``params``, then the two-replica solutions, and classify the phase: the
    fixed-point solution first, then the dynamic one, unless the fixed point is stable (r < 1 by 3 SE), where there
    is none (:func:`dmft.theory.replica.excluded_dynamic`, status "excluded").

    Raises ValueError for k <= 0 or g <= 1, and when the stationary solution did not converge (its status and
    message are in the error): a phase is never reported without a converged network A."""
    if not isinstance(params, Params):
        raise ValueError(f"params must be a dmft.Params, got {type(params).__name__}")
    if not params.k > 0:
        raise ValueError(f"freezable chaos is a property of Hebbian chaos: need k > 0, got k = {params.k}")
    if not params.g > 1:
        raise ValueError(f"freezable chaos needs a chaotic network (g > 1), got g = {params.g}")
    start = time.perf_counter()
    st_A = stationary if stationary is not None else solve(params, seed=seed, settings=stationary_settings,
                                                           progress=progress)
    if st_A.status != "converged":
        raise ValueError(f"no chaotic stationary solution to halt at g = {params.g}, k = {params.k}, "
                         f"p = {params.p}: {st_A.status} ({st_A.message})")
    fp = solve_overlap(st_A, "fixed-point", settings=settings, seed=seed, progress=progress)
    if fp.nontrivial and fp.r + 3 * fp.r_err < 1:
        dyn = excluded_dynamic(st_A, fp, settings, seed)       # freezable: no dynamic solution below r = 1
    else:
        dyn = solve_overlap(st_A, "dynamic", settings=settings, seed=seed, progress=progress)
    phase, note = classify(dyn, fp)
    ok = phase != "undetermined" and all(s.status in VERDICTS for s in (dyn, fp))
    msgs = [f"{s.kind}: {s.status} ({s.message})" for s in (dyn, fp)]
    return FreezeResult(params=params, phase=phase, dynamic=dyn, fixed_point=fp, C0=st_A.C0, converged=ok,
                        message=note + "; " + "; ".join(msgs), seed=seed, wall_s=time.perf_counter() - start,
                        settings=dict((settings or ReplicaSettings()).__dict__))


# ----------------------------------------------------------------------------- g -> 1+ [Eqs. 36-39]
@dataclass
class NearCriticalOverlap:
    """Leading order as g -> 1+: D/eps, Q(0)/eps and r (None-valued fields below the onset)."""

    eps: float
    k: float
    u: float                # D / eps
    Q0_over_eps: float
    r: float
    exists: bool


def near_critical_overlap(eps: float, k: float) -> NearCriticalOverlap:
    """The g -> 1+ fixed-point solution [Eqs. 36-39]: u = D/eps from h(u, k) = k (u >= 1, h increasing in u),
    Q(0)/eps = sqrt(u (u - 1)/k) [Eq. 37], r = 1 - D + eps."""
    if not (eps > 0 and math.isfinite(eps)):
        raise ValueError(f"eps = g - 1 must be positive, got {eps}")
    if not (0 < k < 1):
        raise ValueError(f"the g -> 1+ limit of Eqs. 36-39 needs 0 < k < 1 (chaos at g -> 1+), got k = {k}")
    h = lambda u: float(gen.h_replica(u, k))  # noqa: E731
    if k <= h(1.0):
        return NearCriticalOverlap(eps, k, 1.0, 0.0, 1.0, False)
    hi = 2.0
    while h(hi) < k:
        hi *= 2.0
        if hi > 1e8:
            raise ValueError(f"no root of h(u, k) = k below u = 1e8 at k = {k}")
    u = optimize.brentq(lambda s: h(s) - k, 1.0, hi, xtol=1e-14, rtol=1e-13)
    return NearCriticalOverlap(eps, k, u, math.sqrt(u * (u - 1) / k), 1.0 - eps * (u - 1), True)


def near_critical_Q(t: np.ndarray, eps: float, k: float) -> np.ndarray:
    """Q(t) at leading order [Eq. 38]: k Q(0) int_{-inf}^t e^{-(D - eps)(t - t')} C(t') dt' with C of Eq. 13."""
    lim = near_critical_overlap(eps, k)
    t = np.atleast_1d(np.asarray(t, dtype=float))
    if not lim.exists:
        return np.zeros_like(t)
    rate = eps * (lim.u - 1)
    Q0 = eps * lim.Q0_over_eps
    def C(s):
        with np.errstate(over="ignore"):
            return float(gen.eq13_C(abs(s), 1.0 + eps, k))
    scale = 1.0 / rate + 50.0 / eps
    out = [k * Q0 * integrate.quad(lambda s: math.exp(-rate * (ti - s)) * C(s), ti - 60 * scale, ti,
                                   limit=400, points=[0.0] if ti > 0 else None)[0] for ti in t]
    return np.array(out)
