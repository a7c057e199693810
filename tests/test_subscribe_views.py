import re
import time
from contextlib import contextmanager

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.urls import reverse

from subscribers import services
from subscribers.models import Delivery, DeliveryKind, SignUp, Subscriber
from subscribers.tokens import CONFIRM_SALT, confirm_token, manage_token

from .conftest import follower, row_counts

pytestmark = pytest.mark.django_db


def subscribe(client, email="ada@example.org", **extra):
    return client.post(reverse("subscribers:subscribe"), {"email": email, **extra})


def signed_up(client, email="ada@example.org", **extra):
    """Sign up, and let the worker act on it (its periodic job, here)."""
    response = subscribe(client, email, **extra)
    services.sign_ups_process_due()
    return response


def test_every_public_page_has_a_labelled_follow_form(client, db):
    for url in ["/", "/history", "/subscribe"]:
        html = client.get(url).content.decode()
        assert 'action="/subscribe"' in html
        assert re.search(r'<label for="(follow-email|id_email)">Email address</label>', html)


def test_follower_count_is_shown(client):
    for n in range(3):
        follower(f"f{n}@example.org")
    Subscriber.objects.create(email="pending@example.org")
    assert "Join 3 other followers." in client.get("/").content.decode()


def test_signing_up_queues_a_confirmation_and_follows_nothing_yet(client):
    response = subscribe(client, "Ada@Example.ORG")
    assert response.status_code == 302 and response["Location"] == reverse("subscribers:thanks")
    assert SignUp.objects.get().email == "ada@example.org" and not Subscriber.objects.exists()
    services.sign_ups_process_due()
    assert not SignUp.objects.exists()
    subscriber = Subscriber.objects.get()
    assert subscriber.email == "ada@example.org"
    assert not subscriber.is_confirmed and subscriber.all_components
    assert Delivery.objects.get().kind == DeliveryKind.CONFIRMATION


def test_the_response_never_reveals_whether_an_address_follows(client):
    follower("known@example.org")
    Subscriber.objects.create(email="pending@example.org")
    responses = [
        subscribe(client, e)
        for e in ["new@example.org", "pending@example.org", "known@example.org"]
    ]
    assert {(r.status_code, r["Location"]) for r in responses} == {(302, "/subscribe/thanks")}
    services.sign_ups_process_due()
    assert Subscriber.objects.get(email="known@example.org").is_confirmed


@contextmanager
def statements():
    """The SQL run inside the block, as written (the values apart)."""
    run = []

    def record(execute, sql, params, many, context):
        run.append(re.sub(r"\bs\d+_x\d+\b", "<savepoint>", sql))  # names differ per call
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield run


def test_a_sign_up_does_the_same_work_whatever_the_address(
    network, django_capture_on_commit_callbacks
):
    """No timing oracle: a follower's address must not answer faster than a new one."""
    follower("known@example.org")
    services.subscriber_subscribe(email="pending@example.org")
    runs = []
    for email in ["new@example.org", "pending@example.org", "known@example.org"]:
        with statements() as run, django_capture_on_commit_callbacks(execute=True):
            response = subscribe(Client(), email, components=[network.pk])
        assert response.status_code == 302
        runs.append(run)
    assert runs[0] and runs[0] == runs[1] == runs[2]


def test_signing_up_again_while_pending_sends_one_fresh_confirmation(client):
    signed_up(client)
    signed_up(client)
    assert Delivery.objects.filter(kind=DeliveryKind.CONFIRMATION).count() == 1


def test_confirmed_follower_scope_cannot_be_changed_by_signing_up_again(client, network, web):
    subscriber = follower(components=[network])
    signed_up(client, subscriber.email, components=[web.pk])
    assert list(subscriber.components.all()) == [network]


@pytest.mark.parametrize(
    "email",
    [
        "",
        "not-an-address",
        "a@b",
        "ada@example.org\r\nBcc: victim@example.org",
        "ada@example.org\nBcc:x@y.z",
        "ada @example.org",
        "<ada@example.org>",
        "ada@exa\x00mple.org",
        "a" * 65 + "@example.org",
        "ada@" + "d" * 250 + ".org",
        "ada@example.org, eve@example.org",
        "ädä@例え.jp\u202e",
        "\ufeff",
    ],
)
def test_bad_addresses_get_the_form_back_with_a_message(client, email):
    response = subscribe(client, email)
    assert response.status_code == 400
    assert (
        "Enter a valid email address." in response.content.decode()
        or "required" in response.content.decode()
    )
    assert not Subscriber.objects.exists() and not SignUp.objects.exists()


# 249 characters as typed; 489 lower-cased ("İ" becomes "i" and a combining dot), more than
# the column holds: PostgreSQL refused the row, and the error passed for a database outage.
GROWS_WHEN_LOWER_CASED = "a@" + ".".join(["İ" * 60] * 4) + ".com"


