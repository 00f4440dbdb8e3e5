"""dmft: dynamical mean-field theory of coupled neuronal-synaptic networks.

Reference implementation of D. G. Clark and L. F. Abbott, "Theory of Coupled
Neuronal-Synaptic Dynamics", Phys. Rev. X 14, 021001 (2024).
"""
from .nonlinearities import NONLINEARITIES, get_nonlinearity
from .params import Params
from .network import PlasticNetwork, Trajectory

__version__ = "0.1.0"

__all__ = ["Params", "PlasticNetwork", "Trajectory", "NONLINEARITIES", "get_nonlinearity",
           "__version__"]
