"""Migrations on data: a node created at revision 0001 and upgraded to head holds what
today's code computes for the same objects (links, search documents, monthly counts,
incident facts), and its schema is that of a node created at head.

The rows at 0001 are written with plain SQL in 0001's schema, as that revision's store
wrote them (its search text was the case-folded text, before normalisation).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from conftest import MALI_ID, create_pg_database, drop_pg_database
from factories import member_key, member_signer
from hoggar.context import Principal, Role
from hoggar.kernel.db import Database
from hoggar.kernel.signing import key_id
from hoggar.node import migrate
from hoggar.sharing.markings import TLP, TLP2_IDS, ReleaseSet
from hoggar.stix.extensions import INCIDENT_EXTENSION_ID, NAMES_EXTENSION_ID
from hoggar.stix.types.incident import IncidentFacts
from hoggar.store import aggregates, queries
from hoggar.store.check import Checked, check
from hoggar.store.filters import ObjectFilter
from hoggar.store.projections import incident_facts, project, project_links

ALGERIA_ID = "identity--0d3c6a52-8f1e-4b7a-9e25-6c4b1f0a7d31"
NIGER_ID = "identity--6e2a9c47-1b5d-4f03-8a6e-2d9f7c1b4e58"
LOCATION_ID = "location--3f8e1c2a-5b7d-4e9f-8a1c-6d2e4b7f9a03"
GROUP_ID = "intrusion-set--8b1d3e5f-7a9c-4b2e-9d4f-1a3c5e7b9d20"
AMBUSH_ID = "incident--1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"  # Tamanrasset, two versions
CLASH_ID = "incident--2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"  # In Salah, same group
MENAKA_ID = "incident--3c4d5e6f-7a8b-4c9d-8e1f-2a3b4c5d6e7f"  # Mali's, signed
REVOKED_ID = "incident--4d5e6f7a-8b9c-4d0e-9f1a-3b4c5d6e7f80"
BARE_ID = "incident--5e6f7a8b-9c0d-4e1f-8a2b-4c5d6e7f8091"  # no extension
RELATIONSHIP_ID = "relationship--6f7a8b9c-0d1e-4f2a-9b3c-5d6e7f809102"
REPORT_ID = "report--7a8b9c0d-1e2f-4a3b-8c4d-6e7f80910213"

ALGERIA_RELEASE = ReleaseSet(creator=ALGERIA_ID, members=frozenset({MALI_ID}))
MALI_RELEASE = ReleaseSet(creator=MALI_ID, members=frozenset({ALGERIA_ID}))
ADDED = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)

# 0001's tables: the columns it had, nothing added since.
VERSION_COLUMNS = (
    "stix_id, stix_type, version_key, spec_version, body, originator_id, tlp, "
    "release_marking_id, is_current, revoked, created_at, modified_at, added_at, "
    "signer_key_id, received_via"
)
INDEX_COLUMNS = (
    "stix_id, version_pk, stix_type, originator_id, name, search_text, lang, country, "
    "event_type, sub_type, start_at, end_at, lat, lon, killed, wounded, kidnapped, "
    "released, modified_at, revoked"
)
DATETIMES = ("created_at", "modified_at", "added_at", "start_at", "end_at")


def _insert(conn: sa.Connection, table: str, columns: str, row: Mapping[str, Any]) -> Any:
    """One row with plain SQL; datetimes bound as the store binds them (UTCDateTime)."""
    names = [c.strip() for c in columns.split(",")]
    stmt = sa.text(
        f"INSERT INTO {table} ({columns}) VALUES ({', '.join(':' + n for n in names)})"
        + (" RETURNING pk" if table == "stix_versions" else "")
    ).bindparams(
        *(sa.bindparam(n, type_=sa.DateTime(timezone=True)) for n in names if n in DATETIMES)
    )
    result = conn.execute(stmt, {n: row[n] for n in names})
    return result.scalar_one() if table == "stix_versions" else None


def _fold_text_0001(texts: list[str]) -> str:
    """The search text revision 0001's store wrote (case-folded, not normalised)."""
    return " ".join(" ".join(texts).casefold().split())


