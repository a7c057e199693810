"""Property-based: `post_update` and `import_statuspage` under random and hostile input
either do their job or stop with a one-line error, and then have written nothing."""

import copy
import datetime
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import event, example, given
from hypothesis import strategies as st

from incidents.models import STATUSES_BY_KIND, ComponentStatus, Impact, IncidentKind

from .conftest import one_example, open_incident, row_counts
from .strategies import HOSTILE_TEXT, NASTY

pytestmark = pytest.mark.django_db
DOCUMENTS = Path(__file__).parent / "fixtures" / "statuspage" / "api" / "v2"


def run(command, *args, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *args, stdout=out, stderr=err, **options)
    return out.getvalue()


RECENT = st.datetimes(
    min_value=datetime.datetime(2020, 1, 1), max_value=datetime.datetime(2030, 1, 1)
).map(lambda d: d.isoformat(timespec="minutes"))
ODD_DATES = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(
        [
            "0001-01-01T00:00",
            "9999-12-31T23:59:59",
            "2026-02-30T10:00",
            "2026-03-02T10:15+25:00",
            "2026-03-02 10:15:00Z",
            "today",
        ]
    ),
    HOSTILE_TEXT,
)
PAIRS = st.builds(
    lambda name, status: f"{name}={status}",
    st.sampled_from(["Network", " network ", "NETWORK"]),
    st.sampled_from(ComponentStatus.values),
)
WORDS = st.text(st.characters(exclude_categories=["Cs", "Cc"]), min_size=1, max_size=80)
# What an operator would type: an incident's post, or a maintenance window's.
INCIDENT_POST = st.fixed_dictionaries(
    {"--status": st.sampled_from(STATUSES_BY_KIND[IncidentKind.INCIDENT]), "--body": WORDS},
    optional={
        "--impact": st.sampled_from(Impact.values),
        "--headline": WORDS,
        "--published-at": RECENT,
        "--component": st.lists(PAIRS, max_size=2),
        "--draft": st.booleans(),
        "--notify": st.booleans(),
    },
)
MAINTENANCE_POST = st.fixed_dictionaries(
    {
        "--kind": st.just("maintenance"),
        "--status": st.sampled_from(STATUSES_BY_KIND[IncidentKind.MAINTENANCE]),
        "--body": WORDS,
        "--scheduled-for": RECENT,
        "--scheduled-until": RECENT,
    },
    optional={"--component": st.lists(PAIRS, max_size=2)},
)
HOSTILE_VALUES = {
    "--status": HOSTILE_TEXT,
    "--impact": HOSTILE_TEXT,
    "--kind": HOSTILE_TEXT,
    "--body": HOSTILE_TEXT,
    "--headline": HOSTILE_TEXT,
    "--published-at": ODD_DATES,
    "--scheduled-for": ODD_DATES,
    "--scheduled-until": ODD_DATES,
    "--component": st.lists(st.one_of(PAIRS, HOSTILE_TEXT), min_size=1, max_size=3),
}


@st.composite
def spoiled_options(draw, options):
    """Right options with one or two swapped for something random or hostile."""
    options = dict(draw(options))
    for name in draw(st.lists(st.sampled_from(sorted(HOSTILE_VALUES)), min_size=1, max_size=2)):
        options[name] = draw(HOSTILE_VALUES[name])
    return options


OPTIONS = st.one_of(
    INCIDENT_POST,
    MAINTENANCE_POST,
    spoiled_options(INCIDENT_POST),
    spoiled_options(MAINTENANCE_POST),
)
TITLES = st.one_of(WORDS, HOSTILE_TEXT)


def arguments(target, options):
    args = list(target)
    for name, value in options.items():
        if name == "--component":
            for pair in value:
                args += [name, pair]
        elif name == "--draft":
            args += [name] if value else []
        elif name == "--notify":
            args += ["--notify" if value else "--no-notify"]
        else:
            args += [name, value]
    return args


