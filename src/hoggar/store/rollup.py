"""Monthly counts of incidents, for counts and aggregates over long periods.

A dashboard for a year of a million-record node would otherwise read every incident
of the year (tens of thousands of rows, each checked against the rule). `stix_monthly`
holds, per UTC calendar month, the number and casualty sums of the current, unrevoked
incidents that share originator, release-set marking, event type and country (a day
or a sub-type in the key would make nearly one group per incident). It is kept by
database triggers on `stix_index` (migration 0011), so every write path —
import, sync, edit, revoke, delete, rebuild — keeps it true without knowing it.

Releasability: every incident of a group has the same originator and the same release
set, so the rule gives the same answer for all of them; a reader's figures are the
sums over the groups whose (originator, release set) `may_read` accepts — the same
rule function, over the release sets of the stored markings. Anything a group cannot
answer (text, area, armed group, sub-types, TLP or marking filters, ids, revoked
records) and the partial months at either end of a period are read from the incident
rows as before;
events counted once (`fused_once`) subtract the few reports marked duplicates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, func, literal, or_, select
from sqlalchemy.orm import Session

from hoggar.context import Principal
from hoggar.sharing.rule import may_read
from hoggar.stix.models import MonthlyCount, ObjectVersion, VersionRelease

if TYPE_CHECKING:
    from hoggar.store.filters import ObjectFilter

KEYS: dict[str, Any] = {
    "type": literal("incident"),
    "country": MonthlyCount.country,
    "originator": MonthlyCount.originator_id,
    "event_type": MonthlyCount.event_type,
}
MEASURES = ("killed", "wounded", "kidnapped")
Sums = dict[Any, list[int]]  # key -> [count, killed, wounded, kidnapped]


def answers(flt: ObjectFilter, group_by: str | None = None) -> bool:
    """Can the monthly counts answer this filter (the rest needs the incident rows)?"""
    return (
        tuple(flt.types) == ("incident",)
        and (group_by is None or group_by in KEYS)
        and not (
            flt.ids
            or flt.sub_types
            or flt.tlp
            or flt.marking
            or flt.added_after
            or flt.modified_after
            or flt.modified_before
            or flt.text
            or flt.group
            or flt.bbox
            or flt.include_revoked
        )
    )


def _release_sets(session: Session) -> dict[str, frozenset[str]]:
    """Members of every release-set marking as this node knows them: the marking's own
    release rows (for a sealed set, what this node could open)."""
    rows = session.execute(
        select(ObjectVersion.stix_id, VersionRelease.org_id)
        .outerjoin(VersionRelease, VersionRelease.version_pk == ObjectVersion.pk)
        .where(
            ObjectVersion.is_current.is_(True),
            ObjectVersion.stix_type == "marking-definition",
            ObjectVersion.release_marking_id == ObjectVersion.stix_id,
        )
    ).all()
    members: dict[str, set[str]] = {}
    for stix_id, org_id in rows:
        members.setdefault(stix_id, set())
        if org_id is not None:
            members[stix_id].add(org_id)
    return {k: frozenset(v) for k, v in members.items()}


def _readable(org_id: str, sets: Mapping[str, frozenset[str]]) -> ColumnElement[bool]:
    """Groups `org_id` may read: its own, and those whose release set names it.

    `may_read(org, originator, members)` is true when org is the originator or a
    member; for a group of another originator only membership can make it true."""
    markings = [m for m, members in sets.items() if may_read(org_id, "", members)]
    return or_(MonthlyCount.originator_id == org_id, MonthlyCount.release_marking_id.in_(markings))


def _month(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m")


def _month_start(ts: datetime) -> datetime:
    ts = ts.astimezone(UTC)
    return datetime(ts.year, ts.month, 1, tzinfo=UTC)


def _next_month(ts: datetime) -> datetime:
    return datetime(ts.year + ts.month // 12, ts.month % 12 + 1, 1, tzinfo=UTC)


def _whole_months(flt: ObjectFilter) -> tuple[datetime | None, datetime | None] | None:
    """The part of the filter's period made of whole UTC months, or None if there is none."""
    lo, hi = flt.start_after, flt.start_before
    if lo is not None and lo != _month_start(lo):
        lo = _next_month(_month_start(lo))
    if hi is not None:
        hi = _month_start(hi)
    if lo is not None and hi is not None and lo >= hi:
        return None
    return lo, hi


def _from_groups(
    session: Session,
    principal: Principal,
    flt: ObjectFilter,
    key: Any,
    lo: datetime | None,
    hi: datetime | None,
) -> Sums:
    sets = _release_sets(session)
    conditions = [_readable(principal.org_id, sets)]
    if flt.also_readable_by and flt.also_readable_by != principal.org_id:
        conditions.append(_readable(flt.also_readable_by, sets))
    if lo is not None:
        conditions.append(MonthlyCount.month >= _month(lo))
    if hi is not None:
        conditions.append(MonthlyCount.month < _month(hi))
    if flt.start_after is not None or flt.start_before is not None:
        conditions.append(MonthlyCount.month != "")  # unknown dates are outside any period
    if flt.country:
        conditions.append(MonthlyCount.country == flt.country.upper())
    if flt.countries:
        conditions.append(MonthlyCount.country.in_([c.upper() for c in flt.countries]))
    if flt.event_type:
        conditions.append(MonthlyCount.event_type == flt.event_type)
    if flt.originator:
        conditions.append(MonthlyCount.originator_id == flt.originator)
    if flt.not_originator:
        conditions.append(MonthlyCount.originator_id != flt.not_originator)
    stmt = (
        select(
            key.label("key"),
            func.sum(MonthlyCount.n),
            func.sum(MonthlyCount.killed),
            func.sum(MonthlyCount.wounded),
            func.sum(MonthlyCount.kidnapped),
        )
        .where(and_(*conditions))
        .group_by(key)
    )
    return {
        (r[0] if r[0] != "" else None): [int(v or 0) for v in r[1:]] for r in session.execute(stmt)
    }


