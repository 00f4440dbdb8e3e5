"""SymPy derivations of the equations the numerics use (run ``python -m derivations``).

Importing this package registers the derivation steps in paper order; :func:`build` runs them
(each asserting its intermediate identities) and returns the generated module and document.
"""
from . import single_site, statistics, scs, limits, fixed_points, fixed_point_count, jacobian, replica, lyapunov  # noqa: F401  (registers steps, in paper order)
from .core import STEPS, DerivationError, run_all
from .emit import DOC_PATH, MODULE_PATH, document_text, module_text


def build():
    """Run every step; return (module source, markdown document)."""
    steps = run_all()
    return module_text(steps), document_text(steps)


def write(module_path=MODULE_PATH, doc_path=DOC_PATH) -> None:
    module, doc = build()
    module_path.write_text(module)
    doc_path.write_text(doc)


__all__ = ["STEPS", "DerivationError", "build", "write"]
