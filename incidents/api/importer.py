"""Import a Statuspage page: components, groups, incidents, maintenances, every update.

A source is a file or an http(s) URL of summary.json, incidents.json,
scheduled-maintenances.json or components.json, or a page's base URL (then all of them
are fetched: from public addresses only, unless allow_private, and within one
deadline). Everything is read and checked before anything is written, and the writes
go through incidents.services in one transaction. Statuspage's ids become our public
ids, so importing again refreshes the same rows and old links keep their meaning.
"""

import contextlib
import datetime
import functools
import http.client
import ipaddress
import json
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from .. import services, validators
from ..models import (
    PUBLIC_ID_PATTERN,
    STATUSES_BY_KIND,
    Component,
    ComponentGroup,
    ComponentStatus,
    Impact,
    Incident,
    IncidentKind,
    IncidentUpdate,
)

FETCH_TIMEOUT = 20  # seconds for any one step: connecting, each read
IMPORT_DEADLINE = 60  # seconds for all the requests of one import
MAX_BYTES = 20 * 2**20
PAGE_DOCUMENTS = ["components.json", "incidents.json", "scheduled-maintenances.json"]
USER_AGENT = "statuspage-import/1 (Python urllib)"
_ID = re.compile(PUBLIC_ID_PATTERN)
_MISSING = object()


class SourceError(Exception):
    """The source cannot be read or is malformed; the message names the field."""


# Reading: documents from files and URLs.


def load(source: str, *, allow_private: bool = False) -> list[tuple[str, object]]:
    """The JSON documents of a source, as (name, data)."""
    if urlsplit(source).scheme in ("http", "https"):
        with _WebSession(allow_private=allow_private) as web:
            web.check_source(source)
            path = urlsplit(source).path
            if path.endswith(".json"):
                return [(source, _parse(source, web.fetch(source)))]
            base = re.sub(r"/(api/v2/?)?$", "", source.rstrip("/") + "/")
            urls = [f"{base}/api/v2/{name}" for name in PAGE_DOCUMENTS]
            return [(url, _parse(url, web.fetch(url))) for url in urls]
    if "://" in source:
        raise SourceError(f"{source}: only files and http(s) URLs can be imported.")
    return [(source, _parse(source, _read_file(source)))]


class _Refused(OSError):
    """An address the import may not connect to."""


def non_public(host: str, port: int = 80) -> str | None:
    """Why `host` is not on the public internet ("127.0.0.1 is a loopback address"), or
    None if every address it resolves to is public."""
    for address in _resolve(host, port):
        if kind := _address_kind(address):
            return _described(host, address, kind)
    return None


def _described(host: str, address, kind: str) -> str:
    return f"{host} is {kind}" if str(address) == host else f"{host} is {address}, {kind}"


def _resolve(host: str, port: int) -> list:
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # An IPv6 address may carry its zone ("fe80::1%eth0"); the address is what counts.
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in found]


def _address_kind(address) -> str | None:
    if getattr(address, "ipv4_mapped", None):  # ::ffff:127.0.0.1 is 127.0.0.1
        address = address.ipv4_mapped
    if address.is_unspecified:
        return "the unspecified address, which reaches this machine"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_private:
        return "a private address"
    if not address.is_global or address.is_multicast:
        return "not a public address"
    return None


def _host_and_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise _Refused("not a valid port.") from None
    return parts.hostname or "", port or (443 if parts.scheme == "https" else 80)


