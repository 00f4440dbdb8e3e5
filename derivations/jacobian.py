"""Jacobian spectrum (Sec. V A, App. E): reduced Jacobian, f_a, and the support condition."""
import sympy as sp

from .core import Result, check, step
from .symbols import C0, g, k, lam, p

dphi = sp.Symbol("dphi", positive=True)     # phi'(x_i)


@step("synaptic weight of eigenmodes", "Jacobian")
def synaptic_weight():
    """The lower block row of Eq. 18 gives k v_x = (1 + p lam) v_a, hence
    f_a = |v_a|^2 / (|v_x|^2 + |v_a|^2) = k^2 / (k^2 + p^2 |lam + 1/p|^2) [Eq. 19]."""
    lr, li = sp.symbols("lambda_r lambda_i", real=True)
    L = lr + sp.I * li
    vx = 1                                   # normalise v_x; v_a = k v_x / (1 + p lam)
    va = k / (1 + p * L)
    fa = sp.Abs(va) ** 2 / (sp.Abs(vx) ** 2 + sp.Abs(va) ** 2)
    target = k ** 2 / (k ** 2 + p ** 2 * ((lr + 1 / p) ** 2 + li ** 2))
    check("f_a = k^2 / (k^2 + p^2 |lam + 1/p|^2)", sp.simplify(sp.expand_complex(fa - target)))
    return [Result("synaptic_weight", target, (lr, li, k, p), "Eq. 19",
                   "f_a of an eigenmode at lam = lambda_r + i lambda_i", "eigenvector of Eq. 18")]


@step("support condition from App. E", "Jacobian")
def support():
    """For M~_bulk = mu + L N R [App. E] with per-neuron 2 x 2 blocks of mu and only the (x, x)
    block of L and R non-zero, ||R (mu - lam)^{-1} L||_F^2 / D reduces to the average over
    neurons of |g phi' [(mu_i - lam)^{-1}]_{xx}|^2, which equals the Eq. 21 integrand
    |g (1 + p lam) / ((1 + p lam)(1 + lam)/phi' - k C(0))|^2.  For k = 0 it gives the circle
    |1 + lam| <= g sqrt(<phi'^2>)."""
    mu_i = sp.Matrix([[-1, C0 * dphi], [k / p, -1 / p]])
    inv = (mu_i - lam * sp.eye(2)).inv()
    entry = g * dphi * inv[0, 0]
    eq21 = g * (1 + p * lam) / ((1 + p * lam) * (1 + lam) / dphi - k * C0)
    check("g phi' [(mu - lam)^{-1}]_xx = -(Eq. 21 amplitude)", sp.simplify(entry + eq21))
    check("k = 0: the amplitude is g phi' / (1 + lam)", sp.simplify(eq21.subs(k, 0) - g * dphi / (1 + lam)))
    lr, li, x = sp.symbols("lambda_r lambda_i x", real=True)
    ampl = g * (1 + p * (lr + sp.I * li)) / ((1 + p * (lr + sp.I * li)) * (1 + lr + sp.I * li) * sp.cosh(x) ** 2
                                            - k * C0)
    integrand = sp.simplify(sp.expand_complex(ampl * sp.conjugate(ampl)))
    return [Result("eq21_integrand", integrand, (lr, li, x, g, k, p, C0), "Eq. 21",
                   "|g (1+p lam) / ((1+p lam)(1+lam) cosh^2 x - k C(0))|^2; lam is in the support "
                   "where its average over x is >= 1", "phi = tanh; N -> inf; A and the rank-one term dropped")]


@step("reduced Jacobian", "Jacobian")
def reduced():
    """For a = vec A with G(x) = vec(phi phi^T)/N, the (x, a) Jacobian has d(da/dt)/da = -I/p and
    d(da/dt)/dx = (k/p) dG/dx, so the range of dG/dx is invariant and M has eigenvalue -1/p on
    the rest; on the range, M~ = [[dF/dx, dF/da dG/dx], [(k/p) I, -I/p]] [Eq. 18] with
    dF/da dG/dx = C(0) diag(phi') + (1/N) phi phi^T diag(phi') [Eq. 20].  Checked for N = 3."""
    N = 3
    xs = sp.symbols("x0:3", real=True)
    phis = [sp.Function("phi")(xi) for xi in xs]
    A = sp.Matrix(N, N, lambda i, j: sp.Symbol(f"A{i}{j}", real=True))
    Aphi = A * sp.Matrix(phis)                                  # the plastic input to neuron i
    G = sp.Matrix([phis[i] * phis[j] / N for i in range(N) for j in range(N)])
    dF_da = Aphi.jacobian(sp.Matrix(list(A)))                   # N x N^2
    dG_dx = G.jacobian(sp.Matrix(xs))                           # N^2 x N
    block = sp.simplify(dF_da * dG_dx)
    C0v = sum(f ** 2 for f in phis) / N
    dphis = [sp.diff(f, xi) for f, xi in zip(phis, xs)]
    target = C0v * sp.diag(*dphis) + sp.Matrix(N, N, lambda i, j: phis[i] * phis[j] * dphis[j] / N)
    check("dF/da dG/dx = C(0) diag(phi') + (1/N) phi phi^T diag(phi')", sp.simplify(block - target) == sp.zeros(N, N))
    numeric = dG_dx.replace(sp.Function("phi"), sp.tanh).doit().subs({xs[0]: 0.3, xs[1]: -0.7, xs[2]: 1.1})
    check("dG/dx has rank N at a generic point (so -1/p has multiplicity N^2 - N)",
          sp.Matrix(numeric).evalf().rank() == N)
    return []
