"""What every page shares: templates with gettext, the signed-in user, the language."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from hoggar.auth.models import User
from hoggar.auth.service import principal_of
from hoggar.context import Node, Principal
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


def current_viewer(request: Request) -> Viewer | None:
    node: Node = request.app.state.node
    user_id = request.session.get("user_id")
    if user_id is None:
        return None
    with node.db.session() as session:
        user = session.get(User, user_id)
    if user is None or not user.active or request.session.get("org") != user.org_id:
        request.session.clear()
        return None
    return Viewer(user, principal_of(user))


def language_of(request: Request) -> str:
    """Session (the signed-in user's choice), then the cookie, then Accept-Language."""
    for candidate in (request.session.get("lang"), request.cookies.get(LANG_COOKIE)):
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
        csrf=request.session.get("csrf", ""),
        user=viewer.user if viewer else None,
        viewer=viewer,
        lang=lang,
        dir="rtl" if i18n.is_rtl(lang) else "ltr",
        here=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    )
    return templates.TemplateResponse(request, name, context, status_code=status)


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)


def csrf_ok(request: Request, form: FormData) -> bool:
    expected = str(request.session.get("csrf", ""))
    return bool(expected) and hmac.compare_digest(expected, str(form.get("csrf", "")))


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
