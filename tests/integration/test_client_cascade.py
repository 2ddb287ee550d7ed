"""client_delete over a large client (moto in-process): the cascade marks every dependent in
transactions of at most 100 actions, survives a failure half-way (the client stays deleted and the
next call finishes the cascade instead of restoring), and a restore brings back the client only.

Dependents are whatever GSI1 (`keys.by_client_pk`) groups under the client: employees
(`client_user`), user agents (`agent_user`) and subscriptions (`service`). Agents and subscriptions
have no operations yet, so they are seeded here with exactly that contract.
"""

import math
import uuid
from dataclasses import dataclass, field

import pytest
from partnerapi.data import keys, table, writes
from partnerapi.data.clients import client as aws_client
from partnerapi.data.table import CallCounter
from partnerapi.errors import StorageUnavailable
from partnerapi.logic import clients, employees
from support.demo import DEMO2_CLIENT, DEMO2_CLIENT_USER, DEMO2_ID, DEMO_CLIENT_ROMASHKA, DEMO_CLIENT_USER_OLGA, DEMO_CLIENT_USER_SERGEY, DEMO_ID, MOSCOW

EMPLOYEES = AGENTS = SUBSCRIPTIONS = 500
DEPENDENTS = EMPLOYEES + AGENTS + SUBSCRIPTIONS
THROUGH_THE_API = 3  # employees added with client_user_add; the rest are written in bulk the same way
TRANSACTION_LIMIT = 100  # DynamoDB's TransactWriteItems limit
CHUNK = TRANSACTION_LIMIT - 1  # one action of each transaction is the client's condition check
ITEM_KIND = {"employee": "client_user", "agent": "agent_user", "subscription": "service"}
DONE = {"client_user": ("client_user_del", True), "agent_user": ("agent_user_activity", False), "service": ("service_stopped", True)}


@dataclass
class SeededClient:
    partner_id: str
    client_id: str
    keys_by_kind: dict[str, list[table.Key]] = field(default_factory=dict)

    def all_keys(self) -> list[table.Key]:
        return [key for kind_keys in self.keys_by_kind.values() for key in kind_keys]


def _batch_put(items: list[table.Item]) -> None:
    dynamodb, name = aws_client("dynamodb"), table.table_name()
    for start in range(0, len(items), 25):
        request = {name: [{"PutRequest": {"Item": table.to_item(item)}} for item in items[start : start + 25]]}
        while request:
            request = dynamodb.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}


def _by_client(partner_id: str, client_id: str, sk: str) -> table.Item:
    return {"PK": keys.partner_pk(partner_id), "SK": sk, "GSI1PK": keys.by_client_pk(partner_id, client_id), "GSI1SK": sk}


def seed_dependents(partner_id: str, client_id: str, employee_count: int, agent_count: int, subscription_count: int, through_api: int = 0) -> SeededClient:
    """Employees (a few through client_user_add, the rest as it writes them), agents and subscriptions of a client."""
    seeded = SeededClient(partner_id, client_id, {kind: [] for kind in ITEM_KIND.values()})
    pk = keys.partner_pk(partner_id)
    for number in range(through_api):
        (row,) = clients.client_user_add(partner_id, client_id, f"Сотрудник {number}", "Через API", "")
        seeded.keys_by_kind["client_user"].append((pk, keys.client_user_sk(row["client_user_id"])))
    bulk = []
    for number in range(through_api, employee_count):
        item = employees.new_item(clients.CLIENT_USERS, partner_id, client_id, f"Сотрудник {number}", "Пакетом", "")
        bulk.append({**item, **_by_client(partner_id, client_id, item["SK"])})
    for number in range(agent_count):
        agent_id = str(uuid.uuid4())
        bulk.append(
            {
                **_by_client(partner_id, client_id, f"AGENT#{agent_id}"),
                "kind": "agent_user",
                "agent_user_id": agent_id,
                "client_id": client_id,
                "agent_user_activity": True,
                "agent_user_name": f"Агент {number}",
            }
        )
    for number in range(subscription_count):
        service_id = str(uuid.uuid4())
        bulk.append(
            {
                **_by_client(partner_id, client_id, f"SERVICE#{service_id}"),
                "kind": "service",
                "service_id": service_id,
                "client_id": client_id,
                "service_stopped": False,
                "service_name": f"Подписка {number}",
            }
        )
    _batch_put(bulk)
    for item in bulk:
        seeded.keys_by_kind[item["kind"]].append((item["PK"], item["SK"]))
    return seeded


