import datetime

import pytest

from incidents import services
from incidents.models import Component
from incidents.uptime import daily_uptime, uptime_history

from .conftest import open_incident
from .schema import get_json

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
NOW = datetime.datetime(2026, 4, 10, 12, 0, tzinfo=UTC)
DAY = 86_400


def at(month, day, hour=0, minute=0, tz=UTC):
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=tz)


def make_component(name="API", **fields):
    fields.setdefault("created_at", at(1, 1))
    return services.component_save(component=Component(name=name, **fields))


def outage(component, status, start, end=None):
    first = open_incident(
        title=f"{status} of {component}", component_changes={component: status}, published_at=start
    )
    if end:
        services.update_create(
            incident=first.incident,
            status="resolved",
            body="Back.",
            published_at=end,
            component_changes={component: "operational"},
        )


def days(component, now=NOW):
    [entry] = daily_uptime([component], now=now)
    return {day.date: day for day in entry.days}


@pytest.fixture
def component(db):
    return make_component()


def test_ninety_days_end_today_and_a_quiet_day_is_fully_up(component):
    [entry] = daily_uptime([component], now=NOW)
    assert len(entry.days) == 90
    assert entry.days[-1].date == datetime.date(2026, 4, 10)
    assert entry.days[0].date == datetime.date(2026, 1, 11)
    assert {day.uptime for day in entry.days} == {1.0}
    assert entry.uptime == 1.0


def test_major_outage_counts_fully_and_partial_outage_at_thirty_percent(component):
    outage(component, "major_outage", at(4, 8, 10), at(4, 8, 11))
    outage(component, "partial_outage", at(4, 8, 14), at(4, 8, 16))
    day = days(component)[datetime.date(2026, 4, 8)]
    assert (day.major_outage_seconds, day.partial_outage_seconds) == (3600, 7200)
    assert day.uptime == pytest.approx(1 - (3600 + 0.3 * 7200) / DAY)


def test_degraded_performance_and_maintenance_are_not_downtime(component):
    outage(component, "degraded_performance", at(4, 8, 10), at(4, 8, 11))
    outage(component, "under_maintenance", at(4, 8, 14), at(4, 8, 16))
    assert days(component)[datetime.date(2026, 4, 8)].uptime == 1.0


def test_an_outage_across_midnight_counts_on_both_days(component):
    outage(component, "major_outage", at(4, 7, 23), at(4, 8, 1))
    by_date = days(component)
    assert by_date[datetime.date(2026, 4, 7)].major_outage_seconds == 3600
    assert by_date[datetime.date(2026, 4, 8)].major_outage_seconds == 3600
    assert by_date[datetime.date(2026, 4, 9)].uptime == 1.0


def test_today_counts_until_now_with_an_ongoing_outage(component):
    outage(component, "major_outage", at(4, 10, 11))
    today = days(component)[datetime.date(2026, 4, 10)]
    assert today.major_outage_seconds == 3600
    assert today.uptime == pytest.approx(1 - 3600 / (12 * 3600))


def test_days_before_the_start_date_have_no_uptime(db):
    component = make_component(start_date=datetime.date(2026, 4, 5))
    by_date = days(component)
    assert by_date[datetime.date(2026, 4, 4)].uptime is None
    assert by_date[datetime.date(2026, 4, 5)].uptime == 1.0


def test_without_a_start_date_counting_begins_on_the_day_it_was_created(db):
    component = make_component(created_at=at(4, 9, 15))
    outage(component, "major_outage", at(4, 9, 18), at(4, 9, 21))
    by_date = days(component)
    assert by_date[datetime.date(2026, 4, 8)].uptime is None
    assert by_date[datetime.date(2026, 4, 9)].uptime == pytest.approx(1 - 3 * 3600 / DAY)
    [entry] = daily_uptime([component], now=NOW)
    assert entry.uptime == pytest.approx(1 - 3 * 3600 / (DAY + 12 * 3600))


def test_history_backfilled_before_creation_is_counted(db):
    component = make_component(created_at=at(4, 9, 15))
    outage(component, "partial_outage", at(4, 3, 6), at(4, 3, 8))
    by_date = days(component)
    assert by_date[datetime.date(2026, 4, 2)].uptime is None
    assert by_date[datetime.date(2026, 4, 3)].partial_outage_seconds == 7200
    assert by_date[datetime.date(2026, 4, 4)].uptime == 1.0


def test_days_are_days_of_the_page_time_zone(component, settings):
    settings.TIME_ZONE = "America/New_York"
    outage(component, "major_outage", at(4, 8, 2), at(4, 8, 3))  # 22:00 on 7 April there
    by_date = days(component)
    assert by_date[datetime.date(2026, 4, 7)].major_outage_seconds == 3600
    assert by_date[datetime.date(2026, 4, 8)].uptime == 1.0


def test_a_day_when_the_clocks_go_forward_has_23_hours(component, settings):
    settings.TIME_ZONE = "Europe/London"
    outage(component, "major_outage", at(3, 29, 10), at(3, 29, 11))
    day = days(component)[datetime.date(2026, 3, 29)]
    assert day.uptime == pytest.approx(1 - 3600 / (23 * 3600))


def test_posts_not_yet_live_do_not_count(component):
    open_incident(
        component_changes={component: "major_outage"}, is_draft=True, published_at=at(4, 8, 10)
    )
    assert days(component)[datetime.date(2026, 4, 8)].uptime == 1.0


def test_a_change_after_now_does_not_rewrite_earlier_days(component):
    outage(component, "major_outage", NOW + datetime.timedelta(seconds=30))
    by_date = days(component)
    assert {day.uptime for day in by_date.values()} == {1.0}


