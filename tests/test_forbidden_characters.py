"""Characters XML forbids never reach a feed, a badge, the calendar or the API.

U+FFFE, U+FFFF, lone surrogates and C0 control characters are refused in every text that
the public sees, whichever way it comes in: the services (hence the admin), the admin's
forms, `post_update` and `import_statuspage`. The outputs are judged by strict parsers.
"""

import io
import json
import xml.etree.ElementTree as ET

import feedparser
import icalendar
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from incidents import services
from incidents.models import Component, ComponentGroup

from .conftest import open_incident, row_counts

pytestmark = pytest.mark.django_db

FORBIDDEN = ["\ufffe", "\uffff", "\ud800", "\udfff", "\x0b"]
# What a browser can send: UTF-8 has no encoding for a lone surrogate.
FORBIDDEN_IN_A_FORM = ["\ufffe", "\uffff", "\x0b"]
# Odd but allowed: XML, JSON, iCalendar and mail carry them.
ALLOWED_ODDITIES = "\ufffd \ud7ff \ue000 \u202e \U0001f525 \U0010fffd \ufeff"
XML_RESOURCES = ["/history.rss", "/history.atom", "/badge.svg"]
TEXT_RESOURCES = [
    "/",
    "/history",
    "/maintenance.ics",
    "/api/v2/summary.json",
    "/api/v2/incidents.json",
    "/api/v2/components.json",
    "/api/v2/scheduled-maintenances.json",
]


def assert_public_resources_parse(client):
    """Every feed and badge parses as XML; every page and document is strict UTF-8."""
    urls = XML_RESOURCES + [
        reverse("component_badge", args=[c.public_id]) for c in Component.objects.all()
    ]
    for url in urls:
        content = client.get(url).content
        ET.fromstring(content)  # expat: refuses what XML 1.0 forbids
        if "history" in url:
            feed = feedparser.parse(content)
            assert feed.bozo == 0, (url, feed.get("bozo_exception"))
    for url in TEXT_RESOURCES:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode("utf-8")  # strict: no surrogates, no stray bytes
        if url.endswith(".json"):
            assert "\\ud8" not in text.lower() and "\\udf" not in text.lower(), url
            json.loads(text)
        if url.endswith(".ics"):
            icalendar.Calendar.from_ical(text)


@pytest.fixture
def published(network):
    """Something of each kind on the public side, with every odd character allowed."""
    update = open_incident(
        title=f"Odd {ALLOWED_ODDITIES}",
        headline=f"Head {ALLOWED_ODDITIES}",
        body=f"Body\t{ALLOWED_ODDITIES}\r\n\u2028\u2029 end",
        component_changes={network: "major_outage"},
    )
    network.description = f"Cables {ALLOWED_ODDITIES}"
    services.component_save(component=network)
    return update


def test_odd_characters_that_xml_allows_pass_everywhere(client, published):
    assert_public_resources_parse(client)
    assert ALLOWED_ODDITIES in client.get("/history.rss").content.decode()


# The services: every write path (the admin, the commands, the importer) goes through them.


def _open(text, field):
    fields = {"title": "Outage", "body": "Text."}
    open_incident(**fields | {field: f"Before {text} after"})


def _component(text, field):
    services.component_save(component=Component(**{"name": "Disk", field: f"A {text} B"}))


def _group(text, field):
    services.group_save(group=ComponentGroup(**{"name": "Europe", field: f"A {text} B"}))


def _edit(text, field):
    update = open_incident(title="Outage", body="Text.")
    services.update_edit(update=update, **{field: f"A {text} B"})


@pytest.mark.parametrize("char", FORBIDDEN)
@pytest.mark.parametrize(
    ("write", "field"),
    [
        (_open, "title"),
        (_open, "headline"),
        (_open, "body"),
        (_component, "name"),
        (_component, "description"),
        (_group, "name"),
        (_group, "description"),
        (_edit, "headline"),
        (_edit, "body"),
    ],
)
def test_services_refuse_them_with_the_field_named(client, published, write, field, char):
    before = row_counts()
    with pytest.raises(ValidationError) as refused:
        write(char, field)
    assert field in refused.value.message_dict
    assert f"U+{ord(char):04X}" in str(refused.value)
    if write is not _edit:
        assert row_counts() == before
    assert_public_resources_parse(client)


