"""The maximum Lyapunov exponent from two replicas linearised in their difference (beyond the paper)."""
import sympy as sp

from .core import Result, check, step
from .symbols import g

t, s = sp.symbols("t s", real=True)
T, tau = sp.symbols("T tau", real=True)
lmb = sp.Symbol("lambda", real=True)
E = sp.Symbol("E", negative=True)
psi = sp.Function("psi")


@step("linearised replicas: the tangent field", "Lyapunov exponent")
def tangent_field():
    """Two replicas x^A, x^B with the same J; delta = x^A - x^B obeys, to first order,
    (1 + d/dt) delta_i = sum_j J_ij phi'_j delta_j + (plastic terms).  The field xi_i = sum_j J_ij phi'_j delta_j
    is Gaussian over J with covariance g^2 <phi'(t) phi'(s) delta(t) delta(s)> and covariance with eta_i = sum_j
    J_ij phi_j equal to g^2 <phi(t) phi'(s) delta(s)>, which vanishes: at fixed x the linear problem is symmetric
    under delta -> -delta.  At k = 0 delta is driven by xi alone, which is then independent of the x path, so
    <phi' phi' delta delta> = C_phi'(t - s) Delta(t, s) and (1 + d/dt)(1 + d/ds) Delta = g^2 C_phi' Delta.
    Checked here: the filter identity in the form used (a product of two first-order filters)."""
    D = sp.Function("Delta")
    lhs = (D(t, s) + sp.diff(D(t, s), t) + sp.diff(D(t, s), s) + sp.diff(D(t, s), t, s))
    rhs = sp.diff(D(t, s) + sp.diff(D(t, s), s), t) + D(t, s) + sp.diff(D(t, s), s)
    check("(1 + d/dt)(1 + d/ds) = 1 + d/dt + d/ds + d^2/dtds", sp.simplify(lhs - rhs))
    return []


@step("growing solution and the Schroedinger form", "Lyapunov exponent")
def schroedinger():
    """Delta(t, s) = e^{lambda (t + s)} psi(t - s) in (1 + d/dt)(1 + d/ds) Delta = g^2 C_phi'(t - s) Delta gives
    [(1 + lambda)^2 - d^2/dtau^2] psi = g^2 C_phi'(tau) psi, i.e. -psi'' - g^2 C_phi' psi = E psi with
    E = -(1 + lambda)^2.  The fastest growth is the ground state: lambda_max = sqrt(-E_0) - 1.  For g < 1
    (x = 0, C_phi' = phi'(0)^2 = 1) this gives lambda_max = g - 1, the stability exponent of x = 0."""
    ansatz = sp.exp(lmb * (t + s)) * psi(t - s)
    op = ansatz + sp.diff(ansatz, t) + sp.diff(ansatz, s) + sp.diff(ansatz, t, s)
    expected = sp.exp(lmb * (t + s)) * ((1 + lmb) ** 2 * psi(t - s) - sp.diff(psi(tau), tau, 2).subs(tau, t - s))
    check("(1+d/dt)(1+d/ds)[e^{lambda(t+s)} psi(t-s)] = e^{lambda(t+s)} [(1+lambda)^2 psi - psi'']",
          sp.simplify((op - expected).doit()))
    lam_of_E = sp.sqrt(-E) - 1
    check("E = -(1 + lambda)^2 is inverted by lambda = sqrt(-E) - 1 (lambda > -1)",
          sp.simplify((-(1 + lam_of_E) ** 2) - E))
    # quiescent network: psi = const is the ground state of the constant potential -g^2, E_0 = -g^2
    check("g < 1: lambda_max = g - 1", sp.simplify(lam_of_E.subs(E, -g ** 2) - (g - 1)))
    return [Result("lyapunov_from_ground_energy", lam_of_E, (E,), "tangent Eq. (k = 0)",
                   "lambda_max = sqrt(-E_0) - 1 from the ground-state energy of -d^2 - g^2 C_phi'",
                   assumptions="E_0 < 0 (a bound state below the continuum edge -g^2 <phi'>^2)")]
