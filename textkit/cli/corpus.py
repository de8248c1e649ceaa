"""Commands that read and prepare corpora: ``segment`` and ``stats``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Optional

import typer

from textkit.cli import _options as opt
from textkit.cli._output import atomic_output, note, table


def register(app: typer.Typer) -> None:
    app.command("segment")(segment)
    app.command("stats")(stats)


def segment(
    dumps: list[str] = typer.Argument(..., help="Raw scraped dumps (.txt), or - for standard input."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="JSONL file to write [default: stdout]."),
    encoding: str = opt.ENCODING,
    encoding_errors: str = opt.ENCODING_ERRORS,
    cluster: Optional[str] = opt.CLUSTER,
) -> None:
    """Split raw dumps of pasted news pages into articles (JSONL), in the dumps' order.

    With --cluster, each dump is segmented by one task (a dump is not cut: its articles are found in the whole text).
    """
    from contextlib import ExitStack

    from textkit.reading.articles import read_many, write_jsonl

    stream: Any
    articles: Iterable[Any]
    with ExitStack() as stack:
        if cluster:
            from textkit.distributed import run

            read = {"encoding": encoding, "encoding_errors": encoding_errors}
            stream = stack.enter_context(run.segment(cluster, dumps, read=read))
            articles = stream.records
        else:
            stream = articles = read_many(dumps, format="dump", encoding=encoding, encoding_errors=encoding_errors)
        with atomic_output(output) as handle:
            write_jsonl(articles, handle)
    noise = stream.stats.skipped["noise blocks"]
    note(f"{stream.stats.articles} articles found, {noise} noise blocks dropped")


@opt.reads_articles()
def stats(
    paths: Optional[list[str]] = typer.Argument(None, help="Data files or folders [default: the sample corpus]."),
    top: int = typer.Option(20, "--top", help="How many frequent tokens to show."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    dedup: bool = typer.Option(False, "--dedup", help="Also count stories (near-duplicates counted once)."),
    cluster: Optional[str] = opt.CLUSTER,
    *,
    read: dict[str, Any],
) -> None:
    """Read, clean and tokenize a corpus and summarize it: sizes, labels, months, top tokens."""
    from textkit.text.stats import summarize
    from textkit.workflows.analysis import find_duplicates, reiterable

    stories = None
    if cluster:
        from textkit.distributed import run
        from textkit.errors import ConfigError
        from textkit.reading.articles import sample_corpus_path

        if dedup:
            raise ConfigError("--dedup needs every article in one place: it does not run with --cluster", param="dedup")
        files = paths or [str(sample_corpus_path())]
        summary, stats = run.summarize(cluster, files, read=read)
        source = ", ".join(files)
    else:
        stream = opt.read_inputs(paths, read)
        articles = reiterable(stream) if dedup else stream  # read twice
        summary, stats, source = summarize(articles), stream.stats, stream.source
        stories = find_duplicates(articles).to_dict() if dedup else None
    if as_json:
        extra = {"stories": stories} if stories else {}
        typer.echo(json.dumps({**summary.to_dict(top), "read": stats.summary(), **extra}, ensure_ascii=False, indent=2))
        return
    data = summary.to_dict(top)
    typer.echo(f"{source}: {stats.summary()}")
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
