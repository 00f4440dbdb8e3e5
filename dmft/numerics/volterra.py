"""Causal nonlinear recursions x_n = xi_n + sum_{m>=1} w_m psi(x_{n-m}) (+ c0 psi(x_n)).

This is the discretised single-site equation [Eq. 6] once the leak is folded into the kernel:
with G = e^{-t} * K, (1 + d/dt) x = eta + K * phi becomes x = xi + G * phi, xi = (1 + d/dt)^{-1} eta.
The direct method costs (steps) x (kernel length) multiply-adds done one step at a time.  Here
time is cut into blocks of B steps: the contribution of everything before a block is one
BLAS-3 product (B x M Toeplitz block times the M x S history of all S samples), and only the
short within-block sum is done step by step, compiled (numba): per step it is only O(block x samples)
arithmetic, which the interpreter would otherwise dominate (and the Newton solve of the implicit term of
Eq. 11 most of all).

The nonlinearity enters by name (the registry of :mod:`dmft.nonlinearities`), so that the compiled step can
evaluate it; :func:`scalar_phi` and :func:`scalar_post` are the compiled counterparts of the registry's
functions, checked against them by the tests.
"""
from __future__ import annotations

import math

import numba
import numpy as np

from dmft.nonlinearities import ERF_SCALE

# codes of the compiled nonlinearities and of the functions f_post of phi (App. A, Eq. A10)
PHI_CODES = {"tanh": 0, "erf": 1}
POST_CODES = {"identity": 0, "square": 1, "cube": 2, "abs": 3, "tanh": 4}


# Kernel weights below this fraction of the largest are dropped: a dropped tail moves x by at most
# (its summed weight) x max|psi| ~ 1e-12 M, far below any statistical error, and it spares the history
# product (most of the recursion's arithmetic) the lags where the kernel has decayed (past about 22 p for the
# Hebbian kernel e^{-u/p} C(u) at g = 2, k = 1, p = 2.5; past 30 time units for the Stern kernel e^{-u}).
KERNEL_RTOL = 1e-13

# Newton's iteration for the implicit term (Eq. 11): relative step tolerance and iteration cap
IMPLICIT_TOL, IMPLICIT_MAX_ITER = 1e-12, 60


def kernel_length(w: np.ndarray, rtol: float = KERNEL_RTOL) -> int:
    """The last lag m >= 1 whose weight |w[m]| exceeds ``rtol`` max|w| (0 for a kernel with no history)."""
    a = np.abs(w[1:])
    if a.size == 0 or not a.max() > 0:
        return 0
    return int(np.nonzero(a > rtol * np.abs(w).max())[0][-1]) + 1


def history_matrix(w: np.ndarray, block: int) -> np.ndarray:
    """H[i, j] = w[M - j + i] (zero past the kernel), M = :func:`kernel_length` (w): the weight of psi_{n0-M+j}
    in x_{n0+i}, so that the history's contribution to a block starting at n0 is H @ psi[n0-M:n0], the
    history in its natural (forward, contiguous) order.  (A Toeplitz matrix.)"""
    M = kernel_length(w)
    wp = np.concatenate([w[:M + 1], np.zeros(block + 1)])
    return wp[M + np.arange(block)[:, None] - np.arange(M)[None, :]]


def _code(table: dict, name: str, what: str) -> int:
    if name not in table:
        raise ValueError(f"unknown {what} {name!r}; allowed: {', '.join(sorted(table))}")
    return table[name]


@numba.njit(cache=True)
def _phi_and_dphi(code, x):
    """(phi(x), phi'(x)) of the registry entry with this code (tanh; erf scaled to unit slope).

    tanh from one exponential, e = e^{-2|x|}: tanh|x| = (1 - e) / (1 + e), sech^2 x = 4 e / (1 + e)^2, without
    overflow for large |x|.  Its absolute error is a few 1e-16 (1 - e loses relative precision only where
    tanh x ~ x is itself tiny); compiled, it is 3x faster than math.tanh, which the recursion calls once per
    sample and step."""
    if code == 0:
        e = math.exp(-2.0 * abs(x))
        t = (1.0 - e) / (1.0 + e)
        return (t if x >= 0 else -t), 4.0 * e / (1.0 + e) ** 2
    return math.erf(ERF_SCALE * x), math.exp(-(ERF_SCALE * x) ** 2)


@numba.njit(cache=True)
def scalar_phi(code, x):
    """phi(x) of the registry entry with this code (see :func:`_phi_and_dphi`)."""
    return _phi_and_dphi(code, x)[0]


