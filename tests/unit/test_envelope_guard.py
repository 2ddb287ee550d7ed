"""The hostile-input guard (`partnerapi.soap.envelope`): what it refuses, how, and what it extracts.

Every refusal must be a `HostileInput` carrying a `Client…` faultcode (the caller's mistake, never
the server's) and the HTTP status of the fault; valid envelopes give the operation's element. The one
exception is SOAP's own `MustUnderstand`, for header blocks the service must understand and cannot.
The caps (attributes, elements, text) are tested just under and just over, and at the 1 MiB size cap.
"""

from collections.abc import Callable

import pytest
from lxml import etree
from partnerapi.soap.envelope import (
    MAX_ATTRIBUTES,
    MAX_ATTRIBUTES_PER_ELEMENT,
    MAX_DEPTH,
    MAX_ELEMENTS,
    MAX_TEXT_CHARS,
    MAX_TEXT_TOTAL,
    SOAP11_ENV,
    SOAP12_ENV,
    HostileInput,
    fault_document,
    inspect,
    version_of,
)

TNS = "http://buhphone.com/PartnerAPI"
TEXT_XML = "text/xml; charset=utf-8"
SOAP_XML = "application/soap+xml; charset=utf-8"
CAP = 64 * 1024
ONE_MIB = 1024 * 1024  # the deployed cap (MAX_REQUEST_BYTES)
CONTENT_TYPE = {"1.1": TEXT_XML, "1.2": SOAP_XML}
XSI = "http://www.w3.org/2001/XMLSchema-instance"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"


@pytest.fixture
def envelope():
    """envelope(inner, version, header=None, prolog="") → the bytes of a SOAP envelope whose Body holds `inner`."""

    def make(inner: str = "<t:partner_read xmlns:t='http://buhphone.com/PartnerAPI'/>", version: str = "1.1", header: str | None = None, prolog: str = "") -> bytes:
        namespace = SOAP12_ENV if version == "1.2" else SOAP11_ENV
        head = f"<s:Header>{header}</s:Header>" if header is not None else ""
        return f"{prolog}<s:Envelope xmlns:s='{namespace}'>{head}<s:Body>{inner}</s:Body></s:Envelope>".encode()

    return make


@pytest.fixture
def refused():
    """refused(body, content_type) → the HostileInput the guard raises (fails the test if it accepts)."""

    def check(body: bytes, content_type: str = TEXT_XML, max_bytes: int = CAP) -> HostileInput:
        with pytest.raises(HostileInput) as refusal:
            inspect(body, content_type, max_bytes)
        assert refusal.value.faultcode.startswith("Client"), refusal.value.faultcode
        assert refusal.value.message, "a refusal must say why"
        return refusal.value

    return check


def operation(name: str = "partner_user_add", inner: str = "") -> str:
    return f"<t:{name} xmlns:t='{TNS}'>{inner}</t:{name}>"


# ------------------------------------------------------------------------------ accepted --


@pytest.mark.parametrize("version", ["1.1", "1.2"])
@pytest.mark.parametrize("header", [None, "<a:Security xmlns:a='urn:sec'><a:Token>x</a:Token></a:Security>"], ids=["no-header", "with-header"])
def test_valid_envelope_gives_version_operation_and_namespace(envelope, version, header):
    # Given a valid envelope of that version, with or without a Header
    body = envelope(operation("partner_user_add", "<t:partner_user_name>Иван</t:partner_user_name>"), version, header)
    # When the guard inspects it
    found = inspect(body, CONTENT_TYPE[version], CAP)
    # Then it names the first element of the Body, not of the Header
    assert (found.version, found.operation, found.namespace) == (version, "partner_user_add", TNS)


def test_operation_without_namespace_is_found_with_empty_namespace(envelope):
    found = inspect(envelope("<region_read/>"), TEXT_XML, CAP)
    assert (found.operation, found.namespace) == ("region_read", "")


def test_xml_declaration_utf8_bom_and_cyrillic_text_are_accepted(envelope):
    # Given what 1C sends: a UTF-8 BOM, an XML declaration and Cyrillic values
    body = b"\xef\xbb\xbf" + envelope(operation("partner_user_add", "<t:partner_user_name>Пётр</t:partner_user_name>"), prolog="<?xml version='1.0' encoding='UTF-8'?>")
    # Then it passes the guard
    assert inspect(body, "TEXT/XML; Charset=UTF-8", CAP).operation == "partner_user_add"


def test_nesting_exactly_at_max_depth_is_accepted(envelope):
    # Envelope, Body and the operation are 3 levels: fill up to MAX_DEPTH exactly
    extra = MAX_DEPTH - 3
    body = envelope(operation("partner_read", "<x>" * extra + "</x>" * extra))
    assert inspect(body, TEXT_XML, CAP).operation == "partner_read"


def test_body_exactly_at_the_cap_is_accepted(envelope):
    body = envelope(operation("partner_read"))
    assert inspect(body, TEXT_XML, len(body)).operation == "partner_read"


