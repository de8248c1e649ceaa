"""TopicModel as a scikit-learn estimator that reads texts: the API checks, and text versions of the data checks.

``check_estimator`` runs no data check on TopicModel: its tags say it reads strings, not a
2-D array (``input_tags.two_d_array=False``, ``string=True``), and scikit-learn skips every
check that feeds numeric matrices to such an estimator (it warns "Can't test estimator ...
which requires input of type ..."). The checks below are the ones that need no data, run
as scikit-learn wrote them, and the data checks that apply to a text transformer, fed
with small texts.
"""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import estimator_checks
from sklearn.utils.validation import check_is_fitted
from test_topics import FARM, TWO, WAR, documents

from textkit.topics.model import TopicModel

API_CHECKS = [
    "check_estimator_cloneable",
    "check_estimator_tags_renamed",
    "check_valid_tag_types",
    "check_estimator_repr",
    "check_no_attributes_set_in_init",
    "check_do_not_raise_errors_in_init_or_set_params",
    "check_mixin_order",
    "check_parameters_default_constructible",
    "check_get_params_invariance",
    "check_set_params",
]


def small_model() -> TopicModel:
    return TopicModel(2, workers=1, measures=())


@pytest.mark.parametrize("check", API_CHECKS)
def test_scikit_learn_api_check(check):
    getattr(estimator_checks, check)("TopicModel", small_model())


def test_check_estimator_runs_and_skips_the_numeric_checks():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = estimator_checks.check_estimator(small_model(), on_skip=None, on_fail=None)
    assert [(r["check_name"], r["status"]) for r in results] == [("check_estimator_cloneable", "passed")]
    assert any("Can't test estimator TopicModel which requires input" in str(w.message) for w in caught)


def test_tags_say_it_reads_text():
    tags = small_model().__sklearn_tags__()
    assert tags.input_tags.string and not tags.input_tags.two_d_array
    assert not tags.non_deterministic and TopicModel(2).__sklearn_tags__().non_deterministic  # several workers


# -- text versions of the data checks ----------------------------------------------------------
@pytest.fixture(scope="module")
def fitted():
    return small_model().fit(TWO)


def test_fit_returns_self_and_leaves_the_parameters_alone():
    model = small_model()
    before = model.get_params()
    assert model.fit(TWO) is model
    assert model.get_params() == before  # check_dont_overwrite_parameters


def test_unfitted_model_raises_scikit_learns_not_fitted_error():
    model = small_model()
    with pytest.raises(NotFittedError):
        model.transform(["wheat"])
    with pytest.raises(NotFittedError):
        check_is_fitted(model)


def test_fitted_model_passes_check_is_fitted_and_clone_is_unfitted(fitted):
    check_is_fitted(fitted)
    copy = clone(fitted)
    assert copy.get_params() == fitted.get_params()
    with pytest.raises(NotFittedError):
        check_is_fitted(copy)


def test_transform_shape_and_rows(fitted):
    shares = fitted.transform(TWO)
    assert shares.shape == (60, 2)
    np.testing.assert_allclose(shares.sum(axis=1), 1.0, rtol=1e-5)
    assert fitted.transform([]).shape == (0, 2)


def test_fit_is_idempotent(fitted):
    model = small_model().fit(TWO)
    first = model.transform(TWO)
    model.fit(TWO)
    np.testing.assert_array_equal(model.transform(TWO), first)
    np.testing.assert_array_equal(fitted.transform(TWO), first)


def test_fit_transform_equals_fit_then_transform(fitted):
    np.testing.assert_array_equal(small_model().fit_transform(TWO), fitted.transform(TWO))


def test_transform_does_not_depend_on_the_batch_or_its_order(fitted):
    """check_methods_subset_invariance and check_methods_sample_order_invariance, on texts."""
    shares = fitted.transform(TWO)
    one_by_one = np.vstack([fitted.transform([text]) for text in TWO[:5]])
    np.testing.assert_allclose(one_by_one, shares[:5], atol=1e-6)
    np.testing.assert_allclose(fitted.transform(TWO[::-1])[::-1], shares, atol=1e-6)


def test_pickle_round_trip(fitted):
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(fitted)).transform(TWO), fitted.transform(TWO))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "no articles to fit topics on"),
        ("wheat harvest grain", "expected a list of texts, got a single text"),
        (["wheat harvest", 3], "expected texts .strings or Articles., got a int"),
    ],
)
def test_bad_data_is_a_value_error(data, message):
    with pytest.raises(ValueError, match=message):
        small_model().fit(data)


def test_in_a_pipeline_its_topics_feed_a_classifier():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    y = ["farm"] * 30 + ["war"] * 30
    pipeline = make_pipeline(small_model(), LogisticRegression()).fit(TWO, y)
    test = documents(FARM, WAR, per_topic=5, seed=1)
    assert pipeline.score(test, ["farm"] * 5 + ["war"] * 5) == 1.0
