"""Terminal output shared by the commands: errors, notes, progress, tables, atomic files."""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, TypeVar

import typer

from textkit.atomic import atomic_write

T = TypeVar("T")


@dataclass
class Settings:
    debug: bool = False
    quiet: bool = False


settings = Settings()


def use_colour(stream: IO[str]) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return stream.isatty() and not os.environ.get("NO_COLOR")


def error(message: str) -> None:
    """One red line on stderr."""
    text = f"error: {message}"
    typer.echo(typer.style(text, fg="red") if use_colour(sys.stderr) else text, err=True)


def warning(message: str) -> None:
    """One yellow line on stderr (shown even with --quiet: a warning is not a summary)."""
    text = f"warning: {message}"
    typer.echo(typer.style(text, fg="yellow") if use_colour(sys.stderr) else text, err=True)


@contextmanager
def warnings_as_lines() -> Iterator[None]:
    """Show the library's messages (:mod:`textkit.messages`) and other Python warnings as lines, each once.

    A :class:`~textkit.messages.TextkitNote` is a ``note:`` line (silenced by ``--quiet``);
    anything else (version mismatches, convergence...) a ``warning:`` line.
    """
    from textkit.messages import TextkitNote

    shown: set[str] = set()

    def show(message: Warning | str, category: type[Warning], *_args: object, **_kwargs: object) -> None:
        text = str(message)
        if text in shown:
            return
        shown.add(text)
        if issubclass(category, TextkitNote):
            note(f"note: {text}")
        else:
            warning(text)

    with warnings.catch_warnings():
        warnings.simplefilter("always")  # the CLI dedupes by text; Python's registry would hide repeats across runs
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.showwarning = show
        yield


def note(message: str) -> None:
    """A summary line on stderr (so stdout stays clean for pipes); silenced by --quiet."""
    if not settings.quiet:
        typer.echo(message, err=True)


def progress(items: Iterable[T], label: str, total: int | None = None) -> Iterator[T]:
    """A progress bar on stderr when it is a terminal; otherwise the items, silently."""
    if settings.quiet or not sys.stderr.isatty():
        yield from items
        return
    with typer.progressbar(items, length=total, label=label, file=sys.stderr, show_pos=True) as bar:
        yield from bar


def table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> str:
    """A plain aligned text table."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def human_size(size: int) -> str:
    """``1536`` -> ``"1.5 KB"``."""
    if size < 1024:
        return f"{size} B"
    value = size / 1024
    for unit in ("KB", "MB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


@contextmanager
def atomic_output(path: str | None) -> Iterator[IO[str]]:
    """Write to ``path`` atomically (:func:`textkit.atomic.atomic_write`); ``None`` or ``-``: stdout."""
    if path is None or path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    with atomic_write(path, "w", encoding="utf-8", newline="") as handle:
        yield handle
