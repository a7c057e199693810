"""A delivery from a monitoring system: read, applied to its group, kept for a week."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents.validators import cleaned_line, cleaned_text

from .. import payloads
from ..models import AlertPayload, EventLevel, Integration
from .grouping import batch_apply
from .integrations import integration_log

MAX_BODY = 1_000_000  # bytes


@dataclass(frozen=True)
class Outcome:
    status: int  # the HTTP answer
    message: str

    def as_json(self) -> dict:
        key = "error" if self.status >= 400 else "result"
        return {"status": "accepted" if self.status < 400 else "refused", key: self.message}


def alerts_receive(*, integration: Integration, body: bytes, content_type: str = "") -> Outcome:
    """Apply what a monitoring system sent; the payload is kept, whatever it held.

    A malformed body is a 400 with the reason and changes nothing else."""
    try:
        batch = payloads.read(integration.kind, body, component_label=integration.component_label)
        outcome = Outcome(200, batch_apply(integration=integration, batch=batch))
    except payloads.BadPayload as error:
        outcome = Outcome(400, f"Not a {integration.get_kind_display()} payload: {error}")
    except ValidationError as error:  # alert text a post could not hold, however cleaned
        outcome = Outcome(400, f"The alerts could not be posted: {'; '.join(error.messages)}")
    # Messages quote the payload (its keys, its names): make them fit any column.
    outcome = Outcome(outcome.status, cleaned_text(outcome.message))
    if outcome.status == 200:
        integration.last_delivery_at = timezone.now()
        integration.save(update_fields=["last_delivery_at"])
    else:
        integration_log(
            integration=integration, message=outcome.message, level=EventLevel.WARNING, quiet=True
        )
    AlertPayload.objects.create(
        integration=integration,
        content_type=cleaned_line(content_type)[:200],
        body=body,
        status_code=outcome.status,
        outcome=outcome.message,
    )
    return outcome
