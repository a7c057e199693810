"""Chat messages, each in its service's own format, made from the Statuspage webhook body
of an event (so a chat message says exactly what the webhook says).

Slack: Block Kit with a `text` fallback; Discord: an embed (and no @mentions: a post
saying "@everyone" pings nobody); Microsoft Teams: an Adaptive Card message, as Teams
Workflows and incoming webhooks take it; Mattermost: a message attachment; Google Chat:
a text message. Texts are cut to each service's limits.
"""

from dataclasses import dataclass, field

from django.conf import settings

from incidents.models import ComponentStatus, IncidentStatus

# Colours by what happened: red to green, blue for maintenance.
COLOURS = {
    "critical": 0xD93F0B,
    "major": 0xE67E22,
    "minor": 0xF1C40F,
    "none": 0x95A5A6,
    "maintenance": 0x3498DB,
    "resolved": 0x2ECC71,
    ComponentStatus.OPERATIONAL: 0x2ECC71,
    ComponentStatus.DEGRADED_PERFORMANCE: 0xF1C40F,
    ComponentStatus.PARTIAL_OUTAGE: 0xE67E22,
    ComponentStatus.MAJOR_OUTAGE: 0xD93F0B,
    ComponentStatus.UNDER_MAINTENANCE: 0x3498DB,
}
CLOSED = {IncidentStatus.RESOLVED, IncidentStatus.COMPLETED, IncidentStatus.POSTMORTEM}


@dataclass
class Summary:
    title: str
    status: str
    text: str
    url: str
    colour: int
    timestamp: str | None
    facts: list[tuple[str, str]] = field(default_factory=list)


def _label(choices, value):
    return dict(choices.choices).get(value, value or "")


def summary(payload: dict, update_id: str | None = None) -> Summary:
    if "incident" in payload:
        return _incident_summary(payload["incident"], update_id)
    change, component = payload["component_update"], payload["component"]
    new = _label(ComponentStatus, change["new_status"])
    return Summary(
        title=f"{component['name']}: {new}",
        status=new,
        text=f"{component['name']} is now {new.lower()} "
        f"(was {_label(ComponentStatus, change['old_status']).lower()}).",
        url=settings.SITE_URL,
        colour=COLOURS.get(change["new_status"], COLOURS["none"]),
        timestamp=change["created_at"],
    )


def _incident_summary(incident, update_id):
    updates = incident["incident_updates"]
    update = next((u for u in updates if u["id"] == update_id), updates[0] if updates else {})
    status = update.get("status", incident["status"])
    colour = COLOURS["resolved"] if status in CLOSED else COLOURS.get(incident["impact"], 0)
    # As the mail says: the components the post changed, or else the incident's as they
    # are, and the impact.
    facts = [
        (change["name"], _label(ComponentStatus, change["new_status"]))
        for change in update.get("affected_components") or []
    ] or [(c["name"], _label(ComponentStatus, c["status"])) for c in incident["components"]]
    facts.append(("Impact", incident["impact"]))
    return Summary(
        title=incident["name"],
        status=_label(IncidentStatus, status),
        text=update.get("body") or "",
        url=incident["shortlink"],
        colour=colour,
        timestamp=update.get("display_at"),
        facts=facts,
    )


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack(s: Summary) -> dict:
    page = settings.STATUS_PAGE_NAME
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": cut(s.title, 150)}},
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": cut(f"*{slack_escape(s.status)}*\n{slack_escape(s.text)}", 3000),
            },
        },
    ]
    if s.facts:
        fields = [
            {"type": "mrkdwn", "text": cut(f"*{slack_escape(n)}*\n{slack_escape(v)}", 2000)}
            for n, v in s.facts[:10]
        ]
        blocks.append({"type": "section", "fields": fields})
    link = f"<{s.url}|View on {slack_escape(page)}>"
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": cut(link, 3000)}]})
    return {"text": cut(f"{s.title}: {s.status} ({s.url})", 3000), "blocks": blocks}


def mattermost(s: Summary) -> dict:
    fields = [{"short": True, "title": cut(n, 200), "value": v} for n, v in s.facts[:20]]
    attachment = {
        "fallback": cut(f"{s.title}: {s.status}", 1000),
        "color": f"#{s.colour:06x}",
        "title": cut(s.title, 500),
        "title_link": s.url,
        "text": cut(f"**{s.status}**\n{s.text}", 7000),
        "fields": fields,
        "footer": settings.STATUS_PAGE_NAME,
    }
    return {"text": "", "attachments": [attachment]}


def discord(s: Summary) -> dict:
    embed = {
        "title": cut(s.title, 256),
        "url": s.url,
        "description": cut(f"**{s.status}**\n{s.text}", 4000),
        "color": s.colour,
        "fields": [
            {"name": cut(n, 256), "value": cut(v, 1024), "inline": True} for n, v in s.facts[:25]
        ],
        "footer": {"text": cut(settings.STATUS_PAGE_NAME, 2048)},
    }
    if s.timestamp:
        embed["timestamp"] = s.timestamp
    return {"allowed_mentions": {"parse": []}, "embeds": [embed]}


def teams(s: Summary) -> dict:
    body = [
        {"type": "TextBlock", "text": s.title, "weight": "Bolder", "size": "Medium", "wrap": True},
        {"type": "TextBlock", "text": s.status, "weight": "Bolder", "spacing": "None"},
        {"type": "TextBlock", "text": cut(s.text, 10000), "wrap": True},
    ]
    if s.facts:
        body.append({"type": "FactSet", "facts": [{"title": n, "value": v} for n, v in s.facts]})
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
        "actions": [{"type": "Action.OpenUrl", "title": "View on the status page", "url": s.url}],
    }
    attachment = {
        "contentType": "application/vnd.microsoft.card.adaptive",
        "contentUrl": None,
        "content": card,
    }
    return {"type": "message", "attachments": [attachment]}


def googlechat(s: Summary) -> dict:
    facts = "".join(f"\n{n}: {v}" for n, v in s.facts)
    return {"text": cut(f"*{s.title}*\n_{s.status}_\n{s.text}{facts}\n<{s.url}|View>", 4000)}


FORMATS = {
    "slack": slack,
    "discord": discord,
    "teams": teams,
    "mattermost": mattermost,
    "googlechat": googlechat,
}


def message(kind: str, payload: dict, update_id: str | None = None) -> dict:
    return FORMATS[kind](summary(payload, update_id))
