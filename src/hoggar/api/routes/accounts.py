"""Sign-in, the current user, users, API tokens, the member directory and the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from hoggar.api.schemas import LoginIn, OrgIn, TokenCreate, UserCreate, UserPatch
from hoggar.audit import service as audit
from hoggar.auth import service as auth
from hoggar.auth import tokens
from hoggar.auth.models import User
from hoggar.context import Node, Principal
from hoggar.http.deps import get_node, get_principal, get_read_session, require_admin
from hoggar.http.sessions import sign_in, sign_out
from hoggar.kernel.errors import PermissionDenied
from hoggar.orgs import service as orgs
from hoggar.records.identity import add_member

router = APIRouter(prefix="/api", tags=["accounts"])
Auth = Annotated[Principal, Depends(get_principal)]
Admin = Annotated[Principal, Depends(require_admin)]
ReadDb = Annotated[Session, Depends(get_read_session)]
NodeDep = Annotated[Node, Depends(get_node)]


def user_dict(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "org_id": user.org_id,
        "language": user.language,
        "active": user.active,
        "created_at": user.created_at.isoformat(),
        "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
    }


@router.post("/session", summary="Sign in; sets a session cookie and returns a CSRF token")
def login(body: LoginIn, request: Request, node: NodeDep) -> dict[str, Any]:
    client = request.client.host if request.client else ""
    signed = sign_in(request, node, body.username, body.password, source=f"api:{client}")
    return {"user": user_dict(signed.user), "csrf_token": signed.csrf}


@router.delete("/session", status_code=204, summary="Sign out")
def logout(request: Request, node: NodeDep) -> None:
    sign_out(request, node, source="api")


@router.get("/me", summary="Who you are")
def me(request: Request, principal: Auth) -> dict[str, Any]:
    return {"user": user_dict(request.state.user), "org_id": principal.org_id}


@router.get("/users", summary="All accounts (admin)")
def list_users(_: Admin, session: ReadDb) -> dict[str, Any]:
    return {"users": [user_dict(u) for u in auth.list_users(session)]}


@router.post("/users", status_code=201, summary="Create an account (admin)")
def create_user(body: UserCreate, admin: Admin, node: NodeDep) -> dict[str, Any]:
    with node.db.transaction() as session:
        user = auth.create_user(
            session,
            node,
            username=body.username,
            password=body.password,
            role=body.role,
            actor=admin.name,
            display_name=body.display_name,
            language=body.language,
        )
        return user_dict(user)


@router.patch("/users/{username}", summary="Change an account (admin)")
def update_user(username: str, body: UserPatch, admin: Admin, node: NodeDep) -> dict[str, Any]:
    with node.db.transaction() as session:
        user = auth.update_user(
            session, node, username, actor=admin.name, **body.model_dump(exclude_none=True)
        )
        return user_dict(user)


@router.get("/tokens", summary="API tokens (yours; all for admins)")
def list_tokens(principal: Auth, session: ReadDb) -> dict[str, Any]:
    rows = tokens.list_tokens(session, None if principal.is_admin else principal.name)
    return {
        "tokens": [
            {
                "id": t.id,
                "name": t.name,
                "user": u.username,
                "prefix": t.prefix,
                "scope": t.scope,
                "created_at": t.created_at.isoformat(),
                "expires_at": t.expires_at.isoformat() if t.expires_at else None,
                "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
                "revoked": t.revoked_at is not None,
            }
            for t, u in rows
        ]
    }


@router.post("/tokens", status_code=201, summary="Create an API token; the secret is shown once")
def create_token(body: TokenCreate, principal: Auth, node: NodeDep) -> dict[str, Any]:
    with node.db.transaction() as session:
        if principal.is_peer:
            # A peer's token is issued by this node's administrator (`hoggar peer add`)
            # and revoked with it: one it minted itself would outlive the revocation.
            raise PermissionDenied("Peer accounts do not create tokens.")
        username = body.username or principal.name
        if username != principal.name and not principal.is_admin:
            raise PermissionDenied("Only admins create tokens for other users.")
        token, secret = tokens.create_token(
            session,
            node,
            username,
            name=body.name,
            actor=principal.name,
            expires_in_days=body.expires_in_days,
            scope=body.scope,
        )
        return {
            "id": token.id,
            "name": token.name,
            "scope": token.scope,
            "token": secret,
            "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        }


@router.delete("/tokens/{token_id}", status_code=204, summary="Revoke an API token")
def revoke_token(token_id: int, principal: Auth, node: NodeDep) -> None:
    with node.db.transaction() as session:
        if not principal.is_admin:
            mine = {t.id for t, _ in tokens.list_tokens(session, principal.name)}
            if token_id not in mine:
                raise PermissionDenied("You may revoke only your own tokens.")
        tokens.revoke_token(session, node, token_id, actor=principal.name)


def org_dict(org: Any) -> dict[str, Any]:
    return {
        "identity_id": org.identity_id,
        "name": org.name,
        "country": org.country,
        "kind": org.kind,
        "public_key": org.public_key,
        "is_self": org.is_self,
    }


@router.get("/organizations", summary="The member directory")
def list_orgs(_: Auth, session: ReadDb) -> dict[str, Any]:
    return {"organizations": [org_dict(o) for o in orgs.list_orgs(session)]}


@router.post("/organizations", status_code=201, summary="Add or update a member (admin)")
def upsert_org(body: OrgIn, admin: Admin, node: NodeDep) -> dict[str, Any]:
    with node.db.transaction() as session:
        org = add_member(session, node, actor=admin.name, **body.model_dump())
        return org_dict(org)


@router.get("/audit", summary="Audit log entries (admin)")
def list_audit(
    _: Admin,
    session: ReadDb,
    after: int = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    action: str | None = None,
) -> dict[str, Any]:
    rows = audit.list_entries(session, after=after, limit=limit, action=action)
    return {
        "entries": [
            {
                "seq": e.seq,
                "at": e.at.isoformat(),
                "actor": e.actor,
                "action": e.action,
                "target": e.target,
                "detail": e.detail,
                "hash": e.hash,
            }
            for e in rows
        ]
    }


@router.get("/audit/verify", summary="Check the audit chain (admin)")
def verify_audit(_: Admin, session: ReadDb, node: NodeDep) -> dict[str, Any]:
    result = audit.verify(session, node.signer.public_b64)
    return {
        "ok": result.ok,
        "entries": result.entries,
        "first_bad_seq": result.first_bad_seq,
        "reason": result.reason,
    }
