"""One exception hierarchy for everything textkit reports to a user.

Every message says what was wrong and, where it can, what to do; the CLI prints
``str(error)`` as one line and exits with ``error.exit_code``.
"""

from __future__ import annotations


class TextkitError(Exception):
    """Base class of every error textkit raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class InputError(TextkitError):
    """Input data that cannot be read: a missing file, bad bytes, a malformed record."""


class ConfigError(TextkitError):
    """Options or parameters that do not fit together or are out of range."""


class TrainingError(TextkitError):
    """Data that a model cannot be trained on (empty, one class, no tokens...)."""


class NotFittedError(TextkitError, ValueError):
    """A model used before ``fit``; also a ``ValueError`` as scikit-learn expects."""


class ModelStoreError(TextkitError):
    """A saved model that is missing, incomplete, tampered with or not a textkit model."""


class IntegrityError(ModelStoreError):
    """An artifact whose sha256 does not match its manifest: refused before unpickling."""
