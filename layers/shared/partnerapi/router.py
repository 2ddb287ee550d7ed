"""The single URL /cus/ws/PartnerAPI: dispatch each call to the function of its operation's group.

The operation comes from the first element of the SOAP Body (read by the same guard that refuses
hostile input) or, failing that, from SOAPAction. The group function is invoked synchronously with
the same event. Only the WSDL needs spyne, and it is loaded on the first WSDL request.
"""

import json
import os
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from partnerapi.errors import InternalError
from partnerapi.groups import OPERATION_GROUP
from partnerapi.http import HttpResponse, request_from_event, response_to_event
from partnerapi.settings import get_settings
from partnerapi.soap.envelope import HostileInput, content_type_of, fault_document, inspect, soap_action, version_of

Invoker = Callable[[str, dict[str, Any]], dict[str, Any]]


def lambda_invoker(function_name: str, event: dict[str, Any]) -> dict[str, Any]:
    from partnerapi.data.clients import client

    response = client("lambda").invoke(FunctionName=function_name, InvocationType="RequestResponse", Payload=json.dumps(event).encode())
    payload = json.loads(response["Payload"].read() or b"{}")
    if response.get("FunctionError"):
        raise InternalError(f"{function_name} failed: {payload.get('errorType')}")
    return payload


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


def _fault(version: str, code: str, message: str, status: int, not_understood: tuple[tuple[str, str], ...] = ()) -> dict[str, Any]:
    return response_to_event(HttpResponse(status, fault_document(version, code, message, not_understood), {"Content-Type": content_type_of(version)}))


def route(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = request_from_event(event, getattr(context, "aws_request_id", ""))
    if request.method != "POST":
        return response_to_event(_combined_endpoint().handle(request))
    try:
        soap = inspect(request.body, request.content_type, get_settings().max_request_bytes)
    except HostileInput as refusal:
        version = version_of(request.content_type) or "1.1"
        return _fault(version, refusal.faultcode, refusal.message, refusal.status, refusal.not_understood)
    group = OPERATION_GROUP.get(soap.operation) or OPERATION_GROUP.get(soap_action(request.headers) or "")
    function_name = group_function(group) if group else None
    if group is None or function_name is None:
        return _fault(soap.version, "Client.UnknownOperation", f"Операция «{soap.operation}» не найдена в PartnerAPI", 400)
    try:
        return _invoker[0](function_name, event)
    except InternalError:
        from partnerapi.observability import logger

        logger().exception("group function failed", extra={"group": group, "request_id": request.request_id})
        return _fault(soap.version, "Server", f"Внутренняя ошибка сервиса. Идентификатор запроса: {request.request_id}", 500)
