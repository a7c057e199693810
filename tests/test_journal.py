"""Posting with the database down ("break glass"): `post_update` writes the post to the
journal, the public pages show it at once, and the worker posts it once the database is
back, exactly once. The database is made really unreachable (a wrong address); the real
stop and start of PostgreSQL is in test_break_glass_postgres.py."""

import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from incidents import services
from incidents.models import Incident, IncidentUpdate
from public_store import journal
from subscribers.models import Notification

from .conftest import follower

pytestmark = pytest.mark.django_db(transaction=True)
DEGRADED = "Posted while our systems were degraded"


def post_update(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("post_update", *args, stdout=out, stderr=err, stdin=io.StringIO(""))
    return out.getvalue().strip(), err.getvalue()


def follow_up(incident, *extra):
    return post_update(
        "--incident",
        incident.public_id,
        "--status",
        "identified",
        "--headline",
        "Cable found",
        "--component",
        "Network=partial_outage",
        "--body",
        "Splicing it now.",
        *extra,
    )


def new_incident():
    return post_update("--title", "Power failure", "--status", "investigating", "--body", "On UPS.")


def test_with_the_database_down_a_post_goes_to_the_synced_journal(
    posted, database_outage, settings
):
    incident = posted.incident
    database_outage.start()
    url, said = follow_up(incident)
    assert url == f"{settings.SITE_URL}/incidents/{incident.public_id}"
    assert "database is unreachable" in said and "journal" in said
    lines = settings.JOURNAL_PATH.read_bytes().splitlines()
    [record] = [json.loads(line) for line in lines]
    assert record["event"] == "posted"
    assert record["entry"]["payload"]["update"]["headline"] == "Cable found"
    assert record["entry"]["payload"]["components"] == {"Network": "partial_outage"}
    database_outage.end()
    assert IncidentUpdate.objects.count() == 1  # nothing reached the database


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--status", "exploded", "--body", "x"], "exploded"),
        (["--status", "identified", "--component", "Network=on_fire", "--body", "x"], "on_fire"),
        (["--status", "identified", "--body", ""], "message or a headline"),
        (["--status", "identified", "--headline", "two\nlines", "--body", "x"], "line"),
    ],
)
def test_bad_input_with_the_database_down_is_refused_and_journals_nothing(
    posted, database_outage, args, message
):
    database_outage.start()
    with pytest.raises(CommandError, match=message) as refused:
        post_update("--incident", posted.incident.public_id, *args)
    assert "\n" not in str(refused.value)
    assert journal.pending() == []


def test_the_public_pages_show_journal_posts_at_once(client, public_store, posted, database_outage):
    incident = posted.incident
    before = client.get(incident.get_absolute_url())
    client.get("/")
    database_outage.start()
    follow_up(incident)
    new_incident()
    home = client.get("/").content.decode()
    assert DEGRADED in home and "Power failure" in home and "On UPS." in home
    card = home[home.index('class="incident-card') :]
    assert "Cable found" in card[: card.index("Last update")]  # in the incident's card
    assert len(re.findall(r"<h1[\s>]", home)) == 1
    page = client.get(incident.get_absolute_url())
    text = page.content.decode()
    assert "Cable found" in text and DEGRADED in text and "Power failure" not in text
    assert page["ETag"] != before["ETag"]
    again = client.get(incident.get_absolute_url(), headers={"If-None-Match": page["ETag"]})
    assert again.status_code == 304
    assert "Cable found" not in client.get("/api/v2/summary.json").content.decode()


def test_the_worker_posts_each_entry_once_notifies_and_closes_it(
    client, public_store, posted, database_outage
):
    follower()
    incident = posted.incident
    database_outage.start()
    follow_up(incident)
    url, _ = new_incident()
    [first, _second] = journal.pending()
    database_outage.end()
    public_store.mark_database_up()
    assert services.journal_replay_due() == 2
    assert services.journal_replay_due() == 0
    update = incident.updates.get(headline="Cable found")
    assert update.published_at.timestamp() == pytest.approx(first.created_at, abs=1)
    opened = Incident.objects.get(public_id=url.rsplit("/", 1)[1])
    assert opened.title == "Power failure" and opened.updates.count() == 1
    notified = set(Notification.objects.values_list("update_id", flat=True))
    assert {update.pk, opened.updates.get().pk} <= notified
    incident.components.get(name="Network").refresh_from_db()
    assert incident.components.get(name="Network").status == "partial_outage"
    assert journal.pending() == [] and journal.report()["ok"]
    home = client.get("/").content.decode()
    assert DEGRADED not in home and "Cable found" in home and "Power failure" in home


