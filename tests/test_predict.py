"""textkit.workflows.themes: streamed predictions in input order, writers, and train_model."""

import io
import itertools
import json
import pickle

import numpy as np
import pytest

from textkit.errors import ConfigError, ModelStoreError, TrainingError
from textkit.reading.articles import Article
from textkit.themes.predict import predict_stream
from textkit.workflows.output import write_records
from textkit.workflows.themes import load_classifier, train_model


class CountingModel:
    """Scores by keyword; counts how many texts it was asked about (to prove laziness).

    It has the three steps predict_stream calls: features, scores, labels_from_scores.
    """

    classes_ = np.array(["economy", "military"])

    def __init__(self):
        self.seen = 0

    def features(self, texts):
        self.seen += len(texts)
        return texts

    def scores(self, texts):
        proba = np.array([[0.9, 0.1] if "bank" in t.lower() else [0.2, 0.8] for t in texts])
        return proba, proba

    def labels_from_scores(self, raw, proba, threshold=None, top_k=None):
        return [tuple(c for c, s in zip(self.classes_, row) if s >= (threshold or 0.5)) for row in proba]


def test_records_are_in_input_order_with_ids_labels_scores():
    articles = [Article(id="x", text="bank"), "tanks", Article(id="z", text="tanks", headline="Bank")]
    records = list(predict_stream(CountingModel(), articles, batch_size=2))
    assert records == [
        {"id": "x", "labels": ["economy"], "scores": {"economy": 0.9, "military": 0.1}},
        {"id": "2", "labels": ["military"], "scores": {"economy": 0.2, "military": 0.8}},
        {"id": "z", "labels": ["economy"], "scores": {"economy": 0.9, "military": 0.1}},  # headline is read
    ]


def test_stream_is_lazy_so_memory_stays_constant():
    model = CountingModel()
    endless = (f"text {i}" for i in itertools.count())
    first = list(itertools.islice(predict_stream(model, endless, batch_size=10), 25))
    assert [r["id"] for r in first] == [str(i) for i in range(1, 26)]
    assert model.seen == 30  # three batches of 10 read, not the endless input


def test_bad_options_are_refused():
    with pytest.raises(ConfigError, match="top_k must be at least 1, not 0"):
        next(predict_stream(CountingModel(), ["a"], top_k=0))
    with pytest.raises(ConfigError, match="threshold must be between 0 and 1, not 1.5") as raised:
        next(predict_stream(CountingModel(), ["a"], threshold=1.5))
    assert raised.value.param == "threshold"


def test_bad_options_are_refused_at_the_call_before_reading():
    model = CountingModel()
    with pytest.raises(ConfigError) as raised:
        predict_stream(model, iter(["a"]), top_k=0)  # no next(): the options are checked first
    assert raised.value.param == "top_k" and model.seen == 0


def test_write_records_jsonl_and_csv_exactly():
    records = [
        {"id": "a", "labels": ["economy", "military"], "scores": {"economy": 0.9, "military": 0.6}},
        {"id": "b", "labels": [], "scores": {"economy": 0.1, "military": 0.2}},
    ]
    out = io.StringIO()
    assert write_records(records, out, "jsonl", ["economy", "military"]) == 2
    assert out.getvalue() == (
        '{"id": "a", "labels": ["economy", "military"], "scores": {"economy": 0.9, "military": 0.6}}\n'
        '{"id": "b", "labels": [], "scores": {"economy": 0.1, "military": 0.2}}\n'
    )
    out = io.StringIO()
    write_records(records, out, "csv", ["economy", "military"])
    assert out.getvalue() == "id,labels,economy,military\na,economy;military,0.9,0.6\nb,,0.1,0.2\n"


