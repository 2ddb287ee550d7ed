"""Statistics reads against moto, records stored by the ingest path (logic/ingest.py): what a window
reads (items DynamoDB reads ≈ rows returned), the month partitions, the remote-access window of the
spec's examples with an injected «today», and the refusals of results too large for one response."""

import json
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from partnerapi.data import keys, table
from partnerapi.data.clients import client
from partnerapi.data.table import CallCounter
from partnerapi.errors import InvalidParameter, ResponseTooLarge
from partnerapi.events import parse_record
from partnerapi.logic import chat_history, ingest, statistics
from support.demo import DEMO2_ID, DEMO_CLIENT_ROMASHKA, DEMO_CLIENT_SOKOLOV, DEMO_ID, FIXTURE

DEMO_SPECIALIST = FIXTURE["partners"][0]["users"][0]["agents"][0]["agent_partner_id"]
DEMO_DEVICE = FIXTURE["partners"][0]["clients"][0]["users"][0]["agents"][0]["agent_user_id"]
DEMO_EMPLOYEE = FIXTURE["partners"][0]["clients"][0]["users"][0]["client_user_id"]
PUBLIC_LINE = FIXTURE["service_types"][0]["service_type_id"]


@pytest.fixture
def reads(demo_data: None) -> Iterator[dict[str, int]]:
    """Counts the Query calls and the items DynamoDB read for them (ScannedCount, what is billed)."""
    meter = {"queries": 0, "items_read": 0}

    def count(parsed: dict[str, Any], **_: Any) -> None:
        meter["queries"] += 1
        meter["items_read"] += parsed.get("ScannedCount", 0)

    dynamodb = client("dynamodb")
    dynamodb.meta.events.register("after-call.dynamodb.Query", count)
    yield meter
    dynamodb.meta.events.unregister("after-call.dynamodb.Query", count)


def call(moment: str, partner: str = DEMO_ID, **fields: Any) -> dict[str, Any]:
    return {
        "record_type": "call",
        "call_id": str(uuid.uuid4()),
        "time": moment,
        "duration": 60,
        "partner_id": partner,
        "client_id": DEMO_CLIENT_ROMASHKA if partner == DEMO_ID else None,
        "call_status_id": 0,
        **fields,
    }


def store_in_bulk(records: list[dict[str, Any]]) -> None:
    """The exact items the ingest path writes, with BatchWriteItem (fast seeding of many records)."""
    items = {(item["PK"], item["SK"]): item for record in records for item in ingest.items_of(parse_record(record))}
    requests = [{"PutRequest": {"Item": table.to_item(item)}} for item in items.values()]
    for start in range(0, len(requests), 25):
        pending = {table.table_name(): requests[start : start + 25]}
        while pending:
            pending = client("dynamodb").batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


def a_year_of_calls(per_day: int) -> list[dict[str, Any]]:
    records = []
    for day in range(365):
        for index in range(per_day):
            moment = datetime(2023, 1, 1, 9) + timedelta(days=day, minutes=37 * index)
            for partner in (DEMO_ID, DEMO2_ID):
                records.append(call(moment.isoformat(), partner))
    return records


# ------------------------------------------------------------------------- items read ≈ rows --


def test_an_unfiltered_one_day_window_reads_exactly_the_rows_it_returns(reads):
    # Given a year of calls of two partners, 6 a day each
    store_in_bulk(a_year_of_calls(per_day=6))
    reads.update(queries=0, items_read=0)
    # When the demo partner reads one day
    rows = statistics.statistics_read(DEMO_ID, "2023-06-15T00:00:00", "2023-06-15T23:59:59", None, None, None, None, None)
    # Then it gets that day's 6 calls, with one Query that read those 6 items and nothing else
    assert len(rows) == 6 and {row["partner_id"] for row in rows} == {DEMO_ID}
    assert [row["time"] for row in rows] == sorted(row["time"] for row in rows)
    assert reads == {"queries": 1, "items_read": 6}


