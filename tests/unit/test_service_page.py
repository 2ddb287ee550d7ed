"""The HTML page at a service URL: every operation of the endpoint with the parameters and result columns
spyne declares, sample SOAP 1.1 and 1.2 requests the service accepts, and nothing left unescaped."""

import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import lxml.html
import pytest
from lxml import etree
from partnerapi.groups import GROUP_OPERATIONS
from partnerapi.http import HttpRequest
from partnerapi.soap import TNS
from partnerapi.soap.endpoint import SoapEndpoint, _service_class
from partnerapi.soap.service_page import DESCRIPTIONS, REQUIRED, service_page
from partnerapi_ops import REPO_ROOT
from spyne.model.complex import Array
from support.demo import DEMO_ID
from support.soap import envelope

SOAP_NAMESPACE = {"1.1": "http://schemas.xmlsoap.org/soap/envelope/", "1.2": "http://www.w3.org/2003/05/soap-envelope"}
CONTENT_TYPE = {"1.1": "text/xml; charset=utf-8", "1.2": "application/soap+xml; charset=utf-8"}
XSD = "http://www.w3.org/2001/XMLSchema"
BASE_URL = "https://abc123.execute-api.eu-central-1.amazonaws.com/v1/cus/ws/PartnerAPI"
ALL_OPERATIONS = [operation for operations in GROUP_OPERATIONS.values() for operation in operations]
VOID_ELEMENTS = {"meta", "br", "link", "img", "input", "hr", "col", "wbr", "source", "area", "base", "embed", "track"}
SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True)


@pytest.fixture(scope="module")
def endpoints() -> dict[str, SoapEndpoint]:
    return {"all": SoapEndpoint.for_all(), **{group: SoapEndpoint.for_group(group) for group in GROUP_OPERATIONS}}


@pytest.fixture
def page_of(endpoints):
    """page_of(name, url=None) → (the page's bytes, its parsed tree) as the endpoint answers at `url`."""

    def render(name: str, url: str | None = None) -> tuple[bytes, lxml.html.HtmlElement]:
        url = url or (BASE_URL if name == "all" else f"{BASE_URL}/{name}")
        page = service_page(endpoints[name], url)
        return page, lxml.html.document_fromstring(page)

    return render


