"""The statistics group over the wire (zeep through the sandbox), fed through the ingestion path
(`partnerapi ingest FILE.jsonl`, the ingest function's record processor): time windows in Moscow time,
every filter, the remote-access window, deprecated fields, recordings, chat histories, and the
ingestion's own promises (bad lines reported, a record stored once).

Each test uses its own days (in 2019-2020, or nights of the last two months for remote access, where
the demo statistics, between 9:00 and 20:00, never are), so tests do not see each other's records."""

import itertools
import json
from datetime import date, datetime, timedelta

import pytest
import requests
from partnerapi.data import blobs
from partnerapi.data.clients import client
from partnerapi.logic import moscow_time
from partnerapi.logic.reference import CALL_STATUS_TYPES
from support.demo import FIXTURE
from support.faults import code, fault_of, rows
from support.soap import envelope, post
from support.statistics_records import (
    DEMO2_CLIENT,
    DEMO2_DEVICE,
    DEMO2_ID,
    DEMO2_SPECIALIST,
    DEMO_CLIENT_ROMASHKA,
    DEMO_CLIENT_SOKOLOV,
    DEMO_CLIENT_USER_OLGA,
    DEMO_CLIENT_USER_SERGEY,
    DEMO_ID,
    DEMO_OWN_LINE,
    DEVICE_OLGA,
    DEVICE_PAVEL,
    DEVICE_SERGEY,
    MSK,
    PUBLIC_LINE,
    ROMASHKA_SUBSCRIPTION,
    SECOND_PUBLIC_LINE,
    SPECIALIST_ANNA,
    SPECIALIST_IVAN,
    call,
    chat,
    colleague_chat,
    ingest,
    remote_session,
    sandbox_aws,
    sip_call,
)

PORTS = ["PartnerAPISoap", "PartnerAPISoap12"]
_days = itertools.count()
_nights = itertools.count()


def fresh_day() -> datetime:
    """Midnight (Moscow) of a day no other test of this module uses, nor the day after it."""
    return datetime(2019, 1, 1) + timedelta(days=3 * next(_days))


def fresh_night() -> datetime:
    """01:00 (Moscow) of a recent day, inside the remote-access window, outside the demo's working hours."""
    return datetime.combine(moscow_time.today() - timedelta(days=1 + next(_nights) % 50), datetime.min.time()) + timedelta(hours=1)


def day_window(day: datetime) -> tuple[str, str]:
    return day.isoformat(), (day + timedelta(days=1, seconds=-1)).isoformat()


@pytest.fixture
def statistics_api(soap_client):
    return lambda login="demo", port="PartnerAPISoap": soap_client(login, login, group="statistics", port=port)


@pytest.fixture
def feed(sandbox, tmp_path):
    """feed(records) → they are stored through `partnerapi ingest`, every one of them."""

    def run(records):
        status, report = ingest(sandbox, records, tmp_path)
        assert status == 0 and report["stored"] == len(records), report
        return report

    return run


def ids(result, field: str = "call_id") -> list[str]:
    return [row[field] for row in rows(result)]


# ------------------------------------------------------------------------------- time window --


@pytest.mark.parametrize("port", PORTS)
def test_a_call_is_in_the_window_when_its_start_lies_between_the_bounds_both_included(statistics_api, feed, port):
    # Given calls one second before the window, at its start, inside, at its end and one second after
    day = fresh_day()
    start, end = day + timedelta(hours=10), day + timedelta(hours=11)
    moments = [start - timedelta(seconds=1), start, start + timedelta(minutes=30), end, end + timedelta(seconds=1)]
    records = [call(moment) for moment in moments]
    feed(records)
    # When the window [10:00:00, 11:00:00] is read
    found = statistics_api(port=port).statistics_read(start.isoformat(), end.isoformat(), None, None, None, None, None)
    # Then exactly the three calls that start inside it, boundaries included, come back in time order
    assert ids(found) == [record["call_id"] for record in records[1:4]]
    assert [row.time for row in rows(found)] == [moment.replace(tzinfo=MSK) for moment in moments[1:4]]