def _texts(obj: Mapping[str, Any]) -> list[str]:
    props = ("name", "description", "content", "abstract", "explanation", "opinion", "context")
    exts = obj.get("extensions") or {}
    inc = exts.get(INCIDENT_EXTENSION_ID) or {}
    names = exts.get(NAMES_EXTENSION_ID) or {}
    out = [obj[p] for p in props if isinstance(obj.get(p), str)]
    out += [a for a in obj.get("aliases") or [] if isinstance(a, str)]
    out += [n["value"] for n in names.get("names") or []]
    return out + [inc[p] for p in ("narrative", "place_name") if isinstance(inc.get(p), str)]


def _common(originator: str, created: str, modified: str | None = None) -> dict[str, Any]:
    out = {"spec_version": "2.1", "created": created, "created_by_ref": originator}
    if modified is not None:
        out["modified"] = modified
    return out


def _identity(stix_id: str, name: str, country: str, arabic: str) -> dict[str, Any]:
    ts = "2025-01-10T09:00:00.000Z"
    return {
        "type": "identity",
        "id": stix_id,
        **_common(stix_id, ts, ts),
        "name": name,
        "identity_class": "organization",
        "sectors": ["defense"],
        "description": f"Member organization ({country})",
        "extensions": {
            NAMES_EXTENSION_ID: {
                "extension_type": "property-extension",
                "names": [{"lang": "ar", "value": arabic}],
                "country": country,
            }
        },
    }


def _incident(
    stix_id: str,
    originator: str,
    name: str,
    modified: str,
    markings: list[str],
    ext: dict[str, Any] | None,
    **props: Any,
) -> dict[str, Any]:
    obj = {
        "type": "incident",
        "id": stix_id,
        **_common(originator, "2025-02-15T09:00:00.000Z", modified),
        "name": name,
        "object_marking_refs": markings,
        **props,
    }
    if ext is not None:
        obj["extensions"] = {
            INCIDENT_EXTENSION_ID: {
                "extension_type": "property-extension",
                "time_precision": "hour",
                "geo_precision": "town",
                "source_reliability": "B",
                "information_credibility": 2,
                **ext,
            }
        }
    return obj


def _ambush(modified: str, **changes: Any) -> dict[str, Any]:
    ext = {
        "event_type": "battle",
        "sub_type": "ambush",
        "start_time": "2025-03-01T06:30:00.000Z",
        "country": "DZ",
        "admin1": "Tamanrasset",
        "place_name": "تمنراست",
        "latitude": 22.785,
        "longitude": 5.5228,
        "location_refs": [LOCATION_ID],
        "actor_refs": [GROUP_ID],
        "killed": 4,
        "wounded": 3,
        "kidnapped": 1,
        "narrative": "Une patrouille a été prise dans une embuscade au nord de la ville.",
        "narrative_lang": "fr",
        **changes,
    }
    markings = [TLP2_IDS[TLP.AMBER], ALGERIA_RELEASE.marking_id]
    return _incident(
        AMBUSH_ID, ALGERIA_ID, "Embuscade contre une patrouille", modified, markings, ext
    )


