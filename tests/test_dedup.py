"""Near-duplicate stories on constructed articles whose stories are known."""

from __future__ import annotations

import io
import json
import random

import numpy as np
import pytest

from textkit.analysis.dedup import Representatives, StoryIndex, find_stories, label_stories, shingle_hashes
from textkit.errors import ConfigError
from textkit.reading.articles import Article
from textkit.workflows.analysis import unique_stories, write_stories

VOCABULARY = [f"w{n}" for n in range(3000)]


def original(seed: int, words: int = 120) -> str:
    """A text of distinct random words: two originals share almost no shingle."""
    rng = random.Random(seed)
    return " ".join(rng.choice(VOCABULARY) for _ in range(words))


def republished(text: str, seed: int, changed: float = 0.05, keep: float = 1.0) -> str:
    """A copy with a byline, ``changed`` of its words replaced and only ``keep`` of it kept."""
    rng = random.Random(seed)
    words = text.split()[: round(len(text.split()) * keep)]
    for i in rng.sample(range(len(words)), round(len(words) * changed)):
        words[i] = rng.choice(VOCABULARY)
    return "By A. Writer, Some Outlet\n\n" + " ".join(words)


def test_shingles_are_the_distinct_word_ngrams():
    assert len(shingle_hashes("The cat, the CAT. the cat", 2)) == 2  # "the cat", "cat the": case and punctuation go
    assert len(shingle_hashes("two words", 3)) == 1  # shorter than a shingle: one shingle
    assert len(shingle_hashes("  ,;  ", 3)) == 0
    assert list(shingle_hashes("a b c d", 2)) == list(shingle_hashes("A b  c\nd!", 2))


def test_planted_copies_get_their_originals_story():
    texts = [original(n) for n in range(4)]
    articles = [
        Article("a", texts[0], headline="Headline one"),
        Article("b", texts[1]),
        Article("a2", republished(texts[0], 1), headline="Another outlet's headline"),
        Article("c", texts[2]),
        Article("b2", republished(texts[1], 2, changed=0.15, keep=0.75)),
        Article("d", texts[3]),
        Article("a3", republished(texts[0], 3, changed=0.10)),
    ]
    stories = find_stories(articles)
    assert list(stories.story) == [1, 2, 1, 3, 2, 4, 1]
    assert list(stories.sizes) == [3, 2, 1, 1]
    assert stories.count == 4 and stories.to_dict()["duplicates"] == 3
    assert stories.duplicate_pairs() == {(0, 2), (0, 6), (2, 6), (1, 4)}


def test_exact_copies_and_empty_texts():
    text = original(7)
    stories = find_stories([Article("x", text), Article("e1", ""), Article("y", text), Article("e2", "  ")])
    assert list(stories.story) == [1, 2, 1, 3]  # empty bodies are never duplicates of each other


def test_representative_is_earliest_then_longest_then_first():
    text = original(11)
    longer = text + " " + original(12, 10)
    articles = [
        Article("late", text, date="2024-03-02"),
        Article("early-short", republished(text, 1, changed=0.0), date="2024-03-01"),
        Article("early-long", longer, date="2024-03-01T08:00"),
        Article("undated-longest", longer + " " + original(13, 10)),
    ]
    stories = find_stories(articles)
    assert list(stories.story) == [1, 1, 1, 1]
    assert list(stories.representative) == [2]
    # Without dates: the longest; equal length: the first read.
    assert list(find_stories([Article("s", text), Article("l", longer)]).representative) == [1]
    assert list(find_stories([Article("p", text), Article("q", text)]).representative) == [0]


def test_time_window_separates_copies_far_apart():
    text = original(21)
    articles = [
        Article("day1", text, date="2024-01-01"),
        Article("day12", republished(text, 5), date="2024-01-12"),
        Article("undated", republished(text, 6)),
    ]
    assert list(find_stories(articles[:2], window_days=3).story) == [1, 2]
    assert list(find_stories(articles[:2], window_days=11).story) == [1, 1]
    assert list(find_stories(articles[:2]).story) == [1, 1]
    # An article without a date matches at any date (and joins both into one story).
    assert list(find_stories(articles, window_days=3).story) == [1, 1, 1]


def test_short_formulaic_notices_need_enough_shared_wording():
    notices = [
        f"Qtly div {n} cts vs {n} cts prior Pay April 30 Record March 31" for n in ("five", "six", "seven", "nine")
    ]
    articles = [Article(str(n), text) for n, text in enumerate(notices)]
    assert list(find_stories(articles, min_shared=0).story) == [1, 1, 1, 1]  # the template alone reaches 0.2
    assert list(find_stories(articles).story) == [1, 2, 3, 4]
    # Identical short texts are still one story.
    assert list(find_stories([articles[0], Article("copy", notices[0])]).story) == [1, 1]


