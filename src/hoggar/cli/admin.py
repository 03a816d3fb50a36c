"""Commands for users, tokens, the member directory, the audit log and the schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from hoggar.audit import service as audit
from hoggar.auth import service as auth
from hoggar.auth.tokens import create_token, list_tokens, revoke_token
from hoggar.cli.common import (
    DEFAULT_DATA_DIR,
    DataDir,
    fail,
    handle_errors,
    opened,
    out,
    settings_for,
)
from hoggar.node import backup, migrate
from hoggar.orgs import service as org_service
from hoggar.records.identity import add_member, own_card

users = typer.Typer(
    help="Manage local accounts.\n\nExample: hoggar user add amina --role analyst",
    no_args_is_help=True,
)
tokens = typer.Typer(
    help="Manage API tokens.\n\nExample: hoggar token create amina --name sync",
    no_args_is_help=True,
)
orgs = typer.Typer(
    help="The member directory: organizations and their keys.\n\nExample: hoggar org add mali.json",
    no_args_is_help=True,
)
audit_app = typer.Typer(
    help="The tamper-evident audit log.\n\nExample: hoggar audit verify", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.\n\nExample: hoggar db check", no_args_is_help=True)
Actor = Annotated[str, typer.Option("--actor", help="Who is acting, for the audit log")]


@users.command("add")
@handle_errors
def user_add(
    username: str,
    role: Annotated[str, typer.Option("--role", help="admin, analyst or viewer")] = "analyst",
    password: Annotated[
        str, typer.Option("--password", envvar="HOGGAR_USER_PASSWORD", prompt=True, hide_input=True)
    ] = "",
    language: Annotated[str, typer.Option("--language", help="ar, fr or en")] = "en",
    actor: Actor = "cli",
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Create an account. Example: hoggar user add amina --role analyst --password '…'"""
    with opened(data_dir) as node, node.db.transaction() as session:
        auth.create_user(
            session,
            node,
            username=username,
            password=password,
            role=role,
            actor=actor,
            language=language,
        )
    out.print(f"Created {role} {username}")


