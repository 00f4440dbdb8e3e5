"""Model parameters of the plastic network [Eqs. 1-3]."""
from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass, replace

import numpy as np

from dmft.nonlinearities import Nonlinearity, get_nonlinearity


def _finite(name: str, value) -> float:
    # a bool or a string would convert silently (True -> 1.0, "1" -> 1.0): neither is a parameter value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return v


@dataclass(frozen=True)
class Params:
    """Parameters (g, k, p, phi) of the model [Eqs. 1-3].

    g   : standard deviation scale of the quenched couplings, J_ij ~ N(0, g^2/N); g >= 0.
    k   : strength and sign of the plasticity [Eq. 3]; k > 0 Hebbian, k < 0 anti-Hebbian.
    p   : synaptic decay time in units of the neuronal time constant; p > 0.
    phi : name of the nonlinearity in :data:`dmft.nonlinearities.NONLINEARITIES` ("tanh").

    Instances are immutable and validated on construction; invalid values raise ValueError
    saying what is wrong and what is allowed.
    """

    g: float
    k: float
    p: float
    phi: str = "tanh"

    def __post_init__(self):
        g = _finite("g", self.g)
        k = _finite("k", self.k)
        p = _finite("p", self.p)
        if g < 0:
            raise ValueError(f"g must be >= 0 (it scales the std of J), got {g}")
        if p <= 0:
            raise ValueError(f"p (synaptic time constant) must be > 0, got {p}")
        get_nonlinearity(self.phi)  # raises a ValueError naming the allowed ones
        object.__setattr__(self, "g", g)
        object.__setattr__(self, "k", k)
        object.__setattr__(self, "p", p)

    @property
    def nonlinearity(self) -> Nonlinearity:
        return get_nonlinearity(self.phi)

    def with_(self, **changes) -> "Params":
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    def as_dict(self) -> dict:
        return asdict(self)
