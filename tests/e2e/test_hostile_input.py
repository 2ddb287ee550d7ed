"""Hostile and malformed requests over real HTTP against the sandbox, with valid demo credentials.

Every answer must be a SOAP Fault the client can parse (Client for SOAP 1.1, Sender for SOAP 1.2),
never a bare 500 or an HTML page; nothing a refused request carries may reach the data; no file
an XML entity names may leak into an answer. Also: HTTP Basic is demanded for POST, not for ?wsdl.
Bounded cost: bodies too costly to read (attributes, elements, text over the guard's caps) or that
spyne would half-read (a second operation, processing instructions, XInclude) get their own Client
fault; a header block marked mustUnderstand gets SOAP's MustUnderstand fault (HTTP 500); a body
announced over the size cap is refused before it is sent.
"""

import base64
import http.client
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from lxml import etree
from requests.structures import CaseInsensitiveDict
from support.demo import DEMO_USER_IVAN
from support.faults import code, fault_of
from support.soap import SOAP11, SOAP12, TNS, envelope, post

GROUP, SINGLE = "partners", ""
URLS = [pytest.param(GROUP, id="group-url"), pytest.param(SINGLE, id="single-url")]
CONTENT_TYPE = {"1.1": "text/xml; charset=utf-8", "1.2": "application/soap+xml; charset=utf-8"}
ONE_MIB = 1024 * 1024
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
XINCLUDE = "http://www.w3.org/2001/XInclude"


# ---------------------------------------------------------------------------------- helpers --


def parse_fault(response: requests.Response) -> tuple[str, str, str]:
    """(SOAP version, fault code as "{namespace}Local.Sub", fault text) of an answer that must be a SOAP Fault."""
    content_type = response.headers.get("Content-Type", "")
    assert "html" not in content_type.lower(), f"HTML answer: {response.text[:200]}"
    try:
        root = etree.fromstring(response.content)
    except etree.XMLSyntaxError as error:
        pytest.fail(f"HTTP {response.status_code} answer is not XML ({error}): {response.text[:300]!r}")
    version = {f"{{{SOAP11}}}Envelope": "1.1", f"{{{SOAP12}}}Envelope": "1.2"}.get(root.tag)
    assert version, f"not a SOAP envelope: {root.tag}"
    namespace = SOAP11 if version == "1.1" else SOAP12
    fault = root.find(f"{{{namespace}}}Body/{{{namespace}}}Fault")
    assert fault is not None, f"HTTP {response.status_code} without a SOAP Fault: {response.text[:300]}"
    assert content_type.startswith("text/xml" if version == "1.1" else "application/soap+xml"), content_type
    if version == "1.1":
        element = fault.find("faultcode")
        text = fault.findtext("faultstring") or ""
    else:
        element = fault.find(f"{{{namespace}}}Code/{{{namespace}}}Value")
        text = "".join(fault.find(f"{{{namespace}}}Reason").itertext())
    prefix, _, local = element.text.strip().rpartition(":")
    return version, f"{{{element.nsmap.get(prefix or None)}}}{local}", text


def assert_client_fault(response: requests.Response, version: str) -> str:
    """The answer is a caller's-mistake fault of the given SOAP version (soap:Client… / soap:Sender); returns its text."""
    got_version, code, text = parse_fault(response)
    assert got_version == version, f"answered SOAP {got_version} to a SOAP {version} request"
    expected = f"{{{SOAP11}}}Client" if version == "1.1" else f"{{{SOAP12}}}Sender"
    assert code == expected or code.startswith(expected + "."), f"HTTP {response.status_code}: {code}: {text}"
    return text


def user_add(inner_name: str = "Пётр", family: str = "Хостилов") -> str:
    return f"<t:partner_user_name>{inner_name}</t:partner_user_name><t:partner_user_family_name>{family}</t:partner_user_family_name>"