# (object, signed by its originator, is current, received via)
def _objects() -> list[tuple[dict[str, Any], bool, bool, str]]:
    dz_shared = [TLP2_IDS[TLP.AMBER], ALGERIA_RELEASE.marking_id]
    mali = member_signer(MALI_ID)
    location = {
        "type": "location",
        "id": LOCATION_ID,
        **_common(ALGERIA_ID, "2025-01-12T08:00:00.000Z", "2025-01-12T08:00:00.000Z"),
        "name": "Tamanrasset",
        "country": "DZ",
        "region": "northern-africa",
        "latitude": 22.785,
        "longitude": 5.5228,
        "object_marking_refs": [TLP2_IDS[TLP.GREEN], ALGERIA_RELEASE.marking_id],
        "extensions": {
            NAMES_EXTENSION_ID: {
                "extension_type": "property-extension",
                "names": [
                    {"lang": "ar", "value": "تمنراست"},
                    {"lang": "fr", "value": "Tamanrasset"},
                    {"lang": "und", "value": "Tamanghasset"},
                ],
                "country": "DZ",
            }
        },
    }
    group = {
        "type": "intrusion-set",
        "id": GROUP_ID,
        **_common(ALGERIA_ID, "2025-01-12T08:05:00.000Z", "2025-01-12T08:05:00.000Z"),
        "name": "AQMI",
        "aliases": ["Al-Qaïda au Maghreb islamique", "تنظيم القاعدة في بلاد المغرب الإسلامي"],
        "object_marking_refs": dz_shared,
    }
    seized = [
        {"item": "kalashnikov rifles", "quantity": 4, "unit": "units"},
        {"item": "explosives", "quantity": 12.5, "unit": "kg"},
    ]
    clash = _incident(
        CLASH_ID,
        ALGERIA_ID,
        "Accrochage à In Salah",
        "2025-04-01T07:00:00.000Z",
        dz_shared,
        {
            "event_type": "battle",
            "sub_type": "armed_clash",
            "start_time": "2025-03-31T23:30:00.000Z",
            "country": "DZ",
            "admin1": "In Salah",
            "place_name": "In Salah",
            "latitude": 27.197,
            "longitude": 2.467,
            "killed": 1,
            "wounded": 2,
        },
    )
    menaka = _incident(
        MENAKA_ID,
        MALI_ID,
        "Affrontement près de Ménaka",
        "2025-02-15T10:00:00.000Z",
        [TLP2_IDS[TLP.GREEN], MALI_RELEASE.marking_id],
        {
            "event_type": "battle",
            "sub_type": "armed_clash",
            "start_time": "2025-02-14T16:00:00.000Z",
            "country": "ML",
            "admin1": "Ménaka",
            "place_name": "Ménaka",
            "latitude": 15.918,
            "longitude": 2.4,
            "killed": 7,
            "civilians_killed": 0,
            "released": 2,
        },
    )
    revoked = _incident(
        REVOKED_ID,
        ALGERIA_ID,
        "Attaque signalée à In Guezzam",
        "2025-03-03T08:00:00.000Z",
        dz_shared,
        {
            "event_type": "explosion_remote_violence",
            "sub_type": "ied",
            "start_time": "2025-03-02T05:00:00.000Z",
            "country": "DZ",
            "place_name": "عين قزام",
            "killed": 2,
            "civilians_killed": 2,
        },
        revoked=True,
    )
    bare = _incident(
        BARE_ID,
        ALGERIA_ID,
        "Tirs entendus",
        "2025-03-05T10:00:00.000Z",
        [TLP2_IDS[TLP.AMBER]],
        None,
    )
    relationship = {
        "type": "relationship",
        "id": RELATIONSHIP_ID,
        **_common(ALGERIA_ID, "2025-03-02T09:00:00.000Z", "2025-03-02T09:00:00.000Z"),
        "relationship_type": "attributed-to",
        "source_ref": AMBUSH_ID,
        "target_ref": GROUP_ID,
        "object_marking_refs": dz_shared,
    }
    report = {
        "type": "report",
        "id": REPORT_ID,
        **_common(ALGERIA_ID, "2025-03-03T00:00:00.000Z", "2025-03-03T00:00:00.000Z"),
        "name": "Rapport hebdomadaire, région de Tamanrasset",
        "description": "Deux incidents armés dans le Sud.",
        "report_types": ["threat-report"],
        "published": "2025-03-03T00:00:00.000Z",
        "object_refs": [AMBUSH_ID, CLASH_ID, LOCATION_ID, RELATIONSHIP_ID],
        "object_marking_refs": dz_shared,
    }
    return [
        (_identity(ALGERIA_ID, "Algeria", "DZ", "الجزائر"), False, True, "local"),
        (mali.sign(_identity(MALI_ID, "Mali", "ML", "مالي")), True, True, "peer:mali"),
        (_identity(NIGER_ID, "Niger", "NE", "النيجر"), False, True, "local"),
        (ALGERIA_RELEASE.to_marking("2025-01-15T10:00:00.000Z"), False, True, "local"),
        (mali.sign(MALI_RELEASE.to_marking("2025-01-16T10:00:00.000Z")), True, True, "peer:mali"),
        (location, False, True, "local"),
        (group, False, True, "local"),
        (_ambush("2025-03-01T10:00:00.000Z"), False, False, "local"),
        (
            _ambush("2025-03-02T08:00:00.000Z", killed=5, civilians_killed=2, seized=seized),
            False,
            True,
            "local",
        ),
        (clash, False, True, "local"),
        (mali.sign(menaka), True, True, "peer:mali"),
        (revoked, False, True, "local"),
        (bare, False, True, "local"),
        (relationship, False, True, "local"),
        (report, False, True, "local"),
    ]


