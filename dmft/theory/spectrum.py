"""Support of the Jacobian spectrum in the limit N -> infinity [Eq. 21, App. E].

lambda is in the support of the spectrum of M~_bulk where
    S(lambda) = < |g (1 + p lambda) / ((1 + p lambda)(1 + lambda) / phi'(x) - k C(0))|^2 >_x >= 1,
the average taken over the single-site distribution of x (DMFT draws for chaotic states).  The
boundary is the level set S = 1, found on a grid in the complex plane; the topology (one disk,
a disk with a hole, two bands) is read off the connected components of {S >= 1}.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage, optimize, spatial

from dmft import _generated as gen
from dmft.params import Params


def support_function(lam, x_samples: np.ndarray, params: Params, C0: float, weights=None) -> np.ndarray:
    """S(lambda) of Eq. 21 averaged over ``x_samples`` (tanh networks).

    ``weights`` (summing to one) turn the samples into a quadrature rule, e.g. the fixed-point
    distribution of :class:`dmft.theory.fixed_points.FixedPointSolution`; equal weights otherwise."""
    if params.phi != "tanh":
        raise ValueError("the emitted Eq. 21 integrand is for phi = tanh")
    lam = np.asarray(lam, dtype=complex)
    xs = check_samples(x_samples, C0)
    wts = np.full(xs.size, 1.0 / xs.size) if weights is None else np.asarray(weights, dtype=float)
    if wts.shape != xs.shape:
        raise ValueError(f"weights must match x_samples in shape, got {wts.shape} and {xs.shape}")
    out = np.empty(lam.shape)
    flat = lam.ravel()
    res = out.ravel()
    for i0 in range(0, flat.size, 256):        # chunks keep the (points x samples) array small
        chunk = flat[i0:i0 + 256]
        vals = gen.eq21_integrand(chunk.real[:, None], chunk.imag[:, None], xs[None, :], params.g,
                                  params.k, params.p, C0)
        res[i0:i0 + chunk.size] = vals @ wts
    bad = ~np.isfinite(out)
    if np.any(bad):   # removable 0/0 at lambda = -1/p (k = 0) or a pole: step off the point
        out[bad] = support_function(lam[bad] + 1e-9j, xs, params, C0, wts)
    return out


def check_samples(x_samples, C0) -> np.ndarray:
    """x_samples as a non-empty finite 1-d float array, C0 a finite number in [0, 1]; ValueError otherwise."""
    xs = np.asarray(x_samples, dtype=float).ravel()
    if xs.size == 0:
        raise ValueError("x_samples is empty: the average over x of Eq. 21 needs draws of x")
    if not np.all(np.isfinite(xs)):
        raise ValueError(f"x_samples must be finite ({int(np.sum(~np.isfinite(xs)))} NaN or inf values)")
    if isinstance(C0, bool) or not (np.isscalar(C0) and np.isfinite(C0) and 0 <= C0 <= 1):
        raise ValueError(f"C0 must be a number in [0, 1] (a variance of tanh), got {C0!r}")
    return xs


@dataclass
class SpectralBoundary:
    """Boundary curves (lists of complex arrays), the grid it was traced on, and the topology."""

    curves: list
    topology: str
    n_components: int
    n_holes: int
    settings: dict = field(default_factory=dict)


def support_window(params: Params, x_samples: np.ndarray, C0: float, weights=None, pad: float = 0.15):
    """A (re, im) window around the support {S >= 1}.

    A fine scan of S along the real axis finds the components (S is symmetric under conjugation and
    every component meets the axis), vertical scans through them give the imaginary extent, and a
    coarse 2-D scan of that strip widens the real extent where the support bulges off the axis.  Fixed-point supports are thin slivers
    (Fig. 6e), so a fixed default window would miss them."""
    lo = -3.0 * (1.0 + 1.0 / params.p) - 3.0 * params.g
    r = np.linspace(lo, 2.0 + 2.0 * params.g, 4001)
    on_axis = support_function(r + 1e-7j, x_samples, params, C0, weights) >= 1.0
    if not np.any(on_axis):
        raise ValueError("the support does not meet the real axis in the scanned range")
    re_min, re_max = r[on_axis].min(), r[on_axis].max()
    ys = np.geomspace(1e-5, 3.0 + 3.0 * params.g, 400)
    cols = r[on_axis][:: max(1, int(on_axis.sum()) // 60)]
    S = support_function(cols[:, None] + 1j * ys[None, :], x_samples, params, C0, weights)
    inside = S >= 1.0
    im_max = ys[np.where(inside.any(axis=0))[0].max()] if inside.any() else 1e-3
    # off the axis the support can reach further in Re (the crescents of k < 0, Fig. 4): a coarse 2-D scan
    box_r = np.linspace(lo, r[-1], 161)
    box_i = np.linspace(0.0, im_max, 41)[1:]
    box = support_function(box_r[None, :] + 1j * box_i[:, None], x_samples, params, C0, weights) >= 1.0
    if box.any():
        cols_in = box_r[box.any(axis=0)]
        re_min, re_max = min(re_min, cols_in.min()), max(re_max, cols_in.max())
    dr = re_max - re_min
    return ((re_min - pad * dr - pad * im_max, re_max + pad * dr + pad * im_max), (-(1 + pad) * im_max, (1 + pad) * im_max))


def spectral_boundary(params: Params, x_samples: np.ndarray, C0: float, *, re=None, im=None,
                      n_grid: int = 241, weights=None) -> SpectralBoundary:
    """Trace the level set S(lambda) = 1 on an n_grid x n_grid grid and classify its topology.

    ``re``/``im`` are (min, max) ranges; by default :func:`support_window` picks them."""
    if isinstance(n_grid, bool) or not isinstance(n_grid, (int, np.integer)) or n_grid < 21:
        raise ValueError(f"grid: n_grid must be an integer >= 21 (points per axis), got {n_grid!r}")
    check_samples(x_samples, C0)
    for name, rng in (("re", re), ("im", im)):
        if rng is not None and not (len(rng) == 2 and np.all(np.isfinite(rng)) and rng[0] < rng[1]):
            raise ValueError(f"{name} must be a finite (min, max) range with min < max, got {rng!r}")
    if re is None or im is None:
        auto_re, auto_im = support_window(params, x_samples, C0, weights)
        re = auto_re if re is None else re
        im = auto_im if im is None else im
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    xr = np.linspace(*re, n_grid)
    yi = np.linspace(*im, n_grid) + 0.25 * (im[1] - im[0]) / (n_grid - 1)   # off the real axis
    L = xr[None, :] + 1j * yi[:, None]
    S = support_function(L, x_samples, params, C0, weights)
    # Gaps of up to a few cells along Re(lambda) are closed before counting components: thin slivers
    # (fixed points, Fig. 6e) narrow below one cell near their tips and would otherwise break apart.
    inside = ndimage.binary_closing(S >= 1.0, structure=np.ones((1, 5), bool), border_value=0)
    lab, n_comp = ndimage.label(inside)
    holes_lab, n_out = ndimage.label(~inside)
    border = set(np.unique(np.concatenate([holes_lab[0], holes_lab[-1], holes_lab[:, 0], holes_lab[:, -1]])))
    n_holes = len([i for i in range(1, n_out + 1) if i not in border])
    fig = plt.figure()
    cs = plt.contour(xr, yi, S, levels=[1.0])
    curves = [seg[:, 0] + 1j * seg[:, 1] for seg in cs.allsegs[0]]
    plt.close(fig)
    if n_comp == 0:
        topology = "empty"
    elif n_comp == 1:
        topology = "disk" if n_holes == 0 else "hole"
    elif n_comp == 2 and n_holes == 0:
        topology = "two-band"
    else:
        topology = f"{n_comp}-component, {n_holes}-hole"
    return SpectralBoundary(curves, topology, int(n_comp), int(n_holes),
                            settings=dict(re=tuple(map(float, re)), im=tuple(map(float, im)), n_grid=n_grid,
                                          n_samples=int(np.size(x_samples))))


def radius_along_ray(params: Params, x_samples, C0: float, center: complex, angle: float,
                     r_max: float = 10.0) -> float:
    """Distance from ``center`` to the boundary along a ray (for star-shaped supports)."""
    d = np.exp(1j * angle)
    f = lambda r: support_function(center + r * d, x_samples, params, C0) - 1.0  # noqa: E731
    return float(optimize.brentq(f, 1e-9, r_max, xtol=1e-12))


def eigenvalue_coverage(eigenvalues, params: Params, x_samples: np.ndarray, C0: float, weights=None,
                        boundary: SpectralBoundary | None = None, n_grid: int = 121,
                        atom_radius: float = 0.02) -> dict:
    """How well simulated eigenvalues match the predicted support [Eq. 21].

    Eigenvalues within ``atom_radius`` of -1/p are counted apart (``n_atom``).  Among the rest, returns
    ``fraction_inside`` (eigenvalues with S >= 1), ``fraction_within_cell`` (also counting those
    within one grid cell of the support: finite-N edges fluctuate) and ``largest_gap``: the largest distance from a point of the predicted
    support to its nearest eigenvalue, relative to the support's diameter (small when the eigenvalues fill
    the support)."""
    eig = np.asarray(eigenvalues, dtype=complex).ravel()
    # Synaptic modes of saturated neurons (phi' ~ 0) sit at lambda = -1/p, where S = 0: an atom outside the
    # continuous support of Eq. 21 (exactly N eigenvalues at k = 0).  They are counted apart.
    atom = np.abs(eig + 1.0 / params.p) < atom_radius
    eig = eig[~atom]
    if boundary is None:
        re, im = support_window(params, x_samples, C0, weights)
    else:
        re, im = boundary.settings["re"], boundary.settings["im"]
    cell = max((re[1] - re[0]), (im[1] - im[0])) / n_grid
    S = support_function(eig, x_samples, params, C0, weights)
    near = np.zeros(eig.size, dtype=bool)
    for off in (cell, -cell, 1j * cell, -1j * cell):
        near |= support_function(eig + off, x_samples, params, C0, weights) >= 1.0
    strict = S >= 1.0
    inside = strict | near
    xr = np.linspace(*re, n_grid)
    yi = np.linspace(*im, n_grid)
    L = (xr[None, :] + 1j * yi[:, None]).ravel()
    pts = L[support_function(L, x_samples, params, C0, weights) >= 1.0]
    if pts.size == 0:
        raise ValueError("the predicted support is empty on the grid")
    dist = spatial.cKDTree(np.c_[eig.real, eig.imag]).query(np.c_[pts.real, pts.imag])[0]
    diameter = max(np.ptp(pts.real), np.ptp(pts.imag), cell)
    return dict(fraction_inside=float(strict.mean()), fraction_within_cell=float(inside.mean()),
                n_eigenvalues=int(eig.size), n_atom=int(atom.sum()),
                largest_gap=float(dist.max() / diameter), diameter=float(diameter))
