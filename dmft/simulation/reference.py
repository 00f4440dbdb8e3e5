"""Naive reference integrators with a dense, explicitly updated A.

They integrate the same schemes as :class:`dmft.simulation.network.PlasticNetwork` (forward Euler and Heun), written
directly from the flow f(x, A) = (-x + (J + A) phi(x), (-A + k/N phi phi^T)/p) [Eqs. 1, 3] and rewriting
the full N x N matrix A every step.  They exist only as ground truth for tests (the buffered
representation must reproduce them) and as the baseline of ``benchmarks/bench_simulator.py``.
"""
from __future__ import annotations

import numpy as np

from dmft.params import Params


def dense_euler(params: Params, J: np.ndarray, x0: np.ndarray, steps: int, dt: float,
                A0=None, record_A_every: int = 0):
    """Integrate ``steps`` Euler steps with a dense A; return (x_final, A_final, [A snapshots])."""
    N = x0.size
    phi_fn = params.nonlinearity.phi
    x = x0.astype(float).copy()
    A = np.zeros((N, N)) if A0 is None else np.array(A0, dtype=float)
    snaps = []
    for n in range(steps):
        phi = phi_fn(x)
        dx = dt * (-x + J @ phi + A @ phi)
        A = A + dt / params.p * (-A + params.k / N * np.outer(phi, phi))
        x = x + dx
        if record_A_every and (n + 1) % record_A_every == 0:
            snaps.append(A.copy())
    return x, A, snaps


def _flow(params: Params, J, x, A):
    """(dx/dt, dA/dt) [Eqs. 1, 3] with a dense A."""
    phi = params.nonlinearity.phi(x)
    return -x + J @ phi + A @ phi, (-A + params.k / x.size * np.outer(phi, phi)) / params.p


def dense_heun(params: Params, J: np.ndarray, x0: np.ndarray, steps: int, dt: float, A0=None):
    """Integrate ``steps`` Heun steps (explicit trapezoid) of the joint flow with a dense A; return
    (x_final, A_final)."""
    x = x0.astype(float).copy()
    A = np.zeros((x.size, x.size)) if A0 is None else np.array(A0, dtype=float)
    for _ in range(steps):
        fx, fA = _flow(params, J, x, A)
        gx, gA = _flow(params, J, x + dt * fx, A + dt * fA)
        x, A = x + 0.5 * dt * (fx + gx), A + 0.5 * dt * (fA + gA)
    return x, A
