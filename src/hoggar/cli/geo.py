"""`hoggar geo …` and `hoggar actors …`: places, borders and names, offline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from hoggar.cli.common import DEFAULT_DATA_DIR, DataDir, fail, handle_errors, opened, out
from hoggar.context import Principal, Role
from hoggar.geo.borders import load_borders
from hoggar.geo.evaluation import evaluate, read_cases
from hoggar.geo.gazetteer import GazetteerError, load_gazetteer
from hoggar.incidents.names import group_index, visible_groups

geo_app = typer.Typer(
    help="The offline gazetteer and borders.\n\nExample: hoggar geo lookup Tamanghasset",
    no_args_is_help=True,
)
actors_app = typer.Typer(
    help="Armed groups and other actors known to this node.\n\n"
    "Example: hoggar actors lookup Droukdal",
    no_args_is_help=True,
)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
LocalDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        "-d",
        help="A node directory whose gazetteer-local.json adds places and names.",
    ),
]


def _gazetteer(data_dir: Path | None):  # type: ignore[no-untyped-def]
    try:
        return load_gazetteer(data_dir)
    except GazetteerError as exc:
        raise fail(str(exc)) from None


@geo_app.command("lookup")
@handle_errors
def lookup(
    name: Annotated[str, typer.Argument(help="A place name in any script or spelling")],
    country: Annotated[str | None, typer.Option(help="Only this ISO country code")] = None,
    limit: Annotated[int, typer.Option(min=1, max=50)] = 5,
    as_json: JsonOpt = False,
    data_dir: LocalDir = None,
) -> None:
    """Ranked places for a name, each with why it matched.

    Example: hoggar geo lookup "تمنراست" --country DZ
    """
    gazetteer = _gazetteer(data_dir)
    found = gazetteer.lookup(name, limit, country=country)
    if as_json:
        out.print_json(
            json.dumps(
                [
                    {
                        **c.entry.data.as_dict(),
                        "score": round(c.score, 3),
                        "matched": c.matched,
                        "method": c.method,
                        "why": c.explain(),
                    }
                    for c in found
                ],
                ensure_ascii=False,
            )
        )
        return
    if not found:
        raise fail(f"no place matches {name!r}")
    table = Table("score", "place", "country", "region", "lat", "lon", "why")
    for c in found:
        p = c.entry.data
        table.add_row(
            f"{c.score:.2f}",
            f"{p.name} / {p.name_in('ar')}",
            p.country,
            p.admin1 or "",
            f"{p.lat:.4f}",
            f"{p.lon:.4f}",
            f"{c.matched!r} ({c.lang or '?'}) by {c.method}"
            + (f"; {c.detail}" if c.detail else ""),
        )
    out.print(table)


@geo_app.command("near")
@handle_errors
def near(
    lat: Annotated[float, typer.Argument(min=-90, max=90)],
    lon: Annotated[float, typer.Argument(min=-180, max=180)],
    km: Annotated[float, typer.Option(min=0.1, max=2000)] = 50.0,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 20,
    as_json: JsonOpt = False,
    data_dir: LocalDir = None,
) -> None:
    """Places within a distance of a point, nearest first.

    Example: hoggar geo near 19.95 2.96 --km 100
    """
    found = _gazetteer(data_dir).near(lat, lon, km, limit)
    if as_json:
        out.print_json(
            json.dumps([{**p.as_dict(), "km": round(d, 2)} for p, d in found], ensure_ascii=False)
        )
        return
    table = Table("km", "place", "country", "kind", "population")
    for p, d in found:
        table.add_row(
            f"{d:.1f}", f"{p.name} / {p.name_in('ar')}", p.country, p.kind, str(p.population or "")
        )
    out.print(table)


@geo_app.command("where")
@handle_errors
def where(
    lat: Annotated[float, typer.Argument(min=-90, max=90)],
    lon: Annotated[float, typer.Argument(min=-180, max=180)],
    border: Annotated[
        str | None,
        typer.Option(help="Distance to this border too, e.g. DZ-ML"),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """The country a point is in and how far it is from its borders.

    Example: hoggar geo where 21.33 0.95 --border DZ-ML
    """
    borders = load_borders()
    country = borders.country_at(lat, lon)
    result: dict[str, object] = {"lat": lat, "lon": lon, "country": country}
    if country is not None:
        nearest = borders.nearest_border(lat, lon, country)
        result["nearest_border"] = {
            "countries": "-".join(nearest.countries),
            "km": round(nearest.km, 1),
        }
        result["borders"] = {
            f"{min(country, n)}-{max(country, n)}": round(
                borders.distance_to(lat, lon, country, n).km, 1
            )
            for n in borders.neighbours(country)
        }
    if border:
        a, _, b = border.upper().partition("-")
        try:
            result["border"] = {
                "countries": border.upper(),
                "km": round(borders.distance_to(lat, lon, a, b).km, 1),
            }
        except KeyError as exc:
            raise fail(str(exc.args[0])) from None
    if as_json:
        out.print_json(json.dumps(result))
        return
    if country is None:
        out.print(
            f"({lat}, {lon}) is in none of the packaged countries (at sea or outside the region)"
        )
    else:
        names = borders.countries[country].names
        out.print(
            f"({lat}, {lon}) is in {names.get('en', country)} ({country}) / {names.get('ar', '')}"
        )
        nb = result["nearest_border"]
        assert isinstance(nb, dict)
        out.print(f"nearest land border: {nb['countries']} at {nb['km']} km")
    if border:
        b_info = result["border"]
        assert isinstance(b_info, dict)
        out.print(f"distance to the {b_info['countries']} border: {b_info['km']} km")


@geo_app.command("eval")
@handle_errors
def eval_cmd(
    cases: Annotated[Path, typer.Argument(help="A TSV file: query, target, lang, kind")] = Path(
        "tests/data/name_variants.tsv"
    ),
    misses: Annotated[int, typer.Option(help="Show this many misses")] = 15,
    as_json: JsonOpt = False,
) -> None:
    """Score place and group name matching on a labelled set: top-1 and top-5 accuracy.

    Example: hoggar geo eval tests/data/name_variants.tsv
    """
    if not cases.exists():
        raise fail(f"{cases} does not exist")
    report = evaluate(read_cases(cases))
    if as_json:
        out.print_json(
            json.dumps(
                {
                    "cases": report.overall.total,
                    "top1": round(report.overall.top1_rate, 4),
                    "top5": round(report.overall.top5_rate, 4),
                    "by": {
                        dim: {
                            k: {
                                "n": t.total,
                                "top1": round(t.top1_rate, 4),
                                "top5": round(t.top5_rate, 4),
                            }
                            for k, t in sorted(v.items())
                        }
                        for dim, v in report.by.items()
                    },
                },
                ensure_ascii=False,
            )
        )
        return
    table = Table("group", "value", "cases", "top-1", "top-5")
    table.add_row(
        "all",
        "",
        str(report.overall.total),
        f"{report.overall.top1_rate:.1%}",
        f"{report.overall.top5_rate:.1%}",
    )
    for dim, values in report.by.items():
        for value, t in sorted(values.items()):
            table.add_row(dim, value, str(t.total), f"{t.top1_rate:.1%}", f"{t.top5_rate:.1%}")
    out.print(table)
    for case, found in report.misses[:misses]:
        out.print(f"miss: {case.query!r} → {case.target}; got {found[:3]}")


@actors_app.command("lookup")
@handle_errors
def actors_lookup(
    name: Annotated[str, typer.Argument(help="A group name, alias or abbreviation")],
    limit: Annotated[int, typer.Option(min=1, max=50)] = 5,
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Armed groups and networks this node knows (as its organization may read them).

    Example: hoggar actors lookup "القاعدة في بلاد المغرب"
    """
    with opened(data_dir) as node, node.db.session() as session:
        me = Principal(org_id=node.org_id, name="cli", role=Role.ANALYST)
        groups = visible_groups(session, me)
    found = group_index(groups).search(name, limit)
    if not found:
        raise fail(f"no group matches {name!r}")
    table = Table("score", "group", "id", "why")
    for c in found:
        table.add_row(f"{c.score:.2f}", c.entry.label, c.id, f"{c.matched!r} by {c.method}")
    out.print(table)
