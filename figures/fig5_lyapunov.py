"""Fig. 5: Lyapunov exponents.

(a) lambda_max over (g, k) at p = 2.5 from the DMFT (beyond the paper, which simulates): exact at k = 0
    (dmft.theory.lyapunov), Monte Carlo tangent map otherwise (dmft.theory.tangent); hatched where the stationary DMFT
    reports a diverging timescale, blank where it has no dynamic solution;
(b) Lyapunov spectra (forward: largest, backward: smallest exponents) of simulated networks for a few k;
(c) lambda_max against k for several g: theory lines, simulation markers with --simulate (perturbation method,
    errors across networks);
(d) Kaplan-Yorke dimension / N against k from full spectra of small simulated networks.

    python figures/fig5_lyapunov.py [--quick] [--simulate]
"""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from tqdm.auto import tqdm

from _common import parser, save

from dmft import Params
from dmft.simulation.lyapunov import lyapunov_spectrum, max_lyapunov_across_networks
from dmft.theory.lyapunov import scs_lyapunov
from dmft.simulation.network import PlasticNetwork
from dmft.theory.stationary import SolverSettings, solve
from dmft.theory.tangent import TANGENT_SETTINGS, lyapunov

P = 2.5


def theory(gs, ks, quick, seed):
    """lambda_max(g, k) with its error and the stationary verdict at each grid point."""
    tangent = SolverSettings(n_samples=128, max_samples=1024, target_rel_err=0.01, min_replicas=3,
                             mixing=1.0) if quick else TANGENT_SETTINGS
    out = {}
    for g in gs:
        guess = 0.1
        for k in tqdm(ks, desc=f"Fig. 5a g={g}", leave=False):
            if k == 0:
                r = scs_lyapunov(g, curve_points=0)
                out[(g, k)] = dict(status="converged", lam=r.lambda_max, err=0.0, converged=True)
                guess = r.lambda_max
                continue
            stat = solve(Params(g, k, P), seed=seed, progress=False)
            if stat.status != "converged":
                out[(g, k)] = dict(status=stat.status, lam=math.nan, err=math.nan, converged=False)
                continue
            r = lyapunov(Params(g, k, P), stationary=stat, lam_guess=guess, settings=tangent,
                         n_points=3 if quick else 5, seed=seed)
            out[(g, k)] = dict(status="converged", lam=r.lambda_max, err=r.lambda_max_err, converged=r.converged)
            if math.isfinite(r.lambda_max):
                guess = r.lambda_max
    return out


def simulated_max(gs, ks, N, n_networks, T, seed):
    out = {}
    for g in gs:
        for k in tqdm(ks, desc=f"Fig. 5c simulations g={g}", leave=False):
            out[(g, k)] = max_lyapunov_across_networks(Params(g, k, P), N, n_networks, T, seed=seed)
    return out


def spectra(g, ks, N, T, seed):
    """Full forward spectra of N-neuron networks (the tangent space is N + N^2; all N neuron-like exponents are
    the largest N) and the backward (smallest) ones, with D_KY / N."""
    out = {}
    for k in tqdm(ks, desc="Fig. 5b,d spectra", leave=False):
        fwd = lyapunov_spectrum(PlasticNetwork(Params(g, k, P), N, seed=seed), N, T, burn=50.0, seed=seed)
        bwd = lyapunov_spectrum(PlasticNetwork(Params(g, k, P), N, seed=seed), N, T, burn=50.0,
                                direction="backward", seed=seed)
        out[k] = dict(forward=fwd.exponents, backward=bwd.exponents, dky_per_N=fwd.kaplan_yorke_per_N)
    return out


def main(argv=None):
    ap = parser(__doc__.splitlines()[0], simulate="overlay simulated lambda_max on panel (c)")
    args = ap.parse_args(argv)
    if args.quick:
        gs, ks = [2.0], [-1.0, 0.0, 1.0]
        spec_ks, N_spec, T_spec = [0.0, 1.0], 40, 100.0
        N_sim, n_net, T_sim = 500, 2, 200.0
    else:
        gs, ks = [1.5, 2.0, 2.5, 3.0], [-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0]
        spec_ks, N_spec, T_spec = [-1.0, 0.0, 1.0, 2.0], 100, 400.0
        N_sim, n_net, T_sim = 1000, 4, 400.0
    th = theory(gs, ks, args.quick, args.seed)
    sp = spectra(2.0, spec_ks, N_spec, T_spec, args.seed)
    sim = simulated_max(gs, ks, N_sim, n_net, T_sim, args.seed) if args.simulate else {}

    fig, axes = plt.subplots(2, 2, figsize=(10, 8))
    ax = axes[0, 0]
    grid = np.array([[th[(g, k)]["lam"] for k in ks] for g in gs])
    if len(gs) > 1:
        im = ax.pcolormesh(ks, gs, grid, shading="nearest", cmap="viridis")
        fig.colorbar(im, ax=ax, label=r"$\lambda_{max}$")
    else:
        ax.plot(ks, grid[0], "o-")
    for (g, k), v in th.items():
        if v["status"] == "diverging_timescale":
            ax.add_patch(plt.Rectangle((k - 0.25, g - 0.25), 0.5, 0.5, fill=False, hatch="//"))
    ax.set_xlabel("k")
    ax.set_ylabel("g" if len(gs) > 1 else r"$\lambda_{max}$ (g = 2)")
    ax.set_title("(a) DMFT $\\lambda_{max}$, p = 2.5")
    ax = axes[0, 1]
    for k, v in sp.items():
        ax.hist(v["forward"], bins=20, alpha=0.5, label=f"k = {k:g} forward")
        ax.hist(v["backward"], bins=20, alpha=0.3, label=f"k = {k:g} backward")
    ax.set_xlabel("exponent")
    ax.set_title(f"(b) spectra, g = 2, N = {N_spec}")
    ax.legend(fontsize=6)
    ax = axes[1, 0]
    for g in gs:
        lam = [th[(g, k)]["lam"] for k in ks]
        err = [th[(g, k)]["err"] for k in ks]
        line = ax.errorbar(ks, lam, err, label=f"g = {g:g} DMFT")
        if sim:
            ax.errorbar(ks, [sim[(g, k)][0] for k in ks], [sim[(g, k)][1] for k in ks], fmt="^",
                        color=line[0].get_color(), label=f"g = {g:g} N = {N_sim}")
    ax.axhline(0, color="0.6", lw=0.8)
    ax.set_xlabel("k")
    ax.set_ylabel(r"$\lambda_{max}$")
    ax.set_title("(c)")
    ax.legend(fontsize=7)
    ax = axes[1, 1]
    ax.plot(list(sp), [v["dky_per_N"] for v in sp.values()], "o-")
    ax.set_xlabel("k")
    ax.set_ylabel(r"$D_{KY}/N$")
    ax.set_title(f"(d) g = 2, N = {N_spec}")
    fig.tight_layout()
    data = dict(theory={f"{g},{k}": v for (g, k), v in th.items()},
                spectra={str(k): v for k, v in sp.items()},
                simulation={f"{g},{k}": v for (g, k), v in sim.items()},
                settings=dict(quick=args.quick, N_spectra=N_spec, T_spectra=T_spec, N_sim=N_sim, p=P))
    print(save(fig, data, "fig5_lyapunov", args.out))


if __name__ == "__main__":
    main()
