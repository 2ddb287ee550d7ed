"""Moscow time, the one clock of the statistics (spec: «Все операции проходят по московскому времени»).

Moscow time is UTC+3 all year (no daylight saving time since 2014). Times are kept to the second
(spec: «тип datetime – дата с точностью до секунды») as naive Moscow datetimes; in storage keys they
are `YYYY-MM-DDTHH:MM:SS` strings, which sort as the times do; in results they carry their offset,
`2013-04-30T10:00:00+03:00`, so that every client reads the same instant.
"""

import re
from datetime import date, datetime, timedelta, timezone

from partnerapi.errors import InvalidParameter
from partnerapi.logic.values import blank_to_none

MOSCOW = timezone(timedelta(hours=3), "MSK")
MOSCOW_OFFSET = "+03:00"
KEY_FORMAT = "%Y-%m-%dT%H:%M:%S"

# YYYY-MM-DD, optionally with a time (hh:mm:ss[.fraction]) and/or an offset (Z, ±hh:mm): xs:dateTime,
# xs:date and the three forms of the spec («2012-09-14T00:00:00.000+06:00», «…000», «…00»).
_DATETIME_FORM = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:T(?P<time>\d{2}:\d{2}:\d{2})(?P<fraction>\.\d{1,9})?)?"
    r"(?P<offset>Z|[+-]\d{2}:\d{2})?$"
)


def _invalid(parameter: str, text: str) -> InvalidParameter:
    return InvalidParameter(
        f"Значение параметра {parameter} «{text[:50]}» не является датой и временем. "
        "Допустимые форматы: 2012-09-14T00:00:00, 2012-09-14T00:00:00.000, 2012-09-14T00:00:00.000+06:00, 2012-09-14"
    )


def parse_instant(text: str) -> tuple[datetime, bool] | None:
    """(naive Moscow time, whether a fraction of a second was cut off), or None when `text` is not a
    datetime. An offset converts the time to Moscow time; no offset means the time is Moscow time."""
    match = _DATETIME_FORM.match(text.strip())
    if not match:
        return None
    offset = match.group("offset")
    try:
        moment = datetime.fromisoformat(f"{match.group('date')}T{match.group('time') or '00:00:00'}")
        if offset:
            zone = timezone.utc if offset == "Z" else _offset(offset)
            if zone is None:
                return None
            moment = moment.replace(tzinfo=zone).astimezone(MOSCOW).replace(tzinfo=None)
    except (ValueError, OverflowError):
        return None
    fraction = match.group("fraction")
    return moment, bool(fraction and int(fraction[1:]))


def _offset(text: str) -> timezone | None:
    hours, minutes = int(text[1:3]), int(text[4:6])
    if hours > 14 or minutes > 59:  # UTC offsets run from -14:00 to +14:00
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if text[0] == "-" else delta)


def parse_bound(value: str | None, parameter: str, upper: bool) -> datetime | None:
    """A window bound in Moscow time, to the second: a lower bound with a fraction of a second is
    rounded up and an upper bound down, so that a record (kept to the second) is inside the window
    exactly when its start lies between the bounds as given. Blank means not given."""
    text = blank_to_none(value)
    if text is None:
        return None
    parsed = parse_instant(text)
    if parsed is None:
        raise _invalid(parameter, text)
    moment, cut = parsed
    return moment + timedelta(seconds=1) if cut and not upper else moment


def key_time(moment: datetime) -> str:
    """The sortable form used in keys: `2013-04-30T10:00:00` (Moscow)."""
    return moment.strftime(KEY_FORMAT)


def month_of(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def months_between(first: datetime, last: datetime) -> list[str]:
    """`YYYY-MM` of every calendar month from first's to last's, both included."""
    year, month, months = first.year, first.month, []
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def result_time(stored: str) -> str:
    """A stored Moscow time as a result value: `2013-04-30T10:00:00+03:00`."""
    return f"{stored}{MOSCOW_OFFSET}"


def now() -> datetime:
    """The current Moscow time (naive), to the second."""
    return datetime.now(MOSCOW).replace(tzinfo=None, microsecond=0)


def today() -> date:
    return now().date()


def minus_calendar_months(day: date, months: int) -> date:
    """The same day `months` calendar months earlier, clamped to the end of a shorter month
    (spec: «30.04.2013 — 2 мес = 28.02.2013, 16.05.2013 — 2 мес = 16.03.2013»)."""
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    next_month = date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_month - timedelta(days=1)).day
    return date(year, month, min(day.day, last_day))
