"""Subscriptions («абонементы», service_*) over the wire with zeep: only active ones are read, adding
checks the client, its agent, the service partner and the contract, stopping and editing, and
client_delete's cascade stopping them. Each test makes its own client, employee and agent (the agent
with the agents group's agent_user_add), so tests do not depend on one another."""

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from partnerapi.logic.its import today_in_moscow
from support.demo import (
    DEMO2,
    DEMO2_CLIENT,
    DEMO2_ID,
    DEMO2_SUBSCRIPTION,
    DEMO2_USER_AGENT,
    DEMO_CLIENT_ROMASHKA,
    DEMO_ID,
    DEMO_PRIVATE_LINE,
    DEMO_SUBSCRIPTION,
    DEMO_SUBSCRIPTION_ENDED,
    DEMO_SUBSCRIPTION_STOPPED,
    DEMO_USER_AGENT_OLGA,
    DEMO_VENDOR_LINE,
    MOSCOW,
    PUBLIC_ARCHIVED,
    PUBLIC_CONSULTING,
)
from support.faults import code, fault_of, plain, rows

PORTS = ["PartnerAPISoap", "PartnerAPISoap12"]
OPEN = date(1, 1, 1)


@dataclass
class Customer:
    """A client with one employee who has one user agent."""

    client_id: str
    client_user_id: str
    agent_user_id: str


@pytest.fixture(params=PORTS)
def port(request):
    return request.param


@pytest.fixture
def services(soap_client, port):
    """services(login) → that partner's services group."""
    return lambda login="demo": soap_client(login, login, group="services", port=port)


@pytest.fixture
def customer(soap_client, port):
    """Factory: a new client of `login` with an employee and the employee's agent."""

    def make(login: str = "demo") -> Customer:
        clients = soap_client(login, login, group="clients", port=port)
        (client,) = rows(clients.client_add(f"Абонент {uuid.uuid4().hex[:8]}", MOSCOW))
        (user,) = rows(clients.client_user_add(client["client_id"], "Пользователь"))
        (agent,) = rows(soap_client(login, login, group="agents", port=port).agent_user_add(None, user["client_user_id"]))
        return Customer(client["client_id"], user["client_user_id"], agent["agent_user_id"])

    return make


def subscribe(api, who: Customer, service_type_id: str = PUBLIC_CONSULTING, service_partner_id: str = DEMO_ID, start=None, end=None) -> dict:
    (row,) = plain(api.service_add(who.client_id, service_partner_id, start, end, who.agent_user_id, service_type_id))
    return row


# --- service_add and service_read ----------------------------------------------------------------------


def test_the_demo_subscriptions_read_as_provisioned(services):
    # Given (demo fixture) Romashka has an active, a stopped and an ended subscription
    demo_ids = {row["service_id"] for row in plain(services().service_read(client_id=DEMO_CLIENT_ROMASHKA))}
    # Then only the active one is read
    assert DEMO_SUBSCRIPTION in demo_ids and not {DEMO_SUBSCRIPTION_STOPPED, DEMO_SUBSCRIPTION_ENDED} & demo_ids
    (active,) = plain(services().service_read(DEMO_SUBSCRIPTION))
    assert (active["agent_user_id"], active["service_type_id"], active["service_start_date"], active["service_end_date"]) == (
        DEMO_USER_AGENT_OLGA,
        PUBLIC_CONSULTING,
        date(2025, 1, 1),
        OPEN,
    )
    # And the second partner's subscription of demo's line is served by demo
    (vendor_served,) = plain(services("demo2").service_read(DEMO2_SUBSCRIPTION))
    provisioned = DEMO2["clients"][0]["services"][0]
    assert vendor_served == {
        "service_id": DEMO2_SUBSCRIPTION,
        "sale_partner_id": DEMO2_ID,
        "client_id": DEMO2_CLIENT,
        "service_partner_id": DEMO_ID,
        "service_start_date": date.fromisoformat(provisioned["service_start_date"]),
        "service_end_date": OPEN,
        "agent_user_id": DEMO2_USER_AGENT,
        "service_type_id": DEMO_VENDOR_LINE,
    }


