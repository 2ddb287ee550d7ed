"""The clients group keeps partners apart (over the sandbox, both SOAP ports): another partner's client or
client employee ID is answered exactly like an unknown or malformed ID, for every operation and every ID
parameter, and nothing of the owner changes; lists never show another partner's clients or employees;
a region the partner does not work in is refused and nothing is added."""

import uuid

import pytest
from support.demo import (
    CLIENT_ADDRESS,
    DEMO2_CLIENT,
    DEMO2_CLIENT_USER,
    DEMO_CLIENT_ROMASHKA,
    DEMO_CLIENT_SOKOLOV,
    DEMO_CLIENT_USER_OLGA,
    DEMO_CLIENT_USER_PAVEL,
    DEMO_CLIENT_USER_SERGEY,
    MOSCOW,
    NOVOSIBIRSK,
    SPB,
    USER_EMAIL,
)
from support.faults import code, fault_of, plain

PORTS = ["PartnerAPISoap", "PartnerAPISoap12"]

# operation → keyword arguments, "{id}" marking the ID parameter under test (contact_type_id is reference data)
ID_PARAMETERS = [
    ("client_read", {"client_id": "{id}"}),
    ("client_read_advanced", {"client_id": "{id}"}),
    ("client_edit", {"client_id": "{id}", "client_name": "Взлом"}),
    ("client_edit_its", {"client_id": "{id}", "client_name": "Взлом", "client_inn": "0000000000"}),
    ("client_edit_advanced", {"client_id": "{id}", "client_name": "Взлом", "addit_attribute": "evil"}),
    ("client_delete", {"client_id": "{id}"}),
    ("client_contact_read", {"client_id": "{id}"}),
    ("client_contact_edit", {"client_id": "{id}", "contact_type_id": CLIENT_ADDRESS, "contact_view": "Чужой адрес"}),
    ("client_user_read", {"client_user_id": "{id}"}),
    ("client_user_read", {"client_id": "{id}"}),
    ("client_user_read_with_birthday", {"client_user_id": "{id}"}),
    ("client_user_read_with_birthday", {"client_id": "{id}"}),
    ("client_user_add", {"client_id": "{id}", "client_user_name": "Подсадной"}),
    ("client_user_edit", {"client_user_id": "{id}", "client_user_name": "Взлом"}),
    ("client_user_set_birthday", {"client_user_id": "{id}", "birthday": "1970-01-01"}),
    ("client_user_delete", {"client_user_id": "{id}"}),
    ("client_user_contact_read", {"client_user_id": "{id}"}),
    ("client_user_contact_edit", {"client_user_id": "{id}", "contact_type_id": USER_EMAIL, "contact_view": "evil@example"}),
]
FOREIGN_IDS = {"client_id": DEMO_CLIENT_ROMASHKA, "client_user_id": DEMO_CLIENT_USER_OLGA}
DEMO_CLIENTS = {DEMO_CLIENT_ROMASHKA, DEMO_CLIENT_SOKOLOV}
DEMO_CLIENT_USERS = {DEMO_CLIENT_USER_OLGA, DEMO_CLIENT_USER_SERGEY, DEMO_CLIENT_USER_PAVEL}


def clients_state(soap_client, login: str) -> tuple:
    """Everything the clients group shows a partner: its clients, employees and both kinds of contacts."""
    partner = soap_client(login, login, group="clients")
    return (
        plain(partner.client_read(include_deleted=True)),
        plain(partner.client_user_read_with_birthday(include_deleted=True)),
        plain(partner.client_contact_read()),
        plain(partner.client_user_contact_read()),
    )


def _arguments(template: dict, value: str) -> dict:
    return {name: (value if argument == "{id}" else argument) for name, argument in template.items()}


@pytest.mark.parametrize("port", PORTS)
@pytest.mark.parametrize("operation, template", ID_PARAMETERS, ids=[f"{op}-{next(n for n, a in t.items() if a == '{id}')}" for op, t in ID_PARAMETERS])
def test_foreign_client_ids_are_answered_like_unknown_ids_and_change_nothing(soap_client, port, operation, template):
    # Given the first partner's clients as they are, and the second partner's client of the group
    before = clients_state(soap_client, "demo")
    intruder = getattr(soap_client("demo2", "demo2", group="clients", port=port), operation)
    (parameter,) = [name for name, argument in template.items() if argument == "{id}"]
    foreign, unknown, malformed = FOREIGN_IDS[parameter], str(uuid.uuid4()), "12345"

    # When the second partner uses the first partner's ID, an unknown ID and a malformed one
    foreign_fault = fault_of(intruder, **_arguments(template, foreign))
    unknown_fault = fault_of(intruder, **_arguments(template, unknown))
    malformed_fault = fault_of(intruder, **_arguments(template, malformed))

    # Then the three faults are one and the same fault, naming only what the caller sent
    assert code(foreign_fault) == code(unknown_fault) == code(malformed_fault) == "Client.ReferenceNotFound"
    assert (
        foreign_fault.message.replace(foreign, "<id>") == unknown_fault.message.replace(unknown, "<id>") == malformed_fault.message.replace(malformed, "<id>")
    )
    assert parameter in foreign_fault.message
    # And nothing of the first partner changed
    assert clients_state(soap_client, "demo") == before


