"""Topic model commands: ``textkit topics fit | show | label | infer | report | update``."""

from __future__ import annotations

import json
from typing import Any, Optional

import typer

from textkit.cli import _options as opt
from textkit.cli._output import note, table, write_job

NAME = typer.Option("topics", "--name", "-m", help="Name of the topic model in the store.")

topics_app = typer.Typer(help="Discover topics with LDA, name them, map articles onto them.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(topics_app, name="topics")


@topics_app.command("fit")
@opt.reads_articles()
def fit(
    paths: Optional[list[str]] = typer.Argument(None, help="Data files or folders [default: the sample corpus]."),
    name: str = NAME,
    num_topics: Optional[str] = typer.Option(
        None, "--num-topics", "-k", help="Number of topics, or auto to choose it by coherence [default: auto]."
    ),
    k_min: Optional[int] = typer.Option(None, "--min", help="Smallest K tried by --num-topics auto [default: 5]."),
    k_max: Optional[int] = typer.Option(None, "--max", help="Largest K tried by --num-topics auto [default: 30]."),
    k_step: Optional[int] = typer.Option(
        None, "--step", help="Step between the K tried by --num-topics auto [default: 5]."
    ),
    seeds: Optional[str] = typer.Option(None, "--seeds", help="Seeds file: lines 'topic_name: word, word, word'."),
    phrases: Optional[bool] = typer.Option(
        None, "--phrases/--no-phrases", help="Learn collocations (foreign_minister) first [default: no-phrases]."
    ),
    passes: Optional[int] = typer.Option(
        None,
        "--passes",
        help="Online passes over the corpus [default: gibbs: 1 beyond 20,000 articles, else 0; nmf, random: 3, "
        "more on small corpora].",
    ),
    init: Optional[str] = typer.Option(
        None,
        "--init",
        help="How topics are found: gibbs (Gibbs sampling, then online LDA), nmf (online LDA from an NMF of the "
        "tf-idf) or random (online LDA from gensim's random start) [default: gibbs].",
    ),
    workers: Optional[int] = typer.Option(None, "--workers", help="Processes (1: reproducible) [default: all cores]."),
    random_state: Optional[int] = typer.Option(None, "--random-state", help="Seed of the fit [default: 0]."),
    force: bool = typer.Option(False, "--force", help="Replace an existing model of that name."),
    dedup: bool = opt.DEDUP,
    models_dir: Optional[str] = opt.MODELS_DIR,
    sample: Optional[int] = typer.Option(
        None, "--sample", help="Fit on this many articles drawn at random (reservoir sampling) [default: all]."
    ),
    cluster: Optional[str] = opt.CLUSTER,
    *,
    read: dict[str, Any],
) -> None:
    """Fit an LDA topic model on a corpus and save it in the model store.

    With --cluster, --num-topics auto fits each K as one task (one LDA fit itself runs on one machine).
    """
    from textkit.topics.model import TopicModel
    from textkit.topics.quality import k_rule
    from textkit.topics.seeds import load_seeds
    from textkit.workflows.topics import fit_topics

    # Only the options given are passed: the model's own defaults stay the one source.
    given: dict[str, Any] = {
        "num_topics": _num_topics(num_topics) if num_topics is not None else None,
        "k_min": k_min,
        "k_max": k_max,
        "k_step": k_step,
        "seeds": load_seeds(seeds) if seeds else None,
        "phrases": phrases,
        "init": init,
        "passes": passes,
        "workers": workers,
        "random_state": random_state,
    }
    params = {k: v for k, v in given.items() if v is not None}
    if cluster and workers is None:
        params["workers"] = 1  # a Dask worker process cannot start gensim's worker processes
    TopicModel(**params).check_params()  # bad option values are refused before any file is opened
    stream = opt.read_inputs(paths, read)
    stream = opt.deduplicated(stream) if dedup else stream
    note(f"fitting topics on {stream.source} ...")
    with opt.on_cluster(cluster):  # --num-topics auto: one K per task
        result = fit_topics(stream, name, models_dir=models_dir, force=force, sample=sample, **params)
    model, metrics = result.model, result.manifest["metrics"]
    note(f"read {stream.stats.summary()}")
    if model.k_scores_:
        typer.echo(_k_table(model.k_scores_, model.num_topics_))
        typer.echo(f"chosen: K = {model.num_topics_} ({k_rule(model.select_by)})\n")
    typer.echo(_topics_table(model.topics()))
    scores = ", ".join(f"{k} {metrics[k]:.3f}" for k in ("c_v", "c_npmi", "u_mass", "diversity") if k in metrics)
    typer.echo(
        f"\nsaved topic model {name!r} ({model.num_topics_} topics, {result.manifest['data']['count']} articles, "
        f"{scores}, {result.seconds:.1f} s)"
    )


def _num_topics(value: str) -> int | str:
    """``--num-topics``: ``auto`` or a whole number (its range is the model's to check)."""
    from textkit.errors import ConfigError

    if value == "auto":
        return value
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"--num-topics must be a number or 'auto', not {value!r}", param="num_topics") from None


