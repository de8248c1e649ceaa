import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textkit.errors import ConfigError
from textkit.text.tokenize import NEWS_STOP_WORDS, NUMBER_TOKEN, Tokenizer


def test_lowercases_and_drops_stop_words():
    assert Tokenizer()("The Minister SAID that the Talks were Fruitful") == ["minister", "talks", "fruitful"]


def test_keeps_case_when_asked():
    assert Tokenizer(lowercase=False, stop_words=None)("Damascus hosts") == ["Damascus", "hosts"]


def test_hyphenated_names_stay_one_token():
    assert Tokenizer()("al-Assad inspected the S-300 battery") == ["al-assad", "inspected", "s-300", "battery"]


def test_possessive_s_is_removed():
    assert Tokenizer()("Syria's army and the minister’s visit") == ["syria", "army", "minister", "visit"]


@pytest.mark.parametrize(
    "policy, expected",
    [
        ("drop", ["troops", "s-300"]),
        ("keep", ["2024", "troops", "s-300"]),
        ("token", [NUMBER_TOKEN, "troops", "s-300"]),
    ],
)
def test_numbers_policy(policy, expected):
    assert Tokenizer(numbers=policy)("2024 troops S-300") == expected


def test_urls_and_emails_are_removed():
    text = "See https://example.org/news?id=4 or www.agency.sy and write to desk@agency.sy today"
    assert Tokenizer()(text) == ["write"]


def test_urls_and_emails_exact():
    assert Tokenizer(stop_words=None)("visit http://a.b/c now, mail x.y@z.org") == ["visit", "now", "mail"]


def test_user_stop_words_add_to_the_list():
    tokenizer = Tokenizer(extra_stop_words=["Agency"])
    assert tokenizer("The agency reported a harvest") == ["reported", "harvest"]
    assert "said" in tokenizer.stop_word_set and "the" in tokenizer.stop_word_set
    assert tokenizer.stop_word_set >= NEWS_STOP_WORDS


def test_min_length():
    assert Tokenizer(stop_words=None, min_length=3)("an ox ate hay") == ["ate", "hay"]


def test_stemming_uses_snowball_and_keeps_hyphenated_prefix():
    assert Tokenizer(stem=True)("negotiations running al-Qusayr villages") == ["negoti", "run", "al-qusayr", "villag"]


def test_unicode_is_normalised_before_tokenizing():
    # non-breaking hyphen, fullwidth letters and a curly apostrophe
    assert Tokenizer()("al\u2011Assad\u2019s ＵＮ envoy") == ["al-assad", "un", "envoy"]


def test_un_is_not_a_stop_word_in_news():
    assert "un" not in Tokenizer().stop_word_set


def test_phrases_are_learned_with_gensim():
    fillers = [f"word{i} term{i % 7}" for i in range(60)]
    texts = [f"the foreign minister met {filler}" for filler in fillers]
    tokenizer = Tokenizer().learn_phrases(texts, min_count=5, threshold=1.0)
    assert tokenizer("The Foreign Minister spoke with word3") == ["foreign_minister", "spoke", "word3"]
    assert tokenizer("met foreign") == ["met", "foreign"]


def test_pickle_round_trip_keeps_behaviour():
    tokenizer = Tokenizer(stem=True, numbers="token", extra_stop_words=["agency"])
    text = "The agency's 12 negotiators were running"
    before = tokenizer(text)
    restored = pickle.loads(pickle.dumps(tokenizer))
    assert restored(text) == before == [NUMBER_TOKEN, "negoti", "run"]


def test_stream_is_lazy():
    stream = Tokenizer().stream(iter(["army text", "harvest text"]))
    assert next(stream) == ["army", "text"]
    assert next(stream) == ["harvest", "text"]


def test_works_as_a_scikit_learn_tokenizer():
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(tokenizer=Tokenizer(), lowercase=False, token_pattern=None, ngram_range=(1, 2))
    vectorizer.fit(["Foreign Minister met envoy", "Envoy met army"])
    assert "foreign minister" in vectorizer.vocabulary_ and "the" not in vectorizer.vocabulary_


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"numbers": "round"}, "numbers must be"),
        ({"min_length": 0}, "min_length"),
        ({"stop_words": "french"}, "stop_words"),
    ],
)
def test_bad_configuration_is_a_config_error(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        Tokenizer(**kwargs)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_raises_on_arbitrary_unicode(text):
    for tokenizer in (Tokenizer(), Tokenizer(stem=True, numbers="token", lowercase=False)):
        tokens = tokenizer(text)
        assert all(isinstance(t, str) and t for t in tokens)


def test_contractions_are_stop_words():
    assert Tokenizer()("I don't think they're ready, it isn't over") == ["think", "ready"]


def test_mixed_letter_digit_tokens_can_be_dropped():
    text = "The F16 and S-300 crews sent g9v b8f mp3 files in 2024"
    assert Tokenizer()(text) == ["f16", "s-300", "crews", "sent", "g9v", "b8f", "mp3", "files"]
    assert Tokenizer(keep_mixed=False)(text) == ["s-300", "crews", "sent", "files"]


def test_a_tokenizer_pickled_before_an_option_existed_loads_with_its_default():
    tokenizer = Tokenizer()
    state = tokenizer.__getstate__()
    del state["keep_mixed"]  # as pickled by a textkit without that option
    old = Tokenizer.__new__(Tokenizer)
    old.__setstate__(state)
    assert old("mp3 files") == ["mp3", "files"]


# The definitions before they were made faster: the oracles of the two tests below.
def _drop_addresses_by_split(text):
    return " ".join(w for w in text.split() if not ("@" in w or "://" in w or "www." in w))


def _clean_by_regex(text):
    import re

    from textkit.text.clean import normalize_unicode

    text = re.sub(r"[ ]+$", "", normalize_unicode(text), flags=re.MULTILINE)
    return re.sub(r"[ ]{2,}", " ", text).strip()


PIECES = [
    " ",
    "  ",
    "\n",
    "\t",
    " \n",
    "a",
    "bc",
    "x@y.org",
    "@",
    "://",
    "http",
    "www.",
    "www",
    "-",
    "'s",
    "\u2003",
    "_",
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_address_removal_gives_the_tokens_of_whitespace_splitting(text):
    from textkit.text.tokenize import _drop_addresses

    tokenizer = Tokenizer(min_length=1)
    assert tokenizer(_drop_addresses(text)) == tokenizer(_drop_addresses_by_split(text))


def test_address_removal_examples():
    from textkit.text.tokenize import _drop_addresses

    text = "mail john@x.org or\tsee http://x.org/a?b now, www.y.com@z and\nend@"
    assert _drop_addresses(text).split() == ["mail", "or", "see", "now,", "and"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([*PIECES, "\u00a0", "\r\n", "\u200b"]), max_size=30).map("".join))
def test_clean_text_is_what_the_regexes_gave(text):
    from textkit.text.clean import clean_text

    assert clean_text(text) == _clean_by_regex(text)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_the_ascii_token_pattern_is_the_unicode_one_on_ascii_text(text):
    from textkit.text.tokenize import _ASCII_TOKEN, _TOKEN

    assert _ASCII_TOKEN.findall(text) == _TOKEN.findall(text)
