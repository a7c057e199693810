"""Settings come from the environment; each case runs in a fresh interpreter."""

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({name: str(getattr(settings, name, None)) for name in %r}))
"""


# Variables a test sets itself; the ones of the process running the tests are dropped.
OWN_VARIABLES = (
    "SECRET_KEY",
    "DEBUG",
    "SITE_URL",
    "DATABASE_URL",
    "EMAIL_URL",
    "CACHE_URL",
    "REDIS_URL",
    "TASK_BACKEND",
    "SECURE_",
    "LOGIN_",
    "PORT",
    "VAR_DIR",
)


def clean_environment():
    """The process's environment without our variables, and an empty VAR_DIR: no local
    state of this checkout (the key and port `make setup` leaves in var/) leaks in."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(OWN_VARIABLES)}
    return clean | {"VAR_DIR": tempfile.mkdtemp(prefix="settings-test-")}


def settings_with(env, *names):
    clean = clean_environment()
    clean["DJANGO_SETTINGS_MODULE"] = "statuspage.settings"
    result = subprocess.run(
        [sys.executable, "-c", PROBE % (names,)],
        env=clean | env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return result, json.loads(result.stdout) if result.returncode == 0 else None


def test_production_without_a_secret_key_refuses_to_start():
    result, _ = settings_with({}, "DEBUG")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_secret_key_file_is_read_and_stripped(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cret-from-a-docker-secret\n")
    _, values = settings_with({"SECRET_KEY_FILE": str(secret)}, "SECRET_KEY")
    assert values["SECRET_KEY"] == "s3cret-from-a-docker-secret"


def test_plain_http_site_url_serves_plain_http():
    _, values = settings_with(
        {"SECRET_KEY": "x" * 50, "SITE_URL": "http://status.example.org"},
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "ALLOWED_HOSTS",
    )
    assert values["SECURE_SSL_REDIRECT"] == "False"
    assert values["SESSION_COOKIE_SECURE"] == "False"
    assert "status.example.org" in values["ALLOWED_HOSTS"]


def test_https_site_url_turns_on_https_hardening():
    _, values = settings_with(
        {"SECRET_KEY": "x" * 50, "SITE_URL": "https://status.example.org"},
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
    )
    assert values == {
        "SECURE_SSL_REDIRECT": "True",
        "SESSION_COOKIE_SECURE": "True",
        "CSRF_COOKIE_SECURE": "True",
        "SECURE_HSTS_SECONDS": "31536000",
    }


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TIME_ZONE": "Mars/Olympus"}, "not an IANA time zone"),
        ({"SITE_URL": "ftp://example.org"}, "SITE_URL must be"),
        ({"DEBUG": "maybe"}, "DEBUG must be true or false"),
        ({"EMAIL_URL": "carrier-pigeon://x"}, "Invalid email schema"),
        ({"LOGIN_FAILURE_LIMIT": "0"}, "must be above 0"),
        ({"LOGIN_LOCKOUT_MINUTES": "-5"}, "must be above 0"),
    ],
)
def test_bad_values_fail_loudly(env, message):
    result, _ = settings_with({"SECRET_KEY": "x" * 50} | env, "DEBUG")
    assert result.returncode != 0 and message in result.stderr


def test_empty_database_url_falls_back_to_sqlite_under_var():
    _, values = settings_with({"SECRET_KEY": "x" * 50, "DATABASE_URL": ""}, "DATABASES")
    assert "db.sqlite3" in values["DATABASES"]


def test_email_url_maps_to_mailers():
    _, values = settings_with(
        {"SECRET_KEY": "x" * 50, "EMAIL_URL": "smtp+tls://user:pw@mail.example.org:587"}, "MAILERS"
    )
    assert (
        "'host': 'mail.example.org'" in values["MAILERS"] and "'use_tls': True" in values["MAILERS"]
    )


