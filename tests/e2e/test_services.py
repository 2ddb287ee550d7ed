"""The services group over the wire with zeep: service types (public, own, vendors' imported lines),
contracts, contract services and vendors, through the group URL in SOAP 1.1 and 1.2 and through the
single URL. Subscriptions are in test_services_subscriptions.py, isolation in test_services_isolation.py."""

import json
import os
import subprocess
import sys
import uuid
from datetime import date

import pytest
from partnerapi.logic.its import today_in_moscow
from partnerapi_ops import REPO_ROOT
from support.demo import (
    DEMO,
    DEMO2,
    DEMO2_CLIENT,
    DEMO2_CONTRACT,
    DEMO2_ID,
    DEMO2_PRIVATE_LINE,
    DEMO_CLIENT_ROMASHKA,
    DEMO_CONTRACT_FRANCHISEE,
    DEMO_CONTRACT_VENDOR,
    DEMO_ID,
    DEMO_PRIVATE_LINE,
    DEMO_VENDOR_LINE,
    FIXTURE,
    PUBLIC_ARCHIVED,
    PUBLIC_CONSULTING,
    PUBLIC_TECHNICAL,
)
from support.faults import code, fault_of, plain, rows

PORTS = ["PartnerAPISoap", "PartnerAPISoap12"]
OPEN = date(1, 1, 1)
EMPTY_NAME = "Наименование вида сервиса не должно быть пустым"


@pytest.fixture(params=PORTS)
def port(request):
    return request.param


@pytest.fixture
def demo(soap_client, port):
    """The services group of the demo partner (a franchisee and vendor)."""
    return soap_client("demo", "demo", group="services", port=port)


@pytest.fixture
def demo2(soap_client, port):
    """The services group of the second demo partner (a service partner that imports demo's line)."""
    return soap_client("demo2", "demo2", group="services", port=port)


@pytest.fixture
def new_type(demo):
    """Factory: a new private service type of the demo partner; returns its row."""

    def add(name=None, full_name="Полное наименование"):
        (row,) = plain(demo.service_type_add(name or f"Линия {uuid.uuid4().hex[:8]}", full_name))
        return row

    return add


def by_id(result, field="service_type_id") -> dict[str, dict]:
    return {row[field]: row for row in plain(result)}


def fixture_type(service_type_id: str) -> dict:
    everything = FIXTURE["service_types"] + DEMO["service_types"] + DEMO2["service_types"]
    return next(item for item in everything if item["service_type_id"] == service_type_id)


