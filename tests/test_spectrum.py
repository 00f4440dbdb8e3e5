import numpy as np

from dmft import Params
from dmft.spectrum import radius_along_ray, spectral_boundary
from dmft.stationary import SolverSettings, solve


def test_k0_boundary_is_the_circle():
    """k = 0: |1 + lambda| = g sqrt(<phi'^2>) [Sec. V A] to 1e-3 (here to 1e-9)."""
    p = Params(2.0, 0.0, 2.5)
    r = solve(p)
    xs = r.x_samples
    R = p.g * np.sqrt(np.mean(1 / np.cosh(xs) ** 4))
    for ang in (0.1, 1.3, 2.9, 4.4):
        assert abs(radius_along_ray(p, xs, r.C0, -1.0, ang) - R) < 1e-9
    b = spectral_boundary(p, xs, r.C0, n_grid=121)
    assert b.topology == "disk"
    pts = np.concatenate(b.curves)
    assert np.abs(np.abs(pts + 1) - R).max() < 0.06   # grid contour, spacing 0.05


def test_topological_transitions_of_fig4():
    """Sec. V A, Fig. 4 at g = 3, p = 2.5: a hole at k = 1 and k = -1, two bands at k = 2, one band
    without holes at k = -2."""
    expected = {1.0: "hole", 2.0: "two-band", -1.0: "hole", -2.0: "disk"}
    for k, topo in expected.items():
        p = Params(3.0, k, 2.5)
        r = solve(p, seed=0, settings=SolverSettings(n_samples=128, target_rel_err=0.01))
        b = spectral_boundary(p, r.x_samples, r.C0, re=(-5, 2), im=(-4, 4), n_grid=161)
        assert b.topology == topo, (k, b.topology)
