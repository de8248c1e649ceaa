"""A self-contained HTML report of a topic model, with its charts embedded as PNG.

Charts: coherence and diversity against K (when K was chosen automatically), the top
words of every topic (tables of the words under each ranking and of each topic's
representative articles beside them), topic prevalence, topic shares per month (when the articles
have dates) and a topics × theme labels heat map (when they have labels). The figures
are drawn with matplotlib's object API (``Figure``, no pyplot), so making a report
changes no global plotting state.
"""

from __future__ import annotations

import base64
import html
import io
from typing import Any

import numpy as np

from textkit import progress
from textkit.topics.model import TopicModel
from textkit.topics.quality import k_rule
from textkit.topics.ranking import RANKINGS

TRENDS_SHOWN = 8  # lines in the trend chart: more are unreadable; the rest are in the table
REPORT_ARTICLES = 3  # representative articles listed per topic


def _png(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def k_curve_chart(curve: list[dict[str, Any]], chosen: int) -> str:
    """Coherence (c_v, c_npmi), diversity and their product against K; u_mass on its own axis."""
    figure = _figure(7, 3.6)
    ax = figure.subplots()
    ks = [row["k"] for row in curve]
    for key, style in (("c_v", "o-"), ("c_npmi", "s-"), ("diversity", "^--"), ("quality", "D-")):
        if all(row.get(key) is not None for row in curve):
            ax.plot(ks, [row[key] for row in curve], style, label="c_v × diversity" if key == "quality" else key)
    if all("u_mass" in row for row in curve):
        right = ax.twinx()
        right.plot(ks, [row["u_mass"] for row in curve], "x:", color="grey", label="u_mass (right)")
        right.set_ylabel("u_mass")
        right.legend(loc="lower left", bbox_to_anchor=(1.12, 0.0), fontsize=8)
    ax.axvline(chosen, color="black", linewidth=0.8, linestyle=":")
    ax.set_xlabel(f"number of topics K (chosen: {chosen})")
    ax.set_ylabel("score")
    ax.set_xticks(ks)
    ax.legend(loc="upper left", bbox_to_anchor=(1.12, 1.0), fontsize=8)
    ax.set_title("Topic coherence and diversity against K")
    return _png(figure)


def top_words_chart(model: TopicModel, words: int = 10) -> str:
    """One small horizontal bar chart of top-word weights per topic."""
    topics = model.topics(words)
    columns = 4 if len(topics) > 6 else min(len(topics), 3)
    rows = -(-len(topics) // columns)
    figure = _figure(3.2 * columns, 2.5 * rows)
    axes = np.atleast_1d(figure.subplots(rows, columns)).ravel()
    for ax, topic in zip(axes, topics):
        names = [w for w, _ in topic["words"]][::-1]
        weights = [p for _, p in topic["words"]][::-1]
        ax.barh(names, weights, color="C0")
        ax.set_title(f"{topic['id']}: {_short(topic['label'], 34)}", fontsize=9)
        ax.tick_params(labelsize=8)
        ax.set_xlabel("P(word | topic), words by relevance", fontsize=7)
    for ax in axes[len(topics) :]:
        ax.set_visible(False)
    return _png(figure)


def prevalence_chart(model: TopicModel) -> str:
    """Share of the corpus of each topic, largest first."""
    topics = sorted(model.topics(3), key=lambda t: t["prevalence"])
    figure = _figure(7, 0.32 * len(topics) + 1)
    ax = figure.subplots()
    ax.barh([f"{t['id']}: {_short(t['label'], 40)}" for t in topics], [t["prevalence"] for t in topics], color="C2")
    ax.set_xlabel("mean share of the articles")
    ax.tick_params(axis="y", labelsize=8)
    ax.set_title("Topic prevalence")
    return _png(figure)


def trends_chart(model: TopicModel) -> str:
    """Monthly share of the most prevalent topics."""
    summary = model.summary_
    months = list(summary.months)
    shares = np.array([summary.months[m] for m in months])  # months x topics
    shown = np.argsort(summary.prevalence)[::-1][:TRENDS_SHOWN]
    figure = _figure(8, 4)
    ax = figure.subplots()
    for topic in shown:
        ax.plot(months, shares[:, topic], marker="o", label=f"{topic}: {_short(model.labels_[topic], 30)}")
    ax.set_ylabel("share of the month's articles")
    ax.set_title(f"Topic trends per month (the {len(shown)} most prevalent topics)")
    ax.tick_params(axis="x", rotation=45, labelsize=8)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return _png(figure)


def themes_heatmap(model: TopicModel) -> str:
    """Mean topic share of the articles of each theme label (columns sum to 1)."""
    summary = model.summary_
    labels = list(summary.labels)
    matrix = np.array([summary.labels[label] for label in labels]).T  # topics x labels
    figure = _figure(1.0 * len(labels) + 4, 0.35 * model.num_topics_ + 1.8)
    ax = figure.subplots()
    image = ax.imshow(matrix, aspect="auto", cmap="Blues", vmin=0)
    ax.set_xticks(
        range(len(labels)),
        [f"{lab}\n({summary.label_counts[lab]})" for lab in labels],
        rotation=45,
        ha="right",
        fontsize=8,
    )
    ax.set_yticks(
        range(model.num_topics_), [f"{t}: {_short(lab, 30)}" for t, lab in enumerate(model.labels_)], fontsize=8
    )
    for (row, column), value in np.ndenumerate(matrix):
        if value >= 0.05:
            ax.text(
                column,
                row,
                f"{value:.2f}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if value > matrix.max() * 0.6 else "black",
            )
    figure.colorbar(image, ax=ax, label="mean topic share")
    ax.set_title("Topics × theme labels")
    return _png(figure)


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def render_report(model: TopicModel, manifest: dict[str, Any]) -> str:
    """The report as one HTML string (images inline as data URIs)."""
    summary = model.summary_
    metrics = manifest.get("metrics", {})
    esc = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>Topic model {esc(manifest.get('name', ''))}</title>",
        "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
        "table{border-collapse:collapse;font-size:14px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}"
        "img{max-width:100%}</style></head><body>",
        f"<h1>Topic model {esc(manifest.get('name', ''))}</h1>",
        f"<p>{model.num_topics_} topics from {summary.documents} articles "
        f"({summary.empty_documents} without any word of the vocabulary), vocabulary of {len(model.dictionary_)} words; "
        f"created {esc(str(manifest.get('created', '')))}.</p>",
    ]
    scores = [
        (k, metrics[k])
        for k in ("c_v", "c_npmi", "u_mass", "diversity", "converged")
        if isinstance(metrics.get(k), (int, float))
    ]
    if scores:
        parts.append(
            "<table><tr>"
            + "".join(f"<th>{esc(k)}</th>" for k, _ in scores)
            + "</tr><tr>"
            + "".join(f"<td>{v:.3f}</td>" for _, v in scores)
            + "</tr></table>"
        )
    for message in getattr(model, "notes_", []):
        parts.append(f"<p><em>Note: {esc(message)}</em></p>")
    parts.append(
        "<h2>Topics</h2><p>Top words ranked three ways: <b>relevance</b> (Sievert &amp; Shirley, lambda 0.6: "
        "words distinctive of the topic first), <b>FREX</b> (stm: frequent and exclusive) and plain "
        "<b>probability</b> (in topics of plain word counts it favours words common to every topic; the "
        "default Gibbs start weighs those down already).</p>"
        "<table><tr><th>topic</th><th>label</th><th>share</th><th>articles (dominant)</th>"
        + "".join(f"<th>{rank}</th>" for rank in RANKINGS)
        + "</tr>"
    )
    ranked = {rank: model.top_word_lists(10, rank=rank) for rank in RANKINGS}
    for topic in range(model.num_topics_):
        parts.append(
            f"<tr><td>{topic}</td><td>{esc(model.labels_[topic])}</td><td>{summary.prevalence[topic]:.1%}</td>"
            f"<td>{summary.dominant_counts[topic]}</td>"
            + "".join(f"<td>{esc(', '.join(ranked[rank][topic]))}</td>" for rank in RANKINGS)
            + "</tr>"
        )
    parts.append("</table>")
    parts.append(
        "<h2>Representative articles</h2><p>The articles with the highest share of each topic "
        "(articles of at least 20 vocabulary words first).</p><table><tr><th>topic</th><th>article</th>"
        "<th>share</th><th>headline</th></tr>"
    )
    for topic in range(model.num_topics_):
        for article in model.representative_docs(topic, REPORT_ARTICLES):
            parts.append(
                f"<tr><td>{esc(model.labels_[topic])}</td><td>{esc(article['id'])}</td>"
                f"<td>{article['share']:.2f}</td><td>{esc(article['headline'])}</td></tr>"
            )
    parts.append("</table>")

    def image(title: str, data: str, text: str = "") -> None:
        parts.append(
            f"<h2>{esc(title)}</h2>"
            + (f"<p>{esc(text)}</p>" if text else "")
            + f"<img alt='{esc(title)}' src='data:image/png;base64,{data}'>"
        )
        step.advance()

    charts = 2 + bool(model.k_scores_) + bool(summary.months) + bool(summary.labels)
    with progress.task("drawing the report", charts, "charts") as step:
        if model.k_scores_:
            image(
                "Choosing the number of topics",
                k_curve_chart(model.k_scores_, model.num_topics_),
                f"{k_rule(model.select_by)}: K = {model.num_topics_}.",
            )
        image("Top words", top_words_chart(model))
        image("Prevalence", prevalence_chart(model))
        if summary.months:
            image("Trends over time", trends_chart(model))
            months = list(summary.months)
            parts.append(
                "<table><tr><th>topic</th>"
                + "".join(f"<th>{esc(m)}<br>({summary.month_counts[m]})</th>" for m in months)
                + "</tr>"
            )
            for number, label in enumerate(model.labels_):
                parts.append(
                    f"<tr><td>{esc(label)}</td>"
                    + "".join(f"<td>{summary.months[m][number]:.2f}</td>" for m in months)
                    + "</tr>"
                )
            parts.append("</table>")
        else:
            parts.append("<p>The articles have no dates: no trends over time.</p>")
        if summary.labels:
            image(
                "Topics and theme labels",
                themes_heatmap(model),
                "Each column: the mean topic shares of the articles carrying that theme label.",
            )
        else:
            parts.append("<p>The articles have no theme labels: no topics × themes table.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)
