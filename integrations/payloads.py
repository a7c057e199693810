"""The monitoring systems' payloads, read with pydantic into one Batch of Alerts.

- Alertmanager: the webhook receiver's JSON, version 4 (one alert group per request).
- Grafana: its webhook contact point's JSON (the same shape, with a few more fields).
- Uptime Kuma: its webhook notification with the application/json body preset:
  {"heartbeat": {...}, "monitor": {...}, "msg": "..."}; a test sends only "msg".
- Generic: {"status": "firing"|"resolved", "component", "severity", "title", "message",
  "fingerprint"}, one alert, grouped by its fingerprint.

Fields nobody reads are ignored; a missing or malformed one that is read is a
BadPayload naming it. Strings are kept whatever they hold, with the characters no feed
can carry replaced (incidents.validators.cleaned_text).
"""

import hashlib
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, model_validator

from incidents.validators import cleaned_text

from .wording import Alert, Batch

Text = Annotated[str, AfterValidator(cleaned_text)]
Labels = dict[Text, Text]
Status = Literal["firing", "resolved"]
# Uptime Kuma's heartbeat statuses: down fires, up resolves; pending and maintenance
# (checks paused) change nothing.
KUMA_DOWN, KUMA_UP = 0, 1
KUMA_SEVERITY = "critical"


class BadPayload(ValueError):
    """The body is not what this kind of integration sends; the message says why."""


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _PrometheusAlert(_Payload):
    status: Status
    labels: Labels = {}
    annotations: Labels = {}
    generatorURL: Text = ""  # the payloads' own names, as they spell them
    fingerprint: Text = ""


class _PrometheusGroup(_Payload):
    """Alertmanager's webhook body; Grafana's has the same fields, and more."""

    status: Status
    groupKey: Text = ""
    groupLabels: Labels = {}
    alerts: list[_PrometheusAlert]


class _AlertmanagerGroup(_PrometheusGroup):
    version: Literal["4"]
    groupKey: Text


class _KumaTag(_Payload):
    name: Text
    value: Text | None = None


class _KumaMonitor(_Payload):
    id: int
    name: Text
    url: Text | None = None
    tags: list[_KumaTag] | None = None


class _KumaHeartbeat(_Payload):
    status: int
    msg: Text | None = None


class _KumaNotification(_Payload):
    heartbeat: _KumaHeartbeat | None = None
    monitor: _KumaMonitor | None = None
    msg: Text | None = None


class _GenericAlert(_Payload):
    status: Status
    title: Text = ""
    component: Text = ""
    severity: Text = ""
    message: Text = ""
    fingerprint: Text = ""

    @model_validator(mode="after")
    def _named(self):
        if not (self.title.strip() or self.fingerprint.strip()):
            raise ValueError("an alert needs a title or a fingerprint")
        return self


def read(kind: str, body: bytes, *, component_label: str) -> Batch:
    """The alerts of a request's body, or BadPayload."""
    readers = {
        "alertmanager": _read_alertmanager,
        "grafana": _read_grafana,
        "uptime-kuma": _read_uptime_kuma,
        "generic": _read_generic,
    }
    return readers[kind](body, component_label)


def _parsed(model, body):
    try:
        return model.model_validate_json(body)
    except ValidationError as error:
        raise BadPayload(_described(error)) from None


def _described(error: ValidationError) -> str:
    problems = []
    for problem in error.errors(include_url=False)[:3]:
        where = ".".join(str(part) for part in problem["loc"])
        problems.append(f"{where}: {problem['msg']}" if where else problem["msg"])
    more = error.error_count() - len(problems)
    return "; ".join(problems) + (f" (and {more} more)" if more > 0 else "")


def _read_alertmanager(body, component_label):
    return _prometheus_batch(_parsed(_AlertmanagerGroup, body), component_label)


def _read_grafana(body, component_label):
    return _prometheus_batch(_parsed(_PrometheusGroup, body), component_label)


def _prometheus_batch(group: _PrometheusGroup, component_label: str) -> Batch:
    key = group.groupKey or "labels:" + _digest(sorted(group.groupLabels.items()))
    return Batch(key=key, alerts=[_prometheus_alert(a, component_label) for a in group.alerts])


def _prometheus_alert(alert: _PrometheusAlert, component_label: str) -> Alert:
    labels, annotations = alert.labels, alert.annotations
    return Alert(
        fingerprint=alert.fingerprint or _digest(sorted(labels.items())),
        status=alert.status,
        title=annotations.get("summary")
        or annotations.get("title")
        or labels.get("alertname")
        or "Alert",
        message=annotations.get("description") or annotations.get("message") or "",
        severity=labels.get("severity", "").lower(),
        component=labels.get(component_label, ""),
        labels=labels,
        annotations=annotations,
        url=alert.generatorURL,
    )


def _read_uptime_kuma(body, component_label):
    notification = _parsed(_KumaNotification, body)
    monitor, heartbeat = notification.monitor, notification.heartbeat
    if monitor is None or heartbeat is None:
        # The "Test" button sends a message alone.
        return Batch(key="", alerts=[], note=f"a message without a monitor: {notification.msg}")
    if heartbeat.status not in (KUMA_DOWN, KUMA_UP):
        return Batch(key="", alerts=[], note=f"“{monitor.name}” is neither down nor up")
    tags = {tag.name: tag.value or "" for tag in monitor.tags or []}
    down = heartbeat.status == KUMA_DOWN
    alert = Alert(
        fingerprint=f"monitor:{monitor.id}",
        status="firing" if down else "resolved",
        title=f"{monitor.name} is {'down' if down else 'up'}",
        message=heartbeat.msg or "",
        severity=tags.get("severity", KUMA_SEVERITY).lower(),
        component=tags.get(component_label, ""),
        labels={"monitor": monitor.name, **tags},
        url=monitor.url or "",
    )
    return Batch(key=f"monitor:{monitor.id}", alerts=[alert])


def _read_generic(body, component_label):
    alert = _parsed(_GenericAlert, body)
    fingerprint = alert.fingerprint or _digest([alert.component, alert.title])
    return Batch(
        key=fingerprint,
        alerts=[
            Alert(
                fingerprint=fingerprint,
                status=alert.status,
                title=alert.title or fingerprint,
                message=alert.message,
                severity=alert.severity.lower(),
                component=alert.component,
            )
        ],
    )


def _digest(value) -> str:
    return hashlib.sha256(repr(value).encode("utf-8", "replace")).hexdigest()[:16]
