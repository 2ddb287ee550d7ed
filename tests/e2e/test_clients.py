"""The clients group over the wire with zeep: the semantics the spec documents, one test each."""

import os
import subprocess
import sys
import uuid
from datetime import date, timedelta

import pytest
from lxml import etree
from partnerapi_ops import REPO_ROOT
from support.demo import CLIENT_ADDRESS, MOSCOW, NOVOSIBIRSK, PARTNER_PHONE, SPB, USER_EMAIL, USER_PHONE
from support.faults import code, fault_of, rows
from support.soap import TNS, envelope, post
from zeep import xsd

PORTS = ["PartnerAPISoap", "PartnerAPISoap12"]
EMPTY_NAME = "Наименование добавляемого клиента не должно быть пустым"
NO_REGION = "При добавлении клиента не указан регион"
NO_CLIENT = "При изменении клиентов необходимо указать ссылку на изменяемого клиента"
BAD_REG_NUMBER = "Не корректный регистрационный номер"

# the ITS registry the operator loads: number → (inn, level)
ITS_PROF, ITS_TECHNO, ITS_INTERNATIONAL = ("700000001", "7700000001", 1), ("700000002", "7700000002", 2), ("FR700003", "7700000003", 4)


@pytest.fixture(scope="module")
def its_registry(sandbox, tmp_path_factory):
    """Loads a small ITS registry into the sandbox with the operator's command."""
    csv = tmp_path_factory.mktemp("its") / "registry.csv"
    start, end = date.today() - timedelta(days=30), date.today() + timedelta(days=335)
    lines = ["reg_number,inn,its_level,date_from,date_to"] + [f"{number},{inn},{level},{start},{end}" for number, inn, level in (ITS_PROF, ITS_TECHNO, ITS_INTERNATIONAL)]
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    environment = {**sandbox.cli_env(), "PYTHONPATH": os.pathsep.join([str(REPO_ROOT / "layers" / "shared"), str(REPO_ROOT / "infra")])}
    result = subprocess.run([sys.executable, "-m", "partnerapi_ops.cli", "its", "import", str(csv), "--no-progress"], cwd=REPO_ROOT, env=environment, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return start, end


@pytest.fixture(params=PORTS)
def api(request, soap_client):
    return soap_client(group="clients", port=request.param)


@pytest.fixture
def new_client(api):
    def add(name="Тестовый клиент", region=MOSCOW, **extra):
        (row,) = rows(api.client_add_advanced(name, region, **extra))
        return row

    return add


# --- adding -------------------------------------------------------------------------------------


def test_length_cuts_are_silent(api):
    (row,) = rows(api.client_add("Н" * 60, MOSCOW, "1" * 15, "2" * 12, "П" * 300))
    assert (len(row["client_name"]), len(row["client_inn"]), len(row["client_kpp"]), len(row["client_full_name"])) == (50, 12, 9, 255)
    (stored,) = rows(api.client_read(row["client_id"]))
    assert (stored["client_name"], stored["client_inn"], stored["client_kpp"]) == ("Н" * 50, "1" * 12, "2" * 9)


@pytest.mark.parametrize("operation", ["client_add", "client_add_its", "client_add_advanced"])
@pytest.mark.parametrize("name", [None, "", "   "])
def test_an_empty_name_on_add_is_refused(api, operation, name):
    before = len(rows(api.client_read(None, None, True)))
    fault = fault_of(getattr(api, operation), name, MOSCOW)
    assert code(fault).startswith("Client") and fault.message == EMPTY_NAME
    assert len(rows(api.client_read(None, None, True))) == before


@pytest.mark.parametrize("region", [None, "", "  "])
def test_a_missing_region_on_add_is_refused(api, region):
    fault = fault_of(api.client_add_its, "Клиент", region)
    assert code(fault).startswith("Client") and fault.message == NO_REGION


def test_a_region_the_partner_does_not_work_in_is_refused(api):
    before = len(rows(api.client_read(None, None, True)))
    assert code(fault_of(api.client_add, "Клиент", NOVOSIBIRSK)) == "Client.RegionNotAvailable"
    assert len(rows(api.client_read(None, None, True))) == before


def test_each_new_client_gets_a_unique_client_id_and_a_separate_client_new_id(new_client):
    first, second = new_client(), new_client()
    ids = {first["client_id"], first["client_new_id"], second["client_id"], second["client_new_id"]}
    assert len(ids) == 4
    for value in ids:
        uuid.UUID(value)


@pytest.mark.parametrize("number", ["500000", "999999999999", "ВО123456", "BO123456", "FR12345", " 800 123 456 "])
def test_valid_registration_numbers_are_accepted(api, number):
    (row,) = rows(api.client_add_its("Клиент", MOSCOW, None, None, None, number))
    assert row["client_reg_num"]


@pytest.mark.parametrize("number", ["499999", "1000000000000", "AB123456", "12-34", "ВО", "ФР123"])
def test_invalid_registration_numbers_are_refused(api, number):
    fault = fault_of(api.client_add_its, "Клиент", MOSCOW, None, None, None, number)
    assert code(fault).startswith("Client") and fault.message.startswith(BAD_REG_NUMBER)


def test_payment_defaults_to_12_months_with_an_its_contract_and_monthly_without(api, its_registry):
    assert rows(api.client_add_its("С ИТС", MOSCOW, None, None, None, ITS_PROF[0]))[0]["pay_method_id"] == 4
    assert rows(api.client_add_its("Без ИТС", MOSCOW, None, None, None, "800000999"))[0]["pay_method_id"] == 2
    assert rows(api.client_add("Без номера", MOSCOW))[0]["pay_method_id"] == 2


@pytest.mark.parametrize("method", [0, 1, 3, 4])
def test_a_given_payment_method_is_kept_under_either_name(api, method):
    assert rows(api.client_add_its("Клиент", MOSCOW, pay_method_type_id=method))[0]["pay_method_id"] == method
    assert rows(api.client_add_its("Клиент", MOSCOW, pay_method_id=method))[0]["pay_method_id"] == method


@pytest.mark.parametrize("method", [5, -1, 100])
def test_a_payment_method_outside_0_to_4_is_refused(api, method):
    assert code(fault_of(api.client_add_its, "Клиент", MOSCOW, pay_method_type_id=method)).startswith("Client")


def test_a_payment_method_that_is_not_a_number_is_refused(sandbox):
    body = envelope("client_add_its", "<t:client_name>К</t:client_name><t:region_id>" + MOSCOW + "</t:region_id><t:pay_method_type_id>two</t:pay_method_type_id>")
    response = post(sandbox.url("clients"), body)
    fault = etree.fromstring(response.content).find(".//faultcode")
    assert fault is not None and "Client" in fault.text


# --- editing ------------------------------------------------------------------------------------


def test_edit_requires_the_client(api):
    for operation in ("client_edit", "client_edit_its", "client_edit_advanced"):
        fault = fault_of(getattr(api, operation), None, "Имя")
        assert code(fault).startswith("Client") and fault.message == NO_CLIENT


@pytest.mark.parametrize("name", [None, "", " "])
def test_edit_requires_the_name_which_always_replaces(api, new_client, name):
    client = new_client("Старое")["client_id"]
    assert fault_of(api.client_edit, client, name).message == EMPTY_NAME
    assert rows(api.client_edit(client, "Новое"))[0]["client_name"] == "Новое"


def test_edit_empty_clears_nil_and_omitted_leave(api, new_client):
    client = new_client("Клиент", client_inn="7701", client_kpp="7701001", client_full_name="Полное")["client_id"]
    (row,) = rows(api.client_edit(client, "Клиент", None, "", xsd.Nil))  # inn "", kpp nil, full name omitted
    assert not row["client_inn"] and row["client_kpp"] == "7701001" and row["client_full_name"] == "Полное"


def test_edit_over_raw_xml_distinguishes_nil_empty_and_omitted(sandbox, new_client):
    client = new_client("Клиент", client_inn="7701", client_kpp="7701001", client_full_name="Полное")["client_id"]
    body = envelope("client_edit", f"<t:client_id>{client}</t:client_id><t:client_name>Клиент</t:client_name><t:client_inn xsi:nil='true'/><t:client_kpp/>")
    response = post(sandbox.url("clients"), body)
    assert response.status_code == 200, response.text
    result = etree.fromstring(response.content).find(f".//{{{TNS}}}client")
    assert result.findtext(f"{{{TNS}}}client_inn") == "7701"
    assert result.findtext(f"{{{TNS}}}client_kpp") == ""
    assert result.findtext(f"{{{TNS}}}client_full_name") == "Полное"


def test_edit_region_must_be_the_partners(api, new_client):
    client = new_client()["client_id"]
    assert code(fault_of(api.client_edit, client, "Клиент", NOVOSIBIRSK)) == "Client.RegionNotAvailable"
    assert rows(api.client_read(client))[0]["region_id"] == MOSCOW
    assert rows(api.client_edit(client, "Клиент", SPB))[0]["region_id"] == SPB


def test_edit_its_and_advanced_change_only_what_is_given(api, new_client):
    client = new_client(client_reg_num="800000001", addit_attribute="VIP")["client_id"]
    (row,) = rows(api.client_edit_its(client, "Клиент", client_reg_num="FR42", pay_method_id=3))
    assert (row["client_reg_num"], row["pay_method_id"], row["addit_attribute"]) == ("FR42", 3, "VIP")
    (row,) = rows(api.client_edit_advanced(client, "Клиент", addit_attribute=""))
    assert (row["client_reg_num"], not row["addit_attribute"]) == ("FR42", True)
    assert fault_of(api.client_edit_its, client, "Клиент", client_reg_num="123").message.startswith(BAD_REG_NUMBER)


# --- reading and deleting ------------------------------------------------------------------------


def test_include_deleted_and_reading_by_id(api, new_client):
    client = new_client()["client_id"]
    api.client_delete(client)
    assert client not in {row["client_id"] for row in rows(api.client_read())}
    assert client not in {row["client_id"] for row in rows(api.client_read(None, None, False))}
    assert client in {row["client_id"] for row in rows(api.client_read(None, None, True))}
    assert rows(api.client_read(client))[0]["client_del"] is True


def test_read_filters_by_region_and_addit_attribute(api, new_client):
    tag = uuid.uuid4().hex
    in_spb = new_client(region=SPB, addit_attribute=tag)["client_id"]
    new_client(region=MOSCOW, addit_attribute=tag)
    assert all(row["region_id"] == SPB for row in rows(api.client_read(None, SPB)))
    assert [row["client_id"] for row in rows(api.client_read_advanced(None, SPB, None, tag))] == [in_spb]
    assert code(fault_of(api.client_read, None, NOVOSIBIRSK)) == "Client.RegionNotAvailable"


def test_delete_cascades_and_a_second_call_restores_the_client_only(api, new_client):
    client = new_client()["client_id"]
    user = rows(api.client_user_add(client, "Сотрудник"))[0]["client_user_id"]
    assert rows(api.client_delete(client))[0]["client_del"] is True
    assert rows(api.client_user_read(user))[0]["client_user_del"] is True
    assert rows(api.client_delete(client))[0]["client_del"] is False
    assert rows(api.client_user_read(user))[0]["client_user_del"] is True  # employees are not restored


# --- ITS status ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number, inn, level",
    [
        (ITS_PROF[0], ITS_PROF[1], 1),
        (ITS_TECHNO[0], ITS_TECHNO[1], 2),
        (ITS_INTERNATIONAL[0], ITS_INTERNATIONAL[1], 4),
        ("800000777", "7700000001", 3),
        (ITS_PROF[0], "7799999999", 10),
        ("123", "7700000001", 0),
        (None, "7700000001", 0),
    ],
)
def test_its_status_levels(api, its_registry, number, inn, level):
    (row,) = rows(api.client_ITS_status_For_INN(number, inn))
    assert row["ITSLevel"] == level
    if level in (1, 2, 4):
        assert (row["DateFrom"], row["DateTo"]) == its_registry
    else:
        assert row["DateFrom"] is None and row["DateTo"] is None


