"""The services group keeps partners apart (over the sandbox, both SOAP ports): another partner's service
type, contract, subscription, client, agent or partner ID is answered exactly like an unknown or
malformed ID, for every operation and every ID parameter, and nothing of either partner changes; lists
never show another partner's objects.

The two demo partners are related: demo exports a line to demo2, so demo2 legitimately knows demo's
partner ID (as the owner of that line) and that one line. Partner-ID parameters are therefore tested
with demo as the intruder naming demo2, which demo knows nothing of. role_id is shared reference data
(role_read), not a partner's object, so it has no foreign value."""

import uuid
from dataclasses import dataclass

import pytest
from support.demo import (
    DEMO2_CLIENT,
    DEMO2_ID,
    DEMO2_PRIVATE_LINE,
    DEMO_CLIENT_ROMASHKA,
    DEMO_CONTRACT_FRANCHISEE,
    DEMO_ID,
    DEMO_PRIVATE_LINE,
    DEMO_VENDOR_LINE,
    MOSCOW,
    PUBLIC_CONSULTING,
)
from support.faults import code, fault_of, plain, rows

PORTS = ["PartnerAPISoap", "PartnerAPISoap12"]


@dataclass
class Customer:
    client_id: str
    agent_user_id: str
    service_id: str


def _customer(soap_client, login: str, service_partner_id: str) -> Customer:
    """A client of `login` with an employee, the employee's agent and an active subscription."""
    clients = soap_client(login, login, group="clients")
    (client,) = rows(clients.client_add(f"Изоляция {uuid.uuid4().hex[:6]}", MOSCOW))
    (user,) = rows(clients.client_user_add(client["client_id"], "Пользователь"))
    (agent,) = rows(soap_client(login, login, group="agents").agent_user_add(None, user["client_user_id"]))
    services = soap_client(login, login, group="services")
    (service,) = rows(services.service_add(client["client_id"], service_partner_id, None, None, agent["agent_user_id"], PUBLIC_CONSULTING))
    return Customer(client["client_id"], agent["agent_user_id"], service["service_id"])


@pytest.fixture(scope="module")
def customers(soap_client) -> dict[str, Customer]:
    return {"demo": _customer(soap_client, "demo", DEMO_ID), "demo2": _customer(soap_client, "demo2", DEMO2_ID)}


def services_state(soap_client, login: str) -> tuple:
    """Everything the services group shows a partner."""
    api = soap_client(login, login, group="services")
    return (
        plain(api.service_type_read(include_deleted=True)),
        plain(api.contract_read()),
        plain(api.contract_service_read()),
        plain(api.service_read()),
        plain(api.partner_vendor_read()),
    )


# (operation, intruder, arguments with "{id}" for the parameter under test; "<demo2 …>"/"<demo …>" are the
# intruder's own valid values, filled in from the customers fixture)
ID_PARAMETERS = [
    ("partner_vendor_read", "demo2", {"service_id": "{id}"}),
    ("client_vendor_read", "demo2", {"service_type_id": "{id}"}),
    ("client_vendor_read", "demo2", {"service_type_id": DEMO2_PRIVATE_LINE, "partner_id": "{id}"}),
    ("service_type_read", "demo2", {"service_type_id": "{id}"}),
    ("service_type_read", "demo", {"partner_id": "{id}"}),
    ("service_type_edit", "demo2", {"service_type_id": "{id}", "service_type_name": "Захват"}),
    ("service_type_delete", "demo2", {"service_type_id": "{id}"}),
    ("contract_read", "demo2", {"contract_id": "{id}"}),
    ("contract_service_read", "demo2", {"contract_id": "{id}"}),
    ("contract_service_read", "demo2", {"service_type_id": "{id}"}),
    ("contract_service_add", "demo2", {"service_type_id": "{id}"}),
    ("contract_service_delete", "demo2", {"service_type_id": "{id}"}),
    ("service_read", "demo2", {"service_id": "{id}"}),
    ("service_read", "demo2", {"sale_partner_id": "{id}"}),
    ("service_read", "demo2", {"client_id": "{id}"}),
    ("service_read", "demo", {"service_partner_id": "{id}"}),
    ("service_read", "demo2", {"agent_user_id": "{id}"}),
    ("service_read", "demo2", {"service_type_id": "{id}"}),
    ("service_add", "demo2", {"client_id": "{id}", "service_partner_id": DEMO2_ID, "agent_user_id": "<own agent>", "service_type_id": PUBLIC_CONSULTING}),
    ("service_add", "demo", {"client_id": "<own client>", "service_partner_id": "{id}", "agent_user_id": "<own agent>", "service_type_id": PUBLIC_CONSULTING}),
    ("service_add", "demo2", {"client_id": "<own client>", "service_partner_id": DEMO2_ID, "agent_user_id": "{id}", "service_type_id": PUBLIC_CONSULTING}),
    ("service_add", "demo2", {"client_id": "<own client>", "service_partner_id": DEMO2_ID, "agent_user_id": "<own agent>", "service_type_id": "{id}"}),
    ("service_stop", "demo2", {"service_id": "{id}"}),
    ("service_edit", "demo2", {"service_id": "{id}", "service_end_date": "2030-01-01"}),
    ("service_edit", "demo", {"service_id": "<own service>", "service_partner_id": "{id}"}),
]