def test_a_window_across_months_queries_each_month_it_touches_and_an_open_one_the_month_list(reads):
    # Given calls on the last day of March and the first of April, and one in June
    store_in_bulk([call("2023-03-31T23:59:59"), call("2023-04-01T00:00:00"), call("2023-06-10T12:00:00")])
    reads.update(queries=0, items_read=0)
    # When the window spans the month boundary
    rows = statistics.statistics_read(DEMO_ID, "2023-03-31T12:00:00", "2023-04-01T12:00:00", None, None, None, None, None)
    # Then both calls come back from one Query per month, reading nothing else
    assert [row["time"] for row in rows] == ["2023-03-31T23:59:59+03:00", "2023-04-01T00:00:00+03:00"]
    assert reads == {"queries": 2, "items_read": 2}
    # And a window without bounds asks the partner's month list, then only the months with records
    reads.update(queries=0, items_read=0)
    assert len(statistics.statistics_read(DEMO_ID, None, None, None, None, None, None, None)) == 3
    assert reads == {"queries": 1 + 3, "items_read": 3 + 3}  # 3 months listed, 3 records


def test_a_filtered_window_reads_the_window_and_returns_what_matches(reads):
    # Given 10 calls of a day, 3 of them of the client Sokolov
    store_in_bulk([call(f"2023-05-05T1{index}:00:00", client_id=DEMO_CLIENT_SOKOLOV if index < 3 else DEMO_CLIENT_ROMASHKA) for index in range(10)])
    reads.update(queries=0, items_read=0)
    # When the day is read for that client
    rows = statistics.statistics_read(DEMO_ID, "2023-05-05T00:00:00", "2023-05-05T23:59:59", DEMO_CLIENT_SOKOLOV, None, None, None, None)
    # Then 3 rows come back, and the filter read the whole window (documented in docs/performance.md)
    assert len(rows) == 3
    assert reads["items_read"] == 10


def test_every_page_of_a_month_is_read(reads):
    # Given more calls in one day than one 1 MB page holds (long recording URLs)
    url = "https://telephony.example.com/" + "r" * 2000
    store_in_bulk([call(f"2023-02-02T{index // 3600:02d}:{index // 60 % 60:02d}:{index % 60:02d}", URL_call_record=url) for index in range(480)])
    reads.update(queries=0, items_read=0)
    # When the day is read
    rows = statistics.statistics_read(DEMO_ID, "2023-02-02T00:00:00", "2023-02-02T23:59:59", None, None, None, None, None)
    # Then every call arrives once, over more than one page
    assert len(rows) == 480 == len({row["call_id"] for row in rows})
    assert reads["queries"] >= 2 and reads["items_read"] == 480


def test_a_result_no_response_can_carry_is_refused_before_it_is_built(reads, monkeypatch):
    # Given more calls in a window than a response may carry (the limit lowered for the test)
    store_in_bulk([call(f"2023-07-07T10:00:{second:02d}") for second in range(30)])
    monkeypatch.setattr(statistics, "MAX_ROWS", 20)
    # When the window is read, the refusal asks for a narrower window
    with pytest.raises(ResponseTooLarge) as refused:
        statistics.statistics_read(DEMO_ID, "2023-07-07T00:00:00", "2023-07-07T23:59:59", None, None, None, None, None)
    assert "Сузьте интервал отчета" in refused.value.message
    # And a filter that would read too much is refused the same way
    monkeypatch.setattr(statistics, "MAX_ROWS", 1000)
    monkeypatch.setattr(statistics, "MAX_ITEMS_READ", 10)
    with pytest.raises(ResponseTooLarge):
        statistics.statistics_read(DEMO_ID, "2023-07-07T00:00:00", "2023-07-07T23:59:59", DEMO_CLIENT_SOKOLOV, None, None, None, None)


# ---------------------------------------------------------------- remote access: today − 2 months --


def session(moment: str) -> dict[str, Any]:
    return {
        "record_type": "remote_access_session",
        "session_id": str(uuid.uuid4()),
        "time": moment,
        "duration": 600,
        "partner_id": DEMO_ID,
        "client_id": DEMO_CLIENT_ROMASHKA,
        "server_agent_id": DEMO_DEVICE,
        "dst_agent_id": DEMO_SPECIALIST,
        "remote_access_result_id": 0,
        "remote_access_type_id": 1,
    }