def test_env_example_documents_every_variable_the_settings_read():
    source = (ROOT / "statuspage" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+|_bool)\("([A-Z_]+)"', source))
    documented = set(re.findall(r"^#?\s*([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read <= documented, f"undocumented: {sorted(read - documented)}"


# Every setting that carries a secret, given as NAME_FILE (a Docker secret, with the
# trailing newline such files have): (variable, value, setting, what the setting holds).
SECRETS = [
    ("SECRET_KEY", "k3y-" + "x" * 50, "SECRET_KEY", "k3y-" + "x" * 50),
    ("SECRET_KEY_FALLBACKS", "old-1,old-2", "SECRET_KEY_FALLBACKS", "['old-1', 'old-2']"),
    ("DATABASE_URL", "postgres://app:db-pw@db.example.org/status", "DATABASES", "'db-pw'"),
    ("EMAIL_URL", "smtp+tls://app:mail-pw@mail.example.org:587", "MAILERS", "'mail-pw'"),
    ("CACHE_URL", "redis://:cache-pw@cache.example.org:6379/0", "CACHES", ":cache-pw@"),
    ("REDIS_URL", "redis://:redis-pw@redis.example.org:6379/0", "RQ_QUEUES", ":redis-pw@"),
]
SETTINGS_ONLY_PROBE = """
import json, statuspage.settings as s
print(json.dumps({name: str(getattr(s, name, None)) for name in %r}))
"""


def settings_module_with(env, *names):
    """The settings module alone, without loading the apps (REDIS_URL's backend is not
    installed here)."""
    clean = clean_environment()
    result = subprocess.run(
        [sys.executable, "-c", SETTINGS_ONLY_PROBE % (names,)],
        env=clean | env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(("variable", "value", "setting", "expected"), SECRETS)
def test_every_secret_can_come_from_a_file(tmp_path, variable, value, setting, expected):
    secret = tmp_path / "secret"
    secret.write_text(value + "\n")
    env = {f"{variable}_FILE": str(secret), "TASK_BACKEND": "django_tasks_rq.RQBackend"}
    values = settings_module_with({"SECRET_KEY": "x" * 50} | env, setting)
    assert expected in values[setting]
    assert "\\n" not in values[setting]


def test_a_secret_file_wins_over_the_plain_variable(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-the-file\r\n")
    values = settings_module_with(
        {"SECRET_KEY": "from-the-variable", "SECRET_KEY_FILE": str(secret)}, "SECRET_KEY"
    )
    assert values["SECRET_KEY"] == "from-the-file"


def test_an_unreadable_secret_file_is_named_in_a_clear_error(tmp_path):
    missing = tmp_path / "no-such-secret"
    result, _ = settings_with({"EMAIL_URL_FILE": str(missing), "SECRET_KEY": "x" * 50}, "MAILERS")
    assert result.returncode != 0
    assert f"EMAIL_URL_FILE='{missing}' cannot be read: No such file or directory." in result.stderr


def test_a_shell_in_this_checkout_finds_the_key_and_port_make_left(tmp_path):
    # What `make setup` writes (see the Makefile's local-env), then nothing exported.
    subprocess.run(
        ["make", "-s", "local-env", f"VAR_DIR={tmp_path}", "PORT=9123"],
        cwd=ROOT,
        check=True,
        env=clean_environment() | {"SECRET_KEY_FILE": str(tmp_path / "secret_key")},
    )
    _, values = settings_with({"VAR_DIR": str(tmp_path)}, "SECRET_KEY", "SITE_URL")
    assert values["SECRET_KEY"] == (tmp_path / "secret_key").read_text().strip()
    assert values["SITE_URL"] == "http://127.0.0.1:9123"


def test_the_environment_wins_over_what_make_left(tmp_path):
    (tmp_path / "local.env").write_text("SECRET_KEY_FILE=/nonexistent\nPORT=9123\n")
    env = {"VAR_DIR": str(tmp_path), "SECRET_KEY": "x" * 50, "PORT": "8080"}
    _, values = settings_with(env, "SECRET_KEY", "SITE_URL")
    assert values["SECRET_KEY"] == "x" * 50 and values["SITE_URL"] == "http://127.0.0.1:8080"


@pytest.mark.parametrize(
    ("site_url", "sender"),
    [
        ("https://status.example.org", "status@status.example.org"),
        ("http://127.0.0.1:8000", "status@localhost"),
        ("http://[::1]:8000", "status@localhost"),
        ("http://localhost:8000", "status@localhost"),
    ],
)
def test_the_default_sender_is_on_the_sites_domain_only_when_it_has_one(site_url, sender):
    env = {"SECRET_KEY": "x" * 50, "SITE_URL": site_url}
    _, values = settings_with(env, "DEFAULT_FROM_EMAIL", "DEFAULT_FROM_EMAIL_IS_PLACEHOLDER")
    assert values["DEFAULT_FROM_EMAIL"] == sender
    assert values["DEFAULT_FROM_EMAIL_IS_PLACEHOLDER"] == str(sender == "status@localhost")
