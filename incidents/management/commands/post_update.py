"""Post to the status page from a shell: open an incident or update one.

    manage.py post_update --title "Network problem" --status investigating \
        --component Network=major_outage --body "We're looking into it."
    echo "Back to normal." | manage.py post_update --incident k2l8x0q4v9m1 --status resolved
    manage.py post_update --template "Database down" --component Database=partial_outage

With the database unreachable, the post goes to the break-glass journal instead: it is on
the public pages at once and is posted (followers notified) when the database is back.
"""

import re
import sys
from argparse import BooleanOptionalAction

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from incidents import services
from incidents.models import (
    PUBLIC_ID_PATTERN,
    Component,
    ComponentStatus,
    Incident,
    IncidentKind,
    IncidentTemplate,
)
from incidents.services.dates import when
from incidents.validators import validate_line
from public_store import journal, outage


def _shown(value: str) -> str:
    """A value quoted for a one-line error: line breaks and control characters escaped."""
    return repr(value if len(value) <= 80 else value[:80] + "…")


def _one_line(message: str) -> str:
    return re.sub(r"[\x00-\x1f\x7f\u2028\u2029]", lambda m: repr(m.group())[1:-1], message)


def _datetime(value, option):
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise CommandError(
            f"{option}: {_shown(value)} is not a date and time (e.g. 2026-03-02T10:15)."
        )
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _component_pair(pair):
    name, sep, status = pair.rpartition("=")
    if not sep or not name:
        raise CommandError(f"--component: {_shown(pair)} is not NAME=STATUS.")
    return name, status.strip()


def _component_changes(pairs):
    changes = {}
    for pair in pairs:
        name, status = _component_pair(pair)
        try:
            validate_line(name)  # no component has such a name; the database cannot take it
            component = Component.objects.get(name__iexact=name.strip())
        except ValidationError as error:
            raise CommandError(f"--component: {error.messages[0]}") from None
        except Component.DoesNotExist:
            names = ", ".join(sorted(Component.objects.values_list("name", flat=True)))
            raise CommandError(
                f"--component: unknown component {_shown(name)}. "
                f"Components: {names or '(none yet)'}."
            ) from None
        if status not in ComponentStatus.values:
            raise CommandError(
                f"--component: unknown status {_shown(status)} for {component.name}. "
                f"Statuses: {', '.join(ComponentStatus.values)}."
            )
        changes[component] = status
    return changes


def _not_public_yet(update):
    """What to print for a post the public cannot see yet, instead of its address."""
    if update.is_draft:
        return f"Saved as a draft, not public (incident {update.incident.public_id})."
    return (
        f"Scheduled for {when(update.published_at)}, not public until then "
        f"(incident {update.incident.public_id})."
    )


