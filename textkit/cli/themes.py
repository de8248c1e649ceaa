"""Theme classifier commands: ``train``, ``predict``, ``evaluate``, ``explain``."""

from __future__ import annotations

import json
from typing import Any, Optional

import typer

from textkit.cli import _options as opt
from textkit.cli._output import atomic_output, note, table

MODEL_NAME = typer.Option("themes", "--model", "-m", help="Name of the saved theme model.")
TERMS = typer.Option(5, "--terms", "-n", help="How many terms to show per label.")


def register(app: typer.Typer) -> None:
    app.command("train")(train)
    app.command("predict")(predict)
    app.command("evaluate")(evaluate)
    app.command("explain")(explain)


def train(
    paths: Optional[list[str]] = typer.Argument(
        None, help="Labelled data files or folders [default: the sample corpus]."
    ),
    name: str = typer.Option("themes", "--name", help="Name to save the model under."),
    model: Optional[str] = typer.Option(None, "--model", help="Classifier: svm, logreg, sgd or nb [default: svm]."),
    c: Optional[float] = typer.Option(
        None, "--C", "-C", help="Regularisation strength (larger fits the data more closely)."
    ),
    ngrams: Optional[int] = typer.Option(None, "--ngrams", help="Longest word n-gram (1: words only) [default: 2]."),
    min_df: Optional[int] = typer.Option(None, "--min-df", help="Ignore terms in fewer articles than this."),
    max_df: Optional[float] = typer.Option(None, "--max-df", help="Ignore terms in more than this share of articles."),
    char_ngrams: Optional[bool] = typer.Option(None, "--char-ngrams/--no-char-ngrams", help="Add character n-grams."),
    phrases: Optional[bool] = typer.Option(
        None, "--phrases/--no-phrases", help="Learn collocations (foreign_minister)."
    ),
    tune_thresholds: Optional[bool] = typer.Option(
        None, "--tune-thresholds/--no-tune-thresholds", help="Tune per-label thresholds by CV (multi-label)."
    ),
    ensure_top_label: Optional[bool] = typer.Option(
        None, "--ensure-top-label/--no-ensure-top-label", help="Give every article at least its best label."
    ),
    features: Optional[str] = typer.Option(
        None,
        "--features",
        help="tfidf, or hashing: hashed features trained part by part (with --cluster, on files larger "
        "than memory) [default: tfidf].",
    ),
    cv: Optional[int] = typer.Option(None, "--cv", help="Print a K-fold cross-validated report before fitting."),
    force: bool = typer.Option(False, "--force", help="Replace an existing model of that name."),
    dedup: bool = opt.DEDUP,
    rules: Optional[str] = typer.Option(
        None, "--rules", help="Keyword rules file: train on unlabelled articles (labelled ones keep their labels)."
    ),
    self_training: Optional[int] = typer.Option(
        None, "--self-training", help="With --rules: rounds of self-training [default: 5 if exclusive, else 0]."
    ),
    models_dir: Optional[str] = opt.MODELS_DIR,
    format_in: Optional[str] = opt.FORMAT,
    text_field: str = opt.TEXT_FIELD,
    label_field: str = opt.LABEL_FIELD,
    encoding: str = opt.ENCODING,
    encoding_errors: str = opt.ENCODING_ERRORS,
    skip_bad: bool = opt.SKIP_BAD,
    cluster: Optional[str] = opt.CLUSTER,
) -> None:
    """Train a theme classifier on labelled articles (or keyword rules) and save it in the model store."""
    from textkit.store import ModelStore
    from textkit.workflows.themes import make_classifier, train_model

    # Only the options given are passed: the classifier's own defaults stay the one source.
    given = {
        "model": model,
        "C": c,
        "ngram_range": None if ngrams is None else (1, ngrams),  # --ngrams 0 is refused, not ignored
        "min_df": min_df,
        "max_df": max_df,
        "char_ngrams": char_ngrams,
        "phrases": phrases,
        "tune_thresholds": tune_thresholds,
        "ensure_top_label": ensure_top_label,
        "features": features,
    }
    params = {k: v for k, v in given.items() if v is not None}
    make_classifier(params)  # option values checked before any file is opened
    stream = opt.read_inputs(paths, format_in, text_field, label_field, encoding, encoding_errors, skip_bad)
    if cluster and features == "hashing" and not cv:
        from textkit.distributed import run

        params.pop("features")
        read = opt.reader_kwargs(format_in, text_field, label_field, encoding, encoding_errors, skip_bad)
        files = [s.source for s in stream.streams]
        manifest = run.train_hashing(cluster, files, name, models_dir=models_dir, params=params, read=read, force=force)
        typer.echo(
            f"saved model {name!r} ({len(manifest['labels'])} labels, {manifest['data']['count']} articles in "
            f"{manifest['data']['parts']} parts) in {ModelStore(models_dir).path(name)}"
        )
        return
    stream = opt.deduplicated(stream) if dedup else stream
    with opt.on_cluster(cluster):  # the --cv folds run one per task
        result = train_model(
            stream,
            name,
            models_dir=models_dir,
            model_params=params,
            cv=cv,
            force=force,
            rules=rules,
            self_training=self_training,
        )
    if result.cv_report is not None:
        typer.echo(f"{cv}-fold cross-validation:\n{result.cv_report.table()}\n")
    if stream.stats.skipped:
        note(f"read {stream.stats.summary()}")
    manifest = result.manifest
    if "rules" in manifest["data"]:
        used = manifest["data"]["rules"]
        changed = ", ".join(str(r["changed"]) for r in used["self_training"]) or "none"
        note(
            f"rules {used['file']} voted on {used['covered']:.0%} of the articles; label model: "
            f"{'; '.join(sorted(set(used['label_model'].values())))}; articles relabelled per self-training round: {changed}"
        )
    typer.echo(
        f"saved model {name!r} ({len(manifest['labels'])} labels, {manifest['data']['count']} articles, "
        f"{result.seconds:.1f} s) in {ModelStore(models_dir).path(name)}"
    )


