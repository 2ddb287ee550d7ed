"""Validity periods of contracts, contract services and subscriptions.

Items store dates as ISO strings; an end of 0001-01-01 (1C's «пустая дата») is open-ended, as the spec
shows it («Если договор бессрочный то 01.01.0001»).
"""

from datetime import date

from partnerapi.errors import InvalidParameter
from partnerapi.logic.values import EMPTY_DATE, parse_date


def stored(value: str) -> date:
    return date.fromisoformat(value)


def is_open(end: date) -> bool:
    return end == EMPTY_DATE


def in_force_on(start: date, end: date, day: date) -> bool:
    return start <= day and (is_open(end) or end >= day)


def ends_before(end: date, day: date) -> bool:
    return not is_open(end) and end < day


def covers(start: date, end: date, period_start: date | None, period_end: date | None) -> bool:
    """The date filters of the services group (docs/spec-notes.md S8): a row is selected when it is in
    force on the given start day and on the given end day, i.e. throughout the asked period."""
    return all(in_force_on(start, end, day) for day in (period_start, period_end) if day is not None)


def given_date(value: str | None, parameter: str) -> date | None:
    """A date parameter; nil, omitted, blank and the empty date 0001-01-01 all mean "not given"."""
    parsed = parse_date(value, parameter)
    return None if parsed is None or parsed == EMPTY_DATE else parsed


def filter_period(start: str | None, end: str | None, start_name: str, end_name: str) -> tuple[date | None, date | None]:
    period_start, period_end = given_date(start, start_name), given_date(end, end_name)
    if period_start is not None and period_end is not None and period_start > period_end:
        raise InvalidParameter(f"Дата {start_name} ({period_start.isoformat()}) позже даты {end_name} ({period_end.isoformat()})")
    return period_start, period_end


def check_order(start: date, end: date, start_name: str, end_name: str) -> None:
    if not is_open(end) and end < start:
        raise InvalidParameter(f"Дата окончания {end_name} ({end.isoformat()}) раньше даты начала {start_name} ({start.isoformat()})")
