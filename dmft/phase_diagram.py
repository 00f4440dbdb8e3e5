"""The phase diagram of the plastic network at fixed p, from theory [Fig. 1(b)].

Each boundary point (one boundary, one g) is one :class:`Task`.  Tasks run on a local process pool or on a Dask
distributed cluster, and every finished point is cached on disk (one JSON file per task, keyed by the task's
parameters, settings, seed and the package version, written atomically), so a second run reads the cache and an
interrupted run resumes where it stopped.

    >>> from dmft.phase_diagram import phase_diagram
    >>> pd = phase_diagram(p=2.5, quick=True)            # doctest: +SKIP
    >>> pd.boundaries["fixed_point_onset"]["k"]           # doctest: +SKIP

The regions of Fig. 1(b): (i) k = 0, g > 1 (the SCS network); (ii) Hebbian chaos without memory; (iii) anti-Hebbian
chaos (k < 0); (iv) g < 1 above the first-order line, chaos coexisting with quiescence; (v) g < 1 below it,
quiescent; (vi) above the fixed-point onset (hatched), stable fixed points; (vii) semifreezable and (viii)
freezable chaos (Sec. VII).
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from dmft import __version__
from dmft.theory.boundaries import BOUNDARIES, EXPERIMENTAL, boundary_point
from dmft.theory.freezable import K_ONSET_G1
from dmft.progress import progress_bar

DEFAULT_RANGE = dict(g_min=0.2, g_max=3.0, k_min=-1.0, k_max=3.0)

# Where the semifreezable and freezable lines start: as g -> 1+ the two-replica equations reduce to Eqs. 36-39, whose
# fixed-point and dynamic solutions emerge together at k = h(1, k) = 2/(sqrt(3) pi) = 0.3676 [Eq. 39, Sec. VII].  Both
# rows of a diagram that reaches g = 1 begin with this exact point (k_err 0, named in its message); the numerical
# onsets need the stationary solution, which is near-marginal close to g = 1 (see README), so none is solved below
# g = 1.25 (at p = 2.5 and g = 1.2, k_semi = 0.354 +- 0.007 and the fixed-point solution appears at 0.370 +- 0.007).
REPLICA_ONSETS = ("semifreezable", "freezable")
G1_LIMIT = dict(g=1.0, k=K_ONSET_G1, k_err=0.0, converged=True,
                message="g -> 1+ limit [Eq. 39]: k = 2/(sqrt(3) pi), exact, not a numerical solve")


@dataclass(frozen=True)
class Task:
    """One boundary point: ``boundary`` at ``g`` (and p), with its solver's options."""

    boundary: str
    g: float
    p: float
    options: tuple          # sorted (name, value) pairs, hashable

    def key(self) -> str:
        """Cache key: the task's parameters, options, the package version and its sources
        (:func:`source_fingerprint`)."""
        blob = json.dumps(dict(boundary=self.boundary, g=round(self.g, 12), p=round(self.p, 12),
                               options=dict(self.options), version=__version__, source=source_fingerprint()),
                          sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:32]


