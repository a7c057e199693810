import xml.etree.ElementTree as ET

import pytest

from incidents import services
from incidents.models import Component

from .conftest import open_incident

pytestmark = pytest.mark.django_db
# Browsers revalidate every time (a cheap 304); CDNs keep a copy 2 s, and may serve it
# stale while revalidating or when the origin fails.
PUBLIC_CACHE_CONTROL = (
    "public, max-age=0, s-maxage=2, stale-while-revalidate=30, stale-if-error=86400"
)

SVG = "{http://www.w3.org/2000/svg}"


def badge(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert response["Cache-Control"] == PUBLIC_CACHE_CONTROL
    root = ET.fromstring(response.content)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    colour = root.findall(f"{SVG}rect")[1].get("fill")
    return root.find(f"{SVG}title").text, texts, colour


def test_page_badge_says_the_rollup_in_its_colour(client, network):
    assert badge(client, "/badge.svg") == (
        "status: All Systems Operational",
        ["status", "All Systems Operational"],
        "#1a7f37",
    )
    open_incident(impact="critical", component_changes={network: "major_outage"})
    assert badge(client, "/badge.svg") == (
        "status: Major System Outage",
        ["status", "Major System Outage"],
        "#cf222e",
    )


@pytest.mark.parametrize(
    ("status", "words", "colour"),
    [
        ("operational", "Operational", "#1a7f37"),
        ("degraded_performance", "Degraded performance", "#9a6700"),
        ("partial_outage", "Partial outage", "#bc4c00"),
        ("major_outage", "Major outage", "#cf222e"),
        ("under_maintenance", "Under maintenance", "#0969da"),
    ],
)
def test_component_badge_says_its_status_in_its_colour(client, network, status, words, colour):
    services.component_set_status(component=network, status=status)
    title, texts, fill = badge(client, f"/components/{network.public_id}/badge.svg")
    assert (title, texts, fill) == (f"Network: {words}", ["Network", words], colour)


def test_badge_width_follows_its_words(client, network):
    narrow = ET.fromstring(client.get("/badge.svg").content).get("width")
    services.component_set_status(component=network, status="partial_outage")
    wide = ET.fromstring(client.get("/badge.svg").content).get("width")
    assert int(wide) != int(narrow)


def test_component_names_are_escaped(client, db):
    odd = services.component_save(component=Component(name='<R&D "lab">'))
    title, texts, _ = badge(client, f"/components/{odd.public_id}/badge.svg")
    assert texts[0] == '<R&D "lab">' and title.startswith('<R&D "lab">')


def test_unknown_and_hidden_components_have_no_badge(client, db):
    hidden = services.component_save(component=Component(name="Internal", is_hidden=True))
    for public_id in [hidden.public_id, "doesnotexist", "x" * 40]:
        assert client.get(f"/components/{public_id}/badge.svg").status_code == 404


def test_hidden_components_do_not_change_the_page_badge(client, network):
    hidden = services.component_save(component=Component(name="Internal", is_hidden=True))
    services.component_set_status(component=hidden, status="major_outage")
    assert badge(client, "/badge.svg")[0] == "status: All Systems Operational"


def test_every_badge_scales_by_its_view_box(client, network):
    odd = services.component_save(component=Component(name="Réseau <R&D> " + "é" * 30))
    for url in ["/badge.svg", *(f"/components/{c.public_id}/badge.svg" for c in (network, odd))]:
        root = ET.fromstring(client.get(url).content)
        width, height = root.get("width"), root.get("height")
        assert root.get("viewBox") == f"0 0 {width} {height}", url
        # Everything drawn lies inside the box, so any rendered size shows all of it.
        rects = root.findall(f"{SVG}rect")
        assert max(float(r.get("x", 0)) + float(r.get("width")) for r in rects) == float(width)