# --- contacts -----------------------------------------------------------------------------------


def test_client_contacts_take_code_1_overwrite_and_cut(api, new_client):
    client = new_client()["client_id"]
    api.client_contact_edit(client, CLIENT_ADDRESS, "Москва, 1")
    (row,) = rows(api.client_contact_edit(client, CLIENT_ADDRESS, "А" * 600))
    assert row["contact_view"] == "А" * 500
    assert [r["contact_view"] for r in rows(api.client_contact_read(client))] == ["А" * 500]
    for other in (PARTNER_PHONE, USER_PHONE):
        assert code(fault_of(api.client_contact_edit, client, other, "x")) == "Client.ContactTypeNotAllowed"
        assert code(fault_of(api.client_contact_read, client, other)) == "Client.ContactTypeNotAllowed"


def test_employee_contacts_take_code_3_only(api, new_client):
    client = new_client()["client_id"]
    user = rows(api.client_user_add(client, "Сотрудник"))[0]["client_user_id"]
    api.client_user_contact_edit(user, USER_EMAIL, "old@example")
    (row,) = rows(api.client_user_contact_edit(user, USER_EMAIL, "new@example"))
    assert (row["client_user_id"], row["contact_view"]) == (user, "new@example")
    assert [r["contact_view"] for r in rows(api.client_user_contact_read(user))] == ["new@example"]
    for other in (CLIENT_ADDRESS, PARTNER_PHONE):
        assert code(fault_of(api.client_user_contact_edit, user, other, "x")) == "Client.ContactTypeNotAllowed"


