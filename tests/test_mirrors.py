"""Static mirrors on a directory: the whole public site, switched atomically, only what
changed written, stale copies pruned, failures retried and reported. (S3-compatible
storage: test_mirrors_s3.py; a static server browsing a mirror: test_mirror_browsing.py.)"""

import hashlib
import io
import json
import os
import threading
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from incidents import services, views
from incidents.models import Component
from public_store import mirrors
from public_store.mirrors import publishing, targets

from .conftest import ago, open_incident

pytestmark = pytest.mark.django_db(transaction=True)
DEGRADED = "Posted while our systems were degraded"


@pytest.fixture
def site(public_store, network, monkeypatch):
    """Three closed incidents (history has two pages) and an open one."""
    monkeypatch.setattr(views, "INCIDENTS_PER_HISTORY_PAGE", 2)
    closed = []
    for n in range(3):
        update = open_incident(title=f"Old trouble {n}", published_at=ago(days=10 - n))
        services.update_create(incident=update.incident, status="resolved", body="Fixed.")
        closed.append(update.incident)
    current = open_incident(title="Cable cut", component_changes={network: "major_outage"})
    return {"closed": closed, "open": current.incident}


def publish(url, **options):
    [outcome] = mirrors.publish([url], **options).values()
    assert not isinstance(outcome, Exception), outcome
    return outcome


def mirror_url(tmp_path, name="site"):
    return f"file://{tmp_path / name}"


def test_a_directory_mirror_holds_the_whole_public_site(site, tmp_path, settings):
    publish(mirror_url(tmp_path))
    root = tmp_path / "site"
    assert root.is_symlink()
    network = Component.objects.get(name="Network")
    expected = [
        "index.html",
        "history/index.html",
        "history/page/2/index.html",
        *(f"incidents/{i.public_id}/index.html" for i in [*site["closed"], site["open"]]),
        "history.rss",
        "history.atom",
        "maintenance.ics",
        "badge.svg",
        f"components/{network.public_id}/badge.svg",
        "subscribe/index.html",
        "api/v2/index.html",
        "api/v2/openapi.json",
        "api/v2/summary.json",
        "api/v2/incidents.json",
        *(f"api/v2/incidents/{i.public_id}.json" for i in [*site["closed"], site["open"]]),
        "api/v2/scheduled-maintenances/upcoming.json",
        "favicon.ico",
        "mirror.json",
    ]
    assert [name for name in expected if not (root / name).is_file()] == []
    home = (root / "index.html").read_text()
    assert "This is a copy of" in home and settings.SITE_URL in home and "<time" in home
    assert '<form method="post"' not in home
    assert f'href="{settings.SITE_URL}/subscribe"' in home  # sign-ups: at the origin
    assert any(root.glob("static/statuspage.*.css")) and any(root.glob("static/localtime.*.js"))
    summary = Client().get("/api/v2/summary.json").content
    assert (root / "api/v2/summary.json").read_bytes() == summary  # the same document
    manifest = json.loads((root / "mirror.json").read_text())
    assert manifest["origin"] == settings.SITE_URL
    assert manifest["objects"]["index.html"]["content_type"].startswith("text/html")


# Every API document carries the page's last change (page.updated_at).
CHANGED_BY_A_POST = [
    "summary.json",
    "status.json",
    "components.json",
    "incidents.json",
    "incidents/unresolved.json",
    "scheduled-maintenances.json",
    "scheduled-maintenances/upcoming.json",
    "scheduled-maintenances/active.json",
    "uptime.json",
]


def test_a_post_writes_only_what_changed(site, tmp_path):
    url = mirror_url(tmp_path)
    first = publish(url)
    before = (tmp_path / "site").resolve()
    services.update_create(incident=site["open"], status="identified", body="Found it.")
    second = publish(url)
    after = (tmp_path / "site").resolve()
    assert len(first.written) == first.objects > 20
    page = f"incidents/{site['open'].public_id}/index.html"
    # Exactly what shows the new post, or the page's last change: no more.
    api = [f"api/v2/{name}" for name in CHANGED_BY_A_POST]
    document = f"api/v2/incidents/{site['open'].public_id}.json"
    expected = {"index.html", "history/index.html", page, "history.rss", "history.atom"}
    assert set(second.written) == expected | {document, *api}
    old = f"incidents/{site['closed'][0].public_id}/index.html"
    assert old not in second.written
    assert os.stat(before / old).st_ino == os.stat(after / old).st_ino  # linked, not copied
    assert "Found it." in (after / page).read_text()


def test_a_closed_incident_is_not_rendered_again_until_it_changes(site, tmp_path):
    url = mirror_url(tmp_path)
    publish(url)
    target = targets.parse(url)
    snapshot = mirrors.site.snapshot([target.read()], full=False)
    assert snapshot.carried == 6  # the closed incidents' pages and API documents
    closed = site["closed"][0]
    services.incident_edit(incident=closed, title="Old trouble, renamed")
    snapshot = mirrors.site.snapshot([target.read()], full=False)
    assert snapshot.carried == 4
    assert "renamed" in snapshot.objects[f"incidents/{closed.public_id}/index.html"].body.decode()


def test_readers_never_see_half_a_site(site, tmp_path):
    url = mirror_url(tmp_path)
    publish(url)
    root, stop, seen, broken = tmp_path / "site", threading.Event(), set(), []

    def read_whole_copies():
        while not stop.is_set():
            copy = root.resolve(strict=True)  # the link always resolves: no gap
            manifest = json.loads((copy / "mirror.json").read_bytes())
            for key in manifest["objects"]:
                if not (copy / key).is_file():
                    broken.append((copy.name, key))
            seen.add(copy.name)

    reader = threading.Thread(target=read_whole_copies)
    reader.start()
    try:
        for n in range(4):
            services.update_create(incident=site["open"], status="identified", body=f"Step {n}.")
            publish(url)
    finally:
        stop.set()
        reader.join()
    assert broken == [] and len(seen) >= 2


