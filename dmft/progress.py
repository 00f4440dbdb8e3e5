"""Progress bars (tqdm on stderr) that switch themselves on for long jobs."""
from __future__ import annotations

import sys

from tqdm.auto import tqdm


class _Silent:
    def __init__(self, iterable=None):
        self._it = iterable

    def __iter__(self):
        return iter(self._it)

    def update(self, n=1):
        pass

    def close(self):
        pass


def progress_bar(iterable=None, progress=None, *, desc="", total=None, auto=True):
    """A tqdm bar on stderr, or a silent stand-in.

    progress : True (always show), False (never), None (show when ``auto`` is true, i.e. when
               the caller estimates the job takes more than a few seconds, and stderr is a
               terminal or the caller forces it).
    """
    show = progress if progress is not None else (auto and sys.stderr.isatty())
    if not show:
        return _Silent(iterable)
    return tqdm(iterable, desc=desc, total=total, file=sys.stderr, leave=False)
