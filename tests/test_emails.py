"""What the followers' mail looks like on the wire: judged on the raw bytes a real SMTP
server received, decoded with the standard library's email package."""

import email
import email.policy

import pytest

from subscribers import services

from .conftest import follower, open_incident, run_tasks

pytestmark = pytest.mark.django_db(transaction=True)
ENTITIES = ("&amp;", "&lt;", "&gt;", "&quot;", "&#")


def received(smtp_sink, address):
    """Each mail to `address`: its raw bytes and the message the email package reads."""
    return [
        (data, email.message_from_bytes(data, policy=email.policy.default))
        for data in smtp_sink.raw_to(address)
    ]


def parts(message):
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def test_a_post_subject_and_plain_text_are_text_and_only_the_html_is_escaped(smtp_sink, settings):
    settings.STATUS_PAGE_NAME = "R&D <Status>"
    follower("ada@example.org")
    open_incident(title="R&D <net> down", headline='Fish & "chips"', body="Use `<br>` & co.")
    run_tasks()
    [(_, post)] = received(smtp_sink, "ada@example.org")

    assert post["Subject"] == "[R&D <Status>] R&D <net> down"
    text, html = parts(post)
    assert "R&D <Status>" in text and not any(e in text for e in ENTITIES)
    assert "R&amp;D &lt;Status&gt;" in html and "<Status>" not in html
    assert 'Fish & "chips"' in text and "R&D <net> down" in text and "`<br>` & co." in text
    assert "Fish &amp; &quot;chips&quot;" in html and "R&amp;D &lt;net&gt; down" in html
    assert "<code>&lt;br&gt;</code> &amp; co." in html


def test_mail_lines_stay_within_998_octets_whatever_separates_them(smtp_sink):
    # U+2028 is a line break to str.splitlines() but not to SMTP: three of them in a
    # 2,400-octet line must not let it go out as one 8-bit line.
    long_line = "\u2028".join(["é" * 400] * 3)
    follower("ada@example.org")
    open_incident(title="Long lines", body=f"{long_line}\n\nAnd a short one.")
    run_tasks()
    [(data, post)] = received(smtp_sink, "ada@example.org")

    assert max(len(line) for line in data.split(b"\r\n")) <= 998
    assert b"\n" not in data.replace(b"\r\n", b"")  # every line ends in CRLF
    text, html = parts(post)
    assert f"{long_line}\n\nAnd a short one." in text.replace("\r\n", "\n")
    assert f"<p>{long_line}</p>" in html


def test_short_lines_go_out_as_8bit_and_unchanged(smtp_sink):
    follower("ada@example.org")
    open_incident(title="Short", body="Ünïcode\u2028and a separator.")
    run_tasks()
    [(data, post)] = received(smtp_sink, "ada@example.org")
    assert post.get_body(("plain",))["Content-Transfer-Encoding"] == "8bit"
    assert "Ünïcode\u2028and a separator.".encode() in data
    assert max(len(line) for line in data.split(b"\r\n")) <= 998


def test_a_confirmation_subject_and_plain_text_are_text_too(smtp_sink, settings):
    settings.STATUS_PAGE_NAME = "Ops & <Co>"
    services.subscriber_subscribe(email="grace@example.org")
    run_tasks()
    [(_, confirmation)] = received(smtp_sink, "grace@example.org")
    assert confirmation["Subject"] == "Confirm that you want to follow Ops & <Co>"
    text, html = parts(confirmation)
    assert "every post of Ops & <Co> by mail" in text and not any(e in text for e in ENTITIES)
    assert "every post of Ops &amp; &lt;Co&gt; by mail" in html and "<Co>" not in html
