"""Creating and opening a node; the member directory and the node's own identity."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from conftest import ADMIN_PASSWORD
from hoggar.context import Node, Principal
from hoggar.kernel.errors import Conflict, Invalid, NotFound
from hoggar.kernel.ids import new_id
from hoggar.kernel.settings import Settings, load_settings
from hoggar.kernel.signing import Signer, verify_object
from hoggar.node import migrate
from hoggar.node.service import NotInitialised, init_node, open_node
from hoggar.records.identity import add_member
from hoggar.store import queries


def test_init_creates_signed_identity_key_and_admin(node: Node) -> None:
    me = Principal(org_id=node.org_id, name="t")
    with node.db.session() as session:
        identity = queries.get_object(session, me, node.org_id)
    assert identity["identity_class"] == "organization"
    assert identity["name"] == "Algeria"
    verify_object(identity, node.signer.public_b64)
    assert node.settings.signing_key_path.stat().st_mode & 0o777 == 0o600


def test_init_twice_is_refused(node: Node, settings: Settings) -> None:
    with pytest.raises(Conflict, match="already initialised"):
        init_node(
            settings,
            org_name="Algeria",
            country="DZ",
            admin_user="admin",
            admin_password=ADMIN_PASSWORD,
        )


def test_init_bad_country_names_the_option(tmp_path: Path) -> None:
    with pytest.raises(Invalid) as err:
        init_node(
            load_settings(tmp_path / "x"),
            org_name="X",
            country="Algeria",
            admin_user="admin",
            admin_password=ADMIN_PASSWORD,
        )
    assert err.value.problems[0].where == "--country"


def test_open_uninitialised_directory_says_how_to_init(tmp_path: Path) -> None:
    with pytest.raises(NotInitialised, match="hoggar init"):
        open_node(load_settings(tmp_path / "empty", f"sqlite:///{tmp_path / 'e.db'}"))


def test_open_node_reads_organization_and_key(node: Node) -> None:
    again = open_node(node.settings)
    try:
        assert (again.org_id, again.org_name, again.signer.kid) == (
            node.org_id,
            "Algeria",
            node.signer.kid,
        )
    finally:
        again.close()


def test_add_member_releases_own_identity_to_it(node: Node) -> None:
    mali = new_id("identity")
    niger = new_id("identity")
    as_mali, as_niger = Principal(org_id=mali, name="m"), Principal(org_id=niger, name="n")
    with node.db.session() as session, pytest.raises(NotFound):
        queries.get_object(session, as_mali, node.org_id)
    with node.db.transaction() as session:
        add_member(
            session,
            node,
            identity_id=mali,
            name="Mali",
            country="ML",
            public_key=Signer(Ed25519PrivateKey.generate()).public_b64,
        )
    with node.db.session() as session:
        assert queries.get_object(session, as_mali, node.org_id)["name"] == "Algeria"
        with pytest.raises(NotFound):
            queries.get_object(session, as_niger, node.org_id)


def test_add_member_with_bad_key_is_refused(node: Node) -> None:
    with node.db.transaction() as session, pytest.raises(Invalid) as err:
        add_member(
            session,
            node,
            identity_id=new_id("identity"),
            name="X",
            country="ML",
            public_key="not-a-key",
        )
    assert err.value.problems[0].where == "public_key"


def test_models_and_migrations_do_not_drift(node: Node) -> None:
    assert migrate.current_revision(node.db.engine) == migrate.head_revision()
    assert migrate.drift(node.db.engine) == []
