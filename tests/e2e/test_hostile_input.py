"""Hostile and malformed requests over real HTTP against the sandbox, with valid demo credentials.

Every answer must be a SOAP Fault the client can parse (Client for SOAP 1.1, Sender for SOAP 1.2),
never a bare 500 or an HTML page; nothing a refused request carries may reach the data; no file
an XML entity names may leak into an answer. Also: HTTP Basic is demanded for POST, not for ?wsdl.
"""

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from lxml import etree
from support.demo import DEMO_USER_IVAN
from support.soap import SOAP11, SOAP12, TNS, envelope, post

GROUP, SINGLE = "partners", ""
URLS = [pytest.param(GROUP, id="group-url"), pytest.param(SINGLE, id="single-url")]
CONTENT_TYPE = {"1.1": "text/xml; charset=utf-8", "1.2": "application/soap+xml; charset=utf-8"}
ONE_MIB = 1024 * 1024


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


def raw_envelope(inner: str, version: str = "1.1", prolog: str = "") -> str:
    namespace = SOAP12 if version == "1.2" else SOAP11
    return f"{prolog}<s:Envelope xmlns:s='{namespace}' xmlns:t='{TNS}'><s:Body>{inner}</s:Body></s:Envelope>"


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
