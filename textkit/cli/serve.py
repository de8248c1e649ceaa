"""``textkit serve``: the local web application (label with active learning, explore the corpus)."""

from __future__ import annotations

from typing import Optional

import typer

from textkit.cli import _options as opt
from textkit.cli._output import note


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    data: str = typer.Argument(..., help="The corpus: any file the readers take (JSONL, CSV, dump, folder)."),
    model: Optional[str] = typer.Option(
        None, "--model", "-m", help="Theme model: suggestions, uncertainty; rule disagreement if trained with --rules."
    ),
    topics: Optional[str] = typer.Option(None, "--topics", help="Topic model: topic browser and topics over time."),
    labels: str = typer.Option(
        "labels.jsonl",
        "--labels",
        help="Answers file (JSONL, appended; resumed on restart; skips beside it in FILE.skips).",
    ),
    themes: Optional[str] = typer.Option(None, "--themes", help="Themes to label with, comma-separated."),
    retrain_every: int = typer.Option(
        20, "--retrain-every", help="Retrain the model after this many answers (0: never)."
    ),
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to listen on; another than 127.0.0.1 needs the token."
    ),
    port: int = typer.Option(0, "--port", help="Port [default: a free one]."),
    open_browser: bool = typer.Option(
        True, "--open/--no-open", help="Open the page in a browser (if there is a display)."
    ),
    index: Optional[str] = typer.Option(
        None, "--index", help="Index file [default: in $TEXTKIT_CACHE_DIR or ~/.cache/textkit]."
    ),
    models_dir: Optional[str] = opt.MODELS_DIR,
    format_in: Optional[str] = opt.FORMAT,
    text_field: str = opt.TEXT_FIELD,
    label_field: str = opt.LABEL_FIELD,
) -> None:
    """Start the web page to label articles (active learning) and explore the corpus; Ctrl-C stops it."""
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        typer.echo('error: textkit serve needs the web extra: pip install "textkit[web]"', err=True)
        raise typer.Exit(1) from None
    from textkit.web.server import ServeOptions, run

    run(
        ServeOptions(
            data=data,
            model=model,
            topics=topics,
            labels=labels,
            themes=[t.strip() for t in themes.split(",") if t.strip()] if themes else None,
            retrain_every=retrain_every,
            host=host,
            port=port,
            open_browser=open_browser,
            index=index,
            models_dir=models_dir,
            reader=opt.reader_kwargs(format_in, text_field, label_field, "utf-8", "strict", False),
        ),
        note,
    )