def predict(
    texts: Optional[list[str]] = typer.Argument(None, help="Texts to tag [default: --input, else standard input]."),
    model: str = MODEL_NAME,
    input: Optional[str] = opt.INPUT,
    format: Optional[str] = opt.OUTPUT_FORMAT,
    output: Optional[str] = opt.OUTPUT,
    threshold: Optional[float] = typer.Option(None, "--threshold", help="One score threshold for every label."),
    top_k: Optional[int] = typer.Option(None, "--top-k", help="Give each article its K best labels."),
    explain: bool = typer.Option(False, "--explain", help="Add the terms behind each predicted label."),
    terms: int = TERMS,
    models_dir: Optional[str] = opt.MODELS_DIR,
    format_in: Optional[str] = opt.FORMAT,
    text_field: str = opt.TEXT_FIELD,
    encoding: str = opt.ENCODING,
    encoding_errors: str = opt.ENCODING_ERRORS,
    skip_bad: bool = opt.SKIP_BAD,
    cluster: Optional[str] = opt.CLUSTER,
    unordered: bool = opt.UNORDERED,
) -> None:
    """Tag texts with themes: one output line per article, in input order, with labels and scores."""
    from contextlib import ExitStack

    from textkit.themes.predict import predict_stream
    from textkit.workflows.output import write_records
    from textkit.workflows.themes import load_classifier

    fmt = opt.output_format(format, output)
    options: dict[str, Any] = {"threshold": threshold, "top_k": top_k, "explain": terms if explain else 0}
    with ExitStack() as stack:
        if cluster:
            from textkit.distributed import run

            read = opt.reader_kwargs(format_in, text_field, "labels", encoding, encoding_errors, skip_bad)
            job = stack.enter_context(
                run.predict(
                    cluster,
                    opt.cluster_input(texts, input),
                    model=model,
                    models_dir=models_dir,
                    read=read,
                    options=options,
                    ordered=not unordered,
                )
            )
            records, classes, stream = job.records, job.classes, job
        else:
            items, stream = opt.texts_or_input(
                texts, input, format_in, text_field, encoding, encoding_errors, skip_bad, "tag"
            )
            classifier = load_classifier(model, models_dir)
            records = predict_stream(classifier, items, **options)
            classes = [str(c) for c in classifier.classes_]
        with atomic_output(output) as handle:
            if fmt == "table":
                handle.write(_records_table(records) + "\n")
            else:
                write_records(records, handle, fmt, classes)
    if stream is not None:
        note(f"tagged {stream.stats.summary()}")
        for message in stream.stats.errors:
            note(f"skipped {message}")


