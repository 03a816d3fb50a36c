"""Importing and exporting STIX 2.1 bundles (STIX 2.1 §8).

An import is per-object atomic: each object is stored whole or not at all, with its
reason when refused; batches are committed as they complete, so a crash loses no
committed batch and re-running the import is idempotent (duplicates are recognised).
"""

from __future__ import annotations

import multiprocessing
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from hoggar.audit.service import Action, record
from hoggar.context import Node, Principal
from hoggar.kernel.errors import Invalid, PermissionDenied, Problem, TooLarge
from hoggar.kernel.ids import is_id, new_id
from hoggar.kernel.jsonutil import dumps_compact, loads_strict
from hoggar.records.inbound import Channel, ingest_order, receiving
from hoggar.store.check import IngestResult, checks
from hoggar.store.filters import ObjectFilter
from hoggar.store.queries import iter_export


def parse_bundle(
    data: bytes | str, *, where: str = "bundle", max_objects: int = 100_000
) -> list[Any]:
    """The objects of a bundle, or Invalid saying what is wrong with the envelope."""
    doc = loads_strict(data, where=where)
    if not isinstance(doc, dict) or doc.get("type") != "bundle":
        raise Invalid("This is not a STIX bundle.", [Problem(f"{where}/type", "must be 'bundle'")])
    if not is_id(doc.get("id"), "bundle"):
        raise Invalid(
            "The bundle has no valid id.", [Problem(f"{where}/id", "must be bundle--UUID")]
        )
    objects = doc.get("objects", [])
    if not isinstance(objects, list):
        raise Invalid(
            "The bundle's objects are not a list.", [Problem(f"{where}/objects", "must be a list")]
        )
    if len(objects) > max_objects:
        raise TooLarge(f"The bundle holds {len(objects)} objects; the limit is {max_objects}.")
    return objects


@dataclass
class ImportReport:
    results: list[IngestResult] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(r.outcome.value for r in self.results))

    @property
    def rejected(self) -> list[IngestResult]:
        return [r for r in self.results if not r.ok]

    def as_dict(self) -> dict[str, Any]:
        return {
            "counts": self.counts,
            "results": [
                {
                    "id": r.stix_id,
                    "outcome": r.outcome.value,
                    "problems": [p.as_dict() for p in r.problems],
                }
                for r in self.results
            ],
        }


def import_objects(
    node: Node,
    objects: Sequence[Any],
    *,
    principal: Principal,
    source: str,
    batch_size: int = 500,
    progress: Callable[[int], None] | None = None,
    require_signature: bool = False,
    pool: Executor | None = None,
) -> ImportReport:
    """Ingest objects in committed batches; each object is accepted whole or refused.

    With a process `pool` (`check_pool`), objects are checked and projected in its
    workers while this process writes the batches before them.
    """
    if not principal.can_write:
        raise PermissionDenied("Your role may not import records.")
    report = ImportReport()
    channel = Channel(
        source, principal.name, source, require_signature=require_signature, hold_check=False
    )
    ordered = [objects[i] for i in ingest_order(objects)]
    checked = checks(ordered, pool)
    for start in range(0, len(ordered), batch_size):
        chunk = ordered[start : start + batch_size]
        done = list(islice(checked, len(chunk)))
        with receiving(node) as inbox:
            batch = inbox.receive(chunk, channel, checked=done).results
            record(
                inbox.session,
                node.signer,
                actor=principal.name,
                org_id=node.org_id,
                action=Action.IMPORT,
                target=source[:300],
                detail=dict(Counter(r.outcome.value for r in batch)),
            )
        report.results.extend(batch)
        if progress:
            progress(len(chunk))
    return report


@contextmanager
def check_pool(workers: int) -> Iterator[Executor | None]:
    """Worker processes for the checks of a large import (0: None, check in process).

    One worker already takes the checks off the writing process, which then spends its
    time in the database; on a two-core machine a second one only competes with it.
    Started by forkserver (never fork: the caller may have threads), each worker
    importing the store once."""
    if workers < 1:
        yield None
        return
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["hoggar.store.check"])
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        yield pool


def iter_bundle_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named by the user, and *.json under directories, in a stable order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.json") if p.is_file())
        else:
            yield path


def export_bundle_text(node: Node, principal: Principal, flt: ObjectFilter) -> Iterator[str]:
    """Stream a bundle of what principal may read, as JSON text chunks; audited at the end."""
    count = 0
    with node.db.session() as session:
        yield f'{{"type":"bundle","id":"{new_id("bundle")}","objects":['
        for obj in iter_export(session, principal, flt):
            yield ("," if count else "") + dumps_compact(obj)
            count += 1
        yield "]}\n"
    with node.db.transaction() as session:
        record(
            session,
            node.signer,
            actor=principal.name,
            org_id=node.org_id,
            action=Action.EXPORT,
            target="bundle",
            detail={"objects": count, "filter": _describe(flt)},
        )


def _describe(flt: ObjectFilter) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in vars(flt).items():
        if value not in (None, (), [], False):
            out[key] = (
                value.isoformat()
                if hasattr(value, "isoformat")
                else (list(value) if isinstance(value, tuple | list) else value)
            )
    return out
