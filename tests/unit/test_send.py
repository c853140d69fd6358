"""What a Telegram error means, decided by its type in one place (bot/send.py)."""

from __future__ import annotations

from datetime import timedelta

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.send import ChatGone, Failed, RetryLater, outcome_of


def test_a_chat_that_blocked_us_or_no_longer_exists_is_gone():
    assert isinstance(outcome_of(Forbidden("Forbidden: bot was blocked by the user")), ChatGone)
    assert isinstance(outcome_of(BadRequest("Bad Request: chat not found")), ChatGone)
    assert isinstance(outcome_of(BadRequest("Bad Request: group chat was deleted")), ChatGone)


def test_429_network_and_server_errors_are_tried_again_later(monkeypatch):
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # as bot/telegram_app.py sets it
    later = outcome_of(RetryAfter(timedelta(seconds=7)))
    assert isinstance(later, RetryLater) and later.seconds == 7.0
    assert isinstance(outcome_of(NetworkError("connection reset")), RetryLater)
    assert isinstance(outcome_of(TimedOut()), RetryLater)
    assert isinstance(outcome_of(TelegramError("Internal Server Error")), RetryLater)


def test_another_refusal_fails_the_message_for_good():
    assert isinstance(outcome_of(BadRequest("Bad Request: can't parse entities")), Failed)
