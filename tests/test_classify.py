"""ThemeClassifier: estimator contract, multi- and single-label fits, thresholds, bad input."""

from __future__ import annotations

import json
import pickle
import random
from contextlib import nullcontext

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.metrics import f1_score
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.utils.validation import check_is_fitted

from textkit.errors import ConfigError, InputError, NotFittedError, TrainingError
from textkit.reading.articles import Article
from textkit.themes.classify import ThemeClassifier, _blend_weight, _tune_thresholds

VOCAB = {
    "diplomacy": "ambassador treaty summit envoy embassy negotiations delegation",
    "economy": "inflation tariffs budget exports investment currency growth",
    "terrorism": "bomb attack militants explosion insurgents hostage gunmen",
}
COMMON = ["government", "officials", "week", "country", "city", "region", "report", "people"]


def corpus(n: int = 60, seed: int = 0) -> tuple[list[str], list[list[str]]]:
    """Texts made of 4 words of each of their themes plus 4 common words; every third has two themes."""
    rng = random.Random(seed)
    texts, labels = [], []
    for i in range(n):
        themes = sorted(rng.sample(sorted(VOCAB), 1 if i % 3 else 2))
        words = [w for t in themes for w in rng.sample(VOCAB[t].split(), 4)] + rng.sample(COMMON, 4)
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append(themes)
    return texts, labels


@pytest.fixture(scope="module")
def multilabel_model() -> ThemeClassifier:
    texts, labels = corpus()
    return ThemeClassifier().fit(texts, labels)


@pytest.fixture(scope="module")
def single_model() -> ThemeClassifier:
    texts, labels = corpus()
    return ThemeClassifier().fit(texts, [row[0] for row in labels])


# -- estimator contract ------------------------------------------------------------------
def test_clone_and_params_round_trip() -> None:
    model = ThemeClassifier(model="logreg", C=2.0, ngram_range=(1, 1), ensure_top_label=True)
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    copy.set_params(C=0.1, min_df=1)
    assert (copy.C, copy.min_df, model.C) == (0.1, 1, 2.0)


def test_pickle_round_trip_predicts_the_same(multilabel_model: ThemeClassifier) -> None:
    texts = ["bomb attack on the embassy", "inflation and tariffs hit exports"]
    restored = pickle.loads(pickle.dumps(multilabel_model))
    np.testing.assert_array_equal(restored.predict_proba(texts), multilabel_model.predict_proba(texts))
    assert restored.predict_labels(texts) == multilabel_model.predict_labels(texts)


def test_not_fitted_error_is_textkit_and_valueerror_and_sklearn_agrees() -> None:
    model = ThemeClassifier()
    with pytest.raises(NotFittedError, match="this ThemeClassifier is not fitted yet"):
        model.predict(["text"])
    with pytest.raises(ValueError):
        model.predict_proba(["text"])
    with pytest.raises(SklearnNotFittedError):
        check_is_fitted(model)
    texts, labels = corpus()
    check_is_fitted(model.fit(texts, labels))


def test_grid_search_with_default_scoring() -> None:
    texts, labels = corpus()
    # Multi-label: scikit-learn's default splitter refuses label lists, so give the folds.
    search = GridSearchCV(ThemeClassifier(cv=None), {"C": [0.5, 1.0]}, cv=KFold(3)).fit(texts, labels)
    assert search.best_score_ == 1.0
    indicator = MultiLabelBinarizer().fit_transform(labels)
    search = GridSearchCV(ThemeClassifier(cv=None), {"min_df": [1, 2]}, cv=3).fit(texts, indicator)
    assert list(search.best_estimator_.classes_) == [0, 1, 2]
    single = GridSearchCV(ThemeClassifier(cv=None), {"C": [0.5]}, cv=3).fit(texts, [row[0] for row in labels])
    assert single.best_score_ >= 0.9  # two-theme texts keep only their first theme: some are ambiguous


def test_fit_is_reproducible() -> None:
    texts, labels = corpus()
    first, second = ThemeClassifier().fit(texts, labels), ThemeClassifier().fit(texts, labels)
    np.testing.assert_array_equal(first.coef_, second.coef_)
    np.testing.assert_array_equal(first.thresholds_, second.thresholds_)


