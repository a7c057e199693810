"""Security headers on every response, and a production configuration that
`check --deploy` finds nothing to say about."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import open_incident
from .test_settings import OWN_VARIABLES

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
# Inline code a strict policy refuses: <script> without src, <style>, style="" and on…=""
# attributes, javascript: URLs.
INLINE_CODE = re.compile(
    r"<script(?![^>]*\ssrc=)|<style|\sstyle=|\son[a-z]+=|javascript:", re.IGNORECASE
)


def production_environment(**overrides):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(OWN_VARIABLES)}
    return environment | {
        "DJANGO_SETTINGS_MODULE": "statuspage.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SITE_URL": "https://status.example.org",
        "EMAIL_URL": "smtp+tls://status:mail-password@smtp.example.org:587",
        **overrides,
    }


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], env=env, cwd=ROOT, capture_output=True, text=True
    )


def test_check_deploy_finds_nothing_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_environment())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_check_deploy_does_complain_about_a_weak_key():
    # The same check, able to fail: a short, repetitive key is reported.
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=production_environment(SECRET_KEY="x" * 50),
    )
    assert result.returncode != 0 and "security.W009" in result.stderr + result.stdout


HTTPS_PROBE = """
import django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="status.example.org")
page = client.get("/static/statuspage.css")
health = client.get("/healthz", {"check": "web"})
secure = client.get("/static/statuspage.css", secure=True)
print(page.status_code, page.get("Location"))
print(health.status_code)
print(secure.status_code, secure["Strict-Transport-Security"])
print(secure.cookies and "cookie" or "no cookie")
"""


def test_an_https_site_redirects_to_https_with_hsts_except_for_healthz():
    result = subprocess.run(
        [sys.executable, "-c", HTTPS_PROBE],
        env=production_environment(),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    page, health, secure, _ = result.stdout.splitlines()
    assert page == "301 https://status.example.org/static/statuspage.css"
    assert health == "200"  # probed over plain HTTP from inside the container
    assert secure == "200 max-age=31536000; includeSubDomains"  # no preload unless asked


def test_every_kind_of_response_carries_the_policy_and_the_headers(client):
    incident = open_incident().incident
    urls = [
        "/",
        incident.get_absolute_url(),
        "/history",
        "/subscribe",
        "/api/v2/",
        "/api/v2/summary.json",
        "/history.rss",
        "/badge.svg",
        "/maintenance.ics",
        "/static/statuspage.css",
        "/healthz",
        "/no-such-page",
        "/admin/login/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 404, 503), url
        assert response["Content-Security-Policy"] == POLICY, url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Referrer-Policy"] == "same-origin", url
        assert response["X-Frame-Options"] == "DENY", url


def test_public_pages_need_no_nonce_so_every_visitor_gets_the_same_headers(
    client, django_user_model
):
    incident = open_incident().incident
    staff = django_user_model.objects.create_user("sam", password="pw", is_staff=True)
    visitor, logged_in = client, type(client)()
    logged_in.force_login(staff)
    for url in ["/", incident.get_absolute_url(), "/history", "/subscribe", "/api/v2/"]:
        first, second = visitor.get(url), logged_in.get(url)
        assert first["Content-Security-Policy"] == second["Content-Security-Policy"] == POLICY
        assert first.content == second.content, url
        assert "Set-Cookie" not in first, url


def test_public_pages_and_badges_contain_no_inline_script_or_style(client):
    update = open_incident(body="| a | b |\n|--:|:-:|\n| 1 | 2 |\n\n*text*")
    urls = [
        "/",
        update.incident.get_absolute_url(),
        "/history",
        "/subscribe",
        "/subscribe/thanks",
        "/subscribe/confirm/bad-token",
        "/unsubscribe/bad-token",
        "/api/v2/",
        "/no-such-page",
        "/badge.svg",
        "/admin/login/",
    ]
    for url in urls:
        body = client.get(url).content.decode()
        assert not INLINE_CODE.search(body), (url, INLINE_CODE.search(body))


def test_the_inline_code_pattern_does_catch_inline_code():
    for html in ['<p style="color:red">', "<script>x()</script>", '<a onclick="x()">', "<style>"]:
        assert INLINE_CODE.search(html)
    for html in ['<link rel="stylesheet" href="/s.css">', '<script src="/s.js" defer></script>']:
        assert not INLINE_CODE.search(html)