def test_the_history_of_all_components_is_read_in_two_queries(db, django_assert_num_queries):
    components = [make_component(f"Component {n}") for n in range(5)]
    for component in components:
        outage(component, "major_outage", at(4, 1, 10), at(4, 2, 10))
    with django_assert_num_queries(2):
        report = daily_uptime(components, now=NOW)
    assert [entry.days[-10].major_outage_seconds for entry in report] == [14 * 3600] * 5


def test_uptime_json_gives_each_visible_component_its_days(client, component, settings):
    settings.TIME_ZONE = "UTC"
    hidden = make_component("Internal", is_hidden=True)
    yesterday = datetime.datetime.now(UTC).date() - datetime.timedelta(days=1)
    start = datetime.datetime.combine(yesterday, datetime.time(10), UTC)
    outage(component, "major_outage", start, start + datetime.timedelta(hours=1))
    data = get_json(client, "/api/v2/uptime.json", "uptime.json")
    assert [c["id"] for c in data["components"]] == [component.public_id]
    assert hidden.public_id not in str(data)
    [entry] = data["components"]
    day = next(d for d in entry["days"] if d["date"] == yesterday.isoformat())
    assert day["major_outage_seconds"] == 3600
    assert day["uptime"] == pytest.approx(1 - 3600 / DAY, abs=1e-6)
    assert data["period"]["end"] == entry["days"][-1]["date"]
    assert 0 < entry["uptime"] < 1


def test_each_day_takes_the_colour_of_its_worst_status(component, network_component):
    outage(component, "degraded_performance", at(4, 6, 10), at(4, 6, 11))
    outage(component, "under_maintenance", at(4, 7, 10), at(4, 7, 11))
    outage(component, "partial_outage", at(4, 8, 9), at(4, 8, 10))
    outage(component, "major_outage", at(4, 8, 14), at(4, 8, 15))
    by_date = days(component)
    assert by_date[datetime.date(2026, 4, 5)].worst_status == "operational"
    assert by_date[datetime.date(2026, 4, 6)].worst_status == "degraded_performance"
    assert by_date[datetime.date(2026, 4, 7)].worst_status == "under_maintenance"
    assert by_date[datetime.date(2026, 4, 8)].worst_status == "major_outage"
    assert days(network_component)[datetime.date(2026, 4, 8)].worst_status == "operational"


def test_a_day_before_monitoring_began_has_no_worst_status(db):
    component = make_component(start_date=datetime.date(2026, 4, 5))
    assert days(component)[datetime.date(2026, 4, 4)].worst_status is None


def test_uptime_over_the_last_days_counts_only_those_days(component):
    outage(component, "major_outage", at(3, 1, 0), at(3, 2, 0))  # 40 days before NOW
    [entry] = daily_uptime([component], now=NOW)
    assert entry.uptime_over_last(30) == 1.0
    assert entry.uptime_over_last(90) == pytest.approx(entry.uptime)
    assert entry.uptime_over_last(60) == pytest.approx(1 - DAY / (59 * DAY + 12 * 3600))


@pytest.fixture
def network_component(db):
    return make_component("Network")


def incidents_by_date(component, now=NOW):
    [entry] = uptime_history([component], now=now)
    return {day.date: [i.title for i in day.incidents] for day in entry.days if day.incidents}


def test_history_lists_each_days_incidents_for_the_affected_component_only(
    component, network_component
):
    outage(component, "major_outage", at(4, 7, 23), at(4, 8, 1))  # across midnight
    outage(network_component, "partial_outage", at(4, 8, 10), at(4, 8, 11))
    assert incidents_by_date(component) == {
        datetime.date(2026, 4, 7): ["major_outage of API"],
        datetime.date(2026, 4, 8): ["major_outage of API"],
    }
    assert incidents_by_date(network_component) == {
        datetime.date(2026, 4, 8): ["partial_outage of Network"]
    }


def test_an_open_incident_is_listed_on_every_day_until_today(component):
    outage(component, "partial_outage", at(4, 8, 10))
    assert list(incidents_by_date(component)) == [
        datetime.date(2026, 4, 8),
        datetime.date(2026, 4, 9),
        datetime.date(2026, 4, 10),
    ]


def test_a_maintenance_is_listed_on_the_days_of_its_window_not_its_announcement(component):
    services.incident_open(
        title="Kernel upgrade",
        kind="maintenance",
        status="scheduled",
        body="Planned.",
        published_at=at(4, 1, 9),
        scheduled_for=at(4, 9, 22),
        scheduled_until=at(4, 9, 23),
        component_changes={component: "under_maintenance"},
    )
    assert incidents_by_date(component, now=at(4, 2)) == {}
    assert incidents_by_date(component) == {datetime.date(2026, 4, 9): ["Kernel upgrade"]}


def test_drafts_and_incidents_resolved_before_the_period_are_not_listed(component):
    open_incident(
        title="Draft",
        component_changes={component: "major_outage"},
        is_draft=True,
        published_at=at(4, 8, 10),
    )
    outage(component, "major_outage", at(1, 2, 10), at(1, 2, 11))
    assert incidents_by_date(component) == {}


def test_the_history_with_incidents_takes_three_queries(db, django_assert_num_queries):
    components = [make_component(f"Component {n}") for n in range(5)]
    for component in components:
        outage(component, "major_outage", at(4, 1, 10), at(4, 2, 10))
    with django_assert_num_queries(3):
        report = uptime_history(components, now=NOW)
    assert [len(entry.days[-10].incidents) for entry in report] == [1] * 5
