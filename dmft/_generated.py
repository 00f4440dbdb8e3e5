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

__all__ = [
    'kernel_hebbian',
    'kernel_no_decay',
    'kernel_inverse_gamma',
    'presynaptic_integrand',
    'kernel_delayed',
]
