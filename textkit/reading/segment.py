"""Split a raw scraped dump (a news site's pages pasted into one text file) into articles.

The shape of a dump: a headline line, body paragraphs (the first often opens with a
dateline such as ``HOMS, (ST)-``), then noise - bylines, the e-mail-protection line,
"related news" boxes of headlines with no body - and the next headline. The rule
that separates articles from noise: *a headline is a short line that is followed by
a body paragraph*; short lines that are not are dropped and counted.

Two refinements for real state-media pages:

- A short line right after a body paragraph, followed by more body with no dateline
  and no date line, is a *sub-heading* of the same story ("People's Assembly condemns
  the attack" half-way down a report), not a new article: it is kept as a paragraph.
  A new story is told apart by its dateline or date line, or by noise (a byline, a
  "related news" box) between it and the previous article. In a dump whose articles
  carry no datelines, a Title Case line still starts a new article, as before.
- "Check Also" labels and image captions ("Photo: SANA", "(File photo)") are noise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from textkit.text.clean import clean_text, normalize_unicode

# "HOMS, (ST)-", "Damascus, (ST)_", "CITY (SANA)-", "Moscow, SANA -", "Damascus -" (en dash
# normalised to "-" before matching). The place is one to four capitalised words.
_PLACE = r"(?P<place>[A-Z][A-Za-z'.]*(?:[ -][A-Z][A-Za-z'.]*){0,3})"
_DATELINE = re.compile(
    _PLACE
    + r"(?:\s*,\s*|\s+)"
    + r"(?:\((?P<source>[A-Za-z][A-Za-z .]{0,14})\)|(?P<bare_source>[A-Z]{2,8}))"
    + r"\s*[-_:]+\s*"
    + r"|"
    + _PLACE.replace("place", "place2")
    + r"\s+-{1,2}\s+"
)
_BOILERPLATE = re.compile(
    r"email address is being protected from spambots|you need javascript enabled to view it"
    r"|^(?:share|print|tweet|read more|related (?:news|coverage|articles?))\s*:?$",
    re.IGNORECASE,
)
# Image captions: a short line that credits or marks a photo ("Photo: SANA", "File photo",
# "... (Photo: NNA)", "Credit: DT"); "Photo exhibitions open in Homs" is not one. Captions
# with no such mark cannot be told from a sub-heading and are kept.
_CAPTION = re.compile(
    r"^(?:file\s+)?(?:photo|image|picture)s?(?:\s*(?:credit\s*)?[:|]|\s+by\b|\s*$)"
    r"|^credit\s*:"
    r"|[(\[]\s*(?:file\s+)?(?:photo|image|picture)s?\b[^)\]]*[)\]]\.?$"
    r"|\b(?:photo|image|picture)s?\s*(?:credit)?\s*:\s*[\w .-]{1,30}$",
    re.IGNORECASE,
)
# A link to another story on the same line as its label: "Check Also: Army Units Repel ..."
_LINK_LINE = re.compile(r"^(?:(?:check|see|read) also|also read)\b", re.IGNORECASE)
CAPTION_MAX_WORDS = 30
_SENTENCE_END = re.compile(r"[.!?\"')\]]$")
_WORD = re.compile(r"[^\W_][\w'-]*")
_SMALL_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "by",
        "for",
        "from",
        "in",
        "into",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "over",
        "after",
        "amid",
    ]
)

# A publication-date line between headline and body ("Sunday, 12 May 2024 10:35",
# "May 12, 2024", "2024-05-12"): it belongs to the article, not to the noise.
_MONTHS = {
    m: i
    for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)
}
_WEEKDAY = r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s*)?"
_MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"
)
_TIME = r"(?:,?\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?)?"
_DATE_LINE = re.compile(
    "^" + _WEEKDAY + r"(?:"
    r"(?P<d1>\d{1,2})\s+(?P<m1>" + _MONTH + r"),?\s+(?P<y1>\d{4})"
    r"|(?P<m2>" + _MONTH + r")\s+(?P<d2>\d{1,2}),?\s+(?P<y2>\d{4})"
    r"|(?P<y3>\d{4})-(?P<m3>\d{2})-(?P<d3>\d{2})"
    r")" + _TIME + "$",
    re.IGNORECASE,
)

HEADLINE_MAX_WORDS = 25
BODY_MIN_WORDS = 25


@dataclass
class Segment:
    """One article found in a dump, before it becomes an :class:`~textkit.reading.articles.Article`."""

    headline: str
    paragraphs: list[str]
    line: int  # 1-based line of the headline (or first paragraph) in the dump
    place: str | None = None
    source: str | None = None
    date: str | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass
class SegmentResult:
    """The articles of a dump and what was dropped around them."""

    articles: list[Segment] = field(default_factory=list)
    noise_blocks: int = 0
    noise_examples: list[str] = field(default_factory=list)

    def drop(self, block: str) -> None:
        self.noise_blocks += 1
        if len(self.noise_examples) < 20:
            self.noise_examples.append(block)


def split_dateline(paragraph: str) -> tuple[str | None, str | None, str]:
    """Split a leading dateline off a paragraph: ``(place, source, rest)``.

    >>> split_dateline("HOMS, (ST)- Agriculture Minister met farmers.")
    ('Homs', 'ST', 'Agriculture Minister met farmers.')
    """
    match = _DATELINE.match(paragraph)
    if not match or not match.end() < len(paragraph):
        return None, None, paragraph
    place = match.group("place") or match.group("place2")
    source = match.group("source") or match.group("bare_source")
    if match.group("place2") and len(_WORD.findall(place)) > 3:
        return None, None, paragraph
    return _title(place), source.strip() if source else None, paragraph[match.end() :].lstrip()


def _title(place: str) -> str:
    return place.title() if place.isupper() else place


def parse_date_line(line: str) -> str | None:
    """The ISO date of a line that is only a date (and maybe a weekday and time), else None.

    >>> parse_date_line("Sunday, 12 May 2024 10:35")
    '2024-05-12'
    """
    match = _DATE_LINE.match(line.strip())
    if not match:
        return None
    groups = match.groupdict()
    year = groups["y1"] or groups["y2"] or groups["y3"]
    month_text = groups["m1"] or groups["m2"]
    month = _MONTHS.get(month_text.lower()[:3]) if month_text else int(groups["m3"])
    day = int(groups["d1"] or groups["d2"] or groups["d3"])
    if not month or not 1 <= month <= 12 or not 1 <= day <= 31:
        return None
    return f"{year}-{month:02d}-{day:02d}"


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _is_title_case(line: str) -> bool:
    """Most words other than small ones capitalised (or numbers), as in headlines."""
    content = [w for w in _words(line) if w.lower() not in _SMALL_WORDS]
    capitalised = sum(1 for w in content if w[0].isupper() or w[0].isdigit())
    return bool(content) and capitalised / len(content) >= 0.6


def _is_headline_like(line: str) -> bool:
    """Short, single line, not ending mid-sentence; Title Case or without a final stop."""
    words = _words(line)
    if not words or len(words) > HEADLINE_MAX_WORDS or line.endswith((",", ";", ":")):
        return False
    return _is_title_case(line) or not _SENTENCE_END.search(line)


def _is_body(block: str) -> bool:
    """Prose: long, or opening with a dateline, or a full sentence that is not Title Case."""
    if split_dateline(block)[0] is not None:
        return True
    n_words = len(_words(block))
    if n_words >= BODY_MIN_WORDS:
        return True
    return n_words >= 4 and bool(_SENTENCE_END.search(block)) and not _is_headline_like(block)


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """Paragraph blocks (runs of non-blank lines) with the 1-based line they start on."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip()
        if line:
            if not current:
                start = number
            current.append(line)
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    return blocks


