"""Check a network simulation against the DMFT: C(tau) at several lags, C(0), tau*, PR_A, and Q(0) of a
halting run, each with the simulation's error (across time blocks, or across networks for Q(0)) and the DMFT's,
and a verdict.

Run file format (``.npz``, written by ``dmft simulate --save RUN.npz`` or by hand)::

    phi   (T, N)  phi(x) of N neurons at T equally spaced times (or ``x``, preactivations; phi is applied)
    dt    scalar  spacing of the records (time units of Eq. 1)
    g, k, p       scalars (may instead be given to :func:`load_run` / on the command line)
    nonlinearity  optional string (default "tanh")
    PR_A  (T,)    optional participation ratio of A(t) [Eq. 22] at the same times
    Q0    (n,)    optional halt-time overlaps Q(0) of n independent halting runs (Sec. VII)

    >>> np.savez("run.npz", phi=np.tanh(x), dt=0.25, g=2.0, k=1.0, p=2.5)   # doctest: +SKIP

The simulation's errors are the spread across time blocks (``n_blocks`` contiguous pieces of the run), not
across neurons: neurons of one network are correlated through the shared A and J, and the spread across them
understates the error (the simulator's own tests found this).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Optional

import numpy as np

from dmft.simulation.ensemble import _mean_sem
from dmft.numerics.observables import autocovariance, participation_ratio_theory, tau_star
from dmft.params import Params

DEFAULT_LAGS = (0.0, 1.0, 2.0, 5.0, 10.0)


@dataclass
class Run:
    """A loaded, validated simulation run."""

    phi: np.ndarray
    dt: float
    params: Params
    PR_A: Optional[np.ndarray] = None
    Q0: Optional[np.ndarray] = None


@dataclass
class Check:
    name: str
    simulation: float
    simulation_err: float
    theory: float
    theory_err: float
    z: float                   # |difference| / combined error
    consistent: bool


@dataclass
class Validation:
    params: Params
    checks: list
    consistent: bool
    n_sigma: float
    settings: dict = field(default_factory=dict)
    theory_status: str = ""
    curves: dict = field(default_factory=dict, repr=False)

    def summary(self) -> dict:
        return dict(params=self.params.as_dict(), consistent=self.consistent, n_sigma=self.n_sigma,
                    checks=[asdict(c) for c in self.checks], theory_status=self.theory_status,
                    settings=self.settings)


def _scalar(data, key, override):
    if override is not None:
        return float(override)
    if key not in data:
        raise ValueError(f"the run has no '{key}': store it in the file or pass --{key}")
    v = np.asarray(data[key])
    if v.size != 1:
        raise ValueError(f"'{key}' must be a scalar, got shape {v.shape}")
    return float(v.reshape(()))


def load_run(path, *, g: float | None = None, k: float | None = None, p: float | None = None) -> Run:
    """Read and check a run file (format in the module docstring).  Bad files raise ValueError saying what is
    wrong: a missing or misshapen array, NaN, missing parameters."""
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read {path} as a .npz run file: {exc}") from exc
    nl = str(data["nonlinearity"]) if "nonlinearity" in data else "tanh"
    params = Params(_scalar(data, "g", g), _scalar(data, "k", k), _scalar(data, "p", p), nl)
    if "phi" in data:
        phi = np.asarray(data["phi"], dtype=float)
    elif "x" in data:
        phi = params.nonlinearity.phi(np.asarray(data["x"], dtype=float))
    else:
        raise ValueError(f"{path}: no 'phi' or 'x' array (shape (T, N): times x neurons)")
    if phi.ndim != 2 or phi.shape[0] < 10 or phi.shape[1] < 1:
        raise ValueError(f"phi/x must have shape (T, N) with T >= 10 records, got {phi.shape}")
    if not np.all(np.isfinite(phi)):
        raise ValueError("phi/x contains NaN or infinite values")
    dt = _scalar(data, "dt", None)
    if not (math.isfinite(dt) and dt > 0):
        raise ValueError(f"dt must be a positive finite number, got {dt}")
    PR_A = Q0 = None
    if "PR_A" in data:
        PR_A = np.asarray(data["PR_A"], dtype=float).reshape(-1)
        if PR_A.size != phi.shape[0] or not np.all(np.isfinite(PR_A)):
            raise ValueError(f"PR_A must be finite with one value per record ({phi.shape[0]}), got {PR_A.size}")
    if "Q0" in data:
        Q0 = np.asarray(data["Q0"], dtype=float).reshape(-1)
        if Q0.size < 2 or not np.all(np.isfinite(Q0)):
            raise ValueError("Q0 must hold finite halt-time overlaps of at least 2 halting runs")
    return Run(phi=phi, dt=dt, params=params, PR_A=PR_A, Q0=Q0)


def _blocks(x: np.ndarray, n: int):
    return np.array_split(x, n, axis=0)


def validate(run: Run, *, lags=DEFAULT_LAGS, n_blocks: int = 8, n_sigma: float = 3.0, seed: int = 0,
             stationary=None) -> Validation:
    """Compare ``run`` with the stationary DMFT at its parameters (and the two-replica DMFT for Q(0)).

    A quantity is consistent when |simulation - theory| <= n_sigma x the combined standard error.  The run must
    be long enough: each of the ``n_blocks`` time blocks at least twice the largest lag, which is at least 6 tau*
    (of the theory)."""
    from dmft.theory.stationary import solve

    if n_blocks < 3:
        raise ValueError(f"n_blocks must be >= 3 (errors come from the spread across blocks), got {n_blocks}")
    th = stationary or solve(run.params, seed=seed, progress=False)
    if th.status != "converged":
        raise ValueError(f"no converged DMFT solution at {run.params.as_dict()} ({th.status}): {th.message}")
    # lags up to 6 tau*: C is then ~e^-6 of C(0) and tau* [Eq. 9] is complete to ~1e-5 (it integrates C^2)
    max_lag = max(max(lags), 6.0 * th.tau_star)
    T = run.phi.shape[0] * run.dt
    need = n_blocks * 2 * max_lag
    if T < need:
        raise ValueError(f"run too short for its timescale: T = {T:g}, but {n_blocks} time blocks of twice the "
                         f"largest lag (max of the lags and 6 tau* = {6 * th.tau_star:.3g}) need T >= {need:.4g}")
    blocks = [autocovariance(b, run.dt, max_lag) for b in _blocks(run.phi, n_blocks)]
    C_blocks = np.array([b.C for b in blocks])
    checks = []

    def add(name, sim, sim_err, theory, theory_err):
        err = math.hypot(sim_err, theory_err)
        z = abs(sim - theory) / err if err > 0 else (0.0 if sim == theory else math.inf)
        checks.append(Check(name, float(sim), float(sim_err), float(theory), float(theory_err), float(z),
                            bool(z <= n_sigma)))

    for lag in lags:
        i_sim = int(round(lag / run.dt))
        i_th = int(round(lag / th.tau_step))
        if i_sim >= C_blocks.shape[1] or i_th >= th.C.size:
            continue
        add(f"C({lag:g})", *_mean_sem(C_blocks[:, i_sim]), th.C[i_th], th.C_err[i_th])
    ts = [tau_star(c, run.dt) for c in C_blocks]
    n_th = min(th.C.size, int(round(max_lag / th.tau_step)) + 1)      # the theory over the same lags
    add("tau*", *_mean_sem(ts), tau_star(th.C[:n_th], th.tau_step), th.tau_star_err)
    if run.PR_A is not None:
        p = run.params.p
        up = participation_ratio_theory(th.C + th.C_err, th.tau_step, p)
        lo = participation_ratio_theory(th.C - th.C_err, th.tau_step, p)
        add("PR_A", *_mean_sem([b.mean() for b in _blocks(run.PR_A, n_blocks)]), th.PR_A, 0.5 * abs(up - lo))
    if run.Q0 is not None:
        from dmft.theory.replica import solve_overlap

        fp = solve_overlap(th, "fixed-point", seed=seed, progress=False)
        if fp.nontrivial:
            add("Q(0)", *_mean_sem(np.abs(run.Q0)), fp.Q0, fp.Q0_err)
    ok = all(c.consistent for c in checks)
    curves = dict(tau_sim=run.dt * np.arange(C_blocks.shape[1]), C_sim=C_blocks.mean(axis=0),
                  C_sim_err=C_blocks.std(axis=0, ddof=1) / math.sqrt(n_blocks), tau=th.tau, C=th.C, C_err=th.C_err)
    return Validation(params=run.params, checks=checks, consistent=ok, n_sigma=n_sigma,
                      settings=dict(lags=list(lags), n_blocks=n_blocks, seed=seed, T=T, N=run.phi.shape[1]),
                      theory_status=th.status, curves=curves)


def plot_validation(v: Validation, path) -> None:
    """C(tau) of the simulation (errors across time blocks) over the DMFT's, with the checks listed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = v.curves
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.fill_between(c["tau"], c["C"] - c["C_err"], c["C"] + c["C_err"], color="C0", alpha=0.3)
    ax.plot(c["tau"], c["C"], color="C0", label="DMFT")
    ax.errorbar(c["tau_sim"], c["C_sim"], c["C_sim_err"], color="C1", fmt=".", ms=2, label="simulation")
    ax.set_xlim(0, c["tau_sim"][-1])
    ax.set_xlabel(r"$\tau$")
    ax.set_ylabel(r"$C(\tau)$")
    text = "\n".join(f"{ch.name}: {'ok' if ch.consistent else 'MISMATCH'} (z = {ch.z:.1f})" for ch in v.checks)
    ax.text(0.98, 0.98, text, transform=ax.transAxes, ha="right", va="top", fontsize=7)
    p = v.params
    ax.set_title(f"g = {p.g:g}, k = {p.k:g}, p = {p.p:g}: {'consistent' if v.consistent else 'inconsistent'}")
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