def operator(sandbox, *arguments: str) -> dict:
    """`partnerapi …` as the operator runs it against the sandbox's emulated AWS."""
    environment = {**sandbox.cli_env(), "PYTHONPATH": os.pathsep.join([str(REPO_ROOT / "layers" / "shared"), str(REPO_ROOT / "infra")])}
    result = subprocess.run([sys.executable, "-m", "partnerapi_ops.cli", *arguments], cwd=REPO_ROOT, env=environment, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- service_type_read ------------------------------------------------------------------------------


def test_a_partner_sees_public_types_its_own_types_and_the_vendor_lines_exported_to_it(demo2):
    # When the second partner lists its service types
    types = by_id(demo2.service_type_read())
    # Then it sees the public types (no owner), its own private type and demo's line exported to it
    assert {PUBLIC_CONSULTING, PUBLIC_TECHNICAL, DEMO2_PRIVATE_LINE, DEMO_VENDOR_LINE} <= set(types)
    assert types[PUBLIC_CONSULTING]["partner_id"] is None
    assert types[DEMO2_PRIVATE_LINE]["partner_id"] == DEMO2_ID
    # And the vendor line with the owner's details and the owner as partner_id
    line = fixture_type(DEMO_VENDOR_LINE)
    assert types[DEMO_VENDOR_LINE] == {
        "service_type_id": DEMO_VENDOR_LINE,
        "service_type_name": line["service_type_name"],
        "service_type_full_name": line["service_type_full_name"],
        "partner_id": DEMO_ID,
        "service_type_del": False,
    }
    # And neither demo's line that was not exported nor the deleted public type
    assert DEMO_PRIVATE_LINE not in types and PUBLIC_ARCHIVED not in types
    assert not any(row["service_type_del"] for row in types.values())


def test_the_vendor_itself_sees_its_lines_as_its_own_types(demo):
    types = by_id(demo.service_type_read())
    assert {PUBLIC_CONSULTING, PUBLIC_TECHNICAL, DEMO_VENDOR_LINE, DEMO_PRIVATE_LINE} <= set(types)
    assert types[DEMO_VENDOR_LINE]["partner_id"] == types[DEMO_PRIVATE_LINE]["partner_id"] == DEMO_ID
    assert DEMO2_PRIVATE_LINE not in types


def test_include_deleted_adds_deleted_types_and_a_type_asked_for_by_id_is_always_returned(demo2):
    assert PUBLIC_ARCHIVED in by_id(demo2.service_type_read(include_deleted=True))
    assert PUBLIC_ARCHIVED not in by_id(demo2.service_type_read(include_deleted=False))
    (archived,) = plain(demo2.service_type_read(PUBLIC_ARCHIVED))
    assert archived["service_type_del"] is True


def test_service_type_id_selects_one_type_an_imported_line_with_its_owners_details(demo2):
    (line,) = plain(demo2.service_type_read(DEMO_VENDOR_LINE.upper()))
    assert (line["service_type_id"], line["partner_id"], line["service_type_name"]) == (DEMO_VENDOR_LINE, DEMO_ID, fixture_type(DEMO_VENDOR_LINE)["service_type_name"])
    (public,) = plain(demo2.service_type_read(PUBLIC_CONSULTING))
    assert public["service_type_name"] == fixture_type(PUBLIC_CONSULTING)["service_type_name"]


def test_partner_id_selects_the_types_of_one_owner(demo2, demo):
    # When the second partner filters by the vendor whose line it imports, and by itself
    vendor_lines = plain(demo2.service_type_read(partner_id=DEMO_ID))
    own = plain(demo2.service_type_read(partner_id=DEMO2_ID))
    # Then it gets the vendor's exported lines only, and its own types only
    assert DEMO_VENDOR_LINE in {row["service_type_id"] for row in vendor_lines}
    assert {row["partner_id"] for row in vendor_lines} == {DEMO_ID}
    assert {row["service_type_id"] for row in own} >= {DEMO2_PRIVATE_LINE}
    assert {row["partner_id"] for row in own} == {DEMO2_ID}
    # And both filters together meet only where they agree
    assert plain(demo2.service_type_read(DEMO_VENDOR_LINE, DEMO2_ID)) == []
    # And a partner it knows nothing of (the vendor's view of its importer) is an unknown ID
    assert code(fault_of(demo.service_type_read, partner_id=DEMO2_ID)) == "Client.ReferenceNotFound"


# --- service_type_add / edit / delete -------------------------------------------------------------


def test_a_franchisee_adds_a_private_type_seen_only_by_itself(demo, demo2, new_type):
    # When the demo partner (role «Франчайзи») adds a service type
    added = new_type("Моя линия", "Моя линия поддержки")
    # Then it is its private type, not deleted
    assert (added["service_type_name"], added["service_type_full_name"], added["partner_id"], added["service_type_del"]) == ("Моя линия", "Моя линия поддержки", DEMO_ID, False)
    uuid.UUID(added["service_type_id"])
    # And it reads it back, in the list and by ID
    assert by_id(demo.service_type_read())[added["service_type_id"]] == added
    # And the other partner cannot see it at all
    assert added["service_type_id"] not in by_id(demo2.service_type_read(include_deleted=True))
    assert code(fault_of(demo2.service_type_read, added["service_type_id"])) == "Client.ReferenceNotFound"


def test_the_full_name_defaults_to_the_name_and_long_names_are_cut(demo):
    (short,) = plain(demo.service_type_add("Только наименование"))
    assert short["service_type_full_name"] == "Только наименование"
    (long,) = plain(demo.service_type_add("Н" * 150, "П" * 300))
    assert (len(long["service_type_name"]), len(long["service_type_full_name"])) == (100, 255)


@pytest.mark.parametrize("name", [None, "", "   "])
def test_a_type_without_a_name_is_refused_and_nothing_is_added(demo, name):
    before = plain(demo.service_type_read(include_deleted=True))
    fault = fault_of(demo.service_type_add, name, "Полное")
    assert (code(fault), fault.message) == ("Client.MissingParameter", EMPTY_NAME)
    assert plain(demo.service_type_read(include_deleted=True)) == before


def test_a_partner_that_is_not_a_franchisee_cannot_add_a_type(demo2):
    # Given the second partner has the role «Сервисный партнер» only
    before = plain(demo2.service_type_read(include_deleted=True))
    # When it adds a service type
    fault = fault_of(demo2.service_type_add, "Чужая линия", "Чужая линия")
    # Then it is refused, saying only franchisees may, and nothing is added
    assert code(fault) == "Client.NotFranchisee"
    assert "франчайзи" in fault.message
    assert plain(demo2.service_type_read(include_deleted=True)) == before


def test_a_partner_edits_its_own_type_nil_keeps_the_full_name_and_empty_clears_it(demo, new_type):
    added = new_type("Было", "Было полностью")
    (renamed,) = plain(demo.service_type_edit(added["service_type_id"], "Стало"))
    assert (renamed["service_type_name"], renamed["service_type_full_name"]) == ("Стало", "Было полностью")
    (cleared,) = plain(demo.service_type_edit(added["service_type_id"], "Стало", ""))
    assert not cleared["service_type_full_name"]  # an empty element, which zeep reads as None
    (stored,) = plain(demo.service_type_read(added["service_type_id"]))
    assert stored == cleared == {**added, "service_type_name": "Стало", "service_type_full_name": cleared["service_type_full_name"]}


@pytest.mark.parametrize("name", [None, " "])
def test_editing_without_a_name_is_refused_and_changes_nothing(demo, new_type, name):
    added = new_type()
    fault = fault_of(demo.service_type_edit, added["service_type_id"], name, "Новое полное")
    assert (code(fault), fault.message) == ("Client.MissingParameter", EMPTY_NAME)
    assert plain(demo.service_type_read(added["service_type_id"])) == [added]


@pytest.mark.parametrize("operation", ["service_type_edit", "service_type_delete"])
@pytest.mark.parametrize("service_type_id", [PUBLIC_CONSULTING, DEMO_VENDOR_LINE], ids=["public", "imported"])
def test_a_public_type_or_an_imported_vendor_line_cannot_be_edited_or_deleted(demo2, demo, operation, service_type_id):
    # Given a public type and demo's line imported by the second partner, as both partners see them
    before = (plain(demo2.service_type_read(include_deleted=True)), plain(demo.service_type_read(include_deleted=True)))
    arguments = (service_type_id, "Захват") if operation == "service_type_edit" else (service_type_id,)
    # When the second partner edits or deletes it
    fault = fault_of(getattr(demo2, operation), *arguments)
    # Then it is refused as not its own type, and nothing changed for anyone
    assert code(fault) == "Client.ServiceTypeNotOwn"
    assert service_type_id in fault.message
    assert (plain(demo2.service_type_read(include_deleted=True)), plain(demo.service_type_read(include_deleted=True))) == before


def test_deleting_marks_the_type_deleted_and_a_repeated_delete_keeps_it_deleted(demo, new_type):
    added = new_type()
    (deleted,) = plain(demo.service_type_delete(added["service_type_id"]))
    assert deleted == {**added, "service_type_del": True}
    (again,) = plain(demo.service_type_delete(added["service_type_id"]))
    assert again["service_type_del"] is True
    assert added["service_type_id"] not in by_id(demo.service_type_read())
    assert by_id(demo.service_type_read(include_deleted=True))[added["service_type_id"]]["service_type_del"] is True
    assert plain(demo.service_type_read(added["service_type_id"])) == [deleted]


@pytest.mark.parametrize("operation", ["service_type_edit", "service_type_delete"])
def test_editing_or_deleting_needs_the_type(demo, operation):
    arguments = (None, "Имя") if operation == "service_type_edit" else (None,)
    fault = fault_of(getattr(demo, operation), *arguments)
    assert code(fault) == "Client.MissingParameter" and "service_type_id" in fault.message


# --- contracts --------------------------------------------------------------------------------------


def test_contract_read_returns_the_partners_contracts_with_their_roles(demo):
    contracts = plain(demo.contract_read())
    expected = [
        {
            "contract_id": contract["contract_id"],
            "contract_start_date": date.fromisoformat(contract["contract_start_date"]),
            "contract_end_date": date.fromisoformat(contract["contract_end_date"]),
            "role_id": str(contract["role_id"]),
        }
        for contract in DEMO["contracts"]
    ]
    assert sorted(contracts, key=lambda row: row["contract_id"]) == sorted(expected, key=lambda row: row["contract_id"])
    assert {row["contract_end_date"] for row in contracts} == {OPEN}  # open-ended: 0001-01-01


def test_contract_read_filters_by_contract_and_role(demo, demo2):
    assert [row["contract_id"] for row in plain(demo.contract_read(DEMO_CONTRACT_VENDOR))] == [DEMO_CONTRACT_VENDOR]
    assert [row["contract_id"] for row in plain(demo.contract_read(role_id="3"))] == [DEMO_CONTRACT_VENDOR]
    assert [row["contract_id"] for row in plain(demo.contract_read(role_id="1"))] == [DEMO_CONTRACT_FRANCHISEE]
    assert plain(demo.contract_read(role_id="2")) == []
    assert plain(demo.contract_read(DEMO_CONTRACT_VENDOR, role_id="1")) == []
    assert [row["role_id"] for row in plain(demo2.contract_read())] == ["2"]
    assert code(fault_of(demo.contract_read, role_id="руководитель")) == "Client.ReferenceNotFound"


@pytest.mark.parametrize(
    "start, end, found",
    [
        ("2025-02-28", None, False),  # before the contract began
        ("2025-03-01", None, True),
        (None, "2030-12-31", True),
        (None, "2031-01-01", False),  # after it ends
        ("2026-01-01", "2027-01-01", True),  # in force throughout
        ("2025-01-01", "2027-01-01", False),  # not yet in force on the first day
        ("0001-01-01", "0001-01-01", True),  # the empty date is no filter
        ("2026-01-01T00:00:00.000+06:00", None, True),
    ],
)
def test_contract_dates_select_the_contracts_in_force_throughout_the_period(demo2, start, end, found):
    # Given the second partner's contract from 2025-03-01 to 2030-12-31
    assert [row["contract_id"] for row in plain(demo2.contract_read(None, start, end))] == ([DEMO2_CONTRACT] if found else [])


def test_a_period_that_ends_before_it_starts_is_refused(demo2):
    fault = fault_of(demo2.contract_read, None, "2026-02-01", "2026-01-01")
    assert code(fault) == "Client.InvalidParameter" and "contract_start_date" in fault.message


# --- contract services -------------------------------------------------------------------------------


def test_contract_service_read_lists_what_each_contract_permits(demo2, demo):
    permitted = {(row["contract_id"], row["service_type_id"]): row for row in plain(demo2.contract_service_read())}
    for service in DEMO2["contracts"][0]["services"]:
        row = permitted[(DEMO2_CONTRACT, service["service_type_id"])]
        # a permission without its own start begins with the contract and ends with it
        assert (row["contract_service_start_date"], row["contract_service_end_date"]) == (date(2025, 3, 1), date(2030, 12, 31))
    by_contract = plain(demo.contract_service_read(DEMO_CONTRACT_VENDOR))
    assert {row["contract_id"] for row in by_contract} == {DEMO_CONTRACT_VENDOR}
    assert {row["service_type_id"] for row in by_contract} >= {service["service_type_id"] for service in DEMO["contracts"][1]["services"]}
    by_type = plain(demo.contract_service_read(None, DEMO_VENDOR_LINE))
    assert {row["contract_id"] for row in by_type} == {DEMO_CONTRACT_FRANCHISEE, DEMO_CONTRACT_VENDOR}
    assert {row["contract_service_end_date"] for row in by_type} == {OPEN}


def test_contract_service_dates_select_the_lines_that_may_be_given_in_the_period(demo):
    # Given demo's own line permitted from 2024-06-01 under its franchisee contract
    def permitted(start, end):
        return [row["contract_id"] for row in plain(demo.contract_service_read(None, DEMO_PRIVATE_LINE, start, end))]

    assert permitted("2024-05-31", None) == []
    assert permitted("2024-06-01", None) == [DEMO_CONTRACT_FRANCHISEE]
    assert permitted(None, "2099-01-01") == [DEMO_CONTRACT_FRANCHISEE]  # open-ended
    assert permitted("2024-01-01", "2024-12-31") == []


def test_contract_service_add_returns_every_permission_for_the_type_across_contracts(demo):
    # Given «Техническая поддержка 1С» is permitted under the vendor contract only (the spec's note)
    assert [row["contract_id"] for row in plain(demo.contract_service_read(None, PUBLIC_TECHNICAL, "2024-01-01"))] == [DEMO_CONTRACT_VENDOR]
    # When the partner adds it
    result = plain(demo.contract_service_add(PUBLIC_TECHNICAL))
    # Then the answer holds both permissions: the earlier one and the new one under the other contract, from today
    assert {(row["contract_id"], row["contract_service_start_date"], row["contract_service_end_date"]) for row in result} == {
        (DEMO_CONTRACT_VENDOR, date(2024, 1, 1), OPEN),
        (DEMO_CONTRACT_FRANCHISEE, today_in_moscow(), OPEN),
    }
    assert {row["service_type_id"] for row in result} == {PUBLIC_TECHNICAL}
    # And that is what the partner reads afterwards
    assert sorted(plain(demo.contract_service_read(None, PUBLIC_TECHNICAL)), key=str) == sorted(result, key=str)


def test_contract_service_add_from_a_given_date_covers_every_contract_in_force(demo, new_type):
    added = new_type()
    result = plain(demo.contract_service_add(added["service_type_id"], "2027-01-01"))
    assert sorted((row["contract_id"], row["contract_service_start_date"], row["contract_service_end_date"]) for row in result) == sorted(
        [(DEMO_CONTRACT_FRANCHISEE, date(2027, 1, 1), OPEN), (DEMO_CONTRACT_VENDOR, date(2027, 1, 1), OPEN)]
    )


def test_a_permission_never_starts_before_its_contract_nor_outlives_it(demo2):
    # Given the second partner's contract runs 2025-03-01 .. 2030-12-31, and it imports demo's line
    (permission,) = plain(demo2.contract_service_add(PUBLIC_TECHNICAL, "2025-01-01"))
    assert (permission["contract_id"], permission["contract_service_start_date"], permission["contract_service_end_date"]) == (
        DEMO2_CONTRACT,
        date(2025, 3, 1),
        date(2030, 12, 31),
    )


def test_without_a_contract_in_force_from_the_start_nothing_can_be_added(demo2):
    before = plain(demo2.contract_service_read())
    fault = fault_of(demo2.contract_service_add, DEMO2_PRIVATE_LINE, "2031-01-01")
    assert code(fault) == "Client.NoContractInForce" and "2031-01-01" in fault.message
    assert plain(demo2.contract_service_read()) == before


def test_a_deleted_type_cannot_be_permitted(demo, new_type):
    added = new_type()
    demo.service_type_delete(added["service_type_id"])
    fault = fault_of(demo.contract_service_add, added["service_type_id"])
    assert code(fault) == "Client.ServiceTypeDeleted" and added["service_type_id"] in fault.message
    assert plain(demo.contract_service_read(None, added["service_type_id"])) == []
    archived = fault_of(demo.contract_service_add, PUBLIC_ARCHIVED)
    assert code(archived) == "Client.ServiceTypeDeleted"


def test_contract_service_delete_removes_the_type_from_every_contract_and_answers_empty(demo, new_type):
    # Given a line permitted under both of demo's contracts
    added = new_type()
    assert len(plain(demo.contract_service_add(added["service_type_id"]))) == 2
    # When it is deleted from the contracts
    result = demo.contract_service_delete(added["service_type_id"])
    # Then the answer is empty, and no contract permits it any more
    assert rows(result) == []
    assert plain(demo.contract_service_read(None, added["service_type_id"])) == []
    # And deleting it again says it is not permitted
    fault = fault_of(demo.contract_service_delete, added["service_type_id"])
    assert code(fault) == "Client.ServiceTypeNotInContract"
    # And other permissions are untouched
    assert DEMO_VENDOR_LINE in {row["service_type_id"] for row in plain(demo.contract_service_read(DEMO_CONTRACT_FRANCHISEE))}


@pytest.mark.parametrize("operation", ["contract_service_add", "contract_service_delete"])
@pytest.mark.parametrize("value", [None, "", "  "])
def test_contract_service_changes_need_the_type(demo, operation, value):
    fault = fault_of(getattr(demo, operation), value)
    assert code(fault) == "Client.MissingParameter" and "service_type_id" in fault.message


# --- vendors ----------------------------------------------------------------------------------------------


def test_partner_vendor_read_lists_the_partners_that_import_a_line(demo, demo2):
    expected = {"partner_id": DEMO2_ID, "partner_name": DEMO2["partner_name"]}
    assert expected in plain(demo.partner_vendor_read(DEMO_VENDOR_LINE))
    assert {row["partner_id"] for row in plain(demo.partner_vendor_read(DEMO_VENDOR_LINE))} == {DEMO2_ID}
    assert expected in plain(demo.partner_vendor_read())  # every line
    assert plain(demo.partner_vendor_read(DEMO_PRIVATE_LINE)) == []  # not exported
    assert plain(demo2.partner_vendor_read()) == []  # exports nothing


@pytest.mark.parametrize("login, line", [("demo", PUBLIC_CONSULTING), ("demo2", DEMO_VENDOR_LINE)], ids=["public", "imported"])
def test_vendor_reads_take_only_the_partners_own_lines(soap_client, port, login, line):
    api = soap_client(login, login, group="services", port=port)
    for fault in (fault_of(api.partner_vendor_read, line), fault_of(api.client_vendor_read, line)):
        assert code(fault) == "Client.ServiceTypeNotOwn" and line in fault.message


def test_client_vendor_read_lists_the_importers_clients_with_an_active_subscription_of_the_line(demo):
    # Given (demo fixture) the second partner sold demo's line to its client «Сибирь»
    clients = plain(demo.client_vendor_read(DEMO_VENDOR_LINE))
    (sibir,) = [row for row in clients if row["client_id"] == DEMO2_CLIENT]
    fixture_client = DEMO2["clients"][0]
    assert (sibir["client_name"], sibir["region_id"], sibir["client_inn"], sibir["client_del"]) == (
        fixture_client["client_name"],
        fixture_client["region_id"],
        fixture_client["client_inn"],
        False,
    )
    # And the same with the importer named
    assert DEMO2_CLIENT in {row["client_id"] for row in plain(demo.client_vendor_read(DEMO_VENDOR_LINE, DEMO2_ID))}
    # And demo's own clients are not listed (they are not an importer's)
    assert DEMO_CLIENT_ROMASHKA not in {row["client_id"] for row in clients}
    # And a line nobody imports has no clients
    assert plain(demo.client_vendor_read(DEMO_PRIVATE_LINE)) == []


@pytest.mark.parametrize("partner", [DEMO_ID, str(uuid.uuid4()), "не-guid"], ids=["itself", "unknown", "malformed"])
def test_client_vendor_read_takes_only_an_importer_of_the_line_as_partner_id(demo, partner):
    fault = fault_of(demo.client_vendor_read, DEMO_VENDOR_LINE, partner)
    assert code(fault) == "Client.ReferenceNotFound" and "partner_id" in fault.message


def test_client_vendor_read_needs_the_line(demo):
    assert code(fault_of(demo.client_vendor_read, None)) == "Client.MissingParameter"


def test_the_operator_exports_a_line_and_revokes_it_with_the_cli(sandbox, soap_client, new_type):
    demo = soap_client("demo", "demo", group="services")
    demo2 = soap_client("demo2", "demo2", group="services")
    # Given a new line of the demo partner, which the second partner cannot see
    line = new_type("Экспортная линия", "Экспортная линия полностью")["service_type_id"]
    assert code(fault_of(demo2.service_type_read, line)) == "Client.ReferenceNotFound"
    # When the operator exports it to the second partner
    exported = operator(sandbox, "vendor", "export", "--partner-id", DEMO_ID, "--service-type-id", line, "--importer-id", DEMO2_ID)
    assert exported["importer_partner_id"] == DEMO2_ID
    # Then the second partner sees it as demo's line and may permit it under its contract
    assert by_id(demo2.service_type_read())[line]["partner_id"] == DEMO_ID
    (permission,) = plain(demo2.contract_service_add(line))
    assert permission["contract_id"] == DEMO2_CONTRACT
    # And demo sees the second partner as its importer
    assert [row["partner_id"] for row in plain(demo.partner_vendor_read(line))] == [DEMO2_ID]
    # When the operator revokes it
    operator(sandbox, "vendor", "revoke", "--partner-id", DEMO_ID, "--service-type-id", line, "--importer-id", DEMO2_ID)
    # Then the line is unknown to the second partner again and demo has no importer of it
    assert line not in by_id(demo2.service_type_read(include_deleted=True))
    assert code(fault_of(demo2.service_type_read, line)) == "Client.ReferenceNotFound"
    assert plain(demo.partner_vendor_read(line)) == []
    # And demo's other line stays exported (the vendor link outlives this revocation)
    assert by_id(demo2.service_type_read(partner_id=DEMO_ID))[DEMO_VENDOR_LINE]["partner_id"] == DEMO_ID


def test_the_operator_adds_a_public_type_with_the_cli(sandbox, soap_client):
    name = f"Общая линия {uuid.uuid4().hex[:6]}"
    added = operator(sandbox, "service-type", "add", "--name", name)
    for login in ("demo", "demo2"):
        row = by_id(soap_client(login, login, group="services").service_type_read())[added["service_type_id"]]
        assert (row["service_type_name"], row["service_type_full_name"], row["partner_id"]) == (name, name, None)


# --- the single URL -----------------------------------------------------------------------------------------


def test_every_services_operation_answers_on_the_single_url_too(soap_client, port):
    single = soap_client("demo", "demo", port=port)
    group = soap_client("demo", "demo", group="services", port=port)
    assert plain(single.service_type_read()) == plain(group.service_type_read())
    assert plain(single.contract_read()) == plain(group.contract_read())
    assert plain(single.partner_vendor_read(DEMO_VENDOR_LINE)) == plain(group.partner_vendor_read(DEMO_VENDOR_LINE))
    assert plain(single.service_read()) == plain(group.service_read())
    (added,) = plain(single.service_type_add("Через единый адрес", ""))
    assert plain(group.service_type_read(added["service_type_id"])) == [added]
