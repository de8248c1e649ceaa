"""Analysis commands: ``dedup`` (near-duplicate stories) and ``compare`` (shares per group with intervals)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

import typer

from textkit.cli import _options as opt
from textkit.cli._output import atomic_output, note, table

if TYPE_CHECKING:
    from textkit.analysis.compare import Comparison

THRESHOLD = typer.Option(
    None, "--threshold", help="Shingle-set Jaccard similarity from which two articles are one story [default: 0.2]."
)
WINDOW = typer.Option(None, "--window", help="Only articles at most this many days apart are duplicates.")
SHINGLE = typer.Option(None, "--shingle", help="Words per shingle [default: 3].")
MIN_SHARED = typer.Option(
    None, "--min-shared", help="Shingles two non-identical articles must share to be one story [default: 10]."
)


def register(app: typer.Typer) -> None:
    app.command("dedup")(dedup)
    app.command("compare")(compare)


def story_params(
    threshold: float | None, window: int | None, shingle: int | None, min_shared: int | None
) -> dict[str, object]:
    """The :class:`~textkit.analysis.dedup.StoryIndex` parameters given on the command line."""
    given = {"threshold": threshold, "window_days": window, "shingle_size": shingle, "min_shared": min_shared}
    return {k: v for k, v in given.items() if v is not None}


@opt.reads_articles()
def dedup(
    paths: Optional[list[str]] = typer.Argument(None, help="Data files or folders [default: the sample corpus]."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="JSONL file to write [default: stdout]."),
    threshold: Optional[float] = THRESHOLD,
    window: Optional[int] = WINDOW,
    shingle: Optional[int] = SHINGLE,
    min_shared: Optional[int] = MIN_SHARED,
    representatives: bool = typer.Option(
        False, "--representatives", help="Write only each story's representative (earliest, then longest)."
    ),
    *,
    read: dict[str, Any],
) -> None:
    """Find near-duplicate stories: write each article with its story number (JSONL)."""
    from textkit.workflows.analysis import write_stories

    stream = opt.read_inputs(paths, read)
    params = story_params(threshold, window, shingle, min_shared)
    with atomic_output(output) as handle:
        stories = write_stories(stream, handle, representatives_only=representatives, **params)
    summary = stories.to_dict()
    note(
        f"{summary['articles']} articles, {summary['stories']} stories ({summary['duplicates']} near-duplicates, "
        f"largest story {summary['largest_story']}); read {stream.stats.summary()}"
    )


@opt.reads_articles()
def compare(
    paths: Optional[list[str]] = typer.Argument(None, help="Data files or folders [default: the sample corpus]."),
    model: str = typer.Option(..., "--model", "-m", help="Saved themes or topics model."),
    by: str = typer.Option("source", "--by", help="Group by source, place, byline, month, year or date."),
    resamples: int = typer.Option(1000, "--resamples", help="Bootstrap resamples per group."),
    confidence: float = typer.Option(0.95, "--confidence", help="Level of the intervals."),
    seed: int = typer.Option(0, "--seed", help="Seed of the bootstrap."),
    min_group: int = typer.Option(10, "--min-group", help="Leave out groups with fewer articles."),
    dedup: bool = typer.Option(False, "--dedup", help="Count each near-duplicate story once."),
    format: Optional[str] = typer.Option(
        None,
        "--format",
        "-f",
        help="table, csv or json [default: table on a terminal, csv for a .csv file, else json].",
    ),
    output: Optional[str] = opt.OUTPUT,
    chart: Optional[str] = typer.Option(None, "--chart", help="Also write a self-contained HTML chart here."),
    models_dir: Optional[str] = opt.MODELS_DIR,
    *,
    read: dict[str, Any],
) -> None:
    """Theme or topic shares per outlet, place or period, with bootstrap intervals and supported differences."""
    import sys

    from textkit.workflows.analysis import compare_saved, write_chart, write_comparison

    if format is None:
        if output not in (None, "-"):
            format = "csv" if output.lower().endswith(".csv") else "json"
        else:
            format = "table" if sys.stdout.isatty() else "json"
    if format not in ("table", "csv", "json"):
        raise typer.BadParameter(f"unknown format {format!r} (use table, csv or json)", param_hint="'--format'")
    stream = opt.read_inputs(paths, read)
    result = compare_saved(
        stream,
        model,
        by,
        models_dir=models_dir,
        resamples=resamples,
        confidence=confidence,
        seed=seed,
        min_group=min_group,
        dedup=dedup,
    )
    with atomic_output(output) as handle:
        if format == "table":
            handle.write(_comparison_table(result) + "\n")
        else:
            write_comparison(result, handle, format)
    if chart:
        note(f"wrote {write_chart(result, chart, f'{model}: {result.measure} per {by}')}")
    skipped = ", ".join(f"{n} {reason}" for reason, n in result.skipped.items())
    note(f"read {stream.stats.summary()}" + (f"; left out: {skipped}" if skipped else ""))


def _comparison_table(result: Comparison) -> str:
    """Shares with intervals (groups x columns), then the supported differences."""
    from textkit.analysis.compare import CORRECTION

    header = [result.by, "articles", *result.columns]
    rows = [
        [group, result.counts[g]]
        + [
            f"{result.share[g, c]:.3f} [{result.low[g, c]:.3f}, {result.high[g, c]:.3f}]"
            for c in range(len(result.columns))
        ]
        for g, group in enumerate(result.groups)
    ]
    text = f"{result.measure} per {result.by}, {result.confidence:.0%} bootstrap intervals\n" + table(rows, header)
    supported = result.supported()
    if not supported:
        return text + f"\n\nno supported difference ({CORRECTION})"
    diff_rows = [
        [
            d["column"],
            d["group_a"],
            d["group_b"],
            f"{d['difference']:+.3f}",
            f"[{d['low']:+.3f}, {d['high']:+.3f}]",
            f"{d['p_adjusted']:.3g}",
        ]
        for d in supported
    ]
    return (
        text
        + f"\n\nsupported differences ({CORRECTION}, adjusted p < {1 - result.confidence:.2f})\n"
        + table(diff_rows, ["column", "a", "b", "a - b", "interval", "adjusted p"])
    )