def test_a_worker_killed_between_posting_and_closing_posts_nothing_twice(
    posted, database_outage, monkeypatch
):
    database_outage.start()
    follow_up(posted.incident)
    database_outage.end()

    def killed(*args, **kwargs):
        raise SystemExit("killed right after the commit")

    with monkeypatch.context() as patched:
        patched.setattr(journal, "close", killed)
        with pytest.raises(SystemExit):
            services.journal_replay_due()
    assert len(journal.pending()) == 1  # not closed: the next round will see it
    assert services.journal_replay_due() == 0
    assert posted.incident.updates.filter(headline="Cable found").count() == 1
    assert journal.pending() == []


def test_an_entry_the_services_refuse_is_reported_until_dismissed(
    client, posted, database_outage, admin_client
):
    database_outage.start()
    post_update(
        "--incident",
        posted.incident.public_id,
        "--status",
        "identified",
        "--component",
        "Netwrok=major_outage",
        "--body",
        "Typo in the name.",
    )
    database_outage.end()
    assert services.journal_replay_due() == 0
    assert posted.incident.updates.count() == 1
    health = client.get("/healthz").json()["journal"]
    assert health["ok"] is False and "Netwrok" in health["error"]
    admin = admin_client.get("/admin/").content.decode()
    assert "could not be posted" in admin and "Netwrok" in admin
    [entry_id] = journal.read().closed
    out = io.StringIO()
    call_command("journal", stdout=out)
    assert f"{entry_id}  REFUSED" in out.getvalue()
    call_command("journal", "--dismiss", entry_id, stdout=io.StringIO())
    assert client.get("/healthz").json()["journal"]["ok"] is True
    with pytest.raises(CommandError, match="No entry"):
        call_command("journal", "--dismiss", "nosuchentry")


def test_healthz_reports_waiting_posts_while_the_database_is_down(posted, database_outage):
    database_outage.start()
    follow_up(posted.incident)
    response = Client().get("/healthz")
    body = response.json()
    assert response.status_code == 503 and body["database"]["ok"] is False
    assert body["journal"]["pending"] == 1 and "wait to be replayed" in body["journal"]["error"]


def test_the_admin_says_it_needs_the_database_and_names_the_shell_command(
    db, database_outage, admin_user
):
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    database_outage.start()
    page = client.get("/admin/")
    text = page.content.decode()
    assert page.status_code == 503 and "needs the database" in text and "post_update" in text


def test_the_admin_shows_posts_waiting_to_be_posted(admin_client, posted):
    services.journal_post(incident_id=posted.incident.public_id, status="identified", body="x")
    admin = admin_client.get("/admin/").content.decode()
    assert "1 post made with <code>post_update</code>" in admin


def test_a_line_cut_short_by_a_crash_loses_no_later_entry(settings):
    settings.JOURNAL_PATH.write_bytes(b'{"event":"posted","entry":{"payload":{},"id":"x')
    entry = journal.Entry(payload={"n": 1})
    journal.append(entry)
    assert [e.id for e in journal.read_file().pending()] == [entry.id]


def test_entries_written_while_the_store_was_down_are_shown_once_it_is_back(
    client, posted, settings, public_store
):
    shown_store = settings.CACHES["public"]
    settings.CACHES = settings.CACHES | {
        "public": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    }
    services.journal_post(incident_id=posted.incident.public_id, status="identified", body="Hi.")
    settings.CACHES = settings.CACHES | {"public": shown_store}
    assert DEGRADED not in client.get("/").content.decode()
    journal.sync()  # the worker's next round
    assert DEGRADED in client.get("/").content.decode()


def test_a_journalled_resolution_keeps_components_when_told_and_old_openings_need_yes(
    public_store, posted, database_outage, network
):
    incident = posted.incident
    database_outage.start()
    resolve = ["--incident", incident.public_id, "--status", "resolved", "--body", "Done."]
    post_update(*resolve, "--keep-components")
    old = ["--title", "Old", "--status", "investigating", "--body", "x"]
    with pytest.raises(CommandError, match="Add --yes to post it dated so"):
        post_update(*old, "--published-at", "1999-01-01T00:00")
    assert len(journal.pending()) == 1
    database_outage.end()
    public_store.mark_database_up()
    assert services.journal_replay_due() == 1
    incident.refresh_from_db()
    network.refresh_from_db()
    assert incident.status == "resolved" and network.status == "major_outage"
