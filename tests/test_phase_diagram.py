"""`dmft phase-diagram`: tasks, the on-disk cache (resume, atomic writes), executors (local pool and a real Dask
LocalCluster), the JSON layout, and the bisection of the diverging-timescale boundary."""
import json
import math
import subprocess
import sys

import pytest

from dmft.theory import boundaries as bmod
from dmft.phase_diagram import DiagramSettings, Task, make_tasks, phase_diagram, read_cached, write_cached

CHEAP = ("chaos_onset", "fixed_point_onset")


def _cheap_settings(g_values=(0.5, 1.5, 2.5)):
    st = DiagramSettings.default(True, 0.2, 3.0, -1.0, 3.0)
    st.g_fixed_points = tuple(g_values)
    return st


def test_json_layout_and_files(tmp_path):
    pd = phase_diagram(2.5, boundaries=CHEAP, settings=_cheap_settings(), cache_dir=tmp_path / "c", workers=1)
    d = pd.to_dict()
    for key in ("p", "settings", "seed", "version", "boundaries"):
        assert key in d
    for name in CHEAP:
        row = d["boundaries"][name]
        assert len({len(row[x]) for x in ("g", "k", "k_err", "converged")}) == 1
    assert d["boundaries"]["chaos_onset"]["g"] == [1.0, 1.0]
    # the fixed-point onset at g > 0 decreases with g towards its large-g value (Sec. VI, Fig. 6d)
    k = d["boundaries"]["fixed_point_onset"]["k"]
    assert k[0] > k[1] > k[2]
    files = pd.save(tmp_path / "out")
    for ext in ("json", "png", "pdf"):
        assert (tmp_path / "out" / f"phase_diagram_p2.5.{ext}").stat().st_size > 0
    assert json.load(open(files["json"]))["boundaries"]["fixed_point_onset"]["k"] == k


def test_cache_resumes_and_survives_broken_files(tmp_path):
    cache = tmp_path / "cache"
    first = phase_diagram(2.5, boundaries=CHEAP, settings=_cheap_settings(), cache_dir=cache, workers=1)
    assert first.n_cached == 0
    again = phase_diagram(2.5, boundaries=CHEAP, settings=_cheap_settings(), cache_dir=cache, workers=1)
    assert again.n_cached == again.n_tasks == first.n_tasks
    assert again.boundaries == first.boundaries
    # an interrupted run: one finished point lost, one file truncated mid-write, a stray temporary file
    files = sorted(cache.glob("fixed_point_onset-*.json"))
    files[0].unlink()
    files[1].write_text('{"task": ')
    (cache / ".tmp-leftover.json").write_text("{")
    resumed = phase_diagram(2.5, boundaries=CHEAP, settings=_cheap_settings(), cache_dir=cache, workers=1)
    assert resumed.n_cached == first.n_tasks - 2
    assert resumed.boundaries == first.boundaries


def test_cache_key_depends_on_options_and_parameters(tmp_path):
    a = Task("first_order", 0.5, 2.5, (("n_s", 7), ("seed", 0)))
    assert a.key() != Task("first_order", 0.5, 2.5, (("n_s", 9), ("seed", 0))).key()
    assert a.key() != Task("first_order", 0.5, 2.5, (("n_s", 7), ("seed", 1))).key()
    assert a.key() != Task("first_order", 0.5, 10.0, (("n_s", 7), ("seed", 0))).key()
    write_cached(tmp_path, a, dict(k=1.0))
    assert read_cached(tmp_path, a) == dict(k=1.0)
    # other code under the same version number (an edited checkout) does not read it back
    import dmft.phase_diagram as pdm
    key = a.key()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pdm, "source_fingerprint", lambda: "other sources")
        assert a.key() != key and read_cached(tmp_path, a) is None
    assert a.key() == key
    assert read_cached(tmp_path, Task("first_order", 0.6, 2.5, (("n_s", 7), ("seed", 0)))) is None


def test_tasks_cover_every_boundary():
    st = DiagramSettings.default(True, 0.2, 3.0, -1.0, 3.0)
    names = {t.boundary for t in make_tasks(2.5, st, 3.0, 0)}
    assert names == set(bmod.BOUNDARIES)
    # first-order points only below g = 1, freezable-chaos points only above it
    for t in make_tasks(2.5, st, 3.0, 0):
        if t.boundary == "first_order":
            assert 0 < t.g < 1
        if t.boundary in ("semifreezable", "freezable", "diverging_timescale"):
            assert t.g > 1


