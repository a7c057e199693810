"""Where mirrors go: a directory (switched atomically) or S3-compatible storage.

Both compare content hashes with the manifest the target holds (`mirror.json`, written
last), so a publish writes only what changed, and both remove what the site no longer
has only after the new objects are up.
"""

import datetime
import fcntl
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.utils.crypto import get_random_string

from . import rewriting
from .site import MANIFEST_KEY, Manifest, MirrorObject, Snapshot

S3_OPTIONS = {"endpoint_url", "region", "addressing_style"}
UPLOADS_AT_ONCE = 8


class TargetError(Exception):
    """A target that cannot be published to as configured."""


@dataclass
class Result:
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    objects: int = 0
    location: str = ""


def parse(url: str):
    """The target a MIRROR_URL entry names; ValueError, said plainly, for a bad one."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        return FileTarget(url, parts)
    if parts.scheme == "s3":
        return S3Target(url, parts)
    raise ValueError(f"{url!r}: a mirror is file:///absolute/dir or s3://bucket[/prefix]")


def _changes(snapshot: Snapshot, previous: Manifest, now: str):
    """Each object with its manifest entry, and whether it must be written (its content
    is not what the target holds)."""
    for key, obj in snapshot.objects.items():
        old = previous.objects.get(key)
        if old is not None and old.sha256 == obj.sha256:
            yield replace(obj, published_at=old.published_at, body=None), False
        elif obj.body is None:
            raise TargetError(f"{key} was not rendered and the target lacks it")
        else:
            yield replace(obj, published_at=now), True


def _content(obj: MirrorObject) -> bytes:
    """The bytes to write: a page with the notice of when it was first published."""
    if not obj.is_page:
        return obj.body
    return rewriting.with_notice(obj.body, datetime.datetime.fromisoformat(obj.published_at))


class FileTarget:
    """A directory any web server can serve: `path` is a symbolic link to the latest
    complete copy, replaced atomically (a rename), so a reader never sees half a site.
    Unchanged files are hard links to the previous copy's."""

    def __init__(self, url, parts):
        path = unquote(parts.path)
        if parts.netloc or parts.query or not path.startswith("/") or path == "/":
            raise ValueError(f"{url!r}: a directory mirror is file:///absolute/dir")
        self.url = url
        self.link = Path(path.rstrip("/"))
        self.versions = self.link.parent / f".{self.link.name}.versions"

    def _current(self) -> Path | None:
        if not self.link.is_symlink():
            return None
        return self.link.resolve()

    def read(self) -> Manifest:
        current = self._current()
        if current is None or not (current / MANIFEST_KEY).is_file():
            return Manifest()
        manifest = Manifest.from_json((current / MANIFEST_KEY).read_bytes())
        manifest.objects = {k: o for k, o in manifest.objects.items() if (current / k).is_file()}
        return manifest

    @contextmanager
    def _locked(self):
        self.versions.mkdir(parents=True, exist_ok=True)
        with open(self.versions / ".lock", "ab") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # two workers never build one target at once
            yield

    def publish(self, snapshot: Snapshot, previous: Manifest, now: str) -> Result:
        with self._locked():
            self._check_link()
            current = self._current()
            stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S")
            new = self.versions / f"{stamp}-{get_random_string(6)}"
            manifest, result = Manifest(build=snapshot.build, published_at=now), Result()
            for obj, changed in _changes(snapshot, previous, now):
                destination = _inside(new, obj.key)
                destination.parent.mkdir(parents=True, exist_ok=True)
                if changed:
                    _write(destination, _content(obj))
                    result.written.append(obj.key)
                else:
                    os.link(current / obj.key, destination)
                manifest.objects[obj.key] = obj
            _write(new / MANIFEST_KEY, manifest.to_json())
            self._switch_to(new)
            self._prune(keep={new, current})
        result.removed = sorted(set(previous.objects) - set(snapshot.objects))
        result.objects, result.location = len(manifest.objects), str(new)
        return result

    def _check_link(self):
        if self.link.is_symlink() or not self.link.exists():
            return
        if self.link.is_dir() and not any(self.link.iterdir()):
            self.link.rmdir()  # an empty directory made for us: becomes the link
            return
        raise TargetError(
            f"{self.link} exists and is not a link made by publish_mirror, which makes it a "
            "link to the latest copy: move it away, or name another directory"
        )

    def _switch_to(self, new):
        temporary = self.link.with_name(f".{self.link.name}.{get_random_string(6)}")
        temporary.symlink_to(os.path.relpath(new, self.link.parent))
        os.replace(temporary, self.link)  # atomic: the old copy or the new, never neither

    def _prune(self, keep):
        # The previous copy stays until the next publish, for readers still on it.
        for version in self.versions.iterdir():
            if version.is_dir() and version not in keep:
                shutil.rmtree(version, ignore_errors=True)