@functools.lru_cache(maxsize=1)
def source_fingerprint() -> str:
    """A hash of the package's Python sources.  Part of every cache key: a point computed by other code (an edited
    checkout under the same version number, e.g. a solver fix) is never read back as if this code had computed it."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def run_task(task: Task, cache_dir: Optional[str] = None) -> dict:
    """Compute one boundary point; write it to the cache when ``cache_dir`` is given (also on a worker)."""
    point = boundary_point(task.boundary, task.g, task.p, **dict(task.options)).summary()
    if cache_dir is not None:
        try:
            write_cached(cache_dir, task, point)
        except OSError:
            pass                # a worker without the shared folder: the client writes it on receipt
    return point


# ---------------------------------------------------------------- cache

def _cache_path(cache_dir, task: Task) -> Path:
    return Path(cache_dir) / f"{task.boundary}-{task.key()}.json"


def read_cached(cache_dir, task: Task) -> Optional[dict]:
    """The cached point of ``task``, or None (also for an unreadable file, which is then recomputed)."""
    if cache_dir is None:
        return None
    path = _cache_path(cache_dir, task)
    try:
        with open(path) as fh:
            return json.load(fh)["point"]
    except (OSError, ValueError, KeyError):
        return None


def write_cached(cache_dir, task: Task, point: dict) -> Path:
    """Write atomically: a temporary file in the same folder, then a rename (a killed run never leaves half a
    file under the final name)."""
    folder = Path(cache_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = _cache_path(folder, task)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(dict(task=dict(boundary=task.boundary, g=task.g, p=task.p, options=dict(task.options),
                                     version=__version__), point=point), fh, default=_json_default)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def _json_default(obj):
    if isinstance(obj, (np.floating, np.integer)):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.bool_):
        return bool(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


# ---------------------------------------------------------------- grids and settings

@dataclass
class DiagramSettings:
    """Where each boundary is computed and with what accuracy.  ``quick`` is coarse (minutes on 2 cores)."""

    g_below: tuple          # g < 1: first-order line
    g_above: tuple          # g > 1: replica onsets, diverging timescale
    g_fixed_points: tuple   # fixed-point onset (cheap, deterministic)
    k_chaos: tuple          # k values drawn on the g = 1 line
    first_order: dict = field(default_factory=dict)
    replica: dict = field(default_factory=dict)
    diverging: dict = field(default_factory=dict)

    @classmethod
    def default(cls, quick: bool, g_min: float, g_max: float, k_min: float, k_max: float) -> "DiagramSettings":
        if quick:
            g_below = [g for g in (0.5, 0.9) if g_min <= g <= g_max]
            g_above = [g for g in (2.0,) if g_min <= g <= g_max]
            n_fp = 8
            first_order = dict(n_s=7, target_rel_err=0.01)
            replica = dict(n_paths=128, n_replicas=3)
            diverging = dict(steps=3, target_rel_err=0.01)
        else:
            g_below = [g for g in np.round(np.linspace(0.3, 0.95, 6), 3) if g_min <= g <= g_max]
            g_above = [g for g in (1.25, 1.5, 2.0, 2.5, 3.0) if g_min <= g <= g_max]
            n_fp = 25
            first_order = dict(n_s=9, target_rel_err=0.005)
            replica = dict(n_paths=256, n_replicas=4)
            diverging = dict(steps=5, target_rel_err=0.003)
        g_fp = np.round(np.linspace(max(g_min, 0.0), g_max, n_fp), 4)
        return cls(tuple(float(g) for g in g_below), tuple(float(g) for g in g_above),
                   tuple(float(g) for g in g_fp), (float(k_min), float(k_max)),
                   first_order, replica, diverging)


def make_tasks(p: float, settings: DiagramSettings, k_max: float, seed: int,
               boundaries: Sequence[str] = BOUNDARIES) -> list:
    """The tasks of a diagram, cheapest boundaries first."""
    unknown = [b for b in boundaries if b not in BOUNDARIES]
    if unknown:
        raise ValueError(f"unknown boundaries {unknown}; known: {', '.join(BOUNDARIES)}")

    def task(b, g, **opts):
        return Task(b, float(g), float(p), tuple(sorted(opts.items())))

    tasks = []
    if "chaos_onset" in boundaries:
        tasks += [task("chaos_onset", 1.0, k=k) for k in settings.k_chaos]
    if "fixed_point_onset" in boundaries:
        tasks += [task("fixed_point_onset", g) for g in settings.g_fixed_points if g > 0]
    if "first_order" in boundaries:
        tasks += [task("first_order", g, seed=seed, **settings.first_order) for g in settings.g_below if 0 < g < 1]
    for b in ("semifreezable", "freezable"):
        if b in boundaries:
            opts = settings.replica if b == "semifreezable" else {}
            tasks += [task(b, g, seed=seed, **opts) for g in settings.g_above if g > 1]
    if "diverging_timescale" in boundaries:
        tasks += [task("diverging_timescale", g, seed=seed, k_max=k_max, **settings.diverging)
                  for g in settings.g_above if g > 1]
    return tasks


# ---------------------------------------------------------------- executors

# Thread-count variables of the BLAS libraries numpy may be built on.  Each worker of the local pool is one task on
# one core: a multithreaded BLAS in every worker oversubscribes the cores, and OpenBLAS's spinning threads then make
# each task several times slower (measured: two concurrent g = 2 solves took 14 s each instead of 2.8 s).
BLAS_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
                         "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


@contextlib.contextmanager
def single_threaded_children():
    """Within the block, child processes start with one BLAS thread each (the variables are read when a process
    loads its BLAS, so the pool must spawn fresh interpreters rather than fork this one).  The parent's
    environment is restored on exit."""
    saved = {v: os.environ.get(v) for v in BLAS_THREAD_VARIABLES}
    os.environ.update({v: "1" for v in BLAS_THREAD_VARIABLES})
    try:
        yield
    finally:
        for v, old in saved.items():
            if old is None:
                os.environ.pop(v, None)
            else:
                os.environ[v] = old


def _run_local(todo, cache_dir, workers, on_done):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    if workers == 1:
        for t in todo:
            on_done(t, run_task(t, cache_dir))
        return
    with single_threaded_children(), \
            ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(run_task, t, cache_dir): t for t in todo}
        try:
            for fut in as_completed(futures):
                on_done(futures[fut], fut.result())
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise


def _run_dask(todo, cache_dir, scheduler, on_done):
    try:
        from distributed import Client, as_completed
    except ImportError as exc:        # pragma: no cover - depends on the environment
        raise ValueError("--executor dask needs the 'dask' extra: pip install 'dmft[dask]'") from exc
    if isinstance(scheduler, Client):
        client = scheduler
    else:
        try:
            client = Client(scheduler, timeout="15s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise ValueError(f"cannot reach the Dask scheduler at {scheduler!r} ({type(exc).__name__}: {exc}); "
                             "give the address of a running scheduler, e.g. tcp://host:8786") from exc
    try:
        futures = {client.submit(run_task, t, cache_dir, pure=False): t for t in todo}
        for fut in as_completed(list(futures)):
            on_done(futures[fut], fut.result())
    finally:
        if not isinstance(scheduler, Client):
            client.close()


# ---------------------------------------------------------------- the diagram

@dataclass
class PhaseDiagram:
    """Every boundary of Fig. 1(b) at fixed p: ``boundaries[name]`` has equal-length lists g, k, k_err,
    converged (and message)."""

    p: float
    boundaries: dict
    settings: dict
    seed: int
    version: str
    range: dict
    n_tasks: int
    n_cached: int
    wall_s: float
    experimental: tuple = EXPERIMENTAL

    def to_dict(self) -> dict:
        return asdict(self)

    def save(self, folder) -> dict:
        """Write phase_diagram_p{p}.json, .png and .pdf to ``folder``; returns the paths."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = {ext: folder / f"phase_diagram_p{self.p:g}.{ext}" for ext in ("json", "png", "pdf")}
        with open(paths["json"], "w") as fh:
            json.dump(self.to_dict(), fh, indent=1, default=_json_default)
        fig = plot(self)
        fig.savefig(paths["png"], dpi=150)
        fig.savefig(paths["pdf"])
        import matplotlib.pyplot as plt
        plt.close(fig)
        return {ext: str(path) for ext, path in paths.items()}


