"""FROZEN as of revision 0011 (2026-12-02): the monthly incident counts' triggers and fill.

NEVER CHANGE THIS MODULE: migrations 0011 (which creates `stix_monthly`) and 0014 (which
drops the triggers while it backfills the index and creates them again) run it, and a
migration must do what it did when it was written. A revision that changes the
triggers carries its own SQL. Copied from `hoggar.stix.rollup` (today
`hoggar.store.rollup`, which says what the counts are); imports nothing from the live
code.
"""

from __future__ import annotations

_COLUMNS = "month, originator_id, release_marking_id, event_type, country"
_MEASURE_COLUMNS = "n, killed, wounded, kidnapped, released"


def _sqlite_values(row: str) -> str:
    return (
        f"coalesce(substr({row}.start_at, 1, 7), ''), {row}.originator_id, "
        f"coalesce({row}.release_marking_id, ''), coalesce({row}.event_type, ''), "
        f"coalesce({row}.country, '')"
    )


def _counted(row: str, false: str) -> str:
    return f"{row}.stix_type = 'incident' AND {row}.revoked = {false}"


def _sqlite_add(row: str) -> str:
    return (
        f"INSERT INTO stix_monthly ({_COLUMNS}, {_MEASURE_COLUMNS}) "  # noqa: S608 (constants)
        f"VALUES ({_sqlite_values(row)}, "
        f"1, coalesce({row}.killed, 0), coalesce({row}.wounded, 0), "
        f"coalesce({row}.kidnapped, 0), coalesce({row}.released, 0)) "
        f"ON CONFLICT ({_COLUMNS}) DO UPDATE SET n = n + 1, killed = killed + excluded.killed, "
        "wounded = wounded + excluded.wounded, kidnapped = kidnapped + excluded.kidnapped, "
        "released = released + excluded.released;"
    )


def _sqlite_remove(row: str) -> str:
    return (
        "UPDATE stix_monthly SET n = n - 1, "  # noqa: S608 (constants)
        f"killed = killed - coalesce({row}.killed, 0), "
        f"wounded = wounded - coalesce({row}.wounded, 0), "
        f"kidnapped = kidnapped - coalesce({row}.kidnapped, 0), "
        f"released = released - coalesce({row}.released, 0) "
        f"WHERE ({_COLUMNS}) = ({_sqlite_values(row)});"
    )


SQLITE_DDL = (
    "CREATE TRIGGER stix_monthly_ai AFTER INSERT ON stix_index "
    f"WHEN {_counted('new', '0')} BEGIN {_sqlite_add('new')} END",
    "CREATE TRIGGER stix_monthly_ad AFTER DELETE ON stix_index "
    f"WHEN {_counted('old', '0')} BEGIN {_sqlite_remove('old')} END",
    "CREATE TRIGGER stix_monthly_au_old AFTER UPDATE ON stix_index "
    f"WHEN {_counted('old', '0')} BEGIN {_sqlite_remove('old')} END",
    "CREATE TRIGGER stix_monthly_au_new AFTER UPDATE ON stix_index "
    f"WHEN {_counted('new', '0')} BEGIN {_sqlite_add('new')} END",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS stix_monthly_au_new",
    "DROP TRIGGER IF EXISTS stix_monthly_au_old",
    "DROP TRIGGER IF EXISTS stix_monthly_ad",
    "DROP TRIGGER IF EXISTS stix_monthly_ai",
)


_PG_MONTH = "coalesce(to_char(r.start_at AT TIME ZONE 'UTC', 'YYYY-MM'), '')"


def _pg_grouped(table: str, sign: str) -> str:
    """One INSERT … SELECT … GROUP BY over a transition table (statement triggers)."""
    return (
        f"INSERT INTO stix_monthly ({_COLUMNS}, {_MEASURE_COLUMNS}) "  # noqa: S608 (constants)
        f"SELECT {_PG_MONTH}, r.originator_id, "
        "coalesce(r.release_marking_id, ''), coalesce(r.event_type, ''), "
        "coalesce(r.country, ''), "
        f"{sign}count(*), {sign}sum(coalesce(r.killed, 0)), {sign}sum(coalesce(r.wounded, 0)), "
        f"{sign}sum(coalesce(r.kidnapped, 0)), {sign}sum(coalesce(r.released, 0)) "
        f"FROM {table} r WHERE {_counted('r', 'false')} GROUP BY 1, 2, 3, 4, 5 "
        f"ON CONFLICT ({_COLUMNS}) DO UPDATE SET n = stix_monthly.n + excluded.n, "
        "killed = stix_monthly.killed + excluded.killed, "
        "wounded = stix_monthly.wounded + excluded.wounded, "
        "kidnapped = stix_monthly.kidnapped + excluded.kidnapped, "
        "released = stix_monthly.released + excluded.released;"
    )


POSTGRESQL_DDL = (
    "CREATE FUNCTION stix_monthly_apply() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"IF TG_OP IN ('DELETE', 'UPDATE') THEN {_pg_grouped('old_rows', '-')} END IF; "
    f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {_pg_grouped('new_rows', '')} END IF; "
    "RETURN NULL; END $$",
    "CREATE TRIGGER stix_monthly_ai AFTER INSERT ON stix_index REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION stix_monthly_apply()",
    "CREATE TRIGGER stix_monthly_ad AFTER DELETE ON stix_index REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION stix_monthly_apply()",
    "CREATE TRIGGER stix_monthly_au AFTER UPDATE ON stix_index "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION stix_monthly_apply()",
)
POSTGRESQL_DROP = (
    "DROP TRIGGER IF EXISTS stix_monthly_au ON stix_index",
    "DROP TRIGGER IF EXISTS stix_monthly_ad ON stix_index",
    "DROP TRIGGER IF EXISTS stix_monthly_ai ON stix_index",
    "DROP FUNCTION IF EXISTS stix_monthly_apply()",
)

_FILL = (
    f"INSERT INTO stix_monthly ({_COLUMNS}, {_MEASURE_COLUMNS}) "  # noqa: S608 (constants)
    "SELECT {month}, r.originator_id, coalesce(r.release_marking_id, ''), "
    "coalesce(r.event_type, ''), coalesce(r.country, ''), "
    "count(*), sum(coalesce(r.killed, 0)), sum(coalesce(r.wounded, 0)), "
    "sum(coalesce(r.kidnapped, 0)), sum(coalesce(r.released, 0)) "
    "FROM stix_index r WHERE {counted} GROUP BY 1, 2, 3, 4, 5"
)


def ddl(dialect: str) -> tuple[str, ...]:
    """The trigger (and, on PostgreSQL, function) definitions."""
    return SQLITE_DDL if dialect == "sqlite" else POSTGRESQL_DDL


def drop(dialect: str) -> tuple[str, ...]:
    return SQLITE_DROP if dialect == "sqlite" else POSTGRESQL_DROP


def fill_statement(dialect: str) -> str:
    """Counts from the index as it stands."""
    if dialect == "sqlite":
        month = "coalesce(substr(r.start_at, 1, 7), '')"
        return _FILL.format(month=month, counted=_counted("r", "0"))
    return _FILL.format(month=_PG_MONTH, counted=_counted("r", "false"))
