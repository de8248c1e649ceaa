"""HashingThemeClassifier: hashed TF-IDF features trained part by part with partial_fit."""

import numpy as np
import pytest

from textkit.errors import ConfigError, NotFittedError
from textkit.reading.articles import read_articles, sample_corpus_path
from textkit.themes.hashing import HashingThemeClassifier


@pytest.fixture(scope="module")
def sample():
    articles = list(read_articles(sample_corpus_path()))
    return [a.full_text for a in articles], [list(a.labels) for a in articles]


def test_idf_is_scikit_learns_from_counts_added_up_over_parts(sample):
    from sklearn.feature_extraction.text import TfidfTransformer

    texts, labels = sample
    model = HashingThemeClassifier(n_features=2**12)
    parts = [(texts[:100], labels[:100]), (texts[100:250], labels[100:250]), (texts[250:], labels[250:])]
    total = sum(model.count(part)[0] for part in parts)
    model.start(total, len(texts), {label for row in labels for label in row}, True)
    expected = TfidfTransformer(sublinear_tf=True).fit(model.hasher().transform(texts)).idf_
    np.testing.assert_allclose(model.tfidf_.idf_, expected)


def test_learns_the_sample_themes_on_held_out_articles(sample):
    from textkit.themes.evaluate import evaluate

    texts, labels = sample
    rng = np.random.RandomState(0)
    order = rng.permutation(len(texts))
    train, test = order[:240], order[240:]
    model = HashingThemeClassifier(n_features=2**14, batch_size=60).fit(
        [texts[i] for i in train], [labels[i] for i in train]
    )
    report = evaluate(model, [texts[i] for i in test], [labels[i] for i in test])
    assert model.multilabel_
    assert report.summary["micro_f1"] >= 0.8


def test_store_round_trip_and_predict_stream(sample, tmp_path):
    from textkit.themes.predict import predict_stream
    from textkit.workflows.themes import load_classifier, train_model

    articles = list(read_articles(sample_corpus_path()))
    result = train_model(
        articles, "hashed", models_dir=tmp_path, model_params={"features": "hashing", "n_features": 2**14}
    )
    assert result.manifest["params"]["features"] == "hashing"
    loaded = load_classifier("hashed", tmp_path)
    assert isinstance(loaded, HashingThemeClassifier)
    texts = sample[0][:20]
    assert list(predict_stream(loaded, texts)) == list(predict_stream(result.model, texts))
    np.testing.assert_array_equal(loaded.predict_proba(texts), result.model.predict_proba(texts))


def test_single_label_gives_one_label_each():
    texts = ["wheat harvest tractor", "tank army soldiers", "wheat farm rain", "army drone brigade"] * 5
    labels = ["farming", "war", "farming", "war"] * 5
    model = HashingThemeClassifier(n_features=2**10, batch_size=7).fit(texts, labels)
    assert not model.multilabel_
    assert [row for row in model.predict_labels(["tractor wheat", "soldiers tank"])] == [("farming",), ("war",)]
    assert list(model.predict(["tractor wheat"])) == ["farming"]


def test_errors():
    with pytest.raises(NotFittedError):
        HashingThemeClassifier().predict_proba(["x"])
    with pytest.raises(ConfigError) as error:
        HashingThemeClassifier(epochs=0).fit(["a b", "c d"], ["x", "y"])
    assert error.value.param == "epochs"
