"""The emulation's DynamoDB (partnerapi_ops.moto_dynamodb) through boto3: transactions all-or-nothing
with moto's cancellation reasons, ClientRequestToken idempotency as DynamoDB documents it, Query
answering exactly what unpatched moto answers, and a server that stays consistent under concurrent
writers. The `aws` fixture applies the patches, as the sandbox does."""

import random
import threading
import uuid
from contextlib import contextmanager

import boto3
import moto.dynamodb.models as moto_models
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError
from partnerapi.data import keys
from partnerapi.data.clients import client as aws_client
from partnerapi.data.table import to_item
from partnerapi.logic import clients, employees
from partnerapi_ops import moto_dynamodb
from partnerapi_ops.emulation import REGION, MotoServer
from partnerapi_ops.moto_dynamodb import patch_moto_dynamodb, unpatch_moto_dynamodb
from partnerapi_ops.template import table_definitions
from support.demo import DEMO_ID, MOSCOW
from support.faults import rows

ENTITIES = table_definitions()["EntitiesTable"]
ONE_ATTEMPT = Config(retries={"total_max_attempts": 1})


def S(value: str) -> dict:
    return {"S": value}


def N(value) -> dict:
    return {"N": str(value)}


def entity(pk: str, sk: str, **attributes) -> dict:
    return {"PK": S(pk), "SK": S(sk), **attributes}


def key(pk: str, sk: str) -> dict:
    return {"PK": S(pk), "SK": S(sk)}


def create_entities_table(dynamodb, name: str) -> str:
    dynamodb.create_table(TableName=name, **ENTITIES)
    return name


def everything(dynamodb, table: str) -> list[dict]:
    items = [item for page in dynamodb.get_paginator("scan").paginate(TableName=table) for item in page["Items"]]
    return sorted(items, key=lambda item: (item["PK"]["S"], item["SK"]["S"]))


def gsi(dynamodb, table: str, pk: str) -> list[dict]:
    pages = dynamodb.get_paginator("query").paginate(TableName=table, IndexName="GSI1", KeyConditionExpression="GSI1PK = :p", ExpressionAttributeValues={":p": S(pk)})
    return [item for page in pages for item in page["Items"]]


