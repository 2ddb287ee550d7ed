"""SOAP envelopes without spyne: version detection, the hostile-input guard and hand-built faults.

The guard runs before spyne sees a byte: spyne's lxml path answers an entity reference with an
uncaught error, so DTDs, entities, oversized or deeply nested bodies, bad encodings and wrong
envelopes are refused here with a proper SOAP Fault. The router uses it too, to find the operation.
"""

import io
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from lxml import etree

from partnerapi.errors import PartnerApiError

SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope"
SOAP11_CONTENT_TYPE = "text/xml; charset=utf-8"
SOAP12_CONTENT_TYPE = "application/soap+xml; charset=utf-8"
MAX_DEPTH = 32
_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_UTF8_NAMES = (b"utf-8", b"utf8", b"us-ascii")
_MARKUP_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)", re.IGNORECASE)


class HostileInput(PartnerApiError):
    """A body refused before parsing; `status` is the HTTP status of the fault."""

    def __init__(self, faultcode: str, message: str, status: int = 400):
        super().__init__(message)
        self.faultcode = faultcode
        self.status = status


@dataclass(frozen=True)
class SoapRequest:
    version: str  # "1.1" or "1.2"
    operation: str  # local name of the first element of Body
    namespace: str


def version_of(content_type: str) -> str | None:
    media = content_type.split(";")[0].strip().lower()
    if media == "text/xml":
        return "1.1"
    if media == "application/soap+xml":
        return "1.2"
    return None


def soap_action(headers: dict[str, str]) -> str | None:
    """The operation named by SOAPAction (1.1) or, failing that, the action parameter of the Content-Type (1.2)."""
    match = re.search(r'action\s*=\s*"?([^";]+)"?', headers.get("content-type", ""))
    for action in (headers.get("soapaction"), match.group(1) if match else None):
        name = (action or "").strip().strip('"').rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        if name:
            return name
    return None


def charset_of(content_type: str) -> str | None:
    match = re.search(r';\s*charset\s*=\s*"?([^";\s]+)"?', content_type, re.IGNORECASE)
    return match.group(1).lower() if match else None


def inspect(body: bytes, content_type: str, max_bytes: int) -> SoapRequest:
    """Refuses hostile or malformed input; returns the SOAP version and the operation element."""
    version = version_of(content_type)
    if version is None:
        raise HostileInput("Client.UnsupportedMediaType", f"Неподдерживаемый Content-Type «{content_type[:100]}»: ожидается text/xml (SOAP 1.1) или application/soap+xml (SOAP 1.2)", 415)
    if len(body) > max_bytes:
        raise HostileInput("Client.RequestTooLarge", f"Размер запроса превышает {max_bytes} байт", 413)
    if not body.strip():
        raise HostileInput("Client.EmptyRequest", "Пустой запрос: ожидается SOAP-конверт")
    declared = _DECLARED_ENCODING.match(body)
    charset = charset_of(content_type)
    if (
        body.startswith((b"\xff\xfe", b"\xfe\xff"))
        or b"\x00" in body  # never valid in XML; UTF-16/32 without a BOM would hide markup from the checks below
        or (declared and declared.group(1).lower() not in _UTF8_NAMES)
        or (charset is not None and charset.encode() not in _UTF8_NAMES)
    ):
        raise HostileInput("Client.InvalidEncoding", "Запрос должен быть в кодировке UTF-8")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise HostileInput("Client.InvalidEncoding", f"Запрос содержит байты, недопустимые в UTF-8 (позиция {error.start})") from None
    if _MARKUP_DECLARATION.search(body):
        raise HostileInput("Client.DtdNotAllowed", "DTD и объявления сущностей (DOCTYPE, ENTITY) в запросе недопустимы")
    return _walk(body, version)


def _walk(body: bytes, version: str) -> SoapRequest:
    envelope_ns = SOAP11_ENV if version == "1.1" else SOAP12_ENV
    depth = 0
    path: list[str] = []
    operation: tuple[str, str] | None = None
    events = etree.iterparse(
        io.BytesIO(body), events=("start", "end"), resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_pis=True
    )
    try:
        for event, element in events:
            if event == "end":
                depth -= 1
                path.pop()
                continue
            depth += 1
            if depth > MAX_DEPTH:
                raise HostileInput("Client.TooDeep", f"Вложенность элементов запроса превышает {MAX_DEPTH}")
            tag = element.tag if isinstance(element.tag, str) else ""
            path.append(tag)
            if depth == 1 and tag != f"{{{envelope_ns}}}Envelope":
                other = SOAP12_ENV if version == "1.1" else SOAP11_ENV
                if tag == f"{{{other}}}Envelope":
                    raise HostileInput("Client.VersionMismatch", f"Конверт SOAP не соответствует Content-Type: для SOAP {version} ожидается пространство имен {envelope_ns}")
                raise HostileInput("Client.InvalidEnvelope", "Корневой элемент запроса должен быть SOAP Envelope")
            if depth == 3 and operation is None and path[1] == f"{{{envelope_ns}}}Body":
                namespace, _, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
                operation = (local, namespace)
    except etree.XMLSyntaxError as error:
        raise HostileInput("Client.XMLSyntaxError", f"Запрос не является корректным XML: {error.msg}") from None
    if operation is None:
        raise HostileInput("Client.InvalidEnvelope", "В теле SOAP-конверта (Body) нет элемента операции")
    return SoapRequest(version=version, operation=operation[0], namespace=operation[1])


def fault_document(version: str, faultcode: str, message: str) -> bytes:
    """A SOAP Fault built by hand, for refusals that happen before spyne runs."""
    major, _, sub = faultcode.partition(".")
    if version == "1.2":
        value = {"Client": "Sender", "Server": "Receiver"}.get(major, major)
        subcode = f"<soap:Subcode><soap:Value>{escape(sub)}</soap:Value></soap:Subcode>" if sub else ""
        fault = (
            f"<soap:Fault><soap:Code><soap:Value>soap:{value}</soap:Value>{subcode}</soap:Code>"
            f'<soap:Reason><soap:Text xml:lang="ru">{escape(message)}</soap:Text></soap:Reason></soap:Fault>'
        )
        namespace = SOAP12_ENV
    else:
        fault = f"<soap:Fault><faultcode>soap:{escape(faultcode)}</faultcode><faultstring>{escape(message)}</faultstring></soap:Fault>"
        namespace = SOAP11_ENV
    return f"<?xml version='1.0' encoding='UTF-8'?>\n<soap:Envelope xmlns:soap=\"{namespace}\"><soap:Body>{fault}</soap:Body></soap:Envelope>".encode()


def content_type_of(version: str) -> str:
    return SOAP12_CONTENT_TYPE if version == "1.2" else SOAP11_CONTENT_TYPE
