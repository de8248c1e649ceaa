"""Options shared by the commands that read articles or write per-article results, and the calls that apply them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional

import typer

FORMAT = typer.Option(None, "--format-in", help="Force the input reader: jsonl, csv, tsv, dump or dir.")
TEXT_FIELD = typer.Option("text", "--text-field", help="JSONL field / CSV column holding the text.")
LABEL_FIELD = typer.Option("labels", "--label-field", help="JSONL field / CSV column holding the labels.")
ENCODING = typer.Option("utf-8", "--encoding", help="Encoding of the input files.")
ENCODING_ERRORS = typer.Option("strict", "--encoding-errors", help="strict (refuse bad bytes), replace or ignore.")
SKIP_BAD = typer.Option(False, "--skip-bad", help="Skip malformed records (and count them) instead of stopping.")
INPUT = typer.Option(None, "--input", "-i", help="Articles: any format the reader takes.")
OUTPUT_FORMAT = typer.Option(
    None,
    "--format",
    "-f",
    help="table, jsonl or csv [default: table on a terminal, else jsonl; csv for a .csv --output].",
)
OUTPUT = typer.Option(None, "--output", "-o", help="File to write (atomically) [default: stdout].")
DEDUP = typer.Option(False, "--dedup", help="Count each near-duplicate story once (its representative).")
CLUSTER = typer.Option(
    None,
    "--cluster",
    envvar="TEXTKIT_DASK_SCHEDULER",
    show_envvar=True,
    help="Run on a Dask cluster: a scheduler address (tcp://HOST:8786) or local:N worker processes; "
    'needs pip install "textkit[dask]".',
)
UNORDERED = typer.Option(
    False, "--unordered", help="With --cluster: write each part's results as soon as it is done, not in input order."
)
MODELS_DIR = typer.Option(None, "--models-dir", help="Model store folder [default: $TEXTKIT_MODELS_DIR or models/].")


# The reader options, in the order they are shown: (name, type, option).
_READER_OPTIONS: list[tuple[str, Any, Any]] = [
    ("format_in", Optional[str], FORMAT),
    ("text_field", str, TEXT_FIELD),
    ("label_field", str, LABEL_FIELD),
    ("encoding", str, ENCODING),
    ("encoding_errors", str, ENCODING_ERRORS),
    ("skip_bad", bool, SKIP_BAD),
]


def reads_articles(labels: bool = True) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Give a command the reader options (``--format-in`` ... ``--skip-bad``), passed to it as one
    ``read`` dict of :func:`~textkit.reading.articles.read_articles` keywords.

    The options are declared here once, not in every command's signature. A command that
    reads no labels (``labels=False``) has no ``--label-field``.
    """
    import functools
    import inspect

    added = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=kind)
        for name, kind, option in _READER_OPTIONS
        if labels or name != "label_field"
    ]

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        signature = inspect.signature(command)

        @functools.wraps(command)
        def run(*args: Any, **kwargs: Any) -> Any:
            given = {parameter.name: kwargs.pop(parameter.name) for parameter in added}
            return command(*args, read=reader_kwargs(**given), **kwargs)

        # typer reads the options from the signature: the command's own, less `read`, plus the reader's.
        kept = [parameter for parameter in signature.parameters.values() if parameter.name != "read"]
        run.__signature__ = signature.replace(parameters=kept + added)  # type: ignore[attr-defined]
        run.__annotations__ = {
            **{k: v for k, v in command.__annotations__.items() if k != "read"},
            **{parameter.name: parameter.annotation for parameter in added},
        }
        return run

    return decorate


def reader_kwargs(
    format_in: str | None = None,
    text_field: str = "text",
    label_field: str = "labels",
    encoding: str = "utf-8",
    encoding_errors: str = "strict",
    skip_bad: bool = False,
) -> dict[str, Any]:
    """Keyword arguments for :func:`textkit.reading.articles.read_articles` from the shared options."""
    return {
        "format": format_in,
        "text_field": text_field,
        "label_field": label_field,
        "encoding": encoding,
        "encoding_errors": encoding_errors,
        "on_error": "skip" if skip_bad else "raise",
    }


def read_inputs(paths: list[str] | None, read: dict[str, Any]) -> Any:
    """The articles of the data paths given on the command line, or the sample corpus."""
    from textkit.reading.articles import read_many, sample_corpus_path

    return read_many(paths or [sample_corpus_path()], **read)


def source(texts: list[str] | None, input: str | None, action: str) -> list[str] | str:
    """What ``predict``/``topics infer`` work on: the texts given as arguments, else the
    ``--input`` file, else ``-`` (JSONL on standard input, refused when standard input is
    a terminal: nobody is typing JSON)."""
    import sys

    from textkit.errors import ConfigError, InputError

    if texts and input:
        raise ConfigError("give texts as arguments or --input FILE, not both")
    if texts:
        return texts
    if input is None and sys.stdin.isatty():
        raise InputError(f"nothing to {action}", hint="give texts as arguments, --input FILE, or pipe JSONL on stdin")
    return input or "-"


def on_cluster(cluster: str | None) -> Any:
    """A context in which joblib's parallel loops (K per task, a fold per task) run on ``cluster``, if given."""
    from contextlib import nullcontext

    if not cluster:
        return nullcontext()
    from textkit.distributed import run

    return run.parallel(cluster)


def output_format(format: str | None, output: str | None) -> str:
    """``--format``, or by default: CSV for a ``.csv`` file, JSONL for other files and pipes, a table on a terminal."""
    import sys

    if format is None:
        if output not in (None, "-"):
            format = "csv" if output.lower().endswith(".csv") else "jsonl"
        else:
            format = "table" if sys.stdout.isatty() else "jsonl"
    if format not in ("table", "jsonl", "csv"):
        raise typer.BadParameter(f"unknown output format {format!r} (use table, jsonl or csv)", param_hint="'--format'")
    return format


def deduplicated(stream: Any) -> Any:
    """The representatives of ``stream``'s near-duplicate stories (``--dedup``), with a note of what was kept."""
    from textkit.cli._output import note
    from textkit.workflows.analysis import unique_stories

    kept = unique_stories(stream)
    note("--dedup: each near-duplicate story counts once (its earliest, then longest, article)")
    return kept
