"""SOAP envelopes without spyne: version detection, the hostile-input guard, the other refusals
(401, 404, 405, unknown operations) and the one builder of faults, which spyne's protocols use too.

The guard runs before spyne sees a byte: spyne's lxml path answers an entity reference with an
uncaught error, so DTDs, entities, oversized or deeply nested bodies, bad encodings and wrong
envelopes are refused here with a proper SOAP Fault. The router uses it too, to find the operation.
It also bounds what one request may cost: spyne reads an element's attributes in time quadratic in
their number (20 000 on one element: ~0.6 s of CPU; 96 000, what fits in 1 MiB: ~17 s), so attributes,
elements and text are capped, each far above what the largest legitimate request carries; no body
under the cap costs the guard more than ~20 ms (bench/hostile_bodies.py, docs/performance.md).
"""

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from lxml import etree

from partnerapi.errors import PartnerApiError
from partnerapi.groups import OPERATION_GROUP
from partnerapi.soap import TNS

SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope"
XML_NS = "http://www.w3.org/XML/1998/namespace"
# Subcodes are QNames (SOAP 1.2 part 1, 5.4.6): JAX-WS/SAAJ refuses an unqualified one, PHP shows only the Value
FAULT_PREFIX = "pa"
# SOAP 1.2 names of the SOAP 1.1 fault codes; SOAP's own codes (MustUnderstand, ...) keep their names
_SOAP12_CODES = {"Client": "Sender", "Server": "Receiver", "MustUnderstand": "MustUnderstand", "VersionMismatch": "VersionMismatch", "DataEncodingUnknown": "DataEncodingUnknown"}
# What XML 1.0 cannot carry (a path or header echoed in a message may hold it): replaced, never a broken fault
_NOT_XML_CHARS = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
WWW_AUTHENTICATE = 'Basic realm="PartnerAPI", charset="UTF-8"'
ALLOWED_METHODS = "GET, HEAD, POST"  # GET/HEAD: the WSDL (?wsdl) or the service page
SOAP11_CONTENT_TYPE = "text/xml; charset=utf-8"
SOAP12_CONTENT_TYPE = "application/soap+xml; charset=utf-8"
MAX_DEPTH = 32
# The largest legitimate request: client_edit_advanced's 10 parameters, a WS-Security header (~8
# elements) and SoapUI's <!--Optional:--> comment before each parameter: ~40 nodes and ~30 attributes.
MAX_ATTRIBUTES_PER_ELEMENT = 32  # namespace declarations included: 1C, .NET and gSOAP put up to ~10 on Envelope
MAX_ATTRIBUTES = 256  # in the whole request: xsi:type or xsi:nil on each parameter plus the declarations
MAX_ELEMENTS = 256  # elements and comments together
# A text node, attribute value or comment: the longest value the service keeps is 500 characters
# (contact_view; longer ones are cut), account_access_email_notify's address and host ≤ 254; 8 KiB
# still holds a mailbox password that is an OAuth token.
MAX_TEXT_CHARS = 8 * 1024
MAX_TEXT_TOTAL = 64 * 1024  # all of them together, in characters
XINCLUDE_NAMESPACES = ("http://www.w3.org/2001/XInclude", "http://www.w3.org/2003/XInclude")
_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_UTF8_NAMES = (b"utf-8", b"utf8", b"us-ascii")
_MARKUP_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)", re.IGNORECASE)
# A start tag with more attributes than allowed, found in the raw bytes: lxml spends 30–50 ms on a
# 1 MiB start tag before the guard could count its attributes; this scan costs ≤ ~20 ms on any
# 1 MiB body. Possessive quantifiers keep it linear; quoted values may hold '>'.
_CROWDED_START_TAG = re.compile(rb"<[^\s<>/!?=]++(?:\s++[^\s<>/=]++\s*+=\s*+(?:\"[^\"<]*+\"|'[^'<]*+')){%d}" % (MAX_ATTRIBUTES_PER_ELEMENT + 1))
# Who a header block is for: we are the ultimate receiver (SOAP 1.1 §4.2.2 actor; SOAP 1.2 part 1
# §5.2.2 role, where role "none" is for nobody). None stands for the attribute's absence.
_OUR_ROLES = {
    "1.1": {None, "http://schemas.xmlsoap.org/soap/actor/next"},
    "1.2": {None, "http://www.w3.org/2003/05/soap-envelope/role/next", "http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver"},
}
# Fed this much at a time, the parser is stopped soon after a cap is passed; lxml's iterparse reads
# 32 KiB at once: ~8 000 elements, and their Python objects (full garbage collections), per read.
_FEED_BYTES = 2048
_REPORTED_HEADERS = 8  # NotUnderstood blocks echoed in one fault (the first, then short names only): the fault stays small


