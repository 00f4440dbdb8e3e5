"""From the network [Eqs. 1-3] to the single-site equation [Eqs. 5-6] and its kernels (App. A)."""
import sympy as sp

from .core import Result, check, step
from .symbols import C, C_ahead, C_behind, N, alpha, beta, d, k, ktilde, p, t, tp, u

F = sp.Function("F")        # F(t) stands for phi_i(t) phi_j(t) (or phi_j(t) for Eq. A5)
Cf = sp.Function("C")       # the autocovariance as a function
phi = sp.Function("phi")


def _filtered(rate_over, forcing, upper=t):
    """(1/p) int_{-inf}^{t} e^{-(t-t')/p} forcing(t') dt'."""
    return sp.Integral(sp.exp(-(t - tp) / p) * forcing, (tp, -sp.oo, upper)) / rate_over


@step("synaptic integration", "Single-site equation")
def synaptic_integration():
    """Eq. 3 is linear in A: A(t) = (k/(pN)) int e^{-(t-t')/p} phi_i phi_j dt' solves it [Eq. 5]."""
    A = k / (p * N) * sp.Integral(sp.exp(-(t - tp) / p) * F(tp), (tp, -sp.oo, t))
    residual = (A + p * sp.diff(A, t) - k / N * F(t)).doit()
    check("(1 + p d/dt) A = (k/N) phi_i phi_j for the filtered solution", residual)
    return []


@step("mean-field self-coupling kernel", "Single-site equation")
def hebbian_kernel():
    """Summing A_ij phi_j over j replaces (1/N) sum_j phi_j(t) phi_j(t') by C(t - t'); with
    t' = t - u the plastic input is int_0^inf K(u) phi(t - u) du with K = (k/p) e^{-u/p} C(u)."""
    integrand_t = k / p * sp.exp(-(t - tp) / p) * Cf(t - tp) * phi(tp)
    lag_form = sp.Integral(integrand_t, (tp, -sp.oo, t)).transform(tp, (t - u, u))
    # transform() gives int_{oo}^{0} ... d(-u): bring it to int_0^oo K(u) phi(t-u) du
    lag_form = sp.Integral(-lag_form.function, (u, 0, sp.oo)) if lag_form.limits[0][1] == sp.oo else lag_form
    K_expr = sp.simplify(lag_form.function / phi(t - u))
    check("kernel of Eq. A1 after t' = t - u", K_expr - k / p * sp.exp(-u / p) * Cf(u))
    K = k / p * sp.exp(-u / p) * C
    return [Result("kernel_hebbian", K, (u, C, k, p), "Eq. A1",
                   "K(u) = (k/p) e^{-u/p} C(u), the self-coupling kernel of Eq. 6",
                   "N -> inf; (1/N) sum_j phi_j(t) phi_j(t') -> C(t - t') (self-averaging)")]


@step("no-decay limit", "Plasticity variants (App. A)")
def no_decay_kernel():
    """k, p -> inf with k/p = ktilde fixed [Eq. A2] turns Eq. A1 into K = ktilde C [Eq. A3]."""
    K_lim = sp.limit((ktilde * p) / p * sp.exp(-u / p) * C, p, sp.oo)
    check("limit of Eq. A1 is ktilde C(u)", K_lim - ktilde * C)
    return [Result("kernel_no_decay", K_lim, (u, C, ktilde), "Eq. A3", "K(u) = ktilde C(u)",
                   "k, p -> inf with k/p = ktilde")]


@step("inverse-gamma time constants", "Plasticity variants (App. A)")
def inverse_gamma_kernel():
    """Averaging (k/p) e^{-u/p} over p ~ InvGamma(alpha, beta) gives a power-law kernel [Eq. A4]."""
    pp = sp.Symbol("p_syn", positive=True)
    uu = sp.Symbol("u", positive=True)
    density = beta ** alpha / sp.gamma(alpha) * sp.exp(-beta / pp) * pp ** (-(alpha + 1))
    check("the inverse-gamma density is normalised", sp.integrate(density, (pp, 0, sp.oo)) - 1)
    avg = sp.integrate(density * k / pp * sp.exp(-uu / pp), (pp, 0, sp.oo))
    target = k * alpha / beta * (beta / (beta + uu)) ** (alpha + 1)
    check("<(k/p) e^{-u/p}>_p = (k alpha/beta)(beta/(beta+u))^{alpha+1}", sp.simplify(avg - target))
    return [Result("kernel_inverse_gamma", target.subs(uu, u) * C, (u, C, k, alpha, beta), "Eq. A4",
                   "power-law kernel from inverse-gamma distributed synaptic time constants",
                   "each synapse has its own p, drawn independently from InvGamma(alpha, beta)")]


