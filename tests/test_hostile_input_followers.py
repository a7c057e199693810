"""Property-based: the follow, confirm, manage and unsubscribe views under random and
hostile input answer with a page (never a 500) and write nothing unless the input was
right."""

import time
from urllib.parse import quote

import pytest
from django.core import signing
from django.test import override_settings
from hypothesis import assume, example, given
from hypothesis import strategies as st

from subscribers import services
from subscribers.addresses import normalize_email
from subscribers.models import Subscriber
from subscribers.tokens import CONFIRM_SALT, MANAGE_SALT, confirm_token, manage_token

from .conftest import follower, one_example, row_counts
from .strategies import ANY_TEXT, EMAILS, HOSTILE_TEXT, NASTY, NUMBERS_AS_TEXT

pytestmark = pytest.mark.django_db
CHOICES = st.lists(st.one_of(NUMBERS_AS_TEXT, HOSTILE_TEXT), max_size=4)


@given(email=st.one_of(EMAILS, HOSTILE_TEXT), components=CHOICES, groups=CHOICES)
@example(email="ada@example.org\r\nBcc: victim@example.org", components=[], groups=[])
@example(email="ada@example.org", components=["999999"], groups=["1; DROP TABLE x"])
@example(email="a" * 3_000_000 + "@example.org", components=[], groups=[])  # over the upload cap
def test_sign_up_answers_every_input_and_writes_only_a_valid_address(
    client, network, group, email, components, groups
):
    with one_example():
        before = row_counts()
        data = {"email": email, "components": components, "groups": groups}
        response = client.post("/subscribe", data)
        assert response.status_code in (302, 400)
        if response.status_code == 400:
            assert row_counts() == before
            return
        # Accepted: once the worker acted on it, exactly one pending follower, stored
        # clean, and nothing else changed.
        services.sign_ups_process_due()
        stored = Subscriber.objects.get(email=normalize_email(email))
        assert not any(c in stored.email for c in "\r\n\x00 ") and not stored.is_confirmed
        counts = row_counts()
        assert counts["Subscriber"] == before["Subscriber"] + 1
        assert counts["SignUp"] == before["SignUp"]


@given(body=st.binary(max_size=500))
@example(body=b"email=%ff%fe%00@example.org&components=%c3%28")
@example(body=b"email=" + b"%0d%0a" * 1000)
def test_sign_up_survives_raw_bodies_that_are_not_utf8(client, body):
    with one_example():
        before = row_counts()
        response = client.post("/subscribe", body, content_type="application/x-www-form-urlencoded")
        assert response.status_code in (302, 400)
        if response.status_code == 400:
            assert row_counts() == before


@given(website=st.one_of(NASTY, ANY_TEXT).filter(bool), email=EMAILS)
def test_a_filled_honeypot_looks_like_success_and_writes_nothing(client, website, email):
    with one_example():
        before = row_counts()
        response = client.post("/subscribe", {"email": email, "website": website})
        assert response.status_code == 302 and row_counts() == before


class SignedInThePast(signing.TimestampSigner):
    def __init__(self, age, **kwargs):
        super().__init__(**kwargs)
        self.age = age

    def timestamp(self):
        return signing.b62_encode(int(time.time() - self.age))


# Ways to spoil a signed link: (how, where, what).
SPOILS = st.one_of(
    st.tuples(st.just("replace"), st.integers(0, 200), st.characters(exclude_categories=["Cs"])),
    st.tuples(st.just("cut"), st.integers(0, 200), st.none()),
    st.tuples(st.just("append"), st.none(), HOSTILE_TEXT.filter(bool)),
    st.tuples(st.just("random"), st.none(), HOSTILE_TEXT),
    st.tuples(st.just("other key"), st.none(), st.none()),
    st.tuples(st.just("other salt"), st.none(), st.none()),
    st.tuples(st.just("other address"), st.none(), EMAILS),
    # Signed with the real key (as a leaked or fallback key could), but not our shape.
    st.tuples(
        st.just("other payload"),
        st.none(),
        st.one_of(
            st.lists(st.one_of(st.integers(), st.booleans(), HOSTILE_TEXT), max_size=3),
            st.dictionaries(HOSTILE_TEXT, st.integers(), max_size=2),
            st.builds(lambda n: [n, "ada@example.org"], st.integers()),
        ),
    ),
    st.tuples(st.just("expired"), st.integers(7 * 86400 + 2, 10 * 365 * 86400), st.none()),
)


def spoil(token, payload, salt, how, where, what):
    if how == "replace":
        i = where % len(token)
        return token[:i] + what + token[i + 1 :]
    if how == "cut":
        return token[: where % len(token)]
    if how == "append":
        return token + what
    if how == "random":
        return what
    if how == "other key":
        with override_settings(SECRET_KEY="another-" + "k" * 50):
            return signing.TimestampSigner(salt=salt).sign_object(payload, compress=True)
    if how == "other salt":
        other = MANAGE_SALT if salt == CONFIRM_SALT else CONFIRM_SALT
        return signing.TimestampSigner(salt=other).sign_object(payload, compress=True)
    if how == "other address":
        return signing.TimestampSigner(salt=salt).sign_object([payload[0], what], compress=True)
    if how == "other payload":
        return signing.TimestampSigner(salt=salt).sign_object(what, compress=True)
    return SignedInThePast(where, salt=salt).sign_object(payload, compress=True)


