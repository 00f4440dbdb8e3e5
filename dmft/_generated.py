"""Numeric functions emitted by ``python -m derivations`` (do not edit by hand).

Each function is the closed form of one derivation step in ``derivations/``; the docstring names
the paper equation and the assumptions.  Regenerate with ``python -m derivations`` (or
``dmft derive``); ``tests/test_derivations.py`` checks that the file is up to date.
"""
import numpy
import scipy.special



# --- Single-site equation: mean-field self-coupling kernel
def kernel_hebbian(u, C, k, p):
    """K(u) = (k/p) e^{-u/p} C(u), the self-coupling kernel of Eq. 6 [Eq. A1].

    Assumptions: N -> inf; (1/N) sum_j phi_j(t) phi_j(t') -> C(t - t') (self-averaging)."""
    return C*k*numpy.exp(-u/p)/p


# --- Plasticity variants (App. A): no-decay limit
def kernel_no_decay(u, C, ktilde):
    """K(u) = ktilde C(u) [Eq. A3].

    Assumptions: k, p -> inf with k/p = ktilde."""
    return C*ktilde


# --- Plasticity variants (App. A): inverse-gamma time constants
def kernel_inverse_gamma(u, C, k, alpha, beta):
    """power-law kernel from inverse-gamma distributed synaptic time constants [Eq. A4].

    Assumptions: each synapse has its own p, drawn independently from InvGamma(alpha, beta)."""
    return C*alpha*k*(beta/(beta + u))**(alpha + 1)/beta


# --- Plasticity variants (App. A): presynaptic rule
def presynaptic_integrand(u, C, k, p):
    """integrand of I = int_0^inf (k/p) e^{-u/p} C(u) du [Eq. A7].

    Assumptions: N -> inf."""
    return C*k*numpy.exp(-u/p)/p


# --- Plasticity variants (App. A): delayed antisymmetric rule
def kernel_delayed(u, C_ahead, C_behind, k, p, d):
    """kernel of the delayed antisymmetric rule; C_behind = C(u - d) for u >= d, else 0 [Eq. A9].

    Assumptions: N -> inf."""
    return k*(C_ahead*numpy.exp(-u/p) - C_behind*numpy.exp((d - u)/p))/p


# --- Plasticity variants (App. A): general pre/post rule
def kernel_pre_post(u, C_prephi, k, p):
    """K(u) = (k/p) e^{-u/p} C_pre,phi(u), acting on f_post(phi(t - u)) [Eq. A11].

    Assumptions: N -> inf."""
    return C_prephi*k*numpy.exp(-u/p)/p


# --- Synaptic statistics: participation ratio of A
def T_integrand(v, C, C0, p):
    """integrand of T = int_0^inf e^{-v/p} (C(v)/C(0))^2 dv; PR_A = p / T [Eq. 23].

    Assumptions: N -> inf, stationarity."""
    return C**2*numpy.exp(-v/p)/C0**2


# --- k = 0 (SCS): potential and energy condition
def scs_energy_residual(Delta_0, Phi2, Phimean, g):
    """energy condition g^2 (<Phi^2> - <Phi>^2) - Delta_0^2/2 (zero at the SCS variance) [Eqs. 6-8, k = 0].

    Assumptions: k = 0; <.> over N(0, Delta_0); Phi' = phi."""
    return -1/2*Delta_0**2 + g**2*(Phi2 - Phimean**2)


# --- Limits: slow limit
def stern_y(s, C0):
    """y(s) = s / C(0): the plastic k of a Stern solution [Sec. IV C].

    Assumptions: slow limit tau* >> p."""
    return s/C0


# --- Limits: transition at g -> 1+
def eq13_C(tau, S, k):
    """C(tau) = gamma sech(gamma tau/sqrt 3), gamma = (g-1)/(1-k), leading order in g - 1 (argument S = g) [Eq. 13].

    Assumptions: g -> 1+, k < 1, slow limit."""
    return (S - 1)*(((1/2)*numpy.exp((1/3)*numpy.sqrt(3)*tau*(S - 1)/(1 - k)) + (1/2)*numpy.exp(-1/3*numpy.sqrt(3)*tau*(S - 1)/(1 - k)))**(-1.0))/(1 - k)


# --- Fixed points: fixed-point mean-field equation
def fixed_point_residual(x, eta, k, C0):
    """x - k C(0) phi(x) - eta (zero at a fixed point) [Eq. 24].

    Assumptions: N -> inf; phi = tanh."""
    return -C0*k*numpy.tanh(x) - eta + x


# --- Fixed points: marginal stability
def marginal_stability_integrand(x, g, k, C0):
    """(g / (cosh^2 x - k C(0)))^2, whose average over the fixed-point x is 1 at marginal stability [Eq. 26].

    Assumptions: phi = tanh; lam = 0 on the spectral boundary."""
    return g**2/(-C0*k + numpy.cosh(x)**2)**2


# --- Fixed points: g = 0 fixed points
def g0_chi_equation(chi):
    """phi(chi)/phi'(chi) - 3 chi (zero at chi = 1.42) [Sec. VI].

    Assumptions: g = 0."""
    return -3*chi + numpy.tanh(chi)/(1 - numpy.tanh(chi)**2)


# --- Fixed points: g = 0 fixed points
def g0_k_of_chi(chi):
    """k = chi / phi^3(chi) [Sec. VI].

    Assumptions: g = 0."""
    return chi/numpy.tanh(chi)**3