def foreign_value(parameter: str, intruder: str, victim: Customer) -> str:
    """The other partner's object for the parameter."""
    if parameter.endswith("partner_id"):
        return DEMO2_ID if intruder == "demo" else DEMO_ID
    return {
        "service_id": victim.service_id,
        "service_type_id": DEMO_PRIVATE_LINE,  # demo's line that was not exported
        "contract_id": DEMO_CONTRACT_FRANCHISEE,
        "client_id": victim.client_id,
        "agent_user_id": victim.agent_user_id,
    }[parameter]


def _arguments(template: dict, value: str, own: Customer) -> dict:
    placeholders = {"{id}": value, "<own client>": own.client_id, "<own agent>": own.agent_user_id, "<own service>": own.service_id}
    return {name: placeholders.get(argument, argument) for name, argument in template.items()}


@pytest.mark.parametrize("port", PORTS)
@pytest.mark.parametrize(
    "operation, intruder, template",
    ID_PARAMETERS,
    ids=[f"{op}-{next(n for n, a in t.items() if a == '{id}')}-by-{who}" for op, who, t in ID_PARAMETERS],
)
def test_foreign_ids_are_answered_like_unknown_ids_and_change_nothing(soap_client, customers, port, operation, intruder, template):
    # Given both partners' services data as it is
    victim_login = "demo" if intruder == "demo2" else "demo2"
    before = (services_state(soap_client, "demo"), services_state(soap_client, "demo2"))
    call = getattr(soap_client(intruder, intruder, group="services", port=port), operation)
    (parameter,) = [name for name, argument in template.items() if argument == "{id}"]
    foreign, unknown, malformed = foreign_value(parameter, intruder, customers[victim_login]), str(uuid.uuid4()), "12345"
    own = customers[intruder]

    # When the intruder uses the other partner's ID, an unknown ID and a malformed one
    faults = [fault_of(call, **_arguments(template, value, own)) for value in (foreign, unknown, malformed)]

    # Then the three faults are one and the same fault, naming only what the caller sent
    assert [code(fault) for fault in faults] == ["Client.ReferenceNotFound"] * 3
    messages = [fault.message.replace(value, "<id>") for fault, value in zip(faults, (foreign, unknown, malformed), strict=True)]
    assert messages[0] == messages[1] == messages[2]
    assert parameter in faults[0].message
    # And nothing changed for either partner
    assert (services_state(soap_client, "demo"), services_state(soap_client, "demo2")) == before


@pytest.mark.parametrize("port", PORTS)
def test_lists_of_one_partner_never_show_the_other_partners_objects(soap_client, customers, port):
    demo = soap_client("demo", "demo", group="services", port=port)
    demo2 = soap_client("demo2", "demo2", group="services", port=port)
    mine, theirs = customers["demo2"], customers["demo"]
    # service types: demo2 sees demo's exported line, never demo's other private types, and demo never sees demo2's
    demo2_types = {row["service_type_id"]: row for row in plain(demo2.service_type_read(include_deleted=True))}
    assert DEMO_VENDOR_LINE in demo2_types and DEMO_PRIVATE_LINE not in demo2_types
    assert {row["partner_id"] for row in demo2_types.values()} <= {None, DEMO2_ID, DEMO_ID}
    assert all(row["partner_id"] != DEMO_ID or row["service_type_id"] != DEMO_PRIVATE_LINE for row in demo2_types.values())
    assert DEMO2_PRIVATE_LINE not in {row["service_type_id"] for row in plain(demo.service_type_read(include_deleted=True))}
    # contracts and their services are each partner's own
    assert DEMO_CONTRACT_FRANCHISEE not in {row["contract_id"] for row in plain(demo2.contract_read())}
    assert DEMO_CONTRACT_FRANCHISEE not in {row["contract_id"] for row in plain(demo2.contract_service_read())}
    # subscriptions: only the partner's own, sold by itself to its own clients
    demo2_services = plain(demo2.service_read())
    assert mine.service_id in {row["service_id"] for row in demo2_services}
    assert theirs.service_id not in {row["service_id"] for row in demo2_services}
    assert {row["sale_partner_id"] for row in demo2_services} == {DEMO2_ID}
    assert DEMO_CLIENT_ROMASHKA not in {row["client_id"] for row in demo2_services}
    demo_services = plain(demo.service_read())
    assert mine.service_id not in {row["service_id"] for row in demo_services}
    assert DEMO2_CLIENT not in {row["client_id"] for row in demo_services}
    # vendors: demo2 exports nothing, so it sees no importer and no importer's client
    assert plain(demo2.partner_vendor_read()) == []
    assert plain(demo2.client_vendor_read(DEMO2_PRIVATE_LINE)) == []
