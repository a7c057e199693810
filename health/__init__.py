"""/healthz: what works and what does not, from checks each app registers in its
AppConfig.ready() (the database, the worker, the mail queue, ...).

A check returns a dict with "ok" (and "error" when not ok, plus any figures). Checks run
in the order they were registered. When a check registered as `required` fails (the
database's), the checks after it are not run: each would only wait for it in turn.
"""

from collections.abc import Callable

from django.db import DatabaseError

Check = Callable[[], dict]
_checks: dict[str, tuple[Check, bool]] = {}


def register(name: str, check: Check, *, required: bool = False) -> None:
    _checks[name] = (check, required)


def report() -> dict[str, dict]:
    results = {}
    for name, (check, required) in _checks.items():
        try:
            results[name] = check()
        except DatabaseError as error:
            results[name] = {"ok": False, "error": f"the database failed: {error}"}
        if required and not results[name]["ok"]:
            break
    return results
