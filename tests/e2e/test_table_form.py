"""Strict table form («строгой табличной форме»), per row type: every row carries every column of its row
type, in the spec's order; a null column is `xsi:nil="true"` (declared nillable), `""` an empty element.

Seen by the real sandbox's clients: raw XML (lxml), zeep, suds and PHP's SoapClient, in SOAP 1.1 and 1.2.
Every row type is in CASES with an operation that answers rows of that type; the data they read is
created once for the module through the API and the ingestion path (a partner employee and a client
employee with a family name "" and no patronymic nor birthday, a client with an INN "" and nothing else
optional, calls and sessions without a client), so most cases have nil and empty columns to show.
The spec's column lists are written out here, not taken from the product's declarations.
"""

import json
import subprocess
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
import requests
from lxml import etree
from partnerapi.logic import moscow_time
from suds.client import Client as SudsClient
from suds.transport.http import HttpAuthenticated
from support.demo import (
    CLIENT_ADDRESS,
    DEMO_CONTRACT_FRANCHISEE,
    DEMO_SUBSCRIPTION,
    MOSCOW,
    PUBLIC_CONSULTING,
    USER_EMAIL,
    USER_PHONE,
)
from support.external_tools import require_php_soap
from support.faults import rows
from support.soap import SOAP11, SOAP12, TNS, envelope, post
from support.statistics_records import SPECIALIST_IVAN, call, ingest, remote_session, sip_call

XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
XS = "http://www.w3.org/2001/XMLSchema"
PHP_SCRIPT = Path(__file__).resolve().parents[1] / "clients" / "php" / "table_form.php"
ZEEP_PORTS = {"1.1": "PartnerAPISoap", "1.2": "PartnerAPISoap12"}
VERSIONS = ["1.1", "1.2"]

# the module's own data: a day in 2018 (test_statistics uses 2019-2020), a minute of a recent night for
# remote access (which reads the last two months only; test_statistics uses 01:00, the demo 9:00-20:00)
STATISTICS_DAY = datetime(2018, 3, 14)
REMOTE_NIGHT = datetime.combine(moscow_time.today() - timedelta(days=3), datetime.min.time()) + timedelta(hours=3, minutes=17)


@dataclass(frozen=True)
class Case:
    """An operation answering rows of `row_type`, with `arguments(data)`. The row whose first column holds
    `data[key]` (every row when there is no key) must have exactly the `nil` and the `empty` columns."""

    row_type: str
    operation: str
    columns: str  # the spec's result table, in its order
    params: dict = field(default_factory=dict)  # name → value, or → key of the module's data
    key: str | None = None
    nil: frozenset = frozenset()
    empty: frozenset = frozenset()

    def arguments(self, data: dict) -> dict:
        return {name: data.get(value, value) for name, value in self.params.items()}

    @property
    def column_list(self) -> list[str]:
        return self.columns.split()


def nil(*columns: str) -> frozenset:
    return frozenset(columns)


