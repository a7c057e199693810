"""Helpers for the integrations' tests: real payloads (as each system's documentation
shows them, in fixtures/integrations/) posted to the real endpoint."""

import copy
import json
from pathlib import Path

from integrations.models import Integration
from integrations.services import integration_create

PAYLOADS = Path(__file__).parent / "fixtures" / "integrations"


def payload(name: str) -> dict:
    """A documented payload, as a fresh dict to change."""
    return copy.deepcopy(json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8")))


def integration(kind="alertmanager", name="Prometheus", **options) -> tuple[Integration, str]:
    """A new integration and its token."""
    created = Integration(name=name, kind=kind, **options)
    return created, integration_create(integration=created)


def send(client, token, body, *, bearer=False, content_type="application/json"):
    """POST `body` (a dict, or bytes as they are) the way the monitoring system does."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    if bearer:
        return client.post(
            "/integrations",
            data,
            content_type=content_type,
            headers={"Authorization": f"Bearer {token}"},
        )
    return client.post(f"/integrations/{token}", data, content_type=content_type)


def resolved(body: dict, *fingerprints) -> dict:
    """The same group with these alerts (all, if none named) resolved, as sent next."""
    body = copy.deepcopy(body)
    for alert in body["alerts"]:
        if not fingerprints or alert["fingerprint"] in fingerprints:
            alert["status"] = "resolved"
    if all(alert["status"] == "resolved" for alert in body["alerts"]):
        body["status"] = "resolved"
    return body
