"""The simulator: exact equality with the explicitly integrated A, protocols, bad input."""
import numpy as np
import pytest

from dmft import Params, PlasticNetwork
from dmft.simulation.network import classify_state
from dmft.numerics.observables import participation_ratio
from dmft.simulation.reference import dense_euler, dense_heun

DENSE = {"euler": lambda *a: dense_euler(*a)[:2], "heun": dense_heun}


@pytest.mark.parametrize("scheme", ["euler", "heun"])
@pytest.mark.parametrize("k", [1.5, -2.0])
def test_efficient_A_equals_explicitly_integrated_A(k, scheme):
    """The buffered low-rank + folded representation is the same scheme as the dense update written from the
    flow (Euler, or Heun's predictor-corrector with a dense predicted A)."""
    p = Params(2.0, k, 2.5)
    net = PlasticNetwork(p, 40, seed=1, dt=0.05, scheme=scheme)
    assert net.fold_every < 100  # several folds happen below
    J, x0 = net.J.copy(), net.x.copy()
    steps = 237  # not a multiple of fold_every: the buffer is non-empty at the end
    for _ in range(steps):
        net.step()
    x_ref, A_ref = DENSE[scheme](p, J, x0, steps, 0.05)
    scale = np.abs(A_ref).max()
    assert scale > 1e-3
    assert np.abs(net.A - A_ref).max() < 1e-12 * max(1.0, scale) * 10
    assert np.abs(net.x - x_ref).max() < 1e-9
    # A(t) phi without forming A
    v = np.random.default_rng(0).standard_normal(40)
    assert np.allclose(net.A_times(v), A_ref @ v, atol=1e-12)
    # PR_A from the exact trace / Frobenius recursions [Eq. 22]
    assert abs(net.PR_A - participation_ratio(A_ref)) < 1e-9 * participation_ratio(A_ref)


@pytest.mark.parametrize("scheme", ["euler", "heun"])
def test_initial_A_and_halt_follow_the_reference(scheme):
    p = Params(1.5, 1.0, 2.0)
    rng = np.random.default_rng(5)
    A0 = rng.standard_normal((30, 30)) / 30
    net = PlasticNetwork(p, 30, seed=2, A0=A0, scheme=scheme)
    J, x0 = net.J.copy(), net.x.copy()
    for _ in range(50):
        net.step()
    x_ref, A_ref = DENSE[scheme](p, J, x0, 50, net.dt, A0)
    assert np.allclose(net.A, A_ref, atol=1e-13) and np.allclose(net.x, x_ref, atol=1e-11)
    net.halt()
    A_halt = net.A
    for _ in range(30):
        net.step()
    assert np.array_equal(net.A, A_halt)


@pytest.mark.parametrize("scheme, order", [("euler", 1), ("heun", 2)])
def test_order_of_convergence_in_dt(scheme, order):
    """The global error at a fixed time falls like dt^order: the same network (J, x0, g = 2, k = -2, p = 2.5) is
    integrated to t = 2 at dt = 0.04, 0.02, 0.01 and compared with Heun at dt = 0.04/32 (whose own error,
    ~3e-6, is 2% of the smallest error measured, 1.6e-4).  Successive error ratios must be 2^order within 10%."""
    p = Params(2.0, -2.0, 2.5)
    base = PlasticNetwork(p, 60, seed=4, scheme=scheme)
    J, x0, T = base.J, base.x.copy(), 2.0

    def final_state(dt, sch):
        net = PlasticNetwork(p, 60, dt=dt, J=J, x0=x0, scheme=sch)
        net.advance(T)
        assert net.t == pytest.approx(T)
        return np.concatenate([net.x, net.A.ravel()])

    ref = final_state(0.04 / 32, "heun")
    errors = [np.linalg.norm(final_state(dt, scheme) - ref) for dt in (0.04, 0.02, 0.01)]
    ratios = np.array(errors[:-1]) / np.array(errors[1:])
    assert np.all(np.abs(np.log2(ratios) - order) < np.log2(1.1)), (errors, ratios)


def test_unknown_scheme_is_rejected():
    with pytest.raises(ValueError, match="scheme must be one of"):
        PlasticNetwork(Params(2.0, 1.0, 2.5), 10, scheme="rk4")


def test_heun_clamped_and_input_steps_follow_their_definitions():
    """While clamped, x stays put and A takes the Heun step with phi~ = phi: A' = a A + (c1 + c2) phi phi^T;
    an external input enters the corrector at t + dt (a ramp input makes that visible)."""
    p = Params(1.0, 1.5, 2.0)
    net = PlasticNetwork(p, 8, seed=0)
    net.clamp(0.3)
    A0 = net.A
    net.step()
    phi = np.tanh(np.full(8, 0.3))
    r, c = net.dt / p.p, net.dt * p.k / (p.p * 8)
    expected = (1 - r + r * r / 2) * A0 + c * (1 - r / 2) * np.outer(phi, phi)
    assert np.allclose(net.A, expected, atol=1e-15) and np.all(net.x == 0.3)
    ramp = PlasticNetwork(Params(0.0, 0.0, 1.0), 3, x0=np.zeros(3), input_fn=lambda t: np.full(3, t))
    ramp.step()
    # x' = dt/2 [I(0) + (-dt I(0) + I(dt))] with I(t) = t
    assert np.allclose(ramp.x, 0.5 * ramp.dt * ramp.dt)


