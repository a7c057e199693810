"""Static mirrors on S3-compatible storage, against moto's S3 server on loopback: the
right types and caching, only changed objects uploaded, stale ones removed after the new
ones are up, an unreachable store retried without holding up the other targets."""

import boto3
import pytest
from moto.server import ThreadedMotoServer

from incidents import services
from public_store import mirrors, serving
from public_store.mirrors import publishing, targets

from .smtp_sink import free_port
from .test_mirrors import site  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db(transaction=True)
BUCKET = "status-mirror"


@pytest.fixture(scope="module")
def s3_server():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_server, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "mirror-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "mirror-test-secret")
    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    yield client
    keys = [{"Key": o["Key"]} for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    if keys:
        client.delete_objects(Bucket=BUCKET, Delete={"Objects": keys})
    client.delete_bucket(Bucket=BUCKET)


def s3_url(server, prefix="status"):
    return f"s3://{BUCKET}/{prefix}?endpoint_url={server}&region=us-east-1"


def keys(client, prefix="status/"):
    listed = client.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return {o["Key"].removeprefix(prefix) for o in listed}


def recorded(target):
    """The S3 operations the target's own client makes, in order."""
    calls = []

    def note(params, model, **kwargs):
        calls.append((model.name, params.get("Key", "")))

    target.client.meta.events.register("before-parameter-build.s3.*", note)
    return calls


def test_an_s3_mirror_holds_the_site_with_types_and_caching(site, bucket, s3_server):  # noqa: F811
    [outcome] = mirrors.publish([s3_url(s3_server)]).values()
    assert not isinstance(outcome, Exception), outcome
    held = keys(bucket)
    assert {"index.html", "history/page/2/index.html", "api/v2/summary.json"} <= held
    assert f"incidents/{site['open'].public_id}/index.html" in held
    head = bucket.head_object(Bucket=BUCKET, Key="status/index.html")
    assert head["ContentType"] == "text/html; charset=utf-8"
    assert head["CacheControl"] == serving.cache_control()
    summary = bucket.head_object(Bucket=BUCKET, Key="status/api/v2/summary.json")
    assert summary["ContentType"] == "application/json"
    css = next(key for key in held if key.startswith("static/statuspage."))
    head = bucket.head_object(Bucket=BUCKET, Key=f"status/{css}")
    assert head["ContentType"] == "text/css; charset=utf-8" and "immutable" in head["CacheControl"]
    manifest = bucket.head_object(Bucket=BUCKET, Key="status/mirror.json")
    assert manifest["CacheControl"] == "no-cache"


def test_only_changed_objects_are_uploaded_and_stale_ones_removed_after(
    site,  # noqa: F811
    bucket,
    s3_server,
):
    url = s3_url(s3_server)
    mirrors.publish([url])
    services.update_create(incident=site["open"], status="identified", body="Found it.")
    gone = site["closed"][0]
    services.incident_delete(incident=gone)
    target = targets.parse(url)
    calls = recorded(target)
    result = publishing.publish_target(target)
    uploaded = [key for name, key in calls if name == "PutObject"]
    assert f"status/incidents/{site['open'].public_id}/index.html" in uploaded
    assert len(uploaded) < 20 and len(uploaded) == len(result.written) + 1  # + mirror.json
    assert uploaded[-1] == "status/mirror.json"
    operations = [name for name, _ in calls]
    assert operations.index("DeleteObjects") > max(
        i for i, name in enumerate(operations) if name == "PutObject"
    )
    assert f"incidents/{gone.public_id}/index.html" in result.removed
    assert keys(bucket) == set(target.read().objects) | {"mirror.json"}
    body = bucket.get_object(
        Bucket=BUCKET, Key=f"status/incidents/{site['open'].public_id}/index.html"
    )
    assert b"Found it." in body["Body"].read()


def test_an_unreachable_store_is_retried_and_holds_up_no_other_target(
    site,  # noqa: F811
    bucket,
    s3_server,
    tmp_path,
):
    unreachable = f"s3://{BUCKET}?endpoint_url=http://127.0.0.1:{free_port()}&region=us-east-1"
    outcomes = mirrors.publish([unreachable, s3_url(s3_server), f"file://{tmp_path}/site"])
    assert isinstance(outcomes[unreachable], Exception)
    assert not any(isinstance(o, Exception) for url, o in outcomes.items() if url != unreachable)
    state = publishing.target_state(unreachable)
    assert state.failures == 1 and "Could not connect" in state.error
    mirrors.publish([unreachable])
    assert publishing.target_state(unreachable).failures == 2
    delays = publishing.BACKOFF
    state = publishing.target_state(unreachable)
    assert state.next_try - state.last_attempt == pytest.approx(delays[1], abs=2)
