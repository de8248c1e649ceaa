"""Options shared by every command that reads articles, and the call that applies them."""

from __future__ import annotations

from typing import Any

import typer

FORMAT = typer.Option(None, "--format-in", help="Force the input reader: jsonl, csv, tsv, dump or dir.")
TEXT_FIELD = typer.Option("text", "--text-field", help="JSONL field / CSV column holding the text.")
LABEL_FIELD = typer.Option("labels", "--label-field", help="JSONL field / CSV column holding the labels.")
ENCODING = typer.Option("utf-8", "--encoding", help="Encoding of the input files.")
ENCODING_ERRORS = typer.Option(
    "strict", "--encoding-errors", help="strict (refuse bad bytes), replace or ignore."
)
SKIP_BAD = typer.Option(False, "--skip-bad", help="Skip malformed records (and count them) instead of stopping.")
MODELS_DIR = typer.Option(
    None, "--models-dir", help="Model store folder [default: $TEXTKIT_MODELS_DIR or models/]."
)

def reader_kwargs(
    format_in: str | None, text_field: str, label_field: str, encoding: str, encoding_errors: str, skip_bad: bool
) -> dict[str, Any]:
    """Keyword arguments for :func:`textkit.articles.read_articles` from the shared options."""
    return {
        "format": format_in,
        "text_field": text_field,
        "label_field": label_field,
        "encoding": encoding,
        "encoding_errors": encoding_errors,
        "on_error": "skip" if skip_bad else "raise",
    }
