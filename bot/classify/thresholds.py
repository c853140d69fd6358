"""Every tuned number of the classifier, in one table, with where it came from. Pure.

"dev" means: chosen on tests/data/labelled.jsonl with ``benchmarks/accuracy.py`` and left alone
after; tests/data/holdout.jsonl was not looked at while choosing (README "Accuracy").
"""

from __future__ import annotations

# --- regions -------------------------------------------------------------------------------
#: Weight of one match by what kind of name it is. A country's name says the most; a leader or
#: a city is strong but can be quoted about elsewhere; a group ("Baltic states") names members
#: only loosely. (Judgement, then checked on dev: demonyms at 1.0 made "Russian-made drones"
#: items about RU.)
KIND_WEIGHT = {
    "names": 1.0,
    "cldr": 1.0,
    "institutions": 0.9,
    "places": 0.85,
    "people": 0.8,
    "demonyms": 0.7,
    "domestic": 0.7,  # "the government", "the foreign ministry" in a national-language item
    "group": 0.5,
}
#: Position weights: the title decides what an item is about, then the lead sentence, then the
#: rest, where each further mention adds less (log2(1 + n)). (Wire-style items; dev.)
TITLE_WEIGHT = 3.0
LEAD_WEIGHT = 2.0
BODY_WEIGHT = 1.0
#: The first region named in the first words of the title or lead is usually the grammatical
#: actor ("Lithuania closes…", "Литва закрывает…"). Bonus once per region. (dev)
ACTOR_BONUS = 3.0
ACTOR_WINDOW = 4  # tokens from the start of the sentence
#: A country in the title that is not its actor is usually the object or a modifier ("Minsk
#: accuses *Lithuania*", "expels a *Russian* diplomat"): its title weight is multiplied by this.
NON_ACTOR_TITLE_FACTOR = 0.6
#: A region named just after a counterpart marker ("with Belarus", "from Russia") is the
#: counterpart: its title/lead weight is multiplied by this. (Seeds: BY is mentioned, not about.)
COUNTERPART_FACTOR = 0.4
#: A region is "about" when its score reaches ABOUT_MIN and ABOUT_RELATIVE × the best region's
#: score; at most ABOUT_MAX regions are about. (dev; ABOUT_MAX from the labelling rules.)
ABOUT_MIN = 2.0
ABOUT_RELATIVE = 0.7
ABOUT_MAX = 3
#: An item in a national language leans towards that language's country (domestic news names
#: its own country less often: "the government", "the Seimas"): bonus when it is named; and when
#: no country is named at all, it is "about" that country with score HOME_ONLY_SCORE. (dev;
#: Russian and English are not national languages here.)
HOME_BONUS = 1.5
HOME_ONLY_SCORE = 0.3
#: Scores are reported in 0…1 as s / (s + SCORE_HALF): a region at SCORE_HALF scores 0.5.
SCORE_HALF = 3.0

# --- topics --------------------------------------------------------------------------------
STRONG_WEIGHT = 1.0
WEAK_WEIGHT = 0.4
TITLE_TOPIC_FACTOR = 1.5
#: A topic fires at this score: one strong term, or three weak ones; or two weak terms next to a
#: strong term of another topic (WEAK_SUPPORTED). (dev)
TOPIC_MIN = 1.0
WEAK_SUPPORTED = 0.8
TOPIC_SCORE_HALF = 1.0

# --- contexts ------------------------------------------------------------------------------
#: Sport or entertainment words at which an item is leisure, not security, unless it has at least
#: SECURITY_OVERRIDE strong security terms ("footballer killed in a missile strike"). (dev)
SPORT_MIN = 2
SECURITY_OVERRIDE = 2

#: At most this many evidence strings per tag: enough to see why, short enough to read.
MAX_EVIDENCE = 6
