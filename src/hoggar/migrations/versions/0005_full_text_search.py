"""full-text search: normalised search text, FTS5 on SQLite, GIN on PostgreSQL

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 23:00:00
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# FROZEN below: the DDL and the search document this revision computes, copied (as of
# 2026-12-02) from hoggar.stix.search, hoggar.stix.projections.project (its search_text)
# and hoggar.text.normalize.search_document. Never change them: the live code may move
# on; this revision must keep building what it built.

SQLITE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS stix_fts USING fts5(search_text, content='stix_index', "
    "content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS stix_index_fts_ai AFTER INSERT ON stix_index BEGIN "
    "INSERT INTO stix_fts(rowid, search_text) VALUES (new.rowid, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS stix_index_fts_ad AFTER DELETE ON stix_index BEGIN "
    "INSERT INTO stix_fts(stix_fts, rowid, search_text) "
    "VALUES ('delete', old.rowid, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS stix_index_fts_au AFTER UPDATE ON stix_index BEGIN "
    "INSERT INTO stix_fts(stix_fts, rowid, search_text) "
    "VALUES ('delete', old.rowid, old.search_text); "
    "INSERT INTO stix_fts(rowid, search_text) VALUES (new.rowid, new.search_text); END",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS stix_index_fts_au",
    "DROP TRIGGER IF EXISTS stix_index_fts_ad",
    "DROP TRIGGER IF EXISTS stix_index_fts_ai",
    "DROP TABLE IF EXISTS stix_fts",
)
POSTGRESQL_DDL = (
    "CREATE INDEX IF NOT EXISTS ix_stix_index_fts ON stix_index "
    "USING gin (to_tsvector('simple', search_text))",
)
POSTGRESQL_DROP = ("DROP INDEX IF EXISTS ix_stix_index_fts",)

_INCIDENT_EXTENSION_ID = "extension-definition--7c5e9d0a-1b2f-4e6a-9c8d-3f4a5b6c7d80"
_NAMES_EXTENSION_ID = "extension-definition--b2d4f6a8-0c1e-4a3b-8d5f-7e9a1c3b5d72"
_TEXT_PROPS = ("name", "description", "content", "abstract", "explanation", "opinion", "context")


def search_text(obj: Mapping[str, Any]) -> str:
    """The `search_text` of `project(obj)`: the object's texts as a search document."""
    exts = obj.get("extensions") if isinstance(obj.get("extensions"), Mapping) else {}
    assert isinstance(exts, Mapping)
    inc = (
        exts.get(_INCIDENT_EXTENSION_ID)
        if isinstance(exts.get(_INCIDENT_EXTENSION_ID), Mapping)
        else {}
    )
    names = (
        exts.get(_NAMES_EXTENSION_ID) if isinstance(exts.get(_NAMES_EXTENSION_ID), Mapping) else {}
    )
    assert isinstance(inc, Mapping) and isinstance(names, Mapping)
    texts: list[str] = [str(obj[p]) for p in _TEXT_PROPS if isinstance(obj.get(p), str)]
    texts += [a for a in obj.get("aliases") or [] if isinstance(a, str)]
    texts += [n.get("value", "") for n in names.get("names") or [] if isinstance(n, Mapping)]
    for prop in ("narrative", "place_name"):
        if isinstance(inc.get(prop), str):
            texts.append(inc[prop])
    return search_document(texts)


# Look-alike letters (Arabic alef vs Latin l, dotless i…) are what normalisation is about:
# ruff: noqa: RUF001

# Normalisation (hoggar.text.normalize): Arabic orthographic variants merged, Latin
# folded, punctuation to spaces; the cross-script consonant key of each word.

# Arabic: harakat, tanwin, shadda, sukun, superscript alef, Quranic marks.
_AR_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_AR_TABLE = str.maketrans(
    {
        "\u0640": None,  # tatweel
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ئ": "ي",
        "ؤ": "و",
        "ة": "ه",
        "ء": None,
        "ک": "ك",  # Persian forms typed on some keyboards
        "ی": "ي",
        "ې": "ي",
        "گ": "ك",
        "ڤ": "ف",  # Maghrebi v
        "ڨ": "ق",  # Maghrebi g
        "پ": "ب",
        **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic-Indic digits
        **{chr(0x06F0 + i): str(i) for i in range(10)},  # Eastern (Persian) digits
        "،": " ",
        "؛": " ",
        "؟": " ",
    }
)
_LATIN_SPECIAL = str.maketrans(
    {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ł": "l", "ı": "i", "ʼ": "'"}
)
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f]")


class _CombiningTable(dict[int, int | None]):
    """A str.translate table that drops combining marks, filled as characters are met."""

    def __missing__(self, code: int) -> int | None:
        value = None if unicodedata.combining(chr(code)) else code
        self[code] = value
        return value


_NOT_COMBINING = _CombiningTable()


def _is_arabic(text: str) -> bool:
    return bool(_ARABIC.search(text))


def _normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = _AR_DIACRITICS.sub("", text).translate(_AR_TABLE)
    # Fold Latin: decompose, drop combining marks (Arabic marks are gone already).
    text = unicodedata.normalize("NFKD", text.casefold().translate(_LATIN_SPECIAL))
    text = text.translate(_NOT_COMBINING)
    text = _NON_WORD.sub(" ", text).replace("_", " ")
    return " ".join(text.split())