CASES = [
    # reference group: fixed and provisioned lists, no null columns
    Case("region", "region_read", "region_id region_name region_time_zone"),
    Case("contact_type", "contact_type_read", "contact_type_id contact_type_name contact_type_code"),
    Case("role", "role_read", "role_id role_name"),
    Case("call_status_type", "call_status_type_read", "call_status_type_id call_status_type_name"),
    Case("remote_status_type", "remote_status_type_read", "remote_status_type_id remote_status_type_name"),
    Case("remote_access_type", "remote_access_type_read", "remote_access_type_id remote_access_type_name"),
    Case("pay_method_type", "pay_method_type_read", "pay_method_type_id pay_method_type_name"),
    # partners group
    Case("partner", "partner_read", "partner_id partner_name"),
    Case("partner_contact", "partner_contact_read", "partner_id region_id contact_type_id contact_view", {"region_id": MOSCOW}),
    Case("partner_role", "partner_role_read", "partner_id role_id"),
    Case("partner_region", "partner_region_read", "partner_id region_id"),
    Case(
        "partner_user",
        "partner_user_read",
        "partner_user_id partner_id partner_user_name partner_user_family_name partner_user_father_name partner_user_del",
        {"partner_user_id": "partner_user"},
        key="partner_user",
        nil=nil("partner_user_father_name"),
        empty=nil("partner_user_family_name"),
    ),
    Case(
        "partner_user_with_birthday",
        "partner_user_read_with_birthday",
        "partner_user_id partner_id partner_user_name partner_user_family_name partner_user_father_name partner_user_birthday partner_user_del",
        {"partner_user_id": "partner_user"},
        key="partner_user",
        nil=nil("partner_user_father_name", "partner_user_birthday"),
        empty=nil("partner_user_family_name"),
    ),
    Case(
        "partner_user_contact",
        "partner_user_contact_read",
        "partner_user_id contact_type_id contact_view",
        {"partner_user_id": "partner_user"},
        key="partner_user",
    ),
    # clients group
    Case(
        "client",
        "client_read",
        "client_id region_id client_name client_full_name client_del client_inn client_kpp client_reg_num pay_method_id addit_attribute client_new_id",
        {"client_id": "client"},
        key="client",
        nil=nil("client_full_name", "client_kpp", "client_reg_num", "addit_attribute"),
        empty=nil("client_inn"),
    ),
    Case("client_contact", "client_contact_read", "client_id contact_type_id contact_view", {"client_id": "client"}, key="client"),
    Case(
        "client_user",
        "client_user_read",
        "client_user_id client_id client_user_name client_user_family_name client_user_father_name client_user_del",
        {"client_user_id": "client_user"},
        key="client_user",
        nil=nil("client_user_father_name"),
        empty=nil("client_user_family_name"),
    ),
    Case(
        "client_user_with_birthday",
        "client_user_read_with_birthday",
        "client_user_id client_id client_user_name client_user_family_name client_user_father_name client_user_birthday client_user_del",
        {"client_user_id": "client_user"},
        key="client_user",
        nil=nil("client_user_father_name", "client_user_birthday"),
        empty=nil("client_user_family_name"),
    ),
    Case(
        "client_user_contact", "client_user_contact_read", "client_user_id contact_type_id contact_view", {"client_user_id": "client_user"}, key="client_user"
    ),
    # no registration number: level 0, no contract dates
    Case("its_status", "client_ITS_status_For_INN", "ITSLevel DateFrom DateTo", {"INN": "7701234567"}, nil=nil("DateFrom", "DateTo")),
    # agents group
    Case(
        "agent_partner",
        "agent_partner_read",
        "agent_partner_id agent_partner_number agent_type agent_partner_password partner_id agent_partner_activity partner_user_id",
        {"agent_partner_id": "agent_partner"},
        key="agent_partner",
    ),
    Case(
        "agent_user",
        "agent_user_read",
        "agent_user_id agent_user_number agent_type agent_user_password client_id agent_user_activity client_user_id",
        {"agent_user_id": "agent_user"},
        key="agent_user",
    ),
    Case("competence", "competence_read", "competence_id agent_partner_id service_type_id prioritet", {"competence_id": "competence"}, key="competence"),
    # services group: a public service type has no owner
    Case(
        "service_type",
        "service_type_read",
        "service_type_id service_type_name service_type_full_name partner_id service_type_del",
        {"service_type_id": PUBLIC_CONSULTING},
        nil=nil("partner_id"),
    ),
    Case("contract", "contract_read", "contract_id contract_start_date contract_end_date role_id", {"contract_id": DEMO_CONTRACT_FRANCHISEE}),
    Case(
        "contract_service",
        "contract_service_read",
        "contract_id service_type_id contract_service_start_date contract_service_end_date",
        {"contract_id": DEMO_CONTRACT_FRANCHISEE},
    ),
    Case(
        "service",
        "service_read",
        "service_id sale_partner_id client_id service_partner_id service_start_date service_end_date agent_user_id service_type_id",
        {"service_id": DEMO_SUBSCRIPTION},
    ),
    # statistics group: a call and a session of no client, through no agent, on no line, unrecorded
    Case(
        "call_statistics",
        "statistics_read",
        "call_id time duration partner_id client_id src_agent_id dst_agent_id service_type_id call_status_id remote_status_id URL_call_record",
        {"start_time": STATISTICS_DAY.isoformat(), "end_time": (STATISTICS_DAY + timedelta(hours=23)).isoformat()},
        key="call",
        nil=nil("client_id", "src_agent_id", "dst_agent_id", "service_type_id", "URL_call_record"),
    ),
    Case(
        "remote_access_statistics",
        "remote_access_statistics_read",
        "session_id time duration partner_id client_id server_agent_id dst_agent_id service_type_id remote_access_result_id remote_access_type_id",
        {"start_time": REMOTE_NIGHT.isoformat(), "end_time": (REMOTE_NIGHT + timedelta(seconds=59)).isoformat()},
        key="remote_session",
        nil=nil("client_id", "server_agent_id", "service_type_id"),
    ),
    Case(
        "sip_call_statistics",
        "sip_calls_statistics_read",
        "call_id time duration duration_after_answer agent_id abonent incoming sip_call_status_id",
        {"start_time": STATISTICS_DAY.isoformat(), "end_time": (STATISTICS_DAY + timedelta(hours=23)).isoformat()},
        key="sip_call",
    ),
]
BY_ROW_TYPE = {case.row_type: case for case in CASES}
# the table covers every row type the WSDL publishes: test_the_table_covers_every_row_type_of_the_wsdl
ROW_TYPES = pytest.mark.parametrize("case", CASES, ids=[case.row_type for case in CASES])


