"""Property-based: the API's and the pages' query parameters under random and hostile
input: a clear 400 or a right answer, never a 500, and reading never writes."""

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from .conftest import one_example, open_incident, row_counts
from .strategies import HOSTILE_TEXT, NUMBERS_AS_TEXT

pytestmark = pytest.mark.django_db
PAGED = ["/api/v2/incidents.json", "/api/v2/scheduled-maintenances.json"]
KEYS = {
    "/api/v2/incidents.json": "incidents",
    "/api/v2/scheduled-maintenances.json": "scheduled_maintenances",
}
PARAMETER = st.one_of(st.none(), NUMBERS_AS_TEXT, HOSTILE_TEXT, st.integers(1, 120).map(str))


def whole_number_in(value, maximum):
    return value is None or (re.fullmatch(r"[0-9]{1,9}", value) and 1 <= int(value) <= maximum)


@pytest.fixture
def incidents(db):
    for n in range(3):
        open_incident(title=f"Incident {n}")


@given(endpoint=st.sampled_from(PAGED), page=PARAMETER, per_page=PARAMETER)
@example(endpoint=PAGED[0], page="1" * 5000, per_page="1")
@example(endpoint=PAGED[0], page="１", per_page="٢")  # non-ASCII digits
@example(endpoint=PAGED[1], page="1\n", per_page="2 ")
def test_paging_parameters_get_a_clear_answer(client, incidents, endpoint, page, per_page):
    query = {k: v for k, v in {"page": page, "per_page": per_page}.items() if v is not None}
    with one_example():
        before = row_counts()
        response = client.get(endpoint, query)
        assert row_counts() == before
    valid = whole_number_in(page, 100_000) and whole_number_in(per_page, 100)
    if not valid:
        assert response.status_code == 400
        assert re.fullmatch(
            r"(page|per_page) must be a whole number from 1 to \d+, not .*",
            response.json()["error"],
            re.S,
        )
        return
    if int(page or 1) > 1 and (int(page) - 1) * int(per_page or 50) >= total(endpoint):
        assert response.status_code == 404
        assert re.fullmatch(r"page \d+ is past the last page, \d+\.", response.json()["error"])
        return
    assert response.status_code == 200
    listed = response.json()[KEYS[endpoint]]
    assert len(listed) <= int(per_page or 50)
    assert int(response["X-Total-Count"]) == total(endpoint)


def total(endpoint):
    return 3 if endpoint == PAGED[0] else 0


@given(query=st.binary(max_size=300))
@example(query=b"page=%ff%fe&per_page=%00")
@example(query=b"page=1&page=x&per_page=" + b"9" * 4000)
def test_raw_query_strings_never_fail(client, incidents, query):
    for url in [*PAGED, "/", "/history", "/api/v2/summary.json"]:
        response = client.get(url, QUERY_STRING=query.decode("latin-1"))
        assert response.status_code in (200, 400, 404), url


@given(page=PARAMETER)
@example(page="9" * 5000)
@example(page="0001")
@example(page="2")
def test_page_numbers_on_the_html_pages_always_get_a_page(client, incidents, page):
    # 3 incidents: one page of each list. A bad number is a 400, one past the last a 404.
    expected = 400 if not whole_number_in(page, 100_000) else 200 if int(page or 1) == 1 else 404
    for url in ["/", "/history"]:
        response = client.get(url, {} if page is None else {"page": page})
        assert response.status_code == expected
        assert response.content.count(b"<h1") == 1
