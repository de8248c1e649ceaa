"""Shares per group with bootstrap intervals, on constructed data whose true shares are known."""

from __future__ import annotations

import numpy as np
import pytest

from textkit.analysis.compare import bootstrap_shares, compare_groups, group_key
from textkit.errors import ConfigError, InputError
from textkit.reading.articles import Article


def test_shares_are_the_column_means_inside_their_intervals():
    values = {
        "A": np.array([[1, 0], [1, 0], [0, 1], [1, 1]], dtype=float),
        "B": np.array([[0, 1], [0, 1], [0, 1], [1, 0], [0, 0]], dtype=float),
    }
    result = bootstrap_shares(values, ["economy", "military"], by="source", resamples=200)
    assert result.groups == ["A", "B"] and result.counts == [4, 5]
    assert result.share.tolist() == [[0.75, 0.5], [0.2, 0.6]]
    assert np.all(result.low <= result.share) and np.all(result.share <= result.high)
    assert len(result.differences) == 2  # one pair of groups x two columns
    first = result.differences[0]
    assert (first["column"], first["group_a"], first["group_b"], first["difference"]) == ("economy", "A", "B", 0.55)
    assert [r["share"] for r in result.rows()] == [0.75, 0.5, 0.2, 0.6]


def test_same_seed_same_intervals_other_seed_others():
    rng = np.random.default_rng(0)
    values = {g: rng.integers(0, 2, size=(40, 3)).astype(float) for g in "XYZ"}
    one = bootstrap_shares(values, ["a", "b", "c"], resamples=300, seed=4)
    two = bootstrap_shares(values, ["a", "b", "c"], resamples=300, seed=4)
    other = bootstrap_shares(values, ["a", "b", "c"], resamples=300, seed=5)
    assert np.array_equal(one.low, two.low) and one.differences == two.differences
    assert not np.array_equal(one.low, other.low)
    assert len(one.differences) == 3 * 3  # 3 pairs of groups x 3 columns


def test_constant_column_has_a_point_interval():
    values = {"A": np.zeros((10, 1)), "B": np.zeros((12, 1))}
    result = bootstrap_shares(values, ["economy"], resamples=100)
    assert result.low.tolist() == [[0.0], [0.0]] and result.high.tolist() == [[0.0], [0.0]]
    assert result.differences[0]["p_value"] == 1.0 and not result.differences[0]["supported"]


def test_interval_covers_the_true_difference_at_the_stated_rate():
    """200 draws of a corpus where outlet A tags a theme 30% of the time and B 20%: about 95% coverage."""
    rng = np.random.default_rng(123)
    covered = supported = 0
    draws = 200
    for draw in range(draws):
        values = {
            "A": (rng.random((200, 1)) < 0.30).astype(float),
            "B": (rng.random((200, 1)) < 0.20).astype(float),
        }
        result = bootstrap_shares(values, ["theme"], resamples=400, seed=draw)
        difference = result.differences[0]
        covered += difference["low"] <= 0.10 <= difference["high"]
        supported += difference["supported"]
    # Binomial sd of the coverage over 200 draws is 0.015: the band is about 3 sd wide each side.
    assert 0.90 <= covered / draws <= 0.99
    # A true 10-point difference at n=200 per group: power about 0.6 (two-sided test at 5%).
    assert 0.4 <= supported / draws <= 0.8


def test_no_difference_is_rarely_supported():
    rng = np.random.default_rng(7)
    false = 0
    for draw in range(100):
        values = {g: (rng.random((150, 4)) < 0.25).astype(float) for g in "ABC"}
        false += any(
            d["supported"] for d in bootstrap_shares(values, list("wxyz"), resamples=300, seed=draw).differences
        )
    # Benjamini-Hochberg under the global null controls the chance of any false finding at ~5%.
    assert false <= 12


def test_group_keys():
    article = Article("a", "t", date="2024-03-05T10:00", source="NNA", place="Homs")
    assert [group_key(article, by) for by in ("month", "year", "date", "source", "place", "byline")] == [
        "2024-03",
        "2024",
        "2024-03-05",
        "NNA",
        "Homs",
        None,
    ]
    assert group_key(Article("b", "t", date="last week"), "month") is None
    with pytest.raises(ConfigError) as error:
        group_key(article, "colour")
    assert error.value.param == "by"