# -- with the real classifier --------------------------------------------------------------------
def articles():
    themes = {
        "economy": "bank inflation currency market",
        "military": "troops tanks artillery brigade",
        "diplomacy": "envoy summit talks embassy",
    }
    out = []
    for i in range(30):
        label = sorted(themes)[i % 3]
        words = themes[label].split()
        out.append(
            Article(id=f"a{i}", text=" ".join(words[i % 4 :] + words[: i % 4]) + f" week{i % 5}", labels=(label,))
        )
    return out


def test_train_model_saves_and_predict_stream_uses_the_saved_model(tmp_path):
    result = train_model(articles(), "m", models_dir=tmp_path, model_params={"model": "logreg"})
    assert result.manifest["kind"] == "themes"
    assert result.manifest["params"]["model"] == "logreg"
    assert result.manifest["data"]["count"] == 30
    assert result.cv_report is None
    model = load_classifier("m", tmp_path)
    [record] = predict_stream(model, ["tanks and artillery near the border"])
    assert record["labels"] == ["military"]
    assert max(record["scores"], key=record["scores"].get) == "military"


def test_train_model_refuses_before_fitting(tmp_path):
    train_model(articles(), "m", models_dir=tmp_path)
    with pytest.raises(ModelStoreError, match="model 'm' already exists"):
        train_model(iter(()), "m", models_dir=tmp_path)  # name checked before the (empty) data
    with pytest.raises(TrainingError, match="no articles to train on"):
        train_model([], "other", models_dir=tmp_path)
    with pytest.raises(ConfigError, match=r"unknown classifier parameter\(s\): colour"):
        train_model(articles(), "other", models_dir=tmp_path, model_params={"colour": "red"})
    with pytest.raises(ConfigError, match="cv must be at least 2 folds, not 1"):
        train_model(articles(), "other", models_dir=tmp_path, cv=1)
    assert not (tmp_path / "other").exists()


def test_train_model_with_cv_stores_the_report(tmp_path):
    result = train_model(articles(), "cv", models_dir=tmp_path, cv=3)
    assert result.manifest["metrics"]["cv"]["folds"] == 3
    assert json.dumps(result.cv_report.to_dict())  # JSON-ready


# -- score once: the stream's records are exactly the classifier's own predictions ------------------
@pytest.fixture(scope="module")
def sample():
    from textkit.reading.articles import read_articles, sample_corpus_path
    from textkit.themes.classify import ThemeClassifier

    corpus = list(read_articles(sample_corpus_path()))
    train, test = corpus[::2], corpus[1::2]
    return ThemeClassifier().fit(train, [list(a.labels) for a in train]), test


@pytest.mark.parametrize("options", [{}, {"threshold": 0.3}, {"top_k": 2}, {"threshold": 0.2, "top_k": 1}])
def test_predict_stream_is_exactly_predict_labels_and_predict_proba(sample, options):
    model, test = sample
    records = list(predict_stream(model, test, batch_size=64, **options))
    labels = model.predict_labels(test, **options)
    proba = model.predict_proba(test)
    assert [r["id"] for r in records] == [a.id for a in test]
    assert [r["labels"] for r in records] == [[str(x) for x in row] for row in labels]
    assert [r["scores"] for r in records] == [
        {str(c): round(float(p), 4) for c, p in zip(model.classes_, row)} for row in proba
    ]


def test_predict_stream_explains_from_the_batch_as_explain_text_does(sample):
    from textkit.themes.explain import explain_text

    model, test = sample
    records = list(predict_stream(model, test[:40], explain=3, batch_size=16))
    assert [r["explanation"] for r in records] == [explain_text(model, a.full_text, n=3) for a in test[:40]]
    # with top_k, every predicted label is explained (explain_text would only explain the tuned ones)
    for record in predict_stream(model, test[:10], explain=3, top_k=3):
        assert list(record["explanation"]) == record["labels"]


