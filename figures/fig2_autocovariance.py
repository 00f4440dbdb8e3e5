"""Fig. 2: chaotic states with g > 1 — theory curves from the stationary DMFT.

(a) C(tau) for g = 2, p = 2.5 and k from -5 to 2; (b) tau* [Eq. 9] against k for g = 2..5 and
p = 2.5, 10, 20 (continued in k with warm starts; points where tau* diverges are left out);
(c) normalised power spectra S(f) of (a) with the zero-crossing frequencies of the
anti-Hebbian solutions.

    python figures/fig2_autocovariance.py [--quick]
"""
from __future__ import annotations

import numpy as np
from tqdm.auto import tqdm

from _common import parser, save, solver_settings

from dmft import Params
from dmft.theory.stationary import solve


def panel_a_c(ks, settings, seed):
    sols = []
    for k in tqdm(ks, desc="Fig. 2a", leave=False):
        sols.append(solve(Params(2.0, k, 2.5), seed=seed, settings=settings))
    return sols


def panel_b(gs, ps, ks, settings, seed):
    curves = {}
    for p in ps:
        for g in gs:
            taus, prev = [], None
            for k in tqdm(ks, desc=f"Fig. 2b g={g} p={p}", leave=False):
                s = settings if k != 0 else None
                r = solve(Params(g, k, p), seed=seed, settings=s or settings, init=prev)
                ok = r.status == "converged"
                taus.append(r.tau_star if ok else np.nan)
                prev = r if ok and r.method == "monte_carlo" else prev
                if r.status == "diverging_timescale":
                    taus += [np.nan] * (len(ks) - len(taus))
                    break
            curves[(g, p)] = np.array(taus)
    return curves


def main(argv=None):
    import matplotlib.pyplot as plt

    args = parser(__doc__).parse_args(argv)
    quick = args.quick
    settings = solver_settings(quick)
    ks_a = [-5, -3, -1, 0, 1, 2] if quick else [-5, -4, -3, -2, -1, 0, 0.5, 1, 1.5, 2]
    gs = [2, 3] if quick else [2, 3, 4, 5]
    ps = [2.5] if quick else [2.5, 10, 20]
    ks_b = np.linspace(-3, 3, 7) if quick else np.linspace(-3, 3, 25)
    sols = panel_a_c(ks_a, settings, args.seed)
    curves = panel_b(gs, ps, ks_b, settings, args.seed)

    fig, axes = plt.subplots(1, 2 + len(ps), figsize=(4 * (2 + len(ps)), 3.4))
    cmap = plt.get_cmap("coolwarm")
    for k, r in zip(ks_a, sols):
        if r.status != "converged":
            continue
        col = cmap((k + 5) / 7)
        axes[0].plot(r.tau, r.C, color=col, label=f"k={k}")
        axes[1].semilogy(r.f, r.S, color=col)
        if k < 0 and np.isfinite(r.zero_crossing_frequency):
            axes[1].plot(r.zero_crossing_frequency, 1e-3, "v", color=col)
    axes[0].set(xlim=(0, 25), xlabel="tau", ylabel="C(tau)", title="(a) g=2, p=2.5")
    axes[0].legend(fontsize=6)
    axes[1].set(xlim=(0, 1.0), ylim=(1e-6, 1.5), xlabel="f", ylabel="S(f)", title="(c)")
    for ax, p in zip(axes[2:], ps):
        for g in gs:
            ax.plot(ks_b, curves[(g, p)], "o-", ms=3, label=f"g={g}")
        ax.axhline(p, ls=":", color="k")
        ax.set(xlabel="k", ylabel="tau*", title=f"(b) p={p}")
        ax.legend(fontsize=6)
    data = dict(panel_a={str(k): dict(tau=r.tau, C=r.C, C_err=r.C_err, status=r.status)
                         for k, r in zip(ks_a, sols)},
                panel_b={f"g={g},p={p}": dict(k=ks_b, tau_star=v) for (g, p), v in curves.items()},
                panel_c={str(k): dict(zero_crossing_frequency=r.zero_crossing_frequency) for k, r in
                         zip(ks_a, sols)},
                settings=str(settings))
    print(save(fig, data, "fig2_autocovariance", args.out))


if __name__ == "__main__":
    main()
