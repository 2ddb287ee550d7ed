"""Bulk reads against moto: every page of a partition query arrives once, and the number of Query
calls follows the bytes read (DynamoDB's 1 MB page), not the number of items.

One module-scoped emulation is seeded once (BatchWriteItem, the items `provisioning.add_client`
writes) and each read is made once, by the `reads` fixture: moto's Query costs ~4 ms per returned
item, so the seed is sized to cross the page limit several times and stay well inside a minute.

- partner A: N clients (≈1 kB each: a 255-character Cyrillic full name) and 3N employees;
- partner B: 2N clients, for the doubling check.
"""

import math
import random
import uuid
from dataclasses import dataclass
from unittest import mock

import pytest
from moto import mock_aws
from partnerapi.data import keys, table
from partnerapi.data.clients import client, reset_clients
from partnerapi.data.table import CallCounter
from partnerapi.logic import clients
from partnerapi_ops import provisioning
from partnerapi_ops.emulation import create_resources, local_environment
from support.demo import MOSCOW, SPB

N = 1500
PARTNER_A, PARTNER_B = "b0000000-0000-4000-8000-00000000000a", "b0000000-0000-4000-8000-00000000000b"
DYNAMODB_PAGE = 1024 * 1024  # Query returns at most 1 MB per call (moto cuts at 1 000 000 bytes)
WORDS = "общество ограниченной ответственностью торговый дом север запад инвест строй сервис бухгалтерия консалтинг проект групп".split()


def cyrillic(rng: random.Random, length: int) -> str:
    text = ""
    while len(text) < length:
        text += rng.choice(WORDS) + " "
    return text[:length].strip().ljust(length, "ь")


def new_client(rng: random.Random, index: int) -> provisioning.Client:
    return provisioning.Client(
        client_name=cyrillic(rng, 50),
        client_full_name=cyrillic(rng, 255),  # the longest the spec keeps
        region_id=(MOSCOW, SPB)[index % 2],
        client_del=index % 10 == 0,  # some deleted: include_deleted=true must return them too
        client_inn=f"{rng.randrange(10**11, 10**12)}",
        client_kpp=f"{rng.randrange(10**8, 10**9)}",
        users=[
            provisioning.ClientUser(
                client_user_name=cyrillic(rng, 8),
                client_user_family_name=cyrillic(rng, 12),
                client_user_father_name=cyrillic(rng, 12),
                client_user_del=user == 2,
            )
            for user in range(3)
        ],
    )


def items_of(partner_id: str, new_clients: list[provisioning.Client], with_users: bool = True) -> list[table.Item]:
    """What `provisioning.add_client` writes, collected instead of put one by one."""
    written: list[table.Item] = []
    with mock.patch.object(provisioning.table, "put", lambda item, *args, **kwargs: written.append(item)):
        for new in new_clients:
            provisioning.add_client(partner_id, new if with_users else new.model_copy(update={"users": []}))
    return written


def batch_write(items: list[table.Item]) -> None:
    dynamodb, name = client("dynamodb"), table.table_name()
    for start in range(0, len(items), 25):
        request = {name: [{"PutRequest": {"Item": table.to_item(item)}} for item in items[start : start + 25]]}
        while request:
            request = dynamodb.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}


def item_size(item: table.Item) -> int:
    """DynamoDB's item size: UTF-8 bytes of the attribute names and string values (≈1 byte for a bool or a digit)."""
    return sum(len(name.encode()) + (len(value.encode()) if isinstance(value, str) else len(str(int(value)))) for name, value in item.items())


@dataclass
class Read:
    expected: list[table.Item]  # the seeded items the read must return
    rows: list[dict]
    queries: int
    calls: dict[str, int]

    @property
    def total_bytes(self) -> int:
        return sum(item_size(item) for item in self.expected)


