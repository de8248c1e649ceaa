"""Keyword rules, the label model, training from rules and ``textkit rules check``."""

import json
import random

import numpy as np
import pytest
from scipy import sparse

from textkit.cli import main
from textkit.errors import ConfigError, InputError, TrainingError
from textkit.reading.articles import Article
from textkit.themes.label_model import LabelModel, label_themes
from textkit.themes.rules import load_rules, parse_rules
from textkit.workflows.rules import check_rules
from textkit.workflows.themes import load_classifier, train_model


# -- the label model -------------------------------------------------------------------
def simulated_votes(accuracies, coverages, n=5000, balance=0.3, seed=0):
    """Binary votes: each rule votes on a share ``coverage`` of items, right with probability ``accuracy``."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < balance).astype(int)
    votes = np.zeros((n, len(accuracies)), dtype=int)
    for j, (accuracy, coverage) in enumerate(zip(accuracies, coverages)):
        fires = rng.random(n) < coverage
        right = rng.random(n) < accuracy
        vote = np.where(right == (y == 1), 1, -1)
        votes[fires, j] = vote[fires]
    return sparse.csr_matrix(votes), y


def test_label_model_recovers_known_rule_accuracies_without_labels():
    accuracies = [0.9, 0.8, 0.7, 0.6, 0.55]
    votes, y = simulated_votes(accuracies, [0.6, 0.5, 0.7, 0.4, 0.8])
    model = LabelModel(2).fit(votes, np.ones(5, dtype=int))
    assert model.method_ == "em"
    assert np.abs(model.accuracies_ - accuracies).max() < 0.05
    assert abs(model.class_balance_[1] - y.mean()) < 0.03
    # Better than the plain vote, which counts the 0.55 rule as much as the 0.9 one.
    proba = model.predict_proba(votes)[:, 1]
    majority = np.asarray(votes.sum(axis=1)).ravel() > 0
    assert ((proba >= 0.5) == y).mean() > (majority == y).mean() + 0.02


def test_label_model_recovers_accuracies_of_keyword_rules_over_several_classes():
    # Keyword rules only vote for their class; a wrong vote lands on another class.
    rng = np.random.default_rng(1)
    n, K = 5000, 4
    y = rng.integers(0, K, n)
    targets = np.arange(8) % K
    accuracies = np.array([0.9, 0.8, 0.7, 0.6, 0.85, 0.75, 0.65, 0.6])
    votes = np.zeros((n, 8), dtype=int)
    for j in range(8):
        p_fire = np.where(y == targets[j], 0.5, 0.5 * (1 - accuracies[j]) / accuracies[j] / (K - 1))
        votes[rng.random(n) < p_fire, j] = 1
    measured = [(y[votes[:, j] == 1] == targets[j]).mean() for j in range(8)]
    model = LabelModel(K).fit(sparse.csr_matrix(votes), targets)
    assert np.abs(model.accuracies_ - measured).max() < 0.06


def test_label_model_falls_back_to_the_majority_vote_and_says_why():
    votes = sparse.csr_matrix(np.array([[1, 0], [1, 1], [0, -1], [0, 0]] * 10))
    model = LabelModel(2).fit(votes, np.ones(2, dtype=int))
    assert model.method_ == "majority vote"
    assert model.reason_ == "too few votes for EM (2 rule(s) on 30 item(s); it needs 3 rules and 10 items)"
    assert np.isnan(model.accuracies_).all()
    assert model.predict_proba(votes)[:4, 1].tolist() == [1.0, 1.0, 0.0, 0.0]


def test_label_themes_clamps_known_labels():
    votes, y = simulated_votes([0.9, 0.8, 0.7], [0.6, 0.6, 0.6], n=500)
    gold = np.full((500, 1), -1)
    gold[:10, 0] = 1 - y[:10]  # deliberately against the votes: known labels win
    labels = label_themes(votes, np.zeros(3, dtype=int), ["t"], gold=gold)
    assert labels.proba[:10, 0].tolist() == (1 - y[:10]).tolist()


# -- rules files -----------------------------------------------------------------------
RULES = """
[themes.terrorism]
words = ["terroris*", "car bomb"]
against = ["anniversary"]
regex = ['\\bsleeper[- ]cells?\\b']

