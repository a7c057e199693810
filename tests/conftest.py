import datetime
import os
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from incidents import services
from incidents.models import Component, ComponentGroup

LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
BROWSER_TESTS = Path(__file__).parent / "browser"


def pytest_collection_modifyitems(items):
    # Everything under tests/browser drives Chromium: `make test-quick` leaves it out.
    for item in items:
        if BROWSER_TESTS in item.path.parents:
            item.add_marker(pytest.mark.browser)


# Property-based tests (hypothesis). Database work has no steady timing, so no deadline;
# a function-scoped fixture (the database, a follower) is shared by a test's examples,
# each of which runs in `one_example()`. CI: enough examples to find the usual faults in
# seconds; HYPOTHESIS_PROFILE=thorough for a long hunt by hand.
_COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
hypothesis_settings.register_profile("ci", max_examples=60, database=None, **_COMMON)
hypothesis_settings.register_profile("dev", max_examples=60, **_COMMON)
hypothesis_settings.register_profile("thorough", max_examples=2000, **_COMMON)
hypothesis_settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")
)


@contextmanager
def one_example():
    """Run one hypothesis example on a clean slate: its writes and rate-limit counts are
    undone before the next."""
    cache.clear()
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def row_counts():
    """How many rows every table that input could write to holds."""
    from django_tasks_db.models import DBTaskResult

    from incidents.models import (
        AuditEntry,
        Component,
        ComponentGroup,
        ComponentStatusChange,
        Incident,
        IncidentUpdate,
    )
    from subscribers.models import Delivery, Notification, SignUp, Subscriber

    models = [
        Subscriber,
        SignUp,
        Delivery,
        Notification,
        Incident,
        IncidentUpdate,
        Component,
        ComponentGroup,
        ComponentStatusChange,
        AuditEntry,
        DBTaskResult,
    ]
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture(autouse=True)
def _isolated_cache(settings, tmp_path):
    # Each test gets its own empty cache (rate limits, locks). The public store keeps
    # nothing, so every request renders from the database as it is at that moment
    # (tests run in a transaction that never commits, so nothing would invalidate it);
    # the store itself is tested with the `public_store` fixture.
    settings.CACHES = {
        "default": {"BACKEND": LOCMEM, "LOCATION": str(tmp_path)},
        "public": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }


@pytest.fixture(autouse=True)
def _isolated_journal_and_mirrors(settings, tmp_path):
    # Each test its own break-glass journal file, and no mirror unless it sets one.
    settings.JOURNAL_PATH = tmp_path / "journal.jsonl"
    settings.MIRROR_URLS = []


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Log-in tests check many passwords; the production hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def public_store(settings, tmp_path):
    """A real store for rendered public pages, as the web processes share."""
    from public_store import store

    settings.CACHES = settings.CACHES | {"public": {"BACKEND": LOCMEM, "LOCATION": f"{tmp_path}/p"}}
    store.recent.entries.clear()
    yield store
    store.recent.entries.clear()


@pytest.fixture
def group(db):
    return services.group_save(group=ComponentGroup(name="Servers", position=0))


@pytest.fixture
def web(group):
    return services.component_save(component=Component(name="Web servers", group=group, position=0))


@pytest.fixture
def database(group):
    return services.component_save(component=Component(name="Database", group=group, position=1))


@pytest.fixture
def network(db):
    return services.component_save(component=Component(name="Network", position=2))


@pytest.fixture
def operator(db):
    user = User.objects.create_user("olivia", password="correct horse battery", is_staff=True)
    user.groups.add(Group.objects.get(name="Operators"))
    return user


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


def ago(**kwargs):
    return timezone.now() - datetime.timedelta(**kwargs)


def later(**kwargs):
    return timezone.now() + datetime.timedelta(**kwargs)


def open_incident(title="Network problem", status="investigating", body="Looking into it.", **kw):
    # Tests build history at any date; the dates that need confirming: test_post_dates.py.
    kw.setdefault("confirmed", True)
    return services.incident_open(title=title, status=status, body=body, **kw)


@pytest.fixture
def database_outage():
    """Make the database really unreachable (a wrong address), and bring it back."""
    from django.db import connection

    class Outage:
        saved = dict(connection.settings_dict)

        def start(self):
            connection.close()
            if connection.vendor == "sqlite":
                connection.settings_dict["NAME"] = "/nonexistent/directory/db.sqlite3"
            else:
                connection.settings_dict["HOST"], connection.settings_dict["PORT"] = (
                    "127.0.0.1",
                    "1",
                )

        def end(self):
            connection.close()
            connection.settings_dict.update(self.saved)

    outage = Outage()
    yield outage
    outage.end()


@pytest.fixture
def smtp_sink(settings):
    """A real SMTP server on loopback that the mail goes to."""
    from .smtp_sink import SMTPSink

    sink = SMTPSink().start()
    settings.MAILERS = sink.mailers_setting()
    yield sink
    sink.stop()


def one_tick():
    """A stop event for the worker's loop that lets it run exactly once."""

    class OneTick:
        calls = 0

        def is_set(self):
            self.calls += 1
            return self.calls > 1

        def wait(self, timeout):
            pass

    return OneTick()


def run_tasks():
    """Run every queued task with django-tasks-db's real worker, in this process."""
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()


def follower(email="ada@example.org", components=(), groups=()):
    """A confirmed follower, the way one gets there: sign-up then confirmation."""
    from subscribers import services

    subscriber = services.subscriber_subscribe(email=email, components=components, groups=groups)
    return services.subscriber_confirm(subscriber=subscriber)


def database_url():
    """The URL of the database this test uses, for processes the test starts."""
    from django.db import connection

    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return f"postgres://{settings['USER']}{password}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


@pytest.fixture
def posted(db, network):
    return open_incident(title="Cable cut", component_changes={network: "major_outage"})


@pytest.fixture
def two_pages_of_posts(posted):
    """Enough posts for /?page=2 to exist."""
    for n in range(20):
        services.update_create(incident=posted.incident, status="identified", body=f"Still {n}.")
    return posted


@pytest.fixture
def receiver(settings):
    """A real HTTP server on loopback that webhooks and chat messages go to."""
    from .http_receiver import HTTPReceiver

    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    server = HTTPReceiver().start()
    yield server
    server.stop()


def call_due():
    """Make every due webhook and chat call, with the worker's own sender."""
    from subscribers.channels.sender import calls_send_due

    return calls_send_due(seconds=5)


def channel(kind, url, **kwargs):
    """A follower of another kind, added as an operator adds one."""
    from subscribers import services

    return services.subscriber_add(kind=kind, target=url, **kwargs)
