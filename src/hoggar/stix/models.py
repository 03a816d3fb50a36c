"""Tables of the object store: every version kept, and projections derived from them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from hoggar.kernel.db import Base, UTCDateTime


class ObjectVersion(Base):
    """One immutable version of one STIX object, stored exactly as received.

    `body` is the object's JSON; every other column is derived from it (or, for
    `added_at` and `received_via`, is local bookkeeping) and can be recomputed.
    """

    __tablename__ = "stix_versions"
    __table_args__ = (
        UniqueConstraint("stix_id", "version_key", name="uq_stix_versions_id_version"),
        Index("ix_stix_versions_current_type", "is_current", "stix_type"),
        Index("ix_stix_versions_added", "added_at", "pk"),
    )

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    stix_id: Mapped[str] = mapped_column(String(300), index=True)
    stix_type: Mapped[str] = mapped_column(String(250))
    # Sortable form of `modified` (or `created`, or "" for unversioned objects).
    version_key: Mapped[str] = mapped_column(String(32))
    spec_version: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text)
    originator_id: Mapped[str] = mapped_column(String(300), index=True)
    tlp: Mapped[str | None] = mapped_column(String(16))
    release_marking_id: Mapped[str | None] = mapped_column(String(300))
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    modified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signer_key_id: Mapped[str | None] = mapped_column(String(64))
    received_via: Mapped[str] = mapped_column(String(120), default="local")


class VersionRelease(Base):
    """The release set of a version, one row per receiving organization."""

    __tablename__ = "stix_version_release"
    __table_args__ = (Index("ix_stix_version_release_org", "org_id", "version_pk"),)

    version_pk: Mapped[int] = mapped_column(
        ForeignKey("stix_versions.pk", ondelete="CASCADE"), primary_key=True
    )
    org_id: Mapped[str] = mapped_column(String(300), primary_key=True)


class ObjectIndex(Base):
    """Queryable projection of the *current* version of each object.

    Derived only from stored objects; `hoggar projections rebuild` recreates it.
    """

    __tablename__ = "stix_index"
    __table_args__ = (
        Index("ix_stix_index_type_start", "stix_type", "start_at"),
        Index("ix_stix_index_country_start", "country", "start_at"),
        Index("ix_stix_index_event_start", "event_type", "start_at"),
        Index("ix_stix_index_lat_lon", "lat", "lon"),
    )

    stix_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    version_pk: Mapped[int] = mapped_column(
        ForeignKey("stix_versions.pk", ondelete="CASCADE"), unique=True
    )
    stix_type: Mapped[str] = mapped_column(String(250))
    originator_id: Mapped[str] = mapped_column(String(300))
    name: Mapped[str | None] = mapped_column(Text)
    search_text: Mapped[str] = mapped_column(Text, default="")
    lang: Mapped[str | None] = mapped_column(String(16))
    country: Mapped[str | None] = mapped_column(String(2))
    event_type: Mapped[str | None] = mapped_column(String(80))
    sub_type: Mapped[str | None] = mapped_column(String(80))
    start_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    killed: Mapped[int | None] = mapped_column(Integer)
    wounded: Mapped[int | None] = mapped_column(Integer)
    kidnapped: Mapped[int | None] = mapped_column(Integer)
    released: Mapped[int | None] = mapped_column(Integer)
    # Incident facts the assessment and situation reports read (migration 0014).
    civilians_killed: Mapped[int | None] = mapped_column(Integer)
    admin1: Mapped[str | None] = mapped_column(String(120))
    place_name: Mapped[str | None] = mapped_column(Text)
    seized: Mapped[str | None] = mapped_column(Text)  # JSON [[item, unit, quantity], ...]
    modified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    # The current version's release-set marking (its readers), for the monthly counts.
    release_marking_id: Mapped[str | None] = mapped_column(String(300))


class MonthlyCount(Base):
    """Current, unrevoked incidents of one UTC month that share who may read them
    (originator and release-set marking) and what they are (event type, country).

    Kept by database triggers on `stix_index` (migration 0011), never written by code;
    see `hoggar.store.rollup`.
    """

    __tablename__ = "stix_monthly"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM UTC, "" unknown
    originator_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    release_marking_id: Mapped[str] = mapped_column(String(300), primary_key=True)  # "" none
    event_type: Mapped[str] = mapped_column(String(80), primary_key=True)
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    killed: Mapped[int] = mapped_column(Integer)
    wounded: Mapped[int] = mapped_column(Integer)
    kidnapped: Mapped[int] = mapped_column(Integer)
    released: Mapped[int] = mapped_column(Integer)


class ObjectLink(Base):
    """Projection: which objects the *current* version of an object points at, and how.

    Roles: "actor" and "location" (an incident's actor_refs / location_refs), "object"
    (object_refs of opinions, notes, reports, groupings; sighting_of_ref), "source" and
    "target" (a relationship's ends). Rows go with their index row (ON DELETE CASCADE).
    """

    __tablename__ = "stix_links"
    __table_args__ = (
        Index("ix_stix_links_ref_role", "ref_id", "role"),
        # duplicate-of and other relationship types, without reading every link.
        Index("ix_stix_links_type_role", "relationship_type", "role"),
    )

    stix_id: Mapped[str] = mapped_column(
        ForeignKey("stix_index.stix_id", ondelete="CASCADE"), primary_key=True
    )
    ref_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    relationship_type: Mapped[str | None] = mapped_column(String(80))