@numba.njit(cache=True)
def scalar_dphi(code, x):
    """phi'(x) of the registry entry with this code."""
    return _phi_and_dphi(code, x)[1]


@numba.njit(cache=True)
def scalar_post(code, v):
    """f_post(v) with this code: identity, square, cube, abs, tanh."""
    if code == 0:
        return v
    if code == 1:
        return v * v
    if code == 2:
        return v * v * v
    if code == 3:
        return abs(v)
    return math.tanh(v)


@numba.njit(cache=True)
def _newton(x, acc, c0, code, tol, max_iter):
    """Newton's iteration for x - c0 phi(x) = acc from x.  Returns (x, ok): ok where the iteration found a root on
    a stable branch, judged at the last point where the residual was evaluated (one step, of relative size < tol,
    before the returned x): |x - c0 phi(x) - acc| < 1e3 tol (1 + |acc| + |c0|) and 1 - c0 phi'(x) > 0."""
    resid, slope = math.inf, 0.0
    for _ in range(max_iter):
        f, df = _phi_and_dphi(code, x)
        resid = x - c0 * f - acc
        slope = 1.0 - c0 * df
        step = resid / slope
        if not math.isfinite(step):
            step = 0.0
        x -= step
        if abs(step) / (1.0 + abs(x)) < tol:
            break
    ok = math.isfinite(x) and abs(resid) < 1e3 * tol * (1.0 + abs(acc) + abs(c0)) and slope > 0.0
    return x, ok


@numba.njit(cache=True)
def _implicit(acc, c0, code, psi_prev, tol, max_iter):
    """One sample of :func:`implicit_step`: (root, found)."""
    x, ok = _newton(acc + c0 * psi_prev, acc, c0, code, tol, max_iter)
    if ok:
        return x, True
    # fallbacks: the other branch; then, with no previous branch (psi_prev ~ 0 at the start), the outer root on
    # the side of acc and the one opposite (phi(+-inf) = +-1 for the registry's nonlinearities)
    sign = 1.0 if acc >= 0 else -1.0
    for start in (acc - c0 * psi_prev, acc + c0 * sign, acc - c0 * sign):
        x, ok = _newton(start, acc, c0, code, tol, max_iter)
        if ok:
            return x, True
    return x, False


@numba.njit(cache=True)
def _block_steps(acc_block, x, ps, n0, w_rev, c0, phi_code, post_code, gain, use_gain, tol, max_iter):
    """Steps n0 .. n0 + len(acc_block) - 1 of the recursion, given each step's field plus history from before the
    block (``acc_block``, C-contiguous); fills x and ps (= psi(x)) in place.  ``w_rev`` = w[B], ..., w[1]
    (w_rev[B - d] = w[d]).  The block's psi is kept in a C-contiguous buffer as well, so that the within-block
    sum runs along contiguous rows of samples (and vectorises) whatever the layout of x and ps.  Returns the
    number of implicit solves that failed."""
    nb, S = acc_block.shape
    B = w_rev.size
    row = np.empty((nb, S))
    acc = np.empty(S)
    failed = 0
    for i in range(nb):
        n = n0 + i
        acc[:] = acc_block[i]
        for j in range(i):                         # the history inside the block: sum_j w[i - j] psi_{n0 + j}
            wj = w_rev[B - i + j]
            for s in range(S):
                acc[s] += wj * row[j, s]
        for s in range(S):
            if use_gain:
                xv = acc[s] / (1.0 - c0 * gain[n, s])
                pv = gain[n, s] * xv
            elif c0 != 0.0:
                prev = row[i - 1, s] if i > 0 else (ps[n - 1, s] if n > 0 else 0.0)
                xv, ok = _implicit(acc[s], c0, phi_code, prev, tol, max_iter)
                if not ok:
                    failed += 1
                pv = scalar_phi(phi_code, xv)
            else:
                xv = acc[s]
                pv = scalar_post(post_code, scalar_phi(phi_code, xv))
            row[i, s] = pv
            x[n, s] = xv
            ps[n, s] = pv
    return failed


