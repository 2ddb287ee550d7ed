"""Every refusal a SOAP client can meet, over real HTTP against the sandbox, in the SOAP version of the request.

A request whose Content-Type is application/soap+xml is answered with a SOAP 1.2 envelope and content
type, anything else with SOAP 1.1. Fault codes are QNames and are read as such: the prefix resolved in
the element's own scope. SOAP 1.1: faultcode `soap:Client.<Reason>`; SOAP 1.2: Code/Value `soap:Sender`
with the reason as a Subcode whose Value is qualified by the service's namespace (JAX-WS/SAAJ refuses an
unqualified one), Reason/Text with xml:lang="ru". Also: an operation sent to the wrong URL or namespace is
the one `Client.UnknownOperation`, and a fault raised inside an operation has the same shape.
"""

from dataclasses import dataclass

import pytest
import requests
from lxml import etree
from support.faults import fault_of
from support.soap import SOAP11, SOAP12, TNS, envelope, post

CONTENT_TYPE = {"1.1": "text/xml; charset=utf-8", "1.2": "application/soap+xml; charset=utf-8"}
ENVELOPE_NS = {"1.1": SOAP11, "1.2": SOAP12}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
VERSIONS = ["1.1", "1.2"]
GROUPS = ["reference", "partners", "clients", "agents", "services", "statistics"]
ONE_MIB = 1024 * 1024
# an operation of each group, to send to every other group's URL
OPERATION_OF = {
    "reference": "region_read",
    "partners": "partner_read",
    "clients": "client_read",
    "agents": "agent_partner_read",
    "services": "service_type_read",
    "statistics": "statistics_read",
}


@dataclass
class SoapFault:
    """A fault as a client reads it: codes as (namespace, local name), the text, its language."""

    version: str
    code: tuple[str | None, str]
    subcodes: list[tuple[str | None, str]]
    text: str
    lang: str | None

    @property
    def dotted(self) -> str:
        """The code in SOAP 1.1 terms: `Client.UnknownOperation` (SOAP 1.2: Sender + subcode UnknownOperation)."""
        major = {"Sender": "Client", "Receiver": "Server"}.get(self.code[1], self.code[1]) if self.version == "1.2" else self.code[1]
        return ".".join([major, *(local for _, local in self.subcodes)])


def qname(element: etree._Element) -> tuple[str | None, str]:
    """The QName in an element's text, its prefix resolved where the element stands."""
    prefix, _, local = element.text.strip().rpartition(":")
    return element.nsmap.get(prefix or None), local


def read_fault(response: requests.Response, version: str) -> SoapFault:
    """The answer's fault, after checking it is a SOAP `version` envelope sent with that version's content type."""
    assert response.headers["Content-Type"].startswith(CONTENT_TYPE[version].split(";")[0]), response.headers["Content-Type"]
    root = etree.fromstring(response.content)
    namespace = ENVELOPE_NS[version]
    assert root.tag == f"{{{namespace}}}Envelope", root.tag
    fault = root.find(f"{{{namespace}}}Body/{{{namespace}}}Fault")
    assert fault is not None, response.text[:300]
    if version == "1.1":
        return SoapFault(version, qname(fault.find("faultcode")), [], fault.findtext("faultstring"), None)
    subcodes, subcode = [], fault.find(f"{{{namespace}}}Code/{{{namespace}}}Subcode")
    while subcode is not None:
        subcodes.append(qname(subcode.find(f"{{{namespace}}}Value")))
        subcode = subcode.find(f"{{{namespace}}}Subcode")
    text = fault.find(f"{{{namespace}}}Reason/{{{namespace}}}Text")
    return SoapFault(version, qname(fault.find(f"{{{namespace}}}Code/{{{namespace}}}Value")), subcodes, text.text, text.get(XML_LANG))


def assert_fault(response: requests.Response, version: str, status: int, dotted: str) -> SoapFault:
    """The answer is that fault, well formed for its version: codes in the envelope's namespace, subcodes in
    the service's, a Russian reason."""
    fault = read_fault(response, version)
    assert (response.status_code, fault.dotted) == (status, dotted), response.text[:400]
    major = dotted.split(".")[0]
    if version == "1.1":
        assert fault.code == (SOAP11, dotted)
    else:
        assert fault.code == (SOAP12, {"Client": "Sender", "Server": "Receiver"}.get(major, major))
        assert all(namespace == TNS for namespace, _ in fault.subcodes), fault.subcodes
        assert fault.lang == "ru"
    assert any("а" <= character <= "я" for character in fault.text.lower()), f"not a Russian message: {fault.text}"
    return fault