class _WebSession:
    """One import's requests: each connection is to a public address (or to the host
    named with --allow-private), redirects stay on the web, and all of it ends within
    IMPORT_DEADLINE, however slowly a server drips its bytes (name lookups aside: they
    take as long as the system's resolver allows). Proxies from the environment are not
    used: the address connected to is the one checked."""

    def __init__(self, *, allow_private: bool):
        self.allow_private = allow_private
        self.allowed = set()  # private addresses of the host the operator named
        self._ends = time.monotonic() + IMPORT_DEADLINE
        self._sockets = []
        self._timer = threading.Timer(IMPORT_DEADLINE, self._cut)
        self._timer.daemon = True
        connection = functools.partial(_CheckedConnection, session=self)
        tls_connection = functools.partial(_CheckedTLSConnection, session=self)
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            _Handler(connection),
            _TLSHandler(tls_connection),
            _CheckedRedirects(self),
        )

    def __enter__(self):
        self._timer.start()
        return self

    def __exit__(self, *exc):
        self._timer.cancel()

    def _cut(self):
        # At the deadline, shut every connection: a read blocked on a dripping server
        # returns at once (at the socket, below TLS, which may be mid-read).
        for sock in self._sockets:
            with contextlib.suppress(OSError):  # closed already
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def remaining(self) -> float:
        return max(self._ends - time.monotonic(), 0.0)

    @property
    def expired(self) -> bool:
        return self.remaining() == 0

    def check_source(self, url: str) -> None:
        """Refuse a source on a private network up front, unless --allow-private."""
        try:
            host, port = _host_and_port(url)
            if self.allow_private:
                self.allowed |= set(_resolve(host, port))
            elif reason := non_public(host, port):
                raise _Refused(
                    f"{reason}: the import reads only from public addresses "
                    "(--allow-private to read from this host)."
                )
        except OSError as error:
            raise SourceError(f"{url}: {error.strerror or error}") from None

    def check(self, host: str, port: int) -> list:
        """The addresses of `host` this import may connect to, or _Refused."""
        addresses = _resolve(host, port)
        for address in addresses:
            kind = _address_kind(address)
            if kind and address not in self.allowed:
                raise _Refused(
                    f"{_described(host, address, kind)}: the import reads only from public "
                    "addresses and the host it was given."
                )
        return addresses

    def connect(self, host: str, port: int, timeout) -> socket.socket:
        error = None
        for address in self.check(host, port):
            if self.expired:
                raise TimeoutError
            sock = socket.socket(socket.AF_INET6 if address.version == 6 else socket.AF_INET)
            sock.settimeout(min(timeout, self.remaining()))
            try:
                sock.connect((str(address), port))
            except OSError as failed:
                sock.close()
                error = failed
                continue
            self.keep(sock)
            return sock
        raise error or _Refused(f"{host}: no address.")

    def keep(self, sock) -> None:
        self._sockets.append(sock)
        if self.expired:
            self._cut()

    def fetch(self, url: str) -> bytes:
        request = urllib.request.Request(  # noqa: S310 (the scheme is http or https)
            url, headers={"Accept": "application/json", "User-Agent": USER_AGENT}
        )
        try:
            if self.expired:
                raise TimeoutError
            with self._opener.open(request, timeout=FETCH_TIMEOUT) as response:
                data = response.read(MAX_BYTES + 1)
        except urllib.error.HTTPError as error:
            raise SourceError(f"{url}: HTTP {error.code} {error.reason}") from None
        except (OSError, ValueError, http.client.HTTPException) as error:
            raise SourceError(f"{url}: {self._reason(error)}") from None
        if self.expired:  # the cut may have ended an unsized answer early, not in error
            raise SourceError(f"{url}: {self._reason(TimeoutError())}")
        return _limited(url, data)

    def _reason(self, error: Exception) -> str:
        if self.expired:
            return f"no complete answer within {IMPORT_DEADLINE} seconds."
        reason = getattr(error, "reason", error)  # URLError wraps the socket's error
        if isinstance(reason, TimeoutError):
            return f"no answer within {FETCH_TIMEOUT} seconds."
        return str(reason) or type(reason).__name__


class _CheckedConnection(http.client.HTTPConnection):
    def __init__(self, *args, session: _WebSession, **kwargs):
        super().__init__(*args, **kwargs)
        self._session = session
        self._create_connection = self._connect_checked

    def _connect_checked(self, address, timeout, source_address=None):
        return self._session.connect(*address, timeout)

    def connect(self):
        super().connect()
        self._session.keep(self.sock)  # with TLS, the wrapped socket


