"""Fig. 7: freezable chaos.

(a) neuronal traces under the protocol halt, perturb, clamp near zero, release, halt again, for g = 2.25,
    p = 2.5 and k = 0.6 (nonfreezable), 1.2 (semifreezable), 1.55 (freezable) (simulator);
(b) halt, shuffle J while A stays halted, release, halt again, for g = 2.5, k = 2.55 (simulator);
(c) the overlap Q(t) from the two-replica DMFT [Eqs. 32-34] at g = 2, p = 2.5 for several k; with --simulate,
    halted networks (dmft.simulation.halting) are overlaid;
(d) Q(0) and (e) rho(0) [Eq. 35] against k for several g (p = 2.5), the solution realised on halting
    (dmft.theory.freezable.freeze); with --simulate, halted networks at g = 2.

    python figures/fig7_freezable.py [--quick] [--simulate]
"""
from __future__ import annotations

import os

import matplotlib.pyplot as plt
import numpy as np
from tqdm.auto import tqdm

from _common import parser, save, solver_settings

from dmft import Params
from dmft.theory.freezable import freeze
from dmft.simulation.halting import halt_ensemble
from dmft.simulation.network import PlasticNetwork
from dmft.theory.replica import ReplicaSettings


def protocol_traces(params, N, seed, steps, n_show=6, record_dt=0.25):
    """Run ``steps`` [(label, action or None, duration)] on one network; return times, traces of ``n_show``
    neurons and the times at which the actions happened (the vertical lines of Fig. 7a-b)."""
    net = PlasticNetwork(params, N, seed=seed)
    net.advance(100.0)
    ts, xs, marks, t0 = [], [], [], 0.0
    for label, action, duration in steps:
        if action is not None:
            action(net)
            marks.append((t0, label))
        tr = net.run(duration, record_dt=record_dt, neurons=np.arange(n_show), progress=False)
        ts.append(t0 + tr.t)
        xs.append(tr.x)
        t0 += duration
    return np.concatenate(ts), np.vstack(xs), marks


def _clamp(net):
    # near zero, not at it: x = 0 is an exact (unstable) fixed point of the halted network
    net.clamp(0.05 * net.rng.standard_normal(net.N))


def panel_a(N, seed):
    steps = [("", None, 40.0), ("halt", lambda n: n.halt(), 40.0), ("perturb", lambda n: n.perturb(1.0), 40.0),
             ("clamp", _clamp, 5.0), ("unclamp", lambda n: n.unclamp(), 40.0), ("release", lambda n: n.release(), 60.0),
             ("halt", lambda n: n.halt(), 40.0)]
    return {k: protocol_traces(Params(2.25, k, 2.5), N, seed, steps) for k in (0.6, 1.2, 1.55)}


def panel_b(N, seed):
    steps = [("", None, 40.0), ("halt", lambda n: n.halt(), 40.0), ("shuffle J", lambda n: n.shuffle_J(), 40.0),
             ("release", lambda n: n.release(), 150.0), ("halt", lambda n: n.halt(), 40.0)]
    return protocol_traces(Params(2.5, 2.55, 2.5), N, seed, steps)


def freeze_point(g, k, settings, stat_settings, seed):
    """One point of (d)-(e): the solution realised on halting at (g, k), p = 2.5, as plain values."""
    try:
        res = freeze(Params(g, k, 2.5), seed=seed, settings=settings, stationary_settings=stat_settings,
                     progress=False)
    except ValueError as e:                        # no chaotic stationary solution here
        return dict(error=str(e))
    if res.phase == "undetermined":                 # a solve ended without an answer: no point drawn
        return dict(error=res.message)
    m = res.main
    nontrivial = res.phase != "nonfreezable"
    return dict(phase=res.phase, Q0=m.Q0 if nontrivial else 0.0, Q0_err=m.Q0_err if nontrivial else 0,
                rho0=m.rho0 if nontrivial else 0.0, rho0_err=m.rho0_err if nontrivial else 0.0,
                t=m.t if nontrivial else None, Q=m.Q if nontrivial else None, r=res.fixed_point.r,
                converged=res.converged, message=res.message, wall_s=res.wall_s)