def test_bad_options():
    values = {"A": np.ones((5, 1)), "B": np.zeros((5, 1))}
    with pytest.raises(ConfigError, match="resamples"):
        bootstrap_shares(values, ["x"], resamples=10)
    with pytest.raises(ConfigError, match="confidence"):
        bootstrap_shares(values, ["x"], confidence=95)
    with pytest.raises(InputError, match="no group"):
        bootstrap_shares({}, ["x"])


def test_compare_groups_splits_rows_by_key_and_counts_what_it_leaves_out():
    rng = np.random.default_rng(2)
    keys = ["B", None, "A", "B", "", "C", *(["A", "B"] * 10)]
    rows = (rng.random((len(keys), 2)) < 0.4).astype(float)
    result = compare_groups(
        keys, rows, ["x", "y"], by="source", min_group=3, resamples=200, measure="m", skipped={"r": 1}
    )
    # C has one article: left out; the empty key counts as no source.
    assert result.skipped == {"r": 1, "no source": 2, "in groups under 3 articles": 1}
    assert result.groups == ["A", "B"] and result.counts == [11, 12] and result.measure == "m"
    # The same as bootstrap_shares on each group's rows in the articles' order.
    by_key = {g: rows[[i for i, k in enumerate(keys) if k == g]] for g in ("A", "B")}
    direct = bootstrap_shares(by_key, ["x", "y"], by="source", resamples=200)
    assert result.rows() == direct.rows() and result.differences == direct.differences
    with pytest.raises(InputError, match="1 source group"):
        compare_groups(keys, rows, ["x", "y"], by="source", min_group=12)
    with pytest.raises(ConfigError, match="min_group"):
        compare_groups(keys, rows, ["x", "y"], min_group=1)


def test_large_groups_are_resampled_in_batches_with_the_same_result_for_the_same_seed():
    values = {g: (np.random.default_rng(i).random((30_000, 2)) < 0.3).astype(float) for i, g in enumerate("AB")}
    one = bootstrap_shares(values, ["x", "y"], resamples=200)
    assert one.rows() == bootstrap_shares(values, ["x", "y"], resamples=200).rows()
    assert np.all(np.abs(one.high - one.low) < 0.025)  # n = 30,000: a 95% interval about 1 point wide


def test_tags_drawn_by_combination_match_drawing_articles():
    """Theme tags are resampled as a multinomial draw over tag combinations: the same intervals as drawing articles."""
    rng = np.random.default_rng(11)
    tags = (rng.random((400, 2)) < [0.3, 0.05]).astype(float)
    by_kind = bootstrap_shares({"A": tags, "B": tags[::-1]}, ["x", "y"], resamples=20_000)
    shares = tags.copy()
    shares[0, 0] = 1 - 1e-12  # no longer 0/1: the articles themselves are drawn
    by_article = bootstrap_shares({"A": shares, "B": shares[::-1]}, ["x", "y"], resamples=20_000)
    assert np.allclose(by_kind.low, by_article.low, atol=0.005) and np.allclose(
        by_kind.high, by_article.high, atol=0.005
    )


def test_topic_shares_are_resampled_as_scipy_bootstrap_resamples_them():
    """The same resamples as :func:`scipy.stats.bootstrap` for the seed, in batches too: the same intervals."""
    from scipy.stats import bootstrap

    shares = np.random.default_rng(5).dirichlet([0.3, 0.3, 0.3], size=30_000)[:, :2]  # 30,000 rows: 2 batches
    result = bootstrap_shares({"A": shares}, ["x", "y"], resamples=150, seed=9)
    reference = bootstrap(
        (np.arange(len(shares)),),
        lambda drawn, axis: shares[drawn].mean(axis=-2).T,
        vectorized=True,
        n_resamples=150,
        batch=4_000_000 // len(shares),
        method="percentile",
        rng=np.random.default_rng(np.random.SeedSequence(9).spawn(1)[0]),
    )
    assert np.allclose(result.low[0], reference.confidence_interval.low, rtol=0, atol=1e-12)
    assert np.allclose(result.high[0], reference.confidence_interval.high, rtol=0, atol=1e-12)
