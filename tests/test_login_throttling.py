"""Admin log-in is refused for a while after repeated failures, per client address and
per username (django-axes)."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db
LOGIN = "/admin/login/"
PASSWORD = "correct horse battery"  # the operator fixture's


def log_in(client, username="olivia", password=PASSWORD, address="203.0.113.5", **headers):
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **headers
    )


def fail(times, **kwargs):
    for n in range(times):
        kwargs.setdefault("username", f"guess{n}")
        response = log_in(Client(), password=f"wrong {n}", **kwargs)
    return response


def is_logged_in(client):
    return client.get("/admin/").status_code == 200


def test_failures_below_the_limit_show_the_form_again_and_the_password_works(client, operator):
    fail(3, address="203.0.113.5")
    assert log_in(Client(), password="wrong").status_code == 200  # the fourth
    assert log_in(client).status_code == 302 and is_logged_in(client)


def test_five_failures_from_one_address_lock_it_out_with_a_clear_page(client, operator):
    locked = fail(5, address="203.0.113.5")
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "Too many failed log-ins" in html
    assert "refused for 15 min" in html and "statuspage" in html  # the site's own look
    # Even the right password is refused now, from that address only.
    refused = log_in(client, address="203.0.113.5")
    assert refused.status_code == 429 and not is_logged_in(client)
    assert log_in(client, address="198.51.100.9").status_code == 302


def test_five_failures_for_one_username_lock_that_name_from_every_address(client, operator):
    for n in range(5):
        fail(1, username="olivia", address=f"198.51.100.{n}")
    assert log_in(client, address="192.0.2.77").status_code == 429
    assert not is_logged_in(client)
    AccessAttempt.objects.filter(username="olivia").delete()
    assert log_in(client, address="192.0.2.77").status_code == 302


def test_the_lock_lifts_after_the_cool_off(client, operator):
    fail(5, address="203.0.113.5")
    assert log_in(client).status_code == 429
    # Fifteen minutes pass (LOGIN_LOCKOUT_MINUTES).
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    assert log_in(client).status_code == 302 and is_logged_in(client)


@pytest.mark.slow
def test_an_administrator_unlocks_a_name_or_an_address_from_the_shell(client, operator):
    for n in range(5):
        fail(1, username="olivia", address=f"198.51.100.{n}")
    assert log_in(client).status_code == 429
    call_command("axes_reset_username", "olivia", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert log_in(client, address="192.0.2.1").status_code == 302
    client.logout()
    fail(5, address="203.0.113.5")
    assert log_in(client, address="203.0.113.5").status_code == 429
    call_command("axes_reset_ip", "203.0.113.5", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert log_in(client, address="203.0.113.5").status_code == 302


def test_behind_a_proxy_the_forwarded_client_is_locked_not_the_proxy(client, operator, settings):
    settings.NUM_PROXIES = 1
    proxy = "10.0.0.2"
    fail(5, address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert log_in(client, address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 429
    # A forged left-most entry changes nothing: the proxy appended the real address.
    forged = "198.51.100.1, 203.0.113.5"
    assert log_in(client, address=proxy, HTTP_X_FORWARDED_FOR=forged).status_code == 429
    other = log_in(client, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert other.status_code == 302


def test_the_limit_and_cool_off_come_from_the_settings(client, operator, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=90)
    locked = fail(2, address="203.0.113.5")
    assert locked.status_code == 429
    assert "After 2 failed attempts" in locked.content.decode()
    assert "refused for 1 h 30 min" in locked.content.decode()


def test_passwords_are_never_stored_with_failed_attempts(operator):
    fail(1, username="olivia", address="203.0.113.5")
    attempt = AccessAttempt.objects.get()
    assert "wrong 0" not in attempt.post_data and "csrfmiddlewaretoken=" not in attempt.post_data
