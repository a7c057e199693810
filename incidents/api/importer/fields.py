"""The types of the documents' fields: strict (a number is not a string, true is not a
number, a time has a zone), held to the rules of every other way in (validators.py), and
refusing in our words. Pydantic's own refusals are worded in errors.py."""

import datetime
import re
from typing import Annotated

from django.core.exceptions import ValidationError
from pydantic import AfterValidator, BeforeValidator, PlainValidator, Strict
from pydantic_core import PydanticCustomError

from ... import validators
from ...models import CHANGE_NAME_LENGTH, PUBLIC_ID_PATTERN, Component, Incident
from .errors import quoted, show

_ID = re.compile(PUBLIC_ID_PATTERN)


def refused(message: str) -> PydanticCustomError:
    # With no context pydantic keeps the message as it is: braces from the input stay text.
    return PydanticCustomError("refused", message)


def _expect(value, expected: str, json_type: type) -> None:
    if not isinstance(value, json_type):
        raise PydanticCustomError("wrong_type", "expected {expected}", {"expected": expected})


def is_id(value) -> bool:
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def _id(value) -> str:
    _expect(value, "an id (a string)", str)
    if not is_id(value):
        raise refused(f"{show(value)} is not an id (letters and digits).")
    return value


def _time(value) -> datetime.datetime:
    _expect(value, "a time (ISO 8601)", str)
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise refused(f"{quoted(value)} is not an ISO 8601 time with a zone.")
    _apply(validators.validate_time, parsed)
    return parsed


def _date(value) -> datetime.date:
    _expect(value, "a date (YYYY-MM-DD)", str)
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise refused(f"{quoted(value)} is not a date (YYYY-MM-DD).") from None


def _apply(rule, value) -> None:
    """Apply a rule of validators.py, the one every other way in applies."""
    try:
        rule(value)
    except ValidationError as error:
        raise refused(error.messages[0]) from None


def _text_type(rule, *, max_length: int | None = None, blank: bool = True):
    def check(value: str) -> str:
        _apply(rule, value)
        if max_length and len(value) > max_length:
            raise refused(f"longer than {max_length} characters.")
        if not blank and not value.strip():
            raise refused("empty.")
        return value

    return Annotated[str, Strict(), AfterValidator(check)]


def _null_is_empty(value):
    return "" if value is None else value


def choice(values: list[str], what: str):
    """One of `values`, or "'on_fire' is not a component status (operational, ...)"."""

    def check(value: str) -> str:
        if value not in values:
            raise refused(f"{quoted(value)} is not {what} ({', '.join(values)}).")
        return value

    return Annotated[str, Strict(), AfterValidator(check)]


Id = Annotated[str, PlainValidator(_id)]
Time = Annotated[datetime.datetime, PlainValidator(_time)]
Date = Annotated[datetime.date, PlainValidator(_date)]
# Bodies, descriptions (Text) and the name a change repeats (ChangeName): null is none ("").
Text = Annotated[_text_type(validators.validate_text), BeforeValidator(_null_is_empty)]
ChangeName = Annotated[
    _text_type(validators.validate_line, max_length=CHANGE_NAME_LENGTH),
    BeforeValidator(_null_is_empty),
]
# Names and titles: one line, not blank, no longer than the database keeps.
_NAME_LENGTH = Component._meta.get_field("name").max_length
_TITLE_LENGTH = Incident._meta.get_field("title").max_length
Name = _text_type(validators.validate_line, max_length=_NAME_LENGTH, blank=False)
Title = _text_type(validators.validate_line, max_length=_TITLE_LENGTH, blank=False)