def _release_of(obj: Mapping[str, Any]) -> ReleaseSet | None:
    if obj["type"] == "marking-definition":
        return ALGERIA_RELEASE if obj["created_by_ref"] == ALGERIA_ID else MALI_RELEASE
    for rs in (ALGERIA_RELEASE, MALI_RELEASE):
        if rs.marking_id in obj.get("object_marking_refs", []):
            return rs
    return None


def seed_0001(db: Database) -> dict[str, dict[str, Any]]:
    """Organizations, versions, release rows and index rows as 0001's store wrote them;
    returns the current objects by id."""
    current: dict[str, dict[str, Any]] = {}
    with db.engine.begin() as conn:
        for n, (identity_id, name, country) in enumerate(
            [(ALGERIA_ID, "Algeria", "DZ"), (MALI_ID, "Mali", "ML"), (NIGER_ID, "Niger", "NE")]
        ):
            conn.execute(
                sa.text(
                    "INSERT INTO organizations (identity_id, name, country, kind, public_key, "
                    "is_self, added_at) VALUES (:id, :name, :country, 'member', :key, :self, :at)"
                ).bindparams(sa.bindparam("at", type_=sa.DateTime(timezone=True))),
                {
                    "id": identity_id,
                    "name": name,
                    "country": country,
                    "key": member_key(identity_id),
                    "self": n == 0,
                    "at": ADDED,
                },
            )
        for n, (obj, signed, is_current, via) in enumerate(_objects()):
            checked = check(obj)
            assert isinstance(checked, Checked), checked  # a valid object, as stored
            originator = obj.get("created_by_ref", ALGERIA_ID)
            release = _release_of(obj)
            version = {
                **checked.columns,
                "originator_id": originator,
                "release_marking_id": release.marking_id if release else None,
                "is_current": is_current,
                "added_at": ADDED + timedelta(seconds=n),
                "signer_key_id": key_id(member_key(originator)) if signed else None,
                "received_via": via,
            }
            pk = _insert(conn, "stix_versions", VERSION_COLUMNS, version)
            for org in sorted(release.members - {originator}) if release else []:
                conn.execute(
                    sa.text(
                        "INSERT INTO stix_version_release (version_pk, org_id) VALUES (:p, :o)"
                    ),
                    {"p": pk, "o": org},
                )
            if is_current:
                fields = project(obj)
                index = {
                    **fields,
                    "stix_id": obj["id"],
                    "version_pk": pk,
                    "originator_id": originator,
                    "search_text": _fold_text_0001(_texts(obj)),
                }
                _insert(conn, "stix_index", INDEX_COLUMNS, index)
                current[obj["id"]] = obj
    return current


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def other_db(backend: str, tmp_path: Path) -> Iterator[Database]:
    """A second empty database of the same engine."""
    url = f"sqlite:///{tmp_path / 'other.db'}" if backend == "sqlite" else create_pg_database()
    database = Database(url)
    try:
        yield database
    finally:
        database.dispose()
        if backend != "sqlite":
            drop_pg_database(url)


