"""Optional two-factor log-in: staff who enrolled an authenticator app must give its code."""

import io
import re
import time

import pytest
from axes.models import AccessAttempt
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db
LOGIN = "/admin/login/"
SETUP = "/admin/two-factor/"
PASSWORD = "correct horse battery"  # the operator fixture's
# The one answer to every failed log-in: it never tells whether the password was right.
FAILED = (
    "Please enter the correct username and password for a staff account and, if you "
    "use two-factor log-in, the current code from your app."
)


def code(device, steps_ahead=0):
    """What the app shows now (or a step later: a code is accepted only once)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong(device):
    right = {code(device, n) for n in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


@pytest.fixture
def enrolled(operator):
    return TOTPDevice.objects.create(user=operator, name="Authenticator app", confirmed=True)


def log_in(client, otp_token=None, password=PASSWORD):
    data = {"username": "olivia", "password": password}
    if otp_token is not None:
        data["otp_token"] = otp_token
    return client.post(LOGIN, data, REMOTE_ADDR="203.0.113.5")


def can_use_admin(client):
    return client.get("/admin/").status_code == 200


def page_without_token(response):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def test_staff_without_a_device_log_in_with_the_password_alone(client, operator):
    assert log_in(client).status_code == 302
    assert can_use_admin(client)


def test_enrolled_staff_without_the_code_get_the_answer_of_a_wrong_password(client, enrolled):
    response = log_in(client)
    assert response.status_code == 200
    assert FAILED in response.content.decode()
    assert not can_use_admin(client)


def test_a_wrong_code_is_refused(client, enrolled):
    response = log_in(client, wrong(enrolled))
    assert response.status_code == 200
    assert FAILED in response.content.decode()
    assert not can_use_admin(client)


def test_the_right_code_logs_in_and_cannot_be_used_twice(client, enrolled):
    current = code(enrolled)
    assert log_in(client, current).status_code == 302
    assert can_use_admin(client)
    replay = log_in(Client(), current)
    assert replay.status_code == 200 and FAILED in replay.content.decode()


def test_no_failed_log_in_tells_whether_the_password_was_right(enrolled, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.AXES_FAILURE_LIMIT = 10  # six failures here, and none should lock the form
    wrong_password = log_in(Client(), password="wrong")
    wrong_password_right_code = log_in(Client(), code(enrolled), password="wrong")
    no_code = log_in(Client())
    wrong_code = log_in(Client(), wrong(enrolled))
    settings.OTP_TOTP_THROTTLE_FACTOR = 10  # the next right code falls in django-otp's back-off
    log_in(Client(), wrong(enrolled))
    throttled = log_in(Client(), code(enrolled))
    pages = [
        page_without_token(response)
        for response in (wrong_password, wrong_password_right_code, no_code, wrong_code, throttled)
    ]
    assert FAILED in pages[0] and pages.count(pages[0]) == len(pages), "pages differ"


def test_a_missing_code_counts_as_a_failed_log_in_for_the_throttle(client, enrolled):
    for _ in range(4):
        assert log_in(Client()).status_code == 200
    assert log_in(Client()).status_code == 429
    assert AccessAttempt.objects.get(username="olivia").failures_since_start == 5
    assert log_in(client, code(enrolled)).status_code == 429


def test_a_right_code_with_a_wrong_password_is_refused(client, enrolled):
    response = log_in(client, code(enrolled), password="wrong")
    assert response.status_code == 200 and not can_use_admin(client)


def test_wrong_codes_count_as_failed_log_ins_for_the_throttle(client, enrolled, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's own back-off would answer first
    for _ in range(4):
        assert log_in(Client(), wrong(enrolled)).status_code == 200
    assert log_in(Client(), wrong(enrolled)).status_code == 429
    assert AccessAttempt.objects.get(username="olivia").failures_since_start == 5
    assert log_in(client, code(enrolled)).status_code == 429


def test_repeated_wrong_codes_slow_down_further_tries(client, enrolled):
    log_in(Client(), wrong(enrolled))
    response = log_in(client, code(enrolled))  # at once: inside django-otp's back-off
    assert FAILED in response.content.decode()  # the same answer: no password oracle
    assert not can_use_admin(client)


def test_a_session_that_did_not_give_the_code_loses_the_admin_when_a_device_appears(
    operator_client, operator
):
    assert can_use_admin(operator_client)
    TOTPDevice.objects.create(user=operator, name="Authenticator app", confirmed=True)
    response = operator_client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_staff_enroll_on_their_own_admin_page(operator_client, operator, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # a person takes longer than the 1 s back-off
    page = operator_client.get(SETUP).content.decode()
    device = TOTPDevice.objects.get(user=operator, confirmed=False)
    assert 'src="/admin/two-factor/qr.svg"' in page and "Turn on" in page
    qr_code = operator_client.get("/admin/two-factor/qr.svg")
    assert qr_code["Content-Type"] == "image/svg+xml" and b"<svg" in qr_code.content
    assert "no-store" in qr_code["Cache-Control"]  # it shows the secret
    secret = page.split('<code class="two-factor-secret">')[1].split("<")[0]
    assert len(secret) >= 32 and "otpauth" not in page  # the key, never a link to leak
    # A wrong code changes nothing; the page keeps the same key for the app already set up.
    refused = operator_client.post(SETUP, {"otp_token": wrong(device)})
    assert "not right" in refused.content.decode()
    assert secret in refused.content.decode()
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed
    assert operator_client.post(SETUP, {"otp_token": code(device)}).status_code == 302
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert can_use_admin(operator_client)  # this session gave the code
    assert operator_client.get("/admin/two-factor/qr.svg").status_code == 404  # shown once
    # From now on, a log-in needs the code.
    assert log_in(Client()).status_code == 200
    assert log_in(Client(), code(device, steps_ahead=1)).status_code == 302


def test_turning_it_off_needs_a_current_code(operator, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = TOTPDevice.objects.create(user=operator, name="Authenticator app", confirmed=True)
    client = Client()
    log_in(client, code(device))
    assert "is <strong>on</strong>" in client.get(SETUP).content.decode()
    client.post(SETUP, {"otp_token": wrong(device)})
    assert TOTPDevice.objects.filter(user=operator).exists()
    assert client.post(SETUP, {"otp_token": code(device, steps_ahead=1)}).status_code == 302
    assert not TOTPDevice.objects.filter(user=operator).exists()
    assert log_in(Client()).status_code == 302


def test_the_login_page_has_the_code_field(client, db):
    html = client.get(LOGIN).content.decode()
    assert 'name="otp_token"' in html and 'autocomplete="one-time-code"' in html


@pytest.mark.slow
def test_an_administrator_lists_and_turns_off_two_factor_from_the_shell(enrolled, operator):
    out = io.StringIO()
    call_command("two_factor", stdout=out)
    assert out.getvalue() == "olivia: two-factor on\n"
    call_command("two_factor", "olivia", "--disable", stdout=out)
    assert "Two-factor log-in is off for olivia." in out.getvalue()
    assert not TOTPDevice.objects.exists()
    assert log_in(Client()).status_code == 302
    with pytest.raises(CommandError, match="no user 'nobody'"):
        call_command("two_factor", "nobody", "--disable")
