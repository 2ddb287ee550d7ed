"""The hostile-input guard (`partnerapi.soap.envelope`): what it refuses, how, and what it extracts.

Every refusal must be a `HostileInput` carrying a `Client…` faultcode (the caller's mistake, never
the server's) and the HTTP status of the fault; valid envelopes give the operation's element.
"""

import pytest
from lxml import etree
from partnerapi.soap.envelope import (
    MAX_DEPTH,
    SOAP11_ENV,
    SOAP12_ENV,
    HostileInput,
    fault_document,
    inspect,
    soap_action,
    version_of,
)

TNS = "http://buhphone.com/PartnerAPI"
TEXT_XML = "text/xml; charset=utf-8"
SOAP_XML = "application/soap+xml; charset=utf-8"
CAP = 64 * 1024
CONTENT_TYPE = {"1.1": TEXT_XML, "1.2": SOAP_XML}


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


@pytest.mark.parametrize(
    ("headers", "action"),
    [
        ({"soapaction": '"partner_read"'}, "partner_read"),
        ({"soapaction": "partner_read"}, "partner_read"),
        ({"soapaction": '"http://buhphone.com/PartnerAPI/partner_user_add"'}, "partner_user_add"),
        ({"soapaction": '"http://buhphone.com/PartnerAPI#region_read"'}, "region_read"),
        ({"content-type": 'application/soap+xml; charset=utf-8; action="http://buhphone.com/PartnerAPI/role_read"'}, "role_read"),
        ({"content-type": "application/soap+xml; action=partner_read; charset=utf-8"}, "partner_read"),
        ({"content-type": "text/xml; charset=utf-8"}, None),
        ({"soapaction": '""'}, None),
        ({}, None),
    ],
)
def test_soap_action_names_the_operation(headers, action):
    assert soap_action(headers) == action


def test_empty_soapaction_falls_back_to_the_content_type_action():
    headers = {"soapaction": '""', "content-type": 'application/soap+xml; charset=utf-8; action="region_read"'}
    assert soap_action(headers) == "region_read"


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


@pytest.mark.parametrize(("faultcode", "value", "subcode"), [("Client.TooDeep", "Sender", "TooDeep"), ("Server", "Receiver", None), ("Client", "Sender", None)])
def test_soap12_fault_document_parses_with_sender_code_subcode_and_russian_text(faultcode, value, subcode):
    # When a SOAP 1.2 fault is built
    root = etree.fromstring(fault_document("1.2", faultcode, MESSAGE))
    # Then Code/Value is the SOAP 1.2 name (soap:Sender / soap:Receiver) and the detail is the Subcode
    assert root.tag == f"{{{SOAP12_ENV}}}Envelope"
    fault = root.find(f"{{{SOAP12_ENV}}}Body/{{{SOAP12_ENV}}}Fault")
    code_value = fault.find(f"{{{SOAP12_ENV}}}Code/{{{SOAP12_ENV}}}Value")
    prefix, _, local = code_value.text.partition(":")
    assert code_value.nsmap[prefix] == SOAP12_ENV and local == value
    assert fault.findtext(f"{{{SOAP12_ENV}}}Code/{{{SOAP12_ENV}}}Subcode/{{{SOAP12_ENV}}}Value") == subcode
    text = fault.find(f"{{{SOAP12_ENV}}}Reason/{{{SOAP12_ENV}}}Text")
    assert text.text == MESSAGE
    assert text.get("{http://www.w3.org/XML/1998/namespace}lang") == "ru"


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
