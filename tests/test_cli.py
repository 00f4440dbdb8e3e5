import json
import subprocess
import sys

import pytest

from dmft.cli import main


def _run(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_simulate_json_has_the_documented_keys(capsys):
    code, out, _ = _run(["simulate", "--g", "2", "--k", "1", "--p", "2.5", "--N", "60", "--T", "20",
                         "--burn", "5", "--seed", "1", "--lyapunov", "--lyapunov-T", "10", "--json"], capsys)
    assert code == 0
    d = json.loads(out)
    for key in ("C0", "Cx0", "tau_star", "tau_step", "C", "PR_A", "state", "lambda_max", "wall_s",
                "params", "N", "T", "burn", "dt", "seed", "C0_err", "tau_star_err", "provenance"):
        assert key in d, key
    assert d["state"] in ("chaos", "fixed_point", "quiescent")
    assert d["params"] == {"g": 2.0, "k": 1.0, "p": 2.5, "phi": "tanh"}
    assert abs(d["C"][0] - d["C0"]) < 1e-15 and len(d["C"]) > 10


@pytest.mark.parametrize("args, msg", [
    (["--g", "-1"], "g must be >= 0"),
    (["--g", "2", "--p", "0"], "p (synaptic time constant) must be > 0"),
    (["--g", "2", "--N", "0"], "N must be an integer >= 1"),
    (["--g", "2", "--T", "0"], "T must be finite and > 0"),
    (["--g", "2", "--dt", "0.5"], "too large for stability"),
    (["--g", "nan"], "g must be finite"),
    (["--g", "2", "--phi", "relu"], "unknown nonlinearity"),
])
def test_bad_input_exits_2_with_a_message(args, msg, capsys):
    code, out, err = _run(["simulate", "--N", "10", "--T", "5", "--json"] + args, capsys)
    assert code == 2 and msg in err and out == ""


def test_help_says_T_is_after_burn_in_and_module_entry_point_works():
    r = subprocess.run([sys.executable, "-m", "dmft", "simulate", "--help"], capture_output=True, text=True)
    assert r.returncode == 0
    assert "recorded duration, after the burn-in" in r.stdout


def test_fixed_points_json(capsys):
    code, out, _ = _run(["fixed-points", "--g", "2", "--k", "2.25", "--json"], capsys)
    assert code == 0
    d = json.loads(out)
    for key in ("C0", "s", "log2_number", "exists", "provenance"):
        assert key in d, key
    assert d["exists"] and 0 < d["log2_number"] < 1 and d["s"] == pytest.approx(2.25 * d["C0"])
    code, out, _ = _run(["fixed-points", "--g", "0", "--onset", "--json"], capsys)
    d = json.loads(out)
    assert d["k_onset"] == pytest.approx(2.0170, abs=5e-5) and d["chi"] == pytest.approx(1.4192, abs=5e-5)
    code, out, _ = _run(["fixed-points", "--g", "2", "--k", "1.0", "--json"], capsys)
    d = json.loads(out)
    assert not d["exists"] and d["log2_number"] == 0.0


def test_fixed_point_spectrum_json(capsys):
    code, out, _ = _run(["spectrum", "--g", "2", "--k", "2.25", "--p", "2.5", "--state", "fixed-point",
                         "--grid", "121", "--json"], capsys)
    assert code == 0
    d = json.loads(out)
    assert d["topology"] == "two-band" and d["state"] == "fixed-point"
    assert all(len(pt) == 2 for pt in d["boundary"])                   # [re, im] points of every curve
    assert sum(len(c) for c in d["curves"]) == len(d["boundary"]) and len(d["curves"]) >= 2


@pytest.mark.parametrize("args, msg", [
    (["fixed-points", "--g", "-1", "--k", "2"], "g must be"),
    (["fixed-points", "--g", "1"], "give --k"),
    (["spectrum", "--g", "2", "--k", "1.0", "--state", "fixed-point"], "no stable fixed points"),
    (["boundary", "first-order", "--g", "1.5"], "0 < g < 1"),
])
def test_static_commands_reject_bad_input(args, msg, capsys):
    code, out, err = _run(args + ["--json"], capsys)
    assert code == 2 and msg in err and out == ""
