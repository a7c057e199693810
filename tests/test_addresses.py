"""Addresses have one normal form (lower-case, IDNA domain), checked after normalising,
for every path that stores one."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.test import Client
from hypothesis import given

from subscribers import services
from subscribers.addresses import normalize_email
from subscribers.models import Subscriber
from subscribers.tokens import confirm_token, manage_token

from .conftest import one_example, row_counts, run_tasks
from .strategies import EMAILS, HOSTILE_TEXT

İ = "\u0130"  # lower-cases to two characters: "i" and a combining dot above
LONGEST = "a" * 64 + "@" + "d" * 63 + "." + "d" * 63 + "." + "d" * 57 + ".org"  # 254


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Ada@Example.ORG", "ada@example.org"),
        ("  ada@BÜCHER.example ", "ada@xn--bcher-kva.example"),
        ("ada@例え。jp", "ada@xn--r8jz45g.jp"),
        ("ada@xn--bcher-kva.example", "ada@xn--bcher-kva.example"),
        (LONGEST, LONGEST),
    ],
)
def test_an_address_is_stored_lower_case_with_an_ascii_domain(typed, stored):
    assert normalize_email(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "a@" + ".".join([İ * 60] * 4) + ".com",  # labels too long once encoded
        "a@" + ".".join([İ] * 100) + ".com",  # a domain of 1003 characters once encoded
        "a" * 64 + "@" + ".".join([İ * 10] * 8) + ".org",  # 156 typed, 292 stored
        LONGEST.replace(".org", "d.org"),  # 255
        "a" * 65 + "@example.org",
    ],
)
def test_the_length_limits_apply_to_the_stored_form(typed):
    assert len(typed) <= 320
    with pytest.raises(ValidationError):
        normalize_email(typed)


@given(email=EMAILS)
def test_the_normal_form_is_final_and_fits_the_column(email):
    try:
        stored = normalize_email(email)
    except ValidationError:
        return
    assert normalize_email(stored) == stored
    assert stored.isascii() and stored == stored.lower()
    assert len(stored) <= 254 and len(stored.rpartition("@")[2]) <= 253


def import_one(*, email):
    return services.subscribers_import(followers={email: ()})


@pytest.mark.django_db
@given(email=HOSTILE_TEXT)
def test_no_service_stores_an_address_it_has_not_normalised(email):
    """A bad address is a ValidationError from each service, never a database error."""
    for store in (services.subscriber_subscribe, import_one):
        with one_example():
            before = row_counts()
            try:
                store(email=email)
            except ValidationError:
                assert row_counts() == before
            else:
                assert Subscriber.objects.filter(email=normalize_email(email)).exists()


@pytest.mark.django_db
def test_services_refuse_an_address_that_grows_when_lower_cased():
    for store in (services.subscriber_subscribe, import_one):
        with pytest.raises(ValidationError):
            store(email="a@" + ".".join([İ * 60] * 4) + ".com")
    assert not Subscriber.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_mail_to_an_international_domain_goes_to_its_ascii_form(smtp_sink):
    client = Client()
    client.post("/subscribe", {"email": "Ada@Bücher.Example"})
    run_tasks()
    [(recipients, mail)] = smtp_sink.messages
    assert recipients == ("ada@xn--bcher-kva.example",)
    assert mail["To"] == "ada@xn--bcher-kva.example"
    assert Subscriber.objects.get().email == "ada@xn--bcher-kva.example"


@pytest.mark.django_db
def test_the_migration_rewrites_old_addresses_and_their_links_keep_working(client):
    from django.utils import timezone

    # As the old code stored them: lower-case, the domain in Unicode.
    old = Subscriber.objects.create(email="ada@bücher.example", confirmed_at=timezone.now())
    pending = Subscriber.objects.create(email="bob@例え.jp")
    unsubscribe, confirm = manage_token(old), confirm_token(pending)
    # The same mailbox twice: the confirmed row is kept, the pending one dropped.
    Subscriber.objects.create(email="cy@xn--bcher-kva.example")
    Subscriber.objects.create(email="cy@bücher.example", confirmed_at=timezone.now())
    untouched = Subscriber.objects.create(email="dee@example.org")

    migration = importlib.import_module("subscribers.migrations.0003_addresses_in_normal_form")
    migration.rewrite_addresses(apps, None)

    assert sorted((s.email, s.is_confirmed) for s in Subscriber.objects.all()) == [
        ("ada@xn--bcher-kva.example", True),
        ("bob@xn--r8jz45g.jp", False),
        ("cy@xn--bcher-kva.example", True),
        ("dee@example.org", False),
    ]
    assert Subscriber.objects.get(pk=untouched.pk).email == "dee@example.org"
    assert client.post(f"/subscribe/confirm/{confirm}").status_code == 200
    assert Subscriber.objects.get(pk=pending.pk).is_confirmed
    assert client.post(f"/unsubscribe/{unsubscribe}").status_code == 200
    assert not Subscriber.objects.filter(pk=old.pk).exists()
