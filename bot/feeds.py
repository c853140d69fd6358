"""Read and validate the feed list (feeds.yaml). Pure apart from the small ``load()``.

Format (documented in README)::

    feeds:
      - name: LRT English            # required, unique
        url: https://www.lrt.lt/...  # required, http(s), unique
        language: en                 # required, ISO 639-1
        regions: [LT]                # optional hints: ISO 3166-1 alpha-2 codes or group names
        interval: 900                # optional, seconds, >= 60

Every problem is reported with its line, all at once (``FeedListError``), never a traceback.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from bot.domain import FeedSpec
from bot.errors import FeedListError

KNOWN_KEYS = ("name", "url", "language", "regions", "interval")
MIN_INTERVAL = 60  # seconds: faster than once a minute is impolite to any publisher
MAX_INTERVAL = 7 * 24 * 3600
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_REGION = re.compile(r"^([A-Z]{2}|[a-z][a-z0-9-]{1,30})$")


def _known_language(code: str) -> bool:
    """An ISO 639 code that exists ("lt", "be"; not "xx")."""
    import pycountry  # the standard's tables, shipped with the package

    if not _LANGUAGE.match(code):
        return False
    field = "alpha_2" if len(code) == 2 else "alpha_3"
    return pycountry.languages.get(**{field: code}) is not None


def _known_region(key: str) -> object | None:
    """A country code or group name Briefbot knows ("LT", "baltics"; not "ZZ")."""
    from bot import regions

    return regions.get(key)


def load(path: str | Path) -> list[FeedSpec]:
    """Read ``path`` and validate it; raises ``FeedListError`` on any problem."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FeedListError(str(path), [(None, "file not found (set BRIEFBOT_FEEDS)")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FeedListError(str(path), [(None, f"cannot read: {exc}")]) from None
    return parse_feed_list(text, str(path))


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def parse_feed_list(text: str, path: str = "feeds.yaml") -> list[FeedSpec]:
    """Validate feeds.yaml text into specs, or raise ``FeedListError`` listing every problem."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        raise FeedListError(path, [(line, f"not valid YAML: {reason}")]) from None

    if root is None:
        raise FeedListError(path, [(None, "empty file: expected a 'feeds:' list")])
    if not isinstance(root, yaml.MappingNode):
        raise FeedListError(path, [(_line(root), "expected a mapping with a 'feeds:' list")])
    top = {k.value: v for k, v in root.value if isinstance(k, yaml.ScalarNode)}
    feeds_node = top.get("feeds")
    if not isinstance(feeds_node, yaml.SequenceNode):
        line = _line(feeds_node) if feeds_node is not None else _line(root)
        raise FeedListError(path, [(line, "'feeds' must be a list of feed entries")])

    problems: list[tuple[int | None, str]] = []
    specs: list[FeedSpec] = []
    seen_urls: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    for index, node in enumerate(feeds_node.value, start=1):
        spec = _entry(node, index, problems)
        if spec is None:
            continue
        parts = urlsplit(spec.url)
        key = f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path.rstrip('/')}?{parts.query}"
        if key in seen_urls:
            problems.append((spec.line, f"duplicate url {spec.url} (first on line {seen_urls[key]})"))
            continue
        if spec.name.lower() in seen_names:
            problems.append(
                (
                    spec.line,
                    f"duplicate name {spec.name!r} (first on line {seen_names[spec.name.lower()]})",
                )
            )
            continue
        seen_urls[key] = spec.line or 0
        seen_names[spec.name.lower()] = spec.line or 0
        specs.append(spec)
    if problems:
        raise FeedListError(path, problems)
    return specs


def _entry(node: yaml.Node, index: int, problems: list[tuple[int | None, str]]) -> FeedSpec | None:
    line = _line(node)
    if not isinstance(node, yaml.MappingNode):
        problems.append((line, f"entry {index}: expected a mapping with name, url and language"))
        return None
    fields: dict[str, yaml.Node] = {}
    ok = True
    for key_node, value_node in node.value:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if key not in KNOWN_KEYS:
            problems.append(
                (
                    _line(key_node),
                    f"entry {index}: unknown field {key!r} (known: {', '.join(KNOWN_KEYS)})",
                )
            )
            ok = False
        elif key in fields:
            problems.append((_line(key_node), f"entry {index}: field {key!r} given twice"))
            ok = False
        else:
            fields[key] = value_node

    def scalar(key: str) -> str | None:
        value = fields.get(key)
        if value is None:
            return None
        if not isinstance(value, yaml.ScalarNode) or not str(value.value).strip():
            problems.append((_line(value), f"entry {index}: {key!r} must be a non-empty text"))
            return None
        return str(value.value).strip()

    name = scalar("name")
    url = scalar("url")
    language = scalar("language")
    for key, value in (("name", name), ("url", url), ("language", language)):
        if value is None and key not in fields:
            problems.append((line, f"entry {index}: missing required field {key!r}"))
            ok = False
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append(
                (
                    _line(fields["url"]),
                    f"entry {index}: url must be http(s)://host/...; got {url!r}",
                )
            )
            ok = False
    if language is not None and not _known_language(language):
        problems.append(
            (
                _line(fields["language"]),
                f"entry {index}: language must be an ISO 639-1 code like 'lt'; got {language!r}",
            )
        )
        ok = False

    regions: tuple[str, ...] = ()
    if "regions" in fields:
        rnode = fields["regions"]
        items = rnode.value if isinstance(rnode, yaml.SequenceNode) else [rnode]
        values = [n.value for n in items if isinstance(n, yaml.ScalarNode)]
        bad = [v for v in values if not _REGION.match(str(v)) or _known_region(str(v)) is None]
        if len(values) != len(items) or bad:
            problems.append(
                (
                    _line(rnode),
                    f"entry {index}: regions must be ISO codes like LT or group names like baltics; got {bad or 'a nested value'}",
                )
            )
            ok = False
        regions = tuple(dict.fromkeys(values))

    interval: int | None = None
    if "interval" in fields:
        inode = fields["interval"]
        raw = inode.value if isinstance(inode, yaml.ScalarNode) else None
        if raw is None or not str(raw).isdigit() or not MIN_INTERVAL <= int(raw) <= MAX_INTERVAL:
            problems.append(
                (
                    _line(inode),
                    f"entry {index}: interval must be whole seconds between {MIN_INTERVAL} and {MAX_INTERVAL}; got {raw!r}",
                )
            )
            ok = False
        else:
            interval = int(raw)

    if not ok or name is None or url is None or language is None:
        return None
    return FeedSpec(name=name, url=url, language=language, regions=regions, interval=interval, line=line)


def parse_addfeed(text: str) -> FeedSpec | str:
    """``/addfeed URL [name] [lang=xx] [regions=LT,baltics] [label=…]`` → the feed, or what is
    wrong in one sentence. ``label=`` names the feed where Briefbot shows it (as the name does)."""
    tokens = text.split()
    if not tokens:
        return (
            "Give the feed's http(s) URL: /addfeed https://example.com/rss.xml [name] [lang=lt] [regions=LT]"
        )
    url = tokens[0]
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return "The port in that URL is not a number between 0 and 65535."
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2048:
        return (
            "Give the feed's http(s) URL: /addfeed https://example.com/rss.xml [name] [lang=lt] [regions=LT]"
        )
    name: list[str] = []
    language, regions, label = "en", (), None
    for token in tokens[1:]:
        key, eq, value = token.partition("=")
        key = key.lower()
        if eq and key in ("lang", "language"):
            if not _known_language(value.lower()):
                return f"“{value[:20]}” is not a language code like lt, ru or en."
            language = value.lower()
        elif eq and key == "regions":
            found = tuple(dict.fromkeys(r for r in value.split(",") if r))
            unknown = [r for r in found if _known_region(r) is None]
            if unknown or not found:
                return f"Unknown regions: {', '.join(unknown)[:80] or '(none)'} — use codes like LT or groups like baltics."
            regions = found
        elif eq and key == "label":
            label = value
        else:
            name.append(token)
    display = (label or " ".join(name) or parts.hostname)[:200]
    return FeedSpec(name=display, url=url, language=language, regions=regions)