def test_dask_local_cluster_equals_local(tmp_path):
    distributed = pytest.importorskip("distributed")
    local = phase_diagram(2.5, boundaries=CHEAP, settings=_cheap_settings(), cache_dir=False, workers=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        with distributed.Client(c) as client:
            remote = phase_diagram(2.5, boundaries=CHEAP, settings=_cheap_settings(), cache_dir=tmp_path,
                                   executor="dask", scheduler=client)
    assert remote.boundaries == local.boundaries
    # the workers wrote the cache too: a local rerun reads every point
    assert phase_diagram(2.5, boundaries=CHEAP, settings=_cheap_settings(), cache_dir=tmp_path,
                         workers=1).n_cached == local.n_tasks


@pytest.mark.parametrize("kwargs, match", [
    (dict(p=0.0), "p must be > 0"),
    (dict(p=float("nan")), "finite"),
    (dict(g_min=2.0, g_max=1.0), "g_min < g_max"),
    (dict(k_min=1.0, k_max=0.0), "k_min < k_max"),
    (dict(executor="mpi"), "executor"),
    (dict(executor="dask"), "scheduler"),
    (dict(boundaries=("hatched",)), "unknown boundaries"),
    (dict(executor="dask", scheduler="tcp://127.0.0.1:9"), "cannot reach the Dask scheduler"),
])
def test_bad_input(kwargs, match, tmp_path):
    kw = dict(p=2.5, boundaries=CHEAP, cache_dir=tmp_path / "cache")
    kw.update(kwargs)
    with pytest.raises(ValueError, match=match):
        phase_diagram(kw.pop("p"), **kw)
    # nothing (not even half) written
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())


class _FakeSolve:
    """Stationary verdicts of a model whose timescale diverges above k_star."""

    def __init__(self, k_star):
        self.k_star, self.calls = k_star, []

    def __call__(self, params, **_):
        self.calls.append(params.k)
        status = "diverging_timescale" if params.k > self.k_star else "converged"
        return type("R", (), dict(status=status))()


def test_diverging_timescale_bisection(monkeypatch):
    fake = _FakeSolve(1.7)
    monkeypatch.setattr(bmod, "solve", fake)
    pt = bmod.diverging_timescale_onset(2.0, 2.5, 1.0, 3.0, steps=5)
    assert pt.converged
    assert abs(pt.k - 1.7) <= pt.k_err
    assert pt.k_err == pytest.approx(2.0 / 2 ** 6)
    assert len(fake.calls) == 7
    # no divergence in range, and divergence already at k_lo: verdicts, not numbers passed off as boundaries
    none = bmod.diverging_timescale_onset(2.0, 2.5, 1.0, 1.5, steps=3)
    assert not none.converged and math.isnan(none.k)
    below = bmod.diverging_timescale_onset(2.0, 2.5, 1.8, 3.0, steps=3)
    assert not below.converged and below.k == 1.8


