"""The self-consistency driver on maps whose answer is known (no Monte Carlo)."""
from types import SimpleNamespace

import numpy as np

import dmft.numerics.driver as driver_module
from dmft.numerics.driver import Driver, Evaluation


class GhostMap:
    """x -> x + f(x) with f(x0) = (eps + (x0 - 1)^2)(3 - x0) in the first coordinate and -x/2 in the others.

    f > 0 below the root x0 = 3 and almost vanishes at x0 = 1: the "ghost" of a saddle-node, which the stationary
    map has at large p and k (g = 3, p = 20, k = 1.8: rms|F(C) - C| ~ 0.2% of C(0) over tens of plain iterations
    before C slows down to its solution).  The least-squares step of Anderson mixing settles on the minimum of |f|
    there, which is not a root."""

    def __init__(self, eps=0.003):
        self.eps = eps

    def evaluate(self, engine, x):
        f = -0.5 * x
        f[0] = (self.eps + (x[0] - 1.0) ** 2) * (3.0 - x[0])
        return Evaluation(F=x + f, scale=1.0, n_measured=x.size)

    @staticmethod
    def admissible(x):
        return True


class _Bar:
    def update(self):
        pass


def _anderson(problem, x0, max_iter=400):
    st = SimpleNamespace(max_iter=max_iter, max_evaluations=10 ** 6, tol=1e-8, mixing=0.3, anderson_memory=5)
    return Driver(problem, st, [], _Bar()).anderson(None, np.array(x0, dtype=float))


def test_anderson_crosses_a_ghost_to_the_root(monkeypatch):
    x, _, res, its, how = _anderson(GhostMap(), [0.0, 1.0, -1.0])
    assert how == "solved" and res < 1e-8
    assert abs(x[0] - 3.0) < 1e-6 and np.all(np.abs(x[1:]) < 1e-6)
    # without the stall guard the same iteration stays at the ghost: the guard is what crosses it
    monkeypatch.setattr(driver_module, "STALL_WINDOW", 10 ** 9)
    x, _, res, its, how = _anderson(GhostMap(), [0.0, 1.0, -1.0])
    assert how == "not_converged" and abs(x[0] - 1.0) < 0.1


def test_the_stall_guard_leaves_a_plain_contraction_alone():
    """A linear contraction converges in a few Anderson steps: the guard never fires (same iterations as without)."""

    class Linear(GhostMap):
        def evaluate(self, engine, x):
            return Evaluation(F=0.9 * x + 0.1 * np.arange(x.size), scale=1.0, n_measured=x.size)

    x, _, res, its, how = _anderson(Linear(), np.zeros(4))
    assert how == "solved" and np.allclose(x, np.arange(4), atol=1e-6)
    assert its < driver_module.STALL_WINDOW


class EdgeMap(GhostMap):
    """F(x) = 0.97 + 0.2 (x - 0.97) in the first coordinate, x / 2 in the others, defined only for x0 < 1: the root
    0.97 sits just inside the edge of the map's domain, as the dynamic two-replica solution sits just inside the
    region where network B has a dynamic solution.  Outside, the evaluation says so (``outside``) and carries an
    arbitrary F, here one with a fixed point of its own at x0 = 1.2: taken as data, it is a false root."""

    def evaluate(self, engine, x):
        if x[0] >= 1.0:
            F = 0.5 * x
            F[0] = 1.2
            return Evaluation(F=F, scale=1.0, n_measured=x.size, outside=True)
        F = 0.5 * x
        F[0] = 0.97 + 0.2 * (x[0] - 0.97)
        return Evaluation(F=F, scale=1.0, n_measured=x.size)


def test_driver_backtracks_into_the_domain_and_finds_a_root_at_its_edge():
    # from x0 = 0 a damped step with mixing 1.5 lands at 1.455 (outside): the driver halves the step back, never
    # uses the outside F as a secant pair, and converges to the root inside
    st = SimpleNamespace(max_iter=200, max_evaluations=10 ** 6, tol=1e-9, mixing=1.5, anderson_memory=3)
    x, ev, res, its, how = Driver(EdgeMap(), st, [], _Bar()).anderson(None, np.array([0.0, 1.0]))
    assert how == "solved" and abs(x[0] - 0.97) < 1e-8 and abs(x[1]) < 1e-8 and not ev.outside
    # starting outside: the iterate itself is halved until it is inside
    st = SimpleNamespace(max_iter=200, max_evaluations=10 ** 6, tol=1e-9, mixing=0.5, anderson_memory=3)
    x, ev, res, its, how = Driver(EdgeMap(), st, [], _Bar()).anderson(None, np.array([3.0, 0.0]))
    assert how == "solved" and abs(x[0] - 0.97) < 1e-8

    class Unflagged(EdgeMap):        # the same map without the flag: the check above can fail
        def evaluate(self, engine, x):
            ev = super().evaluate(engine, x)
            ev.outside = False
            return ev

    x, ev, res, its, how = Driver(Unflagged(), st, [], _Bar()).anderson(None, np.array([3.0, 0.0]))
    assert how == "solved" and abs(x[0] - 1.2) < 1e-8
