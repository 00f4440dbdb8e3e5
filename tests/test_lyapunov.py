"""Tangent maps vs finite differences; QR spectra vs exact identities; perturbation method."""
import numpy as np
import pytest

from dmft import Params, PlasticNetwork
from dmft.simulation.jacobian import full_jacobian
from dmft.simulation.lyapunov import (inverse_tangent_step, lyapunov_spectrum, max_lyapunov_perturbation,
                           tangent_step)


def _net(N=6, g=3.0, k=1.0, p=2.5, seed=3, t=40.0, scheme="heun"):
    net = PlasticNetwork(Params(g, k, p), N, seed=seed, scheme=scheme)
    net.advance(t)
    return net


def _map(net, dx, dA):
    c = net.copy()
    c.x = net.x + dx
    c.set_A(net.A + dA)
    c.step()
    return c.x, c.A


def _step_jacobian(net):
    """The derivative of one step map from the full Jacobian M [Eq. 15] (an independent route to the tangent map):
    Euler I + dt M(z); Heun I + dt/2 [M(z) + M(z~)(I + dt M(z))] with the dense predicted state z~."""
    M = full_jacobian(net.params, net.x, net.J, net.A)
    eye = np.eye(M.shape[0])
    if net.scheme == "euler":
        return eye + net.dt * M
    phi = np.tanh(net.x)
    x_p = net.x + net.dt * (-net.x + (net.J + net.A) @ phi)
    A_p = net.A + net.dt * (-net.A + net.params.k / net.N * np.outer(phi, phi)) / net.params.p
    M_p = full_jacobian(net.params, x_p, net.J, A_p)
    return eye + 0.5 * net.dt * (M + M_p @ (eye + net.dt * M))


@pytest.mark.parametrize("scheme", ["euler", "heun"])
def test_tangent_step_equals_central_finite_differences(rng, scheme):
    net = _net(scheme=scheme)
    N = net.N
    dX, dA = rng.standard_normal((3, N)), rng.standard_normal((3, N, N))
    tX, tA = tangent_step(net, dX, dA)
    eps = 1e-6
    for i in range(3):
        xp, Ap = _map(net, eps * dX[i], eps * dA[i])
        xm, Am = _map(net, -eps * dX[i], -eps * dA[i])
        assert np.abs((xp - xm) / (2 * eps) - tX[i]).max() < 1e-8
        assert np.abs((Ap - Am) / (2 * eps) - tA[i]).max() < 1e-8
    # and the tangent map is the step derivative built from the full Jacobian M [Eq. 15]
    y = np.concatenate([dX[0], dA[0].ravel()])
    assert np.allclose(_step_jacobian(net) @ y, np.concatenate([tX[0], tA[0].ravel()]), atol=1e-12)


@pytest.mark.parametrize("scheme", ["euler", "heun"])
@pytest.mark.parametrize("halted", [False, True])
def test_inverse_tangent_step_inverts_the_tangent_step(rng, scheme, halted):
    net = _net(N=8, scheme=scheme)
    if halted:
        net.halt()
    dX, dA = rng.standard_normal((4, 8)), rng.standard_normal((4, 8, 8))
    tX, tA = tangent_step(net, dX, dA)
    bX, bA = inverse_tangent_step(net, net.x, net.J + net.A, tX, tA, net.t)
    assert np.abs(bX - dX).max() < 1e-10 and np.abs(bA - dA).max() < 1e-10


def test_heun_spectrum_sum_equals_mean_log_det_of_the_step_map():
    """Heun: the sum of all exponents is <log |det DPhi|>/dt with DPhi the step derivative built from M [Eq. 15]."""
    net = _net(N=4, g=3.0, k=1.0)
    twin = net.copy()
    res = lyapunov_spectrum(net, 4 + 16, 30.0, qr_every=5, settle=0.0)   # the identity's window: [0, 30]
    steps = int(round(30.0 / twin.dt))
    logdet = 0.0
    for _ in range(steps):
        logdet += np.linalg.slogdet(_step_jacobian(twin))[1]
        twin.step()
    assert abs(res.exponents.sum() - logdet / (steps * twin.dt)) < 1e-9 * abs(logdet / steps)


def test_full_spectrum_sum_equals_mean_log_det_and_trace():
    net = _net(N=5, g=3.0, k=1.0, scheme="euler")
    D = 5 + 25
    twin = net.copy()
    res = lyapunov_spectrum(net, D, 60.0, qr_every=5, settle=0.0)
    # exact identity for the Euler map: sum of exponents = <log|det(I + dt M_n)|> / dt
    steps = int(round(60.0 / twin.dt))
    logdet, tr, tr2, tr3, series, tail = 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
    for _ in range(steps):
        M = full_jacobian(twin.params, twin.x, twin.J, twin.A)
        logdet += np.linalg.slogdet(np.eye(D) + twin.dt * M)[1]
        M2 = M @ M
        tr += np.trace(M)
        tr2 += np.trace(M2)
        tr3 += abs(np.trace(M2 @ M))
        # log det(I + dt M)/dt = tr M - dt tr M^2/2 + dt^2 tr M^3/3 - ...
        series += np.trace(M) - twin.dt * np.trace(M2) / 2 + twin.dt ** 2 * np.trace(M2 @ M) / 3
        tail += abs(np.trace(M2 @ M2)) * twin.dt ** 3 / 4
        twin.step()
    assert abs(res.exponents.sum() - logdet / (steps * twin.dt)) < 1e-9 * abs(logdet / steps)
    # flow identity: sum of exponents = <tr M> as dt -> 0; at finite dt the Euler map's volume
    # contraction differs from <tr M> by the series above, truncated after the dt^2 term.
    mean_tr = tr / steps
    assert abs(res.exponents.sum() - series / steps) < 2 * tail / steps
    # i.e. sum = <tr M> - dt <tr M^2>/2 up to O(dt^2): the flow identity with its Euler correction
    first_order = mean_tr - twin.dt * tr2 / steps / 2
    assert abs(res.exponents.sum() - first_order) < (twin.dt ** 2 * tr3 / 3 + 2 * tail) / steps
    assert res.exponents[0] >= res.exponents[-1]


