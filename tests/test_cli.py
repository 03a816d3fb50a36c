"""The `hoggar` command line, run as real processes against SQLite and PostgreSQL.

Each command is a subprocess of the installed console script; the database is chosen by
`--data-dir` plus `HOGGAR_DATABASE_URL` (the `database_url` fixture), so both engines
run. Commands that do not depend on each other run concurrently to keep the suite fast.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import stix2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select, text
from stix2validator import ValidationOptions, validate_string

import factories
from conftest import ADMIN_PASSWORD, LiveServer
from hoggar.audit import service as audit_service
from hoggar.audit.service import Action, record
from hoggar.auth import logins
from hoggar.auth import service as auth
from hoggar.auth.models import ApiToken, User
from hoggar.context import Node, system_principal
from hoggar.kernel.ids import new_id
from hoggar.kernel.settings import load_settings
from hoggar.kernel.signing import public_key_b64
from hoggar.node.service import open_node
from hoggar.orgs.service import list_orgs, public_key_of
from hoggar.records.bundles import import_objects
from hoggar.stix.models import ObjectLink, ObjectVersion

_SCRIPT = shutil.which("hoggar", path=str(Path(sys.executable).parent)) or shutil.which("hoggar")
HOGGAR = [_SCRIPT] if _SCRIPT else [sys.executable, "-m", "hoggar.cli.main"]
PASSWORD = "a-long-enough-password"
TS = "2025-03-01T10:00:00.000Z"


@dataclass
class Result:
    args: Sequence[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def text(self) -> str:
        """stdout and stderr with runs of white space folded (Rich wraps long lines)."""
        return " ".join((self.stdout + "\n" + self.stderr).split())

    def __str__(self) -> str:
        return f"hoggar {' '.join(self.args)} -> {self.returncode}\n{self.stdout}\n{self.stderr}"


def base_env(database_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOGGAR_")}
    env.update({"COLUMNS": "250", "NO_COLOR": "1", "TERM": "dumb"})
    if database_url:
        env["HOGGAR_DATABASE_URL"] = database_url
    return env


def run_all(*commands: Sequence[str], env: dict[str, str], timeout: float = 90) -> list[Result]:
    """Run several `hoggar` commands at once; results in the same order."""
    procs = [
        (
            list(args),
            subprocess.Popen(
                [*HOGGAR, *args],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
        for args in commands
    ]
    results = []
    for args, proc in procs:
        out, err = proc.communicate(timeout=timeout)
        results.append(Result(args, proc.returncode, out, err))
    return results


def run(*args: str, env: dict[str, str]) -> Result:
    return run_all(args, env=env)[0]


def no_traceback(result: Result) -> None:
    assert "Traceback" not in result.stderr, str(result)


@dataclass
class Cli:
    """Runs `hoggar` against the `node` fixture's data directory and database."""

    node: Node
    env: dict[str, str]

    def argv(self, *args: str) -> list[str]:
        return [*args, "--data-dir", str(self.node.settings.data_dir)]

    def __call__(self, *args: str) -> Result:
        return run(*self.argv(*args), env=self.env)

    def all(self, *commands: Sequence[str]) -> list[Result]:
        return run_all(*(self.argv(*c) for c in commands), env=self.env)


@pytest.fixture
def cli(node: Node, database_url: str) -> Cli:
    return Cli(node, base_env(database_url))


def stored_versions(node: Node, ids: Sequence[str]) -> dict[str, int]:
    with node.db.session() as session:
        rows = session.execute(
            select(ObjectVersion.stix_id, func.count())
            .where(ObjectVersion.stix_id.in_(list(ids)))
            .group_by(ObjectVersion.stix_id)
        ).all()
    return {sid: n for sid, n in rows}


def write_bundle(path: Path, objects: Sequence[Any]) -> Path:
    objs = [o if isinstance(o, dict) else json.loads(o.serialize()) for o in objects]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"type": "bundle", "id": new_id("bundle"), "objects": objs}))
    return path


def incident(name: str) -> dict[str, Any]:
    return json.loads(stix2.v21.Incident(name=name).serialize())


# --- init --------------------------------------------------------------------------


