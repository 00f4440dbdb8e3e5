"""Shared plumbing of the figure scripts: argument parsing, output folder, provenance."""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

OUT = Path(__file__).resolve().parent / "out"


def parser(description: str, simulate: str | None = None) -> argparse.ArgumentParser:
    """Common options; ``simulate`` (its help text) adds --simulate for scripts with simulation overlays."""
    ap = argparse.ArgumentParser(description=description)
    if simulate:
        ap.add_argument("--simulate", action="store_true", help=simulate)
    ap.add_argument("--quick", action="store_true", help="coarse grids and loose errors (about a minute)")
    ap.add_argument("--out", type=Path, default=OUT, help="output folder (default figures/out)")
    ap.add_argument("--seed", type=int, default=0)
    return ap


def save(fig, data: dict, name: str, out: Path) -> Path:
    """Write NAME.png and NAME.json (the plotted theory values with provenance)."""
    from dmft import __version__

    out.mkdir(parents=True, exist_ok=True)
    png = out / f"{name}.png"
    fig.savefig(png, dpi=120, bbox_inches="tight")
    data = dict(data, provenance=dict(version=__version__, created=time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                                time.gmtime())))
    (out / f"{name}.json").write_text(json.dumps(data, default=lambda o: o.tolist() if hasattr(o, "tolist")
                                                 else str(o)))
    return png


def solver_settings(quick: bool):
    """Stationary-DMFT settings of the figure scripts: half the paths and a 1% error target with --quick."""
    from dmft.theory.stationary import SolverSettings

    return SolverSettings(n_samples=128, target_rel_err=0.01) if quick else SolverSettings()