def test_what_the_site_no_longer_has_is_pruned_after_the_switch(site, tmp_path):
    url = mirror_url(tmp_path)
    publish(url)
    gone = site["closed"][0]
    services.incident_delete(incident=gone)
    result = publish(url)
    root = tmp_path / "site"
    assert f"incidents/{gone.public_id}/index.html" in result.removed
    assert not (root / "incidents" / gone.public_id).exists()
    publish(url)
    versions = [p for p in (tmp_path / ".site.versions").iterdir() if p.is_dir()]
    assert len(versions) == 2  # the current copy and the one before, for readers still on it
    assert root.resolve() in versions


def test_a_failing_target_is_retried_with_backoff_and_reported(site, tmp_path, settings, client):
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    (blocked / "index.html").write_text("someone else's")
    good, bad = mirror_url(tmp_path), mirror_url(tmp_path, "blocked")
    settings.MIRROR_URLS = [bad, good]
    assert mirrors.publish_due() == 2  # each on its own thread: posting never waits
    publishing.wait_for_running()
    assert (tmp_path / "site" / "index.html").is_file()  # the other target is published
    state = publishing.target_state(bad)
    assert state.failures == 1 and "not a link made by publish_mirror" in state.error
    assert state.next_try > state.last_attempt + 4
    health = client.get("/healthz").json()["mirrors"]
    assert health["ok"] is False and health["targets"][good]["ok"] is True
    assert mirrors.publish_due() == 0  # the failing one waits for its retry
    blocked.joinpath("index.html").unlink()
    state.next_try = 0
    publishing._save(state)
    assert mirrors.publish_due() == 1
    publishing.wait_for_running()
    assert publishing.target_state(bad).failures == 0
    assert client.get("/healthz").json()["mirrors"]["ok"] is True


def test_a_change_is_published_by_the_worker_job(site, tmp_path, settings):
    settings.MIRROR_URLS = [mirror_url(tmp_path)]
    mirrors.publish_due()
    publishing.wait_for_running()
    assert mirrors.publish_due() == 0  # nothing changed since
    update = services.update_create(incident=site["open"], status="identified", body="Found.")
    services.common.public_state_changed()  # as on commit
    assert mirrors.publish_due() == 1
    publishing.wait_for_running()
    page = tmp_path / "site" / "incidents" / update.incident.public_id / "index.html"
    assert "Found." in page.read_text()


def test_journal_posts_reach_the_mirror_while_the_database_is_down(site, tmp_path, database_outage):
    url = mirror_url(tmp_path)
    publish(url)
    database_outage.start()
    services.journal_post(title="Power failure", status="investigating", body="On UPS.")
    services.journal_post(incident_id=site["open"].public_id, status="identified", body="Aha.")
    result = publish(url)
    root = tmp_path / "site"
    home = (root / "index.html").read_text()
    assert DEGRADED in home and "Power failure" in home and "may be out of date" in home
    assert "Aha." in (root / "incidents" / site["open"].public_id / "index.html").read_text()
    assert not any(
        key.startswith("incidents/") and site["open"].public_id not in key for key in result.written
    )  # closed incidents kept as they were
    database_outage.end()


def test_content_hashes_decide_what_is_written(site, tmp_path):
    url = mirror_url(tmp_path)
    publish(url)
    root = tmp_path / "site"
    manifest = json.loads((root / "mirror.json").read_text())
    css = next(k for k in manifest["objects"] if k.startswith("static/statuspage."))
    digest = hashlib.sha256((root / css).read_bytes()).hexdigest()
    assert manifest["objects"][css]["sha256"] == digest
    assert publish(url).written == []  # nothing changed, nothing written


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.org/x", "file:///absolute/dir or s3://"),
        ("file://relative/dir", "file:///absolute/dir"),
        ("file:///", "file:///absolute/dir"),
        ("s3://", "s3://bucket"),
        ("s3://bucket?colour=blue", "unknown option colour"),
    ],
)
def test_a_bad_target_is_a_clear_error(url, message):
    with pytest.raises(ValueError, match=message):
        targets.parse(url)


def test_the_admin_shows_a_failing_mirror(admin_client, public_store, settings, tmp_path):
    settings.MIRROR_URLS = ["s3://bucket?colour=blue"]
    mirrors.publish()
    assert "unknown option colour" in admin_client.get("/admin/").content.decode()


def test_nothing_outside_the_mirror_is_written(tmp_path):
    with pytest.raises(targets.TargetError):
        targets._inside(Path(tmp_path), "../escape")


def test_publish_mirror_prints_what_it_wrote_and_fails_on_a_failing_target(site, tmp_path):
    out = io.StringIO()
    call_command("publish_mirror", mirror_url(tmp_path), stdout=out)
    printed = out.getvalue()
    assert f"{mirror_url(tmp_path)}: " in printed and " written, 0 removed" in printed
    assert "  wrote index.html\n" in printed
    blocked = tmp_path / "blocked"
    (blocked / "x").mkdir(parents=True)
    with pytest.raises(CommandError, match="not a link made by publish_mirror"):
        call_command("publish_mirror", mirror_url(tmp_path, "blocked"), stdout=io.StringIO())
    with pytest.raises(CommandError, match="No target"):
        call_command("publish_mirror")