@pytest.mark.parametrize("char", FORBIDDEN_IN_A_FORM)
def test_admin_forms_refuse_them_and_write_nothing(operator_client, client, published, char):
    network = Component.objects.get()
    before = row_counts()
    forms = [
        (
            "admin:incidents_incident_add",
            [],
            {
                "title": f"A{char}B",
                "kind": "incident",
                "impact": "minor",
                "status": "investigating",
                "body": "x",
                "notify": "auto",
            },
        ),
        (
            "admin:incidents_incident_add",
            [],
            {
                "title": "A",
                "kind": "incident",
                "impact": "minor",
                "status": "investigating",
                "headline": f"H{char}H",
                "body": f"B{char}B",
                "notify": "auto",
            },
        ),
        (
            "admin:incidents_incident_post_update",
            [published.incident.pk],
            {"status": "identified", "body": f"B{char}B", "notify": "auto"},
        ),
        (
            "admin:incidents_incident_change",
            [published.incident.pk],
            {
                "title": f"T{char}T",
                "impact": "minor",
                "updates-TOTAL_FORMS": "1",
                "updates-INITIAL_FORMS": "1",
                "updates-0-id": published.pk,
                "updates-0-incident": published.incident.pk,
            },
        ),
        (
            "admin:incidents_incidentupdate_change",
            [published.pk],
            {
                "status": "investigating",
                "headline": f"H{char}H",
                "body": "x",
                "notify": "on",
                "published_at_0": published.published_at.strftime("%Y-%m-%d"),
                "published_at_1": published.published_at.strftime("%H:%M:%S"),
            },
        ),
        (
            "admin:incidents_component_add",
            [],
            {"name": f"N{char}N", "description": "", "position": 0, "status": "operational"},
        ),
        (
            "admin:incidents_component_change",
            [network.pk],
            {"name": "Network", "description": f"D{char}D", "position": 0, "status": "operational"},
        ),
        (
            "admin:incidents_componentgroup_add",
            [],
            {"name": f"G{char}G", "description": "", "position": 0},
        ),
    ]
    for name, args, data in forms:
        response = operator_client.post(reverse(name, args=args), data)
        assert response.status_code == 200, (name, data)  # the form again, with the error
        assert f"U+{ord(char):04X}" in response.content.decode(), name
    assert row_counts() == before
    assert_public_resources_parse(client)


@pytest.mark.parametrize("char", FORBIDDEN)
@pytest.mark.parametrize(
    "args",
    [
        ["--title", "Outage {} now", "--body", "x"],
        ["--title", "Outage", "--headline", "Head {} now", "--body", "x"],
        ["--title", "Outage", "--body", "Body {}"],
        ["--incident", "{incident}", "--body", "Body {}"],
        ["--title", "Outage", "--body", "x", "--component", "Net{}work=major_outage"],
    ],
)
def test_post_update_refuses_them_with_a_one_line_error(client, published, args, char):
    # From a shell, bytes that are not UTF-8 arrive as lone surrogates (surrogateescape).
    args = [a.format(char, incident=published.incident.public_id) for a in args]
    before = row_counts()
    with pytest.raises(CommandError) as refused:
        call_command("post_update", *args, "--status", "identified", stdout=io.StringIO())
    message = str(refused.value)
    assert f"U+{ord(char):04X}" in message and "\n" not in message
    assert row_counts() == before
    assert_public_resources_parse(client)


@pytest.mark.parametrize("char", FORBIDDEN)
@pytest.mark.parametrize(
    "path",
    [
        ("components", 0, "name"),
        ("components", 0, "description"),
        ("incidents", 0, "name"),
        ("incidents", 0, "incident_updates", 0, "body"),
    ],
)
def test_import_statuspage_refuses_them_naming_the_field(client, tmp_path, char, path):
    document = {
        "components": [
            {
                "id": "cmp000000001",
                "name": "API",
                "status": "operational",
                "description": "",
                "created_at": "2026-01-01T00:00:00Z",
            }
        ],
        "incidents": [
            {
                "id": "inc000000001",
                "name": "Outage",
                "status": "resolved",
                "impact": "minor",
                "created_at": "2026-01-02T00:00:00Z",
                "incident_updates": [
                    {
                        "id": "upd000000001",
                        "status": "resolved",
                        "body": "Fixed.",
                        "created_at": "2026-01-02T00:00:00Z",
                    }
                ],
            }
        ],
    }
    place = document
    for step in path[:-1]:
        place = place[step]
    place[path[-1]] = f"A{char}B"
    source = tmp_path / "summary.json"
    source.write_text(json.dumps(document))  # ensure_ascii: "\ud800" as JSON writes it
    named = ".".join(f"{step}" if isinstance(step, str) else f"[{step}]" for step in path)
    named = named.replace(".[", "[")
    before = row_counts()
    for dry_run in (["--dry-run"], []):
        with pytest.raises(CommandError) as refused:
            call_command("import_statuspage", str(source), *dry_run, stdout=io.StringIO())
        message = str(refused.value)
        assert message.startswith(f"Nothing was imported. {named}: ") and "\n" not in message
        assert f"U+{ord(char):04X}" in message
    assert row_counts() == before
    assert_public_resources_parse(client)
