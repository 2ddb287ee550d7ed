"""The record models of the platforms (partnerapi.events, docs/events.md): what is accepted, how it is
normalized, and that every refusal names the field without echoing personal data."""

import json
import uuid

import pytest
from partnerapi.events import InvalidRecord, parse_record

PARTNER = "A1B2C3D4-0000-4000-8000-000000000001"  # upper case: stored in canonical lower case


def call(**fields):
    return {"record_type": "call", "call_id": str(uuid.uuid4()), "time": "2013-04-30T07:00:00Z", "duration": 10, "partner_id": PARTNER, "call_status_id": 0, **fields}


def sip(**fields):
    base = {"record_type": "sip_call", "call_id": str(uuid.uuid4()), "time": "2013-04-30T10:00:00", "duration": 60, "duration_after_answer": 50}
    return {**base, "partner_id": PARTNER, "agent_id": str(uuid.uuid4()), "abonent": "+74951234567", "incoming": True, "sip_call_status_id": 0, **fields}


def test_a_call_is_normalized_to_moscow_time_and_canonical_ids():
    record = parse_record(json.dumps(call()))
    assert record.time == "2013-04-30T10:00:00"
    assert record.partner_id == PARTNER.lower()
    assert record.remote_status_id == 0  # deprecated, defaults to «не инициировано»


@pytest.mark.parametrize(
    ("record", "field"),
    [
        (call(call_status_id=8), "call_status_id"),  # the fixed list is 0-7
        (call(call_status_id="0"), "call_status_id"),  # strict: numbers are numbers
        (call(remote_status_id=3), "remote_status_id"),
        (call(duration=-1), "duration"),
        (call(time="30.04.2013 10:00"), "time"),
        (call(client_id="not-a-uuid"), "client_id"),
        (call(URL_call_record="ftp://example.com/x"), "URL_call_record"),
        (call(call_record_key="chats/other/secret.json"), "call_record_key"),  # only the partner's own recordings
        (call(call_record_key=f"recordings/{PARTNER.lower()}/../x"), "call_record_key"),
        (call(URL_call_record="https://example.com/x", call_record_key=f"recordings/{PARTNER.lower()}/x.mp3"), "URL_call_record"),
        (call(surprise=1), "surprise"),
        (sip(duration_after_answer=61), "duration_after_answer"),
        (sip(sip_call_status_id=3), "sip_call_status_id"),
        (sip(incoming="yes"), "incoming"),
    ],
)
def test_invalid_records_are_refused_naming_the_field(record, field):
    with pytest.raises(InvalidRecord) as refused:
        parse_record(json.dumps(record))
    assert field in str(refused.value) or "URL_call_record or call_record_key" in str(refused.value)


@pytest.mark.parametrize("body", ["{not json", "[]", json.dumps({"record_type": "fax"}), json.dumps({"call_id": "x"})])
def test_what_is_no_record_at_all_is_refused(body):
    with pytest.raises(InvalidRecord):
        parse_record(body)


def test_a_refusal_does_not_repeat_the_values():
    # an abonent number is personal data: the reason names the field and the rule only
    with pytest.raises(InvalidRecord) as refused:
        parse_record(json.dumps(sip(abonent="+7" + "9" * 80)))
    assert "abonent" in str(refused.value) and "999999" not in str(refused.value)


def test_chat_sessions_keep_their_messages_in_moscow_time():
    agent = str(uuid.uuid4())
    record = parse_record(
        {
            "record_type": "colleague_chat_session",
            "session_id": str(uuid.uuid4()),
            "time": "2013-04-30T07:00:00Z",
            "partner_id": PARTNER,
            "colleague1_id": agent,
            "colleague2_id": str(uuid.uuid4()),
            "messages": [{"time": "2013-04-30T12:00:05+05:00", "agent_id": agent, "text": "Привет"}],
        }
    )
    assert record.time == "2013-04-30T10:00:00" and record.messages[0].time == "2013-04-30T10:00:05"
    with pytest.raises(InvalidRecord):
        parse_record({**record.model_dump(), "end_time": "2013-04-30T09:59:59"})
