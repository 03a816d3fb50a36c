"""Articles as read from files, directories and RSS/Atom feeds, before they are stored.

Text formats: plain text or Markdown (the first line is the title when it is short),
HTML (the <title>, the text of the body, `article:published_time`), JSON ({title, text,
published, url, lang, source}) and JSON Lines of such objects. Feeds are parsed with
feedparser (RSS 0.9x/1.0/2.0, Atom); an entry's full content is used when the feed
carries it, its summary otherwise.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import feedparser

from hoggar.text.normalize import normalize

TEXT_SUFFIXES = frozenset({".txt", ".md", ".html", ".htm", ".json", ".jsonl"})
MAX_TEXT = 200_000


class ArticleError(ValueError):
    """An article that cannot be read: the message says which and why."""


_FORMATTING = re.compile("[\u202a-\u202e\u2066-\u2069\u200b\u2060\ufeff\u00ad]")


@dataclass(frozen=True)
class ArticleIn:
    title: str
    text: str
    published: date | None = None
    url: str | None = None
    guid: str | None = None
    lang: str | None = None
    source_name: str = ""

    def __post_init__(self) -> None:
        # Web text carries formatting characters (bidi embeddings, zero-width spaces,
        # soft hyphens, a BOM) that change nothing a reader needs and that a record
        # refuses (hoggar.stix.validation): removed before anything reads the text.
        object.__setattr__(self, "title", _FORMATTING.sub("", self.title))
        object.__setattr__(self, "text", _FORMATTING.sub("", self.text))

    def content_hash(self) -> str:
        """The same article, whatever its spacing, case or diacritics: one hash."""
        return hashlib.sha256(normalize(self.text).encode("utf-8")).hexdigest()


class _TextOfHtml(HTMLParser):
    _SKIP = frozenset({"script", "style", "nav", "header", "footer", "aside", "noscript"})
    _BLOCK = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "h4", "article", "section", "tr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self.published: str | None = None
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "meta":
            a = dict(attrs)
            if a.get("property") in ("article:published_time", "og:published_time") or a.get(
                "name"
            ) in ("date", "pubdate", "dc.date"):
                self.published = a.get("content")
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skip:
            self._skip -= 1
        elif tag == "title":
            self._in_title = False
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip:
            self.parts.append(data)


def html_text(html: str) -> tuple[str, str, str | None]:
    """(title, text, published) of an HTML page or fragment."""
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r"\s*\n\s*", "\n", text).strip()
    return parser.title.strip(), text, parser.published


def parse_date(value: Any) -> date | None:
    """A publication date from ISO text, a datetime or a feedparser time tuple."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, tuple | list) or hasattr(value, "tm_year"):
        return date(value[0], value[1], value[2])
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    try:
        return date.fromisoformat(text[:10])
    except ValueError as exc:
        raise ArticleError(f"publication date {text!r} is not an ISO date (YYYY-MM-DD)") from exc


def _checked(article: ArticleIn, where: str) -> ArticleIn:
    if not article.text.strip():
        raise ArticleError(f"{where}: the article has no text")
    if len(article.text) > MAX_TEXT:
        raise ArticleError(f"{where}: the article is longer than {MAX_TEXT:,} characters")
    return article


def from_mapping(raw: Any, where: str, published: date | None = None) -> ArticleIn:
    if not isinstance(raw, dict):
        raise ArticleError(f"{where}: expected a JSON object with 'text'")
    text = raw.get("text")
    if not isinstance(text, str):
        raise ArticleError(f"{where}: 'text' is missing or not a string")
    title = str(raw.get("title") or text.strip().split("\n", 1)[0][:200])
    return _checked(
        ArticleIn(
            title=title.strip(),
            text=text,
            published=parse_date(raw.get("published")) or published,
            url=raw.get("url") or None,
            guid=raw.get("guid") or None,
            lang=raw.get("lang") or None,
            source_name=str(raw.get("source") or ""),
        ),
        where,
    )


def _first_sentence(text: str, limit: int = 120) -> str:
    sentence = re.split(r"(?<=[.!?؟])\s", text, maxsplit=1)[0]
    return sentence if len(sentence) <= limit else sentence[:limit].rsplit(" ", 1)[0] + "…"


def read_file(path: Path, published: date | None = None) -> list[ArticleIn]:
    """The articles in one file (a JSON Lines file holds several)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ArticleError(f"{path}: {exc.strerror or exc}") from exc
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        out = []
        for n, line in enumerate(content.splitlines(), 1):
            if line.strip():
                try:
                    out.append(from_mapping(json.loads(line), f"{path}:{n}", published))
                except json.JSONDecodeError as exc:
                    raise ArticleError(f"{path}:{n}: invalid JSON: {exc.msg}") from exc
        return out
    if suffix == ".json":
        try:
            data = json.loads(content)
        except json.JSONDecodeError as exc:
            raise ArticleError(f"{path}: invalid JSON at line {exc.lineno}: {exc.msg}") from exc
        return [from_mapping(data, str(path), published)]
    if suffix in (".html", ".htm"):
        title, text, when = html_text(content)
        return [
            _checked(
                ArticleIn(
                    title or path.stem, text, parse_date(when) or published, source_name=path.name
                ),
                str(path),
            )
        ]
    text = content.strip()
    first, _, rest = text.partition("\n")
    if rest.strip() and len(first) <= 200:  # a heading line
        title, body = first.strip("# ").strip(), rest.strip()
    else:  # one paragraph: its first sentence, shortened, is the title
        title, body = _first_sentence(text), text
    return [_checked(ArticleIn(title, body, published, source_name=path.name), str(path))]


def read_path(path: Path, published: date | None = None) -> Iterator[tuple[Path, ArticleIn]]:
    """A file, or every article file under a directory (sorted; README files skipped)."""
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            if (
                child.is_file()
                and child.suffix.lower() in TEXT_SUFFIXES
                and not child.name.lower().startswith("readme")
            ):
                for article in read_file(child, published):
                    yield child, article
        return
    if not path.exists():
        raise ArticleError(f"{path}: no such file or directory")
    for article in read_file(path, published):
        yield path, article


def parse_feed(content: bytes, url: str, source_name: str = "") -> tuple[str, list[ArticleIn]]:
    """(feed title, articles) of an RSS or Atom document."""
    parsed = feedparser.parse(content)
    if parsed.bozo and not parsed.entries:
        reason = getattr(parsed, "bozo_exception", None)
        raise ArticleError(f"{url}: not an RSS or Atom feed ({reason})")
    title = str(parsed.feed.get("title") or source_name or url)
    out = []
    for entry in parsed.entries:
        html = ""
        if entry.get("content"):
            html = entry.content[0].get("value", "")
        html = html or entry.get("summary", "") or entry.get("description", "")
        _, text, _ = html_text(html)
        if not text.strip():
            continue
        published = entry.get("published_parsed") or entry.get("updated_parsed")
        out.append(
            ArticleIn(
                title=html_text(str(entry.get("title") or ""))[1] or text[:120],
                text=text[:MAX_TEXT],
                published=parse_date(published) if published else None,
                url=entry.get("link") or None,
                guid=entry.get("id") or entry.get("link") or None,
                lang=(entry.get("language") or parsed.feed.get("language") or "")[:2] or None,
                source_name=source_name or title,
            )
        )
    return title, out
