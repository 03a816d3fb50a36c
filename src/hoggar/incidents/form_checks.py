"""What an incident form's values mean: each field checked against the codebook, with the
reason next to the field when it is wrong (`check_input`)."""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from hoggar.incidents.codebook import Codebook
from hoggar.incidents.codebook_check import check_incident_extension
from hoggar.incidents.codebook_load import load_codebook
from hoggar.incidents.form import (
    COUNT_FIELDS,
    Checked,
    IncidentInput,
    Place,
    parse_moment,
)
from hoggar.kernel.clock import format_stix
from hoggar.kernel.i18n import LANGUAGES, N_
from hoggar.sharing.markings import TLP, parse_tlp

_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")


def _count(out: Checked, key: str, raw: str) -> int | None:
    if not raw:
        return None
    if not re.fullmatch(r"\d{1,7}", raw):
        out.add(key, N_("Enter a whole number, 0 or more."))
        return None
    return int(raw)


def _coordinate(out: Checked, key: str, raw: str, bound: float) -> float | None:
    if not raw:
        return None
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        out.add(key, N_("Enter a number in decimal degrees, e.g. 22.785."))
        return None
    if not math.isfinite(value) or not -bound <= value <= bound:
        out.add(key, N_("Must be between -{bound} and {bound}."), bound=int(bound))
        return None
    return round(value, 6)


def _check_categories(out: Checked, inp: IncidentInput, book: Codebook) -> None:
    if not inp.event_type:
        out.add("event_type", N_("Choose the type of event."))
        return
    try:
        event = book.event_type(inp.event_type)
    except KeyError:
        out.add("event_type", N_("This is not an event type of the codebook."))
        return
    if not inp.sub_type:
        out.add("sub_type", N_("Choose the sub-type of event."))
    elif not event.has_sub_type(inp.sub_type):
        out.add("sub_type", N_("This sub-type does not belong to the chosen event type."))


def _check_time(out: Checked, inp: IncidentInput, book: Codebook, ext: dict[str, Any]) -> None:
    precisions = {p.key for p in book.time_precisions}
    start = parse_moment(inp.start) if inp.start else None
    if not inp.start:
        out.add("start", N_("Enter when the event happened (at least the day)."))
    elif start is None:
        out.add("start", N_("Enter a date as YYYY-MM-DD, with a time HH:MM if known."))
    end = parse_moment(inp.end) if inp.end else None
    if inp.end and end is None:
        out.add("end", N_("Enter a date as YYYY-MM-DD, with a time HH:MM if known."))
    if start is not None and end is not None and end < start:
        out.add("end", N_("The end cannot be before the start."))
    if start is not None and start > datetime.now(UTC) + timedelta(days=1):
        out.add("start", N_("The event cannot start in the future."))
    if not inp.time_precision:
        out.add("time_precision", N_("Say how precise the time is."))
    elif inp.time_precision not in precisions:
        out.add("time_precision", N_("This is not a time precision of the codebook."))
    if start is not None:
        ext["start_time"] = format_stix(start)
        if end is None and len(inp.start) == 10:  # a day: the event lasts until its end
            end = start + timedelta(days=1) - timedelta(milliseconds=1)
        ext["end_time"] = format_stix(end or start)
    if inp.time_precision in precisions:
        ext["time_precision"] = inp.time_precision


def _check_place(
    out: Checked, inp: IncidentInput, book: Codebook, place: Place | None, ext: dict[str, Any]
) -> None:
    lat = _coordinate(out, "latitude", inp.latitude, 90)
    lon = _coordinate(out, "longitude", inp.longitude, 180)
    if inp.location_ref and place is None:
        out.add("location_ref", N_("This place is unknown; choose one from the list."))
    if place is not None:
        ext["location_refs"] = [place.id]
        lat = lat if lat is not None else place.latitude
        lon = lon if lon is not None else place.longitude
    if (lat is None) != (lon is None) and "latitude" not in out.errors:
        out.add("latitude", N_("Give both latitude and longitude, or neither."))
    if lat is not None and lon is not None:
        ext["latitude"], ext["longitude"] = lat, lon
    elif place is None and "latitude" not in out.errors and "longitude" not in out.errors:
        out.add("location_ref", N_("Choose a known place or give coordinates."))
    country = (inp.country or (place.country if place else "") or "").upper()
    if not country:
        out.add("country", N_("Choose the country where the event happened."))
    elif not _COUNTRY_RE.match(country):
        out.add("country", N_("Use a two-letter ISO 3166 code, e.g. ML."))
    else:
        ext["country"] = country
    place_name = inp.place_name or (place.name if place else "")
    if place_name:
        ext["place_name"] = place_name[:200]
    admin1 = inp.admin1 or (place.admin1 if place else "")
    if admin1:
        ext["admin1"] = admin1[:200]
    if not inp.geo_precision:
        out.add("geo_precision", N_("Say how precise the place is."))
    elif inp.geo_precision not in {p.key for p in book.geo_precisions}:
        out.add("geo_precision", N_("This is not a geo precision of the codebook."))
    else:
        ext["geo_precision"] = inp.geo_precision