def aggregate(
    session: Session, principal: Principal, flt: ObjectFilter, group_by: str
) -> list[dict[str, Any]] | None:
    """The same figures as `aggregates.aggregate` from the monthly counts, or None when
    they cannot answer (the caller then reads the incident rows)."""
    from hoggar.store.aggregates import row_aggregate

    if not answers(flt, group_by):
        return None
    months = _whole_months(flt)
    if months is None:
        return None
    lo, hi = months
    totals = _from_groups(session, principal, flt, KEYS[group_by], lo, hi)

    def add(rows: list[dict[str, Any]], sign: int) -> None:
        for r in rows:
            acc = totals.setdefault(r["key"], [0, 0, 0, 0])
            for n, name in enumerate(("count", *MEASURES)):
                acc[n] += sign * r[name]

    # The partial months at either end, from the incident rows.
    if lo is not None and flt.start_after is not None and flt.start_after < lo:
        add(row_aggregate(session, principal, replace(flt, start_before=lo), group_by), 1)
    if hi is not None and flt.start_before is not None and hi < flt.start_before:
        add(row_aggregate(session, principal, replace(flt, start_after=hi), group_by), 1)
    if flt.fused_once:  # the groups count every report; take the duplicates back out
        whole = replace(flt, start_after=lo, start_before=hi, fused_once=False)
        add(row_aggregate(session, principal, whole, group_by, only_duplicates=True), -1)
    out = [
        {"key": k, "count": v[0], "killed": v[1], "wounded": v[2], "kidnapped": v[3]}
        for k, v in totals.items()
        if v[0] > 0
    ]
    out.sort(key=lambda g: (-g["count"], g["key"] is None, str(g["key"])))
    return out


def count(session: Session, principal: Principal, flt: ObjectFilter) -> int | None:
    groups = aggregate(session, principal, flt, "type")
    return None if groups is None else sum(g["count"] for g in groups)


# The triggers that keep the counts, as migration 0011 made them (it keeps its own copy).

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


SQLITE_DDL = [
    "CREATE TRIGGER stix_monthly_ai AFTER INSERT ON stix_index "
    f"WHEN {_counted('new', '0')} BEGIN {_sqlite_add('new')} END",
    "CREATE TRIGGER stix_monthly_ad AFTER DELETE ON stix_index "
    f"WHEN {_counted('old', '0')} BEGIN {_sqlite_remove('old')} END",
    "CREATE TRIGGER stix_monthly_au_old AFTER UPDATE ON stix_index "
    f"WHEN {_counted('old', '0')} BEGIN {_sqlite_remove('old')} END",
    "CREATE TRIGGER stix_monthly_au_new AFTER UPDATE ON stix_index "
    f"WHEN {_counted('new', '0')} BEGIN {_sqlite_add('new')} END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS stix_monthly_au_new",
    "DROP TRIGGER IF EXISTS stix_monthly_au_old",
    "DROP TRIGGER IF EXISTS stix_monthly_ad",
    "DROP TRIGGER IF EXISTS stix_monthly_ai",
]


_PG_MONTH = "coalesce(to_char(r.start_at AT TIME ZONE 'UTC', 'YYYY-MM'), '')"


def _pg_grouped(table: str, sign: str) -> str:
    """One INSERT … SELECT … GROUP BY over a transition table (statement triggers:
    a batch of 1,000 rows costs one statement, not 1,000)."""
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


POSTGRESQL_DDL = [
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
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS stix_monthly_au ON stix_index",
    "DROP TRIGGER IF EXISTS stix_monthly_ad ON stix_index",
    "DROP TRIGGER IF EXISTS stix_monthly_ai ON stix_index",
    "DROP FUNCTION IF EXISTS stix_monthly_apply()",
]

# Fill the counts from the index as it stands (migration, `hoggar projections rebuild`).
FILL = (
    f"INSERT INTO stix_monthly ({_COLUMNS}, {_MEASURE_COLUMNS}) "  # noqa: S608 (constants)
    "SELECT {month}, r.originator_id, coalesce(r.release_marking_id, ''), "
    "coalesce(r.event_type, ''), coalesce(r.country, ''), "
    "count(*), sum(coalesce(r.killed, 0)), sum(coalesce(r.wounded, 0)), "
    "sum(coalesce(r.kidnapped, 0)), sum(coalesce(r.released, 0)) "
    "FROM stix_index r WHERE {counted} GROUP BY 1, 2, 3, 4, 5"
)


def fill_statement(dialect: str) -> str:
    if dialect == "sqlite":
        month = "coalesce(substr(r.start_at, 1, 7), '')"
        return FILL.format(month=month, counted=_counted("r", "0"))
    return FILL.format(month=_PG_MONTH, counted=_counted("r", "false"))
