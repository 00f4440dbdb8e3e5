import numpy as np
import pytest

from dmft import Params
from dmft.theory.spectrum import radius_along_ray, spectral_boundary
from dmft.theory.stationary import SolverSettings, solve


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


def test_fixed_point_support_is_marginal_and_two_band_as_in_fig6e():
    from dmft.theory.fixed_points import fixed_points
    from dmft.theory.spectrum import support_function

    for g, k, lobe in ((2.0, 2.25, (-1.42, -1.0)), (0.5, 1.9, (-1.40, -1.0))):
        sol = fixed_points(g, k).dominant
        params = Params(g, k, 2.5)
        # Eq. 21 at lambda -> 0 is the Eq. 26 average, which the fixed-point solver set to one
        S0 = support_function(np.array([1e-12j]), sol.nodes, params, sol.C0, sol.weights)[0]
        assert S0 == pytest.approx(1.0, abs=1e-6)
        assert support_function(np.array([0.02 + 0j]), sol.nodes, params, sol.C0, sol.weights)[0] < 1
        b = spectral_boundary(params, sol.nodes, sol.C0, n_grid=201, weights=sol.weights)
        assert b.topology == "two-band"
        pts = np.concatenate(b.curves)
        cell = (b.settings["re"][1] - b.settings["re"][0]) / 200
        assert abs(pts.real.max()) < 2 * cell                      # the sliver reaches lambda = 0
        left = pts[pts.real < -0.6]
        # main lobe read off Fig. 6(e) (+-0.05)
        assert left.real.min() == pytest.approx(lobe[0], abs=0.05)
        assert left.real.max() == pytest.approx(lobe[1], abs=0.05)


def test_eigenvalue_coverage_on_a_known_disk():
    # k = 0: the support is the disk |1 + lambda| <= g sqrt<phi'^2>; uniform points in it are all inside and
    # leave no large gap; points far outside are not; points at -1/p are counted apart as the synaptic atom
    from dmft.theory.spectrum import eigenvalue_coverage

    rng = np.random.default_rng(0)
    params = Params(2.0, 0.0, 2.5)
    xs = rng.normal(0.0, 1.3, 4000)
    r = 2.0 * np.sqrt(np.mean(1 / np.cosh(xs) ** 4))
    inside = -1 + r * np.sqrt(rng.random(3000)) * np.exp(2j * np.pi * rng.random(3000))
    outside = -1 + 1.5 * r * np.exp(2j * np.pi * rng.random(100))
    atom = np.full(50, -1 / params.p) + 1e-4
    cov = eigenvalue_coverage(np.concatenate([inside, outside, atom]), params, xs, 0.0)
    assert cov["n_atom"] == 50 and cov["n_eigenvalues"] == 3100
    assert cov["fraction_inside"] == pytest.approx(3000 / 3100, abs=2e-3)
    assert cov["largest_gap"] < 0.05
    half = eigenvalue_coverage(inside[inside.real < -1], params, xs, 0.0)
    assert half["largest_gap"] > 0.4          # an empty half disk is a gap of about one radius