[themes.economy]
words = ["wheat", "exports"]
weight = 2
"""


def test_rules_vote_on_tokens_phrases_prefixes_and_regexes():
    rules = parse_rules(RULES)
    assert [r.name for r in rules.rules] == [
        "terrorism +terroris*",
        "terrorism +car bomb",
        "terrorism -anniversary",
        "terrorism /\\bsleeper[- ]cells?\\b/",
        "economy +wheat",
        "economy +exports",
    ]
    texts = [
        "TERRORISTS detonated a Car-Bomb near the market.",  # case, hyphen: the phrase is two tokens
        "On the anniversary, a car was parked near the bomb shelter.",  # not a phrase: words apart
        "Police dismantled a sleeper cell; wheat exports rose.",
        "The car of the bomb squad",  # "of the" are stop words: dropped from the text as from the rules
    ]
    votes = rules.votes(texts).toarray()
    assert votes.tolist() == [
        [1, 1, 0, 0, 0, 0],
        [0, 0, -1, 0, 0, 0],
        [0, 0, 0, 1, 1, 1],
        [0, 1, 0, 0, 0, 0],
    ]
    assert rules.weights.tolist() == [1, 1, 1, 1, 2, 2]
    assert rules.snippet(1, texts[0], width=10) == "...tonated a [Car-Bomb] near the..."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", 'r.toml: no rules (add a table per theme: [themes.NAME] with words = ["...", ...])'),
        ("[themes.a]\nwords = []\n", "r.toml: [themes.a]: no rules (give it words, against or regex)"),
        (
            "[themes.a]\nregex = ['(unclosed']\n",
            "r.toml: [themes.a] regex[0]: bad regular expression '(unclosed': missing ), unterminated subpattern "
            "at position 0",
        ),
        ("[themes.a]\nwords = 3\n", "r.toml: [themes.a]: words must be a list of strings, not int"),
        ("[themes.a]\nwords = ['x1', 7]\n", "r.toml: [themes.a] words[1]: must be a non-empty string, not 7"),
        (
            "[themes.a]\nword = ['bomb']\n",
            "r.toml: [themes.a]: unknown key 'word' (use words, against, regex and weight)",
        ),
        ("[themes.a]\nwords = ['bomb']\nweight = -1\n", "r.toml: [themes.a]: weight must be a positive number, not -1"),
        (
            "[themes.a]\nwords = ['of the']\n",
            "r.toml: [themes.a] words[0]: 'of the' is only stop words or numbers, which the tokenizer drops: "
            "it can never match (use a regex for it)",
        ),
        (
            "[themes.a\n",
            "r.toml: not valid TOML: Expected ']' at the end of a table declaration (at line 1, column 10)",
        ),
    ],
)
def test_bad_rules_files_are_refused_naming_the_file_and_the_rule(tmp_path, text, message):
    path = tmp_path / "r.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_rules(path)
    assert str(error.value).replace(str(tmp_path) + "/", "") == message


def test_rules_for_an_unknown_theme_are_refused(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text(RULES, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_rules(path, known_themes=["economy", "military"])
    assert (
        str(error.value)
        == f"{path}: [themes.terrorism]: unknown theme 'terrorism' (the known themes are economy, military)"
    )
    with pytest.raises(InputError, match="rules file .*missing.toml not found"):
        load_rules(tmp_path / "missing.toml")


def test_yaml_rules_read_like_toml(tmp_path):
    pytest.importorskip("yaml")
    path = tmp_path / "r.yaml"
    path.write_text("exclusive: true\nthemes:\n  economy:\n    words: [wheat]\n  sport:\n    words: [goal*]\n")
    rules = load_rules(path)
    assert rules.exclusive and [r.name for r in rules.rules] == ["economy +wheat", "sport +goal*"]


# -- rules check -----------------------------------------------------------------------
CHECK_RULES = """
[themes.terrorism]
words = ["bomb", "attack", "sleeper cells"]
against = ["drill"]

