"""Commands that read and prepare corpora: ``segment`` and ``stats``."""

from __future__ import annotations

import json
from typing import Optional

import typer

from textkit.cli import _options as opt
from textkit.cli._output import atomic_output, note, table


def register(app: typer.Typer) -> None:
    app.command("segment")(segment)
    app.command("stats")(stats)


def segment(
    dump: str = typer.Argument(..., help="Raw scraped dump (.txt), or - for standard input."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="JSONL file to write [default: stdout]."),
    encoding: str = opt.ENCODING,
    encoding_errors: str = opt.ENCODING_ERRORS,
) -> None:
    """Split a raw dump of pasted news pages into articles (JSONL)."""
    from textkit.reading.articles import read_articles, write_jsonl

    stream = read_articles(dump, format="dump", encoding=encoding, encoding_errors=encoding_errors)
    with atomic_output(output) as handle:
        write_jsonl(stream, handle)
    noise = stream.stats.skipped["noise blocks"]
    note(f"{stream.stats.articles} articles found, {noise} noise blocks dropped")


def stats(
    paths: Optional[list[str]] = typer.Argument(None, help="Data files or folders [default: the sample corpus]."),
    top: int = typer.Option(20, "--top", help="How many frequent tokens to show."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    dedup: bool = typer.Option(False, "--dedup", help="Also count stories (near-duplicates counted once)."),
    format_in: Optional[str] = opt.FORMAT,
    text_field: str = opt.TEXT_FIELD,
    label_field: str = opt.LABEL_FIELD,
    encoding: str = opt.ENCODING,
    encoding_errors: str = opt.ENCODING_ERRORS,
    skip_bad: bool = opt.SKIP_BAD,
) -> None:
    """Read, clean and tokenize a corpus and summarize it: sizes, labels, months, top tokens."""
    from textkit.text.stats import summarize
    from textkit.workflows.analysis import find_duplicates, reiterable

    stream = opt.read_inputs(paths, format_in, text_field, label_field, encoding, encoding_errors, skip_bad)
    articles = reiterable(stream) if dedup else stream  # read twice: standard input is held in memory
    summary = summarize(articles)
    stories = find_duplicates(articles).to_dict() if dedup else None
    if as_json:
        extra = {"stories": stories} if stories else {}
        typer.echo(
            json.dumps({**summary.to_dict(top), "read": stream.stats.summary(), **extra}, ensure_ascii=False, indent=2)
        )
        return
    data = summary.to_dict(top)
    typer.echo(f"{stream.source}: {stream.stats.summary()}")
    if stories:
        typer.echo(f"{stories['stories']} stories ({stories['duplicates']} near-duplicate articles)")
    typer.echo(
        f"{data['words']} words, {data['tokens']} tokens ({data['mean_tokens_per_article']} per article), "
        f"vocabulary {data['vocabulary_size']}"
    )
    if data["empty_after_tokenizing"]:
        typer.echo(f"{data['empty_after_tokenizing']} articles have no tokens left after tokenizing")
    if data["labels"]:
        typer.echo("\n" + table(list(data["labels"].items()), ["label", "articles"]))
        per_article = ", ".join(f"{k}: {v}" for k, v in data["labels_per_article"].items())
        typer.echo(f"labels per article: {per_article}")
    if data["months"]:
        typer.echo("\n" + table(list(data["months"].items()), ["month", "articles"]))
    typer.echo("\n" + table(data["top_tokens"], ["token", "count"]))
