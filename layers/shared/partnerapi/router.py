"""The single URL /cus/ws/PartnerAPI: dispatch each call to the function of its operation's group.

The operation is the first element of the SOAP Body (read by the same guard that refuses hostile
input); one that is not PartnerAPI's (or not in its namespace) is refused here. The group function is
invoked synchronously with the same event; a throttled invocation is answered 429 with Retry-After.
The API's catch-all route also ends here, for a 404 in the request's SOAP version. Only the WSDL, the
service page and 405 need spyne's applications, loaded on the first such request.
"""

import json
import os
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from partnerapi.errors import GroupFunctionThrottled, InternalError
from partnerapi.groups import OPERATION_GROUP
from partnerapi.http import HttpRequest, HttpResponse, request_from_event, response_to_event
from partnerapi.settings import get_settings
from partnerapi.soap.envelope import HostileInput, content_type_of, fault_document, inspect, not_found, unauthenticated, unknown_operation, version_of

SERVICE_PATH = "/cus/ws/PartnerAPI"
RETRY_AFTER_SECONDS = 1  # when Lambda names no delay: concurrency frees up as soon as running calls end

Invoker = Callable[[str, dict[str, Any]], dict[str, Any]]


def lambda_invoker(function_name: str, event: dict[str, Any]) -> dict[str, Any]:
    from partnerapi.data.clients import client

    lambda_client = client("lambda")
    try:
        response = lambda_client.invoke(FunctionName=function_name, InvocationType="RequestResponse", Payload=json.dumps(event).encode())
    except lambda_client.exceptions.TooManyRequestsException as throttled:  # after botocore's own retry
        raise GroupFunctionThrottled(_retry_after(throttled.response)) from throttled
    payload = json.loads(response["Payload"].read() or b"{}")
    if response.get("FunctionError"):
        raise InternalError(f"{function_name} failed: {payload.get('errorType')}")
    return payload


def _retry_after(error_response: dict[str, Any]) -> int:
    """Lambda's advice (retryAfterSeconds, the Retry-After header of its answer), else a second."""
    try:
        return max(1, int(str(error_response.get("retryAfterSeconds") or RETRY_AFTER_SECONDS)))
    except ValueError:
        return RETRY_AFTER_SECONDS


_invoker: list[Invoker] = [lambda_invoker]


def use_invoker(invoker: Invoker) -> None:
    """The sandbox swaps Lambda invocation for an in-process call."""
    _invoker[0] = invoker


def group_function(group: str) -> str | None:
    return os.environ.get(f"GROUP_FUNCTION_{group.upper()}")


@lru_cache(maxsize=1)
def _combined_endpoint() -> Any:
    from partnerapi.soap.endpoint import SoapEndpoint

    return SoapEndpoint.for_all()


def _fault(version: str, code: str, message: str, status: int, not_understood: tuple[tuple[str, str], ...] = (), headers: dict[str, str] | None = None) -> dict[str, Any]:
    headers = {"Content-Type": content_type_of(version), "Cache-Control": "no-store", **(headers or {})}
    return response_to_event(HttpResponse(status, fault_document(version, code, message, not_understood), headers))


def _refuse(version: str, refusal: HostileInput) -> dict[str, Any]:
    return _fault(version, refusal.faultcode, refusal.message, refusal.status, refusal.not_understood, refusal.headers)


def route(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = request_from_event(event, getattr(context, "aws_request_id", ""))
    # answered in the SOAP version the Content-Type names; in SOAP 1.1 when it names none
    version = version_of(request.content_type) or "1.1"
    # the API's catch-all route (template.yaml) brings every unknown path here
    if (event.get("resource") or request.path).rstrip("/") != SERVICE_PATH:
        return _refuse(version, not_found(request.path, SERVICE_PATH))
    if request.method != "POST":
        return response_to_event(_combined_endpoint().handle(request))
    if request.partner_id is None:
        return _refuse(version, unauthenticated())
    try:
        soap = inspect(request.body, request.content_type, get_settings().max_request_bytes)
    except HostileInput as refusal:
        return _refuse(version, refusal)
    refusal = unknown_operation(soap, OPERATION_GROUP, request.public_url.rstrip("/"))
    if refusal is not None:
        return _refuse(version, refusal)
    group = OPERATION_GROUP[soap.operation]
    function_name = group_function(group)
    try:
        if function_name is None:
            raise InternalError(f"GROUP_FUNCTION_{group.upper()} is not set")
        return _invoker[0](function_name, event)
    except GroupFunctionThrottled as throttled:
        message = f"Сервис перегружен запросами: повторите запрос через {throttled.retry_after} с. Запрос не выполнен"
        return _fault(version, throttled.faultcode, message, 429, headers={"Retry-After": str(throttled.retry_after)})
    except InternalError:
        return _server_fault(version, request, group)


def _server_fault(version: str, request: HttpRequest, group: str) -> dict[str, Any]:
    from partnerapi.observability import logger

    logger().exception("group function failed", extra={"group": group, "request_id": request.request_id})
    return _fault(version, "Server", f"Внутренняя ошибка сервиса. Идентификатор запроса: {request.request_id}", 500)
