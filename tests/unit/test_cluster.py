"""Stories: the same event from several sources and languages is one story; other events are not."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cluster import CONTINUE_WINDOW, Clusterer, ClusterItem, Story
from bot.cluster_cli import cluster_lines

ARTICLES = Path(__file__).parents[1] / "data" / "articles"
T0 = datetime(2025, 11, 3, 8, 0, tzinfo=UTC)


def item(
    id_: str, title: str, summary: str = "", hours: float = 0, source: str = "x", language: str | None = None
):
    return ClusterItem(id_, title, summary, T0 + timedelta(hours=hours), source, language)


@pytest.mark.encoder
def test_the_two_seed_articles_are_one_story():
    clusterer = Clusterer()
    keys = []
    for path in sorted(ARTICLES.glob("2023-*.txt")):
        body = re.sub(r"^\s*date \d{4}-\d{2}-\d{2}\s+", "", path.read_text(encoding="utf-8"))
        when = datetime.fromisoformat(path.name[:10] + "T09:00:00+00:00")
        keys.append(
            clusterer.add(ClusterItem(path.stem, body.split(". ")[0], body, when, "seed", "en")).story_key
        )
    assert keys[0] == keys[1]


def test_one_event_in_three_languages_is_one_story():
    clusterer = Clusterer()
    a = clusterer.add(
        item(
            "en",
            "Lithuania closes Medininkai and Šalčininkai border crossings with Belarus",
            "Interior Minister Agnė Bilotaitė said the two checkpoints will close from 1 December.",
            source="LRT",
            language="en",
        )
    )
    b = clusterer.add(
        item(
            "ru",
            "Литва закрывает пункты пропуска Мядининкай и Шальчининкай на границе с Беларусью",
            "Министр внутренних дел Агне Билотайте сообщила, что КПП закроются с 1 декабря.",
            hours=3,
            source="Delfi",
            language="ru",
        )
    )
    c = clusterer.add(
        item(
            "lt",
            "Lietuva uždaro Medininkų ir Šalčininkų pasienio punktus",
            "Vidaus reikalų ministrė Agnė Bilotaitė teigė, kad punktai bus uždaryti nuo gruodžio 1 d.",
            hours=5,
            source="BNS",
            language="lt",
        )
    )
    assert a.new_story and not b.new_story and not c.new_story
    assert a.story_key == b.story_key == c.story_key
    story = clusterer.stories[a.story_key]
    assert story.sources == {"LRT", "Delfi", "BNS"}
    assert story.item_count == 3


def test_different_events_in_the_same_place_are_different_stories():
    clusterer = Clusterer()
    first = clusterer.add(
        item(
            "a",
            "Polish border guards detain 20 migrants near Kuźnica",
            "The group crossed the fence at night.",
        )
    )
    other_topic = clusterer.add(
        item("b", "Poland's central bank cuts interest rates to 4.5%", "The zloty weakened.", hours=2)
    )
    other_country = clusterer.add(
        item(
            "c",
            "Latvia reports drone incursion from Russia near Rēzekne",
            "The drone crashed in a field.",
            hours=3,
        )
    )
    assert len({first.story_key, other_topic.story_key, other_country.story_key}) == 3


def test_stories_out_of_reach_are_forgotten():
    clusterer = Clusterer()
    clusterer.add(item("a", "Lithuania closes Medininkai crossing"))
    clusterer.add(item("b", "Latvia reinforces Terehova border post", hours=1))
    assert len(clusterer.stories) == 2
    assert clusterer.prune(T0 + CONTINUE_WINDOW + timedelta(hours=2)) == 2
    assert clusterer.stories == {} and clusterer._index == {}
    # and a new item about the same thing then starts a new story
    assert clusterer.add(item("c", "Lithuania closes Medininkai crossing", hours=300)).new_story


def test_cluster_lines_contract():
    lines = [
        json.dumps(
            {"id": 1, "title": "Lithuania closes Medininkai crossing", "published": "2025-11-03T08:00:00Z"}
        ),
        json.dumps(
            {
                "id": 2,
                "title": "Lithuania closes Medininkai crossing",
                "published": "2025-11-03T09:00:00+02:00",
            }
        ),
        json.dumps({"id": 3, "title": "x", "published": "yesterday"}),
        json.dumps({"id": 4, "published": "2025-11-03T08:00:00Z"}),
        "not json",
    ]
    out = [json.loads(o) for o in cluster_lines(lines)]
    assert [o["id"] for o in out] == [1, 2, 3, 4, None]
    assert out[0]["story"] == out[1]["story"]
    assert out[2] == {"id": 3, "error": "line 3: published must be an ISO 8601 time"}
    assert out[3] == {"id": 4, "error": "line 4: needs a title or a summary"}
    assert out[4]["error"].startswith("line 5: not valid JSON")


CLUSTERS = Path(__file__).parents[1] / "data" / "clusters.jsonl"


def labelled(*ids: str) -> list[ClusterItem]:
    rows = {}
    for line in CLUSTERS.read_text(encoding="utf-8").splitlines():
        if line.strip():
            it = json.loads(line)
            rows[it["id"]] = it
    return [
        ClusterItem(
            i,
            rows[i]["title"],
            rows[i]["summary"],
            datetime.fromisoformat(rows[i]["published"].replace("Z", "+00:00")),
            rows[i]["source"],
            rows[i]["language"],
            rows[i]["url"],
        )
        for i in ids
    ]


def test_an_item_that_fits_two_stories_merges_them():
    # The drone that crashed in Latvia: without the encoder, the Russian and Estonian reports
    # share too few names to meet directly; the English one shares enough with each.
    ru, et, en = labelled("c07-c", "c07-d", "c07-b")
    clusterer = Clusterer(encoder=None)
    first, second = clusterer.add(ru), clusterer.add(et)
    assert first.story_key != second.story_key
    bridge = clusterer.add(en)
    assert {s.key for s in bridge.merged} | {bridge.story_key} == {first.story_key, second.story_key}
    assert list(clusterer.stories) == [bridge.story_key]
    story = clusterer.stories[bridge.story_key]
    assert story.item_count == 3 and story.sources == {ru.source, et.source, en.source}
    assert story.title == en.title  # English represents the story…
    assert story.title_for("ru") == (ru.title, ru.url)  # …unless the reader's language is there
    assert story.first_seen == min(ru.published, et.published, en.published)
    # the merged story is gone from the index too: a new report cannot land in it
    assert all(s.key not in keys for s in bridge.merged for keys in clusterer._index.values())


@pytest.mark.encoder
def test_reports_that_share_few_names_but_mean_the_same_are_one_story():
    # The same Russian and Estonian reports: their meaning (bot/encoder.py) is close enough.
    ru, et = labelled("c07-c", "c07-d")
    clusterer = Clusterer()
    assert clusterer.encoder is not None
    assert clusterer.add(ru).story_key == clusterer.add(et).story_key


@pytest.mark.encoder
def test_meaning_alone_never_joins_reports_of_different_countries():
    clusterer = Clusterer()
    a = clusterer.add(item("lv", "A drone from Russia crashed in a field in Latvia", hours=0, language="en"))
    b = clusterer.add(item("fi", "A drone from Russia crashed in a field in Finland", hours=1, language="en"))
    assert a.story_key != b.story_key


def test_cluster_lines_names_the_story_a_bridged_story_became():
    lines = [
        json.dumps(
            {
                "id": it.id,
                "title": it.title,
                "summary": it.summary,
                "published": it.published.isoformat(),
                "source": it.source,
                "language": it.language,
            }
        )
        for it in labelled("c01-b", "c01-c", "c01-a")
    ]
    out = [json.loads(o) for o in cluster_lines(lines)]
    assert len({o["story"] for o in out}) == 1


def test_a_restored_story_is_joined_like_the_original():
    a, b = labelled("c01-a", "c01-b")
    original = Clusterer()
    original.add(a)
    (story,) = original.stories.values()
    copy = Story.from_state(
        story.key,
        story.first_seen,
        story.last_seen,
        story.item_count,
        story.severity.value,
        json.loads(json.dumps(story.state())),
        id=7,
    )
    restarted = Clusterer(original.classifier)
    restarted.restore([copy])
    assignment = restarted.add(b)
    assert (assignment.story_key, assignment.new_story) == (story.key, False)
    assert assignment.score == original.add(b).score
    assert restarted.stories[story.key].id == 7


def test_the_same_article_in_two_feeds_is_one_source():
    first, other = labelled("c01-a", "c01-b")
    clusterer = Clusterer()
    clusterer.add(first)
    again = ClusterItem(
        "copy",
        first.title,
        first.summary,
        first.published,
        "Another feed",
        first.language,
        first.url.replace("https://", "http://") + "?utm_source=rss",  # linked differently
    )
    clusterer.add(again)
    clusterer.add(other)
    (story,) = clusterer.stories.values()
    assert story.item_count == 3
    assert story.sources == {first.source, other.source}  # the copy adds no source


BALLOONS = (
    "Balloons from Belarus disrupt Vilnius airport",
    "Vilnius airport suspended flights for several hours on Sunday night after smuggling balloons "
    "from Belarus entered Lithuanian airspace, the airport said.",
)
CLOSURE = (
    "Lithuania closes border with Belarus over balloons at Vilnius airport",
    "Lithuania closed its border crossings with Belarus after smuggling balloons again halted "
    "flights at Vilnius airport, the government said.",
)


@pytest.mark.encoder
def test_a_closure_after_the_balloons_is_one_new_development_of_their_story():
    clusterer = Clusterer()
    first = clusterer.add(item("a", *BALLOONS, hours=0, source="lrt", language="en"))
    story = clusterer.stories[first.story_key]
    assert story.severity.value == "medium" and story.development == 0
    assert clusterer.add(item("b", *CLOSURE, hours=3, source="delfi", language="en")).story_key == story.key
    assert story.development == 1 and story.severity.value == "high"
    (step,) = story.developments
    assert step.why == "severity" and "border_closure" in step.events and step.title == CLOSURE[0]
    # The same closure from another outlet: more sources, not another development.
    clusterer.add(item("c", *CLOSURE, hours=4, source="bns", language="en"))
    assert story.development == 1 and len(story.sources) == 3
    # Kept across a restart.
    again = Story.from_state(
        story.key, story.first_seen, story.last_seen, story.item_count, story.severity.value, story.state()
    )
    assert again.development == 1 and again.developments == story.developments


def test_a_report_that_is_not_security_news_never_titles_a_story():
    story = Story(key="k", first_seen=T0, last_seen=T0)
    story.titles = {"ru": ("Погода в Вильнюсе", None), "en": ("Lithuania closes border with Belarus", None)}
    story.title_weights = {"ru": 0, "en": 2}
    assert story.title_for("ru") == ("Lithuania closes border with Belarus", None)
    assert "ru" not in story.state()["titles"]
    # A story whose titles carry no weights (stored before weights existed) shows them all.
    old = Story.from_state("k", T0, T0, 2, "high", {"titles": {"ru": ["Заголовок", None]}})
    assert old.title_for("ru") == ("Заголовок", None)


def test_a_security_report_replaces_an_earlier_title_that_was_not_one():
    clusterer = Clusterer()
    story = Story(key="k", first_seen=T0, last_seen=T0)
    clusterer.stories["k"] = story
    weather = item("w", "Vilnius weather: a cold night ahead", "", language="en")
    clusterer._absorb(story, weather, clusterer_features(clusterer, weather))
    closure = item("c", *CLOSURE, hours=1, language="en")
    clusterer._absorb(story, closure, clusterer_features(clusterer, closure))
    assert story.title == CLOSURE[0]


def clusterer_features(clusterer: Clusterer, it: ClusterItem):
    from bot.cluster import analyse

    return analyse(clusterer.classifier, it.title, it.summary, it.language)[1]


def test_a_meaning_vector_survives_the_json_state():
    import numpy as np

    from bot.encoder import DIM, pack, unpack

    vector = np.random.default_rng(1).standard_normal(DIM).astype(np.float32)
    vector /= np.linalg.norm(vector)
    back = unpack(pack(vector))
    assert back is not None and float(back @ vector) > 0.999
    for bad in ("", "not base64!", pack(vector[:10]), pack(np.full(DIM, np.inf))):
        assert unpack(bad) is None


@pytest.mark.encoder
def test_the_encoder_is_on_unless_turned_off(monkeypatch):
    classifier = Clusterer(encoder=None).classifier
    assert Clusterer(classifier).encoder is not None
    monkeypatch.setenv("BRIEFBOT_ENCODER", "off")
    assert Clusterer(classifier).encoder is None