@lru_cache(maxsize=16384)
def _piece_tokens(piece: str) -> tuple[str, ...]:
    return tuple(_normalize(piece).split())


_AR_ARTICLE = re.compile(r"^(?:وال|بال|فال|كال|لل|ال)(?=\w{2,})")
_AR_ARTICLE_FIRST = frozenset("وبفكلا")

_AR_SKELETON = {
    "ب": "b",
    "ت": "t",
    "ث": "t",
    "ط": "t",
    "ج": "j",
    "ح": "",
    "ه": "",
    "خ": "k",
    "ق": "k",
    "ك": "k",
    "غ": "k",
    "د": "d",
    "ذ": "d",
    "ض": "d",
    "ر": "r",
    "ز": "s",
    "ظ": "s",
    "س": "s",
    "ش": "s",
    "ص": "s",
    "ع": "",
    "ف": "f",
    "ل": "l",
    "م": "m",
    "ن": "n",
    "و": "",
    "ي": "",
    "ا": "",
}
# Latin: longest sequences first; every vowel, h, w and y is dropped.
_LATIN_RULES = [
    ("tch", "s"),
    ("dj", "j"),
    ("dz", "s"),
    ("sh", "s"),
    ("ch", "s"),
    ("kh", "k"),
    ("gh", "k"),
    ("th", "t"),
    ("dh", "d"),
    ("ph", "f"),
    ("ck", "k"),
    ("qu", "k"),
    ("gu", "k"),
    ("x", "ks"),
]
_LATIN_SINGLE = {
    "q": "k",
    "g": "k",
    "c": "k",
    "v": "f",
    "z": "s",
    "p": "b",
    "e": "",
    "a": "",
    "i": "",
    "o": "",
    "u": "",
    "y": "",
    "w": "",
    "h": "",
    "'": "",
}
_LATIN_RE = re.compile("|".join(re.escape(a) for a, _ in _LATIN_RULES))
_LATIN_MAP = dict(_LATIN_RULES)


def _latin_skeleton(word: str) -> str:
    # French soft c and g: "ce", "ci" sound s; "ge", "gi" sound j.
    word = re.sub(r"c(?=[eiy])", "s", word)
    word = re.sub(r"g(?=[ei])", "j", word)
    word = _LATIN_RE.sub(lambda m: _LATIN_MAP[m.group(0)], word)
    return "".join(_LATIN_SINGLE.get(c, c) for c in word)


@lru_cache(maxsize=65536)
def _word_skeleton(word: str) -> str:
    """The consonant key of one normalised word ('' when it has no consonant)."""
    if _is_arabic(word):
        raw = "".join(_AR_SKELETON.get(c, c if c.isdigit() else "") for c in word)
    else:
        raw = _latin_skeleton(word)
    out: list[str] = []
    for c in raw:
        if not out or out[-1] != c:  # doubled letters count once (Tamanrasset)
            out.append(c)
    return "".join(out)


_SKELETON_PREFIX = "zq"  # marks key tokens in search documents; no word starts with it


def search_document(texts: list[str]) -> str:
    """Normalised words (articles kept and removed), then the cross-script key of each
    word, prefixed `zq`."""
    words: dict[str, None] = {}
    keys: dict[str, None] = {}
    for text in texts:
        for piece in text.split():
            for word in _piece_tokens(piece):
                if word not in words:
                    entries, entry_keys = _document_entries(word)
                    for entry in entries:
                        words[entry] = None
                    for key in entry_keys:
                        keys[key] = None
    return " ".join([*words, *keys])


@lru_cache(maxsize=16384)
def _document_entries(word: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A word's entries in a search document: itself and, for an Arabic word with the
    article, the bare word; the cross-script key of each (of two letters or more)."""
    entries = {word: None}
    if word[0] in _AR_ARTICLE_FIRST:  # the article pattern only matches Arabic words
        entries[_AR_ARTICLE.sub("", word)] = None
    keys = {_SKELETON_PREFIX + k: None for w in entries if len(k := _word_skeleton(w)) >= 2}
    return tuple(entries), tuple(keys)


def upgrade() -> None:
    bind = op.get_bind()
    # Recompute every search text with the Arabic/Latin normalisation and the
    # cross-script keys (before the triggers exist: the FTS index is built once below).
    rows = bind.execute(
        sa.text(
            "SELECT i.stix_id, v.body FROM stix_index i JOIN stix_versions v ON v.pk = i.version_pk"
        )
    )
    update = sa.text("UPDATE stix_index SET search_text = :text WHERE stix_id = :id")
    batch: list[dict[str, str]] = []
    for stix_id, body in rows.fetchall():
        batch.append({"id": stix_id, "text": search_text(json.loads(body))})
        if len(batch) >= 2000:
            bind.execute(update, batch)
            batch = []
    if batch:
        bind.execute(update, batch)
    if bind.dialect.name == "sqlite":
        op.execute(SQLITE_DDL[0])
        op.execute("INSERT INTO stix_fts(stix_fts) VALUES ('rebuild')")
        for statement in SQLITE_DDL[1:]:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        for statement in POSTGRESQL_DDL:
            op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    for statement in SQLITE_DROP if bind.dialect.name == "sqlite" else POSTGRESQL_DROP:
        op.execute(statement)
