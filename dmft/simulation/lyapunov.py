"""Lyapunov exponents of the simulated network (Sec. V B, App. F).

Two methods:

* :func:`max_lyapunov_perturbation` — the perturbation method: a copy of the network is kicked
  by a small perturbation and the distance between the two trajectories in the full (x, A)
  space is measured and renormalised back to its initial size every ``renorm_every``
  (Benettin's procedure); lambda_max is the mean log growth rate.
* :func:`lyapunov_spectrum` — QR tangent propagation of ``n_exponents`` vectors of the full
  (N + N^2)-dimensional tangent space of the step map, forward in time (largest exponents) or
  backward along the stored forward trajectory (smallest exponents, Sec. V B).  Backward
  propagation uses the exact inverse of the tangent map of each step; the forward trajectory is
  re-simulated from checkpoints, so no N x N x T object is stored.

Both discard a settling period ``settle`` after the kick (the tangent vectors start random, not along the
Lyapunov vectors): at g = 2, p = 2.5, N = 500 the first 5 time units after a random kick in x grow at -0.015 (k = 0)
and -0.094 (k = 1) against 0.083 and 0.108 afterwards, which pulled a 300-unit average down by 0.0016 and 0.0034
(1.4% and 2.7%); from 5 time units on the rates are stationary (:data:`SETTLE`).

The tangent map of one step is the exact derivative of the network's step map (Euler or Heun, see
:mod:`dmft.simulation.network`).  With Df the linearised flow [Eq. 15] at phi = phi(x), W = J + A, v = phi'(x) dx,

    Df (dx, dA) = (-dx + W v + dA phi,  (-dA + (k/N)(v phi^T + phi v^T))/p),

Euler's is dz' = dz + dt Df(z) dz and Heun's dz' = dz + dt/2 [Df(z) dz + Df(z~)(dz + dt Df(z) dz)], z~ the
predicted state.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg

from dmft.simulation.network import PlasticNetwork, check_duration
from dmft.numerics.observables import kaplan_yorke_dimension
from dmft.progress import progress_bar

MAX_TANGENT_BYTES = 4 * 2**30
# time after the kick (or after the random initial tangents) before growth rates are averaged: 4x the measured
# transient (see the module docstring)
SETTLE = 20.0


@dataclass
class LyapunovResult:
    """Exponents (descending for forward, ascending for backward), their standard errors from
    block averages, the Kaplan-Yorke dimension per neuron (forward only) and the settings."""

    exponents: np.ndarray
    sem: np.ndarray
    direction: str
    kaplan_yorke_per_N: float
    T: float
    settings: dict = field(default_factory=dict)
    wall_s: float = 0.0


@dataclass
class MaxExponentResult:
    lambda_max: float
    sem: float
    growth_rates: np.ndarray
    settings: dict = field(default_factory=dict)
    wall_s: float = 0.0


def _gains(net: PlasticNetwork):
    nl = net.params.nonlinearity
    return nl.phi(net.x), nl.dphi(net.x)


def _flow_tangent(net: PlasticNetwork, phi, dphi, W_times, dX, dA):
    """The linearised flow Df(x, A) [Eq. 15] applied to tangent vectors (dX (m, N), dA (m, N, N)) at a state
    given by phi = phi(x), dphi = phi'(x) and v -> (J + A) v (``W_times``, on an (N, m) block):
    d(dx)/dt = -dX + W v + dA phi, d(dA)/dt = (-dA + (k/N)(v phi^T + phi v^T))/p with v = phi' dX
    (the synaptic part is zero while A is halted)."""
    v = dX * dphi
    fX = -dX + W_times(v.T).T + dA @ phi
    if not net.plastic:
        return fX, np.zeros_like(dA)
    kN, p = net.params.k / net.N, net.params.p
    fA = (kN * (v[:, :, None] * phi[None, None, :] + phi[None, :, None] * v[:, None, :]) - dA) / p
    return fX, fA


def _predictor(net: PlasticNetwork, x, J_times, A_times, t):
    """Heun's predicted state: x~ = x + dt f_x and v -> (J + A~) v with A~ = (1 - dt/p) A + (dt k/(pN)) phi phi^T
    (A~ = A while A is halted), given v -> J v and v -> A v.  Returns (phi(x~), phi'(x~), v -> (J + A~) v)."""
    nl = net.params.nonlinearity
    phi = nl.phi(x)
    drive = J_times(phi) + A_times(phi)
    if net.input_fn is not None:
        drive = drive + net.input_fn(t)
    x_pred = x + net.dt * (drive - x)
    a, c = (net._a_predict, net._c_predict) if net.plastic else (1.0, 0.0)

    def W_pred(v):
        return J_times(v) + a * A_times(v) + c * np.outer(phi, phi @ v).reshape(v.shape)
    return nl.phi(x_pred), nl.dphi(x_pred), W_pred


def tangent_step(net: PlasticNetwork, dX: np.ndarray, dA: np.ndarray):
    """Apply the tangent map of the next step of ``net`` (at its current state, with its scheme) to a batch
    of tangent vectors dX (m, N), dA (m, N, N).  Returns the new (dX, dA).

    Euler: dz' = dz + dt Df(z) dz.  Heun: u1 = Df(z) dz, u2 = Df(z~)(dz + dt u1), dz' = dz + dt (u1 + u2)/2,
    with z~ the predicted state: the exact derivative of the step map."""
    if net._clamped:
        raise ValueError("tangent dynamics of a clamped network are not defined")
    phi, dphi = _gains(net)
    dt = net.dt
    u1X, u1A = _flow_tangent(net, phi, dphi, net.W_times, dX, dA)
    if net.scheme == "euler":
        return dX + dt * u1X, dA + dt * u1A
    phi_p, dphi_p, W_pred = _predictor(net, net.x, lambda v: net._g_scale * (net._J0 @ v), net.A_times, net.t)
    u2X, u2A = _flow_tangent(net, phi_p, dphi_p, W_pred, dX + dt * u1X, dA + dt * u1A)
    return dX + 0.5 * dt * (u1X + u2X), dA + 0.5 * dt * (u1A + u2A)


def inverse_tangent_step(net: PlasticNetwork, x: np.ndarray, W: np.ndarray, dX: np.ndarray,
                         dA: np.ndarray, t: float = 0.0):
    """Invert :func:`tangent_step` at the state (x, W = J + A, time t) of a step of ``net`` (which supplies
    dt, p, k, N, the scheme and whether A is plastic): given the tangent vectors after the step, return them
    before it.

    Both schemes give dA' = a dA + b1 S(v, phi) + b2 S(v~, phi~), S(u, w) = u w^T + w u^T, with v = phi' dX and
    v~ = phi'(x~) dX~ (b2 = 0 for Euler), so dA = (dA' - b1 S - b2 S~)/a, and dA enters dX' only through dA phi
    and dA phi~.  That leaves a linear system for dX (Euler, N x N) or for (dX, dX~) (Heun, 2N x 2N)."""
    nl = net.params.nonlinearity
    phi, dphi = nl.phi(x), nl.dphi(x)
    N, dt = net.N, net.dt
    plastic = net.plastic
    a = net._a if plastic else 1.0
    if net.scheme == "euler":
        b1 = net._c1 if plastic else 0.0
        L = (1 - dt) * np.eye(N) + dt * W * dphi[None, :]
        L -= (dt * b1 / a) * _S_times(dphi, phi, phi)
        dX_old = scipy.linalg.solve(L, (dX - (dt / a) * (dA @ phi)).T).T
        return dX_old, _dA_before(dA, a, [(b1, dX_old * dphi, phi)])
    # Heun
    J = net.J
    A = W - J
    phi_p, dphi_p, W_pred = _predictor(net, x, J.__matmul__, A.__matmul__, t)
    aE, b1, b2 = (net._a_predict, net._c1, net._c2) if plastic else (1.0, 0.0, 0.0)
    g = net._c_predict if plastic else 0.0                  # dA~ = aE dA + g S(v, phi)
    I = np.eye(N)
    Wt = W_pred(np.eye(N))                                  # J + A~ as a matrix
    B1, B2 = _S_times(dphi, phi, phi), _S_times(dphi_p, phi_p, phi)        # S(v, phi) phi, S(v~, phi~) phi
    B3, B4 = _S_times(dphi, phi, phi_p), _S_times(dphi_p, phi_p, phi_p)    # S(v, phi) phi~, S(v~, phi~) phi~
    # (1) dX~ = dX + dt (-dX + W v + dA phi)
    # (2) dX' = (dX + dX~)/2 + dt/2 (-dX~ + W~ v~ + aE dA phi~ + g S(v, phi) phi~)
    top = np.hstack([-(1 - dt) * I - dt * W * dphi[None, :] + (dt * b1 / a) * B1, I + (dt * b2 / a) * B2])
    bottom = np.hstack([0.5 * I + 0.5 * dt * g * B3 - (0.5 * dt * aE * b1 / a) * B3,
                        0.5 * (1 - dt) * I + 0.5 * dt * Wt * dphi_p[None, :] - (0.5 * dt * aE * b2 / a) * B4])
    rhs = np.concatenate([(dt / a) * (dA @ phi), dX - (0.5 * dt * aE / a) * (dA @ phi_p)], axis=1)
    y = scipy.linalg.solve(np.vstack([top, bottom]), rhs.T).T
    dX_old, dX_pred = y[:, :N], y[:, N:]
    return dX_old, _dA_before(dA, a, [(b1, dX_old * dphi, phi), (b2, dX_pred * dphi_p, phi_p)])


def _S_times(du, w, q):
    """The matrix M with M dX = S(du * dX, w) q = (du * dX)(w . q) + w ((du * dX) . q)."""
    return float(w @ q) * np.diag(du) + np.outer(w, q * du)


def _dA_before(dA, a, terms):
    """dA = (dA' - sum_i b_i S(v_i, w_i)) / a for a batch of tangent vectors (v_i of shape (m, N))."""
    out = dA.copy()
    for b, v, w in terms:
        if b:
            out -= b * (v[:, :, None] * w[None, None, :] + w[None, :, None] * v[:, None, :])
    return out / a


def _orthonormalise(dX, dA):
    m, N = dX.shape
    Y = np.concatenate([dX, dA.reshape(m, N * N)], axis=1)
    Q, R = np.linalg.qr(Y.T)
    d = np.diag(R)
    sign = np.where(d < 0, -1.0, 1.0)
    Q = Q * sign
    Qt = Q.T
    return Qt[:, :N].copy(), Qt[:, N:].reshape(m, N, N).copy(), np.log(np.abs(d))


def _initial_tangents(m, N, rng):
    D = N + N * N
    if m > D:
        raise ValueError(f"n_exponents = {m} exceeds the phase-space dimension N + N^2 = {D}")
    need = 8 * m * D * 3
    if need > MAX_TANGENT_BYTES:
        raise ValueError(f"{m} tangent vectors of dimension N + N^2 = {D} need ~{need / 2**30:.1f} GiB; "
                         f"reduce n_exponents or N (limit {MAX_TANGENT_BYTES / 2**30:.0f} GiB)")
    Y = rng.standard_normal((m, D))
    Q, _ = np.linalg.qr(Y.T)
    return Q.T[:, :N].copy(), Q.T[:, N:].reshape(m, N, N).copy()


def lyapunov_spectrum(net: PlasticNetwork, n_exponents: int, T: float, *, burn: float = 0.0,
                      qr_every: int = 10, direction: str = "forward", n_blocks: int = 10,
                      checkpoint_every: int = 200, settle: float = SETTLE, seed: int | None = None,
                      progress=None) -> LyapunovResult:
    """Largest (``direction="forward"``) or smallest (``"backward"``) ``n_exponents`` Lyapunov
    exponents of the step map of ``net`` (its scheme), averaged over time ``T`` after a burn-in.

    qr_every : steps between re-orthonormalisations (Sec. V B; App. F used intervals of 20
               forward and 5 backward in time units of their step).
    settle   : time the random initial tangents are propagated (and re-orthonormalised) before their growth
               is averaged: the first ``settle`` of a forward pass, the last of a backward one (which starts
               at the end).  ``T`` is the averaged time.
    The network is advanced in place.  Exponents are per unit time.
    """
    if direction not in ("forward", "backward"):
        raise ValueError(f"direction must be 'forward' or 'backward', got {direction!r}")
    T = check_duration("T", T)
    settle = check_duration("settle", settle, allow_zero=True)
    net.advance(check_duration("burn", burn, allow_zero=True))
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    N, dt = net.N, net.dt
    m = int(n_exponents)
    n_avg = max(1, int(round(T / dt)) // qr_every)
    n_settle = int(round(settle / dt)) // qr_every
    n_qr = n_avg + n_settle
    n_steps = n_qr * qr_every
    dX, dA = _initial_tangents(m, N, rng)
    logs = np.zeros((n_qr, m))
    if direction == "forward":
        bar = progress_bar(None, progress, desc="lyapunov", total=n_steps, auto=m * N * N * n_steps > 1e10)
        for q in range(n_qr):
            for _ in range(qr_every):
                dX, dA = tangent_step(net, dX, dA)
                net.step()
            dX, dA, logs[q] = _orthonormalise(dX, dA)
            bar.update(qr_every)
        bar.close()
    else:
        # Forward pass: keep checkpoints of the full state, then walk backwards segment by segment.
        checkpoint_every = max(qr_every, (checkpoint_every // qr_every) * qr_every)
        checkpoints = []
        bar = progress_bar(None, progress, desc="lyapunov (backward)", total=2 * n_steps,
                           auto=m * N * N * n_steps > 1e10)
        for n in range(n_steps):
            if n % checkpoint_every == 0:
                checkpoints.append((n, net.copy()))
            net.step()
            bar.update()
        q = n_qr - 1
        for n0, cp in reversed(checkpoints):
            # Re-simulate the segment [n0, n1) to get the states (x_n, J + A_n) in reverse order.
            n1 = min(n0 + checkpoint_every, n_steps)
            states = []
            for _ in range(n0, n1):
                states.append((cp.x.copy(), cp.J + cp.A, cp.t))
                cp.step()
            for n in range(n1 - 1, n0 - 1, -1):
                x, W, t = states[n - n0]
                dX, dA = inverse_tangent_step(net, x, W, dX, dA, t)
                bar.update()
                if n % qr_every == 0:
                    dX, dA, logs[q] = _orthonormalise(dX, dA)
                    q -= 1
        bar.close()
    # forward: the settling intervals come first; backward: last (the pass starts at the end of the trajectory)
    rates = (logs[n_settle:] if direction == "forward" else logs[:n_avg]) / (qr_every * dt)
    exps = rates.mean(axis=0)
    blocks = np.array_split(rates, min(n_blocks, n_avg))
    bm = np.array([b.mean(axis=0) for b in blocks])
    sem = bm.std(axis=0, ddof=1) / math.sqrt(len(bm)) if len(bm) > 1 else np.full(m, np.nan)
    if direction == "backward":
        exps, sem = -exps, sem  # growth of the inverse map = minus the smallest exponents
    ky = kaplan_yorke_dimension(exps) / N if direction == "forward" and np.any(exps < 0) and m > 1 else float("nan")
    return LyapunovResult(
        exponents=exps, sem=sem, direction=direction, kaplan_yorke_per_N=ky, T=n_avg * qr_every * dt,
        settings=dict(n_exponents=m, qr_every=qr_every, dt=dt, burn=burn, settle=n_settle * qr_every * dt, N=N,
                      seed=seed,
                      params=net.params.as_dict()),
        wall_s=time.perf_counter() - start)


def _separation(ref: PlasticNetwork, other: PlasticNetwork):
    ref.fold()
    other.fold()
    dx = other.x - ref.x
    Ar = ref._A_base if ref._A_base is not None else 0.0
    Ao = other._A_base if other._A_base is not None else 0.0
    dA = Ao - Ar
    return dx, dA, math.sqrt(float(dx @ dx) + float(np.sum(dA * dA)))


def max_lyapunov_perturbation(net: PlasticNetwork, T: float, *, burn: float = 0.0, d0: float = 1e-6,
                              renorm_every: float = 1.0, n_blocks: int = 10, settle: float = SETTLE,
                              seed: int | None = None, progress=None) -> MaxExponentResult:
    """Maximum Lyapunov exponent by the perturbation method (App. F).

    After ``burn``, a copy of the network is displaced in x by a random vector of norm ``d0``.
    Both evolve; every ``renorm_every`` the separation in the full (x, A) space is measured,
    its log growth recorded, and the copy is pulled back along the separation to distance d0.
    The first ``settle`` time units after the kick, while the separation turns towards the Lyapunov vector, are
    not recorded (see the module docstring).  Returns the mean rate over the following ``T`` and its standard
    error from ``n_blocks`` block means.
    """
    T = check_duration("T", T)
    settle = check_duration("settle", settle, allow_zero=True)
    net.advance(check_duration("burn", burn, allow_zero=True))
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    other = net.copy()
    kick = rng.standard_normal(net.N)
    other.x = other.x + d0 * kick / np.linalg.norm(kick)
    per = max(1, int(round(renorm_every / net.dt)))
    n_settle = int(round(settle / net.dt)) // per
    n_ren = max(2, int(round(T / net.dt)) // per)
    rates = np.empty(n_settle + n_ren)
    bar = progress_bar(range(n_settle + n_ren), progress, desc="lambda_max", total=n_settle + n_ren,
                       auto=net.N * net.N * (n_settle + n_ren) * per > 2e10)
    for r in bar:
        for _ in range(per):
            net.step()
            other.step()
        dx, dA, d = _separation(net, other)
        if not np.isfinite(d) or d == 0:
            raise FloatingPointError("trajectory separation became zero or non-finite")
        rates[r] = math.log(d / d0) / (per * net.dt)
        s = d0 / d
        other.x = net.x + s * dx
        if net._A_base is not None or other._A_base is not None:
            other.set_A((net._A_base if net._A_base is not None else 0.0) + s * dA)
    rates = rates[n_settle:]
    blocks = np.array_split(rates, min(n_blocks, n_ren))
    bm = np.array([b.mean() for b in blocks])
    return MaxExponentResult(
        lambda_max=float(rates.mean()), sem=float(bm.std(ddof=1) / math.sqrt(len(bm))),
        growth_rates=rates,
        settings=dict(T=n_ren * per * net.dt, burn=burn, settle=n_settle * per * net.dt, d0=d0,
                      renorm_every=per * net.dt,
                      N=net.N, dt=net.dt, seed=seed, params=net.params.as_dict()),
        wall_s=time.perf_counter() - start)


def max_lyapunov_across_networks(params, N: int, n_networks: int = 4, T: float = 300.0, *, burn: float = 100.0,
                                 seed: int = 0) -> tuple[float, float]:
    """lambda_max of ``n_networks`` independent networks (network seeds seed, seed + 1, ...; perturbation seeds
    0, 1, ...) by :func:`max_lyapunov_perturbation`: (mean, standard error across networks).  Finite networks lie
    below the N -> infinity value (8-16% at N = 1000, g = 2): compare several N, not one, with the theory."""
    if isinstance(n_networks, bool) or not isinstance(n_networks, int) or n_networks < 2:
        raise ValueError(f"n_networks must be an integer >= 2 (for an error across networks), got {n_networks!r}")
    lams = [max_lyapunov_perturbation(PlasticNetwork(params, N, seed=seed + i), T, burn=burn, seed=i).lambda_max
            for i in range(n_networks)]
    return float(np.mean(lams)), float(np.std(lams, ddof=1) / math.sqrt(n_networks))
