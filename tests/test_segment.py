from pathlib import Path

import pytest

from textkit.reading.segment import segment_dump, split_dateline

ISSUE_EXAMPLE = """Minister Discusses Wheat Harvest Plans with Farmers' Union

HOMS, (ST)- Agriculture Minister Samir Khalil discussed on Monday the plans for the coming wheat harvest with the heads of the farmers' union in the province.

Second paragraph of the same article.

 Rana Issa

This email address is being protected from spambots. You need JavaScript enabled to view it.

Related Coverage Headline One

Another Related Headline With No Body

Earthquake Relief Convoy Reaches Latakia Villages

Damascus \u2013 A convoy carrying food and medical supplies reached the villages on Tuesday.
"""


def test_issue_example():
    result = segment_dump(ISSUE_EXAMPLE)
    assert [(a.headline, a.place, a.source, a.paragraphs) for a in result.articles] == [
        (
            "Minister Discusses Wheat Harvest Plans with Farmers' Union",
            "Homs",
            "ST",
            [
                "Agriculture Minister Samir Khalil discussed on Monday the plans for the coming wheat harvest "
                "with the heads of the farmers' union in the province.",
                "Second paragraph of the same article.",
            ],
        ),
        (
            "Earthquake Relief Convoy Reaches Latakia Villages",
            "Damascus",
            None,
            ["A convoy carrying food and medical supplies reached the villages on Tuesday."],
        ),
    ]
    assert result.noise_blocks == 4
    assert sorted(result.noise_examples) == sorted(
        [
            "Rana Issa",
            "This email address is being protected from spambots. You need JavaScript enabled to view it.",
            "Related Coverage Headline One",
            "Another Related Headline With No Body",
        ]
    )
    assert result.articles[0].line == 1 and result.articles[1].line == 15


@pytest.mark.parametrize(
    "paragraph, expected",
    [
        ("HOMS, (ST)- Text.", ("Homs", "ST", "Text.")),
        ("HOMS, (ST)_ Text.", ("Homs", "ST", "Text.")),
        ("DEIR EZZOR (SANA)- Text.", ("Deir Ezzor", "SANA", "Text.")),
        ("Damascus - Text.", ("Damascus", None, "Text.")),
        ("Damascus, SANA - Text.", ("Damascus", "SANA", "Text.")),
        ("NEW YORK, (NNA) - Text.", ("New York", "NNA", "Text.")),
        ("Al-Assad said the talks went well.", (None, None, "Al-Assad said the talks went well.")),
        ("The minister said - in a statement - that.", (None, None, "The minister said - in a statement - that.")),
    ],
)
def test_datelines(paragraph, expected):
    assert split_dateline(paragraph) == expected


def test_wrapped_paragraphs_are_joined_and_headline_on_the_line_above_body():
    dump = (
        "Cabinet Approves Draft Budget\n"
        "DAMASCUS, (NNA)- The cabinet approved on Sunday the draft state budget for the coming\n"
        "year, allocating a larger share to electricity and water projects in the provinces.\n"
    )
    [article] = segment_dump(dump).articles
    assert article.headline == "Cabinet Approves Draft Budget"
    assert article.text == (
        "The cabinet approved on Sunday the draft state budget for the coming year, allocating a larger "
        "share to electricity and water projects in the provinces."
    )


def test_short_closing_sentence_stays_in_its_article():
    dump = (
        "Army Units Clear Mines Near Palmyra\n\n"
        "PALMYRA, (NNA)- Engineering units of the army cleared on Tuesday a field of mines left on the road "
        "to the phosphate mines, a field source said, adding that work would continue for weeks.\n\n"
        "The road will reopen soon.\n\n"
        "Related Story Title Here\n"
    )
    result = segment_dump(dump)
    assert [a.paragraphs[-1] for a in result.articles] == ["The road will reopen soon."]
    assert result.noise_blocks == 1


def test_article_without_headline_but_with_dateline():
    dump = "HAMA, (NNA)- A health campaign vaccinated 12,000 children against measles in the countryside this week.\n"
    [article] = segment_dump(dump).articles
    assert (article.headline, article.place) == ("", "Hama")


def test_headline_ending_with_a_full_stop_and_unicode_normalised():
    dump = "Condolences Cable Sent to Algeria.\n\nDamascus \u2014 The president sent a cable of condolences\u00a0to his \u201cbrother\u201d, the president of Algeria, over the victims of the floods.\n"
    [article] = segment_dump(dump).articles
    assert article.headline == "Condolences Cable Sent to Algeria."
    assert (
        article.text
        == 'The president sent a cable of condolences to his "brother", the president of Algeria, over the victims of the floods.'
    )


def test_only_noise_gives_no_article():
    result = segment_dump("Related Headline One\nRelated Headline Two\n\n Rana Issa\n")
    assert result.articles == [] and result.noise_blocks == 3


