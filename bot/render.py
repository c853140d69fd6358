"""Building blocks for Telegram HTML messages: escaping, safe links, formatting, validation, splitting.

The rule it keeps: everything it returns is valid Telegram HTML (https://core.telegram.org/bots/api#html-style)
and no part of a split message exceeds the limit in UTF-16 code units. Pure: stdlib only, no I/O.

Splitting prefers line boundaries, then spaces, then a hard cut between characters (never inside a tag,
an entity or a surrogate pair, and not before a combining mark / emoji modifier when avoidable). Tags open
at a cut are closed at the end of the part and re-opened, with their attributes, at the start of the next.
Whitespace-only lines at the start or end of a part are dropped (Telegram trims them anyway) and a part with
no visible non-whitespace text is not emitted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

TELEGRAM_LIMIT = 4096  # message text limit, in UTF-16 code units

# Tag name -> {attribute name: required?}. Only these tags and attributes are accepted.
_TAGS: dict[str, dict[str, bool]] = {
    "b": {},
    "strong": {},
    "i": {},
    "em": {},
    "u": {},
    "ins": {},
    "s": {},
    "strike": {},
    "del": {},
    "tg-spoiler": {},
    "span": {"class": True},  # must be class="tg-spoiler"
    "a": {"href": True},
    "code": {"class": False},  # class="language-…", only directly inside <pre>
    "pre": {},
    "blockquote": {"expandable": False},  # boolean attribute
    "tg-emoji": {"emoji-id": True},
}

_TAG_RE = re.compile(
    r"<(/?)([A-Za-z][A-Za-z0-9-]*)"
    r"((?:\s+[A-Za-z][A-Za-z0-9-]*(?:\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*'))?)*)"
    r"\s*>"
)
_ATTR_RE = re.compile(r"([A-Za-z][A-Za-z0-9-]*)(?:\s*=\s*(?:\"([^\"<>]*)\"|'([^'<>]*)'))?")
_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,7}));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPECIAL = re.compile(r"[<>&]")


def escape(text: str, *, quote: bool = False) -> str:
    """Escape ``&``, ``<``, ``>`` (and ``"`` when ``quote``, for attribute values) for Telegram HTML."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if quote else text


def _safe_url(url: str) -> bool:
    if not url or any(ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def link(url: str, text: str) -> str:
    """``<a href="url">text</a>`` for an absolute http(s) URL; otherwise just the escaped text.

    An empty ``text`` shows the URL itself (an empty link would be invisible).
    """
    if not _safe_url(url):
        return escape(text)
    return f'<a href="{escape(url, quote=True)}">{escape(text or url)}</a>'


def _wrap(tag: str, text: str) -> str:
    return f"<{tag}>{escape(text)}</{tag}>" if text else ""


def bold(text: str) -> str:
    """Escaped ``text`` in ``<b>``; empty text gives an empty string."""
    return _wrap("b", text)


def italic(text: str) -> str:
    """Escaped ``text`` in ``<i>``; empty text gives an empty string."""
    return _wrap("i", text)


def code(text: str) -> str:
    """Escaped ``text`` in ``<code>``; empty text gives an empty string."""
    return _wrap("code", text)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts it (characters outside the BMP count 2)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


# --- parsing -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Atom:
    """An indivisible piece: a tag, or one visible character (written raw or as an entity)."""

    kind: Literal["open", "close", "text"]
    raw: str
    name: str = ""  # tag name (lower case) for open/close
    text: str = ""  # the visible character for text
    cost: int = 0  # UTF-16 units of raw

    @property
    def closer(self) -> str:
        return f"</{self.name}>"


def _entity_char(match: re.Match[str]) -> str:
    named, dec, hexa = match.groups()
    if named:
        return _NAMED[named]
    point = int(dec) if dec else int(hexa, 16)
    if not 0 < point <= 0x10FFFF or 0xD800 <= point <= 0xDFFF:
        raise ValueError(f"numeric entity {match.group(0)!r} is not a valid character")
    return chr(point)


def _check_entities(value: str, where: str) -> None:
    for pos in (m.start() for m in re.finditer("&", value)):
        match = _ENTITY_RE.match(value, pos)
        if match is None:
            raise ValueError(f"bare '&' in {where} (use &amp;)")
        _entity_char(match)


def _check_open(name: str, attrs: str, stack: list[_Atom]) -> None:
    if name not in _TAGS:
        raise ValueError(f"unknown tag <{name}>")
    allowed = _TAGS[name]
    seen: dict[str, str | None] = {}
    for m in _ATTR_RE.finditer(attrs):
        attr = m.group(1).lower()
        value = m.group(2) if m.group(2) is not None else m.group(3)
        if attr not in allowed:
            raise ValueError(f"attribute {attr!r} is not allowed on <{name}>")
        if attr in seen:
            raise ValueError(f"duplicate attribute {attr!r} on <{name}>")
        if value is not None:
            _check_entities(value, f"attribute {attr!r} of <{name}>")
        seen[attr] = value
    for attr, required in allowed.items():
        if required and not seen.get(attr):
            raise ValueError(f"<{name}> needs a non-empty {attr!r} attribute")
    if name == "span" and seen["class"] != "tg-spoiler":
        raise ValueError('<span> is only allowed as <span class="tg-spoiler">')
    if name == "blockquote" and seen.get("expandable") is not None:
        raise ValueError("'expandable' on <blockquote> takes no value")
    if name == "tg-emoji" and not (seen["emoji-id"] or "").isdigit():
        raise ValueError("emoji-id of <tg-emoji> must be digits")
    parent = stack[-1].name if stack else None
    names = {atom.name for atom in stack}
    if (
        name == "code"
        and "class" in seen
        and (parent != "pre" or not (seen["class"] or "").startswith("language-"))
    ):
        raise ValueError('<code class="language-…"> is only allowed directly inside <pre>')
    if parent in ("code", "tg-emoji") or (parent == "pre" and name != "code"):
        raise ValueError(f"<{name}> is not allowed inside <{parent}>")
    if name in ("a", "blockquote", "pre", "code") and name in names:
        raise ValueError(f"<{name}> cannot be nested in <{name}>")


def _parse(html: str) -> list[_Atom]:
    """Split ``html`` into atoms, checking it is valid Telegram HTML; raises ``ValueError`` otherwise."""
    atoms: list[_Atom] = []
    stack: list[_Atom] = []
    pos, end = 0, len(html)
    while pos < end:
        special = _SPECIAL.search(html, pos)
        stop = special.start() if special else end
        for ch in html[pos:stop]:
            atoms.append(_Atom("text", ch, text=ch, cost=2 if ord(ch) > 0xFFFF else 1))
        if special is None:
            break
        pos = stop
        char = html[pos]
        if char == ">":
            raise ValueError(f"raw '>' outside a tag at offset {pos} (use &gt;)")
        if char == "&":
            match = _ENTITY_RE.match(html, pos)
            if match is None:
                raise ValueError(f"'&' at offset {pos} is not an entity (use &amp;)")
            atoms.append(_Atom("text", match.group(0), text=_entity_char(match), cost=len(match.group(0))))
            pos = match.end()
            continue
        match = _TAG_RE.match(html, pos)
        if match is None:
            raise ValueError(f"raw '<' outside a tag at offset {pos} (use &lt;)")
        closing, name, attrs = match.group(1), match.group(2).lower(), match.group(3)
        raw = match.group(0)
        if closing:
            if attrs.strip():
                raise ValueError(f"closing tag {raw!r} has attributes")
            if not stack:
                raise ValueError(f"unbalanced closing tag {raw!r} at offset {pos}")
            if stack[-1].name != name:
                raise ValueError(f"misnested tags: {raw!r} closes <{stack[-1].name}> at offset {pos}")
            stack.pop()
            atoms.append(_Atom("close", raw, name=name, cost=utf16_len(raw)))
        else:
            _check_open(name, attrs, stack)
            atom = _Atom("open", raw, name=name, cost=utf16_len(raw))
            stack.append(atom)
            atoms.append(atom)
        pos = match.end()
    if stack:
        raise ValueError(f"unclosed tag <{stack[-1].name}>")
    return atoms


def validate(html: str) -> None:
    """Raise ``ValueError`` unless ``html`` is valid Telegram HTML.

    Checks: only Telegram's tags and attributes; tags balanced and properly nested (plus Telegram's
    nesting limits: nothing inside <code>/<tg-emoji>, only <code> inside <pre>, no <a>/<pre>/<code>/
    <blockquote> inside itself); every ``&`` starts ``&lt;``/``&gt;``/``&amp;``/``&quot;`` or a numeric
    entity of a valid character; no raw ``<`` or ``>`` outside tags.
    """
    _parse(html)


def html_text(html: str) -> str:
    """The visible text of valid Telegram HTML: tags removed, entities decoded."""
    return "".join(atom.text for atom in _parse(html))


# --- splitting -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Open:
    """Persistent stack of open tags (top first) with the cost of the tags that close it."""

    tag: _Atom
    close_cost: int
    parent: _Open | None

    def tags(self) -> list[_Atom]:
        """Open tags, outermost first."""
        out: list[_Atom] = []
        node: _Open | None = self
        while node is not None:
            out.append(node.tag)
            node = node.parent
        return out[::-1]


def _stacks(atoms: list[_Atom]) -> list[_Open | None]:
    """``result[i]`` is the stack of open tags just before ``atoms[i]`` (``len(atoms) + 1`` entries)."""
    out: list[_Open | None] = [None]
    node: _Open | None = None
    for atom in atoms:
        if atom.kind == "open":
            below = node.close_cost if node else 0
            node = _Open(atom, below + utf16_len(atom.closer), node)
        elif atom.kind == "close":
            assert node is not None
            node = node.parent
        out.append(node)
    return out


def _glued(atoms: list[_Atom], i: int) -> bool:
    """Whether a cut before ``atoms[i]`` would separate a character from its combining mark/modifier."""
    atom = atoms[i]
    if atom.kind != "text":
        return False
    point = ord(atom.text)
    if unicodedata.category(atom.text)[0] == "M" or atom.text in "\u200d\ufe0e\ufe0f":
        return True
    if 0x1F3FB <= point <= 0x1F3FF or 0xE0020 <= point <= 0xE007F:
        return True
    before = atoms[i - 1]
    return before.kind == "text" and before.text == "\u200d"


def _trim(part: list[_Atom]) -> list[_Atom]:
    """Drop whitespace-only lines at both ends of the part, then empty tag pairs left behind."""
    positions = [i for i, atom in enumerate(part) if atom.kind == "text"]
    visible = "".join(part[i].text for i in positions)
    drop: set[int] = set()
    lead = visible[: len(visible) - len(visible.lstrip())]
    if "\n" in lead:
        drop.update(positions[: lead.rindex("\n") + 1])
    content_end = len(visible.rstrip())
    tail = visible[content_end:]
    if "\n" in tail:
        drop.update(positions[content_end + tail.index("\n") :])
    out: list[_Atom] = []
    for i, atom in enumerate(part):
        if i in drop:
            continue
        if atom.kind == "close" and out and out[-1].kind == "open" and out[-1].name == atom.name:
            out.pop()  # an element left empty by the cut or the trim
            continue
        out.append(atom)
    return out


def split_message(html: str, limit: int = TELEGRAM_LIMIT, *, check: bool = True) -> list[str]:
    """Split valid Telegram HTML into parts of at most ``limit`` UTF-16 units, each valid on its own.

    Cuts at the last line break that fits (the ``\\n`` itself is dropped); a line too long is cut after
    its last fitting space, else between characters. Tags open at a cut are closed and re-opened.
    Raises ``ValueError`` for invalid HTML, or when ``limit`` cannot hold the open tags plus one
    character (a link whose opening tag alone is that long is sent as its text, unlinked).
    Whitespace-only input gives ``[]``. ``check=False``: HTML made by this package's composers (all
    text escaped, tags balanced; property-tested) that fits whole is returned as it is, without
    parsing it — sending 10,000 digests should not parse each one character by character.
    """
    if limit < 1:
        raise ValueError(f"limit must be positive, got {limit}")
    if not check and html.strip() and utf16_len(html) <= limit:
        return [html]
    atoms = _parse(html)
    try:
        return _split(atoms, limit)
    except _TooSmall:
        # A link whose opening tag (its escaped URL) leaves no room for one character: its text
        # is sent without the link rather than not at all.
        unlinked = [a for a in atoms if not (a.name == "a" and a.kind in ("open", "close"))]
        if len(unlinked) == len(atoms):
            raise
        return _split(unlinked, limit)


class _TooSmall(ValueError):
    """The limit cannot hold the open tags plus one character."""


def _split(atoms: list[_Atom], limit: int) -> list[str]:
    stacks = _stacks(atoms)
    n = len(atoms)
    parts: list[str] = []
    start = 0
    while start < n:
        opened = stacks[start].tags() if stacks[start] else []
        cost = sum(tag.cost for tag in opened)
        best_line = best_space = best_any = None
        cut = next_start = None
        content = False  # a non-whitespace character since start: a space cut will not leave a blank part
        i = start
        while True:
            node = stacks[i]
            fits = cost + (node.close_cost if node else 0) <= limit
            if i == n:
                if fits:
                    cut = next_start = n
                break
            atom = atoms[i]
            if fits:
                if atom.text == "\n":
                    best_line = i
                if i > start:
                    best_any = i
                    if content and atoms[i - 1].text in (" ", "\t"):
                        best_space = i
            content = content or (atom.kind == "text" and not atom.text.isspace())
            cost += atom.cost
            if cost > limit:
                break
            i += 1
        if cut is None:
            if best_line is not None:
                cut, next_start = best_line, best_line + 1
            elif best_space is not None:
                cut = next_start = best_space
            elif best_any is not None:
                cut = best_any
                while cut > start + 1 and _glued(atoms, cut):
                    cut -= 1
                if _glued(atoms, cut):
                    cut = best_any
                while cut > start + 1 and atoms[cut - 1].kind == "open":
                    cut -= 1
                next_start = cut
            else:
                raise _TooSmall(f"limit {limit} is too small for the open tags plus one character")
        assert next_start is not None
        node = stacks[cut]
        closing = [_Atom("close", tag.closer, name=tag.name) for tag in reversed(node.tags())] if node else []
        part = _trim([*opened, *atoms[start:cut], *closing])
        if "".join(atom.text for atom in part).strip():
            parts.append("".join(atom.raw for atom in part))
        start = next_start
    return parts