def test_what_real_clients_send_is_accepted(envelope):
    # Given a request as .NET, 1C and SoapUI write it: namespace declarations on the Envelope, a
    # WS-Security header not marked mustUnderstand, SoapUI's comments and xsi:type / xsi:nil on parameters
    body = f"""<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="{SOAP11_ENV}" xmlns:xsi="{XSI}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:t="{TNS}">
  <soap:Header>
    <wsse:Security xmlns:wsse="{WSSE}" soap:mustUnderstand="0">
      <wsse:UsernameToken><wsse:Username>demo</wsse:Username><wsse:Password Type="{WSSE}#PasswordText">demo</wsse:Password></wsse:UsernameToken>
    </wsse:Security>
  </soap:Header>
  <soap:Body>
    <t:client_edit_advanced>
      <!--Optional:-->
      <t:client_id xsi:type="xsd:string">0c7e1b8a-5f0e-4c39-9e56-3c2f1a7b9d10</t:client_id>
      <t:client_name xsi:type="xsd:string">ООО «Ромашка» &amp; партнёры</t:client_name>
      <!--Optional:-->
      <t:region_id xsi:nil="true"/>
      <t:client_full_name>{"Общество с ограниченной ответственностью " * 6}</t:client_full_name>
      <t:addit_attribute>a=b; c=d; e==f; base64: QUJD==</t:addit_attribute>
    </t:client_edit_advanced>
  </soap:Body>
</soap:Envelope>""".encode()
    # Then the guard passes it and names the operation
    assert inspect(body, TEXT_XML, CAP).operation == "client_edit_advanced"


def test_attribute_like_text_and_many_equals_signs_are_not_counted_as_attributes(envelope):
    # Given a value that looks like 100 attributes, right after a start tag, and a comment full of '='
    inner = "<t:addit_attribute>" + " a='1'" * 100 + "</t:addit_attribute><!--" + "=" * 500 + "-->"
    # Then it is text, not attributes: accepted
    assert inspect(envelope(operation("client_edit_advanced", inner)), TEXT_XML, CAP).operation == "client_edit_advanced"


# ------------------------------------------------------------------------------- refused --


def test_doctype_is_refused(envelope, refused):
    refusal = refused(envelope(prolog="<!DOCTYPE s:Envelope>"))
    assert (refusal.faultcode, refusal.status) == ("Client.DtdNotAllowed", 400)


def test_external_entity_xxe_is_refused(envelope, refused):
    # Given the classic XXE: an external SYSTEM entity used in a parameter
    prolog = "<?xml version='1.0'?><!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]>"
    body = envelope(operation("partner_user_add", "<t:partner_user_name>&xxe;</t:partner_user_name>"), prolog=prolog)
    # Then it is refused before any parser resolves it
    refusal = refused(body)
    assert refusal.faultcode == "Client.DtdNotAllowed"
    assert "root:" not in refusal.message


def test_billion_laughs_is_refused(envelope, refused):
    # Given the billion laughs: lol9 expands to 10^9 "lol"s through nine levels of internal entities
    entities = "<!ENTITY lol0 'lol'>" + "".join(f"<!ENTITY lol{n} '" + f"&lol{n - 1};" * 10 + "'>" for n in range(1, 10))
    body = envelope(operation("partner_user_add", "<t:partner_user_name>&lol9;</t:partner_user_name>"), prolog=f"<!DOCTYPE s:Envelope [{entities}]>")
    assert refused(body).faultcode == "Client.DtdNotAllowed"


@pytest.mark.parametrize("declaration", ["<!ENTITY x 'y'>", "<! DOCTYPE x>", "<!doctype x>", "<!ELEMENT a ANY>", "<!ATTLIST a b CDATA #IMPLIED>"])
def test_any_markup_declaration_is_refused(envelope, refused, declaration):
    assert refused(envelope(prolog=declaration)).faultcode == "Client.DtdNotAllowed"


def test_body_over_the_cap_is_refused_with_413(envelope, refused):
    # Given a body one byte over the cap
    body = envelope(operation("partner_user_add", "<t:partner_user_name>" + "я" * 100 + "</t:partner_user_name>"))
    refusal = refused(body, max_bytes=len(body) - 1)
    # Then it is refused as too large, with the HTTP status of a too-large request
    assert (refusal.faultcode, refusal.status) == ("Client.RequestTooLarge", 413)
    assert str(len(body) - 1) in refusal.message


def test_nesting_deeper_than_max_depth_is_refused(envelope, refused):
    extra = MAX_DEPTH - 2  # one level more than allowed
    refusal = refused(envelope(operation("partner_read", "<x>" * extra + "</x>" * extra)))
    assert (refusal.faultcode, refusal.status) == ("Client.TooDeep", 400)


