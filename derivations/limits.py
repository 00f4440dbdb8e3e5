"""Limits: the slow limit and the Stern map (Eqs. 10-11), and the transition at g -> 1+
(Eqs. 12-13)."""
import sympy as sp

from .core import Result, check, step
from .symbols import C0, k, p, s

u, tau, eps, S = sp.symbols("u tau epsilon S", positive=True)
q1 = sp.Symbol("q1", positive=True)
z1, z2, t1, t2, q, c = sp.symbols("z1 z2 t1 t2 q c", real=True)


@step("slow limit", "Limits")
def slow_limit():
    """If C(u) ~ C(0) over the kernel's range (tau* >> p), int_0^inf (k/p) e^{-u/p} C(u) phi(t-u) du
    -> k C(0) phi(t) [Eq. 10]: the self-coupled network with s = k C(0) [Eq. 11], so solutions
    map through y(s) = s / C(0) = k."""
    weight = sp.integrate(k / p * sp.exp(-u / p), (u, 0, sp.oo))
    check("total kernel weight is k", sp.simplify(weight - k))
    # acting on a slow input phi(t) = cos(w t) with C(u) = C(0) over the kernel's range, the plastic input is
    # k C(0) (cos w t + p w sin w t) / (1 + p^2 w^2), which tends to k C(0) cos(w t) as p w -> 0 [Eq. 10]
    w, t = sp.symbols("omega t", positive=True)
    act = sp.integrate(k / p * sp.exp(-u / p) * C0 * sp.cos(w * (t - u)), (u, 0, sp.oo), conds="none")
    check("the kernel acting on cos(w t) gives k C(0) (cos + p w sin) / (1 + p^2 w^2)",
          sp.simplify(act - k * C0 * (sp.cos(w * t) + p * w * sp.sin(w * t)) / (1 + p ** 2 * w ** 2)))
    check("p w -> 0: the instantaneous self-coupling k C(0) phi(t) of Eq. 11",
          sp.simplify(sp.limit(act, w, 0) - k * C0 * sp.cos(0 * t)) == 0
          and sp.simplify(sp.limit(act / sp.cos(w * t), p, 0) - k * C0) == 0)
    # a Stern solution at self-coupling s with variance C(0) is therefore a plastic solution at k = s / C(0)
    y = s / C0
    return [Result("stern_y", y, (s, C0), "Sec. IV C", "y(s) = s / C(0): the plastic k of a Stern solution",
                   "slow limit tau* >> p")]


def _pair_moment(a, b):
    """E[z1^a z2^b] for Var = q, Cov = c, from the moment generating function."""
    mgf = sp.exp((q * t1 ** 2 + 2 * c * t1 * t2 + q * t2 ** 2) / 2)
    return sp.diff(mgf, t1, a, t2, b).subs({t1: 0, t2: 0})


def _phiphi_expansion(order=6):
    """E[tanh(z1) tanh(z2)] as a polynomial in (q, c), exact through total degree order/2."""
    taylor = sp.series(sp.tanh(z1), z1, 0, order).removeO()
    poly = sp.Poly(sp.expand(taylor * taylor.subs(z1, z2)), z1, z2)
    total = 0
    for (a, b), coeff in poly.terms():
        if a + b <= order:
            total += coeff * _pair_moment(a, b)
    return sp.expand(total)


@step("transition at g -> 1+", "Limits")
def onset():
    """Linearising the slow self-coupling, (1 - k C(0) + d/dt) x = eta [Eq. 12], so
    ((1 - k C0)^2 - d^2/dtau^2) Delta = g^2 <phi phi>.  With g = 1 + eps, Delta = eps c1(eps tau),
    Var = eps q1, the O(eps^2) terms fix q1 = 1/(1-k) and the O(eps^3) terms are solved by
    c1(s) = q1 sech(q1 s / sqrt 3): C(tau) = gamma sech(gamma tau/sqrt 3), gamma = eps/(1-k) [Eq. 13]."""
    phiphi = _phiphi_expansion()
    C0_expr = phiphi.subs(c, q)
    sv = sp.Symbol("s", real=True)
    q2 = sp.Symbol("q2", real=True)          # the variance is eps q1 + eps^2 q2
    c1 = sp.Function("c1")
    Dl = eps * c1(sv)
    lhs = (1 - k * C0_expr) ** 2 * Dl - eps ** 2 * sp.diff(Dl, sv, 2)
    rhs = (1 + eps) ** 2 * phiphi
    expr = sp.expand((lhs - rhs).subs({q: eps * q1 + eps ** 2 * q2, c: Dl}))
    order2 = expr.coeff(eps, 2)
    q1_sol = sp.solve(sp.simplify(order2 / c1(sv)), q1)
    check("O(eps^2): q1 = 1/(1-k)", len(q1_sol) == 1 and sp.simplify(q1_sol[0] - 1 / (1 - k)) == 0)
    order3 = expr.coeff(eps, 3).subs(q1, 1 / (1 - k))
    # the sech profile with amplitude q1 (C^x(0) equals the variance) and rate q1/sqrt 3
    ansatz = (1 / (1 - k)) * sp.sech(sv / ((1 - k) * sp.sqrt(3)))
    residual = sp.simplify((order3.subs(c1(sv), ansatz).doit()).rewrite(sp.exp))
    q2_sol = sp.solve(residual.subs(sv, 0), q2)
    check("O(eps^3) fixes the variance correction q2 uniquely", len(q2_sol) == 1)
    check("O(eps^3): the sech profile then solves the expanded equation at every s",
          sp.simplify(residual.subs(q2, q2_sol[0])))
    gamma = (S - 1) / (1 - k)   # S stands for g here
    return [Result("eq13_C", gamma * sp.sech(gamma * tau / sp.sqrt(3)), (tau, S, k), "Eq. 13",
                   "C(tau) = gamma sech(gamma tau/sqrt 3), gamma = (g-1)/(1-k), leading order in g - 1 (argument S = g)",
                   "g -> 1+, k < 1, slow limit")]