class _CheckedTLSConnection(_CheckedConnection, http.client.HTTPSConnection):
    pass


class _Handler(urllib.request.HTTPHandler):
    def __init__(self, connection):
        super().__init__()
        self._connection = connection

    def http_open(self, req):
        return self.do_open(self._connection, req)


class _TLSHandler(urllib.request.HTTPSHandler):
    def __init__(self, connection):
        super().__init__()
        self._connection = connection

    def https_open(self, req):
        return self.do_open(self._connection, req, context=self._context)


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects stay on the web (urllib would follow one to ftp://) and off private
    networks: a page must not send the import to an address it may not read."""

    def __init__(self, session: _WebSession):
        super().__init__()
        self._session = session

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urlsplit(newurl).scheme not in ("http", "https"):
            raise urllib.error.HTTPError(
                newurl, code, f"a redirect to {newurl} (only http and https)", headers, fp
            )
        try:
            self._session.check(*_host_and_port(newurl))
        except _Refused as refused:
            raise _Refused(f"refused a redirect to {newurl}: {refused}") from None
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _read_file(path: str) -> bytes:
    try:
        with Path(path).open("rb") as file:
            return _limited(path, file.read(MAX_BYTES + 1))
    except OSError as error:
        raise SourceError(f"{path}: {error.strerror}") from None


def _limited(name: str, data: bytes) -> bytes:
    if len(data) > MAX_BYTES:
        raise SourceError(f"{name}: larger than {MAX_BYTES // 2**20} MiB.")
    return data


def _parse(name: str, data: bytes) -> object:
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise SourceError(f"{name}: not UTF-8 text.") from None
    except json.JSONDecodeError as error:
        raise SourceError(
            f"{name}: not JSON ({error.msg} at line {error.lineno}, column {error.colno})."
        ) from None
    except ValueError:  # an integer longer than Python converts (sys.get_int_max_str_digits)
        raise SourceError(f"{name}: holds a number too long to read.") from None
    except RecursionError:
        raise SourceError(f"{name}: nested too deeply to read.") from None


# Checking: every field, with its path, into plain records.


@dataclass
class ChangeRecord:
    code: str
    name: str
    old_status: str
    new_status: str
    path: str


@dataclass
class UpdateRecord:
    public_id: str
    status: str
    body: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    display_at: datetime.datetime
    changes: list[ChangeRecord]
    path: str


@dataclass
class IncidentRecord:
    public_id: str
    kind: str
    title: str
    status: str
    impact: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    started_at: datetime.datetime
    monitoring_at: datetime.datetime | None
    resolved_at: datetime.datetime | None
    scheduled_for: datetime.datetime | None
    scheduled_until: datetime.datetime | None
    component_ids: list[str]
    updates: list[UpdateRecord]
    path: str


@dataclass
class ComponentRecord:
    public_id: str
    name: str
    status: str
    description: str
    position: int
    group_id: str | None
    start_date: datetime.date | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    is_group: bool
    path: str


@dataclass
class Plan:
    """What a source holds, checked: the records to write, keyed by their ids."""

    components: dict[str, ComponentRecord] = field(default_factory=dict)
    incidents: dict[str, IncidentRecord] = field(default_factory=dict)
    page_id: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def groups(self):
        return [c for c in self.components.values() if c.is_group]

    @property
    def members(self):
        return [c for c in self.components.values() if not c.is_group]


def plan(documents: list[tuple[str, object]]) -> Plan:
    """Check the documents and gather their records; raise SourceError at the first fault."""
    result, embedded = Plan(), {}
    for name, data in documents:
        prefix = f"{name}: " if len(documents) > 1 else ""
        try:
            _read_document(data, result, embedded)
        except SourceError as error:
            raise SourceError(f"{prefix}{error}") from None
    # Top-level component lists win over the copies embedded in incidents.
    result.components = embedded | result.components
    _check_names(result)
    _check_references(result)
    return result


def _read_document(data, result: Plan, embedded: dict) -> None:
    if not isinstance(data, dict) or not {
        "components",
        "incidents",
        "scheduled_maintenances",
    } & set(data):
        raise SourceError(
            "not a Statuspage document: expected components, incidents or "
            "scheduled_maintenances (summary.json, incidents.json, ...)."
        )
    page_id = data["page"].get("id") if isinstance(data.get("page"), dict) else None
    if isinstance(page_id, str) and _ID.fullmatch(page_id):  # printed as advice: an id only
        result.page_id = page_id
    for i, item in enumerate(_list(data, "components", "", default=[])):
        record = _component(item, f"components[{i}]")
        result.components[record.public_id] = record
    for key in ("incidents", "scheduled_maintenances"):
        for i, item in enumerate(_list(data, key, "", default=[])):
            record = _incident(item, f"{key}[{i}]", embedded)
            known = result.incidents.get(record.public_id)
            if known:  # the same incident in two documents: keep every update
                ids = {u.public_id for u in record.updates}
                record.updates += [u for u in known.updates if u.public_id not in ids]
            result.incidents[record.public_id] = record


def _component(item, path: str) -> ComponentRecord:
    _object(item, path)
    created_at = _time(item, "created_at", path)
    return ComponentRecord(
        public_id=_id(item, "id", path),
        name=_line(item, "name", path, max_length=100),
        status=_choice(item, "status", path, ComponentStatus.values, "a component status"),
        description=_text(item, "description", path, nullable=True) or "",
        position=_integer(item, "position", path, default=0),
        group_id=_id(item, "group_id", path, nullable=True, default=None),
        start_date=_date(item, "start_date", path),
        created_at=created_at,
        updated_at=_time(item, "updated_at", path, default=created_at),
        is_group=_boolean(item, "group", path, default=False),
        path=path,
    )


def _incident(item, path: str, embedded: dict) -> IncidentRecord:
    _object(item, path)
    kind = _kind(item)
    statuses = [str(s) for s in STATUSES_BY_KIND[kind]]
    what = "a status of a maintenance" if kind == IncidentKind.MAINTENANCE else "an incident status"
    created_at = _time(item, "created_at", path)
    component_ids = []
    for i, component in enumerate(_list(item, "components", path, default=[])):
        record = _component(component, f"{path}.components[{i}]")
        embedded[record.public_id] = record
        component_ids.append(record.public_id)
    updates = [
        _update(update, f"{path}.incident_updates[{i}]", statuses, what)
        for i, update in enumerate(_list(item, "incident_updates", path))
    ]
    if not updates:
        raise SourceError(f"{path}.incident_updates: an incident needs at least one update.")
    window = _window(item, path, kind)
    return IncidentRecord(
        public_id=_id(item, "id", path),
        kind=kind,
        title=_line(item, "name", path, max_length=200),
        status=_choice(item, "status", path, statuses, what),
        impact=_impact(item, path, kind),
        created_at=created_at,
        updated_at=_time(item, "updated_at", path, default=created_at),
        started_at=_time(item, "started_at", path, nullable=True, default=None) or created_at,
        monitoring_at=_time(item, "monitoring_at", path, nullable=True, default=None),
        resolved_at=_time(item, "resolved_at", path, nullable=True, default=None),
        scheduled_for=window[0],
        scheduled_until=window[1],
        component_ids=component_ids,
        updates=updates,
        path=path,
    )


def _kind(item: dict) -> str:
    maintenance = item.get("impact") == "maintenance" or item.get("scheduled_for") is not None
    return IncidentKind.MAINTENANCE if maintenance else IncidentKind.INCIDENT


def _impact(item: dict, path: str, kind: str) -> str:
    if kind == IncidentKind.MAINTENANCE and item.get("impact") in ("maintenance", None):
        return Impact.NONE  # served as "maintenance" again, like every maintenance
    return _choice(item, "impact", path, Impact.values, "an impact")


def _window(item: dict, path: str, kind: str):
    if kind != IncidentKind.MAINTENANCE:
        return None, None
    start, end = _time(item, "scheduled_for", path), _time(item, "scheduled_until", path)
    if end <= start:
        raise SourceError(f"{path}.scheduled_until: {end.isoformat()} is not after scheduled_for.")
    return start, end


def _update(item, path: str, statuses: list[str], what: str) -> UpdateRecord:
    _object(item, path)
    created_at = _time(item, "created_at", path)
    changes = [
        _change(change, f"{path}.affected_components[{i}]")
        for i, change in enumerate(
            _list(item, "affected_components", path, nullable=True, default=None) or []
        )
    ]
    return UpdateRecord(
        public_id=_id(item, "id", path),
        status=_choice(item, "status", path, statuses, what),
        body=_text(item, "body", path, nullable=True) or "",
        created_at=created_at,
        updated_at=_time(item, "updated_at", path, default=created_at),
        display_at=_time(item, "display_at", path, nullable=True, default=None) or created_at,
        changes=changes,
        path=path,
    )


def _change(item, path: str) -> ChangeRecord:
    _object(item, path)
    statuses, what = ComponentStatus.values, "a component status"
    return ChangeRecord(
        code=_id(item, "code", path),
        name=_line(item, "name", path, nullable=True, default="", blank=True) or "",
        old_status=_choice(item, "old_status", path, statuses, what),
        new_status=_choice(item, "new_status", path, statuses, what),
        path=path,
    )


def _check_names(result: Plan) -> None:
    """Names are unique here, but Statuspage repeats them across groups ("API" in "Europe"
    and in "North America"): such a name gets its group's, "API (Europe)", and keeps it."""
    group_names = {g.public_id: g.name for g in result.groups} | dict(
        ComponentGroup.objects.filter(
            public_id__in={c.group_id for c in result.members if c.group_id}
        ).values_list("public_id", "name")
    )
    for records, model in ((result.groups, ComponentGroup), (result.members, Component)):
        ids = [r.public_id for r in records]
        current = dict(model.objects.filter(public_id__in=ids).values_list("public_id", "name"))
        others = dict(model.objects.exclude(public_id__in=ids).values_list("name", "public_id"))
        counts = Counter(r.name for r in records)
        for record in records:
            group = group_names.get(record.group_id or "")
            qualified = f"{record.name} ({group})"[:100] if group else None
            clash = counts[record.name] > 1 or record.name in others
            if qualified and (clash or current.get(record.public_id) == qualified):
                record.name = qualified
        _refuse_duplicate_names(records, others, model)


def _refuse_duplicate_names(records, others: dict, model) -> None:
    seen = {}
    for record in records:
        if record.name in seen:
            raise SourceError(
                f"{record.path}.name: '{record.name}' is also the name of {seen[record.name]}."
            )
        if record.name in others:
            raise SourceError(
                f"{record.path}.name: '{record.name}' is already the name of another "
                f"{model._meta.verbose_name} here ({others[record.name]}); rename one of them."
            )
        seen[record.name] = record.path


def _check_references(result: Plan) -> None:
    """Drop (with a warning) changes of components that are neither imported nor here."""
    codes = {c.code for i in result.incidents.values() for u in i.updates for c in u.changes}
    known = set(result.components) | set(
        Component.objects.filter(public_id__in=codes).values_list("public_id", flat=True)
    )
    for incident in result.incidents.values():
        for update in incident.updates:
            for change in [c for c in update.changes if c.code not in known]:
                result.warnings.append(
                    f"{change.path}.code: unknown component '{change.code}' ({change.name}); "
                    "this change is left out."
                )
                update.changes.remove(change)


# Writing: through the services, in one transaction.


def describe(checked: Plan, *, dry_run: bool) -> list[str]:
    """One line per group, component and incident: what is (or would be) written."""
    verbs = ("would create", "would update") if dry_run else ("created", "updated")
    existing = _existing_ids(checked)
    lines = [
        f"{verbs[r.public_id in existing]} {'group' if r.is_group else 'component'} "
        f"'{r.name}' ({r.public_id})"
        for r in [*checked.groups, *checked.members]
    ]
    for record in _oldest_first(checked.incidents.values()):
        new = sum(u.public_id not in existing for u in record.updates)
        lines.append(
            f"{verbs[record.public_id in existing]} {record.kind} '{record.title}' "
            f"({record.public_id}), {record.status}: {_updates(len(record.updates))}, {new} new"
        )
    return lines


def _updates(count: int) -> str:
    return f"{count} update" if count == 1 else f"{count} updates"


def _existing_ids(checked: Plan) -> set[str]:
    updates = [u.public_id for i in checked.incidents.values() for u in i.updates]
    querysets = [
        ComponentGroup.objects.filter(public_id__in=[g.public_id for g in checked.groups]),
        Component.objects.filter(public_id__in=[c.public_id for c in checked.members]),
        Incident.objects.filter(public_id__in=list(checked.incidents)),
        IncidentUpdate.objects.filter(public_id__in=updates),
    ]
    return {pk for qs in querysets for pk in qs.values_list("public_id", flat=True)}


def _oldest_first(records):
    return sorted(records, key=lambda r: (r.created_at, r.public_id))


def apply(checked: Plan) -> None:
    """Write everything, or nothing: one transaction, through incidents.services."""
    with transaction.atomic():
        groups = {g.public_id: _group(g) for g in checked.groups}
        components = {c.public_id: _member(c, groups) for c in checked.members}
        components |= {c.public_id: c for c in _referenced_components(checked, components)}
        for record in _oldest_first(checked.incidents.values()):
            _write_incident(record, components)


def _group(record: ComponentRecord) -> ComponentGroup:
    return _service(
        record.path,
        services.group_import,
        public_id=record.public_id,
        name=record.name,
        description=record.description,
        position=record.position,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


def _member(record: ComponentRecord, groups: dict) -> Component:
    group = groups.get(record.group_id)
    if group is None and record.group_id:
        group = ComponentGroup.objects.filter(public_id=record.group_id).first()
    return _service(
        record.path,
        services.component_import,
        public_id=record.public_id,
        name=record.name,
        status=record.status,
        description=record.description,
        position=record.position,
        group=group,
        start_date=record.start_date,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


def _referenced_components(checked: Plan, imported: dict) -> list[Component]:
    """Components that posts refer to, already here but not in this import."""
    codes = {c.code for i in checked.incidents.values() for u in i.updates for c in u.changes}
    return list(Component.objects.filter(public_id__in=codes - set(imported)))


def _write_incident(record: IncidentRecord, components: dict) -> None:
    incident = _service(
        record.path,
        services.incident_import,
        public_id=record.public_id,
        kind=record.kind,
        title=record.title,
        status=record.status,
        impact=record.impact,
        created_at=record.created_at,
        updated_at=record.updated_at,
        started_at=record.started_at,
        monitoring_at=record.monitoring_at,
        resolved_at=record.resolved_at,
        scheduled_for=record.scheduled_for,
        scheduled_until=record.scheduled_until,
        components=[components[pk] for pk in record.component_ids if pk in components],
    )
    for update in sorted(record.updates, key=lambda u: (u.display_at, u.created_at)):
        _service(
            update.path,
            services.update_import,
            incident=incident,
            public_id=update.public_id,
            status=update.status,
            body=update.body,
            created_at=update.created_at,
            updated_at=update.updated_at,
            display_at=update.display_at,
            component_changes=[
                (components[c.code], c.old_status, c.new_status) for c in update.changes
            ],
        )


def _service(path: str, function, **kwargs):
    """Call a service; name the record's path in any error (the transaction rolls back)."""
    try:
        return function(**kwargs)
    except ValidationError as error:
        raise SourceError(f"{path}: {' '.join(_messages(error))}") from None
    except IntegrityError as error:
        raise SourceError(f"{path}: conflicts with data already here ({error}).") from None


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [
            f"{name}: {message}" if name != "__all__" else message
            for name, messages in error
            for message in messages
        ]
    return error.messages


# The field readers: each names the path of what it refuses.


def _object(item, path: str) -> dict:
    if not isinstance(item, dict):
        raise SourceError(f"{path}: expected an object, not {_show(item)}.")
    return item


def _at(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _value(item: dict, key: str, path: str, types, kind: str, nullable: bool, default):
    if key not in item:
        if default is not _MISSING:
            return default
        raise SourceError(f"{_at(path, key)}: missing.")
    value = item[key]
    if value is None and nullable:
        return None
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
        raise SourceError(f"{_at(path, key)}: expected {kind}, not {_show(value)}.")
    return value


def _text(
    item,
    key,
    path,
    *,
    nullable=False,
    default=_MISSING,
    max_length=None,
    blank=True,
    validate=validators.validate_text,
):
    value = _value(item, key, path, (str,), "a string", nullable, default)
    if value is None:
        return value
    try:
        validate(value)  # the rule of every other way in, before anything is written
    except ValidationError as error:
        raise SourceError(f"{_at(path, key)}: {error.messages[0]}") from None
    if max_length and len(value) > max_length:
        raise SourceError(f"{_at(path, key)}: longer than {max_length} characters.")
    if not blank and not value.strip():
        raise SourceError(f"{_at(path, key)}: empty.")
    return value


def _line(item, key, path, *, blank=False, **kwargs):
    """A name or a title: one line of text."""
    return _text(item, key, path, blank=blank, validate=validators.validate_line, **kwargs)


def _id(item, key, path, *, nullable=False, default=_MISSING):
    value = _value(item, key, path, (str,), "an id (a string)", nullable, default)
    if value is not None and not _ID.fullmatch(value):
        raise SourceError(f"{_at(path, key)}: {_show(value)} is not an id (letters and digits).")
    return value


def _choice(item, key, path, choices, what):
    value = _value(item, key, path, (str,), "a string", False, _MISSING)
    if value not in choices:
        raise SourceError(
            f"{_at(path, key)}: {_quoted(value)} is not {what} ({', '.join(choices)})."
        )
    return value


def _integer(item, key, path, *, default=_MISSING):
    return _value(item, key, path, (int,), "a whole number", False, default)


def _boolean(item, key, path, *, default=_MISSING):
    return _value(item, key, path, (bool,), "true or false", False, default)


def _list(item, key, path, *, nullable=False, default=_MISSING):
    return _value(item, key, path, (list,), "a list", nullable, default)


def _time(item, key, path, *, nullable=False, default=_MISSING):
    value = _value(item, key, path, (str,), "a time (ISO 8601)", nullable, default)
    if not isinstance(value, str):
        return value
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise SourceError(
            f"{_at(path, key)}: {_quoted(value)} is not an ISO 8601 time with a zone."
        )
    try:
        validators.validate_time(parsed)
    except ValidationError as error:
        raise SourceError(f"{_at(path, key)}: {error.messages[0]}") from None
    return parsed


def _date(item, key, path):
    value = _value(item, key, path, (str,), "a date (YYYY-MM-DD)", True, None)
    try:
        return value and datetime.date.fromisoformat(value)
    except ValueError:
        raise SourceError(
            f"{_at(path, key)}: {_quoted(value)} is not a date (YYYY-MM-DD)."
        ) from None


def _quoted(value: str) -> str:
    """A text value in quotes for a one-line message: control characters escaped."""
    text = json.dumps(value)[1:-1]
    return f"'{text}'" if len(text) <= 60 else f"'{text[:57]}...'"


def _show(value) -> str:
    if isinstance(value, (dict, list)):  # never written out whole: it may be huge or deep
        return "an object" if isinstance(value, dict) else "a list"
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."
