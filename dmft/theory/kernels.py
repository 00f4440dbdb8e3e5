"""Self-coupling kernels of the single-site equation for each plasticity rule (App. A).

The single-site dynamics of every rule have the form

    (1 + d/dt) x(t) = eta(t) + I + s psi(t) + int_0^inf K(u) psi(t - u) du,

with psi = phi, except for the general rule of Eq. A10 where psi = f_post(phi).  A rule supplies
the kernel K(u) as a functional of the autocovariance C (and, for Eq. A11, of the cross
covariance C_pre,phi), the constant input I (presynaptic rule, Eq. A7) and the instantaneous
self-coupling s (the network of Stern et al., Eq. 11).  The closed forms are emitted by
``derivations/`` into :mod:`dmft._generated` and used from there.  psi itself is evaluated inside the compiled
recursion, by the name ``f_post`` (:data:`dmft.numerics.volterra.POST_CODES`, checked against this module's registry).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np
from scipy import integrate

from dmft import _generated as gen
from dmft.params import Params

RULES = ("hebbian", "no_decay", "inverse_gamma", "presynaptic", "delayed", "pre_post", "stern")


def _psi_registry():
    return {"identity": (lambda v: v), "square": (lambda v: v * v), "cube": (lambda v: v ** 3),
            "abs": np.abs, "tanh": np.tanh}


@dataclass(frozen=True)
class PlasticityRule:
    """A plasticity rule of App. A (or the self-coupled network of Eq. 11).

    name : one of ``RULES``:
        hebbian        Eq. 3 / A1:   K(u) = (k/p) e^{-u/p} C(u)
        no_decay       Eq. A2-A3:    K(u) = ktilde C(u)                 (needs ``ktilde``)
        inverse_gamma  Eq. A4:       K(u) = (k alpha/beta) (beta/(beta+u))^{alpha+1} C(u)
        presynaptic    Eq. A5-A7:    I = (k/p) int_0^inf e^{-u/p} C(u) du, no kernel
        delayed        Eq. A8-A9:    delay ``d``, temporally antisymmetric Hebbian rule
        pre_post       Eq. A10-A11:  K(u) = (k/p) e^{-u/p} C_pre,phi(u), psi = f_post(phi)
        stern          Eq. 11:       instantaneous self-coupling ``s``, no kernel
    """

    name: str = "hebbian"
    ktilde: Optional[float] = None
    alpha: Optional[float] = None
    beta: Optional[float] = None
    d: Optional[float] = None
    s: Optional[float] = None
    f_pre: str = "identity"
    f_post: str = "identity"
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.name not in RULES:
            raise ValueError(f"unknown plasticity rule {self.name!r}; allowed: {', '.join(RULES)}")
        need = {"no_decay": ["ktilde"], "inverse_gamma": ["alpha", "beta"], "delayed": ["d"],
                "stern": ["s"]}.get(self.name, [])
        for attr in need:
            v = getattr(self, attr)
            if v is None or not math.isfinite(float(v)):
                raise ValueError(f"rule {self.name!r} needs a finite {attr}")
        if self.name == "inverse_gamma" and (self.alpha <= 0 or self.beta <= 0):
            raise ValueError("inverse_gamma needs alpha > 0 and beta > 0")
        if self.name == "delayed" and self.d < 0:
            raise ValueError("the delay d must be >= 0")
        psis = _psi_registry()
        for f in (self.f_pre, self.f_post):
            if f not in psis:
                raise ValueError(f"unknown f_pre/f_post {f!r}; allowed: {', '.join(sorted(psis))}")

    # -- pieces of the single-site equation -------------------------------------------------
    @property
    def uses_cross_covariance(self) -> bool:
        return self.name == "pre_post"

    def f_pre_fn(self) -> Callable:
        return _psi_registry()[self.f_pre]

    def instantaneous(self) -> float:
        """Coefficient s of an instantaneous self-coupling s psi(t) (Eq. 11); 0 otherwise."""
        return float(self.s) if self.name == "stern" else 0.0

    def kernel(self, params: Params, tau: np.ndarray, C: np.ndarray,
               C_cross: Optional[np.ndarray] = None) -> np.ndarray:
        """K(u) on the lag grid ``tau`` given C (zero past the grid)."""
        k, p = params.k, params.p
        if self.name == "hebbian":
            return gen.kernel_hebbian(tau, C, k, p)
        if self.name == "no_decay":
            return gen.kernel_no_decay(tau, C, self.ktilde)
        if self.name == "inverse_gamma":
            return gen.kernel_inverse_gamma(tau, C, k, self.alpha, self.beta)
        if self.name == "pre_post":
            if C_cross is None:
                raise ValueError("the pre_post rule needs the cross covariance C_pre,phi")
            return gen.kernel_pre_post(tau, C_cross, k, p)
        if self.name == "delayed":
            h = tau[1] - tau[0]
            shift = int(round(self.d / h))
            if abs(shift * h - self.d) > 1e-9 * max(1.0, self.d):
                raise ValueError(f"delay d = {self.d} must be a multiple of the step {h}")
            C_ahead = np.zeros_like(C)
            C_ahead[: C.size - shift] = C[shift:]
            C_behind = np.zeros_like(C)
            C_behind[shift:] = C[: C.size - shift]
            return gen.kernel_delayed(tau, C_ahead, C_behind, k, p, self.d)
        return np.zeros_like(C)  # presynaptic, stern

    def constant_input(self, params: Params, tau: np.ndarray, C: np.ndarray) -> float:
        """The constant input I of the presynaptic rule [Eq. A7]; 0 otherwise."""
        if self.name != "presynaptic":
            return 0.0
        return float(integrate.trapezoid(gen.presynaptic_integrand(tau, C, params.k, params.p), tau))

    def kernel_reach(self, params: Params) -> float:
        """Lag beyond which the kernel is negligible whatever C does (inf if only C decides)."""
        if self.name in ("hebbian", "pre_post"):
            return 20.0 * params.p
        if self.name == "delayed":
            return 20.0 * params.p + self.d
        return math.inf

    def describe(self) -> dict:
        out = {"rule": self.name}
        for attr in ("ktilde", "alpha", "beta", "d", "s"):
            if getattr(self, attr) is not None:
                out[attr] = getattr(self, attr)
        if self.name == "pre_post":
            out.update(f_pre=self.f_pre, f_post=self.f_post)
        return out


HEBBIAN = PlasticityRule("hebbian")