def test_an_address_that_grows_when_lower_cased_is_refused_and_disturbs_nobody(
    public_store, network
):
    visitor = Client(raise_request_exception=False)  # as in production: errors are pages
    assert "may be out of date" not in visitor.get("/").content.decode()
    before = row_counts()
    response = subscribe(visitor, GROWS_WHEN_LOWER_CASED)
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    assert row_counts() == before
    # Nothing public changed: no "database down", no paused sign-ups for others.
    assert public_store.cache.get(public_store.DATABASE_DOWN_KEY) is None
    page = Client().get("/").content.decode()
    assert "may be out of date" not in page and "Subscriptions are paused" not in page
    assert subscribe(Client(), "other@example.org").status_code == 302


def test_the_honeypot_looks_like_success_and_does_nothing(client):
    response = subscribe(client, website="http://spam.example")
    assert response.status_code == 302
    assert not Subscriber.objects.exists() and not SignUp.objects.exists()


def test_too_many_sign_ups_for_one_address_get_a_429_page(client, settings):
    settings.SUBSCRIBE_LIMIT_PER_EMAIL = 2
    assert [subscribe(client).status_code for _ in range(3)] == [302, 302, 429]
    response = subscribe(client)
    assert "Too many sign-ups" in response.content.decode() and response["Retry-After"]


def test_too_many_sign_ups_from_one_client_get_a_429_page(client, settings):
    settings.SUBSCRIBE_LIMIT_PER_CLIENT = 3
    codes = [subscribe(client, f"u{n}@example.org").status_code for n in range(4)]
    assert codes == [302, 302, 302, 429]
    assert SignUp.objects.count() == 3
    other_client = Client(REMOTE_ADDR="192.0.2.7")
    assert subscribe(other_client, "other@example.org").status_code == 302


def test_confirm_link_shows_a_button_and_only_a_post_confirms(client):
    subscriber = Subscriber.objects.create(email="ada@example.org")
    url = reverse("subscribers:confirm", args=[confirm_token(subscriber)])
    page = client.get(url)
    assert page.status_code == 200 and "<button" in page.content.decode()
    subscriber.refresh_from_db()
    assert not subscriber.is_confirmed  # a mail scanner following the link confirms nothing
    assert "You are following" in Client(enforce_csrf_checks=True).post(url).content.decode()
    subscriber.refresh_from_db()
    assert subscriber.is_confirmed


def test_tampered_and_expired_confirm_links_are_refused(client):
    subscriber = Subscriber.objects.create(email="ada@example.org")
    token = confirm_token(subscriber)
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    assert client.post(reverse("subscribers:confirm", args=[tampered])).status_code == 400

    class EightDaysAgo(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time()) - 8 * 86400)

    old = EightDaysAgo(salt=CONFIRM_SALT).sign_object(
        [subscriber.pk, subscriber.email], compress=True
    )
    response = client.post(reverse("subscribers:confirm", args=[old]))
    assert response.status_code == 400 and "expired" in response.content.decode()
    subscriber.refresh_from_db()
    assert not subscriber.is_confirmed


def test_a_token_for_another_address_is_refused(client):
    subscriber = Subscriber.objects.create(email="ada@example.org")
    token = signing.TimestampSigner(salt=CONFIRM_SALT).sign_object(
        [subscriber.pk, "eve@example.org"]
    )
    assert client.post(reverse("subscribers:confirm", args=[token])).status_code == 400


def test_one_click_unsubscribe_needs_no_csrf_token(network):
    subscriber = follower()
    url = reverse("subscribers:manage", args=[manage_token(subscriber)])
    response = Client(enforce_csrf_checks=True).post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "You have unsubscribed" in response.content.decode()
    assert not Subscriber.objects.exists()
    again = Client().post(url, {"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200 and "Not subscribed" in again.content.decode()


def test_unsubscribe_link_get_shows_a_button_and_changes_nothing(client):
    subscriber = follower()
    page = client.get(reverse("subscribers:manage", args=[manage_token(subscriber)]))
    html = page.content.decode()
    assert page.status_code == 200 and ">Unsubscribe</button>" in html
    assert Subscriber.objects.filter(pk=subscriber.pk).exists()


def test_the_same_link_changes_components(client, network, web, group):
    subscriber = follower()
    url = reverse("subscribers:manage", args=[manage_token(subscriber)])
    response = client.post(
        url, {"action": "save", "components": [network.pk], "groups": [group.pk]}
    )
    assert response.status_code == 200 and "Saved." in response.content.decode()
    subscriber.refresh_from_db()
    assert not subscriber.all_components
    assert list(subscriber.components.all()) == [network] and list(subscriber.groups.all()) == [
        group
    ]
    client.post(url, {"action": "save"})
    subscriber.refresh_from_db()
    assert subscriber.all_components and not subscriber.components.exists()


def test_garbage_tokens_never_500(client):
    for token in ["x", "a" * 5000, "..:..", "%00", "eyJ9:abc"]:
        for name in ["subscribers:confirm", "subscribers:manage"]:
            url = reverse(name, args=[token])
            assert client.get(url).status_code == 400
            assert client.post(url).status_code == 400


def test_hidden_components_are_not_offered(client, network):
    from incidents import services
    from incidents.models import Component

    services.component_save(component=Component(name="Secret backend", is_hidden=True))
    html = client.get("/subscribe").content.decode()
    assert "Network" in html and "Secret backend" not in html
