"""The maximum Lyapunov exponent from the DMFT (theory; the simulator's is in :mod:`dmft.simulation.lyapunov`).

Two replicas with the same J, linearised in their difference delta = x^A - x^B (docs/derivations.md,
"Lyapunov exponent"): at k = 0 the difference's covariance Delta(t, s) = <delta(t) delta(s)> obeys

    (1 + d/dt)(1 + d/ds) Delta(t, s) = g^2 C_phi'(t - s) Delta(t, s),   C_phi'(tau) = <phi'(x(t)) phi'(x(t + tau))>,

and the growing solution Delta = e^{lambda (t + s)} psi(t - s) turns it into a Schroedinger problem in the lag

    -psi'' - g^2 C_phi'(tau) psi = E psi,     E = -(1 + lambda)^2,

so lambda_max = sqrt(-E_0) - 1 with E_0 the ground-state energy (an even, decaying psi without nodes).  The
potential comes from the exact SCS solution (:func:`dmft.theory.scs.scs_solution`), so at k = 0 lambda_max is
deterministic: :func:`scs_lyapunov`.

Equivalently, at each trial lambda the operator [(1 + lambda)^2 - d^2/dtau^2]^-1 g^2 C_phi' has a leading
eigenvalue mu(lambda), decreasing in lambda, and lambda_max is where mu = 1.  ``curve`` in the result is this
mu(lambda) on a few lambda around the root (the same object the Monte Carlo route at k != 0 root-finds).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
from scipy import integrate, interpolate

from dmft import _generated as gen
from dmft.numerics.gaussian import pair_avg
from dmft.params import Params
from dmft.theory.scs import scs_solution, scs_variance


@dataclass
class LyapunovTheoryResult:
    """lambda_max from the DMFT with its error, the method and the mu(lambda) curve it root-found."""

    params: Params
    lambda_max: float
    lambda_max_err: float
    converged: bool
    method: str                    # "exact" (k = 0) or "monte_carlo"
    ground_energy: float           # E_0 (exact method)
    curve: list                    # [(lambda, mu, mu_err)]
    iterations: int
    message: str = ""
    settings: dict = field(default_factory=dict)
    wall_s: float = 0.0

    def summary(self) -> dict:
        return dict(params=self.params.as_dict(), lambda_max=self.lambda_max, lambda_max_err=self.lambda_max_err,
                    converged=self.converged, method=self.method, ground_energy=self.ground_energy,
                    curve=[dict(lam=c[0], mu=c[1], mu_err=c[2]) for c in self.curve], iterations=self.iterations,
                    message=self.message, settings=self.settings, wall_s=self.wall_s)


class SCSPotential:
    """g^2 C_phi'(tau) of the k = 0 network, as a smooth function of the lag.

    C_phi' is a function of the preactivation covariance Cx(tau) alone (both points have variance Delta_0), so it
    is tabulated on a fine grid of covariances and splined, and Cx(tau) is splined on the SCS lag grid."""

    def __init__(self, g: float, phi: str = "tanh", dtau: float = 0.01):
        self.g, self.phi = g, phi
        nl = Params(g, 0.0, 1.0, phi).nonlinearity
        q = scs_variance(g, phi)
        self.Delta0 = q
        # the tail of Cx decays like exp(-kappa tau) with kappa = sqrt(1 - g^2 <phi'>^2) (scs.py); go 40 decay
        # lengths past the bulk so the potential has reached its limit g^2 <phi'>^2 well inside the window
        at_inf = float(pair_avg(nl.dphi, nl.dphi, q, q, 0.0)) if q > 0 else float(nl.dphi(np.array(0.0)) ** 2)
        kappa = math.sqrt(max(1.0 - g * g * at_inf, 1e-6))
        self.tau_max = 30.0 + 40.0 / kappa
        self.v_inf = g * g * at_inf                                         # potential depth at infinite lag
        self.constant = q == 0.0            # g <= 1: x = 0 and C_phi' = phi'(0)^2 at every lag
        if self.constant:
            self.v0 = self.v_inf
            self._v = lambda t: self.v_inf
            return
        sol = scs_solution(g, tau_max=self.tau_max, dtau=dtau, phi=phi)
        c_grid = np.linspace(0.0, q, 801)
        table = interpolate.CubicSpline(c_grid, g * g * pair_avg(nl.dphi, nl.dphi, q, q, c_grid))
        spline = interpolate.CubicSpline(sol.tau, table(np.clip(sol.Cx, 0.0, q)))
        end = float(sol.tau[-1])
        self._v = lambda t: float(spline(t)) if t < end else self.v_inf
        self.v0 = float(spline(0.0))

    def __call__(self, tau: float) -> float:
        return self._v(tau)


def _first_node(pot: SCSPotential, a: float, b: float) -> float:
    """Lag of the first zero of the even solution of psi'' = (a - b V(tau)) psi, psi(0) = 1 (inf if none before
    the window's end).  A node means the trial (a, b) is above the ground state (Sturm's oscillation theorem)."""
    def rhs(t, y):
        return [y[1], (a - b * pot(t)) * y[0]]

    def node(t, y):
        return y[0]
    node.terminal, node.direction = True, -1

    def runaway(t, y):                      # grew by 1e12 without a node: below the ground state
        return abs(y[0]) - 1e12
    runaway.terminal = True
    sol = integrate.solve_ivp(rhs, (0.0, pot.tau_max), [1.0, 0.0], method="DOP853", rtol=1e-10, atol=1e-14,
                              events=(node, runaway))
    return float(sol.t_events[0][0]) if sol.t_events[0].size else math.inf


def ground_energy(pot: SCSPotential, tol: float = 1e-12) -> tuple[float, int]:
    """E_0 of -psi'' - V psi = E psi, V = g^2 C_phi' (bisection on the node count), and the iterations used.
    The bound state lies between -max V and the continuum edge -V(inf)."""
    lo, hi = -pot.v0 - 1e-9, -pot.v_inf
    if pot.constant:
        return hi, 0
    if not math.isfinite(_first_node(pot, -hi + 1e-12, 1.0)):       # no node at the edge: no bound state
        return hi, 0
    it = 0
    while hi - lo > tol * max(1.0, abs(lo)) and it < 200:
        mid = 0.5 * (lo + hi)
        if math.isfinite(_first_node(pot, -mid, 1.0)):
            hi = mid
        else:
            lo = mid
        it += 1
    return 0.5 * (lo + hi), it


def leading_eigenvalue(pot: SCSPotential, lam: float, tol: float = 1e-10) -> float:
    """mu(lambda): the largest mu with [(1 + lambda)^2 - d^2] psi = V psi / mu having an even decaying solution
    (bisection on b = 1 / mu: the ground state of -psi'' - b V psi = -(1 + lambda)^2 psi)."""
    a = (1.0 + lam) ** 2
    if not lam > -1:
        raise ValueError(f"lambda must be > -1, got {lam}")
    if pot.constant:                  # constant potential: psi = const, mu = V / (1 + lambda)^2 exactly
        return pot.v_inf / a
    lo, hi = 0.0, 1.0
    while not math.isfinite(_first_node(pot, a, hi)):
        hi *= 2.0
        if hi > 1e6:
            return 0.0
    while hi - lo > tol * hi:
        mid = 0.5 * (lo + hi)
        if math.isfinite(_first_node(pot, a, mid)):
            hi = mid
        else:
            lo = mid
    return 1.0 / (0.5 * (lo + hi))


def scs_lyapunov(g: float, phi: str = "tanh", *, curve_points: int = 5, dtau: float = 0.01) -> LyapunovTheoryResult:
    """lambda_max of the k = 0 (SCS) network from the ground state of the lag Schroedinger operator.

    For g <= 1 the network is quiescent and lambda_max = g - 1 (the stability of x = 0).  The result's error is the
    bisection tolerance (the potential's spline error is below 1e-8 at the default dtau)."""
    start = time.perf_counter()
    params = Params(g, 0.0, 1.0, phi)
    pot = SCSPotential(g, phi, dtau)
    E0, it = ground_energy(pot)
    lam = float(gen.lyapunov_from_ground_energy(E0))
    curve = []
    if curve_points:
        for lv in lam + 0.05 * max(lam + 1.0, 0.1) * np.linspace(-1, 1, curve_points):
            curve.append((float(lv), leading_eigenvalue(pot, float(lv)), 0.0))
    return LyapunovTheoryResult(params=params, lambda_max=lam, lambda_max_err=1e-10, converged=True,
                                method="exact", ground_energy=E0, curve=curve, iterations=it,
                                message="ground state of -d^2/dtau^2 - g^2 C_phi'(tau) (k = 0)",
                                settings=dict(dtau=dtau, tau_max=pot.tau_max), wall_s=time.perf_counter() - start)