def partition(dynamodb, table: str, pk: str) -> list[dict]:
    pages = dynamodb.get_paginator("query").paginate(TableName=table, KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": S(pk)})
    return [item for page in pages for item in page["Items"]]


@contextmanager
def unpatched_moto():
    """moto exactly as installed, for the duration of the block; the emulation's patches afterwards."""
    unpatch_moto_dynamodb()
    try:
        yield
    finally:
        patch_moto_dynamodb()


@pytest.fixture
def dynamodb(aws):
    return boto3.client("dynamodb", region_name=REGION, config=ONE_ATTEMPT)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def fake_clock(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(moto_dynamodb, "clock", clock)
    return clock


# --- transactions: all or nothing ------------------------------------------------------------------


def seed_for_a_transaction(dynamodb, table: str) -> None:
    for item in (
        entity("P#1", "COUNTER", n=N(5), GSI1PK=S("G#1"), GSI1SK=S("a")),
        entity("P#1", "DOOMED", GSI1PK=S("G#1"), GSI1SK=S("b")),
        entity("P#2", "OTHER", text=S("before")),
        entity("P#2", "GUARD", state=S("closed")),
    ):
        dynamodb.put_item(TableName=table, Item=item)


def mixed_transaction(table: str, guard_state: str) -> list[dict]:
    """Put a new item into G#1, move the counter to G#2 and add to it, delete one, change one, check the guard."""
    return [
        {"Put": {"TableName": table, "Item": entity("P#1", "NEW", GSI1PK=S("G#1"), GSI1SK=S("c"))}},
        {
            "Update": {
                "TableName": table,
                "Key": key("P#1", "COUNTER"),
                "UpdateExpression": "ADD n :one SET GSI1PK = :g, GSI1SK = :s",
                "ExpressionAttributeValues": {":one": N(1), ":g": S("G#2"), ":s": S("z")},
            }
        },
        {"Delete": {"TableName": table, "Key": key("P#1", "DOOMED"), "ConditionExpression": "attribute_exists(PK)"}},
        {"Update": {"TableName": table, "Key": key("P#2", "OTHER"), "UpdateExpression": "SET #t = :t", "ExpressionAttributeNames": {"#t": "text"}, "ExpressionAttributeValues": {":t": S("after")}}},
        {
            "ConditionCheck": {
                "TableName": table,
                "Key": key("P#2", "GUARD"),
                "ConditionExpression": "#s = :open",
                "ExpressionAttributeNames": {"#s": "state"},
                "ExpressionAttributeValues": {":open": S(guard_state)},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
    ]


def cancelled_transaction_outcome(dynamodb, table: str) -> tuple[dict, list, list, list, list]:
    """Seeds, runs the transaction with a guard that fails, returns (error, items, G#1, G#2, P#1) afterwards."""
    seed_for_a_transaction(dynamodb, table)
    with pytest.raises(ClientError) as cancelled:
        dynamodb.transact_write_items(TransactItems=mixed_transaction(table, guard_state="open"))
    error = {name: cancelled.value.response[name] for name in ("Error", "CancellationReasons")}
    return error, everything(dynamodb, table), gsi(dynamodb, table, "G#1"), gsi(dynamodb, table, "G#2"), partition(dynamodb, table, "P#1")


def test_a_transaction_whose_last_condition_fails_leaves_every_item_and_index_unchanged_and_says_which_failed(dynamodb):
    # Given items in two partitions, two of them in GSI1 partition G#1, and the index already queried
    table = create_entities_table(dynamodb, "Transactions")
    seed_for_a_transaction(dynamodb, table)
    items_before, g1_before = everything(dynamodb, table), gsi(dynamodb, table, "G#1")
    assert [item["SK"]["S"] for item in g1_before] == ["COUNTER", "DOOMED"]

    # When a transaction puts, updates (moving an item to another index partition), deletes, and its last
    # action's condition fails
    with pytest.raises(ClientError) as cancelled:
        dynamodb.transact_write_items(TransactItems=mixed_transaction(table, guard_state="open"))

    # Then it is cancelled with moto's reasons: None for the actions that went through, the failed
    # condition's item for the last (ReturnValuesOnConditionCheckFailure)
    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert cancelled.value.response["CancellationReasons"] == [
        {"Code": "None"},
        {"Code": "None"},
        {"Code": "None"},
        {"Code": "None"},
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed", "Item": {**key("P#2", "GUARD"), "state": S("closed")}},
    ]
    # And every item is as it was, and the index answers as before
    assert everything(dynamodb, table) == items_before
    assert gsi(dynamodb, table, "G#1") == g1_before
    assert gsi(dynamodb, table, "G#2") == []
    assert [item["SK"]["S"] for item in partition(dynamodb, table, "P#1")] == ["COUNTER", "DOOMED"]


def test_the_cancelled_transaction_answers_and_leaves_exactly_what_unpatched_moto_does(dynamodb):
    # Given the same scenario in two fresh tables, one under the emulation and one under moto as installed
    patched = cancelled_transaction_outcome(dynamodb, create_entities_table(dynamodb, "Patched"))
    with unpatched_moto():
        unpatched = cancelled_transaction_outcome(dynamodb, create_entities_table(dynamodb, "Unpatched"))

    # Then the error, the reasons, the items and the index read the same (but for the table's name)
    assert repr(patched).replace("Patched", "T") == repr(unpatched).replace("Unpatched", "T")


def test_a_mix_of_put_update_delete_and_condition_check_commits_together_and_moves_index_entries(dynamodb):
    # Given the seeded items, read through the index first (so it is kept from then on, not rebuilt)
    table = create_entities_table(dynamodb, "Commits")
    seed_for_a_transaction(dynamodb, table)
    assert len(gsi(dynamodb, table, "G#1")) == 2

    # When the transaction's guard holds
    dynamodb.transact_write_items(TransactItems=mixed_transaction(table, guard_state="closed"))

    # Then every action took effect
    stored = {item["SK"]["S"]: item for item in everything(dynamodb, table)}
    assert set(stored) == {"NEW", "COUNTER", "OTHER", "GUARD"}
    assert stored["COUNTER"]["n"] == N(6)
    assert stored["OTHER"]["text"] == S("after")
    # And the index moved with the items: DOOMED gone, NEW in G#1, COUNTER now in G#2
    assert [item["SK"]["S"] for item in gsi(dynamodb, table, "G#1")] == ["NEW"]
    assert [(item["SK"]["S"], item["GSI1SK"]["S"]) for item in gsi(dynamodb, table, "G#2")] == [("COUNTER", "z")]
    assert [item["SK"]["S"] for item in partition(dynamodb, table, "P#1")] == ["COUNTER", "NEW"]


def test_two_actions_on_one_item_are_refused_and_the_first_is_undone(dynamodb):
    # Given an item
    table = create_entities_table(dynamodb, "Twice")
    dynamodb.put_item(TableName=table, Item=entity("P", "A", n=N(1)))
    # When a transaction updates another item and then names the first twice
    actions = [
        {"Put": {"TableName": table, "Item": entity("P", "B", GSI1PK=S("G"), GSI1SK=S("x"))}},
        {"Update": {"TableName": table, "Key": key("P", "A"), "UpdateExpression": "ADD n :one", "ExpressionAttributeValues": {":one": N(1)}}},
        {"Delete": {"TableName": table, "Key": key("P", "A")}},
    ]
    with pytest.raises(ClientError) as refused:
        dynamodb.transact_write_items(TransactItems=actions)
    # Then it is moto's validation error and nothing stays written
    assert refused.value.response["Error"]["Message"] == "Transaction request cannot include multiple operations on one item"
    assert everything(dynamodb, table) == [entity("P", "A", n=N(1))]
    assert gsi(dynamodb, table, "G") == []


# --- ClientRequestToken ------------------------------------------------------------------------------


def add_to_counter(table: str, amount: int = 1) -> list[dict]:
    return [{"Update": {"TableName": table, "Key": key("P", "COUNTER"), "UpdateExpression": "ADD n :amount", "ExpressionAttributeValues": {":amount": N(amount)}}}]


def counter(dynamodb, table: str) -> int:
    return int(dynamodb.get_item(TableName=table, Key=key("P", "COUNTER"))["Item"]["n"]["N"])


@pytest.fixture
def counter_table(dynamodb):
    table = create_entities_table(dynamodb, "Counters")
    dynamodb.put_item(TableName=table, Item=entity("P", "COUNTER", n=N(0)))
    return table


def test_a_committed_transaction_sent_again_with_its_token_succeeds_without_applying_again(dynamodb, counter_table, fake_clock):
    # Given a transaction that adds 1 to a counter, committed under a token
    request = {"TransactItems": add_to_counter(counter_table), "ClientRequestToken": "retry-after-a-lost-response"}
    dynamodb.transact_write_items(**request)
    assert counter(dynamodb, counter_table) == 1

    # When the very same request comes again 9 min 59 s later (botocore retrying a lost response)
    fake_clock.advance(599)
    response = dynamodb.transact_write_items(**request)

    # Then it succeeds and the counter is not added to again
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert counter(dynamodb, counter_table) == 1


def test_a_replay_does_not_overwrite_what_was_written_after_the_first_commit(dynamodb, counter_table, fake_clock):
    # Given a committed transaction that puts an item, and a later put that changed that item
    request = {"TransactItems": [{"Put": {"TableName": counter_table, "Item": entity("P", "DOC", v=S("first"))}}], "ClientRequestToken": "put-once"}
    dynamodb.transact_write_items(**request)
    dynamodb.put_item(TableName=counter_table, Item=entity("P", "DOC", v=S("changed since")))
    # When the transaction is sent again with its token
    fake_clock.advance(60)
    dynamodb.transact_write_items(**request)
    # Then the later write stands
    assert dynamodb.get_item(TableName=counter_table, Key=key("P", "DOC"))["Item"]["v"] == S("changed since")


def test_the_same_token_with_other_parameters_is_an_idempotent_parameter_mismatch(dynamodb, counter_table, fake_clock):
    # Given a committed transaction under a token
    dynamodb.transact_write_items(TransactItems=add_to_counter(counter_table, 1), ClientRequestToken="one-token")
    # When the token comes with other actions, within the 10 minutes
    fake_clock.advance(300)
    with pytest.raises(ClientError) as refused:
        dynamodb.transact_write_items(TransactItems=add_to_counter(counter_table, 2), ClientRequestToken="one-token")
    # Then DynamoDB's error, a client error, and nothing applied
    assert refused.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert counter(dynamodb, counter_table) == 1


def test_a_token_is_forgotten_ten_minutes_after_its_transaction_committed(dynamodb, counter_table, fake_clock):
    # Given a committed transaction under a token, and other tokens committed later
    request = {"TransactItems": add_to_counter(counter_table), "ClientRequestToken": "expires"}
    dynamodb.transact_write_items(**request)
    fake_clock.advance(300)
    dynamodb.transact_write_items(TransactItems=add_to_counter(counter_table, 10), ClientRequestToken="later")
    assert counter(dynamodb, counter_table) == 11

    # When the first request comes again exactly 10 minutes after it committed
    fake_clock.advance(300)
    dynamodb.transact_write_items(**request)

    # Then it is a new request: applied again
    assert counter(dynamodb, counter_table) == 12
    # And the later token, 5 minutes old, still holds: other parameters are still a mismatch
    with pytest.raises(ClientError) as refused:
        dynamodb.transact_write_items(TransactItems=add_to_counter(counter_table, 99), ClientRequestToken="later")
    assert refused.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"
    # And once it is 10 minutes old too, it is free for other parameters
    fake_clock.advance(300)
    dynamodb.transact_write_items(TransactItems=add_to_counter(counter_table, 100), ClientRequestToken="later")
    assert counter(dynamodb, counter_table) == 112


def test_a_cancelled_transaction_does_not_hold_its_token(dynamodb, counter_table, fake_clock):
    # Given a transaction whose condition fails, sent with a token
    request = {
        "TransactItems": [
            *add_to_counter(counter_table),
            {"ConditionCheck": {"TableName": counter_table, "Key": key("P", "GATE"), "ConditionExpression": "attribute_exists(PK)"}},
        ],
        "ClientRequestToken": "cancelled-first",
    }
    with pytest.raises(ClientError) as cancelled:
        dynamodb.transact_write_items(**request)
    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
    # When the condition comes to hold and the same request is sent again
    dynamodb.put_item(TableName=counter_table, Item=entity("P", "GATE"))
    dynamodb.transact_write_items(**request)
    # Then it is applied: only a committed transaction makes its token a no-op
    assert counter(dynamodb, counter_table) == 1


def test_a_token_whose_transaction_is_still_running_is_refused_as_in_progress(dynamodb, counter_table, monkeypatch):
    # Given a transaction that, while it runs, sees its token sent again (the same request, then other parameters)
    request = {"TransactItems": add_to_counter(counter_table), "ClientRequestToken": "running"}
    seen: list[str] = []
    real_transact = moto_models.DynamoDBBackend.transact_write_items

    def transact_while_the_token_is_sent_again(backend, transact_items):
        if not seen:
            for again in (request, {**request, "TransactItems": add_to_counter(counter_table, 5)}):
                try:
                    dynamodb.transact_write_items(**again)
                    seen.append("applied")
                except ClientError as error:
                    seen.append(error.response["Error"]["Code"])
        return real_transact(backend, transact_items)

    monkeypatch.setattr(moto_models.DynamoDBBackend, "transact_write_items", transact_while_the_token_is_sent_again)

    # When the transaction runs
    dynamodb.transact_write_items(**request)

    # Then the same request was refused as in progress, other parameters as a mismatch, and the first applied once
    assert seen == ["TransactionInProgressException", "IdempotentParameterMismatchException"]
    assert counter(dynamodb, counter_table) == 1


# --- Query: the same answers as unpatched moto ---------------------------------------------------


PREFIXES = ["CLIENT#", "CCONTACT#", "CUSER#", "SERVICE#", "AGENTU#", "USER#", "Ж#", "client#"]
GSI_PARTITIONS = [f"PARTNER#a#CLIENT#{number}" for number in range(5)]
GSI_SORT_KEYS = ["CUSER#1", "CUSER#2", "SERVICE#1", "SERVICE#7", "AGENTU#3", "AGENTU#Ж"]  # few: ties across items


def random_entity(rng: random.Random, pk: str) -> dict:
    item = entity(pk, rng.choice(PREFIXES) + uuid.UUID(int=rng.getrandbits(128)).hex[: rng.randint(1, 12)], n=N(rng.randint(-50, 50) / 4), blob=S("x" * rng.choice([0, 10, 400, 3000])))
    if rng.random() < 0.6:
        item["GSI1PK"] = S(rng.choice(GSI_PARTITIONS))
        if rng.random() < 0.9:  # the rest are in no index partition of GSI1 (no range key)
            item["GSI1SK"] = S(rng.choice(GSI_SORT_KEYS))
    if rng.random() < 0.3:
        item["flag"] = {"BOOL": rng.random() < 0.5}
    return item


def random_number_item(rng: random.Random) -> dict:
    sk = rng.choice([rng.randint(-1000, 1000), rng.randint(-1000, 1000) / 8, "1E+2", "0.5", "-0"])
    item = {"PK": S(rng.choice(["A", "B"])), "SK": N(sk), "rank": N(rng.randint(0, 20))}
    if rng.random() < 0.7:
        item["colour"] = S(rng.choice(["red", "green", "blue"]))
    return item


NUMBERS = {
    "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
    "AttributeDefinitions": [{"AttributeName": name, "AttributeType": kind} for name, kind in (("PK", "S"), ("SK", "N"), ("rank", "N"), ("colour", "S"))],
    "LocalSecondaryIndexes": [{"IndexName": "ByRank", "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "rank", "KeyType": "RANGE"}], "Projection": {"ProjectionType": "KEYS_ONLY"}}],
    "GlobalSecondaryIndexes": [{"IndexName": "ByColour", "KeySchema": [{"AttributeName": "colour", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}],
    "BillingMode": "PAY_PER_REQUEST",
}


def load(dynamodb, table: str, items: list[dict]) -> None:
    unique = {(item["PK"][next(iter(item["PK"]))], next(iter(item["SK"].values()))): item for item in items}
    batch = [{"PutRequest": {"Item": item}} for item in unique.values()]
    for start in range(0, len(batch), 25):
        dynamodb.batch_write_item(RequestItems={table: batch[start : start + 25]})


def key_condition(rng: random.Random, hash_name: str, hash_value: dict, range_name: str, samples: list[dict], prefixes: bool = True) -> dict:
    """A KeyConditionExpression on the hash and, mostly, a random range condition built from sample values."""
    values = {":h": hash_value}
    expression = f"{hash_name} = :h"
    kind = rng.choice(["none", "between", "<", "<=", ">", ">=", "=", *(["begins_with"] if prefixes else [])])
    if kind == "none" or not samples:
        return {"KeyConditionExpression": expression, "ExpressionAttributeValues": values}
    low, high = rng.choice(samples), rng.choice(samples)
    if kind == "begins_with":
        text = next(iter(low.values()))
        values[":a"] = {next(iter(low)): text[: rng.randint(1, max(1, len(text)))]}
        expression += f" AND begins_with({range_name}, :a)"
    elif kind == "between":
        values[":a"], values[":b"] = low, high  # sometimes low > high: nothing, as moto answers
        expression += f" AND {range_name} BETWEEN :a AND :b"
    else:
        values[":a"] = low
        expression += f" AND {range_name} {kind} :a"
    return {"KeyConditionExpression": expression, "ExpressionAttributeValues": values}


def random_queries(rng: random.Random, entities: str, numbers: str, stored: list[dict], stored_numbers: list[dict], count: int) -> list[dict]:
    by_partition: dict[str, list[dict]] = {}
    for item in stored:
        by_partition.setdefault(item["PK"]["S"], []).append(item)
    queries = []
    for _ in range(count):
        shape = rng.random()
        if shape < 0.45:
            pk = rng.choice([*by_partition, "PARTNER#none"])
            samples = [item["SK"] for item in by_partition.get(pk, [])] + [S(rng.choice(PREFIXES) + "8")]
            query = {"TableName": entities, **key_condition(rng, "PK", S(pk), "SK", samples)}
        elif shape < 0.8:
            samples = [S(value) for value in GSI_SORT_KEYS] + [S("CUSER#")]
            query = {"TableName": entities, "IndexName": "GSI1", **key_condition(rng, "GSI1PK", S(rng.choice(GSI_PARTITIONS)), "GSI1SK", samples)}
        elif shape < 0.9:
            samples = [item["SK"] for item in stored_numbers]
            query = {"TableName": numbers, **key_condition(rng, "PK", S(rng.choice(["A", "B"])), "SK", samples, prefixes=False)}
        elif shape < 0.95:
            samples = [N(rank) for rank in range(0, 22, 3)]
            query = {"TableName": numbers, "IndexName": "ByRank", **key_condition(rng, "PK", S(rng.choice(["A", "B"])), "#r", samples, prefixes=False)}
            if "#r" in query["KeyConditionExpression"]:
                query["ExpressionAttributeNames"] = {"#r": "rank"}
        else:
            query = {"TableName": numbers, "IndexName": "ByColour", "KeyConditionExpression": "colour = :h", "ExpressionAttributeValues": {":h": S(rng.choice(["red", "green", "blue", "grey"]))}}
        if rng.random() < 0.5:
            query["ScanIndexForward"] = False
        if rng.random() < 0.8:  # the rest read whole partitions, in pages of up to 1 MB
            query["Limit"] = rng.choice([1, 2, 7, 40, 150])
        extra = rng.random()
        if extra < 0.15 and query["TableName"] == entities:
            query["FilterExpression"] = "n > :min OR attribute_exists(flag)"
            query["ExpressionAttributeValues"] = {**query["ExpressionAttributeValues"], ":min": N(rng.randint(-10, 10))}
        elif extra < 0.25:
            query["Select"] = "COUNT"
        elif extra < 0.3 and query["TableName"] == entities and "IndexName" not in query:
            query["ProjectionExpression"] = "SK, n"
        if rng.random() < 0.15 and query["TableName"] == entities:
            # a start key that is no item's: moto starts after where it would sort
            start = {"PK": query["ExpressionAttributeValues"][":h"], "SK": S(rng.choice(PREFIXES) + "7")}
            if "IndexName" in query:
                start = {**key("PARTNER#a", rng.choice(PREFIXES) + "7"), "GSI1PK": query["ExpressionAttributeValues"][":h"], "GSI1SK": S(rng.choice(GSI_SORT_KEYS))}
            query["ExclusiveStartKey"] = start
        queries.append(query)
    return queries


def answers(dynamodb, queries: list[dict], max_pages: int = 5) -> list:
    """Every query's pages (following LastEvaluatedKey up to max_pages), or its error."""
    result = []
    for query in queries:
        pages, request = [], dict(query)
        try:
            while len(pages) < max_pages:
                response = dynamodb.query(**request)
                response.pop("ResponseMetadata")
                pages.append(response)
                if "LastEvaluatedKey" not in response:
                    break
                request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        except ClientError as error:
            pages.append(("error", error.response["Error"]))
        result.append(pages)
    return result


def mutate(dynamodb, rng: random.Random, table: str, stored: list[dict], operations: int) -> None:
    """Random writes of every kind, through the emulation (its index kept up to date on the way), on
    keys that were stored once (some of them deleted since: an update then creates the item again)."""
    for _ in range(operations):
        choice = rng.random()
        pk = rng.choice(["PARTNER#big", "PARTNER#a", "PARTNER#b", "REF#X"])
        if choice < 0.3:
            item = random_entity(rng, pk)
            dynamodb.put_item(TableName=table, Item=item)
            stored.append(item)
        elif choice < 0.55:
            victim = rng.choice(stored)
            updates = rng.choice(
                [
                    ("SET GSI1SK = :v", {":v": S(rng.choice(GSI_SORT_KEYS))}),
                    ("SET GSI1PK = :v, GSI1SK = :w", {":v": S(rng.choice(GSI_PARTITIONS)), ":w": S(rng.choice(GSI_SORT_KEYS))}),
                    ("REMOVE GSI1PK", None),
                    ("REMOVE GSI1SK ADD n :v", {":v": N(1)}),
                ]
            )
            arguments = {"TableName": table, "Key": {"PK": victim["PK"], "SK": victim["SK"]}, "UpdateExpression": updates[0]}
            if updates[1]:
                arguments["ExpressionAttributeValues"] = updates[1]
            dynamodb.update_item(**arguments)
        elif choice < 0.7:
            victim = rng.choice(stored)
            dynamodb.delete_item(TableName=table, Key={"PK": victim["PK"], "SK": victim["SK"]})
        elif choice < 0.85:
            items = [random_entity(rng, pk) for _ in range(rng.randint(1, 5))]
            actions = [{"Put": {"TableName": table, "Item": item}} for item in {item["SK"]["S"]: item for item in items}.values()]
            if rng.random() < 0.5:  # a failing last condition: nothing of it may stay
                actions.append({"ConditionCheck": {"TableName": table, "Key": key("NOWHERE", "X"), "ConditionExpression": "attribute_exists(PK)"}})
            try:
                dynamodb.transact_write_items(TransactItems=actions)
            except ClientError as error:
                assert error.response["Error"]["Code"] == "TransactionCanceledException"
        else:
            load(dynamodb, table, [random_entity(rng, pk) for _ in range(rng.randint(1, 30))])


def test_query_answers_what_unpatched_moto_answers_on_a_random_table_before_and_after_random_writes(dynamodb):
    # Given a random table of ~2 000 items in five partitions, with GSI1 entries that tie on GSI1SK, and a
    # table with a numeric range key, an LSI and a GSI without a range key
    rng = random.Random(20240905)
    entities, numbers = create_entities_table(dynamodb, "Random"), "Numbers"
    dynamodb.create_table(TableName=numbers, **NUMBERS)
    sizes = {"PARTNER#big": 1200, "PARTNER#a": 500, "PARTNER#b": 250, "REF#X": 100, "LONE": 1}
    load(dynamodb, entities, [random_entity(rng, pk) for pk, size in sizes.items() for _ in range(size)])
    load(dynamodb, numbers, [random_number_item(rng) for _ in range(600)])
    stored, stored_numbers = everything(dynamodb, entities), dynamodb.scan(TableName=numbers)["Items"]
    assert len(stored) > 1900

    # When the same 80 random queries (directions, limits, key conditions, filters, projections,
    # COUNT, start keys, every page) run under the emulation and under moto as installed
    queries = random_queries(rng, entities, numbers, stored, stored_numbers, 80)
    patched = answers(dynamodb, queries)
    with unpatched_moto():
        expected = answers(dynamodb, queries)

    # Then every answer is the same, page for page
    assert sum(len(pages) for pages in patched) > len(queries)  # pagination was exercised
    assert [index for index, (got, want) in enumerate(zip(patched, expected, strict=True)) if got != want] == []
    assert patched == expected

    # When 300 random writes (puts, updates moving index entries, deletes, batches, transactions, some
    # cancelled) go through the emulation after its index was built, and 80 new queries run
    answers(dynamodb, queries[:5])
    mutate(dynamodb, rng, entities, stored, 300)
    queries = random_queries(rng, entities, numbers, everything(dynamodb, entities), stored_numbers, 80)
    patched = answers(dynamodb, queries)
    with unpatched_moto():
        expected = answers(dynamodb, queries)

    # Then the answers are still moto's
    assert [index for index, (got, want) in enumerate(zip(patched, expected, strict=True)) if got != want] == []


def test_a_page_that_nears_1_mb_ends_where_moto_ends_it_even_on_an_item_beyond_the_key_range(dynamodb):
    # Given 700 KB of items that begin with "A#", followed in key order by a 350 KB item that does not
    table = create_entities_table(dynamodb, "Pages")
    load(dynamodb, table, [entity("P", f"A#{number}", blob=S("a" * 100_000)) for number in range(7)])
    dynamodb.put_item(TableName=table, Item=entity("P", "B#0", blob=S("b" * 350_000)))
    queries = [
        {"TableName": table, "KeyConditionExpression": "PK = :p AND begins_with(SK, :a)", "ExpressionAttributeValues": {":p": S("P"), ":a": S("A#")}, "Select": "COUNT"},
        {"TableName": table, "KeyConditionExpression": "PK = :p AND SK < :b", "ExpressionAttributeValues": {":p": S("P"), ":b": S("A#9")}, "Limit": 7, "Select": "COUNT"},
    ]
    # When the range is read under the emulation and under moto
    patched = answers(dynamodb, queries)
    with unpatched_moto():
        expected = answers(dynamodb, queries)
    # Then both end the first page after the 7 items (moto's 1 MB cap, counted on the item beyond), then an empty one
    assert [[page["Count"] for page in pages] for pages in patched] == [[7, 0], [7, 0]]
    assert patched == expected


def test_a_query_moto_refuses_is_refused_the_same_way(dynamodb):
    # Given a table with an index without a range key
    dynamodb.create_table(TableName="Numbers", **NUMBERS)
    dynamodb.put_item(TableName="Numbers", Item={"PK": S("A"), "SK": N(1), "rank": N(1), "colour": S("red")})
    refused = [
        {"TableName": "Numbers", "IndexName": "ByColour", "KeyConditionExpression": "colour = :c", "ExpressionAttributeValues": {":c": S("red")}, "ConsistentRead": True},
        {"TableName": "Numbers", "IndexName": "Nope", "KeyConditionExpression": "colour = :c", "ExpressionAttributeValues": {":c": S("red")}},
        {"TableName": "Numbers", "KeyConditionExpression": "SK = :s", "ExpressionAttributeValues": {":s": N(1)}},
    ]
    # When moto's refusals are asked for under the emulation and under moto
    patched = answers(dynamodb, refused)
    with unpatched_moto():
        expected = answers(dynamodb, refused)
    # Then they are the same errors
    assert all(pages[0][0] == "error" for pages in patched)
    assert patched == expected


# --- the emulation's server ---------------------------------------------------------------------------


@pytest.fixture
def moto_server():
    server = MotoServer()
    url = server.start()
    yield url
    server.stop()


def server_client(url: str):
    return boto3.client("dynamodb", endpoint_url=url, region_name=REGION, aws_access_key_id="sandbox", aws_secret_access_key="sandbox", config=ONE_ATTEMPT)


def test_concurrent_writers_through_the_emulation_server_leave_items_counter_and_index_consistent(moto_server):
    # Given the sandbox's moto server, a table and a counter
    dynamodb = server_client(moto_server)
    table = create_entities_table(dynamodb, f"Concurrent-{uuid.uuid4().hex[:8]}")
    dynamodb.put_item(TableName=table, Item=entity("P", "COUNTER", n=N(0)))
    writers, rounds = 8, 30
    failures: list[Exception] = []

    def writer(number: int) -> None:
        client = server_client(moto_server)
        try:
            for round_ in range(rounds):
                put = {"Put": {"TableName": table, "Item": entity("P", f"W{number}#{round_:03d}", GSI1PK=S(f"G#{round_ % 3}"), GSI1SK=S(f"{number}"))}}
                add = {"Update": {"TableName": table, "Key": key("P", "COUNTER"), "UpdateExpression": "ADD n :one", "ExpressionAttributeValues": {":one": N(1)}}}
                client.transact_write_items(TransactItems=[put, add])
                # a transaction that is cancelled at its last action: none of it may show
                doomed = {"Put": {"TableName": table, "Item": entity("P", f"X{number}#{round_:03d}", GSI1PK=S("G#0"), GSI1SK=S("x"))}}
                check = {"ConditionCheck": {"TableName": table, "Key": key("P", "MISSING"), "ConditionExpression": "attribute_exists(PK)"}}
                try:
                    client.transact_write_items(TransactItems=[doomed, add, check])
                except ClientError as error:
                    assert error.response["Error"]["Code"] == "TransactionCanceledException"
                client.query(TableName=table, IndexName="GSI1", KeyConditionExpression="GSI1PK = :g", ExpressionAttributeValues={":g": S(f"G#{round_ % 3}")})
        except Exception as error:  # reported by the main thread
            failures.append(error)

    # When eight threads write, cancel and read at once
    threads = [threading.Thread(target=writer, args=(number,)) for number in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then nothing failed, the counter counted every committed transaction and none of the cancelled
    assert failures == []
    assert int(dynamodb.get_item(TableName=table, Key=key("P", "COUNTER"))["Item"]["n"]["N"]) == writers * rounds
    written = {f"W{number}#{round_:03d}" for number in range(writers) for round_ in range(rounds)}
    assert {item["SK"]["S"] for item in everything(dynamodb, table)} == written | {"COUNTER"}
    # And each index partition lists exactly its items, in moto's order (GSI1SK, then the table's key)
    for group in range(3):
        expected = sorted((f"{number}", f"W{number}#{round_:03d}") for number in range(writers) for round_ in range(rounds) if round_ % 3 == group)
        assert [(item["GSI1SK"]["S"], item["SK"]["S"]) for item in gsi(dynamodb, table, f"G#{group}")] == expected


def test_moto_keeps_no_copy_of_the_items_it_answered(moto_server):
    # Given the server with a table of 20 items
    dynamodb = server_client(moto_server)
    table = create_entities_table(dynamodb, f"Copies-{uuid.uuid4().hex[:8]}")
    load(dynamodb, table, [entity("P", f"{number:02d}") for number in range(20)])

    def tracked_items() -> int:
        return len(requests.get(f"{moto_server}/moto-api/data.json", timeout=30).json()["dynamodb"]["Item"])

    before = tracked_items()
    # When the items are read 50 times (each answer is a fresh copy of them in moto)
    for _ in range(50):
        assert partition(dynamodb, table, "P")[0]["SK"] == S("00")
        dynamodb.transact_write_items(TransactItems=[{"Update": {"TableName": table, "Key": key("P", "00"), "UpdateExpression": "SET x = :x", "ExpressionAttributeValues": {":x": N(1)}}}])
    # Then moto's model list holds no more items than before: the copies are gone (moto kept all 1 000+)
    assert tracked_items() <= before


# --- client_delete at scale, through the sandbox -------------------------------------------------------


def test_deleting_a_client_with_500_employees_500_agents_and_500_subscriptions_through_the_sandbox(sandbox, soap_client):
    # Given a client of demo added through the API, with 500 employees (3 through the API, the rest as it
    # writes them), 500 user agents and 500 subscriptions in the sandbox's tables
    api = soap_client(group="clients")
    client_id = rows(api.client_add("Клиент на 1500 зависимых", MOSCOW))[0]["client_id"]
    through_api = [rows(api.client_user_add(client_id, f"Сотрудник {number}", "Через API", None))[0]["client_user_id"] for number in range(3)]
    environment = sandbox.cli_env()
    dynamodb = boto3.client(
        "dynamodb", endpoint_url=sandbox.moto_endpoint, region_name=REGION, aws_access_key_id=environment["AWS_ACCESS_KEY_ID"], aws_secret_access_key=environment["AWS_SECRET_ACCESS_KEY"]
    )
    table = environment["ENTITIES_TABLE"]
    by_client = keys.by_client_pk(DEMO_ID, client_id)
    bulk = []
    for number in range(3, 500):
        item = employees.new_item(clients.CLIENT_USERS, DEMO_ID, client_id, f"Сотрудник {number}", "Пакетом", None)
        bulk.append({**item, "GSI1PK": by_client, "GSI1SK": item["SK"]})
    for number in range(500):
        agent, service = str(uuid.uuid4()), str(uuid.uuid4())
        agent_sk, service_sk = keys.agent_user_sk(agent), keys.service_sk(service)
        common = {"PK": keys.partner_pk(DEMO_ID), "GSI1PK": by_client, "client_id": client_id}
        bulk.append({**common, "SK": agent_sk, "GSI1SK": agent_sk, "kind": "agent_user", "agent_user_id": agent, "agent_user_activity": True, "agent_user_name": f"Агент {number}"})
        bulk.append({**common, "SK": service_sk, "GSI1SK": service_sk, "kind": "service", "service_id": service, "service_stopped": False, "service_name": f"Подписка {number}"})
    load(dynamodb, table, [to_item(item) for item in bulk])

    # When the client is deleted through the API
    (deleted,) = rows(api.client_delete(client_id))

    # Then the answer says deleted, every employee is deleted, every agent inactive and every subscription stopped
    assert deleted["client_id"] == client_id and deleted["client_del"] is True
    listed = rows(api.client_user_read(None, client_id, True))
    assert len(listed) == 500 and all(user["client_user_del"] is True for user in listed)
    assert set(through_api) <= {user["client_user_id"] for user in listed}
    assert rows(api.client_user_read(None, client_id, False)) == []
    dependents = [item for item in bulk if item["kind"] != "client_user"]
    stored = []
    for start in range(0, len(dependents), 100):
        request = {table: {"Keys": [key(item["PK"], item["SK"]) for item in dependents[start : start + 100]]}}
        while request:
            response = dynamodb.batch_get_item(RequestItems=request)
            stored.extend(response["Responses"][table])
            request = response.get("UnprocessedKeys") or {}
    assert len(stored) == 1000
    assert sorted((item["kind"]["S"], item.get("agent_user_activity", item.get("service_stopped"))["BOOL"]) for item in stored) == [("agent_user", False)] * 500 + [("service", True)] * 500
    # And it reads as deleted, with nothing left pending: the next call restores the client only
    assert rows(api.client_read(client_id, None, True))[0]["client_del"] is True
    assert rows(api.client_delete(client_id))[0]["client_del"] is False
    assert rows(api.client_user_read(None, client_id, False)) == []


def test_the_aws_fixture_runs_the_same_emulation_as_the_sandbox(aws):
    # Given the tests' in-process moto
    dynamodb = aws_client("dynamodb")
    # When a transaction with a token is sent twice
    dynamodb.put_item(TableName="EntitiesTable", Item=entity("P", "COUNTER", n=N(0)))
    for _ in range(2):
        dynamodb.transact_write_items(TransactItems=add_to_counter("EntitiesTable"), ClientRequestToken="fixture")
    # Then it is applied once, as the sandbox's server does
    assert counter(dynamodb, "EntitiesTable") == 1
