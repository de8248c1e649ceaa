"""Topic words under each ranking, and representative articles, on constructed corpora with known answers."""

from __future__ import annotations

import random

import numpy as np
import pytest

from textkit.errors import ConfigError
from textkit.reading.articles import Article
from textkit.topics.model import TopicModel
from textkit.topics.ranking import word_scores

FARM = ["wheat", "harvest", "grain", "farmers", "crop", "barley", "export", "tractor", "field", "rain"]
WAR = ["missile", "army", "soldiers", "tank", "border", "troops", "artillery", "drone", "attack", "navy"]
VOTE = ["election", "parliament", "vote", "ballot", "candidate", "campaign", "party", "minister", "coalition", "poll"]
GENERIC = "people"


def _text(rng: random.Random, vocabulary: list[str], length: int, generic: float = 0.0) -> str:
    return " ".join(GENERIC if rng.random() < generic else rng.choice(vocabulary) for _ in range(length))


def _generic_corpus() -> list[str]:
    # "people" is an eighth of every article's words (the others about 9% each): the most probable word of
    # every topic, and as frequent in each topic as in the corpus.
    rng = random.Random(0)
    return [_text(rng, v, 40, generic=0.12) for v in (FARM, WAR, VOTE) for _ in range(30)]


@pytest.fixture(scope="module")
def generic_model() -> TopicModel:
    # Plain counts in the sampler: with its default PMI weights "people" would not top probability either.
    return TopicModel(3, workers=1, no_above=1.0, measures=(), term_weight="one").fit(_generic_corpus())


def test_a_generic_word_tops_probability_but_never_relevance_or_frex(generic_model):
    assert [words[0] for words in generic_model.top_word_lists(1, rank="probability")] == [GENERIC] * 3
    for rank in ("relevance", "frex"):
        first = [words[0] for words in generic_model.top_word_lists(5, rank=rank)]
        assert GENERIC not in first, rank
    # the default ranking (labels, show, report) is relevance
    assert all(GENERIC not in label.split(" / ")[0] for label in generic_model.labels_)
    for topic in range(3):
        words = [w for w, _ in generic_model.top_words(topic, 10)]
        assert set(words) - {GENERIC} in ({*FARM}, {*WAR}, {*VOTE})


@pytest.mark.parametrize("term_weight", [None, "pmi"])
def test_the_samplers_word_weights_keep_a_generic_word_off_the_top_of_every_topic(term_weight):
    params = {"term_weight": term_weight} if term_weight else {}  # None: the default, IDF
    model = TopicModel(3, workers=1, no_above=1.0, measures=(), **params).fit(_generic_corpus())
    assert model.term_weight == (term_weight or "idf")
    for rank in ("probability", "relevance", "frex"):
        first = [words[0] for words in model.top_word_lists(5, rank=rank)]
        assert GENERIC not in first, rank


def test_the_default_ranking_is_probability_for_weighted_topics_and_relevance_otherwise():
    docs = _generic_corpus()
    weighted = TopicModel(3, workers=1, measures=()).fit(docs)
    assert weighted.default_rank == "probability"
    assert weighted.top_word_lists() == weighted.top_word_lists(rank="probability")
    assert weighted.labels_ == [" / ".join(w) for w in weighted.top_word_lists(3, rank="probability")]
    for params in ({"init": "nmf"}, {"term_weight": "one"}):
        plain = TopicModel(3, workers=1, measures=(), **params)
        assert plain.default_rank == "relevance"
        plain.fit(docs)
        assert plain.top_word_lists() == plain.top_word_lists(rank="relevance")
        assert [t["words"] for t in plain.topics(5)] == [
            [[w, round(p, 5)] for w, p in plain.top_words(k, 5, rank="relevance")] for k in range(3)
        ]


