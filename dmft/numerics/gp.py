"""Sampling stationary Gaussian processes on a uniform grid by FFT (circulant embedding)."""
from __future__ import annotations

import numpy as np
import scipy.fft


def circulant_spectrum(cov: np.ndarray, period: int, h: float, transfer=None):
    """Eigenvalues (rfft layout) of the circulant covariance that embeds the even function ``cov``
    (given on lags 0..n-1, zero beyond) in a period of ``period`` points, optionally multiplied by
    ``transfer(omega)`` (the squared modulus of a linear filter, e.g. 1/(1 + omega^2) for
    (1 + d/dt)^{-1}).  Returns (eigenvalues clipped at 0, most negative eigenvalue before
    clipping relative to the largest)."""
    n = cov.size
    if period < 2 * n - 1:
        raise ValueError(f"period {period} too short to embed {n} lags")
    c = np.zeros(period)
    c[:n] = cov
    c[period - n + 1:] = cov[1:][::-1]
    lam = scipy.fft.rfft(c).real
    if transfer is not None:
        omega = 2 * np.pi * scipy.fft.rfftfreq(period, h)
        lam = lam * transfer(omega)
    worst = float(lam.min() / lam.max()) if lam.max() > 0 else 0.0
    return np.maximum(lam, 0.0), min(worst, 0.0)


def gaussian_coefficients(period: int, n_samples: int, rng: np.random.Generator) -> np.ndarray:
    """Standard complex Gaussian Fourier coefficients in rfft layout, one row per path: (n_samples,
    period//2 + 1), E|z|^2 = 1, with the zero and Nyquist modes real (Hermitian symmetry of a real field).
    (Drawn frequency-major, the order the random stream has always been read in, and stored path-major, the
    layout in which the transforms run fastest.)"""
    m = period // 2 + 1
    z = (rng.standard_normal((m, n_samples)) + 1j * rng.standard_normal((m, n_samples))) / np.sqrt(2)
    z[0] = rng.standard_normal(n_samples)
    if period % 2 == 0:
        z[-1] = rng.standard_normal(n_samples)
    return np.ascontiguousarray(z.T)


def fields_from_coefficients(lam: np.ndarray, z: np.ndarray, period: int) -> np.ndarray:
    """Real fields (period, n_samples) with circulant covariance eigenvalues ``lam`` from the
    coefficients ``z`` of :func:`gaussian_coefficients` (irfft imposes the Hermitian extension).  The fields
    are stored path-major (the array is the transpose of a C-contiguous (n_samples, period) one): each path's
    time series is contiguous, which is what the FFTs of the estimators want."""
    return scipy.fft.irfft(np.sqrt(period * lam)[None, :] * z, n=period, axis=1, workers=-1).T


def sample_from_spectrum(lam: np.ndarray, period: int, n_samples: int, rng: np.random.Generator):
    """Real fields (period, n_samples) whose circulant covariance has eigenvalues ``lam``."""
    return fields_from_coefficients(lam, gaussian_coefficients(period, n_samples, rng), period)