def test_the_table_covers_every_row_type_of_the_wsdl(published_row_types):
    # Given the row types the WSDL publishes (the complex types that arrays are made of)
    # Then each has a case here
    assert sorted(published_row_types) == sorted(BY_ROW_TYPE)


# ------------------------------------------------------------------------------------------ data --


@pytest.fixture(scope="module")
def data(soap_client, sandbox, tmp_path_factory) -> dict:
    """The rows the cases read, created through the API (demo partner) and `partnerapi ingest`."""
    api = soap_client()
    (partner_user,) = rows(api.partner_user_add("Табличная", "", None))
    api.partner_user_contact_edit(partner_user.partner_user_id, USER_EMAIL, "tabular@demo.example")
    (client,) = rows(api.client_add(f"Табличный клиент {uuid.uuid4().hex[:6]}", MOSCOW, client_inn=""))
    api.client_contact_edit(client.client_id, CLIENT_ADDRESS, "Москва, Табличная ул., 1")
    (client_user,) = rows(api.client_user_add(client.client_id, "Строка", "", None))
    api.client_user_contact_edit(client_user.client_user_id, USER_PHONE, "+7 495 000-00-01")
    (agent_partner,) = rows(api.agent_partner_add(None, partner_user.partner_user_id))
    (agent_user,) = rows(api.agent_user_add(None, client_user.client_user_id))
    (competence,) = rows(api.competence_add(agent_partner.agent_partner_id, PUBLIC_CONSULTING, 2))
    bare_call = call(STATISTICS_DAY + timedelta(hours=10), client_id=None, src_agent_id=None, dst_agent_id=None, service_type_id=None)
    bare_session = remote_session(REMOTE_NIGHT + timedelta(seconds=5), client_id=None, server_agent_id=None, service_type_id=None)
    sip = sip_call(STATISTICS_DAY + timedelta(hours=11), agent_id=SPECIALIST_IVAN)
    status, report = ingest(sandbox, [bare_call, bare_session, sip], tmp_path_factory.mktemp("table_form"))
    assert (status, report["stored"]) == (0, 3), report
    return {
        "partner_user": partner_user.partner_user_id,
        "client": client.client_id,
        "client_user": client_user.client_user_id,
        "agent_partner": agent_partner.agent_partner_id,
        "agent_user": agent_user.agent_user_id,
        "competence": competence.competence_id,
        "call": bare_call["call_id"],
        "remote_session": bare_session["session_id"],
        "sip_call": sip["call_id"],
    }


def selected(case: Case, data: dict, row_columns: list[dict]) -> list[dict]:
    """The rows the case's nil/empty expectations are about (as dicts column → value)."""
    if case.key is None:
        return row_columns
    key_column = case.column_list[0]
    return [row for row in row_columns if row[key_column] == data[case.key]]


# --------------------------------------------------------------------------------------- the WSDL --