def test_top_words_keep_probabilities_as_weights(generic_model):
    phi = generic_model.lda_.get_topics()
    word, weight = generic_model.top_words(0, 1, rank="relevance")[0]
    assert weight == pytest.approx(phi[0, generic_model.dictionary_.token2id[word]])
    with pytest.raises(ConfigError, match="unknown word ranking 'tfidf'"):
        generic_model.top_words(0, 3, rank="tfidf")


def test_rankings_on_a_known_matrix():
    # word 0 is as probable in both topics, word 1 nearly only in topic 0
    phi = np.array([[0.35, 0.3, 0.15, 0.1, 0.1], [0.35, 0.02, 0.13, 0.25, 0.25]])
    counts = np.array([70.0, 32.0, 28.0, 35.0, 35.0])
    assert list(np.argsort(-word_scores(phi, counts, "probability")[0], kind="stable")[:2]) == [0, 1]
    assert list(np.argsort(-word_scores(phi, counts, "relevance")[0], kind="stable")[:2]) == [1, 0]
    assert list(np.argsort(-word_scores(phi, counts, "frex")[0], kind="stable")[:2]) == [1, 0]
    assert word_scores(phi, counts, "relevance")[0, 1] == pytest.approx(0.6 * np.log(0.3) + 0.4 * np.log(0.3 / 0.16))
    # FREX: exclusivity ECDF 1 (highest of 5), frequency ECDF 4/5, harmonic mean with weight 0.5
    assert word_scores(phi, counts, "frex")[0, 1] == pytest.approx(1 / (0.5 / 1 + 0.5 / 0.8))


def _articles() -> list[Article]:
    rng = random.Random(1)
    articles = []
    for name, vocabulary in (("farm", FARM), ("war", WAR)):
        for n in range(25):
            articles.append(Article(id=f"{name}-{n}", text=_text(rng, vocabulary, 40), headline=f"{name} story {n}"))
        # short pieces written for the topic: as pure, but too short to stand for it
        for n in range(3):
            articles.append(Article(id=f"{name}-brief-{n}", text=_text(rng, vocabulary, 6)))
    for n in range(20):  # articles about both
        articles.append(Article(id=f"mixed-{n}", text=_text(rng, FARM, 20) + " " + _text(rng, WAR, 20)))
    rng.shuffle(articles)
    return articles


def test_representative_articles_are_the_ones_written_for_the_topic():
    articles = _articles()
    model = TopicModel(2, workers=1, measures=()).fit(articles)
    for topic in range(2):
        name = "farm" if set(model.top_word_lists(10)[topic]) == set(FARM) else "war"
        docs = model.representative_docs(topic, 10)
        assert len(docs) == 10
        assert all(d["id"].startswith(f"{name}-") and "brief" not in d["id"] for d in docs), docs
        assert all(d["headline"].startswith(f"{name} story") and d["words"] >= 20 for d in docs)
        assert [d["share"] for d in docs] == sorted((d["share"] for d in docs), reverse=True)
        # recomputed from data given: the same articles
        again = model.representative_docs(topic, 10, X=articles)
        assert [d["id"] for d in again] == [d["id"] for d in docs]
    # an article below 20 words comes after every longer one, whatever its share
    name = "farm" if set(model.top_word_lists(10)[0]) == set(FARM) else "war"
    some = [a for a in articles if "brief" in a.id or a.id in {f"mixed-{n}" for n in range(5)}]
    ids = [d["id"] for d in model.representative_docs(0, 8, X=some)]
    assert all(i.startswith("mixed") for i in ids[:5]) and sorted(ids[5:]) == [f"{name}-brief-{n}" for n in range(3)]


def test_plain_strings_get_numbers_and_a_snippet():
    rng = random.Random(2)
    texts = [_text(rng, FARM, 30) for _ in range(20)] + [_text(rng, WAR, 30) for _ in range(20)]
    model = TopicModel(2, workers=1, measures=()).fit(texts)
    doc = model.representative_docs(0, 1)[0]
    assert texts[int(doc["id"]) - 1].startswith(doc["headline"].rstrip("…"))
    assert len(doc["headline"]) <= 160