def test_predict_stream_tokenizes_each_text_once(sample, monkeypatch):
    model, test = sample
    tokenizer = model.vectorizer_.tokenizer
    calls = []
    original = type(tokenizer).__call__
    monkeypatch.setattr(type(tokenizer), "__call__", lambda self, text: calls.append(text) or original(self, text))
    list(predict_stream(model, test[:50], explain=5, batch_size=20))
    assert len(calls) == 50  # was 4 per text with explain (2 without)


@pytest.mark.parametrize("ngram_range", [(1, 1), (1, 2), (1, 3), (2, 3)])
def test_fast_transform_is_the_vectorizers_own_matrix(sample, ngram_range):
    from textkit.reading.articles import read_articles, sample_corpus_path
    from textkit.themes.features import make_vectorizer, transform

    texts = [a.full_text for a in read_articles(sample_corpus_path())]
    vectorizer = make_vectorizer(ngram_range=ngram_range, min_df=2).fit(texts[::2])
    new = [*texts[1::2], "", "the and of"]
    expected, got = vectorizer.transform(new), transform(vectorizer, new)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_array_equal(got.indptr, expected.indptr)
    np.testing.assert_array_equal(got.indices, expected.indices)
    np.testing.assert_array_equal(got.data, expected.data)  # bit for bit, so the predictions are the same


def test_vocabulary_pickles_compactly_and_round_trips(sample):
    import joblib

    from textkit.themes.features import Vocabulary

    model, test = sample
    vocabulary = model.vectorizer_.vocabulary_
    assert type(vocabulary) is Vocabulary
    buffer = io.BytesIO()
    joblib.dump(vocabulary, buffer)
    restored = joblib.load(io.BytesIO(buffer.getvalue()))
    assert type(restored) is Vocabulary and restored == vocabulary
    assert all(type(v) is int for v in restored.values())
    # a model saved before (a plain dict) predicts the same
    old = pickle.loads(pickle.dumps(model))
    old.vectorizer_.vocabulary_ = dict(vocabulary)
    np.testing.assert_array_equal(old.predict_proba(test), model.predict_proba(test))


# -- the workflow behind `textkit predict`: texts or a file, in one process or refused for a cluster -----------
def test_tag_scores_texts_or_a_file_and_counts_what_it_read(tmp_path):
    from textkit.workflows.themes import tag

    train_model(articles(), "m", models_dir=tmp_path, model_params={"model": "logreg"})
    with tag(["tanks and artillery near the border"], model="m", models_dir=tmp_path) as job:
        [record] = list(job.records)
    assert record["labels"] == ["military"] and job.stats is None  # texts given: nothing was read
    assert job.classes == ["diplomacy", "economy", "military"]

    path = tmp_path / "in.jsonl"
    path.write_text('{"id": "a", "text": "the central bank raised rates"}\n{"id": "a", "text": "troops"}\nnot json\n')
    with tag(str(path), model="m", models_dir=tmp_path, read={"on_error": "skip"}, options={"top_k": 1}) as job:
        assert job.stats is not None and job.stats.articles == 0  # records are made as they are read
        records = list(job.records)
    assert [(r["id"], len(r["labels"])) for r in records] == [("a", 1), ("a", 1)]
    assert job.stats is not None and (job.stats.articles, job.stats.duplicate_ids) == (2, 1)
    assert sum(job.stats.skipped.values()) == 1
    with tag(str(path), model="m", models_dir=tmp_path, read={"on_error": "skip"}) as job:
        next(job.records)
        job.records.close()  # a reader that stops early (a closed pipe) still gets this pass's counts
    assert job.stats is not None and job.stats.articles >= 1


def test_tag_on_a_cluster_needs_a_file_and_says_so_before_connecting(tmp_path):
    from textkit.workflows.themes import tag

    for source in (["a text"], "-"):
        with (
            pytest.raises(ConfigError, match="a cluster run needs the articles in a file") as caught,
            tag(source, model="m", models_dir=tmp_path, cluster="tcp://127.0.0.1:1"),
        ):
            pass
        assert caught.value.param == "cluster"