def test_threshold_decides():
    text = original(31)
    copy = republished(text, 9, changed=0.45)  # 45% of words changed: trigram Jaccard about 0.09
    assert list(find_stories([Article("a", text), Article("b", copy)]).story) == [1, 2]
    assert list(find_stories([Article("a", text), Article("b", copy)], threshold=0.05).story) == [1, 1]


def test_index_reports_its_memory():
    stories = find_stories(Article(str(n), original(n)) for n in range(50))
    assert 256 <= stories.to_dict()["index_bytes_per_article"] < 1024  # the 64 x 4-byte signature and a few integers


def test_label_stories_and_writing():
    text = original(41)
    articles = [
        Article("a", text, date="2024-01-02"),
        Article("b", original(42)),
        Article("c", text, date="2024-01-01"),
    ]
    records = list(label_stories(articles, find_stories(articles)))
    assert [(r["id"], r["story"], r["story_size"], r["representative"]) for r in records] == [
        ("a", 1, 2, False),
        ("b", 2, 1, True),
        ("c", 1, 2, True),
    ]
    handle = io.StringIO()
    write_stories(iter(articles), handle, representatives_only=True)  # a one-shot iterator is held in memory
    assert [json.loads(line)["id"] for line in handle.getvalue().splitlines()] == ["b", "c"]


def test_representatives_filter_is_reiterable():
    text = original(51)
    articles = [Article("a", text), Article("b", republished(text, 1)), Article("c", original(52))]
    kept = unique_stories(articles)
    assert isinstance(kept, Representatives)
    # "b" is "a" with a byline: the longer body represents the story.
    assert [a.id for a in kept] == ["b", "c"]
    assert [a.id for a in kept] == ["b", "c"]  # a second pass (gensim reads the corpus several times)
    assert kept.stories is not None and kept.stories.count == 2


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"threshold": 0.0}, "threshold"),
        ({"threshold": 1.5}, "threshold"),
        ({"shingle_size": 0}, "shingle_size"),
        ({"window_days": -1}, "window_days"),
        ({"num_perm": 8}, "num_perm"),
        ({"min_shared": -1}, "min_shared"),
    ],
)
def test_bad_parameters_name_themselves(params, param):
    with pytest.raises(ConfigError) as error:
        StoryIndex(**params)
    assert error.value.param == param


def test_signatures_are_datasketchs_minhash():
    from datasketch import MinHash

    index = StoryIndex(num_perm=32, seed=3)
    for n in range(3):
        index.add(original(n))
    signatures = np.frombuffer(index._signatures, dtype=np.uint32).reshape(-1, 32)
    for n, signature in enumerate(signatures):
        expected = MinHash(num_perm=32, seed=3, hashfunc=int)
        expected.update_batch(shingle_hashes(original(n)).tolist())
        assert signature.tolist() == expected.hashvalues.tolist()


@pytest.mark.parametrize("threshold", [0.2, 0.5, 0.8])  # bands of 2, 4 and 11 rows
def test_bands_of_any_width_find_copies(threshold):
    texts = [original(n) for n in range(3)]
    articles = [texts[0], texts[1], republished(texts[0], 1, changed=0.0), texts[2], texts[1]]
    assert list(find_stories(articles, threshold=threshold).story) == [1, 2, 1, 3, 2]


def test_threshold_one_keeps_only_identical_texts():
    text = original(61)
    articles = [text, republished(text, 1, changed=0.02), "By A. Writer, Some Outlet\n\n" + text, original(62)]
    # Before: datasketch's MinHashLSH refused the threshold ("The number of bands are too small").
    assert list(find_stories(articles, threshold=1.0).story) == [1, 2, 1, 3]


def test_large_buckets_of_copies_are_one_story():
    text = original(71)
    articles = [Article(f"c{n}", republished(text, n, changed=0.02), date=f"2024-01-{1 + n:02d}") for n in range(24)]
    articles.insert(5, Article("other", original(72)))
    stories = find_stories(articles)
    assert list(stories.story) == [1] * 5 + [2] + [1] * 19
    assert list(stories.representative) == [0, 5]
    # A 3-day window: copies a day apart still chain into one story.
    assert list(find_stories(articles, window_days=3).story) == list(stories.story)
    # A window of 0 days: each copy has its own date, so its own story.
    assert find_stories(articles, window_days=0).count == 25