# --- Fixed points: g = 0 reduced-Jacobian eigenvalues
def g0_block_trace(k, p, P2, m):
    """trace of the 2 x 2 reduced-Jacobian block at a g = 0 fixed point (m = 1 uniform, 0 orthogonal) [Sec. VI].

    Assumptions: g = 0; any k above onset; P2 = phi(chi)^2 phi'(chi)."""
    return P2*k*m - 1 - 1/p


# --- Fixed points: g = 0 reduced-Jacobian eigenvalues
def g0_block_det(k, p, P2, m):
    """determinant of that block [Sec. VI].

    Assumptions: g = 0; any k above onset; P2 = phi(chi)^2 phi'(chi)."""
    return -2*P2*k*m/p - P2*k/p + p**(-1.0)


# --- Fixed-point count: turning point and bistable range
def fp_eta_m(s):
    """eta_m: half-width of the bistable range of eta [Sec. VI].

    Assumptions: s > 1."""
    return numpy.sqrt(s)*numpy.sqrt(s - 1) - numpy.arccosh(numpy.sqrt(s))


# --- Fixed-point count: slope near the turning point without cancellation
def fp_slope_near_turning_point(x_m, d):
    """g'(x_m + d) = 1 - s sech^2(x_m + d), cancellation-free [Eq. 25].

    Assumptions: s = cosh^2 x_m."""
    return numpy.sinh(d)*numpy.sinh(d + 2*x_m)/numpy.cosh(d + x_m)**2


# --- Fixed-point count: count of free branch choices
def fp_log2_number(eta_c, sigma):
    """N^-1 log2 N_FP = P(|eta| < eta_c) [Sec. VI].

    Assumptions: typical stable fixed points (Stern et al. principle)."""
    return scipy.special.erf((1/2)*numpy.sqrt(2)*eta_c/sigma)


# --- Jacobian: synaptic weight of eigenmodes
def synaptic_weight(lambda_r, lambda_i, k, p):
    """f_a of an eigenmode at lam = lambda_r + i lambda_i [Eq. 19].

    Assumptions: eigenvector of Eq. 18."""
    return k**2/(k**2 + p**2*(lambda_i**2 + (lambda_r + p**(-1.0))**2))


# --- Jacobian: support condition from App. E
def eq21_integrand(lambda_r, lambda_i, x, g, k, p, C0):
    """|g (1+p lam) / ((1+p lam)(1+lam) cosh^2 x - k C(0))|^2; lam is in the support where its average over x is >= 1 [Eq. 21].

    Assumptions: phi = tanh; N -> inf; A and the rank-one term dropped."""
    return g**2*(lambda_i**4*p**2*(2*lambda_r*p + p + 1)**2*numpy.cosh(x)**4 + lambda_i**2*lambda_r**2*p**2*(2*lambda_r*p + p + 1)**2*numpy.cosh(x)**4 + 2*lambda_i**2*lambda_r*p*(2*lambda_r*p + p + 1)**2*numpy.cosh(x)**4 + lambda_i**2*p**2*(C0*k - (-lambda_i**2*p + lambda_r**2*p + lambda_r*p + lambda_r + 1)*numpy.cosh(x)**2)**2 + lambda_i**2*(2*lambda_r*p + p + 1)**2*numpy.cosh(x)**4 + lambda_r**2*p**2*(C0*k - (-lambda_i**2*p + lambda_r**2*p + lambda_r*p + lambda_r + 1)*numpy.cosh(x)**2)**2 + 2*lambda_r*p*(C0*k - (-lambda_i**2*p + lambda_r**2*p + lambda_r*p + lambda_r + 1)*numpy.cosh(x)**2)**2 + (C0*k - (-lambda_i**2*p + lambda_r**2*p + lambda_r*p + lambda_r + 1)*numpy.cosh(x)**2)**2)/(lambda_i**2*(2*lambda_r*p + p + 1)**2*numpy.cosh(x)**4 + (C0*k - (-lambda_i**2*p + lambda_r**2*p + lambda_r*p + lambda_r + 1)*numpy.cosh(x)**2)**2)**2


# --- Two replicas: the function h(u, k)
def h_replica(u, k):
    """h(u, k); the halt-time overlap is non-zero where h(D/eps, k) = k has a root u >= 1 [Eq. 39].

    Assumptions: g -> 1+, fixed-point solution D(tau) = D."""
    return (2/3)*numpy.sqrt(3)/(-scipy.special.polygamma(0, (1/4)*numpy.sqrt(3)*(1 - k)*(u - 1) + 1/4) + scipy.special.polygamma(0, (1/4)*numpy.sqrt(3)*(1 - k)*(u - 1) + 3/4))


# --- Lyapunov exponent: growing solution and the Schroedinger form
def lyapunov_from_ground_energy(E):
    """lambda_max = sqrt(-E_0) - 1 from the ground-state energy of -d^2 - g^2 C_phi' [tangent Eq. (k = 0)].

    Assumptions: E_0 < 0 (a bound state below the continuum edge -g^2 <phi'>^2)."""
    return numpy.sqrt(-E) - 1

__all__ = [
    'kernel_hebbian',
    'kernel_no_decay',
    'kernel_inverse_gamma',
    'presynaptic_integrand',
    'kernel_delayed',
    'kernel_pre_post',
    'T_integrand',
    'scs_energy_residual',
    'stern_y',
    'eq13_C',
    'fixed_point_residual',
    'marginal_stability_integrand',
    'g0_chi_equation',
    'g0_k_of_chi',
    'g0_block_trace',
    'g0_block_det',
    'fp_eta_m',
    'fp_slope_near_turning_point',
    'fp_log2_number',
    'synaptic_weight',
    'eq21_integrand',
    'h_replica',
    'lyapunov_from_ground_energy',
]
