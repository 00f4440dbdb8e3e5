"""k = 0: the Sompolinsky-Crisanti-Sommers lag equation, potential and energy condition."""
import mpmath
import sympy as sp

from .core import Result, check, step
from .symbols import g

tau = sp.Symbol("tau", real=True)
q, c, a1, a2 = sp.symbols("q c a1 a2", real=True)
D = sp.Function("Delta")


def gaussian_pair_mgf(t1, t2):
    """E[exp(t1 z1 + t2 z2)] for Var z = q, Cov = c."""
    return sp.exp((q * t1 ** 2 + 2 * c * t1 * t2 + q * t2 ** 2) / 2)


@step("lag-space equation", "k = 0 (SCS)")
def lag_equation():
    """(1 + d/dt) x = eta with <eta eta> = g^2 C gives (1 - d^2/dtau^2) Delta = g^2 C for
    Delta = C^x: for x(t) = int_0^inf e^{-s} eta(t - s) ds the covariance of x is the double
    filter of that of eta.  Checked for a test covariance C = e^{-a|tau|}, tau > 0."""
    aa = sp.Symbol("a", positive=True)
    t = sp.Symbol("t", positive=True)
    # closed form of the double filter of e^{-a|tau|}, verified two ways
    Delta = g ** 2 * (sp.exp(-aa * t) - aa * sp.exp(-t)) / (1 - aa ** 2)
    check("(1 - d^2/dtau^2) Delta = g^2 C for C = e^{-a tau}", sp.simplify(Delta - sp.diff(Delta, t, 2)
                                                                        - g ** 2 * sp.exp(-aa * t)))
    check("Delta'(0) = 0 (an even, smooth covariance)", sp.simplify(sp.diff(Delta, t).subs(t, 0)))
    mpmath.mp.dps = 20
    av, tv = mpmath.mpf("0.3"), mpmath.mpf("0.7")
    direct = mpmath.quad(lambda s1: mpmath.quad(
        lambda s2: mpmath.exp(-s1 - s2) * mpmath.exp(-av * abs(tv + s1 - s2)), [0, tv + s1, mpmath.inf]),
        [0, mpmath.inf])
    closed = sp.N((Delta / g ** 2).subs({aa: sp.Rational(3, 10), t: sp.Rational(7, 10)}), 20)
    check("the closed form equals the double filter integral (quadrature)", abs(direct - closed) < 1e-12)
    return []


@step("Price's theorem", "k = 0 (SCS)")
def prices_theorem():
    """d/dc E[f(z1) f(z2)] = E[f'(z1) f'(z2)]; checked on exponentials, which span smooth f."""
    lhs = sp.diff(gaussian_pair_mgf(a1, a2), c)
    rhs = a1 * a2 * gaussian_pair_mgf(a1, a2)
    check("d/dc E[e^{a1 z1} e^{a2 z2}] = E[a1 e^{a1 z1} a2 e^{a2 z2}]", sp.simplify(lhs - rhs))
    return []


@step("potential and energy condition", "k = 0 (SCS)")
def potential():
    """With Phi' = phi, Price's theorem gives d/dDelta <Phi Phi> = <phi phi>, so the lag equation
    Delta'' = Delta - g^2 <phi phi> is Newtonian motion in V = -Delta^2/2 + g^2 <Phi(z1) Phi(z2)>.
    Energy conservation from (Delta_0, 0) to (0, 0) gives the energy condition
    Delta_0^2 / 2 = g^2 (<Phi^2> - <Phi>^2)."""
    Dl, D0 = sp.symbols("Delta Delta_0", real=True)
    PP = sp.Function("PhiPhi")       # <Phi(z1) Phi(z2)> as a function of the covariance
    phiphi = sp.Function("phiphi")
    V = -Dl ** 2 / 2 + g ** 2 * PP(Dl)
    force = -sp.diff(V, Dl).subs(sp.Derivative(PP(Dl), Dl), phiphi(Dl))
    check("-dV/dDelta = Delta - g^2 <phi phi>", sp.simplify(force - (Dl - g ** 2 * phiphi(Dl))))
    Phi2, Phim = sp.symbols("Phi2 Phimean", real=True)   # <Phi^2>, <Phi> at variance Delta_0
    VD0 = V.subs(Dl, D0).subs(PP(D0), Phi2)
    V0 = V.subs(Dl, 0).subs(PP(0), Phim ** 2)
    energy = sp.Eq(D0 ** 2 / 2, g ** 2 * (Phi2 - Phim ** 2))
    check("V(Delta_0) = V(0) is the energy condition", sp.simplify((VD0 - V0) - (energy.rhs - energy.lhs)))
    return [Result("scs_energy_residual", g ** 2 * (Phi2 - Phim ** 2) - D0 ** 2 / 2, (D0, Phi2, Phim, g),
                   "Eqs. 6-8, k = 0", "energy condition g^2 (<Phi^2> - <Phi>^2) - Delta_0^2/2 (zero at the SCS variance)",
                   "k = 0; <.> over N(0, Delta_0); Phi' = phi")]
