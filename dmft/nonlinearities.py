"""Registry of single-neuron nonlinearities phi(x).

Every entry supplies phi, its first and second derivatives (the Jacobian [Eq. 15] needs phi',
Price's theorem and the tangent maps need phi''), and the antiderivative Phi with Phi' = phi,
which the k = 0 energy condition of Sompolinsky, Crisanti & Sommers uses.  The paper's choice is
``tanh``; ``erf`` (scaled to unit slope at the origin) is provided so that code written against
the registry is exercised with a second, genuinely different nonlinearity.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import special

Array = np.ndarray


@dataclass(frozen=True)
class Nonlinearity:
    """A nonlinearity phi and the derivatives/antiderivative the theory needs."""

    name: str
    phi: Callable[[Array], Array]
    dphi: Callable[[Array], Array]
    d2phi: Callable[[Array], Array]
    antiderivative: Callable[[Array], Array]


def _logcosh(x):
    # log cosh x = |x| + log(1 + exp(-2|x|)) - log 2, without overflow for large |x|.
    ax = np.abs(x)
    return ax + np.log1p(np.exp(-2.0 * ax)) - np.log(2.0)


def _tanh_d1(x):
    # sech^2 x = 4 e^{-2|x|} / (1 + e^{-2|x|})^2: no overflow of cosh for large |x|
    e = np.exp(-2.0 * np.abs(x))
    return 4.0 * e / (1.0 + e) ** 2


def _tanh_d2(x):
    t = np.tanh(x)
    return -2.0 * t * (1.0 - t * t)


ERF_SCALE = np.sqrt(np.pi) / 2.0  # erf(ERF_SCALE x) has unit slope at 0, like tanh


def _erf(x):
    return special.erf(ERF_SCALE * x)


def _erf_d1(x):
    return np.exp(-(ERF_SCALE * x) ** 2)


def _erf_d2(x):
    return -2.0 * ERF_SCALE**2 * x * np.exp(-(ERF_SCALE * x) ** 2)


def _erf_anti(x):
    # d/dx [x erf(a x) + exp(-a^2 x^2) / (a sqrt(pi))] = erf(a x)
    return x * special.erf(ERF_SCALE * x) + np.exp(-(ERF_SCALE * x) ** 2) / (ERF_SCALE * np.sqrt(np.pi))


NONLINEARITIES: dict[str, Nonlinearity] = {
    "tanh": Nonlinearity("tanh", np.tanh, _tanh_d1, _tanh_d2, _logcosh),
    "erf": Nonlinearity("erf", _erf, _erf_d1, _erf_d2, _erf_anti),
}


def get_nonlinearity(name: str) -> Nonlinearity:
    """Return the registry entry called ``name``; ValueError listing the allowed names otherwise."""
    try:
        return NONLINEARITIES[name]
    except (KeyError, TypeError):
        allowed = ", ".join(sorted(NONLINEARITIES))
        raise ValueError(f"unknown nonlinearity {name!r}; allowed: {allowed}") from None
