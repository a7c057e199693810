import contextlib
import copy
import datetime
import functools
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from incidents import services
from incidents.api import importer
from incidents.api.importer import sources, web
from incidents.models import (
    Component,
    ComponentGroup,
    ComponentStatusChange,
    Incident,
    IncidentUpdate,
)
from subscribers.models import Notification

from .schema import get_json

pytestmark = pytest.mark.django_db

SITE = Path(__file__).parent / "fixtures" / "statuspage"
DOCUMENTS = SITE / "api" / "v2"
TIME_KEYS = ["created_at", "updated_at", "started_at", "monitoring_at", "resolved_at"]
UPDATE_TIME_KEYS = ["created_at", "updated_at", "display_at"]
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


def same_time(ours, theirs):
    if theirs is None:
        return ours is None
    return datetime.datetime.fromisoformat(ours) == datetime.datetime.fromisoformat(theirs)


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


def test_round_trip_of_incidents_json(client):
    theirs = source("incidents.json")["incidents"]
    run(DOCUMENTS / "incidents.json")
    ours = get_json(client, "/api/v2/incidents.json", "incidents.json")["incidents"]
    assert [i["id"] for i in ours] == [i["id"] for i in theirs]
    for mine, original in zip(ours, theirs, strict=True):
        for key in ["name", "status", "impact"]:
            assert mine[key] == original[key], (original["id"], key)
        for key in TIME_KEYS + (
            ["scheduled_for", "scheduled_until"] if "scheduled_for" in original else []
        ):
            assert same_time(mine[key], original[key]), (original["id"], key)
        assert [c["id"] for c in mine["components"]] == [c["id"] for c in original["components"]]
        assert len(mine["incident_updates"]) == len(original["incident_updates"])
        for update, their_update in zip(
            mine["incident_updates"], original["incident_updates"], strict=True
        ):
            for key in ["id", "status", "body", "incident_id", "affected_components"]:
                assert update[key] == their_update[key], (their_update["id"], key)
            for key in UPDATE_TIME_KEYS:
                assert same_time(update[key], their_update[key]), (their_update["id"], key)


def test_old_links_keep_their_meaning(client):
    run(DOCUMENTS / "incidents.json")
    response = client.get("/incidents/inc0login001")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dashboard login failures" in html and 'id="update-upd0login002"' in html
    assert "<p>We’re monitoring the results.</p>" in html  # Markdown, rendered once


def test_a_page_base_url_brings_in_everything(client, statuspage_site):
    out, _ = run(statuspage_site, ALLOW_PRIVATE)
    assert "Import complete." in out
    assert counts()[:4] == [2, 4, 5, 13]
    data = get_json(client, "/api/v2/summary.json", "summary.json")
    assert data["status"] == {"indicator": "major", "description": "Partial System Outage"}
    assert [c["name"] for c in data["components"]] == [
        "Europe",
        "API (Europe)",
        "Database",
        "North America",
        "API (North America)",
        "Dashboard",
    ]
    assert [i["id"] for i in data["incidents"]] == ["inc0errors01"]
    assert [m["id"] for m in data["scheduled_maintenances"]] == ["mnt0switch01"]


def test_the_same_base_url_with_api_v2_or_a_slash_works(statuspage_site):
    run(f"{statuspage_site}/api/v2/", ALLOW_PRIVATE)
    run(f"{statuspage_site}/", ALLOW_PRIVATE)
    assert counts()[:4] == [2, 4, 5, 13]


def test_one_document_by_url(statuspage_site):
    run(f"{statuspage_site}/api/v2/summary.json", ALLOW_PRIVATE)
    assert set(Incident.objects.values_list("public_id", flat=True)) == {
        "inc0errors01",
        "mnt0switch01",
    }


def test_components_keep_their_groups_statuses_and_details(db):
    run(DOCUMENTS / "components.json")
    api_us = Component.objects.get(public_id="us0api000001")
    assert (api_us.name, api_us.status, api_us.group.name) == (
        "API (North America)",
        "partial_outage",
        "North America",
    )
    assert api_us.start_date == datetime.date(2024, 5, 1)
    assert api_us.created_at == datetime.datetime(2024, 5, 1, 16, tzinfo=datetime.UTC)
    assert api_us.updated_at == datetime.datetime(2026, 3, 2, 17, 30, tzinfo=datetime.UTC)
    dashboard = Component.objects.get(public_id="dash00000001")
    assert dashboard.group is None and dashboard.description.startswith("The web console")


