import io
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from incidents import services
from incidents.models import Incident, IncidentUpdate

pytestmark = pytest.mark.django_db


def post_update(*args, stdin=""):
    out = io.StringIO()
    call_command("post_update", *args, stdout=out, stdin=io.StringIO(stdin))
    return out.getvalue().strip()


def test_opens_an_incident_and_prints_its_public_url(network, settings):
    url = post_update(
        "--title",
        "Network problem",
        "--status",
        "investigating",
        "--impact",
        "major",
        "--component",
        "Network=major_outage",
        "--body",
        "Looking into it.",
    )
    incident = Incident.objects.get()
    assert url == f"{settings.SITE_URL}/incidents/{incident.public_id}"
    assert incident.impact == "major"
    network.refresh_from_db()
    assert network.status == "major_outage"


def test_updates_an_incident_with_the_body_from_standard_input(network):
    post_update("--title", "Network problem", "--status", "investigating", "--body", "x")
    incident = Incident.objects.get()
    post_update(
        "--incident",
        incident.public_id,
        "--status",
        "resolved",
        "--headline",
        "Network restored",
        stdin="Full network connectivity has been restored.\n",
    )
    latest = incident.updates.first()
    assert latest.headline == "Network restored"
    assert latest.body.strip() == "Full network connectivity has been restored."
    incident.refresh_from_db()
    assert incident.status == "resolved"


def test_draft_backdating_and_notify_flags(db):
    post_update(
        "--title",
        "Old",
        "--status",
        "resolved",
        "--body",
        "x",
        "--published-at",
        "2024-01-02T10:00",
    )
    post_update(
        "--title", "Draft", "--status", "investigating", "--body", "x", "--draft", "--no-notify"
    )
    post_update(
        "--title",
        "Loud",
        "--status",
        "investigating",
        "--body",
        "x",
        "--notify",
        "--published-at",
        "2024-01-02T10:00",
        "--yes",  # an open incident backdated: confirmed
    )
    old, draft, loud = (
        IncidentUpdate.objects.get(incident__title=t) for t in ["Old", "Draft", "Loud"]
    )
    assert old.published_at.year == 2024 and old.notify is False
    assert draft.is_draft and draft.notify is False
    assert loud.notify is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--title", "X", "--status", "exploded", "--body", "x"], "not a status of an incident"),
        (
            [
                "--title",
                "X",
                "--status",
                "investigating",
                "--body",
                "x",
                "--component",
                "Nope=major_outage",
            ],
            "unknown component 'Nope'. Components: Network.",
        ),
        (
            [
                "--title",
                "X",
                "--status",
                "investigating",
                "--body",
                "x",
                "--component",
                "Network=on_fire",
            ],
            "unknown status 'on_fire' for Network. Statuses: operational, degraded_performance",
        ),
        (
            ["--title", "X", "--status", "investigating", "--body", "x", "--component", "Network"],
            "is not NAME=STATUS",
        ),
        (
            ["--incident", "missing00000", "--status", "resolved", "--body", "x"],
            "no incident 'missing00000'",
        ),
        (
            [
                "--title",
                "X",
                "--status",
                "investigating",
                "--body",
                "x",
                "--published-at",
                "yesterday",
            ],
            "not a date and time",
        ),
        (
            ["--title", "X", "--status", "investigating", "--impact", "apocalyptic", "--body", "x"],
            "impact",
        ),
        (["--title", "X", "--status", "investigating", "--body", ""], "message or a headline"),
        (
            [
                "--title",
                "X",
                "--status",
                "investigating",
                "--body",
                "x",
                "--published-at",
                "9999-12-31T23:59:59-05:00",
            ],
            "9999-12-31T23:59:59-05:00 is out of range",
        ),
        (
            [
                "--title",
                "X",
                "--status",
                "scheduled",
                "--kind",
                "maintenance",
                "--body",
                "x",
                "--scheduled-for",
                "0001-01-01T00:00+01:00",
                "--scheduled-until",
                "2026-01-01",
            ],
            "scheduled_for: 0001-01-01T00:00:00\\+01:00 is out of range",
        ),
    ],
)
def test_bad_input_is_one_line_error_and_changes_nothing(network, args, message):
    with pytest.raises(CommandError, match=message) as error:
        post_update(*args)
    assert "\n" not in str(error.value)
    assert not Incident.objects.exists()
    network.refresh_from_db()
    assert network.status == "operational"


