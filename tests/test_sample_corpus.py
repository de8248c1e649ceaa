"""The embedded sample corpus is what the README's main job and the default model use."""

import re
from collections import Counter

import pytest

from textkit.reading.articles import read_articles, sample_corpus_path

THEMES = {
    "terrorism",
    "sovereignty",
    "condolences",
    "diplomacy",
    "military",
    "economy",
    "humanitarian",
    "domestic_politics",
}


@pytest.fixture(scope="module")
def corpus():
    return list(read_articles(sample_corpus_path()))


def test_size_ids_and_fields(corpus):
    assert len(corpus) >= 300
    assert len({a.id for a in corpus}) == len(corpus)
    assert len({a.headline for a in corpus}) == len(corpus)
    for article in corpus:
        assert article.headline and article.place and article.source in {"NNA", "DT"}
        assert re.fullmatch(r"2024-\d\d-\d\d", article.date)
        assert 60 <= len(article.text.split()) <= 250, article.id


def test_labels_follow_the_guideline(corpus):
    counts = Counter(label for a in corpus for label in a.labels)
    assert set(counts) == THEMES
    assert min(counts.values()) >= 35
    assert all(1 <= len(a.labels) <= 4 for a in corpus)


def test_dates_cover_every_month(corpus):
    assert {a.date[5:7] for a in corpus} == {f"{m:02d}" for m in range(1, 13)}


def test_a_keyword_rule_does_not_get_everything_right(corpus):
    # Tagging a theme whenever a word of its name appears must be far from perfect,
    # or the corpus would not exercise a classifier.
    stems = {
        "terrorism": "terror",
        "sovereignty": "sovereign",
        "condolences": "condolence",
        "diplomacy": "diplomat",
        "military": "military",
        "economy": "econom",
        "humanitarian": "humanitarian",
        "domestic_politics": "parliament",
    }
    exact = sum({t for t, s in stems.items() if s in a.full_text.lower()} == set(a.labels) for a in corpus)
    assert exact / len(corpus) < 0.5