def test_deep_nesting_is_refused_even_when_unclosed(refused):
    # Given a stream of open tags that would never end (no closing tags at all)
    body = f"<s:Envelope xmlns:s='{SOAP11_ENV}'><s:Body>".encode() + b"<x>" * 10_000
    assert refused(body).faultcode == "Client.TooDeep"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"<s:Envelope xmlns:s='" + SOAP11_ENV.encode() + b"'><s:Body><a></s:Body></s:Envelope>", id="mismatched-tag"),
        pytest.param(b"<s:Envelope xmlns:s='" + SOAP11_ENV.encode() + b"'><s:Body><a/></s:Body></s:Envelope><b/>", id="two-roots"),
        pytest.param(b"<s:Envelope xmlns:s='" + SOAP11_ENV.encode() + b"'><s:Body><a>&undefined;</a></s:Body></s:Envelope>", id="undefined-entity"),
        pytest.param(b"this is not xml", id="text"),
        pytest.param(b"<s:Envelope xmlns:s='" + SOAP11_ENV.encode() + b"'><s:Body><a/>", id="truncated"),
    ],
)
def test_malformed_xml_is_refused(refused, body):
    refusal = refused(body)
    assert (refusal.faultcode, refusal.status) == ("Client.XMLSyntaxError", 400)


def test_invalid_utf8_bytes_are_refused(envelope, refused):
    # Given a name with a lone 0xFF byte (never valid in UTF-8)
    body = envelope(operation("partner_user_add", "<t:partner_user_name>XX</t:partner_user_name>")).replace(b"XX", b"\xff\xfe")
    refusal = refused(body)
    assert refusal.faultcode == "Client.InvalidEncoding"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_bom_are_refused(envelope, refused, codec):
    # Given a UTF-16/32 document (with a BOM: Python's "utf-16"/"utf-32" codecs write one; -le/-be get one added)
    text = envelope(prolog=f"<?xml version='1.0' encoding='{codec.upper()}'?>").decode()
    body = text.encode(codec)
    if codec in ("utf-16-le", "utf-16-be"):
        body = ("\ufeff" + text).encode(codec)
    assert refused(body).faultcode == "Client.InvalidEncoding"


@pytest.mark.parametrize("encoding", ["ISO-8859-1", "windows-1251", "KOI8-R", "UTF-16"])
def test_declared_non_utf8_encoding_is_refused(envelope, refused, encoding):
    # Given ASCII-only bytes whose declaration claims another encoding
    body = envelope(prolog=f'<?xml version="1.0" encoding="{encoding}"?>')
    assert refused(body).faultcode == "Client.InvalidEncoding"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_carrying_a_doctype_is_refused(envelope, refused, codec):
    # Given an XXE document in UTF-16 without a byte order mark (libxml2 detects it from '<\0?\0')
    prolog = "<?xml version='1.0' encoding='UTF-16'?><!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]>"
    body = envelope(operation("partner_user_add", "<t:partner_user_name>&xxe;</t:partner_user_name>"), prolog=prolog).decode().encode(codec)
    # Then it is refused (not UTF-8, and it has a DTD) like its UTF-8 twin
    assert refused(body).faultcode in ("Client.InvalidEncoding", "Client.DtdNotAllowed")


@pytest.mark.parametrize(("envelope_version", "content_type"), [("1.2", TEXT_XML), ("1.1", SOAP_XML)])
def test_envelope_of_the_other_soap_version_is_refused(envelope, refused, envelope_version, content_type):
    # Given a SOAP 1.2 envelope sent as text/xml, or a SOAP 1.1 envelope as application/soap+xml
    refusal = refused(envelope(version=envelope_version), content_type)
    # Then it is a version mismatch naming the namespace the Content-Type requires
    assert refusal.faultcode == "Client.VersionMismatch"
    assert (SOAP11_ENV if content_type == TEXT_XML else SOAP12_ENV) in refusal.message


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"<Envelope><Body><partner_read/></Body></Envelope>", id="unqualified-envelope"),
        pytest.param(b"<t:partner_read xmlns:t='" + TNS.encode() + b"'/>", id="bare-operation"),
        pytest.param(b"<html><body>hi</body></html>", id="html"),
    ],
)
def test_non_envelope_root_is_refused(refused, body):
    assert refused(body).faultcode == "Client.InvalidEnvelope"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(f"<s:Envelope xmlns:s='{SOAP11_ENV}'><s:Body/></s:Envelope>", id="empty-body"),
        pytest.param(f"<s:Envelope xmlns:s='{SOAP11_ENV}'><s:Body>  text only  </s:Body></s:Envelope>", id="text-body"),
        pytest.param(f"<s:Envelope xmlns:s='{SOAP11_ENV}'><s:Header><t:partner_read xmlns:t='{TNS}'/></s:Header></s:Envelope>", id="header-only"),
        pytest.param(f"<s:Envelope xmlns:s='{SOAP11_ENV}'/>", id="no-body"),
    ],
)
def test_envelope_without_an_operation_in_body_is_refused(refused, body):
    assert refused(body.encode()).faultcode == "Client.InvalidEnvelope"