def send(method: str, url: str, version: str, body: bytes = b"", auth: tuple[str, str] | None = ("demo", "demo")) -> requests.Response:
    return requests.request(method, url, data=body, auth=auth, headers={"Content-Type": CONTENT_TYPE[version]}, timeout=30)


# ---------------------------------------------------------------------------------- 401 --


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("group", ["", "partners"], ids=["single-url", "group-url"])
@pytest.mark.parametrize("auth", [None, ("demo", "wrong-password")], ids=["no-credentials", "wrong-password"])
def test_post_without_valid_credentials_is_401_in_the_request_version(sandbox, version, group, auth):
    # When a call is posted without valid credentials
    response = post(sandbox.url(group), envelope("partner_read", version=version), auth=auth, version=version)
    # Then it is 401 with the Basic challenge, and a Client (Sender) fault in the request's SOAP version
    assert_fault(response, version, 401, "Client.Unauthenticated")
    assert response.headers["WWW-Authenticate"] == 'Basic realm="PartnerAPI", charset="UTF-8"'
    assert b"partner_name" not in response.content


# ---------------------------------------------------------------------------------- 404 --


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("path", ["/cus/ws/PartnerAPI/no_such_group", "/cus/ws/PartnerAPI/partners/extra", "/cus/ws", "/"])
def test_unknown_path_is_404_in_the_request_version(sandbox, version, path):
    # When a call is posted (with valid credentials) to a path the API does not have
    response = send("POST", f"http://127.0.0.1:{sandbox.port}{path}", version, envelope("partner_read", version=version))
    # Then it is 404 in the request's version, naming the path and where the service is
    fault = assert_fault(response, version, 404, "Client.NotFound")
    assert path in fault.text and "/cus/ws/PartnerAPI?wsdl" in fault.text


# ---------------------------------------------------------------------------------- 405 --


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("group", ["", "clients"], ids=["single-url", "group-url"])
@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS"])
def test_other_methods_are_405_naming_the_allowed_ones(sandbox, version, group, method):
    # When a SOAP URL is called with a method other than GET, HEAD and POST
    response = send(method, sandbox.url(group), version, envelope("partner_read", version=version))
    # Then it is 405 with Allow listing what the URL does serve, in the request's version
    assert_fault(response, version, 405, "Client.MethodNotAllowed")
    assert response.headers["Allow"] == "GET, HEAD, POST"


@pytest.mark.parametrize("group", ["", "clients"], ids=["single-url", "group-url"])
def test_get_and_head_are_served_not_refused(sandbox, group):
    # When a browser GETs a SOAP URL without ?wsdl, Then it gets the service's HTML page
    page = requests.get(sandbox.url(group), timeout=30)
    assert page.status_code == 200 and page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert page.content.strip()
    # And HEAD gets the same status and type, with no body
    head = requests.head(sandbox.url(group), timeout=30)
    assert (head.status_code, head.headers["Content-Type"], head.content) == (200, "text/html; charset=utf-8", b"")
    # And GET ?wsdl is still the WSDL
    wsdl = requests.get(f"{sandbox.url(group)}?wsdl", timeout=30)
    assert wsdl.status_code == 200 and etree.fromstring(wsdl.content).tag == "{http://schemas.xmlsoap.org/wsdl/}definitions"


# ----------------------------------------------------------------------------- 413, 415 --


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("group", ["", "partners"], ids=["single-url", "group-url"])
def test_body_over_the_cap_is_413_in_the_request_version(sandbox, version, group):
    # When a body over the 1 MiB cap is posted
    body = envelope("partner_read", f"<t:partner_id>{'x' * ONE_MIB}</t:partner_id>", version)
    response = post(sandbox.url(group), body, version=version)
    # Then it is 413 in the request's version, naming the cap
    fault = assert_fault(response, version, 413, "Client.RequestTooLarge")
    assert str(ONE_MIB) in fault.text


@pytest.mark.parametrize("group", ["", "partners"], ids=["single-url", "group-url"])
@pytest.mark.parametrize("content_type", ["application/json", "application/xml"])
def test_content_type_of_no_soap_version_is_415_in_soap_11(sandbox, group, content_type):
    # When a SOAP body is posted with a Content-Type that names no SOAP version
    response = requests.post(sandbox.url(group), data=envelope("partner_read"), auth=("demo", "demo"), headers={"Content-Type": content_type}, timeout=30)
    # Then it is 415, in SOAP 1.1 (the version of a request that names none), saying what is expected
    fault = assert_fault(response, "1.1", 415, "Client.UnsupportedMediaType")
    assert "application/soap+xml" in fault.text


