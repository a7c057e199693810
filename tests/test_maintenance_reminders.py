"""Maintenance reminders and the mails when a maintenance starts and completes (issue
12): each exactly once, whatever restarts, repeated runs, edits of the window or a
second worker do. Time is moved, and the worker's periodic jobs are called directly."""

import datetime
import threading

import pytest

from incidents import services
from incidents.models import Incident
from subscribers.models import Delivery, EventKind, Notification

from .conftest import follower, later, open_incident, run_tasks

pytestmark = pytest.mark.django_db(transaction=True)


def schedule(components=(), *, start, end, auto=True, notify=None, title="Database upgrade"):
    return open_incident(
        title=title,
        kind="maintenance",
        status="scheduled",
        body="We will upgrade the database.",
        scheduled_for=start,
        scheduled_until=end,
        auto_transition=auto,
        notify=notify,
        component_changes=dict.fromkeys(components, "under_maintenance"),
    ).incident


def texts(smtp_sink, address="ada@example.org"):
    return [m.get_body(("plain",)).get_content() for m in smtp_sink.to(address)]


def subjects(smtp_sink, address="ada@example.org"):
    return [m["Subject"] for m in smtp_sink.to(address)]


def shift(incident, **delta):
    """Move the window towards now, as time passing would."""
    step = datetime.timedelta(**delta)
    Incident.objects.filter(pk=incident.pk).update(
        scheduled_for=incident.scheduled_for - step, scheduled_until=incident.scheduled_until - step
    )
    incident.refresh_from_db()


def test_followers_are_reminded_once_within_the_hour_before_the_start(smtp_sink, database):
    follower()
    incident = schedule([database], start=later(hours=3), end=later(hours=4))
    run_tasks()
    assert services.maintenances_remind_due() == 0  # three hours ahead: not yet
    shift(incident, hours=2, minutes=30)  # starts in 30 minutes
    assert services.maintenances_remind_due() == 1
    assert services.maintenances_remind_due() == 0  # a second run, a restarted worker
    run_tasks()

    [announcement, reminder] = smtp_sink.to("ada@example.org")
    assert (
        reminder["Subject"]
        == announcement["Subject"]
        == "[Example Hosting Status] Database upgrade"
    )
    text = reminder.get_body(("plain",)).get_content()
    assert text.startswith("Reminder: scheduled maintenance")
    assert "- Servers - Database: Under maintenance" in text
    assert reminder["In-Reply-To"] == announcement["Message-ID"]
    incident.refresh_from_db()
    assert incident.reminded_at is not None
    assert Notification.objects.filter(kind=EventKind.MAINTENANCE_REMINDER).count() == 1


def test_an_edited_window_does_not_remind_again(smtp_sink):
    follower()
    incident = schedule(start=later(minutes=30), end=later(hours=2))
    assert services.maintenances_remind_due() == 1
    services.incident_edit(
        incident=incident, scheduled_for=later(minutes=40), scheduled_until=later(hours=3)
    )
    assert services.maintenances_remind_due() == 0
    run_tasks()
    assert len(subjects(smtp_sink)) == 2  # the announcement and one reminder


def test_only_followers_of_its_components_are_reminded(smtp_sink, database, network):
    follower("db@example.org", components=[database])
    follower("net@example.org", components=[network])
    schedule([database], start=later(minutes=10), end=later(hours=1))
    services.maintenances_remind_due()
    run_tasks()
    assert len(smtp_sink.to("db@example.org")) == 2
    assert len(smtp_sink.to("net@example.org")) == 0


def test_no_reminder_when_turned_off_started_quiet_or_far_away(smtp_sink, settings):
    follower()
    soon = schedule(start=later(minutes=10), end=later(hours=1), title="Soon")
    schedule(start=later(minutes=10), end=later(hours=1), notify=False, title="Quiet")
    schedule(start=later(days=2), end=later(days=3), title="Far")
    settings.MAINTENANCE_REMINDER_BEFORE = 0
    assert services.maintenances_remind_due() == 0
    settings.MAINTENANCE_REMINDER_BEFORE = 3600
    services.update_create(incident=soon, status="in_progress", body="Started early.")
    assert services.maintenances_remind_due() == 0  # already started; the quiet one stays quiet
    assert not Notification.objects.filter(kind=EventKind.MAINTENANCE_REMINDER).exists()


