"""import_statuspage: documents are checked field by field; a fault is one line that
names the field, and nothing is written."""

import functools
import json
import os
import re
import subprocess
import sys

import pytest
from django.core.management.base import CommandError

from .conftest import counts, run, source

pytestmark = pytest.mark.django_db


def mutate(path, value):
    """A copy of incidents.json with the field at `path` (a list of keys) set or deleted."""
    data = source("incidents.json")
    *parents, last = path
    target = functools.reduce(lambda node, key: node[key], parents, data)
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (
            ["incidents", 3, "incident_updates", 0, "status"],
            "exploded",
            "incidents[3].incident_updates[0].status: 'exploded' is not an incident status",
        ),
        (
            ["incidents", 0, "status"],
            "completed",
            "incidents[0].status: 'completed' is not an incident status",
        ),
        (
            ["incidents", 2, "incident_updates", 1, "status"],
            "resolved",
            "incidents[2].incident_updates[1].status: 'resolved' is not a status of a maintenance",
        ),
        (
            ["incidents", 0, "impact"],
            "apocalyptic",
            "incidents[0].impact: 'apocalyptic' is not an impact",
        ),
        (
            ["incidents", 1, "created_at"],
            "yesterday",
            "incidents[1].created_at: 'yesterday' is not an ISO 8601 time with a zone",
        ),
        (
            ["incidents", 1, "created_at"],
            "2026-02-20T11:02:33",
            "incidents[1].created_at: '2026-02-20T11:02:33' is not an ISO 8601 time with a zone",
        ),
        (["incidents", 0, "name"], KeyError, "incidents[0].name: missing"),
        (["incidents", 0, "name"], "  ", "incidents[0].name: empty"),
        (["incidents", 0, "name"], "x" * 201, "incidents[0].name: longer than 200 characters"),
        (["incidents", 0, "id"], 12, "incidents[0].id: expected an id (a string), not 12"),
        (["incidents", 0, "id"], "../../etc", 'incidents[0].id: "../../etc" is not an id'),
        (
            ["incidents", 0, "incident_updates"],
            [],
            "incidents[0].incident_updates: an incident needs at least one update",
        ),
        (
            ["incidents", 0, "incident_updates"],
            None,
            "incidents[0].incident_updates: expected a list, not null",
        ),
        (
            ["incidents", 1, "incident_updates", 0, "affected_components", 0, "new_status"],
            "on_fire",
            "incidents[1].incident_updates[0].affected_components[0].new_status: 'on_fire' is not "
            "a component status",
        ),
        (
            ["incidents", 2, "scheduled_until"],
            "2026-02-14T13:00:00Z",
            "incidents[2].scheduled_until: 2026-02-14T13:00:00+00:00 is not after scheduled_for",
        ),
        (
            ["incidents", 2, "scheduled_for"],
            None,
            "incidents[2].scheduled_for: expected a time (ISO 8601), not null",
        ),
        (
            ["incidents", 1, "components", 0, "position"],
            "first",
            'incidents[1].components[0].position: expected a whole number, not "first"',
        ),
        (
            ["incidents", 1, "components", 0, "start_date"],
            "May 2024",
            "incidents[1].components[0].start_date: 'May 2024' is not a date",
        ),
        (
            ["incidents", 1, "incident_updates", 2],
            "hello",
            'incidents[1].incident_updates[2]: expected an object, not "hello"',
        ),
        (["incidents"], {"id": "x"}, "incidents: expected a list"),
    ],
)
def test_malformed_input_names_the_field_and_imports_nothing(write_json, path, value, message):
    with pytest.raises(CommandError) as error:
        run(write_json(mutate(path, value)))
    assert message in str(error.value)
    assert str(error.value).startswith("Nothing was imported.")
    assert counts() == [0, 0, 0, 0, 0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not JSON (Expecting property name enclosed in double quotes at line 1"),
        (b"\xff\xfe", "not UTF-8 text"),
        (b"[]", "not a Statuspage document"),
        (b'{"page": {}}', "not a Statuspage document"),
    ],
)
def test_unreadable_documents_are_refused_clearly(tmp_path, content, message):
    path = tmp_path / "broken.json"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=re.escape(message)):
        run(path)


def test_a_dry_run_refuses_what_the_import_would_refuse(write_json):
    # An empty start date once passed the checks and failed only when written.
    data = source("components.json")
    data["components"][5]["start_date"] = ""
    path = write_json(data, "components.json")
    for dry_run in (["--dry-run"], []):
        with pytest.raises(CommandError) as error:
            run(path, *dry_run)
        assert "components[5].start_date: '' is not a date (YYYY-MM-DD)." in str(error.value)
    assert counts() == [0, 0, 0, 0, 0]


# Input that Python's own readers choke on: one line, never a traceback, nothing written.

VALID_COMPONENT = {
    "id": "cmp000000001",
    "name": "API",
    "status": "operational",
    "description": None,
    "created_at": "2026-01-01T00:00:00Z",
}
POISON = {
    "deep nesting": (
        b'{"incidents": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "nested too deeply to read",
    ),
    "a 5,000-digit number": (
        b'{"components": [{"position": ' + b"7" * 5000 + b"}]}",
        "holds a number too long to read",
    ),
    "a lone surrogate": (
        json.dumps({"components": [VALID_COMPONENT | {"name": "A\ud800PI"}]}).encode(),
        "components[0].name: A lone surrogate (U+D800, not a character) is not allowed here.",
    ),
    "a year-9999 time with an offset": (
        json.dumps(
            {"components": [VALID_COMPONENT | {"created_at": "9999-12-31T23:59:59-05:00"}]}
        ).encode(),
        "components[0].created_at: 9999-12-31T23:59:59-05:00 is out of range",
    ),
}


@pytest.mark.parametrize(("content", "message"), POISON.values(), ids=POISON.keys())
def test_input_that_breaks_pythons_readers_is_a_one_line_error(tmp_path, content, message):
    path = tmp_path / "poison.json"
    path.write_bytes(content)
    for dry_run in (["--dry-run"], []):
        with pytest.raises(CommandError) as error:
            run(path, *dry_run)
        assert message in str(error.value) and "\n" not in str(error.value)
    assert counts() == [0, 0, 0, 0, 0]


def test_the_command_shows_no_traceback_from_the_shell(tmp_path):
    env = os.environ | {"DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
    for name, (content, message) in POISON.items():
        path = tmp_path / "poison.json"
        path.write_bytes(content)
        result = subprocess.run(
            [*manage, "import_statuspage", str(path)], capture_output=True, text=True, env=env
        )
        assert result.returncode == 1, name
        assert result.stderr.startswith("CommandError: Nothing was imported."), name
        assert result.stderr.count("\n") == 1 and message in result.stderr, name
