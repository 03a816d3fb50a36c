"""What every page shares: templates with gettext, the signed-in user, the language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from hoggar.auth.models import User
from hoggar.context import Node, Principal
from hoggar.http.sessions import csrf_token, session_language
from hoggar.incidents.codebook_load import load_codebook
from hoggar.kernel import i18n
from hoggar.kernel.clock import parse_stix
from hoggar.kernel.errors import HoggarError
from hoggar.sharing.markings import TLP_BY_ID

HERE = Path(__file__).resolve().parent
LANG_COOKIE = "hoggar_lang"
templates = Jinja2Templates(directory=str(HERE / "templates"))
env = templates.env
env.add_extension("jinja2.ext.i18n")
env.install_gettext_callables(  # type: ignore[attr-defined]
    i18n.gettext, i18n.ngettext, newstyle=True
)


def event_label(key: str | None, lang: str | None = None) -> str:
    """The codebook's name for an event type or sub-type; the key itself if unknown."""
    if not key:
        return "—"
    try:
        return load_codebook().label(key, lang or i18n.current_language())
    except KeyError:
        return key


def _stix_time(value: Any) -> date | datetime | None:
    if isinstance(value, date):  # a datetime is a date too
        return value
    if isinstance(value, str) and len(value) == 10:  # "YYYY-MM-DD"
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    try:
        return parse_stix(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def format_day(value: Any) -> str:
    return i18n.format_day(_stix_time(value))


def format_moment(value: Any) -> str:
    moment = _stix_time(value)
    return i18n.format_moment(moment if isinstance(moment, datetime) else None)


env.globals.update(
    tlp_labels={mid: level.label for mid, level in TLP_BY_ID.items()},
    event_label=event_label,
    codebook=load_codebook,
    LANGUAGES=i18n.LANGUAGES,
    LANGUAGE_NAMES=i18n.LANGUAGE_NAMES,
)
env.filters.update(
    day=format_day,
    moment=format_moment,
    number=i18n.format_number,
    country=i18n.country_name,
    render=i18n.render,
)


@dataclass(frozen=True)
class Viewer:
    user: User
    principal: Principal


def language_of(request: Request) -> str:
    """Session (the signed-in user's choice), then the cookie, then Accept-Language."""
    for candidate in (session_language(request), request.cookies.get(LANG_COOKIE)):
        lang = i18n.normalize_language(candidate)
        if lang:
            return lang
    return i18n.negotiate(request.headers.get("accept-language"))


def render(
    request: Request, name: str, viewer: Viewer | None = None, status: int = 200, **context: Any
) -> HTMLResponse:
    node: Node = request.app.state.node
    lang = language_of(request)
    i18n.set_language(lang)
    context.update(
        request=request,
        org_name=node.org_name,
        node_org=node.org_id,
        csrf=csrf_token(request),
        user=viewer.user if viewer else None,
        viewer=viewer,
        lang=lang,
        dir="rtl" if i18n.is_rtl(lang) else "ltr",
        here=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    )
    return templates.TemplateResponse(request, name, context, status_code=status)


def safe_next(target: str) -> str:
    """Only same-site paths: never redirect to another host."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def not_found(request: Request, viewer: Viewer) -> HTMLResponse:
    """The same page whether the record is missing or not releasable to the reader."""
    return render(request, "not_found.html", viewer, status=404)


FORM_EXPIRED = i18n.N_("The form expired; please submit it again.")


def error_text(exc: HoggarError) -> str:
    """A core error as one line for a page: its message, then each problem and where."""
    detail = "; ".join(f"{p.where}: {p.message}" for p in exc.problems)
    return f"{exc.message} {detail}".strip()
