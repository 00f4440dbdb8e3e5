"""Fig. 6: stable fixed points.

(a) DMFT participation ratio PR_A [Eq. 23] against k for g = 3 and p = 2.5, 10, 20 (stationary DMFT);
(c) log2-number of stable fixed points per neuron against k for g = 0.2, 0.5, 2, 3 (both solutions
    where there are two, as in the paper), from the fixed-point mean-field theory [Eqs. 24-26];
(d) the same as a heat map over (g, k), with the onset line;
(e) Jacobian spectral boundaries at fixed points [Eq. 21 with the fixed-point x distribution] for
    g = 2, k = 2.25 and g = 0.5, k = 1.9 (p = 2.5), coloured by f_a [Eq. 19]; with --simulate, eigenvalues
    of settled simulated networks are overlaid.

    python figures/fig6_fixed_points.py [--quick] [--simulate]
"""
from __future__ import annotations

import numpy as np
from tqdm.auto import tqdm

from _common import parser, save, solver_settings

from dmft import Params
from dmft.theory import fixed_points as fpm
from dmft.simulation.jacobian import network_reduced_spectrum, synaptic_weight
from dmft.simulation.network import PlasticNetwork
from dmft.theory.spectrum import spectral_boundary
from dmft.theory.stationary import solve


def panel_a(ks, ps, settings, seed):
    out = {}
    for p in ps:
        vals, prev = [], None
        for k in tqdm(ks, desc=f"Fig. 6a p={p}", leave=False):
            r = solve(Params(3.0, k, p), settings=settings, seed=seed, init=prev)
            vals.append(r.PR_A if r.converged else np.nan)
            prev = r if r.converged and r.method == "monte_carlo" else prev
        out[p] = np.array(vals)
    return out


def panel_c(g, n_s):
    """The whole branch k(s), log2 N(s): both solutions below g = 0.76, as in Fig. 6(c)."""
    s = 1.0 + np.geomspace(1e-4, 6.0, n_s)
    sols = [r for r in fpm.branch(g, s) if r.exists]
    return np.array([r.k for r in sols]), np.array([r.log2_number for r in sols])


def simulated_fixed_point_eigenvalues(g, k, n_nets, N, seed):
    lam = []
    params = Params(g, k, 2.5)
    for i in tqdm(range(n_nets), desc=f"settling g={g} k={k}", leave=False):
        start = params.with_(g=1.5) if g < 1 else params
        net = PlasticNetwork(start, N, seed=seed + i)
        if g < 1:                      # reach the chaotic state by annealing (Sec. IV B)
            net.advance(100.0)
            net.anneal(g, 100.0)
        for _ in range(60):
            net.advance(100.0)
            if np.sqrt(np.mean(net.velocity() ** 2)) < 1e-7:
                lam.append(network_reduced_spectrum(net)[0])
                break
    return np.concatenate(lam) if lam else np.zeros(0, complex)


def main(argv=None):
    import matplotlib.pyplot as plt

    ap = parser(__doc__, simulate="overlay eigenvalues of settled networks (minutes)")
    args = ap.parse_args(argv)
    quick = args.quick
    settings = solver_settings(quick)
    ks_a = np.linspace(0.0, 2.25, 4 if quick else 10)     # the range of the paper's panel
    ps_a = [2.5, 10.0, 20.0]
    pr = panel_a(ks_a, ps_a, settings, args.seed)
    gs_c = [0.2, 0.5, 2.0, 3.0]
    branches = {g: panel_c(g, 40 if quick else 120) for g in tqdm(gs_c, desc="Fig. 6c", leave=False)}
    g_map = np.linspace(0.05, 4.0, 12 if quick else 40)
    k_map = np.linspace(0.0, 3.0, 13 if quick else 61)
    heat = fpm.number_map(g_map, k_map, progress=True)
    g_on = np.linspace(0.0, 4.0, 9 if quick else 41)
    k_on = np.array([fpm.onset(g).k_onset for g in tqdm(g_on, desc="onset line", leave=False)])

    fig, ax = plt.subplots(2, 3, figsize=(14, 7.5))
    for p, v in pr.items():
        ax[0, 0].plot(ks_a, v, label=f"p = {p}")
    ax[0, 0].set(xlabel="k", ylabel="PR_A (DMFT)", title="(a) g = 3")
    ax[0, 0].legend()
    for g, (kk, nn) in branches.items():
        ax[0, 1].plot(kk, nn, label=f"g = {g}")
    ax[0, 1].set(xlabel="k", ylabel="N^-1 log2 N_FP", xlim=(0, 5), title="(c)")
    ax[0, 1].legend()
    im = ax[0, 2].pcolormesh(g_map, k_map, heat, cmap="turbo", vmin=0, vmax=1, shading="auto")
    ax[0, 2].plot(g_on, k_on, "k-")
    ax[0, 2].set(xlabel="g", ylabel="k", title="(d) log2-number per neuron")
    fig.colorbar(im, ax=ax[0, 2])
    spectra = {}
    for j, (g, k) in enumerate([(2.0, 2.25), (0.5, 1.9)]):
        sol = fpm.fixed_points(g, k).dominant
        params = Params(g, k, 2.5)
        b = spectral_boundary(params, sol.nodes, sol.C0, weights=sol.weights, n_grid=161 if quick else 301)
        a = ax[1, j]
        if args.simulate:
            lam = simulated_fixed_point_eigenvalues(g, k, 2 if quick else 8, 200 if g > 1 else 500, args.seed)
            a.scatter(lam.real, lam.imag, s=3, c=synaptic_weight(lam, k, 2.5), cmap="coolwarm", vmin=0, vmax=1)
        for c in b.curves:
            a.plot(c.real, c.imag, "k-", lw=1)
        a.axvline(0.0, ls="--", c="k", lw=0.7)
        a.set(xlabel="Re lambda", ylabel="Im lambda", title=f"(e) g = {g}, k = {k}: {b.topology}")
        spectra[f"g={g},k={k}"] = dict(topology=b.topology, C0=sol.C0, log2_number=sol.log2_number,
                                       boundary=[np.c_[c.real, c.imag] for c in b.curves])
    ax[1, 2].axis("off")
    fig.tight_layout()
    png = save(fig, dict(panel_a=dict(k=ks_a, PR_A={str(p): v for p, v in pr.items()}),
                         panel_c={str(g): dict(k=kk, log2_number=nn) for g, (kk, nn) in branches.items()},
                         panel_d=dict(g=g_map, k=k_map, log2_number=heat, onset_g=g_on, onset_k=k_on),
                         panel_e=spectra, quick=quick), "fig6_fixed_points", args.out)
    print(png)


if __name__ == "__main__":
    main()
