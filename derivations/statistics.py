"""Synaptic statistics as functionals of C(tau) (Sec. VI, Eqs. 22-23)."""
import sympy as sp

from .core import Result, check, step
from .symbols import C0, k, p

v, w, a, tau = sp.symbols("v w a tau", positive=True)
C = sp.Symbol("C", real=True)


@step("double exponential integral", "Synaptic statistics")
def double_integral():
    """Products of two filtered histories give int_0^inf int_0^inf e^{-(u+u')/p} f(u - u') du du'
    = p int_0^inf e^{-v/p} f(v) dv for even f; checked for f = e^{-a|v|} (a dense family)."""
    u1, u2 = sp.symbols("u1 u2", positive=True)
    # split the square into u1 > u2 and u1 < u2; by symmetry both halves are equal
    half = sp.integrate(sp.integrate(sp.exp(-(u1 + u2) / p) * sp.exp(-a * (u1 - u2)), (u1, u2, sp.oo)),
                        (u2, 0, sp.oo))
    rhs = p * sp.integrate(sp.exp(-v / p) * sp.exp(-a * v), (v, 0, sp.oo))
    check("2 x half-square integral = p int e^{-v/p} f(v) dv", sp.simplify(2 * half - rhs))
    return []


@step("participation ratio of A", "Synaptic statistics")
def participation_ratio():
    """tr A = (k/p) int e^{-u/p} (1/N) sum_i phi_i^2 du = k C(0); ||A||_F^2 = (k/p)^2 int int
    e^{-(u+u')/p} C(u-u')^2 = (k^2/p) int e^{-v/p} C(v)^2 dv; hence PR_A = p / T with
    T = int e^{-v/p} (C(v)/C(0))^2 dv [Eq. 23].  Checked for C = C0 e^{-a v}, where T = 1/(1/p + 2a)."""
    trA = sp.integrate(k / p * sp.exp(-v / p) * C0, (v, 0, sp.oo))
    check("tr A = k C(0)", sp.simplify(trA - k * C0))
    Cv = C0 * sp.exp(-a * v)
    fro2 = k ** 2 / p * sp.integrate(sp.exp(-v / p) * Cv ** 2, (v, 0, sp.oo))
    T = sp.integrate(sp.exp(-v / p) * (Cv / C0) ** 2, (v, 0, sp.oo))
    check("PR_A = (tr A)^2 / ||A||_F^2 = p / T", sp.simplify(trA ** 2 / fro2 - p / T))
    check("T = 1/(1/p + 2a) for an exponential C", sp.simplify(T - 1 / (1 / p + 2 * a)))
    return [Result("T_integrand", sp.exp(-v / p) * (C / C0) ** 2, (v, C, C0, p), "Eq. 23",
                   "integrand of T = int_0^inf e^{-v/p} (C(v)/C(0))^2 dv; PR_A = p / T",
                   "N -> inf, stationarity")]


@step("synaptic autocovariance", "Synaptic statistics")
def synaptic_autocovariance():
    """N^2 <A_ij(t) A_ij(t + tau)> = (k/p)^2 int int e^{-(u+u')/p} C(tau + u - u')^2 du du' (i != j, the
    two neurons' factors average independently); at tau = 0 it is (k^2/p) int e^{-v/p} C(v)^2 dv,
    i.e. ||A||_F^2 of Eq. 22 per entry.  Checked for C = e^{-a|v|}."""
    u1, u2 = sp.symbols("u1 u2", positive=True)
    f = lambda z: sp.exp(-2 * a * z)   # noqa: E731  C^2 for z >= 0
    half = sp.integrate(sp.integrate(sp.exp(-(u1 + u2) / p) * f(u1 - u2), (u1, u2, sp.oo)), (u2, 0, sp.oo))
    at0 = (k / p) ** 2 * 2 * half
    target = k ** 2 / p * sp.integrate(sp.exp(-v / p) * sp.exp(-2 * a * v), (v, 0, sp.oo))
    check("tau = 0 value equals the Frobenius expression", sp.simplify(at0 - target))
    return []