def test_a_subscription_starts_today_and_is_open_ended_unless_dates_are_given(services, customer):
    demo, who = services(), customer()
    # When the partner activates a subscription without dates
    added = subscribe(demo, who)
    # Then it starts today (Moscow), is open-ended (0001-01-01) and was sold by the partner itself
    assert {key: value for key, value in added.items() if key != "service_id"} == {
        "sale_partner_id": DEMO_ID,
        "client_id": who.client_id,
        "service_partner_id": DEMO_ID,
        "service_start_date": today_in_moscow(),
        "service_end_date": OPEN,
        "agent_user_id": who.agent_user_id,
        "service_type_id": PUBLIC_CONSULTING,
    }
    uuid.UUID(added["service_id"])
    # And it is read back by ID and among the client's subscriptions
    assert plain(demo.service_read(added["service_id"])) == [added]
    assert plain(demo.service_read(client_id=who.client_id)) == [added]
    # And with dates it keeps them
    dated = subscribe(demo, who, start="2027-01-01", end="2027-12-31")
    assert (dated["service_start_date"], dated["service_end_date"]) == (date(2027, 1, 1), date(2027, 12, 31))


def test_only_active_subscriptions_are_read_current_and_future_not_stopped_nor_ended(services, customer):
    demo, who = services(), customer()
    current = subscribe(demo, who, start="2025-01-01")
    future = subscribe(demo, who, start=(today_in_moscow() + timedelta(days=400)).isoformat())
    stopped = subscribe(demo, who)
    ended = subscribe(demo, who, start="2025-01-01")
    # When one is stopped and another ends yesterday
    assert rows(demo.service_stop(stopped["service_id"])) == []
    demo.service_edit(ended["service_id"], None, None, (today_in_moscow() - timedelta(days=1)).isoformat())
    # Then the client's subscriptions are the current and the future one
    assert {row["service_id"] for row in plain(demo.service_read(client_id=who.client_id))} == {current["service_id"], future["service_id"]}
    # And neither the stopped nor the ended one is read, even by ID
    assert plain(demo.service_read(stopped["service_id"])) == plain(demo.service_read(ended["service_id"])) == []
    # And the partner's whole list agrees
    listed = {row["service_id"] for row in plain(demo.service_read())}
    assert {current["service_id"], future["service_id"]} <= listed and not {stopped["service_id"], ended["service_id"]} & listed


def test_service_read_filters_by_every_parameter(services, customer):
    demo, first, second = services(), customer(), customer()
    consulting = subscribe(demo, first, PUBLIC_CONSULTING, start="2025-01-01")
    own_line = subscribe(demo, first, DEMO_PRIVATE_LINE, start="2026-01-01", end="2030-12-31")
    other = subscribe(demo, second)

    def ids(**filters) -> set[str]:
        return {row["service_id"] for row in plain(demo.service_read(**filters))}

    assert ids(client_id=first.client_id) == {consulting["service_id"], own_line["service_id"]}
    assert ids(agent_user_id=second.agent_user_id) == {other["service_id"]}
    assert ids(client_id=first.client_id, service_type_id=DEMO_PRIVATE_LINE) == {own_line["service_id"]}
    assert ids(client_id=first.client_id, sale_partner_id=DEMO_ID, service_partner_id=DEMO_ID) == {consulting["service_id"], own_line["service_id"]}
    assert ids(client_id=first.client_id, agent_user_id=second.agent_user_id) == set()
    # dates select the subscriptions in force throughout the period
    assert ids(client_id=first.client_id, service_start_date="2025-06-01") == {consulting["service_id"]}
    assert ids(client_id=first.client_id, service_start_date="2026-06-01", service_end_date="2030-12-31") == {consulting["service_id"], own_line["service_id"]}
    assert ids(client_id=first.client_id, service_end_date="2031-01-01") == {consulting["service_id"]}
    assert code(fault_of(demo.service_read, service_start_date="2026-02-01", service_end_date="2026-01-01")) == "Client.InvalidParameter"


MISSING = [
    ("client_id", "Не указан клиент (client_id), которому активируется абонемент"),
    ("service_partner_id", "Не указан сервисный партнер абонемента (service_partner_id)"),
    ("agent_user_id", "Не указан агент пользователя (agent_user_id), для которого активируется абонемент"),
    ("service_type_id", "Не указан вид абонемента (service_type_id)"),
]


@pytest.mark.parametrize("parameter, message", MISSING, ids=[parameter for parameter, _ in MISSING])
@pytest.mark.parametrize("value", [None, "", "  "])
def test_each_required_parameter_of_service_add_is_checked(services, customer, parameter, message, value):
    demo, who = services(), customer()
    arguments = {"client_id": who.client_id, "service_partner_id": DEMO_ID, "agent_user_id": who.agent_user_id, "service_type_id": PUBLIC_CONSULTING, parameter: value}
    fault = fault_of(demo.service_add, **arguments)
    assert (code(fault), fault.message) == ("Client.MissingParameter", message)
    assert plain(demo.service_read(client_id=who.client_id)) == []


