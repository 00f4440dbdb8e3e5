import math

import numpy as np
import pytest

from dmft import NONLINEARITIES, Params
from dmft.numerics.gaussian import gauss_avg


@pytest.mark.parametrize("kw, msg", [
    (dict(g=-1, k=0, p=1), "g must be >= 0"),
    (dict(g=float("nan"), k=0, p=1), "g must be finite"),
    (dict(g=1, k=float("inf"), p=1), "k must be finite"),
    (dict(g=1, k=0, p=0), "p .* must be > 0"),
    (dict(g=1, k=0, p=-2), "p .* must be > 0"),
    (dict(g=1, k=0, p=1, phi="relu"), "unknown nonlinearity 'relu'; allowed: erf, tanh"),
    (dict(g="abc", k=0, p=1), "g must be a real number"),
])
def test_bad_params_raise_clear_errors(kw, msg):
    with pytest.raises(ValueError, match=msg):
        Params(**kw)


def test_params_are_immutable_and_validated_on_change():
    p = Params(2, 1, 2.5)
    with pytest.raises(Exception):
        p.g = 3
    with pytest.raises(ValueError):
        p.with_(p=0)
    assert p.with_(k=-1).k == -1.0


@pytest.mark.parametrize("name", sorted(NONLINEARITIES))
def test_registry_derivatives_and_antiderivative_are_consistent(name):
    nl = NONLINEARITIES[name]
    x = np.linspace(-4, 4, 81)
    h = 1e-5
    assert np.allclose((nl.phi(x + h) - nl.phi(x - h)) / (2 * h), nl.dphi(x), atol=1e-9)
    assert np.allclose((nl.dphi(x + h) - nl.dphi(x - h)) / (2 * h), nl.d2phi(x), atol=1e-9)
    assert np.allclose((nl.antiderivative(x + h) - nl.antiderivative(x - h)) / (2 * h), nl.phi(x), atol=1e-9)
    assert abs(nl.dphi(np.array(0.0)) - 1.0) < 1e-12  # unit slope at the origin


def test_logcosh_is_overflow_safe():
    Phi = NONLINEARITIES["tanh"].antiderivative
    assert math.isclose(Phi(np.array(1000.0)), 1000.0 - math.log(2.0))


def test_gauss_avg_moments():
    assert math.isclose(gauss_avg(lambda z: z ** 2, 2.5), 2.5, rel_tol=1e-12)
    assert math.isclose(gauss_avg(lambda z: z ** 4, 2.5), 3 * 2.5 ** 2, rel_tol=1e-12)
