"""Errors raised by the solvers."""


class UnphysicalSolutionError(RuntimeError):
    """A solver produced something that cannot be the answer: NaN, |C(tau)| > C(0), a negative power
    spectrum beyond noise, a covariance that is not positive semi-definite."""


class NoStationarySolutionError(ValueError):
    """The stationary DMFT did not converge at parameters a computation needed (a diverging timescale, no dynamic
    solution, or no convergence), so nothing can be built on it there.  A ValueError: at parameters a user gave
    it is an input without an answer; inside a search (an onset in k) it ends the search with a verdict."""
