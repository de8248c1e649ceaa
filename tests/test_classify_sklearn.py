"""ThemeClassifier as a scikit-learn estimator: the estimator checks that apply to one that reads texts.

scikit-learn's ``check_estimator`` runs nothing on an estimator whose tags say it takes
strings (``two_d_array=False``), as for ``TfidfVectorizer``. So this module runs the
checks that need no data directly, and text versions of the ones that fit:

- run as they are: cloneable, repr, tags renamed / tag types, no attributes set in
  ``__init__``, get_params invariance, set_params, default-constructible parameters,
  no errors in ``__init__`` / ``set_params``, mixin order;
- text versions: fit returns self, fit/score take ``y``, unfitted errors, fit does not
  overwrite parameters, fit is idempotent, predicting leaves the estimator unchanged,
  pickle round trip, classes of the predictions, empty data, sample weights (ones =
  none; weights move the fit), the multi-label and string tags.

Skipped, with the reason:

- every check that builds numeric 2-D ``X`` (``check_fit2d_*``, ``check_classifiers_train``,
  dtypes, NaN/inf, sparse input, ``check_readonly_memmap_input``, ``check_positive_only_tag_during_fit``,
  ``check_sample_weight_equivalence_on_*_data``): the estimator reads texts, a number is
  not one (it is refused with ``TrainingError``/``InputError``);
- ``check_n_features_in_after_fitting``: the input has no column count; like
  ``TfidfVectorizer``, the classifier sets no ``n_features_in_`` (its number of TF-IDF
  features is ``coef_.shape[1]``);
- ``check_classifiers_multilabel_*``: run here with label lists instead of
  ``make_multilabel_classification``'s numbers (``test_multilabel_tag_is_true_and_honoured``).
"""

from __future__ import annotations

import inspect
import pickle

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.utils import estimator_checks, get_tags
from test_classify import corpus

from textkit.errors import InputError, NotFittedError, TrainingError
from textkit.themes.classify import ThemeClassifier, _fit_sigmoids, _tune_thresholds

NAME = "ThemeClassifier"
NO_DATA_CHECKS = [
    "check_estimator_cloneable",
    "check_estimator_repr",
    "check_estimator_tags_renamed",
    "check_valid_tag_types",
    "check_no_attributes_set_in_init",
    "check_get_params_invariance",
    "check_set_params",
    "check_parameters_default_constructible",
    "check_do_not_raise_errors_in_init_or_set_params",
    "check_mixin_order",
]
PROBES = ["bomb attack on the embassy", "inflation and tariffs hit exports", "the summit and the budget"]


@pytest.fixture(scope="module")
def data() -> tuple[list[str], list[list[str]]]:
    return corpus()


@pytest.mark.parametrize("check", NO_DATA_CHECKS)
def test_scikit_learn_checks_that_need_no_data(check: str) -> None:
    getattr(estimator_checks, check)(NAME, ThemeClassifier())


def test_check_estimator_skips_as_for_text_vectorizers() -> None:
    # The reason the checks above are run one by one: check_estimator itself skips text estimators.
    with pytest.warns(estimator_checks.SkipTestWarning, match="Can't test estimator ThemeClassifier"):
        estimator_checks.check_estimator(ThemeClassifier())


def test_tags_say_texts_in_and_multi_label() -> None:
    tags = get_tags(ThemeClassifier())
    assert tags.estimator_type == "classifier"
    assert (tags.input_tags.string, tags.input_tags.two_d_array) == (True, False)
    assert tags.classifier_tags.multi_label  # was False: scikit-learn's default
    assert tags.target_tags.required


def test_multilabel_tag_is_true_and_honoured(data) -> None:
    texts, labels = data
    model = ThemeClassifier(cv=None).fit(texts, labels)
    predicted = model.predict(PROBES)
    assert predicted.shape == (3, 3) and set(np.unique(predicted)) <= {0, 1}
    assert predicted.sum(axis=1).tolist() == [2, 1, 2]  # bomb + embassy, inflation, summit + budget


def test_fit_and_score_take_y_and_sample_weight() -> None:
    for method in (ThemeClassifier.fit, ThemeClassifier.score):
        assert list(inspect.signature(method).parameters)[:4] == ["self", "X", "y", "sample_weight"]


def test_fit_returns_self_and_leaves_parameters_alone(data) -> None:
    texts, labels = data
    model = ThemeClassifier(C=0.5, ngram_range=(1, 2))
    before = joblib.hash(model.get_params())
    public_before = {k for k in vars(model) if not k.startswith("_")}
    assert model.fit(texts, labels) is model
    assert joblib.hash(model.get_params()) == before
    added = {k for k in vars(model) if not k.startswith("_")} - public_before
    assert added and all(k.endswith("_") for k in added)  # only fitted attributes are added


@pytest.mark.parametrize("method", ["predict", "predict_proba", "decision_function", "predict_labels"])
def test_unfitted_is_scikit_learns_not_fitted_error(method: str) -> None:
    with pytest.raises(SklearnNotFittedError) as raised:
        getattr(ThemeClassifier(), method)(PROBES)
    assert isinstance(raised.value, (NotFittedError, ValueError, AttributeError))


def test_fit_is_idempotent_and_prediction_changes_nothing(data) -> None:
    texts, labels = data
    model = ThemeClassifier().fit(texts, labels)
    first = model.predict_proba(PROBES), model.decision_function(PROBES), model.predict(PROBES)
    state = joblib.hash(model.__dict__)
    model.predict_labels(PROBES, top_k=2)
    assert joblib.hash(model.__dict__) == state  # check_dict_unchanged
    model.fit(texts, labels)
    for before, after in zip(
        first, (model.predict_proba(PROBES), model.decision_function(PROBES), model.predict(PROBES))
    ):
        np.testing.assert_array_equal(before, after)