def test_init_creates_node_then_refuses_second_init_and_bad_country(
    tmp_path: Path, database_url: str
) -> None:
    env = base_env(database_url)
    data, elsewhere = tmp_path / "algeria", tmp_path / "elsewhere"
    args = ["--org", "Algeria", "--admin-user", "admin", "--admin-password", PASSWORD]

    bad, first = run_all(
        ["init", "--data-dir", str(elsewhere), *args, "--country", "DZA"],
        ["init", "--data-dir", str(data), *args, "--country", "DZ"],
        env=env,
    )
    assert bad.returncode == 1, str(bad)
    assert "--country" in bad.text
    no_traceback(bad)
    assert not (elsewhere / "keys").exists()
    assert first.returncode == 0, str(first)
    assert "Initialised node for Algeria" in first.text
    key = (data / "keys" / "signing-key.pem").read_bytes()

    again = run("init", "--data-dir", str(data), *args, "--country", "DZ", env=env)
    assert again.returncode == 1, str(again)
    assert "already initialised" in again.text
    no_traceback(again)
    assert (data / "keys" / "signing-key.pem").read_bytes() == key

    node = open_node(load_settings(data, database_url))
    try:
        assert node.org_name == "Algeria"
        with node.db.session() as session:
            users = auth.list_users(session)
            assert [(u.username, u.role) for u in users] == [("admin", "admin")]
            assert logins.authenticate(session, node, "admin", PASSWORD) is not None
            assert [o.country for o in list_orgs(session) if o.is_self] == ["DZ"]
    finally:
        node.close()


# --- help ----------------------------------------------------------------------------


def _commands(help_text: str) -> list[str]:
    """The command names listed under "Commands:" in a help text."""
    if "Commands:" not in help_text:
        return []
    names: list[str] = []
    for line in help_text.split("Commands:", 1)[1].splitlines():
        m = re.match(r"^  (\S+)", line)
        if m:
            names.append(m.group(1))
        elif names and not line.strip():
            break
    return names


