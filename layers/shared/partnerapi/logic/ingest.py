"""Stores the platforms' records (partnerapi.events): the one record processor behind the ingest
function (SQS) and `partnerapi ingest FILE.jsonl`.

Calls, remote-access sessions and SIP calls are DynamoDB items; a chat session is a transcript in the
chat history bucket plus an index item in DynamoDB. Idempotency by record id, with conditional puts
only (no transaction, no read): first a marker of the id, which may only be new or point at this very
record's key, then the record itself, which may only be new. A redelivered record (SQS delivers at
least once) changes nothing and is reported as a duplicate; so is another record reusing a stored id.
A failure between the two puts is repaired by the redelivery: the marker matches, the record is new.
Keys: data/keys.py, statistics section.
"""

import json
import weakref
from dataclasses import dataclass
from typing import Any

from partnerapi.data import blobs, keys, table
from partnerapi.data.clients import client
from partnerapi.events import (
    CallRecord,
    ChatSession,
    ColleagueChatSession,
    RemoteAccessSession,
    SipCall,
    parse_record,
)
from partnerapi.logic.moscow_time import result_time

TableRecord = CallRecord | RemoteAccessSession | SipCall
ChatRecord = ChatSession | ColleagueChatSession

RECORD_KINDS: dict[type, str] = {
    CallRecord: keys.CALL_RECORDS,
    RemoteAccessSession: keys.REMOTE_ACCESS_RECORDS,
    SipCall: keys.SIP_CALL_RECORDS,
    ChatSession: keys.CHAT_SESSIONS,
    ColleagueChatSession: keys.COLLEAGUE_CHAT_SESSIONS,
}
ITEM_KINDS: dict[type, str] = {
    CallRecord: "call_record",
    RemoteAccessSession: "remote_access_record",
    SipCall: "sip_call_record",
    ChatSession: "chat_session_index",
    ColleagueChatSession: "colleague_chat_session_index",
}
TRANSCRIPTS_PREFIX = "chats/"
_NEW_ONLY = "attribute_not_exists(PK)"
_NEW_OR_SAME_RECORD = "attribute_not_exists(PK) OR (data_pk = :data_pk AND data_sk = :data_sk)"
# months already listed, per DynamoDB client (a new client, e.g. another table or test, starts afresh)
_listed_months: "weakref.WeakKeyDictionary[Any, set[tuple[str, str]]]" = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Outcome:
    record_type: str
    record_id: str
    stored: bool  # False: the record was there already (a redelivery)


# --------------------------------------------------------------------------------- items --


def month_item(partner_id: str, record_kind: str, month: str) -> table.Item:
    return {
        "PK": keys.partner_pk(partner_id),
        "SK": keys.statistics_month_sk(record_kind, month),
        "kind": "statistics_month",
        "record_kind": record_kind,
        "month": month,
    }


def marker_item(record: TableRecord | ChatRecord, data: table.Item) -> table.Item:
    return {
        "PK": keys.record_marker_pk(record.partner_id, RECORD_KINDS[type(record)], record.record_id),
        "SK": keys.RECORD_MARKER_SK,
        "kind": "statistics_record_marker",
        "data_pk": data["PK"],
        "data_sk": data["SK"],
    }


def record_item(record: TableRecord) -> table.Item:
    """The stored form of a call, remote-access session or SIP call: its fields under its month partition."""
    fields = record.model_dump(exclude={"record_type"}, exclude_none=True)
    return {
        "PK": keys.statistics_pk(record.partner_id, RECORD_KINDS[type(record)], record.time[:7]),
        "SK": keys.statistics_sk(record.time, record.record_id),
        "kind": ITEM_KINDS[type(record)],
        **fields,
    }


def items_of(record: TableRecord) -> list[table.Item]:
    """Everything storing one record writes: the record, its id marker, its month in the month list
    (bench/statistics_scale.py loads exactly these)."""
    data = record_item(record)
    return [data, marker_item(record, data), month_item(record.partner_id, RECORD_KINDS[type(record)], record.time[:7])]