def test_describe_is_json_ready(multilabel_model: ThemeClassifier) -> None:
    description = json.loads(json.dumps(multilabel_model.describe()))
    assert description["kind"] == "themes"
    assert description["labels"] == ["diplomacy", "economy", "terrorism"]
    assert description["multilabel"] is True
    assert description["params"]["ngram_range"] == [1, 2]
    assert description["params"]["model"] == "svm"


# -- multi-label ---------------------------------------------------------------------------
def test_multilabel_fit_and_predictions(multilabel_model: ThemeClassifier) -> None:
    model = multilabel_model
    assert model.multilabel_ is True
    assert list(model.classes_) == ["diplomacy", "economy", "terrorism"]
    texts = ["the ambassador and the envoy began treaty negotiations", "bomb attack near the embassy", "nothing"]
    assert model.predict_labels(texts) == [("diplomacy",), ("terrorism", "diplomacy"), ()]
    np.testing.assert_array_equal(model.predict(texts), [[1, 0, 0], [1, 0, 1], [0, 0, 0]])
    proba = model.predict_proba(texts)
    assert proba.shape == (3, 3) and ((proba >= 0) & (proba <= 1)).all()
    # The tuned thresholds and the decision function agree with predict.
    np.testing.assert_array_equal(model.decision_function(texts) >= 0, model.predict(texts).astype(bool))
    assert model.thresholds_.shape == (3,)


def test_articles_are_read_through_full_text(multilabel_model: ThemeClassifier) -> None:
    article = Article(id="a1", headline="Gunmen take hostage", text="insurgents explosion")
    assert multilabel_model.predict_labels([article]) == [("terrorism",)]


def test_threshold_and_top_k(multilabel_model: ThemeClassifier) -> None:
    text = ["bomb attack near the embassy"]
    assert multilabel_model.predict_labels(text, top_k=1) == [("terrorism",)]
    assert multilabel_model.predict_labels(text, top_k=3)[0][2] == "economy"
    assert multilabel_model.predict_labels(text, threshold=1.0) == [()]
    assert multilabel_model.predict_labels(text, threshold=0.0, top_k=2) == [("terrorism", "diplomacy")]
    with pytest.raises(ConfigError, match="top_k must be at least 1, not 0"):
        multilabel_model.predict_labels(text, top_k=0)


def test_ensure_top_label_gives_every_text_a_label() -> None:
    texts, labels = corpus()
    model = ThemeClassifier(ensure_top_label=True).fit(texts, labels)
    [labels_of_nothing] = model.predict_labels(["nothing known here"])
    assert len(labels_of_nothing) == 1
    assert model.predict(["nothing known here"]).sum() == 1


def test_tuner_picks_the_f1_optimal_cut_shrunk_toward_zero() -> None:
    # Label 0: positives score -0.5, negatives -1: the best cut is -0.5 (F1 = 1), shrunk 10%.
    # Label 1: a single positive cannot be tuned: it borrows the median tuned threshold.
    scores = np.array([[-0.5, 0.0], [-0.5, 0.0], [-1.0, 0.0], [-1.0, 0.0]])
    Y = np.array([[1, 1], [1, 0], [0, 0], [0, 0]])
    np.testing.assert_allclose(_tune_thresholds(scores, Y), [-0.45, -0.45])


def test_threshold_tuning_raises_f1_of_a_rare_weak_label() -> None:
    def rare_corpus(n: int, seed: int) -> tuple[list[str], list[list[str]]]:
        rng = random.Random(seed)
        texts, labels = [], []
        for i in range(n):
            theme = rng.choice(["diplomacy", "terrorism"])
            words = rng.sample(VOCAB[theme].split(), 5) + rng.sample(COMMON, 3)
            label = [theme]
            if i % 8 == 0:  # one weak word among eight marks the rare theme
                words.append(rng.choice(["sovereignty", "annexation", "territorial", "borders"]))
                label.append("sovereignty")
            texts.append(" ".join(words))
            labels.append(label)
        return texts, labels

    texts, labels = rare_corpus(160, 0)
    test_texts, test_labels = rare_corpus(160, 1)
    f1 = {}
    for tune in (False, True):
        model = ThemeClassifier(tune_thresholds=tune).fit(texts, labels)
        column = list(model.classes_).index("sovereignty")
        f1[tune] = f1_score(model.binarize(test_labels)[:, column], model.predict(test_texts)[:, column])
    assert f1[True] > f1[False] + 0.2
    assert f1[True] >= 0.7