def test_pickle_round_trip_keeps_the_predictions(data) -> None:
    texts, labels = data
    model = ThemeClassifier().fit(texts, [row[0] for row in labels])
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict_proba(PROBES), model.predict_proba(PROBES))
    np.testing.assert_array_equal(restored.predict(PROBES), model.predict(PROBES))


@pytest.mark.parametrize("to_label", [str, lambda name: sorted(["diplomacy", "economy", "terrorism"]).index(name)])
def test_predictions_are_classes_of_the_training_labels(data, to_label) -> None:
    texts, labels = data
    y = [to_label(row[0]) for row in labels]
    model = ThemeClassifier(cv=None).fit(texts, y)
    assert list(model.classes_) == sorted(set(y))
    assert set(model.predict(texts)) <= set(y)
    assert model.predict(texts).dtype == np.asarray(model.classes_).dtype


def test_empty_data_is_refused_with_a_value_error(data) -> None:
    # As scikit-learn's estimators refuse 0 samples ("Found array with 0 sample(s)"), in textkit's words.
    with pytest.raises(TrainingError, match="no training texts"):
        ThemeClassifier().fit([], [])
    model = ThemeClassifier(cv=None).fit(*data)
    for method in ("predict", "predict_proba", "decision_function", "predict_labels"):
        with pytest.raises(InputError) as raised:
            getattr(model, method)([])
        assert str(raised.value) == "no texts to predict (pass a list of at least one text)"
        assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize("model", ["svm", "logreg", "sgd", "nb"])
@pytest.mark.parametrize("multilabel", [False, True])
def test_all_ones_sample_weight_is_no_weight(data, model: str, multilabel: bool) -> None:
    texts, labels = data
    y = labels if multilabel else [row[0] for row in labels]
    plain = ThemeClassifier(model=model).fit(texts, y)
    ones = ThemeClassifier(model=model).fit(texts, y, sample_weight=np.ones(len(texts)))
    for name in ("coef_", "intercept_", "thresholds_", "calibration_"):
        np.testing.assert_array_equal(getattr(ones, name), getattr(plain, name), err_msg=name)


@pytest.mark.parametrize("model", ["svm", "logreg", "sgd", "nb"])
def test_sample_weight_reaches_the_single_label_model(data, model: str) -> None:
    texts, labels = data
    y = [row[0] for row in labels]
    weights = np.linspace(0.2, 3.0, len(texts))
    fitted = ThemeClassifier(model=model, cv=None).fit(texts, y, sample_weight=weights)
    features = fitted.vectorizer_.transform(texts)
    reference = clone(fitted._estimator(False)).fit(features, y, sample_weight=weights)
    coef = reference.coef_ if hasattr(reference, "coef_") else reference.feature_log_prob_
    np.testing.assert_allclose(fitted.coef_, coef.astype(np.float32), atol=1e-6)  # lbfgs: rounding noise
    assert not np.allclose(ThemeClassifier(model=model, cv=None).fit(texts, y).coef_, fitted.coef_)


@pytest.mark.parametrize("model", ["svm", "logreg"])
def test_sample_weight_reaches_each_one_vs_rest_model(data, model: str) -> None:
    texts, labels = data
    weights = np.linspace(0.2, 3.0, len(texts))
    fitted = ThemeClassifier(model=model, cv=None).fit(texts, labels, sample_weight=weights)
    features = fitted.vectorizer_.transform(texts)
    truth = fitted.binarize(labels)
    base = fitted._estimator(True).estimator
    for j in range(len(fitted.classes_)):
        reference = clone(base).fit(features, truth[:, j], sample_weight=weights)
        np.testing.assert_array_equal(fitted.coef_[j], reference.coef_.ravel().astype(np.float32))


def test_weighted_thresholds_and_calibration_count_a_weight_of_two_as_two_texts() -> None:
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(60, 3))
    truth = (scores + rng.normal(size=(60, 3)) > 0.3).astype(int)
    weights = np.where(np.arange(60) < 15, 2.0, 1.0)
    twice = np.r_[np.arange(60), np.arange(15)]
    np.testing.assert_array_equal(
        _tune_thresholds(scores, truth, weights), _tune_thresholds(scores[twice], truth[twice])
    )
    assert not np.array_equal(_tune_thresholds(scores, truth, weights), _tune_thresholds(scores, truth))
    for shared in (False, True):
        np.testing.assert_allclose(
            _fit_sigmoids(scores, truth, shared, weights), _fit_sigmoids(scores[twice], truth[twice], shared), atol=1e-3
        )


def test_bad_sample_weight_is_a_training_error(data) -> None:
    texts, labels = data
    with pytest.raises(TrainingError, match="^bad sample_weight: .*give one non-negative weight per text"):
        ThemeClassifier().fit(texts, labels, sample_weight=np.ones(3))
    with pytest.raises(TrainingError, match="bad sample_weight: Negative values in data passed to `sample_weight`"):
        ThemeClassifier().fit(texts, labels, sample_weight=-np.ones(len(texts)))


def test_clone_of_a_fitted_model_is_unfitted(data) -> None:
    model = ThemeClassifier(cv=None).fit(*data)
    with pytest.raises(NotFittedError):
        clone(model).predict(PROBES)