def test_times_are_moscow_time_whatever_offset_they_are_given_in(statistics_api, feed, sandbox):
    # Given a call published in UTC and one published with +06:00, both at 10:00 Moscow time
    day = fresh_day()
    utc = call(f"{day.date()}T07:00:00Z")
    novosibirsk = call(f"{day.date()}T13:00:00.000+06:00")
    feed([utc, novosibirsk])
    api = statistics_api()
    # When the window is given in UTC, or with an offset of its own, or naive (Moscow)
    in_utc = api.statistics_read(f"{day.date()}T07:00:00Z", f"{day.date()}T07:00:00Z", None, None, None, None, None)
    in_yekaterinburg = api.statistics_read(f"{day.date()}T12:00:00+05:00", f"{day.date()}T12:00:00+05:00", None, None, None, None, None)
    naive_after = api.statistics_read(f"{day.date()}T10:00:01", None, None, None, None, None, None)
    # Then each names the same instant: both calls, at 10:00:00+03:00; a naive 10:00:01 excludes them
    assert sorted(ids(in_utc)) == sorted(ids(in_yekaterinburg)) == sorted([utc["call_id"], novosibirsk["call_id"]])
    for row in rows(in_utc):
        assert row.time == datetime(day.year, day.month, day.day, 10, tzinfo=MSK) and row.time.utcoffset() == timedelta(hours=3)
    assert not set(ids(naive_after)) & {utc["call_id"], novosibirsk["call_id"]}
    # And on the wire the time carries the Moscow offset
    inner = f"<t:start_time>{day.date()}T10:00:00</t:start_time><t:end_time>{day.date()}T10:00:00</t:end_time>"
    text = post(sandbox.url("statistics"), envelope("statistics_read", inner)).text
    assert text.count(f"{day.date()}T10:00:00+03:00") == 2


def test_malformed_or_reversed_windows_are_client_faults(statistics_api):
    api = statistics_api()
    malformed = fault_of(api.statistics_read, "30.04.2013", None, None, None, None, None, None)
    assert code(malformed) == "Client.InvalidParameter" and "start_time" in malformed.message
    reversed_window = fault_of(api.sip_calls_statistics_read, "2019-05-02T00:00:00", "2019-05-01T00:00:00", None, None)
    assert code(reversed_window) == "Client.InvalidParameter" and "позже" in reversed_window.message


# ----------------------------------------------------------------------------------- filters --


