import numpy as np
import pytest

from dmft.numerics.observables import (autocovariance, equal_groups, kaplan_yorke_dimension, per_path_autocovariance,
                              power_spectrum, synaptic_timescale, tau_star, zero_crossing_frequency)


def test_fft_autocovariance_equals_direct_sum(rng):
    s = rng.standard_normal((300, 4))
    ac = autocovariance(s, 0.5, max_lag=20.0)
    for n in (0, 1, 7, 40):
        direct = np.mean([np.mean(s[: 300 - n, i] * s[n:, i]) for i in range(4)])
        assert abs(ac.C[n] - direct) < 1e-12
    assert ac.tau[1] == 0.5 and ac.C.size == 41


def test_grouped_autocovariance_is_the_mean_of_its_columns(rng):
    s, o = rng.standard_normal((200, 12)), rng.standard_normal((200, 12))
    per_col = per_path_autocovariance(s, 15, other=o)
    grouped = per_path_autocovariance(s, 15, other=o, groups=3)
    assert grouped.shape == (15, 3)
    assert np.allclose(grouped, per_col.reshape(15, 3, 4).mean(axis=2), atol=1e-13)
    with pytest.raises(ValueError, match="equal groups"):
        per_path_autocovariance(s, 15, groups=5)
    assert [equal_groups(n) for n in (1, 7, 12, 256, 1000, 4096)] == [1, 7, 12, 64, 50, 64]


def test_timescales_of_an_exponential():
    dt, tau0, p = 0.001, 3.0, 2.5
    tau = dt * np.arange(int(80 / dt))
    C = np.exp(-tau / tau0)
    assert abs(tau_star(C, dt) - tau0 / 2) < 1e-6
    assert abs(synaptic_timescale(C, dt, p) - 1 / (1 / p + 2 / tau0)) < 1e-6


def test_power_spectrum_of_an_exponential_is_a_squared_lorentzian():
    dt, tau0 = 0.01, 2.0
    C = np.exp(-dt * np.arange(20000) / tau0)
    f, S = power_spectrum(C, dt)
    ref = 1 / (1 + (2 * np.pi * f * tau0) ** 2) ** 2
    sel = f < 2
    assert np.abs(S[sel] - ref[sel]).max() < 1e-4


def test_zero_crossing_frequency():
    dt, f0 = 0.01, 0.37
    tau = dt * np.arange(5000)
    assert abs(zero_crossing_frequency(np.cos(2 * np.pi * f0 * tau) * np.exp(-tau / 10), dt) - f0) < 1e-4
    assert np.isnan(zero_crossing_frequency(np.exp(-tau), dt))


def test_kaplan_yorke():
    assert kaplan_yorke_dimension([0.5, -0.2, -1.0]) == pytest.approx(2.3)
    assert kaplan_yorke_dimension([-0.1, -1.0]) == 0.0
    assert kaplan_yorke_dimension([1.0, 0.5]) == 2.0
