"""`dmft validate`: a run drawn from the exact k = 0 law passes, the same run rescaled fails, and bad files get
clear errors (no traceback, exit status 2)."""
import json
import math
import subprocess
import sys

import numpy as np
import pytest

from dmft import Params
from dmft.theory.scs import scs_solution
from dmft.validate import load_run, validate


def _exact_k0_run(g=2.0, N=100, T=600.0, dt=0.1, seed=0):
    """phi = tanh(x) with x Gaussian of the exact SCS covariance (k = 0 is exact): N independent paths sampled
    by circulant embedding, written here (not with the package's sampler)."""
    sol = scs_solution(g, tau_max=60.0, dtau=dt)
    n = int(round(T / dt))
    P = 2 * (n + sol.Cx.size)
    c = np.zeros(P)
    c[:sol.Cx.size] = sol.Cx
    c[P - sol.Cx.size + 1:] = sol.Cx[1:][::-1]
    lam = np.maximum(np.fft.rfft(c).real, 0.0)
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((P // 2 + 1, N)) + 1j * rng.standard_normal((P // 2 + 1, N))
    x = np.fft.irfft(np.sqrt(lam / 2)[:, None] * z * math.sqrt(P), n=P, axis=0)[:n]
    return np.tanh(x)


@pytest.fixture(scope="module")
def exact_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("runs") / "exact.npz"
    np.savez(path, phi=_exact_k0_run(), dt=0.1, g=2.0, k=0.0, p=2.5)
    return path


def test_exact_law_is_consistent_and_a_rescaled_run_is_not(exact_run, tmp_path):
    v = validate(load_run(exact_run))
    assert v.consistent, [c for c in v.checks if not c.consistent]
    names = [c.name for c in v.checks]
    assert "C(0)" in names and "tau*" in names
    data = dict(np.load(exact_run))
    data["phi"] = 1.05 * data["phi"]
    bad = tmp_path / "scaled.npz"
    np.savez(bad, **data)
    w = validate(load_run(bad))
    assert not w.consistent
    assert not next(c for c in w.checks if c.name == "C(0)").consistent


def test_parameters_from_the_command_line_override_the_file(exact_run):
    run = load_run(exact_run, g=2.5)
    assert run.params == Params(2.5, 0.0, 2.5)


@pytest.mark.parametrize("arrays, match", [
    (dict(dt=0.1, g=2.0, k=0.0, p=2.5), "no 'phi' or 'x'"),
    (dict(phi=np.zeros(50), dt=0.1, g=2.0, k=0.0, p=2.5), r"shape \(T, N\)"),
    (dict(phi=np.full((50, 3), np.nan), dt=0.1, g=2.0, k=0.0, p=2.5), "NaN"),
    (dict(phi=np.zeros((50, 3)), dt=0.1, k=0.0, p=2.5), "no 'g'"),
    (dict(phi=np.zeros((50, 3)), dt=-1.0, g=2.0, k=0.0, p=2.5), "dt must be"),
    (dict(phi=np.zeros((50, 3)), dt=0.1, g=2.0, k=0.0, p=-2.5), "p"),
    (dict(phi=np.zeros((50, 3)), dt=0.1, g=2.0, k=0.0, p=2.5, PR_A=np.ones(7)), "PR_A"),
])
def test_bad_files_raise_clear_errors(arrays, match, tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match=match):
        load_run(path)


def test_run_too_short_for_its_timescale(tmp_path):
    path = tmp_path / "short.npz"
    np.savez(path, phi=_exact_k0_run(N=20, T=40.0), dt=0.1, g=2.0, k=0.0, p=2.5)
    with pytest.raises(ValueError, match="run too short"):
        validate(load_run(path))


def test_cli_simulate_save_then_validate(tmp_path):
    run = tmp_path / "run.npz"
    subprocess.run([sys.executable, "-m", "dmft", "simulate", "--g", "2", "--k", "0", "--N", "200", "--T", "500",
                    "--save", str(run), "--json"], check=True, capture_output=True)
    out = subprocess.run([sys.executable, "-m", "dmft", "validate", str(run), "--plot", str(tmp_path / "v.png"),
                          "--json"], capture_output=True, text=True)
    d = json.loads(out.stdout)
    assert out.returncode == (0 if d["consistent"] else 1)
    assert (tmp_path / "v.png").stat().st_size > 0
    missing = subprocess.run([sys.executable, "-m", "dmft", "validate", str(tmp_path / "none.npz")],
                             capture_output=True, text=True)
    assert missing.returncode == 2 and "cannot read" in missing.stderr


@pytest.fixture(scope="module")
def simulated_run(tmp_path_factory):
    """One network of our simulator at g = 2, k = 1, p = 2.5 (N = 1000, dt = 0.02 to keep Euler's bias small)."""
    path = tmp_path_factory.mktemp("runs") / "sim.npz"
    subprocess.run([sys.executable, "-m", "dmft", "simulate", "--g", "2", "--k", "1", "--p", "2.5", "--N", "1000",
                    "--T", "800", "--dt", "0.02", "--save", str(path), "--json"], check=True, capture_output=True)
    return path


@pytest.mark.slow
def test_wrong_parameters_fail_far_beyond_the_finite_n_mismatch(simulated_run):
    """A run of our simulator (g = 2, k = 1, N = 1000, dt = 0.02, T = 800) against its own parameters, against the
    plasticity sign flipped (k = -1) and against g = 2.5.  The finite network is not consistent at 3 SE of 8 time
    blocks (measured: PR_A 1.160 +- 0.007 against 1.185, z = 3.4; tau* z = 2.8; the C(tau) tail of a finite network
    decays more slowly), so what is checked is that the wrong parameters are flagged by a wide margin beyond that."""
    worst = lambda v: max(c.z for c in v.checks)           # noqa: E731
    own = validate(load_run(simulated_run))
    flipped = validate(load_run(simulated_run, k=-1.0))
    other_g = validate(load_run(simulated_run, g=2.5))
    assert worst(own) < 5
    assert not flipped.consistent and worst(flipped) > 3 * worst(own)
    assert not other_g.consistent and worst(other_g) > 2 * worst(own)
