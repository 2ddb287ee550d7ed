"""The services group's logic against moto with the demo data: how many DynamoDB calls its reads and
writes make, what happens when something changes between the checks and the write (the transaction's
conditions hold the line and nothing is written), contracts beyond one transaction, the cascade of
client_delete over subscriptions, and the operator's vendor exports."""

import math
import uuid
from datetime import date

import pytest
from partnerapi.data import keys, table
from partnerapi.data.table import CallCounter
from partnerapi.errors import ClientDeleted, ReferenceNotFound, ServiceTypeDeleted, ServiceTypeNotInContract
from partnerapi.logic import clients, contracts, service_types, subscriptions
from partnerapi.logic.references import Kind, resolve
from partnerapi_ops import services_provisioning
from partnerapi_ops.provisioning import Contract, add_contract
from support.demo import (
    DEMO2_ID,
    DEMO_CLIENT_ROMASHKA,
    DEMO_CLIENT_USER_OLGA,
    DEMO_ID,
    DEMO_USER_AGENT_OLGA,
    DEMO_VENDOR_LINE,
    PUBLIC_CONSULTING,
)


def agent_of(partner_id: str, client_id: str, client_user_id: str) -> str:
    """A user agent as the agents group stores it (the shared key contract): only what subscriptions use."""
    agent_id = str(uuid.uuid4())
    table.put(
        {
            "PK": keys.partner_pk(partner_id),
            "SK": keys.agent_user_sk(agent_id),
            "GSI1PK": keys.by_client_pk(partner_id, client_id),
            "GSI1SK": keys.agent_user_sk(agent_id),
            "kind": "agent_user",
            "agent_user_id": agent_id,
            "client_id": client_id,
            "client_user_id": client_user_id,
            "agent_user_activity": True,
        }
    )
    return agent_id


def subscriptions_of(partner_id: str, client_id: str) -> list[table.Item]:
    return table.query_all(keys.by_client_pk(partner_id, client_id), keys.SERVICE_PREFIX, index=keys.BY_CLIENT_INDEX)


def add(client_id: str = DEMO_CLIENT_ROMASHKA, agent_id: str = DEMO_USER_AGENT_OLGA, service_type_id: str = PUBLIC_CONSULTING, start: str | None = None) -> dict:
    (row,) = subscriptions.service_add(DEMO_ID, client_id, DEMO_ID, start, None, agent_id, service_type_id)
    return row


# --- cost of reads and writes ------------------------------------------------------------------------------


def test_listing_service_types_is_three_queries_and_one_batch_read_for_the_imported_lines(demo_data):
    listed = service_types.service_type_read(DEMO2_ID, None, None, None)
    assert DEMO_VENDOR_LINE in {row["service_type_id"] for row in listed}
    assert CallCounter.calls == {"query": 3, "batch_get_item": 1}


def test_service_add_resolves_everything_in_one_batch_and_writes_one_transaction(demo_data):
    add()
    assert CallCounter.calls == {"batch_get_item": 1, "query": 1, "transact_write_items": 1}


# --- the write's conditions ---------------------------------------------------------------------------------


def test_a_client_deleted_between_the_checks_and_the_write_gets_no_subscription(demo_data, monkeypatch):
    before = subscriptions_of(DEMO_ID, DEMO_CLIENT_ROMASHKA)
    checked = contracts.permission_on

    def client_deleted_meanwhile(*args):
        found = checked(*args)
        clients.client_delete(DEMO_ID, DEMO_CLIENT_ROMASHKA)  # another request deletes the client now
        return found

    monkeypatch.setattr(contracts, "permission_on", client_deleted_meanwhile)
    with pytest.raises(ClientDeleted):
        add()
    # nothing was written: the cascade saw every subscription there was
    after = subscriptions_of(DEMO_ID, DEMO_CLIENT_ROMASHKA)
    assert {item["service_id"] for item in after} == {item["service_id"] for item in before}
    assert all(item["service_stopped"] for item in after)


def test_a_permission_removed_between_the_check_and_the_write_gets_no_subscription(demo_data, monkeypatch):
    before = subscriptions_of(DEMO_ID, DEMO_CLIENT_ROMASHKA)
    checked = contracts.permission_on

    def permission_removed_meanwhile(*args):
        found = checked(*args)
        contracts.contract_service_delete(DEMO_ID, PUBLIC_CONSULTING)
        return found

    monkeypatch.setattr(contracts, "permission_on", permission_removed_meanwhile)
    with pytest.raises(ServiceTypeNotInContract):
        add()
    assert subscriptions_of(DEMO_ID, DEMO_CLIENT_ROMASHKA) == before


def test_a_type_deleted_between_the_check_and_the_write_gets_no_subscription(demo_data, monkeypatch):
    (line,) = service_types.service_type_add(DEMO_ID, "Линия", "Линия")
    contracts.contract_service_add(DEMO_ID, line["service_type_id"], None)
    before = subscriptions_of(DEMO_ID, DEMO_CLIENT_ROMASHKA)
    checked = contracts.permission_on

    def type_deleted_meanwhile(*args):
        found = checked(*args)
        service_types.service_type_delete(DEMO_ID, line["service_type_id"])
        return found

    monkeypatch.setattr(contracts, "permission_on", type_deleted_meanwhile)
    with pytest.raises(ServiceTypeDeleted):
        add(service_type_id=line["service_type_id"])
    assert subscriptions_of(DEMO_ID, DEMO_CLIENT_ROMASHKA) == before


