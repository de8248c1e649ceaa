"""Terminal output shared by the commands: errors, notes, progress, tables, atomic files."""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import IO, Any, TypeVar

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


class TerminalProgress:
    """A :class:`textkit.progress.Reporter` drawing rich progress bars on stderr.

    Bars show the count (or bytes), the rate and the time left when the total is known,
    and vanish when their step ends, so no bar stays above the results. Nothing is drawn
    when stderr is not a terminal or with ``--quiet`` (both read when a step starts,
    after the options are parsed).
    """

    def __init__(self) -> None:
        self._bars: Any = None

    @contextmanager
    def task(self, description: str, total: float | None, unit: str) -> Iterator[Any]:
        from textkit.progress import _SilentTask

        if settings.quiet or not sys.stderr.isatty():
            yield _SilentTask()
            return
        bars = self._start()
        task_id = bars.add_task(description, total=total, unit=unit)
        try:
            yield _RichTask(bars, task_id)
        finally:
            bars.remove_task(task_id)
            if not bars.tasks:
                bars.stop()
                self._bars = None

    def _start(self) -> Any:
        if self._bars is None:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeRemainingColumn

            self._bars = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                _CountColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._bars.start()
        return self._bars


class _RichTask:
    def __init__(self, bars: Any, task_id: Any) -> None:
        self.bars, self.task_id = bars, task_id

    def advance(self, amount: float = 1) -> None:
        self.bars.advance(self.task_id, amount)

    def update(self, completed: float) -> None:
        self.bars.update(self.task_id, completed=completed)


def _count_text(task: Any) -> str:
    """``1,200/5,000 articles  850/s``, sizes for bytes."""
    unit = task.fields.get("unit", "items")
    speed = task.finished_speed or task.speed
    if unit == "bytes":
        done = human_size(int(task.completed)) + (f"/{human_size(int(task.total))}" if task.total else "")
        return done + (f"  {human_size(int(speed))}/s" if speed else "")
    done = f"{int(task.completed):,}" + (f"/{int(task.total):,}" if task.total else "")
    return f"{done} {unit}" + (f"  {speed:,.1f}/s" if speed else "")


def _CountColumn() -> Any:
    from rich.progress import ProgressColumn
    from rich.text import Text

    class CountColumn(ProgressColumn):
        def render(self, task: Any) -> Text:
            return Text(_count_text(task))

    return CountColumn()


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


def write_job(
    job: AbstractContextManager[Any], output: str | None, format: str, as_table: Callable[[Any], str], verb: str
) -> None:
    """Write the records of ``job`` (a workflow's :class:`~textkit.records.Job` context) to ``output``
    as ``format`` (``as_table(records)`` for ``table``), then note what was read."""
    from textkit.workflows.output import write_records

    with job as running, atomic_output(output) as handle:
        if format == "table":
            handle.write(as_table(running.records) + "\n")
        else:
            write_records(running.records, handle, format, running.classes)
    if running.stats is not None:
        note(f"{verb} {running.stats.summary()}")
        for message in running.stats.errors:
            note(f"skipped {message}")
