"""Fixed points (Sec. VI): the mean-field equation, stability of the branches, marginal
stability, and the exact g = 0 results."""
import mpmath
import sympy as sp

from .core import Result, check, step
from .symbols import C0, chi, g, k, lam, p, x

eta = sp.Symbol("eta", real=True)
phi = sp.tanh


@step("fixed-point mean-field equation", "Fixed points")
def fixed_point_equation():
    """At a fixed point A = (k/N) phi phi^T, so the single-site equation [Eq. 6] with
    d/dt = 0 and C(tau) = C(0) reads x = eta + k C(0) phi(x) [Eq. 24], eta ~ N(0, g^2 C(0))."""
    u = sp.Symbol("u", positive=True)
    self_coupling = sp.integrate(k / p * sp.exp(-u / p) * C0, (u, 0, sp.oo)) * phi(x)
    check("static self-coupling is k C(0) phi(x)", sp.simplify(self_coupling - k * C0 * phi(x)))
    gx = x - k * C0 * phi(x)
    return [Result("fixed_point_residual", gx - eta, (x, eta, k, C0), "Eq. 24",
                   "x - k C(0) phi(x) - eta (zero at a fixed point)", "N -> inf; phi = tanh")]


@step("negative-slope branch is unstable", "Fixed points")
def branch_stability():
    """The denominator of Eq. 21, (1+p lam)(1+lam)/phi'(x) - k C(0), equals
    [g'(x) + lam + p lam (1 + lam)] / phi'(x) with g(x) = x - k C(0) phi(x) [Eq. 25]; for g'(x) < 0
    it vanishes at some lam > 0, so the negative-slope solutions of Eq. 24 are unstable."""
    dphi = sp.diff(phi(x), x)
    gprime = sp.diff(x - k * C0 * phi(x), x)
    lhs = (1 + p * lam) * (1 + lam) / dphi - k * C0
    rhs = (gprime + lam + p * lam * (1 + lam)) / dphi
    check("Eq. 21 denominator = Eq. 25", sp.simplify(lhs - rhs))
    lr = sp.Symbol("lambda_r", nonnegative=True)
    poly = lr + p * lr * (1 + lr)
    check("lam + p lam (1 + lam) rises from 0 to infinity on lam >= 0",
          poly.subs(lr, 0) == 0 and sp.limit(poly, lr, sp.oo) == sp.oo and
          sp.simplify(sp.diff(poly, lr) - (1 + p + 2 * p * lr)) == 0)
    return []


@step("marginal stability", "Fixed points")
def marginal():
    """Setting lam = 0 in Eq. 21 gives <(g / (cosh^2 x - k C(0)))^2> = 1 [Eq. 26] for tanh."""
    integrand21 = (g * (1 + p * lam) / ((1 + p * lam) * (1 + lam) / sp.diff(phi(x), x) - k * C0)) ** 2
    at0 = sp.simplify(integrand21.subs(lam, 0))
    eq26 = (g / (sp.cosh(x) ** 2 - k * C0)) ** 2
    check("Eq. 21 at lam = 0 is the Eq. 26 integrand", sp.simplify((at0 - eq26).rewrite(sp.exp)))
    return [Result("marginal_stability_integrand", eq26, (x, g, k, C0), "Eq. 26",
                   "(g / (cosh^2 x - k C(0)))^2, whose average over the fixed-point x is 1 at marginal stability",
                   "phi = tanh; lam = 0 on the spectral boundary")]


