"""Command-line interface: ``dmft <command> --json``; every command prints one JSON object.

The CLI is a thin layer over the Python API; each command's help names the function it calls.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time

import numpy as np

from dmft import __version__
from dmft.params import Params


def _jsonable(obj):
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return v if math.isfinite(v) else None
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    return obj


def _emit(result: dict, as_json: bool) -> None:
    result = _jsonable(result)
    if as_json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            if isinstance(v, list) and len(v) > 8:
                v = f"[{len(v)} values]"
            print(f"{k}: {v}")


def _provenance(args) -> dict:
    return dict(version=__version__, command=" ".join(sys.argv[1:]) if sys.argv else "",
                created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))


def cmd_simulate(args) -> dict:
    from dmft.simulation.ensemble import simulate_ensemble
    from dmft.simulation.lyapunov import max_lyapunov_perturbation
    from dmft.simulation.network import PlasticNetwork
    from dmft.numerics.observables import trajectory_summary

    params = Params(args.g, args.k, args.p, args.phi)
    if args.n_seeds < 1:
        raise ValueError(f"--n-seeds: n_seeds must be an integer >= 1, got {args.n_seeds}")
    if not (math.isfinite(args.max_lag) and args.max_lag > 0):
        raise ValueError(f"--max-lag: max_lag must be a positive finite number, got {args.max_lag}")
    if args.lyapunov_T is not None and not (math.isfinite(args.lyapunov_T) and args.lyapunov_T > 0):
        raise ValueError(f"--lyapunov-T must be a positive finite number, got {args.lyapunov_T}")
    if args.save and args.n_seeds > 1:
        raise ValueError("--save writes one network's run: use it with --n-seeds 1")
    start = time.perf_counter()
    max_lag = min(args.max_lag, args.T / 2)
    out = dict(params=params.as_dict(), N=args.N, T=args.T, burn=args.burn, dt=args.dt, scheme=args.scheme,
               seed=args.seed, n_seeds=args.n_seeds)
    if args.n_seeds > 1:
        # error bars across independent realizations
        ens = simulate_ensemble(params, args.N, n_seeds=args.n_seeds, T=args.T, burn=args.burn,
                                dt=args.dt, seed=args.seed, record_dt=args.record_dt, max_lag=max_lag,
                                scheme=args.scheme, progress=args.progress)
        out.update(C0=ens.C0, C0_err=ens.C0_err, Cx0=ens.Cx0, Cx0_err=ens.Cx0_err,
                   tau_star=ens.tau_star, tau_star_err=ens.tau_star_err,
                   tau_step=float(ens.tau[1] - ens.tau[0]), C=ens.C, C_err=ens.C_err, PR_A=ens.PR_A,
                   PR_A_err=ens.PR_A_err, state=max(set(ens.states), key=ens.states.count),
                   states=ens.states, error_bars="standard error across seeds")
    else:
        net = PlasticNetwork(params, args.N, dt=args.dt, seed=args.seed, scheme=args.scheme)
        traj = net.run(args.T, burn=args.burn, record_dt=args.record_dt, progress=args.progress)
        s = trajectory_summary(traj, max_lag=max_lag)
        out.update(C0=s["C0"], C0_err=s["C0_err"], Cx0=s["Cx0"], Cx0_err=s["Cx0_err"],
                   tau_star=s["tau_star"], tau_star_err=s["tau_star_err"], tau_step=s["tau_step"],
                   C=s["C"], C_err=s["C_err"], PR_A=s["PR_A"], PR_A_std=s["PR_A_std"],
                   zero_crossing_frequency=s["zero_crossing_frequency"], state=traj.state,
                   settled_at=traj.settled_at,
                   error_bars="standard error across neurons of one network (use --n-seeds for "
                              "errors across realizations)")
        if args.save:
            extra = dict(PR_A=traj.PR_A) if np.all(np.isfinite(traj.PR_A)) else {}   # undefined while A = 0
            np.savez(args.save, phi=traj.phi, dt=traj.record_dt, g=params.g, k=params.k, p=params.p,
                     nonlinearity=params.nonlinearity.name, N=args.N, seed=args.seed, **extra)
            out["saved"] = args.save
        if args.lyapunov:
            res = max_lyapunov_perturbation(net, args.lyapunov_T or args.T, seed=args.seed,
                                            progress=args.progress)
            out.update(lambda_max=res.lambda_max, lambda_max_err=res.sem)
    if args.lyapunov and args.n_seeds > 1:
        net = PlasticNetwork(params, args.N, dt=args.dt, seed=args.seed, scheme=args.scheme)
        res = max_lyapunov_perturbation(net, args.lyapunov_T or args.T, burn=args.burn, seed=args.seed,
                                        progress=args.progress)
        out.update(lambda_max=res.lambda_max, lambda_max_err=res.sem)
    out["wall_s"] = time.perf_counter() - start
    out["provenance"] = _provenance(args)
    return out


def _rule_from_args(args):
    from dmft.theory.kernels import PlasticityRule

    return PlasticityRule(args.kernel, ktilde=args.ktilde, alpha=args.alpha, beta=args.beta, d=args.delay,
                          f_pre=args.f_pre, f_post=args.f_post)


def _settings_from_args(args):
    from dmft.theory.stationary import SolverSettings

    kw = dict(h=args.h, n_samples=args.samples, target_rel_err=args.target_rel_err)
    if args.tau_max is not None:
        kw["tau_max"] = args.tau_max
    return SolverSettings(**kw)


def cmd_solve(args) -> dict:
    from dmft.theory.stationary import solve

    params = Params(args.g, args.k, args.p, args.phi)
    res = solve(params, _rule_from_args(args), settings=_settings_from_args(args), seed=args.seed,
                method=args.method, progress=args.progress)
    out = res.summary()
    out["provenance"] = _provenance(args)
    return out


def cmd_sweep(args) -> dict:
    from dmft.theory.continuation import basins, branches, line, sweep

    base = Params(args.g, args.k, args.p, args.phi)
    pts = line(base, args.vary, args.start, args.stop, args.num)
    if args.basins:
        out = basins(pts, n_paths=args.basin_paths, seed=args.seed, progress=args.progress).summary()
        out["provenance"] = _provenance(args)
        return out
    run = branches if args.both_ends else sweep
    out = run(pts, settings=_settings_from_args(args), seed=args.seed, progress=args.progress).summary()
    out["provenance"] = _provenance(args)
    return out


def cmd_stern(args) -> dict:
    from dmft.theory.kernels import PlasticityRule
    from dmft.theory.stationary import solve

    params = Params(args.g, 0.0, 1.0, args.phi)
    res = solve(params, PlasticityRule("stern", s=args.s), settings=_settings_from_args(args), seed=args.seed,
                progress=args.progress)
    out = res.summary()
    out.pop("PR_A", None)
    out.update(s=args.s, y=(args.s / res.C0) if res.C0 > 0 else None)
    out["provenance"] = _provenance(args)
    return out


def _curves_json(b) -> list:
    return [[[float(z.real), float(z.imag)] for z in c] for c in b.curves]


def cmd_spectrum(args) -> dict:
    from dmft.theory.spectrum import spectral_boundary

    params = Params(args.g, args.k, args.p, args.phi)
    weights = None
    if args.state == "chaos":
        from dmft.theory.stationary import solve
        res = solve(params, seed=args.seed, progress=args.progress)
        if not res.converged:
            raise ValueError(f"the DMFT solution did not converge ({res.status}): {res.message}")
        x, C0 = res.x_samples, res.C0
    else:
        from dmft.theory.fixed_points import fixed_points
        fp = fixed_points(args.g, args.k)
        if not fp.exists:
            raise ValueError(f"no stable fixed points at g = {args.g}, k = {args.k} (below onset)")
        sol = fp.dominant
        x, C0, weights = sol.nodes, sol.C0, sol.weights
    window = {}
    if args.re_min is not None or args.re_max is not None:
        if args.re_min is None or args.re_max is None:
            raise ValueError("give both --re-min and --re-max, or neither (automatic window)")
        window["re"] = (args.re_min, args.re_max)
    if args.im_max is not None:
        window["im"] = (-args.im_max, args.im_max)
    b = spectral_boundary(params, x, C0, n_grid=args.grid, weights=weights, **window)
    curves = _curves_json(b)
    # "boundary": every [re, im] point of the level set; "curves": the same points, one list per contour
    return dict(params=params.as_dict(), state=args.state, topology=b.topology, n_components=b.n_components,
                n_holes=b.n_holes, boundary=[pt for c in curves for pt in c], curves=curves, C0=C0,
                settings=b.settings, provenance=_provenance(args))


def cmd_fixed_points(args) -> dict:
    from dmft.theory import fixed_points as fpm

    if args.onset:
        o = fpm.onset(args.g)
        out = o.summary()
        if o.chi is None:
            out.pop("chi")
    else:
        if args.k is None:
            raise ValueError("give --k, or --onset for the onset line")
        out = fpm.fixed_points(args.g, args.k).summary()
    out["provenance"] = _provenance(args)
    return out


def cmd_boundary(args) -> dict:
    if args.kind != "first-order":
        from dmft.theory.onsets import onset

        kind = {"semifreezable": "semifreezable", "fixed-point": "fixed_point", "freezable": "freezable"}[args.kind]
        out = onset(args.g, args.p, kind, seed=args.seed, progress=args.progress).summary()
        out["provenance"] = _provenance(args)
        return out
    from dmft.theory.first_order import first_order_boundary

    b = first_order_boundary(args.g, n_s=args.n_s, seed=args.seed, progress=args.progress)
    out = b.summary()
    out.update(p=args.p, note="the slow form [Eq. 10] does not depend on p (valid for tau* >> p)",
               provenance=_provenance(args))
    return out


def cmd_freeze(args) -> dict:
    from dmft.theory.freezable import freeze
    from dmft.theory.replica import ReplicaSettings

    params = Params(args.g, args.k, args.p, args.phi)
    st = ReplicaSettings(n_samples=args.samples, target_rel_err=args.target_rel_err)
    out = freeze(params, seed=args.seed, settings=st, progress=args.progress).summary()
    out["provenance"] = _provenance(args)
    return out


def cmd_phase_diagram(args) -> dict:
    from dmft.theory.boundaries import BOUNDARIES
    from dmft.phase_diagram import phase_diagram

    only = tuple(args.only.split(",")) if args.only else BOUNDARIES
    pd = phase_diagram(args.p, quick=args.quick, g_min=args.g_min, g_max=args.g_max, k_min=args.k_min,
                       k_max=args.k_max, boundaries=only, seed=args.seed,
                       cache_dir=False if args.no_cache else args.cache, executor=args.executor,
                       scheduler=args.scheduler, workers=args.workers, progress=args.progress)
    out = pd.to_dict()
    out["files"] = pd.save(args.out)
    out["provenance"] = _provenance(args)
    return out


def cmd_validate(args) -> dict:
    from dmft.validate import load_run, plot_validation, validate

    run = load_run(args.run, g=args.g, k=args.k, p=args.p)
    v = validate(run, n_blocks=args.blocks, n_sigma=args.n_sigma, seed=args.seed)
    out = v.summary()
    if args.plot:
        plot_validation(v, args.plot)
        out["plot"] = args.plot
    out["provenance"] = _provenance(args)
    out["_exit"] = 0 if v.consistent else 1
    return out


def cmd_lyapunov(args) -> dict:
    from dmft.theory.lyapunov import scs_lyapunov
    from dmft.theory.tangent import lyapunov

    params = Params(args.g, args.k, args.p, args.phi)          # validates every parameter
    if params.k == 0:
        res = scs_lyapunov(params.g, params.nonlinearity.name)
    else:
        res = lyapunov(params, lam_guess=args.lam_guess, seed=args.seed, progress=args.progress)
    out = res.summary()
    out["provenance"] = _provenance(args)
    return out


FIGURE_SCRIPTS = {"1b": "fig1_phase_diagram.py", "2": "fig2_autocovariance.py", "3": "fig3_below_one.py",
                  "4": "fig4_jacobian_spectra.py", "5": "fig5_lyapunov.py", "6": "fig6_fixed_points.py",
                  "7": "fig7_freezable.py"}


def cmd_figures(args) -> dict:
    """Run the figure scripts of the repository (figures/figN_*.py) one after the other."""
    import subprocess
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "figures"
    if not folder.is_dir():
        raise ValueError(f"no figures/ folder next to the package ({folder}): `dmft figures` runs from a "
                         "source checkout (pip install -e .)")
    available = {f: n for f, n in FIGURE_SCRIPTS.items() if (folder / n).exists()}
    if args.only:
        wanted = [f.strip() for f in args.only.split(",") if f.strip()]
        unknown = [f for f in wanted if f not in FIGURE_SCRIPTS]
        if unknown:
            raise ValueError(f"unknown figures {unknown}; known: {', '.join(FIGURE_SCRIPTS)}")
        missing = [f for f in wanted if f not in available]
        if missing:
            raise ValueError(f"no script yet for Fig. {', '.join(missing)}; available: {', '.join(available)}")
    else:
        wanted = list(available)
    out_dir = Path(args.out).resolve()
    runs = []
    for f in wanted:
        cmd = [sys.executable, str(folder / available[f]), "--out", str(out_dir), "--seed", str(args.seed)]
        if args.quick:
            cmd.append("--quick")
        start = time.perf_counter()
        print(f"dmft figures: Fig. {f}: {' '.join(cmd[1:])}", file=sys.stderr, flush=True)
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
        runs.append(dict(figure=f, script=available[f], returncode=proc.returncode,
                         wall_s=time.perf_counter() - start, output=proc.stdout.strip().splitlines()[-5:]))
    failed = [r["figure"] for r in runs if r["returncode"] != 0]
    if failed:
        raise FigureFailure(f"figure scripts failed: Fig. {', '.join(failed)}", runs)
    return dict(out=str(out_dir), quick=args.quick, figures=runs, provenance=_provenance(args))


class FigureFailure(RuntimeError):
    def __init__(self, message, runs):
        super().__init__(message)
        self.runs = runs


def cmd_derive(args) -> dict:
    import derivations

    derivations.write()
    return dict(module=str(derivations.MODULE_PATH), document=str(derivations.DOC_PATH),
                steps=len(derivations.STEPS))


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="dmft", description=__doc__)
    ap.add_argument("--version", action="version", version=__version__)
    sub = ap.add_subparsers(dest="command", required=True)

    def progress_flags(p):
        prog = p.add_mutually_exclusive_group()
        prog.add_argument("--progress", dest="progress", action="store_true", default=None,
                          help="always show a progress bar on stderr")
        prog.add_argument("--no-progress", dest="progress", action="store_false")

    def common(p, json_flag=True):
        p.add_argument("--g", type=float, required=True, help="coupling std scale g >= 0")
        p.add_argument("--k", type=float, default=0.0, help="plasticity strength k (sign: Hebbian > 0)")
        p.add_argument("--p", type=float, default=2.5, help="synaptic time constant p > 0 (default 2.5)")
        p.add_argument("--phi", default="tanh", help="nonlinearity (default tanh)")
        if json_flag:
            p.add_argument("--json", action="store_true", help="print one JSON object")
        progress_flags(p)

    s = sub.add_parser("simulate", help="simulate the finite-N network (dmft.PlasticNetwork.run)",
                       description="Simulate Eqs. 1-3 (Heun's scheme by default) and measure C(tau), tau*, PR_A. "
                                   "The network first runs for --burn (not recorded), then for --T, "
                                   "the recorded duration.")
    common(s)
    s.add_argument("--N", type=int, default=1000, help="number of neurons (default 1000)")
    s.add_argument("--T", type=float, default=200.0,
                   help="recorded duration, after the burn-in (default 200)")
    s.add_argument("--burn", type=float, default=100.0, help="burn-in duration, not recorded (default 100)")
    s.add_argument("--dt", type=float, default=0.05, help="time step (default 0.05)")
    s.add_argument("--scheme", choices=["heun", "euler"], default="heun",
                   help="integration scheme: heun (second order, default) or euler (first order)")
    s.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    s.add_argument("--n-seeds", dest="n_seeds", type=int, default=1,
                   help="independent networks (seeds seed, seed+1, ...); > 1 gives error bars "
                        "across realizations (default 1: errors across neurons)")
    s.add_argument("--record-dt", dest="record_dt", type=float, default=0.25,
                   help="spacing of recorded samples = lag step of C (default 0.25)")
    s.add_argument("--max-lag", dest="max_lag", type=float, default=50.0, help="largest lag of C (default 50)")
    s.add_argument("--lyapunov", action="store_true",
                   help="also measure lambda_max by the perturbation method (App. F)")
    s.add_argument("--lyapunov-T", dest="lyapunov_T", type=float, default=None,
                   help="duration of the lambda_max measurement (default: --T)")
    s.add_argument("--save", default=None, metavar="RUN.npz",
                   help="write the run (phi, dt, g, k, p, PR_A) for `dmft validate`")
    s.set_defaults(func=cmd_simulate)

    def solver_opts(p):
        p.add_argument("--seed", type=int, default=0, help="random seed of the Monte Carlo (default 0)")
        p.add_argument("--h", type=float, default=None,
                       help="time step of the single-site paths (default 0.2, at most p/5)")
        p.add_argument("--samples", type=int, default=256, help="paths per iteration (default 256)")
        p.add_argument("--target-rel-err", dest="target_rel_err", type=float, default=0.003,
                       help="target standard error of C(0), relative (default 0.003)")
        p.add_argument("--tau-max", dest="tau_max", type=float, default=None,
                       help="initial lag window (default: automatic, grown as needed)")

    v = sub.add_parser("solve", help="stationary DMFT C(tau) (dmft.theory.stationary.solve)",
                       description="Solve the single-site DMFT [Eqs. 6-8] for C(tau): exactly for k = 0, "
                                   "by iterative Monte Carlo otherwise.")
    common(v)
    solver_opts(v)
    v.add_argument("--kernel", default="hebbian",
                   help="plasticity rule: hebbian (Eq. 3), no_decay (A2), inverse_gamma (A4), presynaptic "
                        "(A5), delayed (A8), pre_post (A10)")
    v.add_argument("--ktilde", type=float, default=None, help="k/p for --kernel no_decay")
    v.add_argument("--alpha", type=float, default=None, help="shape of the inverse-gamma p distribution")
    v.add_argument("--beta", type=float, default=None, help="scale of the inverse-gamma p distribution")
    v.add_argument("--delay", type=float, default=None, help="delay d for --kernel delayed")
    v.add_argument("--f-pre", dest="f_pre", default="identity", help="f_pre for --kernel pre_post")
    v.add_argument("--f-post", dest="f_post", default="identity", help="f_post for --kernel pre_post")
    v.add_argument("--method", default="auto", choices=["auto", "exact", "monte_carlo"])
    v.set_defaults(func=cmd_solve)

    sw = sub.add_parser("sweep", help="stationary DMFT along a line in g, k or p, warm-started "
                                      "(dmft.theory.continuation.sweep)",
                        description="Solve the stationary DMFT at NUM evenly spaced values of one parameter (the "
                                    "others from --g/--k/--p), each solve warm-started from the previous "
                                    "converged one.")
    common(sw)
    solver_opts(sw)
    sw.add_argument("--vary", choices=["g", "k", "p"], default="k", help="the parameter swept (default k)")
    sw.add_argument("--start", type=float, required=True)
    sw.add_argument("--stop", type=float, required=True)
    sw.add_argument("--num", type=int, default=21, help="points (default 21)")
    sw.add_argument("--both-ends", action="store_true",
                    help="continue the line from both of its ends and flag where the two continuations differ "
                         "(the fast and slow branches of App. B; dmft.theory.continuation.branches)")
    sw.add_argument("--basins", action="store_true",
                    help="both ends, one replica per point iterated to its fixed point from the fast and the slow "
                         "side (no error bars; resolves the coexistence of App. B where the full solves near a "
                         "branch's end do not converge; dmft.theory.continuation.basins)")
    sw.add_argument("--basin-paths", type=int, default=256, help="paths of the --basins replica (default 256)")
    sw.set_defaults(func=cmd_sweep)

    t = sub.add_parser("stern", help="self-coupled network of Stern et al. (Eq. 11)",
                       description="Solve the single-site DMFT of the network with self-coupling s [Eq. 11]; "
                                   "prints C0 and y = s / C0 (Fig. 3c).")
    t.add_argument("--g", type=float, required=True)
    t.add_argument("--s", type=float, required=True, help="self-coupling s")
    t.add_argument("--phi", default="tanh")
    t.add_argument("--json", action="store_true")
    progress_flags(t)
    solver_opts(t)
    t.set_defaults(func=cmd_stern)

    sp_ = sub.add_parser("spectrum", help="Jacobian spectral boundary from Eq. 21 (dmft.theory.spectrum)",
                         description="Support boundary of the reduced-Jacobian spectrum [Eq. 21] with the "
                                     "average over x taken from DMFT draws, and its topology.")
    common(sp_)
    sp_.add_argument("--state", default="chaos", choices=["chaos", "fixed-point"])
    sp_.add_argument("--seed", type=int, default=0)
    sp_.add_argument("--grid", type=int, default=201, help="grid points per axis (default 201)")
    sp_.add_argument("--re-min", dest="re_min", type=float, default=None,
                     help="window (default: found from the support, see dmft.theory.spectrum.support_window)")
    sp_.add_argument("--re-max", dest="re_max", type=float, default=None)
    sp_.add_argument("--im-max", dest="im_max", type=float, default=None)
    sp_.set_defaults(func=cmd_spectrum)

    f = sub.add_parser("fixed-points", help="stable fixed points: mean-field theory and count (Sec. VI)",
                       description="Typical stable fixed points [Eqs. 24-26]: C0, s = k C0 and the log2-number "
                                   "per neuron (dmft.theory.fixed_points). With --onset: the smallest k with stable "
                                   "fixed points at this g.")
    f.add_argument("--g", type=float, required=True, help="coupling std scale g >= 0")
    f.add_argument("--k", type=float, default=None, help="plasticity strength k")
    f.add_argument("--onset", action="store_true", help="report k_onset(g) instead")
    f.add_argument("--json", action="store_true", help="print one JSON object")
    f.set_defaults(func=cmd_fixed_points)

    bd = sub.add_parser("boundary", help="phase boundaries in k at fixed g: first-order (g < 1), semifreezable, "
                                         "fixed-point (unstable fixed-point solution), freezable (g > 1)",
                        description="first-order: k_c(g) = min_s y(s) from dynamic solutions of the Stern network "
                                    "[Sec. IV C, Fig. 3c] (dmft.theory.first_order); one Monte Carlo DMFT solve "
                                    "per point of y(s). semifreezable / fixed-point: the k where the two-replica map "
                                    "linearised at Q = 0 has the eigenvalue 1 (dmft.theory.onsets.linear_onset); "
                                    "freezable: the k where the fixed-point solution's r = 1 [Eq. 30] "
                                    "(dmft.theory.onsets.freezing_onset). Each takes minutes.")
    bd.add_argument("kind", choices=["first-order", "semifreezable", "fixed-point", "freezable"])
    bd.add_argument("--g", type=float, required=True, help="0 < g < 1 (first-order) or g > 1 (the others)")
    bd.add_argument("--p", type=float, default=2.5,
                    help="synaptic time constant (first-order: recorded only, the slow form does not depend on p)")
    bd.add_argument("--n-s", dest="n_s", type=int, default=9, help="points on the y(s) curve (default 9)")
    bd.add_argument("--seed", type=int, default=0)
    bd.add_argument("--json", action="store_true")
    progress_flags(bd)
    bd.set_defaults(func=cmd_boundary)

    fr = sub.add_parser("freeze", help="freezable chaos: the phase after halting the synapses (Sec. VII)",
                        description="Two-replica DMFT [Eqs. 27-35] (dmft.theory.freezable.freeze): the stationary "
                                    "solution, then the dynamic and fixed-point solutions for the overlap Q(t) "
                                    "and network B's D, and the phase (nonfreezable, semifreezable, freezable; "
                                    "undetermined when a solve ended without an answer). "
                                    "Takes about a minute.")
    common(fr)
    fr.add_argument("--seed", type=int, default=0)
    fr.add_argument("--samples", type=int, default=512, help="A paths per replica (default 512)")
    fr.add_argument("--target-rel-err", dest="target_rel_err", type=float, default=0.01,
                    help="target SE(Q0)/Q0 (default 0.01)")
    fr.set_defaults(func=cmd_freeze)

    ph = sub.add_parser("phase-diagram", help="every boundary of Fig. 1b at fixed p, from theory "
                                              "(dmft.phase_diagram.phase_diagram)",
                        description="Computes the chaos onset (g = 1), the first-order line k_c(g) (g < 1), the "
                                    "fixed-point onset (hatched region), the semifreezable and freezable onsets "
                                    "and the diverging-timescale line, one task per boundary "
                                    "point, on a local process pool or a Dask cluster. Finished points are cached "
                                    "on disk: a second run takes seconds, an interrupted one resumes. Writes "
                                    "phase_diagram_pP.json/.png/.pdf to --out.")
    ph.add_argument("--p", type=float, default=2.5, help="synaptic time constant (default 2.5)")
    ph.add_argument("--quick", action="store_true", help="coarse grids and loose errors")
    for name, default in (("g-min", 0.2), ("g-max", 3.0), ("k-min", -1.0), ("k-max", 3.0)):
        ph.add_argument(f"--{name}", dest=name.replace("-", "_"), type=float, default=default,
                        help=f"diagram range (default {default})")
    ph.add_argument("--only", default=None,
                    help="comma-separated boundaries (chaos_onset, first_order, fixed_point_onset, "
                         "semifreezable, freezable, diverging_timescale); default all")
    ph.add_argument("--out", default="phase_diagram", help="output folder (default ./phase_diagram)")
    ph.add_argument("--cache", default=None, help="cache folder (default ~/.cache/dmft/phase_diagram or $DMFT_CACHE)")
    ph.add_argument("--no-cache", dest="no_cache", action="store_true", help="compute every point afresh")
    ph.add_argument("--executor", choices=["local", "dask"], default="local")
    ph.add_argument("--scheduler", default=None, help="Dask scheduler address (with --executor dask)")
    ph.add_argument("--workers", type=int, default=None, help="local processes (default: all cores)")
    ph.add_argument("--seed", type=int, default=0)
    ph.add_argument("--json", action="store_true")
    progress_flags(ph)
    ph.set_defaults(func=cmd_phase_diagram)

    va = sub.add_parser("validate", help="check a simulation run (.npz) against the DMFT (dmft.validate)",
                        description="Compares C(tau) at lags 0, 1, 2, 5, 10, tau*, PR_A (if stored) and Q(0) of "
                                    "halting runs (if stored) with the DMFT, each with the simulation's error "
                                    "(across time blocks or runs) and the DMFT's. Exit status 0 when every "
                                    "quantity is consistent, 1 otherwise. File format: see README "
                                    "(phi (T, N), dt, g, k, p).")
    va.add_argument("run", help="the .npz run file")
    va.add_argument("--g", type=float, default=None, help="override/supply g")
    va.add_argument("--k", type=float, default=None, help="override/supply k")
    va.add_argument("--p", type=float, default=None, help="override/supply p")
    va.add_argument("--blocks", type=int, default=8, help="time blocks for the simulation's error (default 8)")
    va.add_argument("--n-sigma", dest="n_sigma", type=float, default=3.0,
                    help="consistency threshold in combined standard errors (default 3)")
    va.add_argument("--plot", default=None, help="write a PNG overlaying simulation and theory")
    va.add_argument("--seed", type=int, default=0)
    va.add_argument("--json", action="store_true")
    va.set_defaults(func=cmd_validate)

    ly = sub.add_parser("lyapunov", help="maximum Lyapunov exponent from the DMFT (dmft.theory.lyapunov)",
                        description="lambda_max from two replicas linearised in their difference: at k = 0 the "
                                    "ground state of -d^2/dtau^2 - g^2 C_phi'(tau) (method exact, seconds); "
                                    "k != 0: the root of mu(lambda) = 1, mu the leading eigenvalue of the tangent "
                                    "map on the stationary single-site paths (method monte_carlo, dmft.theory.tangent; "
                                    "minutes).")
    common(ly)
    ly.add_argument("--seed", type=int, default=0)
    ly.add_argument("--lam-guess", dest="lam_guess", type=float, default=0.1,
                    help="first trial lambda of the Monte Carlo route (default 0.1)")
    ly.set_defaults(func=cmd_lyapunov)

    fg = sub.add_parser("figures", help="run the figure scripts (figures/figN_*.py) and write their outputs",
                        description="Runs the paper's figure scripts one after the other (Fig. 1b is the phase "
                                    "diagram of `dmft phase-diagram`). Exit status 1 when a script fails.")
    fg.add_argument("--quick", action="store_true", help="coarse grids (each script's --quick)")
    fg.add_argument("--only", default=None, help="comma-separated figures, e.g. 1b,2,7 (default: every script)")
    fg.add_argument("--out", default="figures/out", help="output folder (default figures/out)")
    fg.add_argument("--seed", type=int, default=0)
    fg.add_argument("--json", action="store_true")
    fg.set_defaults(func=cmd_figures)

    d = sub.add_parser("derive", help="run the SymPy derivations and regenerate dmft/_generated.py "
                                      "and docs/derivations.md (same as python -m derivations)")
    d.add_argument("--json", action="store_true")
    d.set_defaults(func=cmd_derive)
    return ap


def main(argv=None) -> int:
    """Run one command.  Exit status: 0 on success; 2 for bad input (argparse's convention), with a message
    naming what is wrong and what is allowed; 1 when a computation failed (an unphysical solver output,
    a step that found no root): a message, never a traceback, and never a number."""
    from dmft.theory.stationary import UnphysicalSolutionError

    ap = build_parser()
    args = ap.parse_args(argv)
    try:
        result = args.func(args)
    except Exception as e:
        from derivations.core import DerivationError
        if isinstance(e, (ValueError, DerivationError)):
            print(f"dmft {args.command}: error: {e}", file=sys.stderr)
            return 2
        if isinstance(e, (UnphysicalSolutionError, FloatingPointError, MemoryError, FigureFailure)):
            print(f"dmft {args.command}: computation failed ({type(e).__name__}): {e}", file=sys.stderr)
            return 1
        raise
    status = result.pop("_exit", 0) if isinstance(result, dict) else 0
    _emit(result, getattr(args, "json", False))
    return status
