"""Text normalisation shared by the readers, the segmenter and the tokenizer.

Scraped news mixes NFKC-decomposable forms, non-breaking spaces, curly quotes and
five kinds of dash; normalising them once, the same way everywhere, means a model
never sees "al‑Assad" and "al-Assad" as different words.
"""

from __future__ import annotations

import unicodedata

# After NFKC: map every quote and dash variant to its ASCII form, drop zero-width
# characters and turn other space-like characters into a plain space.
_TRANSLATION = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u02bc", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
        **dict.fromkeys("\u00a0\u2007\u202f\u2009\u200a\u3000\t\v\f", " "),
        **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\u00ad", None),
        "\r": None,
    }
)


def normalize_unicode(text: str) -> str:
    """Return ``text`` in NFKC with ASCII quotes, dashes and spaces.

    Line breaks are kept (``\\r`` is dropped so CRLF becomes LF); zero-width
    characters and soft hyphens are removed.
    """
    if text.isascii():
        return text.translate(_TRANSLATION)
    return unicodedata.normalize("NFKC", text).translate(_TRANSLATION)


def clean_text(text: str) -> str:
    """Normalise Unicode, drop spaces at line ends and squeeze runs of spaces."""
    text = normalize_unicode(text)
    # str methods, not regexes: a regex stops at every space of the text and made
    # cleaning most of the cost of reading an article (the results are the same).
    if " \n" in text:
        text = "\n".join([line.rstrip(" ") for line in text.split("\n")])
    if "  " in text:
        text = " ".join([part for part in text.split(" ") if part])
    return text.strip()