def default_cache_dir() -> Path:
    base = os.environ.get("DMFT_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "dmft")
    return Path(base) / "phase_diagram"


def phase_diagram(p: float = 2.5, *, quick: bool = False, g_min: float = DEFAULT_RANGE["g_min"],
                  g_max: float = DEFAULT_RANGE["g_max"], k_min: float = DEFAULT_RANGE["k_min"],
                  k_max: float = DEFAULT_RANGE["k_max"], boundaries: Sequence[str] = BOUNDARIES,
                  settings: Optional[DiagramSettings] = None, seed: int = 0, cache_dir=None,
                  executor: str = "local", scheduler=None, workers: Optional[int] = None,
                  progress=None) -> PhaseDiagram:
    """Compute the boundaries of Fig. 1(b) at fixed p.

    cache_dir : folder of the point cache (default ``~/.cache/dmft/phase_diagram``, or $DMFT_CACHE); False
                disables it.
    executor  : "local" (a pool of ``workers`` spawned processes, default all cores, each with one BLAS thread: in a
                script, call this under ``if __name__ == "__main__":``) or "dask" (``scheduler``
                is the address of a running distributed scheduler, or a ``distributed.Client``).
    """
    for name, v in (("p", p), ("g_min", g_min), ("g_max", g_max), ("k_min", k_min), ("k_max", k_max)):
        if not (isinstance(v, (int, float)) and math.isfinite(v)):
            raise ValueError(f"{name} must be a finite number, got {v!r}")
    if not p > 0:
        raise ValueError(f"p must be > 0 (the synaptic time constant), got {p}")
    if not (0 <= g_min < g_max):
        raise ValueError(f"need 0 <= g_min < g_max, got [{g_min}, {g_max}]")
    if not k_min < k_max:
        raise ValueError(f"need k_min < k_max, got [{k_min}, {k_max}]")
    if executor not in ("local", "dask"):
        raise ValueError(f"executor must be 'local' or 'dask', got {executor!r}")
    if executor == "dask" and scheduler is None:
        raise ValueError("executor 'dask' needs a scheduler address (--scheduler tcp://HOST:PORT)")
    start = time.perf_counter()
    st = settings or DiagramSettings.default(quick, g_min, g_max, k_min, k_max)
    tasks = make_tasks(p, st, k_max, seed, boundaries)
    cache = None if cache_dir is False else str(cache_dir or default_cache_dir())
    results, todo = {}, []
    for t in tasks:
        hit = read_cached(cache, t)
        if hit is not None:
            results[t] = hit
        else:
            todo.append(t)
    n_cached = len(results)
    bar = progress_bar(None, progress, desc="phase diagram", total=len(tasks), auto=bool(todo))
    bar.update(n_cached)

    def on_done(task, point):
        results[task] = point
        if cache is not None:
            write_cached(cache, task, point)
        bar.update(1)

    try:
        if todo:
            if executor == "local":
                _run_local(todo, cache, workers or os.cpu_count() or 1, on_done)
            else:
                _run_dask(todo, cache, scheduler, on_done)
    finally:
        bar.close()
    out = {b: dict(g=[], k=[], k_err=[], converged=[], message=[]) for b in boundaries}
    for b in REPLICA_ONSETS:
        if b in out and g_min <= 1.0 <= g_max:
            for key, v in G1_LIMIT.items():
                out[b][key].append(v)
    for t in tasks:
        pt = results[t]
        row = out[t.boundary]
        for key in ("g", "k", "k_err", "converged", "message"):
            row[key].append(pt[key])
    return PhaseDiagram(p=float(p), boundaries=out, settings=asdict(st), seed=seed, version=__version__,
                        range=dict(g_min=g_min, g_max=g_max, k_min=k_min, k_max=k_max), n_tasks=len(tasks),
                        n_cached=n_cached, wall_s=time.perf_counter() - start)


# ---------------------------------------------------------------- figure

def _finite(row):
    g, k, e = (np.array(row[x], dtype=float) for x in ("g", "k", "k_err"))
    ok = np.isfinite(g) & np.isfinite(k)
    return g[ok], k[ok], np.nan_to_num(e[ok])


def plot(pd: PhaseDiagram):
    """Fig. 1(b): the boundaries in (g, k) with the regions labelled (i)-(viii)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r = pd.range
    fig, ax = plt.subplots(figsize=(6, 4.5))
    b = pd.boundaries
    ax.axhline(0.0, color="0.5", ls="--", lw=1)
    if "chaos_onset" in b:
        ax.axvline(1.0, color="k", lw=1.5, label="chaos onset (g = 1)")
    if "first_order" in b:
        g, k, e = _finite(b["first_order"])
        ax.errorbar(g, k, e, color="C0", marker="o", ms=3, label="first order $k_c(g)$")
    if "fixed_point_onset" in b:
        g, k, _ = _finite(b["fixed_point_onset"])
        ax.plot(g, k, color="C3", label="stable fixed points")
        ax.fill_between(g, k, r["k_max"], facecolor="none", edgecolor="C3", hatch="//", lw=0)
    styles = dict(semifreezable=("C2", "semifreezable"), freezable=("C4", "freezable"),
                  diverging_timescale=("C1", r"$\tau^*$ diverges"))
    for name, (color, label) in styles.items():
        if name in b:
            g, k, e = _finite(b[name])
            if g.size:
                ax.errorbar(g, k, e, color=color, marker="s", ms=3, ls="--" if name in EXPERIMENTAL else "-",
                            label=label)
    _label_regions(ax, pd)
    ax.set_xlim(r["g_min"], r["g_max"])
    ax.set_ylim(r["k_min"], r["k_max"])
    ax.set_xlabel("g")
    ax.set_ylabel("k")
    ax.set_title(f"phase diagram, p = {pd.p:g} (theory)")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def _interp(row, g, default):
    gg, kk, _ = _finite(row) if row is not None else (np.array([]), np.array([]), None)
    if gg.size == 0:
        return default
    order = np.argsort(gg)
    return float(np.interp(g, gg[order], kk[order]))


def _label_regions(ax, pd):
    r, b = pd.range, pd.boundaries
    kmax = r["k_max"]
    g_hi = 0.5 * (1.0 + r["g_max"])
    g_lo = 0.5 * (max(r["g_min"], 0.0) + 1.0)
    k_fp = _interp(b.get("fixed_point_onset"), g_hi, kmax)
    k_semi = _interp(b.get("semifreezable"), g_hi, 0.4 * k_fp)
    k_freeze = _interp(b.get("freezable"), g_hi, 0.7 * k_fp)
    k_c = _interp(b.get("first_order"), g_lo, 0.5 * kmax)
    k_fp_lo = _interp(b.get("fixed_point_onset"), g_lo, kmax)
    labels = [("(i)", g_hi, 0.0), ("(ii)", g_hi, 0.5 * min(k_semi, k_fp)),
              ("(iii)", g_hi, 0.5 * r["k_min"]), ("(iv)", g_lo, 0.5 * (k_c + min(k_fp_lo, kmax))),
              ("(v)", g_lo, 0.5 * (k_c + r["k_min"])), ("(vi)", g_hi, 0.5 * (k_fp + kmax)),
              ("(vii)", g_hi, 0.5 * (k_semi + k_freeze)), ("(viii)", g_hi, 0.5 * (k_freeze + k_fp))]
    for text, g, k in labels:
        if r["k_min"] < k < kmax:
            ax.text(g, k, text, ha="center", va="center", fontsize=9,
                    bbox=dict(facecolor="white", edgecolor="none", alpha=0.7, pad=1))