def transcript(record: ChatRecord) -> dict[str, Any]:
    """A chat session as the chat history documents show it (docs/events.md): times with their offset."""
    session: dict[str, Any] = {"session_id": record.session_id, "time": result_time(record.time), "end_time": record.end_time and result_time(record.end_time)}
    session["partner_id"] = record.partner_id
    if isinstance(record, ChatSession):
        session.update(
            client_id=record.client_id,
            client_user_id=record.client_user_id,
            agent_user_id=record.agent_user_id,
            service_type_id=record.service_type_id,
            service_id=record.service_id,
        )
    else:
        session.update(colleague1_id=record.colleague1_id, colleague2_id=record.colleague2_id)
    session["messages"] = [{"time": result_time(message.time), "agent_id": message.agent_id, "text": message.text} for message in record.messages]
    return session


def transcript_bytes(record: ChatRecord) -> bytes:
    return json.dumps(transcript(record), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def transcript_key(record: ChatRecord) -> str:
    return f"{TRANSCRIPTS_PREFIX}{record.partner_id}/{record.time[:7]}/{record.session_id}.json"


def chat_index_item(record: ChatRecord, key: str, size: int) -> table.Item:
    if isinstance(record, ChatSession):
        pk = keys.chat_pk(record.partner_id, record.client_user_id, record.service_type_id)
        extra = {"client_id": record.client_id, "client_user_id": record.client_user_id, "service_type_id": record.service_type_id}
        extra.update({name: value for name in ("agent_user_id", "service_id") if (value := getattr(record, name)) is not None})
    else:
        pk = keys.colleague_chat_pk(record.partner_id, record.colleague1_id, record.colleague2_id)
        extra = {"colleague1_id": record.colleague1_id, "colleague2_id": record.colleague2_id}
    return {
        "PK": pk,
        "SK": keys.statistics_sk(record.time, record.session_id),
        "kind": ITEM_KINDS[type(record)],
        "session_id": record.session_id,
        "partner_id": record.partner_id,
        "time": record.time,
        **extra,
        "transcript_key": key,
        "transcript_size": size,
    }


# -------------------------------------------------------------------------------- writing --


def _list_month(item: table.Item) -> None:
    """Puts the month into the partner's month list once per process (the put is idempotent anyway)."""
    listed = _listed_months.setdefault(client("dynamodb"), set())
    if (item["PK"], item["SK"]) not in listed:
        table.put(item)
        listed.add((item["PK"], item["SK"]))


def _claim_id(marker: table.Item) -> bool:
    """False when the id is already taken by a record under another key."""
    try:
        table.put(marker, _NEW_OR_SAME_RECORD, {":data_pk": marker["data_pk"], ":data_sk": marker["data_sk"]})
    except table.ConditionFailed:
        return False
    return True


def _put_new(data: table.Item) -> bool:
    try:
        table.put(data, _NEW_ONLY)
    except table.ConditionFailed:
        return False
    return True


def store(record: TableRecord | ChatRecord) -> Outcome:
    if isinstance(record, ChatSession | ColleagueChatSession):
        body = transcript_bytes(record)
        key = transcript_key(record)
        data = chat_index_item(record, key, len(body))
        if not _claim_id(marker_item(record, data)):
            return Outcome(record.record_type, record.record_id, stored=False)
        blobs.put_new(key, body)  # before the index: an index item never points at a missing transcript
    else:
        data, marker, month = items_of(record)
        if not _claim_id(marker):
            return Outcome(record.record_type, record.record_id, stored=False)
        _list_month(month)  # before the record: a stored record's month is always listed
    return Outcome(record.record_type, record.record_id, stored=_put_new(data))


def process(body: str | bytes | dict[str, Any]) -> Outcome:
    """One record as a producer sent it: validated (events.InvalidRecord when it never can be), then stored."""
    return store(parse_record(body))