def test_wrapped_later_paragraph_is_not_taken_for_a_headline():
    dump = (
        "Cabinet Approves Draft Budget\n\n"
        "DAMASCUS, (NNA)- The cabinet approved on Sunday the draft state budget for the coming year.\n\n"
        "The Prime Minister said that the budget gives priority to\n"
        "investment spending and to support for the productive sectors.\n"
    )
    [article] = segment_dump(dump).articles
    assert article.paragraphs == [
        "The cabinet approved on Sunday the draft state budget for the coming year.",
        "The Prime Minister said that the budget gives priority to investment spending and to support for the "
        "productive sectors.",
    ]


def test_wrapped_first_paragraph_without_dateline_keeps_the_headline():
    dump = (
        "Cabinet Approves Draft Budget\n\n"
        "The cabinet approved on Sunday the draft state budget for the\n"
        "coming year, allocating a larger share to electricity projects.\n"
    )
    [article] = segment_dump(dump).articles
    assert article.headline == "Cabinet Approves Draft Budget"
    assert article.text.startswith("The cabinet approved on Sunday the draft state budget for the coming year")


def test_en_dash_dateline_on_a_wrapped_paragraph():
    dump = (
        "Cabinet Approves Draft Budget\n\n"
        "Damascus \u2013 The cabinet approved on Sunday the draft state budget for the\n"
        "coming year, allocating a larger share to electricity and water projects.\n"
    )
    [article] = segment_dump(dump).articles
    assert (article.place, len(article.paragraphs)) == ("Damascus", 1)
    assert article.text.startswith("The cabinet approved")


def test_date_line_between_headline_and_body_becomes_the_date():
    dump = (
        "Army Parade Held in Damascus\n\nSunday, 12 May 2024 10:35\n\n"
        "DAMASCUS, (NNA)- The army held a parade on Sunday in the capital, attended by thousands of soldiers.\n\n"
        "2 June 2024\n"
    )
    result = segment_dump(dump)
    assert [(a.headline, a.date) for a in result.articles] == [("Army Parade Held in Damascus", "2024-05-12")]
    assert result.noise_examples == ["2024-06-02"]


@pytest.mark.parametrize(
    "line, expected",
    [
        ("Sunday, 12 May 2024 10:35", "2024-05-12"),
        ("May 12, 2024", "2024-05-12"),
        ("2024-05-12", "2024-05-12"),
        ("Tuesday 3 Sept. 2024, 9:05 pm", "2024-09-03"),
        ("12 Mayhem 2024", None),
        ("The 12 May 2024 talks", None),
    ],
)
def test_parse_date_line(line, expected):
    from textkit.reading.segment import parse_date_line

    assert parse_date_line(line) == expected


# -- real state-media pages: sub-headings, "Check Also" boxes, captions (issue 11) ----------

SUBHEADING_PAGE = """Terrorist Attack on Bus Kills Eleven Workers in Eastern Countryside

DEIR EZZOR, (NNA)- Eleven workers were killed and six injured on Sunday when a bus carrying them home from the oil fields was targeted by an explosive device planted by terrorist organizations on the road.

Photo: NNA

Hospitals in the city received the injured, the health directorate said.

People's Assembly condemns the terrorist attack

The People's Assembly condemned in a statement the attack, which it said aims to terrorize workers and stop production.

Check Also

Governor Inspects Bakeries in Mayadin

Wheat Delivery Centres Open in Hasaka

HASAKA, (NNA)- Twenty-two centres opened on Monday to receive the wheat harvest from farmers in the province.
"""


def test_a_sub_heading_inside_a_body_stays_in_its_article_and_check_also_box_and_caption_are_noise():
    # The old segmenter made "People's Assembly condemns the terrorist attack" a third
    # article and kept "Photo: NNA" as a paragraph.
    result = segment_dump(SUBHEADING_PAGE)
    assert [(a.headline, a.place, a.paragraphs) for a in result.articles] == [
        (
            "Terrorist Attack on Bus Kills Eleven Workers in Eastern Countryside",
            "Deir Ezzor",
            [
                "Eleven workers were killed and six injured on Sunday when a bus carrying them home from the oil "
                "fields was targeted by an explosive device planted by terrorist organizations on the road.",
                "Hospitals in the city received the injured, the health directorate said.",
                "People's Assembly condemns the terrorist attack",
                "The People's Assembly condemned in a statement the attack, which it said aims to terrorize "
                "workers and stop production.",
            ],
        ),
        (
            "Wheat Delivery Centres Open in Hasaka",
            "Hasaka",
            ["Twenty-two centres opened on Monday to receive the wheat harvest from farmers in the province."],
        ),
    ]
    assert result.noise_examples == ["Photo: NNA", "Check Also", "Governor Inspects Bakeries in Mayadin"]


