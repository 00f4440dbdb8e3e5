"""Observables of an autocovariance function and of simulated activity.

All functions take plain arrays so that simulations and DMFT solutions are measured by the same
code: C(tau) [Eq. 4], tau* [Eq. 9], the normalised power spectrum S(f) and the zero-crossing
frequency (Fig. 2c), T and PR_A [Eqs. 22-23], and the Kaplan-Yorke dimension (Sec. V B).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.fft
from scipy import integrate

from dmft import _generated as gen


@dataclass
class Autocovariance:
    """C(tau) on lags tau = dtau * arange(n), with the standard error across units."""

    tau: np.ndarray
    C: np.ndarray
    sem: np.ndarray
    n_units: int


def per_path_autocovariance(s: np.ndarray, n_lag: int, other: np.ndarray | None = None,
                            groups: int | None = None) -> np.ndarray:
    """Unbiased <s_i(t) s_i(t + tau)> (or <s_i(t) other_i(t + tau)>) of each column, lags
    0..n_lag-1: array (n_lag, n_columns); with ``groups`` = G, averaged over G equal groups of consecutive
    columns: (n_lag, G), with one inverse transform per group instead of per column.  FFT with zero-padding by
    n_lag, which keeps those lags free of wrap-around; lag n is divided by its number of pairs, n_times - n.
    The transforms run along contiguous rows of a (columns, time) buffer, several times faster than down the
    columns; inputs stored path-major (the single-site engine's) fill it without a transposing copy."""
    s = np.asarray(s, dtype=float)
    n_t, n_col = s.shape
    nfft = scipy.fft.next_fast_len(n_t + n_lag, real=True)

    def spectrum(a):
        buf = np.zeros((n_col, nfft))
        buf[:, :n_t] = a.T
        return scipy.fft.rfft(buf, axis=1, workers=-1)

    F = spectrum(s)
    # an autocovariance's spectrum is |F|^2, real: no conjugate copy and a quarter of the complex products
    cross = F.real ** 2 + F.imag ** 2 if other is None else F.conj() * spectrum(np.asarray(other, dtype=float))
    if groups is not None:
        cross = group_means(cross, groups, axis=0)
    raw = scipy.fft.irfft(cross, n=nfft, axis=1, workers=-1)[:, :n_lag]
    return raw.T / (n_t - np.arange(n_lag))[:, None]


def group_means(a: np.ndarray, groups: int, axis: int) -> np.ndarray:
    """Means of ``a`` over ``groups`` equal groups of consecutive entries along ``axis`` (the paths' axis)."""
    n = a.shape[axis]
    if n % groups:
        raise ValueError(f"{n} paths do not split into {groups} equal groups")
    shape = a.shape[:axis] + (groups, n // groups) + a.shape[axis + 1:]
    return a.reshape(shape).mean(axis=axis + 1)


def equal_groups(n: int, most: int = 64) -> int:
    """The number of equal groups of n independent paths whose means carry a standard error: the largest divisor
    of n up to ``most`` (64 groups estimate a standard error to ~9%, and the estimators then need one inverse FFT
    per group instead of one per path)."""
    return max(d for d in range(2, min(n, most) + 1) if n % d == 0) if n > 1 else 1


def autocovariance(series: np.ndarray, dtau: float, max_lag: float | None = None) -> Autocovariance:
    """Empirical C(tau) = <s_i(t) s_i(t + tau)> of ``series`` (n_times, n_units) [Eq. 4].

    No mean is subtracted: the theory's C is a raw second moment (the mean of phi vanishes by the
    x -> -x symmetry).  The error bar is the standard error of the unit-wise estimates (units
    are independent to O(1/sqrt(N)); see :mod:`dmft.simulation.ensemble` for errors across networks).
    """
    s = np.asarray(series, dtype=float)
    if s.ndim == 1:
        s = s[:, None]
    n_t, n_u = s.shape
    n_lag = n_t if max_lag is None else min(n_t, int(round(max_lag / dtau)) + 1)
    per_unit = per_path_autocovariance(s, n_lag)
    C = per_unit.mean(axis=1)
    sem = per_unit.std(axis=1, ddof=1) / np.sqrt(n_u) if n_u > 1 else np.full(n_lag, np.nan)
    return Autocovariance(tau=dtau * np.arange(n_lag), C=C, sem=sem, n_units=n_u)


def tau_star(C: np.ndarray, dtau: float) -> float:
    """Dynamic timescale tau* = int_0^inf (C(tau)/C(0))^2 dtau [Eq. 9] (trapezoid rule)."""
    C = np.asarray(C, dtype=float)
    return float(integrate.trapezoid((C / C[0]) ** 2, dx=dtau))


def synaptic_timescale(C: np.ndarray, dtau: float, p: float) -> float:
    """T = int_0^inf e^{-tau/p} (C(tau)/C(0))^2 dtau [Eq. 23]."""
    C = np.asarray(C, dtype=float)
    tau = dtau * np.arange(C.size)
    return float(integrate.trapezoid(gen.T_integrand(tau, C, C[0], p), dx=dtau))


def participation_ratio_theory(C: np.ndarray, dtau: float, p: float) -> float:
    """PR_A = p / T in the limit N -> infinity [Eq. 23]."""
    return p / synaptic_timescale(C, dtau, p)


def participation_ratio(A: np.ndarray) -> float:
    """PR_A = (tr A)^2 / ||A||_F^2 of an explicit matrix [Eq. 22]."""
    return float(np.trace(A) ** 2 / np.sum(A * A))


def power_spectrum(C: np.ndarray, dtau: float):
    """Normalised spectrum S(f) = |C^(f)|^2 / |C^(0)|^2 (Fig. 2c) of an even function C(tau).

    C^(f) = int C(tau) e^{-2 pi i f tau} dtau is evaluated from the even extension of C on the
    lag grid (trapezoid weights), so f is in cycles per unit time.  Returns (f, S).
    """
    C = np.asarray(C, dtype=float)
    w = np.ones_like(C)
    w[0] = 0.5  # trapezoid: tau = 0 counted once in the even extension C(-tau) = C(tau)
    n = C.size
    nfft = 1 << int(np.ceil(np.log2(4 * n)))
    Chat = 2.0 * dtau * np.fft.rfft(w * C, n=nfft).real
    f = np.fft.rfftfreq(nfft, d=dtau)
    return f, (Chat / Chat[0]) ** 2


def zero_crossings(C: np.ndarray, dtau: float) -> np.ndarray:
    """Lags where C(tau) changes sign (linear interpolation)."""
    C = np.asarray(C, dtype=float)
    i = np.nonzero(np.signbit(C[:-1]) != np.signbit(C[1:]))[0]
    return dtau * (i + C[i] / (C[i] - C[i + 1]))


def zero_crossing_frequency(C: np.ndarray, dtau: float) -> float:
    """Oscillation frequency from the first three zero crossings of C (Fig. 2c markers).

    Three crossings span one full period, so f = 1 / (tau_3 - tau_1), in cycles per unit time.
    Returns NaN when C has fewer than three crossings.
    """
    z = zero_crossings(C, dtau)
    return float(1.0 / (z[2] - z[0])) if z.size >= 3 else float("nan")


def kaplan_yorke_dimension(exponents: np.ndarray) -> float:
    """Kaplan-Yorke dimension: j + sum_{i<=j} l_i / |l_{j+1}| with j the largest index whose
    cumulative sum of descending exponents is non-negative (Sec. V B)."""
    lam = np.sort(np.asarray(exponents, dtype=float))[::-1]
    cs = np.cumsum(lam)
    if cs[0] < 0:
        return 0.0
    nonneg = np.nonzero(cs >= 0)[0]
    j = int(nonneg[-1]) + 1
    if j == lam.size:
        return float(j)
    return float(j + cs[j - 1] / abs(lam[j]))


def _jackknife(values_fn, groups: list) -> float:
    """Jackknife standard error of a statistic computed from ``groups`` of units."""
    n = len(groups)
    loo = np.array([values_fn([g for j, g in enumerate(groups) if j != i]) for i in range(n)])
    return float(np.sqrt((n - 1) / n * np.sum((loo - loo.mean()) ** 2)))


def trajectory_summary(traj, max_lag: float = 50.0, n_groups: int = 10) -> dict:
    """Measure a simulated :class:`~dmft.simulation.network.Trajectory`: C(tau) of phi and of x with
    standard errors across neurons, tau* with a jackknife error over neuron groups, PR_A (mean
    and std over records), S(f) and the zero-crossing frequency."""
    dtau = traj.record_dt
    ac = autocovariance(traj.phi, dtau, max_lag)
    acx = autocovariance(traj.x, dtau, max_lag)
    n_u = traj.phi.shape[1]
    groups = np.array_split(np.arange(n_u), min(n_groups, n_u))

    def tau_of(gs):
        idx = np.concatenate(gs)
        return tau_star(autocovariance(traj.phi[:, idx], dtau, max_lag).C, dtau)

    ts = tau_star(ac.C, dtau)
    ts_err = _jackknife(tau_of, groups) if len(groups) > 2 else float("nan")
    f, S = power_spectrum(ac.C, dtau)
    return dict(
        tau_step=dtau, tau=ac.tau, C=ac.C, C_err=ac.sem, Cx=acx.C, Cx_err=acx.sem,
        C0=float(ac.C[0]), C0_err=float(ac.sem[0]), Cx0=float(acx.C[0]), Cx0_err=float(acx.sem[0]),
        tau_star=ts, tau_star_err=ts_err, PR_A=float(np.mean(traj.PR_A)),
        PR_A_std=float(np.std(traj.PR_A)), f=f, S=S,
        zero_crossing_frequency=zero_crossing_frequency(ac.C, dtau))
