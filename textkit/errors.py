"""One exception hierarchy for everything textkit reports to a user.

Every message says what was wrong and, where it can, what to do; the CLI prints
``str(error)`` as one line and exits with ``error.exit_code``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING


class TextkitError(Exception):
    """Base class of every error textkit raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message

    def __reduce__(self) -> tuple[object, ...]:
        # An error raised on a Dask worker comes back pickled: keep its hint and param,
        # which the default (the class called with args alone) would drop.
        return (_restore, (type(self), self.args, self.__dict__))


def _restore(cls: type[TextkitError], args: tuple[object, ...], state: dict[str, object]) -> TextkitError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class InputError(TextkitError, ValueError):
    """Input data that cannot be read: a missing file, bad bytes, a malformed record."""


class ConfigError(TextkitError, ValueError):
    """Options or parameters that do not fit together or are out of range.

    ``param`` names the parameter at fault, when there is one: the CLI turns such an
    error into a usage error (exit 2) that names the option instead.
    """

    def __init__(self, message: str, hint: str | None = None, *, param: str | None = None) -> None:
        super().__init__(message, hint)
        self.param = param


class TrainingError(TextkitError, ValueError):
    """Data that a model cannot be trained on (empty, one class, no tokens...)."""


class ModelStoreError(TextkitError):
    """A saved model that is missing, incomplete, tampered with or not a textkit model."""


class IntegrityError(ModelStoreError):
    """An artifact whose sha256 does not match its manifest: refused before unpickling."""


if TYPE_CHECKING:  # for type checkers; at run time the class is made by __getattr__ below

    class NotFittedError(TextkitError, ValueError):
        """A model used before ``fit``: also scikit-learn's ``NotFittedError`` (a ``ValueError``)."""


def __getattr__(name: str) -> type[Exception]:
    # NotFittedError is also scikit-learn's, so `except sklearn.exceptions.NotFittedError`
    # catches it; it is made on first use because importing scikit-learn takes a second
    # that `textkit --help` should not pay.
    if name == "NotFittedError":
        from sklearn.exceptions import NotFittedError as SklearnNotFittedError

        class NotFittedError(TextkitError, SklearnNotFittedError):
            """A model used before ``fit``: also scikit-learn's ``NotFittedError`` (a ``ValueError``)."""

        NotFittedError.__module__ = __name__
        NotFittedError.__qualname__ = "NotFittedError"
        globals()["NotFittedError"] = NotFittedError
        return NotFittedError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