def test_every_filter_of_statistics_read_selects_what_it_documents(statistics_api, feed):
    # Given calls of one day that differ in client, caller, callee and line
    day = fresh_day()
    olga_to_ivan = call(day + timedelta(hours=9))
    pavel_to_anna = call(day + timedelta(hours=10), client_id=DEMO_CLIENT_SOKOLOV, src_agent_id=DEVICE_PAVEL, dst_agent_id=SPECIALIST_ANNA, service_type_id=SECOND_PUBLIC_LINE)
    ivan_to_sergey = call(day + timedelta(hours=11), src_agent_id=SPECIALIST_IVAN, dst_agent_id=DEVICE_SERGEY, service_type_id=DEMO_OWN_LINE)
    unanswered = call(day + timedelta(hours=12), dst_agent_id=None, call_status_id=1)
    feed([olga_to_ivan, pavel_to_anna, ivan_to_sergey, unanswered])
    start, end = day_window(day)
    read = statistics_api().statistics_read

    def select(**filters) -> set[str]:
        return set(ids(read(start, end, filters.get("client_id"), filters.get("agent_id"), filters.get("src_agent_id"), filters.get("dst_agent_id"), filters.get("service_type_id"))))

    everything = {record["call_id"] for record in (olga_to_ivan, pavel_to_anna, ivan_to_sergey, unanswered)}
    assert select() == everything
    # client
    assert select(client_id=DEMO_CLIENT_SOKOLOV) == {pavel_to_anna["call_id"]}
    assert select(client_id=DEMO_CLIENT_ROMASHKA) == everything - {pavel_to_anna["call_id"]}
    # agent: either side of the call
    assert select(agent_id=SPECIALIST_IVAN) == {olga_to_ivan["call_id"], ivan_to_sergey["call_id"]}
    assert select(agent_id=DEVICE_SERGEY) == {ivan_to_sergey["call_id"]}
    # source agent and destination agent: one side only
    assert select(src_agent_id=SPECIALIST_IVAN) == {ivan_to_sergey["call_id"]}
    assert select(dst_agent_id=SPECIALIST_IVAN) == {olga_to_ivan["call_id"]}
    assert select(src_agent_id=DEVICE_OLGA) == {olga_to_ivan["call_id"], unanswered["call_id"]}
    # service type (support line)
    assert select(service_type_id=SECOND_PUBLIC_LINE) == {pavel_to_anna["call_id"]}
    assert select(service_type_id=DEMO_OWN_LINE) == {ivan_to_sergey["call_id"]}
    # filters together: all of them must hold
    assert select(client_id=DEMO_CLIENT_ROMASHKA, agent_id=SPECIALIST_IVAN, service_type_id=PUBLIC_LINE) == {olga_to_ivan["call_id"]}
    assert select(client_id=DEMO_CLIENT_SOKOLOV, dst_agent_id=SPECIALIST_IVAN) == set()
    # blank IDs are not given (spec: «строка из пробелов … считается что значение не указано»)
    assert set(ids(read(start, end, "   ", "", None, None, None))) == everything


def test_a_partner_sees_only_its_own_records(statistics_api, feed):
    # Given calls, sessions and SIP calls of both partners at the same moments
    day = fresh_day()
    theirs = [
        call(day + timedelta(hours=10), partner_id=DEMO2_ID, client_id=DEMO2_CLIENT, src_agent_id=DEMO2_DEVICE, dst_agent_id=DEMO2_SPECIALIST, service_type_id=PUBLIC_LINE),
        sip_call(day + timedelta(hours=10), partner_id=DEMO2_ID, agent_id=DEMO2_SPECIALIST),
    ]
    ours = [call(day + timedelta(hours=10)), sip_call(day + timedelta(hours=10))]
    feed(theirs + ours)
    start, end = day_window(day)
    # When each partner reads the day, unfiltered
    demo, demo2 = statistics_api("demo"), statistics_api("demo2")
    # Then each sees its own records only
    assert ids(demo.statistics_read(start, end, None, None, None, None, None)) == [ours[0]["call_id"]]
    assert ids(demo2.statistics_read(start, end, None, None, None, None, None)) == [theirs[0]["call_id"]]
    assert ids(demo.sip_calls_statistics_read(start, end, None, None)) == [ours[1]["call_id"]]
    assert ids(demo2.sip_calls_statistics_read(start, end, None, None)) == [theirs[1]["call_id"]]
    assert {row.partner_id for row in rows(demo.statistics_read(start, end, None, None, None, None, None))} == {DEMO_ID}


# -------------------------------------------------------------- deprecated fields, statuses --