@step("g = 0 fixed points", "Fixed points")
def g_zero():
    """At g = 0, x_i = k (|phi|^2/N) phi(x_i) gives x_i = chi with chi = k phi^3(chi).  The smallest k
    with a solution has 1 = 3 k phi^2 phi'(chi); together phi/phi' = 3 chi, so chi = 1.4192 and
    k = chi / phi^3(chi) = 2.0170."""
    eq = phi(chi) / sp.diff(phi(chi), chi) - 3 * chi
    root = sp.nsolve(eq, chi, 1.4, prec=30)
    kc = root / sp.tanh(root) ** 3
    check("chi = 1.4192 to 4 digits", abs(float(root) - 1.4192) < 5e-5)
    check("k = 2.0170 to 4 digits", abs(float(kc) - 2.0170) < 5e-5)
    # tangency: d/dchi (k phi^3) = 1 at the root
    check("k phi^3 is tangent to the identity there",
          abs(float((3 * kc * sp.tanh(chi) ** 2 * sp.diff(sp.tanh(chi), chi)).subs(chi, root)) - 1) < 1e-20)
    return [Result("g0_chi_equation", eq, (chi,), "Sec. VI", "phi(chi)/phi'(chi) - 3 chi (zero at chi = 1.42)",
                   "g = 0"),
            Result("g0_k_of_chi", chi / sp.tanh(chi) ** 3, (chi,), "Sec. VI", "k = chi / phi^3(chi)", "g = 0")]


@step("g = 0 reduced-Jacobian eigenvalues", "Fixed points")
def g_zero_eigenvalues():
    """At the g = 0 fixed point with x_i = chi, the reduced Jacobian [Eq. 18] splits into the
    uniform mode (1 1^T/N -> 1) and N - 1 orthogonal modes (-> 0), each a 2 x 2 block.  At the
    onset (k phi^2 phi' = 1/3) the orthogonal modes give -[1 + p +- sqrt((1+p)^2 - 8p/3)]/(2p)
    and the uniform mode gives 0 and -1/p - 2/3."""
    P2 = sp.Symbol("P2", positive=True)        # phi(chi)^2 phi'(chi)
    m = sp.Symbol("m", nonnegative=True)       # eigenvalue of 1 1^T / N: 1 (uniform) or 0
    # blocks of Eq. 20 at A = k phi phi^T/N, phi_i = phi(chi), C(0) = phi^2
    block = sp.Matrix([[-1 + k * P2 * m, P2 * (1 + m)], [k / p, -1 / p]])
    onset = {k: sp.Rational(1, 3) / P2}
    orth = block.subs(m, 0).subs(onset).eigenvals()
    target = {-(1 + p + sp.sqrt((1 + p) ** 2 - 8 * p / 3)) / (2 * p): 1,
              -(1 + p - sp.sqrt((1 + p) ** 2 - 8 * p / 3)) / (2 * p): 1}
    check("orthogonal modes", all(any(sp.simplify(e - t) == 0 for t in target) for e in orth))
    uni = block.subs(m, 1).subs(onset).eigenvals()
    check("uniform mode: 0 and -1/p - 2/3",
          any(sp.simplify(e) == 0 for e in uni) and any(sp.simplify(e + 1 / p + sp.Rational(2, 3)) == 0 for e in uni))
    pl = sp.Symbol("p", positive=True)
    return [Result("g0_block_trace", block.trace(), (k, p, P2, m), "Sec. VI",
                   "trace of the 2 x 2 reduced-Jacobian block at a g = 0 fixed point (m = 1 uniform, 0 orthogonal)",
                   "g = 0; any k above onset; P2 = phi(chi)^2 phi'(chi)"),
            Result("g0_block_det", sp.expand(block.det()), (k, p, P2, m), "Sec. VI",
                   "determinant of that block", "g = 0; any k above onset; P2 = phi(chi)^2 phi'(chi)"),
            # the paper's closed forms, documented (the numerics use the block's trace and determinant)
            Result("g0_bulk_eigenvalues_plus", -(1 + pl + sp.sqrt((1 + pl) ** 2 - 8 * pl / 3)) / (2 * pl), (pl,),
                   "Sec. VI", "bulk eigenvalue -[1 + p + sqrt((1+p)^2 - 8p/3)]/(2p) at the g = 0 onset", "g = 0",
                   emit=False),
            Result("g0_bulk_eigenvalues_minus", -(1 + pl - sp.sqrt((1 + pl) ** 2 - 8 * pl / 3)) / (2 * pl), (pl,),
                   "Sec. VI", "bulk eigenvalue -[1 + p - sqrt((1+p)^2 - 8p/3)]/(2p) at the g = 0 onset", "g = 0",
                   emit=False)]


_ = mpmath  # mpmath backs sp.nsolve
