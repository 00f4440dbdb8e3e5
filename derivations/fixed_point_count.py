"""Counting stable fixed points (Sec. VI) from the principle the paper states (assumed here, not derived).

Setting.  At a fixed point every neuron solves g(x) = x - s tanh(x) = eta [Eq. 24] with
s = k C(0) and eta ~ N(0, sigma^2), sigma^2 = g^2 C(0).  For s > 1, g has a minimum at x_m > 0
(cosh^2 x_m = s) with g(x_m) = -eta_m, so for |eta| < eta_m there are three solutions.  The
middle one has g'(x) < 0 and is unstable [Eq. 25].  The two outer ones are the branch x_+(eta) (x > x_m,
defined for eta > -eta_m) and its mirror x_-(eta) = -x_+(-eta).  Call the branch whose sign
matches eta "aligned" and the other "reversed".

Principle (Stern, Sompolinsky & Abbott 2014, as the paper states it; an assumption of the theory, which
nothing below derives).  A fixed point is a choice of
branch for every bistable neuron; typical stable fixed points maximise the number of such choices
subject to stability, and are marginally stable [Eq. 26].  The reversed branch of a neuron with
|eta| near eta_m sits near the turning point, where g'(x) -> 0 and the Eq. 26 integrand
(phi'(x)/g'(x))^2 blows up.  So a choice is free only for |eta| < eta_c: those neurons take either
branch, and the typical configuration takes each with probability 1/2.  Neurons with |eta| > eta_c
take the aligned branch.  Free neurons make up a fraction P(|eta| < eta_c) of the network, so

    N^-1 log2 N_FP = P(|eta| < eta_c) = erf(eta_c / (sqrt 2 sigma)),

with eta_c the largest cutoff that keeps g^2 <(phi'/g')^2> <= 1, i.e. marginal stability (Eq. 26).
Also C(0) = <tanh^2 x> over the same distribution, and k = s / C(0) maps the result onto the plastic
network, as in Sec. IV.

The steps below check the facts this rests on: the turning point, the mirror symmetry and the
convexity that make the outer branches unique, a cancellation-free g' near the turning point, the
logarithmic divergence that guarantees a cutoff eta_c <= eta_m exists, the count, and its limits:
saturation at 1 for large s and the g -> 0 limit of Sec. VI.  The numerics are in
:mod:`dmft.theory.fixed_points`.
"""
import sympy as sp

from .core import Result, check, step

x, eta = sp.symbols("x eta", real=True)
s, sigma = sp.symbols("s sigma", positive=True)
xm, d = sp.symbols("x_m d", positive=True)          # turning point, and the offset x - x_m
gfun = x - s * sp.tanh(x)


@step("turning point and bistable range", "Fixed-point count")
def turning_point():
    """g'(x) = 1 - s sech^2 x vanishes at cosh^2 x_m = s; eta_m = -g(x_m) = sqrt(s(s-1)) - arccosh(sqrt s).
    g is odd (so x_-(eta) = -x_+(-eta)) and convex for x > 0 (so the outer root is unique)."""
    s_m = sp.cosh(xm) ** 2
    check("g'(x_m) = 0 at cosh^2 x_m = s", sp.diff(gfun, x).subs(x, xm).subs(s, s_m).rewrite(sp.exp))
    eta_m = sp.sqrt(s * (s - 1)) - sp.acosh(sp.sqrt(s))
    diff = (-gfun.subs(x, xm) - eta_m).subs(s, s_m)
    for xv in (sp.Rational(3, 10), sp.Rational(13, 10), 2):
        check(f"eta_m = -g(x_m) at x_m = {xv}", abs(float(diff.subs(xm, xv).evalf(40))) < 1e-30)
    check("g is odd", sp.simplify(gfun.subs(x, -x) + gfun) == 0)
    g2 = sp.diff(gfun, x, 2)
    check("g''(x) = 2 s sech^2 x tanh x (> 0 for x > 0)",
          sp.simplify((g2 - 2 * s * sp.tanh(x) / sp.cosh(x) ** 2).rewrite(sp.exp)))
    return [Result("fp_eta_m", eta_m, (s,), "Sec. VI", "eta_m: half-width of the bistable range of eta", "s > 1")]


@step("slope near the turning point without cancellation", "Fixed-point count")
def stable_slope():
    """With s = cosh^2 x_m, g'(x_m + d) = sinh(2 x_m + d) sinh(d) / cosh^2(x_m + d), which is accurate
    for d -> 0 where 1 - s sech^2 x cancels."""
    slope = 1 - sp.cosh(xm) ** 2 / sp.cosh(xm + d) ** 2
    stable = sp.sinh(2 * xm + d) * sp.sinh(d) / sp.cosh(xm + d) ** 2
    check("g'(x_m + d) identity", sp.simplify((slope - stable).rewrite(sp.exp)))
    return [Result("fp_slope_near_turning_point", stable, (xm, d), "Eq. 25",
                   "g'(x_m + d) = 1 - s sech^2(x_m + d), cancellation-free", "s = cosh^2 x_m")]