# -- single-label --------------------------------------------------------------------------
def test_blend_weight_is_the_smallest_that_maximises_accuracy() -> None:
    # The linear model gets text 0 wrong; naive Bayes (half as spread out, so scaled
    # by 0.5) fixes it from relative weight 2 on: 2 * 0.5 = 1.0.
    scores = np.array([[1.0, 0.0], [0.0, 1.0]])
    nb_scores = np.array([[-1.0, 1.0], [-1.0, 1.0]])
    assert _blend_weight(scores, nb_scores, np.array([1, 1])) == 1.0
    assert _blend_weight(scores, nb_scores, np.array([0, 1])) == 0.0


def test_default_svm_c_depends_on_the_task() -> None:
    assert ThemeClassifier()._estimator(multilabel=False).C == 1.0
    assert ThemeClassifier()._estimator(multilabel=True).estimator.C == 0.5
    assert ThemeClassifier(C=2.0)._estimator(multilabel=False).C == 2.0


def test_single_label_fit_and_predictions(single_model: ThemeClassifier) -> None:
    model = single_model
    assert model.multilabel_ is False
    texts = ["inflation and tariffs", "gunmen took a hostage"]
    assert list(model.predict(texts)) == ["economy", "terrorism"]
    assert model.predict_labels(texts) == [("economy",), ("terrorism",)]
    np.testing.assert_allclose(model.predict_proba(texts).sum(axis=1), [1.0, 1.0])
    assert model.predict_labels(texts, top_k=2)[0][0] == "economy"
    assert model.score(texts, ["economy", "diplomacy"]) == 0.5


def test_lists_of_one_label_are_single_label_and_two_classes_work() -> None:
    texts, labels = corpus()
    model = ThemeClassifier().fit(texts, [[row[0]] for row in labels])
    assert model.multilabel_ is False
    two = [(t, row[0]) for t, row in zip(texts, labels) if row[0] != "economy"]
    binary = ThemeClassifier().fit([t for t, _ in two], [label for _, label in two])
    assert list(binary.predict(["treaty summit", "bomb attack"])) == ["diplomacy", "terrorism"]
    assert binary.coef_.shape[0] == 2


@pytest.mark.parametrize("name", ["logreg", "sgd", "nb"])
def test_other_models_learn_the_themes(name: str) -> None:
    texts, labels = corpus()
    model = ThemeClassifier(model=name).fit(texts, labels)
    assert model.score(*corpus(30, seed=1)) >= 0.85
    single = ThemeClassifier(model=name).fit(texts, [row[0] for row in labels])
    assert list(single.predict(["inflation and tariffs"])) == ["economy"]


def test_char_ngrams_and_phrases() -> None:
    texts, labels = corpus()
    model = ThemeClassifier(char_ngrams=True, phrases=True).fit(texts, labels)
    assert model.predict_labels(["ambassadors at the summits"]) == [("diplomacy",)]
    assert model.tokenizer is None  # the learned phrases live in a copy, not in the parameter


# -- bad input -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("texts", "labels", "error", "message"),
    [
        ([], [], TrainingError, "no training texts (pass at least two labelled texts)"),
        (["a b", "c d"], ["x"], TrainingError, "2 texts but 1 label entries (give one label (or label list) per text)"),
        (
            ["bomb attack", "bomb attack"],
            ["terrorism", "terrorism"],
            TrainingError,
            "only one class ('terrorism') in the training labels (a classifier needs examples of at least two labels)",
        ),
        (
            ["bomb attack", "bomb attack", "treaty"],
            ["terrorism", "terrorism", "diplomacy"],
            TrainingError,
            "label(s) diplomacy have a single training example "
            "(add examples or drop these labels: a label cannot be learned from one text)",
        ),
        (
            ["the and of", "123 456", ""],
            ["a", "b", "a"],
            TrainingError,
            "",
        ),
        ([1, 2], ["a", "b"], TrainingError, "text 0 is a int, not a string or Article"),
        (["a b", "c d"], [[], []], TrainingError, "the training texts have no labels (label them first)"),
    ],
)
def test_bad_training_data(texts: list, labels: list, error: type, message: str) -> None:
    with pytest.raises(error) as raised:
        ThemeClassifier().fit(texts, labels)
    if message:
        assert str(raised.value) == message


def test_texts_empty_after_tokenizing() -> None:
    with pytest.raises(TrainingError) as raised:
        ThemeClassifier().fit(["the and of", "123 456", "", "it is"], ["a", "b", "a", "b"])
    assert str(raised.value) == (
        "no words left after tokenizing the 4 training texts (min_df=2) "
        "(the texts are empty or only stop words and numbers; or lower min_df for a small corpus)"
    )


