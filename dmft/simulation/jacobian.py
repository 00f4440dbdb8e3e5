"""Jacobians of the neuronal-synaptic flow at a point (x, A) of phase space (Sec. V A).

The state vector is (x, a) with a = vec A in row-major order, a[i*N + j] = A_ij.
"""
from __future__ import annotations

import numpy as np

from dmft import _generated as gen
from dmft.params import Params


def _gains(params: Params, x: np.ndarray):
    nl = params.nonlinearity
    return nl.phi(x), nl.dphi(x)


def full_jacobian(params: Params, x: np.ndarray, J: np.ndarray, A: np.ndarray) -> np.ndarray:
    """The (N + N^2)-dimensional Jacobian M of Eqs. 1-3 [Eq. 15] (small N only).

    Blocks: dF/dx = -I + (J + A) diag(phi'); dF_i/dA_jl = delta_ij phi_l;
    d(da_jl/dt)/dx_m = k/(pN) phi'_m (delta_jm phi_l + phi_j delta_lm); d(da/dt)/da = -I/p.
    """
    N = x.size
    if N > 60:
        raise ValueError(f"full_jacobian forms an (N + N^2)^2 matrix; N = {N} is too large (max 60)")
    phi, dphi = _gains(params, x)
    S = N * N
    M = np.zeros((N + S, N + S))
    M[:N, :N] = -np.eye(N) + (J + A) * dphi[None, :]
    for i in range(N):
        M[i, N + i * N: N + (i + 1) * N] = phi
    dG = np.einsum("jm,l->jlm", np.diag(dphi), phi) + np.einsum("j,lm->jlm", phi, np.diag(dphi))
    M[N:, :N] = params.k / (params.p * N) * dG.reshape(S, N)
    M[N:, N:] = -np.eye(S) / params.p
    return M


def reduced_jacobian(params: Params, x: np.ndarray, J: np.ndarray, A: np.ndarray) -> np.ndarray:
    """The 2N x 2N reduced Jacobian M~ [Eqs. 18, 20]:

        [[-I + (J + A) D + C0 D... ]]  with D = diag(phi'(x)), C0 = |phi|^2 / N,

    upper-left  -I + (J + A) D,      upper-right C0 D + (1/N) phi phi^T D   (= dF/da dG/dx),
    lower-left  (k/p) I,             lower-right -(1/p) I.
    """
    N = x.size
    phi, dphi = _gains(params, x)
    C0 = float(phi @ phi) / N
    M = np.empty((2 * N, 2 * N))
    M[:N, :N] = -np.eye(N) + (J + A) * dphi[None, :]
    M[:N, N:] = C0 * np.diag(dphi) + np.outer(phi, phi * dphi) / N
    M[N:, :N] = params.k / params.p * np.eye(N)
    M[N:, N:] = -np.eye(N) / params.p
    return M


def reduced_jacobian_bulk(params: Params, x: np.ndarray, J: np.ndarray) -> np.ndarray:
    """The bulk part M~_bulk of the reduced Jacobian [Eq. 20a] (A and the rank-one term dropped)."""
    N = x.size
    phi, dphi = _gains(params, x)
    C0 = float(phi @ phi) / N
    M = np.zeros((2 * N, 2 * N))
    M[:N, :N] = -np.eye(N) + J * dphi[None, :]
    M[:N, N:] = C0 * np.diag(dphi)
    M[N:, :N] = params.k / params.p * np.eye(N)
    M[N:, N:] = -np.eye(N) / params.p
    return M


def synaptic_weight(lam, k: float, p: float):
    """f_a(lambda) = k^2 / (k^2 + p^2 |lambda + 1/p|^2), the synaptic weight of an eigenmode [Eq. 19]."""
    lam = np.asarray(lam)
    with np.errstate(invalid="ignore"):
        fa = gen.synaptic_weight(lam.real, lam.imag, k, p)
    # 0/0 only at k = 0 and lambda = -1/p exactly: the decoupled synaptic modes, purely synaptic
    return np.where(np.isnan(fa), 1.0, fa)


def network_reduced_spectrum(net, bulk: bool = False):
    """Eigenvalues of the reduced Jacobian of a :class:`~dmft.simulation.network.PlasticNetwork` at its
    current state, with f_a of each [Eq. 19]."""
    if bulk:
        M = reduced_jacobian_bulk(net.params, net.x, net.J)
    else:
        M = reduced_jacobian(net.params, net.x, net.J, net.A)
    lam = np.linalg.eigvals(M)
    return lam, synaptic_weight(lam, net.params.k, net.params.p)