@step("marginal integral diverges at the turning point", "Fixed-point count")
def log_divergence():
    """Near x_m, eta + eta_m = g''(x_m) d^2 / 2 + O(d^3) and g'(x) = g''(x_m) d + O(d^2), so
    (phi'/g')^2 d eta = phi'(x_m)^2 / (2 g''(x_m)) d eta / (eta + eta_m) (1 + O(d)): the Eq. 26 average
    over reversed neurons diverges logarithmically as eta_c -> eta_m.  A cutoff with marginal stability
    therefore exists whenever the all-aligned configuration (eta_c = 0) is stable."""
    s_m = sp.cosh(xm) ** 2
    g_of = gfun.subs(s, s_m)
    gpp = sp.diff(g_of, x, 2).subs(x, xm)
    lift = sp.series(g_of.subs(x, xm + d) - g_of.subs(x, xm), d, 0, 3).removeO()
    check("eta + eta_m = g''(x_m) d^2 / 2 + O(d^3)", sp.simplify((lift - gpp * d ** 2 / 2).rewrite(sp.exp)))
    slope = sp.series(sp.diff(g_of, x).subs(x, xm + d), d, 0, 2).removeO()
    check("g'(x_m + d) = g''(x_m) d + O(d^2)", sp.simplify((slope - gpp * d).rewrite(sp.exp)))
    # the Eq. 26 integrand in the variable d: (phi'(x)/g'(x))^2 |d eta/dd| = phi'(x)^2 / g'(x), x = x_m + d;
    # d times it must tend to phi'(x_m)^2 / g''(x_m) (a finite, non-zero limit: a 1/d, log-divergent integral)
    # numerical turning points: sympy's limit needs numbers
    for x_m_val in (sp.Rational(3, 10), sp.Rational(13, 10)):
        sv = sp.cosh(x_m_val) ** 2
        xx = x_m_val + d
        integrand = sp.sech(xx) ** 4 / (1 - sv * sp.sech(xx) ** 2)
        lim = sp.limit(d * integrand, d, 0)
        target = sp.sech(x_m_val) ** 4 / sp.diff(x - sv * sp.tanh(x), x, 2).subs(x, x_m_val)
        check(f"d (phi'/g')^2 |d eta/dd| -> phi'(x_m)^2 / g''(x_m) at x_m = {x_m_val}",
              abs(sp.N(lim - target, 30)) < 1e-25 and sp.N(target) > 0)
    return []


@step("count of free branch choices", "Fixed-point count")
def count():
    """Assumed, not derived: the counting principle the paper takes from Stern, Sompolinsky & Abbott (a
    hard cutoff eta_c with a free choice of branch inside it, and marginal stability).  Given it,
    P(|eta| < eta_c) for eta ~ N(0, sigma^2) is erf(eta_c / (sqrt 2 sigma)); free neurons contribute
    one bit each, so N^-1 log2 N_FP = erf(eta_c / (sqrt 2 sigma)).  The distribution of |x| puts
    weight 2 rho(eta) on x_+(eta) for eta > eta_c, and rho(eta) on each of x_+(eta), x_+(-eta) for
    0 < eta < eta_c: total weight 1."""
    ec = sp.Symbol("eta_c", positive=True)
    rho = sp.exp(-eta ** 2 / (2 * sigma ** 2)) / sp.sqrt(2 * sp.pi * sigma ** 2)
    prob = sp.integrate(rho, (eta, -ec, ec))
    n_bits = sp.erf(ec / (sp.sqrt(2) * sigma))
    check("P(|eta| < eta_c) = erf(eta_c / (sqrt 2 sigma))", sp.simplify(prob - n_bits))
    total = 2 * sp.integrate(rho, (eta, ec, sp.oo)) + 2 * sp.integrate(rho, (eta, 0, ec))
    check("weights of the |x| distribution sum to one", sp.simplify(total - 1))
    check("all neurons free as eta_c/sigma -> inf: one bit per neuron", sp.limit(n_bits, ec, sp.oo) == 1)
    check("no free neurons at eta_c = 0: zero bits", n_bits.subs(ec, 0) == 0)
    return [Result("fp_log2_number", n_bits, (ec, sigma), "Sec. VI",
                   "N^-1 log2 N_FP = P(|eta| < eta_c)", "typical stable fixed points (Stern et al. principle)")]


@step("large-s saturation and the g -> 0 limit", "Fixed-point count")
def limits():
    """eta_m grows like s, so with sigma <= g (C(0) <= 1) the count saturates at one bit per neuron.
    As g -> 0, sigma -> 0, every neuron sits at |x| = x_+(0) = chi with chi = s tanh chi, and
    C(0) = tanh^2 chi, so k = s / C(0) = chi / tanh^3 chi: the g = 0 fixed points of Sec. VI."""
    eta_m = sp.sqrt(s * (s - 1)) - sp.acosh(sp.sqrt(s))
    check("eta_m / s -> 1 as s -> inf", sp.limit(eta_m / s, s, sp.oo) == 1)
    chi = sp.Symbol("chi", positive=True)
    s_of_chi = chi / sp.tanh(chi)                 # x_+(0) = chi solves chi = s tanh chi
    k_of_chi = s_of_chi / sp.tanh(chi) ** 2       # k = s / C(0), C(0) = tanh^2 chi: chi / tanh^3 chi
    # the smallest k of this branch is where dk/dchi = 0: tanh chi = 3 chi tanh' chi, the g = 0 onset
    # equation of Sec. VI (emitted as g0_chi_equation)
    check("dk/dchi = 0 exactly where tanh(chi) / tanh'(chi) = 3 chi",
          sp.simplify((sp.diff(k_of_chi, chi) * sp.tanh(chi) ** 4
                       - (sp.tanh(chi) - 3 * chi * sp.diff(sp.tanh(chi), chi))).rewrite(sp.exp)) == 0)
    return []
