"""First-order boundary k_c(g) [Sec. IV C]: the bookkeeping around the y(s) curve (the curve itself is
checked against annealed simulations in the slow suite)."""
import math

import numpy as np
import pytest

from dmft.theory import first_order as fo


def _fake_curve(points, computed=None, capped=()):
    """A stern_curve with y(s) = 1.5 + (s - 0.6)^2, statuses from ``points``; s in ``capped`` report a diverging
    timescale unless solved with tau_cap >= fo.LONG_TAU_CAP; honours ``stop`` and records the s it computed in
    ``computed``."""
    def stern_curve(g, s_values, stop=None, settings=None, **kw):
        out = []
        long_cap = settings is not None and (settings.tau_cap or 0) >= fo.LONG_TAU_CAP
        for s in s_values:
            st = points.get(round(float(s), 6), "converged")
            if round(float(s), 6) in capped and not long_cap:
                st = "diverging_timescale"
            C0 = s / (1.5 + (s - 0.6) ** 2) if st == "converged" else 0.0
            out.append(fo.SternPoint(float(s), C0, 0.002 * C0 if st == "converged" else math.nan,
                                     st == "converged", st))
            if computed is not None:
                computed.append(float(s))
            if stop is not None and stop(out):
                break
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


def test_curve_stops_once_the_minimum_is_bracketed(monkeypatch):
    """Computed from large s down, the curve stops at the first point below the minimum (s = 0.6) that is 3 errors
    above it: the points near s = 1 - g (the slowest solves) are skipped, and k_c is unchanged."""
    computed = []
    monkeypatch.setattr(fo, "stern_curve", _fake_curve({}, computed))
    b = fo.first_order_boundary(0.9, n_s=9, s_span=1.2)
    s_grid = 0.1 + 1.2 * np.linspace(1 / 9, 1, 9)
    assert computed == pytest.approx(sorted(s_grid, reverse=True)[:len(computed)]) and len(computed) < 9
    # y(0.5) = 1.51 is within 3 errors (0.013) of y(0.633) = 1.501; y(0.367) = 1.554 is not: s = 0.233 is skipped
    assert min(computed) == pytest.approx(0.1 + 1.2 * 2 / 9) and len(computed) == 8
    assert b.converged and b.k_c == pytest.approx(1.5, abs=1e-9)
    assert [q.s for q in b.points] == sorted(q.s for q in b.points)
    # not closed by a point within noise of the minimum, nor by an unconverged one
    pt = lambda s, y, err: fo.SternPoint(s, s / y, err * s / y ** 2, True, "converged")  # noqa: E731
    assert not fo.minimum_bracketed([pt(1.0, 2.0, 0.01), pt(0.8, 1.6, 0.01), pt(0.6, 1.62, 0.01)])
    assert fo.minimum_bracketed([pt(1.0, 2.0, 0.01), pt(0.8, 1.6, 0.01), pt(0.6, 1.7, 0.01)])
    failed = fo.SternPoint(0.6, 0.0, math.nan, False, "not_converged")
    assert not fo.minimum_bracketed([pt(1.0, 2.0, 0.01), pt(0.8, 1.6, 0.01), pt(0.7, 1.7, 0.01), failed])


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


def test_a_diverging_timescale_next_to_the_minimum_is_retried_with_a_longer_window(monkeypatch):
    """g = 0.5 in the quick diagram: every s above the minimum's neighbourhood reported a diverging timescale, so the
    lowest y sat at the largest converged s and k_c was only an upper bound.  The nearest such s is solved again with
    tau_cap = LONG_TAU_CAP; here it converges, brackets the minimum, and k_c is recovered."""
    s_grid = 0.1 + 1.2 * np.linspace(1 / 9, 1, 9)
    capped = {round(float(s), 6) for s in s_grid if s > 0.7}
    computed = []
    monkeypatch.setattr(fo, "stern_curve", _fake_curve({}, computed, capped))
    b = fo.first_order_boundary(0.9, n_s=9, s_span=1.2)
    assert b.converged and b.k_c == pytest.approx(1.5, abs=1e-9)
    assert computed[-1] == pytest.approx(0.1 + 1.2 * 5 / 9)            # the retried point: the first above 0.7
    assert "retried with tau_cap = 2000: converged" in b.message
    # if the retry still diverges, k_c stays an upper bound and says so
    monkeypatch.setattr(fo, "stern_curve", _fake_curve({round(float(s_grid[4]), 6): "diverging_timescale"},
                                                      None, capped))
    b = fo.first_order_boundary(0.9, n_s=9, s_span=1.2)
    assert not b.converged and "upper bound" in b.message and "retried" in b.message
