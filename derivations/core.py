"""Bookkeeping for derivations: named steps with asserted identities, and the emitted results.

A derivation step is a function decorated with :func:`step`; it returns a list of
:class:`Result` (an expression to emit as a numeric function, with its paper equation and the
assumptions used).  Inside a step, :func:`check` asserts an identity; a failing check stops the
run with a :class:`DerivationError` that names the step.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import sympy as sp


class DerivationError(AssertionError):
    """A derivation step failed one of its asserted identities."""


@dataclass
class Result:
    name: str                 # name of the emitted numeric function
    expr: sp.Expr             # its body
    args: tuple               # sympy symbols, in call order
    equation: str             # paper equation, e.g. "Eq. A1"
    doc: str                  # one-line description
    assumptions: str = ""     # what the derivation assumed
    latex: str = ""           # optional LaTeX override for the document
    emit: bool = True         # emit as a numeric function (False: document only)


@dataclass
class Step:
    name: str
    section: str
    func: Callable
    results: list = field(default_factory=list)
    checks: list = field(default_factory=list)


STEPS: list[Step] = []
_current: list[Step] = []


def step(name: str, section: str):
    """Register a derivation step."""
    def deco(func):
        STEPS.append(Step(name, section, func))
        return func
    return deco


def check(description: str, condition) -> None:
    """Assert an identity inside the running step (``condition`` may be a sympy boolean or a
    sympy expression that must simplify to zero)."""
    st = _current[-1] if _current else None
    ok = condition
    if isinstance(condition, sp.Basic) and not isinstance(condition, sp.logic.boolalg.BooleanAtom):
        if isinstance(condition, sp.Expr):
            ok = sp.simplify(condition) == 0
        else:
            ok = bool(sp.simplify(condition))
    ok = bool(ok)
    where = f"step '{st.name}'" if st else "derivation"
    if not ok:
        raise DerivationError(f"{where}: check failed: {description}")
    if st is not None:
        st.checks.append(description)


def run_all() -> list[Step]:
    """Run every registered step in order; returns the steps with their results."""
    for st in STEPS:
        st.results, st.checks = [], []
        _current.append(st)
        try:
            out = st.func()
        except DerivationError:
            raise
        except Exception as e:  # a crash inside a step is also reported with the step's name
            raise DerivationError(f"step '{st.name}': {type(e).__name__}: {e}") from e
        finally:
            _current.pop()
        st.results = list(out or [])
    return STEPS
