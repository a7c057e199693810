"""What a text or a time of the status page may hold: one rule for every way in.

Titles, headlines, messages and the names and descriptions of components and groups
end up in XML (RSS, Atom, SVG badges), JSON, iCalendar and mail. XML 1.0 has no place
for C0 control characters (but tab, line feed and carriage return), lone surrogates
(which UTF-8 cannot encode either) or U+FFFE and U+FFFF: one of them makes a whole
feed unreadable to a strict parser. PostgreSQL refuses NUL. A time within a day of
year 1 or 9999 overflows in some time zone, on its way to the database or to a page.
"""

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError

_NOT_IN_XML = "\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff"
# DEL is allowed in XML, but no one types it on purpose.
_FORBIDDEN = re.compile(f"[{_NOT_IN_XML}\x7f]")
# Names, titles and headlines are one line: no line break of any kind, no tab.
_FORBIDDEN_IN_LINE = re.compile(f"[{_NOT_IN_XML}\x7f\t\n\r\x85\u2028\u2029]")
_LINE_BREAKS = "\n\r\x85\u2028\u2029"
_EARLIEST = datetime.datetime(1, 1, 2, tzinfo=datetime.UTC)
_LATEST = datetime.datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=datetime.UTC)


def validate_text(value: str) -> None:
    """Refuse what no feed, badge or calendar can carry; line breaks and tabs are fine."""
    _refuse(_FORBIDDEN.search(value))


def validate_line(value: str) -> None:
    """Refuse the same as validate_text, and line breaks and tabs."""
    _refuse(_FORBIDDEN_IN_LINE.search(value))


def cleaned_text(value: str) -> str:
    """`value` with what validate_text refuses replaced by U+FFFD, for text written by
    machines (monitoring alerts), which is to be shown rather than refused."""
    return _FORBIDDEN.sub("\ufffd", value)


def cleaned_line(value: str) -> str:
    """`value` as one line that validate_line accepts: line breaks and tabs become
    spaces, runs of spaces one, and the rest it refuses U+FFFD."""
    value = " ".join(re.split(f"[\\s{_LINE_BREAKS}]+", value)).strip()
    return _FORBIDDEN_IN_LINE.sub("\ufffd", value)


def validate_time(value: datetime.datetime) -> None:
    """Refuse a time that some time zone cannot show: it would overflow on its way."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    try:
        in_range = _EARLIEST <= value.astimezone(datetime.UTC) <= _LATEST
    except OverflowError:  # too close to year 1 or 9999 to be written in UTC
        in_range = False
    if not in_range:
        raise ValidationError(
            f"{value.isoformat()} is out of range: a time must lie between the years 1 "
            "and 9999 in every time zone.",
            code="out_of_range",
        )


def _refuse(match: re.Match | None) -> None:
    if match:
        raise ValidationError(
            f"{describe(match.group())} is not allowed here.", code="forbidden_character"
        )


def describe(char: str) -> str:
    """A character in words an operator can look for: "A line break (U+2028)"."""
    point = f"U+{ord(char):04X}"
    if char in _LINE_BREAKS:
        return f"A line break ({point})"
    if char == "\t":
        return f"A tab ({point})"
    if unicodedata.category(char) == "Cs":
        return f"A lone surrogate ({point}, not a character)"
    if unicodedata.category(char) == "Cc":
        return f"A control character ({point})"
    return f"The non-character {point}"
