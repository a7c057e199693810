import csv
import io
import threading
from contextlib import contextmanager

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.urls import reverse

from subscribers import importing
from subscribers.models import Subscriber

from .conftest import follower, open_incident

pytestmark = pytest.mark.django_db

CSV = """email,components
ada@example.org,
Bob@Example.org,Network
not-an-address,
ada@example.org,
carol@example.org,Network;Web servers
dave@example.org,Teleporter
"""


def run_import(tmp_path, text, *args):
    path = tmp_path / "followers.csv"
    path.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command("import_followers", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_imports_confirmed_followers_and_counts_what_it_skipped(tmp_path, network, web):
    follower("carol@example.org")
    out, err = run_import(tmp_path, CSV)
    assert out.strip() == "2 imported, 2 duplicates skipped, 2 invalid skipped"
    assert "line 4: invalid address 'not-an-address'" in err
    assert "line 7: unknown component 'teleporter'" in err
    ada, bob = (
        Subscriber.objects.get(email="ada@example.org"),
        Subscriber.objects.get(email="bob@example.org"),
    )
    assert ada.is_confirmed and ada.imported and ada.all_components
    assert bob.is_confirmed and not bob.all_components and list(bob.components.all()) == [network]


def test_dry_run_only_counts(tmp_path, network, web):
    out, _ = run_import(tmp_path, CSV, "--dry-run")
    assert out.strip() == "3 would be imported, 1 duplicates skipped, 2 invalid skipped"
    assert not Subscriber.objects.exists()


def test_importing_twice_adds_nobody(tmp_path, network, web):
    run_import(tmp_path, CSV)
    out, _ = run_import(tmp_path, CSV)
    assert out.startswith("0 imported")
    assert Subscriber.objects.count() == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("address\nada@example.org\n", "header with an 'email' column"),
        ("", "header with an 'email' column"),
    ],
)
def test_a_file_without_an_email_column_is_refused(tmp_path, text, message):
    with pytest.raises(CommandError, match=message):
        run_import(tmp_path, text)
    assert not Subscriber.objects.exists()