def first_revision() -> str:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    (base,) = script.get_bases()
    return str(base)


def downgrade(db: Database, revision: str) -> None:
    cfg = migrate.alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def schema(db: Database, positions: bool = True) -> dict[str, list[tuple[Any, ...]]]:
    """Every table, column, index, constraint, trigger and function of the database
    (`positions`: with the columns' ordinal positions, which on PostgreSQL count the
    columns dropped since)."""
    position = "ordinal_position" if positions else "NULL"
    queries_by_engine = {
        "sqlite": {
            "objects": "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name",
        },
        "postgresql": {
            "columns": f"SELECT table_name, column_name, {position}, data_type, "
            "character_maximum_length, is_nullable, column_default, is_generated, "
            "generation_expression FROM information_schema.columns "
            "WHERE table_schema = 'public' ORDER BY 1, 3, 2",
            "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes "
            "WHERE schemaname = 'public' ORDER BY tablename, indexname",
            "constraints": "SELECT conrelid::regclass::text, conname, "
            "pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2",
            "triggers": "SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid) "
            "FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2",
            "functions": "SELECT proname, pg_get_functiondef(oid) FROM pg_proc "
            "WHERE pronamespace = 'public'::regnamespace ORDER BY 1",
        },
    }
    with db.engine.connect() as conn:
        return {
            key: [tuple(r) for r in conn.exec_driver_sql(sql)]
            for key, sql in queries_by_engine[db.engine.dialect.name].items()
        }


def test_first_revision_is_0001() -> None:
    assert first_revision() == "0001"


