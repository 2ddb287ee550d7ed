"""A local API Gateway: the routes, the Basic authorizer and the Lambda proxy integration of
template.yaml, run in-process around the very handlers that are deployed.

Each function handles one request at a time, as one Lambda instance does.
"""

import base64
import hashlib
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from partnerapi.http import HttpResponse, response_from_event
from partnerapi.router import use_invoker
from partnerapi.soap.envelope import fault_document

from partnerapi_ops import faults
from partnerapi_ops.emulation import FUNCTION_GROUPS, REGION
from partnerapi_ops.template import load_handler

BASE_PATH = "/cus/ws/PartnerAPI"
ROUTER = "RouterFunction"
AUTHORIZER = "AuthorizerFunction"
AUTHORIZER_TTL_SECONDS = 300  # ReauthorizeEvery in template.yaml
WWW_AUTHENTICATE = 'Basic realm="PartnerAPI", charset="UTF-8"'


@dataclass
class LocalContext:
    """The parts of the Lambda context object that handlers and Powertools read."""

    function_name: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:000000000000:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


class LocalFunctions:
    """Handlers loaded from template.yaml, each behind its own lock (one instance each)."""

    def __init__(self) -> None:
        self._handlers: dict[str, Any] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        faults.install_from_environment()  # PARTNERAPI_SANDBOX_FAULTS (tests/e2e/test_exactly_once.py)

    def invoke(self, logical_id: str, event: dict[str, Any]) -> dict[str, Any]:
        with self._guard:
            if logical_id not in self._handlers:
                self._handlers[logical_id] = load_handler(logical_id)
                self._locks[logical_id] = threading.Lock()
        with self._locks[logical_id]:
            return self._handlers[logical_id](event, LocalContext(logical_id))


class LocalGateway:
    def __init__(self, functions: LocalFunctions | None = None) -> None:
        self.functions = functions or LocalFunctions()
        self._authorized: dict[str, tuple[float, str]] = {}
        use_invoker(self.functions.invoke)  # the router's Lambda invocations stay in-process

    def route(self, path: str) -> str | None:
        path = path.rstrip("/")
        if path == BASE_PATH:
            return ROUTER
        prefix, _, group = path.rpartition("/")
        if prefix == BASE_PATH:
            for logical_id, known in FUNCTION_GROUPS.items():
                if known == group:
                    return logical_id
        return None

    def authorize(self, headers: dict[str, str], method: str, path: str) -> str | None:
        """Runs the authorizer function like API Gateway does, caching its answer per header."""
        header = headers.get("authorization", "")
        cache_key = hashlib.sha256(header.encode("utf-8", "surrogateescape")).hexdigest()
        cached = self._authorized.get(cache_key)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        event = {
            "type": "REQUEST",
            "methodArn": f"arn:aws:execute-api:{REGION}:000000000000:local/local/{method}{path}",
            "headers": headers,
            "httpMethod": method,
            "path": path,
        }
        try:
            policy = self.functions.invoke(AUTHORIZER, event)
        except PermissionError:
            return None
        partner_id = policy["context"]["partner_id"]
        self._authorized[cache_key] = (time.monotonic() + AUTHORIZER_TTL_SECONDS, partner_id)
        return partner_id

    def handle(self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes, peer: str = "127.0.0.1") -> HttpResponse:
        headers = {name.lower(): value for name, value in headers.items()}
        logical_id = self.route(path)
        if logical_id is None:
            return HttpResponse(404, fault_document("1.1", "Client.NotFound", f"Ресурс {path} не найден. Адрес сервиса: {BASE_PATH}?wsdl"), {"Content-Type": "text/xml; charset=utf-8"})
        context: dict[str, Any] = {"stage": "local", "requestId": str(uuid.uuid4()), "httpMethod": method, "path": path, "identity": {"sourceIp": peer}}
        if method == "POST":
            partner_id = self.authorize(headers, method, path)
            if partner_id is None:
                # template.yaml's UNAUTHORIZED gateway response
                return HttpResponse(
                    401,
                    fault_document("1.1", "Client.Unauthorized", "Требуется аутентификация: неверный логин или пароль (HTTP Basic)"),
                    {"Content-Type": "text/xml; charset=utf-8", "WWW-Authenticate": WWW_AUTHENTICATE},
                )
            context["authorizer"] = {"partner_id": partner_id, "principalId": partner_id}
        event = {
            "resource": path.rstrip("/") or "/",
            "path": path.rstrip("/") or "/",
            "httpMethod": method,
            "headers": headers,
            "multiValueHeaders": {name: [value] for name, value in headers.items()},
            "queryStringParameters": query or None,
            "requestContext": context,
            "body": base64.b64encode(body).decode() if body else None,
            "isBase64Encoded": bool(body),
        }
        try:
            return response_from_event(self.functions.invoke(logical_id, event))
        except Exception:
            # what API Gateway does when the integration fails: template.yaml's DEFAULT_5XX response
            logging.getLogger("partnerapi.sandbox").exception("function %s failed", logical_id)
            return HttpResponse(502, fault_document("1.1", "Server", "Внутренняя ошибка шлюза"), {"Content-Type": "text/xml; charset=utf-8"})
