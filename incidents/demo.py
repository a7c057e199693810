"""Demo data: the real posts of the status blog this product replaces, as incidents.

Dated relative to when they are loaded, so the page looks lived-in (recent incidents,
coloured uptime days) and `/` lists the posts in the blog's order, newest first.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from . import services
from .models import Component, ComponentGroup, ComponentStatus, Incident, IncidentTemplate

OPERATIONAL = ComponentStatus.OPERATIONAL

# Monitored for longer than the page's 90 days of uptime bars.
MONITORED_DAYS = 120
GROUPS = [("Servers", "Our web and database servers.")]
COMPONENTS = [
    # name, group, description
    ("Web servers", "Servers", "Websites and applications we host."),
    ("Database servers", "Servers", "MySQL and PostgreSQL databases."),
    ("Network", None, "Connectivity to and between our machines."),
    ("Email", None, "Mail delivery and mailboxes."),
]

# Each incident: (title, days ago, [(minutes after start, status, headline, body, changes)]).
INCIDENTS = [
    (
        "Database file size extension",
        30,
        [
            (
                0,
                "identified",
                "Brief outage",
                "We have to extend our database file size. This will take around 5 minutes. "
                "Sorry about this outage – we will add to our monitoring systems something to "
                "track this in the future, so no more outages of this kind will be required.",
                {"Database servers": ComponentStatus.MAJOR_OUTAGE},
            ),
            (
                7,
                "resolved",
                "Outage complete",
                "All services are now back up.",
                {"Database servers": OPERATIONAL},
            ),
        ],
    ),
    (
        "Server reboot and database recovery",
        19,
        [
            (
                0,
                "identified",
                "Server reboot",
                "We have to reboot our servers to clear a problem. This will take around 5 "
                "minutes. The good news is that we have installed a kernel patch which should "
                "resolve the problem in the future – I’ll most more about that after we’re "
                "back up.",
                {
                    "Web servers": ComponentStatus.MAJOR_OUTAGE,
                    "Database servers": ComponentStatus.MAJOR_OUTAGE,
                },
            ),
            (
                22,
                "identified",
                "Outage longer than expected",
                "The database has to run a recovery process, which could a couple of hours. "
                "There will be an outage during this time. More information will be posted as "
                "we have it.",
                {},
            ),
            (
                75,
                "monitoring",
                "Update on outage",
                "We have monitored the database recovery speed and based on the rate so far, "
                "completion of the database recovery will take another 90 minutes.",
                {},
            ),
            (
                170,
                "resolved",
                "Outage complete",
                "OK, the outage is complete now. The problem was that the database server did "
                "not exit cleanly when we rebooted. It’s never happened before – we’re going to "
                "talk to the database developer to make sure we understand what happened and "
                "stop it from happening again.\n\n"
                "We now have an updated version of the Linux kernel in place which has a fix for "
                "the problem that has caused some outages over the last few weeks. The problem "
                "was caused by a ‘dead-lock’ where two processes would try to access the same "
                "thing at the same time, lock each other out in the process, and get stuck. The "
                "cause of the deadlock has been identified by the Linux kernel developers and has "
                "been resolved (well, since we can’t replicate the problem, we can’t be 100% sure "
                "– but the logic of the bug-fix looks sound, and it passes our stress tests).",
                {"Web servers": OPERATIONAL, "Database servers": OPERATIONAL},
            ),
        ],
    ),
    (
        "Network problem",
        8,
        [
            (
                0,
                "investigating",
                "Network problem",
                "There is currently some network problem affecting access to our machines. "
                "We’re looking into this.",
                {"Network": ComponentStatus.MAJOR_OUTAGE},
            ),
            (
                48,
                "resolved",
                "Network restored",
                "Full network connectivity has been restored.",
                {"Network": OPERATIONAL},
            ),
        ],
    ),
    (
        "Server 1 reboot",
        2,
        [
            (
                0,
                "identified",
                "server1 being rebooted",
                "",
                {"Web servers": ComponentStatus.PARTIAL_OUTAGE},
            ),
            (
                11,
                "resolved",
                "s1 restored",
                "server 1 is back online",
                {"Web servers": OPERATIONAL},
            ),
        ],
    ),
]

# Incident templates, as an operator keeps them: (name, kind, title, status, impact,
# body, {component: status}).
TEMPLATES = [
    (
        "Database down",
        "incident",
        "Database servers unreachable",
        "investigating",
        "major",
        "Our database servers are not answering. We are looking into it and will post "
        "again within 30 minutes.",
        {"Database servers": ComponentStatus.MAJOR_OUTAGE},
    ),
    (
        "Server reboot",
        "maintenance",
        "Server reboot",
        "scheduled",
        "maintenance",
        "We will reboot our servers to apply updates. Websites may be unreachable for "
        "about 5 minutes.",
        {"Web servers": ComponentStatus.UNDER_MAINTENANCE},
    ),
]


def load_demo() -> bool:
    """Load the demo into an empty database; return False (and change nothing) otherwise."""
    if Incident.objects.exists() or Component.objects.exists():
        return False
    now = timezone.localtime()
    monitored_since = now.date() - datetime.timedelta(days=MONITORED_DAYS)
    with transaction.atomic():
        groups = {
            name: services.group_save(group=ComponentGroup(name=name, description=text, position=i))
            for i, (name, text) in enumerate(GROUPS)
        }
        components = {
            name: services.component_save(
                component=Component(
                    name=name,
                    group=groups.get(group),
                    description=text,
                    position=i,
                    start_date=monitored_since,
                )
            )
            for i, (name, group, text) in enumerate(COMPONENTS)
        }
        for title, days_ago, posts in INCIDENTS:
            start = (now - datetime.timedelta(days=days_ago)).replace(
                hour=9, minute=40, second=0, microsecond=0
            )
            incident = None
            for minutes, status, headline, body, changes in posts:
                post = {
                    "status": status,
                    "headline": headline,
                    "body": body,
                    "published_at": start + datetime.timedelta(minutes=minutes),
                    "component_changes": {components[n]: s for n, s in changes.items()},
                }
                post["confirmed"] = True  # history, resolved in the posts that follow
                if incident is None:
                    incident = services.incident_open(title=title, impact="major", **post).incident
                else:
                    services.update_create(incident=incident, **post)
        for name, kind, title, status, impact, body, changes in TEMPLATES:
            services.template_save(
                template=IncidentTemplate(
                    name=name, kind=kind, title=title, status=status, impact=impact, body=body
                ),
                component_statuses={components[n]: s for n, s in changes.items()},
            )
    return True
