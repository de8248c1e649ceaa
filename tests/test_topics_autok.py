"""num_topics="auto": quick fits on a sample, the chosen K fitted in full, a warning at the edge of the range."""

from __future__ import annotations

import random
import warnings

import pytest

from textkit import progress
from textkit.messages import TextkitNote, TextkitWarning
from textkit.topics.model import TopicModel
from textkit.topics.quality import edge_warning

FARM = ["wheat", "harvest", "grain", "farmers", "crop", "barley", "export", "tractor", "field", "rain"]
WAR = ["missile", "army", "soldiers", "tank", "border", "troops", "artillery", "drone", "attack", "navy"]
VOTE = ["election", "parliament", "vote", "ballot", "candidate", "campaign", "party", "minister", "coalition", "poll"]
rng = random.Random(0)
THREE = [" ".join(rng.choice(v) for _ in range(30)) for v in (FARM, WAR, VOTE) for _ in range(30)]


def test_best_k_at_the_top_of_the_range_warns():
    with pytest.warns(TextkitWarning, match=r"the highest c_v is at the largest K tried \(3\): more topics may score"):
        model = TopicModel("auto", k_min=2, k_max=3, workers=1, k_step=1).fit(THREE)
    assert model.num_topics_ == 3


def test_best_k_inside_the_range_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error", TextkitWarning)
        model = TopicModel("auto", k_min=2, k_max=5, k_step=1, workers=1).fit(THREE)
    assert model.num_topics_ == 3
    # the chosen K is fitted as a fixed K would be: same topics
    fixed = TopicModel(3, workers=1).fit(THREE)
    assert model.top_word_lists(10) == fixed.top_word_lists(10) and model.scores_ == fixed.scores_


class _Recorder:
    def __init__(self) -> None:
        self.tasks: list[tuple[str, float | None, str, float]] = []

    def task(self, description, total, unit):
        recorder = self

        class _Step:
            done = 0.0

            def advance(self, amount=1):
                self.done += amount

            def update(self, completed):
                self.done = completed

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                recorder.tasks.append((description, total, unit, self.done))

        return _Step()


def test_each_k_and_the_final_fit_report_progress():
    recorder = _Recorder()
    with progress.reporting(recorder):
        TopicModel("auto", k_min=2, k_max=4, k_step=1, workers=1, passes=3).fit(THREE)
    fits = [t for t in recorder.tasks if t[0].startswith("fitting K=")]
    assert [t[0] for t in fits] == ["fitting K=2", "fitting K=3", "fitting K=4", "fitting K=3"]
    assert all(t[2] == "articles" and t[1] == t[3] for t in fits)  # every article of every pass counted
    assert fits[-1][1] == 3 * 90
    assert ("choosing K", 3, "values of K", 3) in recorder.tasks


def test_a_flat_curve_does_not_warn_at_the_bottom_but_a_falling_one_does():
    with warnings.catch_warnings():
        warnings.simplefilter("error", TextkitWarning)
        flat = TopicModel("auto", k_min=3, k_max=5, k_step=1, workers=1).fit(THREE)  # 3, 4 and 5 tie
    assert flat.num_topics_ == 3
    assert edge_warning([3, 4, 5], [0.9, 0.9, 0.9], "c_v") is None
    assert edge_warning([3, 4, 5], [0.9, 0.8, 0.7], "c_v").startswith("the highest c_v is at the smallest K tried (3)")
    assert edge_warning([2, 3], [0.9, 0.8], "c_v") is None  # no fewer topics to try
    # rising to the edge: warned even though the tie rule picks 11 (12 is within 0.01)
    assert edge_warning([10, 11, 12], [0.67, 0.68, 0.689], "c_v").startswith("the highest c_v is at the largest K")
    assert edge_warning([10, 11, 12], [0.67, 0.69, 0.68], "c_v") is None


SPORT = ["goal", "match", "striker", "league", "coach", "stadium", "referee", "penalty", "fans", "keeper"]
VOCABULARIES = [FARM, WAR, VOTE, SPORT]
FOUR = [" ".join(rng.choice(v) for _ in range(30)) for v in VOCABULARIES for _ in range(400)]


@pytest.mark.parametrize("random_state", [0, 1, 2])
def test_the_search_reads_a_fixed_share_of_one_fit_and_finds_the_known_k(monkeypatch, random_state):
    """The quick fits, one process each, together read AUTO_K_SHARE of the articles the final fit reads."""
    from textkit.topics import _gensim
    from textkit.topics import model as topic_model

    monkeypatch.setattr(topic_model, "AUTO_K_MIN_SAMPLE", 10)  # let the share decide on a small corpus
    made = []
    new_lda = _gensim.new_lda
    monkeypatch.setattr(_gensim, "new_lda", lambda *a, **k: made.append(k) or new_lda(*a, **k))
    recorder = _Recorder()
    with progress.reporting(recorder), pytest.warns(TextkitNote) as notes:
        model = TopicModel(
            "auto", k_min=2, k_max=7, k_step=1, chunksize=100, workers=2, measures=("c_v",), random_state=random_state
        ).fit(FOUR)
    fits = [t[1] for t in recorder.tasks if t[0].startswith("fitting K=")]
    # 1,600 articles in chunks of 100: 16 updates a pass, so an online fit makes 3 passes (4,800 articles
    # read); 0.4 x 4,800 / 6 values of K: a sample of 320 articles each, read once
    assert fits == [320] * 6
    # the final fit: the Gibbs sampler on all 1,600 articles (fewer than its sample), no online pass
    assert [t for t in recorder.tasks if t[0].startswith("sampling")] == [
        (f"sampling K={model.num_topics_}", 500, "sweeps", 500)
    ]
    assert model.passes_ == 0 and model.lda_.num_updates == 1600
    # each quick fit: one process, 10 online updates; the final fit: the model's workers and chunks
    assert [(k["workers"], k["chunksize"]) for k in made] == [(1, 32)] * 6 + [(2, 100)]
    message = (
        "K chosen from quick fits on 320 of the 1600 articles: the 6 quick fits together read 0.40 times the "
        "articles of one online fit (3 passes)"
    )
    assert message in [str(n.message) for n in notes] and message in model.notes_
    # four vocabularies: the search finds four topics, the fewest within the tie of the best c_v
    assert model.num_topics_ == 4
    four = next(row["c_v"] for row in model.k_scores_ if row["k"] == 4)
    assert four > 0.99 and all(row["c_v"] < four - 0.01 for row in model.k_scores_ if row["k"] < 4)