@pytest.mark.slow
def test_command_exits_non_zero_with_a_one_line_error_from_the_shell(tmp_path):
    env = os.environ | {"DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
    args = ["post_update", "--incident", "nope", "--status", "resolved", "--body", "x"]
    result = subprocess.run([*manage, *args], capture_output=True, text=True, env=env)
    assert result.returncode == 1
    assert result.stderr == "CommandError: --incident: there is no incident 'nope'.\n"


def test_a_drafts_impact_waits_until_the_draft_is_published(client, db):
    incident = services.incident_open(title="Outage", status="investigating", body="x").incident
    post_update(
        "--incident",
        incident.public_id,
        "--status",
        "identified",
        "--body",
        "x",
        "--impact",
        "critical",
        "--draft",
    )
    incident.refresh_from_db()
    assert incident.impact == "minor"
    assert client.get("/api/v2/status.json").json()["status"]["indicator"] == "minor"
    draft = incident.updates.get(is_draft=True)
    assert draft.impact == "critical"
    services.update_edit(update=draft, is_draft=False)
    assert client.get("/api/v2/status.json").json()["status"]["indicator"] == "critical"


def test_one_mistake_gives_one_error_naming_the_valid_components(network, web):
    args = ["--title", "X", "--status", "investigating", "--body", "x"]
    with pytest.raises(CommandError) as error:
        post_update(*args, "--component", "Netwrk=major_outage", "--component", "Web=bad")
    assert str(error.value) == (
        "--component: unknown component 'Netwrk'. Components: Network, Web servers."
    )
    with pytest.raises(CommandError) as error:
        post_update(*args, "--component", "network=Major")
    assert str(error.value) == (
        "--component: unknown status 'Major' for Network. Statuses: operational, "
        "degraded_performance, partial_outage, major_outage, under_maintenance."
    )
    assert not Incident.objects.exists()


def test_a_scheduled_post_says_when_instead_of_a_link(db):
    out = post_update(
        "--title", "Later", "--status", "investigating", "--body", "x",
        "--published-at", "2099-03-02T10:15",
    )  # fmt: skip
    incident = Incident.objects.get()
    assert out == (
        f"Scheduled for 2099-03-02 10:15 UTC, not public until then "
        f"(incident {incident.public_id})."
    )


def test_a_draft_says_it_is_not_public(db):
    out = post_update("--title", "Draft", "--status", "investigating", "--body", "x", "--draft")
    incident = Incident.objects.get()
    assert out == f"Saved as a draft, not public (incident {incident.public_id})."


@pytest.mark.slow
def test_after_make_setup_it_works_with_nothing_exported_and_links_use_the_port(tmp_path):
    # What `make setup` leaves in var/ (the key and the port), then a bare shell.
    own = ("SECRET_KEY", "SITE_URL", "PORT", "DATABASE_URL", "VAR_DIR", "DJANGO_")
    bare = {k: v for k, v in os.environ.items() if not k.startswith(own)}
    bare["VAR_DIR"] = str(tmp_path)  # stands for the checkout's var/
    make = ["make", "-s", "local-env", f"VAR_DIR={tmp_path}", "PORT=9123"]
    key = {"SECRET_KEY_FILE": str(tmp_path / "secret_key")}
    subprocess.run(make, check=True, env=bare | key)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], env=bare, check=True)
    args = ["post_update", "--title", "Outage", "--status", "investigating", "--body", "x"]
    result = subprocess.run([*manage, *args], capture_output=True, text=True, env=bare)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("http://127.0.0.1:9123/incidents/")
