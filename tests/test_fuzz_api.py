"""Schemathesis against the node's OpenAPI document, over real HTTP.

Every operation gets generated input (valid and invalid) from an administrator's
token: no answer may be a 5xx, and every answer must match the schema the document
declares for it (status code, content type, body). SQLite only: the engine makes no
difference to what the API accepts, and the run is the longest of the suite.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conftest import LiveServer
from hoggar.auth.tokens import create_token
from hoggar.context import Node


@pytest.fixture
def api(node: Node, live_server: LiveServer) -> Iterator[schemathesis.BaseSchema]:
    if not node.db.is_sqlite:
        pytest.skip("fuzzed once, on SQLite")
    with node.db.transaction() as session:
        _, token = create_token(session, node, "admin", name="fuzz", actor="test")
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/openapi.json")
    schema.config.headers = {"Authorization": f"Bearer {token}"}  # type: ignore[attr-defined]
    yield schema


schema = schemathesis.pytest.from_fixture("api")


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error_and_answers_match_the_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ]
    )
