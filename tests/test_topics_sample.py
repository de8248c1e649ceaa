"""``topics fit --sample N``: one LDA fit on N articles drawn at random in one pass."""

import pytest

from textkit.errors import ConfigError
from textkit.workflows.topics import reservoir_sample


def test_reservoir_keeps_size_items_in_input_order_reproducibly():
    items = list(range(1000))
    drawn = reservoir_sample(iter(items), 50, random_state=3)
    assert len(drawn) == 50 and len(set(drawn)) == 50
    assert drawn == sorted(drawn)
    assert drawn == reservoir_sample(iter(items), 50, random_state=3)
    assert drawn != reservoir_sample(iter(items), 50, random_state=4)
    assert max(drawn) > 500  # drawn from the whole stream, not its head


def test_reservoir_smaller_stream_keeps_everything():
    assert reservoir_sample(iter("abc"), 10) == ["a", "b", "c"]


def test_reservoir_refuses_a_size_below_one():
    with pytest.raises(ConfigError) as error:
        reservoir_sample([1, 2], 0)
    assert error.value.param == "sample"


def test_fit_on_a_sample_records_the_sample(tmp_path):
    from textkit.reading.articles import read_articles, sample_corpus_path
    from textkit.workflows.topics import fit_topics

    result = fit_topics(
        read_articles(sample_corpus_path()),
        models_dir=tmp_path,
        sample=120,
        num_topics=3,
        workers=1,
        passes=1,
        measures=(),
    )
    assert result.manifest["data"]["count"] == 120