def test_importing_twice_creates_nothing_new_and_keeps_ids(statuspage_site):
    run(statuspage_site, ALLOW_PRIVATE)
    before = counts()
    ids = sorted(Incident.objects.values_list("public_id", flat=True))
    out, _ = run(statuspage_site, ALLOW_PRIVATE)
    assert counts() == before
    assert sorted(Incident.objects.values_list("public_id", flat=True)) == ids
    assert "created" not in out and "0 new" in out


def test_a_later_import_refreshes_what_changed(write_json):
    run(DOCUMENTS / "incidents.json")
    data = source("incidents.json")
    errors = data["incidents"][0]
    errors["status"] = "resolved"
    errors["resolved_at"] = "2026-03-02T11:00:00.000-08:00"
    errors["incident_updates"].insert(
        0,
        {
            **errors["incident_updates"][0],
            "id": "upd0errors04",
            "status": "resolved",
            "body": "Fixed.",
            "display_at": "2026-03-02T11:00:00.000-08:00",
            "created_at": "2026-03-02T11:00:00.000-08:00",
        },
    )
    errors["incident_updates"][1]["body"] = "Edited on Statuspage."
    out, _ = run(write_json(data))
    incident = Incident.objects.get(public_id="inc0errors01")
    assert incident.status == "resolved" and incident.updates.count() == 4
    assert IncidentUpdate.objects.get(public_id="upd0errors03").body == "Edited on Statuspage."
    assert "updated incident 'Elevated API error rates in North America'" in out
    assert "4 updates, 1 new" in out


def test_dry_run_writes_nothing_and_says_what_it_would_do(statuspage_site):
    out, _ = run(statuspage_site, ALLOW_PRIVATE, "--dry-run")
    assert counts() == [0, 0, 0, 0, 0]
    assert "would create group 'Europe' (eu0grp000001)" in out
    assert "would create component 'API (North America)' (us0api000001)" in out
    assert (
        "would create incident 'Dashboard login failures' (inc0login001), resolved: "
        "3 updates, 3 new"
    ) in out
    assert "would create maintenance 'Core switch replacement in Frankfurt'" in out
    assert "Dry run: nothing was written." in out
    assert "STATUS_PAGE_ID=y2j98763l56x" in out


def test_imported_posts_mail_nobody_and_history_leaves_statuses_alone(statuspage_site):
    run(statuspage_site, ALLOW_PRIVATE)
    assert not Notification.objects.exists()
    assert not IncidentUpdate.objects.filter(notify=True).exists()
    assert not IncidentUpdate.objects.live_pending().exists()
    assert services.updates_release_due() == 0
    statuses = dict(Component.objects.values_list("public_id", "status"))
    assert statuses == {
        "eu0api000001": "operational",
        "eu0db0000001": "operational",
        "us0api000001": "partial_outage",
        "dash00000001": "operational",
    }


def test_imported_history_counts_for_uptime(client):
    run(DOCUMENTS / "incidents.json")
    changes = ComponentStatusChange.objects.applied().filter(component__public_id="dash00000001")
    assert [(c.old_status, c.new_status) for c in changes] == [
        ("operational", "major_outage"),
        ("major_outage", "operational"),
    ]
    assert changes[0].changed_at == datetime.datetime(2026, 2, 20, 19, tzinfo=datetime.UTC)


def test_an_import_refreshes_the_public_pages(
    client, public_store, django_capture_on_commit_callbacks
):
    assert client.get("/api/v2/components.json").json()["components"] == []
    with django_capture_on_commit_callbacks(execute=True):
        run(DOCUMENTS / "components.json")
    assert client.get("/api/v2/components.json").json()["components"] != []


def test_a_name_taken_here_is_refused_and_nothing_is_imported(db):
    services.component_save(component=Component(name="Dashboard"))
    with pytest.raises(CommandError) as error:
        run(DOCUMENTS / "components.json")
    assert "components[5].name: 'Dashboard' is already the name of another component" in str(
        error.value
    )
    assert counts()[:4] == [0, 1, 0, 0]


def test_changes_of_unknown_components_are_left_out_with_a_warning(write_json):
    data = source("incidents.json")
    data["incidents"][1]["components"] = []
    _, err = run(write_json(data))
    assert "incidents[1].incident_updates[0].affected_components[0].code: unknown component" in err
    assert not ComponentStatusChange.objects.filter(update__public_id="upd0login003").exists()


def test_a_bare_status_change_is_titled_with_its_status(write_json, client):
    data = source("incidents.json")
    data["incidents"][1]["incident_updates"][0]["body"] = ""
    run(write_json(data))
    update = IncidentUpdate.objects.get(public_id="upd0login003")
    assert (update.headline, update.body) == ("Resolved", "")


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