def test_call_statuses_are_the_fixed_list_and_remote_status_id_is_still_returned(statistics_api, feed, soap_client, sandbox, tmp_path):
    # Given one call per status of call_status_type_read, with the deprecated remote status set
    day = fresh_day()
    statuses = [code for code, _ in CALL_STATUS_TYPES]
    assert [row.call_status_type_id for row in soap_client(group="reference").call_status_type_read()] == statuses == list(range(8))
    records = [call(day + timedelta(minutes=status), call_status_id=status, remote_status_id=status % 3) for status in statuses]
    feed(records)
    # When the day is read
    found = rows(statistics_api().statistics_read(*day_window(day), None, None, None, None, None))
    # Then every status comes back as published, with remote_status_id (0 not initiated, 1 TeamViewer, 2 main tool)
    assert [(row.call_status_id, row.remote_status_id) for row in found] == [(status, status % 3) for status in statuses]
    # And a status outside the list is refused at ingestion, reported with its line, the rest stored
    wrong = call(day + timedelta(hours=5), call_status_id=8)
    right = call(day + timedelta(hours=6))
    status, report = ingest(sandbox, [right, wrong], tmp_path)
    assert status == 1 and report["stored"] == 1 and report["invalid"] == 1
    assert report["problems"] == ["line 2: call_status_id: Input should be less than or equal to 7"]
    assert right["call_id"] in ids(statistics_api().statistics_read(*day_window(day), None, None, None, None, None))


def test_a_recording_in_the_bucket_is_handed_out_as_a_presigned_url_and_an_external_one_as_is(statistics_api, feed, sandbox, monkeypatch):
    # Given a recording the telephony platform put in the bucket, and a call naming it
    day = fresh_day()
    key = f"recordings/{DEMO_ID}/{day.date()}/call.wav"
    audio = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256))
    with sandbox_aws(sandbox, monkeypatch):
        client("s3").put_object(Bucket=blobs.bucket_name(), Key=key, Body=audio)
    stored = call(day + timedelta(hours=9), call_record_key=key)
    external = call(day + timedelta(hours=10), URL_call_record="https://telephony.example.com/records/42.mp3")
    silent = call(day + timedelta(hours=11))
    feed([stored, external, silent])
    # When the day is read
    found = {row.call_id: row.URL_call_record for row in rows(statistics_api().statistics_read(*day_window(day), None, None, None, None, None))}
    # Then the stored recording is a time-limited link that downloads it, without credentials
    url = found[stored["call_id"]]
    assert "X-Amz-Expires=3600" in url and "X-Amz-Signature=" in url
    download = requests.get(url, timeout=10)
    assert download.status_code == 200 and download.content == audio
    # And an external link is returned as published; a call without a recording has none
    assert found[external["call_id"]] == "https://telephony.example.com/records/42.mp3"
    assert found[silent["call_id"]] is None


# ----------------------------------------------------------------------------- remote access --


def test_remote_access_start_defaults_to_today_minus_two_months_and_may_not_be_earlier(statistics_api, feed):
    # Given sessions one second before today − 2 calendar months (Moscow), at it, and an hour after it
    floor = datetime.combine(moscow_time.minus_calendar_months(moscow_time.today(), 2), datetime.min.time())
    before, at_floor, after = remote_session(floor - timedelta(seconds=1)), remote_session(floor), remote_session(floor + timedelta(hours=1))
    feed([before, at_floor, after])
    api = statistics_api()
    end = (floor + timedelta(hours=2)).isoformat()
    # When start_time is not given
    default = ids(api.remote_access_statistics_read(None, end, None, None, None, None, None), "session_id")
    # Then it is today − 2 months: the earlier session is not read
    assert default == [at_floor["session_id"], after["session_id"]]
    # And start_time at that moment is accepted, but one second earlier is refused with the spec's rule
    assert ids(api.remote_access_statistics_read(floor.isoformat(), end, None, None, None, None, None), "session_id") == default
    refused = fault_of(api.remote_access_statistics_read, (floor - timedelta(seconds=1)).isoformat(), end, None, None, None, None, None)
    assert code(refused) == "Client.InvalidParameter"
    assert "start_time должно быть ≥ ТекущаяДата()-2 месяца" in refused.message and f"{floor:%d.%m.%Y} 0:00:00" in refused.message