@pytest.fixture(scope="module")
def reads():
    with pytest.MonkeyPatch.context() as patch:
        for name, value in local_environment(None).items():
            patch.setenv(name, value)
        patch.delenv("AWS_ENDPOINT_URL", raising=False)
        reset_clients()
        with mock_aws():
            create_resources()
            rng = random.Random(20261123)
            a_items = items_of(PARTNER_A, [new_client(rng, index) for index in range(N)])
            b_items = items_of(PARTNER_B, [new_client(rng, index) for index in range(2 * N)], with_users=False)
            batch_write(a_items + b_items)

            def read(operation, partner_id: str, kind: str) -> Read:
                CallCounter.reset()
                rows = operation(partner_id, None, None, True)
                calls = dict(CallCounter.calls)
                expected = [item for item in (a_items if partner_id == PARTNER_A else b_items) if item["kind"] == kind]
                return Read(expected, rows, calls.get("query", 0), calls)

            yield {
                "clients A": read(clients.client_read, PARTNER_A, "client"),
                "employees A": read(clients.client_user_read, PARTNER_A, "client_user"),
                "clients B": read(clients.client_read, PARTNER_B, "client"),
            }
        reset_clients()


@pytest.mark.parametrize("name, id_field", [("clients A", "client_id"), ("employees A", "client_user_id"), ("clients B", "client_id")])
def test_a_bulk_read_returns_every_item_once_deleted_included(reads, name, id_field):
    read = reads[name]
    returned = [row[id_field] for row in read.rows]
    # no page lost, none twice
    assert len(returned) == len(read.expected) == len(set(returned))
    assert set(returned) == {item[id_field] for item in read.expected}
    assert any(row.get("client_del") or row.get("client_user_del") for row in read.rows)
    # the rows carry the stored values, long Cyrillic names intact
    by_id = {item[id_field]: item for item in read.expected}
    if id_field == "client_id":
        assert all(row == clients.client_row(by_id[row["client_id"]]) for row in read.rows)
        assert {len(row["client_full_name"]) for row in read.rows} == {255}
    else:
        assert all(
            row["client_id"] == by_id[row["client_user_id"]]["client_id"]
            and row["client_user_family_name"] == by_id[row["client_user_id"]]["client_user_family_name"]
            for row in read.rows
        )


@pytest.mark.parametrize("name", ["clients A", "employees A", "clients B"])
def test_a_bulk_read_makes_one_query_per_megabyte_page_and_nothing_per_item(reads, name):
    read = reads[name]
    pages = math.ceil(read.total_bytes / DYNAMODB_PAGE)
    # one Query per page: the partition crosses the 1 MB limit, so there are several
    assert 2 <= pages <= read.queries <= pages + 1
    # and nothing else: no per-item GetItem, no BatchGetItem (nothing was resolved), no Scan
    assert read.calls == {"query": read.queries}
    assert read.queries * 100 < len(read.rows)


def test_doubling_the_clients_doubles_the_pages_not_more(reads):
    single, double = reads["clients A"], reads["clients B"]
    assert len(double.rows) == 2 * len(single.rows)
    # ceil(2x) is 2·ceil(x) or one less; DynamoDB may add one empty last page
    assert 2 * single.queries - 1 <= double.queries <= 2 * single.queries + 1
    # calls grow with the bytes read: N more clients cost ≈ N·1 kB / 1 MB more queries, not N
    extra_pages = math.ceil((double.total_bytes - single.total_bytes) / DYNAMODB_PAGE)
    assert double.queries - single.queries <= extra_pages + 1


def test_the_seed_has_the_shape_add_client_writes(reads):
    # the fast seed is add_client's own output: keys and GSI as the clients group stores them
    item = reads["employees A"].expected[0]
    assert item["PK"] == keys.partner_pk(PARTNER_A) and item["SK"] == keys.client_user_sk(item["client_user_id"])
    assert item["GSI1PK"] == keys.by_client_pk(PARTNER_A, item["client_id"]) and item["GSI1SK"] == item["SK"]
    client_item = reads["clients A"].expected[0]
    assert client_item["SK"] == keys.client_sk(client_item["client_id"]) and uuid.UUID(client_item["client_new_id"])
    assert 900 < item_size(client_item) < 1100
