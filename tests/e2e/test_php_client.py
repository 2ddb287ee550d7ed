"""PHP's SoapClient (Debian php-cli + php-soap) against the real sandbox, in SOAP 1.1 and SOAP 1.2: reads,
a client's and an employee's life (add, edit, delete toggle), faults as PHP exposes them, and one-row results.

Each scenario is a PHP script under tests/clients/php/ that gets the service URL, the credentials and the SOAP
version on its command line, uses only the WSDL (no 'location' override) and prints JSON.
"""

import json
import subprocess
import uuid
from pathlib import Path

import pytest
from support.demo import DEMO, DEMO2, DEMO_CLIENT_ROMASHKA, DEMO_CLIENT_SOKOLOV, DEMO_ID, FIXTURE, MOSCOW
from support.external_tools import require_php_soap
from support.soap import TNS
from support.spec_columns import CLIENT_COLUMNS, PARTNER_USER_COLUMNS

PHP_CLIENTS = Path(__file__).resolve().parents[1] / "clients" / "php"
VERSIONS = pytest.mark.parametrize("version", ["1.1", "1.2"])


@pytest.fixture(scope="module")
def php() -> str:
    return require_php_soap()


@pytest.fixture
def run_php(php, sandbox):
    """run_php(script, version, *arguments, password='demo') → the JSON the script printed."""

    def run(script: str, version: str, *arguments: str, password: str = "demo") -> dict:
        command = [php, str(PHP_CLIENTS / script), sandbox.url(), "demo", password, version, *arguments]
        # the timeout guards against a hung process, it does not measure anything
        completed = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        assert completed.returncode == 0, completed.stdout + completed.stderr
        return json.loads(completed.stdout)

    return run


def reason_code(fault: dict, version: str) -> str:
    """`Client.<Reason>` as SOAP 1.1's faultcode says it, or from SOAP 1.2's Sender and its qualified subcode."""
    if version == "1.1":
        return fault["faultcode"].split(":", 1)[-1]
    assert fault["faultcode"].split(":", 1)[-1] == "Sender", fault  # all PHP's SoapFault tells of a 1.2 code
    assert fault["reason_languages"] == ["ru"], fault
    (subcode,) = fault["subcodes"]
    assert subcode["namespace"] == TNS, fault
    return f"Client.{subcode['local']}"


@VERSIONS
def test_php_reads_the_partner_its_regions_and_only_its_clients(run_php, version):
    result = run_php("reads.php", version)
    assert result["partners"] == [{"partner_id": DEMO_ID, "partner_name": DEMO["partner_name"]}]
    assert result["regions"] == [region for region in FIXTURE["regions"] if region["region_id"] in DEMO["regions"]]
    client_ids = {row["client_id"] for row in result["clients"]}
    assert {DEMO_CLIENT_ROMASHKA, DEMO_CLIENT_SOKOLOV} <= client_ids
    assert not client_ids & {client["client_id"] for client in DEMO2["clients"]}
    assert all(list(row) == CLIENT_COLUMNS for row in result["clients"])


@VERSIONS
def test_php_one_row_result_is_an_array_with_single_element_arrays_and_a_bare_row_without(run_php, version):
    result = run_php("reads.php", version)
    assert (result["one_row_with_feature"], result["one_row_without_feature"]) == ("array", "object")


@VERSIONS
def test_php_adds_edits_deletes_and_restores_a_client(run_php, version):
    name = f"ООО «PHP {version} {uuid.uuid4().hex[:8]}»"
    result = run_php("clients.php", version, name, MOSCOW)

    (added,) = result["added"]
    assert list(added) == CLIENT_COLUMNS
    assert (added["client_name"], added["region_id"], added["client_inn"], added["client_kpp"], added["client_del"]) == (name, MOSCOW, "7701000001", "770101001", False)
    (edited,) = result["edited"]
    # "" cleared the INN, nil left the KPP (spec-notes G2)
    assert (edited["client_id"], edited["client_name"], edited["client_inn"], edited["client_kpp"]) == (added["client_id"], f"{name} (изм.)", "", "770101001")
    (deleted,) = result["deleted"]
    assert deleted["client_del"] is True and result["listed_after_delete"] is False
    assert [row["client_del"] for row in result["read_deleted_by_id"]] == [True]
    (restored,) = result["restored"]
    assert restored["client_del"] is False and result["listed_after_restore"] is True


@VERSIONS
def test_php_adds_edits_deletes_and_restores_an_employee(run_php, version):
    name = f"Пётр{uuid.uuid4().hex[:6]}"
    result = run_php("partner_users.php", version, name, "Пхпшников")

    (added,) = result["added"]
    assert list(added) == PARTNER_USER_COLUMNS
    assert (added["partner_id"], added["partner_user_name"], added["partner_user_father_name"], added["partner_user_del"]) == (DEMO_ID, name, "Иванович", False)
    (edited,) = result["edited"]
    assert (edited["partner_user_name"], edited["partner_user_family_name"], edited["partner_user_father_name"]) == (f"{name}а", "Пхпшников", "")
    assert [row["partner_user_del"] for row in result["deleted"]] == [True]
    assert [row["partner_user_del"] for row in result["read_deleted_by_id"]] == [True]
    assert [row["partner_user_del"] for row in result["restored"]] == [False]


@VERSIONS
def test_php_reads_fault_codes_and_russian_messages(run_php, version):
    result = run_php("faults.php", version)

    unknown = result["unknown_client"]
    assert reason_code(unknown, version) == "Client.ReferenceNotFound"
    assert unknown["faultstring"] == "Не удалось преобразовать значение параметра client_id в ссылку: объект «no-such-client» не найден"
    blank = result["blank_client_name"]
    assert reason_code(blank, version) == "Client.MissingParameter"
    assert blank["faultstring"] == "Наименование добавляемого клиента не должно быть пустым"
    assert result["clients_added_by_the_refused_write"] == 0


@VERSIONS
def test_php_wrong_password_is_a_fault_in_the_requests_soap_version(run_php, version):
    refused = run_php("faults.php", version)["wrong_password"]
    assert reason_code(refused, version) == "Client.Unauthenticated"
    assert refused["faultstring"].startswith("Требуется аутентификация")