def _units(text: str) -> list[tuple[int, str]]:
    """Lines of a block that stand alone (headlines, noise) and wrapped paragraphs joined."""
    units: list[tuple[int, str]] = []
    for start, lines in _blocks(text):
        # Title Case lines at the top of a block stand alone (a "related news" box, or a
        # headline with its body on the next line); the rest is one paragraph hard-wrapped
        # over several lines, joined. A line followed by a lowercase start is mid-sentence.
        paragraph: list[str] = []
        paragraph_start = start
        for offset, line in enumerate(lines):
            next_line = lines[offset + 1] if offset + 1 < len(lines) else ""
            stands_alone = _is_headline_like(line) and not _is_body(line) and not next_line[:1].islower()
            if not paragraph and (len(lines) == 1 or (stands_alone and _is_title_case(line))):
                units.append((start + offset, line))
                continue
            if not paragraph:
                paragraph_start = start + offset
            paragraph.append(line)
        if paragraph:
            units.append((paragraph_start, " ".join(paragraph)))
    return units


def _is_caption(unit: str) -> bool:
    return len(_words(unit)) <= CAPTION_MAX_WORDS and bool(_CAPTION.search(unit))


def _is_link_line(unit: str) -> bool:
    return len(_words(unit)) <= HEADLINE_MAX_WORDS and bool(_LINK_LINE.match(unit))