def test_remote_access_takes_both_names_of_its_agent_parameters_and_every_filter(statistics_api, feed):
    # Given sessions of one night: Olga's desktop controlled by Ivan, Pavel's by Anna on another line
    night = fresh_night()
    olga = remote_session(night)
    pavel = remote_session(night + timedelta(minutes=5), client_id=DEMO_CLIENT_SOKOLOV, server_agent_id=DEVICE_PAVEL, dst_agent_id=SPECIALIST_ANNA, service_type_id=SECOND_PUBLIC_LINE)
    failed = remote_session(night + timedelta(minutes=10), remote_access_result_id=1, remote_access_type_id=1)
    feed([olga, pavel, failed])
    api = statistics_api()
    start, end = night.isoformat(), (night + timedelta(minutes=10)).isoformat()

    def select(*filters, **named) -> list[str]:
        return ids(api.remote_access_statistics_read(start, end, *filters, **named), "session_id")

    assert select() == [olga["session_id"], pavel["session_id"], failed["session_id"]]
    # src_agent_id (signature) = server_agent_id (text): the agent sharing its desktop
    assert select(None, None, DEVICE_PAVEL, None, None) == [pavel["session_id"]]
    assert select(server_agent_id=DEVICE_PAVEL) == [pavel["session_id"]]
    # dst_agent_id (signature) = client_agent_id (text): the agent controlling it
    assert select(None, None, None, SPECIALIST_ANNA, None) == [pavel["session_id"]]
    assert select(client_agent_id=SPECIALIST_IVAN) == [olga["session_id"], failed["session_id"]]
    # both names with the same value agree; with different values they are refused
    assert select(src_agent_id=DEVICE_OLGA, server_agent_id=DEVICE_OLGA) == [olga["session_id"], failed["session_id"]]
    conflict = fault_of(api.remote_access_statistics_read, start, end, src_agent_id=DEVICE_OLGA, server_agent_id=DEVICE_PAVEL)
    assert code(conflict) == "Client.InvalidParameter" and "server_agent_id" in conflict.message
    # agent on either side, client, line
    assert select(None, SPECIALIST_ANNA) == [pavel["session_id"]]
    assert select(None, DEVICE_OLGA) == [olga["session_id"], failed["session_id"]]
    assert select(DEMO_CLIENT_SOKOLOV) == [pavel["session_id"]]
    assert select(None, None, None, None, SECOND_PUBLIC_LINE) == [pavel["session_id"]]
    # And the row has the spec's fields, the result and the kind of remote access
    row = rows(api.remote_access_statistics_read(start, end, None, None, None, None, None))[2]
    assert (row.server_agent_id, row.dst_agent_id, row.remote_access_result_id, row.remote_access_type_id) == (DEVICE_OLGA, SPECIALIST_IVAN, 1, 1)
    assert row.time == night.replace(tzinfo=MSK) + timedelta(minutes=10) and row.duration == 600 and row.partner_id == DEMO_ID


# --------------------------------------------------------------------------------- SIP calls --


def test_sip_calls_filter_by_agent_and_by_the_exact_abonent_number(statistics_api, feed):
    # Given SIP calls with numbers that look alike
    day = fresh_day()
    exact = sip_call(day + timedelta(hours=9), abonent="+74951234567")
    without_plus = sip_call(day + timedelta(hours=10), abonent="74951234567", agent_id=SPECIALIST_ANNA)
    longer = sip_call(day + timedelta(hours=11), abonent="+749512345670", incoming=False, sip_call_status_id=2, duration_after_answer=0)
    feed([exact, without_plus, longer])
    api = statistics_api()
    start, end = day_window(day)
    # Then abonent matches the whole number exactly, nothing more
    assert ids(api.sip_calls_statistics_read(start, end, None, "+74951234567")) == [exact["call_id"]]
    assert ids(api.sip_calls_statistics_read(start, end, None, "74951234567")) == [without_plus["call_id"]]
    assert ids(api.sip_calls_statistics_read(start, end, None, "+7495")) == []
    # And agent_id selects that agent's calls
    assert ids(api.sip_calls_statistics_read(start, end, SPECIALIST_ANNA, None)) == [without_plus["call_id"]]
    # And the rows carry the spec's fields
    row = rows(api.sip_calls_statistics_read(start, end, None, "+749512345670"))[0]
    assert (row.incoming, row.sip_call_status_id, row.duration, row.duration_after_answer, row.agent_id) == (False, 2, 90, 0, SPECIALIST_IVAN)


