"""First-order boundary k_c(g) [Sec. IV C]: the bookkeeping around the y(s) curve (the curve itself is
checked against annealed simulations in the slow suite)."""
import math

import numpy as np
import pytest

from dmft import first_order as fo


def _fake_curve(points):
    def stern_curve(g, s_values, **kw):
        out = []
        for s in s_values:
            st = points.get(round(float(s), 6), "converged")
            C0 = s / (1.5 + (s - 0.6) ** 2) if st == "converged" else 0.0
            out.append(fo.SternPoint(float(s), C0, 0.002 * C0 if st == "converged" else math.nan,
                                     st == "converged", st))
        return out
    return stern_curve


def test_minimum_error_is_propagated_through_the_parabola(monkeypatch):
    """y(s) = 1.5 + (s - 0.6)^2 exactly: the parabola recovers k_c = 1.5; the error is the y errors
    weighted by the Lagrange basis at the minimum (never zero, unlike the spread about a parabola through
    three points)."""
    monkeypatch.setattr(fo, "stern_curve", _fake_curve({}))
    b = fo.first_order_boundary(0.9, n_s=9, s_span=1.2)
    assert b.converged and b.k_c == pytest.approx(1.5, abs=1e-9) and b.s_at_min == pytest.approx(0.6, abs=1e-6)
    trio = sorted(b.points, key=lambda q: abs(q.s - 0.6))[:3]
    assert 0.5 * min(q.y_err for q in trio) < b.k_c_err < 1.3 * max(q.y_err for q in trio)


def test_a_failed_point_makes_the_boundary_unconverged(monkeypatch):
    s_grid = 0.1 + 1.2 * np.linspace(1 / 9, 1, 9)
    far = round(float(s_grid[-1]), 6)
    monkeypatch.setattr(fo, "stern_curve", _fake_curve({far: "not_converged"}))
    b = fo.first_order_boundary(0.9)
    assert not b.converged and "not converged at s" in b.message
    # a verdict (diverging timescale) away from the minimum is an answer, not a failure
    monkeypatch.setattr(fo, "stern_curve", _fake_curve({far: "diverging_timescale"}))
    b = fo.first_order_boundary(0.9)
    assert b.converged and "diverging_timescale" in b.message


@pytest.mark.parametrize("kw, msg", [(dict(n_s=0), "n_s"), (dict(n_s=2.5), "n_s"), (dict(s_span=-1), "s_span"),
                                     (dict(s_span=float("nan")), "s_span")])
def test_bad_curve_settings(kw, msg):
    with pytest.raises(ValueError, match=msg):
        fo.first_order_boundary(0.9, **kw)
