"""The finite-N network: the simulator, ensembles of networks, halting runs, Jacobians and Lyapunov
exponents of the simulated flow, and the dense reference integrators they are tested against."""