# --- employees ----------------------------------------------------------------------------------


def test_employees_belong_to_a_client_and_are_read_by_client(api, new_client):
    first, second = new_client()["client_id"], new_client()["client_id"]
    mine = rows(api.client_user_add(first, "Анна", "Иванова", None))[0]
    rows(api.client_user_add(second, "Борис"))
    assert mine["client_id"] == first
    assert [row["client_user_id"] for row in rows(api.client_user_read(None, first))] == [mine["client_user_id"]]
    assert code(fault_of(api.client_user_add, str(uuid.uuid4()), "Имя")) == "Client.ReferenceNotFound"
    assert fault_of(api.client_user_add, first, "").message == "Имя добавляемого сотрудника клиента не должно быть пустым"


def test_employee_birthday_is_a_flag_and_reads_back(api, new_client):
    client = new_client()["client_id"]
    user = rows(api.client_user_add(client, "Имя"))[0]["client_user_id"]
    assert api.client_user_set_birthday(user, "1991-07-15") is True
    assert str(rows(api.client_user_read_with_birthday(user))[0]["client_user_birthday"]) == "1991-07-15"
    assert "client_user_birthday" not in rows(api.client_user_read(user))[0]


def test_employee_edit_and_delete_toggle(api, new_client):
    client = new_client()["client_id"]
    user = rows(api.client_user_add(client, "Имя", "Фамилия", "Отчество"))[0]["client_user_id"]
    (row,) = rows(api.client_user_edit(user, xsd.Nil, "", "Новое"))
    assert (row["client_user_name"], row["client_user_family_name"], row["client_user_father_name"]) == ("Имя", None, "Новое")
    assert rows(api.client_user_delete(user))[0]["client_user_del"] is True
    assert user not in {row["client_user_id"] for row in rows(api.client_user_read(None, client))}
    assert user in {row["client_user_id"] for row in rows(api.client_user_read(None, client, True))}
    assert rows(api.client_user_delete(user))[0]["client_user_del"] is False


def test_the_sandbox_starts_with_a_demo_its_registry(api):
    # infra/fixtures/its-demo.csv: the demo client «Ромашка» has a ПРОФ contract
    (row,) = rows(api.client_ITS_status_For_INN("800123456", "7701234567"))
    assert (row["ITSLevel"], str(row["DateFrom"]), str(row["DateTo"])) == (1, "2025-01-01", "2030-12-31")
    # an expired contract is still reported, but gives the monthly default (docs/spec-notes.md I4)
    assert rows(api.client_ITS_status_For_INN("800999999", "7709999999"))[0]["ITSLevel"] == 1
    assert rows(api.client_add_its("Истекший ИТС", MOSCOW, None, None, None, "800999999"))[0]["pay_method_id"] == 2


def test_a_deleted_client_gets_no_new_employees(api, new_client):
    client = new_client()["client_id"]
    api.client_delete(client)
    fault = fault_of(api.client_user_add, client, "Поздний")
    assert code(fault) == "Client.ClientDeleted"
    assert rows(api.client_user_read(None, client, True)) == []
    api.client_delete(client)  # restored: employees can be added again
    assert rows(api.client_user_add(client, "Новый"))[0]["client_id"] == client