def test_halting_with_k0_changes_nothing():
    p = Params(2.0, 0.0, 2.5)
    a = PlasticNetwork(p, 100, seed=7)
    b = PlasticNetwork(p, 100, seed=7)
    b.halt()
    for _ in range(200):
        a.step()
        b.step()
    assert np.array_equal(a.x, b.x)
    b.release()
    for _ in range(20):
        a.step()
        b.step()
    assert np.array_equal(a.x, b.x)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 3])
def test_halting_at_large_k_freezes_neurons_near_halt_state(seed):
    """Fig. 7a, freezable chaos (g = 2.25, k = 1.55, p = 2.5): after halting A the neurons settle
    to a fixed point close to the halt-time state; releasing A returns the network to chaos."""
    net = PlasticNetwork(Params(2.25, 1.55, 2.5), 1000, seed=seed)
    net.advance(150)
    v_chaos = np.sqrt(np.mean(net.velocity() ** 2))
    assert v_chaos > 0.1
    phi_halt = np.tanh(net.x)
    net.halt()
    net.advance(300)
    v = np.sqrt(np.mean(net.velocity() ** 2))
    assert v < 1e-8
    assert np.corrcoef(phi_halt, np.tanh(net.x))[0, 1] > 0.85
    # a perturbation decays back to the same fixed point (stability)
    x_fp = net.x.copy()
    net.perturb(0.3)
    net.advance(100)
    assert np.abs(net.x - x_fp).max() < 1e-6
    net.release()
    net.advance(100)
    assert np.sqrt(np.mean(net.velocity() ** 2)) > 0.1


def test_clamp_perturb_shuffle_and_anneal():
    net = PlasticNetwork(Params(2.0, 1.0, 2.5), 50, seed=0)
    net.clamp(0.1)
    A_before = net.A
    net.advance(1.0)
    assert np.all(net.x == 0.1)
    assert not np.allclose(net.A, A_before)  # synapses keep learning while neurons are held
    net.unclamp()
    net.step()
    assert not np.all(net.x == 0.1)
    J = net.J
    net.shuffle_J()
    assert np.array_equal(np.sort(J.ravel()), np.sort(net.J.ravel())) and not np.array_equal(J, net.J)
    J = net.J
    net.anneal(1.0, duration=2.0, steps=4)
    assert net.params.g == 1.0 and np.allclose(net.J, J / 2.0)


def test_external_input_hook():
    N = 20
    drive = np.linspace(-1, 1, N)
    net = PlasticNetwork(Params(0.0, 0.0, 1.0), N, seed=0, x0=np.zeros(N), input_fn=lambda t: drive)
    net.advance(40.0)
    # with g = k = 0: (1 + d/dt) x = I, so x -> I
    assert np.allclose(net.x, drive, atol=1e-6)


def test_run_records_and_classifies():
    net = PlasticNetwork(Params(0.5, 0.0, 2.5), 100, seed=0)
    traj = net.run(60.0, burn=10.0, record_dt=0.5)
    assert traj.x.shape == (120, 100) and traj.state == "quiescent"
    net = PlasticNetwork(Params(2.0, 0.5, 2.5), 200, seed=0)
    traj = net.run(20.0, burn=20.0)
    assert traj.state == "chaos" and traj.settled_at is None
    assert classify_state(1.0, 1e-9) == "fixed_point"


@pytest.mark.parametrize("kw, msg", [
    (dict(N=0), "N must be an integer >= 1"),
    (dict(N=2.5), "N must be an integer >= 1"),
    (dict(N=10, dt=0.6), "too large for stability"),
    (dict(N=10, dt=3.0), "too large for p"),
    (dict(N=10, dt=-0.1), "dt must be a positive"),
    (dict(N=10, dt=float("nan")), "dt must be a positive"),
    (dict(N=3, x0=[0.0, float("nan"), 1.0]), "x0 must be a finite"),
])
def test_bad_network_input(kw, msg):
    with pytest.raises(ValueError, match=msg):
        PlasticNetwork(Params(2.0, 1.0, 2.5), **kw)


@pytest.mark.parametrize("T, burn", [(0.0, 0.0), (-1.0, 0.0), (10.0, -1.0), (float("nan"), 0.0)])
def test_bad_durations(T, burn):
    net = PlasticNetwork(Params(2.0, 1.0, 2.5), 10, seed=0)
    with pytest.raises(ValueError):
        net.run(T, burn=burn)


def test_ensemble_lag_axis_is_the_recorded_spacing():
    """record_dt = 0.05 with dt = 0.02 records every 2 steps (0.04): the lag axis must say so (it used to be
    labelled with the requested 0.05, stretching C(tau) by 25%)."""
    import dmft
    from dmft.simulation.ensemble import simulate_ensemble

    ens = simulate_ensemble(dmft.Params(2.0, 0.0, 2.5), 30, n_seeds=2, T=4.0, burn=1.0, dt=0.02, record_dt=0.05,
                            max_lag=1.0, progress=False)
    assert ens.tau[1] == pytest.approx(0.04) and ens.settings["record_dt"] == pytest.approx(0.04)