@pytest.mark.parametrize("scheme", ["euler", "heun"])
def test_backward_pass_recovers_the_smallest_exponents(scheme):
    net = _net(N=5, g=3.0, k=1.0, scheme=scheme)
    D = 30
    twin = net.copy()
    # no settling, so that both passes average the same window of the trajectory
    fwd = lyapunov_spectrum(net, D, 150.0, qr_every=5, settle=0.0)
    bwd = lyapunov_spectrum(twin, D, 150.0, qr_every=5, direction="backward", settle=0.0)
    # same trajectory: the total volume contraction is identical
    assert abs(fwd.exponents.sum() - bwd.exponents.sum()) < 1e-9 * abs(fwd.exponents.sum())
    f = np.sort(fwd.exponents)
    b = np.sort(bwd.exponents)
    # the smallest (most contracting) exponents agree within statistical error
    tol = 5 * np.hypot(fwd.sem[::-1][:3], bwd.sem[:3]) + 1e-3
    assert np.all(np.abs(f[:3] - b[:3]) < tol)


def test_settling_period_is_left_out_of_the_average():
    """``settle`` drops the first growth rates after the kick (forward) or the last (backward) and nothing else: the
    same run without settling and T longer by the settling time has the same rates from there on."""
    p = Params(2.0, 1.0, 2.5)
    with_settle = max_lyapunov_perturbation(PlasticNetwork(p, 40, seed=3), 10.0, burn=2.0, settle=4.0, seed=5)
    without = max_lyapunov_perturbation(PlasticNetwork(p, 40, seed=3), 14.0, burn=2.0, settle=0.0, seed=5)
    assert with_settle.growth_rates.size == 10 and with_settle.settings["settle"] == pytest.approx(4.0)
    assert np.array_equal(with_settle.growth_rates, without.growth_rates[4:])
    assert with_settle.lambda_max == pytest.approx(without.growth_rates[4:].mean(), rel=1e-12)
    # forward QR: 7 time units without settling = the first 2 (a run of T = 2) then the 5 averaged after settling
    nets = [_net(N=4, g=3.0, k=1.0) for _ in range(3)]
    a = lyapunov_spectrum(nets[0], 6, 5.0, qr_every=5, settle=2.0, seed=2)
    b = lyapunov_spectrum(nets[1], 6, 7.0, qr_every=5, settle=0.0, seed=2)
    c = lyapunov_spectrum(nets[2], 6, 2.0, qr_every=5, settle=0.0, seed=2)
    assert a.T == pytest.approx(5.0) and a.settings["settle"] == pytest.approx(2.0)
    assert np.allclose(7.0 * b.exponents, 2.0 * c.exponents + 5.0 * a.exponents, rtol=1e-10, atol=1e-12)
    back = lyapunov_spectrum(_net(N=4, g=3.0, k=1.0), 6, 5.0, qr_every=5, settle=2.0, direction="backward", seed=2)
    assert back.T == pytest.approx(5.0) and np.all(np.isfinite(back.exponents))
    with pytest.raises(ValueError, match="settle"):
        max_lyapunov_perturbation(PlasticNetwork(p, 40, seed=3), 10.0, settle=-1.0)


def test_partial_spectrum_and_memory_guard():
    net = _net(N=6)
    res = lyapunov_spectrum(net, 4, 20.0)
    assert res.exponents.shape == (4,)
    with pytest.raises(ValueError, match="exceeds the phase-space dimension"):
        lyapunov_spectrum(net, 43, 1.0)
    with pytest.raises(ValueError, match="direction"):
        lyapunov_spectrum(net, 2, 1.0, direction="sideways")


@pytest.mark.slow
def test_perturbation_method_agrees_with_tangent_propagation():
    """Fig. 5(c): lambda_max from the perturbation method equals that from QR propagation."""
    base = PlasticNetwork(Params(3.0, 0.5, 2.5), 100, seed=4)
    base.advance(100.0)
    a, b = base.copy(), base.copy()
    pert = max_lyapunov_perturbation(a, 1500.0, seed=1)
    tang = lyapunov_spectrum(b, 1, 1500.0, seed=1)
    assert pert.lambda_max > 0
    assert abs(pert.lambda_max - tang.exponents[0]) < 4 * np.hypot(pert.sem, tang.sem[0])


def test_max_lyapunov_across_networks_is_the_mean_over_independent_networks():
    from dmft.simulation.lyapunov import max_lyapunov_across_networks, max_lyapunov_perturbation

    p = Params(2.0, 1.0, 2.5)
    mean, sem = max_lyapunov_across_networks(p, 60, 3, 20.0, burn=5.0, seed=7)
    lams = [max_lyapunov_perturbation(PlasticNetwork(p, 60, seed=7 + i), 20.0, burn=5.0, seed=i).lambda_max
            for i in range(3)]
    assert mean == pytest.approx(np.mean(lams), rel=1e-12)
    assert sem == pytest.approx(np.std(lams, ddof=1) / np.sqrt(3), rel=1e-12)
    with pytest.raises(ValueError, match="n_networks"):
        max_lyapunov_across_networks(p, 60, 1, 20.0)