def link(name, token):
    # The token travels in the path: quote it as a mail client would.
    return f"/{name}/{quote(token, safe='')}"


def refusal(token):
    """A spoiled link's answer: 400, or 404 when it no longer fits the URL pattern."""
    return 404 if not token or "/" in token else 400


def still_confirms(token, subscriber):
    """Whether a spoiled token is, by chance, still a valid link for this follower."""
    try:
        payload = signing.TimestampSigner(salt=CONFIRM_SALT).unsign_object(token, max_age=7 * 86400)
    except (signing.BadSignature, ValueError):
        return False
    return payload == [subscriber.pk, subscriber.email]


@pytest.fixture
def pending(db):
    return Subscriber.objects.create(email="ada@example.org")


@pytest.fixture
def following(network):
    return follower(email="bob@example.org", components=[network])


@given(spoiled=SPOILS, method=st.sampled_from(["get", "post"]))
def test_a_spoiled_confirmation_link_confirms_nothing(client, pending, spoiled, method):
    token = spoil(confirm_token(pending), [pending.pk, pending.email], CONFIRM_SALT, *spoiled)
    assume(not still_confirms(token, pending))
    with one_example():
        before = row_counts()
        response = getattr(client, method)(link("subscribe/confirm", token))
        assert response.status_code == refusal(token)
        pending.refresh_from_db()
        assert not pending.is_confirmed and row_counts() == before


def manage_spoiled(subscriber, spoiled):
    genuine = manage_token(subscriber)
    how, where, what = spoiled
    if how == "expired":  # manage links never expire: spoil it another way
        how = "cut"
    if how == "other payload":
        return genuine, signing.Signer(salt=MANAGE_SALT).sign_object(what, compress=True)
    if how in ("other key", "other salt", "other address"):
        signer = signing.Signer
        salt = CONFIRM_SALT if how == "other salt" else MANAGE_SALT
        payload = [subscriber.pk, what if how == "other address" else subscriber.email]
        if how == "other key":
            with override_settings(SECRET_KEY="another-" + "k" * 50):
                return genuine, signer(salt=salt).sign_object(payload, compress=True)
        return genuine, signer(salt=salt).sign_object(payload, compress=True)
    return genuine, spoil(genuine, None, MANAGE_SALT, how, where, what)


def means_this_follower(token, subscriber):
    try:
        return signing.Signer(salt=MANAGE_SALT).unsign_object(token) == [
            subscriber.pk,
            subscriber.email,
        ]
    except signing.BadSignature:
        return False


@given(
    spoiled=SPOILS,
    data=st.dictionaries(
        st.sampled_from(["action", "List-Unsubscribe", "components", "groups"]),
        HOSTILE_TEXT,
        max_size=3,
    ),
)
def test_a_spoiled_unsubscribe_link_unsubscribes_nobody(client, following, spoiled, data):
    subscriber = following
    genuine, token = manage_spoiled(subscriber, spoiled)
    assume(token != genuine and not means_this_follower(token, subscriber))
    with one_example():
        before = row_counts()
        response = client.post(link("unsubscribe", token), data)
        assert response.status_code in (200, refusal(token))
        assert row_counts() == before
        assert Subscriber.objects.filter(pk=subscriber.pk).exists()


@given(
    components=CHOICES,
    groups=CHOICES,
    action=st.one_of(st.just("save"), HOSTILE_TEXT),
    method=st.sampled_from(["get", "post"]),
)
def test_the_manage_page_answers_any_form_and_changes_only_what_it_should(
    client, following, network, group, components, groups, action, method
):
    subscriber = following
    url = link("unsubscribe", manage_token(subscriber))
    with one_example():
        before = row_counts()
        data = {"action": action, "components": components, "groups": groups}
        response = getattr(client, method)(url, data)
        assert response.status_code in (200, 400)
        if method == "get" or response.status_code == 400:
            assert row_counts() == before
            assert list(subscriber.components.all()) == [network]
        elif action != "save":  # RFC 8058: any other POST is the one-click unsubscribe
            assert not Subscriber.objects.filter(pk=subscriber.pk).exists()
        else:
            assert row_counts() == before  # a new scope, no new rows
            chosen = {str(c.pk) for c in subscriber.components.all()}
            assert chosen == {str(network.pk)} & {c.strip() for c in components}


def test_an_oversized_link_is_a_clear_400(client, db):
    for name in ["subscribe/confirm", "unsubscribe"]:
        assert client.get(link(name, "a" * 100_000)).status_code == 400
