"""Reading a source: its JSON documents, from a file or from http(s) URLs (web.py)."""

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from .errors import SourceError
from .web import WebSession

MAX_BYTES = 20 * 2**20
PAGE_DOCUMENTS = ["components.json", "incidents.json", "scheduled-maintenances.json"]


def load(source: str, *, allow_private: bool = False) -> list[tuple[str, object]]:
    """The JSON documents of a source, as (name, data)."""
    if urlsplit(source).scheme in ("http", "https"):
        with WebSession(allow_private=allow_private) as web:
            web.check_source(source)
            path = urlsplit(source).path
            if path.endswith(".json"):
                return [(source, _parse(source, _fetch(web, source)))]
            base = re.sub(r"/(api/v2/?)?$", "", source.rstrip("/") + "/")
            urls = [f"{base}/api/v2/{name}" for name in PAGE_DOCUMENTS]
            return [(url, _parse(url, _fetch(web, url))) for url in urls]
    if "://" in source:
        raise SourceError(f"{source}: only files and http(s) URLs can be imported.")
    return [(source, _parse(source, _read_file(source)))]


def _fetch(web: WebSession, url: str) -> bytes:
    return _limited(url, web.fetch(url, max_bytes=MAX_BYTES))


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