@step("presynaptic rule", "Plasticity variants (App. A)")
def presynaptic_input():
    """(1 + p d/dt) A_ij = (k/N) phi_j [Eq. A5] gives sum_j A_ij phi_j(t) =
    (k/p) int_0^inf e^{-u/p} C(u) du: a constant input I [Eq. A7], the same for every neuron."""
    Fj = sp.Function("phi_j")
    A = k / (p * N) * sp.Integral(sp.exp(-(t - tp) / p) * Fj(tp), (tp, -sp.oo, t))
    check("(1 + p d/dt) A_ij = (k/N) phi_j for the filtered presynaptic trace",
          (A + p * sp.diff(A, t) - k / N * Fj(t)).doit())
    # sum_j A_ij phi_j(t) = (k/p) int e^{-(t-t')/p} (1/N) sum_j phi_j(t') phi_j(t) dt' -> lag form in u
    lag = sp.Integral(k / p * sp.exp(-(t - tp) / p) * Cf(t - tp), (tp, -sp.oo, t)).transform(tp, (t - u, u))
    lag = sp.Integral(-lag.function, (u, 0, sp.oo)) if lag.limits[0][1] == sp.oo else lag
    check("lag form: I = int_0^inf (k/p) e^{-u/p} C(u) du", sp.simplify(lag.function - k / p * sp.exp(-u / p) * Cf(u)))
    aa = sp.Symbol("a", positive=True)
    check("for C = e^{-a u}: I = k / (1 + a p)",
          sp.simplify(sp.integrate(k / p * sp.exp(-u / p) * sp.exp(-aa * u), (u, 0, sp.oo)) - k / (1 + aa * p)))
    integrand = k / p * sp.exp(-u / p) * C
    return [Result("presynaptic_integrand", integrand, (u, C, k, p), "Eq. A7",
                   "integrand of I = int_0^inf (k/p) e^{-u/p} C(u) du", "N -> inf")]


@step("delayed antisymmetric rule", "Plasticity variants (App. A)")
def delayed_kernel():
    """Eq. A8 gives two convolutions [Eq. A9]; writing both on phi(t - u) yields
    K(u) = (k/p) [e^{-u/p} C(u + d) - H(u - d) e^{-(u-d)/p} C(u - d)]."""
    second = sp.Integral(sp.exp(-(t - tp) / p) * Cf(t - tp) * phi(tp - d), (tp, -sp.oo, t))
    shifted = second.transform(tp, (tp + d, tp))  # t'' = t' - d
    lim = shifted.limits[0]
    check("after t'' = t' - d the upper limit is t - d", sp.simplify(lim[2] - (t - d)) == 0)
    f = sp.simplify(shifted.function)
    check("the shifted integrand is e^{-(t-t''-d)/p} C(t - t'' - d) phi(t'')",
          sp.simplify(f - sp.exp(-(t - tp - d) / p) * Cf(t - tp - d) * phi(tp)))
    K = k / p * (sp.exp(-u / p) * C_ahead - sp.exp(-(u - d) / p) * C_behind)
    return [Result("kernel_delayed", K, (u, C_ahead, C_behind, k, p, d), "Eq. A9",
                   "kernel of the delayed antisymmetric rule; C_behind = C(u - d) for u >= d, else 0",
                   "N -> inf")]


@step("general pre/post rule", "Plasticity variants (App. A)")
def pre_post_kernel():
    """(1 + p d/dt) A_ij = (k/N) f_post(phi_i) f_pre(phi_j) [Eq. A10]: summing A_ij phi_j(t) over j
    replaces (1/N) sum_j f_pre(phi_j(t')) phi_j(t) by C_pre,phi(t - t') = <f_pre(phi(t')) phi(t)>,
    so the kernel acts on f_post(phi) with C_pre,phi in place of C [Eq. A11]."""
    fpost, fpre = sp.Function("f_post"), sp.Function("f_pre")
    Cpre = sp.Function("C_prephi")
    integrand = k / p * sp.exp(-(t - tp) / p) * Cpre(t - tp) * fpost(phi(tp))
    lag = sp.Integral(integrand, (tp, -sp.oo, t)).transform(tp, (t - u, u))
    lag = sp.Integral(-lag.function, (u, 0, sp.oo)) if lag.limits[0][1] == sp.oo else lag
    K_expr = sp.simplify(lag.function / fpost(phi(t - u)))
    check("kernel of Eq. A11 after t' = t - u", K_expr - k / p * sp.exp(-u / p) * Cpre(u))
    check("f_pre = f_post = identity recovers Eq. A1",
          sp.simplify(integrand.subs({Cpre(t - tp): Cf(t - tp)}).replace(fpost, lambda z: z)
                      - k / p * sp.exp(-(t - tp) / p) * Cf(t - tp) * phi(tp)))
    _ = fpre
    Cp = sp.Symbol("C_prephi", real=True)
    return [Result("kernel_pre_post", k / p * sp.exp(-u / p) * Cp, (u, Cp, k, p), "Eq. A11",
                   "K(u) = (k/p) e^{-u/p} C_pre,phi(u), acting on f_post(phi(t - u))", "N -> inf")]
