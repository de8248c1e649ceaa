"""The one channel for what textkit tells a user besides results: Python warnings of two categories.

Library code calls :func:`note` (something worth knowing: a filter was relaxed for a small
corpus) or :func:`warn` (something to act on: repeated ids, labels a model does not know).
Both are ordinary :mod:`warnings`, so a notebook shows them, a service can filter or log
them, and tests can assert them; the CLI prints each distinct message once, as a
``note:`` or ``warning:`` line, and ``--quiet`` silences the notes.
"""

from __future__ import annotations

import warnings


class TextkitNote(UserWarning):
    """Information about what textkit did (not a problem)."""


class TextkitWarning(UserWarning):
    """Something in the data or the model that the user should look at."""


def note(message: str, stacklevel: int = 2) -> None:
    """Say something worth knowing (``note:`` on the command line; silenced by ``--quiet``)."""
    warnings.warn(message, TextkitNote, stacklevel=stacklevel + 1)


def warn(message: str, stacklevel: int = 2) -> None:
    """Warn about something to look at (``warning:`` on the command line, shown even with ``--quiet``)."""
    warnings.warn(message, TextkitWarning, stacklevel=stacklevel + 1)