def _records_table(records: Any, shown: int = 3) -> str:
    """A readable table (built in memory: for a terminal, not for millions of lines)."""
    rows = []
    for record in records:
        best = sorted(record["scores"].items(), key=lambda item: -item[1])[:shown]
        row = [record["id"], ", ".join(record["labels"]) or "-", "  ".join(f"{k} {v:.2f}" for k, v in best)]
        if "explanation" in record:
            row.append("; ".join(f"{label}: {', '.join(_terms(e))}" for label, e in record["explanation"].items()))
        rows.append(row)
    header = ["id", "labels", "top scores"] + (["why"] if rows and len(rows[0]) == 4 else [])
    return table(rows, header)


def _terms(explanation: Any) -> list[str]:
    return [str(item[0]) if isinstance(item, (list, tuple)) else str(item) for item in explanation]


def evaluate(
    path: str = typer.Argument(..., help="Labelled articles to evaluate the model on."),
    model: str = MODEL_NAME,
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    models_dir: Optional[str] = opt.MODELS_DIR,
    format_in: Optional[str] = opt.FORMAT,
    text_field: str = opt.TEXT_FIELD,
    label_field: str = opt.LABEL_FIELD,
    encoding: str = opt.ENCODING,
    encoding_errors: str = opt.ENCODING_ERRORS,
    skip_bad: bool = opt.SKIP_BAD,
    cluster: Optional[str] = opt.CLUSTER,
) -> None:
    """Score a saved model against labelled articles: per-label and averaged metrics."""
    from textkit.reading.articles import read_articles
    from textkit.workflows.themes import evaluate_saved

    read = opt.reader_kwargs(format_in, text_field, label_field, encoding, encoding_errors, skip_bad)
    if cluster:
        from textkit.distributed import run

        report, stats = run.evaluate(cluster, path, model=model, models_dir=models_dir, read=read)
    else:
        stream = read_articles(path, **read)
        report = evaluate_saved(model, stream, models_dir=models_dir)
        stats = stream.stats
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(report.table())
    note(f"evaluated on {stats.summary()}")


def explain(
    text: Optional[str] = typer.Argument(None, help="A text to explain [default: the labels' top terms]."),
    model: str = MODEL_NAME,
    label: Optional[str] = typer.Option(None, "--label", "-l", help="Only this label."),
    terms: int = typer.Option(15, "--terms", "-n", help="How many terms to show."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    models_dir: Optional[str] = opt.MODELS_DIR,
) -> None:
    """Show why: a label's top positive and negative terms, or the terms behind one text's labels."""
    from textkit.workflows.themes import explain_saved

    explanation = explain_saved(model, text, label=label, n=terms, models_dir=models_dir)
    typer.echo(json.dumps(explanation, ensure_ascii=False, indent=2) if as_json else _explanation_text(explanation))


def _explanation_text(explanation: dict[str, Any]) -> str:
    """Label top terms (positive/negative lists) or one text's contributions, as tables."""
    if not explanation:
        return "no label predicted for this text"
    blocks = []
    for label, parts in explanation.items():
        if isinstance(parts, dict):  # top terms: positive and negative weights
            weights = [(side, term, f"{weight:+.4f}") for side, items in parts.items() for term, weight in items]
            blocks.append(f"{label}\n{table(weights, ['', 'term', 'weight'])}")
        else:  # one text: each term's contribution to the label's score
            contributions = [(term, f"{weight:+.4f}") for term, weight in parts]
            blocks.append(f"{label}\n{table(contributions, ['term', 'contribution'])}")
    return "\n\n".join(blocks)
