"""Mail as it goes over SMTP (issue 11): judged on the raw bytes a real SMTP server
(aiosmtpd) received, by regular expressions on those bytes, the standard library's
parser and dkimpy, none of which is our code."""

import base64
import email
import email.policy
import re
import subprocess

import dkim
import pytest

from incidents import services as incident_services
from subscribers import services

from .conftest import follower, open_incident, run_tasks

pytestmark = pytest.mark.django_db(transaction=True)


def raw_headers(data: bytes) -> bytes:
    return data.split(b"\r\n\r\n", 1)[0]


def header_lines(data: bytes, name: bytes) -> list[bytes]:
    """The header's physical lines, continuation lines included, as sent."""
    pattern = rb"(?mi)^" + re.escape(name) + rb":[^\r\n]*(?:\r\n[ \t][^\r\n]*)*"
    return re.findall(pattern, raw_headers(data))


def confirmation_bytes(smtp_sink, address="grace@example.org"):
    services.subscriber_subscribe(email=address)
    run_tasks()
    [data] = smtp_sink.raw_to(address)
    return data


def test_list_unsubscribe_is_a_bare_url_on_one_line_in_the_confirmation(smtp_sink):
    data = confirmation_bytes(smtp_sink)
    [line] = header_lines(data, b"List-Unsubscribe")
    assert re.fullmatch(rb"List-Unsubscribe: <https?://[!-~]+/unsubscribe/[!-~]+>", line), line
    assert b"=?" not in line
    url = line.split(b"<")[1].rstrip(b">").decode()
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert url in message.get_body(("plain",)).get_content()


def test_list_unsubscribe_stays_bare_when_a_body_line_is_too_long_for_8bit(smtp_sink):
    follower("ada@example.org")
    open_incident(body="x" * 2000)  # composed per follower, quoted-printable
    run_tasks()
    post = smtp_sink.raw_to("ada@example.org")[-1]
    [line] = header_lines(post, b"List-Unsubscribe")
    assert re.fullmatch(rb"List-Unsubscribe: <https?://[!-~]+>", line), line
    assert b"quoted-printable" in post


def test_the_file_outbox_writes_the_headers_as_they_go_over_smtp(settings, tmp_path):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(tmp_path)},
        }
    }
    services.subscriber_subscribe(email="grace@example.org")
    run_tasks()
    [written] = [path.read_bytes() for path in tmp_path.iterdir()]
    [line] = header_lines(written.replace(b"\n", b"\r\n"), b"List-Unsubscribe")
    assert re.fullmatch(rb"List-Unsubscribe: <https?://[!-~]+>", line), line


def test_every_mail_has_a_message_id_and_a_list_id(smtp_sink, settings):
    settings.STATUS_PAGE_NAME = 'Ops "R&D" Status'
    confirmation = confirmation_bytes(smtp_sink)
    follower("ada@example.org")
    open_incident()
    run_tasks()
    [post] = smtp_sink.raw_to("ada@example.org")
    for data in (confirmation, post):
        [message_id] = header_lines(data, b"Message-ID")
        assert re.fullmatch(rb"Message-ID: <[^<>@\s]+@[^<>@\s]+>", message_id), message_id
        [list_id] = header_lines(data, b"List-Id")
        assert list_id == b'List-Id: "Ops \\"R&D\\" Status" <followers.127.0.0.1>'
    ids = [header_lines(data, b"Message-ID")[0] for data in (confirmation, post)]
    assert ids[0] != ids[1]


def test_a_non_ascii_page_name_in_list_id_is_encoded_and_reads_back(smtp_sink, settings):
    settings.STATUS_PAGE_NAME = "Statut — Hébergement"
    data = confirmation_bytes(smtp_sink)
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert str(message["List-Id"]) == "Statut — Hébergement <followers.127.0.0.1>"


