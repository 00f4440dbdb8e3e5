"""Simulations of independent network realizations, with error bars across realizations.

Neurons of one network share its quenched J and its population-wide fluctuations, so the spread
across neurons understates the uncertainty of a network average; the honest error bar of a
finite-N estimate of C(tau), tau* or PR_A is the standard error across independent realizations
(seeds), which :func:`simulate_ensemble` reports.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from dmft.simulation.network import DEFAULT_DT, PlasticNetwork
from dmft.numerics.observables import tau_star
from dmft.params import Params
from dmft.progress import progress_bar


@dataclass
class EnsembleSummary:
    """Means over realizations and their standard errors (ddof = 1)."""

    tau: np.ndarray
    C: np.ndarray
    C_err: np.ndarray
    Cx: np.ndarray
    Cx_err: np.ndarray
    tau_star: float
    tau_star_err: float
    PR_A: float
    PR_A_err: float
    states: list
    per_seed: list
    params: Params
    N: int
    settings: dict = field(default_factory=dict)
    wall_s: float = 0.0

    @property
    def C0(self) -> float:
        return float(self.C[0])

    @property
    def C0_err(self) -> float:
        return float(self.C_err[0])

    @property
    def Cx0(self) -> float:
        return float(self.Cx[0])

    @property
    def Cx0_err(self) -> float:
        return float(self.Cx_err[0])


def _mean_sem(values):
    v = np.asarray(values, dtype=float)
    n = v.shape[0]
    sem = v.std(axis=0, ddof=1) / math.sqrt(n) if n > 1 else np.full(v.shape[1:], np.nan)
    return v.mean(axis=0), sem


def simulate_ensemble(params: Params, N: int, *, n_seeds: int = 4, T: float = 200.0,
                      burn: float = 100.0, dt: float = DEFAULT_DT, seed: int = 0,
                      record_dt: float = 0.25, max_lag: float = 50.0, anneal_from: float | None = None,
                      anneal_duration: float = 200.0, scheme: str = "heun", progress=None) -> EnsembleSummary:
    """Simulate ``n_seeds`` independent networks (seeds seed, seed+1, ...) and average.

    anneal_from : if given, each network starts at g = anneal_from (> 1, chaotic) and is deformed
                  to params.g over ``anneal_duration`` before the burn-in (Sec. IV B); this is
                  how dynamic states with g < 1 are reached.
    scheme      : integration scheme of :class:`dmft.simulation.network.PlasticNetwork` ("heun" or "euler").
    Realizations that end in a fixed point or quiescence are kept in ``states`` and excluded from
    the averages of chaotic statistics only if all are non-chaotic (then the averages describe
    the settled states).
    """
    from dmft.numerics.observables import autocovariance

    if isinstance(n_seeds, bool) or not isinstance(n_seeds, (int, np.integer)) or n_seeds < 1:
        raise ValueError(f"n_seeds must be an integer >= 1, got {n_seeds!r}")
    start = time.perf_counter()
    per_seed = []
    for s in progress_bar(range(seed, seed + n_seeds), progress, desc="ensemble", total=n_seeds,
                          auto=N * N * n_seeds * (T + burn) / dt > 5e10):
        p0 = params if anneal_from is None else params.with_(g=anneal_from)
        net = PlasticNetwork(p0, N, dt=dt, seed=s, scheme=scheme)
        if anneal_from is not None:
            net.advance(50.0)
            net.anneal(params.g, anneal_duration)
        traj = net.run(T, burn=burn, record_dt=record_dt)
        ac = autocovariance(traj.phi, traj.record_dt, max_lag)
        acx = autocovariance(traj.x, traj.record_dt, max_lag)
        actual_dt = traj.record_dt          # record_dt rounded to a multiple of dt: the lag step of C
        per_seed.append(dict(seed=s, C=ac.C, Cx=acx.C, tau_star=tau_star(ac.C, traj.record_dt),
                             PR_A=float(np.mean(traj.PR_A)), state=traj.state))
    C, C_err = _mean_sem([r["C"] for r in per_seed])
    Cx, Cx_err = _mean_sem([r["Cx"] for r in per_seed])
    ts, ts_err = _mean_sem([r["tau_star"] for r in per_seed])
    pr, pr_err = _mean_sem([r["PR_A"] for r in per_seed])
    return EnsembleSummary(
        tau=actual_dt * np.arange(C.size), C=C, C_err=C_err, Cx=Cx, Cx_err=Cx_err,
        tau_star=float(ts), tau_star_err=float(ts_err), PR_A=float(pr), PR_A_err=float(pr_err),
        states=[r["state"] for r in per_seed], per_seed=per_seed, params=params, N=N,
        settings=dict(n_seeds=n_seeds, T=T, burn=burn, dt=dt, scheme=scheme, seed=seed, record_dt=actual_dt,
                      max_lag=max_lag, anneal_from=anneal_from, anneal_duration=anneal_duration),
        wall_s=time.perf_counter() - start)