def _inside(root: Path, key: str) -> Path:
    if key.startswith("/") or ".." in key.split("/") or not key:
        raise TargetError(f"{key!r} is not a file name inside the mirror")
    return root / key


def _write(path: Path, data: bytes):
    with open(path, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())


class S3Target:
    """A bucket (and prefix) of any S3-compatible storage, through boto3; credentials
    from the standard AWS_* variables."""

    def __init__(self, url, parts):
        options = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        unknown = set(options) - S3_OPTIONS
        if not parts.netloc or unknown:
            raise ValueError(
                f"{url!r}: an S3 mirror is s3://bucket[/prefix][?endpoint_url=…&region=…]"
                + (f"; unknown option {', '.join(sorted(unknown))}" if unknown else "")
            )
        self.url, self.bucket, self.options = url, parts.netloc, options
        prefix = unquote(parts.path).strip("/")
        self.prefix = f"{prefix}/" if prefix else ""
        self.listed: set[str] = set()

    @cached_property
    def client(self):
        import boto3
        from botocore.config import Config

        config = Config(
            connect_timeout=5,
            read_timeout=30,
            retries={"max_attempts": 3, "mode": "standard"},
            # Many S3-compatible stores refuse the checksums boto3 sends by default now.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            s3={"addressing_style": self.options.get("addressing_style", "auto")},
        )
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.options.get("endpoint_url"),
            region_name=self.options.get("region"),
            config=config,
        )

    def read(self) -> Manifest:
        self.listed = set()
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        ):
            self.listed |= {item["Key"][len(self.prefix) :] for item in page.get("Contents", [])}
        if MANIFEST_KEY not in self.listed:
            return Manifest()
        stored = self.client.get_object(Bucket=self.bucket, Key=self.prefix + MANIFEST_KEY)
        manifest = Manifest.from_json(stored["Body"].read())
        manifest.objects = {k: o for k, o in manifest.objects.items() if k in self.listed}
        return manifest

    def publish(self, snapshot: Snapshot, previous: Manifest, now: str) -> Result:
        manifest = Manifest(build=snapshot.build, published_at=now)
        changed = []
        for obj, write in _changes(snapshot, previous, now):
            manifest.objects[obj.key] = obj
            if write:
                changed.append(obj)
        with ThreadPoolExecutor(UPLOADS_AT_ONCE) as uploads:
            list(uploads.map(self._put, changed))  # raises the first failure
        self._put_bytes(MANIFEST_KEY, manifest.to_json(), "application/json", "no-cache")
        stale = sorted(self.listed - set(snapshot.objects) - {MANIFEST_KEY})
        for start in range(0, len(stale), 1000):
            batch = [{"Key": self.prefix + key} for key in stale[start : start + 1000]]
            answer = self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch})
            if answer.get("Errors"):
                raise TargetError(f"could not remove {answer['Errors'][0].get('Key')}")
        return Result(
            written=[obj.key for obj in changed],
            removed=stale,
            objects=len(manifest.objects),
            location=f"s3://{self.bucket}/{self.prefix}",
        )

    def _put(self, obj: MirrorObject):
        self._put_bytes(obj.key, _content(obj), obj.content_type, obj.cache_control)

    def _put_bytes(self, key, body, content_type, cache_control):
        self.client.put_object(
            Bucket=self.bucket,
            Key=self.prefix + key,
            Body=body,
            ContentType=content_type,
            CacheControl=cache_control,
        )
