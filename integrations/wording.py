"""What alerts are, once read, and what the automatic posts say about them.

Posts are worded by the integration's templates (Django's template language, editable
in the admin) over the alerts' titles, messages, labels and annotations. Alert text is
written by machines: whatever it holds is shown, never refused (characters no feed can
carry become U+FFFD), and a template that fails falls back to the default wording.
"""

from dataclasses import asdict, dataclass, field

from django.core.exceptions import ValidationError
from django.template import Context, Engine, TemplateSyntaxError

from incidents.validators import cleaned_line, cleaned_text

DEFAULT_TITLE = "{{ title }}"
DEFAULT_MESSAGE = (
    "Our monitoring reports a problem{% if components %} with {{ components }}{% endif %}; "
    "we are looking into it.\n{% for alert in alerts %}\n"
    "- {{ alert.title }}{% if alert.message %}: {{ alert.message }}{% endif %}{% endfor %}"
)
DEFAULT_RESOLVED = (
    "Our monitoring shows {{ components|default:'the service' }} working normally again."
)
# Of the firing alerts, how many a template sees: a storm must not make a post huge.
ALERTS_IN_CONTEXT = 20
TITLE_LENGTH = 200
MESSAGE_LENGTH = 20_000

# autoescape off: the output is Markdown, which the one sanitiser cleans on display.
_engine = Engine(autoescape=False)


@dataclass(frozen=True)
class Alert:
    """One alert as any monitoring system's payload is read into."""

    fingerprint: str
    status: str  # "firing" or "resolved"
    title: str
    message: str = ""
    severity: str = ""
    component: str = ""  # the component as the alert names it ("" when it names none)
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    url: str = ""

    @property
    def is_firing(self) -> bool:
        return self.status == "firing"

    def as_stored(self, component_id: int | None) -> dict:
        return asdict(self) | {"component_id": component_id}


@dataclass(frozen=True)
class Batch:
    """What one request brought: the alerts of one group (possibly none: a test)."""

    key: str
    alerts: list[Alert]
    note: str = ""


def validate_template(value: str) -> None:
    try:
        _engine.from_string(value)
    except TemplateSyntaxError as error:
        raise ValidationError(f"This template cannot be read: {error}") from None


def context(alerts: list[dict], *, components: list[str], status: str) -> dict:
    """What templates see: the alerts (stored dicts), their first, what they all share."""
    alerts = alerts[:ALERTS_IN_CONTEXT]
    first = alerts[0] if alerts else {}
    return {
        "title": first.get("title", ""),
        "alert": first,
        "alerts": alerts,
        "count": len(alerts),
        "status": status,
        "components": ", ".join(components),
        "labels": _shared([a["labels"] for a in alerts]),
        "annotations": _shared([a["annotations"] for a in alerts]),
    }


def _shared(dicts: list[dict]) -> dict:
    if not dicts:
        return {}
    return {k: v for k, v in dicts[0].items() if all(d.get(k) == v for d in dicts[1:])}


def render(template: str, default: str, values: dict) -> tuple[str, str | None]:
    """The template's text over `values`, and why it failed if it did (then the
    default's text). A template is the operator's: it must never stop an alert."""
    try:
        return _engine.from_string(template).render(Context(values)), None
    except Exception as error:  # any fault of a template, reported
        return _engine.from_string(default).render(Context(values)), str(error) or repr(error)


def as_title(text: str, fallback: str) -> str:
    title = cleaned_line(text) or cleaned_line(fallback) or "Alert"
    return title if len(title) <= TITLE_LENGTH else title[: TITLE_LENGTH - 1] + "…"


def as_message(text: str) -> str:
    message = cleaned_text(text).strip()
    return message if len(message) <= MESSAGE_LENGTH else message[: MESSAGE_LENGTH - 1] + "…"