class HostileInput(PartnerApiError):
    """A request refused before spyne runs; `status` is the HTTP status of the fault, `headers` go with it."""

    def __init__(self, faultcode: str, message: str, status: int = 400, not_understood: tuple[tuple[str, str], ...] = (), headers: dict[str, str] | None = None):
        super().__init__(message)
        self.faultcode = faultcode
        self.status = status
        self.not_understood = not_understood  # (namespace, local name) of mustUnderstand header blocks
        self.headers = headers or {}


def request_too_large(max_bytes: int) -> HostileInput:
    """The refusal of a body over the size cap (also sent by the sandbox's server from Content-Length)."""
    return HostileInput("Client.RequestTooLarge", f"Размер запроса превышает {max_bytes} байт", 413)


def unauthenticated() -> HostileInput:
    """A POST without valid HTTP Basic credentials (the authorizer passes it on with no partner)."""
    return HostileInput("Client.Unauthenticated", "Требуется аутентификация: логин и пароль не переданы или неверны (HTTP Basic)", 401, headers={"WWW-Authenticate": WWW_AUTHENTICATE})


def method_not_allowed(method: str, url: str) -> HostileInput:
    message = f"Метод HTTP {_shown(method, 20)} не поддерживается: операции вызываются методом POST, описание сервиса (WSDL) выдается по GET {url}?wsdl"
    return HostileInput("Client.MethodNotAllowed", message, 405, headers={"Allow": ALLOWED_METHODS})


def not_found(path: str, service_path: str) -> HostileInput:
    return HostileInput("Client.NotFound", f"Ресурс {_shown(path)} не найден. Адрес сервиса: {service_path}, его описание (WSDL): {service_path}?wsdl", 404)


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


def charset_of(content_type: str) -> str | None:
    match = re.search(r';\s*charset\s*=\s*"?([^";\s]+)"?', content_type, re.IGNORECASE)
    return match.group(1).lower() if match else None


def inspect(body: bytes, content_type: str, max_bytes: int) -> SoapRequest:
    """Refuses hostile or malformed input; returns the SOAP version and the operation element."""
    version = version_of(content_type)
    if version is None:
        raise HostileInput("Client.UnsupportedMediaType", f"Неподдерживаемый Content-Type «{content_type[:100]}»: ожидается text/xml (SOAP 1.1) или application/soap+xml (SOAP 1.2)", 415)
    if len(body) > max_bytes:
        raise request_too_large(max_bytes)
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
    if body.count(b"=") > MAX_ATTRIBUTES_PER_ELEMENT and _CROWDED_START_TAG.search(body):
        raise _too_many_attributes_in_element()
    return _walk(body, version)


def _walk(body: bytes, version: str) -> SoapRequest:
    envelope_ns = SOAP11_ENV if version == "1.1" else SOAP12_ENV
    header_tag, body_tag = f"{{{envelope_ns}}}Header", f"{{{envelope_ns}}}Body"
    depth = nodes = attributes = declarations = 0
    text = _TextBudget()
    path: list[str] = []
    operation: tuple[str, str] | None = None
    not_understood: list[tuple[str, str]] = []
    parser = etree.XMLPullParser(
        events=("start", "end", "start-ns", "comment", "pi"), resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_pis=False
    )
    try:
        for event, element in _events(parser, body):
            if event == "start-ns":
                declarations += 1  # reported before the start of the element that declares it
                text.add(element[1])
                continue
            if event == "end":
                text.add(element.text)
                for child in element:  # every child's tail is complete once its parent ends
                    text.add(child.tail)
                if depth == 2 and path[1] == header_tag and not_understood:
                    raise _must_understand(not_understood)
                depth -= 1
                path.pop()
                continue
            if event == "pi":
                raise HostileInput("Client.ProcessingInstructionNotAllowed", "Инструкции обработки (<?…?>) в запросе недопустимы, кроме объявления XML")
            nodes += 1
            if nodes > MAX_ELEMENTS:
                raise HostileInput("Client.TooManyElements", f"Запрос содержит больше {MAX_ELEMENTS} элементов и комментариев")
            if event == "comment":
                text.add(element.text)
                continue
            depth += 1
            if depth > MAX_DEPTH:
                raise HostileInput("Client.TooDeep", f"Вложенность элементов запроса превышает {MAX_DEPTH}")
            own = len(element.attrib) + declarations
            declarations = 0
            if own > MAX_ATTRIBUTES_PER_ELEMENT:
                raise _too_many_attributes_in_element()
            attributes += own
            if attributes > MAX_ATTRIBUTES:
                raise HostileInput("Client.TooManyAttributes", f"Запрос содержит больше {MAX_ATTRIBUTES} атрибутов (объявления пространств имен xmlns учитываются)")
            for value in element.attrib.values():
                text.add(value)
            tag = element.tag if isinstance(element.tag, str) else ""
            path.append(tag)
            namespace, _, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
            if namespace in XINCLUDE_NAMESPACES:
                raise HostileInput("Client.XIncludeNotAllowed", "Элементы XInclude в запросе недопустимы")
            if depth == 1 and tag != f"{{{envelope_ns}}}Envelope":
                other = SOAP12_ENV if version == "1.1" else SOAP11_ENV
                if tag == f"{{{other}}}Envelope":
                    raise HostileInput("Client.VersionMismatch", f"Конверт SOAP не соответствует Content-Type: для SOAP {version} ожидается пространство имен {envelope_ns}")
                raise HostileInput("Client.InvalidEnvelope", "Корневой элемент запроса должен быть SOAP Envelope")
            if depth == 3 and path[1] == body_tag:
                if operation is not None:
                    raise HostileInput(
                        "Client.MultipleOperations", f"В теле SOAP-конверта (Body) допустим один элемент операции; второй элемент: «{_shown(local)}»"
                    )
                operation = (local, namespace)
            elif depth == 3 and path[1] == header_tag and _must_be_understood(element, version):
                block = (namespace, local)
                if not not_understood or (block not in not_understood and len(not_understood) < _REPORTED_HEADERS and len(namespace) + len(local) <= 1024):
                    not_understood.append(block)
    except etree.XMLSyntaxError as error:
        raise HostileInput("Client.XMLSyntaxError", f"Запрос не является корректным XML: {error.msg}") from None
    if operation is None:
        raise HostileInput("Client.InvalidEnvelope", "В теле SOAP-конверта (Body) нет элемента операции")
    return SoapRequest(version=version, operation=operation[0], namespace=operation[1])