def theory(gs, ks, settings, stat_settings, seed, workers):
    """freeze_point over the (g, k) grid, on a pool of ``workers`` spawned processes with one BLAS thread each
    (the points are independent)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from dmft.phase_diagram import single_threaded_children

    points = [(g, k) for g in gs for k in ks]
    out = {}
    with single_threaded_children(), \
            ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(freeze_point, g, k, settings, stat_settings, seed): (g, k) for g, k in points}
        for fut in tqdm(as_completed(futures), total=len(futures), desc="Fig. 7d-e", leave=False):
            out[futures[fut]] = fut.result()
    return out


def main():
    ap = parser(__doc__, simulate="overlay halted simulated networks in (c)-(e) (N = 2000, 4 networks per k)")
    ap.add_argument("--workers", type=int, default=os.cpu_count(), help="processes for the theory points")
    args = ap.parse_args()
    quick = args.quick
    N_traces = 300 if quick else 800
    # the paper's panels: (c) g = 2, k = 1.25 ... 2.5; (d)-(e) g = 2, 3, 4 and k = 0 ... 3 (below k_semi Q = 0)
    gs = [2.0] if quick else [2.0, 3.0, 4.0]
    ks = [1.0, 1.25, 1.5] if quick else list(np.round(np.arange(0.5, 3.01, 0.125), 3))
    ks_c = [1.25, 1.5] if quick else [1.25, 1.5, 1.75, 2.0, 2.25, 2.5]
    st = ReplicaSettings(n_samples=256, target_rel_err=0.02) if quick else ReplicaSettings()
    th = theory(gs, sorted(set(ks) | set(ks_c)), st, solver_settings(quick), args.seed, args.workers)
    a = panel_a(N_traces, args.seed)
    b = panel_b(N_traces, args.seed)
    sims = {}
    if args.simulate:
        for k in tqdm(ks_c, desc="Fig. 7 simulations", leave=False):
            e = halt_ensemble(Params(2.0, k, 2.5), 2000, 4, seed=args.seed)
            sims[k] = dict(e.summary(), t=e.t, Q=e.Q, Q_err=e.Q_err)

    fig = plt.figure(figsize=(14, 10))
    grid = fig.add_gridspec(3, 3)
    for i, (k, (t, x, marks)) in enumerate(a.items()):
        ax = fig.add_subplot(grid[i, 0])
        ax.plot(t, x, lw=0.7)
        for tm, label in marks:
            ax.axvline(tm, color="k", lw=0.8)
        ax.set_title(f"(a) g = 2.25, k = {k}: " + ", ".join(lbl for _, lbl in marks), fontsize=8)
        ax.set_ylabel("x_i(t)")
    ax = fig.add_subplot(grid[0, 1])
    t, x, marks = b
    ax.plot(t, x, lw=0.7)
    for tm, _ in marks:
        ax.axvline(tm, color="k", lw=0.8)
    ax.set_title("(b) g = 2.5, k = 2.55: " + ", ".join(lbl for _, lbl in marks), fontsize=8)
    ax = fig.add_subplot(grid[1, 1])
    for k in ks_c:
        r = th.get((2.0, k), {})
        if r.get("Q") is not None:
            line, = ax.plot(r["t"], r["Q"], label=f"k = {k} ({r['phase']})")
            if k in sims:
                ax.plot(sims[k]["t"], sims[k]["Q"], "--", color=line.get_color())
    ax.set_xlim(-50, 50)
    ax.set_xlabel("t (halt at 0)")
    ax.set_ylabel("Q(t)")
    ax.set_title("(c) g = 2, p = 2.5 (lines: DMFT; dashed: simulation)", fontsize=8)
    ax.legend(fontsize=7)
    for j, (key, label) in enumerate((("Q0", "Q(0)"), ("rho0", "rho(0)"))):
        ax = fig.add_subplot(grid[2, 1 + j])
        for g in gs:
            kk = [k for k in ks if "phase" in th.get((g, k), {})]
            ax.errorbar(kk, [th[(g, k)][key] for k in kk], [th[(g, k)][key + "_err"] for k in kk], label=f"g = {g}")
        for k, s in sims.items():
            ax.errorbar([k], [s[key]], [s[key + "_err"]], fmt="v", color="k")
        ax.set_xlabel("k")
        ax.set_ylabel(label)
        ax.set_title(f"({'de'[j]}) p = 2.5 (triangles: simulation, g = 2)", fontsize=8)
        ax.legend(fontsize=7)
    data = dict(theory={f"g={g},k={k}": v for (g, k), v in th.items()}, simulation=sims,
                quick=quick, seed=args.seed)
    print(save(fig, data, "fig7_freezable", args.out))


if __name__ == "__main__":
    main()