# ----------------------------------------------------------------------------- chat histories --


def document(result: bytes) -> dict:
    assert isinstance(result, bytes)
    return json.loads(result.decode("utf-8"))


def test_chat_history_of_an_employee_on_a_line_is_a_json_document_of_the_sessions_in_the_period(statistics_api, feed):
    # Given Olga's chats on her subscription's line, one on another line, Sergey's, and one after the period
    day = fresh_day()
    first = chat(day + timedelta(hours=9))
    second = chat(day + timedelta(hours=12))
    other_line = chat(day + timedelta(hours=10), service_type_id=SECOND_PUBLIC_LINE, service_id=None)
    sergey = chat(day + timedelta(hours=11), client_user_id=DEMO_CLIENT_USER_SERGEY, agent_user_id=DEVICE_SERGEY)
    later = chat(day + timedelta(days=1, hours=9))
    feed([first, second, other_line, sergey, later])
    api = statistics_api()
    start, end = day_window(day)
    # When her history on that line is read by employee and by the subscription
    by_line = document(api.chat_history_statistics_read(DEMO_CLIENT_USER_OLGA, PUBLIC_LINE, start, end))
    by_subscription = document(api.chat_history_statistics_read(DEMO_CLIENT_USER_OLGA, ROMASHKA_SUBSCRIPTION, start, end))
    # Then it is her two sessions of that period on that line, with their messages, in Moscow time
    assert [session["session_id"] for session in by_line["sessions"]] == [first["session_id"], second["session_id"]]
    assert by_subscription["sessions"] == by_line["sessions"]
    assert by_line["format"] == "partnerapi.chat_history.v1" and by_line["operation"] == "chat_history_statistics_read"
    assert (by_line["period_from"], by_line["period_to"]) == (f"{start}+03:00", f"{end}+03:00")
    session = by_line["sessions"][0]
    assert session["time"] == f"{day.date()}T09:00:00+03:00" and session["client_user_id"] == DEMO_CLIENT_USER_OLGA
    assert session["messages"] == [{**message, "time": f"{message['time']}+03:00"} for message in first["messages"]]
    # And the other line has its own history; the period's end is included
    assert [s["session_id"] for s in document(api.chat_history_statistics_read(DEMO_CLIENT_USER_OLGA, SECOND_PUBLIC_LINE, start, end))["sessions"]] == [
        other_line["session_id"]
    ]
    exactly_at_end = document(api.chat_history_statistics_read(DEMO_CLIENT_USER_OLGA, PUBLIC_LINE, start, (day + timedelta(hours=12)).isoformat()))
    assert len(exactly_at_end["sessions"]) == 2


def test_chat_history_by_the_employees_device_narrows_to_that_agent(statistics_api, feed):
    # Given Olga's chats from her device and one recorded without a device
    day = fresh_day()
    from_device = chat(day + timedelta(hours=9))
    unknown_device = chat(day + timedelta(hours=10), agent_user_id=None)
    feed([from_device, unknown_device])
    api = statistics_api()
    start, end = day_window(day)
    # When client_user_id names her user agent (spec: «УИД агента (устройство сотрудника клиента)»)
    by_device = document(api.chat_history_statistics_read(DEVICE_OLGA, PUBLIC_LINE, start, end))
    by_employee = document(api.chat_history_statistics_read(DEMO_CLIENT_USER_OLGA, PUBLIC_LINE, start, end))
    # Then that device's sessions come back; by employee, all of hers
    assert [s["session_id"] for s in by_device["sessions"]] == [from_device["session_id"]]
    assert [s["session_id"] for s in by_employee["sessions"]] == [from_device["session_id"], unknown_device["session_id"]]


