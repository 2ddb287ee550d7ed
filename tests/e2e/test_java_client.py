"""A Java JAX-WS client (Debian's wsimport 2.3 with -extension, javac, java) against the real sandbox: reads,
a write and a fault on the SOAP 1.1 port; a read, a write, null columns and a Client.ReferenceNotFound fault
(subcode and Russian message through SAAJ) on the SOAP 1.2 port; a wrong password on both.

The classes are generated and the program compiled and run once per module (tests/clients/java/
PartnerApiScenarios.java: one JSON line per scenario); each test checks one scenario.
"""

import re

import pytest
from support.demo import DEMO, DEMO_CLIENT_SOKOLOV, DEMO_ID, FIXTURE, MOSCOW
from support.faults import rows
from support.java import JAVA_CLIENTS, compile_and_run, json_lines, wsimport
from support.soap import SOAP11, SOAP12, TNS
from support.spec_columns import CLIENT_COLUMNS

pytestmark = pytest.mark.slow

UNKNOWN_CLIENT_MESSAGE = "Не удалось преобразовать значение параметра client_id в ссылку: объект «no-such-client» не найден"


@pytest.fixture(scope="module")
def scenarios(sandbox, tmp_path_factory) -> dict[str, dict]:
    """Given classes wsimport generated from the sandbox's WSDL, when the scenario program runs: its lines by name."""
    workdir = tmp_path_factory.mktemp("jaxws")
    classpath = wsimport(f"{sandbox.url()}?wsdl", workdir)
    output = compile_and_run(JAVA_CLIENTS / "PartnerApiScenarios.java", classpath, workdir / "program", sandbox.url(), "demo", "demo", DEMO_CLIENT_SOKOLOV, MOSCOW)
    return {line["scenario"]: line for line in json_lines(output)}


@pytest.fixture
def scenario(scenarios):
    def get(name: str) -> dict:
        line = scenarios[name]
        assert "error" not in line, line["error"]
        return line

    return get


def test_soap11_port_reads_the_current_partner(scenario):
    assert scenario("soap11.partner_read")["rows"] == [{"partner_id": DEMO_ID, "partner_name": DEMO["partner_name"]}]


def test_soap11_port_reads_the_partners_regions_with_integer_time_zones(scenario):
    expected = [region for region in FIXTURE["regions"] if region["region_id"] in DEMO["regions"]]
    assert scenario("soap11.region_read")["rows"] == expected


def test_soap11_port_reads_every_column_of_a_client_row(scenario):
    (row,) = scenario("soap11.client_read")["rows"]
    assert list(row) == CLIENT_COLUMNS
    assert (row["client_id"], row["client_name"], row["client_del"]) == (DEMO_CLIENT_SOKOLOV, "ИП Соколов", False)


def test_soap11_port_adds_a_client_with_nil_arguments_that_other_clients_then_see(scenario, soap_client):
    (row,) = scenario("soap11.client_add")["rows"]
    assert re.fullmatch(r"ООО «Java [0-9a-f-]{36}»", row["client_name"])
    assert (row["region_id"], row["client_del"]) == (MOSCOW, False)
    (seen,) = rows(soap_client().client_read(row["client_id"]))
    assert seen["client_name"] == row["client_name"]


def test_soap11_port_fault_carries_the_code_and_the_russian_message(scenario):
    fault = scenario("soap11.fault")
    assert fault.get("code") == {"namespace": SOAP11, "local": "Client.ReferenceNotFound"}, fault
    assert fault["message"] == UNKNOWN_CLIENT_MESSAGE


@pytest.mark.parametrize("port", ["soap11", "soap12"])
def test_wrong_password_reaches_jaxws_as_an_http_401_transport_error(scenario, port):
    refused = scenario(f"{port}.wrong_password")
    assert "401" in refused.get("transport_error", ""), refused


def test_soap12_port_reads_the_current_partner(scenario):
    assert scenario("soap12.partner_read")["rows"] == [{"partner_id": DEMO_ID, "partner_name": DEMO["partner_name"]}]


def test_soap12_fault_subcode_is_a_qualified_name_saaj_reads_with_the_russian_reason(scenario):
    fault = scenario("soap12.fault")
    assert fault.get("code") == {"namespace": SOAP12, "local": "Sender"}, fault
    assert fault["subcodes"] == [{"namespace": TNS, "local": "ReferenceNotFound"}], fault
    assert fault["message"] == UNKNOWN_CLIENT_MESSAGE


def test_soap12_port_gives_a_null_column_as_a_java_null_of_a_plain_type(scenario):
    read = scenario("soap12.partner_user_read_with_birthday")
    assert (read["partner_user_name"], read["birthday_is_null"], read["deleted"]) == ("Джава", True, False)
    (row,) = read["rows"]
    assert row == {
        "partner_user_id": read["partner_user_id"],
        "partner_id": DEMO_ID,
        "partner_user_name": "Джава",
        "partner_user_family_name": "Тестова",
        "partner_user_father_name": None,  # not given on add: nil
        "partner_user_birthday": None,
        "partner_user_del": False,
    }