[themes.military]
words = ["army", "drill"]
"""

CHECK_ARTICLES = [
    {"id": "a1", "text": "A bomb attack hit the market.", "labels": ["terrorism"]},
    {"id": "a2", "text": "The army held a drill near the bomb range.", "labels": ["military"]},
    {"id": "a3", "text": "Army units repelled an attack.", "labels": ["military", "terrorism"]},
    {"id": "a4", "text": "Wheat prices rose.", "labels": ["economy"]},
]


def test_rules_check_reports_rules_that_never_fire_and_conflicts():
    rules = parse_rules(CHECK_RULES)
    articles = [Article(id=a["id"], text=a["text"], labels=tuple(a["labels"])) for a in CHECK_ARTICLES]
    report = check_rules(rules, articles)
    assert report.never_fire == ["terrorism +sleeper cells"]
    by_rule = {r["rule"]: r for r in report.rules}
    # a2: "bomb" votes for terrorism, "drill" against it: both are in conflict there.
    assert by_rule["terrorism +bomb"]["conflicts"] == 1
    assert by_rule["terrorism -drill"]["conflicts"] == 1
    assert by_rule["terrorism +attack"]["conflicts"] == 0
    assert by_rule["terrorism +bomb"]["measured_accuracy"] == 0.5
    assert by_rule["terrorism -drill"]["measured_accuracy"] == 1.0
    assert report.uncovered == 1
    assert [t["conflicts"] for t in report.themes] == [1, 0]


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_cli_rules_check_output(tmp_path, capsys):
    rules = tmp_path / "rules.toml"
    rules.write_text(CHECK_RULES, encoding="utf-8")
    data = write_jsonl(tmp_path / "data.jsonl", CHECK_ARTICLES)
    assert main(["rules", "check", str(rules), str(data), "--samples", "1"]) == 0
    out = capsys.readouterr().out.replace(str(tmp_path) + "/", "")
    assert out == (
        "rules.toml: 6 rules, 4 articles, 1 (25%) with no vote\n"
        "\n"
        "theme      rules  voted for  conflicts  labelled  label model\n"
        "---------  -----  ---------  ---------  --------  -------------------------------------------------------------------------------------------\n"
        "terrorism  4      3 (75%)    1 (25%)    2 (50%)   majority vote: too few votes for EM (3 rule(s) on 3 item(s); it needs 3 rules and 10 items)\n"
        "military   2      2 (50%)    0 (0%)     2 (50%)   majority vote: too few votes for EM (2 rule(s) on 2 item(s); it needs 3 rules and 10 items)\n"
        "\n"
        "rule                      coverage  overlaps  conflicts  est. accuracy  accuracy\n"
        "------------------------  --------  --------  ---------  -------------  --------\n"
        "terrorism +bomb           2 (50%)   2 (100%)  1 (50%)    -              0.50\n"
        "terrorism +attack         2 (50%)   1 (50%)   0 (0%)     -              1.00\n"
        "terrorism +sleeper cells  0 (0%)    0         0          -              -\n"
        "terrorism -drill          1 (25%)   1 (100%)  1 (100%)   -              1.00\n"
        "military +army            2 (50%)   1 (50%)   0 (0%)     -              1.00\n"
        "military +drill           1 (25%)   1 (100%)  0 (0%)     -              1.00\n"
        "\n"
        "never fire (1): terrorism +sleeper cells\n"
        "\n"
        "sample matches:\n"
        "  terrorism +bomb  a1: A [bomb] attack hit the market.\n"
        "  terrorism +attack  a1: A bomb [attack] hit the market.\n"
        "  terrorism -drill  a2: The army held a [drill] near the bomb range.\n"
        "  military +army  a2: The [army] held a drill near the bomb range.\n"
        "  military +drill  a2: The army held a [drill] near the bomb range.\n"
    )
    assert main(["rules", "check", str(tmp_path / "nope.toml"), str(data)]) == 1
    assert "error: rules file" in capsys.readouterr().err
    typo = tmp_path / "typo.toml"
    typo.write_text("[themes.militray]\nwords = ['army']\n", encoding="utf-8")
    assert main(["rules", "check", str(typo), str(data)]) == 1
    assert capsys.readouterr().err == (
        f"error: {typo}: [themes.militray]: unknown theme 'militray' "
        "(the known themes are economy, military, terrorism)\n"
    )


# -- training from rules ---------------------------------------------------------------
VOCAB = {
    "diplomacy": "envoy summit talks ambassador negotiations embassy mediation treaty",
    "military": "troops airstrike artillery tanks brigade offensive soldiers drone",
    "economy": "inflation currency bank market exports budget prices investment",
}
FILLER = ["city", "region", "week", "officials", "government", "people", "country", "report"]
# Two words per theme: the classifier has to learn the other six from the articles they label.
TRAIN_RULES = """
[themes.diplomacy]
words = ["envoy", "summit"]
[themes.military]
words = ["troops", "artillery"]
[themes.economy]
words = ["inflation", "currency"]
"""


def themed_articles(n=150, seed=0):
    rng = random.Random(seed)
    names = sorted(VOCAB)
    records = []
    for i in range(n):
        labels = [names[i % 3]] + ([names[(i + 1) % 3]] if i % 4 == 0 else [])
        words = [w for label in labels for w in rng.sample(VOCAB[label].split(), 4)] + rng.sample(FILLER, 4)
        rng.shuffle(words)
        records.append({"id": f"a{i}", "text": " ".join(words), "labels": labels})
    return records


def test_train_from_rules_save_load_predict_round_trip(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text(TRAIN_RULES, encoding="utf-8")
    articles = [Article(id=r["id"], text=r["text"]) for r in themed_articles()]
    result = train_model(articles, "weak", models_dir=tmp_path / "models", rules=rules, self_training=2)
    manifest = result.manifest
    assert manifest["data"]["trained_from"] == "rules"
    recorded = manifest["data"]["rules"]
    assert recorded["text"] == TRAIN_RULES and recorded["file"] == str(rules)
    assert set(recorded["accuracies"]) == {
        "diplomacy +envoy",
        "diplomacy +summit",
        "military +troops",
        "military +artillery",
        "economy +inflation",
        "economy +currency",
    }
    loaded = load_classifier("weak", tmp_path / "models")
    # None of these words is in the rules: the classifier learnt them from the rules' articles.
    assert loaded.predict_labels(["ambassador treaty mediation", "tanks brigade soldiers", "budget bank exports"]) == [
        ("diplomacy",),
        ("military",),
        ("economy",),
    ]


def test_train_from_rules_keeps_known_labels_and_refuses_cv(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text(TRAIN_RULES, encoding="utf-8")
    records = themed_articles(60)
    articles = [
        Article(id=r["id"], text=r["text"], labels=tuple(r["labels"]) if i < 5 else ()) for i, r in enumerate(records)
    ]
    articles[0] = Article(id="odd", text="envoy summit city", labels=("economy",))  # the label wins over the votes
    from textkit.themes.classify import ThemeClassifier
    from textkit.themes.weak import fit_from_rules

    fitted = fit_from_rules(
        ThemeClassifier(), [a.full_text for a in articles], load_rules(rules), gold=[a.labels or None for a in articles]
    )
    assert fitted.labels[0] == ["economy"]
    assert [sorted(labels) for labels in fitted.labels[1:5]] == [sorted(r["labels"]) for r in records[1:5]]
    with pytest.raises(ConfigError, match="cross-validation needs labels"):
        train_model(articles, "weak", models_dir=tmp_path, rules=rules, cv=3)
    with pytest.raises(TrainingError, match="labelled 'sport', a theme the rules do not name"):
        fit_from_rules(ThemeClassifier(), ["a text"], load_rules(rules), gold=[["sport"]])


def test_cli_train_with_rules(tmp_path, capsys):
    rules = tmp_path / "rules.toml"
    rules.write_text(TRAIN_RULES, encoding="utf-8")
    data = write_jsonl(tmp_path / "data.jsonl", [{"id": r["id"], "text": r["text"]} for r in themed_articles(90)])
    models = tmp_path / "models"
    assert main(["train", str(data), "--rules", str(rules), "--models-dir", str(models), "--self-training", "1"]) == 0
    assert "saved model 'themes' (3 labels, 90 articles" in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text("[themes.x]\nregex = ['[']\n", encoding="utf-8")
    assert main(["train", str(data), "--rules", str(bad), "--models-dir", str(models), "--force"]) == 1
    assert capsys.readouterr().err == (
        f"error: {bad}: [themes.x] regex[0]: bad regular expression '[': unterminated character set at position 0\n"
    )


def test_rules_check_counts_votes_for_two_exclusive_themes_as_conflicts():
    rules = parse_rules(
        "exclusive = true\n[themes.sport]\nwords = ['match']\n[themes.business]\nwords = ['shares', 'profit']\n"
    )
    texts = ["The match lifted the club's shares.", "Profit and shares rose.", "A quiet match."]
    report = check_rules(rules, [Article(id=f"a{i}", text=t) for i, t in enumerate(texts)])
    assert [(r["rule"], r["overlaps"], r["conflicts"]) for r in report.rules] == [
        ("sport +match", 1, 1),
        ("business +shares", 2, 1),
        ("business +profit", 1, 0),
    ]
    assert [t["conflicts"] for t in report.themes] == [1, 1]
