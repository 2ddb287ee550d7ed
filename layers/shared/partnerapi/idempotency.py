"""The Idempotency-Key header (IETF httpapi draft "The Idempotency-Key HTTP Header Field") on writes,
kept with Powertools' idempotency utility and its DynamoDB persistence layer.

The same key from the same partner within 24 h replays the first answer (a result or a `Client`
fault) and changes nothing; the same key with another body is `Client.IdempotencyKeyReused`. A
`Server` fault is not kept: the caller retries with the same key, and the request runs again with
the same write seed (data/writes.py), so what the failed attempt had written is not written twice.
Imported only by requests that carry the header: the common path pays no import.
"""

import base64
import hashlib
import re
from collections.abc import Callable
from functools import cache
from typing import Any

from partnerapi.data.clients import client
from partnerapi.errors import InternalError, PartnerApiError
from partnerapi.http import HttpResponse
from partnerapi.settings import get_settings

HEADER = "idempotency-key"
REPLAYED_HEADER = "Idempotent-Replayed"
EXPIRES_AFTER_SECONDS = 24 * 60 * 60
# a request still running after this long is taken as failed: API Gateway gave up on it at 29 s
IN_PROGRESS_SECONDS = 30
# printable ASCII: what a client can send in a header and a log line can show; UUIDs fit with room
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


class InvalidIdempotencyKey(PartnerApiError):
    faultcode = "Client.InvalidIdempotencyKey"

    def __init__(self) -> None:
        super().__init__("Недопустимое значение заголовка Idempotency-Key: ожидается от 1 до 255 печатных символов ASCII (например, UUID)")


class IdempotencyKeyReused(PartnerApiError):
    faultcode = "Client.IdempotencyKeyReused"
    status = 422

    def __init__(self) -> None:
        super().__init__("Idempotency-Key уже использован с другим телом запроса: для нового запроса нужен новый ключ")


class IdempotencyKeyInProgress(PartnerApiError):
    faultcode = "Client.IdempotencyKeyInProgress"
    status = 409

    def __init__(self) -> None:
        super().__init__("Запрос с этим Idempotency-Key еще выполняется: повторите его позже с тем же ключом")


class _NotKept(Exception):
    """Carries a `Server` fault out of the idempotent function, so Powertools deletes its record."""

    def __init__(self, response: HttpResponse):
        super().__init__("server fault: not kept")
        self.response = response


class _RequestTime:
    """The part of a Lambda context Powertools reads to expire an in-progress record."""

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return IN_PROGRESS_SECONDS * 1000


def idempotency_key(headers: dict[str, str]) -> str | None:
    """The header's value (None without the header); a malformed one is a `Client` fault."""
    value = headers.get(HEADER)
    if value is None:
        return None
    value = value.strip().strip('"')  # the draft's form is a quoted structured-field string
    if not _KEY.match(value):
        raise InvalidIdempotencyKey()
    return value


def _to_record(response: HttpResponse) -> dict[str, Any]:
    return {"status": response.status, "headers": response.headers, "body": base64.b64encode(response.body).decode()}


def _from_record(record: dict[str, Any]) -> HttpResponse:
    return HttpResponse(int(record["status"]), base64.b64decode(record["body"]), dict(record["headers"]))


@cache
def _keeper(dynamodb: Any) -> Callable[..., dict[str, Any]]:
    """The idempotent runner over one DynamoDB client (a new one after `reset_clients()`)."""
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig, idempotent_function

    table = get_settings().idempotency_table
    if not table:
        raise InternalError("IDEMPOTENCY_TABLE is not configured")

    def mark_replayed(response: dict[str, Any], _record: Any) -> dict[str, Any]:
        return {**response, "headers": {**response["headers"], REPLAYED_HEADER: "true"}}

    config = IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="fingerprint",
        expires_after_seconds=EXPIRES_AFTER_SECONDS,
        hash_function="sha256",
        response_hook=mark_replayed,
    )
    config.register_lambda_context(_RequestTime())  # type: ignore[arg-type]
    persistence = DynamoDBPersistenceLayer(table_name=table, boto3_client=dynamodb)

    @idempotent_function(data_keyword_argument="request", persistence_store=persistence, config=config, key_prefix="partnerapi-soap")
    def keep(request: dict[str, str], run: Callable[[], HttpResponse]) -> dict[str, Any]:
        response = run()
        if response.server_fault:
            raise _NotKept(response)
        return _to_record(response)

    return keep


def replay_or_run(partner_id: str, key: str, body: bytes, run: Callable[[], HttpResponse]) -> HttpResponse:
    """The first answer for (partner, key), or `run()`'s answer, kept for 24 h unless a `Server` fault."""
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyPersistenceLayerError,
        IdempotencyValidationError,
    )

    request = {"key": f"{partner_id}\x00{key}", "fingerprint": hashlib.sha256(body).hexdigest()}
    try:
        return _from_record(_keeper(client("dynamodb"))(request=request, run=run))
    except _NotKept as failed:
        return failed.response
    except IdempotencyValidationError:
        raise IdempotencyKeyReused() from None
    except IdempotencyAlreadyInProgressError:
        raise IdempotencyKeyInProgress() from None
    except IdempotencyPersistenceLayerError as error:
        raise InternalError(f"idempotency store: {error}") from error
