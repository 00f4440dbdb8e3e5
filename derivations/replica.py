"""Two replicas as g -> 1+ (Sec. VII, Eqs. 36-39)."""
import mpmath
import sympy as sp

from .core import Result, check, step
from .symbols import k

u = sp.Symbol("u", positive=True)
a = sp.Symbol("a", nonnegative=True)
v = sp.Symbol("v", positive=True)
D, eps, Q0 = sp.symbols("D epsilon Q0", positive=True)


@step("overlap at order eps^2", "Two replicas")
def overlap():
    """Squaring x_B = eta_B + k Q(0) x_A(0) [Eq. 36b] and averaging to O(eps^2) gives
    D^2 - eps D - k Q(0)^2 = 0, so Q(0) = +- sqrt(D (D - eps) / k) [Eq. 37]."""
    sols = sp.solve(sp.Eq(D ** 2 - eps * D - k * Q0 ** 2, 0), Q0)
    target = sp.sqrt(D * (D - eps) / k)
    check("Eq. 37", any(sp.simplify(s_ - target) == 0 for s_ in sols))
    return []


@step("the function h(u, k)", "Two replicas")
def h_function():
    """Q(t) = k Q(0) int_{-inf}^t e^{-(D-eps)(t-t')} C(t') dt' [Eq. 38] at t = 0 with the sech of
    Eq. 13 gives 1 = k sqrt(3) int_0^inf e^{-a v} sech v dv, a = sqrt(3)(1-k)(u-1), u = D/eps, and
    int_0^inf e^{-a v} sech v dv = [psi((a+3)/4) - psi((a+1)/4)] / 2, hence k = h(u, k) with
    h = 2 / (sqrt(3) [psi((a+3)/4) - psi((a+1)/4)]) [Eq. 39]; h(1, k) = 2/(sqrt(3) pi)."""
    lap = (sp.digamma((a + 3) / 4) - sp.digamma((a + 1) / 4)) / 2
    mpmath.mp.dps = 30
    for aval in (0, sp.Rational(1, 3), 1, sp.Rational(5, 2), 7):
        num = mpmath.quad(lambda t: mpmath.exp(-aval * t) * mpmath.sech(t), [0, mpmath.inf])
        check(f"Laplace transform of sech at a = {aval}", abs(num - sp.N(lap.subs(a, aval), 30)) < 1e-20)
    h = 2 / (sp.sqrt(3) * (sp.digamma((a + 3) / 4) - sp.digamma((a + 1) / 4)))
    h_u = h.subs(a, sp.sqrt(3) * (1 - k) * (u - 1))
    at1 = sp.simplify(h_u.subs(u, 1))
    check("psi(3/4) - psi(1/4) = pi", abs(sp.N(sp.digamma(sp.Rational(3, 4)) - sp.digamma(sp.Rational(1, 4)) - sp.pi, 40)) < 1e-35)
    check("h(1, k) = 2 / (sqrt(3) pi) for every k", sp.simplify(at1.rewrite(sp.pi) - 2 / (sp.sqrt(3) * sp.pi)) == 0
          or abs(sp.N(at1 - 2 / (sp.sqrt(3) * sp.pi), 40)) < 1e-35)
    return [Result("h_replica", h_u, (u, k), "Eq. 39",
                   "h(u, k); the halt-time overlap is non-zero where h(D/eps, k) = k has a root u >= 1",
                   "g -> 1+, fixed-point solution D(tau) = D")]
