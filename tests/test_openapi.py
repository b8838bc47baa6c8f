"""The committed contract is what the code serves (the web client is generated from it)."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from haven.cli import openapi_json

CONTRACT = Path(__file__).resolve().parents[1] / "openapi" / "openapi.json"


def test_committed_openapi_matches_the_code() -> None:
    assert CONTRACT.read_text() == openapi_json(), "run `make openapi`"


def test_openapi_is_served_under_the_api_prefix(client: TestClient) -> None:
    served = client.get("/api/v1/openapi.json").json()
    assert served["openapi"].startswith("3.1")
    assert served == json.loads(CONTRACT.read_text())


def test_operation_ids_are_tag_dash_function() -> None:
    spec = json.loads(CONTRACT.read_text())
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            tag = operation["tags"][0]
            assert operation["operationId"].startswith(f"{tag}-"), (method, path)