def done_and_pending(seeded: SeededClient) -> dict[str, tuple[int, int]]:
    """Per kind, how many dependents the cascade has marked and how many it has not (read from the table)."""
    stored = table.get_many(seeded.all_keys())
    assert len(stored) == len(seeded.all_keys())
    result = {}
    for kind, kind_keys in seeded.keys_by_kind.items():
        attribute, marked = DONE[kind]
        done = sum(1 for key in kind_keys if stored[key].get(attribute) is marked)
        result[kind] = (done, len(kind_keys) - done)
    return result


def stored_client(partner_id: str, client_id: str) -> table.Item:
    return table.get(keys.partner_pk(partner_id), keys.client_sk(client_id))


def without_marks(items: dict[table.Key, table.Item]) -> dict[table.Key, table.Item]:
    """The items with the attribute the cascade sets (and the write's stamp) taken out: what the cascade must leave alone."""
    return {key: {name: value for name, value in item.items() if name not in (DONE[item["kind"]][0], writes.STAMP)} for key, item in items.items()}


def snapshot(seeded: SeededClient) -> dict:
    return table.get_many([(keys.partner_pk(seeded.partner_id), keys.client_sk(seeded.client_id)), *seeded.all_keys()])


@pytest.fixture
def transactions(monkeypatch):
    """Records the number of actions of every TransactWriteItems call that reaches DynamoDB."""
    sizes: list[int] = []
    real_call = table._call

    def spy(operation, **kwargs):
        if operation == "transact_write_items":
            sizes.append(len(kwargs["TransactItems"]))
        return real_call(operation, **kwargs)

    monkeypatch.setattr(table, "_call", spy)
    return sizes


def fail_transaction(monkeypatch, number: int) -> None:
    """From now on the `number`-th call of table.transact raises StorageUnavailable without writing."""
    real_transact, calls = table.transact, []

    def flaky(actions):
        calls.append(len(actions))
        if len(calls) == number:
            raise StorageUnavailable("DynamoDB transact_write_items: InternalServerError (injected)")
        return real_transact(actions)

    monkeypatch.setattr(table, "transact", flaky)


@pytest.fixture
def big_client(demo_data) -> SeededClient:
    (row,) = clients.client_add(DEMO_ID, "Большой клиент", MOSCOW)
    return seed_dependents(DEMO_ID, row["client_id"], EMPLOYEES, AGENTS, SUBSCRIPTIONS, through_api=THROUGH_THE_API)


@pytest.fixture
def neighbours(demo_data) -> list[SeededClient]:
    """Romashka (demo) with its two fixture employees plus agents and subscriptions, and demo2's client likewise."""
    result = []
    for partner_id, client_id, fixture_users in (
        (DEMO_ID, DEMO_CLIENT_ROMASHKA, (DEMO_CLIENT_USER_OLGA, DEMO_CLIENT_USER_SERGEY)),
        (DEMO2_ID, DEMO2_CLIENT, (DEMO2_CLIENT_USER,)),
    ):
        seeded = seed_dependents(partner_id, client_id, 2, 3, 3, through_api=2)
        seeded.keys_by_kind["client_user"] += [(keys.partner_pk(partner_id), keys.client_user_sk(user)) for user in fixture_users]
        result.append(seeded)
    return result


