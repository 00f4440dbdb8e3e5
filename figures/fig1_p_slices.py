"""Fig. 1(b) at other p (beyond the paper, which says other p "look similar"): the boundaries at p = 1, 2.5, 10, 20
side by side, and where they differ.

    python figures/fig1_p_slices.py [--quick] [--p P ...]

Each diagram is :func:`dmft.phase_diagram.phase_diagram` (cached on disk, so the diagrams of
``fig1_phase_diagram.py --p ...`` are reused).  One panel per boundary, one curve per p.  The comparison, in
the JSON and on stdout: for each boundary and each p, at the g values it shares with the reference p = 2.5, the
largest |k_p - k_ref| and the largest |k_p - k_ref| / (combined error); a boundary "differs" at a g where that
ratio exceeds 3 (both points converged).  Two boundaries cannot depend on p, and serve as a check: the
first-order line (the slow form, Eqs. 10-11, has no p) and the fixed-point onset (a fixed point has
A = (k/N) phi phi^T whatever p is).

Writes figures/out/fig1_p_slices.png and .json.
"""
from __future__ import annotations

import numpy as np
from _common import parser, save

from dmft.phase_diagram import BOUNDARIES, phase_diagram

REFERENCE_P = 2.5


def compare(ref: dict, other: dict) -> dict:
    """Per boundary k(g) (all but the chaos onset, the line g = 1 for every p): the g values shared by two diagrams'
    boundary dicts, how far apart k is there, and the points of ``other`` that did not converge (``unresolved``:
    g and the solver's message, which may itself be the difference, e.g. a timescale that diverges earlier)."""
    out = {}
    for name in BOUNDARIES:
        if name == "chaos_onset":
            continue
        a, b = ref[name], other[name]
        unresolved = [dict(g=float(g), message=msg) for g, ok, msg in zip(b["g"], b["converged"], b["message"])
                      if not ok]
        shared = []
        for i, g in enumerate(a["g"]):
            for j, g2 in enumerate(b["g"]):
                if abs(g - g2) < 1e-9 and a["converged"][i] and b["converged"][j] \
                        and np.isfinite(a["k"][i]) and np.isfinite(b["k"][j]):
                    dk = b["k"][j] - a["k"][i]
                    err = float(np.hypot(np.nan_to_num(a["k_err"][i]), np.nan_to_num(b["k_err"][j])))
                    shared.append((g, dk, abs(dk) / err if err > 0 else (np.inf if dk else 0.0)))
        if not shared:
            out[name] = dict(n_shared=0, unresolved=unresolved)
            continue
        g, dk, z = (np.array(v, dtype=float) for v in zip(*shared))
        out[name] = dict(n_shared=int(g.size), max_abs_dk=float(np.max(np.abs(dk))), max_z=float(np.max(z)),
                         differs_at_g=[float(x) for x in g[z > 3]], unresolved=unresolved)
    return out


def main(argv=None):
    ap = parser(__doc__.splitlines()[0])
    ap.add_argument("--p", type=float, nargs="+", default=[1.0, 2.5, 10.0, 20.0], help="the p values")
    ap.add_argument("--workers", type=int, default=None, help="local processes (default: all cores)")
    args = ap.parse_args(argv)
    ps = sorted(set(args.p) | {REFERENCE_P})
    diagrams = {p: phase_diagram(p, quick=args.quick, seed=args.seed, workers=args.workers, progress=True)
                for p in ps}
    comparison = {f"{p:g}": compare(diagrams[REFERENCE_P].boundaries, diagrams[p].boundaries)
                  for p in ps if p != REFERENCE_P}

    import matplotlib.pyplot as plt

    names = [b for b in BOUNDARIES if b != "chaos_onset"]           # the g = 1 line is the same for every p
    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 3.4), sharey=True)
    for ax, name in zip(axes, names):
        for i, p in enumerate(ps):
            row = diagrams[p].boundaries[name]
            g, k, e = (np.array(row[x], dtype=float) for x in ("g", "k", "k_err"))
            conv = np.array(row["converged"], dtype=bool)
            ok = np.isfinite(g) & np.isfinite(k)
            color = f"C{i}"
            ax.errorbar(g[ok & conv], k[ok & conv], yerr=np.nan_to_num(e[ok & conv]), marker="o", ms=3, lw=1,
                        capsize=2, color=color, label=f"p = {p:g}")
            # not converged (an upper bound, e.g. a timescale already diverging at the bracket's start): open
            ax.plot(g[ok & ~conv], k[ok & ~conv], "o", mfc="none", ms=5, color=color)
        ax.set_title(name.replace("_", " "), fontsize=9)
        ax.set_xlabel("g")
    axes[0].set_ylabel("k")
    axes[0].legend(fontsize=7, title="open: not converged", title_fontsize=6)
    fig.tight_layout()
    for p, cmp in comparison.items():
        for name, c in cmp.items():
            if c["n_shared"]:
                print(f"p = {p:>4} vs {REFERENCE_P:g}, {name:20s}: {c['n_shared']} shared g, max |dk| = "
                      f"{c['max_abs_dk']:.3f}, max |dk|/err = {c['max_z']:.1f}"
                      + (f", differs at g = {c['differs_at_g']}" if c["differs_at_g"] else ""))
            for u in c["unresolved"]:
                print(f"p = {p:>4}, {name:20s}: unresolved at g = {u['g']:g}: {u['message'][:150]}")
    data = dict(p=ps, reference_p=REFERENCE_P, comparison=comparison,
                diagrams={f"{p:g}": diagrams[p].to_dict() for p in ps})
    print(save(fig, data, "fig1_p_slices", args.out))


if __name__ == "__main__":
    main()
