"""Halting measurements on the finite-N simulator: what the two-replica DMFT predicts (Sec. VII, Fig. 7c-e).

Protocol (one network): run the plastic network past its transient, record phi for ``window`` before the halt
time t = 0, make a copy whose synapses are halted (network B, couplings W(0) = J + A(0) [Eq. 27]) and keep the
original running (network A) for ``window`` after the halt.  Network B then runs for ``settle`` time units and
its late state phi_B is compared with A's trajectory:

    Q(t)  = (1/N) sum_i phi^A_i(t) phi^B_i(late)       [Eq. 28], t on both sides of the halt,
    D(0)  = (1/N) sum_i phi^B_i(late)^2                [Eq. 29 at tau = 0],
            both averaged over several late times of B,
    rho(0) = Q(0) / sqrt(D(0) C(0))                    [Eq. 35], C(0) from A's window,
    r     = g sqrt(<phi'(x_B)^2>)                      [Eq. 30], and optionally the bulk radius of the halted
            Jacobian's spectrum, the spectral radius of J diag(phi'(x_B)) (the low-rank A(0) adds only outliers).

x -> -x symmetry: Q and -Q are equally likely in a finite network, and a chaotic B flips between them; each late
state of B counts with the sign that makes its Q(0) positive (the solution the theory reports).  Without memory
this leaves a positive floor of order sqrt(C(0) D(0) / N) in Q(0).  Errors are across independent networks (J, initial
state): a single network's overlap is not self-averaging near the onsets.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from dmft.simulation.ensemble import _mean_sem
from dmft.simulation.network import DEFAULT_DT, PlasticNetwork, check_duration
from dmft.params import Params
from dmft.progress import progress_bar

SETTLED_VELOCITY = 1e-6     # rms dx/dt below which the halted network counts as settled at a fixed point


@dataclass
class HaltRun:
    """One network's halting measurement (see the module docstring)."""

    t: np.ndarray              # times relative to the halt, -window .. window
    Q: np.ndarray              # overlap Q(t), sign fixed so that Q(0) >= 0
    Q0: float
    C0: float                  # < phi_A^2 > over A's recorded window
    D0: float
    rho0: float
    rms_velocity: float        # network B's rms dx/dt at the end of ``settle``
    settled: bool              # rms_velocity < SETTLED_VELOCITY
    r: float                   # [Eq. 30] at B's late state
    r_bulk: float              # from the halted Jacobian's eigenvalues (nan unless jacobian=True)
    t_peak: float              # argmax_t Q(t)
    flipped: bool              # some late state of B was on the -Q solution (counted with the sign reversed)
    seed: Optional[int]
    N: int
    params: Params
    wall_s: float
    settings: dict = field(default_factory=dict)


@dataclass
class HaltEnsemble:
    """Halting measurements on independent networks, with means and standard errors across them."""

    params: Params
    N: int
    runs: list
    t: np.ndarray
    Q: np.ndarray
    Q_err: np.ndarray
    Q0: float
    Q0_err: float
    rho0: float
    rho0_err: float
    D0: float
    D0_err: float
    C0: float
    r: float
    r_err: float
    settled_fraction: float
    wall_s: float
    settings: dict = field(default_factory=dict)

    def summary(self) -> dict:
        return dict(params=self.params.as_dict(), N=self.N, n_networks=len(self.runs), Q0=self.Q0,
                    Q0_err=self.Q0_err, rho0=self.rho0, rho0_err=self.rho0_err, D0=self.D0, D0_err=self.D0_err,
                    C0=self.C0, r=self.r, r_err=self.r_err, settled_fraction=self.settled_fraction,
                    t_peak=float(self.t[np.argmax(self.Q)]), wall_s=self.wall_s, settings=self.settings)


def halted_bulk_radius(net: PlasticNetwork) -> float:
    """The radius of the bulk of the halted Jacobian's spectrum around -1 at the network's current state: the
    spectral radius of J diag(phi'(x)).  The halted A(0) is effectively low-rank [Eq. 27] and adds only outliers
    to the spectrum of W(0) diag(phi'), so it is left out; Eq. 30 predicts this radius, g sqrt(< phi'^2 >).
    (The density inside the disk is not uniform when phi' is heterogeneous, so no quantile of |eigenvalue| would
    do.)"""
    lam = np.linalg.eigvals(net.J * net.params.nonlinearity.dphi(net.x)[None, :])
    return float(np.max(np.abs(lam)))


