"""dmft: dynamical mean-field theory of coupled neuronal-synaptic networks.

Reference implementation of D. G. Clark and L. F. Abbott, "Theory of Coupled
Neuronal-Synaptic Dynamics", Phys. Rev. X 14, 021001 (2024).

Layout (``import dmft`` and the ``dmft`` command are the stable face; the names below are its API):

- top level: the user's jobs -- :mod:`dmft.phase_diagram` (Fig. 1b from theory), :mod:`dmft.validate` (check a
  simulation against the theory), :mod:`dmft.cli`; and what every part shares: :mod:`dmft.params`,
  :mod:`dmft.nonlinearities`, :mod:`dmft.errors`, :mod:`dmft.progress`, :mod:`dmft._generated` (emitted by
  ``python -m derivations``).
- :mod:`dmft.theory`: the DMFT solvers (stationary C, two-replica Q and D, tangent lambda_max, fixed points,
  Jacobian spectrum, first-order line, onsets) and the phase boundaries built from them.
- :mod:`dmft.numerics`: the engine they share (Gaussian fields by FFT, the causal recursion, the single-site
  engine and its estimators, the self-consistency driver, quadrature, observables of C(tau)).
- :mod:`dmft.simulation`: the finite-N network (simulator, ensembles, halting runs, Jacobians, Lyapunov
  exponents) and the dense reference integrators it is tested against.
"""
import importlib

from dmft.nonlinearities import NONLINEARITIES, get_nonlinearity
from dmft.params import Params
from dmft.simulation.network import PlasticNetwork, Trajectory

__version__ = "0.1.0"

# The solvers are imported on first use (``dmft.solve`` and so on), so ``import dmft`` stays quick.  The two jobs
# are modules of their own: ``from dmft.phase_diagram import phase_diagram``, ``from dmft.validate import validate``.
_API = {
    "solve": "dmft.theory.stationary",
    "SolverSettings": "dmft.theory.stationary",
    "sweep": "dmft.theory.continuation",
    "fixed_points": "dmft.theory.fixed_points",
    "first_order_boundary": "dmft.theory.first_order",
    "freeze": "dmft.theory.freezable",
    "onset": "dmft.theory.onsets",
    "lyapunov": "dmft.theory.tangent",
    "scs_solution": "dmft.theory.scs",
    "boundary_point": "dmft.theory.boundaries",
    "simulate_ensemble": "dmft.simulation.ensemble",
}

__all__ = ["Params", "PlasticNetwork", "Trajectory", "NONLINEARITIES", "get_nonlinearity", "__version__",
           *_API]


def __getattr__(name):
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'dmft' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
