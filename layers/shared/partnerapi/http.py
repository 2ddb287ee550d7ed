"""HTTP requests and responses as plain values, and their API Gateway (REST, proxy) event forms."""

import base64
import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass
class HttpRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes = b""
    query: dict[str, str] = field(default_factory=dict)
    public_url: str = ""  # the URL the client reached, stage prefix included, no query
    partner_id: str | None = None  # set by the authorizer; None: not authenticated
    request_id: str = ""
    # API Gateway's id of the HTTP request: the same when the router invokes a group function again
    gateway_request_id: str = ""

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


@dataclass
class HttpResponse:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    # a `Server` fault: the caller may retry, and an Idempotency-Key does not keep this answer
    server_fault: bool = False


def public_url(headers: dict[str, str], path: str, stage: str | None) -> str:
    host = headers.get("host", "localhost")
    scheme = headers.get("x-forwarded-proto", "https").split(",")[0].strip()
    # execute-api hostnames keep the stage in the path; custom domains map it away
    prefix = f"/{stage}" if stage and host.endswith(".amazonaws.com") else ""
    return f"{scheme}://{host}{prefix}{path}"


def request_from_event(event: dict[str, Any], request_id: str = "") -> HttpRequest:
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items() if value is not None}
    raw = event.get("body") or ""
    body = base64.b64decode(raw) if event.get("isBase64Encoded") else raw.encode("utf-8", "surrogateescape")
    context = event.get("requestContext") or {}
    authorizer = context.get("authorizer") or {}
    path = event.get("path") or "/"
    return HttpRequest(
        method=(event.get("httpMethod") or "GET").upper(),
        path=path,
        headers=headers,
        body=body,
        query={name: value or "" for name, value in (event.get("queryStringParameters") or {}).items()},
        public_url=public_url(headers, path, context.get("stage")),
        # the authorizer passes a request without valid credentials on with partner_id "": the function answers 401
        partner_id=authorizer.get("partner_id") or None,
        request_id=request_id or context.get("requestId") or str(uuid.uuid4()),
        gateway_request_id=context.get("requestId") or "",
    )


# Bodies above this go base64-encoded: the size in the Lambda payload is then exactly 4/3 of the body,
# while JSON-escaped Cyrillic text could take up to 6 bytes per character.
TEXT_BODY_LIMIT = 64 * 1024


def payload_size(body: bytes) -> int:
    """Bytes a body takes in the Lambda response payload, the way response_to_event encodes it."""
    return len(body) if len(body) <= TEXT_BODY_LIMIT else (len(body) + 2) // 3 * 4


def accepts_gzip(headers: dict[str, str]) -> bool:
    """Accept-Encoding names gzip (or *) with a non-zero quality."""
    for part in headers.get("accept-encoding", "").split(","):
        coding, _, parameters = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            quality = parameters.strip().lower().removeprefix("q=")
            try:
                return float(quality) > 0 if parameters.strip() else True
            except ValueError:
                return False
    return False


def response_to_event(response: HttpResponse) -> dict[str, Any]:
    body = response.body
    if len(body) <= TEXT_BODY_LIMIT:
        try:
            return {"statusCode": response.status, "headers": response.headers, "body": body.decode("utf-8"), "isBase64Encoded": False}
        except UnicodeDecodeError:
            pass
    return {"statusCode": response.status, "headers": response.headers, "body": base64.b64encode(body).decode(), "isBase64Encoded": True}


def response_from_event(result: dict[str, Any]) -> HttpResponse:
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
    return HttpResponse(status=int(result.get("statusCode", 200)), body=data, headers=dict(result.get("headers") or {}))
