"""The two real Arabic articles about the joint staff, as STIX reports published by Algeria."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hoggar.demo.catalog import Catalog, read_article
from hoggar.demo.groups import group_id
from hoggar.demo.parties import SELF_KEY, SETUP_AT, Parties, demo_id
from hoggar.demo.places import location_id
from hoggar.sharing.markings import TLP


@dataclass(frozen=True)
class Article:
    file: str
    name: str
    published: str
    date_note: str
    places: tuple[str, ...]
    groups: tuple[str, ...]
    orgs: tuple[str, ...]


ARTICLES = (
    Article(
        file="ar-2010-cemoc-launch.txt",
        name="إطلاق هيئة أركان عملياتية مشتركة لجيوش الجزائر ومالي وموريتانيا والنيجر بتمنراست",
        published="2010-04-21T00:00:00.000Z",
        date_note="Publication date inferred, not stated in the text: the launch it announces "
        "for 'today, Wednesday' took place on Wednesday 21 April 2010.",
        places=("tamanrasset", "algiers", "bamako"),
        groups=("aqim",),
        orgs=("DZ", "ML", "MR", "NE"),
    ),
    Article(
        file="ar-2015-tamanrasset-summit.txt",
        name="اجتماع أمني رفيع المستوى لقادة جيوش دول الميدان بمقر تمنراست",
        published="2015-01-15T00:00:00.000Z",
        date_note="Publication date approximate, not stated in the text: the events it cites "
        "place it around 2014-2015.",
        places=("tamanrasset",),
        groups=("aqim", "boko-haram", "ansar-al-sharia"),
        orgs=("DZ", "ML", "MR", "NE"),
    ),
)


def report_object(cat: Catalog, parties: Parties, article: Article) -> dict[str, Any]:
    refs = [location_id(p) for p in article.places]
    refs += [group_id(cat.groups[g]) for g in article.groups]
    refs += [parties.by_key[o].org_id for o in article.orgs]
    text = read_article(article.file).strip()
    return {
        "type": "report",
        "spec_version": "2.1",
        "id": demo_id("report", article.file),
        "created": SETUP_AT,
        "modified": SETUP_AT,
        "created_by_ref": parties.self_org_id,
        "name": article.name,
        "description": f"{text}\n\n[{article.date_note}]",
        "published": article.published,
        "report_types": ["threat-report"],
        "lang": "ar",
        "object_refs": refs,
        "object_marking_refs": parties.marking_refs(SELF_KEY, TLP.CLEAR, parties.all_members()),
    }


def report_objects(cat: Catalog, parties: Parties) -> list[dict[str, Any]]:
    return [report_object(cat, parties, a) for a in ARTICLES]