@pytest.mark.parametrize(
    ("today", "floor"),
    [(date(2013, 4, 30), "2013-02-28T00:00:00"), (date(2013, 5, 16), "2013-03-16T00:00:00"), (date(2012, 4, 30), "2012-02-29T00:00:00")],
    ids=["30.04.2013 → 28.02.2013", "16.05.2013 → 16.03.2013", "leap year: 30.04.2012 → 29.02.2012"],
)
def test_remote_access_start_defaults_to_and_may_not_precede_today_minus_two_calendar_months(demo_data, today, floor):
    # Given sessions one second before the floor, at it, and a day after it
    floor_time = datetime.fromisoformat(floor)
    moments = [floor_time - timedelta(seconds=1), floor_time, floor_time + timedelta(days=1)]
    for moment in moments:
        ingest.process(session(moment.isoformat()))

    def read(start: str | None) -> list[str]:
        rows = statistics.remote_access_statistics_read(DEMO_ID, start, None, None, None, None, None, None, today=today)
        return [str(row["time"]) for row in rows]

    # When start_time is not given, it is today − 2 months: the session before the floor is not read
    assert read(None) == [f"{moment.isoformat()}+03:00" for moment in moments[1:]]
    # And start_time at the floor is accepted
    assert read(floor) == read(None)
    # But one second earlier is refused with the spec's rule
    with pytest.raises(InvalidParameter) as refused:
        read((floor_time - timedelta(seconds=1)).isoformat())
    assert "start_time должно быть ≥ ТекущаяДата()-2 месяца" in refused.value.message
    assert f"{floor_time:%d.%m.%Y} 0:00:00" in refused.value.message


# ------------------------------------------------------------------------ chat history size --


def test_a_chat_history_too_large_is_refused_from_the_index_alone(demo_data, monkeypatch):
    # Given three support chats of one employee on one line
    for hour in (10, 11, 12):
        ingest.process(
            json.dumps(
                {
                    "record_type": "chat_session",
                    "session_id": str(uuid.uuid4()),
                    "time": f"2023-08-08T{hour}:00:00",
                    "partner_id": DEMO_ID,
                    "client_id": DEMO_CLIENT_ROMASHKA,
                    "client_user_id": DEMO_EMPLOYEE,
                    "service_type_id": PUBLIC_LINE,
                    "messages": [{"time": f"2023-08-08T{hour}:00:01", "agent_id": DEMO_SPECIALIST, "text": "Ответ " * 200}],
                }
            )
        )
    whole = chat_history.chat_history_statistics_read(DEMO_ID, DEMO_EMPLOYEE, PUBLIC_LINE, "2023-08-08T00:00:00", "2023-08-08T23:59:59")
    assert len(json.loads(whole)["sessions"]) == 3
    # When the document limit is below the day's size
    monkeypatch.setattr(chat_history, "MAX_DOCUMENT_BYTES", len(whole) - 1)
    CallCounter.reset()
    # Then the day is refused without reading any transcript, and a narrower period is answered
    with pytest.raises(ResponseTooLarge) as refused:
        chat_history.chat_history_statistics_read(DEMO_ID, DEMO_EMPLOYEE, PUBLIC_LINE, "2023-08-08T00:00:00", "2023-08-08T23:59:59")
    assert f"({len(whole)} байт)" in refused.value.message and "Сузьте интервал отчета" in refused.value.message
    assert CallCounter.calls.get("s3.get_object", 0) == 0
    narrower = chat_history.chat_history_statistics_read(DEMO_ID, DEMO_EMPLOYEE, PUBLIC_LINE, "2023-08-08T00:00:00", "2023-08-08T11:00:00")
    assert len(json.loads(narrower)["sessions"]) == 2


def test_the_month_partition_keeps_partners_apart(demo_data):
    # Given a call of each partner at the same moment
    store_in_bulk([call("2023-09-09T09:09:09", DEMO_ID), call("2023-09-09T09:09:09", DEMO2_ID)])
    # Then each partner's partition holds its own call only
    for partner in (DEMO_ID, DEMO2_ID):
        items = table.query_all(keys.statistics_pk(partner, keys.CALL_RECORDS, "2023-09"))
        assert [item["partner_id"] for item in items] == [partner]