def raw_envelope(inner: str, version: str = "1.1", prolog: str = "", header: str = "") -> str:
    namespace = SOAP12 if version == "1.2" else SOAP11
    head = f"<s:Header>{header}</s:Header>" if header else ""
    return f"{prolog}<s:Envelope xmlns:s='{namespace}' xmlns:t='{TNS}'>{head}<s:Body>{inner}</s:Body></s:Envelope>"


def fault_code(response: requests.Response) -> str:
    """The fault code in SOAP 1.1 terms from either version: `Client.TooManyAttributes` (SOAP 1.2: Sender with
    that subcode), `MustUnderstand`."""
    version, qualified, _ = parse_fault(response)
    namespace, _, local = qualified[1:].partition("}")
    assert namespace == (SOAP11 if version == "1.1" else SOAP12), qualified
    if version == "1.1":
        return local
    subcodes = [value.text.strip().rpartition(":")[2] for value in etree.fromstring(response.content).iterfind(f".//{{{SOAP12}}}Subcode/{{{SOAP12}}}Value")]
    return ".".join([{"Sender": "Client", "Receiver": "Server"}.get(local, local), *subcodes])


def attribute_bomb(count: int = 20_000) -> str:
    """The attributes of issue 9's body: 20 000 on one element, which spyne reads in time quadratic in their number."""
    return "".join(f" a{index}='1'" for index in range(count))


def security_header(must_understand: str) -> str:
    """A WS-Security header block with that mustUnderstand value (the service understands no header block)."""
    return f"<w:Security xmlns:w='{WSSE}' s:mustUnderstand='{must_understand}'><w:UsernameToken><w:Username>demo</w:Username></w:UsernameToken></w:Security>"


@dataclass
class RawAnswer:
    """The parts of a requests.Response that parse_fault reads, for answers read from a socket."""

    status_code: int
    content: bytes
    headers: CaseInsensitiveDict

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")


