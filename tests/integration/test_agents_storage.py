"""How agents are stored (moto in-process, the AWS path: passwords sealed with KMS data keys): no plain
password in any item, one GenerateDataKey per container and one Decrypt per data key, a password that
opens only with its key and on its own agent, KMS failures as Server faults; the GSI contract with
client_delete's cascade; numbers from the counter; idempotent provisioning of fixture agents."""

import json

import pytest
from partnerapi.data import keys, secrets, table
from partnerapi.data.clients import client as aws_client
from partnerapi.data.clients import reset_clients
from partnerapi.errors import SecretUnavailable
from partnerapi.logic import agents, clients
from partnerapi_ops.provisioning import load_fixture
from partnerapi_ops.sandbox import DEMO_FIXTURE
from support.demo import (
    DEMO_AGENT_IVAN,
    DEMO_AGENT_IVAN_PASSWORD,
    DEMO_CLIENT_ROMASHKA,
    DEMO_ID,
    DEMO_USER_AGENT_OLGA,
    DEMO_USER_AGENT_OLGA_PASSWORD,
    DEMO_USER_ANNA,
    MOSCOW,
)


@pytest.fixture
def kms_calls(demo_data):
    """Counts the KMS API calls the code makes (after the fixture's own set-up)."""
    calls: list[str] = []
    aws_client("kms").meta.events.register("before-call.kms.*", lambda model, **_: calls.append(model.name))
    secrets.forget_keys()  # a cold start
    return calls


def raw_item(partner_id: str, sk: str) -> dict:
    return aws_client("dynamodb").get_item(TableName=table.table_name(), Key=table.key_of(keys.partner_pk(partner_id), sk))["Item"]


def new_client_user(partner_id: str = DEMO_ID) -> tuple[str, str]:
    (client,) = clients.client_add(partner_id, "Клиент для агентов", MOSCOW)
    (user,) = clients.client_user_add(partner_id, client["client_id"], "Сотрудник", None, None)
    return client["client_id"], user["client_user_id"]


def test_no_item_holds_a_plain_password_and_reads_answer_it(kms_calls):
    # Given agents added with known passwords
    (partner_agent,) = agents.agent_partner_add(DEMO_ID, "plain-partner-pass", DEMO_USER_ANNA)
    _, user = new_client_user()
    (user_agent,) = agents.agent_user_add(DEMO_ID, "plain-user-pass", user)
    # When their items are read raw
    items = [raw_item(DEMO_ID, keys.agent_partner_sk(partner_agent["agent_partner_id"])), raw_item(DEMO_ID, keys.agent_user_sk(user_agent["agent_user_id"]))]
    # Then no attribute holds the password; each holds a KMS-sealed value instead
    for item, password in zip(items, ("plain-partner-pass", "plain-user-pass"), strict=True):
        assert password not in json.dumps(item)
        sealed = next(value["S"] for name, value in item.items() if name.endswith("_password_sealed"))
        assert sealed.startswith("v1.kms.") and sealed.count(".") == 4
    # And the group reads the passwords back in plain text
    assert agents.agent_partner_read(DEMO_ID, partner_agent["agent_partner_id"], None, None)[0]["agent_partner_password"] == "plain-partner-pass"
    assert agents.agent_user_read(DEMO_ID, user_agent["agent_user_id"], None, None, None)[0]["agent_user_password"] == "plain-user-pass"


def test_one_data_key_per_container_and_one_decrypt_per_data_key(kms_calls):
    # Given a cold container adding five agents
    added = [agents.agent_partner_add(DEMO_ID, None, DEMO_USER_ANNA)[0] for _ in range(5)]
    # Then it asked KMS for one data key only
    assert kms_calls == ["GenerateDataKey"]
    # When another cold container reads them all (plus the demo agents, sealed by the fixture's container)
    kms_calls.clear()
    secrets.forget_keys()
    listed = {row["agent_partner_id"]: row for row in agents.agent_partner_read(DEMO_ID, None, None, None)}
    # Then it unwrapped each distinct data key once: the test's and the fixture loader's
    assert {row["agent_partner_password"] for row in added} <= {row["agent_partner_password"] for row in listed.values()}
    assert kms_calls.count("Decrypt") == len(set(_wrapped_keys())) == 2 and "GenerateDataKey" not in kms_calls
    # And a second read needs KMS no more
    kms_calls.clear()
    agents.agent_partner_read(DEMO_ID, None, None, None)
    assert kms_calls == []


def _wrapped_keys() -> list[str]:
    items = table.query_all(keys.partner_pk(DEMO_ID), keys.AGENT_PARTNER_PREFIX)
    return [item["agent_partner_password_sealed"].split(".")[2] for item in items]


def test_a_password_opens_only_with_its_key_and_on_its_own_agent(kms_calls, monkeypatch):
    # Given two agents
    (first,) = agents.agent_partner_add(DEMO_ID, "first-secret", DEMO_USER_ANNA)
    (second,) = agents.agent_partner_add(DEMO_ID, "second-secret", DEMO_USER_ANNA)
    first_key = keys.agent_partner_sk(first["agent_partner_id"])
    sealed_first = table.get(keys.partner_pk(DEMO_ID), first_key)["agent_partner_password_sealed"]
    # When the first agent's sealed password is copied onto the second agent
    table.update(keys.partner_pk(DEMO_ID), keys.agent_partner_sk(second["agent_partner_id"]), {"agent_partner_password_sealed": sealed_first})
    # Then it does not open there (it is bound to the first agent)
    with pytest.raises(SecretUnavailable):
        agents.agent_partner_read(DEMO_ID, second["agent_partner_id"], None, None)
    assert agents.agent_partner_read(DEMO_ID, first["agent_partner_id"], None, None)[0]["agent_partner_password"] == "first-secret"
    # When the service is configured with another KMS key
    monkeypatch.setenv("AGENT_PASSWORD_KEY_ARN", aws_client("kms").create_key()["KeyMetadata"]["Arn"])
    reset_clients()
    secrets.forget_keys()
    # Then the stored password does not open
    with pytest.raises(SecretUnavailable):
        agents.agent_partner_read(DEMO_ID, first["agent_partner_id"], None, None)


