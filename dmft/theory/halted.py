"""Network B of the two-replica DMFT at late times: its autocovariance D given the law of its static input.

After the halt, the single site of network B obeys [Eq. 32b]
    (1 + d/dt) x_B = eta_B + I_B,       I_B = (k/p) int_0^inf e^{-t/p} Q(-t) phi_A(-t) dt,
and, given eta_A, eta_B is Gaussian with a constant conditional mean mu_B [Eq. C1a] and covariance
g^2 (D(tau) - delta) [Eqs. C1b-c].  So x_B = m + xi_B(t) with the static input m = mu_B + I_B (random through
network A's history) and xi_B = (1 + d/dt)^{-1} of the rest: Gaussian, independent of m, with covariance
g^2 (D~(tau) - delta), where (1 - d^2/dtau^2) D~ = D [Eq. D1].  Everything about B is then a Gaussian integral
over xi_B averaged over the law of m, which this module holds as a histogram on a fine grid (the Monte Carlo
is all in m, i.e. in network A's paths):

- fixed point (dx_B/dt = 0, D constant): D = < phi(m + z)^2 >, Var z = g^2 (D - delta); r^2 = g^2 < phi'^2 > [Eq. 30];
- dynamic solution: D(tau) = F(D~(tau)) with F(c) = < phi(m + z1) phi(m + z2) >, Var z = g^2 (a - delta),
  Cov = g^2 (c - delta), a = D~(0).  D~'' = D~ - F(D~) is a particle in the potential
  U(c) = -c^2/2 + G(c)/g^2, G(c) = < Phi(m + z1) Phi(m + z2) > (Phi' = phi, Price's theorem), started at rest
  at a and coming to rest at b = D~(inf) = F(b): U(a) = U(b) (the potential method of the k = 0 network, with
  a random offset m; at m = 0, delta = 0 it is exactly the SCS equation for x_B, Delta = g^2 D~).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
import scipy.fft
import scipy.signal
from scipy import integrate, interpolate, optimize

from dmft.numerics.gaussian import hermite_nodes, nodes_for_variance


@dataclass
class HaltedSolution:
    """One solution for network B.  kind: "fixed-point" or "dynamic"; D0 = D(0); D_inf = D(tau -> inf);
    a = D~(0); V = g^2 (a - delta), the variance of xi_B (the Gaussian part of x_B); r: bulk radius of the
    halted network's Jacobian [Eq. 30] under this solution (equal-time average of phi'^2)."""

    kind: str
    D0: float
    D_inf: float
    a: float
    V: float
    r: float


@numba.njit(cache=True)
def _uniform_interp(table, x0, dx, m):
    """np.interp(m, x0 + dx * arange(table.size), table) for a uniform grid (NaN where m is NaN)."""
    out = np.empty(m.size)
    last = table.size - 1
    for j in range(m.size):
        pos = (m[j] - x0) / dx
        if pos != pos:
            out[j] = np.nan
        elif pos <= 0.0:
            out[j] = table[0]
        elif pos >= last:
            out[j] = table[last]
        else:
            i = int(pos)
            f = pos - i
            out[j] = table[i] + f * (table[i + 1] - table[i])
    return out


# fewest quadrature nodes of a Gaussian average on [-10, 10] (spacing 0.5: the trapezoid error of the Gaussian
# weight itself is ~e^-79)
MIN_NODES = 41


class HaltedSite:
    """The law of the static input m (samples, any shape) with delta [Eq. C1c], on a grid of step ``dx``.

    The density of m is a cloud-in-cell histogram (exact for linear functions of m; the error of a smooth
    average is O(dx^2)); adding an independent Gaussian of variance c to m is a convolution done by FFT."""

    def __init__(self, m: np.ndarray, delta: float, g: float, nonlinearity, dx: float = 0.02,
                 n_nodes: int | None = None):
        m = np.asarray(m, dtype=float).ravel()
        if not np.all(np.isfinite(m)):
            raise ValueError("the static inputs m contain NaN or inf")
        if not (math.isfinite(delta) and delta >= 0):
            raise ValueError(f"delta must be finite and >= 0, got {delta}")
        self.delta, self.g, self.nl = float(delta), float(g), nonlinearity
        pad = 9.0 * max(g, 0.1) + 1.0           # variances added to m are at most g^2 (D <= 1 for |phi| <= 1)
        # the grid has a node at the mean of m (a constant m is then held exactly)
        lo = m.mean() - dx * math.ceil((m.mean() - m.min() + pad) / dx)
        hi = m.max() + pad
        n = scipy.fft.next_fast_len(int(math.ceil((hi - lo) / dx)) + 1)
        self.x = lo + dx * np.arange(n)
        self.dx = dx
        pos = (m - lo) / dx
        i = np.floor(pos).astype(int)
        f = pos - i
        p = np.bincount(i, 1 - f, minlength=n) + np.bincount(i + 1, f, minlength=n)
        self.p = p[:n] / m.size
        self._p_hat = scipy.fft.rfft(self.p)
        self._k2 = (2 * np.pi * scipy.fft.rfftfreq(n, dx)) ** 2
        # quadrature nodes: a fixed count if given, else as many as the variance being added needs (trapezoid
        # error ~ e^-35 for tanh, dmft.numerics.gaussian; at least MIN_NODES, which resolve the Gaussian weight)
        self.n_nodes = n_nodes
        self.m_mean, self.m_var = float(m.mean()), float(m.var())

    # ------------------------------------------------------------------ Gaussian building blocks
    def density(self, c: float) -> np.ndarray:
        """The density of m + y, y ~ N(0, c), on the grid."""
        if c <= 0:
            return self.p
        return scipy.fft.irfft(self._p_hat * np.exp(-0.5 * c * self._k2), n=self.x.size)

    def smoothed(self, f, v: float) -> np.ndarray:
        """E_u f(x + sqrt(v) u) on the grid, u ~ N(0, 1).

        A Gaussian at least two grid steps wide is a convolution on the grid itself: f on the grid extended by 10
        standard deviations, times Gaussian weights at the grid's own spacing (the trapezoid rule at spacing dx
        << sqrt(v): errors ~exp(-2 pi^2 v / dx^2) from the weight and ~exp(-pi^2 / dx) from tanh's poles, both
        negligible), by FFT: O(n log n) instead of n x (quadrature nodes) evaluations of f.  A narrower one (or a
        fixed ``n_nodes``) uses quadrature nodes."""
        if v <= 0:
            return f(self.x)
        sd = math.sqrt(v)
        if self.n_nodes or sd < 2.0 * self.dx:
            u, w = hermite_nodes(self.n_nodes or nodes_for_variance(v, MIN_NODES))
            return f(self.x[:, None] + sd * u[None, :]) @ w
        K = int(math.ceil(10.0 * sd / self.dx))
        kernel = np.exp(-0.5 * (self.dx * np.arange(-K, K + 1) / sd) ** 2)
        extended = f(self.x[0] + self.dx * np.arange(-K, self.x.size + K))
        return scipy.signal.fftconvolve(extended, kernel / kernel.sum(), mode="valid")

    def expect(self, values: np.ndarray, c: float = 0.0) -> float:
        """E over m + y, y ~ N(0, c), of a function given on the grid."""
        return float(self.density(c) @ values)

    def Phi(self, V: float):
        """The function m -> E_z phi(m + z), Var z = V, as an interpolant (what phi_B averages to given m)."""
        table = self.smoothed(self.nl.phi, V)
        return lambda m: self.interpolate(table, m)

    def interpolate(self, table: np.ndarray, m: np.ndarray) -> np.ndarray:
        """The piecewise-linear interpolant of ``table`` (values on the grid) at ``m`` (any shape; held at the end
        values outside the grid), as np.interp, with the cell found by division on the uniform grid rather than
        by bisection, compiled (the averages over every halt time and path use it on millions of points)."""
        m = np.asarray(m, dtype=float)
        return _uniform_interp(np.ascontiguousarray(table, dtype=float), float(self.x[0]), self.dx,
                               m.ravel()).reshape(m.shape)

    # ------------------------------------------------------------------ fixed point
    def fixed_point_residual(self, D: float) -> float:
        V = self.g ** 2 * (D - self.delta)
        return self.expect(self.smoothed(lambda z: self.nl.phi(z) ** 2, V)) - D

    def fixed_point(self) -> HaltedSolution | None:
        """The fixed-point solution (the largest root D > delta), or None if there is none."""
        d = self.delta
        grid = d + (1.0 - d) * np.linspace(0.0, 1.0, 41)
        vals = np.array([self.fixed_point_residual(D) for D in grid])
        sign = np.nonzero((vals[:-1] > 0) & (vals[1:] <= 0))[0]
        if sign.size == 0:
            if vals[0] <= 0:
                # <phi(m)^2> <= delta: the only admissible point is V = 0, x_B = m, B's state fixed entirely by
                # A's history (the limit the freezable-phase iteration approaches, D - delta -> 0 geometrically).
                # D = <phi(m)^2>; the caller checks D >= delta at the solution (within delta's statistical error):
                # an iterate may overshoot on the way, and pulling it back instead (no solution) made noisy solves
                # collapse to Q = 0 and report "nonfreezable" in freezable chaos (g = 2, k = 1.25, 256 paths).
                D = self.expect(self.nl.phi(self.x) ** 2)
                r = self.g * math.sqrt(self.expect(self.nl.dphi(self.x) ** 2))
                return HaltedSolution("fixed-point", D, D, D, 0.0, r)
            return None
        i = sign[-1]
        D = optimize.brentq(self.fixed_point_residual, grid[i], grid[i + 1], xtol=1e-13, rtol=1e-12)
        V = self.g ** 2 * (D - d)
        r = self.g * math.sqrt(self.expect(self.smoothed(lambda z: self.nl.dphi(z) ** 2, V)))
        return HaltedSolution("fixed-point", D, D, D, V, r)

    # ------------------------------------------------------------------ dynamic solution
    def F(self, c: float, a: float) -> float:
        """D as a function of D~ = c when D~(0) = a: < phi(m + z1) phi(m + z2) >, z1 = y + e1, z2 = y + e2 with
        Var y = g^2 (c - delta), Var e = g^2 (a - c)."""
        g2 = self.g ** 2
        return self.expect(self.smoothed(self.nl.phi, g2 * (a - c)) ** 2, g2 * (c - self.delta))

    def G(self, c: float, a: float) -> float:
        """< Phi(m + z1) Phi(m + z2) > with the same covariances as :meth:`F` (Phi the antiderivative)."""
        g2 = self.g ** 2
        return self.expect(self.smoothed(self.nl.antiderivative, g2 * (a - c)) ** 2, g2 * (c - self.delta))

    def _rest_point(self, a: float, n_grid: int = 17):
        """b in [delta, a) with F(b) = b and F'(b) < 1, the largest such (where D~, rolling down from a, comes
        to rest: a maximum of U), or None.  F(c) - c changes sign from + to - upwards through b.

        Near the merge with the fixed-point solution the dip of F(c) - c below zero that holds b (between b and
        the minimum of U) is narrower than any fixed grid, so every grid minimum where F(c) - c stays positive is
        refined by a bounded minimisation before it is ruled out."""
        d = self.delta
        cs = d + (a - d) * np.linspace(0.0, 1.0 - 1e-9, n_grid)
        fun = lambda c: self.F(c, a) - c  # noqa: E731
        f = np.array([fun(c) for c in cs])
        eps = 1e-6 * (a - d)
        if abs(f[0]) < 1e-13 and fun(d + eps) < 0:
            return d          # m = 0 (no memory): B rests at D~ = delta = 0, the SCS case
        brackets = [(cs[i], cs[i + 1]) for i in np.nonzero((f[:-1] > 0) & (f[1:] <= 0))[0]]
        for j in range(1, n_grid):
            if f[j] > 0 and f[j] <= f[j - 1] and (j == n_grid - 1 or f[j] <= f[j + 1]):
                res = optimize.minimize_scalar(fun, bounds=(cs[j - 1], cs[min(j + 1, n_grid - 1)]),
                                               method="bounded", options=dict(xatol=1e-9 * (a - d)))
                if res.fun < 0:
                    brackets.append((cs[j - 1], float(res.x)))
        if not brackets:
            return None
        lo, hi = max(brackets)
        return optimize.brentq(fun, lo, hi, xtol=1e-12, rtol=1e-10)

    def energy(self, a: float):
        """(U(a) - U(b), b) for D~(0) = a, or (nan, None) when D~ has no rest point below a."""
        b = self._rest_point(a)
        if b is None:
            return float("nan"), None
        g2 = self.g ** 2
        return (-0.5 * a * a + self.G(a, a) / g2) - (-0.5 * b * b + self.G(b, a) / g2), b

    def dynamic(self, hint: float | None = None, n_scan: int = 24) -> HaltedSolution | None:
        """The dynamic solution (D decays from D(0) to D_inf > 0): the root a of U(a) = U(b(a)) with a > b, or None.

        The fixed point is the degenerate root a = b; the dynamic root is found by scanning a (around ``hint``,
        the previous solution's a, when given) for a sign change of the energy difference."""
        d = self.delta
        if hint is not None and d < hint < 1:
            span = min(0.25 * (hint - d), 0.1)
            grid = np.linspace(max(d + 1e-6, hint - span), min(1.0, hint + span), 7)
            found = self._scan(grid)
            if found is not None:
                return found
        return self._scan(d + (1.0 - d) * np.linspace(0.01, 0.99, n_scan))

    def _scan(self, grid):
        """Search ``grid`` (increasing a) for the largest dynamic root.  Where the rest point b appears inside an
        interval, the edge of its existence is located by bisection so that no root is lost there."""
        d = self.delta
        pts = [(a, *self.energy(a)) for a in grid]
        refined = [pts[0]]
        for left, right in zip(pts[:-1], pts[1:]):
            if (left[2] is None) != (right[2] is None):
                lo, hi = left[0], right[0]
                for _ in range(30):
                    mid = 0.5 * (lo + hi)
                    has = self.energy(mid)[1] is not None
                    if has == (right[2] is not None):
                        hi = mid
                    else:
                        lo = mid
                edge = hi if right[2] is not None else lo
                refined.append((edge, *self.energy(edge)))
            refined.append(right)
        for (a0, e0, b0), (a1, e1, b1) in reversed(list(zip(refined[:-1], refined[1:]))):
            if b0 is None or b1 is None or not (e0 * e1 < 0):
                continue
            if a0 - b0 < 1e-4 and b0 > d:          # the degenerate (fixed-point) root
                continue
            a = optimize.brentq(lambda s: self.energy(s)[0], a0, a1, xtol=1e-11, rtol=1e-10)
            b = self._rest_point(a)
            if b is None or a - b < 1e-6:
                continue
            V = self.g ** 2 * (a - d)
            D0 = self.F(a, a)
            r = self.g * math.sqrt(self.expect(self.smoothed(lambda z: self.nl.dphi(z) ** 2, V)))
            return HaltedSolution("dynamic", D0, b, a, V, r)
        return None

    def profile(self, sol: HaltedSolution, tau_max: float, dtau: float):
        """D(tau) of a dynamic solution on 0..tau_max, by integrating D~'' = D~ - F(D~) from rest at a with F
        tabulated in c (Chebyshev nodes on [b, a]).  Returns (tau, D)."""
        a, b = sol.a, sol.D_inf
        nodes = b + (a - b) * 0.5 * (1 - np.cos(np.pi * np.arange(40) / 39))
        Fs = np.array([self.F(c, a) for c in nodes])
        spline = interpolate.CubicSpline(nodes, Fs)
        tau = dtau * np.arange(int(round(tau_max / dtau)) + 1)

        def rhs(t, y):
            c = min(max(y[0], b), a)
            return [y[1], c - spline(c)]

        # D~ comes to rest at b only asymptotically, on the separatrix: an integration error makes it either turn
        # back (the velocity changes sign) or cross b.  Either event ends the integration, and D~ is held at b
        # from there (by then D~ - b is at the integration's error level).
        def turned(t, y):
            return y[1]
        turned.terminal, turned.direction = True, 1.0

        def crossed(t, y):
            return y[0] - b
        crossed.terminal, crossed.direction = True, -1.0

        out = integrate.solve_ivp(rhs, (0, tau[-1]), [a, 0.0], t_eval=tau, rtol=1e-10, atol=1e-13,
                                  method="DOP853", events=(turned, crossed))
        c = np.clip(out.y[0], b, a)
        D = spline(c)
        if out.y.shape[1] < tau.size:              # stopped early: hold the rest value
            D = np.concatenate([D, np.full(tau.size - D.size, self.F(b, a))])
        return tau, D
