"""Charts and a map as inline SVG: the same picture in the web page, the HTML report
and the PDF (no JavaScript, no tiles, nothing fetched)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from html import escape

from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from hoggar.geo.borders import load_borders

CURRENT = "#1f4e79"
PREVIOUS = "#9fb8d0"


def bars(
    labels: Sequence[str],
    current: Sequence[float],
    previous: Sequence[float] | None = None,
    *,
    title: str = "",
    width: int = 560,
    height: int = 180,
    legend: tuple[str, str] = ("", ""),
) -> str:
    """Grouped bars per label (current, and previous beside it when given)."""
    n = max(len(labels), 1)
    top = max([*current, *(previous or []), 1])
    plot_h = height - 40
    slot = (width - 40) / n
    bar_w = max(slot / (2.6 if previous else 1.6), 1.0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" '
        'class="chart" direction="ltr">',
        f"<title>{escape(title)}</title>",
        f'<line x1="30" y1="{plot_h + 5}" x2="{width - 5}" y2="{plot_h + 5}" stroke="#888"/>',
        f'<text x="2" y="14" font-size="10" fill="#555">{int(top)}</text>',
    ]
    for i, label in enumerate(labels):
        x = 35 + i * slot
        series = [(current[i], CURRENT)] + ([(previous[i], PREVIOUS)] if previous else [])
        for k, (value, colour) in enumerate(series):
            h = plot_h * value / top
            bx = x + k * bar_w
            parts.append(
                f'<rect x="{bx:.1f}" y="{plot_h + 5 - h:.1f}" width="{bar_w * 0.9:.1f}" '
                f'height="{h:.1f}" fill="{colour}"><title>{escape(label)}: {value:g}</title></rect>'
            )
        if n <= 14 or i % max(n // 12, 1) == 0:
            parts.append(
                f'<text x="{x:.1f}" y="{height - 18}" font-size="9" fill="#333">'
                f"{escape(label)}</text>"
            )
    if previous and any(legend):
        parts.append(
            f'<rect x="35" y="{height - 10}" width="8" height="8" fill="{CURRENT}"/>'
            f'<text x="46" y="{height - 2}" font-size="9">{escape(legend[0])}</text>'
            f'<rect x="200" y="{height - 10}" width="8" height="8" fill="{PREVIOUS}"/>'
            f'<text x="211" y="{height - 2}" font-size="9">{escape(legend[1])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


@cache
def _outlines(
    tolerance: float,
) -> tuple[tuple[str, bool, tuple[tuple[tuple[float, float], ...], ...]], ...]:
    out = []
    for code, country in sorted(load_borders().countries.items()):
        geom: BaseGeometry = country.geometry.simplify(tolerance)
        polys = geom.geoms if isinstance(geom, MultiPolygon) else [geom]
        rings = tuple(
            tuple((float(x), float(y)) for x, y in p.exterior.coords)
            for p in polys
            if isinstance(p, Polygon)
        )
        out.append((code, country.member, rings))
    return tuple(out)


def map_svg(
    points: Sequence[tuple[float, float, str]],
    *,
    bbox: tuple[float, float, float, float] = (-18.0, 8.0, 26.0, 38.0),
    width: int = 560,
    title: str = "",
    highlight: Sequence[str] = (),
) -> str:
    """Country outlines (member states shaded) and points (lat, lon, colour)."""
    west, south, east, north = bbox
    height = int(width * (north - south) / (east - west))

    def xy(lon: float, lat: float) -> str:
        x = (lon - west) / (east - west) * width
        y = (north - lat) / (north - south) * height
        return f"{x:.1f},{y:.1f}"

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" class="map">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{width}" height="{height}" fill="#eef3f7"/>',
    ]
    for code, member, rings in _outlines(0.05):
        fill = "#f4e7c5" if code in highlight else ("#fbf6ea" if member else "#f2f2f2")
        for ring in rings:
            if all(not (west - 5 < x < east + 5 and south - 5 < y < north + 5) for x, y in ring):
                continue
            path = " ".join(xy(x, y) for x, y in ring)
            parts.append(
                f'<polygon points="{path}" fill="{fill}" stroke="#8a8a8a" stroke-width="0.6"/>'
            )
    for lat, lon, colour in points:
        if west <= lon <= east and south <= lat <= north:
            cx, cy = xy(lon, lat).split(",")
            parts.append(
                f'<circle cx="{cx}" cy="{cy}" r="2.6" fill="{colour}" fill-opacity="0.75"/>'
            )
    parts.append("</svg>")
    return "".join(parts)
