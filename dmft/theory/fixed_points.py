"""Mean-field theory of stable fixed points and their number [Eqs. 24-26, Sec. VI].

At a fixed point each neuron solves x - s tanh x = eta [Eq. 24], eta ~ N(0, g^2 C(0)), s = k C(0).
Typical stable fixed points let the neurons with |eta| < eta_c choose either outer branch, take the
branch aligned with eta otherwise, and sit at marginal stability [Eq. 26]. The derivation, and the
formula N^-1 log2 N_FP = erf(eta_c / (sqrt 2 sigma)), are in ``derivations/fixed_point_count.py``.

Everything is computed at a fixed self-coupling s (the network of Stern et al.) and mapped to the plastic
network by k = s / C(0), as in Sec. IV.  p does not enter [Sec. VI].

Main entry points:
  * :func:`stern_fixed_point` -- the typical stable fixed point at (g, s);
  * :func:`fixed_points` -- all solutions at (g, k), and the dominant one;
  * :func:`onset` -- the smallest k with stable fixed points, and whether the onset is discontinuous.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

from dmft import _generated as gen
from dmft.progress import progress_bar
from dmft.nonlinearities import get_nonlinearity

_GL_X, _GL_W = np.polynomial.legendre.leggauss(80)
T_FLOOR = -700.0   # log of the closest approach of a reversed neuron to the turning point (e^-700 ~ 1e-304)


def _check_g(g: float) -> float:
    g = float(g)
    if not math.isfinite(g) or g < 0:
        raise ValueError(f"g must be a finite number >= 0, got {g}")
    return g


def _gl(a: float, b: float):
    """Gauss-Legendre nodes and weights on [a, b]."""
    half = 0.5 * (b - a)
    return a + half * (_GL_X + 1.0), half * _GL_W


_sech2 = get_nonlinearity("tanh").dphi      # sech^2 x, without overflow for large |x|


def outer_branch(eta, s: float) -> np.ndarray:
    """x_+(eta): the solution of x - s tanh x = eta with x > x_m (x > 0 if s <= 1) [Eq. 24].

    g(x) = x - s tanh x is convex and increasing there, so Newton from the right converges
    monotonically; it needs eta > -eta_m."""
    eta = np.asarray(eta, dtype=float)
    x = eta + s + 1.0                       # g(eta + s + 1) > eta: right of the root
    for _ in range(100):
        step = gen.fixed_point_residual(x, eta, s, 1.0) / (1.0 - s * _sech2(x))     # [Eq. 24] with k C(0) = s
        x = x - step
        if np.all(np.abs(step) < 1e-14 * (1.0 + np.abs(x))):
            break
    return x


def turning_point(s: float) -> float:
    """x_m with cosh^2 x_m = s (0 for s <= 1)."""
    return float(np.arccosh(np.sqrt(s))) if s > 1 else 0.0


@dataclass
class FixedPointSolution:
    """The typical stable fixed point of the Stern network at (g, s), mapped to k = s / C(0).

    ``nodes`` and ``weights`` are a quadrature rule for the distribution of |x| (x is symmetric):
    averaging any even function f(x) over neurons is ``weights @ f(nodes)``.  ``marginal`` says whether
    Eq. 26 holds with equality (False: the cutoff reached eta_m before the stability bound did).
    """

    g: float
    s: float
    exists: bool
    C0: float = float("nan")
    k: float = float("nan")
    log2_number: float = 0.0
    eta_c: float = 0.0
    eta_m: float = 0.0
    stability: float = float("nan")       # g^2 <(phi'/g')^2>; 1 at marginal stability [Eq. 26]
    marginal: bool = False
    nodes: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    weights: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    reason: str = ""
    # the plastic network only (set by fixed_points): slope of k(s) along the branch and the verdict on the
    # collective (outlier) mode it implies; None for a bare Stern fixed point at fixed s
    dk_ds: float | None = None
    outlier_stable: bool | None = None

    def sample_x(self, n: int, rng: np.random.Generator | int | None = None) -> np.ndarray:
        """Draws of x at a typical stable fixed point: eta ~ N(0, g^2 C(0)); aligned branch for |eta| >
        eta_c, either outer branch with probability 1/2 otherwise."""
        if not self.exists:
            raise ValueError(f"no stable fixed point at g={self.g}, s={self.s}: {self.reason}")
        rng = np.random.default_rng(rng)
        eta = rng.normal(0.0, self.g * math.sqrt(self.C0), size=n)
        sign = np.sign(eta)
        sign[sign == 0] = 1.0
        flip = (np.abs(eta) < self.eta_c) & (rng.random(n) < 0.5)
        sign = np.where(flip, -sign, sign)
        # |x| = x_+(sign * eta) up to the overall sign; sign * eta > -eta_c >= -eta_m
        return sign * outer_branch(sign * eta, self.s)

    def summary(self) -> dict:
        return {k: getattr(self, k) for k in ("g", "s", "k", "C0", "log2_number", "eta_c", "eta_m", "stability",
                                              "marginal", "exists", "reason", "dk_ds", "outlier_stable")}


class _Quadrature:
    """The |x| distribution at (g, s) for a given C(0) and reversed-branch cutoff t_c = log(x_c - x_m)."""

    def __init__(self, g: float, s: float):
        self.g, self.s = g, s
        self.x_m = turning_point(s)
        self.x_0 = float(outer_branch(0.0, s))
        self.t_0 = math.log(self.x_0 - self.x_m)

    def eta_c(self, t_c: float) -> float:
        """Cutoff in eta for reversed neurons reaching x_m + e^t_c: eta_c = -g(x_m + e^t_c)."""
        x = self.x_m + math.exp(t_c)
        ec = float(self.s * math.tanh(x) - x)
        return ec if ec > 1e-12 * self.x_0 else 0.0      # round-off at t_c = t_0 (all aligned) is no cutoff

    def rule(self, C0: float, t_c: float):
        """Nodes x, weights w (sum 1) and the stability integrand values m = (phi'/g')^2 * weight."""
        g, s = self.g, self.s
        sig = g * math.sqrt(C0)
        rho = lambda e: np.exp(-0.5 * (e / sig) ** 2) / (sig * math.sqrt(2 * math.pi))  # noqa: E731
        ec = max(self.eta_c(t_c), 0.0)
        parts_x, parts_w, parts_m = [], [], []

        def aligned(a, b, mult):
            e, w = _gl(a, b)
            xv = outer_branch(e, s)
            wt = mult * rho(e) * w
            with np.errstate(over="ignore"):      # cosh^2 x = inf for huge x: the integrand's limit 0
                m = gen.marginal_stability_integrand(xv, 1.0, s, 1.0)    # [Eq. 26] / g^2, with k C(0) = s
            parts_x.append(xv), parts_w.append(wt), parts_m.append(wt * m)

        if ec > 0:
            aligned(0.0, ec, 1.0)                                   # free neurons on x_+(eta)
        aligned(ec, ec + 12.0 * sig, 2.0)                           # aligned neurons
        if ec > 0:
            # free neurons on the reversed branch: |x| = x_+(-eta) = x_m + e^t, t in (t_c, t_0)
            split = self.t_0 - 3.0      # the integrand is flat in t below here, and varies above
            pieces = [(t_c, split), (split, self.t_0)] if t_c < split else [(t_c, self.t_0)]
            for a, b in pieces:
                t, w = _gl(a, b)
                dd = np.exp(t)
                xv = self.x_m + dd
                # g'(x) > 0; the emitted form avoids the cancellation in 1 - s sech^2 x near x_m
                slope = np.where(dd < 1.0, gen.fp_slope_near_turning_point(self.x_m, np.minimum(dd, 1.0)),
                                 1.0 - s * _sech2(xv))
                wt = rho(xv - s * np.tanh(xv)) * slope * dd * w
                dp = _sech2(xv)
                parts_x.append(xv), parts_w.append(wt)
                parts_m.append(rho(xv - s * np.tanh(xv)) * dp ** 2 * (dd / slope) * w)   # dd/slope -> 1/g''(x_m)
        w = np.concatenate(parts_w)
        norm = w.sum()       # 1 up to quadrature error and the 12-sigma truncation
        return np.concatenate(parts_x), w / norm, np.concatenate(parts_m) / norm

    def self_consistent(self, t_c: float):
        """C(0) = <tanh^2 x> at cutoff t_c; returns (C0, nodes, weights, stability)."""
        def excess(C0):
            xv, w, _ = self.rule(C0, t_c)
            return float(w @ np.tanh(xv) ** 2) - C0
        lo = 0.5 * math.tanh(self.x_m) ** 2 + 1e-12      # every |x| >= x_m, so C(0) >= tanh^2 x_m
        C0 = 1.0 if excess(1.0) >= 0 else optimize.brentq(excess, lo, 1.0, xtol=1e-14)
        xv, w, m = self.rule(C0, t_c)
        return C0, xv, w, self.g ** 2 * float(m.sum())


def stern_fixed_point(g: float, s: float, phi: str = "tanh") -> FixedPointSolution:
    """Typical stable fixed point of the network with self-coupling s [Eq. 11 at d/dt = 0, Eqs. 24-26].

    Returns ``exists=False`` (with the reason) when s <= 1 (no bistable neurons) or when even the
    configuration with every neuron on its aligned branch violates Eq. 26."""
    g = _check_g(g)
    get_nonlinearity(phi)
    if phi != "tanh":
        raise ValueError("the fixed-point theory is derived for phi = tanh")
    s = float(s)
    if not math.isfinite(s) or s <= 0:
        raise ValueError(f"s must be a finite number > 0, got {s}")
    if s <= 1.0:
        return FixedPointSolution(g, s, False, reason="s <= 1: no neuron is bistable")
    eta_m = float(gen.fp_eta_m(s))
    if g == 0.0:
        chi = float(outer_branch(0.0, s))
        C0 = math.tanh(chi) ** 2
        return FixedPointSolution(g, s, True, C0, s / C0, 1.0, eta_m, eta_m, 0.0, False, np.array([chi]),
                                  np.array([1.0]), reason="g = 0: every neuron is bistable")
    q = _Quadrature(g, s)
    C0, xv, w, stab = q.self_consistent(q.t_0)               # all neurons aligned (eta_c = 0)
    if stab > 1.0:
        return FixedPointSolution(g, s, False, C0, s / C0, stability=stab, eta_m=eta_m,
                                  reason="even the all-aligned configuration is unstable (Eq. 26 > 1)")
    C0f, xf, wf, stab_f = q.self_consistent(T_FLOOR)
    if stab_f <= 1.0:                                          # stable with every bistable neuron free
        t_c, marginal = T_FLOOR, False
        C0, xv, w, stab = C0f, xf, wf, stab_f
    else:
        t_c = optimize.brentq(lambda t: q.self_consistent(t)[3] - 1.0, T_FLOOR, q.t_0, xtol=1e-10)
        C0, xv, w, stab = q.self_consistent(t_c)
        marginal = True
    ec = min(q.eta_c(t_c), eta_m)
    n_bits = float(gen.fp_log2_number(ec, g * math.sqrt(C0)))
    return FixedPointSolution(g, s, True, C0, s / C0, n_bits, ec, eta_m, stab, marginal, xv, w)


def branch_slope(g: float, s: float) -> float:
    """dk/ds along the fixed-point branch k(s) = s / C(0)(s): a central difference, or a forward one when
    s - ds is below the existence edge (the branch exists for every s above it)."""
    ds = 1e-5 * (s - 1.0)
    lo = stern_fixed_point(g, s - ds)
    if not lo.exists:
        return (stern_fixed_point(g, s + ds).k - stern_fixed_point(g, s).k) / ds
    return (stern_fixed_point(g, s + ds).k - lo.k) / (2.0 * ds)


@dataclass
class FixedPointResult:
    """Fixed points of the plastic network at (g, k): every mean-field solution, and the dominant
    one (largest log-number among the stable ones; the large-s solution where there are two) [Sec. VI].

    ``solutions`` lists every solution of the mean-field equations with its ``outlier_stable`` verdict;
    ``exists`` is True only if one of them is stable in both the bulk [Eq. 26] and the collective mode."""

    g: float
    k: float
    exists: bool
    solutions: list
    s_grid: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))

    @property
    def stable(self) -> list:
        return [r for r in self.solutions if r.outlier_stable is not False]

    @property
    def dominant(self) -> FixedPointSolution | None:
        # the paper: the large-s solution is exponentially dominant (ties, as at g = 0: take the larger s)
        return max(self.stable, key=lambda r: (r.log2_number, r.s)) if self.stable else None

    def summary(self) -> dict:
        d = self.dominant
        return {"g": self.g, "k": self.k, "exists": self.exists,
                "C0": d.C0 if d else None, "s": d.s if d else None,
                "log2_number": d.log2_number if d else 0.0,
                "marginal": d.marginal if d else None,
                "solutions": [r.summary() for r in self.solutions]}


def branch(g: float, s_values) -> list:
    """stern_fixed_point over a grid of s: the curve (k(s), log2 N(s)) of Fig. 6(c)."""
    return [stern_fixed_point(g, s) for s in np.asarray(s_values, dtype=float)]


def fixed_points(g: float, k: float, n_grid: int = 48) -> FixedPointResult:
    """All solutions of the fixed-point mean-field theory with s / C(0) = k [Eqs. 24-26], each with the
    stability of its collective (outlier) mode.

    Since C(0) <= 1, s = k C(0) <= k; and fixed points need s above the existence edge (s > 1 and the
    all-aligned configuration stable). The solutions are found by a scan of k(s) on a grid of s from
    that edge to k and Brent refinement of every crossing.

    Eq. 26 is the bulk's stability at fixed s.  In the plastic network s = k C(0) moves with the
    synapses: the rank-one part of the reduced Jacobian [Eq. 20] adds a collective mode, and a solution
    is stable only if dk/ds > 0 along the branch.  (The family of fixed points turns at the minimum of
    k(s), where that mode has a zero eigenvalue; it is stable on the large-s side.  At g = 0 this is
    exactly the 2 x 2 uniform block of the reduced Jacobian, whose determinant (1 - 3 k phi^2 phi')/p
    has the sign of dk/ds; ``tests/test_fixed_points.py`` checks it against the eigenvalues of the
    full reduced Jacobian [Eq. 18] of a constructed network.)  Solutions with dk/ds < 0 stay in
    ``solutions`` with ``outlier_stable=False``; they never make ``exists`` True."""
    g = _check_g(g)
    k = float(k)
    if not math.isfinite(k):
        raise ValueError(f"k must be finite, got {k}")
    s_edge = 1.0 if g == 0.0 else _existence_edge(g)
    if k <= s_edge:               # k(s) = s / C(0) >= s >= s_edge on the whole branch
        return FixedPointResult(g, k, False, [], np.zeros(0))
    found = _solutions_at(g, k, s_edge, n_grid)
    for r in found[0]:
        r.dk_ds = float(branch_slope(g, r.s))
        r.outlier_stable = bool(r.dk_ds > 0)
        if g == 0.0:
            # exactly: the uniform 2 x 2 block of the reduced Jacobian (derivations: g = 0 eigenvalues) is
            # stable iff its determinant (1 - 3 k phi^2 phi')/p is positive (its trace is then negative)
            chi = float(r.nodes[0])
            P2 = math.tanh(chi) ** 2 * float(_sech2(chi))
            r.outlier_stable = bool(gen.g0_block_det(k, 1.0, P2, 1) > 0 and gen.g0_block_trace(k, 1.0, P2, 1) < 0)
    return FixedPointResult(g, k, any(r.outlier_stable for r in found[0]), found[0], found[1])


def _solutions_at(g: float, k: float, s_edge: float, n_grid: int):
    """Every s with k(s) = k on the branch, by a grid scan and Brent refinement; (solutions, s grid)."""
    # from the existence edge, so that a crossing just above the onset is not missed
    unit = np.union1d(np.geomspace(1e-7, 1.0, n_grid // 2), np.linspace(0.0, 1.0, n_grid // 2 + 1)[1:])
    s_grid = s_edge + (k - s_edge) * unit
    ks = np.array([r.k if r.exists else np.nan for r in branch(g, s_grid)])
    k_of = lambda s: stern_fixed_point(g, s).k  # noqa: E731
    brackets = [(s_grid[i], s_grid[i + 1]) for i in range(s_grid.size - 1)
                if np.isfinite(ks[i]) and np.isfinite(ks[i + 1]) and (ks[i] - k) * (ks[i + 1] - k) <= 0]
    # a dip of k(s) below k between two grid points (both above k) hides two crossings: refine local minima
    for i in range(1, s_grid.size - 1):
        if np.isfinite(ks[i - 1:i + 2]).all() and ks[i] <= ks[i - 1] and ks[i] <= ks[i + 1] and ks[i] > k:
            m = optimize.minimize_scalar(k_of, bounds=(s_grid[i - 1], s_grid[i + 1]), method="bounded",
                                         options={"xatol": 1e-12})
            if m.fun < k:
                brackets += [(s_grid[i - 1], m.x), (m.x, s_grid[i + 1])]
    found = []
    for a, b in brackets:
        s_star = optimize.brentq(lambda s: k_of(s) - k, a, b, xtol=1e-10)
        if not any(abs(s_star - r.s) < 1e-8 for r in found):
            found.append(stern_fixed_point(g, s_star))
    return found, s_grid


@dataclass
class Onset:
    """Smallest k with stable fixed points at a given g [Sec. VI; Fig. 1(b) hatched region, Fig. 6(d)]."""

    g: float
    k_onset: float
    s_onset: float
    C0: float
    log2_number: float          # > 0: discontinuous onset (two solutions just above it)
    discontinuous: bool
    chi: float | None = None    # g = 0 only: x_i = +-chi [Sec. VI]

    def summary(self) -> dict:
        return dict(self.__dict__)


@functools.lru_cache(maxsize=256)
def _existence_edge(g: float) -> float:
    """Smallest s at which the all-aligned configuration satisfies Eq. 26 (bisection in log(s - 1))."""
    def stable(u):
        r = stern_fixed_point(g, 1.0 + math.exp(u))
        return r.exists
    lo, hi = -12.0, 4.0
    if stable(lo):
        return 1.0 + math.exp(lo)
    if not stable(hi):
        raise ValueError(f"no stable fixed points found for s up to 1 + e^{hi} at g = {g}")
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if stable(mid) else (mid, hi)
    return 1.0 + math.exp(hi)


def onset(g: float) -> Onset:
    """k_onset(g) = min over s of k(s) along the fixed-point branch.

    At g = 0 it is chi / tanh^3 chi with tanh(chi) / tanh'(chi) = 3 chi [Sec. VI].  For g > 0 the minimum is
    either at the existence edge (continuous onset, log-number 0) or inside the branch
    (discontinuous onset, with a finite log-number)."""
    g = _check_g(g)
    if g == 0.0:
        chi = optimize.brentq(gen.g0_chi_equation, 0.5, 3.0, xtol=1e-15)
        k0 = float(gen.g0_k_of_chi(chi))
        return Onset(0.0, k0, chi / math.tanh(chi), math.tanh(chi) ** 2, 1.0, True, chi)
    s_edge = _existence_edge(g)
    u_edge = math.log(s_edge - 1.0)
    k_of_u = lambda u: stern_fixed_point(g, 1.0 + math.exp(max(u, u_edge))).k  # noqa: E731
    us = np.linspace(u_edge, max(u_edge + 4.0, 1.5), 49)     # up to s = 5.5 at least: k(s) >= s beyond
    ks = np.array([k_of_u(u) for u in us])
    i = int(np.argmin(ks))
    if i == 0:
        r = stern_fixed_point(g, s_edge)
        return Onset(g, r.k, s_edge, r.C0, r.log2_number, False)
    lo, hi = us[max(i - 1, 0)], us[min(i + 1, len(us) - 1)]
    res = optimize.minimize_scalar(k_of_u, bounds=(lo, hi), method="bounded", options={"xatol": 1e-9})
    r = stern_fixed_point(g, 1.0 + math.exp(res.x))
    return Onset(g, r.k, r.s, r.C0, r.log2_number, True)


def log2_number(g: float, k: float) -> float:
    """N^-1 log2 of the number of stable fixed points (0 below onset, saturating at 1) [Fig. 6(c)-(d)]."""
    res = fixed_points(g, k)
    return res.dominant.log2_number if res.exists else 0.0


def number_map(g_values, k_values, n_s: int = 240, progress: bool | None = None) -> np.ndarray:
    """log2_number on a (g, k) grid, rows over k [Fig. 6(d)].

    One branch k(s), log2 N(s) per g on n_s points of s, then linear interpolation at every crossing of
    k(s) = k (the dominant, largest-count crossing is kept): much cheaper than :func:`log2_number` per
    cell, and accurate to the interpolation error of the s grid."""
    g_values, k_values = np.asarray(g_values, float), np.asarray(k_values, float)
    out = np.zeros((k_values.size, g_values.size))
    s_grid = 1.0 + (max(k_values.max(), 1.0 + 1e-9) - 1.0) * np.geomspace(1e-5, 1.0, n_s)
    for j, g in enumerate(progress_bar(g_values, progress, desc="fixed-point count", total=g_values.size)):
        sols = branch(g, s_grid)
        ks = np.array([r.k if r.exists else np.nan for r in sols])
        ns = np.array([r.log2_number if r.exists else np.nan for r in sols])
        for a in range(n_s - 1):
            k0, k1 = ks[a], ks[a + 1]
            if not (np.isfinite(k0) and np.isfinite(k1)):
                continue
            if k1 <= k0:      # dk/ds < 0: the collective mode is unstable there (see fixed_points)
                continue
            hit = (k_values >= k0) & (k_values <= k1)
            if np.any(hit):
                w = (k_values[hit] - k0) / (k1 - k0)
                out[hit, j] = np.maximum(out[hit, j], ns[a] + w * (ns[a + 1] - ns[a]))
    return out


def find_stable_fixed_points(params, J: np.ndarray, n_starts: int = 2000, seed: int | None = 0,
                             spread: float = 0.5, max_iter: int = 60, tol: float = 1e-10):
    """Stable non-trivial fixed points of a finite network, by Newton from many random starts.

    At a fixed point A = (k/N) phi phi^T, so x solves F(x) = -x + J phi + (k/N)|phi|^2 phi = 0.  Newton runs
    on all starts at once; distinct roots (to 1e-6) are kept when every eigenvalue
    of the reduced Jacobian [Eq. 18] has negative real part (the other N^2 - N eigenvalues are -1/p).
    Returns (stable roots as an (n, N) array, number of distinct non-trivial roots found).  For the
    small networks (N <~ 16) used to check the count of Sec. VI."""
    from dmft.simulation.jacobian import reduced_jacobian

    if params.phi != "tanh":
        raise ValueError("find_stable_fixed_points is written for phi = tanh")
    J = np.asarray(J, dtype=float)
    N = J.shape[0]
    if J.shape != (N, N):
        raise ValueError(f"J must be square, got shape {J.shape}")
    if not (isinstance(n_starts, (int, np.integer)) and n_starts >= 1):
        raise ValueError(f"n_starts must be a positive integer, got {n_starts!r}")
    k = params.k
    rng = np.random.default_rng(seed)
    # starts: a random sign pattern at a random scale up to ~k (the fixed points sit near +-x_+(eta), and
    # |x_+| grows like s = k C(0)), plus Gaussian jitter of size ``spread``
    scale = rng.uniform(0.2, 1.0, size=(n_starts, 1)) * max(1.0, abs(k))
    x = rng.choice([-1.0, 1.0], size=(n_starts, N)) * scale + rng.normal(0.0, spread, size=(n_starts, N))
    eye = np.eye(N)
    for _ in range(max_iter):
        ph, dph = np.tanh(x), _sech2(x)
        n2 = np.sum(ph * ph, axis=1, keepdims=True)
        F = -x + ph @ J.T + (k / N) * n2 * ph
        jac = (-eye[None] + J[None] * dph[:, None, :] + (k / N) * (n2[:, :, None] * eye[None] * dph[:, None, :]
               + 2.0 * ph[:, :, None] * (ph * dph)[:, None, :]))
        try:
            step = np.linalg.solve(jac, F[..., None])[..., 0]
        except np.linalg.LinAlgError:        # some start hit a singular Jacobian: pseudo-inverse for all
            step = (np.linalg.pinv(jac) @ F[..., None])[..., 0]
        step = np.clip(step, -1.0, 1.0)            # keep Newton from jumping across basins wildly
        x = x - step
    ph = np.tanh(x)
    F = -x + ph @ J.T + (k / N) * np.sum(ph * ph, axis=1, keepdims=True) * ph
    ok = np.all(np.isfinite(x), axis=1) & (np.max(np.abs(F), axis=1) < tol) & (np.max(np.abs(x), axis=1) > 1e-6)
    _, first = np.unique(np.round(x[ok], 6), axis=0, return_index=True)
    roots = x[ok][np.sort(first)]              # one unrounded representative per distinct root
    stable = []
    for r in roots:
        phi = np.tanh(r)
        M = reduced_jacobian(params, r, J, k * np.outer(phi, phi) / N)
        if np.linalg.eigvals(M).real.max() < 0:
            stable.append(r)
    return np.array(stable).reshape(-1, N), len(roots)
