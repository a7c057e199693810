"""Editing a post can change its component changes: added, changed, removed; the current
status follows only where the post is still the latest word; the history stays whole."""

import itertools
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from incidents import services
from incidents.models import AuditEntry, ComponentStatusChange
from incidents.uptime import daily_uptime

from .conftest import ago, open_incident

pytestmark = pytest.mark.django_db


def status(component):
    component.refresh_from_db()
    return component.status


def history(component):
    """[(old, new)] of the component's changes in effect, oldest first."""
    changes = ComponentStatusChange.objects.applied().filter(component=component)
    return [(c.old_status, c.new_status) for c in changes.order_by("changed_at", "id")]


def assert_chained(component):
    """Each change starts where the previous one ended; the last is the current status."""
    steps = history(component)
    for (_, previous_new), (old, _) in itertools.pairwise(steps):
        assert old == previous_new, steps
    assert (steps[-1][1] if steps else "operational") == status(component)


def edit(update, changes, **kw):
    return services.update_edit(update=update, component_changes=changes, **kw)


def test_changing_a_live_posts_change_moves_the_component_when_it_is_the_latest(network):
    post = open_incident(component_changes={network: "major_outage"})
    edit(post, {network: "partial_outage"})
    assert status(network) == "partial_outage"
    assert history(network) == [("operational", "partial_outage")]
    assert_chained(network)


def test_a_later_post_keeps_the_current_status_and_the_history_is_rechained(network):
    first = open_incident(component_changes={network: "major_outage"}, published_at=ago(hours=2))
    services.update_create(
        incident=first.incident,
        status="identified",
        body="Better.",
        component_changes={network: "degraded_performance"},
    )
    edit(first, {network: "partial_outage"})
    assert status(network) == "degraded_performance"  # the later post has the last word
    assert history(network) == [
        ("operational", "partial_outage"),
        ("partial_outage", "degraded_performance"),
    ]
    assert_chained(network)


def test_removing_a_live_change_undoes_it_where_it_is_the_latest(network, web):
    post = open_incident(component_changes={network: "major_outage", web: "major_outage"})
    edit(post, {web: "major_outage"})
    assert (status(network), status(web)) == ("operational", "major_outage")
    assert history(network) == []
    assert [c.component for c in post.component_changes.all()] == [web]


def test_removing_an_earlier_change_rechains_the_next(network):
    first = open_incident(component_changes={network: "major_outage"}, published_at=ago(hours=2))
    services.update_create(
        incident=first.incident,
        status="identified",
        body="Better.",
        component_changes={network: "degraded_performance"},
    )
    edit(first, {})
    assert history(network) == [("operational", "degraded_performance")]
    assert_chained(network)


def test_adding_a_change_to_a_live_post(network, web):
    post = open_incident(component_changes={network: "major_outage"})
    edit(post, {network: "major_outage", web: "partial_outage"})
    assert status(web) == "partial_outage"
    assert history(web) == [("operational", "partial_outage")]
    assert web in post.incident.components.all()
    assert_chained(web)


def test_the_uptime_follows_the_edit(network):
    post = open_incident(component_changes={network: "major_outage"}, published_at=ago(hours=3))
    before = daily_uptime([network], days=1)[0].days[-1]
    edit(post, {network: "degraded_performance"})  # not downtime
    after = daily_uptime([network], days=1)[0].days[-1]
    assert before.major_outage_seconds > 0 and before.worst_status == "major_outage"
    assert after.major_outage_seconds == 0 and after.worst_status == "degraded_performance"


def test_a_drafts_changes_are_replaced_and_applied_when_published(network, web):
    incident = open_incident().incident
    draft = services.update_create(
        incident=incident,
        status="identified",
        body="x",
        component_changes={network: "major_outage"},
        is_draft=True,
    )
    edit(draft, {web: "partial_outage"})
    assert (status(network), status(web)) == ("operational", "operational")
    services.update_edit(update=draft, is_draft=False)
    assert (status(network), status(web)) == ("operational", "partial_outage")


def test_the_edit_is_audited(operator, network):
    post = open_incident(component_changes={network: "major_outage"})
    edit(post, {network: "partial_outage"}, actor=operator)
    entry = AuditEntry.objects.filter(object_id=post.public_id, action="edited").get()
    assert entry.actor == operator
    assert entry.changes["component_changes"] == [
        "Network: Major outage",
        "Network: Partial outage",
    ]


def test_an_unknown_status_is_refused_and_changes_nothing(network):
    post = open_incident(component_changes={network: "major_outage"})
    with pytest.raises(ValidationError, match="on_fire"):
        edit(post, {network: "on_fire"})
    assert status(network) == "major_outage"
    assert history(network) == [("operational", "major_outage")]


def change_page(update):
    return reverse("admin:incidents_incidentupdate_change", args=[update.pk])


def admin_form(update, **components):
    return {
        "status": update.status,
        "headline": update.headline,
        "body": update.body,
        "notify": "on",
        "published_at_0": update.published_at.strftime("%Y-%m-%d"),
        "published_at_1": update.published_at.strftime("%H:%M:%S"),
    } | components


def test_the_admin_change_page_edits_the_posts_component_changes(operator_client, network, web):
    post = open_incident(component_changes={network: "major_outage"})
    page = operator_client.get(change_page(post)).content.decode()
    select = re.search(rf'<select name="component_{network.pk}".*?</select>', page, re.S).group()
    assert '<option value="major_outage" selected>' in select
    assert "Component changes" in page
    data = admin_form(post, **{f"component_{web.pk}": "partial_outage"})  # network removed
    response = operator_client.post(change_page(post), data)
    assert response.status_code == 302
    assert (status(network), status(web)) == ("operational", "partial_outage")
    entry = AuditEntry.objects.filter(object_id=post.public_id, action="edited").get()
    assert entry.actor_name == "olivia"
    assert entry.changes["component_changes"] == [
        "Network: Major outage",
        "Web servers: Partial outage",
    ]


def test_editing_only_the_text_in_the_admin_leaves_the_changes(operator_client, network):
    post = open_incident(component_changes={network: "major_outage"})
    data = admin_form(post, **{f"component_{network.pk}": "major_outage"}) | {"body": "New."}
    assert operator_client.post(change_page(post), data).status_code == 302
    assert status(network) == "major_outage"
    assert history(network) == [("operational", "major_outage")]
