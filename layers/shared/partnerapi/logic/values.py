"""Validation of scalar parameters shared by every operation (spec section 4, «Примечания»)."""

import re
from datetime import date, datetime

from partnerapi.errors import InvalidParameter, MissingParameter

# YYYY-MM-DD, optionally followed by a time (hh:mm:ss[.fff]) and/or an offset (Z, ±hh:mm):
# covers xs:date, xs:dateTime and the three forms the spec lists.
_DATE_FORM = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:T(?P<time>\d{2}:\d{2}:\d{2})(?P<fraction>\.\d{1,9})?)?"
    r"(?P<offset>Z|[+-](?P<offset_hours>\d{2}):(?P<offset_minutes>\d{2}))?$"
)
EMPTY_DATE = date(1, 1, 1)  # 1C's «пустая дата»


def blank_to_none(value: str | None) -> str | None:
    """A reference made of spaces counts as not given (spec: «строка из пробелов … считается что значение не указано»)."""
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


def require(value: str | None, message: str) -> str:
    """A mandatory reference or value: nil, omitted and blank all get the documented fault."""
    value = blank_to_none(value)
    if value is None:
        raise MissingParameter(message)
    return value


def parse_date(value: str | None, parameter: str) -> date | None:
    """`YYYY-MM-DD` or the spec's datetime forms («2012-09-14T00:00:00.000+06:00», «…000», «…00»).

    The date is taken as written, in the caller's own offset. Blank means not given.
    """
    text = blank_to_none(value)
    if text is None:
        return None
    match = _DATE_FORM.match(text)
    if match and match.group("offset_hours") and (int(match.group("offset_hours")) > 14 or int(match.group("offset_minutes")) > 59):
        match = None  # UTC offsets run from -14:00 to +14:00
    if match:
        try:
            parsed = date.fromisoformat(match.group("date"))
            if match.group("time"):
                datetime.fromisoformat(f"{match.group('date')}T{match.group('time')}")
            return parsed
        except ValueError:
            pass
    raise InvalidParameter(
        f"Значение параметра {parameter} «{text}» не является датой. "
        "Допустимые форматы: 2012-09-14, 2012-09-14T00:00:00, 2012-09-14T00:00:00.000, 2012-09-14T00:00:00.000+06:00"
    )


def parse_flag(value: str | bool | None, parameter: str) -> bool | None:
    """xs:boolean, strictly: `true`/`1`, `false`/`0`; blank means not given; anything else is refused."""
    if isinstance(value, bool):
        return value
    text = blank_to_none(value)
    if text is None:
        return None
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise InvalidParameter(f"Значение параметра {parameter} «{text[:50]}» не является логическим: допустимы true, false, 1, 0")


def cut(value: str | None, length: int) -> str | None:
    """Strings longer than the documented maximum are cut, never refused."""
    return None if value is None else value[:length]
