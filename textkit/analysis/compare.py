"""Theme or topic shares compared across groups (outlets, places, months) with bootstrap intervals.

Each article contributes one vector: 0/1 per theme (the themes predicted for it) or its
topic shares (rows sum to 1). A group's share of a theme is the mean of that column
over the group's articles: the proportion of its articles tagged with the theme, or
the topic's mean share (the topic's prevalence in the group).

**Intervals** come from a nonparametric bootstrap over articles, each group resampled on
its own, seeded, percentile method (BCa's jackknife costs ``O(n^2)`` on large groups).
Topic shares: the articles' row numbers drawn as :func:`scipy.stats.bootstrap` draws them
(the same resamples for a seed), counted per resample. Theme tags: drawing ``n`` articles with
replacement is drawing how many articles of each tag combination come up, a multinomial
draw (:meth:`numpy.random.Generator.multinomial`) with the same distribution, whose cost
does not grow with the number of articles. **Differences** between two groups use the two
groups' bootstrap distributions (independent resamples), so each has a percentile
interval and a two-sided p-value from its bootstrap standard error (normal
approximation). Across all the group pairs × columns tested, p-values are adjusted
with the Benjamini-Hochberg procedure (:func:`scipy.stats.false_discovery_control`):
the differences listed as supported are those with an adjusted p-value below
``1 - confidence``, which keeps the expected share of false findings among them
below that level. The intervals themselves are per comparison (not adjusted).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np

from textkit.errors import ConfigError, InputError
from textkit.reading.articles import Article

GROUPINGS = ("source", "place", "byline", "month", "year", "date")
TIME_GROUPINGS = ("month", "year", "date")
CORRECTION = "Benjamini-Hochberg (false discovery rate) over all group pairs x columns"
MEASURES = {"themes": "share of articles", "topics": "mean topic share"}  # what a group's value of a column is


def group_key(article: Article, by: str) -> str | None:
    """The group of ``article`` for ``by`` (``month``: ``YYYY-MM`` of its date), or None when it has none."""
    if by in TIME_GROUPINGS:
        width = {"month": 7, "year": 4, "date": 10}[by]
        value = article.date
        return value[:width] if value and len(value) >= width and value[:4].isdigit() else None
    if by not in GROUPINGS:
        raise ConfigError(f"cannot group by {by!r}", hint=f"use one of {', '.join(GROUPINGS)}", param="by")
    return getattr(article, by) or None


@dataclass
class Comparison:
    """Shares per group with intervals, and the differences between groups.

    ``share``, ``low`` and ``high`` are ``groups x columns`` arrays; ``differences``
    holds one dict per group pair and column (``supported`` when its adjusted
    p-value is below ``1 - confidence``).
    """

    by: str
    columns: list[str]
    groups: list[str]
    counts: list[int]
    share: np.ndarray
    low: np.ndarray
    high: np.ndarray
    differences: list[dict[str, Any]]
    confidence: float
    resamples: int
    seed: int
    measure: str = "share"
    skipped: dict[str, int] = field(default_factory=dict)

    def supported(self) -> list[dict[str, Any]]:
        """The differences the data supports, largest first."""
        return sorted((d for d in self.differences if d["supported"]), key=lambda d: -abs(d["difference"]))

    def to_dict(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "measure": self.measure,
            "confidence": self.confidence,
            "resamples": self.resamples,
            "seed": self.seed,
            "correction": CORRECTION,
            "groups": [{"group": g, "articles": n} for g, n in zip(self.groups, self.counts)],
            "shares": self.rows(),
            "differences": self.differences,
            "skipped": self.skipped,
        }

    def rows(self) -> list[dict[str, Any]]:
        """One row per group and column: ``group, articles, column, share, low, high``."""
        return [
            {
                "group": group,
                "articles": self.counts[g],
                "column": column,
                "share": round(float(self.share[g, c]), 4),
                "low": round(float(self.low[g, c]), 4),
                "high": round(float(self.high[g, c]), 4),
            }
            for g, group in enumerate(self.groups)
            for c, column in enumerate(self.columns)
        ]

    def write_csv(self, handle: IO[str], table: str = "shares") -> None:
        """The ``shares`` table as CSV, or the ``differences`` (every pair and column, ``supported`` marked)."""
        if table == "differences":
            names = ["column", "group_a", "group_b", "difference", "low", "high", "p_value", "p_adjusted", "supported"]
            rows = self.differences
        elif table == "shares":
            names, rows = ["group", "articles", "column", "share", "low", "high"], self.rows()
        else:
            raise ConfigError(f"unknown table {table!r}", hint="use shares or differences", param="table")
        writer = csv.DictWriter(handle, names, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)

    def write_json(self, handle: IO[str]) -> None:
        handle.write(json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n")


_DRAWS_PER_BATCH = 4_000_000  # values in a working array at once (articles drawn, pair differences): 32 MB each


def _resampled_means(matrix: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Column means of ``resamples`` resamples of ``matrix``'s rows (with replacement): ``columns x resamples``.

    The row numbers are drawn exactly as :func:`scipy.stats.bootstrap` draws them (``rng.integers(0, n,
    (batch, n))`` per batch of resamples), so the distribution, and the numbers for a seed, are its
    own. What differs is the statistic: scipy gathers each resample (a ``batch x n`` copy) and the
    statistic then counted all of them in one ``batch x n`` tally (a 32 MB array of counts filled at
    random, cache misses throughout); here each resample's rows are counted on their own (an ``n``
    counts array that stays in the cache), then one matrix product turns the counts into means.
    """
    n = matrix.shape[0]
    batch = max(1, _DRAWS_PER_BATCH // n)
    sums = np.empty((resamples, matrix.shape[1]))
    for start in range(0, resamples, batch):
        # int32: numpy draws a range below 2**32 from the same 32-bit stream whatever the dtype (the same
        # row numbers as scipy's int64 ones), in half the memory.
        drawn = rng.integers(0, n, (min(batch, resamples - start), n), dtype=np.int32)
        tally = np.empty(drawn.shape)
        for row, rows in enumerate(drawn):
            tally[row] = np.bincount(rows, minlength=n)
        sums[start : start + len(drawn)] = tally @ matrix
    return sums.T / n


def _tag_combinations(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The distinct rows of a 0/1 ``matrix`` and how many articles have each; None for other values."""
    columns = matrix.shape[1]
    if columns > 62 or not np.isin(matrix, (0.0, 1.0)).all():
        return None
    codes = matrix.astype(np.int64) @ (np.int64(1) << np.arange(columns, dtype=np.int64))
    distinct, counts = np.unique(codes, return_counts=True)
    patterns = ((distinct[:, None] >> np.arange(columns, dtype=np.int64)) & 1).astype(float)
    return patterns, counts


def bootstrap_shares(
    values: Mapping[str, np.ndarray],
    columns: Sequence[str],
    *,
    by: str = "group",
    resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> Comparison:
    """Bootstrap each group's column means and compare every pair of groups.

    Parameters
    ----------
    values : mapping of group -> array (articles x columns)
        One row per article of the group (0/1 theme tags or topic shares).
    columns : sequence of str
        Column names (themes or topics).
    resamples : int
        Bootstrap resamples per group (at least 100).
    confidence : float
        Level of the intervals, and ``1 - confidence`` the false discovery rate of
        the supported differences.
    seed : int
        Seed: the same data and seed give the same intervals.

    Raises
    ------
    ConfigError
        ``resamples`` below 100, ``confidence`` outside (0, 1), fewer than two rows in a group.
    """
    from scipy.stats import false_discovery_control, norm

    if resamples < 100:
        raise ConfigError(f"resamples must be at least 100, not {resamples}", param="resamples")
    if not 0.0 < confidence < 1.0:
        raise ConfigError(f"confidence must be between 0 and 1, not {confidence}", param="confidence")
    groups = sorted(values)
    if not groups:
        raise InputError("no group has enough articles to compare", hint="check --by and --min-group")
    streams = np.random.SeedSequence(seed).spawn(len(groups))  # one independent stream per group
    tail = (1.0 - confidence) / 2
    share, low, high, distributions = [], [], [], []
    for group, stream in zip(groups, streams):
        matrix = np.asarray(values[group], dtype=float)
        if matrix.shape[0] < 2:
            raise ConfigError(f"group {group!r} has fewer than 2 articles: no interval", param="min_group")
        rng = np.random.default_rng(stream)
        kinds = _tag_combinations(matrix)
        if kinds is not None:
            # 0/1 tags: drawing n articles is drawing how many of each kind (tag combination) come up,
            # one multinomial draw per resample: the same distribution at a cost that does not grow with n.
            patterns, counts = kinds
            drawn = rng.multinomial(matrix.shape[0], counts / counts.sum(), size=resamples)
            distribution = (drawn @ patterns).T / matrix.shape[0]  # columns x resamples
        else:
            # Shares: resample the articles (scipy's draws), without a resamples x articles x columns array.
            distribution = _resampled_means(matrix, resamples, rng)
        lower, upper = np.quantile(distribution, [tail, 1.0 - tail], axis=1)
        share.append(matrix.mean(axis=0))
        low.append(lower)
        high.append(upper)
        distributions.append(distribution)
    differences: list[dict[str, Any]] = []
    p_values: list[float] = []
    stacked = np.stack(distributions)  # groups x columns x resamples
    means = np.array(share)
    first, second = np.triu_indices(len(groups), k=1)  # every pair, in order (0, 1), (0, 2)... (1, 2)...
    chunk = max(1, _DRAWS_PER_BATCH // stacked[0].size)  # pairs at once: bounded memory
    for start in range(0, len(first), chunk):
        a, b = first[start : start + chunk], second[start : start + chunk]
        spread = stacked[a] - stacked[b]
        lower, upper = np.quantile(spread, [tail, 1.0 - tail], axis=2)
        error = spread.std(axis=2, ddof=1)
        gaps = means[a] - means[b]
        with np.errstate(divide="ignore", invalid="ignore"):
            # Both groups constant in a column: no spread, the difference is exact.
            pair_p = np.where(error > 0, 2 * norm.sf(np.abs(gaps) / error), (gaps == 0).astype(float))
        for i, (ga, gb) in enumerate(zip(a, b)):
            for c, column in enumerate(columns):
                p_values.append(float(pair_p[i, c]))
                differences.append(
                    {
                        "column": column,
                        "group_a": groups[ga],
                        "group_b": groups[gb],
                        "difference": round(float(gaps[i, c]), 4),
                        "low": round(float(lower[i, c]), 4),
                        "high": round(float(upper[i, c]), 4),
                        "p_value": p_values[-1],
                    }
                )
    adjusted = false_discovery_control(p_values) if p_values else []
    for difference, p in zip(differences, adjusted):
        difference["p_adjusted"] = float(p)
        difference["supported"] = bool(p < 1.0 - confidence)
    return Comparison(
        by=by,
        columns=list(columns),
        groups=groups,
        counts=[int(np.asarray(values[g]).shape[0]) for g in groups],
        share=np.array(share),
        low=np.array(low),
        high=np.array(high),
        differences=differences,
        confidence=confidence,
        resamples=resamples,
        seed=seed,
    )


def compare_groups(
    keys: Sequence[str | None],
    values: np.ndarray | Sequence[Sequence[float]],
    columns: Sequence[str],
    *,
    by: str = "group",
    min_group: int = 10,
    resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    measure: str = "share",
    skipped: Mapping[str, int] | None = None,
) -> Comparison:
    """:func:`bootstrap_shares` of per-article rows and their groups: what ``textkit compare`` and the web page run.

    Parameters
    ----------
    keys : sequence of str or None
        Each article's group (None or empty: it has none, left out and counted).
    values : array (articles x columns)
        Each article's row, in the articles' order (the bootstrap draws depend on it).
    min_group : int
        Groups with fewer articles are left out and counted in ``skipped``.
    skipped : mapping, optional
        Articles the caller already left out, by reason; the counts here are added.

    Raises
    ------
    ConfigError
        ``min_group`` below 2, keys and rows of different lengths, or bad bootstrap options.
    InputError
        Fewer than two groups with ``min_group`` articles.
    """
    if min_group < 2:
        raise ConfigError(f"min_group must be at least 2, not {min_group}", param="min_group")
    matrix = np.asarray(values, dtype=float).reshape(len(keys), len(columns))
    left_out = dict(skipped or {})
    has_key = np.array([bool(k) for k in keys], dtype=bool)
    if not has_key.all():
        left_out[f"no {by}"] = left_out.get(f"no {by}", 0) + int((~has_key).sum())
    named = np.array([k for k in keys if k], dtype=str)
    groups, inverse, counts = np.unique(named, return_inverse=True, return_counts=True)
    order = np.argsort(inverse, kind="stable")  # each group's rows in the articles' order
    starts = np.concatenate([[0], np.cumsum(counts)])
    rows = matrix[has_key][order]
    small = counts < min_group
    if small.any():
        left_out[f"in groups under {min_group} articles"] = int(counts[small].sum())
    kept = {str(g): rows[starts[i] : starts[i + 1]] for i, g in enumerate(groups) if not small[i]}
    if len(kept) < 2:
        raise InputError(
            f"{len(kept)} {by} group(s) with at least {min_group} articles: nothing to compare",
            hint="check --by, or lower --min-group",
        )
    comparison = bootstrap_shares(kept, columns, by=by, resamples=resamples, confidence=confidence, seed=seed)
    comparison.measure = measure
    comparison.skipped = left_out
    return comparison


def chart_html(comparison: Comparison, title: str, shown: int = 8) -> str:
    """A self-contained HTML page: the chart (PNG inline), the shares and the supported differences."""
    import html

    from textkit.topics.report import _figure, _png

    esc = html.escape
    order = np.argsort(-comparison.share.mean(axis=0))[:shown]  # the largest columns overall
    figure = _figure(8, 4.5)
    ax = figure.subplots()
    level = f"{comparison.confidence:.0%}"
    if comparison.by in TIME_GROUPINGS:
        x = np.arange(len(comparison.groups))
        for c in order:
            (line,) = ax.plot(x, comparison.share[:, c], marker="o", label=comparison.columns[c])
            ax.fill_between(x, comparison.low[:, c], comparison.high[:, c], color=line.get_color(), alpha=0.15)
        ax.set_xticks(x, comparison.groups, rotation=45, fontsize=8)
        ax.set_xlabel(comparison.by)
        ax.set_ylabel(f"{comparison.measure} ({level} interval)")
    else:
        width = 0.8 / max(1, len(comparison.groups))
        y = np.arange(len(order))
        for g, group in enumerate(comparison.groups):
            centre = comparison.share[g, order]
            errors = [centre - comparison.low[g, order], comparison.high[g, order] - centre]
            ax.errorbar(
                centre, y + g * width, xerr=errors, fmt="o", capsize=3, label=f"{group} ({comparison.counts[g]})"
            )
        ax.set_yticks(y + width * (len(comparison.groups) - 1) / 2, [comparison.columns[c] for c in order], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel(f"{comparison.measure} per {comparison.by} ({level} interval)")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    ax.set_title(title)
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{esc(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
        "table{border-collapse:collapse;font-size:14px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}"
        "img{max-width:100%}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f"<p>{level} bootstrap intervals ({comparison.resamples} resamples over articles, seed {comparison.seed}); "
        f"differences: {esc(CORRECTION)}, supported when the adjusted p-value is below "
        f"{1 - comparison.confidence:.2f}.</p>",
        f"<img alt='{esc(title)}' src='data:image/png;base64,{_png(figure)}'>",
        "<h2>Shares</h2><table><tr><th>"
        + f"{esc(comparison.by)}</th><th>articles</th>"
        + "".join(f"<th>{esc(c)}</th>" for c in comparison.columns)
        + "</tr>",
    ]
    for g, group in enumerate(comparison.groups):
        cells = "".join(
            f"<td>{comparison.share[g, c]:.3f} [{comparison.low[g, c]:.3f}, {comparison.high[g, c]:.3f}]</td>"
            for c in range(len(comparison.columns))
        )
        parts.append(f"<tr><td>{esc(group)}</td><td>{comparison.counts[g]}</td>{cells}</tr>")
    parts.append("</table><h2>Supported differences</h2>")
    supported = comparison.supported()
    if supported:
        parts.append(
            "<table><tr><th>column</th><th>a</th><th>b</th><th>a - b</th><th>interval</th><th>adjusted p</th></tr>"
        )
        for d in supported:
            parts.append(
                f"<tr><td>{esc(d['column'])}</td><td>{esc(d['group_a'])}</td><td>{esc(d['group_b'])}</td>"
                f"<td>{d['difference']:+.3f}</td><td>[{d['low']:+.3f}, {d['high']:+.3f}]</td>"
                f"<td>{d['p_adjusted']:.3g}</td></tr>"
            )
        parts.append("</table>")
    else:
        parts.append("<p>None: no difference between groups passes the correction.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)
