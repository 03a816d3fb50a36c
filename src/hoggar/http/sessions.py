"""The signed session cookie, shared by the REST API and the web interface."""

from __future__ import annotations

import secrets

from starlette.requests import Request

from hoggar.auth.models import User


def start_session(request: Request, user: User) -> str:
    """Put the signed-in user in the (signed) session cookie; returns the CSRF token."""
    request.session.clear()
    csrf = secrets.token_urlsafe(24)
    request.session.update(
        {"user_id": user.id, "org": user.org_id, "csrf": csrf, "lang": user.language}
    )
    return csrf
