"""What `partnerapi invoke` prints: a function's result as a person reads it.

A Lambda proxy response (statusCode, headers, body, isBase64Encoded) becomes an HTTP-like message: the
status line, the headers, a blank line and the body, decoded from base64, gunzipped when its
Content-Encoding says gzip, and pretty-printed when it is XML or JSON (Cyrillic as text, not escapes).
Any other result (the authorizer's policy, the ingest function's batch response) is pretty JSON.
"""

import base64
import binascii
import gzip
import json
import zlib
from email.message import Message
from http import HTTPStatus
from typing import Any

from lxml import etree

_XML_TYPES = ("text/xml", "application/xml", "application/soap+xml")
_JSON_TYPES = ("application/json",)


def render(response: Any, raw: bool = False) -> str:
    """`response` as text; `raw`: the result exactly as the function returned it, as JSON."""
    if raw or not is_proxy_response(response):
        return _json(response)
    status = int(response["statusCode"])
    headers = proxy_headers(response)
    lines = [f"HTTP {status} {_reason(status)}".rstrip()]
    lines += [f"{name}: {value}" for name, value in headers]
    body, note = decoded_body(response, headers)
    lines.append("")
    if note:
        lines.append(note)
    if body:
        lines.append(pretty_body(body, _header(headers, "Content-Type")))
    return "\n".join(lines)


def is_proxy_response(response: Any) -> bool:
    """Whether `response` is what a Lambda proxy integration returns to API Gateway."""
    return isinstance(response, dict) and "statusCode" in response and isinstance(response.get("body", ""), str | None)


def proxy_headers(response: dict[str, Any]) -> list[tuple[str, str]]:
    """`headers` then `multiValueHeaders` (API Gateway sends both; a name in both is sent once per value of the latter)."""
    single = dict(response.get("headers") or {})
    multi = dict(response.get("multiValueHeaders") or {})
    names_in_multi = {name.lower() for name in multi}
    pairs = [(name, str(value)) for name, value in single.items() if name.lower() not in names_in_multi]
    pairs += [(name, str(value)) for name, values in multi.items() for value in values or []]
    return pairs


def decoded_body(response: dict[str, Any], headers: list[tuple[str, str]]) -> tuple[bytes, str]:
    """The body's bytes as the client reads them, and a note when they could not be decoded as declared."""
    text = response.get("body") or ""
    if not response.get("isBase64Encoded"):
        return text.encode("utf-8", "surrogateescape"), ""
    try:
        body = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return text.encode(), "(isBase64Encoded, but the body is not valid base64: shown as it is)"
    encoding = _header(headers, "Content-Encoding").strip().lower()
    if encoding == "gzip":
        try:
            return gzip.decompress(body), ""
        except (OSError, EOFError, zlib.error) as error:
            return body, f"(Content-Encoding: gzip, but the body does not gunzip: {error})"
    return body, ""


def pretty_body(body: bytes, content_type: str) -> str:
    media_type, charset = _media_type(content_type)
    looks = body.lstrip()[:1]
    if media_type in _XML_TYPES or media_type.endswith("+xml") or (not media_type and looks == b"<"):
        pretty = _pretty_xml(body)
        if pretty is not None:
            return pretty
    if media_type in _JSON_TYPES or media_type.endswith("+json") or (not media_type and looks in (b"{", b"[")):
        try:
            return _json(json.loads(body.decode(charset or "utf-8")))
        except (UnicodeDecodeError, LookupError, ValueError):
            pass
    try:
        return body.decode(charset or "utf-8")
    except (UnicodeDecodeError, LookupError):
        return f"({len(body)} bytes of binary content; --raw prints them base64-encoded)"


def _pretty_xml(body: bytes) -> str | None:
    # a response of our own functions, but parsed as safely as any input: no entities, no network
    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True, huge_tree=True)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError:
        return None
    return etree.tostring(root, pretty_print=True, encoding="unicode").rstrip("\n")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)


def _header(headers: list[tuple[str, str]], name: str) -> str:
    return next((value for key, value in headers if key.lower() == name.lower()), "")


def _media_type(content_type: str) -> tuple[str, str]:
    """('text/xml', 'utf-8') from 'text/xml; charset=utf-8' (email.message parses MIME parameters)."""
    message = Message()
    message["Content-Type"] = content_type or "application/octet-stream"
    media_type = message.get_content_type() if content_type else ""
    return media_type, message.get_content_charset() or ""


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