def test_a_late_fault_rolls_back_everything_written_before_it(write_json, monkeypatch):
    calls = []

    def failing_update_import(**kwargs):
        calls.append(kwargs["public_id"])
        if len(calls) == 5:
            raise ValidationError("The database said no.")
        return original(**kwargs)

    original = services.update_import
    monkeypatch.setattr(services, "update_import", failing_update_import)
    with pytest.raises(CommandError, match=r"incident_updates\[\d\]: The database said no"):
        run(DOCUMENTS / "incidents.json")
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


def test_a_missing_file_or_another_scheme_is_refused_clearly(tmp_path):
    with pytest.raises(CommandError, match="No such file or directory"):
        run(tmp_path / "nope.json")
    with pytest.raises(CommandError, match="only files and http"):
        run("ftp://example.org/incidents.json")


def test_http_errors_name_the_url_and_status(statuspage_site):
    with pytest.raises(CommandError, match=r"/api/v2/nothing.json: HTTP 404"):
        run(f"{statuspage_site}/api/v2/nothing.json", ALLOW_PRIVATE)
    with pytest.raises(CommandError, match=r"/api/v2/components.json: HTTP 404"):
        run(f"{statuspage_site}/no-such-page", ALLOW_PRIVATE)


def test_an_unreachable_host_is_a_clear_error(db):
    with pytest.raises(CommandError, match=r"http://127.0.0.1:9/incidents.json: .*refused"):
        run("http://127.0.0.1:9/incidents.json", ALLOW_PRIVATE)


def test_oversized_sources_are_refused(statuspage_site, monkeypatch):
    monkeypatch.setattr(sources, "MAX_BYTES", 1000)
    with pytest.raises(CommandError, match="larger than"):
        run(f"{statuspage_site}/api/v2/incidents.json", ALLOW_PRIVATE)
    with pytest.raises(CommandError, match="larger than"):
        run(DOCUMENTS / "incidents.json")


def test_the_same_incident_in_two_documents_keeps_every_update(write_json):
    maintenance = copy.deepcopy(source("incidents.json")["incidents"][2])
    older = {**maintenance, "incident_updates": maintenance["incident_updates"][1:]}
    importer_documents = [
        ("a", {"incidents": [maintenance]}),
        ("b", {"scheduled_maintenances": [older]}),
    ]
    plan = importer.plan(importer_documents)
    assert len(plan.incidents["mnt0dbupgr01"].updates) == 3


def test_a_post_moved_to_another_incident_is_refused(write_json):
    run(DOCUMENTS / "incidents.json")
    data = source("incidents.json")
    moved = data["incidents"][1]["incident_updates"].pop()
    data["incidents"][0]["incident_updates"].append(moved)
    before = counts()
    with pytest.raises(CommandError, match=r"incidents\[0\]\.incident_updates\[3\]: id: .*another"):
        run(write_json(data))
    assert counts() == before
    assert IncidentUpdate.objects.get(public_id=moved["id"]).incident.public_id == "inc0login001"


def test_a_server_that_never_answers_times_out(monkeypatch):
    monkeypatch.setattr(web, "FETCH_TIMEOUT", 0.5)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/api/v2/incidents.json"
        with pytest.raises(CommandError, match=r"no answer within 0\.5 seconds"):
            run(url, ALLOW_PRIVATE)


class RedirectToFtp(SimpleHTTPRequestHandler):
    def do_GET(self):
        self.send_response(302)
        self.send_header("Location", "ftp://127.0.0.1:9/incidents.json")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_redirect_off_the_web_is_refused(monkeypatch, db):
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    server = ThreadingHTTPServer(("127.0.0.1", 0), RedirectToFtp)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/api/v2/incidents.json"
        with pytest.raises(CommandError, match=r"HTTP 302 a redirect to ftp://.*only http"):
            run(url, ALLOW_PRIVATE)
    finally:
        server.shutdown()
        server.server_close()
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


# Fetching: public addresses only (unless --allow-private), one deadline for everything.


class CountingServer:
    """A real HTTP server on a loopback address that counts the requests it answers."""

    def __init__(self, handler, host="127.0.0.1"):
        self.requests = 0
        outer = self

        class Counted(handler):
            def parse_request(self):
                parsed = super().parse_request()
                outer.requests += parsed  # before answering: the client may be quicker
                return parsed

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, 0), Counted)
        self.server.outer = self
        self.url = f"http://{host}:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def serve():
    servers = []

    def start(handler, host="127.0.0.1"):
        servers.append(CountingServer(handler, host))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