def test_deleting_a_client_with_1500_dependents_marks_them_all_in_transactions_of_at_most_100(big_client, transactions):
    # Given a client with 500 employees, 500 user agents and 500 subscriptions, none marked
    assert done_and_pending(big_client) == {"client_user": (0, EMPLOYEES), "agent_user": (0, AGENTS), "service": (0, SUBSCRIPTIONS)}
    dependents_before = table.get_many(big_client.all_keys())
    CallCounter.reset()

    # When it is deleted
    (row,) = clients.client_delete(DEMO_ID, big_client.client_id)

    # Then the answer and the stored client say deleted, and the cascade is finished
    assert row["client_id"] == big_client.client_id and row["client_del"] is True
    client = stored_client(DEMO_ID, big_client.client_id)
    assert client["client_del"] is True
    assert "cascade_pending" not in client
    # And every employee is deleted, every agent inactive, every subscription stopped
    assert done_and_pending(big_client) == {"client_user": (EMPLOYEES, 0), "agent_user": (AGENTS, 0), "service": (SUBSCRIPTIONS, 0)}
    listed = clients.client_user_read(DEMO_ID, None, big_client.client_id, True)
    assert len(listed) == EMPLOYEES and all(user["client_user_del"] is True for user in listed)
    assert clients.client_user_read(DEMO_ID, None, big_client.client_id, False) == []
    # And the cascade changed nothing else of them
    assert without_marks(table.get_many(big_client.all_keys())) == without_marks(dependents_before)
    # And it took ceil(1500 / 99) transactions, none over DynamoDB's limit of 100 actions
    assert CallCounter.calls.get("transact_write_items") == math.ceil(DEPENDENTS / CHUNK) == 16
    assert len(transactions) == 16
    assert max(transactions) <= TRANSACTION_LIMIT
    assert sum(size - 1 for size in transactions) == DEPENDENTS  # each dependent written once, plus one check each


def test_a_cascade_that_failed_half_way_is_finished_by_the_next_call_and_only_the_call_after_restores(big_client, neighbours):
    # Given the 3rd transaction of the cascade fails
    others_before = [snapshot(other) for other in neighbours]
    with pytest.MonkeyPatch.context() as failing:
        fail_transaction(failing, 3)

        # When the client is deleted
        with pytest.raises(StorageUnavailable):
            clients.client_delete(DEMO_ID, big_client.client_id)

    # Then the client reads as deleted and keeps its pending mark
    client = stored_client(DEMO_ID, big_client.client_id)
    assert client["client_del"] is True and client["cascade_pending"] is True
    (read,) = clients.client_read(DEMO_ID, big_client.client_id, None, False)
    assert read["client_del"] is True
    assert big_client.client_id not in {row["client_id"] for row in clients.client_read(DEMO_ID, None, None, False)}
    # And exactly the two committed transactions' dependents are marked, the rest not
    progress = done_and_pending(big_client)
    assert sum(done for done, _ in progress.values()) == 2 * CHUNK
    assert sum(pending for _, pending in progress.values()) == DEPENDENTS - 2 * CHUNK

    # When the failure is gone and client_delete is called again
    CallCounter.reset()
    (row,) = clients.client_delete(DEMO_ID, big_client.client_id)

    # Then it finished the cascade instead of restoring: still deleted, nothing pending, everything marked
    assert row["client_del"] is True
    client = stored_client(DEMO_ID, big_client.client_id)
    assert client["client_del"] is True and "cascade_pending" not in client
    assert done_and_pending(big_client) == {"client_user": (EMPLOYEES, 0), "agent_user": (AGENTS, 0), "service": (SUBSCRIPTIONS, 0)}
    # And it only wrote what was left
    assert CallCounter.calls.get("transact_write_items") == math.ceil((DEPENDENTS - 2 * CHUNK) / CHUNK)

    # When it is called a third time
    dependents_before = table.get_many(big_client.all_keys())
    (row,) = clients.client_delete(DEMO_ID, big_client.client_id)

    # Then the client is restored, but its employees stay deleted and its agents inactive (and subscriptions stopped)
    assert row["client_del"] is False
    client = stored_client(DEMO_ID, big_client.client_id)
    assert client["client_del"] is False and "cascade_pending" not in client
    assert table.get_many(big_client.all_keys()) == dependents_before
    assert clients.client_user_read(DEMO_ID, None, big_client.client_id, False) == []
    assert big_client.client_id in {row["client_id"] for row in clients.client_read(DEMO_ID, None, None, False)}

    # And no other client's dependents were touched, of this partner or another
    assert [snapshot(other) for other in neighbours] == others_before
    for other in neighbours:
        assert done_and_pending(other) == {"client_user": (0, len(other.keys_by_kind["client_user"])), "agent_user": (0, 3), "service": (0, 3)}


