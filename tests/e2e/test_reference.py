"""The reference group over the wire: fixed lists exactly as the spec documents them, regions, contact types, roles."""

import uuid

import pytest
from support.demo import FIXTURE, MOSCOW, NOVOSIBIRSK, SPB
from support.faults import code, fault_of, rows

PORTS = ["PartnerAPISoap", "PartnerAPISoap12"]

# Spec section 4: «Список статусов фиксирован» / «Список способов фиксирован».
SPEC_CALL_STATUSES = [
    (0, "Успех"),
    (1, "НеБылоДоступныхИлиСвободныхСпециалистов"),
    (2, "ПользовательНеВзялТрубку"),
    (3, "СпециалистНеВзялТрубку"),
    (4, "СпециалистОтменилВызов"),
    (5, "СпециалистОтклонилВызов"),
    (6, "ПользовательОтклонилВызов"),
    (7, "ПользовательОтменилВызов"),
]
SPEC_REMOTE_STATUSES = [(0, "Не инициировано"), (1, "TeamViewer"), (2, "Основное средство")]
SPEC_REMOTE_ACCESS_TYPES = [(1, "TeamViewer"), (2, "Основное средство")]
SPEC_PAY_METHODS = [
    (0, "Пустое значение"),
    (1, "Оплата взимается сразу до конца действия договора ИТС"),
    (2, "Оплата взимается ежемесячно"),
    (3, "Оплата за 6 месяцев"),
    (4, "Оплата за 12 месяцев"),
]


@pytest.mark.parametrize("port", PORTS)
@pytest.mark.parametrize("group", ["", "reference"])
@pytest.mark.parametrize(
    "operation, prefix, expected",
    [
        ("call_status_type_read", "call_status_type", SPEC_CALL_STATUSES),
        ("remote_status_type_read", "remote_status_type", SPEC_REMOTE_STATUSES),
        ("remote_access_type_read", "remote_access_type", SPEC_REMOTE_ACCESS_TYPES),
        ("pay_method_type_read", "pay_method_type", SPEC_PAY_METHODS),
    ],
)
def test_fixed_lists_are_exactly_as_documented(soap_client, port, group, operation, prefix, expected):
    # When a fixed list is read through either URL and either SOAP version
    result = rows(getattr(soap_client(group=group, port=port), operation)())
    # Then it is the spec's list, codes as integers, in order
    assert [(row[f"{prefix}_id"], row[f"{prefix}_name"]) for row in result] == expected


def test_region_read_without_id_lists_the_partners_regions(soap_client):
    result = rows(soap_client().region_read())
    by_id = {row["region_id"]: row for row in result}
    assert set(by_id) == {MOSCOW, SPB}
    assert by_id[MOSCOW]["region_name"] == "Москва" and by_id[MOSCOW]["region_time_zone"] == 3


def test_region_read_by_id_returns_that_region_even_outside_the_partners_regions(soap_client):
    result = rows(soap_client().region_read(NOVOSIBIRSK))
    assert [(row["region_id"], row["region_name"], row["region_time_zone"]) for row in result] == [(NOVOSIBIRSK, "Новосибирск", 7)]


@pytest.mark.parametrize("region_id", ["   ", None])
def test_region_read_with_blank_or_nil_id_means_not_given(soap_client, region_id):
    assert {row["region_id"] for row in rows(soap_client().region_read(region_id))} == {MOSCOW, SPB}


@pytest.mark.parametrize("region_id", [str(uuid.uuid4()), "not-a-guid", "123"], ids=["unknown", "malformed", "number"])
def test_region_read_with_unknown_or_malformed_id_is_a_client_fault(soap_client, region_id):
    fault = fault_of(soap_client().region_read, region_id)
    assert code(fault) == "Client.ReferenceNotFound"
    assert "region_id" in fault.message


def test_contact_type_read_returns_every_type_with_its_code(soap_client):
    result = rows(soap_client(group="reference").contact_type_read())
    assert {(row["contact_type_id"], row["contact_type_code"]) for row in result} == {
        (item["contact_type_id"], item["contact_type_code"]) for item in FIXTURE["contact_types"]
    }


@pytest.mark.parametrize("port", PORTS)
def test_role_read_returns_integer_role_ids(soap_client, port):
    result = rows(soap_client(port=port).role_read())
    assert [(row["role_id"], row["role_name"]) for row in result] == [(item["role_id"], item["role_name"]) for item in FIXTURE["roles"]]
