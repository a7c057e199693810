"""A visitor follows the page by email and confirms from the mail, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from subscribers.models import Subscriber

from ..conftest import run_tasks

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_visitor_subscribes_with_the_form_and_confirms_from_the_mail(
    page, live_server, smtp_sink, settings
):
    settings.SITE_URL = live_server.url  # the links in the mail
    page.goto("/")
    follow = page.get_by_role("region", name="Follow")
    follow.get_by_label("Email address").fill("ada@example.org")
    follow.get_by_role("button", name="Follow").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")

    run_tasks()
    [mail] = smtp_sink.to("ada@example.org")
    text = mail.get_body(("plain",)).get_content()
    link = re.search(r"http://\S+/subscribe/confirm/\S+", text).group()
    assert link.startswith(live_server.url)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your subscription")
    assert not Subscriber.objects.get(
        email="ada@example.org"
    ).is_confirmed  # a GET confirms nothing

    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("You are following")
    assert Subscriber.objects.get(email="ada@example.org").is_confirmed
