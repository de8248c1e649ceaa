"""Progress of long steps (reading, cross-validation folds, each K of a topic search), reported through one hook.

Library code wraps its loops in :func:`track` or :func:`task`; by default nothing is shown
(a notebook or a service stays quiet). A shell installs a reporter with :func:`reporting`:
the CLI draws bars with counts, rate and time left on a terminal, and nothing when its
output is piped or ``--quiet`` is given.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from typing import Protocol, TypeVar

T = TypeVar("T")


class Task(Protocol):
    """One step in progress: ``advance`` by a count, or ``update`` to an absolute position."""

    def advance(self, amount: float = 1) -> None: ...

    def update(self, completed: float) -> None: ...


class Reporter(Protocol):
    """What a shell provides: a context manager per step."""

    def task(self, description: str, total: float | None, unit: str) -> AbstractContextManager[Task]: ...


class _SilentTask:
    def advance(self, amount: float = 1) -> None:
        pass

    def update(self, completed: float) -> None:
        pass


class _Silent:
    def task(self, description: str, total: float | None, unit: str) -> AbstractContextManager[Task]:
        return nullcontext(_SilentTask())


_SILENT = _Silent()
_REPORTER: ContextVar[Reporter | None] = ContextVar("textkit_progress", default=None)


@contextmanager
def task(description: str, total: float | None = None, unit: str = "items") -> Iterator[Task]:
    """A step of ``total`` units (``None``: unknown), shown by the current reporter while it runs.

    ``unit`` is what is counted: ``"articles"``, ``"folds"``, ``"bytes"`` (shown as sizes).
    """
    with (_REPORTER.get() or _SILENT).task(description, total, unit) as step:
        yield step


def track(items: Iterable[T], description: str, total: float | None = None, unit: str = "items") -> Iterator[T]:
    """Yield ``items``, advancing a step by one for each."""
    with task(description, total, unit) as step:
        for item in items:
            yield item
            step.advance()


@contextmanager
def reporting(reporter: Reporter) -> Iterator[None]:
    """Show progress with ``reporter`` inside the block."""
    token = _REPORTER.set(reporter)
    try:
        yield
    finally:
        _REPORTER.reset(token)