def declared(operation: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(parameters, result columns) as (name, xs type) in the order the spyne service declares them."""
    group = next(group for group, operations in GROUP_OPERATIONS.items() if operation in operations)
    descriptor = _service_class(group).public_methods[operation]

    def typed(name: str, model: type) -> tuple[str, str]:
        return name, ("xs:" if model.get_namespace() == XSD else "tns:") + model.get_type_name()

    parameters = [typed(name, model) for name, model in descriptor.in_message._type_info.items()]
    (result,) = descriptor.out_message._type_info.values()
    columns = []
    if issubclass(result, Array):
        (row,) = result._type_info.values()
        columns = [typed(name, model) for name, model in row._type_info.items()]
    return parameters, columns


def table_rows(section: lxml.html.HtmlElement, table_class: str) -> list[list[str]]:
    return [[cell.text_content().strip() for cell in row.xpath("td")] for row in section.xpath(f".//table[@class='{table_class}']/tbody/tr")]


def section_of(tree: lxml.html.HtmlElement, operation: str) -> lxml.html.HtmlElement:
    (section,) = tree.xpath(f"//section[@id='op-{operation}']")
    return section


def required_on_page(section: lxml.html.HtmlElement) -> set[str]:
    return {name for name, _, need in table_rows(section, "parameters") if need.startswith("обязательный")}


def test_every_operation_appears_with_the_parameters_and_columns_spyne_declares(page_of):
    # Given the page of the single URL
    _, tree = page_of("all")
    for operation in ALL_OPERATIONS:
        parameters, columns = declared(operation)
        section = section_of(tree, operation)
        # Then each operation has its parameters, with their types, in the declared order
        assert [(name, type_name) for name, type_name, _ in table_rows(section, "parameters")] == parameters, operation
        # And the spec's one-line description
        assert section.xpath("p[@class='description']")[0].text.strip(), operation
        # And each parameter says whether it is required
        assert all(need.startswith(("обязательный", "необязательный")) for *_, need in table_rows(section, "parameters")), operation
        # And its result columns are the row type's fields, numbered, in order, with their types
        assert table_rows(section, "columns") == [[str(number), name, type_name] for number, (name, type_name) in enumerate(columns, 1)], operation
        if not columns:
            # a single value (a flag, a base64 file) is named by its type
            (result_type,) = section.xpath(".//code[@class='result-type']")
            assert result_type.text in ("xs:boolean", "xs:base64Binary")


def test_required_marks_name_declared_parameters_of_known_operations():
    # a misspelt name would silently mark nothing
    for operation, entries in REQUIRED.items():
        declared_names = {name for name, _ in declared(operation)[0]}
        marked = {name for entry in entries for name in ((entry,) if isinstance(entry, str) else entry)}
        assert marked <= declared_names, operation
    assert set(DESCRIPTIONS) == set(ALL_OPERATIONS)


def test_importing_the_page_module_loads_neither_spyne_nor_lxml():
    # Given a fresh interpreter (the Lambda's cold start), when the module is imported
    code = "import sys, partnerapi.soap.service_page; print(sorted({'spyne', 'lxml'} & {name.split('.')[0] for name in sys.modules}))"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "layers" / "shared")}
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout.strip()
    # Then the heavy libraries are not loaded by it (only rendering the page uses them)
    assert loaded == "[]"


def test_an_operation_without_parameters_says_so(page_of):
    _, tree = page_of("reference")
    section = section_of(tree, "role_read")
    assert not section.xpath(".//table[@class='parameters']")
    assert "Параметров нет" in section.text_content()


@pytest.mark.parametrize("group", list(GROUP_OPERATIONS))
def test_a_group_page_lists_exactly_the_groups_operations(page_of, group):
    # Given the page of a group's URL
    _, tree = page_of(group)
    # Then its table of contents and its sections are that group's operations, in the spec's order
    toc = [link.get("href").removeprefix("#op-") for link in tree.xpath("//nav[@id='toc']//a")]
    sections = [section.get("data-operation") for section in tree.xpath("//section[@class='operation']")]
    assert toc == sections == list(GROUP_OPERATIONS[group])
    # And it links to the single URL and every other group's URL, not to itself
    links = {link.get("href") for link in tree.xpath("//nav[@class='groups']//a")}
    assert links == {BASE_URL} | {f"{BASE_URL}/{other}" for other in GROUP_OPERATIONS if other != group}


def test_the_single_url_lists_every_operation_grouped(page_of):
    _, tree = page_of("all")
    toc = [link.get("href").removeprefix("#op-") for link in tree.xpath("//nav[@id='toc']//a")]
    assert toc == ALL_OPERATIONS
    assert [heading.text for heading in tree.xpath("//nav[@id='toc']/h3")] == list(GROUP_OPERATIONS)
    # And each operation names its group with a link to that group's URL
    for operation in ALL_OPERATIONS:
        (group_link,) = section_of(tree, operation).xpath(".//p[@class='muted']/a")
        assert group_link.get("href") == f"{BASE_URL}/{group_link.text}" and operation in GROUP_OPERATIONS[group_link.text]


@pytest.mark.parametrize("name", ["all", *GROUP_OPERATIONS])
def test_the_header_gives_title_address_wsdl_and_how_to_call(page_of, name):
    url = BASE_URL if name == "all" else f"{BASE_URL}/{name}"
    page, tree = page_of(name)
    assert page.startswith(b"<!DOCTYPE html>")
    assert tree.get("lang") == "ru"
    assert tree.xpath("//head/meta[@charset]")[0].get("charset") == "utf-8"
    assert tree.findtext(".//title").startswith("PartnerAPI v1.20")
    assert tree.findtext(".//h1") == "PartnerAPI v1.20"
    assert tree.xpath("//code[@id='address']")[0].text == url
    assert tree.xpath("//a[@id='wsdl']")[0].get("href") == f"{url}?wsdl"
    note = tree.xpath("//p[@class='note']")[0].text_content()
    assert "POST" in note and "HTTP Basic" in note
    # self-contained: no scripts, no external resources
    assert not tree.xpath("//script | //link | //img | //iframe")


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_sample_envelopes_are_xml_calling_the_operation_in_the_service_namespace(page_of, version):
    _, tree = page_of("all")
    for operation in ALL_OPERATIONS:
        parameters, _ = declared(operation)
        section = section_of(tree, operation)
        (envelope_text,) = section.xpath(f".//pre[@class='envelope'][@data-soap-version='{version}']")
        (headers,) = section.xpath(f".//pre[@class='http'][@data-soap-version='{version}']")
        # Then the sample parses as a SOAP envelope of that version
        root = etree.fromstring(envelope_text.text_content().encode(), SAFE_XML)
        assert root.tag == f"{{{SOAP_NAMESPACE[version]}}}Envelope"
        (body,) = root.findall(f"{{{SOAP_NAMESPACE[version]}}}Body")
        # And its body element is the operation in the service's namespace, with every declared parameter
        (call,) = body
        assert call.tag == f"{{{TNS}}}{operation}"
        assert [child.tag for child in call] == [f"{{{TNS}}}{name}" for name, _ in parameters]
        # And the request headers are those of the version
        assert f"Content-Type: {CONTENT_TYPE[version]}" in headers.text_content()
        assert (f'SOAPAction: "{operation}"' in headers.text_content()) == (version == "1.1")


def test_the_page_is_well_formed_for_html_parser(page_of):
    # Given every page
    for name in ["all", *GROUP_OPERATIONS]:
        page, _ = page_of(name)
        # When html.parser reads it, every element is closed, in order
        checker = BalancedTags()
        checker.feed(page.decode("utf-8"))
        checker.close()
        assert checker.problems == [] and checker.open == [], name
        # And ids are unique (the table of contents links to them)
        assert len(checker.ids) == len(set(checker.ids)), name


class BalancedTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problems: list[str] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids.extend(value for name, value in attrs if name == "id" and value)
        if tag not in VOID_ELEMENTS:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.problems.append(f"unexpected </{tag}> at {self.getpos()}")


def test_special_characters_in_the_url_are_escaped(page_of):
    # Given a URL with characters that mean something in HTML
    url = 'https://example.com/cus/ws/PartnerAPI?x="><script>alert(1)</script>&y=<b>'
    page, tree = page_of("all", url)
    # Then they appear only escaped: no element came from them
    assert b"<script>" not in page and b"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;y=&lt;b&gt;" in page
    assert not tree.xpath("//script | //b")
    # And a browser still reads the exact URL back
    assert tree.xpath("//code[@id='address']")[0].text == url
    assert tree.xpath("//a[@id='wsdl']")[0].get("href") == f"{url}?wsdl"
    # And the XML samples are text, not markup
    assert not tree.xpath("//*[local-name()='Envelope' or local-name()='Body']")
    assert tree.xpath("//pre[@class='envelope']")[0].text_content().startswith("<soap:Envelope")


def test_a_url_that_looks_like_the_pages_own_markers_is_shown_as_it_is(page_of):
    url = "https://example.com/@@main-address@@/@@address@@/cus/ws/PartnerAPI"
    _, tree = page_of("all", url)
    assert tree.xpath("//code[@id='address']")[0].text == url
    assert tree.xpath("//nav[@class='groups']//a")[0].get("href") == f"{url}/reference"


def test_each_request_gets_its_own_address(endpoints):
    # Given the same endpoint reached at two URLs (the rendering is shared)
    first = service_page(endpoints["clients"], "https://one.example/cus/ws/PartnerAPI/clients").decode()
    second = service_page(endpoints["clients"], "https://two.example/stage/cus/ws/PartnerAPI/clients").decode()
    # Then each page names only its own
    assert "one.example" in first and "two.example" not in first
    assert "two.example" in second and "one.example" not in second
    assert 'href="https://two.example/stage/cus/ws/PartnerAPI"' in second  # the single URL, from the group's


def test_no_placeholder_text_is_left(page_of):
    for name in ["all", *GROUP_OPERATIONS]:
        page, tree = page_of(name)
        text = page.decode("utf-8")
        assert "…" not in text and "@@" not in text, name


def soap_call(endpoint: SoapEndpoint, operation: str, envelope: str) -> tuple[int, str, str]:
    """(HTTP status, faultcode, faultstring) of a SOAP 1.1 request as the demo partner."""
    headers = {"content-type": CONTENT_TYPE["1.1"], "soapaction": f'"{operation}"'}
    request = HttpRequest("POST", "/cus/ws/PartnerAPI", headers, envelope.encode(), partner_id=DEMO_ID, request_id="page-sample")
    response = endpoint.handle(request)
    answer = etree.fromstring(response.body, SAFE_XML)
    return response.status, answer.findtext(".//faultcode") or "", answer.findtext(".//faultstring") or ""


def test_required_marks_and_samples_agree_with_what_the_service_does(demo_data, page_of, endpoints):
    # Given the page's samples and required marks, and the service with the demo data
    _, tree = page_of("all")
    mismatches = []
    for operation in ALL_OPERATIONS:
        section = section_of(tree, operation)
        required = required_on_page(section)
        (sample,) = section.xpath(".//pre[@class='envelope'][@data-soap-version='1.1']")
        # When the operation is called with no parameter at all
        status, faultcode, message = soap_call(endpoints["all"], operation, envelope(operation).decode())
        # Then it is refused for a missing parameter exactly when the page marks one required, naming one of those
        named = set(re.findall(r"\((\w+)\)", message))
        if bool(required) != faultcode.endswith("Client.MissingParameter") or (named and not named & required):
            mismatches.append(f"{operation} with nothing: page requires {sorted(required)}, service said {status} {faultcode} {message}")
        # When the sample is sent as shown
        status, faultcode, message = soap_call(endpoints["all"], operation, sample.text_content())
        # Then it is complete and valid: answered, or refused only for its made-up IDs
        if status != 200 and (not faultcode.split(":")[-1].startswith("Client.") or faultcode.endswith(("MissingParameter", "ValidationError"))):
            mismatches.append(f"{operation} sample: {status} {faultcode} {message}")
        if not required and status != 200:
            mismatches.append(f"{operation} sample without required parameters: {status} {faultcode} {message}")
    assert mismatches == []