# Hostile bodies, each built for the SOAP version it is sent as. All must be refused before spyne.
HOSTILE: dict[str, Callable[[str], bytes]] = {
    "doctype": lambda v: raw_envelope("<t:partner_read/>", v, "<?xml version='1.0'?><!DOCTYPE s:Envelope>").encode(),
    "internal-entity": lambda v: raw_envelope("<t:partner_user_add>" + user_add("&name;") + "</t:partner_user_add>", v, "<!DOCTYPE s:Envelope [<!ENTITY name 'Сущность'>]>").encode(),
    "billion-laughs": lambda v: raw_envelope(
        "<t:partner_user_add>" + user_add("&l9;") + "</t:partner_user_add>",
        v,
        "<!DOCTYPE s:Envelope [<!ENTITY l0 'lol'>" + "".join(f"<!ENTITY l{n} '" + f"&l{n - 1};" * 10 + "'>" for n in range(1, 10)) + "]>",
    ).encode(),
    "too-deep": lambda v: raw_envelope("<t:partner_read>" + "<x>" * 200 + "</x>" * 200 + "</t:partner_read>", v).encode(),
    "malformed": lambda v: raw_envelope("<t:partner_read><t:partner_id></t:partner_read>", v).encode(),
    "invalid-utf8": lambda v: raw_envelope("<t:partner_user_add>" + user_add("XX") + "</t:partner_user_add>", v).encode().replace(b"XX", b"\xc3\x28"),
    "utf16-with-bom": lambda v: raw_envelope("<t:partner_read/>", v, "<?xml version='1.0' encoding='UTF-16'?>").encode("utf-16"),
    "declared-windows-1251": lambda v: raw_envelope("<t:partner_read/>", v, "<?xml version='1.0' encoding='windows-1251'?>").encode(),
    "not-an-envelope": lambda v: b"<html><body><h1>hello</h1></body></html>",
    "empty-body": lambda v: raw_envelope("", v).encode(),
    "empty-request": lambda v: b"",
    "other-soap-version": lambda v: raw_envelope("<t:partner_read/>", "1.1" if v == "1.2" else "1.2").encode(),
    "too-large": lambda v: raw_envelope("<t:partner_user_add>" + user_add("Большой", "я" * (ONE_MIB // 2 + 10)) + "</t:partner_user_add>", v).encode(),
}


@pytest.fixture
def employees(soap_client) -> Callable[[], list]:
    """employees() → every employee of the demo partner, deleted ones included, read with zeep."""
    service = soap_client("demo", "demo", GROUP)

    def read() -> list:
        return list(service.partner_user_read(include_deleted=True) or [])

    return read


@pytest.fixture
def birthday_of(soap_client) -> Callable[[str], object]:
    service = soap_client("demo", "demo", GROUP)

    def read(user_id: str) -> object:
        (row,) = service.partner_user_read_with_birthday(partner_user_id=user_id)
        return row.partner_user_birthday

    return read


# ---------------------------------------------------------------------------- the faults --


@pytest.mark.parametrize("where", URLS)
@pytest.mark.parametrize("version", ["1.1", "1.2"])
@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_body_gets_a_client_fault(sandbox, where, version, kind):
    # Given a hostile body sent as SOAP `version` with valid credentials
    body = HOSTILE[kind](version)
    # When it is posted to the group URL or the single URL
    response = post(sandbox.url(where), body, version=version)
    # Then the answer is a parseable Client/Sender fault in the request's SOAP version, with a 4xx status
    text = assert_client_fault(response, version)
    assert text.strip(), "the fault must say what is wrong"
    assert response.status_code in (400, 413), response.status_code
    if kind == "too-large":
        assert response.status_code == 413


@pytest.mark.parametrize("where", URLS)
@pytest.mark.parametrize("content_type", ["application/json", "text/plain; charset=utf-8", "application/xml"])
def test_unsupported_content_type_gets_415_fault(sandbox, where, content_type):
    response = requests.post(sandbox.url(where), data=envelope("partner_read"), auth=("demo", "demo"), headers={"Content-Type": content_type}, timeout=30)
    assert response.status_code == 415
    assert_client_fault(response, "1.1")


@pytest.mark.parametrize("where", URLS)
@pytest.mark.parametrize("target", ["/etc/passwd", "/etc/hostname", "secret-file"])
def test_xxe_never_leaks_the_file(sandbox, tmp_path, where, target):
    # Given a file the sandbox process can read, and an XXE naming it in a parameter that is echoed back
    if target == "secret-file":
        marker = f"SECRET-{uuid.uuid4()}"
        (tmp_path / "secret.txt").write_text(marker, encoding="utf-8")
        path, markers = str(tmp_path / "secret.txt"), [marker]
    else:
        try:
            content = Path(target).read_text(encoding="utf-8")
        except OSError:
            pytest.skip(f"{target} is not readable here")
        path, markers = target, [line for line in content.splitlines() if len(line.strip()) >= 4][:5]
    prolog = f"<?xml version='1.0'?><!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM 'file://{path}'>]>"
    body = raw_envelope("<t:partner_user_add>" + user_add("&xxe;", "&xxe;") + "</t:partner_user_add>", "1.1", prolog).encode()
    # When it is posted
    response = post(sandbox.url(where), body)
    # Then it is refused, and none of the file's contents appear in the answer
    assert_client_fault(response, "1.1")
    for marker in markers:
        assert marker not in response.text


# ----------------------------------------------------------------------- changes nothing --


REFUSED_ADDS = {
    "doctype": lambda name: raw_envelope("<t:partner_user_add>" + user_add(name) + "</t:partner_user_add>", prolog="<!DOCTYPE s:Envelope>").encode(),
    "entity-in-family-name": lambda name: raw_envelope(
        "<t:partner_user_add>" + user_add(name, "&x;") + "</t:partner_user_add>", prolog="<!DOCTYPE s:Envelope [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
    ).encode(),
    "invalid-utf8-in-family-name": lambda name: raw_envelope("<t:partner_user_add>" + user_add(name, "XX") + "</t:partner_user_add>").encode().replace(b"XX", b"\xff"),
    "too-deep-next-to-it": lambda name: raw_envelope("<t:partner_user_add>" + user_add(name) + "<x>" * 40 + "</x>" * 40 + "</t:partner_user_add>").encode(),
    "unclosed": lambda name: raw_envelope("<t:partner_user_add>" + user_add(name) + "<t:partner_user_father_name></t:partner_user_add>").encode(),
    "too-large": lambda name: raw_envelope("<t:partner_user_add>" + user_add(name) + f"<!-- {'x' * ONE_MIB} --></t:partner_user_add>").encode(),
    "soap12-envelope-as-text-xml": lambda name: raw_envelope("<t:partner_user_add>" + user_add(name) + "</t:partner_user_add>", "1.2").encode(),
    "attribute-bomb": lambda name: raw_envelope(f"<t:partner_user_add{attribute_bomb()}>" + user_add(name) + "</t:partner_user_add>").encode(),
    "second-operation": lambda name: raw_envelope("<t:partner_user_add>" + user_add(name) + "</t:partner_user_add><t:partner_read/>").encode(),
    "processing-instruction": lambda name: raw_envelope("<t:partner_user_add>" + user_add(name, "Пи<?php echo 1 ?>") + "</t:partner_user_add>").encode(),
    "xinclude-in-family-name": lambda name: raw_envelope(
        "<t:partner_user_add>" + user_add(name, f"<xi:include xmlns:xi='{XINCLUDE}' href='file:///etc/hostname' parse='text'/>") + "</t:partner_user_add>"
    ).encode(),
}


@pytest.mark.parametrize("where", URLS)
@pytest.mark.parametrize("kind", list(REFUSED_ADDS))
def test_refused_partner_user_add_adds_no_employee(sandbox, employees, where, kind):
    # Given the demo partner's employees, and a partner_user_add with a unique name wrapped in a refused body
    before = employees()
    name = f"Отказ-{uuid.uuid4().hex[:8]}"
    # When it is posted
    response = post(sandbox.url(where), REFUSED_ADDS[kind](name))
    # Then it is refused, and no employee was added
    assert_client_fault(response, "1.1")
    after = employees()
    assert len(after) == len(before)
    assert name not in {user.partner_user_name for user in after}


def test_the_same_partner_user_add_in_a_clean_body_does_add(sandbox, employees):
    # The control: without the hostile part, the very same call adds the employee
    before = employees()
    name = f"Чистый-{uuid.uuid4().hex[:8]}"
    response = post(sandbox.url(GROUP), raw_envelope("<t:partner_user_add>" + user_add(name) + "</t:partner_user_add>").encode())
    assert response.status_code == 200
    after = employees()
    assert len(after) == len(before) + 1
    assert name in {user.partner_user_name for user in after}


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_doctype_add_is_refused_and_adds_nothing(sandbox, employees, codec):
    # Given the DOCTYPE-wrapped partner_user_add encoded as UTF-16 without a byte order mark
    before = employees()
    name = f"Утечка-{uuid.uuid4().hex[:8]}"
    prolog = "<?xml version='1.0' encoding='UTF-16'?><!DOCTYPE s:Envelope [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
    body = raw_envelope("<t:partner_user_add>" + user_add(name, "&x;") + "</t:partner_user_add>", prolog=prolog).encode(codec)
    # When it is posted (Content-Type without charset, so the document's own encoding is used)
    response = requests.post(sandbox.url(GROUP), data=body, auth=("demo", "demo"), headers={"Content-Type": "text/xml"}, timeout=30)
    # Then it is refused like its UTF-8 twin, and no employee is added
    after = employees()
    assert name not in {user.partner_user_name for user in after}
    assert len(after) == len(before)
    assert_client_fault(response, "1.1")


# ----------------------------------------------------------------------------- wrong types --


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_include_deleted_not_a_boolean_is_a_client_fault(sandbox, version):
    response = post(sandbox.url(GROUP), envelope("partner_user_read", "<t:include_deleted>maybe</t:include_deleted>", version), version=version)
    assert_client_fault(response, version)


@pytest.mark.parametrize("where", URLS)
@pytest.mark.parametrize("version", ["1.1", "1.2"])
@pytest.mark.parametrize("birthday", ["not-a-date", "14.09.2012", "2012-13-01"])
def test_birthday_not_a_date_is_a_client_fault_and_changes_nothing(sandbox, birthday_of, where, version, birthday):
    # Given Ivan's birthday
    before = birthday_of(DEMO_USER_IVAN)
    inner = f"<t:partner_user_id>{DEMO_USER_IVAN}</t:partner_user_id><t:birthday>{birthday}</t:birthday>"
    # When a malformed birthday is set
    response = post(sandbox.url(where), envelope("partner_user_set_birthday", inner, version), version=version)
    # Then it is the caller's fault (not the server's), naming the parameter, and the birthday is unchanged
    assert "birthday" in assert_client_fault(response, version)
    assert birthday_of(DEMO_USER_IVAN) == before


@pytest.mark.parametrize("charset", ["no-such-charset", "utf-32"])
def test_unknown_content_type_charset_is_a_client_fault(sandbox, charset):
    response = requests.post(sandbox.url(GROUP), data=envelope("partner_read"), auth=("demo", "demo"), headers={"Content-Type": f"text/xml; charset={charset}"}, timeout=30)
    assert_client_fault(response, "1.1")


def test_charset_label_never_garbles_what_is_stored(sandbox):
    # Given a valid UTF-8 body (no XML declaration) whose Content-Type claims windows-1251
    name = f"Пётр-{uuid.uuid4().hex[:6]}"
    body = raw_envelope("<t:partner_user_add>" + user_add(name) + "</t:partner_user_add>").encode("utf-8")
    response = requests.post(sandbox.url(GROUP), data=body, auth=("demo", "demo"), headers={"Content-Type": "text/xml; charset=windows-1251"}, timeout=30)
    # Then it is either refused as not UTF-8, or stored exactly as sent; never garbled
    if response.status_code != 200:
        assert_client_fault(response, "1.1")
        return
    stored = etree.fromstring(response.content).findtext(f".//{{{TNS}}}partner_user_name")
    assert stored == name


# --------------------------------------------------------------------------- authentication --


@pytest.mark.parametrize("where", URLS)
@pytest.mark.parametrize("auth", [None, ("demo", "wrong-password"), ("nobody", "demo")], ids=["no-credentials", "wrong-password", "unknown-login"])
def test_post_without_valid_credentials_gets_401_with_basic_challenge(sandbox, where, auth):
    response = post(sandbox.url(where), envelope("partner_read"), auth=auth)
    assert response.status_code == 401
    assert response.headers.get("WWW-Authenticate", "").startswith("Basic ")
    assert "realm=" in response.headers["WWW-Authenticate"]
    # And the body is a SOAP fault, with no partner data
    assert_client_fault(response, "1.1")
    assert "partner_name" not in response.text


@pytest.mark.parametrize("where", URLS)
def test_hostile_body_without_credentials_is_still_401(sandbox, where):
    # Authentication comes first: an anonymous caller learns nothing about the guard
    response = post(sandbox.url(where), HOSTILE["doctype"]("1.1"), auth=None)
    assert response.status_code == 401
    assert response.headers.get("WWW-Authenticate", "").startswith("Basic ")


@pytest.mark.parametrize("where", [*URLS, pytest.param("reference", id="reference-url")])
def test_wsdl_needs_no_credentials(sandbox, where):
    # When the WSDL is fetched without credentials
    response = requests.get(f"{sandbox.url(where)}?wsdl", timeout=30)
    # Then it is served, and names the URL it was fetched from in its ports
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    assert root.tag == "{http://schemas.xmlsoap.org/wsdl/}definitions"
    locations = [element.get("location") for element in root.iter("{http://schemas.xmlsoap.org/wsdl/soap/}address", "{http://schemas.xmlsoap.org/wsdl/soap12/}address")]
    assert locations == [sandbox.url(where)] * 2


# ------------------------------------------------------------------ bounded cost per request --


# Bodies the guard refuses for what they would cost, or because spyne would silently drop a part
CAPPED: dict[str, tuple[Callable[[str], bytes], str]] = {
    "attribute-bomb": (lambda v: raw_envelope(f"<t:partner_read{attribute_bomb()}/>", v).encode(), "Client.TooManyAttributes"),
    "namespace-declarations": (
        lambda v: raw_envelope("<t:partner_read" + "".join(f" xmlns:n{index}='urn:n{index}'" for index in range(5_000)) + "/>", v).encode(),
        "Client.TooManyAttributes",
    ),
    "element-flood": (lambda v: raw_envelope("<t:partner_read>" + "<t:partner_id/>" * 50_000 + "</t:partner_read>", v).encode(), "Client.TooManyElements"),
    "huge-text": (lambda v: raw_envelope("<t:partner_read><t:partner_id>" + "x" * 900_000 + "</t:partner_id></t:partner_read>", v).encode(), "Client.TextTooLarge"),
    "two-operations": (lambda v: raw_envelope("<t:partner_read/><t:region_read/>", v).encode(), "Client.MultipleOperations"),
    "processing-instruction": (lambda v: raw_envelope("<t:partner_read/>", v, "<?xml version='1.0'?><?xml-stylesheet href='x.xsl'?>").encode(), "Client.ProcessingInstructionNotAllowed"),
    "xinclude": (
        lambda v: raw_envelope(f"<t:client_read><t:client_id><xi:include xmlns:xi='{XINCLUDE}' href='file:///etc/hostname' parse='text'/></t:client_id></t:client_read>", v).encode(),
        "Client.XIncludeNotAllowed",
    ),
}


@pytest.mark.parametrize("where", URLS)
@pytest.mark.parametrize("version", ["1.1", "1.2"])
@pytest.mark.parametrize("kind", list(CAPPED))
def test_costly_or_ambiguous_body_gets_its_fault(sandbox, where, version, kind):
    # Given a body the guard must refuse before spyne reads it
    build, expected = CAPPED[kind]
    # When it is posted with valid credentials
    response = post(sandbox.url(where), build(version), version=version)
    # Then the answer is that fault, in the request's SOAP version, with HTTP 400
    assert (response.status_code, fault_code(response)) == (400, expected), response.text[:300]
    assert_client_fault(response, version)


@pytest.mark.parametrize("where", URLS)
@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_mandatory_header_block_gets_must_understand_fault_and_adds_no_employee(sandbox, employees, where, version):
    # Given a partner_user_add with a WS-Security header block marked mustUnderstand (for the ultimate receiver)
    before = employees()
    name = f"Заголовок-{uuid.uuid4().hex[:8]}"
    header = security_header("1" if version == "1.1" else "true")
    body = raw_envelope("<t:partner_user_add>" + user_add(name) + "</t:partner_user_add>", version, header=header).encode()
    # When it is posted
    response = post(sandbox.url(where), body, version=version)
    # Then it is SOAP's MustUnderstand fault, with HTTP 500 as both SOAP HTTP bindings want, naming the block
    assert (response.status_code, fault_code(response)) == (500, "MustUnderstand"), response.text[:300]
    assert f"{{{WSSE}}}Security" in parse_fault(response)[2]
    if version == "1.2":
        # SOAP 1.2 part 1, 5.4.8: the fault's Header names the block in an env:NotUnderstood element
        not_understood = etree.fromstring(response.content).find(f"{{{SOAP12}}}Header/{{{SOAP12}}}NotUnderstood")
        assert not_understood is not None, response.text[:400]
        prefix, _, local = not_understood.get("qname").partition(":")
        assert (not_understood.nsmap[prefix], local) == (WSSE, "Security")
    # And no employee was added
    assert name not in {user.partner_user_name for user in employees()}
    assert len(employees()) == len(before)


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_optional_header_block_is_ignored(sandbox, version):
    # The control: the same block with mustUnderstand off is ignored, and the call is answered
    header = security_header("0" if version == "1.1" else "false")
    response = post(sandbox.url(GROUP), raw_envelope("<t:partner_read/>", version, header=header).encode(), version=version)
    assert response.status_code == 200, response.text[:300]
    assert b"partner_readResponse" in response.content


@pytest.mark.parametrize("port", ["PartnerAPISoap", "PartnerAPISoap12"])
def test_zeep_call_with_a_mandatory_header_gets_must_understand(soap_client, port):
    # Given a zeep client that adds a header block with mustUnderstand set (as WS-Security plugins do)
    namespace = SOAP11 if port == "PartnerAPISoap" else SOAP12
    block = etree.Element(f"{{{WSSE}}}Security", {f"{{{namespace}}}mustUnderstand": "1"})
    service = soap_client("demo", "demo", GROUP, port)
    # When it calls an operation, Then it gets the MustUnderstand fault
    assert code(fault_of(service.partner_read, _soapheaders=[block])) == "MustUnderstand"


def post_announcing(sandbox, version: str, headers: dict[str, str], chunks: list[bytes] = ()) -> RawAnswer:
    """A POST over a socket: the headers, then only `chunks` (chunked encoding, no last chunk); then the answer."""
    connection = http.client.HTTPConnection("127.0.0.1", sandbox.port, timeout=20)
    connection.putrequest("POST", urlsplit(sandbox.url(GROUP)).path)
    credentials = base64.b64encode(b"demo:demo").decode()
    for name, value in {"Content-Type": CONTENT_TYPE[version], "Authorization": f"Basic {credentials}", **headers}.items():
        connection.putheader(name, value)
    connection.endheaders()
    for chunk in chunks:
        connection.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    # a server that waited for the rest of the body would never answer: the timeout fails the test
    response = connection.getresponse()
    answer = RawAnswer(response.status, response.read(), CaseInsensitiveDict(response.getheaders()))
    connection.close()
    return answer


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_body_announced_over_the_cap_is_refused_before_it_is_sent(sandbox, version):
    # Given a request whose Content-Length announces 2 MiB, of which not a byte is sent
    response = post_announcing(sandbox, version, {"Content-Length": str(2 * ONE_MIB)})
    # Then the 413 fault comes back anyway, in the request's version, with the guard's message
    assert (response.status_code, fault_code(response)) == (413, "Client.RequestTooLarge")
    assert str(ONE_MIB) in parse_fault(response)[2]
    # And the server will not read the rest as the next request
    assert response.headers.get("connection") == "close"


def test_chunked_body_is_cut_off_past_the_cap(sandbox):
    # Given a chunked body without Content-Length that has just passed the cap (and would go on)
    chunks = [b"<" * (64 * 1024)] * 16 + [b"<"]
    response = post_announcing(sandbox, "1.1", {"Transfer-Encoding": "chunked"}, chunks)
    # Then the server stops reading and answers 413
    assert (response.status_code, fault_code(response)) == (413, "Client.RequestTooLarge")


def test_chunked_body_at_the_cap_reaches_the_guard(sandbox):
    # The control: a chunked body of exactly the cap is read whole and judged by the guard (its comment is too long)
    envelope_bytes = raw_envelope("<t:partner_read/><!---->").encode()
    body = envelope_bytes.replace(b"<!---->", b"<!--" + b"x" * (ONE_MIB - len(envelope_bytes)) + b"-->")
    assert len(body) == ONE_MIB
    response = requests.post(sandbox.url(GROUP), data=iter([body[:ONE_MIB // 2], body[ONE_MIB // 2 :]]), auth=("demo", "demo"), headers={"Content-Type": CONTENT_TYPE["1.1"]}, timeout=30)
    assert (response.status_code, fault_code(response)) == (400, "Client.TextTooLarge")