# --- many contracts -------------------------------------------------------------------------------------------


def test_contract_service_add_over_more_contracts_than_one_transaction_takes(demo_data):
    # Given the partner has 120 more contracts (each needs a check and a put: 49 per transaction)
    for _ in range(120):
        add_contract(DEMO_ID, Contract(contract_start_date=date(2025, 1, 1), role_id=1))
    (line,) = service_types.service_type_add(DEMO_ID, "Широкая линия", "")
    CallCounter.reset()
    # When a type is added to the contracts
    result = contracts.contract_service_add(DEMO_ID, line["service_type_id"], "2026-01-01")
    # Then every contract permits it, written in ceil(122 / 49) transactions
    assert len(result) == 122 == len({row["contract_id"] for row in result})
    assert CallCounter.calls["transact_write_items"] == math.ceil(122 / 49)
    assert len(contracts.contract_service_read(DEMO_ID, None, line["service_type_id"], None, None)) == 122
    # And deleting it removes all of them, 100 per transaction
    assert contracts.contract_service_delete(DEMO_ID, line["service_type_id"]) == []
    assert contracts.contract_service_read(DEMO_ID, None, line["service_type_id"], None, None) == []


# --- client_delete's cascade ---------------------------------------------------------------------------------


def test_client_delete_stops_every_subscription_service_add_wrote(demo_data):
    # Given a client with two employees' agents and three subscriptions
    (client,) = clients.client_add(DEMO_ID, "Каскад", "6f1d3c1e-0b6a-4d47-9a59-1f0c5d1a0001")
    (user,) = clients.client_user_add(DEMO_ID, client["client_id"], "Пользователь", None, None)
    agent = agent_of(DEMO_ID, client["client_id"], user["client_user_id"])
    added = [add(client["client_id"], agent, start=start) for start in (None, "2025-01-01", "2027-01-01")]
    assert len(subscriptions.service_read(DEMO_ID, None, None, client["client_id"], None, None, None, None, None)) == 3
    # When the client is deleted
    clients.client_delete(DEMO_ID, client["client_id"])
    # Then every one is stopped and none is read
    stored = {item["service_id"]: item for item in subscriptions_of(DEMO_ID, client["client_id"])}
    assert set(stored) == {row["service_id"] for row in added}
    assert all(item["service_stopped"] is True for item in stored.values())
    assert subscriptions.service_read(DEMO_ID, None, None, client["client_id"], None, None, None, None, None) == []
    # And the deleted client gets no new one
    with pytest.raises(ClientDeleted):
        add(client["client_id"], agent)


# --- vendor exports (operator) ------------------------------------------------------------------------------


def test_the_importer_knows_the_vendor_until_the_last_of_its_lines_is_revoked(demo_data):
    # Given demo exports a second line to demo2
    second = services_provisioning.add_service_type(services_provisioning.ServiceType(service_type_name="Вторая линия"), DEMO_ID).service_type_id
    services_provisioning.export_service_type(DEMO_ID, second, DEMO2_ID)
    # When the first line's export is revoked
    services_provisioning.revoke_export(DEMO_ID, DEMO_VENDOR_LINE, DEMO2_ID)
    # Then demo2 no longer sees that line but still knows demo as the vendor of the other
    with pytest.raises(ReferenceNotFound):
        resolve(DEMO2_ID, {"service_type_id": DEMO_VENDOR_LINE})
    assert resolve(DEMO2_ID, {"service_partner_id": DEMO_ID})["service_partner_id"]["partner_id"] == DEMO_ID
    # When the last one is revoked too, demo is a partner demo2 knows nothing of
    services_provisioning.revoke_export(DEMO_ID, second, DEMO2_ID)
    with pytest.raises(ReferenceNotFound):
        resolve(DEMO2_ID, {"service_partner_id": DEMO_ID})
    with pytest.raises(ReferenceNotFound):
        resolve(DEMO2_ID, {"partner_id": DEMO_ID}, kinds={"partner_id": Kind.SERVICE_PARTNER})
    assert table.query_all(keys.partner_pk(DEMO_ID), keys.EXPORTED_SERVICE_TYPE_PREFIX) == []


@pytest.mark.parametrize(
    "owner, line, importer",
    [(DEMO_ID, PUBLIC_CONSULTING, DEMO2_ID), (DEMO2_ID, DEMO_VENDOR_LINE, DEMO_ID), (DEMO_ID, DEMO_VENDOR_LINE, DEMO_ID)],
    ids=["public-type", "not-the-owners", "to-itself"],
)
def test_only_an_owners_private_type_can_be_exported_to_another_partner(demo_data, owner, line, importer):
    with pytest.raises(ValueError):
        services_provisioning.export_service_type(owner, line, importer)


def test_fixture_agents_and_the_subscription_factory_follow_the_same_contract(demo_data):
    # the demo fixture's agent of Olga is what service_add checks against the client
    agent = table.get(keys.partner_pk(DEMO_ID), keys.agent_user_sk(DEMO_USER_AGENT_OLGA))
    assert (agent["kind"], agent["client_id"], agent["client_user_id"]) == ("agent_user", DEMO_CLIENT_ROMASHKA, DEMO_CLIENT_USER_OLGA)
    own = agent_of(DEMO_ID, DEMO_CLIENT_ROMASHKA, DEMO_CLIENT_USER_OLGA)
    assert add(agent_id=own)["agent_user_id"] == own