def test_data_stored_at_0001_is_what_todays_code_computes_after_upgrade(db: Database) -> None:
    migrate.upgrade(db.engine, "0001")
    current = seed_0001(db)
    with db.engine.connect() as conn:
        folded = conn.execute(
            sa.text("SELECT search_text FROM stix_index WHERE stix_id = :i"), {"i": AMBUSH_ID}
        ).scalar_one()
    migrate.upgrade(db.engine, "head")
    assert migrate.current_revision(db.engine) == migrate.head_revision()
    assert migrate.drift(db.engine) == []

    with db.engine.connect() as conn:
        links = {tuple(r) for r in conn.execute(sa.text("SELECT * FROM stix_links"))}
        index = {
            r.stix_id: r
            for r in conn.execute(
                sa.text(
                    "SELECT stix_id, stix_type, search_text, release_marking_id, "
                    "civilians_killed, admin1, place_name, seized FROM stix_index"
                )
            )
        }
        monthly = {
            tuple(r[:5]): tuple(r[5:])
            for r in conn.execute(
                sa.text(
                    "SELECT month, originator_id, release_marking_id, event_type, country, "
                    "n, killed, wounded, kidnapped, released FROM stix_monthly"
                )
            )
        }
    assert set(index) == set(current)

    # 0004: the links of every current object.
    assert links == {
        (stix_id, link["ref_id"], link["role"], link["relationship_type"])
        for stix_id, obj in current.items()
        for link in project_links(obj)
    }
    assert {
        (AMBUSH_ID, LOCATION_ID, "location", None),
        (AMBUSH_ID, GROUP_ID, "actor", None),
        (RELATIONSHIP_ID, AMBUSH_ID, "source", "attributed-to"),
        (RELATIONSHIP_ID, GROUP_ID, "target", "attributed-to"),
        (REPORT_ID, AMBUSH_ID, "object", None),
    } <= links

    # 0005: search documents recomputed with the normalisation and cross-script keys.
    assert {i: r.search_text for i, r in index.items()} == {
        i: project(obj)["search_text"] for i, obj in current.items()
    }
    assert index[AMBUSH_ID].search_text != folded
    assert "zqtmnrst" in index[AMBUSH_ID].search_text.split()

    # 0005, 0008, 0010: the text index finds the incident by its place in either script.
    principal = Principal(org_id=ALGERIA_ID, name="analyst", role=Role.ANALYST)

    def found(text: str) -> set[str]:
        flt = ObjectFilter(types=("incident",), text=text)
        with db.session() as session:
            page = queries.list_objects(session, principal, flt, limit=100)
        return {o["id"] for o in page.items}

    assert found("Tamanrasset") == {AMBUSH_ID}
    assert found("تمنراست") == {AMBUSH_ID}
    assert found("tamanr") == {AMBUSH_ID}  # a word being typed
    assert found("ميناكا") == {MENAKA_ID}  # Mali's, released to Algeria
    assert found("embuscade") == {AMBUSH_ID}
    assert found("Tombouctou") == set()

    # 0011: the release marking copied to the index, and the monthly counts.
    assert {i: r.release_marking_id for i, r in index.items()} == {
        i: (rs.marking_id if (rs := _release_of(obj)) else None) for i, obj in current.items()
    }
    expected: dict[tuple[str, ...], list[int]] = {}
    for stix_id, obj in current.items():
        fields = project(obj)
        if obj["type"] != "incident" or fields["revoked"]:
            continue
        start = fields["start_at"]
        key = (
            start.strftime("%Y-%m") if start else "",
            obj["created_by_ref"],
            index[stix_id].release_marking_id or "",
            fields["event_type"] or "",
            fields["country"] or "",
        )
        sums = expected.setdefault(key, [0, 0, 0, 0, 0])
        for n, name in enumerate(("killed", "wounded", "kidnapped", "released"), 1):
            sums[n] += fields[name] or 0
        sums[0] += 1
    assert monthly == {k: tuple(v) for k, v in expected.items()}
    dz_march = ("2025-03", ALGERIA_ID, ALGERIA_RELEASE.marking_id, "battle", "DZ")
    assert monthly[dz_march] == (2, 6, 5, 1, 0)  # the ambush's current version and In Salah
    assert monthly[("2025-02", MALI_ID, MALI_RELEASE.marking_id, "battle", "ML")] == (
        1,
        7,
        0,
        0,
        2,
    )
    with db.session() as session:  # the live reads from the counts agree with the rows
        flt = ObjectFilter(types=("incident",))
        from_counts = aggregates.aggregate(session, principal, flt, "country")
        from_rows = aggregates.row_aggregate(session, principal, flt, "country")
        assert sorted(from_counts, key=str) == sorted(from_rows, key=str)

    # 0014: the incident facts of every incident (none for other types).
    facts = ("civilians_killed", "admin1", "place_name", "seized")
    for stix_id, obj in current.items():
        ext = (obj.get("extensions") or {}).get(INCIDENT_EXTENSION_ID)
        want = (
            incident_facts(IncidentFacts.parse(ext))
            if obj["type"] == "incident" and ext
            else dict.fromkeys(facts)
        )
        assert {f: getattr(index[stix_id], f) for f in facts} == want, stix_id
    ambush = index[AMBUSH_ID]
    assert (ambush.civilians_killed, ambush.admin1, ambush.place_name) == (
        2,
        "Tamanrasset",
        "تمنراست",
    )
    assert json.loads(ambush.seized) == [
        ["kalashnikov rifles", "units", 4],
        ["explosives", "kg", 12.5],
    ]
    assert index[MENAKA_ID].civilians_killed == 0
    assert index[REVOKED_ID].place_name == "عين قزام"


def test_upgraded_from_0001_has_the_schema_of_a_node_made_at_head(
    db: Database, other_db: Database
) -> None:
    migrate.upgrade(db.engine, "0001")
    seed_0001(db)
    migrate.upgrade(db.engine, "head")
    migrate.upgrade(other_db.engine, "head")
    upgraded, fresh = schema(db), schema(other_db)
    assert all(upgraded.values())
    assert upgraded == fresh


def test_downgrade_to_0001_and_back_gives_the_same_schema(db: Database) -> None:
    migrate.upgrade(db.engine, "head")
    at_head = schema(db, positions=False)
    downgrade(db, "0001")
    assert schema(db, positions=False) != at_head
    migrate.upgrade(db.engine, "head")
    assert schema(db, positions=False) == at_head