def causal_recursion(xi: np.ndarray, w: np.ndarray, nonlinearity: str = "tanh", *, post: str = "identity",
                     c0: float = 0.0, const=0.0, block: int = 64, T_hist: np.ndarray | None = None,
                     gain: np.ndarray | None = None):
    """Solve x_n = xi_n + const + c0 psi(x_n) + sum_{m=1}^{M} w[m] psi(x_{n-m}) for all samples, psi = post(phi).

    xi : (L, S) driving fields; w : kernel weights, w[0] ignored (use c0); history before n = 0 is zero.
    ``nonlinearity`` names phi in the registry of :mod:`dmft.nonlinearities`; ``post`` names f_post (App. A,
    Eq. A10; identity for every other rule).  With c0 != 0 the implicit equation is solved as in
    :func:`implicit_step` (post must be the identity).  ``gain`` (L, S) makes the recursion linear and
    time-dependent, psi(x_n) = gain_n x_n (phi and post are then ignored; the implicit term is solved exactly):
    the tangent equation, with gain = phi'(x) along a path.
    Returns (x, psi(x)) of shape (L, S).
    """
    phi_code = _code(PHI_CODES, nonlinearity, "nonlinearity")
    post_code = _code(POST_CODES, post, "f_post")
    if gain is not None and gain.shape != xi.shape:
        raise ValueError(f"gain has shape {gain.shape}, the fields {xi.shape}")
    if c0 and gain is None and post != "identity":
        raise ValueError(f"an implicit term (c0 != 0) needs psi = phi, got f_post {post!r}")
    L, S = xi.shape
    B = block
    if T_hist is None:
        T_hist = history_matrix(w, B)
    M = T_hist.shape[1]
    # w[B], ..., w[1] for the steps inside a block, as the history matrix has the kernel (negligible weights
    # dropped, zero past its end)
    w_rev = np.ascontiguousarray(np.concatenate([w[:M + 1], np.zeros(B)])[1:B + 1][::-1])
    # x and psi in the fields' memory layout (path-major from the single-site engine: the estimators' FFTs then
    # read each path contiguously; the history product takes either layout)
    x = np.empty_like(xi)
    ps = np.empty_like(xi)
    base = xi + const
    use_gain = gain is not None
    g = np.ascontiguousarray(gain, dtype=float) if use_gain else np.empty((1, 1))
    failed = 0
    for n0 in range(0, L, B):
        n1 = min(n0 + B, L)
        ell = min(M, n0)
        if ell:
            acc_block = T_hist[: n1 - n0, M - ell:] @ ps[n0 - ell:n0]          # C-contiguous
            acc_block += base[n0:n1]
        else:
            acc_block = np.ascontiguousarray(base[n0:n1])
        failed += _block_steps(acc_block, x, ps, n0, w_rev, float(c0), phi_code, post_code, g, use_gain,
                               IMPLICIT_TOL, IMPLICIT_MAX_ITER)
    if failed:
        raise FloatingPointError(f"the implicit step x - {c0:g} psi(x) = acc has no root on a stable branch "
                                 f"for {failed} sample-steps (Newton did not converge)")
    return x, ps



@numba.njit(cache=True)
def _implicit_all(acc, c0, code, psi_prev, tol, max_iter):
    x = np.empty_like(acc)
    failed = 0
    for i in range(acc.size):
        x[i], ok = _implicit(acc[i], c0, code, psi_prev[i], tol, max_iter)
        if not ok:
            failed += 1
    return x, failed


def implicit_step(acc: np.ndarray, c0: float, nonlinearity: str, psi_prev: np.ndarray,
                  tol: float = IMPLICIT_TOL, max_iter: int = IMPLICIT_MAX_ITER) -> np.ndarray:
    """The root x of x - c0 phi(x) = acc that continues the previous step's branch (phi named as in the registry).

    For c0 phi' < 1 everywhere (c0 < 1 with 0 <= phi' <= 1) the root is unique.  For larger c0 (a strong
    instantaneous self-coupling, Eq. 11) there may be three roots; the outer two are the branches
    x ~ acc +- c0 on which the continuous dynamics lives, the middle one (where 1 - c0 phi' < 0) is the
    unstable one a plain Newton iteration from ``acc`` can land on.  The iteration starts from the
    predictor acc + c0 phi(x_prev), which is on the previous branch; a sample whose branch has ceased to
    exist (its root would have 1 - c0 phi' <= 0, or Newton did not converge) restarts from the other
    branch, acc - c0 phi(x_prev).  A sample that still fails raises FloatingPointError: a root that was
    not found is never returned.  (:func:`causal_recursion` solves its implicit term the same way, compiled
    into its step.)"""
    acc = np.ascontiguousarray(acc, dtype=float)
    prev = np.ascontiguousarray(np.broadcast_to(psi_prev, acc.shape), dtype=float)
    x, failed = _implicit_all(acc.ravel(), float(c0), _code(PHI_CODES, nonlinearity, "nonlinearity"),
                              prev.ravel(), tol, max_iter)
    if failed:
        raise FloatingPointError(f"the implicit step x - {c0:g} psi(x) = acc has no root on a stable branch "
                                 f"for {failed} samples (Newton did not converge)")
    return x.reshape(acc.shape)
