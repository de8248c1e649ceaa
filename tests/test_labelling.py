"""The labelling workflow (answers file, next article, undo, retrain, agreement) and the corpus index."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from textkit.errors import ConfigError, InputError
from textkit.reading.articles import Article, read_articles, sample_corpus_path
from textkit.web.index import CorpusIndex, build_index
from textkit.workflows.labelling import AnswerLog, Labeller, agreement, uncertainty


@pytest.fixture(scope="module")
def sample():
    return list(read_articles(sample_corpus_path()))


@pytest.fixture(scope="module")
def index(sample, tmp_path_factory):
    return CorpusIndex(build_index(sample, tmp_path_factory.mktemp("index") / "i.sqlite"))


@pytest.fixture(scope="module")
def model(sample):
    from textkit.themes.classify import ThemeClassifier

    return ThemeClassifier().fit(sample, [list(a.labels) for a in sample])


def test_answer_log_appends_at_once_and_resumes(tmp_path):
    path = tmp_path / "answers.jsonl"
    log = AnswerLog(path)
    log.append(Article(id="a", text="body", headline="Head"), ["economy"], "ana", mode="random")
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["id"] == "a" and record["labels"] == ["economy"] and record["annotator"] == "ana"
    assert record["headline"] == "Head" and record["text"] == "body" and record["mode"] == "random"
    log.append(Article(id="a", text="body"), ["military"], "ana")
    log.append(Article(id="a", text="body"), ["economy"], "ben")
    again = AnswerLog(path)
    assert len(again.lines) == 3
    assert again.resolved()[("a", "ana")]["labels"] == ["military"]  # the later answer supersedes
    assert again.answered_by("ana") == ["a"]
    assert again.training_set() == (["body"], [["economy"]])  # one per article: the latest answer of anyone


def test_answer_log_refuses_a_file_that_is_not_answers(tmp_path):
    path = tmp_path / "answers.jsonl"
    path.write_text('{"id": "a", "labels": []}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"answers.jsonl:1: not an answer"):
        AnswerLog(path)
    path.write_text("{oops\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"answers.jsonl:1: invalid JSON"):
        AnswerLog(path)


def test_next_never_repeats_an_answered_or_skipped_article(index, tmp_path):
    labeller = Labeller(index, AnswerLog(tmp_path / "a.jsonl"), ["economy", "military"], background=False)
    seen = set()
    for i in range(40):
        n = labeller.next("ana", "random")
        assert n not in seen
        seen.add(n)
        if i % 4 == 0:
            labeller.skip("ana", n)
        else:
            labeller.answer("ana", n, ["economy"], mode="random")
    # Another annotator may get the same articles (agreement needs overlap).
    assert labeller.next("ben", "random") is not None
    with pytest.raises(ConfigError, match="unknown mode"):
        labeller.next("ana", "clever")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="unknown theme"):
        labeller.answer("ana", 1, ["nonsense"])
    with pytest.raises(InputError, match="tick at least one theme"):
        labeller.answer("ana", 1, [])


def test_undo_reopens_the_last_answer_and_the_new_answer_supersedes(index, tmp_path):
    labeller = Labeller(index, AnswerLog(tmp_path / "a.jsonl"), ["economy", "military"], background=False)
    first = labeller.next("ana", "random")
    labeller.answer("ana", first, ["economy"])
    second = labeller.next("ana", "random")
    labeller.answer("ana", second, ["economy"])
    assert labeller.undo("ana") == second
    assert labeller.next("ana", "random") == second
    assert labeller.undo("ana") == first  # a second undo goes one further back
    assert labeller.next("ana", "random") == first
    labeller.answer("ana", first, ["military"])
    assert labeller.next("ana", "random") not in (first, second)
    article_id = index.get(first).article.id
    assert labeller.previous_labels("ana", article_id) == ["military"]
    assert len(labeller.log.lines) == 3  # append-only: the first answer is still there


def test_restart_resumes_who_answered_what(index, tmp_path):
    path = tmp_path / "a.jsonl"
    labeller = Labeller(index, AnswerLog(path), ["economy"], background=False)
    answered = []
    for _ in range(5):
        n = labeller.next("ana", "random")
        labeller.answer("ana", n, ["economy"])
        answered.append(n)
    again = Labeller(index, AnswerLog(path), ["economy"], background=False, seed=1)
    assert all(again.next("ana", "random") not in answered for _ in range(30))
    assert again.undo("ana") == answered[-1]


def test_skips_survive_a_restart_and_leave_the_answers_file_a_training_set(index, tmp_path):
    from textkit.workflows.themes import train_model

    path = tmp_path / "a.jsonl"
    labeller = Labeller(index, AnswerLog(path), ["economy", "military"], background=False)
    answered, skipped = [], []
    for i in range(12):
        n = labeller.next("ana", "random")
        if i % 3 == 0:
            labeller.skip("ana", n)
            skipped.append(n)
        else:
            labeller.answer("ana", n, ["economy"] if i % 2 else ["military"], mode="random")
            answered.append(n)
    skips = [json.loads(line) for line in (tmp_path / "a.jsonl.skips").read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["annotator"], r["skip"]) for r in skips] == [
        (index.get(n).article.id, "ana", True) for n in skipped
    ]
    # The answers file holds answers only: a labelled corpus as it was.
    assert [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()] == [
        index.get(n).article.id for n in answered
    ]
    again = Labeller(index, AnswerLog(path), ["economy", "military"], background=False, seed=3)
    shown = {again.next("ana", "random") for _ in range(200)}
    assert not shown & set(skipped) and not shown & set(answered)
    # textkit train reads the answers file as before (the skips file is beside it, not in it).
    result = train_model(read_articles(path), "from-answers", models_dir=tmp_path / "models")
    assert result.manifest["data"]["count"] == len(answered)


def test_undo_brings_back_a_skipped_article_and_takes_the_skip_back_on_disk(index, tmp_path):
    path = tmp_path / "a.jsonl"
    labeller = Labeller(index, AnswerLog(path), ["economy"], background=False)
    first = labeller.next("ana", "random")
    labeller.answer("ana", first, ["economy"])
    second = labeller.next("ana", "random")
    labeller.skip("ana", second)
    assert labeller.next("ana", "random") not in (first, second)
    assert labeller.undo("ana") == second  # the last action was the skip
    assert labeller.next("ana", "random") == second
    assert labeller.undo("ana") == first  # one further back: the answer
    # Restarted here: the skip was taken back, so the article can come again; the answer stays.
    again = AnswerLog(path)
    assert again.skipped() == {} and again.answered_by("ana") == [index.get(first).article.id]
    assert [json.loads(line)["skip"] for line in (tmp_path / "a.jsonl.skips").read_text().splitlines()] == [True, False]
    with pytest.raises(InputError, match="no article number 999999"):
        labeller.skip("ana", 999999)


def test_a_skips_file_that_is_not_skips_is_refused(tmp_path):
    (tmp_path / "a.jsonl.skips").write_text('{"id": "x", "annotator": "ana"}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"a.jsonl.skips:1: not a skip"):
        AnswerLog(tmp_path / "a.jsonl")


SPORT_RULES = """
[themes.sport]
words = ["football", "match", "goal"]
against = ["betting"]
[themes.economy]
words = ["inflation", "shares"]
"""


def test_rule_disagreement_scores_conflicting_rules_and_a_classifier_that_contradicts_them():
    from textkit.themes.rules import parse_rules
    from textkit.themes.weak import rule_disagreement

    texts = ["football match today", "football betting", "inflation shares football", "nothing here", "inflation up"]
    predicted = [["sport"], ["sport"], ["economy"], ["sport"], ["sport"]]
    multi = parse_rules(SPORT_RULES)
    votes = multi.votes(texts)
    # Conflict: the share of the firing rules' weight against the majority, theme by theme.
    assert rule_disagreement(votes, multi).tolist() == [0, 0.5, 0, 0, 0]
    # Plus half the share of the themes the rules decide on where the classifier decides otherwise.
    assert rule_disagreement(votes, multi, predicted).tolist() == [0, 0.5, 0.25, 0, 0.5]
    exclusive = parse_rules("exclusive = true\n" + SPORT_RULES)
    votes = exclusive.votes(texts)
    # One theme per article: rules for sport and economy on one article disagree (1 of 3 against economy).
    assert rule_disagreement(votes, exclusive) == pytest.approx([0, 0.5, 1 / 3, 0, 0])
    assert rule_disagreement(votes, exclusive, predicted) == pytest.approx([0, 0.5, 1 / 3, 0, 0.5])


def test_disagreement_mode_gives_the_articles_the_rules_disagree_on_first(tmp_path):
    from textkit.themes.rules import parse_rules

    texts = [
        "football match today in the city",
        "football betting scandal grows",  # 1 for sport, 1 against: 0.5
        "inflation shares rise again",
        "football match betting row",  # 2 for, 1 against: 1/3
        "nothing at all to see",
        "football match goal betting",  # 3 for, 1 against: 0.25
        "the goal of inflation policy",  # sport and economy: multi-label, no conflict
    ]
    articles = [Article(id=f"a{i}", text=t) for i, t in enumerate(texts)]
    index = CorpusIndex(build_index(articles, tmp_path / "i.sqlite", rules=parse_rules(SPORT_RULES, "rules.toml")))
    assert index.rules_source == "rules.toml"
    assert index.disagreement_order() == [2, 4, 6]
    assert index.disagreement(2) == (0.5, ["sport +football", "sport -betting"])
    assert index.disagreement(1) is None
    labeller = Labeller(index, AnswerLog(tmp_path / "a.jsonl"), ["sport", "economy"], background=False)
    assert labeller.modes == ("uncertainty", "random", "disagreement")
    assert labeller.next("ana", "disagreement") == 2
    labeller.answer("ana", 2, ["sport"], mode="disagreement")
    assert labeller.next("ana", "disagreement") == 4
    labeller.skip("ana", 4)
    assert labeller.next("ana", "disagreement") == 6
    assert labeller.next("ben", "disagreement") == 2  # per annotator
    labeller.answer("ana", 6, ["sport"], mode="disagreement")
    # Every disagreement answered: the rest come as in the other modes, never a repeat.
    rest = set()
    for _ in range(4):
        n = labeller.next("ana", "disagreement")
        labeller.answer("ana", n, ["economy"], mode="disagreement")
        rest.add(n)
    assert rest == {1, 3, 5, 7} and labeller.next("ana", "disagreement") is None
    # A restart keeps the order and what was answered or skipped.
    again = Labeller(index, AnswerLog(tmp_path / "a.jsonl"), ["sport", "economy"], background=False)
    assert again.next("ana", "disagreement") is None and again.next("ben", "disagreement") == 2


def test_disagreement_mode_is_refused_without_rules(index, tmp_path):
    labeller = Labeller(index, AnswerLog(tmp_path / "a.jsonl"), ["economy"], background=False)
    assert labeller.modes == ("uncertainty", "random")
    with pytest.raises(ConfigError, match="not trained from keyword rules"):
        labeller.next("ana", "disagreement")


def test_uncertainty_mode_asks_about_the_least_certain_article_first(index, model, tmp_path):
    labeller = Labeller(index, AnswerLog(tmp_path / "a.jsonl"), list(model.classes_), model=model, pool_size=10_000)
    scores = uncertainty(model, index.texts(list(range(1, index.count + 1))))
    assert labeller.next("ana") == int(np.argmin(scores)) + 1


def test_retrain_every_n_answers_gives_a_new_model_with_cross_validated_f1(index, sample, tmp_path):
    themes = sorted({label for a in sample for label in a.labels})
    labeller = Labeller(index, AnswerLog(tmp_path / "a.jsonl"), themes, retrain_every=30, background=False)
    for _ in range(29):
        n = labeller.next("ana", "random")
        labeller.answer("ana", n, list(index.get(n).article.labels))
    assert labeller.state.model is None
    n = labeller.next("ana", "random")
    labeller.answer("ana", n, list(index.get(n).article.labels))
    state = labeller.state
    assert state.version == 1 and state.trained_on == 30 and state.model is not None
    assert set(state.f1) <= set(themes) and all(0 <= v <= 1 for v in state.f1.values())
    assert labeller.progress()["answers"] == 30


def test_background_retrain_runs_in_another_process(index, sample, tmp_path):
    themes = sorted({label for a in sample for label in a.labels})
    labeller = Labeller(index, AnswerLog(tmp_path / "a.jsonl"), themes, retrain_every=0)
    try:
        for n in range(1, 41):
            labeller.answer("ana", n, list(index.get(n).article.labels))
        assert labeller.maybe_retrain(force=True)
        assert labeller.state.training
        assert labeller.next("ana", "random") is not None  # answering goes on meanwhile
        labeller.wait(timeout=120)
        assert labeller.state.version == 1 and labeller.state.trained_on == 40
    finally:
        labeller.close()


def test_agreement_is_cohens_kappa_per_theme(tmp_path):
    log = AnswerLog(tmp_path / "a.jsonl")
    for i, (a, b) in enumerate([("x", "x"), ("x", "y"), ("y", "y"), ("y", "y")]):
        log.append(Article(id=str(i), text="t"), [a], "ana")
        log.append(Article(id=str(i), text="t"), [b], "ben")
    log.append(Article(id="only-ana", text="t"), ["x"], "ana")
    result = agreement(log, ["x", "y", "z"])
    assert result["annotators"] == ["ana", "ben"]
    (pair,) = result["pairs"]
    # x: ana 1100, ben 1000: observed 3/4, expected 1/2 -> 0.5; z never given: undefined.
    assert pair["articles"] == 4 and pair["kappa"] == {"x": 0.5, "y": 0.5, "z": None}


def test_index_search_counts_and_filters(index, sample):
    assert index.count == len(sample)
    assert sum(index.per_month().values()) == len(sample)
    assert index.per_month()["2024-01"] == sum(1 for a in sample if a.date.startswith("2024-01"))
    results, total = index.search("wheat")
    assert total == sum(1 for a in sample if re.search(r"\bwheat\b", a.full_text, re.IGNORECASE))
    assert all("wheat" in r.article.full_text.lower() for r in results)
    # FTS5 syntax typed by a user is read as words, never as a query.
    assert index.search('wheat OR NEAR( "x')[1] == 0
    assert index.search("", source="DT")[1] == sum(1 for a in sample if a.source == "DT")
    june = index.search("", date_from="2024-06-01", date_to="2024-06-30")[1]
    assert june == sum(1 for a in sample if a.date.startswith("2024-06"))
    with pytest.raises(InputError, match="is not YYYY-MM-DD"):
        index.search("", date_from="June")


def test_representative_articles_in_the_model_and_the_index(sample, tmp_path):
    from textkit.topics.model import TopicModel

    topics = TopicModel(num_topics=3, workers=1, passes=2, measures=()).fit(sample)
    shares = topics.transform(sample)
    index = CorpusIndex(build_index(sample, tmp_path / "i.sqlite", topic_model=topics))
    for k in range(3):
        expected = sorted(range(len(sample)), key=lambda i: (-shares[i, k], i))[:4]
        found = index.representative(k, 4)
        assert [item.article.id for item, _ in found] == [sample[i].id for i in expected]
        assert [round(s, 5) for _, s in found] == [round(float(shares[i, k]), 5) for i in expected]


def test_similar_articles_share_distinctive_words(index, sample):
    wheat = next(item for item in (index.get(n) for n in range(1, index.count + 1)) if "wheat" in item.article.text)
    similar = index.similar(wheat.n, k=5)
    assert len(similar) == 5 and wheat.n not in [s.n for s in similar]
    # The nearest one shares more of the article's vocabulary than a typical article does.
    words = set(re.findall(r"\w+", wheat.article.full_text.lower()))

    def shared(item):
        return len(words & set(re.findall(r"\w+", item.article.full_text.lower())))

    typical = sorted(shared(index.get(n)) for n in range(1, index.count + 1) if n != wheat.n)[index.count // 2]
    assert shared(similar[0]) > typical
    assert index.similar(10**6) == []


def test_group_rows_match_what_textkit_compare_reads(sample, tmp_path):
    """Topic shares rounded as infer gives them, no dominant topic without a known word, months by compare's rule."""
    from textkit.analysis.compare import group_key
    from textkit.topics.model import TopicModel

    topics = TopicModel(num_topics=3, workers=1, passes=2, measures=()).fit(sample)
    odd = [
        Article("w", "zzzqx qqqzz", source="DT", date="2024-02"),  # no known word; a month with no day
        Article("v", sample[0].text, source="", date="2024-02-03"),  # no source
    ]
    articles = [*sample[:40], *odd]
    index = CorpusIndex(build_index(articles, tmp_path / "g.sqlite", topic_model=topics))
    assert index.find("w").topic is None and index.find("v").topic is not None
    keys, rows, skipped = index.group_rows("topics", "month")
    records = [r for r in topics.infer(articles) if r["labels"]]
    assert keys == [group_key(a, "month") for a, r in zip(articles, topics.infer(articles)) if r["labels"]]
    assert rows.tolist() == [[r["scores"][label] for label in topics.labels_] for r in records]
    assert skipped == {"no known word": 1}
    keys, _, _ = index.group_rows("topics", "source", date_from="2024-02-01")
    assert None in keys  # the empty source is no group
    with pytest.raises(ConfigError, match="cannot group by"):
        index.group_rows("topics", "colour")
    with pytest.raises(ConfigError, match="no themes"):
        index.group_rows("themes", "source")
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        index.group_rows("topics", "source", date_to="May")