def test_a_kms_failure_is_a_server_error_not_a_plain_password(kms_calls, monkeypatch):
    # Given a stored agent, and a container whose key ARN names no key KMS has (a deleted key, a wrong setting)
    (agent,) = agents.agent_partner_add(DEMO_ID, "locked-away", DEMO_USER_ANNA)
    secrets.forget_keys()
    monkeypatch.setenv("AGENT_PASSWORD_KEY_ARN", "arn:aws:kms:eu-central-1:123456789012:key/00000000-0000-4000-8000-000000000000")
    reset_clients()
    # Then reading and adding fail as the service's own error, revealing nothing
    with pytest.raises(SecretUnavailable) as failed:
        agents.agent_partner_read(DEMO_ID, agent["agent_partner_id"], None, None)
    assert failed.value.faultcode == "Server.SecretUnavailable" and "locked-away" not in str(failed.value)
    with pytest.raises(SecretUnavailable):
        agents.agent_partner_add(DEMO_ID, "new", DEMO_USER_ANNA)


def test_user_agents_are_on_the_clients_gsi_and_client_delete_deactivates_them(demo_data):
    # Given a client with two agents and another client with one
    client_id, user = new_client_user()
    other_client, other_user = new_client_user()
    mine = [agents.agent_user_add(DEMO_ID, None, user)[0]["agent_user_id"] for _ in range(2)]
    (theirs,) = agents.agent_user_add(DEMO_ID, None, other_user)
    # Then they are stored under the cascade's contract: kind, activity, GSI1 of the client
    for agent_id in mine:
        item = table.get(keys.partner_pk(DEMO_ID), keys.agent_user_sk(agent_id))
        assert item["kind"] == "agent_user" and item["agent_user_activity"] is True
        assert (item["GSI1PK"], item["GSI1SK"]) == (keys.by_client_pk(DEMO_ID, client_id), keys.agent_user_sk(agent_id))
    # When the client is deleted, then restored
    clients.client_delete(DEMO_ID, client_id)
    after_delete = agents.agent_user_read(DEMO_ID, None, client_id, None, None)
    clients.client_delete(DEMO_ID, client_id)
    after_restore = agents.agent_user_read(DEMO_ID, None, client_id, None, None)
    # Then its agents were deactivated and stay so; the other client's agent is untouched
    assert {row["agent_user_id"]: row["agent_user_activity"] for row in after_delete} == dict.fromkeys(mine, False)
    assert {row["agent_user_id"]: row["agent_user_activity"] for row in after_restore} == dict.fromkeys(mine, False)
    assert agents.agent_user_read(DEMO_ID, theirs["agent_user_id"], other_client, None, None)[0]["agent_user_activity"] is True


def test_numbers_come_from_the_counter_and_never_repeat_after_a_delete(demo_data):
    counter = table.get(keys.AGENT_NUMBER_PK, keys.AGENT_NUMBER_SK)[agents.COUNTER_ATTRIBUTE]
    (first,) = agents.agent_partner_add(DEMO_ID, None, DEMO_USER_ANNA)
    agents.agent_partner_delete(DEMO_ID, first["agent_partner_id"])
    (second,) = agents.agent_partner_add(DEMO_ID, None, DEMO_USER_ANNA)
    assert first["agent_partner_number"] == f"271828{counter + 1:06d}"
    assert second["agent_partner_number"] == f"271828{counter + 2:06d}"
    assert agents.NUMBER_PREFIX == "271828"


def test_loading_the_fixture_again_keeps_numbers_and_passwords(demo_data):
    # Given the demo agents as loaded once
    before_partner = agents.agent_partner_read(DEMO_ID, None, None, None)
    before_user = agents.agent_user_read(DEMO_ID, None, DEMO_CLIENT_ROMASHKA, None, None)
    counter = table.get(keys.AGENT_NUMBER_PK, keys.AGENT_NUMBER_SK)[agents.COUNTER_ATTRIBUTE]
    # When the same fixture is loaded again
    counts = load_fixture(DEMO_FIXTURE)
    # Then every agent kept its number and password (generated ones included), and no number was used up
    assert counts["agents_partner"] == 4 and counts["agents_user"] == 4
    assert agents.agent_partner_read(DEMO_ID, None, None, None) == before_partner
    assert agents.agent_user_read(DEMO_ID, None, DEMO_CLIENT_ROMASHKA, None, None) == before_user
    assert table.get(keys.AGENT_NUMBER_PK, keys.AGENT_NUMBER_SK)[agents.COUNTER_ATTRIBUTE] == counter
    assert {row["agent_partner_id"]: row["agent_partner_password"] for row in before_partner}[DEMO_AGENT_IVAN] == DEMO_AGENT_IVAN_PASSWORD
    assert {row["agent_user_id"]: row["agent_user_password"] for row in before_user}[DEMO_USER_AGENT_OLGA] == DEMO_USER_AGENT_OLGA_PASSWORD