@pytest.fixture(scope="module")
def published_row_types(sandbox) -> dict[str, list[tuple[str, etree._Element]]]:
    """Row type → its (column, xs:element) in order, from the WSDL the sandbox publishes."""
    response = requests.get(f"{sandbox.url()}?wsdl", timeout=30)
    assert response.status_code == 200, response.text
    wsdl = etree.fromstring(response.content)
    types = {complex_type.get("name"): complex_type for complex_type in wsdl.iter(f"{{{XS}}}complexType")}
    row_type_names = set()
    for complex_type in types.values():
        for element in complex_type.iter(f"{{{XS}}}element"):
            if element.get("maxOccurs") == "unbounded":
                row_type_names.add(element.get("type").split(":", 1)[-1])
    row_type_names.discard("base64Binary")  # the chat histories' byte arrays
    return {name: [(element.get("name"), element) for element in types[name].iter(f"{{{XS}}}element")] for name in row_type_names}


@ROW_TYPES
def test_the_wsdl_declares_every_column_nillable_and_always_present(published_row_types, case):
    # Given the row type as the WSDL publishes it
    declared = published_row_types[case.row_type]
    # Then every column is there once, in the spec's order, nillable, and required (minOccurs 1, the default)
    assert [column for column, _ in declared] == case.column_list
    for column, element in declared:
        assert element.get("nillable") == "true", column
        assert element.get("minOccurs", "1") == "1" and element.get("maxOccurs", "1") == "1", column


# ---------------------------------------------------------------------------------------- raw XML --


def raw_rows(sandbox, case: Case, data: dict, version: str) -> list[list[etree._Element]]:
    """The rows of the case's answer, posted as raw XML and parsed with lxml: each row's child elements."""
    inner = "".join(f"<t:{name}>{escape(str(value))}</t:{name}>" for name, value in case.arguments(data).items())
    response = post(sandbox.url(), envelope(case.operation, inner, version), version=version)
    assert response.status_code == 200, response.text
    document = etree.fromstring(response.content)  # an undeclared xsi prefix would not even parse
    body = document.find(f"{{{SOAP12 if version == '1.2' else SOAP11}}}Body")
    result = body.find(f"{{{TNS}}}{case.operation}Response/{{{TNS}}}{case.operation}Result")
    assert result is not None, response.text
    found = result.findall(f"{{{TNS}}}{case.row_type}")
    assert len(found) == len(result), response.text  # nothing but rows of the row type
    return [list(row) for row in found]


def raw_value(element: etree._Element) -> str | None:
    """None for nil (which must then be empty), else the text ("" for an empty element)."""
    assert len(element) == 0
    if element.get(XSI_NIL) is not None:
        assert element.get(XSI_NIL) == "true" and not element.text, etree.tostring(element)
        return None
    return element.text or ""


@ROW_TYPES
@pytest.mark.parametrize("version", VERSIONS)
def test_raw_xml_rows_carry_every_column_in_order_nil_where_null_empty_where_empty(sandbox, data, case, version):
    # Given the case's data, When the operation is posted as raw XML
    found = raw_rows(sandbox, case, data, version)
    # Then every row has every column, each once, in the spec's order, in the service's namespace
    assert found, f"{case.operation} answered no rows"
    for row in found:
        assert [etree.QName(element).localname for element in row] == case.column_list
        assert {etree.QName(element).namespace for element in row} == {TNS}
    # And the case's row has nil exactly where the value is null, an empty element exactly where it is ""
    as_dicts = [{etree.QName(element).localname: raw_value(element) for element in row} for row in found]
    chosen = selected(case, data, as_dicts)
    assert len(chosen) == (1 if case.key else len(as_dicts)), as_dicts
    for row in chosen:
        assert {column for column, value in row.items() if value is None} == case.nil, row
        assert {column for column, value in row.items() if value == ""} == case.empty, row


# ------------------------------------------------------------------------------------------- zeep --


@ROW_TYPES
@pytest.mark.parametrize("version", VERSIONS)
def test_zeep_reads_every_column_by_attribute_and_nil_as_none(soap_client, data, case, version):
    # Given a zeep client on the port of the SOAP version
    api = soap_client(port=ZEEP_PORTS[version])
    # When it calls the operation
    found = rows(getattr(api, case.operation)(**case.arguments(data)))
    # Then every column of every row reads by attribute; nil is None (and so is an empty element: zeep
    # reads a text-less element as None, whatever the schema says)
    assert found
    as_dicts = [{column: getattr(row, column) for column in case.column_list} for row in found]
    for row in selected(case, data, as_dicts):
        assert {column for column, value in row.items() if value is None} == case.nil | case.empty, row


