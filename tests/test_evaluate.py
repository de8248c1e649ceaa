"""evaluate, cross_validate and search: exact metrics on hand-made predictions, clear errors."""

from __future__ import annotations

import json

import pytest
from test_classify import corpus

from textkit.errors import ConfigError, TrainingError
from textkit.themes.classify import ThemeClassifier
from textkit.themes.evaluate import cross_validate, evaluate, report, search


def test_multilabel_report_exact_numbers() -> None:
    truth = [["a"], ["a", "b"], ["b"]]
    predicted = [("a",), ("a",), ("b", "c")]
    result = report(truth, predicted, multilabel=True)
    assert result.labels == ["a", "b", "c"]
    assert result.summary == {
        "micro_f1": 0.75,  # 3 true positives, 1 false positive, 1 false negative
        "macro_f1": 0.5556,  # (1 + 2/3 + 0) / 3
        "weighted_f1": 0.8333,
        "samples_f1": 0.7778,
        "subset_accuracy": 0.3333,
        "hamming_loss": 0.2222,  # 2 wrong cells of 9
    }
    assert result.per_label["b"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2}
    assert result.per_label["c"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert result.confusion is None
    assert json.loads(json.dumps(result.to_dict()))["micro_f1"] == 0.75


def test_single_label_report_has_accuracy_and_confusion() -> None:
    result = report(["x", "x", "y"], [("x",), ("y",), ("y",)], multilabel=False)
    assert result.summary["accuracy"] == 0.6667
    assert result.confusion == [[1, 1], [0, 1]]
    table = result.table()
    assert table.splitlines()[0] == "label  precision  recall     f1  support"
    assert table.splitlines()[1] == "x          1.000   0.500  0.667        2"
    assert "accuracy         0.6667" in table
    assert "    1     1  x" in table


def test_evaluate_a_fitted_model() -> None:
    texts, labels = corpus()
    model = ThemeClassifier().fit(texts, labels)
    test_texts, test_labels = corpus(30, seed=1)
    result = evaluate(model, test_texts, test_labels)
    assert result.n_samples == 30 and result.multilabel
    assert result.summary["micro_f1"] == round(model.score(test_texts, test_labels), 4)
    assert result.summary["micro_f1"] >= 0.9
    with pytest.raises(ConfigError, match="^30 texts but 2 label entries$"):
        evaluate(model, test_texts, test_labels[:2])


def test_cross_validate_multilabel_and_single_label() -> None:
    texts, labels = corpus()
    result = cross_validate(ThemeClassifier(), texts, labels, cv=3)
    assert (result.folds, result.n_samples, result.multilabel) == (3, 60, True)
    assert result.summary["micro_f1"] >= 0.9
    single = cross_validate(ThemeClassifier(), texts, [row[0] for row in labels], cv=3)
    assert not single.multilabel and single.summary["accuracy"] >= 0.85
    assert sum(map(sum, single.confusion)) == 60


def test_cross_validate_refuses_folds_it_cannot_fill() -> None:
    texts, labels = corpus()
    single = [row[0] for row in labels]
    single[:2] = ["rare", "rare"]
    with pytest.raises(TrainingError, match="^label 'rare' has 2 example\\(s\\), fewer than the 3 folds"):
        cross_validate(ThemeClassifier(), texts, single, cv=3)
    with pytest.raises(ConfigError, match="cv must be an integer of at least 2, not 1"):
        cross_validate(ThemeClassifier(), texts, labels, cv=1)


def test_search_respects_the_time_budget() -> None:
    texts, labels = corpus()
    stopped = search(ThemeClassifier(cv=None), texts, labels, param_grid={"C": [None, 1.0]}, time_budget=0)
    assert [trial["params"] for trial in stopped.trials] == [{"C": None}]
    assert stopped.complete is False and stopped.best_params == {"C": None}
    full = search(ThemeClassifier(cv=None), texts, labels, param_grid={"min_df": [1, 2]})
    assert full.complete and len(full.trials) == 2
    assert full.estimator.min_df == full.best_params["min_df"]
    assert full.estimator.predict_labels(["treaty summit envoy"]) == [("diplomacy",)]


def test_evaluating_a_single_label_model_on_two_articles_of_one_label():
    """Two single-label articles once crashed with scikit-learn's 'Samplewise metrics are not available'."""
    from textkit.themes.classify import ThemeClassifier
    from textkit.themes.evaluate import evaluate

    words = {"a": "wheat harvest grain farmers", "b": "troops tanks army soldiers", "c": "election vote ballot"}
    texts = [f"{words[k]} doc{i}" for i in range(30) for k in "abc"]
    labels = [k for _ in range(30) for k in "abc"]
    model = ThemeClassifier().fit(texts, labels)
    report = evaluate(model, [words["a"], words["a"] + " more"], ["a", "a"])
    assert report.summary["accuracy"] == 1.0
    assert report.n_samples == 2
