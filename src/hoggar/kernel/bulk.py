"""Many rows into one table through the database driver's own `executemany`.

`session.execute(table.insert(), rows)` builds and converts each row's parameters in
Python (for a bulk import of a million objects, SQLAlchemy's per-row parameter
handling cost as much as SQLite's inserting). Here the statement is compiled once per
engine and table, each column's conversion is taken once from its SQLAlchemy type
(so the stored values are exactly those the ORM stores: UTC timestamps, booleans) and
applied only to the columns that have one, and the driver gets plain tuples.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session


@lru_cache(maxsize=64)
def _plan(
    dialect: Dialect, table: Table, columns: tuple[str, ...]
) -> tuple[str, list[tuple[int, Callable[[Any], Any]]]]:
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    prep = dialect.identifier_preparer
    sql = (
        f"INSERT INTO {prep.format_table(table)} "  # noqa: S608 (names from the schema)
        f"({', '.join(prep.quote(c) for c in columns)}) "
        f"VALUES ({', '.join(mark for _ in columns)})"
    )
    converters: list[tuple[int, Callable[[Any], Any]]] = []
    for i, name in enumerate(columns):
        process: Any = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            converters.append((i, process))
    return sql, converters


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows (mappings with the same keys, the table's column names)."""
    if not rows:
        return
    columns = tuple(rows[0])
    conn = session.connection()
    sql, converters = _plan(conn.dialect, table, columns)
    values = itemgetter(*columns) if len(columns) > 1 else (lambda r: (r[columns[0]],))
    params: list[Any] = [values(r) for r in rows]
    if converters:
        for n, row in enumerate(params):
            converted = list(row)
            for i, process in converters:
                converted[i] = process(converted[i])
            params[n] = tuple(converted)
    conn.exec_driver_sql(sql, params)