def refused(api, who: Customer, fault_code: str, **changes) -> str:
    """Calls service_add with the customer's good values changed; checks the fault and that nothing was added."""
    arguments = {"client_id": who.client_id, "service_partner_id": DEMO_ID, "agent_user_id": who.agent_user_id, "service_type_id": PUBLIC_CONSULTING, **changes}
    fault = fault_of(api.service_add, **arguments)
    assert code(fault) == fault_code, fault.message
    assert plain(api.service_read(client_id=who.client_id)) == []
    return fault.message


def test_dates_must_be_in_order_and_the_end_not_past(services, customer):
    demo, who = services(), customer()
    assert "service_end_date" in refused(demo, who, "Client.InvalidParameter", service_start_date="2027-02-01", service_end_date="2027-01-01")
    assert "уже прошла" in refused(demo, who, "Client.InvalidParameter", service_start_date="2024-01-01", service_end_date="2025-01-01")
    assert "service_start_date" in refused(demo, who, "Client.InvalidParameter", service_start_date="01.02.2027")


def test_the_agent_must_belong_to_the_client(services, customer):
    demo, who, someone_else = services(), customer(), customer()
    message = refused(demo, who, "Client.AgentNotOfClient", agent_user_id=someone_else.agent_user_id)
    assert someone_else.agent_user_id in message and who.client_id in message


def test_a_deleted_client_gets_no_subscription(services, customer, soap_client, port):
    demo, who = services(), customer()
    soap_client("demo", "demo", group="clients", port=port).client_delete(who.client_id)
    assert "client_delete" in refused(demo, who, "Client.ClientDeleted")


def test_the_contract_must_permit_the_type_on_the_start_day(services, customer):
    demo, who = services(), customer()
    # a new own type no contract permits
    (line,) = plain(demo.service_type_add(f"Неразрешенная {uuid.uuid4().hex[:6]}"))
    assert line["service_type_id"] in refused(demo, who, "Client.ServiceTypeNotInContract", service_type_id=line["service_type_id"])
    # demo's own line is permitted from 2024-06-01 only
    assert "2024-05-31" in refused(demo, who, "Client.ServiceTypeNotInContract", service_type_id=DEMO_PRIVATE_LINE, service_start_date="2024-05-31")
    assert subscribe(demo, who, DEMO_PRIVATE_LINE, start="2024-06-01")["service_start_date"] == date(2024, 6, 1)


def test_a_deleted_type_gets_no_subscription(services, customer):
    demo, who = services(), customer()
    refused(demo, who, "Client.ServiceTypeDeleted", service_type_id=PUBLIC_ARCHIVED)


def test_the_service_partner_is_the_seller_or_the_vendor_of_the_line(services, customer):
    demo2, who = services("demo2"), customer("demo2")
    # The vendor serves its own line, sold by the importer
    vendor_served = subscribe(demo2, who, DEMO_VENDOR_LINE, service_partner_id=DEMO_ID)
    assert (vendor_served["sale_partner_id"], vendor_served["service_partner_id"]) == (DEMO2_ID, DEMO_ID)
    # And the importer may serve it itself
    assert subscribe(demo2, who, DEMO_VENDOR_LINE, service_partner_id=DEMO2_ID)["service_partner_id"] == DEMO2_ID
    # But the vendor does not serve a line that is not its own
    arguments = {"client_id": who.client_id, "service_partner_id": DEMO_ID, "agent_user_id": who.agent_user_id, "service_type_id": PUBLIC_CONSULTING}
    before = plain(demo2.service_read(client_id=who.client_id))
    fault = fault_of(demo2.service_add, **arguments)
    assert code(fault) == "Client.ServicePartnerNotAllowed" and DEMO_ID in fault.message
    assert plain(demo2.service_read(client_id=who.client_id)) == before


# --- service_stop and service_edit ---------------------------------------------------------------------


def test_stopping_answers_empty_and_the_subscription_is_no_longer_read(services, customer):
    demo, who = services(), customer()
    added = subscribe(demo, who)
    assert rows(demo.service_stop(added["service_id"])) == []
    assert plain(demo.service_read(added["service_id"])) == []
    assert plain(demo.service_read(client_id=who.client_id)) == []
    # stopping again is a success too, and a stopped subscription cannot be edited
    assert rows(demo.service_stop(added["service_id"])) == []
    assert code(fault_of(demo.service_edit, added["service_id"], None, None, "2030-01-01")) == "Client.ServiceStopped"
    assert code(fault_of(demo.service_stop, None)) == "Client.MissingParameter"


