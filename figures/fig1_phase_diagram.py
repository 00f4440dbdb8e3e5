"""Fig. 1(b): the phase diagram at p = 2.5 (or --p) from theory, every boundary computed by
:func:`dmft.phase_diagram.phase_diagram` (cached on disk: a rerun takes seconds).

    python figures/fig1_phase_diagram.py [--quick] [--p P ...]

Writes figures/out/fig1_phase_diagram[_pP].png and .json (and the diagram's own PDF).  The semifreezable and
freezable lines come from the provisional two-replica DMFT (see the README).
"""
from __future__ import annotations

from _common import parser, save

from dmft.phase_diagram import phase_diagram, plot


def main(argv=None):
    ap = parser(__doc__.splitlines()[0])
    ap.add_argument("--p", type=float, nargs="+", default=[2.5], help="one diagram per p (default 2.5)")
    ap.add_argument("--workers", type=int, default=None, help="local processes (default: all cores)")
    args = ap.parse_args(argv)
    for p in args.p:
        pd = phase_diagram(p, quick=args.quick, seed=args.seed, workers=args.workers, progress=True)
        name = "fig1_phase_diagram" if p == 2.5 else f"fig1_phase_diagram_p{p:g}"
        print(save(plot(pd), pd.to_dict(), name, args.out))


if __name__ == "__main__":
    main()
