import sys

from . import DerivationError, write
from .emit import DOC_PATH, MODULE_PATH

try:
    write()
except DerivationError as e:
    print(f"derivation failed: {e}", file=sys.stderr)
    raise SystemExit(1)
print(f"wrote {MODULE_PATH} and {DOC_PATH}")