def test_a_reminder_left_unsent_is_dropped_once_the_maintenance_has_started(smtp_sink):
    follower()
    incident = schedule(start=later(minutes=10), end=later(hours=1), auto=False)
    services.maintenances_remind_due()  # recorded; the worker is down before it fans out
    services.update_create(incident=incident, status="in_progress", body="Started.")
    run_tasks()
    assert [t.splitlines()[0] for t in texts(smtp_sink)] == [
        "Status: Scheduled",
        "Status: In progress",
    ]


def test_automatic_start_and_completion_are_each_mailed_once(smtp_sink, database):
    follower()
    incident = schedule([database], start=later(minutes=30), end=later(hours=1))
    services.maintenances_remind_due()
    run_tasks()
    shift(incident, minutes=31)
    for _ in range(2):  # twice: a restart, a second worker
        services.maintenances_transition_due()
        services.maintenances_remind_due()
    shift(incident, minutes=30)
    services.maintenances_transition_due()
    services.maintenances_transition_due()
    run_tasks()

    assert [t.splitlines()[0] for t in texts(smtp_sink)] == [
        "Status: Scheduled",
        "Reminder: scheduled maintenance",
        "Status: In progress",
        "Status: Completed",
    ]
    assert len(set(subjects(smtp_sink))) == 1
    assert Delivery.objects.count() == 4


def test_a_maintenance_without_auto_transition_is_mailed_only_when_its_posts_are_made(
    smtp_sink, database
):
    follower()
    incident = schedule([database], start=later(minutes=30), end=later(hours=1), auto=False)
    shift(incident, hours=2)  # its window has passed
    assert services.maintenances_transition_due() == 0
    run_tasks()
    assert len(texts(smtp_sink)) == 1  # the announcement only
    services.update_create(incident=incident, status="in_progress", body="Under way.")
    services.update_create(incident=incident, status="completed", body="Done.")
    run_tasks()
    assert [t.splitlines()[0] for t in texts(smtp_sink)] == [
        "Status: Scheduled",
        "Status: In progress",
        "Status: Completed",
    ]


def test_the_reminder_job_is_registered_with_the_worker():
    from worker import jobs

    assert services.maintenances_remind_due in jobs.registered()


@pytest.mark.parametrize("value", ["1h", "-60", "soon"])
def test_a_reminder_time_that_is_not_seconds_fails_loudly(value):
    from .test_settings import settings_with

    result, _ = settings_with(
        {"SECRET_KEY": "x" * 50, "MAINTENANCE_REMINDER_BEFORE": value}, "DEBUG"
    )
    assert result.returncode != 0
    assert "MAINTENANCE_REMINDER_BEFORE is a number of seconds" in result.stderr


def test_the_reminder_time_is_read_from_the_environment():
    from .test_settings import settings_with

    result, values = settings_with(
        {"SECRET_KEY": "x" * 50, "MAINTENANCE_REMINDER_BEFORE": "900"},
        "MAINTENANCE_REMINDER_BEFORE",
    )
    assert values == {"MAINTENANCE_REMINDER_BEFORE": "900"}, result.stderr


def side_by_side(job, workers=2):
    """Run `job` in several threads at once, each with its own database connection, as
    two worker processes would; return what each returned."""
    from django.db import connection

    barrier, results, errors = threading.Barrier(workers), [], []

    def run():
        try:
            barrier.wait()
            results.append(job())
        except Exception as error:  # reported by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


def test_two_workers_at_once_remind_and_start_each_maintenance_once(database):
    follower()
    maintenances = [
        schedule([database], start=later(minutes=30), end=later(hours=1), title=f"Upgrade {n}")
        for n in range(10)
    ]
    assert sum(side_by_side(services.maintenances_remind_due)) == 10  # each by one worker
    reminders = Notification.objects.filter(kind=EventKind.MAINTENANCE_REMINDER)
    assert reminders.count() == 10
    for incident in maintenances:
        shift(incident, minutes=31)
    assert sum(side_by_side(services.maintenances_transition_due)) == 10
    for incident in maintenances:
        assert incident.updates.filter(headline="Maintenance started").count() == 1
    assert Notification.objects.filter(kind=EventKind.UPDATE).count() == 20


def test_the_notifications_admin_lists_a_reminder_with_its_deliveries(admin_client, smtp_sink):
    follower()
    schedule(start=later(minutes=10), end=later(hours=1))
    services.maintenances_remind_due()
    run_tasks()
    response = admin_client.get(
        "/admin/subscribers/notification/",
        {"q": "Database upgrade", "kind": "maintenance_reminder"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Maintenance reminder: Database upgrade" in html and "email 1/1" in html
