"""Label top terms and per-text contributions on a constructed corpus."""

from __future__ import annotations

import pytest
from test_classify import VOCAB, corpus

from textkit.errors import ConfigError, NotFittedError
from textkit.themes.classify import ThemeClassifier
from textkit.themes.explain import explain_text, top_terms


@pytest.fixture(scope="module")
def model() -> ThemeClassifier:
    return ThemeClassifier().fit(*corpus())


def test_top_terms_are_the_themes_own_words(model: ThemeClassifier) -> None:
    terms = top_terms(model, n=5)
    assert sorted(terms) == ["diplomacy", "economy", "terrorism"]
    for label, lists in terms.items():
        positive = [term for term, _ in lists["positive"]]
        assert len(positive) == 5 and set(positive) <= set(VOCAB[label].split())
        weights = [w for _, w in lists["positive"]]
        assert weights == sorted(weights, reverse=True) and weights[-1] > 0
        # The strongest negative words belong to other themes.
        assert all(term not in VOCAB[label] for term, _ in lists["negative"])
        assert all(w < 0 for _, w in lists["negative"])


def test_top_terms_of_one_label_and_errors(model: ThemeClassifier) -> None:
    assert list(top_terms(model, "economy", n=2)) == ["economy"]
    with pytest.raises(
        ConfigError, match="^unknown label 'sports' \\(the model's labels: diplomacy, economy, terrorism\\)$"
    ):
        top_terms(model, "sports")
    with pytest.raises(ConfigError, match="the number of terms must be at least 1, not 0"):
        top_terms(model, n=0)
    with pytest.raises(NotFittedError):
        top_terms(ThemeClassifier())


def test_explain_text_names_the_words_behind_each_predicted_label(model: ThemeClassifier) -> None:
    explained = explain_text(model, "Militants bomb the embassy", n=5)
    assert list(explained) == ["terrorism", "diplomacy"]
    assert {term for term, _ in explained["terrorism"]} == {"militants", "bomb"}
    assert explained["diplomacy"][0][0] == "embassy"
    contribution = dict(explained["diplomacy"])["embassy"]
    features = model.vectorizer_.transform(["Militants bomb the embassy"])
    column = model.vectorizer_.vocabulary_["embassy"]
    assert contribution == round(float(features[0, column] * model.coef_[0, column]), 4)
    assert explain_text(model, "nothing known", n=3) == {}


def test_char_ngram_features_are_quoted() -> None:
    model = ThemeClassifier(char_ngrams=True).fit(*corpus())
    positive = [term for term, _ in top_terms(model, "economy", n=40)["economy"]["positive"]]
    assert any(term.startswith("'") for term in positive)
    assert any(not term.startswith("'") for term in positive)
