"""bot.config: load_settings(environ, env_file)."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import Settings, load_settings
from bot.errors import ConfigError

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def problems_of(environ: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ, env_file=None)
    return caught.value.problems


def test_defaults():
    s = load_settings({}, env_file=None)

    assert s.token is None
    assert s.telegram_bot_token is None
    assert s.telegram_api_base_url == "https://api.telegram.org/bot"
    assert s.database_url == "sqlite:///briefbot.db"
    assert s.sqlalchemy_url == "sqlite:///briefbot.db"
    assert s.feeds_path == Path("feeds.yaml")
    assert s.admin_ids == ()
    assert s.poll_interval == 300
    assert s.timezone == "UTC"
    assert s.log_level == "INFO"


def test_every_variable_parsed():
    s = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": f"  {TOKEN} ",
            "TELEGRAM_API_BASE_URL": " http://localhost:8081/bot ",
            "DATABASE_URL": "sqlite:////var/lib/briefbot/briefbot.db",
            "BRIEFBOT_FEEDS": "/etc/briefbot/feeds.yaml",
            "BRIEFBOT_ADMIN_IDS": "1, 2",
            "BRIEFBOT_POLL_INTERVAL": "600",
            "BRIEFBOT_TIMEZONE": " Europe/Vilnius ",
            "LOG_LEVEL": "debug",
            "UNRELATED_VARIABLE": "ignored",
        },
        env_file=None,
    )

    assert s.token == TOKEN
    assert s.telegram_api_base_url == "http://localhost:8081/bot"
    assert s.database_url == "sqlite:////var/lib/briefbot/briefbot.db"
    assert s.feeds_path == Path("/etc/briefbot/feeds.yaml")
    assert s.admin_ids == (1, 2)
    assert s.poll_interval == 600
    assert s.timezone == "Europe/Vilnius"
    assert s.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1, 2", (1, 2)), ("42", (42,)), ("", ()), (" 7 ; -100123 ,", (7, -100123))],
)
def test_admin_ids(raw, expected):
    assert load_settings({"BRIEFBOT_ADMIN_IDS": raw}, env_file=None).admin_ids == expected


def test_blank_token_means_no_token():
    assert load_settings({"TELEGRAM_BOT_TOKEN": "   "}, env_file=None).token is None


def test_all_problems_at_once_each_naming_its_variable():
    problems = problems_of(
        {
            "TELEGRAM_BOT_TOKEN": "12345:short",
            "TELEGRAM_API_BASE_URL": "ftp://api.example",
            "DATABASE_URL": "mysql://db.example/briefbot",
            "BRIEFBOT_ADMIN_IDS": "1,x",
            "BRIEFBOT_POLL_INTERVAL": "5",
            "BRIEFBOT_TIMEZONE": "Mars/Olympus_Mons",
            "LOG_LEVEL": "loud",
        }
    )

    assert problems == [
        "TELEGRAM_BOT_TOKEN: does not look like a bot token from @BotFather (digits:secret)",
        "TELEGRAM_API_BASE_URL: must be an http(s) URL such as https://api.telegram.org/bot (got 'ftp://api.example')",
        "DATABASE_URL: must be sqlite:///path.db or postgresql://user@host/dbname",
        "BRIEFBOT_ADMIN_IDS: must be comma-separated numeric user ids; not numbers: ['x'] (got '1,x')",
        "BRIEFBOT_POLL_INTERVAL: must be at least 30 seconds (got '5')",
        "BRIEFBOT_TIMEZONE: is not an IANA time zone name such as Europe/Vilnius (got 'Mars/Olympus_Mons')",
        "LOG_LEVEL: must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL (got 'loud')",
    ]


def test_non_numeric_poll_interval():
    problems = problems_of({"BRIEFBOT_POLL_INTERVAL": "five minutes"})

    assert len(problems) == 1
    assert problems[0].startswith("BRIEFBOT_POLL_INTERVAL: ")
    assert "'five minutes'" in problems[0]


def test_config_error_message_and_pickling():
    with pytest.raises(ConfigError) as caught:
        load_settings({"LOG_LEVEL": "loud", "BRIEFBOT_POLL_INTERVAL": "1"}, env_file=None)

    error = caught.value
    assert str(error) == (
        "invalid configuration (2 problem(s)):\n"
        "  - BRIEFBOT_POLL_INTERVAL: must be at least 30 seconds (got '1')\n"
        "  - LOG_LEVEL: must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL (got 'loud')"
    )
    assert pickle.loads(pickle.dumps(error)).problems == error.problems


@pytest.mark.parametrize(
    "bad_token",
    [
        "notatoken-secretvalue-abcdefghijklmnop",  # no digits:secret shape
        "123456789:tooshort",  # secret part under 20 characters
    ],
)
def test_invalid_token_never_echoed(bad_token):
    with pytest.raises(ConfigError) as caught:
        load_settings({"TELEGRAM_BOT_TOKEN": bad_token, "LOG_LEVEL": "loud"}, env_file=None)

    error = caught.value
    assert (
        error.problems[0]
        == "TELEGRAM_BOT_TOKEN: does not look like a bot token from @BotFather (digits:secret)"
    )
    assert bad_token not in str(error)
    assert bad_token not in repr(error)
    assert all(bad_token not in p for p in error.problems)


def test_valid_token_not_in_error_when_other_variables_fail():
    with pytest.raises(ConfigError) as caught:
        load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "LOG_LEVEL": "loud"}, env_file=None)

    assert TOKEN not in str(caught.value)
    assert TOKEN not in repr(caught.value)


def test_token_never_in_settings_repr():
    s = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN}, env_file=None)

    assert s.token == TOKEN
    assert TOKEN not in repr(s)
    assert TOKEN not in str(s)
    assert "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" not in repr(s.model_dump())


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgres://bot:pw@db.example:5432/briefbot",
            "postgresql+psycopg://bot:pw@db.example:5432/briefbot",
        ),
        ("postgresql://bot@db.example/briefbot", "postgresql+psycopg://bot@db.example/briefbot"),
        ("postgresql+psycopg://bot@db.example/briefbot", "postgresql+psycopg://bot@db.example/briefbot"),
        ("sqlite:///tmp/test.db", "sqlite:///tmp/test.db"),
    ],
)
def test_sqlalchemy_url(url, expected):
    s = load_settings({"DATABASE_URL": url}, env_file=None)

    assert s.database_url == url
    assert s.sqlalchemy_url == expected


def test_env_file_read_and_environ_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        f"TELEGRAM_BOT_TOKEN={TOKEN}\n"
        "BRIEFBOT_POLL_INTERVAL=120\n"
        "LOG_LEVEL=warning\n"
        "BRIEFBOT_ADMIN_IDS=5,6\n"
        "SOMETHING_ELSE=ignored\n",
        encoding="utf-8",
    )

    s = load_settings({"BRIEFBOT_POLL_INTERVAL": "900", "BRIEFBOT_ADMIN_IDS": "7"}, env_file=env_file)

    assert s.token == TOKEN  # from the file
    assert s.log_level == "WARNING"  # from the file
    assert s.poll_interval == 900  # environ wins
    assert s.admin_ids == (7,)  # environ wins


def test_env_file_problems_reported_too(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("LOG_LEVEL=verbose\n", encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        load_settings({}, env_file=env_file)

    assert caught.value.problems == [
        "LOG_LEVEL: must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL (got 'verbose')"
    ]


def test_missing_env_file_is_fine(tmp_path):
    assert load_settings({}, env_file=tmp_path / "absent.env").log_level == "INFO"


def test_env_file_none_ignores_dotenv_in_cwd(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("LOG_LEVEL=ERROR\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    assert load_settings({}, env_file=None).log_level == "INFO"
    assert load_settings({}).log_level == "ERROR"  # the default env_file is ./.env


def test_settings_are_frozen():
    s = load_settings({}, env_file=None)

    with pytest.raises(ValidationError):
        s.poll_interval = 10  # type: ignore[misc]
    assert isinstance(s, Settings)


@pytest.mark.parametrize(("raw", "expected"), [("on", True), ("off", False), ("0", False), ("true", True)])
def test_the_story_encoder_is_on_unless_turned_off(raw, expected):
    assert load_settings({}, env_file=None).encoder is True
    assert load_settings({"BRIEFBOT_ENCODER": raw}, env_file=None).encoder is expected


def test_an_encoder_setting_that_is_neither_on_nor_off_is_refused():
    with pytest.raises(ConfigError, match="BRIEFBOT_ENCODER"):
        load_settings({"BRIEFBOT_ENCODER": "maybe"}, env_file=None)


@pytest.mark.parametrize("zone", ["Europe", "America", "Etc", "x" * 300, "Europe/../UTC"])
def test_a_zone_directory_or_nonsense_is_a_configuration_problem_not_a_traceback(zone):
    with pytest.raises(ConfigError, match="BRIEFBOT_TIMEZONE"):
        load_settings({"BRIEFBOT_TIMEZONE": zone}, env_file=None)


def test_the_delivery_lease_is_bounded():
    assert load_settings({}, env_file=None).delivery_lease == 60
    assert load_settings({"BRIEFBOT_DELIVERY_LEASE": "10"}, env_file=None).delivery_lease == 10
    with pytest.raises(ConfigError, match="BRIEFBOT_DELIVERY_LEASE"):
        load_settings({"BRIEFBOT_DELIVERY_LEASE": "5"}, env_file=None)
