"""A local API Gateway: the routes, the Basic authorizer and the Lambda proxy integration of
template.yaml, run in-process around the very handlers that are deployed.

Each function handles one request at a time, as one Lambda instance does. As on AWS, the authorizer
runs for every POST to a SOAP URL (no identity source, ReauthorizeEvery 0) and never denies; the
functions answer 401, 404 (the router, behind the catch-all route) and 405 in the request's SOAP version.
"""

import base64
import logging
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from partnerapi.http import HttpResponse, response_from_event
from partnerapi.router import SERVICE_PATH, use_invoker
from partnerapi.soap.envelope import content_type_of, fault_document

from partnerapi_ops import faults
from partnerapi_ops.emulation import FUNCTION_GROUPS, REGION
from partnerapi_ops.template import load_handler

BASE_PATH = SERVICE_PATH
ROUTER = "RouterFunction"
AUTHORIZER = "AuthorizerFunction"
CATCH_ALL = "/{proxy+}"  # the router's NotFound route in template.yaml


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
        use_invoker(self.functions.invoke)  # the router's Lambda invocations stay in-process

    def route(self, path: str) -> tuple[str, str]:
        """(function, API resource) of a path: a SOAP URL's own resource, else the catch-all route."""
        path = path.rstrip("/")
        if path == BASE_PATH:
            return ROUTER, BASE_PATH
        prefix, _, group = path.rpartition("/")
        if prefix == BASE_PATH:
            for logical_id, known in FUNCTION_GROUPS.items():
                if known == group:
                    return logical_id, path
        return ROUTER, "/" if not path else CATCH_ALL

    def authorize(self, headers: dict[str, str], method: str, path: str) -> dict[str, str]:
        """Runs the authorizer function like API Gateway does; its context (partner_id "" when the
        credentials are missing or wrong) goes to the function."""
        event = {
            "type": "REQUEST",
            "methodArn": f"arn:aws:execute-api:{REGION}:000000000000:local/local/{method}{path}",
            "headers": headers,
            "httpMethod": method,
            "path": path,
        }
        policy = self.functions.invoke(AUTHORIZER, event)
        return {**policy["context"], "principalId": policy["principalId"]}

    def handle(self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes, peer: str = "127.0.0.1") -> HttpResponse:
        headers = {name.lower(): value for name, value in headers.items()}
        logical_id, resource = self.route(path)
        context: dict[str, Any] = {"stage": "local", "requestId": str(uuid.uuid4()), "httpMethod": method, "path": path, "resourcePath": resource, "identity": {"sourceIp": peer}}
        try:
            if method == "POST" and resource not in (CATCH_ALL, "/"):  # template.yaml: only the POST methods have the authorizer
                context["authorizer"] = self.authorize(headers, method, path)
            event = {
                "resource": resource,
                "path": path.rstrip("/") or "/",
                "httpMethod": method,
                "headers": headers,
                "multiValueHeaders": {name: [value] for name, value in headers.items()},
                "queryStringParameters": query or None,
                "requestContext": context,
                "body": base64.b64encode(body).decode() if body else None,
                "isBase64Encoded": bool(body),
            }
            return response_from_event(self.functions.invoke(logical_id, event))
        except Exception:
            # what API Gateway does when the authorizer or the integration fails: template.yaml's DEFAULT_5XX response
            logging.getLogger("partnerapi.sandbox").exception("function %s failed", logical_id)
            return HttpResponse(502, fault_document("1.1", "Server", "Внутренняя ошибка шлюза"), {"Content-Type": content_type_of("1.1")})
