"""Fig. 8 (App. B): fast and slow chaotic states at large p, and where they coexist in (k, p).

Theory (beyond the paper, which shows a simulation): at each point one replica of the stationary DMFT (fixed
random numbers) is iterated to its fixed point from the fast side (continued up in k from the cold guess) and from
the slow side (continued down from a slow start) by :func:`dmft.theory.continuation.basins`; two different fixed
points are two solutions.  (a) tau* and (b) PR_A [Eq. 23] along k at g = 2, p = 45 (the paper's parameters);
hollow markers: the iteration did not settle (it lingers at the ghost of a branch that has ended).  (c) the map in
(k, p): one solution (colour: log10 tau*), both (stars), undetermined (crosses).  With --simulate, (d): PR_A(t) of
N = 800 networks at p = 45 started on the fast side (A = 0) and on the slow side (A = (k/N) phi0 phi0^T, the
rank-one couplings of a frozen pattern) at a k inside the coexistence window and one on either side of it.

    python figures/fig8_bistability.py [--quick] [--simulate]

Cost (2 cores, 2026-12-02): --quick about 10-20 minutes (points near a branch's end iterate for a long time), the
full figure about an hour (p = 45 at k steps of 0.02, and the map at p = 20, 30, 45, 60); --simulate adds six
network runs of N = 800 over T = 5000.
"""
from __future__ import annotations

import numpy as np

from _common import parser, save

from dmft import Params
from dmft.simulation.network import PlasticNetwork
from dmft.theory.continuation import basins
from dmft.theory.stationary import SolverSettings

G, P, N_SIM = 2.0, 45.0, 800


def started_on_either_side(k, seed, T, N=N_SIM, record_dt=5.0):
    """PR_A(t) of one network (J from ``seed``) started fast (A = 0) and slow (A = (k/N) phi0 phi0^T), both from the
    same x0.  Returns {"fast": PR_A, "slow": PR_A} (one value per record_dt)."""
    rng = np.random.default_rng(10_000 + seed)
    x0 = 2.0 * rng.standard_normal(N)
    phi0 = np.tanh(x0)
    out = {}
    for start, A0 in (("fast", None), ("slow", k / N * np.outer(phi0, phi0))):
        net = PlasticNetwork(Params(G, k, P), N, seed=seed, x0=x0.copy(), A0=A0)
        out[start] = np.asarray(net.run(T, record_dt=record_dt).PR_A)
    return out


def main(argv=None):
    import matplotlib.pyplot as plt

    args = parser(__doc__, simulate="simulate networks started on either side (tens of minutes)").parse_args(argv)
    quick = args.quick
    ks = np.array([0.7, 0.75, 0.8, 0.9]) if quick else np.round(np.arange(0.66, 0.905, 0.02), 2)
    # --quick: a point whose iteration lingers at a ghost is given up (undetermined) after 120 evaluations, not 300
    st = SolverSettings(tol=1e-6, max_iter=120, max_evaluations=150) if quick else None
    line = basins([Params(G, float(k), P) for k in ks], settings=st, seed=args.seed, progress=True)
    map_p = (20.0, 45.0) if quick else (20.0, 30.0, 45.0, 60.0)
    map_k = np.array([0.6, 0.8, 1.0]) if quick else np.round(np.arange(0.5, 1.31, 0.1), 2)
    maps = {p: basins([Params(G, float(k), p) for k in map_k], settings=st, seed=args.seed, progress=True)
            for p in map_p}

    panels = 4 if args.simulate else 3
    fig, ax = plt.subplots(1, panels, figsize=(4.4 * panels, 3.6))
    for key, a, label in [("tau_star", ax[0], "tau*"), ("PR_A", ax[1], "PR_A (DMFT)")]:
        for results, style, name in [(line.forward, "o-", "from the fast side"),
                                     (line.backward, "s--", "from the slow side")]:
            vals = np.array([getattr(b, key) if b.solved else np.nan for b in results])
            drawn, = a.plot(ks, vals, style, label=name)
            bad = [(k, getattr(b, key)) for k, b in zip(ks, results) if not b.solved]
            if bad:
                a.plot(*zip(*bad), style[0], mfc="none", c=drawn.get_color(), label=f"{name}: not settled")
        for k, c in zip(ks, line.coexist()):
            if c:
                a.axvspan(k - 0.01, k + 0.01, color="0.85", zorder=0)
        a.set(xlabel="k", ylabel=label, title=f"g = {G}, p = {P:g}")
    ax[0].set_yscale("log")
    ax[0].legend(fontsize=7)
    a = ax[2]
    dots = None
    for p, b in maps.items():
        for q, f, r, c in zip(b.points, b.forward, b.backward, b.coexist()):
            if c:
                a.plot(q.k, p, "*", c="crimson", ms=11)
            elif c is None:
                a.plot(q.k, p, "x", c="0.4")
            else:
                dots = a.scatter(q.k, p, c=[np.log10(f.tau_star)], vmin=0.5, vmax=2.0, cmap="viridis", s=40)
    if dots is not None:
        fig.colorbar(dots, ax=a, label="log10 tau* (one solution)")
    a.set(xlabel="k", ylabel="p", title="solutions: one (dots), two (*), not settled (x)")
    sim = None
    if args.simulate:
        T = 2000.0 if quick else 5000.0
        coexisting = [k for k, c in zip(ks, line.coexist()) if c]
        # inside the window the line found; if it found none, k = 0.80, where the k-step-0.02 run found both (README)
        k_in = float(np.median(coexisting)) if coexisting else 0.80
        k_sim = (0.6, k_in, 1.0)
        sim = {}
        for k, ls in zip(k_sim, (":", "-", "--")):
            runs = started_on_either_side(k, args.seed, T)
            sim[k] = {s: v.tolist() for s, v in runs.items()}
            t = 5.0 * np.arange(len(runs["fast"]))
            for start, colour in (("fast", "tab:blue"), ("slow", "tab:red")):
                ax[3].plot(t, runs[start], ls, c=colour, lw=0.7, label=f"k = {k:g}, {start} start")
        ax[3].set(xlabel="time", ylabel="PR_A(t)", yscale="log", title=f"networks N = {N_SIM}, p = {P:g}")
        ax[3].legend(fontsize=6)
    fig.tight_layout()
    png = save(fig, dict(line=line.summary(), k=ks, coexist=line.coexist(),
                         map={str(p): b.summary() for p, b in maps.items()}, simulation=sim, quick=quick),
               "fig8_bistability", args.out)
    print(png)


if __name__ == "__main__":
    main()