@pytest.mark.parametrize("padding", range(20, 40))
def test_no_empty_encoded_word_in_a_subject_with_an_em_dash(smtp_sink, padding):
    # At some lengths the email package wrote `=?utf-8?q??=` before the dash.
    title = "x" * padding + " — " + "y" * 60
    follower("ada@example.org")
    open_incident(title=title)
    run_tasks()
    post = smtp_sink.raw_to("ada@example.org")[-1]
    [subject] = header_lines(post, b"Subject")
    assert not re.search(rb"=\?utf-8\?[qb]\?\?=", subject, re.IGNORECASE), subject
    assert all(len(line) <= 78 for line in subject.split(b"\r\n"))
    message = email.message_from_bytes(post, policy=email.policy.default)
    assert message["Subject"] == f"[Example Hosting Status] {title}"


@pytest.fixture
def dkim_key(tmp_path, settings):
    key = tmp_path / "dkim.pem"
    subprocess.run(
        ["openssl", "genpkey", "-algorithm", "RSA", "-out", key],
        check=True,
        capture_output=True,
    )
    public = subprocess.run(
        ["openssl", "pkey", "-in", key, "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    settings.DKIM_PRIVATE_KEY_FILE = str(key)
    settings.DKIM_SELECTOR = "s2026"
    settings.DKIM_DOMAIN = "example.org"
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    return {b"s2026._domainkey.example.org.": record}


def test_mail_is_dkim_signed_over_the_rfc_8058_headers(smtp_sink, dkim_key):
    confirmation = confirmation_bytes(smtp_sink)
    follower("ada@example.org")
    open_incident(title="Database — failover")
    run_tasks()
    [post] = smtp_sink.raw_to("ada@example.org")
    for data in (confirmation, post):
        assert dkim.verify(data, dnsfunc=lambda name, timeout=5: dkim_key.get(name))
        [signature] = header_lines(data, b"DKIM-Signature")
        signed = re.search(rb"h=([^;]+);", signature.replace(b"\r\n", b"")).group(1)
        names = {name.strip().lower() for name in signed.replace(b" ", b"").split(b":")}
        assert {b"list-unsubscribe", b"list-unsubscribe-post", b"from", b"subject"} <= names


def test_a_dkim_signature_fails_when_the_mail_is_changed(smtp_sink, dkim_key):
    # The checker can fail: a changed List-Unsubscribe breaks the signature.
    data = confirmation_bytes(smtp_sink)
    tampered = re.sub(rb"/unsubscribe/", b"/unsubscribe/x", data, count=1)
    assert dkim.verify(data, dnsfunc=lambda name, timeout=5: dkim_key.get(name))
    assert not dkim.verify(tampered, dnsfunc=lambda name, timeout=5: dkim_key.get(name))


def test_every_post_of_an_incident_has_one_subject_and_replies_to_one_root(smtp_sink):
    # Gmail threads by subject, other clients by In-Reply-To/References: both hold.
    ada = follower("ada@example.org")
    first = open_incident(title="Network problem")
    for status in ("identified", "resolved"):
        incident_services.update_create(incident=first.incident, status=status, body="More.")
    open_incident(title="Another one")
    run_tasks()
    *posts, other = smtp_sink.raw_to("ada@example.org")

    root = f"<incident-{first.incident.public_id}.{ada.pk}@127.0.0.1>".encode()
    assert [header_lines(p, b"Subject") for p in posts] == [
        [b"Subject: [Example Hosting Status] Network problem"]
    ] * 3
    assert header_lines(posts[0], b"Message-ID") == [b"Message-ID: " + root]
    assert header_lines(posts[0], b"In-Reply-To") == []
    for post in posts[1:]:
        assert header_lines(post, b"In-Reply-To") == [b"In-Reply-To: " + root]
        assert header_lines(post, b"References") == [b"References: " + root]
    ids = {header_lines(p, b"Message-ID")[0] for p in [*posts, other]}
    assert len(ids) == 4
    assert header_lines(other, b"Subject") == [b"Subject: [Example Hosting Status] Another one"]
    assert root not in header_lines(other, b"Message-ID")[0]