def test_a_title_case_sub_heading_in_a_dateline_dump_stays_too():
    dump = (
        "Minister Opens Cement Plant\n\n"
        "HAMA, (NNA)- The Industry Minister opened on Monday a cement plant with a yearly capacity of a million tons.\n\n"
        "Exports Planned for Next Year\n\n"
        "The plant's director said the first shipments abroad are planned for next spring.\n"
    )
    [article] = segment_dump(dump).articles
    assert article.paragraphs[1:] == [
        "Exports Planned for Next Year",
        "The plant's director said the first shipments abroad are planned for next spring.",
    ]


@pytest.mark.parametrize(
    "between, starts_new",
    [
        ("", False),  # a line right after a body paragraph, then body without dateline: sub-heading
        ("\n\nSunday, 12 May 2024", True),  # a date line marks a new story
        ("\n\n Rana Issa", True),  # a byline before it: the old article had ended
        ("\n\nCheck Also", True),
    ],
)
def test_what_tells_a_new_story_from_a_sub_heading(between, starts_new):
    dump = (
        "Cabinet Approves Draft Budget\n\n"
        "DAMASCUS, (NNA)- The cabinet approved on Sunday the draft state budget for the coming year.\n"
        + between
        + "\n\nNew Bus Line Links Jaramana to City Center\n\n"
        "The Transport Ministry opened on Monday a bus line linking Jaramana to the city center.\n"
    )
    articles = segment_dump(dump).articles
    assert len(articles) == (2 if starts_new else 1)
    assert articles[-1].paragraphs[-1].startswith("The Transport Ministry")


def test_a_dump_without_datelines_still_splits_at_title_case_headlines():
    dump = (
        "Cabinet Approves Draft Budget\n\n"
        "The cabinet approved on Sunday the draft state budget for the coming year.\n\n"
        "New Bus Line Links Jaramana to City Center\n\n"
        "The Transport Ministry opened on Monday a bus line linking Jaramana to the city center.\n\n"
        "the budget is debated next week\n\n"
        "Members of the Assembly will debate the budget next week, the Speaker said.\n"
    )
    articles = segment_dump(dump).articles
    assert [a.headline for a in articles] == [
        "Cabinet Approves Draft Budget",
        "New Bus Line Links Jaramana to City Center",
    ]
    assert articles[1].paragraphs[1] == "the budget is debated next week"


@pytest.mark.parametrize(
    "caption",
    ["Photo: NNA", "(File photo)", "The minister during the visit (Photo: DT)", "File photo", "Credit: NNA"],
)
def test_captions_between_headline_and_body_are_dropped(caption):
    dump = (
        "Minister Opens Cement Plant\n\n" + caption + "\n\n"
        "HAMA, (NNA)- The Industry Minister opened on Monday a cement plant with a yearly capacity of a million tons.\n"
    )
    result = segment_dump(dump)
    assert [a.headline for a in result.articles] == ["Minister Opens Cement Plant"]
    assert result.noise_examples == [caption]


def test_the_seed_pages_segment_into_their_ten_articles():
    # ../shared/seeds beside the checkout (the seed pages are real text: read in place, never copied)
    folders = [p / "shared" / "seeds" for p in Path(__file__).resolve().parents if (p / "shared" / "seeds").is_dir()]
    seeds = sorted(folders[0].glob("0*.txt")) if folders else []
    if not seeds:
        pytest.skip("the seed pages are not on this machine")
    found = [segment_dump(path.read_text(encoding="utf-8")).articles for path in seeds]
    assert [len(articles) for articles in found] == [5, 5]
    assert all(a.place == "Damascus" and a.headline for articles in found for a in articles)


def test_a_link_on_the_line_of_its_check_also_label_is_dropped_and_the_body_goes_on():
    dump = (
        "Minister Opens Cement Plant\n\n"
        "HAMA, (NNA)- The Industry Minister opened on Monday a cement plant with a yearly capacity of a million tons.\n\n"
        "Read Also: Hama Farmers Plant 118,000 Hectares With Wheat\n\n"
        "The plant's director said the first shipments abroad are planned for next spring.\n\n"
        "Check also: Army Units Clear Mines Near Palmyra\n"
    )
    result = segment_dump(dump)
    [article] = result.articles
    assert article.paragraphs[-1] == "The plant's director said the first shipments abroad are planned for next spring."
    assert result.noise_examples == [
        "Read Also: Hama Farmers Plant 118,000 Hectares With Wheat",
        "Check also: Army Units Clear Mines Near Palmyra",
    ]


@pytest.mark.parametrize(
    "paragraph",
    [
        "Photo exhibitions by young artists open in Homs next week.",
        "Pictures of the damaged school were shown at the session.",
        "Image of the city: the governor said the old souks will reopen.",
    ],
)
def test_sentences_about_photos_are_not_captions(paragraph):
    dump = (
        "Minister Opens Cement Plant\n\n"
        "HAMA, (NNA)- The Industry Minister opened on Monday a cement plant with a yearly capacity of a million tons.\n\n"
        + paragraph
        + "\n"
    )
    [article] = segment_dump(dump).articles
    assert article.paragraphs[-1] == paragraph
