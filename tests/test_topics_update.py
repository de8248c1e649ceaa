"""TopicModel.update and ``textkit topics update``: ids kept, vocabulary grown, a planted new topic found."""

from __future__ import annotations

import json
import random

import pytest

from textkit.cli import main
from textkit.errors import ConfigError
from textkit.topics.model import TopicModel
from textkit.workflows.topics import fit_topics, load_topic_model, update_topics

FARM = ["wheat", "harvest", "grain", "farmers", "crop", "barley", "export", "tractor", "field", "rain"]
WAR = ["missile", "army", "soldiers", "tank", "border", "troops", "artillery", "drone", "attack", "navy"]
VOTE = ["election", "parliament", "vote", "ballot", "candidate", "campaign", "party", "minister", "coalition", "poll"]


def _docs(rng: random.Random, vocabulary: list[str], count: int) -> list[str]:
    return [" ".join(rng.choice(vocabulary) for _ in range(30)) for _ in range(count)]


def _corpora() -> tuple[list[str], list[str]]:
    rng = random.Random(0)
    old = _docs(rng, FARM, 40) + _docs(rng, WAR, 40)
    # the news moves on: less farming, as much war, and a subject never seen before
    new = _docs(rng, FARM, 10) + _docs(rng, WAR, 20) + _docs(rng, VOTE, 30)
    rng.shuffle(new)
    return old, new


def _topic_of(model: TopicModel, vocabulary: list[str]) -> int:
    return next(t for t, words in enumerate(model.top_word_lists(10)) if set(words) == set(vocabulary))


def test_update_keeps_topic_ids_grows_the_vocabulary_and_finds_the_planted_topic():
    old, new = _corpora()
    model = TopicModel(2, workers=1).fit(old)
    farm, war = _topic_of(model, FARM), _topic_of(model, WAR)
    labels = list(model.labels_)
    report = model.update(new, new_topics=1)
    assert (_topic_of(model, FARM), _topic_of(model, WAR), _topic_of(model, VOTE)) == (farm, war, 2)
    assert model.labels_[:2] == labels and model.labels_[2].split(" / ")[0] in VOTE
    assert report.new_topics == [2] and model.num_topics_ == 3
    # every election word was unknown, and each is in 5+ new articles: all added
    assert report.documents == 60 and report.tokens == 1800 and report.unknown_tokens == 900
    assert sorted(report.words_added) == sorted(VOTE) and len(model.dictionary_) == 30
    # what grew and faded: farming from half to a sixth, war to a third, elections from nothing to a half
    before, after = report.prevalence_before, report.prevalence_after
    assert before[farm] == pytest.approx(0.5, abs=0.02) and after[farm] == pytest.approx(1 / 6, abs=0.03)
    assert after[war] == pytest.approx(1 / 3, abs=0.03) and before[2] == 0 and after[2] == pytest.approx(0.5, abs=0.03)
    assert report.changes()[0][0] == 2  # the largest change first
    # the summary now covers both corpora
    assert model.summary_.documents == 140
    assert model.summary_.prevalence[2] == pytest.approx(30 / 140, abs=0.02)
    assert model.transform(["ballot vote coalition poll"]).argmax() == 2


def test_without_new_topics_the_report_points_at_the_unexplained_articles():
    old, new = _corpora()
    model = TopicModel(2, workers=1).fit(old)
    report = model.update(new)
    assert model.num_topics_ == 2 and report.new_topics == []
    # the 30 election articles, and none of the others
    assert report.poorly_explained == 30
    assert {w for w, _ in report.poorly_explained_words[:10]} == set(VOTE)
    assert all(a["unknown"] == 1.0 and a["loglik"] is None for a in report.poorly_explained_articles)
    assert all(set(a["headline"].split()[:-1]) <= set(VOTE) for a in report.poorly_explained_articles)  # (last: cut)


def test_update_refuses_bad_values():
    old, _ = _corpora()
    model = TopicModel(2, workers=1).fit(old)
    with pytest.raises(ConfigError, match="new_topics must be 0 or more"):
        model.update(old, new_topics=-1)


def test_workflow_and_cli_save_back_with_a_history_entry(tmp_path, capsys):
    old, new = _corpora()
    fit_topics(old, "news", models_dir=tmp_path, num_topics=2, workers=1)
    result = update_topics("news", new, models_dir=tmp_path, new_topics=1)
    model, manifest = load_topic_model("news", tmp_path)
    assert model.num_topics_ == 3 and len(manifest["topics"]) == 3
    (entry,) = manifest["history"]
    assert entry["articles"] == 60 and entry["words_added"] == 10 and entry["new_topics"] == [2]
    assert entry["data"]["count"] == 60 and manifest["data"]["count"] == 80  # the fit's data kept
    assert result.report.documents == 60
    data = tmp_path / "new.jsonl"
    data.write_text("\n".join(json.dumps({"id": f"n{i}", "text": t}) for i, t in enumerate(new)) + "\n")
    assert main(["topics", "update", "news", str(data), "--models-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "60 new articles, 1800 words: 0 (0.0%) not in the vocabulary; 0 words added" in out
    assert out.splitlines()[2].split()[:4] == ["topic", "label", "share", "before"]
    assert "saved topic model 'news' (3 topics" in out
    assert len(load_topic_model("news", tmp_path)[1]["history"]) == 2
    assert main(["topics", "update", "news", str(data), "--new-topics", "-1", "--models-dir", str(tmp_path)]) == 2
    assert "--new-topics must be 0 or more" in capsys.readouterr().err
    assert main(["topics", "update", "nothing", str(data), "--models-dir", str(tmp_path)]) == 1
