"""Naive reference integrator with a dense, explicitly updated A.

It integrates exactly the same forward-Euler scheme as :class:`dmft.network.PlasticNetwork`,
but rewrites the full N x N matrix A every step:

    A <- A + dt/p * (-A + k/N phi phi^T).

It exists only as ground truth for tests (the efficient representation must reproduce it)
and as the baseline of ``benchmarks/bench_simulator.py``.
"""
from __future__ import annotations

import numpy as np

from .params import Params


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
