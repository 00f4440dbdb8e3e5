"""`dmft phase-diagram --quick` timings: ``cold_s`` (p = 2.5 from an empty cache), ``cached_s`` (the same again,
every point read from the cache) and ``points`` (boundary points computed in the cold run).

Targets on 2 cores (issue): cold <= 10 min, cached <= 5 s.

    python benchmarks/bench_phase_diagram.py --json [--workers W]
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time

from dmft.phase_diagram import phase_diagram


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--workers", type=int, default=None, help="local processes (default: all cores)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        t0 = time.perf_counter()
        cold = phase_diagram(2.5, quick=True, cache_dir=cache, workers=args.workers)
        cold_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        warm = phase_diagram(2.5, quick=True, cache_dir=cache, workers=args.workers)
        cached_s = time.perf_counter() - t0
    out = dict(cold_s=cold_s, cached_s=cached_s, points=cold.n_tasks - cold.n_cached,
               recomputed_in_cached_run=warm.n_tasks - warm.n_cached,
               converged={b: all(v["converged"]) for b, v in cold.boundaries.items()})
    if args.json:
        print(json.dumps(out))
    else:
        for k, v in out.items():
            print(f"{k:>26}: {v}")


if __name__ == "__main__":
    main()
