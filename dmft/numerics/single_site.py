"""The single-site engine: Gaussian fields in, single-site paths and their estimators out [Eqs. 6-8].

Every DMFT solver of the package (the stationary C of :mod:`dmft.theory.stationary`, the two-replica Q and D of
:mod:`dmft.theory.replica`) runs the same single site:

1. fields xi = (1 + d/dt)^{-1} eta with <eta eta> = g^2 C, sampled exactly on the grid by FFT (circulant
   embedding, :mod:`dmft.numerics.gp`), from random numbers that a replica holds fixed;
2. the causal recursion x_n = xi_n + I + h sum_m c_m G_m psi(x_{n-m}) with the leak folded into the kernel
   (:func:`leak_folded_kernel`, :mod:`dmft.numerics.volterra`);
3. estimators of the autocovariance by FFT, with phi(xi) as a control variate whose mean is known exactly
   (:func:`gaussian_pair_table`, :func:`control_variate_mean`), and a lag window that removes the tail
   below the sampling noise (:func:`noise_cut`, :func:`cosine_taper`).

What is iterated, and how, is the business of :mod:`dmft.numerics.driver`.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np
import scipy.fft
from scipy import signal

from dmft.numerics.gp import circulant_spectrum, fields_from_coefficients, gaussian_coefficients
from dmft.numerics.observables import equal_groups, per_path_autocovariance
from dmft.numerics.volterra import causal_recursion, history_matrix


def leak_folded_kernel(K: np.ndarray, h: float, s_inst: float = 0.0, extra: int = 0,
                       rate: float = 1.0) -> np.ndarray:
    """G on the lag grid: G(u) = int_0^u e^{-a(u-v)} K(v) dv + s e^{-a u} for the leak (a + d/dt), a = ``rate``
    (1 for Eq. 6; 1 + lambda for the tangent equation in the growing frame), with K piecewise linear between grid
    points (exact exponential integration of each piece).  ``extra`` points are appended past the kernel's end,
    where G decays as e^{-a u}."""
    ah = rate * h
    e = math.exp(-ah)
    a2 = (ah - 1.0 + e) / (rate * ah)        # int_0^h e^{-a(h-r)} (r/h) dr
    a1 = (1.0 - e) / rate - a2               # int_0^h e^{-a(h-r)} (1 - r/h) dr
    Kx = np.concatenate([K, np.zeros(extra)])
    forcing = np.zeros_like(Kx)
    forcing[1:] = a1 * Kx[:-1] + a2 * Kx[1:]
    forcing[0] = s_inst
    return signal.lfilter([1.0], [1.0, -e], forcing)



class SingleSite:
    """The single-site map C -> C_out for one fixed set of random numbers ("common random
    numbers"): with the Gaussian coefficients z held fixed, the sampled fields depend smoothly on
    C, so C_out = F(C) is a deterministic function that a root finder can drive to F(C) = C.
    Different replicas (different z) give independent solutions whose spread is the
    statistical error."""

    def __init__(self, params, rule, h, n_samples, t_record, block, rng, tau_max):
        self.params, self.rule, self.h = params, rule, h
        self.S, self.block, self.rng = n_samples, block, rng
        self.n_rec = int(round(t_record / h))
        nl = params.nonlinearity
        self.phi = nl.phi
        # Everything that fixes the random numbers' meaning is set here, independent of C, so
        # that the map C -> F(C) is smooth for a fixed replica.
        self.n_lag = int(round(tau_max / h)) + 1
        reach = rule.kernel_reach(params)
        extra = int(round(20.0 / h))          # G decays like e^{-u} past the kernel
        self.M = self.n_lag + extra if math.isinf(reach) else min(self.n_lag + extra, int(round(reach / h)))
        self.burn = max(self.M, int(round(30.0 / h)))
        self.n_t = self.burn + self.n_rec
        self.period = scipy.fft.next_fast_len(max(self.n_t, 2 * self.n_lag))
        self.taper = None
        self.cut = None
        self._z = None
        # A replica fixes its taper at its first evaluation (its map must stay smooth); a cold start instead lets
        # the cut move out as the iterate's tail grows (it only has to bring the iterate close)
        self.taper_grows = False
        # the window is too short when C is significant (above 4 standard errors) past this fraction of it
        self.window_fill = 0.8

    def new_noise(self):
        """Draw a fresh set of random numbers (a new replica); the taper is chosen anew."""
        self._z = None
        self.taper = None
        self.cut = None

    def noise_key(self):
        """What regenerates this replica's random numbers: (generator state before the draw, paths).  Kept
        instead of the numbers themselves, which take period x paths complex values."""
        self._noise()
        return self._noise_state, self.S

    def pool_noise(self, keys):
        """Use the random numbers of the replicas with these :meth:`noise_key` s (same period), side by side
        as this engine's paths (the first S of them), instead of drawing new ones; the taper is chosen anew."""
        zs, statics = [], []
        for state, S in keys:
            g = np.random.default_rng()
            g.bit_generator.state = state
            zs.append(gaussian_coefficients(self.period, S, g))      # the draw order of _noise
            statics.append(g.standard_normal(S))
        z, static = np.concatenate(zs, axis=0), np.concatenate(statics)
        if z.shape[0] < self.S:
            raise ValueError(f"{z.shape[0]} pooled paths, the engine has {self.S}")
        self.new_noise()
        self._z, self._static = z[:self.S], static[:self.S]

    def _noise(self):
        if self._z is None:
            self._noise_state = self.rng.bit_generator.state
            self._z = gaussian_coefficients(self.period, self.S, self.rng)
            self._static = self.rng.standard_normal(self.S)
        return self._z

    def fields(self, C: np.ndarray):
        """The driving fields of this replica for the input C: xi = (1 + d/dt)^{-1} eta with <eta eta> = g^2 C
        [Eq. 7], sampled exactly on the grid from the circulant embedding (its covariance is
        g^2 C filtered by 1/(1 + omega^2)).

        A rule with a constant input (Eq. A7) breaks x -> -x: C then tends to a plateau <phi>^2 and eta has a
        static part of variance g^2 <phi>^2 (constant along a path).
        Returns (xi of shape (burn + recorded steps, paths), circulant eigenvalues, plateau, negativity), where
        negativity is the most negative circulant eigenvalue relative to the largest (0 if none): those
        eigenvalues are clipped to 0 to sample, and :func:`_check_spectrum` judges the clipped amount."""
        p, n_lag = self.params, C.size
        plateau = max(float(np.mean(C[int(0.9 * n_lag):])), 0.0) if self.rule.name == "presynaptic" else 0.0
        lam, worst = circulant_spectrum(p.g ** 2 * (C - plateau), self.period, self.h,
                                        transfer=lambda om: 1.0 / (1.0 + om ** 2))
        xi = fields_from_coefficients(lam, self._noise(), self.period)[:self.n_t]
        if plateau > 0:
            xi += p.g * math.sqrt(plateau) * self._static
        return xi, lam, plateau, worst

    def eta(self, C: np.ndarray, full_period: bool = False) -> np.ndarray:
        """The field eta itself [Eq. 7] on the recorded steps (recorded steps, paths), or on the whole circulant
        period (row i at time i h; the recorded steps are rows burn .. n_t - 1), drawn from the same random
        numbers as :meth:`fields`, so that xi = (1 + d/dt)^{-1} eta path by path: the Fourier coefficient of eta is
        (1 + i omega) times that of xi, a phase as well as a modulus (with the modulus alone eta would be a
        zero-phase smoothing of xi, correlated with x symmetrically in time instead of through the causal response).
        The two-replica solver needs it for the conditional mean of eta_B [Eq. C1a]."""
        p, n_lag = self.params, C.size
        plateau = max(float(np.mean(C[int(0.9 * n_lag):])), 0.0) if self.rule.name == "presynaptic" else 0.0
        lam, _ = circulant_spectrum(p.g ** 2 * (C - plateau), self.period, self.h)
        omega = 2 * np.pi * scipy.fft.rfftfreq(self.period, self.h)
        causal_phase = (1.0 + 1j * omega) / np.sqrt(1.0 + omega ** 2)
        eta = fields_from_coefficients(lam, self._noise() * causal_phase[None, :], self.period)
        eta = eta if full_period else eta[self.burn:self.n_t]
        if plateau > 0:
            eta += p.g * math.sqrt(plateau) * self._static
        return eta

    def weights(self, C: np.ndarray, C_cross: Optional[np.ndarray] = None):
        """The recursion's weights for the input C: (w, c0, I) with w = h G on lags 0..M (the leak-folded plasticity
        kernel [Eq. 8]), c0 = w[0] / 2 the implicit (trapezoid) weight of the current step, I the constant input."""
        p, rule, h = self.params, self.rule, self.h
        n_lag = C.size
        if n_lag != self.n_lag:
            raise ValueError(f"C has {n_lag} lags, the engine was built for {self.n_lag}")
        tau = h * np.arange(n_lag)
        K = rule.kernel(p, tau, C, C_cross)
        G = leak_folded_kernel(K, h, rule.instantaneous(), extra=max(0, self.M + 1 - n_lag))
        w = h * G[:self.M + 1]
        return w, 0.5 * w[0], rule.constant_input(p, tau, C)

    def response(self, C: np.ndarray, x: np.ndarray, n_lag: int, rng, C_cross: Optional[np.ndarray] = None):
        """The response function R(tau) = < phi'(x(t)) dx(t) / d eta(t - tau) > of the paths ``x`` (recorded steps,
        paths) at the lags tau = (m - 1/2) h, m = 1 .. n_lag (each the average of R over one step).

        Why it is needed: by Novikov's theorem (Gaussian integration by parts, exact for any causal functional of
        the Gaussian eta, so also for the non-Gaussian plastic paths) < phi(x(t)) eta(s) > = g^2 int C(s - u) R(t - u)
        du, so a correlation with eta is a *causal* convolution with R; estimating R directly keeps that causal
        structure exact, where the raw correlation carries acausal sampling noise.

        How: a white-noise probe zeta (one unit normal per step, entering eta as zeta_j / sqrt(h) on step j) is
        propagated by the path's linearised recursion dx_n = dxi_n + c0 phi'(x_n) dx_n + sum_m w_m phi'(x_{n-m})
        dx_{n-m} (the same weights as :meth:`paths`), and R((m - 1/2) h) = < phi'(x_n) dx_n zeta_{n-m} > / sqrt(h).
        The leak's part dxi of dx is independent of the path, so its share, < phi' > (1 - e^{-h}) e^{-(m-1)h} / h,
        is taken exactly and only the plastic feedback dx - dxi is correlated (at k = 0 the estimate is exact up to
        the sample mean of phi').  Probes before the first recorded step are absent: they are independent of
        every later zeta, so this costs variance, not bias.
        Returns (R (n_lag,), per-path estimates (n_lag, paths))."""
        if self.rule.name == "pre_post":
            raise ValueError("the response function needs psi = phi (the pre_post rule's f_post is not supported)")
        h = self.h
        w, c0, _ = self.weights(C, C_cross)
        gain = self.params.nonlinearity.dphi(x)
        zeta = rng.standard_normal(x.shape)
        e = math.exp(-h)
        dxi = signal.lfilter([0.0, (1.0 - e) / math.sqrt(h)], [1.0, -e], zeta, axis=0)
        dx, _ = causal_recursion(dxi, w, c0=c0, block=self.block, T_hist=history_matrix(w, self.block), gain=gain)
        feedback = per_path_autocovariance(zeta, n_lag + 1, other=gain * (dx - dxi))[1:] / math.sqrt(h)
        m = np.arange(1, n_lag + 1)
        leak = ((1.0 - e) / h) * np.exp(-(m - 1) * h)[:, None] * gain.mean(axis=0)[None, :]
        per_path = leak + feedback
        return per_path.mean(axis=1), per_path

    def paths(self, C: np.ndarray, C_cross: Optional[np.ndarray] = None):
        """The single-site paths for the input C (and the cross-covariance, for rules that use it): x solves
        Eq. 6 driven by the fields of :meth:`fields`, with the plasticity kernel built from C [Eq. 8].
        Returns (x on the recorded steps (recorded steps, paths), xi on all steps, circulant eigenvalues,
        plateau, negativity); the solvers that only need the paths (the tangent and two-replica maps) stop here."""
        p = self.params
        w, c0, I = self.weights(C, C_cross)
        xi, lam, plateau, worst = self.fields(C)
        post = self.rule.f_post if self.rule.name == "pre_post" else "identity"
        x, _ = causal_recursion(xi, w, p.nonlinearity.name, post=post, c0=c0, const=I, block=self.block,
                                T_hist=history_matrix(w, self.block))
        return x[self.burn:], xi, lam, plateau, worst

    def run(self, C: np.ndarray, C_cross: Optional[np.ndarray]):
        """One evaluation of the map: returns dict with C (the output), sem, cross, K and the recorded
        paths x (for C^x and draws of x once the replica is solved)."""
        p, h = self.params, self.h
        n_lag = C.size
        x, xi, lam, plateau, worst = self.paths(C, C_cross)
        K = self.rule.kernel(p, h * np.arange(n_lag), C, C_cross)
        burn = self.burn
        ph = self.phi(x)
        # Control variate: phi(xi) has the exactly known autocovariance E[phi(z1) phi(z2)] with
        # (z1, z2) Gaussian of covariance C_xi (the circulant's own covariance); its sample
        # fluctuations track those of phi(x).  For k = 0 the estimator is exact.
        C_xi = scipy.fft.irfft(lam, n=self.period)[:n_lag] + p.g ** 2 * plateau
        # per group of paths (independent), not per path: the regression and the SE need no more, and the inverse
        # transforms then run on 64 columns instead of hundreds
        groups = equal_groups(ph.shape[1])
        a = per_path_autocovariance(ph, n_lag, groups=groups)
        b = per_path_autocovariance(self.phi(xi[burn:]), n_lag, groups=groups)
        C_est, sem = control_variate_mean(a, b, gaussian_pair_table(self.phi, C_xi))
        # The taper is fixed at a replica's first evaluation, so that its map stays smooth; the
        # input's own significant extent counts too, so a good warm start is not cut back.
        level = float(np.mean(C_est[int(0.9 * n_lag):])) if plateau > 0 else 0.0
        conn = C_est - level                       # the connected (decaying) part
        if self.taper is None or self.taper_grows:
            cut = max(noise_cut(conn, sem), noise_cut(C - plateau, sem))
            if self.cut is None or cut > self.cut:
                self.cut = cut
                self.taper = cosine_taper(n_lag, self.cut)
        big = np.nonzero(np.abs(conn) > np.maximum(4 * sem, 0.02 * abs(conn[0])))[0]
        C_est = level + conn * self.taper
        cross = None
        if self.rule.uses_cross_covariance:
            fpre = self.rule.f_pre_fn()(ph)
            cross = per_path_autocovariance(fpre, n_lag, other=ph).mean(axis=1)
        return dict(C=C_est, sem=sem, taper=self.taper, cross=cross, K=K, x=x,
                    significant=int(big[-1]) + 1 if big.size else 0, spectrum_negativity=worst)


def gaussian_pair_table(phi, cov: np.ndarray, n_nodes: int = 49) -> np.ndarray:
    """E[phi(z1) phi(z2)] for Var z = cov[0], Cov = cov[tau].

    The average is an analytic function of the covariance on [-Var, Var] (its derivatives are the
    averages of derivatives, Price's theorem), so Chebyshev interpolation converges geometrically:
    49 nodes give ~1e-10 for Var z = 6 and ~3e-8 for Var z = 15 (tanh)."""
    from numpy.polynomial import chebyshev

    from dmft.numerics.gaussian import nodes_for_variance, pair_avg

    v = float(cov[0])
    nodes = np.cos(np.pi * (np.arange(n_nodes) + 0.5) / n_nodes)
    # quadrature to ~1e-10 (measured for tanh at Var z = 0.5 ... 16), as accurate as the interpolation; the
    # default node rule (exp(-35)) takes ~1.3x the nodes in each dimension, and the table is a seventh of a solve
    n = nodes_for_variance(v, 41, log_error=27.0)
    coef = chebyshev.chebfit(nodes, pair_avg(phi, phi, v, v, v * nodes, n=n), n_nodes - 1)
    return chebyshev.chebval(np.clip(cov / v, -1.0, 1.0), coef)


def control_variate_mean(a: np.ndarray, b: np.ndarray, b_mean: np.ndarray):
    """Mean over columns of ``a`` with the control ``b`` (known mean ``b_mean``) removed at the
    regression-optimal coefficient per row; returns (estimate, standard error)."""
    S = a.shape[1]
    da = a - a.mean(axis=1, keepdims=True)
    db = b - b.mean(axis=1, keepdims=True)
    var_b = np.einsum("ij,ij->i", db, db)
    beta = np.where(var_b > 0, np.einsum("ij,ij->i", da, db) / np.where(var_b > 0, var_b, 1.0), 0.0)
    est = a.mean(axis=1) - beta * (b.mean(axis=1) - b_mean)
    resid = da - beta[:, None] * db
    sem = np.sqrt(np.einsum("ij,ij->i", resid, resid) / (S - 1) / S)
    return est, sem


def noise_cut(C: np.ndarray, sem: np.ndarray, n_sigma: float = 4.0) -> int:
    """One past the last lag where |C| exceeds ``n_sigma`` standard errors (all lags when the
    estimate is noise-free, as for k = 0 with the control variate)."""
    sig = np.nonzero(np.abs(C) > np.maximum(n_sigma * sem, 1e-15 * abs(C[0])))[0]
    return int(sig[-1]) + 1 if sig.size else 1


def cosine_taper(n: int, cut: int) -> np.ndarray:
    """Lag window: 1 up to ``cut``, a cosine roll-off over cut/10 lags, 0 after.

    Multiplying C by it removes the tail where C is below the sampling noise; without it the
    near-marginal low-frequency modes of the self-consistency amplify that noise."""
    width = max(4, cut // 10)
    taper = np.ones(n)
    end = min(n, cut + width)
    if end > cut:
        taper[cut:end] = 0.5 * (1 + np.cos(np.pi * (np.arange(end - cut) + 1) / (width + 1)))
    taper[end:] = 0.0
    return taper