def _events(parser: etree.XMLPullParser, body: bytes) -> Iterator[tuple[str, Any]]:
    """The parser's events, fed a little at a time: a refusal comes at most _FEED_BYTES of parsing
    (and of Python objects, which a full garbage collection would then walk) after its cause."""
    try:
        for offset in range(0, len(body), _FEED_BYTES):
            parser.feed(body[offset : offset + _FEED_BYTES])
            yield from parser.read_events()
        parser.close()
    except etree.XMLSyntaxError:
        yield from parser.read_events()  # what precedes the error is judged first, as its own refusal
        raise
    yield from parser.read_events()


class _TextBudget:
    """Text nodes, attribute values and comments: each, and all of them together, in characters."""

    def __init__(self) -> None:
        self.total = 0

    def add(self, value: str | None) -> None:
        if not value:
            return
        if len(value) > MAX_TEXT_CHARS:
            raise HostileInput("Client.TextTooLarge", f"Текст элемента, значение атрибута или комментарий в запросе длиннее {MAX_TEXT_CHARS} символов")
        self.total += len(value)
        if self.total > MAX_TEXT_TOTAL:
            raise HostileInput("Client.TextTooLarge", f"Общий объем текста, значений атрибутов и комментариев в запросе превышает {MAX_TEXT_TOTAL} символов")


def _must_be_understood(block: etree._Element, version: str) -> bool:
    """mustUnderstand="1"/"true" on a header block addressed to us (role "none" and foreign roles are not)."""
    namespace = SOAP11_ENV if version == "1.1" else SOAP12_ENV
    flag = block.get(f"{{{namespace}}}mustUnderstand")
    role = block.get(f"{{{namespace}}}{'actor' if version == '1.1' else 'role'}")
    return flag is not None and flag.strip() in ("1", "true") and (None if role is None else role.strip()) in _OUR_ROLES[version]


def _too_many_attributes_in_element() -> HostileInput:
    return HostileInput("Client.TooManyAttributes", f"Элемент запроса содержит больше {MAX_ATTRIBUTES_PER_ELEMENT} атрибутов (объявления пространств имен xmlns учитываются)")


def _must_understand(blocks: list[tuple[str, str]]) -> HostileInput:
    """SOAP 1.1 §4.2.3, SOAP 1.2 part 1 §5.4.8: a header block we must understand and do not; HTTP 500 in both bindings."""
    names = ", ".join(f"«{_shown(f'{{{namespace}}}{local}' if namespace else local)}»" for namespace, local in blocks)
    return HostileInput("MustUnderstand", f"Блоки заголовка SOAP с mustUnderstand не поддерживаются сервисом: {names}", 500, tuple(blocks))


def _shown(name: str, limit: int = 200) -> str:
    return name if len(name) <= limit else name[:limit] + "…"