class Command(BaseCommand):
    help = "Open an incident (--title) or post an update to one (--incident ID)."
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        # One of them, or --template (its title opens a new incident).
        target = parser.add_mutually_exclusive_group()
        target.add_argument("--title", help="Open a new incident with this title.")
        target.add_argument("--incident", metavar="ID", help="Public id of the incident to update.")
        parser.add_argument(
            "--template",
            metavar="NAME",
            help="Start from this incident template (its title, status, impact, message and "
            "component statuses); the options given override it.",
        )
        parser.add_argument("--status", help="e.g. investigating, resolved.")
        parser.add_argument(
            "--impact",
            help="none, minor, major or critical; a maintenance may also be maintenance, "
            "its usual impact.",
        )
        parser.add_argument("--kind", help="incident (the default) or maintenance.")
        parser.add_argument("--scheduled-for", help="Maintenance window start (ISO 8601).")
        parser.add_argument("--scheduled-until", help="Maintenance window end (ISO 8601).")
        parser.add_argument("--body", help="Markdown message; read from standard input if omitted.")
        parser.add_argument("--headline", help="Optional title of this post.")
        parser.add_argument(
            "--component",
            action="append",
            default=[],
            metavar="NAME=STATUS",
            help="Set a component's status (repeatable), e.g. Network=major_outage.",
        )
        parser.add_argument("--published-at", help="Backdate or schedule the post (ISO 8601).")
        parser.add_argument("--draft", action="store_true", help="Save without publishing.")
        parser.add_argument(
            "--notify",
            action=BooleanOptionalAction,
            default=None,
            help="Mail followers (default: yes, unless the post is backdated).",
        )
        parser.add_argument(
            "--keep-components",
            action="store_true",
            help="Resolving: leave the components as they are (by default the ones this "
            "incident changed go back to operational).",
        )
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Confirm a date that rewrites the past (before the incident started, or "
            "an open incident more than 7 days ago).",
        )

    def handle(self, *args, **options):
        body = options["body"]
        if body is None:
            stdin = options.get("stdin", sys.stdin)
            body = "" if stdin.isatty() else stdin.read()
        options["body"] = body
        if options["template"] is not None:
            _apply_template(options, _template(options["template"]))
        _check_required(options)
        body = options["body"]
        post = {
            "status": options["status"],
            "body": body,
            "headline": options["headline"] or "",
            "impact": options["impact"],
            "published_at": options["published_at"]
            and _datetime(options["published_at"], "--published-at"),
            "is_draft": options["draft"],
            "notify": options["notify"],
        }
        opening = {
            "title": options["title"],
            "kind": options["kind"] or IncidentKind.INCIDENT,
            "scheduled_for": options["scheduled_for"]
            and _datetime(options["scheduled_for"], "--scheduled-for"),
            "scheduled_until": options["scheduled_until"]
            and _datetime(options["scheduled_until"], "--scheduled-until"),
        }
        try:
            update = self._post(options, post, opening)
        except DatabaseError as error:
            if not outage.is_outage(error):
                raise
            url = self._post_to_journal(options, post, opening)
            self.stdout.write(f"{settings.SITE_URL}{url}")
            return
        if update.is_published:
            self.stdout.write(f"{settings.SITE_URL}{update.incident.get_absolute_url()}")
        else:
            self.stdout.write(_not_public_yet(update))

    def _post(self, options, post, opening):
        post = post | {
            "component_changes": _component_changes(options["component"]),
            "keep_components": options["keep_components"],
            "confirmed": options["yes"],
        }
        try:
            if options["title"] is not None:
                return services.incident_open(**opening, **post)
            return services.update_create(incident=self._incident(options["incident"]), **post)
        except ValidationError as error:
            raise CommandError(_confirm_or_messages(error)) from None

    def _post_to_journal(self, options, post, opening):
        """Break glass: the database is unreachable, so the post goes to the journal,
        is shown on the public pages at once and is posted when the database is back."""
        if options["incident"] is not None:
            opening = {"incident_id": self._public_id(options["incident"])}
        post = post | {
            "component_changes": dict(_component_pair(pair) for pair in options["component"]),
            "keep_components": options["keep_components"],
            "confirmed": options["yes"],
        }
        try:
            entry = services.journal_post(**opening, **post)
        except ValidationError as error:
            raise CommandError(_confirm_or_messages(error)) from None
        except journal.JournalUnavailable as error:
            raise CommandError(f"The database is unreachable, and {error}.") from None
        self.stderr.write(
            f"The database is unreachable: the post was written to the journal (entry "
            f"{entry.id}) and is on the public pages now, marked as posted while our systems "
            "were degraded. The worker posts it, and notifies followers, once the database "
            "is back."
        )
        return entry.paths[1]

    def _incident(self, public_id):
        try:
            return Incident.objects.get(public_id=self._public_id(public_id))
        except Incident.DoesNotExist:
            raise CommandError(f"--incident: there is no incident {_shown(public_id)}.") from None

    def _public_id(self, public_id):
        # Ids are letters and digits; anything else (a NUL, say) never reaches the database.
        if not re.fullmatch(PUBLIC_ID_PATTERN, public_id):
            raise CommandError(f"--incident: there is no incident {_shown(public_id)}.")
        return public_id


def _confirm_or_messages(error):
    """One line: the services' reason, and how to confirm if that is what they ask."""
    if services.needs_confirmation(error):
        return _one_line(f"{error.message} Add --yes to post it dated so.")
    return _one_line(" ".join(_messages(error)))


def _template(name):
    try:
        validate_line(name)  # no template has such a name; the database cannot take it
        template = IncidentTemplate.objects.filter(name__iexact=name.strip()).first()
        names = [] if template else list(IncidentTemplate.objects.values_list("name", flat=True))
    except ValidationError as error:
        raise CommandError(f"--template: {error.messages[0]}") from None
    except DatabaseError:
        raise CommandError(
            "--template: templates are in the database, which is unreachable; "
            "post with --title, --status and --body instead."
        ) from None
    if template is None:
        valid = ", ".join(_shown(n) for n in names) or "none yet (add them in the admin)"
        raise CommandError(f"--template: there is no template {_shown(name)}; templates: {valid}.")
    return template


def _apply_template(options, template):
    """What the template holds, where no option says otherwise; --component entries are
    added to the template's, and win for the same component."""
    if options["incident"] is None and options["title"] is None:
        options["title"] = template.title
    options["kind"] = options["kind"] or template.kind
    for name in ["status", "impact", "headline"]:
        if options[name] is None:
            options[name] = getattr(template, name)
    if not options["body"].strip():
        options["body"] = template.body
    options["component"] = [
        *(f"{c.name}={status}" for c, status in template.component_changes().items()),
        *options["component"],
    ]


def _check_required(options):
    if options["title"] is None and options["incident"] is None:
        raise CommandError(
            "Give --title to open an incident, --incident ID to update one, "
            "or --template NAME to open one from a template."
        )
    if options["status"] is None:
        raise CommandError("--status is required (or comes from --template).")


def _messages(error):
    if hasattr(error, "error_dict"):
        return [f"{field}: {m}" if field != "__all__" else m for field, ms in error for m in ms]
    return error.messages
