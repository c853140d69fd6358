"""Telegram command handlers, one module per command family (issue 6).

Only ``bot/telegram_app.py`` imports this package. Handlers parse a command, call the core and ``db``, and
reply; they hold no state of their own (chats and subscriptions live in the database).
"""