def test_single_example_label_is_kept_with_a_warning_in_multilabel_data() -> None:
    texts, labels = corpus()
    labels[0] = labels[0] + ["sovereignty"]
    with pytest.warns(UserWarning, match="label\\(s\\) sovereignty have a single training example"):
        model = ThemeClassifier().fit(texts, labels)
    assert "sovereignty" in model.classes_


@pytest.mark.parametrize(
    "param, value",
    [
        ("model", "bert"),
        ("cv", 1),
        ("C", 0.0),
        ("alpha", -1.0),
        ("min_df", 0),  # scikit-learn's vectorizer accepts 0 and keeps every term
        ("max_df", 5.5),  # crashed in the vectorizer
        ("ngram_range", (1, -1)),  # crashed in the vectorizer
        ("ngram_range", (1, 0)),  # crashed in the vectorizer
        ("ngram_range", (0, 2)),
        ("class_weight", "even"),
    ],
)
def test_parameters_are_checked_by_one_table_before_any_data_is_read(param: str, value: object) -> None:
    def unread():  # fit must refuse the parameter before it reads a single text
        raise AssertionError("the texts were read")
        yield ""

    with pytest.raises(ConfigError) as raised:
        ThemeClassifier(**{param: value}).fit(unread(), [])
    assert raised.value.param == param
    assert str(raised.value).startswith(f"The '{param}' parameter of ThemeClassifier must be ")
    assert isinstance(raised.value, ValueError)


def test_bad_prediction_input(multilabel_model: ThemeClassifier) -> None:
    with pytest.raises(InputError, match="expected a list of texts, got a single text"):
        multilabel_model.predict("bomb attack")
    with pytest.raises(InputError, match="text 1 is a dict, not a string or Article"):
        multilabel_model.predict_labels(["fine", {"text": "bad"}])


# -- benchmark floors (slow: read ../shared/datasets, about a minute in all) ---------------
# Targets of issue 3 for the default configuration; the floors sit at what this
# version measures, so a regression fails (see experiments/tune_classify.py).
FLOORS = {
    "reuters": {"micro_f1": 0.885, "macro_f1": 0.60},
    "20ng": {"accuracy": 0.87},
    "20ng-stripped": {"accuracy": 0.73},
    "bbc": {"accuracy": 0.975},
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(FLOORS))
def test_default_configuration_on_benchmarks(name: str) -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "experiments"))
    import _datasets

    if not (_datasets.DATASETS / _datasets.BENCHMARKS[name][0]).is_dir():
        pytest.skip(f"{_datasets.DATASETS} does not hold {name}")
    texts, labels = _datasets.load(name, "train")
    test_texts, test_labels = _datasets.load(name, "test")
    with pytest.warns() if name == "reuters" else nullcontext():  # Reuters has single-example labels
        model = ThemeClassifier().fit(texts, labels)
    if model.multilabel_:
        truth, predicted = model.binarize(test_labels), model.predict(test_texts)
        measured = {avg + "_f1": f1_score(truth, predicted, average=avg, zero_division=0) for avg in ("micro", "macro")}
    else:
        measured = {"accuracy": model.score(test_texts, test_labels)}
    for metric, floor in FLOORS[name].items():
        assert measured[metric] >= floor, (name, metric, measured[metric])


def test_single_label_predict_labels_agrees_with_predict():
    # Calibrated scores must never reorder labels: the label shown first is the one
    # predict() gives (per-label sigmoids once made them disagree on BBC).
    texts = (
        [f"army unit {i} drill" for i in range(8)]
        + [f"wheat harvest {i} tons" for i in range(8)]
        + [f"cabinet decree {i} session" for i in range(8)]
        + ["army harvest session", "wheat drill decree", "cabinet tons unit"]
    )
    labels = ["military"] * 8 + ["economy"] * 8 + ["politics"] * 8 + ["military", "economy", "politics"]
    model = ThemeClassifier(cv=2).fit(texts, labels)
    probe = ["army wheat", "decree harvest", "drill session tons", "unit cabinet"]
    assert [labels[0] for labels in model.predict_labels(probe)] == list(model.predict(probe))
    assert list(model.predict_proba(probe).argmax(axis=1)) == list(model.decision_function(probe).argmax(axis=1))