# ------------------------------------------------------------------- unknown operations --


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("group", ["", *GROUPS], ids=["single-url", *GROUPS])
def test_an_operation_partnerapi_does_not_have_is_unknown_on_every_url(sandbox, version, group):
    response = post(sandbox.url(group), envelope("partner_teleport", version=version), version=version)
    fault = assert_fault(response, version, 400, "Client.UnknownOperation")
    assert "«partner_teleport»" in fault.text


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("url_group", GROUPS)
def test_an_operation_sent_to_another_groups_url_is_refused_naming_the_right_url(sandbox, version, url_group):
    # Given an operation of another group than the URL's
    operation_group = GROUPS[(GROUPS.index(url_group) + 1) % len(GROUPS)]
    operation = OPERATION_OF[operation_group]
    # When it is posted to this group's URL
    response = post(sandbox.url(url_group), envelope(operation, version=version), version=version)
    # Then it is the one unknown-operation fault, naming the operation's group and both URLs that serve it
    fault = assert_fault(response, version, 400, "Client.UnknownOperation")
    assert f"«{operation}» относится к группе {operation_group}" in fault.text
    assert f"{sandbox.url(operation_group)} или {sandbox.url()}" in fault.text


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("group", ["", "partners"], ids=["single-url", "group-url"])
@pytest.mark.parametrize("namespace", ["http://buhphone.com/PartnerAPI/", "urn:other", ""], ids=["trailing-slash", "other", "none"])
def test_an_operation_in_another_namespace_is_unknown(sandbox, version, group, namespace):
    # Given partner_read in a namespace other than the service's
    declaration = f" xmlns='{namespace}'" if namespace else ""
    body = f"<s:Envelope xmlns:s='{ENVELOPE_NS[version]}'><s:Body><partner_read{declaration}/></s:Body></s:Envelope>".encode()
    # When it is posted
    response = post(sandbox.url(group), body, version=version)
    # Then it is unknown, and the message says which namespace is expected
    fault = assert_fault(response, version, 400, "Client.UnknownOperation")
    assert TNS in fault.text


def test_the_right_operation_on_its_own_group_url_still_works(sandbox):
    # The control: client_read on the clients URL is served
    response = post(sandbox.url("clients"), envelope("client_read"))
    assert response.status_code == 200, response.text[:300]


# ---------------------------------------------------------- faults raised inside an operation --


@pytest.mark.parametrize("group", ["", "clients"], ids=["single-url", "group-url"])
def test_soap12_fault_of_an_operation_is_qualified_raw(sandbox, group):
    # When client_read gets an id that is not one, over SOAP 1.2
    response = post(sandbox.url(group), envelope("client_read", "<t:client_id>not-an-id</t:client_id>", "1.2"), version="1.2")
    # Then it is 400 (a Sender fault, SOAP 1.2 part 2, 7.5.1) with Sender / pa:ReferenceNotFound and the Russian reason
    fault = assert_fault(response, "1.2", 400, "Client.ReferenceNotFound")
    assert fault.subcodes == [(TNS, "ReferenceNotFound")]
    assert "client_id" in fault.text and "«not-an-id»" in fault.text
    # And no empty Role or Detail rides along
    root = etree.fromstring(response.content)
    children = root.find(f"{{{SOAP12}}}Body/{{{SOAP12}}}Fault")
    assert [etree.QName(child).localname for child in children] == ["Code", "Reason"]


@pytest.mark.parametrize("group", ["", "clients"], ids=["single-url", "group-url"])
def test_soap11_fault_of_an_operation_keeps_the_dotted_code(sandbox, group):
    # When the same call is made over SOAP 1.1
    response = post(sandbox.url(group), envelope("client_read", "<t:client_id>not-an-id</t:client_id>"))
    # Then it is soap:Client.ReferenceNotFound with the faultstring, HTTP 500 (WS-I Basic Profile)
    fault = assert_fault(response, "1.1", 500, "Client.ReferenceNotFound")
    assert "«not-an-id»" in fault.text


def test_zeep_reads_the_soap12_subcode_and_message(soap_client):
    # When zeep calls client_read with a malformed id through the SOAP 1.2 port
    fault = fault_of(soap_client("demo", "demo", "clients", "PartnerAPISoap12").client_read, client_id="not-an-id")
    # Then it reads Sender, the subcode as a QName in the service's namespace, and the Russian message
    assert fault.code.rpartition(":")[2] == "Sender"
    assert [(subcode.namespace, subcode.localname) for subcode in fault.subcodes] == [(TNS, "ReferenceNotFound")]
    assert "«not-an-id»" in fault.message