# ------------------------------------------------------------------------------------------- suds --


@pytest.fixture(scope="module")
def suds_service(sandbox):
    """suds on the SOAP 1.1 port (suds speaks SOAP 1.1 only), with HTTP Basic as its docs show."""
    client = SudsClient(f"{sandbox.url()}?wsdl", transport=HttpAuthenticated(username="demo", password="demo"), cache=None)
    return client.service["PartnerAPISoap"]


def suds_rows(result, row_type: str) -> list:
    """suds gives the array object (its rows under the row type's name), or nothing for an empty result."""
    return list(getattr(result, row_type, None) or []) if result else []


@ROW_TYPES
def test_suds_reads_every_column_of_every_row_by_attribute(suds_service, data, case):
    # Given suds, When it calls the operation
    found = suds_rows(getattr(suds_service, case.operation)(**case.arguments(data)), case.row_type)
    # Then getattr works for every column of every row (suds raises AttributeError for a missing element)
    assert found
    as_dicts = [{column: getattr(row, column) for column in case.column_list} for row in found]
    # And nil reads as None; suds reads an empty element as None too, so only nil-or-empty is told apart
    for row in selected(case, data, as_dicts):
        assert {column for column, value in row.items() if value is None or value == ""} == case.nil | case.empty, row


# -------------------------------------------------------------------------------------------- PHP --


@pytest.fixture(scope="module")
def php_answers(sandbox, data):
    """version → the answers PHP's SoapClient got for every case (tests/clients/php/table_form.php), one
    PHP process per SOAP version."""
    php = require_php_soap()
    answers = {}

    def of(version: str) -> dict[str, dict]:
        if version not in answers:
            calls = [{"operation": case.operation, "row_type": case.row_type, "params": case.arguments(data), "columns": case.column_list} for case in CASES]
            command = [php, str(PHP_SCRIPT), sandbox.url(), "demo", "demo", version]
            # the timeout guards against a hung process, it does not measure anything
            completed = subprocess.run(command, input=json.dumps(calls), capture_output=True, text=True, timeout=300, check=False)
            assert completed.returncode == 0, completed.stdout + completed.stderr
            answers[version] = dict(zip([case.row_type for case in CASES], json.loads(completed.stdout), strict=True))
        return answers[version]

    return of


@ROW_TYPES
@pytest.mark.parametrize("version", VERSIONS)
def test_php_soapclient_has_every_column_on_every_row_and_nil_as_null(php_answers, data, case, version):
    # Given PHP's SoapClient with SOAP_SINGLE_ELEMENT_ARRAYS, When it calls the operation
    answer = php_answers(version)[case.row_type]
    assert "error" not in answer, answer
    assert answer["rows"], f"{case.operation} answered no rows"
    for row in answer["rows"]:
        # Then every column exists on every row (property_exists), in the spec's order
        assert row["properties"] == case.column_list
        assert all(column["exists"] for column in row["columns"].values()), row
        # And isset() is false exactly for the null ones
        assert all(column["isset"] == (column["value"] is not None) for column in row["columns"].values()), row
    as_dicts = [{name: column["value"] for name, column in row["columns"].items()} for row in answer["rows"]]
    for row in selected(case, data, as_dicts):
        assert {column for column, value in row.items() if value is None} == case.nil, row
        assert {column for column, value in row.items() if value == ""} == case.empty, row


# ------------------------------------------------------------------ spyne's own writer, in process --
# The product writes rows with partnerapi.soap.flat_rows; spyne's generic writer is its fallback (a row
# class the fast writer cannot plan) and must follow the same rule. Forced here, without the sandbox.


def spyne_row_types() -> dict[str, type]:
    from partnerapi.soap.endpoint import SERVICE_CLASSES, _service_class
    from partnerapi.soap.rows import Row

    for group in SERVICE_CLASSES:
        _service_class(group)  # declares the group's rows
    found, pending = {}, list(Row.__subclasses__())
    while pending:
        cls = pending.pop()
        found.setdefault(cls.get_type_name(), cls.__orig__ or cls)  # Array(…) customizes subclasses
        pending.extend(cls.__subclasses__())
    return found


