"""Chat histories: the sessions that start in a period, with their messages, as one UTF-8 JSON document
(docs/events.md, «Chat history document»), returned as base64Binary.

Transcripts live in the chat history bucket, one object per session, already in the form the document
shows; the DynamoDB index (data/keys.py chat_pk / colleague_chat_pk) lists a conversation's sessions
by start time with each transcript's size. The document's size is therefore known from the index
alone, and a period too large for one response is refused before any transcript is read.
"""

import json

from partnerapi.data import blobs, keys, table
from partnerapi.errors import InvalidParameter, MissingParameter, ResponseTooLarge
from partnerapi.logic.moscow_time import key_time, result_time
from partnerapi.logic.references import Kind, canonical_uuid, resolve
from partnerapi.logic.statistics import window
from partnerapi.logic.values import require

DOCUMENT_FORMAT = "partnerapi.chat_history.v1"
# A response carries the document base64-encoded inside the SOAP body, which Lambda's response again
# base64-encodes: 3 MiB of document is ≈ 5.4 MB of payload, under the 6 MB limit without gzip.
MAX_DOCUMENT_BYTES = 3 * 1024 * 1024
_AFTER_ANY_ID = "#~"
_PERIOD = ("period_from", "period_to")


def _period(period_from: str | None, period_to: str | None) -> tuple[str, str]:
    start, end = window(period_from, period_to, _PERIOD)
    if start is None:
        raise MissingParameter("Не указано начало интервала отчета (period_from)")
    if end is None:
        raise MissingParameter("Не указан конец интервала отчета (period_to)")
    return key_time(start), key_time(end)


def _document(header: dict[str, object], pk: str, low: str, high: str, agent_user_id: str | None = None) -> bytes:
    """The header plus every indexed session of the conversation that starts in [low, high]."""
    filters = {"agent_user_id": agent_user_id} if agent_user_id else None
    index = [item for items, _ in table.query_range_pages(pk, low, high + _AFTER_ANY_ID, filters) for item in items]
    text = json.dumps({**header, "period_from": result_time(low), "period_to": result_time(high), "sessions": []}, ensure_ascii=False, separators=(",", ":"))
    prefix, suffix = text[:-2].encode("utf-8"), b"]}"
    size = len(prefix) + sum(item["transcript_size"] for item in index) + max(len(index) - 1, 0) + len(suffix)
    if size > MAX_DOCUMENT_BYTES:
        raise ResponseTooLarge(
            f"История чата за период содержит {len(index)} сеансов ({size} байт) и не помещается в один ответ "
            f"(не более {MAX_DOCUMENT_BYTES} байт). Сузьте интервал отчета (period_from, period_to)"
        )
    transcripts = blobs.read_many(item["transcript_key"] for item in index)
    return prefix + b",".join(transcripts) + suffix


def chat_history_statistics_read(partner_id: str, client_user_id: str | None, service_id: str | None, period_from: str | None, period_to: str | None) -> bytes:
    """client_user_id: the spec's name is a client employee, its text «УИД агента (устройство
    сотрудника клиента)»: either is taken (a user agent narrows to that device). service_id: «линия
    поддержки»: a service type, or a subscription, standing for its service type (spec-notes T6)."""
    require(client_user_id, "Не указан сотрудник клиента (client_user_id)")
    require(service_id, "Не указана линия поддержки (service_id)")
    kinds = {"client_user_id": Kind.CLIENT_USER_OR_AGENT, "service_id": Kind.SERVICE_OR_TYPE}
    refs = resolve(partner_id, {"client_user_id": client_user_id, "service_id": service_id}, kinds)
    low, high = _period(period_from, period_to)
    user, line = refs["client_user_id"], refs["service_id"]
    device = user["agent_user_id"] if user.get("kind") == "agent_user" else None
    employee = user["client_user_id"]
    if line.get("kind") == "service":
        if line["client_id"] != user["client_id"]:
            raise InvalidParameter(f"Абонемент «{line['service_id']}» (service_id) оформлен не на клиента сотрудника «{employee}» (client_user_id)")
        service_type_id = line["service_type_id"]
    else:
        service_type_id = canonical_uuid(service_id)
    header = {"format": DOCUMENT_FORMAT, "operation": "chat_history_statistics_read", "client_user_id": canonical_uuid(client_user_id), "service_id": canonical_uuid(service_id)}
    return _document(header, keys.chat_pk(partner_id, employee, service_type_id), low, high, device)


def chat_history_colleagues_read(partner_id: str, colleague1_id: str | None, colleague2_id: str | None, period_from: str | None, period_to: str | None) -> bytes:
    """Both colleagues are agents (spec: «УИД агента»), partner or user agents; in either order."""
    require(colleague1_id, "Не указан первый собеседник (Colleague1_id)")
    require(colleague2_id, "Не указан второй собеседник (Colleague2_id)")
    resolve(partner_id, {"Colleague1_id": colleague1_id, "Colleague2_id": colleague2_id}, {"Colleague1_id": Kind.AGENT, "Colleague2_id": Kind.AGENT})
    low, high = _period(period_from, period_to)
    first, second = canonical_uuid(colleague1_id), canonical_uuid(colleague2_id)
    header = {"format": DOCUMENT_FORMAT, "operation": "chat_history_colleagues_read", "Colleague1_id": first, "Colleague2_id": second}
    return _document(header, keys.colleague_chat_pk(partner_id, first, second), low, high)
