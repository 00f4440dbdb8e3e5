"""Fig. 8 (App. B): fast and slow chaotic states at large p.

Theory (beyond the paper, which shows a simulation): the stationary DMFT at g = 2, p = 45 continued in k from
both ends (:func:`dmft.theory.continuation.branches`).  From small k the continuation follows the fast solution
(plasticity averaged out, tau* of order 1, PR_A ~ p/tau*), from large k the slow one (synapses drag neurons,
tau* >> 1, PR_A near 1); where both converge to different solutions the two branches coexist.  Left: tau*;
middle: PR_A [Eq. 23].  With --simulate, right: PR_A(t) of one network (g = 2, k = 1.1, p = 45, N = 800, as in
the paper's figure) switching between the two states, with the DMFT values of both continuations at that k.

    python figures/fig8_bistability.py [--quick] [--simulate]
"""
from __future__ import annotations

import numpy as np

from _common import parser, save, solver_settings

from dmft import Params
from dmft.simulation.network import PlasticNetwork
from dmft.theory.continuation import branches

G, P, K_SIM, N_SIM = 2.0, 45.0, 1.1, 800


def main(argv=None):
    import matplotlib.pyplot as plt

    args = parser(__doc__, simulate="simulate one network of the paper's figure (minutes)").parse_args(argv)
    quick = args.quick
    # both grids hold the k of the simulated network
    ks = np.array([0.7, 0.8, 0.9, K_SIM]) if quick else np.linspace(0.6, 1.2, 7)
    b = branches([Params(G, float(k), P) for k in ks], settings=solver_settings(quick),
                 seed=args.seed, progress=True)
    both = b.coexist()

    def values(results, key):
        return np.array([getattr(r, key) if r.converged else np.nan for r in results])

    fig, ax = plt.subplots(1, 3 if args.simulate else 2, figsize=(13 if args.simulate else 9, 3.6))
    for key, a, label in [("tau_star", ax[0], "tau*"), ("PR_A", ax[1], "PR_A (DMFT)")]:
        for results, style, name in [(b.forward, "o-", "continued from small k (fast)"),
                                     (b.backward, "s--", "continued from large k (slow)")]:
            line_, = a.plot(ks, values(results, key), style, label=name)
            # points that did not converge: their last iterate, hollow (near the fast branch's end the iteration
            # lingers at its "ghost", and replicas land on either side of it)
            bad = [(k, getattr(r, key)) for k, r in zip(ks, results) if not r.converged]
            if bad:
                a.plot(*zip(*bad), style[0], mfc="none", c=line_.get_color(), label=f"{name[:14]}: not converged")
        for k, c in zip(ks, both):
            if c:
                a.axvspan(k - 0.02, k + 0.02, color="0.85", zorder=0)
        a.set(xlabel="k", ylabel=label, title=f"g = {G}, p = {P}")
    ax[0].set_yscale("log")
    ax[0].legend(fontsize=7)
    sim = None
    if args.simulate:
        T = 3000.0 if quick else 10000.0
        net = PlasticNetwork(Params(G, K_SIM, P), N_SIM, seed=args.seed)
        traj = net.run(T, record_dt=1.0, neurons=range(20), progress=True)
        t = traj.record_dt * np.arange(len(traj.PR_A))
        ax[2].plot(t, traj.PR_A, lw=0.6)
        i = int(np.argmin(np.abs(ks - K_SIM)))
        for res, ls in [(b.forward[i], "-"), (b.backward[i], "--")]:
            if res.converged:
                ax[2].axhline(res.PR_A, ls=ls, c="k", lw=0.8)
        ax[2].set(xlabel="time", ylabel="PR_A(t)", title=f"network N = {N_SIM}, k = {K_SIM} (lines: DMFT)")
        sim = dict(t=t, PR_A=np.asarray(traj.PR_A), N=N_SIM, k=K_SIM, T=T, seed=args.seed)
    fig.tight_layout()
    png = save(fig, dict(theory=b.summary(), k=ks, coexist=both, simulation=sim, quick=quick),
               "fig8_bistability", args.out)
    print(png)


if __name__ == "__main__":
    main()
