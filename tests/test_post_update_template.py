"""`post_update --template NAME`: a template's title, status, impact, message and
component statuses, with the options given overriding it."""

import io

import pytest
from django.core.management import CommandError, call_command

from incidents import services
from incidents.models import Incident, IncidentTemplate

from .conftest import open_incident

pytestmark = pytest.mark.django_db


def post_update(*args, stdin=""):
    out = io.StringIO()
    call_command("post_update", *args, stdout=out, stdin=io.StringIO(stdin))
    return out.getvalue().strip()


@pytest.fixture
def database_down(database, web):
    return services.template_save(
        template=IncidentTemplate(
            name="Database down",
            title="Database servers unreachable",
            status="investigating",
            impact="major",
            headline="Databases down",
            body="We are looking into it.",
        ),
        component_statuses={database: "major_outage", web: "degraded_performance"},
    )


def statuses(*components):
    return [c.__class__.objects.get(pk=c.pk).status for c in components]


def test_a_template_alone_opens_its_incident(database_down, database, web, settings):
    url = post_update("--template", "database down")  # names are matched ignoring case
    incident = Incident.objects.get()
    assert url == f"{settings.SITE_URL}{incident.get_absolute_url()}"
    assert (incident.title, incident.status, incident.impact, incident.kind) == (
        "Database servers unreachable",
        "investigating",
        "major",
        "incident",
    )
    update = incident.updates.get()
    assert (update.headline, update.body) == ("Databases down", "We are looking into it.")
    assert statuses(database, web) == ["major_outage", "degraded_performance"]


def test_options_given_override_the_template(database_down, database, web):
    post_update(
        "--template",
        "Database down",
        "--title",
        "Primary database lost",
        "--status",
        "identified",
        "--impact",
        "critical",
        "--headline",
        "Disk failed",
        "--component",
        "Web servers=operational",
        stdin="Replacing the disk.",
    )
    incident = Incident.objects.get()
    assert (incident.title, incident.status, incident.impact) == (
        "Primary database lost",
        "identified",
        "critical",
    )
    update = incident.updates.get()
    assert (update.headline, update.body) == ("Disk failed", "Replacing the disk.")
    # The template's status for Database stays; --component wins for Web servers.
    assert statuses(database, web) == ["major_outage", "operational"]


def test_a_template_can_post_an_update_to_an_open_incident(database_down, database):
    incident = open_incident(title="Slow queries").incident
    post_update("--incident", incident.public_id, "--template", "Database down")
    incident.refresh_from_db()
    assert incident.title == "Slow queries"  # an update never renames its incident
    assert (incident.status, incident.impact) == ("investigating", "major")
    assert incident.updates.first().body == "We are looking into it."
    assert statuses(database) == ["major_outage"]


def test_a_maintenance_template_schedules_with_the_window_given(web):
    services.template_save(
        template=IncidentTemplate(
            name="Reboot",
            kind="maintenance",
            title="Server reboot",
            status="scheduled",
            impact="maintenance",
            body="Five minutes.",
        ),
        component_statuses={web: "under_maintenance"},
    )
    post_update(
        "--template",
        "Reboot",
        "--scheduled-for",
        "2031-01-15T02:00",
        "--scheduled-until",
        "2031-01-15T04:00",
    )
    incident = Incident.objects.get()
    assert (incident.kind, incident.status, incident.impact) == (
        "maintenance",
        "scheduled",
        "maintenance",
    )
    assert list(incident.components.all()) == [web]
    assert statuses(web) == ["operational"]  # under maintenance only once it starts


def test_an_unknown_template_lists_the_valid_ones_and_changes_nothing(database_down, db):
    services.template_save(
        template=IncidentTemplate(name="Network", title="N", status="identified")
    )
    with pytest.raises(CommandError) as error:
        post_update("--template", "Databse down")
    assert str(error.value) == (
        "--template: there is no template 'Databse down'; templates: 'Database down', 'Network'."
    )
    assert not Incident.objects.exists()


def test_with_no_templates_the_error_says_where_to_add_them(db):
    with pytest.raises(CommandError, match="none yet \\(add them in the admin\\)"):
        post_update("--template", "Anything")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--template", "x\x00y"], "--template: A control character \\(U\\+0000\\)"),
        (["--status", "investigating", "--body", "x"], "Give --title to open an incident"),
        (["--title", "Down", "--body", "x"], "--status is required \\(or comes from --template\\)"),
    ],
)
def test_missing_or_bad_template_options_are_one_line_errors(db, args, message):
    with pytest.raises(CommandError, match=message) as error:
        post_update(*args)
    assert "\n" not in str(error.value)
    assert not Incident.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_with_the_database_down_a_template_says_to_post_without_one(
    database_down, database_outage, settings
):
    database_outage.start()
    with pytest.raises(CommandError) as error:
        post_update("--template", "Database down")
    database_outage.end()
    assert str(error.value) == (
        "--template: templates are in the database, which is unreachable; "
        "post with --title, --status and --body instead."
    )
    assert not settings.JOURNAL_PATH.exists() or not settings.JOURNAL_PATH.read_bytes()
    assert not Incident.objects.exists()