def test_a_failure_in_the_first_transaction_leaves_nothing_marked_and_the_retry_does_it_all(big_client):
    # Given the very first transaction of the cascade fails
    with pytest.MonkeyPatch.context() as failing:
        fail_transaction(failing, 1)
        with pytest.raises(StorageUnavailable):
            clients.client_delete(DEMO_ID, big_client.client_id)
    # Then the client is deleted and pending, and no dependent is marked yet
    client = stored_client(DEMO_ID, big_client.client_id)
    assert client["client_del"] is True and client["cascade_pending"] is True
    assert done_and_pending(big_client) == {"client_user": (0, EMPLOYEES), "agent_user": (0, AGENTS), "service": (0, SUBSCRIPTIONS)}
    # When the call is repeated without the failure
    (row,) = clients.client_delete(DEMO_ID, big_client.client_id)
    # Then the cascade is complete and the client is still deleted
    assert row["client_del"] is True
    assert "cascade_pending" not in stored_client(DEMO_ID, big_client.client_id)
    assert done_and_pending(big_client) == {"client_user": (EMPLOYEES, 0), "agent_user": (AGENTS, 0), "service": (SUBSCRIPTIONS, 0)}


def test_deleting_one_client_leaves_other_clients_dependents_alone(demo_data, neighbours):
    # Given two more clients of demo with dependents, besides Romashka and demo2's client
    (small,) = clients.client_add(DEMO_ID, "Малый клиент", MOSCOW)
    target = seed_dependents(DEMO_ID, small["client_id"], 4, 2, 2, through_api=2)
    others_before = [snapshot(other) for other in neighbours]
    romashka_before = clients.client_read(DEMO_ID, DEMO_CLIENT_ROMASHKA, None, False)

    # When one of them is deleted
    clients.client_delete(DEMO_ID, target.client_id)

    # Then its dependents are all marked
    assert done_and_pending(target) == {"client_user": (4, 0), "agent_user": (2, 0), "service": (2, 0)}
    # And nothing of the other clients changed: the clients, their employees, agents and subscriptions
    assert [snapshot(other) for other in neighbours] == others_before
    assert clients.client_read(DEMO_ID, DEMO_CLIENT_ROMASHKA, None, False) == romashka_before
    for other in neighbours:
        assert done_and_pending(other) == {"client_user": (0, len(other.keys_by_kind["client_user"])), "agent_user": (0, 3), "service": (0, 3)}


