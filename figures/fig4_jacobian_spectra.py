"""Fig. 4: Jacobian spectra in chaotic states.

Support boundaries of the reduced-Jacobian spectrum [Eq. 21] for g in {1.5, 2, 2.5, 3} and
k in {2, 1, 0, -1, -2} (p = 2.5), the average over x taken from the DMFT Monte Carlo draws, with the
topology of each (disk, hole, two-band) in the panel title.  With --simulate, eigenvalues of a simulated
network (N = 500 by default) are overlaid, coloured by f_a [Eq. 19], and the fraction inside the
boundary is recorded.

    python figures/fig4_jacobian_spectra.py [--quick] [--simulate] [--N 500]
"""
from __future__ import annotations

import numpy as np
from tqdm.auto import tqdm

from _common import parser, save, solver_settings

from dmft import Params
from dmft.simulation.jacobian import network_reduced_spectrum, synaptic_weight
from dmft.simulation.network import PlasticNetwork
from dmft.theory.spectrum import eigenvalue_coverage, spectral_boundary
from dmft.theory.stationary import solve

GS = (1.5, 2.0, 2.5, 3.0)
KS = (2.0, 1.0, 0.0, -1.0, -2.0)


def main(argv=None):
    import matplotlib.pyplot as plt

    ap = parser(__doc__, simulate="overlay eigenvalues of simulated networks")
    ap.add_argument("--N", type=int, default=500, help="network size for --simulate (default 500)")
    args = ap.parse_args(argv)
    quick = args.quick
    settings = solver_settings(quick)
    gs = GS[1::2] if quick else GS
    fig, ax = plt.subplots(len(KS), len(gs), figsize=(3.2 * len(gs), 2.6 * len(KS)), squeeze=False)
    data = {}
    for (i, k), (j, g) in tqdm([(a, b) for a in enumerate(KS) for b in enumerate(gs)], desc="Fig. 4", leave=False):
        params = Params(g, k, 2.5)
        res = solve(params, settings=settings, seed=args.seed)
        a = ax[i, j]
        entry = dict(status=res.status)
        if res.converged:
            b = spectral_boundary(params, res.x_samples, res.C0, n_grid=121 if quick else 241)
            if args.simulate:
                net = PlasticNetwork(params, args.N, seed=args.seed)
                net.advance(300.0)
                lam = network_reduced_spectrum(net)[0]
                a.scatter(lam.real, lam.imag, s=2, c=synaptic_weight(lam, k, 2.5), cmap="coolwarm", vmin=0, vmax=1)
                entry["coverage"] = eigenvalue_coverage(lam, params, res.x_samples, res.C0, boundary=b)
            for c in b.curves:
                a.plot(c.real, c.imag, "k-", lw=1)
            entry.update(topology=b.topology, C0=res.C0, boundary=[np.c_[c.real, c.imag] for c in b.curves])
            a.set_title(f"g={g}, k={k}: {b.topology}", fontsize=8)
        else:
            a.set_title(f"g={g}, k={k}: {res.status}", fontsize=8)
        a.set_xlim(-4.0, 1.0)
        a.set_ylim(-2.5, 2.5)
        data[f"g={g},k={k}"] = entry
    fig.supxlabel("Re lambda")
    fig.supylabel("Im lambda")
    fig.tight_layout()
    print(save(fig, dict(panels=data, quick=quick), "fig4_jacobian_spectra", args.out))


if __name__ == "__main__":
    main()
