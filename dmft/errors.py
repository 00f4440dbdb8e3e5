"""Errors raised by the solvers."""


class UnphysicalSolutionError(RuntimeError):
    """A solver produced something that cannot be the answer: NaN, |C(tau)| > C(0), a negative power
    spectrum beyond noise, a covariance that is not positive semi-definite."""
