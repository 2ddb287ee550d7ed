"""The statistics group: calls, remote-access sessions and SIP calls of the current partner.

Records are written by the ingest function (logic/ingest.py) into one partition per partner, kind
and Moscow calendar month, sorted by start time (data/keys.py). A window is one Query with
`SK BETWEEN` per month it touches, following every page: an unfiltered window reads exactly the
records it returns. The filters (client, agents, service type, abonent) are FilterExpressions: a
filtered window reads every record of the window and returns those that match.
"""

from collections.abc import Callable, Iterator
from datetime import date, datetime
from datetime import time as clock

from partnerapi.data import blobs, keys, table
from partnerapi.errors import InvalidParameter, ResponseTooLarge
from partnerapi.logic import moscow_time
from partnerapi.logic.moscow_time import key_time, month_of, months_between, parse_bound, result_time
from partnerapi.logic.references import Kind, canonical_uuid, resolve
from partnerapi.logic.values import blank_to_none

Row = dict[str, object]

MAX_ROWS = 50_000  # far beyond what fits one response (≈ 9 000 call rows, ≈ 40 000 gzip-compressed)
MAX_ITEMS_READ = 300_000  # a filtered window reads at most this many records (≈ 100 pages, well inside 29 s)
MONTHS_WITHOUT_LIST = 3  # a bounded window of up to this many months queries them all; a longer one asks the month list
REMOTE_ACCESS_MONTHS = 2  # spec: «start_time должно быть ≥ ТекущаяДата()-2 месяца»
_AFTER_ANY_ID = "#~"  # sorts after `#<uuid>`: the upper bound includes records that start at end_time
_AGENT_KINDS = {"agent_id": Kind.AGENT, "src_agent_id": Kind.AGENT, "dst_agent_id": Kind.AGENT}


# ----------------------------------------------------------------------------------- window --


def window(start_time: str | None, end_time: str | None, names: tuple[str, str] = ("start_time", "end_time")) -> tuple[datetime | None, datetime | None]:
    """The window's bounds in Moscow time (spec: a record is in it when its START lies between them,
    boundaries included); either may be open."""
    start, end = parse_bound(start_time, names[0], upper=False), parse_bound(end_time, names[1], upper=True)
    if start is not None and end is not None and start > end:
        raise InvalidParameter(f"Начало интервала отчета {names[0]} ({key_time(start)}) позже его конца {names[1]} ({key_time(end)})")
    return start, end


def _months(partner_id: str, record_kind: str, start: datetime | None, end: datetime | None) -> list[str]:
    if start is not None and end is not None and len(span := months_between(start, end)) <= MONTHS_WITHOUT_LIST:
        return span
    listed = table.query_all(keys.partner_pk(partner_id), keys.statistics_month_sk(record_kind))
    first, last = (month_of(start) if start else ""), (month_of(end) if end else "~")
    return sorted(month for item in listed if first <= (month := item["month"]) <= last)


def read_window(partner_id: str, record_kind: str, start: datetime | None, end: datetime | None, filters: dict) -> Iterator[table.Item]:
    """The partner's records of one kind that start inside the window and match every filter, in
    time order; refuses (before the response is built) a result no response could carry."""
    low = key_time(start) if start else "0"  # sorts before every time
    high = key_time(end) + _AFTER_ANY_ID if end else "~"
    returned = read = 0
    for month in _months(partner_id, record_kind, start, end):
        for items, scanned in table.query_range_pages(keys.statistics_pk(partner_id, record_kind, month), low, high, filters):
            returned, read = returned + len(items), read + scanned
            if returned > MAX_ROWS:
                raise ResponseTooLarge(f"Отчет содержит больше {MAX_ROWS} записей и не помещается в один ответ. Сузьте интервал отчета (start_time, end_time)")
            if read > MAX_ITEMS_READ:
                raise ResponseTooLarge(
                    f"Для отчета пришлось бы просмотреть больше {MAX_ITEMS_READ} записей. Сузьте интервал отчета (start_time, end_time)"
                )
            yield from items


def _resolved_filters(partner_id: str, given: dict[str, str | None], kinds: dict[str, Kind], attributes: dict[str, str | tuple[str, ...]]) -> dict:
    """Every given ID resolved in the partner's scope (another partner's ID is an unknown ID), then
    mapped to the stored attribute(s) it must equal."""
    resolve(partner_id, given, kinds)
    filters: dict = {}
    for name, raw in given.items():
        value = blank_to_none(raw)
        if value is not None:
            filters[attributes[name]] = canonical_uuid(value)
    return filters


def _either(name: str, first: str | None, second_name: str, second: str | None) -> dict[str, str | None]:
    """One parameter under the spec's two names: both given must agree. {the name used: its value}, so
    that a fault names the parameter the caller sent."""
    first, second = blank_to_none(first), blank_to_none(second)
    if first is not None and second is not None and canonical_uuid(first) != canonical_uuid(second):
        raise InvalidParameter(f"Параметры {name} и {second_name} обозначают одно и то же, но заданы с разными значениями")
    return {second_name: second} if first is None and second is not None else {name: first}


# ------------------------------------------------------------------------------------ calls --