def test_missing_and_binary_files_are_clear_errors(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_followers", str(tmp_path / "nope.csv"))
    binary = tmp_path / "followers.csv"
    binary.write_bytes(b"\xff\xfe\x00email")
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("import_followers", str(binary))


def test_the_admin_offers_the_same_import_and_an_export(operator_client, network, web):
    upload = SimpleUploadedFile("followers.csv", CSV.encode(), content_type="text/csv")
    response = operator_client.post(reverse("admin:subscribers_import"), {"file": upload})
    assert response.status_code == 302
    listing = operator_client.get(response["Location"]).content.decode()
    assert "3 imported, 1 duplicates skipped, 2 invalid skipped" in listing
    export = operator_client.get(reverse("admin:subscribers_export"))
    assert export["Content-Type"] == "text/csv"
    lines = b"".join(export.streaming_content).decode().splitlines()
    assert lines[0] == "email,state,created_at,components,kind,target"
    assert sorted(line.split(",")[0] for line in lines[1:]) == [
        "ada@example.org",
        "bob@example.org",
        "carol@example.org",
    ]


def test_the_admin_lists_followers_with_filters_and_search(operator_client):
    follower("confirmed@example.org")
    Subscriber.objects.create(email="pending@example.org")
    url = reverse("admin:subscribers_subscriber_changelist")
    pending = operator_client.get(url, {"state": "pending"}).content.decode()
    assert "pending@example.org" in pending and "confirmed@example.org" not in pending
    found = operator_client.get(url, {"q": "confirmed@"}).content.decode()
    assert "confirmed@example.org" in found and "pending@example.org" not in found


def test_the_admin_shows_per_post_mail_counts(operator_client, db):
    from subscribers.models import Delivery, DeliveryKind, DeliveryState

    from .conftest import open_incident

    update = open_incident()
    notification = update.notifications.get()
    for n, state in enumerate(["sent", "sent", "pending", "failed"]):
        Delivery.objects.create(
            notification=notification,
            subscriber=follower(f"f{n}@example.org"),
            kind=DeliveryKind.NOTIFICATION,
            state=state,
        )
    html = operator_client.get(
        reverse("admin:subscribers_notification_changelist")
    ).content.decode()
    assert '<td class="field-sent">2</td>' in html
    assert '<td class="field-pending">1</td>' in html
    assert f"state__exact={DeliveryState.FAILED}" in html


def test_an_address_that_grows_when_lower_cased_is_an_invalid_row(tmp_path):
    grows = "a@" + ".".join(["\u0130" * 60] * 4) + ".com"
    out, err = run_import(tmp_path, f"email\n{grows}\nada@example.org\n")
    assert out.strip() == "1 imported, 0 duplicates skipped, 1 invalid skipped"
    assert "line 2: invalid address" in err
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["ada@example.org"]


# Large files: batches, each its own short transaction.


def many(count, start=0):
    return "".join(f"follower{n}@example.org\n" for n in range(start, start + count))


@contextmanager
def statements():
    run = []

    def record(execute, sql, params, many, context):
        run.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield run


def test_a_large_file_takes_a_few_statements_per_thousand_rows(tmp_path, network):
    text = "email,components\n" + many(2500).replace("\n", ",Network\n", 1000)
    with statements() as run:
        out, _ = run_import(tmp_path, text)
    assert out.strip() == "2500 imported, 0 duplicates skipped, 0 invalid skipped"
    assert len(run) < 30, len(run)
    assert Subscriber.objects.filter(components=network).count() == 1000


def test_the_public_state_is_marked_changed_once(tmp_path, django_capture_on_commit_callbacks):
    from public_store import warming

    with django_capture_on_commit_callbacks() as callbacks:
        run_import(tmp_path, "email\n" + many(2500))
    assert callbacks.count(warming.public_state_changed) == 1


def test_counts_are_exact_across_batches(tmp_path, network, web):
    follower("follower1500@example.org")
    text = "email,components\n" + many(1200) + "FOLLOWER5@example.org,\n"  # a duplicate
    text += "not-an-address,\n" + "follower1300@example.org,Web servers;Network\n"
    text += many(600, start=1300) + "follower1201@example.org,Teleporter\n"
    out, err = run_import(tmp_path, text)
    assert out.strip() == "1799 imported, 3 duplicates skipped, 2 invalid skipped"
    assert "line 1203: invalid address 'not-an-address'" in err
    assert "line 1805: unknown component 'teleporter'" in err
    assert Subscriber.objects.count() == 1800
    scoped = Subscriber.objects.get(email="follower1300@example.org")
    assert not scoped.all_components and set(scoped.components.all()) == {network, web}
    assert Subscriber.objects.get(email="follower1899@example.org").all_components


def test_a_dry_run_writes_nothing_at_all(tmp_path, network):
    follower("follower7@example.org")
    with statements() as run:
        out, _ = run_import(tmp_path, "email\n" + many(2500) + "bad\n", "--dry-run")
    assert out.strip() == "2499 would be imported, 1 duplicates skipped, 1 invalid skipped"
    assert not [sql for sql in run if not sql.lstrip().upper().startswith("SELECT")]
    assert Subscriber.objects.count() == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("email\n" + many(3) + '"' + "a" * 200_000 + '"\n', "Line 5: not valid CSV"),
        ("email\n" + many(5), "More than 4 rows"),
    ],
)
def test_a_file_that_cannot_be_imported_whole_writes_nothing(tmp_path, monkeypatch, text, message):
    monkeypatch.setattr(importing, "MAX_ROWS", 4)
    monkeypatch.setattr(importing, "BATCH_SIZE", 2, raising=False)  # several batches
    with pytest.raises(CommandError, match=message):
        run_import(tmp_path, text)
    assert not Subscriber.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_post_made_during_an_import_goes_in_between_its_batches(tmp_path):
    """The import must not hold the write lock for the whole file: a post made while
    it runs goes in at the next commit, not after the last row."""
    rows = 5000
    committed, posted, followers_at_post = threading.Event(), threading.Event(), []

    def pause_after_first_commit(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        is_insert = sql.lstrip().startswith("INSERT") and "subscribers_subscriber" in sql
        if is_insert and not committed.is_set():
            transaction.on_commit(lambda: (committed.set(), posted.wait(30)))
        return result

    def importing_thread():
        try:
            with connection.execute_wrapper(pause_after_first_commit):
                run_import(tmp_path, "email\n" + many(rows))
        finally:
            connection.close()

    thread = threading.Thread(target=importing_thread)
    thread.start()
    try:
        assert committed.wait(60)
        followers_at_post.append(Subscriber.objects.count())
        open_incident()
    finally:
        posted.set()
        thread.join()
    assert 0 < followers_at_post[0] < rows
    assert Subscriber.objects.count() == rows


# Exports open in spreadsheets: no cell may run as a formula.

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def exported_rows(operator_client):
    export = operator_client.get(reverse("admin:subscribers_export"))
    text = b"".join(export.streaming_content).decode()
    return list(csv.reader(io.StringIO(text, newline="")))


def test_the_export_hands_a_spreadsheet_no_formula(operator_client, db):
    from incidents.models import Component

    names = ['=HYPERLINK("http://evil.example","x")', "@SUM(1)", "+1", "-1", "\tTab", "\rCR"]
    for name in names:  # as stored: a component may come from an imported page
        Component.objects.create(name=name)
    addresses = ["=1+2@example.org", "+33@example.org", "-x@example.org", "'q@example.org"]
    for address in addresses:
        follower(address, components=Component.objects.filter(name=names[0]))
    follower("plain@example.org", components=Component.objects.filter(name__in=names[1:]))

    header, *rows = exported_rows(operator_client)
    assert header == ["email", "state", "created_at", "components", "kind", "target"]
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    assert sorted(row[0] for row in rows) == [
        "''q@example.org",
        "'+33@example.org",
        "'-x@example.org",
        "'=1+2@example.org",
        "plain@example.org",
    ]
    assert {row[3] for row in rows if row[0] != "plain@example.org"} == {"'" + names[0]}
    [plain] = [row[3] for row in rows if row[0] == "plain@example.org"]
    assert plain[0] == "'" and set(plain[1:].split(";")) == set(names[1:])


def test_an_exported_file_imports_as_it_was(tmp_path, operator_client, db):
    from incidents.models import Component

    component = Component.objects.create(name="=Core")
    for address in ["=1+2@example.org", "'q@example.org", "plain@example.org"]:
        follower(address, components=[component])
    exported = io.StringIO()
    csv.writer(exported).writerows(exported_rows(operator_client))
    text = exported.getvalue()
    Subscriber.objects.all().delete()
    out, _ = run_import(tmp_path, text)
    assert out.strip() == "3 imported, 0 duplicates skipped, 0 invalid skipped"
    for subscriber in Subscriber.objects.all():
        assert list(subscriber.components.all()) == [component]
    assert sorted(Subscriber.objects.values_list("email", flat=True)) == [
        "'q@example.org",
        "=1+2@example.org",
        "plain@example.org",
    ]


def test_rows_of_other_kinds_import_as_active_followers(tmp_path, network):
    text = (
        "kind,target,components,email\n"
        "webhook,https://hooks.example.org/a,Network,ops@example.org\n"
        "slack,https://hooks.slack.example/T1/B2,,\n"
        ",ada@example.org,,\n"
        "email,bob@example.org,Network,\n"
        "webhook,http://169.254.169.254/,,\n"
        "pager,https://x.example/,,\n"
        "slack,https://hooks.slack.example/T1/B2,,\n"
    )
    out, err = run_import(tmp_path, text)
    assert out.strip() == "4 imported, 1 duplicates skipped, 2 invalid skipped"
    assert "line 6: invalid row 'http://169.254.169.254/'" in err
    assert "line 7: invalid row" in err and "Unknown kind 'pager'" in err
    hook = Subscriber.objects.get(kind="webhook")
    assert hook.is_confirmed and hook.secret.startswith("whsec_")
    assert hook.email == "ops@example.org" and list(hook.components.all()) == [network]
    assert Subscriber.objects.get(kind="slack").all_components
    assert set(Subscriber.objects.filter(kind="email").values_list("email", flat=True)) == {
        "ada@example.org",
        "bob@example.org",
    }
    out, _ = run_import(tmp_path, text, "--dry-run")
    assert out.startswith("0 would be imported, 5 duplicates")
