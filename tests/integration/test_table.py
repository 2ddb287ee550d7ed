"""The data boundary against moto: pagination to the end, batch reads, conditions, error mapping."""

import pytest
from botocore.exceptions import ClientError
from partnerapi.data import keys, table
from partnerapi.data.table import CallCounter, ConditionFailed
from partnerapi.errors import StorageUnavailable


@pytest.fixture
def make_items(aws):
    """Factory: n items in one partition, each padded to `size` bytes."""

    def make(n: int, pk: str = "PARTNER#p", prefix: str = keys.USER_PREFIX, size: int = 10) -> list[str]:
        sks = [f"{prefix}{index:05d}" for index in range(n)]
        for sk in sks:
            table.put({"PK": pk, "SK": sk, "padding": "x" * size})
        CallCounter.reset()
        return sks

    return make


def test_query_follows_last_evaluated_key_to_the_end(make_items):
    # Given 95 items and pages of 10
    sks = make_items(95)
    # When the partition is read
    items = table.query_all("PARTNER#p", keys.USER_PREFIX, Limit=10)
    # Then every item comes back, in order, with one call per page
    assert [item["SK"] for item in items] == sks
    assert CallCounter.calls["query"] == 10


def test_query_over_the_one_megabyte_page_limit_loses_nothing(make_items):
    # 30 items of ~100 KB: DynamoDB (and moto) cut pages at 1 MB
    sks = make_items(30, size=100_000)
    assert [item["SK"] for item in table.query_all("PARTNER#p")] == sks
    assert CallCounter.calls["query"] >= 3


def test_get_many_reads_more_than_one_batch_and_ignores_missing(make_items):
    sks = make_items(150)
    wanted = [("PARTNER#p", sk) for sk in sks] + [("PARTNER#p", "USER#missing")]
    found = table.get_many(wanted)
    assert set(found) == {("PARTNER#p", sk) for sk in sks}
    assert CallCounter.calls["batch_get_item"] == 2


def test_get_many_retries_unprocessed_keys(make_items, monkeypatch):
    sks = make_items(3)
    real = table.client("dynamodb")
    answered = []

    class Throttled:
        """The first BatchGetItem answers one item and leaves the rest unprocessed."""

        def batch_get_item(self, RequestItems):
            response = real.batch_get_item(RequestItems=RequestItems)
            if not answered:
                (name, request), = RequestItems.items()
                answered.append(1)
                served = response["Responses"][name][:1]
                served_keys = {(item["PK"]["S"], item["SK"]["S"]) for item in served}
                rest = [key for key in request["Keys"] if (key["PK"]["S"], key["SK"]["S"]) not in served_keys]
                return {"Responses": {name: served}, "UnprocessedKeys": {name: {"Keys": rest, "ConsistentRead": True}}}
            return response

    monkeypatch.setattr(table, "client", lambda service: Throttled())
    monkeypatch.setattr(table.time, "sleep", lambda seconds: None)
    assert set(table.get_many(("PARTNER#p", sk) for sk in sks)) == {("PARTNER#p", sk) for sk in sks}
    assert CallCounter.calls["batch_get_item"] == 2


def test_conditional_write_failure_becomes_condition_failed(aws):
    table.put({"PK": "PARTNER#p", "SK": "USER#1"}, condition="attribute_not_exists(PK)")
    with pytest.raises(ConditionFailed):
        table.put({"PK": "PARTNER#p", "SK": "USER#1"}, condition="attribute_not_exists(PK)")


def test_failed_transaction_writes_nothing(aws):
    with pytest.raises(ConditionFailed) as failure:
        table.transact([table.condition_check("PARTNER#p", "USER#absent"), table.put_action({"PK": "PARTNER#p", "SK": "CONTACT#x"})])
    assert "ConditionalCheckFailed" in failure.value.reasons
    assert table.get("PARTNER#p", "CONTACT#x") is None


def test_update_sets_and_removes(aws):
    table.put({"PK": "PARTNER#p", "SK": "USER#1", "a": "1", "b": "2"})
    updated = table.update("PARTNER#p", "USER#1", {"a": "new", "b": None})
    assert updated["a"] == "new" and "b" not in updated
    with pytest.raises(ConditionFailed):
        table.update("PARTNER#p", "USER#absent", {"a": "x"})


@pytest.mark.parametrize("code", ["ProvisionedThroughputExceededException", "ThrottlingException", "InternalServerError"])
def test_throttling_becomes_storage_unavailable(aws, monkeypatch, code):
    class Failing:
        def get_item(self, **_):
            raise ClientError({"Error": {"Code": code, "Message": "slow down"}}, "GetItem")

    monkeypatch.setattr(table, "client", lambda service: Failing())
    with pytest.raises(StorageUnavailable):
        table.get("PARTNER#p", "USER#1")


def test_transactions_are_limited_to_100_actions(aws):
    with pytest.raises(ValueError):
        table.transact([table.put_action({"PK": "P", "SK": str(index)}) for index in range(101)])