def call_row(item: table.Item, recording_url: Callable[[str], str] = blobs.presigned_url) -> Row:
    key = item.get("call_record_key")
    return {
        "call_id": item["call_id"],
        "time": result_time(item["time"]),
        "duration": item["duration"],
        "partner_id": item["partner_id"],
        "client_id": item.get("client_id"),
        "src_agent_id": item.get("src_agent_id"),
        "dst_agent_id": item.get("dst_agent_id"),
        "service_type_id": item.get("service_type_id"),
        "call_status_id": item["call_status_id"],
        "remote_status_id": item.get("remote_status_id", 0),
        "URL_call_record": recording_url(key) if key else item.get("URL_call_record"),
    }


def statistics_read(
    partner_id: str,
    start_time: str | None,
    end_time: str | None,
    client_id: str | None,
    agent_id: str | None,
    src_agent_id: str | None,
    dst_agent_id: str | None,
    service_type_id: str | None,
) -> list[Row]:
    given = {"client_id": client_id, "agent_id": agent_id, "src_agent_id": src_agent_id, "dst_agent_id": dst_agent_id, "service_type_id": service_type_id}
    attributes = {
        "client_id": "client_id",
        "agent_id": ("src_agent_id", "dst_agent_id"),
        "src_agent_id": "src_agent_id",
        "dst_agent_id": "dst_agent_id",
        "service_type_id": "service_type_id",
    }
    filters = _resolved_filters(partner_id, given, _AGENT_KINDS, attributes)
    start, end = window(start_time, end_time)
    return [call_row(item) for item in read_window(partner_id, keys.CALL_RECORDS, start, end, filters)]


# ---------------------------------------------------------------------------- remote access --


def remote_access_floor(today: date) -> datetime:
    """The earliest start_time: today (Moscow, 0:00:00) minus 2 calendar months."""
    return datetime.combine(moscow_time.minus_calendar_months(today, REMOTE_ACCESS_MONTHS), clock())


def remote_access_row(item: table.Item) -> Row:
    return {
        "session_id": item["session_id"],
        "time": result_time(item["time"]),
        "duration": item["duration"],
        "partner_id": item["partner_id"],
        "client_id": item.get("client_id"),
        "server_agent_id": item.get("server_agent_id"),
        "dst_agent_id": item.get("dst_agent_id"),
        "service_type_id": item.get("service_type_id"),
        "remote_access_result_id": item["remote_access_result_id"],
        "remote_access_type_id": item["remote_access_type_id"],
    }


def remote_access_statistics_read(
    partner_id: str,
    start_time: str | None,
    end_time: str | None,
    client_id: str | None,
    agent_id: str | None,
    src_agent_id: str | None,
    dst_agent_id: str | None,
    service_type_id: str | None,
    server_agent_id: str | None = None,
    client_agent_id: str | None = None,
    today: date | None = None,
) -> list[Row]:
    """The spec names the agent parameters src_agent_id/dst_agent_id in the signature and
    server_agent_id/client_agent_id in the text: both are taken (docs/spec-notes.md T3)."""
    server = _either("src_agent_id", src_agent_id, "server_agent_id", server_agent_id)
    controller = _either("dst_agent_id", dst_agent_id, "client_agent_id", client_agent_id)
    given = {"client_id": client_id, "agent_id": agent_id, **server, **controller, "service_type_id": service_type_id}
    attributes = {
        "client_id": "client_id",
        "agent_id": ("server_agent_id", "dst_agent_id"),
        "src_agent_id": "server_agent_id",
        "server_agent_id": "server_agent_id",
        "dst_agent_id": "dst_agent_id",
        "client_agent_id": "dst_agent_id",
        "service_type_id": "service_type_id",
    }
    kinds = {**_AGENT_KINDS, "server_agent_id": Kind.AGENT, "client_agent_id": Kind.AGENT}
    filters = _resolved_filters(partner_id, given, kinds, attributes)
    start, end = window(start_time, end_time)
    floor = remote_access_floor(today or moscow_time.today())
    if start is None:
        start = floor  # spec: «Если данный параметр не установлен то считается равным ТекущаяДата()-2 месяца»
        if end is not None and end < start:
            return []
    elif start < floor:
        raise InvalidParameter(
            f"Значение параметра start_time «{result_time(key_time(start))}» раньше допустимого: start_time должно быть ≥ ТекущаяДата()-2 месяца, "
            f"то есть не раньше {floor:%d.%m.%Y} 0:00:00 ({result_time(key_time(floor))})"
        )
    return [remote_access_row(item) for item in read_window(partner_id, keys.REMOTE_ACCESS_RECORDS, start, end, filters)]


# ---------------------------------------------------------------------------------- SIP calls --


def sip_call_row(item: table.Item) -> Row:
    return {
        "call_id": item["call_id"],
        "time": result_time(item["time"]),
        "duration": item["duration"],
        "duration_after_answer": item["duration_after_answer"],
        "agent_id": item["agent_id"],
        "abonent": item["abonent"],
        "incoming": item["incoming"],
        "sip_call_status_id": item["sip_call_status_id"],
    }


def sip_calls_statistics_read(partner_id: str, start_time: str | None, end_time: str | None, agent_id: str | None, abonent: str | None) -> list[Row]:
    filters = _resolved_filters(partner_id, {"agent_id": agent_id}, _AGENT_KINDS, {"agent_id": "agent_id"})
    start, end = window(start_time, end_time)
    if blank_to_none(abonent) is not None:
        filters["abonent"] = abonent  # spec: «номер абонента в точности равен параметру»
    return [sip_call_row(item) for item in read_window(partner_id, keys.SIP_CALL_RECORDS, start, end, filters)]