def test_chat_history_between_colleagues_in_either_order(statistics_api, feed):
    # Given chats of Ivan with Anna, and of Ivan with Olga's device (a client's agent)
    day = fresh_day()
    ivan_anna = colleague_chat(day + timedelta(hours=9))
    anna_ivan = colleague_chat(day + timedelta(hours=10), first=SPECIALIST_ANNA, second=SPECIALIST_IVAN)
    ivan_olga = colleague_chat(day + timedelta(hours=11), second=DEVICE_OLGA)
    feed([ivan_anna, anna_ivan, ivan_olga])
    api = statistics_api()
    start, end = day_window(day)
    # When the history of the two colleagues is read, in both orders
    forward = document(api.chat_history_colleagues_read(SPECIALIST_IVAN, SPECIALIST_ANNA, start, end))
    backward = document(api.chat_history_colleagues_read(SPECIALIST_ANNA, SPECIALIST_IVAN, start, end))
    # Then both give their two chats with messages, and nothing of the third
    assert [s["session_id"] for s in forward["sessions"]] == [ivan_anna["session_id"], anna_ivan["session_id"]]
    assert forward["sessions"] == backward["sessions"]
    assert forward["Colleague1_id"] == SPECIALIST_IVAN and backward["Colleague1_id"] == SPECIALIST_ANNA
    assert [m["text"] for m in forward["sessions"][0]["messages"]] == ["Возьмешь звонок?", "Да."]
    assert [s["session_id"] for s in document(api.chat_history_colleagues_read(DEVICE_OLGA, SPECIALIST_IVAN, start, end))["sessions"]] == [ivan_olga["session_id"]]


def test_chat_history_requires_its_parameters(statistics_api):
    api = statistics_api()
    start, end = day_window(fresh_day())
    missing = [
        fault_of(api.chat_history_statistics_read, None, PUBLIC_LINE, start, end),
        fault_of(api.chat_history_statistics_read, DEMO_CLIENT_USER_OLGA, None, start, end),
        fault_of(api.chat_history_statistics_read, DEMO_CLIENT_USER_OLGA, PUBLIC_LINE, None, end),
        fault_of(api.chat_history_colleagues_read, SPECIALIST_IVAN, "  ", start, end),
        fault_of(api.chat_history_colleagues_read, SPECIALIST_IVAN, SPECIALIST_ANNA, start, None),
    ]
    assert [code(fault) for fault in missing] == ["Client.MissingParameter"] * 5
    assert ["client_user_id", "service_id", "period_from", "Colleague2_id", "period_to"] == [
        next(name for name in ("client_user_id", "service_id", "period_from", "period_to", "Colleague2_id") if name in fault.message) for fault in missing
    ]
    # And a subscription of another client than the employee's is refused
    sokolov_device = fault_of(api.chat_history_statistics_read, DEVICE_PAVEL, ROMASHKA_SUBSCRIPTION, start, end)
    assert code(sokolov_device) == "Client.InvalidParameter"