@users.command("list")
@handle_errors
def user_list(data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
    """List accounts. Example: hoggar user list"""
    table = Table("username", "role", "active", "language", "last login")
    with opened(data_dir) as node, node.db.session() as session:
        for u in auth.list_users(session):
            table.add_row(
                u.username,
                u.role,
                "yes" if u.active else "no",
                u.language,
                u.last_login_at.isoformat() if u.last_login_at else "never",
            )
    out.print(table)


@users.command("set")
@handle_errors
def user_set(
    username: str,
    role: Annotated[str | None, typer.Option("--role")] = None,
    password: Annotated[str | None, typer.Option("--password")] = None,
    active: Annotated[bool | None, typer.Option("--active/--disabled")] = None,
    language: Annotated[str | None, typer.Option("--language")] = None,
    actor: Actor = "cli",
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Change an account. Example: hoggar user set amina --role viewer --disabled"""
    with opened(data_dir) as node, node.db.transaction() as session:
        auth.update_user(
            session,
            node,
            username,
            actor=actor,
            role=role,
            password=password,
            active=active,
            language=language,
        )
    out.print(f"Updated {username}")


@tokens.command("create")
@handle_errors
def token_create(
    username: str,
    name: Annotated[str, typer.Option("--name", help="What the token is for")] = "cli",
    expires_in_days: Annotated[int | None, typer.Option("--expires-in-days")] = None,
    scope: Annotated[
        str, typer.Option("--scope", help="write (the user's role) or read (GET only)")
    ] = "write",
    actor: Actor = "cli",
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Create an API token; the secret is printed once.

    Example: hoggar token create amina --name wallboard --scope read --expires-in-days 90
    """
    with opened(data_dir) as node, node.db.transaction() as session:
        _, secret = create_token(
            session,
            node,
            username,
            name=name,
            actor=actor,
            expires_in_days=expires_in_days,
            scope=scope,
        )
    out.print(secret)


@tokens.command("list")
@handle_errors
def token_list(data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
    """List tokens (never their secrets). Example: hoggar token list"""
    table = Table("id", "user", "name", "prefix", "expires", "last used", "revoked")
    with opened(data_dir) as node, node.db.session() as session:
        for t, u in list_tokens(session):
            table.add_row(
                str(t.id),
                u.username,
                t.name,
                t.prefix,
                t.expires_at.isoformat() if t.expires_at else "never",
                t.last_used_at.isoformat() if t.last_used_at else "never",
                "yes" if t.revoked_at else "no",
            )
    out.print(table)


@tokens.command("revoke")
@handle_errors
def token_revoke(token_id: int, actor: Actor = "cli", data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
    """Revoke a token by id. Example: hoggar token revoke 3"""
    with opened(data_dir) as node, node.db.transaction() as session:
        revoke_token(session, node, token_id, actor=actor)
    out.print(f"Revoked token {token_id}")


@orgs.command("card")
@handle_errors
def org_card(data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
    """Print this node's organization card (JSON) to give to other nodes' admins.

    Example: hoggar org card > algeria.json
    """
    with opened(data_dir) as node:
        out.print_json(json.dumps(own_card(node).as_dict()))


@orgs.command("add")
@handle_errors
def org_add(
    card: Annotated[Path | None, typer.Argument(help="A card file from `hoggar org card`")] = None,
    identity_id: Annotated[str | None, typer.Option("--identity-id")] = None,
    name: Annotated[str | None, typer.Option("--name")] = None,
    country: Annotated[str | None, typer.Option("--country")] = None,
    kind: Annotated[str, typer.Option("--kind", help="member or joint-staff")] = "member",
    public_key: Annotated[
        str | None, typer.Option("--public-key", help="base64 Ed25519 key")
    ] = None,
    actor: Actor = "cli",
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Add or update a member organization, from a card file or options.

    Example: hoggar org add mali.json
    """
    fields = {
        "identity_id": identity_id,
        "name": name,
        "country": country,
        "kind": kind,
        "public_key": public_key,
    }
    if card is not None:
        fields.update(json.loads(card.read_text(encoding="utf-8")))
    if not fields["identity_id"] or not fields["name"]:
        raise fail("give a card file, or --identity-id and --name")
    with opened(data_dir) as node, node.db.transaction() as session:
        add_member(
            session,
            node,
            actor=actor,
            identity_id=str(fields["identity_id"]),
            name=str(fields["name"]),
            country=fields.get("country"),
            kind=str(fields.get("kind") or "member"),
            public_key=fields.get("public_key"),
        )
    out.print(f"Added {fields['name']} ({fields['identity_id']})")


@orgs.command("list")
@handle_errors
def org_list(data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
    """List the member directory. Example: hoggar org list"""
    table = Table("name", "country", "kind", "identity", "key")
    with opened(data_dir) as node, node.db.session() as session:
        for o in org_service.list_orgs(session):
            table.add_row(
                o.name + (" (this node)" if o.is_self else ""),
                o.country or "",
                o.kind,
                o.identity_id,
                (o.public_key or "")[:12],
            )
    out.print(table)


@audit_app.command("verify")
@handle_errors
def audit_verify(data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
    """Check the hash chain and signed head; exit 1 and name the first bad entry if broken.

    Example: hoggar audit verify
    """
    with opened(data_dir) as node, node.db.session() as session:
        result = audit.verify(session, node.signer.public_b64)
    if not result.ok:
        raise fail(f"audit log tampered: {result.reason} (first bad entry: {result.first_bad_seq})")
    out.print(f"audit log intact: {result.entries} entries")


@audit_app.command("list")
@handle_errors
def audit_list(
    after: Annotated[int, typer.Option("--after")] = 0,
    limit: Annotated[int, typer.Option("--limit")] = 50,
    action: Annotated[str | None, typer.Option("--action")] = None,
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Show audit entries. Example: hoggar audit list --action auth.login_failed"""
    table = Table("seq", "at", "actor", "action", "target", "detail")
    with opened(data_dir) as node, node.db.session() as session:
        for e in audit.list_entries(session, after=after, limit=limit, action=action):
            table.add_row(
                str(e.seq),
                e.at.isoformat(timespec="seconds"),
                e.actor,
                e.action,
                e.target,
                e.detail[:80],
            )
    out.print(table)


@db_app.command("upgrade")
@handle_errors
def db_upgrade(data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
    """Apply pending migrations. Example: hoggar db upgrade"""
    with opened(data_dir) as node:
        out.print(f"schema at {migrate.current_revision(node.db.engine)}")


@db_app.command("check")
@handle_errors
def db_check(data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
    """Fail if the models and the migrated schema differ. Example: hoggar db check"""
    with opened(data_dir) as node:
        diffs = migrate.drift(node.db.engine)
        integrity = node.db.integrity_check()
    if diffs:
        raise fail(f"models and migrations differ: {diffs}")
    if integrity != "ok":
        raise fail(f"database integrity check failed: {integrity}")
    out.print("schema matches the models; integrity ok")


backup_app = typer.Typer(
    help="Backups: every table and the keys in one archive, on SQLite or PostgreSQL.\n\n"
    "Example: hoggar backup create /backups/hoggar-2026-12-02.tar.gz",
    no_args_is_help=True,
)


@backup_app.command("create")
@handle_errors
def backup_create(
    archive: Annotated[Path, typer.Argument(help="The archive to write (.tar.gz)")],
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Write a consistent backup of the node while it runs (it holds the private key:
    keep it as you keep the key).

    Example: hoggar backup create --data-dir /srv/hoggar /backups/hoggar-2026-12-02.tar.gz
    """
    info = backup.create_backup(settings_for(data_dir), archive)
    out.print(
        f"backup written: {info.path} ({sum(info.rows.values()):,} rows, schema {info.revision})"
    )


@backup_app.command("restore")
@handle_errors
def backup_restore(
    archive: Annotated[Path, typer.Argument(help="An archive made by `hoggar backup create`")],
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Recreate a node from a backup in a new data directory and an empty database
    (HOGGAR_DATABASE_URL, or SQLite in the data directory); checksums and the audit chain
    are checked.

    Example: hoggar backup restore --data-dir /srv/hoggar-restored /backups/hoggar.tar.gz
    """
    info = backup.restore_backup(archive, settings_for(data_dir))
    out.print(
        f"restored {info.org_id}: {sum(info.rows.values()):,} rows, schema {info.revision}, "
        "audit chain intact"
    )
