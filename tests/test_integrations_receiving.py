"""The receiving address: bad tokens record nothing, bad bodies are a 400 with the
reason, big ones a 413, too many a 429; never a 5xx for what was sent; every payload
received with a good token is kept for a week."""

import datetime
import json

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import example, given
from hypothesis import strategies as st

from incidents import services
from incidents.models import Component, Incident
from integrations.models import AlertPayload, IntegrationEvent
from integrations.services import history_prune, integration_rotate_token

from .alerts import integration, payload, send
from .conftest import one_example, row_counts
from .strategies import HOSTILE_TEXT

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(db):
    return services.component_save(component=Component(name="Web servers"))


def recorded():
    return row_counts() | {
        "payloads": AlertPayload.objects.count(),
        "events": IntegrationEvent.objects.count(),
    }


BAD_TOKENS = ["", "x", "not-a-token-but-long-enough-1234", "a" * 101, "é" * 30, "../admin"]


def test_a_wrong_token_in_the_address_is_a_404_that_records_nothing(client, web):
    integration()
    before = recorded()
    for token in BAD_TOKENS[1:]:
        response = send(client, token, payload("alertmanager-firing"))
        assert response.status_code == 404, token
    assert recorded() == before


def test_a_wrong_bearer_token_is_a_401_that_records_nothing(client, web):
    _, token = integration()
    before = recorded()
    for header in [None, "Bearer", f"Basic {token}", "Bearer wrong-token-of-some-length-12345"]:
        headers = {"Authorization": header} if header else {}
        response = client.post(
            "/integrations", b"{}", content_type="application/json", headers=headers
        )
        assert response.status_code == 401, header
        assert response["WWW-Authenticate"].startswith("Bearer")
    assert recorded() == before


def test_the_right_token_works_in_the_address_and_as_a_bearer(client, web):
    _, token = integration()
    assert send(client, token, payload("alertmanager-firing")).status_code == 200
    assert send(client, token, payload("alertmanager-firing"), bearer=True).status_code == 200


def test_a_replaced_token_stops_working_at_once(client, web):
    integration_, old = integration()
    new = integration_rotate_token(integration=integration_)
    assert send(client, old, payload("alertmanager-firing")).status_code == 404
    assert send(client, new, payload("alertmanager-firing")).status_code == 200


def test_an_inactive_integration_answers_like_a_wrong_token(client, web):
    _, token = integration(is_active=False)
    assert send(client, token, payload("alertmanager-firing")).status_code == 404


def test_only_post_is_answered(client, web):
    _, token = integration()
    for method in ["get", "put", "delete"]:
        response = getattr(client, method)(f"/integrations/{token}")
        assert response.status_code == 405 and response["Allow"] == "POST"
    assert not AlertPayload.objects.exists()


BAD_BODIES = {
    b"": "Invalid JSON",
    b"not json": "Invalid JSON",
    b"{": "Invalid JSON",
    b"[" * 100_000: "recursion limit exceeded",
    b'{"version": "4", "status": "firing", "alerts": ' + b"9" * 5000 + b"}": "Invalid JSON",
    b'{"version": "4"}': "Field required",
    b'{"version": "3", "groupKey": "k", "status": "firing", "alerts": []}': "version",
    '{"summary": "caf\xe9"}'.encode("latin-1"): "Invalid JSON",
    b'{"version": "4", "groupKey": "\\udcff", "status": "firing", "alerts": []}': "surrogate",
}


@pytest.mark.parametrize("body", BAD_BODIES)
def test_a_malformed_body_is_a_400_with_the_reason_and_changes_nothing(client, web, body):
    integration_, token = integration(auto_publish=True, hold_down=0)
    before = row_counts()
    response = send(client, token, body)
    assert response.status_code == 400
    assert BAD_BODIES[body] in response.json()["error"]
    assert row_counts() == before
    [kept] = integration_.payloads.all()  # kept, to see what the sender got wrong
    assert kept.status_code == 400 and bytes(kept.body) == body


def test_a_body_over_one_megabyte_is_a_413_that_changes_nothing(client, web):
    integration_, token = integration()
    body = payload("alertmanager-firing")
    body["commonAnnotations"]["padding"] = "x" * 1_000_000
    before = row_counts()
    assert send(client, token, body).status_code == 413
    assert row_counts() == before and not integration_.payloads.exists()


def test_a_body_of_exactly_one_megabyte_is_read(client, web):
    _, token = integration()
    body = json.dumps(payload("alertmanager-firing")).encode()
    body = body[:-1] + b" " * (1_000_000 - len(body)) + b"}"
    assert len(body) == 1_000_000 and send(client, token, body).status_code == 200


def test_each_integration_has_its_own_rate_limit(client, web):
    limited, token = integration(rate_limit=3)
    _, other = integration("generic", "Other", rate_limit=3)
    for _ in range(3):
        assert send(client, token, payload("alertmanager-firing")).status_code == 200
    refused = send(client, token, payload("alertmanager-firing"))
    assert refused.status_code == 429 and refused["Retry-After"]
    assert "Over 3 requests a minute" in refused.json()["error"]
    assert limited.payloads.count() == 3  # the refused one changed nothing
    assert send(client, other, {"status": "resolved", "fingerprint": "x"}).status_code == 200


def test_every_payload_is_kept_for_seven_days(client, web):
    integration_, token = integration()
    send(client, token, payload("alertmanager-firing"))
    [kept] = integration_.payloads.all()
    assert json.loads(bytes(kept.body)) == payload("alertmanager-firing")
    assert kept.status_code == 200 and kept.content_type == "application/json"
    assert history_prune() == 0
    AlertPayload.objects.update(received_at=timezone.now() - datetime.timedelta(days=7, hours=1))
    assert history_prune() == 1 and not AlertPayload.objects.exists()
    assert Incident.objects.exists()  # what the payload did stays


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL refuses NUL")
def test_nul_in_labels_and_keys_is_kept_out_of_the_database(client, web):
    _, token = integration(auto_publish=True, hold_down=0)
    body = payload("alertmanager-firing")
    body["alerts"][0]["labels"]["bad\u0000key"] = "bad\u0000value"
    body["alerts"][1]["annotations"]["summary"] = "nul \u0000 here"
    assert send(client, token, body).status_code == 200
    assert Incident.objects.count() == 1


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | HOSTILE_TEXT,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(HOSTILE_TEXT, children, max_size=4)
    ),
    max_leaves=20,
)


def _mangled(value):
    """A documented payload with one part replaced by anything."""
    body = payload("alertmanager-firing")
    body["alerts"][0]["labels"]["component"] = value if isinstance(value, str) else "Web servers"
    body["alerts"][1]["annotations"] = value
    return body


@given(
    kind=st.sampled_from(["alertmanager", "grafana", "uptime-kuma", "generic"]),
    body=st.one_of(
        st.binary(max_size=300),
        JSON_VALUES.map(lambda value: json.dumps(value).encode()),
        JSON_VALUES.map(_mangled),
    ),
)
@example(kind="generic", body=b'{"status": "firing", "title": "\\u0000", "component": "\\u0000"}')
def test_whatever_is_posted_the_answer_is_never_a_5xx(client, web, kind, body):
    with one_example():
        _, token = integration(kind, "Anything", auto_publish=True, hold_down=0)
        response = send(client, token, body)
        assert response.status_code in (200, 400), response.content
        answer = response.json()
        assert answer["status"] in ("accepted", "refused")
