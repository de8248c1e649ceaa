"""Keyword-rule commands: ``rules check``."""

from __future__ import annotations

import json
from typing import Any, Optional

import typer

from textkit.cli import _options as opt
from textkit.cli._output import note, table

rules_app = typer.Typer(
    help="Keyword rules that label articles without labels (weak supervision).", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(rules_app, name="rules")


@rules_app.command("check")
@opt.reads_articles()
def check(
    rules: str = typer.Argument(..., help="The rules file (TOML, or YAML with PyYAML installed)."),
    paths: Optional[list[str]] = typer.Argument(None, help="Articles to check them on [default: the sample corpus]."),
    samples: int = typer.Option(2, "--samples", "-n", help="Sample matches shown per rule."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    *,
    read: dict[str, Any],
) -> None:
    """Per rule and theme: coverage, overlaps, conflicts, estimated accuracy, rules that never fire, sample matches."""
    from textkit.errors import ConfigError
    from textkit.workflows.rules import check_rules

    if samples < 0:
        raise ConfigError(f"--samples must be at least 0, not {samples}", param="samples")
    stream = opt.read_inputs(paths, read)
    report = check_rules(rules, stream, samples=samples)
    typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) if as_json else report_text(report))
    if stream.stats.skipped:
        note(f"read {stream.stats.summary()}")


def report_text(report: Any) -> str:
    """Per-theme and per-rule tables, the rules that never fire, and sample matches."""
    n = report.articles
    labelled = any(r["measured_accuracy"] is not None for r in report.rules)
    theme_rows = [
        [
            t["theme"],
            t["rules"],
            _share(t["votes_for"], n),
            _share(t["conflicts"], n),
            _share(t["labelled"], n),
            t["label_model"],
        ]
        for t in report.themes
    ]
    lines = [
        f"{report.source}: {len(report.rules)} rules, {n} articles, {_share(report.uncovered, n)} with no vote",
        "",
        table(theme_rows, ["theme", "rules", "voted for", "conflicts", "labelled", "label model"]),
        "",
    ]
    rule_rows = []
    for r in report.rules:
        row = [
            r["rule"],
            _share(r["votes"], n),
            _share(r["overlaps"], r["votes"]),
            _share(r["conflicts"], r["votes"]),
            _number(r["estimated_accuracy"]),
        ]
        rule_rows.append(row + ([_number(r["measured_accuracy"])] if labelled else []))
    header = ["rule", "coverage", "overlaps", "conflicts", "est. accuracy"] + (["accuracy"] if labelled else [])
    lines.append(table(rule_rows, header))
    if report.never_fire:
        lines += ["", f"never fire ({len(report.never_fire)}): {', '.join(report.never_fire)}"]
    matches = [(r["rule"], s) for r in report.rules for s in r["samples"]]
    if matches:
        lines += ["", "sample matches:"] + [f"  {rule}  {s['id']}: {s['match']}" for rule, s in matches]
    return "\n".join(lines)


def _share(part: int, whole: int) -> str:
    return f"{part} ({part / whole:.0%})" if whole else str(part)


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"