def test_restore_then_delete_again_toggles_and_cascades_to_employees_added_meanwhile(demo_data):
    # Given a client with dependents, deleted and restored once
    (row,) = clients.client_add(DEMO_ID, "Переменчивый", MOSCOW)
    seeded = seed_dependents(DEMO_ID, row["client_id"], 5, 2, 2, through_api=2)
    assert clients.client_delete(DEMO_ID, seeded.client_id)[0]["client_del"] is True
    assert clients.client_delete(DEMO_ID, seeded.client_id)[0]["client_del"] is False
    # And, while restored, a new employee, agent and subscription
    later = seed_dependents(DEMO_ID, seeded.client_id, 1, 1, 1, through_api=1)
    assert done_and_pending(later) == {"client_user": (0, 1), "agent_user": (0, 1), "service": (0, 1)}

    # When it is deleted again
    (row,) = clients.client_delete(DEMO_ID, seeded.client_id)

    # Then it is deleted, with nothing pending, and the newcomers are marked too
    assert row["client_del"] is True
    assert "cascade_pending" not in stored_client(DEMO_ID, seeded.client_id)
    assert done_and_pending(later) == {"client_user": (1, 0), "agent_user": (1, 0), "service": (1, 0)}
    assert done_and_pending(seeded) == {"client_user": (5, 0), "agent_user": (2, 0), "service": (2, 0)}

    # When it is restored again
    (row,) = clients.client_delete(DEMO_ID, seeded.client_id)

    # Then the client only is back
    assert row["client_del"] is False
    assert stored_client(DEMO_ID, seeded.client_id)["client_del"] is False
    assert done_and_pending(later) == {"client_user": (1, 0), "agent_user": (1, 0), "service": (1, 0)}
    assert clients.client_user_read(DEMO_ID, None, seeded.client_id, False) == []


def test_an_employee_restored_by_hand_is_deleted_again_by_the_next_client_delete(demo_data):
    # Given a deleted and restored client whose employee was then restored individually
    (row,) = clients.client_add(DEMO_ID, "Частичный", MOSCOW)
    seeded = seed_dependents(DEMO_ID, row["client_id"], 2, 0, 0, through_api=2)
    clients.client_delete(DEMO_ID, seeded.client_id)
    clients.client_delete(DEMO_ID, seeded.client_id)
    (_, sk), _ = seeded.keys_by_kind["client_user"]
    employee_id = sk.removeprefix(keys.CLIENT_USER_PREFIX)
    assert clients.client_user_delete(DEMO_ID, employee_id)[0]["client_user_del"] is False
    # When the client is deleted again
    clients.client_delete(DEMO_ID, seeded.client_id)
    # Then that employee is deleted again, the other stays deleted
    assert done_and_pending(seeded) == {"client_user": (2, 0), "agent_user": (0, 0), "service": (0, 0)}


def test_a_failure_after_the_last_transaction_is_finished_by_the_next_call_without_writing_dependents_again(demo_data, transactions):
    # Given a client whose cascade went through but whose pending mark could not be cleared
    (row,) = clients.client_add(DEMO_ID, "Почти удаленный", MOSCOW)
    seeded = seed_dependents(DEMO_ID, row["client_id"], 3, 2, 2, through_api=1)
    real_update = table.update

    def update_failing_on_clear(pk, sk, changes, *args, **kwargs):
        if changes == {"cascade_pending": None}:
            raise StorageUnavailable("DynamoDB update_item: InternalServerError (injected)")
        return real_update(pk, sk, changes, *args, **kwargs)

    with pytest.MonkeyPatch.context() as failing:
        failing.setattr(table, "update", update_failing_on_clear)
        with pytest.raises(StorageUnavailable):
            clients.client_delete(DEMO_ID, seeded.client_id)
    assert stored_client(DEMO_ID, seeded.client_id)["cascade_pending"] is True
    assert done_and_pending(seeded) == {"client_user": (3, 0), "agent_user": (2, 0), "service": (2, 0)}
    transactions.clear()

    # When client_delete is called again
    (row,) = clients.client_delete(DEMO_ID, seeded.client_id)

    # Then it only clears the mark: the client stays deleted and no dependent is written again
    assert row["client_del"] is True
    assert "cascade_pending" not in stored_client(DEMO_ID, seeded.client_id)
    assert transactions == []
    # And the call after that restores the client
    assert clients.client_delete(DEMO_ID, seeded.client_id)[0]["client_del"] is False
