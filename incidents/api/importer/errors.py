"""What the import says when it refuses a source: one line that names the field."""

import json

from pydantic import ValidationError

from ...models import IncidentKind


class SourceError(Exception):
    """The source cannot be read or is malformed; the message names the field."""


# Pydantic's own refusals of a value's type, in our words: what the field expected.
_EXPECTED = {
    "string_type": "a string",
    "int_type": "a whole number",
    "bool_type": "true or false",
    "list_type": "a list",
    "model_type": "an object",
    "dict_type": "an object",
}
# Where an incident or a maintenance is read, pydantic's path names the one it chose.
_KINDS = frozenset(IncidentKind.values)
_SINGLE = frozenset({"incident", "scheduled_maintenance"})  # the fields of one incident


def first_fault(error: ValidationError) -> SourceError:
    """The first fault pydantic found, as "incidents[0].incident_updates[3].id: missing."."""
    fault = error.errors(include_url=False)[0]
    return SourceError(f"{field_path(fault['loc'])}: {_wording(fault)}")


def field_path(loc: tuple) -> str:
    """("incidents", 0, "incident", "name") -> "incidents[0].name"; the kind chosen for a
    single incident goes too: ("incident", "incident", "name") -> "incident.name"."""
    path, previous = "", None
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif not (part in _KINDS and (isinstance(previous, int) or previous in _SINGLE)):
            path += f".{part}" if path else part
        previous = part
    return path


def _wording(fault) -> str:
    kind = fault["type"]
    if kind == "missing":
        return "missing."
    # Field types of ours name what they expect ("an id (a string)") in a wrong_type.
    expected = fault["ctx"]["expected"] if kind == "wrong_type" else _EXPECTED.get(kind)
    if expected:
        return f"expected {expected}, not {show(fault['input'])}."
    return fault["msg"]  # a refusal of ours, worded where it was raised (fields.py)


def quoted(value: str) -> str:
    """A text value in quotes for a one-line message: control characters escaped."""
    text = json.dumps(value)[1:-1]
    return f"'{text}'" if len(text) <= 60 else f"'{text[:57]}...'"


def show(value) -> str:
    if isinstance(value, (dict, list)):  # never written out whole: it may be huge or deep
        return "an object" if isinstance(value, dict) else "a list"
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."