def unknown_operation(soap: SoapRequest, served: Collection[str], service_url: str) -> HostileInput | None:
    """The refusal of an operation this URL does not serve: not PartnerAPI's, in another namespace, or of a
    group served at another URL (named in the message). `service_url` is the single URL (…/cus/ws/PartnerAPI)."""
    operation = _shown(soap.operation)
    if soap.namespace != TNS:
        where = f"в пространстве имен «{_shown(soap.namespace)}»" if soap.namespace else "без пространства имен"
        return HostileInput("Client.UnknownOperation", f"Операция «{operation}» {where} не найдена в PartnerAPI: ожидается пространство имен {TNS}")
    group = OPERATION_GROUP.get(soap.operation)
    if group is None:
        return HostileInput("Client.UnknownOperation", f"Операция «{operation}» не найдена в PartnerAPI. Список операций: {service_url}?wsdl")
    if soap.operation not in served:
        return HostileInput("Client.UnknownOperation", f"Операция «{operation}» относится к группе {group}: отправьте её на {service_url}/{group} или {service_url}")
    return None


def append_fault(body: etree._Element, version: str, faultcode: str, message: str, lang: str = "ru") -> etree._Element:
    """Appends the Fault of `faultcode` ("Client.ReferenceNotFound", "Server", "MustUnderstand") to a SOAP Body.

    The one builder of faults: refusals before spyne (fault_document) and spyne's own faults (the
    protocols in soap/endpoint.py) come out the same. SOAP 1.1: faultcode `soap:Client.ReferenceNotFound`
    and faultstring. SOAP 1.2: Code/Value `soap:Sender` (or `soap:Receiver`), each further part a Subcode
    whose Value is qualified by a prefix declared on it (`pa:ReferenceNotFound`), Reason/Text with xml:lang.
    """
    namespace = SOAP12_ENV if version == "1.2" else SOAP11_ENV
    prefix = next((name for name, uri in body.nsmap.items() if uri == namespace and name), None)
    message = _NOT_XML_CHARS.sub("\ufffd", message)
    fault = etree.SubElement(body, f"{{{namespace}}}Fault")
    if version != "1.2":
        etree.SubElement(fault, "faultcode").text = f"{prefix}:{faultcode}" if prefix else faultcode
        etree.SubElement(fault, "faultstring").text = message
        return fault
    major, *subcodes = faultcode.split(".")
    value = _SOAP12_CODES.get(major, "Receiver")
    code = etree.SubElement(fault, f"{{{namespace}}}Code")
    etree.SubElement(code, f"{{{namespace}}}Value").text = f"{prefix}:{value}" if prefix else value
    parent = code
    for subcode in subcodes:
        parent = etree.SubElement(parent, f"{{{namespace}}}Subcode")
        etree.SubElement(parent, f"{{{namespace}}}Value", nsmap={FAULT_PREFIX: TNS}).text = f"{FAULT_PREFIX}:{subcode}"
    reason = etree.SubElement(fault, f"{{{namespace}}}Reason")
    etree.SubElement(reason, f"{{{namespace}}}Text", {f"{{{XML_NS}}}lang": lang or "ru"}).text = message
    return fault


def fault_document(version: str, faultcode: str, message: str, not_understood: tuple[tuple[str, str], ...] = ()) -> bytes:
    """A SOAP Fault built by hand, for refusals that happen before spyne runs. `not_understood` (SOAP 1.2
    only, part 1 §5.4.8) names the mustUnderstand header blocks in NotUnderstood blocks of the Header."""
    namespace = SOAP12_ENV if version == "1.2" else SOAP11_ENV
    envelope = etree.Element(f"{{{namespace}}}Envelope", nsmap={"soap": namespace})
    append_fault(etree.SubElement(envelope, f"{{{namespace}}}Body"), version, faultcode, message)
    document = etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
    if version == "1.2" and not_understood:
        # written as text: a namespace the parser accepted may still be one lxml refuses to declare
        header = "<soap:Header>" + "".join(_not_understood(index, *block) for index, block in enumerate(not_understood)) + "</soap:Header>"
        document = document.replace(b"<soap:Body>", header.encode() + b"<soap:Body>", 1)
    return document


def _not_understood(index: int, namespace: str, local: str) -> str:
    if not namespace:  # no default namespace is in scope in the fault, so an unprefixed qname has none
        return f'<soap:NotUnderstood qname="{escape(local)}"/>'
    return f'<soap:NotUnderstood xmlns:h{index}="{escape(namespace, {chr(34): "&quot;"})}" qname="h{index}:{escape(local)}"/>'


def content_type_of(version: str) -> str:
    return SOAP12_CONTENT_TYPE if version == "1.2" else SOAP11_CONTENT_TYPE
