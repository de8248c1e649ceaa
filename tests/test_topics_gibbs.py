"""The Gibbs start (the default ``init``): tomotopy's sampler on a sample, online LDA beyond it."""

from __future__ import annotations

import numpy as np
import pytest
from test_topics import FARM, THREE, TWO, VOTE, WAR, fitted
from test_topics_autok import _Recorder

from textkit import progress
from textkit.topics import model as topic_model
from textkit.topics.model import TopicModel
from textkit.workflows.topics import fit_topics, load_topic_model


def owners(model: TopicModel) -> list[int]:
    """Which vocabulary each topic's 10 top words come from (-1: a mix)."""
    vocabularies = [set(FARM), set(WAR), set(VOTE)]
    return [next((n for n, v in enumerate(vocabularies) if set(words) <= v), -1) for words in model.top_word_lists(10)]


def test_gibbs_is_the_default_and_a_corpus_within_its_sample_needs_no_online_pass():
    recorder = _Recorder()
    with progress.reporting(recorder):
        model = fitted(3, THREE)
    assert model.init == "gibbs" and model.sweeps == 500 and model.term_weight == "idf"
    assert sorted(owners(model)) == [0, 1, 2]
    # the sampler's sweeps are the progress; no online pass over the 90 articles
    assert [t[:3] for t in recorder.tasks] == [("sampling K=3", 500, "sweeps")]
    assert recorder.tasks[0][3] == 500
    assert model.passes_ == 0
    # the online clock stands as if the 90 articles had been read once: a later update continues from it
    assert model.lda_.num_updates == 90 and model.lda_.state.numdocs == 90


def test_beyond_its_sample_one_online_pass_reads_every_article(monkeypatch):
    monkeypatch.setattr(topic_model, "START_SAMPLE", 40)
    recorder = _Recorder()
    with progress.reporting(recorder):
        model = fitted(3, THREE)
    assert [t[:3] for t in recorder.tasks] == [("sampling K=3", 500, "sweeps"), ("fitting K=3", 90, "articles")]
    assert model.passes_ == 1
    # the pass continued the sampler's clock (40 articles) instead of starting a new one
    assert model.lda_.num_updates == 40 + 90
    assert sorted(owners(model)) == [0, 1, 2]


def test_the_sampler_sees_only_the_sample_and_explicit_passes_are_made(monkeypatch):
    import tomotopy

    added: list[int] = []
    real = tomotopy.LDAModel.add_doc
    monkeypatch.setattr(
        tomotopy.LDAModel, "add_doc", lambda self, words, **k: added.append(len(words)) or real(self, words, **k)
    )
    monkeypatch.setattr(topic_model, "START_SAMPLE", 40)
    recorder = _Recorder()
    with progress.reporting(recorder):
        model = fitted(2, TWO, passes=2)
    assert len(added) == 40 and set(added) == {30}  # 40 articles of 30 words each
    assert ("fitting K=2", 2 * 60, "articles", 2 * 60) in recorder.tasks
    assert model.passes_ == 2


def test_sweeps_are_checked_and_change_the_sampling():
    from textkit.errors import ConfigError

    with pytest.raises(ConfigError, match="The 'sweeps' parameter of TopicModel must be an int in the range"):
        TopicModel(2, sweeps=0).check_params()
    short, long = fitted(3, TWO, sweeps=1), fitted(3, TWO, sweeps=50)
    assert not np.array_equal(short.lda_.get_topics(), long.lda_.get_topics())


def test_term_weights_are_checked_and_passed_to_the_sampler(monkeypatch):
    import tomotopy

    from textkit.errors import ConfigError

    with pytest.raises(ConfigError, match="The 'term_weight' parameter of TopicModel must be a str among"):
        TopicModel(2, term_weight="bm25").check_params()
    seen: list[object] = []
    real = tomotopy.LDAModel.train

    def train(self, *args, **kwargs):
        seen.append(self.tw)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(tomotopy.LDAModel, "train", train)
    for weight in ("idf", "pmi", "one"):
        model = fitted(3, THREE, term_weight=weight)
        assert sorted(owners(model)) == [0, 1, 2], weight
    assert seen == [tomotopy.TermWeight.IDF, tomotopy.TermWeight.PMI, tomotopy.TermWeight.ONE]


def test_a_gibbs_model_round_trips_through_the_store_and_infers_alike(tmp_path):
    model = fit_topics(THREE, name="g", models_dir=tmp_path, num_topics=3, workers=1).model
    again, _ = load_topic_model("g", models_dir=tmp_path)
    assert again.init == "gibbs" and again.sweeps == 500 and again.passes_ == 0
    np.testing.assert_array_equal(model.transform(THREE[:5]), again.transform(THREE[:5]))


def test_a_numeric_alpha_is_kept_fixed_by_the_sampler(monkeypatch):
    import tomotopy

    seen: list[tuple[float, int]] = []
    real = tomotopy.LDAModel.train

    def train(self, *args, **kwargs):
        seen.append((self.alpha[0], self.optim_interval))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(tomotopy.LDAModel, "train", train)
    fitted(2, TWO, alpha=0.3)
    fitted(2, TWO)
    assert seen[0] == (pytest.approx(0.3), 0)
    assert seen[1] == (pytest.approx(0.1), 10)  # tomotopy's default: learned as it samples


@pytest.mark.parametrize("term_weight", ["idf", "pmi", "one"])
def test_seeded_topics_are_put_at_their_index_whatever_the_weights(term_weight):
    # With PMI weights and this seed the sampler formed the war topic at index 2, not 1 (before the reordering).
    model = fitted(3, THREE, seeds={"voting": ["poll"], "war": ["navy"]}, random_state=1, term_weight=term_weight)
    assert model.labels_[:2] == ["voting", "war"]
    assert set(model.top_word_lists(10, rank="probability")[0]) == set(VOTE)
    assert set(model.top_word_lists(10, rank="probability")[1]) == set(WAR)
