"""Gaussian averages by quadrature on a uniform grid.

<f(z)>_{z ~ N(0, q)} and <f(z1) f2(z2)> for a zero-mean Gaussian pair with variances (q1, q2) and
covariance c are the building blocks of every mean-field equation in the package.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np


@lru_cache(maxsize=8)
def hermite_nodes(n: int = 201, half_width: float = 10.0):
    """Nodes u and weights w with sum_i w_i f(u_i) ~ E[f(u)], u ~ N(0, 1).

    The trapezoid rule on [-10, 10] is used rather than Gauss-Hermite: for integrands analytic in
    a strip (tanh has poles at +-i pi/2) its error falls like exp(-2 pi d / h) with h the spacing
    and d the strip half-width, so 201 nodes give ~1e-15 for Var z up to ~10, where Gauss-Hermite
    with the same number of nodes wastes most of them in the far tails.
    """
    u = np.linspace(-half_width, half_width, n)
    w = np.exp(-0.5 * u * u)
    return u, w / w.sum()


def nodes_for_variance(q: float, minimum: int, log_error: float = 35.0) -> int:
    """Node count keeping the trapezoid error ~exp(-log_error) for tanh at variance q: its poles sit at
    distance pi / (2 sqrt q) from the real axis in units of the standard deviation."""
    n = int(np.ceil(20.0 * np.sqrt(max(q, 0.0)) * log_error / np.pi**2)) + 1
    return int(min(max(n | 1, minimum), 1201))


def gauss_avg(f, q, n: int | None = None):
    """E[f(z)], z ~ N(0, q); q may be an array (the average is taken elementwise)."""
    if n is None:
        n = nodes_for_variance(float(np.max(q)), 201)
    u, w = hermite_nodes(n)
    q = np.asarray(q, dtype=float)
    z = np.sqrt(np.maximum(q, 0.0))[..., None] * u
    return f(z) @ w


def pair_avg(f1, f2, q1, q2, c, n: int | None = None):
    """E[f1(z1) f2(z2)] for a zero-mean Gaussian pair with Var z1 = q1, Var z2 = q2, Cov = c.

    Uses the Cholesky factorisation z1 = sqrt(q1) u, z2 = (c/sqrt(q1)) u + sqrt(q2 - c^2/q1) v.
    ``c`` may be an array; q1, q2 scalars.
    """
    if n is None:
        n = nodes_for_variance(max(q1, q2), 121)
    c = np.asarray(c, dtype=float)
    chunk = max(1, 2**22 // (n * n))             # bound the (covariances, n, n) work array to ~32 MB
    if c.ndim == 1 and c.size > chunk:
        return np.concatenate([pair_avg(f1, f2, q1, q2, c[i:i + chunk], n) for i in range(0, c.size, chunk)])
    u, w = hermite_nodes(n)
    s1 = np.sqrt(q1)
    a = c / s1 if s1 > 0 else np.zeros_like(c)
    b = np.sqrt(np.maximum(q2 - a * a, 0.0))
    z1 = s1 * u                                       # (n,)
    z2 = a[..., None, None] * u[:, None] + b[..., None, None] * u[None, :]  # (..., n_u, n_v)
    inner = f2(z2) @ w                                # (..., n_u)
    return (f1(z1) * inner) @ w