@pytest.mark.parametrize("port", PORTS)
def test_lists_of_the_second_partner_never_show_the_first_partners_clients_or_employees(soap_client, port):
    # Given both partners have clients with employees, and both work in Moscow (where demo's Romashka is)
    demo2 = soap_client("demo2", "demo2", group="clients", port=port)

    # When the second partner lists its clients, employees and contacts, in every way the group offers
    client_lists = [
        plain(demo2.client_read(include_deleted=True)),
        plain(demo2.client_read(region_id=MOSCOW, include_deleted=True)),
        plain(demo2.client_read_advanced(include_deleted=True)),
        plain(demo2.client_contact_read()),
    ]
    employee_lists = [
        plain(demo2.client_user_read(include_deleted=True)),
        plain(demo2.client_user_read_with_birthday(include_deleted=True)),
        plain(demo2.client_user_read(client_id=DEMO2_CLIENT, include_deleted=True)),
        plain(demo2.client_user_contact_read()),
    ]

    # Then it sees its own client and employee
    assert DEMO2_CLIENT in {row["client_id"] for row in client_lists[0]}
    assert DEMO2_CLIENT_USER in {row["client_user_id"] for row in employee_lists[0]}
    assert DEMO2_CLIENT_USER in {row["client_user_id"] for row in employee_lists[3]}
    # And only its own: no client of the first partner, no employee of the first partner's clients
    own_clients = {row["client_id"] for row in client_lists[0]}
    own_users = {row["client_user_id"] for row in employee_lists[0]}
    assert not own_clients & DEMO_CLIENTS and not own_users & DEMO_CLIENT_USERS
    for listed in client_lists:
        assert {row["client_id"] for row in listed} <= own_clients
    for listed in employee_lists[:3]:
        assert {row["client_user_id"] for row in listed} <= own_users
        assert {row["client_id"] for row in listed} <= own_clients
    assert {row["client_user_id"] for row in employee_lists[3]} <= own_users


def test_lists_of_the_first_partner_never_show_the_second_partners_clients_or_employees(soap_client):
    demo = soap_client("demo", "demo", group="clients")
    clients = {row["client_id"] for row in plain(demo.client_read(include_deleted=True))}
    users = {row["client_user_id"] for row in plain(demo.client_user_read(include_deleted=True))}
    assert DEMO_CLIENT_ROMASHKA in clients and DEMO_CLIENT_USER_OLGA in users
    assert DEMO2_CLIENT not in clients and DEMO2_CLIENT_USER not in users
    assert DEMO2_CLIENT_USER not in {row["client_user_id"] for row in plain(demo.client_user_contact_read())}


ADDS = [
    ("client_add", {}),
    ("client_add_its", {"client_reg_num": ""}),
    ("client_add_advanced", {"addit_attribute": "regions"}),
]


@pytest.mark.parametrize("port", PORTS)
@pytest.mark.parametrize("operation, extra", ADDS, ids=[operation for operation, _ in ADDS])
def test_adding_a_client_in_a_region_only_the_other_partner_works_in_is_refused_and_adds_nothing(soap_client, port, operation, extra):
    # Given St Petersburg is one of the first partner's regions and not one of the second's
    demo2 = soap_client("demo2", "demo2", group="clients", port=port)
    before = (clients_state(soap_client, "demo2"), clients_state(soap_client, "demo"))

    # When the second partner adds a client there
    fault = fault_of(getattr(demo2, operation), client_name="Клиент в чужом регионе", region_id=SPB, **extra)

    # Then it is refused as an unavailable region, naming the region
    assert code(fault) == "Client.RegionNotAvailable"
    assert SPB in fault.message
    # And no client was added, to either partner
    assert (clients_state(soap_client, "demo2"), clients_state(soap_client, "demo")) == before


@pytest.mark.parametrize("port", PORTS)
@pytest.mark.parametrize("operation", ["client_edit", "client_edit_its", "client_edit_advanced"])
def test_moving_an_own_client_to_a_region_only_the_other_partner_works_in_is_refused_and_changes_nothing(soap_client, port, operation):
    # Given the second partner's own client, in Novosibirsk
    demo2 = soap_client("demo2", "demo2", group="clients", port=port)
    before = (clients_state(soap_client, "demo2"), clients_state(soap_client, "demo"))
    (client,) = plain(demo2.client_read(client_id=DEMO2_CLIENT))
    assert client["region_id"] == NOVOSIBIRSK

    # When it moves the client to St Petersburg
    fault = fault_of(getattr(demo2, operation), client_id=DEMO2_CLIENT, client_name=client["client_name"], region_id=SPB)

    # Then it is refused and nothing changed
    assert code(fault) == "Client.RegionNotAvailable"
    assert (clients_state(soap_client, "demo2"), clients_state(soap_client, "demo")) == before


@pytest.mark.parametrize("port", PORTS)
@pytest.mark.parametrize("operation", ["client_read", "client_read_advanced"])
def test_filtering_by_a_region_only_the_other_partner_works_in_is_refused(soap_client, port, operation):
    # Given demo's client Sokolov is in St Petersburg, a region demo2 does not work in
    demo2 = soap_client("demo2", "demo2", group="clients", port=port)
    # When demo2 lists its clients in St Petersburg
    fault = fault_of(getattr(demo2, operation), region_id=SPB, include_deleted=True)
    # Then it is refused as an unavailable region, not answered with demo's clients there
    assert code(fault) == "Client.RegionNotAvailable"
    assert SPB in fault.message