class ServesIncidents(SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=str(SITE), **kwargs)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_url_on_a_private_network_is_refused_before_any_request(serve, host):
    site = serve(ServesIncidents)
    url = site.url.replace("127.0.0.1", host) + "/api/v2/incidents.json"
    with pytest.raises(CommandError) as error:
        run(url)
    assert "a loopback address: the import reads only from public addresses" in str(error.value)
    assert "--allow-private" in str(error.value)
    assert site.requests == 0 and counts() == [0, 0, 0, 0, 0]
    run(url, "--allow-private")  # named on purpose: imported
    assert site.requests == 1 and counts()[2] == len(source("incidents.json")["incidents"])


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("127.0.0.1", "127.0.0.1 is a loopback address"),
        ("::1", "::1 is a loopback address"),
        ("::ffff:127.0.0.1", "::ffff:127.0.0.1 is a loopback address"),
        ("0.0.0.0", "0.0.0.0 is the unspecified address, which reaches this machine"),
        ("10.1.2.3", "10.1.2.3 is a private address"),
        ("172.16.5.4", "172.16.5.4 is a private address"),
        ("192.168.1.1", "192.168.1.1 is a private address"),
        ("fd00::1", "fd00::1 is a private address"),
        ("169.254.169.254", "169.254.169.254 is a link-local address"),  # cloud metadata
        ("fe80::1", "fe80::1 is a link-local address"),
        ("100.64.0.1", "100.64.0.1 is not a public address"),  # carrier-grade NAT
        ("224.0.0.1", "224.0.0.1 is not a public address"),
        ("localhost", "localhost is "),
        ("93.184.215.14", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_which_addresses_are_not_public(address, refused):
    # Literal addresses go through the real getaddrinfo(), as a host name would.
    found = importer.non_public(address)
    assert found == refused or (refused and found.startswith(refused))


class Redirects(SimpleHTTPRequestHandler):
    def do_GET(self):
        self.send_response(302)
        self.send_header("Location", self.server.outer.target)
        self.end_headers()


def test_a_redirect_to_another_private_address_is_refused(serve):
    # The first host is allowed on purpose (--allow-private); the one it redirects to is
    # another loopback address, which nobody named: it gets no request.
    elsewhere = serve(ServesIncidents, host="127.0.0.2")
    first = serve(Redirects)
    first.target = f"{elsewhere.url}/api/v2/incidents.json"
    with pytest.raises(CommandError) as error:
        run(f"{first.url}/api/v2/incidents.json", ALLOW_PRIVATE)
    message = str(error.value)
    assert f"refused a redirect to {first.target}: 127.0.0.2 is a loopback address" in message
    assert "\n" not in message
    assert first.requests == 1 and elsewhere.requests == 0
    assert counts() == [0, 0, 0, 0, 0]


def test_a_redirect_within_the_named_host_is_followed(serve):
    site = serve(ServesIncidents)
    first = serve(Redirects)  # the same address, another port
    first.target = f"{site.url}/api/v2/incidents.json"
    run(f"{first.url}/old/incidents.json", ALLOW_PRIVATE)
    assert (first.requests, site.requests) == (1, 1)
    assert counts()[2] == len(source("incidents.json")["incidents"])


class Drips(BaseHTTPRequestHandler):
    """Sends a byte every 0.2 s, always within the per-read timeout, for up to 10 s."""

    def do_GET(self):
        headers = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        body = (DOCUMENTS / "incidents.json").read_bytes()
        if self.server.outer.drip == "headers":
            self.wfile.write(headers)
            self.drip(b"X-Padding: " + b"x" * 1000)
        else:
            self.wfile.write(headers + f"Content-Length: {len(body)}\r\n\r\n".encode())
            self.drip(body)

    def drip(self, data):
        started = time.monotonic()
        with contextlib.suppress(OSError):  # the client hung up
            for byte in data:
                if time.monotonic() - started > 10:
                    break
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.2)


@pytest.mark.parametrize("drip", ["headers", "body"])
def test_a_server_that_drips_its_answer_is_cut_off_at_the_deadline(serve, monkeypatch, drip):
    monkeypatch.setattr(web, "FETCH_TIMEOUT", 1)  # never reached: a byte every 0.2 s
    monkeypatch.setattr(web, "IMPORT_DEADLINE", 1.5)
    site = serve(Drips)
    site.drip = drip
    started = time.monotonic()
    with pytest.raises(CommandError) as error:
        run(f"{site.url}/api/v2/incidents.json", ALLOW_PRIVATE)
    assert "no complete answer within 1.5 seconds" in str(error.value)
    assert time.monotonic() - started < 5
    assert counts() == [0, 0, 0, 0, 0]
