"""import_statuspage loses nothing: each shape of Statuspage document is imported, served
again by our API, and compared with the source field by field (every incident, update
and component; times as instants). Every difference is listed; the only ones allowed
are what the import changes on purpose, applied to the source explicitly below."""

import datetime

import pytest
from django.conf import settings

from ..schema import get_json
from .conftest import DOCUMENTS, run, source

pytestmark = pytest.mark.django_db

PAGE_ID = "y2j98763l56x"


@pytest.fixture(autouse=True)
def _the_old_page_id(settings):
    settings.STATUS_PAGE_ID = PAGE_ID  # as the import advises, so page_id carries over


def differences(ours, theirs, where="") -> list[str]:
    """Every difference between what we serve and the source, as "path: ours != theirs"."""
    if isinstance(theirs, dict) and isinstance(ours, dict):
        found = [f"{where}.{k}: missing" for k in theirs.keys() - ours.keys()]
        found += [f"{where}.{k}: not in the source" for k in ours.keys() - theirs.keys()]
        for key in theirs.keys() & ours.keys():
            found += differences(ours[key], theirs[key], f"{where}.{key}")
        return found
    if isinstance(theirs, list) and isinstance(ours, list):
        if len(ours) != len(theirs):
            return [f"{where}: {len(ours)} items != {len(theirs)} ({_ids(ours)} != {_ids(theirs)})"]
        return [
            d
            for i, pair in enumerate(zip(ours, theirs, strict=True))
            for d in differences(*pair, f"{where}[{i}]")
        ]
    if _instant(ours) is not None and _instant(theirs) is not None:
        return [] if _instant(ours) == _instant(theirs) else [f"{where}: {ours} != {theirs}"]
    return (
        []
        if ours == theirs and type(ours) is type(theirs)
        else [f"{where}: {ours!r} != {theirs!r}"]
    )


def _ids(items):
    return [item.get("id") if isinstance(item, dict) else item for item in items]


def _instant(value):
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


# What the import changes on purpose, said once:
# - a shortlink leads to the permalink here (Statuspage's stspg.io links lead to the old page);
# - names are unique here, so a name the source repeats in two groups gets its group's.
REPEATED_NAMES = {"eu0api000001": "API (Europe)", "us0api000001": "API (North America)"}
# - an incident carries Statuspage's postmortem keys, which public documents leave out:
#   none published.
NO_POSTMORTEM = {
    "postmortem_body": None,
    "postmortem_body_last_updated_at": None,
    "postmortem_ignored": False,
    "postmortem_notified_subscribers": False,
    "postmortem_notified_twitter": False,
    "postmortem_published_at": None,
}


def as_imported(document: dict) -> dict:
    """The source as the import means to serve it again."""

    def component(c):
        return c | ({"name": REPEATED_NAMES[c["id"]]} if c["id"] in REPEATED_NAMES else {})

    def incident(i):
        shortlink = f"{settings.SITE_URL}/incidents/{i['id']}"
        postmortem = {} if "scheduled_for" in i else NO_POSTMORTEM
        return (
            postmortem
            | i
            | {
                "shortlink": shortlink,
                "components": [component(c) for c in i["components"]],
            }
        )

    result = dict(document)
    for key in ("components",):
        if key in document:
            result[key] = [component(c) for c in document[key]]
    for key in ("incidents", "scheduled_maintenances"):
        if key in document:
            result[key] = [incident(i) for i in document[key]]
    if "incident" in document:
        result["incident"] = incident(document["incident"])
    return result


def round_trip(client, name, url, schema, *, components_first=True):
    """Import the document `name` (on a page that has its components, as an import of a
    whole page has), serve `url`, and list every difference but the page object."""
    if components_first:
        run(DOCUMENTS / "components.json")
    run(DOCUMENTS / name)
    theirs = as_imported(source(name))
    ours = get_json(client, url, schema)
    assert ours["page"]["id"] == PAGE_ID
    return differences(
        {k: v for k, v in ours.items() if k != "page"},
        {k: v for k, v in theirs.items() if k != "page"},
    )


def test_components_json_round_trips(client):
    found = round_trip(
        client,
        "components.json",
        "/api/v2/components.json",
        "components.json",
        components_first=False,
    )
    assert found == []


def test_summary_json_round_trips(client):
    found = round_trip(
        client, "summary.json", "/api/v2/summary.json", "summary.json", components_first=False
    )
    assert found == []


def test_incidents_json_round_trips(client):
    found = round_trip(client, "incidents.json", "/api/v2/incidents.json", "incidents.json")
    assert found == []


def test_scheduled_maintenances_json_round_trips(client):
    found = round_trip(
        client,
        "scheduled-maintenances.json",
        "/api/v2/scheduled-maintenances.json",
        "scheduled-maintenances.json",
    )
    assert found == []


def test_a_single_incident_document_round_trips(client):
    found = round_trip(
        client,
        "incidents/inc0login001.json",
        "/api/v2/incidents/inc0login001.json",
        "incidents/{id}.json",
    )
    assert found == []


def test_the_comparison_finds_what_differs():
    theirs = {
        "incidents": [
            {
                "id": "a",
                "created_at": "2026-03-02T09:12:07.118-08:00",
                "impact": "none",
                "incident_updates": [{"deliver_notifications": True, "x": None}],
            }
        ]
    }
    ours = {
        "incidents": [
            {
                "id": "a",
                "created_at": "2026-03-02T17:12:07.118Z",  # the same instant
                "impact": "maintenance",
                "incident_updates": [{"deliver_notifications": False}],
            }
        ]
    }
    assert sorted(differences(ours, theirs)) == [
        ".incidents[0].impact: 'maintenance' != 'none'",
        ".incidents[0].incident_updates[0].deliver_notifications: False != True",
        ".incidents[0].incident_updates[0].x: missing",
    ]
    assert differences({"n": 1}, {"n": True}) == [".n: 1 != True"]
