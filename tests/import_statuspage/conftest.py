"""What the tests of import_statuspage share: the fixtures of a Statuspage page, read
from files or served by a real HTTP server, and the command run as an operator runs it."""

import functools
import json
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from incidents.models import (
    Component,
    ComponentGroup,
    ComponentStatusChange,
    Incident,
    IncidentUpdate,
)

SITE = Path(__file__).parent.parent / "fixtures" / "statuspage"
DOCUMENTS = SITE / "api" / "v2"
# The test servers are on loopback: tests whose point is not that refusal allow it.
ALLOW_PRIVATE = "--allow-private"


def source(name):
    return json.loads((DOCUMENTS / name).read_text())


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_statuspage", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def counts():
    return [
        model.objects.count()
        for model in (ComponentGroup, Component, Incident, IncidentUpdate, ComponentStatusChange)
    ]


@pytest.fixture
def write_json(tmp_path):
    def write(data, name="incidents.json"):
        path = tmp_path / name
        path.write_text(json.dumps(data))
        return path

    return write


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def statuspage_site(monkeypatch):
    """The fixtures served by a real HTTP server on a loopback port, as a page would be."""
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(SITE))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