@pytest.mark.parametrize("version", VERSIONS)
def test_spyne_generic_writer_writes_every_column_nil_for_none_and_empty_for_empty(version):
    from partnerapi.soap.endpoint import SoapEndpoint
    from spyne import MethodContext, Unicode
    from spyne.protocol.soap import Soap11, Soap12

    # Given every row type, and spyne's own SOAP protocol of the version (not the product's fast writer)
    endpoint = SoapEndpoint.for_all()
    protocol = Soap12() if version == "1.2" else Soap11()
    protocol.set_app(endpoint._app(version).app)
    row_types = spyne_row_types()
    assert sorted(row_types) == sorted(BY_ROW_TYPE)
    for name, row_type in row_types.items():
        columns = BY_ROW_TYPE[name].column_list
        texts = [column for column, field_type in row_type.get_flat_type_info(row_type).items() if issubclass(field_type, Unicode)]
        # When a row whose first text column (if any) is "" and whose others are None is written
        given = {texts[0]: ""} if texts else {}
        parent = etree.Element(f"{{{TNS}}}result", nsmap={"tns": TNS})
        ctx = MethodContext(endpoint._app(version), MethodContext.SERVER)
        protocol.to_parent(ctx, row_type, row_type(**given), parent, TNS, name)
        (row,) = etree.fromstring(etree.tostring(parent))
        # Then every column is written, in order: that one an empty element, all the others nil
        assert [etree.QName(element).localname for element in row] == columns, name
        assert {etree.QName(element).localname: raw_value(element) for element in row} == {column: given.get(column) for column in columns}, name


def canonical_body(response: bytes) -> bytes:
    body = next(element for element in etree.fromstring(response) if etree.QName(element).localname == "Body")
    return etree.tostring(body, method="c14n", exclusive=True)  # only the namespaces it uses


@pytest.mark.parametrize("version", VERSIONS)
def test_a_whole_response_by_spyne_alone_declares_xsi_and_equals_the_products(version):
    from unittest import mock

    from partnerapi.http import HttpRequest
    from partnerapi.logic import partners
    from partnerapi.soap.endpoint import SoapEndpoint
    from partnerapi.soap.envelope import content_type_of
    from spyne.protocol.soap import Soap11, Soap12

    # Given the partners endpoint as the product builds it, and one with spyne's generic writer forced
    product, generic = SoapEndpoint.for_group("partners"), SoapEndpoint.for_group("partners")
    generic._app(version).app.out_protocol.__class__ = Soap12 if version == "1.2" else Soap11
    request_body = envelope("partner_user_read_with_birthday", "", version)
    request = HttpRequest("POST", "/cus/ws/PartnerAPI/partners", {"content-type": content_type_of(version)}, request_body, partner_id="p", request_id="r")
    employee = {"partner_user_id": "u", "partner_id": "p", "partner_user_name": "Имя", "partner_user_family_name": "", "partner_user_del": False}
    # When an employee without a patronymic or birthday, with a cleared family name, is read through each
    with mock.patch.object(partners, "partner_user_read", return_value=[employee]):
        fast, slow = product._call_spyne(version, request), generic._call_spyne(version, request)
    # Then spyne alone writes the same rows (its Envelope's namespace list depends on what the
    # application built before, so the Bodies are compared): every column, nil for None, "" empty
    assert fast.status == slow.status == 200
    assert canonical_body(fast.body) == canonical_body(slow.body)
    (row,) = etree.fromstring(slow.body).iter(f"{{{TNS}}}partner_user_with_birthday")
    assert {etree.QName(element).localname: raw_value(element) for element in row} == {
        **employee,
        "partner_user_father_name": None,
        "partner_user_birthday": None,
        "partner_user_del": "false",
    }
    # And the xsi prefix the nil attributes use is declared once, on the Envelope
    assert slow.body.count(b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"') == 1
    assert etree.fromstring(slow.body).nsmap["xsi"] == "http://www.w3.org/2001/XMLSchema-instance"
