"""The numerical engine every DMFT solver shares: Gaussian fields by FFT, the causal Volterra recursion,
the single-site engine with its estimators, Gaussian quadrature, and the self-consistency driver."""