def halt_network(params: Params, N: int, *, seed: Optional[int] = None, burn: float = 200.0,
                 window: float = 30.0, settle: float = 300.0, late: float = 100.0, n_late: int = 10,
                 record_dt: float = 0.5, dt: float = DEFAULT_DT, jacobian: bool = False, progress=None) -> HaltRun:
    """Halt one network's synapses and measure Q(t), D(0), rho(0), r and whether network B settles.

    B's late state is sampled ``n_late`` times over the last ``late`` time units of ``settle``; Q(t) and D(0) are
    averages over these samples (they agree when B has settled)."""
    if not params.k > 0:
        raise ValueError(f"halting measurements are for Hebbian networks (k > 0), got k = {params.k}")
    for name, v in (("burn", burn), ("window", window), ("settle", settle), ("late", late)):
        check_duration(name, v)
    if isinstance(n_late, bool) or not isinstance(n_late, int) or n_late < 1:
        raise ValueError(f"n_late must be a positive integer, got {n_late!r}")
    start = time.perf_counter()
    net = PlasticNetwork(params, N, dt=dt, seed=seed)
    net.advance(burn)
    before = net.run(window, record_dt=record_dt, progress=False).phi        # t = -window .. -record_dt
    halted = net.copy()
    halted.halt()
    after = net.run(window + record_dt, record_dt=record_dt, progress=False).phi   # t = 0 .. window
    phi_A = np.vstack([before, after])
    n_before = before.shape[0]
    # late states of B: the last ``late`` time units of the settle time, every ``late / n_late`` (a chaotic B's
    # overlap fluctuates in time; a settled one's does not)
    late = min(late, settle)
    halted.advance(settle - late)
    snaps = []
    for _ in range(n_late):
        halted.advance(late / n_late)
        snaps.append(params.nonlinearity.phi(halted.x))
    phi_B = np.array(snaps)                                                  # (n_late, N)
    # each late state is taken with the sign that makes its Q(0) positive: a finite chaotic B flips between the
    # +Q and -Q solutions (Sec. VII), and a plain average over late states would cancel them
    per_state = phi_A @ phi_B.T / N                                          # (times, n_late)
    signs = np.where(per_state[n_before] < 0, -1.0, 1.0)
    Q = (per_state * signs).mean(axis=1)
    flipped = bool(np.any(signs < 0))
    C0 = float(np.mean(phi_A * phi_A))
    D0 = float(np.mean(phi_B * phi_B))             # averaged over the late states too
    rms_v = float(np.sqrt(np.mean(halted.velocity() ** 2)))
    t = record_dt * (np.arange(phi_A.shape[0]) - n_before)
    r = params.g * float(np.sqrt(np.mean(params.nonlinearity.dphi(halted.x) ** 2)))
    return HaltRun(t=t, Q=Q, Q0=float(Q[n_before]), C0=C0, D0=D0, rho0=float(Q[n_before] / math.sqrt(D0 * C0)),
                   rms_velocity=rms_v, settled=rms_v < SETTLED_VELOCITY, r=r,
                   r_bulk=halted_bulk_radius(halted) if jacobian else float("nan"),
                   t_peak=float(t[np.argmax(Q)]), flipped=flipped, seed=seed, N=N, params=params,
                   wall_s=time.perf_counter() - start,
                   settings=dict(burn=burn, window=window, settle=settle, late=late, n_late=n_late,
                                 record_dt=record_dt, dt=dt))


def halt_ensemble(params: Params, N: int, n_networks: int = 4, *, seed: int = 0, progress=None,
                  **kwargs) -> HaltEnsemble:
    """:func:`halt_network` on ``n_networks`` independent networks (seeds seed, seed + 1, ...); means and standard
    errors across networks.  ``kwargs`` go to :func:`halt_network`."""
    if isinstance(n_networks, bool) or not isinstance(n_networks, int) or n_networks < 1:
        raise ValueError(f"n_networks must be a positive integer, got {n_networks!r}")
    start = time.perf_counter()
    runs = [halt_network(params, N, seed=seed + i, **kwargs)
            for i in progress_bar(range(n_networks), progress, desc="halting", total=n_networks,
                                  auto=N * N * n_networks > 4e6)]
    Q, Q_err = _mean_sem([r.Q for r in runs])
    Q0, Q0_err = (float(v) for v in _mean_sem([r.Q0 for r in runs]))
    rho0, rho0_err = (float(v) for v in _mean_sem([r.rho0 for r in runs]))
    D0, D0_err = (float(v) for v in _mean_sem([r.D0 for r in runs]))
    r, r_err = (float(v) for v in _mean_sem([r.r for r in runs]))
    return HaltEnsemble(params=params, N=N, runs=runs, t=runs[0].t, Q=Q, Q_err=Q_err,
                        Q0=Q0, Q0_err=Q0_err, rho0=rho0, rho0_err=rho0_err, D0=D0, D0_err=D0_err,
                        C0=float(np.mean([r.C0 for r in runs])), r=r, r_err=r_err,
                        settled_fraction=float(np.mean([r.settled for r in runs])),
                        wall_s=time.perf_counter() - start, settings=dict(n_networks=n_networks, seed=seed,
                                                                          **runs[0].settings))