@pytest.mark.parametrize("body", [b"", b"   \r\n\t "], ids=["empty", "whitespace"])
def test_empty_request_is_refused(refused, body):
    assert refused(body).faultcode.startswith("Client.")


@pytest.mark.parametrize("content_type", ["application/json", "application/xml", "text/plain; charset=utf-8", "", "multipart/related; type=text/xml"])
def test_unsupported_content_type_is_refused_with_415(envelope, refused, content_type):
    refusal = refused(envelope(), content_type)
    assert (refusal.faultcode, refusal.status) == ("Client.UnsupportedMediaType", 415)


def test_content_type_is_checked_before_size(refused):
    # Given a huge body with the wrong Content-Type: the media type is what is wrong first
    assert refused(b"x" * (CAP + 1), "application/json").status == 415


# --------------------------------------------------------------------- bounded cost: caps --


def with_attributes(attributes: str, inner: str = "") -> str:
    """partner_read whose element carries `attributes` besides its own xmlns:t declaration."""
    return f"<t:partner_read xmlns:t='{TNS}'{attributes}>{inner}</t:partner_read>"


ATTRIBUTE_KINDS = {
    "attributes": lambda index: f" a{index}='{index}'",
    "namespace-declarations": lambda index: f" xmlns:n{index}='urn:n{index}'",
    "qualified-attributes": lambda index: f" xsi:a{index}='1'" if index else f" xmlns:xsi='{XSI}'",
    "newlines-and-angle-brackets-in-values": lambda index: f'\n\ta{index} = "x>{index}"',
}


@pytest.mark.parametrize("kind", list(ATTRIBUTE_KINDS))
def test_attributes_of_one_element_are_capped_declarations_included(envelope, refused, kind):
    attribute = ATTRIBUTE_KINDS[kind]
    # Given the operation element with MAX_ATTRIBUTES_PER_ELEMENT attributes (its xmlns:t is the first)
    at_cap = envelope(with_attributes("".join(attribute(index) for index in range(MAX_ATTRIBUTES_PER_ELEMENT - 1))))
    # Then it is accepted
    assert inspect(at_cap, TEXT_XML, CAP).operation == "partner_read"
    # And with one more it is refused, naming the limit
    refusal = refused(envelope(with_attributes("".join(attribute(index) for index in range(MAX_ATTRIBUTES_PER_ELEMENT)))))
    assert (refusal.faultcode, refusal.status) == ("Client.TooManyAttributes", 400)
    assert str(MAX_ATTRIBUTES_PER_ELEMENT) in refusal.message


def test_attribute_bomb_of_the_issue_is_refused(envelope, refused):
    # Given the body of issue 9: 20 000 attributes on the operation element (~200 KB)
    body = envelope(with_attributes("".join(f" a{index}='1'" for index in range(20_000))))
    # Then it is refused before spyne reads a single attribute
    assert refused(body, max_bytes=ONE_MIB).faultcode == "Client.TooManyAttributes"