def test_editing_changes_only_what_is_given(services, customer):
    demo, who = services(), customer()
    added = subscribe(demo, who, start="2025-01-01")
    # the end only
    (edited,) = plain(demo.service_edit(added["service_id"], None, None, "2030-06-30"))
    assert edited == {**added, "service_end_date": date(2030, 6, 30)}
    # the start only (nil and omitted leave the rest)
    (edited,) = plain(demo.service_edit(added["service_id"], service_start_date="2025-02-01"))
    assert edited == {**added, "service_start_date": date(2025, 2, 1), "service_end_date": date(2030, 6, 30)}
    # the empty date makes it open-ended again
    (edited,) = plain(demo.service_edit(added["service_id"], service_end_date="0001-01-01"))
    assert edited["service_end_date"] == OPEN
    # nothing given: unchanged
    assert plain(demo.service_edit(added["service_id"])) == [edited]
    assert plain(demo.service_read(added["service_id"])) == [edited]


def test_an_edit_is_checked_like_an_add_and_a_refused_edit_changes_nothing(services, customer):
    demo, who = services(), customer()
    added = subscribe(demo, who, DEMO_PRIVATE_LINE, start="2025-01-01", end="2030-12-31")

    def unchanged():
        assert plain(demo.service_read(added["service_id"])) == [added]

    assert code(fault_of(demo.service_edit, added["service_id"], None, "2031-01-01")) == "Client.InvalidParameter"
    unchanged()
    assert code(fault_of(demo.service_edit, added["service_id"], None, None, "2024-12-31")) == "Client.InvalidParameter"
    unchanged()
    # permitted from 2024-06-01 only
    assert code(fault_of(demo.service_edit, added["service_id"], None, "2024-05-01")) == "Client.ServiceTypeNotInContract"
    unchanged()
    # demo2 is not a partner demo knows
    assert code(fault_of(demo.service_edit, added["service_id"], DEMO2_ID)) == "Client.ReferenceNotFound"
    unchanged()
    assert code(fault_of(demo.service_edit, None, None, "2025-01-01")) == "Client.MissingParameter"


def test_the_service_partner_can_be_handed_to_the_vendor_of_the_line_only(services, customer):
    demo2, who = services("demo2"), customer("demo2")
    line = subscribe(demo2, who, DEMO_VENDOR_LINE, service_partner_id=DEMO2_ID)
    (edited,) = plain(demo2.service_edit(line["service_id"], DEMO_ID))
    assert edited == {**line, "service_partner_id": DEMO_ID}
    public = subscribe(demo2, who, PUBLIC_CONSULTING, service_partner_id=DEMO2_ID)
    assert code(fault_of(demo2.service_edit, public["service_id"], DEMO_ID)) == "Client.ServicePartnerNotAllowed"
    assert plain(demo2.service_read(public["service_id"])) == [public]


# --- client_delete's cascade -------------------------------------------------------------------------


def test_deleting_the_client_stops_its_subscriptions_for_good(services, customer, soap_client, port):
    demo, who, neighbour = services(), customer(), customer()
    first, second = subscribe(demo, who), subscribe(demo, who, start="2027-01-01")
    kept = subscribe(demo, neighbour)
    clients = soap_client("demo", "demo", group="clients", port=port)
    # When the client is deleted (clients group)
    (deleted,) = rows(clients.client_delete(who.client_id))
    assert deleted["client_del"] is True
    # Then none of its subscriptions is read any more, by client or by ID
    assert plain(demo.service_read(client_id=who.client_id)) == []
    assert plain(demo.service_read(first["service_id"])) == plain(demo.service_read(second["service_id"])) == []
    # And another client's subscription is untouched
    assert plain(demo.service_read(kept["service_id"])) == [kept]
    # And restoring the client does not bring them back
    (restored,) = rows(clients.client_delete(who.client_id))
    assert restored["client_del"] is False
    assert plain(demo.service_read(client_id=who.client_id)) == []


# --- vendors see who uses their line ------------------------------------------------------------------


def test_the_vendor_sees_the_importers_client_while_its_subscription_is_active(services, customer):
    demo, demo2, who = services(), services("demo2"), customer("demo2")
    assert who.client_id not in {row["client_id"] for row in plain(demo.client_vendor_read(DEMO_VENDOR_LINE))}
    # When the importer sells demo's line to its client
    line = subscribe(demo2, who, DEMO_VENDOR_LINE, service_partner_id=DEMO_ID)
    # Then demo lists that client among the clients using its line, with the client's own data
    listed = {row["client_id"]: row for row in plain(demo.client_vendor_read(DEMO_VENDOR_LINE, DEMO2_ID))}
    assert listed[who.client_id]["region_id"] == MOSCOW
    # And demo's own clients are never there
    assert DEMO_CLIENT_ROMASHKA not in listed
    # When the importer stops the subscription, the client is no longer listed
    demo2.service_stop(line["service_id"])
    assert who.client_id not in {row["client_id"] for row in plain(demo.client_vendor_read(DEMO_VENDOR_LINE))}
