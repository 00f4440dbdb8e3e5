"""Fig. 3: chaotic states for g < 1.

(a) C(tau) from the DMFT for g = 0.9, p = 2.5 and k = 1.55, 1.60, 1.65 (each continued from the previous
    one; the solver reports the large-s branch); with --simulate, annealed networks are overlaid
    (Sec. IV B);
(c) y(s) = s / C(0) from dynamic solutions of the Stern network [Eq. 11] for g = 0.8, 0.9, 1.0, 1.1, with
    k_c(g) = min_s y(s) marked for g < 1 [Sec. IV C].

(b), lifetimes of transient chaos out to T = 1e7, is a simulation study; it is not regenerated here.

    python figures/fig3_below_one.py [--quick] [--simulate]
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
from tqdm.auto import tqdm

from _common import parser, save, solver_settings

from dmft import Params
from dmft.theory.first_order import BOUNDARY_SETTINGS, stern_curve
from dmft.simulation.network import PlasticNetwork
from dmft.numerics.observables import autocovariance
from dmft.theory.stationary import solve


def main(argv=None):
    import matplotlib.pyplot as plt

    ap = parser(__doc__, simulate="overlay annealed simulations in (a) (N = 2000)")
    args = ap.parse_args(argv)
    quick = args.quick
    settings = solver_settings(quick)
    ks = (1.55, 1.60, 1.65)
    sols, prev = {}, None
    for k in tqdm(ks, desc="Fig. 3a", leave=False):
        r = solve(Params(0.9, k, 2.5), settings=settings, seed=args.seed, init=prev)
        sols[k] = r
        prev = r if r.converged else prev
    gs = (0.8, 0.9, 1.0, 1.1)
    n_s = 5 if quick else 12
    curves = {}
    st = replace(settings, min_replicas=3) if quick else BOUNDARY_SETTINGS
    for g in gs:
        s0 = max(1.0 - g, 0.0)
        s = s0 + np.linspace(0.1, 2.0, n_s)
        pts = stern_curve(g, s, settings=st, seed=args.seed)
        curves[g] = np.array([[q.s, q.y if q.converged else np.nan, q.y_err if q.converged else np.nan]
                              for q in pts])

    fig, ax = plt.subplots(1, 2, figsize=(10, 3.6))
    for k, r in sols.items():
        if r.converged:
            ax[0].plot(r.tau, r.C, label=f"k = {k} (tau* = {r.tau_star:.1f})")
            if args.simulate:
                net = PlasticNetwork(Params(1.5, k, 2.5), 2000, seed=args.seed)
                net.advance(100.0)
                net.anneal(0.9, 100.0)
                traj = net.run(600.0, burn=200.0)
                ac = autocovariance(traj.phi, traj.record_dt, max_lag=min(200.0, float(r.tau[-1])))
                ax[0].plot(ac.tau, ac.C, "--", c=ax[0].lines[-1].get_color())
    ax[0].set(xlabel="tau", ylabel="C(tau)", title="(a) g = 0.9", xlim=(-0.0, 200))
    ax[0].legend(fontsize=8)
    for g, c in curves.items():
        ax[1].errorbar(c[:, 0], c[:, 1], yerr=c[:, 2], label=f"g = {g}", marker="o", ms=3)
        if g < 1 and np.any(np.isfinite(c[:, 1])):
            ax[1].axhline(np.nanmin(c[:, 1]), ls=":", c=ax[1].lines[-1].get_color(), lw=0.8)
    ax[1].set(xlabel="s", ylabel="y(s) = s / C(0)", ylim=(0, 4), title="(c)")
    ax[1].legend(fontsize=8)
    fig.tight_layout()
    data = dict(panel_a={str(k): dict(tau=r.tau, C=r.C, C_err=r.C_err, status=r.status, branch=r.branch)
                         for k, r in sols.items()},
                panel_c={str(g): dict(s=c[:, 0], y=c[:, 1], y_err=c[:, 2]) for g, c in curves.items()},
                quick=quick)
    print(save(fig, data, "fig3_below_one", args.out))


if __name__ == "__main__":
    main()
