"""Full-text search over the index, the same interface on SQLite and PostgreSQL.

Each current object's `search_text` (built by `hoggar.text.normalize.search_document`)
holds its normalised words and their cross-script keys. A query matches an object when
every word of the query is the beginning of one of its words, or has the same
cross-script key as one of them: "tamanrasset", "Tamanghasset" and "تمنراست" find each
other. SQLite answers from an FTS5 table kept in step with `stix_index`: new rows are
added to it a batch at a time by `index_new_rows` (migration 0010 replaced the
per-row insert trigger, which cost three quarters of a bulk import), updates and
deletions by triggers;
PostgreSQL from a GIN index on the stored column `search_vector` =
`to_tsvector('simple', search_text)` (migrations 0005 and 0008).
Both are only conditions: the releasability rule and every other filter still apply.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import NullType

from hoggar.text.normalize import SKELETON_PREFIX, is_arabic, strip_articles, tokens, word_skeleton

MAX_TERMS = 12


def query_terms(text: str) -> list[list[tuple[str, bool]]]:
    """For each query word, its alternatives as (term, is_prefix)."""
    out: list[list[tuple[str, bool]]] = []
    for word in tokens(text)[:MAX_TERMS]:
        alternatives: dict[tuple[str, bool], None] = {(word, True): None}
        bare = strip_articles([word])[0]
        if bare != word:
            alternatives[(bare, True)] = None
        key = word_skeleton(bare)
        if len(key) >= 3 or (is_arabic(word) and len(key) >= 2):
            # A key of three consonants or more also matches as a beginning (a word
            # being typed: "tamanr" finds تمنراست).
            alternatives[(SKELETON_PREFIX + key, len(key) >= 3)] = None
        out.append(list(alternatives))
    return out


def fts5_query(text: str) -> str:
    return " AND ".join(
        "(" + " OR ".join(f'"{t}"' + ("*" if prefix else "") for t, prefix in alts) + ")"
        for alts in query_terms(text)
    )


def tsquery(text: str) -> str:
    return " & ".join(
        "(" + " | ".join(f"'{t}'" + (":*" if prefix else "") for t, prefix in alts) + ")"
        for alts in query_terms(text)
    )


class TextMatch(ColumnElement[Any]):
    """Object versions whose index text matches `query` (compiled per database engine).

    Written as `stix_versions.pk IN (ids from the text index)` so that both engines
    start from the few matching rows instead of testing every row against the index.
    Untyped on purpose: a Boolean type would make SQLite append "= 1" and lose the plan.
    """

    inherit_cache = False
    type = NullType()

    def __init__(self, query: str) -> None:
        self.query = query


@compiles(TextMatch, "sqlite")
def _sqlite(element: TextMatch, compiler: Any, **kw: Any) -> str:
    param: Any = bindparam("fts_query", fts5_query(element.query), unique=True)
    placeholder = compiler.process(param, **kw)  # a bound parameter, never the text itself
    return (
        "stix_versions.pk IN (SELECT i.version_pk FROM stix_index AS i WHERE i.rowid IN "  # noqa: S608 (placeholder is a bound parameter)
        f"(SELECT rowid FROM stix_fts WHERE stix_fts MATCH {placeholder}))"
    )


@compiles(TextMatch, "postgresql")
def _postgresql(element: TextMatch, compiler: Any, **kw: Any) -> str:
    param: Any = bindparam("ts_query", tsquery(element.query), unique=True)
    placeholder = compiler.process(param, **kw)
    # OFFSET 0 keeps the planner from pulling the match into the outer query: it
    # otherwise walked the whole table newest first testing each row's vector, hoping
    # to meet 50 matches soon — 0.9-1.5 s at a million for a rare name (the GIN index
    # is always the better start: 260 -> 26 ms at 300,000 objects, common names
    # 5 -> 15 ms).
    return (
        "stix_versions.pk IN (SELECT m.version_pk FROM (SELECT i.version_pk "  # noqa: S608
        f"FROM stix_index AS i WHERE i.search_vector @@ to_tsquery('simple', {placeholder}) "
        "OFFSET 0) AS m)"
    )


def text_matches(query: str) -> ColumnElement[Any]:
    return TextMatch(query)


def index_new_rows(session: Session, stix_ids: list[str]) -> None:
    """Add the just-inserted index rows of these objects to SQLite's FTS5 table.

    Every writer of `stix_index` calls it after inserting (PostgreSQL needs nothing:
    its vector is a generated column). One INSERT … SELECT per 500 rows.
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    for start in range(0, len(stix_ids), 500):
        chunk = stix_ids[start : start + 500]
        marks = ", ".join(f":i{n}" for n in range(len(chunk)))
        session.execute(
            text(
                "INSERT INTO stix_fts(rowid, search_text) "  # noqa: S608 (placeholders only)
                f"SELECT rowid, search_text FROM stix_index WHERE stix_id IN ({marks})"
            ),
            {f"i{n}": v for n, v in enumerate(chunk)},
        )


# DDL for `hoggar projections rebuild` (the migrations keep their own frozen copies).

SQLITE_DDL = [
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
]
# Migration 0010 drops the insert trigger (rows are indexed by `index_new_rows`).
SQLITE_INSERT_TRIGGER = SQLITE_DDL[1]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS stix_index_fts_au",
    "DROP TRIGGER IF EXISTS stix_index_fts_ad",
    "DROP TRIGGER IF EXISTS stix_index_fts_ai",
    "DROP TABLE IF EXISTS stix_fts",
]
POSTGRESQL_DDL = [
    "CREATE INDEX IF NOT EXISTS ix_stix_index_fts ON stix_index "
    "USING gin (to_tsvector('simple', search_text))",
]
POSTGRESQL_DROP = ["DROP INDEX IF EXISTS ix_stix_index_fts"]
# Since migration 0008: the vector is a stored generated column (see that migration).
POSTGRESQL_VECTOR_DDL = [
    "ALTER TABLE stix_index ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED",
    "CREATE INDEX IF NOT EXISTS ix_stix_index_fts ON stix_index USING gin (search_vector)",
]