@given(
    target=st.one_of(
        st.tuples(st.just("--title"), TITLES),
        st.tuples(st.just("--incident"), st.one_of(st.just("existing"), HOSTILE_TEXT)),
    ),
    options=OPTIONS,
)
@example(target=("--title", "Outage\r\nBcc: x@y.z"), options={"--status": "investigating"})
@example(target=("--title", "Outage"), options={"--status": "investigating", "--body": "\x00"})
@example(target=("--title", "A" * 201), options={"--status": "investigating", "--body": "x"})
@example(
    target=("--title", "Window"),
    options={
        "--status": "scheduled",
        "--kind": "maintenance",
        "--body": "x",
        "--scheduled-for": "0001-01-01T00:00",
        "--scheduled-until": "9999-12-31T23:59",
    },
)
def test_post_update_posts_or_refuses_with_nothing_written(network, target, options):
    existing = open_incident().incident if not row_counts()["Incident"] else None
    if target[1] == "existing":
        target = ("--incident", existing.public_id if existing else "existing")
    args = arguments(target, options)
    with one_example():
        before = row_counts()
        try:
            out = run("post_update", *args, stdin=io.StringIO(""))  # no message on stdin
        except CommandError as error:
            event("refused")
            assert "\n" not in str(error).strip()
            assert row_counts() == before
            return
        event("posted")
        after = row_counts()
        out = out.strip()
        # Public now: its address; a draft or a scheduled post says so instead.
        assert (out.startswith("http") and "/incidents/" in out) or out.startswith(
            ("Saved as a draft, not public", "Scheduled for ")
        )
        assert after["IncidentUpdate"] == before["IncidentUpdate"] + 1
        assert after["Incident"] == before["Incident"] + (target[0] == "--title")


def fixture(name):
    return json.loads((DOCUMENTS / name).read_text())


def leaves(value, path=()):
    """Every place in a JSON document where a value could be swapped."""
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from leaves(item, (*path, i))


def replaced(document, path, new):
    if not path:
        return new
    document = copy.deepcopy(document)
    place = document
    for step in path[:-1]:
        place = place[step]
    place[path[-1]] = new
    return document


JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), HOSTILE_TEXT),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.one_of(
                HOSTILE_TEXT, st.sampled_from(["id", "name", "incidents", "components", "status"])
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)
VALID = {name: fixture(name) for name in ["summary.json", "incidents.json", "components.json"]}


@st.composite
def spoiled_documents(draw):
    """A real Statuspage document with one value swapped for something random or hostile."""
    document = VALID[draw(st.sampled_from(sorted(VALID)))]
    path = draw(st.sampled_from(list(leaves(document))))
    new = draw(st.one_of(JSON, NASTY, st.integers(-(2**70), 2**70), st.just(10**400)))
    return replaced(document, path, new)


@st.composite
def documents_with_hostile_texts(draw):
    """A real document whose names, bodies or descriptions are random or hostile text."""
    document = VALID[draw(st.sampled_from(sorted(VALID)))]
    texts = [p for p in leaves(document) if p and p[-1] in ("name", "body", "description")]
    for path in draw(st.lists(st.sampled_from(texts), min_size=1, max_size=3)):
        document = replaced(document, path, draw(HOSTILE_TEXT))
    return document


def write_source(tmp_path, document):
    source = tmp_path / "source.json"
    if isinstance(document, bytes):
        source.write_bytes(document)
    else:
        # Python writes 10**400 as a bare number: valid JSON no float can hold.
        source.write_text(json.dumps(document))
    return source


@given(
    document=st.one_of(
        documents_with_hostile_texts(), spoiled_documents(), JSON, st.binary(max_size=200)
    )
)
@example(document=b"\xff\xfe{}")
@example(document=b'{"incidents": [' + b"[" * 5000 + b"]" * 5000 + b"]}")
@example(document={"incidents": [{"id": "\x00"}]})
@example(document=replaced(VALID["incidents.json"], ("incidents", 0, "name"), "Out\x00age"))
@example(document=replaced(VALID["incidents.json"], ("incidents", 0, "name"), "Out\x07age"))
def test_import_statuspage_imports_or_refuses_with_nothing_written(tmp_path, document):
    source = write_source(tmp_path, document)
    with one_example():
        before = row_counts()
        try:
            out = run("import_statuspage", str(source), "--dry-run")
        except CommandError as error:
            event("refused")
            assert str(error).startswith("Nothing was imported.")
            assert "\n" not in str(error).strip()
        else:
            event("accepted")
            assert "Dry run: nothing was written." in out
        assert row_counts() == before
        try:
            run("import_statuspage", str(source))
        except CommandError:
            assert row_counts() == before
