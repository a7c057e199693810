"""The admin's view of what the public store does on its own: posts in the break-glass
journal not yet replayed (or refused), and mirrors that fail. Read from the journal file
and the shared store: no database needed."""

import datetime

from django import template

from .. import journal, mirrors

register = template.Library()


@register.inclusion_tag("public_store/admin_alerts.html")
def public_store_alerts():
    records = journal.read()
    refused = [
        {"id": entry_id, "at": _time(closing.at), "note": closing.note}
        for entry_id, closing in records.closed.items()
        if closing.outcome == journal.REFUSED
    ]
    failing = {url: t for url, t in mirrors.report()["targets"].items() if not t["ok"]}
    return {"pending": records.pending(), "refused": refused, "failing_mirrors": failing}


def _time(timestamp):
    return datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC)
