"""Causal nonlinear recursions x_n = xi_n + sum_{m>=1} w_m psi(x_{n-m}) (+ c0 psi(x_n)).

This is the discretised single-site equation [Eq. 6] once the leak is folded into the kernel:
with G = e^{-t} * K, (1 + d/dt) x = eta + K * phi becomes x = xi + G * phi, xi = (1 + d/dt)^{-1} eta.
The direct method costs (steps) x (kernel length) multiply-adds done one step at a time.  Here
time is cut into blocks of B steps: the contribution of everything before a block is one
BLAS-3 product (B x M Hankel block times the M x S history of all S samples), and only the
short within-block sum is done step by step.  Same arithmetic, far better throughput.
"""
from __future__ import annotations

import numpy as np


def history_matrix(w: np.ndarray, block: int) -> np.ndarray:
    """H[i, d-1] = w[d + i] (zero past the kernel): the weight of psi_{n0-d} in x_{n0+i}.
    (A Hankel matrix: it depends on i + d.)"""
    M = w.size - 1
    wp = np.concatenate([w, np.zeros(block + 1)])
    return wp[1 + np.arange(block)[:, None] + np.arange(M)[None, :]]


def causal_recursion(xi: np.ndarray, w: np.ndarray, psi, *, dpsi=None, c0: float = 0.0, const=0.0,
                     block: int = 64, T_hist: np.ndarray | None = None, gain: np.ndarray | None = None):
    """Solve x_n = xi_n + const + c0 psi(x_n) + sum_{m=1}^{M} w[m] psi(x_{n-m}) for all samples.

    xi : (L, S) driving fields; w : kernel weights, w[0] ignored (use c0); history before n = 0
    is zero.  With c0 != 0 the implicit equation is solved by :func:`implicit_step` (pass ``dpsi``).
    ``gain`` (L, S) makes the recursion linear and time-dependent, psi(x_n) = gain_n x_n (``psi`` is then
    ignored; the implicit term is solved exactly): the tangent equation, with gain = phi'(x) along a path.
    Returns (x, psi(x)) of shape (L, S).
    """
    if gain is not None:
        if gain.shape != xi.shape:
            raise ValueError(f"gain has shape {gain.shape}, the fields {xi.shape}")
    if c0 and dpsi is None and gain is None:
        raise ValueError("an implicit term (c0 != 0) needs dpsi")
    L, S = xi.shape
    M = w.size - 1
    B = block
    if T_hist is None:
        T_hist = history_matrix(w, B)
    # w[i], w[i-1], ..., w[1] for step i of a block, stored reversed and contiguous: a negative-stride
    # slice would send the product down numpy's slow non-BLAS path (4-10x slower per step)
    wpad = np.concatenate([w, np.zeros(B)])
    w_rev = np.ascontiguousarray(wpad[1:B + 1][::-1])      # w_rev[B - i:] = w[i:0:-1]
    x = np.empty_like(xi)
    ps = np.empty_like(xi)
    base = xi + const
    for n0 in range(0, L, B):
        n1 = min(n0 + B, L)
        ell = min(M, n0)
        if ell:
            hist = T_hist[: n1 - n0, :ell] @ ps[n0 - ell:n0][::-1]
            acc_block = base[n0:n1] + hist
        else:
            acc_block = base[n0:n1].copy()
        for i in range(n1 - n0):
            n = n0 + i
            acc = acc_block[i]
            if i:
                acc = acc + w_rev[B - i:] @ ps[n0:n]
            if gain is not None:
                x[n] = acc / (1.0 - c0 * gain[n])
                ps[n] = gain[n] * x[n]
                continue
            if c0:
                x[n] = implicit_step(acc, c0, psi, dpsi, ps[n - 1] if n else np.zeros_like(acc))
            else:
                x[n] = acc
            ps[n] = psi(x[n])
    return x, ps


def implicit_step(acc: np.ndarray, c0: float, psi, dpsi, psi_prev: np.ndarray, tol: float = 1e-12,
                  max_iter: int = 60) -> np.ndarray:
    """The root x of x - c0 psi(x) = acc that continues the previous step's branch.

    For c0 psi' < 1 everywhere (c0 < 1 with 0 <= psi' <= 1) the root is unique.  For larger c0 (a strong
    instantaneous self-coupling, Eq. 11) there may be three roots; the outer two are the branches
    x ~ acc +- c0 on which the continuous dynamics lives, the middle one (where 1 - c0 psi' < 0) is the
    unstable one a plain Newton iteration from ``acc`` can land on.  The iteration starts from the
    predictor acc + c0 psi(x_prev), which is on the previous branch; a sample whose branch has ceased to
    exist (its root would have 1 - c0 psi' <= 0, or Newton did not converge) restarts from the other
    branch, acc - c0 psi(x_prev).  A sample that still fails raises FloatingPointError: a root that was
    not found is never returned."""
    x, ok = _newton(acc + c0 * psi_prev, acc, c0, psi, dpsi, tol, max_iter)
    if ok.all():
        return x
    sign = np.where(acc >= 0, 1.0, -1.0) * float(np.abs(psi(np.array([1e300])))[0])   # psi(+-inf)
    # fallbacks: the other branch; then, with no previous branch (psi_prev ~ 0 at the start), the outer
    # root on the side of acc and the one opposite
    for start in (acc - c0 * psi_prev, acc + c0 * sign, acc - c0 * sign):
        bad = ~ok
        if not np.any(bad):
            return x
        x[bad], ok[bad] = _newton(start[bad], acc[bad], c0, psi, dpsi, tol, max_iter)
    if not ok.all():
        raise FloatingPointError(f"the implicit step x - {c0:g} psi(x) = acc has no root on a stable branch "
                                 f"for {int((~ok).sum())} samples (Newton did not converge)")
    return x


def _newton(x, acc, c0, psi, dpsi, tol, max_iter):
    """Newton's iteration for x - c0 psi(x) = acc from x.  Returns (x, ok): ok where the iteration found a root on a
    stable branch, judged at the last point where the residual was evaluated (one step, of relative size < tol,
    before the returned x): |x - c0 psi(x) - acc| < 1e3 tol (1 + |acc| + |c0|) and 1 - c0 psi'(x) > 0."""
    x = np.array(x, dtype=float)
    for _ in range(max_iter):
        resid = x - c0 * psi(x) - acc
        slope = 1.0 - c0 * dpsi(x)
        step = resid / slope
        step = np.where(np.isfinite(step), step, 0.0)
        x -= step
        if np.max(np.abs(step) / (1.0 + np.abs(x)), initial=0.0) < tol:
            break
    ok = np.isfinite(x) & (np.abs(resid) < 1e3 * tol * (1.0 + np.abs(acc) + abs(c0))) & (slope > 0)
    return x, ok
