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
from scipy import ndimage, optimize

from . import _generated as gen
from .params import Params


def support_function(lam, x_samples: np.ndarray, params: Params, C0: float) -> np.ndarray:
    """S(lambda) of Eq. 21 averaged over ``x_samples`` (tanh networks)."""
    if params.phi != "tanh":
        raise ValueError("the emitted Eq. 21 integrand is for phi = tanh")
    lam = np.asarray(lam, dtype=complex)
    xs = np.asarray(x_samples, dtype=float)
    out = np.empty(lam.shape)
    flat = lam.ravel()
    res = out.ravel()
    for i0 in range(0, flat.size, 256):        # chunks keep the (points x samples) array small
        chunk = flat[i0:i0 + 256]
        vals = gen.eq21_integrand(chunk.real[:, None], chunk.imag[:, None], xs[None, :], params.g,
                                  params.k, params.p, C0)
        res[i0:i0 + chunk.size] = vals.mean(axis=1)
    bad = ~np.isfinite(out)
    if np.any(bad):   # removable 0/0 at lambda = -1/p (k = 0) or a pole: step off the point
        out[bad] = support_function(lam[bad] + 1e-9j, xs, params, C0)
    return out


@dataclass
class SpectralBoundary:
    """Boundary curves (lists of complex arrays), the grid it was traced on, and the topology."""

    curves: list
    topology: str
    n_components: int
    n_holes: int
    settings: dict = field(default_factory=dict)


def spectral_boundary(params: Params, x_samples: np.ndarray, C0: float, *, re=(-4.0, 2.0), im=(-3.0, 3.0),
                      n_grid: int = 241) -> SpectralBoundary:
    """Trace the level set S(lambda) = 1 on an n_grid x n_grid grid and classify its topology."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    xr = np.linspace(*re, n_grid)
    yi = np.linspace(*im, n_grid) + 0.25 * (im[1] - im[0]) / (n_grid - 1)   # off the real axis
    L = xr[None, :] + 1j * yi[:, None]
    S = support_function(L, x_samples, params, C0)
    inside = S >= 1.0
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
                            settings=dict(re=re, im=im, n_grid=n_grid, n_samples=int(np.size(x_samples))))


def radius_along_ray(params: Params, x_samples, C0: float, center: complex, angle: float,
                     r_max: float = 10.0) -> float:
    """Distance from ``center`` to the boundary along a ray (for star-shaped supports)."""
    d = np.exp(1j * angle)
    f = lambda r: support_function(center + r * d, x_samples, params, C0) - 1.0  # noqa: E731
    return float(optimize.brentq(f, 1e-9, r_max, xtol=1e-12))