def request_with_attributes(total: int) -> bytes:
    """A request whose elements carry `total` attributes in all, at most 16 per element."""
    rest = total - 2  # the Envelope's xmlns:s and the operation's xmlns:t
    counts = [16] * (rest // 16) + ([rest % 16] if rest % 16 else [])
    inner = "".join(f"<t:p{number}" + "".join(f" a{index}='{index}'" for index in range(count)) + "/>" for number, count in enumerate(counts))
    return f"<s:Envelope xmlns:s='{SOAP11_ENV}'><s:Body>{with_attributes('', inner)}</s:Body></s:Envelope>".encode()


def test_attributes_of_the_whole_request_are_capped(refused):
    # Given MAX_ATTRIBUTES attributes spread over elements, none of which is over its own cap
    assert inspect(request_with_attributes(MAX_ATTRIBUTES), TEXT_XML, CAP).operation == "partner_read"
    # Then one more is refused, naming the limit
    refusal = refused(request_with_attributes(MAX_ATTRIBUTES + 1))
    assert refusal.faultcode == "Client.TooManyAttributes"
    assert str(MAX_ATTRIBUTES) in refusal.message


@pytest.mark.parametrize("filler", ["<t:p/>", "<!--Optional:-->"], ids=["elements", "comments"])
def test_elements_and_comments_are_capped(envelope, refused, filler):
    # Envelope, Body and the operation are 3 of MAX_ELEMENTS
    assert inspect(envelope(operation("partner_read", filler * (MAX_ELEMENTS - 3))), TEXT_XML, CAP).operation == "partner_read"
    refusal = refused(envelope(operation("partner_read", filler * (MAX_ELEMENTS - 2))))
    assert (refusal.faultcode, refusal.status) == ("Client.TooManyElements", 400)
    assert str(MAX_ELEMENTS) in refusal.message


def test_many_elements_under_the_depth_limit_are_refused_as_too_many(envelope, refused):
    # Given nesting 20 deep, repeated: never too deep, but far too many elements
    nest = "<x>" * 20 + "</x>" * 20
    assert refused(envelope(operation("partner_read", nest * 100))).faultcode == "Client.TooManyElements"


TEXT_PLACES = {
    "element-text": lambda text: f"<t:partner_user_name>{text}</t:partner_user_name>",
    "text-after-an-element": lambda text: f"<t:partner_user_name/>{text}",
    "cdata": lambda text: f"<t:partner_user_name><![CDATA[{text}]]></t:partner_user_name>",
    "attribute-value": lambda text: f"<t:partner_user_name a='{text}'/>",
    "comment": lambda text: f"<!--{text}-->",
}


@pytest.mark.parametrize("place", list(TEXT_PLACES))
def test_one_text_is_capped_in_characters(envelope, refused, place):
    # Given a text of exactly MAX_TEXT_CHARS Cyrillic characters (twice as many bytes)
    at_cap = envelope(operation("partner_user_add", TEXT_PLACES[place]("я" * MAX_TEXT_CHARS)))
    assert inspect(at_cap, TEXT_XML, CAP).operation == "partner_user_add"
    # Then one character more is refused, naming the limit
    refusal = refused(envelope(operation("partner_user_add", TEXT_PLACES[place]("я" * (MAX_TEXT_CHARS + 1)))))
    assert (refusal.faultcode, refusal.status) == ("Client.TextTooLarge", 400)
    assert str(MAX_TEXT_CHARS) in refusal.message


def test_a_namespace_name_counts_as_text(envelope, refused):
    long_namespace = "urn:" + "x" * MAX_TEXT_CHARS
    assert refused(envelope(operation("partner_read", f"<n:p xmlns:n='{long_namespace}'/>"))).faultcode == "Client.TextTooLarge"


def request_with_text(total: int) -> bytes:
    """A request whose texts (the two namespace names included) add up to `total` characters."""
    rest = total - len(SOAP11_ENV) - len(TNS)
    sizes = [MAX_TEXT_CHARS] * (rest // MAX_TEXT_CHARS) + [rest % MAX_TEXT_CHARS]
    inner = "".join(f"<t:p>{'ж' * size}</t:p>" for size in sizes)
    return f"<s:Envelope xmlns:s='{SOAP11_ENV}'><s:Body>{operation('partner_read', inner)}</s:Body></s:Envelope>".encode()


def test_all_texts_together_are_capped(refused):
    assert inspect(request_with_text(MAX_TEXT_TOTAL), TEXT_XML, ONE_MIB).operation == "partner_read"
    refusal = refused(request_with_text(MAX_TEXT_TOTAL + 1), max_bytes=ONE_MIB)
    assert refusal.faultcode == "Client.TextTooLarge"
    assert str(MAX_TEXT_TOTAL) in refusal.message


def filled(make: Callable[[str], bytes], unit: Callable[[int], str], size: int = ONE_MIB) -> bytes:
    """make(filler): as many fixed-width units as fit in `size` bytes (the cap a deployment uses)."""
    room = size - len(make(""))
    body = make("".join(unit(index) for index in range(room // len(unit(0).encode()))))
    assert size - len(unit(0).encode()) < len(body) <= size
    return body


# The hostile shapes of docs/performance.md ("Hostile bodies"), as large as the 1 MiB cap allows
HOSTILE_AT_THE_CAP = {
    "attributes-on-one-element": (lambda e: filled(lambda f: e(with_attributes(f)), lambda i: f" a{i:06}='1'"), "Client.TooManyAttributes"),
    "namespace-declarations": (lambda e: filled(lambda f: e(with_attributes(f)), lambda i: f" xmlns:n{i:06}='u'"), "Client.TooManyAttributes"),
    "attributes-on-many-elements": (lambda e: filled(lambda f: e(with_attributes("", f)), lambda i: "<p" + "".join(f" a{k:02}=''" for k in range(16)) + "/>"), "Client.TooManyAttributes"),
    "long-attribute-value": (lambda e: filled(lambda f: e(with_attributes(f" a='{f}'")), lambda i: "x"), "Client.TextTooLarge"),
    "elements": (lambda e: filled(lambda f: e(with_attributes("", f)), lambda i: "<p/>"), "Client.TooManyElements"),
    "deep-elements": (lambda e: filled(lambda f: e(with_attributes("", f)), lambda i: "<x>" * 29 + "</x>" * 29), "Client.TooManyElements"),
    "huge-text": (lambda e: filled(lambda f: e(with_attributes("", f)), lambda i: "x"), "Client.TextTooLarge"),
    "tiny-texts-between-comments": (lambda e: filled(lambda f: e(with_attributes("", f)), lambda i: "x<!---->"), "Client.TooManyElements"),
    "comments": (lambda e: filled(lambda f: e(with_attributes("", f)), lambda i: "<!---->"), "Client.TooManyElements"),
    "cdata-sections": (lambda e: filled(lambda f: e(with_attributes("", f)), lambda i: "<![CDATA[x]]>"), "Client.TextTooLarge"),
    "character-references": (lambda e: filled(lambda f: e(with_attributes("", f)), lambda i: "&#1103;"), "Client.TextTooLarge"),
    "processing-instructions": (lambda e: filled(lambda f: e(with_attributes("", f)), lambda i: "<?p?>"), "Client.ProcessingInstructionNotAllowed"),
    "operations": (lambda e: filled(lambda f: e(f), lambda i: "<t:partner_read xmlns:t='" + TNS + "'/>"), "Client.MultipleOperations"),
}


@pytest.mark.parametrize("shape", list(HOSTILE_AT_THE_CAP))
def test_hostile_body_at_the_size_cap_gets_its_fault(envelope, refused, shape):
    # Given a hostile body of that shape, as large as the 1 MiB cap allows
    build, faultcode = HOSTILE_AT_THE_CAP[shape]
    body = build(envelope)
    # When the guard inspects it
    refusal = refused(body, max_bytes=ONE_MIB)
    # Then it is refused with the fault of that shape, whose document carries the message
    assert (refusal.faultcode, refusal.status) == (faultcode, 400)
    root = etree.fromstring(fault_document("1.1", refusal.faultcode, refusal.message))
    assert refusal.message in "".join(root.itertext())


# ------------------------------------------------------ one operation, no PIs, no XInclude --


@pytest.mark.parametrize(
    "inner",
    [
        pytest.param(operation("partner_user_add") + operation("partner_user_delete"), id="two-operations"),
        pytest.param(operation("partner_read") + operation("partner_read"), id="the-same-twice"),
        pytest.param(operation("partner_read") + " <!-- c --> text " + "<other/>", id="unqualified-second"),
    ],
)
def test_a_second_element_in_body_is_refused(envelope, refused, inner):
    # Given a Body with a second element after the operation (which spyne would silently ignore)
    refusal = refused(envelope(inner))
    # Then it is refused, not half-executed
    assert (refusal.faultcode, refusal.status) == ("Client.MultipleOperations", 400)


@pytest.mark.parametrize(
    ("prolog", "header", "inner", "epilog"),
    [
        pytest.param("<?xml version='1.0'?><?xml-stylesheet href='x.xsl'?>", None, "", "", id="prolog"),
        pytest.param("", "<?audit x?>", "", "", id="header"),
        pytest.param("", None, "<t:partner_user_name>Иван<?php echo 1 ?></t:partner_user_name>", "", id="parameter"),
        pytest.param("", None, "", "<?after?>", id="after-envelope"),
    ],
)
def test_processing_instructions_are_refused(envelope, refused, prolog, header, inner, epilog):
    body = envelope(operation("partner_user_add", inner), header=header, prolog=prolog) + epilog.encode()
    refusal = refused(body)
    assert (refusal.faultcode, refusal.status) == ("Client.ProcessingInstructionNotAllowed", 400)


@pytest.mark.parametrize("namespace", ["http://www.w3.org/2001/XInclude", "http://www.w3.org/2003/XInclude"])
@pytest.mark.parametrize("where", ["parameter", "operation", "header"])
def test_xinclude_is_refused(envelope, refused, namespace, where):
    # Given an XInclude of a local file, where a parameter, the operation or a header block would be
    include = f"<xi:include xmlns:xi='{namespace}' href='file:///etc/passwd' parse='text'/>"
    body = {
        "parameter": envelope(operation("client_read", f"<t:client_id>{include}</t:client_id>")),
        "operation": envelope(include),
        "header": envelope(operation("client_read"), header=include),
    }[where]
    # Then it is refused, never silently dropped
    refusal = refused(body)
    assert (refusal.faultcode, refusal.status) == ("Client.XIncludeNotAllowed", 400)


# -------------------------------------------------------------------------- mustUnderstand --

ROLE_NEXT_11 = "http://schemas.xmlsoap.org/soap/actor/next"
ROLE_12 = "http://www.w3.org/2003/05/soap-envelope/role/"


def security(attributes: str) -> str:
    return f"<a:Security xmlns:a='urn:sec' {attributes}><a:Token>x</a:Token></a:Security>"


@pytest.mark.parametrize(
    ("version", "attributes"),
    [
        ("1.1", "s:mustUnderstand='1'"),
        ("1.1", "s:mustUnderstand='true'"),
        ("1.1", f"s:mustUnderstand=' 1 ' s:actor='{ROLE_NEXT_11}'"),
        ("1.2", "s:mustUnderstand='true'"),
        ("1.2", "s:mustUnderstand='1'"),
        ("1.2", f"s:mustUnderstand='true' s:role='{ROLE_12}next'"),
        ("1.2", f"s:mustUnderstand='true' s:role='{ROLE_12}ultimateReceiver'"),
    ],
)
def test_mandatory_header_block_addressed_to_us_is_a_must_understand_fault(envelope, version, attributes):
    # Given a header block for the ultimate receiver that must be understood (the service understands none)
    body = envelope(operation("partner_read"), version, header=security(attributes))
    # When the guard inspects it
    with pytest.raises(HostileInput) as refusal:
        inspect(body, CONTENT_TYPE[version], CAP)
    # Then it is SOAP's MustUnderstand fault (HTTP 500 in both bindings), naming the block
    assert (refusal.value.faultcode, refusal.value.status) == ("MustUnderstand", 500)
    assert refusal.value.not_understood == (("urn:sec", "Security"),)
    assert "{urn:sec}Security" in refusal.value.message


@pytest.mark.parametrize(
    ("version", "attributes"),
    [
        ("1.1", "s:mustUnderstand='0'"),
        ("1.1", "s:mustUnderstand='false'"),
        ("1.1", "s:mustUnderstand='1' s:actor='urn:an-intermediary'"),
        ("1.1", "mustUnderstand='1'"),
        ("1.2", "s:mustUnderstand='false'"),
        ("1.2", "s:mustUnderstand='0'"),
        ("1.2", f"s:mustUnderstand='true' s:role='{ROLE_12}none'"),
        ("1.2", "s:mustUnderstand='true' s:role='urn:an-intermediary'"),
        ("1.2", f"xmlns:o='{SOAP11_ENV}' o:mustUnderstand='1'"),
    ],
    ids=["1.1-0", "1.1-false", "1.1-other-actor", "1.1-unqualified", "1.2-false", "1.2-0", "1.2-role-none", "1.2-other-role", "1.2-soap11-attribute"],
)
def test_optional_or_foreign_header_blocks_are_ignored(envelope, version, attributes):
    body = envelope(operation("partner_read"), version, header=security(attributes))
    assert inspect(body, CONTENT_TYPE[version], CAP).operation == "partner_read"


def test_every_mandatory_header_block_is_named_and_nested_elements_are_not_blocks(envelope):
    # Given two mandatory blocks, one optional block, and mustUnderstand on a block's child and in the Body
    header = (
        "<a:Security xmlns:a='urn:sec' s:mustUnderstand='1'><a:Token s:mustUnderstand='1'>x</a:Token></a:Security>"
        "<b:Trace xmlns:b='urn:trace' s:mustUnderstand='0'/><Session s:mustUnderstand='1'/>"
    )
    body = envelope(operation("partner_read", "<t:partner_id s:mustUnderstand='1'/>"), header=header)
    with pytest.raises(HostileInput) as refusal:
        inspect(body, TEXT_XML, CAP)
    # Then exactly the two mandatory blocks are reported, in document order
    assert refusal.value.not_understood == (("urn:sec", "Security"), ("", "Session"))


# ----------------------------------------------------------------------- helpers and faults --


@pytest.mark.parametrize(
    ("content_type", "version"),
    [
        ("text/xml", "1.1"),
        ("text/xml; charset=utf-8", "1.1"),
        ("Text/XML;charset=UTF-8", "1.1"),
        ('application/soap+xml; charset=utf-8; action="partner_read"', "1.2"),
        ("APPLICATION/SOAP+XML", "1.2"),
        ("application/xml", None),
        ("", None),
    ],
)
def test_version_of_content_type(content_type, version):
    assert version_of(content_type) == version


MESSAGE = "Запрос должен быть в кодировке UTF-8 <тег> & «кавычки»"


def test_soap11_fault_document_parses_with_code_and_russian_text():
    # When a SOAP 1.1 fault is built for a refusal with markup characters in its message
    root = etree.fromstring(fault_document("1.1", "Client.InvalidEncoding", MESSAGE))
    # Then it is a SOAP 1.1 envelope whose fault keeps the code and the exact text
    assert root.tag == f"{{{SOAP11_ENV}}}Envelope"
    fault = root.find(f"{{{SOAP11_ENV}}}Body/{{{SOAP11_ENV}}}Fault")
    assert fault is not None
    code = fault.findtext("faultcode")
    prefix, _, local = code.partition(":")
    assert fault.nsmap[prefix] == SOAP11_ENV
    assert local == "Client.InvalidEncoding"
    assert fault.findtext("faultstring") == MESSAGE


def qname_of(element: etree._Element) -> tuple[str | None, str]:
    """The QName an element's text names, its prefix resolved in the element's scope: (namespace, local name)."""
    prefix, _, local = element.text.strip().rpartition(":")
    return element.nsmap.get(prefix or None), local


@pytest.mark.parametrize(
    ("faultcode", "value", "subcodes"),
    [
        ("Client.TooDeep", "Sender", ["TooDeep"]),
        ("Client.IdempotencyKeyReused", "Sender", ["IdempotencyKeyReused"]),
        ("Server.StorageUnavailable", "Receiver", ["StorageUnavailable"]),
        ("Client.A.B", "Sender", ["A", "B"]),
        ("Server", "Receiver", []),
        ("Client", "Sender", []),
    ],
)
def test_soap12_fault_document_has_qualified_subcodes_and_russian_reason(faultcode, value, subcodes):
    # When a SOAP 1.2 fault is built
    root = etree.fromstring(fault_document("1.2", faultcode, MESSAGE))
    # Then Code/Value is the SOAP 1.2 name (soap:Sender / soap:Receiver)
    assert root.tag == f"{{{SOAP12_ENV}}}Envelope"
    fault = root.find(f"{{{SOAP12_ENV}}}Body/{{{SOAP12_ENV}}}Fault")
    assert qname_of(fault.find(f"{{{SOAP12_ENV}}}Code/{{{SOAP12_ENV}}}Value")) == (SOAP12_ENV, value)
    # And each further part of the code is a nested Subcode whose Value is a QName in the service's namespace
    # (SAAJ refuses an unqualified one: SAAJ0432)
    found, subcode = [], fault.find(f"{{{SOAP12_ENV}}}Code/{{{SOAP12_ENV}}}Subcode")
    while subcode is not None:
        found.append(qname_of(subcode.find(f"{{{SOAP12_ENV}}}Value")))
        subcode = subcode.find(f"{{{SOAP12_ENV}}}Subcode")
    assert found == [(TNS, name) for name in subcodes]
    # And the reason is the Russian text, marked as such
    text = fault.find(f"{{{SOAP12_ENV}}}Reason/{{{SOAP12_ENV}}}Text")
    assert text.text == MESSAGE
    assert text.get("{http://www.w3.org/XML/1998/namespace}lang") == "ru"
    # And nothing else: no empty Role or Detail
    assert [etree.QName(child).localname for child in fault] == ["Code", "Reason"]


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_a_message_with_characters_xml_cannot_carry_still_gives_a_fault(version):
    # Given a message echoing a path with a NUL and an escape character (percent-decoded by the server)
    message = "Ресурс /cus/\x00\x1b не найден"
    # When the fault is built, Then it parses, with those characters replaced
    root = etree.fromstring(fault_document(version, "Client.NotFound", message))
    assert "Ресурс /cus/\ufffd\ufffd не найден" in "".join(root.itertext())


def test_every_refusal_message_fits_in_a_fault_document(envelope, refused):
    # Given refusals of several kinds, in both versions
    for version, body, content_type in [
        ("1.1", b"<!DOCTYPE x>" + envelope(), TEXT_XML),
        ("1.2", envelope(version="1.1"), SOAP_XML),
        ("1.1", envelope(), "application/json; <x>&"),
    ]:
        refusal = refused(body, content_type)
        # Then the fault built from it parses and carries the message unchanged
        root = etree.fromstring(fault_document(version, refusal.faultcode, refusal.message))
        assert refusal.message in "".join(root.itertext())


def test_soap11_must_understand_fault_has_the_soap_code():
    root = etree.fromstring(fault_document("1.1", "MustUnderstand", MESSAGE, (("urn:sec", "Security"),)))
    code = root.find(f"{{{SOAP11_ENV}}}Body/{{{SOAP11_ENV}}}Fault/faultcode")
    prefix, _, local = code.text.partition(":")
    assert (code.nsmap[prefix], local) == (SOAP11_ENV, "MustUnderstand")
    assert root.find(f"{{{SOAP11_ENV}}}Header") is None  # SOAP 1.1 has no NotUnderstood block


def test_soap12_must_understand_fault_names_each_block_in_a_not_understood_header():
    # When a SOAP 1.2 MustUnderstand fault is built for a qualified block (markup in its namespace) and an unqualified one
    blocks = (("urn:sec?a=1&b=2", "Security"), ("", "Session"))
    root = etree.fromstring(fault_document("1.2", "MustUnderstand", MESSAGE, blocks))
    # Then Code/Value is env:MustUnderstand with no subcode
    fault = root.find(f"{{{SOAP12_ENV}}}Body/{{{SOAP12_ENV}}}Fault")
    value = fault.find(f"{{{SOAP12_ENV}}}Code/{{{SOAP12_ENV}}}Value")
    prefix, _, local = value.text.partition(":")
    assert (value.nsmap[prefix], local) == (SOAP12_ENV, "MustUnderstand")
    assert fault.find(f"{{{SOAP12_ENV}}}Code/{{{SOAP12_ENV}}}Subcode") is None
    # And the Header holds one env:NotUnderstood per block, whose qname resolves to the block's name
    named = []
    for block in root.findall(f"{{{SOAP12_ENV}}}Header/{{{SOAP12_ENV}}}NotUnderstood"):
        prefix, _, local = block.get("qname").rpartition(":")
        named.append((block.nsmap.get(prefix or None) or "", local))
    assert tuple(named) == blocks


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_other_faults_have_no_header(version):
    root = etree.fromstring(fault_document(version, "Client.TooManyAttributes", MESSAGE))
    assert [child.tag.rpartition("}")[2] for child in root] == ["Body"]
