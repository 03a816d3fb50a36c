"""Helpers for federation tests: several nodes, cards exchanged, peers linked."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from conftest import ADMIN_PASSWORD, LiveServer
from hoggar.context import Node, Principal, Role
from hoggar.federation.peers import add_peer, get_peer
from hoggar.kernel.secrets import open_secret
from hoggar.kernel.settings import load_settings
from hoggar.node.service import init_node
from hoggar.records import authoring
from hoggar.records.identity import add_member, own_card

ORGS = {
    "DZ": ("Algeria", "member"),
    "ML": ("Mali", "member"),
    "NE": ("Niger", "member"),
    "MR": ("Mauritania", "member"),
    "JS": ("Joint staff", "joint-staff"),
}


@dataclass
class Member:
    code: str
    node: Node
    server: LiveServer | None = None

    @property
    def org(self) -> str:
        return self.node.org_id

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"{self.server.url}/taxii2/hoggar/"

    def analyst(self) -> Principal:
        return Principal(org_id=self.org, name=f"analyst-{self.code}", role=Role.ANALYST)

    def create(
        self, name: str, release: list[str], tlp: str = "amber", *, disclose: bool = True
    ) -> str:
        with self.node.db.transaction() as session:
            obj = authoring.create_object(
                session,
                self.node,
                self.analyst(),
                {"type": "incident", "name": name},
                authoring.Sharing.parse(tlp, release, disclose),
            )
        return str(obj["id"])


def make_members(
    tmp: Path, codes: list[str], url_for: dict[str, str] | None = None
) -> dict[str, Member]:
    """Initialise one node per code, each knowing every other in its directory."""
    members: dict[str, Member] = {}
    for code in codes:
        name, kind = ORGS[code]
        settings = load_settings(
            tmp / code, (url_for or {}).get(code) or f"sqlite:///{tmp / code / 'h.db'}"
        )
        node = init_node(
            settings,
            org_name=name,
            country=None if kind == "joint-staff" else code,
            kind=kind,
            admin_user="admin",
            admin_password=ADMIN_PASSWORD,
        )
        members[code] = Member(code, node)
    cards = {code: own_card(m.node).as_dict() for code, m in members.items()}
    for code, m in members.items():
        with m.node.db.transaction() as session:
            for other, card in cards.items():
                if other != code:
                    add_member(
                        session,
                        m.node,
                        **{
                            k: card[k]
                            for k in ("identity_id", "name", "country", "kind", "public_key")
                        },
                    )
    return members


def peer_token(m: Member, peer: str) -> str:
    """The token m's node presents to its peer `peer` (kept sealed in its database)."""
    with m.node.db.session() as session:
        token = open_secret(m.node.signer, get_peer(session, peer).outbound_token)
    assert token
    return token


def link(a: Member, b: Member, *, push: bool = False) -> None:
    """a pulls from b (and pushes to it if asked); b can likewise reach a."""
    with b.node.db.transaction() as session:
        token_for_a = add_peer(
            session, b.node, name=a.code.lower(), card=own_card(a.node).as_dict()
        ).inbound_token
    with a.node.db.transaction() as session:
        add_peer(
            session,
            a.node,
            name=b.code.lower(),
            card=own_card(b.node).as_dict(),
            url=b.url,
            outbound_token=token_for_a,
            push=push,
        )


@contextmanager
def running_members(tmp: Path, codes: list[str], backend: str) -> Iterator[dict[str, Member]]:
    """Nodes for `codes` on `backend`, each serving its web UI, API and TAXII on loopback."""
    from conftest import create_pg_database, drop_pg_database

    urls = {c: create_pg_database() for c in codes} if backend == "postgresql" else {}
    ms = make_members(tmp, codes, urls)
    try:
        with ExitStack() as stack:
            for m in ms.values():
                m.server = stack.enter_context(LiveServer(m.node))
            yield ms
    finally:
        for m in ms.values():
            m.node.close()
        for url in urls.values():
            drop_pg_database(url)
