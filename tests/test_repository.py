"""House rules that keep README, CI and docs honest."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands():
    return re.findall(r"```bash\n(.*?)\n```", (ROOT / "README.md").read_text(), re.S)


def test_ci_runs_exactly_the_readme_test_command():
    cmds = _readme_commands()
    assert len(cmds) >= 2 and "pytest" in cmds[1]
    ci_lines = [ln.strip() for ln in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert cmds[1].strip() in ci_lines


def test_equations_table_names_existing_functions_and_tests():
    """Every `module.function` and `tests/...::test` named in docs/EQUATIONS.md exists."""
    import importlib

    text = (ROOT / "docs" / "EQUATIONS.md").read_text()
    for dotted in re.findall(r"`(dmft(?:\.\w+)+)`", text):
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            try:
                obj = importlib.import_module(".".join(parts[:cut]))
                break
            except ImportError:
                continue
        for attr in parts[cut:]:
            assert hasattr(obj, attr), f"{dotted} named in EQUATIONS.md does not exist"
            obj = getattr(obj, attr)
    for path, test in re.findall(r"`(tests/\w+\.py)::(\w+)`", text):
        src = (ROOT / path).read_text()
        assert f"def {test}(" in src, f"{path}::{test} named in EQUATIONS.md does not exist"
