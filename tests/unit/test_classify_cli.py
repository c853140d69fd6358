"""``briefbot classify``: the JSON Lines contract, including bad lines (they never stop the run)."""

from __future__ import annotations

import json

from bot.classify_cli import classify_lines


def run(*lines: str) -> list[dict]:
    return [json.loads(out) for out in classify_lines(lines)]


def test_one_output_line_per_input_line_in_order():
    out = run(
        json.dumps(
            {"id": "a", "title": "Lithuania closes two border crossings with Belarus", "language": "en"}
        ),
        json.dumps({"id": "b", "title": "Литва закрывает два пункта пропуска", "summary": ""}),
    )
    assert [o["id"] for o in out] == ["a", "b"]
    assert list(out[0]) == ["id", "language", "regions", "topics", "severity", "events"]
    assert out[0]["language"] == "en"
    assert out[1]["language"] == "ru"  # detected
    lt = out[0]["regions"][0]
    assert (lt["code"], lt["role"], lt["evidence"][0]) == ("LT", "about", "Lithuania")
    assert 0 < lt["score"] <= 1
    assert out[0]["severity"] in ("low", "medium", "high")


def test_bad_lines_get_an_error_and_the_run_goes_on():
    out = run(
        "{not json",
        "[1, 2]",
        json.dumps({"id": 7, "language": "en"}),
        json.dumps({"id": 8, "title": 5}),
        "",
        json.dumps({"id": 9, "title": "Latvia"}),
    )
    assert out[0] == {
        "id": None,
        "error": "line 1: not valid JSON (Expecting property name enclosed in double quotes)",
    }
    assert out[1] == {"id": None, "error": "line 2: expected a JSON object"}
    assert out[2] == {"id": 7, "error": "line 3: needs a title or a summary"}
    assert out[3] == {"id": 8, "error": "line 4: title must be text"}
    assert out[4]["id"] == 9 and out[4]["regions"][0]["code"] == "LV"
    assert len(out) == 5  # the blank line produced nothing
