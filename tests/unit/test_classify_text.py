"""Tokens, folding, stems and the lexicon matcher (the machinery under the classifier)."""

from __future__ import annotations

import pytest

from bot.classify.lexicon import Lexicon
from bot.classify.text import Stemmer, fold, sentences, tokenize


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Lietuvoje", "lietuvoje"),
        ("Šalčininkai", "salcininkai"),
        ("Białoruś", "bialorus"),
        ("Литва", "litva"),
        ("Гродна", "grodna"),
        ("Літва", "litva"),
        ("Venäjällä", "venajalla"),
        ("Rīgā", "riga"),
        ("Łotwie", "lotwie"),
        ("Мінск", "minsk"),
    ],
)
def test_fold_removes_case_diacritics_and_cyrillic(text, folded):
    assert fold(text) == folded


def test_tokenize_keeps_surface_positions_and_sentences():
    tokens = tokenize("Lithuania closes crossings", "The Seimas voted. «Литва» ответила! 2023 ended.")
    texts = tokens.texts
    assert [(t.surface, t.sentence) for t in tokens] == [
        ("Lithuania", 0),
        ("closes", 0),
        ("crossings", 0),
        ("The", 1),
        ("Seimas", 1),
        ("voted", 1),
        ("Литва", 2),
        ("ответила", 2),
        ("2023", 3),
        ("ended", 3),
    ]
    assert texts[2] == "«Литва» ответила!"
    litva = tokens[6]
    assert texts[litva.sentence][litva.start : litva.end] == "Литва"
    assert (litva.cap, litva.first, tokens[7].first) == (True, True, False)


def test_sentences_do_not_split_inside_abbreviations_followed_by_lowercase():
    assert [s for _, s in sentences("Troops arrived at 5 p.m. on Sunday. Guards left.")] == [
        "Troops arrived at 5 p.m. on Sunday.",
        "Guards left.",
    ]


def test_stems_remove_one_ending_and_keep_four_letters():
    stemmer = Stemmer(["a", "os", "oje", "e", "y", "s"])
    assert stemmer.stems("lietuvoje") == ("lietuvoje", "lietuvoj", "lietuv")
    assert stemmer.stems("litvy") == ("litvy", "litv")
    assert stemmer.stems("rusa") == ("rusa",)  # "rus" would be too short to mean anything


def lexicon() -> Lexicon:
    lex = Lexicon(Stemmer(["a", "os", "oje", "y", "e", "ai", "s"]))
    lex.add("Lietuva", ("region", "LT"))
    lex.add("Литва", ("region", "LT"))
    lex.add("border crossing", ("topic", "border"))
    lex.add("Riga", ("region", "LV"), exact=True)
    lex.add("Polish", ("region", "PL"), case=True)
    lex.add("KGB", ("region", "BY"))
    return lex


def matched(text: str) -> list[tuple[str, str]]:
    tokens = tokenize(text, "")
    texts = tokens.texts
    found = [m for family in lexicon().match(tokens).values() for m in family]
    return [
        (m.payload[1], texts[0][tokens[m.start].start : tokens[m.end - 1].end])
        for m in sorted(found, key=lambda m: m.start)
    ]


def test_inflected_forms_match_their_base_form():
    assert matched("Lietuvos kariai Lietuvoje ir Литвы") == [
        ("LT", "Lietuvos"),
        ("LT", "Lietuvoje"),
        ("LT", "Литвы"),
    ]


def test_multi_word_forms_match_inflected_in_a_row_only():
    assert matched("two border crossings closed") == [("border", "border crossings")]
    assert matched("border guards at the crossing") == []


def test_exact_case_and_acronym_options():
    assert matched("Riga and Rigas") == [("LV", "Riga")]
    assert matched("Polish troops; polish the boots") == [("PL", "Polish")]
    assert matched("the KGB and kgb") == [("BY", "KGB")]