def _k_table(curve: list[dict[str, Any]], chosen: int) -> str:
    """The K curve, one row per K tried, the chosen K marked with ``*``."""
    columns = [
        m for m in ("c_v", "c_npmi", "u_mass", "diversity", "quality") if all(r.get(m) is not None for r in curve)
    ]
    rows = [[f"{r['k']}{' *' if r['k'] == chosen else ''}", *(f"{r[m]:.3f}" for m in columns)] for r in curve]
    return table(rows, ["K", *("c_v x diversity" if m == "quality" else m for m in columns)])


def _topics_table(topics: list[dict[str, Any]], words: int = 8) -> str:
    rows = [
        [t["id"], t["label"], f"{t['prevalence']:.1%}", ", ".join(w for w, _ in t["words"][:words])] for t in topics
    ]
    return table(rows, ["topic", "label", "share", "top words"])


@topics_app.command("show")
def show(
    name: str = NAME,
    words: int = typer.Option(10, "--words", "-n", help="Top words per topic."),
    rank: Optional[str] = typer.Option(
        None,
        "--rank",
        help="Order of the words: relevance (distinctive first), frex or probability [default: probability for "
        "a fit with the default Gibbs start, whose word weights put distinctive words first; relevance otherwise].",
    ),
    docs: int = typer.Option(0, "--docs", help="Also list each topic's N most representative articles."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON: topics, scores and summary."),
    models_dir: Optional[str] = opt.MODELS_DIR,
) -> None:
    """Show a topic model's topics: label, share of the corpus, top words (and representative articles)."""
    from textkit.errors import ConfigError
    from textkit.topics.ranking import RANKINGS
    from textkit.workflows.topics import load_topic_model

    if rank is not None and rank not in RANKINGS:
        raise ConfigError(f"--rank must be one of {', '.join(RANKINGS)}, not {rank!r}", param="rank")
    if docs < 0:
        raise ConfigError(f"--docs must be 0 or more, not {docs}", param="docs")
    model, manifest = load_topic_model(name, models_dir)
    ranked = {"rank": rank} if rank else {}
    topics = model.topics(words, **ranked)
    if docs:
        for topic in topics:
            topic["articles"] = model.representative_docs(topic["id"], docs)
    if as_json:
        payload = {
            "name": name,
            "topics": topics,
            "metrics": manifest.get("metrics", {}),
            "summary": model.summary_.to_dict(),
            "params": manifest.get("params", {}),
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    typer.echo(_topics_table(topics, words))
    if docs:
        for topic in topics:
            typer.echo(f"\ntopic {topic['id']}: {topic['label']}")
            rows = [[a["id"], f"{a['share']:.2f}", a["headline"]] for a in topic["articles"]]
            typer.echo(table(rows, ["article", "share", "headline"]) if rows else "  (no article)")


@topics_app.command("label")
def label(
    assignments: list[str] = typer.Argument(..., help='New labels as TOPIC=LABEL, e.g. 3="Harvest and trade".'),
    name: str = NAME,
    models_dir: Optional[str] = opt.MODELS_DIR,
) -> None:
    """Rename topics of a saved model (the labels are saved with it)."""
    from textkit.errors import ConfigError
    from textkit.workflows.topics import relabel

    labels: dict[int | str, str] = {}
    for assignment in assignments:
        topic, equals, text = assignment.partition("=")
        if not equals:
            raise ConfigError(f"expected TOPIC=LABEL, got {assignment!r}", hint='e.g. 3="Harvest and trade"')
        labels[topic.strip()] = text
    model = relabel(name, labels, models_dir)
    typer.echo(_topics_table(model.topics(5), 5))


@topics_app.command("infer")
@opt.reads_articles(labels=False)
def infer(
    texts: Optional[list[str]] = typer.Argument(None, help="Texts [default: --input, else standard input]."),
    name: str = NAME,
    input: Optional[str] = opt.INPUT,
    format: Optional[str] = opt.OUTPUT_FORMAT,
    output: Optional[str] = opt.OUTPUT,
    models_dir: Optional[str] = opt.MODELS_DIR,
    cluster: Optional[str] = opt.CLUSTER,
    unordered: bool = opt.UNORDERED,
    *,
    read: dict[str, Any],
) -> None:
    """Topic shares and dominant topic of each text, one output line per text in input order."""
    from textkit.workflows.topics import infer as infer_records

    fmt = opt.output_format(format, output)
    job = infer_records(
        opt.source(texts, input, "infer"),
        name=name,
        models_dir=models_dir,
        read=read,
        cluster=cluster,
        ordered=not unordered,
    )
    write_job(job, output, fmt, _infer_table, "read")


def _infer_table(records: Any) -> str:
    rows = [
        [
            r["id"],
            ", ".join(r["labels"]) or "-",
            "  ".join(f"{k} {v:.2f}" for k, v in sorted(r["scores"].items(), key=lambda kv: -kv[1])[:3]),
        ]
        for r in records
    ]
    return table(rows, ["id", "topic", "top topics"])


@topics_app.command("report")
def report(
    name: str = NAME,
    output: str = typer.Option("topics-report.html", "--output", "-o", help="HTML file to write."),
    models_dir: Optional[str] = opt.MODELS_DIR,
) -> None:
    """Write a self-contained HTML report: K curve, top words, prevalence, trends, topics x themes."""
    from textkit.workflows.topics import write_report

    path = write_report(name, output, models_dir=models_dir)
    typer.echo(f"wrote {path}")


@topics_app.command("update")
@opt.reads_articles()
def update(
    name: str = typer.Argument(..., help="Name of the topic model in the store."),
    paths: list[str] = typer.Argument(..., help="New data files or folders."),
    new_topics: int = typer.Option(
        0, "--new-topics", help="Topics to add for subjects the model explains poorly [default: 0]."
    ),
    passes: Optional[int] = typer.Option(
        None, "--passes", help="Passes over the new data [default: the fit's online passes, at least 1]."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the update report as JSON."),
    models_dir: Optional[str] = opt.MODELS_DIR,
    *,
    read: dict[str, Any],
) -> None:
    """Continue training a saved topic model on new articles (topic ids kept) and say what grew or faded."""
    from textkit.errors import ConfigError
    from textkit.workflows.topics import load_topic_model, update_topics

    if new_topics < 0:
        raise ConfigError(f"--new-topics must be 0 or more, not {new_topics}", param="new_topics")
    if passes is not None and passes < 1:
        raise ConfigError(f"--passes must be 1 or more, not {passes}", param="passes")
    load_topic_model(name, models_dir)  # a missing model is reported before the data is read
    stream = opt.read_inputs(paths, read)
    note(f"updating topic model {name!r} with {stream.source} ...")
    result = update_topics(name, stream, new_topics=new_topics, passes=passes, models_dir=models_dir)
    report, model = result.report, result.model
    note(f"read {stream.stats.summary()}")
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    share = report.unknown_tokens / report.tokens if report.tokens else 0.0
    typer.echo(
        f"{report.documents} new articles, {report.tokens} words: {report.unknown_tokens} ({share:.1%}) not in the "
        f"vocabulary; {len(report.words_added)} words added"
        + (
            f" ({', '.join(report.words_added[:10])}{', ...' if len(report.words_added) > 10 else ''})"
            if report.words_added
            else ""
        )
    )
    rows = [
        [topic, model.labels_[topic], f"{before:.1%}", f"{after:.1%}", f"{after - before:+.1%}"]
        for topic, before, after in report.changes()
    ]
    typer.echo("\n" + table(rows, ["topic", "label", "share before", "share in new data", "change"]))
    if report.new_topics:
        typer.echo(f"\nadded topic(s): {', '.join(f'{t} ({model.labels_[t]})' for t in report.new_topics)}")
    if report.poorly_explained:
        words = ", ".join(w for w, _ in report.poorly_explained_words)
        typer.echo(
            f"\n{report.poorly_explained} new articles are explained worse than 95% of the training articles; "
            f"their most frequent words: {words}"
            + ("" if report.new_topics else " (--new-topics N adds topics for them)")
        )
    typer.echo(f"\nsaved topic model {name!r} ({model.num_topics_} topics, {result.seconds:.1f} s)")
