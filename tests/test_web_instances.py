"""Two gunicorn instances sharing one store (Redis): a post published through one is
on both within two seconds."""

import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.utils.crypto import get_random_string

from .conftest import database_url, open_incident
from .smtp_sink import free_port

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def shared_store(settings):
    """A Redis for the store, under a prefix of this test's own."""
    prefix = f"test-{get_random_string(8)}"
    redis = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/0",
    }
    settings.CACHES = {
        "default": redis | {"KEY_PREFIX": prefix},
        "public": redis | {"KEY_PREFIX": f"{prefix}public"},
    }
    return f"redis://127.0.0.1:6379/0?key_prefix={prefix}"


def start_instance(cache_url, log):
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": database_url(),
        "CACHE_URL": cache_url,
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
    }
    command = [sys.executable, "-m", "gunicorn", "--config", "statuspage/gunicorn.conf.py"]
    process = subprocess.Popen(
        [*command, "statuspage.wsgi"], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/healthz?check=web", timeout=1)
            return process, base
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError(f"gunicorn did not start; see {log.name}")


def get(url, opener=None):
    opener = opener or urllib.request.build_opener()
    with opener.open(url, timeout=5) as response:
        return response.read().decode()


def admin_session(base):
    """Log in to the admin as a browser does: cookies and CSRF token."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    get(f"{base}/admin/login/", opener)
    token = next(c.value for c in jar if c.name == "csrftoken")
    form = {"username": "olivia", "password": "correct horse battery", "next": "/admin/"}
    form["csrfmiddlewaretoken"] = token
    opener.open(f"{base}/admin/login/", urllib.parse.urlencode(form).encode(), timeout=5)
    return opener, next(c.value for c in jar if c.name == "csrftoken")  # rotated at login


def test_a_post_published_through_one_instance_is_on_all_within_two_seconds(
    shared_store, network, tmp_path, settings
):
    # Hashed as the instances check it (the tests' own fast hasher is not theirs).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    User.objects.create_superuser("olivia", "olivia@example.org", "correct horse battery")
    incident = open_incident(
        title="Cable cut", component_changes={network: "major_outage"}
    ).incident
    log = open(tmp_path / "gunicorn.log", "ab")  # noqa: SIM115 (closed with the processes)
    instances = [start_instance(shared_store, log) for _ in range(2)]
    try:
        for _, base in instances:
            assert "Cable cut" in get(f"{base}/")  # rendered and stored
        opener, token = admin_session(instances[0][1])
        form = {
            "status": "resolved",
            "headline": "Network restored",
            "body": "All good.",
            "notify": "auto",
            f"component_{network.pk}": "operational",
            "csrfmiddlewaretoken": token,
        }
        url = f"{instances[0][1]}/admin/incidents/incident/{incident.pk}/post-update/"
        opener.open(url, urllib.parse.urlencode(form).encode(), timeout=5)
        published = time.monotonic()
        waiting = {base for _, base in instances}
        while waiting and time.monotonic() - published < 2:
            waiting = {base for base in waiting if "Network restored" not in get(f"{base}/")}
        assert not waiting, f"not updated within 2 s: {waiting}"
        for _, base in instances:
            assert re.search(r"All Systems Operational", get(f"{base}/"))
            assert "Network restored" in get(f"{base}/api/v2/incidents.json")
            assert "Network restored" in get(f"{base}/history.rss")
    finally:
        for process, _ in instances:
            process.terminate()
            process.wait(timeout=10)
