"""Several nodes on one machine: set-up, linking, processes (`hoggar demo federation`, tests).

Each node has its own data directory (and SQLite file, unless a database URL is
given), listens on its own loopback port, knows the others in its member directory,
and is linked as a peer along the topology's edges (both directions pull).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from hoggar.context import Node
from hoggar.federation.peers import add_peer
from hoggar.kernel.settings import Settings, load_settings
from hoggar.node.service import init_node, open_node
from hoggar.records.identity import add_member, own_card

MEMBERS: dict[str, tuple[str, str, dict[str, str]]] = {
    "DZ": ("Algeria", "member", {"ar": "الجزائر", "fr": "Algérie", "en": "Algeria"}),
    "ML": ("Mali", "member", {"ar": "مالي", "fr": "Mali", "en": "Mali"}),
    "NE": ("Niger", "member", {"ar": "النيجر", "fr": "Niger", "en": "Niger"}),
    "MR": ("Mauritania", "member", {"ar": "موريتانيا", "fr": "Mauritanie", "en": "Mauritania"}),
    "JS": (
        "Joint Operational Staff",
        "joint-staff",
        {
            "ar": "لجنة الأركان العملياتية المشتركة",
            "fr": "Comité d'état-major opérationnel conjoint",
            "en": "Joint Operational Staff",
        },
    ),
}
# Every member talks to the joint staff; two neighbours also have a direct link.
STAR_TOPOLOGY = [("DZ", "JS"), ("ML", "JS"), ("NE", "JS"), ("MR", "JS"), ("ML", "NE")]


@dataclass
class ClusterNode:
    code: str
    data_dir: Path
    port: int
    database_url: str | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return MEMBERS[self.code][0]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "serve.log"

    @property
    def taxii_url(self) -> str:
        return f"{self.url}/taxii2/hoggar/"

    @property
    def settings(self) -> Settings:
        return load_settings(self.data_dir, self.database_url)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("HOGGAR_DATABASE_URL", None)
        if self.database_url:
            env["HOGGAR_DATABASE_URL"] = self.database_url
        return env

    def open(self) -> Node:
        return open_node(self.settings)


def plan(
    base_dir: Path,
    codes: Iterable[str],
    base_port: int,
    database_urls: dict[str, str] | None = None,
) -> list[ClusterNode]:
    return [
        ClusterNode(code, base_dir / code.lower(), base_port + i, (database_urls or {}).get(code))
        for i, code in enumerate(codes)
    ]


def initialise(
    nodes: list[ClusterNode],
    admin_password: str,
    topology: Iterable[tuple[str, str]] = STAR_TOPOLOGY,
    org_ids: dict[str, str] | None = None,
) -> None:
    """Create every node, exchange organization cards, and link peers along the edges.

    `org_ids` gives some nodes a chosen identity id (the benchmark's nodes take the
    ids its generated records are released to)."""
    opened: dict[str, Node] = {}
    try:
        for n in nodes:
            name, kind, names = MEMBERS[n.code]
            opened[n.code] = init_node(
                n.settings,
                org_name=name,
                kind=kind,
                names=names,
                country=None if kind == "joint-staff" else n.code,
                admin_user="admin",
                admin_password=admin_password,
                org_id=(org_ids or {}).get(n.code),
            )
        cards = {code: own_card(node).as_dict() for code, node in opened.items()}
        for code, node in opened.items():
            with node.db.transaction() as session:
                for other, card in cards.items():
                    if other != code:
                        add_member(session, node, **card)
        by_code = {n.code: n for n in nodes}
        for a, b in topology:
            if a in opened and b in opened:
                _link(opened[a], by_code[a], opened[b], by_code[b])
    finally:
        for node in opened.values():
            node.close()


def _link(a: Node, a_plan: ClusterNode, b: Node, b_plan: ClusterNode) -> None:
    """Both directions: each issues the other a token, and each pulls from the other."""
    with b.db.transaction() as session:
        token_for_a = add_peer(
            session, b, name=a_plan.code.lower(), card=own_card(a).as_dict()
        ).inbound_token
    with a.db.transaction() as session:
        token_for_b = add_peer(
            session,
            a,
            name=b_plan.code.lower(),
            card=own_card(b).as_dict(),
            url=b_plan.taxii_url,
            outbound_token=token_for_a,
        ).inbound_token
    with b.db.transaction() as session:
        add_peer(
            session,
            b,
            name=a_plan.code.lower(),
            card=own_card(a).as_dict(),
            url=a_plan.taxii_url,
            outbound_token=token_for_b,
        )


def start(node: ClusterNode, *, timeout: float = 30.0) -> None:
    """Start `hoggar serve` for this node and wait until its health check answers."""
    node.data_dir.mkdir(parents=True, exist_ok=True)
    log = node.log_path.open("ab")
    node.process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hoggar.cli.main",
            "serve",
            "--data-dir",
            str(node.data_dir),
            "--host",
            "127.0.0.1",
            "--port",
            str(node.port),
        ],
        env=node.env(),
        stdout=subprocess.DEVNULL,
        stderr=log,  # a file, not a pipe nobody reads: a chatty server never blocks
    )
    log.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if node.process.poll() is not None:
            err = node.log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"node {node.code} exited: {err}")
        try:
            if httpx.get(f"{node.url}/api/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"node {node.code} did not answer on port {node.port}")


def stop(node: ClusterNode, *, kill: bool = False) -> None:
    if node.process is None:
        return
    if node.process.poll() is None:
        node.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            node.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            node.process.kill()
            node.process.wait()
    if node.process.stderr:
        node.process.stderr.close()
    node.process = None


def sync_process(node: ClusterNode) -> subprocess.Popen[bytes]:
    """`hoggar sync` for this node as a separate process (so it can be killed mid-sync)."""
    return subprocess.Popen(
        [sys.executable, "-m", "hoggar.cli.main", "sync", "--data-dir", str(node.data_dir)],
        env=node.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