def test_a_chat_history_too_large_for_one_response_is_a_client_fault_asking_for_a_narrower_period(statistics_api, feed):
    # Given 14 long chats in one day (≈ 240 kB each: more than 3 MiB together)
    day = fresh_day()
    sessions = []
    for hour in range(14):
        moment = day + timedelta(hours=6 + hour)
        text = f"Подробный разбор {hour}: " + "проводки по счету 60.01 " * 400
        sessions.append(chat(moment, messages=[{"time": (moment + timedelta(seconds=index)).isoformat(), "agent_id": SPECIALIST_IVAN, "text": text} for index in range(24)]))
    feed(sessions)
    api = statistics_api()
    start, end = day_window(day)
    # When the whole day is asked for, on either port
    for port in PORTS:
        refused = fault_of(statistics_api(port=port).chat_history_statistics_read, DEMO_CLIENT_USER_OLGA, PUBLIC_LINE, start, end)
        # Then it is a Client fault that asks for a narrower period, not a gateway error
        assert code(refused) == "Client.ResponseTooLarge"
        assert "14 сеансов" in refused.message and "Сузьте интервал отчета (period_from, period_to)" in refused.message
    # And half the day is answered
    half = document(api.chat_history_statistics_read(DEMO_CLIENT_USER_OLGA, PUBLIC_LINE, start, (day + timedelta(hours=12, minutes=59)).isoformat()))
    assert [s["session_id"] for s in half["sessions"]] == [s["session_id"] for s in sessions[:7]]


# --------------------------------------------------------------------------------- ingestion --


def test_ingesting_a_file_twice_stores_each_record_once_and_reports_bad_lines(statistics_api, sandbox, tmp_path):
    # Given a file of records with a malformed line and a record of an unknown type among them
    day = fresh_day()
    good = [call(day + timedelta(hours=hour)) for hour in (9, 10, 11)]
    lines = [good[0], "{oops", good[1], {"record_type": "fax", "partner_id": DEMO_ID}, good[2]]
    # When it is ingested, then ingested again
    first_status, first = ingest(sandbox, lines, tmp_path)
    second_status, second = ingest(sandbox, lines, tmp_path)
    # Then the first run stores the three records and reports the two bad lines by number
    assert first_status == 1 and (first["records"], first["stored"], first["duplicates"], first["invalid"]) == (5, 3, 0, 2)
    assert [problem.split(":")[0] for problem in first["problems"]] == ["line 2", "line 4"]
    # And the second stores nothing new: each record is read once
    assert second_status == 1 and (second["stored"], second["duplicates"]) == (0, 3)
    assert ids(statistics_api().statistics_read(*day_window(day), None, None, None, None, None)) == [record["call_id"] for record in good]


def test_the_single_url_serves_the_statistics_group(soap_client, feed):
    # Given a call, and the compatible single URL (RouterFunction → StatisticsFunction)
    day = fresh_day()
    record = call(day + timedelta(hours=9))
    feed([record])
    for port in PORTS:
        single = soap_client("demo", "demo", port=port)
        # Then the group's operations answer there too
        assert ids(single.statistics_read(*day_window(day), None, None, None, None, None)) == [record["call_id"]]


def test_the_demo_statistics_are_there_for_make_serve(statistics_api):
    # Given the sandbox started with the demo data: the last two months of the demo partners
    api = statistics_api()
    since = (moscow_time.now() - timedelta(days=30)).isoformat()
    # Then each kind of record is there, within the partner's own clients and agents
    calls = rows(api.statistics_read(since, None, None, None, None, None, None))
    assert calls and {row.partner_id for row in calls} == {DEMO_ID}
    assert {row.client_id for row in calls} <= {DEMO_CLIENT_ROMASHKA, DEMO_CLIENT_SOKOLOV}
    assert rows(api.remote_access_statistics_read(None, None, None, None, None, None, None))
    assert rows(api.sip_calls_statistics_read(since, None, None, None))
    # And the employees' support chats, with their messages, are in their histories
    since_two_months = moscow_time.now() - timedelta(days=62)
    sessions = []
    for client_entry in FIXTURE["partners"][0]["clients"]:
        for user in client_entry["users"]:
            for subscription in client_entry.get("services", []):
                period = (since_two_months.isoformat(), moscow_time.now().isoformat())
                sessions += document(api.chat_history_statistics_read(user["client_user_id"], subscription["service_id"], *period))["sessions"]
    assert sessions and all(session["messages"] for session in sessions)
    assert all(date.fromisoformat(session["time"][:10]) >= since_two_months.date() for session in sessions)