def _is_subheading(pending: list[tuple[int, str]], last: Segment, noise_since_body: bool) -> bool:
    """Whether the one line waiting before a body paragraph (that has no dateline) is a sub-heading.

    It is when it directly follows a body paragraph of an article, with nothing dropped
    in between, and either that article opened with a dateline (so this dump marks new
    stories with datelines, and this paragraph has none) or the line is not Title Case
    (headlines in these dumps are; sub-headings often are not).
    """
    if len(pending) != 1 or noise_since_body:
        return False
    return last.place is not None or not _is_title_case(pending[0][1])


def segment_dump(text: str) -> SegmentResult:
    """Find the articles in a raw dump.

    Parameters
    ----------
    text : str
        The whole dump (already decoded). It is Unicode-normalised here.

    Returns
    -------
    SegmentResult
        The articles in order, and the count of noise blocks dropped between them.
    """
    result = SegmentResult()
    units = [(line, clean_text(unit)) for line, unit in _units(normalize_unicode(text))]
    current: Segment | None = None
    last: Segment | None = None  # the article of the last body paragraph
    noise_since_body = False  # anything but a caption dropped since that paragraph
    pending: list[tuple[int, str]] = []  # headline-like units waiting for a body
    pending_date: str | None = None  # a date line seen since the last article started

    def flush_pending(keep_last_as_headline: bool) -> tuple[int, str] | None:
        headline = pending.pop() if keep_last_as_headline and pending else None
        for _, block in pending:
            result.drop(block)
        pending.clear()
        return headline

    for line, unit in units:
        if _is_caption(unit):
            result.drop(unit)
            continue
        if _BOILERPLATE.search(unit) or _is_link_line(unit):
            result.drop(unit)
            noise_since_body = True
            continue
        date = parse_date_line(unit)
        if date is not None:
            if pending_date is not None:
                result.drop(pending_date)
            pending_date = date
            continue
        place, source, rest = split_dateline(unit)
        if _is_body(unit):
            if place is None and pending_date is None and last and _is_subheading(pending, last, noise_since_body):
                last.paragraphs.extend([pending.pop()[1], unit])
                current = last
            elif place is not None or pending or current is None:
                headline = flush_pending(keep_last_as_headline=True)
                head_line, head_text = headline if headline else (line, "")
                current = Segment(head_text, [rest], head_line, place, source, pending_date)
                pending_date = None
                result.articles.append(current)
            else:
                current.paragraphs.append(unit)
            last, noise_since_body = current, False
        else:
            # A headline-like line ends the current article's body; whether it starts the
            # next article, or is a sub-heading of this one, depends on what follows it.
            current = None if pending or _is_headline_like(unit) else current
            if current is not None:
                current.paragraphs.append(unit)
            else:
                pending.append((line, unit))
    flush_pending(keep_last_as_headline=False)
    if pending_date is not None:
        result.drop(pending_date)
    return result