def _check_grading(out: Checked, inp: IncidentInput, book: Codebook, ext: dict[str, Any]) -> None:
    if not inp.source_reliability:
        out.add("source_reliability", N_("Grade the source (A to F)."))
    elif inp.source_reliability not in book.source_reliability.keys:
        out.add("source_reliability", N_("Choose a grade from A to F."))
    else:
        ext["source_reliability"] = inp.source_reliability
    if not inp.information_credibility:
        out.add("information_credibility", N_("Grade the information (1 to 6)."))
    elif inp.information_credibility not in book.information_credibility.keys:
        out.add("information_credibility", N_("Choose a grade from 1 to 6."))
    else:
        ext["information_credibility"] = int(inp.information_credibility)


def _check_seized(out: Checked, inp: IncidentInput, book: Codebook, ext: dict[str, Any]) -> None:
    rows: list[dict[str, Any]] = []
    for item, quantity, unit in inp.seized:
        if not item:
            out.add("seized", N_("Say what was seized on each row."))
            continue
        try:
            amount = float(quantity.replace(",", "."))
        except ValueError:
            amount = math.nan
        if not math.isfinite(amount) or amount <= 0:
            out.add("seized", N_("Each seized quantity must be a number greater than 0."))
            continue
        if unit not in book.unit_keys:
            out.add("seized", N_("Choose a unit for each seized item."))
            continue
        rows.append(
            {
                "item": item[:200],
                "quantity": int(amount) if amount.is_integer() else amount,
                "unit": unit,
            }
        )
    if rows and "seized" not in out.errors:
        ext["seized"] = rows


# Where the codebook's own check (required fields of a sub-type) puts its findings.
_POINTER_FIELD = {"/start_time": "start", "/end_time": "end"}


def check_input(
    inp: IncidentInput,
    *,
    place: Place | None,
    known_actors: Sequence[str],
    members: Sequence[str],
    codebook: Codebook | None = None,
) -> Checked:
    """Check every field; the extension is complete only when `ok`.

    _COUNTRY_RE = re.compile(r"^[A-Z]{2}$")

        `place` is the location record `inp.location_ref` names, if the reader may see it;
        `known_actors` the armed groups the reader may see; `members` the organizations of
        the member directory (the possible recipients).
    """
    book = codebook or load_codebook()
    ext: dict[str, Any] = {"extension_type": "property-extension"}
    tlp: TLP | None = None
    with contextlib.suppress(ValueError):
        tlp = parse_tlp(inp.tlp)
    out = Checked(extension=ext, name=inp.name[:300], lang=inp.lang, tlp=tlp)
    if not inp.name:
        out.add("name", N_("Give the incident a short title."))
    _check_categories(out, inp, book)
    if "event_type" not in out.errors:
        ext["event_type"] = inp.event_type
    if inp.sub_type and not out.errors.get("sub_type"):
        ext["sub_type"] = inp.sub_type
    _check_time(out, inp, book, ext)
    _check_place(out, inp, book, place, ext)
    unknown = [a for a in inp.actor_refs if a not in set(known_actors)]
    if unknown:
        out.add("actor_refs", N_("One of the chosen groups is unknown."))
    elif inp.actor_refs:
        ext["actor_refs"] = list(inp.actor_refs)
    for key in COUNT_FIELDS:
        value = _count(out, key, getattr(inp, key))
        if value is not None:
            ext[key] = value
    _check_seized(out, inp, book, ext)
    _check_grading(out, inp, book, ext)
    if inp.lang not in LANGUAGES:
        out.add("lang", N_("Choose the language the record is written in."))
    if inp.narrative:
        ext["narrative"] = inp.narrative[:20000]
        ext["narrative_lang"] = inp.lang if inp.lang in LANGUAGES else "und"
    if tlp is None:
        out.add("tlp", N_("Choose a TLP level."))
    strangers = [r for r in inp.release_to if r not in set(members)]
    if strangers:
        out.add("release_to", N_("One of the chosen recipients is not a member organization."))
    if not out.errors.get("event_type") and not out.errors.get("sub_type"):
        for problem in check_incident_extension(ext, book):
            key = _POINTER_FIELD.get(problem.where, problem.where.strip("/").split("/")[0])
            if key in out.errors:
                continue
            if "required" in problem.message:
                out.add(key, N_("Required for this type of event."))
            elif key == "civilians_killed":
                out.add(key, N_("Cannot be more than the number killed."))
            else:
                out.add(key, N_("Not valid here: {detail}"), detail=problem.message)
    return out
