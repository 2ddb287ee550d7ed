"""The records the telephony, remote-access and chat platforms publish (docs/events.md).

One JSON object per record (an SQS message body, or a line of a JSON Lines file), told apart by
`record_type`. The fields are the spec's result fields of the operation that reads the record back
(statistics_read, remote_access_statistics_read, sip_calls_statistics_read, the chat histories),
plus `partner_id` where the result has none: every record belongs to one partner, whose statistics
show it. IDs are UUIDs (stored in canonical lower-case form). Times are ISO 8601: with an offset they
are converted to Moscow time, without one they are Moscow time; they are kept to the second.

Only the ingest path imports this module (pydantic stays out of the SOAP functions' cold start).
"""

import json
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from partnerapi.logic.moscow_time import MOSCOW, key_time, parse_instant

RECORDINGS_PREFIX = "recordings/"  # call recordings in the chat history bucket: recordings/<partner_id>/…
MAX_MESSAGES = 10_000
MAX_MESSAGE_CHARS = 20_000


def _uuid(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a UUID string")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ValueError(f"«{value[:50]}» is not a UUID") from None


def _moscow_time(value: Any) -> str:
    """Any ISO 8601 datetime → `YYYY-MM-DDTHH:MM:SS` in Moscow time (a fraction of a second is cut off)."""
    if isinstance(value, datetime):
        moment = value.astimezone(MOSCOW).replace(tzinfo=None) if value.tzinfo else value
        return key_time(moment.replace(microsecond=0))
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 datetime string")
    parsed = parse_instant(value)
    if parsed is None:
        raise ValueError(f"«{value[:50]}» is not an ISO 8601 datetime (2013-04-30T10:00:00, optionally with an offset)")
    moment, _ = parsed
    if not 2000 <= moment.year <= 2999:
        raise ValueError(f"{moment.year} is not a plausible year")
    return key_time(moment)


Id = Annotated[str, BeforeValidator(_uuid)]
MoscowTime = Annotated[str, BeforeValidator(_moscow_time)]
Seconds = Annotated[int, Field(ge=0, le=7 * 24 * 3600, strict=True)]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    partner_id: Id
    time: MoscowTime

    @property
    def record_id(self) -> str:
        raise NotImplementedError


class CallRecord(Record):
    """A call through the service (statistics_read)."""

    record_type: Literal["call"]
    call_id: Id
    duration: Seconds
    client_id: Id | None = None
    src_agent_id: Id | None = None
    dst_agent_id: Id | None = None
    service_type_id: Id | None = None
    call_status_id: int = Field(ge=0, le=7, strict=True)  # the fixed list of call_status_type_read
    remote_status_id: int = Field(default=0, ge=0, le=2, strict=True)  # deprecated by the spec, still returned
    URL_call_record: str | None = Field(default=None, max_length=2048, pattern=r"^https?://\S+$")  # noqa: N815 - the spec's name
    call_record_key: str | None = Field(default=None, max_length=1024)

    @property
    def record_id(self) -> str:
        return self.call_id

    @model_validator(mode="after")
    def _one_recording(self) -> "CallRecord":
        if self.URL_call_record and self.call_record_key:
            raise ValueError("give URL_call_record or call_record_key, not both")
        if self.call_record_key is not None:
            prefix = f"{RECORDINGS_PREFIX}{self.partner_id}/"
            key = self.call_record_key
            if not key.startswith(prefix) or len(key) == len(prefix) or ".." in key.split("/") or "//" in key:
                raise ValueError(f"call_record_key must be an object key under {prefix}")
        return self


class RemoteAccessSession(Record):
    """A remote-access session (remote_access_statistics_read)."""

    record_type: Literal["remote_access_session"]
    session_id: Id
    duration: Seconds
    client_id: Id | None = None
    server_agent_id: Id | None = None  # shares its desktop
    dst_agent_id: Id | None = None  # controls the desktop
    service_type_id: Id | None = None
    remote_access_result_id: int = Field(ge=0, le=1, strict=True)  # 0 success, 1 error
    remote_access_type_id: int = Field(ge=1, le=2, strict=True)  # the fixed list of remote_access_type_read

    @property
    def record_id(self) -> str:
        return self.session_id


class SipCall(Record):
    """A call of a client's SIP line (sip_calls_statistics_read)."""

    record_type: Literal["sip_call"]
    call_id: Id
    duration: Seconds
    duration_after_answer: Seconds
    agent_id: Id
    abonent: str = Field(min_length=1, max_length=64)
    incoming: bool = Field(strict=True)
    sip_call_status_id: int = Field(ge=0, le=2, strict=True)  # 0 success, 1 busy, 2 no answer

    @property
    def record_id(self) -> str:
        return self.call_id

    @model_validator(mode="after")
    def _answered_within(self) -> "SipCall":
        if self.duration_after_answer > self.duration:
            raise ValueError("duration_after_answer exceeds duration")
        return self


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    time: MoscowTime
    agent_id: Id  # the author's agent
    text: str = Field(max_length=MAX_MESSAGE_CHARS)


class ChatSessionBase(Record):
    session_id: Id
    end_time: MoscowTime | None = None
    messages: list[ChatMessage] = Field(default_factory=list, max_length=MAX_MESSAGES)

    @property
    def record_id(self) -> str:
        return self.session_id

    @model_validator(mode="after")
    def _ends_after_start(self) -> "ChatSessionBase":
        if self.end_time is not None and self.end_time < self.time:
            raise ValueError("end_time is before time")
        return self


class ChatSession(ChatSessionBase):
    """A support chat of a client employee on a support line (chat_history_statistics_read)."""

    record_type: Literal["chat_session"]
    client_id: Id
    client_user_id: Id
    agent_user_id: Id | None = None  # the employee's device
    service_type_id: Id  # the support line
    service_id: Id | None = None  # the subscription the chat was served under, if known


class ColleagueChatSession(ChatSessionBase):
    """A chat between two colleagues' agents (chat_history_colleagues_read)."""

    record_type: Literal["colleague_chat_session"]
    colleague1_id: Id
    colleague2_id: Id


AnyRecord = Annotated[CallRecord | RemoteAccessSession | SipCall | ChatSession | ColleagueChatSession, Field(discriminator="record_type")]
RECORD_TYPES = ("call", "remote_access_session", "sip_call", "chat_session", "colleague_chat_session")
_ADAPTER: TypeAdapter[Any] = TypeAdapter(AnyRecord)


class InvalidRecord(ValueError):
    """A record that can never be stored as it is (malformed JSON, unknown type, invalid field)."""


def parse_record(body: str | bytes | dict[str, Any]) -> CallRecord | RemoteAccessSession | SipCall | ChatSession | ColleagueChatSession:
    try:
        value = body if isinstance(body, dict) else json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidRecord(f"not a JSON object: {error}") from None
    if not isinstance(value, dict):
        raise InvalidRecord("not a JSON object")
    if value.get("record_type") not in RECORD_TYPES:
        raise InvalidRecord(f"record_type must be one of {', '.join(RECORD_TYPES)}")
    try:
        return _ADAPTER.validate_python(value)
    except ValidationError as error:
        raise InvalidRecord(explain(error)) from None


def explain(error: ValidationError) -> str:
    """Field paths and messages only: values may be personal data and never reach a log."""
    parts = []
    for entry in error.errors(include_url=False, include_input=False):
        location = ".".join(str(part) for part in entry["loc"][1:] or entry["loc"])
        parts.append(f"{location}: {entry['msg'].removeprefix('Value error, ')}")
    return "; ".join(parts)
