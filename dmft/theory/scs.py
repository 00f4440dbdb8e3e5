"""Exact solution of the non-plastic (k = 0) network of Sompolinsky, Crisanti & Sommers.

For k = 0 the single-site equation [Eq. 6] is (1 + d/dt) x = eta with <eta eta> = g^2 C, so the
preactivation autocovariance Delta(tau) = C^x(tau) obeys

    d^2 Delta / d tau^2 = Delta - g^2 C_phi(Delta; Delta_0) = -dV/dDelta,
    V(Delta) = -Delta^2 / 2 + g^2 <Phi(z1) Phi(z2)>,   Phi' = phi,

with z1, z2 Gaussian of variance Delta_0 and covariance Delta.  A decaying solution starts at
rest at Delta_0 and reaches Delta = 0 with zero velocity, so V(Delta_0) = V(0):

    Delta_0^2 / 2 = g^2 ( <Phi^2> - <Phi>^2 ),   averages over N(0, Delta_0).   (energy condition)

For g <= 1 the only solution is Delta_0 = 0 (quiescence).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import integrate, optimize

from dmft import _generated as gen
from dmft.numerics.gaussian import gauss_avg, pair_avg
from dmft.params import Params


def energy_residual(q: float, g: float, phi: str = "tanh") -> float:
    """g^2 (<Phi^2> - <Phi>^2) - q^2/2 at Delta_0 = q (zero at the SCS variance)."""
    Phi = Params(g, 0.0, 1.0, phi).nonlinearity.antiderivative
    m1 = gauss_avg(Phi, q)
    m2 = gauss_avg(lambda z: Phi(z) ** 2, q)
    return float(gen.scs_energy_residual(q, m2, m1, g))


def scs_variance(g: float, phi: str = "tanh") -> float:
    """C^x(0) = Delta_0 of the chaotic k = 0 network from the energy condition (0 for g <= 1)."""
    Params(g, 0.0, 1.0, phi)  # validation
    if g <= 1.0:
        return 0.0
    hi = 1.0
    while energy_residual(hi, g, phi) > 0:
        hi *= 2.0
    # Near q = 0 the residual is ~ (g^2 - 1) q^2 / 2 > 0; bracket away from the trivial root.
    lo = hi / 2.0
    while energy_residual(lo, g, phi) <= 0:
        lo /= 2.0
    return float(optimize.brentq(energy_residual, lo, hi, args=(g, phi), xtol=1e-14, rtol=1e-14))


@dataclass
class SCSSolution:
    """Exact k = 0 solution on the lag grid tau: Delta = C^x(tau) and C = C_phi(tau)."""

    tau: np.ndarray
    Cx: np.ndarray
    C: np.ndarray
    Delta0: float
    g: float
    phi: str
    settings: dict = field(default_factory=dict)


def scs_solution(g: float, tau_max: float = 60.0, dtau: float = 0.05, phi: str = "tanh") -> SCSSolution:
    """Delta(tau) and C(tau) of the k = 0 network by integrating the lag-space equation from
    (Delta_0, 0).  The separatrix is unstable, so integration stops once Delta has fallen to
    1e-7 Delta_0 (or turns) and the tail is continued with the linearised decay
    exp(-kappa tau), kappa = sqrt(1 - g^2 <phi'>^2)."""
    nl = Params(g, 0.0, 1.0, phi).nonlinearity
    tau = dtau * np.arange(int(round(tau_max / dtau)) + 1)
    q = scs_variance(g, phi)
    if q == 0.0:
        z = np.zeros_like(tau)
        return SCSSolution(tau, z, z.copy(), 0.0, g, phi)

    def rhs(t, y):
        return [y[1], y[0] - g * g * pair_avg(nl.phi, nl.phi, q, q, y[0])]

    def low(t, y):
        return y[0] - 1e-7 * q
    low.terminal = True

    def turn(t, y):
        return y[1]
    turn.terminal, turn.direction = True, 1

    sol = integrate.solve_ivp(rhs, (0.0, tau_max), [q, 0.0], method="DOP853", rtol=1e-11,
                              atol=1e-14 * q, dense_output=True, events=(low, turn))
    t_end = sol.t[-1]
    Cx = np.empty_like(tau)
    inside = tau <= t_end
    Cx[inside] = sol.sol(tau[inside])[0]
    kappa = np.sqrt(max(1.0 - g * g * gauss_avg(nl.dphi, q) ** 2, 0.0))
    Cx[~inside] = sol.y[0, -1] * np.exp(-kappa * (tau[~inside] - t_end))
    C = pair_avg(nl.phi, nl.phi, q, q, Cx)
    return SCSSolution(tau, Cx, C, q, g, phi, settings=dict(tau_max=tau_max, dtau=dtau,
                                                              separatrix_exit=float(t_end)))
