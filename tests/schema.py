"""The documented Statuspage shapes (tests/schemas/statuspage.json) as assertions."""

import json
from pathlib import Path

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "statuspage.json").read_text())
_REGISTRY = Registry().with_resource(SCHEMA["$id"], Resource.from_contents(SCHEMA))
Draft202012Validator.check_schema(SCHEMA)


def assert_matches(data, definition: str) -> None:
    """Fail with every violation if `data` is not a valid `definition` (e.g. "summary.json")."""
    assert definition in SCHEMA["$defs"], definition
    pointer = definition.replace("~", "~0").replace("/", "~1")
    validator = Draft202012Validator(
        {"$ref": f"{SCHEMA['$id']}#/$defs/{pointer}"}, registry=_REGISTRY
    )
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
    assert not errors, "\n".join(errors)


def get_json(client, url: str, definition: str | None = None, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert_matches(data, definition or url.removeprefix("/api/v2/"))
    return data