def test_cli_phase_diagram(tmp_path):
    cmd = [sys.executable, "-m", "dmft", "phase-diagram", "--only", "chaos_onset", "--cache", str(tmp_path / "c"),
           "--out", str(tmp_path / "o"), "--workers", "1", "--json"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    d = json.loads(out.stdout)
    assert d["boundaries"]["chaos_onset"]["g"] == [1.0, 1.0]
    assert (tmp_path / "o" / "phase_diagram_p2.5.png").exists()
    bad = subprocess.run(cmd[:4] + ["--p", "-1", "--no-cache", "--json"], capture_output=True, text=True)
    assert bad.returncode == 2 and "p must be > 0" in bad.stderr


def test_figures_cli_rejects_unknown_figures():
    bad = subprocess.run([sys.executable, "-m", "dmft", "figures", "--only", "9"], capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown figures" in bad.stderr


def test_killed_run_resumes(tmp_path):
    """Kill a real `dmft phase-diagram` midway (SIGKILL, after two points are cached); the rerun reads the
    finished points and computes only the rest."""
    import os
    import signal
    import time

    cache = tmp_path / "cache"
    cmd = [sys.executable, "-m", "dmft", "phase-diagram", "--quick", "--only", "fixed_point_onset", "--workers", "1",
           "--cache", str(cache), "--out", str(tmp_path / "o"), "--json"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(cache.glob("fixed_point_onset-*.json"))) < 2:
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(list(cache.glob("fixed_point_onset-*.json")))
    assert 2 <= done < 8
    resumed = phase_diagram(2.5, quick=True, boundaries=("fixed_point_onset",), cache_dir=cache, workers=1)
    assert resumed.n_cached == done and resumed.n_tasks == 8
    assert all(math.isfinite(k) for k in resumed.boundaries["fixed_point_onset"]["k"])


def test_a_failed_point_is_reported_not_fatal(monkeypatch, tmp_path):
    """A solver that raises on an unphysical output (as the two-replica fixed-point solve did at p = 1) gives one
    point with k = nan, converged False and the error in its message; the other points of the diagram survive.
    Bad input still raises."""
    from dmft.errors import UnphysicalSolutionError

    def broken(g, p, **_):
        raise UnphysicalSolutionError("D(0) < delta")

    monkeypatch.setitem(bmod.POINT_FUNCTIONS, "fixed_point_onset", broken)
    pt = bmod.boundary_point("fixed_point_onset", 1.5, 2.5)
    assert not pt.converged and math.isnan(pt.k) and "UnphysicalSolutionError: D(0) < delta" in pt.message
    pd = phase_diagram(2.5, boundaries=CHEAP, settings=_cheap_settings(), cache_dir=False, workers=1)
    assert pd.boundaries["chaos_onset"]["converged"] == [True, True]
    assert pd.boundaries["fixed_point_onset"]["converged"] == [False, False, False]

    def bad_input(g, p, **_):
        raise ValueError("g must be positive")

    monkeypatch.setitem(bmod.POINT_FUNCTIONS, "fixed_point_onset", bad_input)
    with pytest.raises(ValueError, match="g must be positive"):
        bmod.boundary_point("fixed_point_onset", 1.5, 2.5)


def test_p_slices_comparison_flags_only_real_differences():
    """figures/fig1_p_slices.py: a boundary 'differs' at a g shared with the reference where |dk| exceeds 3 combined
    errors, between converged points only."""
    import importlib.util
    from pathlib import Path

    from dmft.theory.boundaries import BOUNDARIES

    fig_dir = Path(__file__).resolve().parents[1] / "figures"
    sys.path.insert(0, str(fig_dir))
    try:
        spec = importlib.util.spec_from_file_location("fig1_p_slices", fig_dir / "fig1_p_slices.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    finally:
        sys.path.remove(str(fig_dir))

    def row(k, ok=True):
        return dict(g=[0.5, 1.5], k=k, k_err=[0.01, 0.01], converged=[ok, ok], message=["", ""])

    ref = {b: row([1.0, 2.0]) for b in BOUNDARIES}
    other = {b: row([1.0, 2.0]) for b in BOUNDARIES}
    other["freezable"] = row([1.02, 2.1])                 # 1.4 and 7 combined errors
    other["semifreezable"] = row([1.5, 2.5], ok=False)    # not converged: nothing to compare
    c = mod.compare(ref, other)
    assert c["first_order"]["max_abs_dk"] == 0 and c["first_order"]["differs_at_g"] == []
    assert c["freezable"]["differs_at_g"] == [1.5]
    assert c["freezable"]["max_z"] == pytest.approx(0.1 / math.hypot(0.01, 0.01))
    assert c["semifreezable"]["n_shared"] == 0 and [u["g"] for u in c["semifreezable"]["unresolved"]] == [0.5, 1.5]
    assert "chaos_onset" not in c            # the line g = 1, two points at one g: not a function k(g)


def _blas_threads_variable(_):
    import os
    return os.environ.get("OPENBLAS_NUM_THREADS")


def test_local_workers_start_with_one_blas_thread(monkeypatch):
    """Two workers each running a multithreaded BLAS on two cores made every task ~5x slower; the pool's workers
    are spawned with one thread, and the parent's environment is left as it was."""
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    from dmft.phase_diagram import single_threaded_children

    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "7")
    monkeypatch.delenv("MKL_NUM_THREADS", raising=False)
    with single_threaded_children(), \
            ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        assert pool.submit(_blas_threads_variable, None).result() == "1"
    assert os.environ["OPENBLAS_NUM_THREADS"] == "7" and "MKL_NUM_THREADS" not in os.environ


def test_replica_onsets_start_at_the_g_to_one_limit(monkeypatch, tmp_path):
    """Both rows begin with Eq. 39's exact meeting point (1, 2/(sqrt(3) pi) = 0.3676) [Sec. VII], marked as the limit,
    followed by the solved points; a diagram that does not reach g = 1 has no such point."""
    def fake(boundary):
        return lambda g, p, **_: bmod.BoundaryPoint(boundary, g, p, 0.5 + 0.1 * g, 0.01, True, "solved")

    for name in ("semifreezable", "freezable"):
        monkeypatch.setitem(bmod.POINT_FUNCTIONS, name, fake(name))
    st = _cheap_settings()
    st.g_above = (2.0,)
    pd = phase_diagram(2.5, boundaries=("semifreezable", "freezable"), settings=st, cache_dir=False, workers=1)
    for name in ("semifreezable", "freezable"):
        row = pd.boundaries[name]
        assert row["g"] == [1.0, 2.0] and row["converged"] == [True, True]
        assert row["k"][0] == pytest.approx(2.0 / (math.sqrt(3.0) * math.pi)) and row["k"][0] == pytest.approx(0.3676,
                                                                                                              abs=1e-4)
        assert row["k_err"][0] == 0.0 and "Eq. 39" in row["message"][0]
        assert row["k"][1] == pytest.approx(0.7)
    pd.save(tmp_path)                                   # the figure draws the limit point with the solved ones
    assert (tmp_path / "phase_diagram_p2.5.png").stat().st_size > 0
    above = phase_diagram(2.5, g_min=1.5, boundaries=("semifreezable",), settings=st, cache_dir=False, workers=1)
    assert above.boundaries["semifreezable"]["g"] == [2.0]
