"""Reduced vs full Jacobian (Sec. V A), the bulk/low-rank split [Eq. 20] and f_a [Eq. 19]."""
import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from dmft import Params, PlasticNetwork
from dmft.simulation.jacobian import (full_jacobian, reduced_jacobian, reduced_jacobian_bulk,
                           synaptic_weight)


def _state(g, k, p, N, seed=0, t=30.0):
    net = PlasticNetwork(Params(g, k, p), N, seed=seed)
    net.advance(t)
    return net


@pytest.mark.parametrize("g, k, p", [(2.0, 1.5, 2.5), (1.5, -2.0, 4.0), (0.8, 2.5, 1.5)])
def test_reduced_eigenvalues_are_the_nontrivial_full_eigenvalues(g, k, p):
    N = 7
    net = _state(g, k, p, N)
    M = full_jacobian(net.params, net.x, net.J, net.A)
    Mr = reduced_jacobian(net.params, net.x, net.J, net.A)
    full = np.linalg.eigvals(M)
    red = np.linalg.eigvals(Mr)
    # match every reduced eigenvalue to a distinct full eigenvalue
    cost = np.abs(red[:, None] - full[None, :])
    rows, cols = linear_sum_assignment(cost)
    assert cost[rows, cols].max() < 1e-8
    rest = np.delete(full, cols)
    assert rest.size == N * N - N
    assert np.abs(rest + 1.0 / p).max() < 1e-8


def test_reduced_jacobian_is_bulk_plus_low_rank():
    net = _state(2.0, 1.0, 2.5, 12)
    x, J, A = net.x, net.J, net.A
    phi, dphi = np.tanh(x), 1 / np.cosh(x) ** 2
    low = np.zeros((24, 24))
    low[:12, :12] = A * dphi[None, :]
    low[:12, 12:] = np.outer(phi, phi) * dphi[None, :] / 12
    assert np.allclose(reduced_jacobian(net.params, x, J, A),
                       reduced_jacobian_bulk(net.params, x, J) + low, atol=1e-14)


def test_synaptic_weight_of_eigenvectors():
    """||v_a||^2 / ||v||^2 of each reduced-Jacobian eigenvector equals f_a(lambda) [Eq. 19]."""
    net = _state(2.0, 1.2, 2.5, 15)
    p = net.params
    lam, V = np.linalg.eig(reduced_jacobian(p, net.x, net.J, net.A))
    fa = np.sum(np.abs(V[15:]) ** 2, axis=0) / np.sum(np.abs(V) ** 2, axis=0)
    assert np.allclose(fa, synaptic_weight(lam, p.k, p.p), atol=1e-10)