# Printing every command's help from one process: a `hoggar` process costs ~1 s of CPU
# to start, and there are dozens of commands. The root help runs the console script.
_HELP_DUMP = """
import json
from typer.main import get_command
from typer.testing import CliRunner
from hoggar.cli.main import app

runner = CliRunner()
out = {}

def walk(command, path):
    result = runner.invoke(app, [*path, "--help"])
    out[" ".join(path)] = [result.exit_code, result.output]
    for name, sub in (getattr(command, "commands", None) or {}).items():
        walk(sub, [*path, name])

root = get_command(app)
for name, sub in root.commands.items():
    walk(sub, [name])
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def helps() -> dict[tuple[str, ...], Result]:
    """`--help` of hoggar (the console script) and of every command group and command."""
    env = base_env()
    root = subprocess.Popen(
        [*HOGGAR, "--help"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    dump = subprocess.run(
        [sys.executable, "-c", _HELP_DUMP], env=env, capture_output=True, text=True, timeout=120
    )
    out, err = root.communicate(timeout=60)
    assert dump.returncode == 0, dump.stderr
    found = {(): Result(["--help"], root.returncode, out, err)}
    for path, (code, output) in json.loads(dump.stdout).items():
        found[tuple(path.split())] = Result([*path.split(), "--help"], code, output, "")
    return found


def _has_example(result: Result) -> bool:
    return any("Example:" in line for line in result.stdout.splitlines())


def test_help_of_hoggar_exits_0_with_example(helps: dict[tuple[str, ...], Result]) -> None:
    root = helps[()]
    assert root.returncode == 0, str(root)
    assert {"init", "serve", "import", "export", "user", "token", "org", "audit"} <= set(
        _commands(root.stdout)
    )
    assert _has_example(root), root.stdout


def test_help_of_every_command_exits_0_with_example(
    helps: dict[tuple[str, ...], Result],
) -> None:
    leaves = {p: r for p, r in helps.items() if p and not _commands(r.stdout)}
    assert ("user", "add") in leaves
    assert ("projections", "rebuild") in leaves
    bad = [" ".join(p) for p, r in leaves.items() if r.returncode != 0 or not _has_example(r)]
    assert not bad, f"no 'Example:' line in the help of: {bad}"


def test_help_of_every_command_group_exits_0_with_example(
    helps: dict[tuple[str, ...], Result],
) -> None:
    groups = {p: r for p, r in helps.items() if p and _commands(r.stdout)}
    assert ("user",) in groups
    bad = [" ".join(p) for p, r in groups.items() if r.returncode != 0 or not _has_example(r)]
    assert not bad, f"no 'Example:' line in the help of: {bad}"


# --- accounts, tokens, member directory ------------------------------------------------


def test_user_add_set_and_list(cli: Cli, node: Node) -> None:
    with node.db.transaction() as session:
        auth.create_user(
            session, node, username="amina", password=PASSWORD, role="analyst", actor="test"
        )
    added, changed, duplicate = cli.all(
        ["user", "add", "bilal", "--role", "analyst", "--password", PASSWORD],
        ["user", "set", "amina", "--role", "viewer", "--disabled", "--language", "fr"],
        ["user", "add", "amina", "--password", PASSWORD],
    )
    assert added.returncode == 0 and "Created analyst bilal" in added.text, str(added)
    assert changed.returncode == 0, str(changed)
    assert duplicate.returncode == 1 and "already exists" in duplicate.text, str(duplicate)
    no_traceback(duplicate)

    listing = cli("user", "list")
    assert listing.returncode == 0, str(listing)
    for row in (
        r"│\s*amina\s*│\s*viewer\s*│\s*no\s*│\s*fr\s*│",
        r"│\s*bilal\s*│\s*analyst\s*│\s*yes\s*│\s*en\s*│",
        r"│\s*admin\s*│\s*admin\s*│\s*yes\s*│",
    ):
        assert re.search(row, listing.stdout), listing.stdout
    with node.db.session() as session:
        amina = session.scalar(select(User).where(User.username == "amina"))
        assert amina is not None
        assert (amina.role, amina.active, amina.language) == ("viewer", False, "fr")
        bilal = session.scalar(select(User).where(User.username == "bilal"))
        assert bilal is not None and bilal.org_id == node.org_id
        assert logins.authenticate(session, node, "bilal", PASSWORD) is not None


def test_token_create_list_revoke(cli: Cli, node: Node, live_server: LiveServer) -> None:
    created = cli("token", "create", "admin", "--name", "sync-test")
    assert created.returncode == 0, str(created)
    secret = created.stdout.strip()
    assert secret.startswith("hgr_")
    headers = {"authorization": f"Bearer {secret}"}
    me = httpx.get(f"{live_server.url}/api/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["user"]["username"] == "admin"
    with node.db.session() as session:
        token = session.scalar(select(ApiToken).where(ApiToken.name == "sync-test"))
        assert token is not None
        token_id = token.id

    listing, revoked = cli.all(["token", "list"], ["token", "revoke", str(token_id)])
    assert listing.returncode == 0, str(listing)
    assert re.search(rf"│\s*{token_id}\s*│\s*admin\s*│\s*sync-test\s*│", listing.stdout), (
        listing.stdout
    )
    assert secret not in listing.text
    assert secret[len("hgr_12345678_") :] not in listing.text
    assert revoked.returncode == 0, str(revoked)
    assert httpx.get(f"{live_server.url}/api/me", headers=headers).status_code == 401


def test_org_card_add_and_list(cli: Cli, node: Node, tmp_path: Path) -> None:
    mali_key = public_key_b64(Ed25519PrivateKey.generate().public_key())
    mali_id = new_id("identity")
    mali = {"identity_id": mali_id, "name": "Mali", "country": "ML", "kind": "member"}
    mali["public_key"] = mali_key
    card_file = tmp_path / "mali.json"
    card_file.write_text(json.dumps(mali))
    bad_file = tmp_path / "bad.json"
    bad_file.write_text(json.dumps({**mali, "identity_id": new_id("identity"), "country": "Mali"}))

    card, added, bad = cli.all(
        ["org", "card"], ["org", "add", str(card_file)], ["org", "add", str(bad_file)]
    )
    assert card.returncode == 0, str(card)
    assert json.loads(card.stdout) == {
        "identity_id": node.org_id,
        "name": "Algeria",
        "country": "DZ",
        "kind": "member",
        "public_key": node.signer.public_b64,
    }
    assert added.returncode == 0, str(added)
    assert bad.returncode == 1 and "country" in bad.text, str(bad)
    no_traceback(bad)

    listing = cli("org", "list")
    assert listing.returncode == 0, str(listing)
    assert re.search(r"Mali\s*│\s*ML\s*│\s*member", listing.stdout), listing.stdout
    assert "Algeria (this node)" in listing.stdout
    with node.db.session() as session:
        assert public_key_of(session, mali_id) == mali_key
        assert len(list_orgs(session)) == 2


# --- audit, schema, projections ----------------------------------------------------------


def test_audit_verify_list_and_db_check_on_an_intact_node(cli: Cli) -> None:
    verify, listing, check = cli.all(
        ["audit", "verify"], ["audit", "list", "--action", "user.create"], ["db", "check"]
    )
    assert verify.returncode == 0, str(verify)
    assert re.search(r"audit log intact: \d+ entries", verify.text), str(verify)
    assert listing.returncode == 0, str(listing)
    assert re.search(r"│\s*2\s*│.*│\s*admin\s*│\s*user\.create\s*│\s*user:admin", listing.stdout), (
        listing.stdout
    )
    assert "node.init" not in listing.stdout
    assert check.returncode == 0, str(check)
    assert "schema matches the models" in check.text


def _index_rows(node: Node) -> list[tuple[Any, ...]]:
    with node.db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT * FROM stix_index ORDER BY stix_id"))]


def test_projections_rebuild_leaves_the_index_unchanged(cli: Cli, node: Node) -> None:
    objects = [json.loads(o.serialize()) for o in _scenario()]
    report = import_objects(node, objects, principal=system_principal(node), source="test")
    assert not report.rejected
    before = _index_rows(node)
    assert len(before) >= len(objects)
    result = cli("projections", "rebuild")
    assert result.returncode == 0, str(result)
    assert f"rebuilt projections of {len(before)} objects" in result.text
    assert _index_rows(node) == before


# --- import and export ----------------------------------------------------------------


def _scenario() -> list[Any]:
    place = stix2.v21.Location(name="Djanet", latitude=24.55, longitude=9.48, country="DZ")
    first = stix2.v21.Incident(name="Ambush near Djanet", object_marking_refs=[stix2.TLP_GREEN])
    second = stix2.v21.Incident(name="Smuggling convoy stopped at In Amenas")
    link = stix2.v21.Relationship(first, "located-at", place)
    return [stix2.TLP_GREEN, place, first, second, link]


def test_import_files_and_directory_lists_refusals_and_exits_2(
    cli: Cli, node: Node, tmp_path: Path
) -> None:
    good_a = [json.loads(o.serialize()) for o in _scenario()]
    good_b = incident("Rocket fire on Tessalit camp")
    nameless = incident("to be removed")
    del nameless["name"]
    extra = incident("Arms seizure at Bordj Badji Mokhtar")
    folder = tmp_path / "bundles"
    write_bundle(folder / "a.json", good_a)
    write_bundle(folder / "nested" / "b.json", [good_b, nameless])
    (folder / "notes.txt").write_text("not a bundle, and not *.json: ignored")
    extra_file = write_bundle(tmp_path / "extra.json", [extra])
    broken = tmp_path / "broken.json"
    broken.write_text('{"type": "bundle", "objects": [')

    mixed = cli("import", str(folder), str(extra_file), str(broken))
    assert mixed.returncode == 2, str(mixed)
    assert nameless["id"] in mixed.text
    assert "/name" in mixed.text
    assert "broken.json" in mixed.text and "not valid JSON" in mixed.text
    assert good_b["id"] not in mixed.stdout  # only refusals are listed
    no_traceback(mixed)

    stored_ids = [o["id"] for o in good_a[1:]] + [good_b["id"], extra["id"]]
    assert stored_versions(node, [*stored_ids, nameless["id"]]) == dict.fromkeys(stored_ids, 1)

    again = cli("import", str(folder / "a.json"), str(extra_file))
    assert again.returncode == 0, str(again)
    assert "duplicate" in again.text
    assert stored_versions(node, stored_ids) == dict.fromkeys(stored_ids, 1)


def test_a_bulk_import_checked_by_a_worker_stores_what_this_process_would(
    cli: Cli, node: Node, tmp_path: Path
) -> None:
    # Objects checked and projected in a worker process (--workers 1): the index rows
    # it wrote equal those `projections rebuild` computes here from the stored bodies,
    # refusals keep their reasons and pointers, and a version repeated in the bundle is
    # stored once.
    place = {**json.loads(_scenario()[1].serialize())}
    objects: list[dict[str, Any]] = [place]
    for n in range(400):
        objects.append(
            factories.incident(
                None,
                name=f"Embuscade {n} près de Ménaka — كمين قرب ميناكا",
                event_type="battle",
                country="ML",
                latitude=15.9 + n / 1000,
                longitude=2.4,
                killed=n % 7,
                location_refs=[place["id"]],
            )
        )
    hidden = incident("Convoi \u202eexe.live")  # a bidi override
    objects += [hidden, dict(objects[5])]  # and a version given twice
    bundle = write_bundle(tmp_path / "bulk.json", objects)

    result = cli("import", "--workers", "1", str(bundle))
    assert result.returncode == 2, str(result)
    assert hidden["id"] in result.text and "U+202E" in result.text
    stored_ids = [o["id"] for o in objects if o is not hidden]
    assert stored_versions(node, [*stored_ids, hidden["id"]]) == dict.fromkeys(stored_ids, 1)
    with node.db.session() as session:
        body = session.scalar(
            select(ObjectVersion.body).where(ObjectVersion.stix_id == objects[7]["id"])
        )
        linked = session.scalar(
            select(func.count()).select_from(ObjectLink).where(ObjectLink.ref_id == place["id"])
        )
    assert body is not None and json.loads(body) == objects[7]
    assert linked == 400
    written = _index_rows(node)
    assert len(written) >= len(stored_ids)
    assert cli("projections", "rebuild").returncode == 0
    assert _index_rows(node) == written


def test_export_writes_a_valid_bundle_and_refuses_a_bogus_tlp(
    cli: Cli, node: Node, tmp_path: Path
) -> None:
    objects = [json.loads(o.serialize()) for o in _scenario()]
    assert not import_objects(
        node, objects, principal=system_principal(node), source="test"
    ).rejected
    out = tmp_path / "incidents.json"
    bogus_out = tmp_path / "bogus.json"
    exported, bogus = cli.all(
        ["export", "--type", "incident", "-o", str(out)],
        ["export", "--tlp", "bogus", "-o", str(bogus_out)],
    )
    assert exported.returncode == 0, str(exported)
    bundle_text = out.read_text(encoding="utf-8")
    results = validate_string(bundle_text, ValidationOptions(strict=False))
    assert results.is_valid, [str(e) for e in results.errors]
    bundle = json.loads(bundle_text)
    incidents = {o["id"]: o for o in bundle["objects"] if o["type"] == "incident"}
    assert incidents == {o["id"]: o for o in objects if o["type"] == "incident"}
    assert {o["type"] for o in bundle["objects"]} <= {"incident", "marking-definition"}

    assert bogus.returncode != 0, str(bogus)
    assert "'bogus' is not a TLP 2.0 level" in bogus.text
    assert "TLP:AMBER" in bogus.text
    no_traceback(bogus)
    assert not bogus_out.exists()


# --- audit tampering -------------------------------------------------------------------


def _audited_node(node: Node) -> int:
    """Add entries so that the chain has a middle; returns the last seq."""
    with node.db.transaction() as session:
        for i in range(3):
            record(
                session,
                node.signer,
                actor="test",
                org_id=node.org_id,
                action=Action.USER_CHANGE,
                target=f"user:t{i}",
                detail={"i": i},
            )
    with node.db.session() as session:
        return int(session.scalar(text("SELECT max(seq) FROM audit_log")))


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        ("UPDATE audit_log SET detail = '{\"i\": 99}' WHERE seq = :middle", "middle"),
        ("DELETE FROM audit_log WHERE seq = :last", "last"),
        ("DELETE FROM audit_log WHERE seq = :middle", "middle"),
    ],
    ids=["edited-detail", "deleted-last", "deleted-middle"],
)
def test_audit_verify_after_tampering_exits_1_naming_first_bad_entry(
    cli: Cli, node: Node, tamper: str, expected: str
) -> None:
    last = _audited_node(node)
    seqs = {"middle": last - 1, "last": last}
    with node.db.session() as session:
        assert audit_service.verify(session, node.signer.public_b64).ok
    with node.db.transaction() as session:
        session.execute(text(tamper), seqs)
    result = cli("audit", "verify")
    assert result.returncode == 1, str(result)
    assert "tampered" in result.text
    assert f"first bad entry: {seqs[expected]}" in result.text, str(result)
    no_traceback(result)


# --- serve -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_serve_answers_health_until_terminated(cli: Cli, node: Node) -> None:
    port = _free_port()
    argv = cli.argv("serve", "--host", "127.0.0.1", "--port", str(port))
    proc = subprocess.Popen(
        [*HOGGAR, *argv],
        env=cli.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        health = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert health is not None, f"the server never answered: {proc.poll()}"
        assert health.status_code == 200
        assert health.json()["status"] == "ok"
        login = httpx.post(
            f"http://127.0.0.1:{port}/api/session",
            json={"username": "admin", "password": ADMIN_PASSWORD},
        )
        assert login.status_code == 200
        assert login.json()["user"]["org_id"] == node.org_id
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    # Stopped by SIGTERM, not killed: uvicorn shuts down, then re-raises the signal.
    assert proc.returncode in (0, -signal.SIGTERM), proc.stderr.read() if proc.stderr else ""


def test_bundle_import_of_a_folder_says_so_without_a_traceback(cli: Cli, tmp_path: Path) -> None:
    """Issue 19, item 15: `hoggar bundle import DIR` printed an IsADirectoryError."""
    result = cli("bundle", "import", str(tmp_path))
    assert result.returncode != 0
    no_traceback(result)
    assert "is a folder" in result.text
