"""Every CLI command against a table of bad arguments: exit status 2, a message that names the argument,
nothing on stdout, and no traceback; and the API-level checks behind them."""
import subprocess
import sys

import numpy as np
import pytest

import dmft
from dmft.cli import main

SIM = ["simulate", "--g", "2", "--N", "10", "--T", "5"]
SOLVE = ["solve", "--g", "2", "--k", "1"]
STERN = ["stern", "--g", "0.5", "--s", "0.8"]

BAD = [
    (["simulate", "--g", "2", "--N", "100000000"], "N = 100000000 needs"),
    (SIM + ["--N", "0"], "N must be"),
    (SIM + ["--dt", "-0.1"], "dt must be"),
    (SIM + ["--T", "nan"], "T must be"),
    (SIM + ["--burn", "-1"], "burn must be"),
    (SIM + ["--record-dt", "0"], "record_dt must be"),
    (SIM + ["--n-seeds", "0"], "n_seeds must be"),
    (SIM + ["--p", "0"], "p (synaptic time constant)"),
    (SIM + ["--k", "inf"], "k must be finite"),
    (SIM + ["--phi", "relu"], "nonlinearity"),
    (SOLVE + ["--tau-max", "-5"], "tau_max must be"),
    (SOLVE + ["--tau-max", "nan"], "tau_max must be"),
    (SOLVE + ["--tau-max", "0.5"], "tau_max = 0.5 must span"),
    (SOLVE + ["--h", "0"], "h must be"),
    (SOLVE + ["--h", "1"], "too coarse for p"),
    (SOLVE + ["--samples", "0"], "n_samples must be"),
    (SOLVE + ["--target-rel-err", "-1"], "target_rel_err must be"),
    (SOLVE + ["--kernel", "magic"], "unknown plasticity rule"),
    (SOLVE + ["--kernel", "delayed"], "needs a finite d"),
    (SOLVE + ["--method", "exact"], "exact solution exists only"),
    (SOLVE + ["--g", "-2"], "g must be >= 0"),
    (STERN + ["--s", "nan"], "finite s"),
    (STERN + ["--tau-max", "-5"], "tau_max must be"),
    (["stern", "--g", "nan", "--s", "1"], "g must be finite"),
    (["spectrum", "--g", "2", "--k", "1.0", "--state", "fixed-point"], "no stable fixed points"),
    (["spectrum", "--g", "2", "--k", "2.25", "--state", "fixed-point", "--re-min", "-1"], "--re-max"),
    (["spectrum", "--g", "2", "--k", "2.25", "--state", "fixed-point", "--grid", "3"], "grid"),
    (["fixed-points", "--g", "-1", "--k", "2"], "g must be"),
    (["fixed-points", "--g", "1"], "give --k"),
    (["fixed-points", "--g", "1", "--k", "nan"], "k must be finite"),
    (["boundary", "first-order", "--g", "1.5"], "0 < g < 1"),
    (["boundary", "first-order", "--g", "0.9", "--n-s", "0"], "n_s"),
    (["boundary", "first-order", "--g", "nan"], "0 < g < 1"),
    (["solve", "--g", "two"], "--g"),                      # argparse: invalid float value
    (["boundary", "second-order", "--g", "0.5"], "kind"),  # argparse: invalid choice
]


@pytest.mark.parametrize("args, msg", BAD, ids=[" ".join(a[0]) for a in BAD])
def test_every_command_rejects_bad_arguments(args, msg, capsys):
    try:
        code = main(args + ["--json"])
    except SystemExit as e:             # argparse rejects before the command runs
        code = e.code
    out = capsys.readouterr()
    assert code == 2, out.err
    assert msg in out.err, out.err
    assert out.out == "" and "Traceback" not in out.err


@pytest.mark.parametrize("args", [BAD[0][0], BAD[11][0]])
def test_bad_arguments_in_a_fresh_process_print_no_traceback(args):
    r = subprocess.run([sys.executable, "-m", "dmft"] + args, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "Traceback" not in r.stderr and r.stdout == ""


@pytest.mark.parametrize("value", [True, "1", None, [1.0]])
def test_params_reject_values_that_are_not_real_numbers(value):
    with pytest.raises(ValueError, match="k must be a real number"):
        dmft.Params(2.0, value, 2.5)


@pytest.mark.parametrize("x, msg", [(np.array([]), "empty"), (np.array([0.1, np.nan]), "finite")])
def test_spectrum_rejects_empty_or_nan_draws(x, msg):
    from dmft.theory.spectrum import spectral_boundary

    with pytest.raises(ValueError, match=msg):
        spectral_boundary(dmft.Params(2.0, 1.0, 2.5), x, 0.5)


@pytest.mark.parametrize("kw", [dict(h_max=0), dict(t_record=-1.0), dict(tau_cap=float("nan")), dict(tau_max=True),
                                dict(n_samples=True)])
def test_solver_settings_validate_every_field(kw):
    from dmft.theory.stationary import SolverSettings

    with pytest.raises(ValueError, match=list(kw)[0]):
        SolverSettings(**kw)
