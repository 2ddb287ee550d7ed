"""Typed access to the entities table with the low-level client.

Items are plain dicts of str/int/bool/None. DynamoDB `ClientError` codes become domain
exceptions here and nowhere else. Every list read follows `LastEvaluatedKey` to the end and
every batch read retries `UnprocessedKeys`.
"""

import json
import time
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as TransportError

from partnerapi.data import writes
from partnerapi.data.clients import attempts, client
from partnerapi.errors import InternalError, OutcomeUnknown, StorageUnavailable
from partnerapi.settings import get_settings

Item = dict[str, Any]
Key = tuple[str, str]

_THROTTLING_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionConflictException",
    }
)
_WRITE_OPERATIONS = frozenset({"put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item"})
_BATCH_GET_LIMIT = 100
_TRANSACTION_LIMIT = 100


class ConditionFailed(Exception):
    """A conditional write (or a condition in a transaction) did not hold. `item` is the item as it
    stood when a single-item write's condition failed (ReturnValuesOnConditionCheckFailure)."""

    def __init__(self, reasons: list[str] | None = None, item: dict[str, Any] | None = None):
        super().__init__("condition failed")
        self.reasons = reasons or []
        self.item = item


class CallCounter:
    """Counts DynamoDB calls; benchmarks and tests read it to prove reads scale with pages."""

    calls: ClassVar[dict[str, int]] = {}

    @classmethod
    def add(cls, operation: str) -> None:
        cls.calls[operation] = cls.calls.get(operation, 0) + 1

    @classmethod
    def reset(cls) -> None:
        cls.calls = {}


def to_attribute(value: Any) -> dict[str, Any]:
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int):
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    raise TypeError(f"unsupported attribute type {type(value).__name__}")


def from_attribute(attribute: dict[str, Any]) -> Any:
    (kind, value), = attribute.items()
    if kind == "S":
        return value
    if kind == "N":
        return int(value)
    if kind == "BOOL":
        return value
    if kind == "NULL":
        return None
    raise TypeError(f"unsupported attribute kind {kind}")


def to_item(values: Item) -> dict[str, Any]:
    return {name: to_attribute(value) for name, value in values.items()}


def from_item(attributes: dict[str, Any]) -> Item:
    return {name: from_attribute(value) for name, value in attributes.items()}


def key_of(pk: str, sk: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


def _call(operation: str, **kwargs: Any) -> dict[str, Any]:
    CallCounter.add(operation)
    attempts.ambiguous = False
    try:
        return getattr(client("dynamodb"), operation)(**kwargs)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code == "ConditionalCheckFailedException":
            old = error.response.get("Item")
            raise ConditionFailed(item=from_item(old) if old else None) from error
        if code in ("IdempotentParameterMismatchException", "TransactionInProgressException"):
            # the same request token with other parameters, or its first attempt still running
            raise OutcomeUnknown(f"DynamoDB {operation}: {code}") from error
        if code == "TransactionCanceledException":
            reasons = [reason.get("Code", "None") for reason in error.response.get("CancellationReasons", [])]
            if "ConditionalCheckFailed" in reasons:
                raise ConditionFailed(reasons) from error
            raise StorageUnavailable(f"DynamoDB transaction cancelled: {reasons}") from error
        if code in _THROTTLING_CODES:
            raise StorageUnavailable(f"DynamoDB {operation}: {code}") from error
        raise
    except (TransportError, HTTPClientError) as error:
        # every attempt timed out or lost its connection: retryable, and for a write of unknown outcome
        if operation in _WRITE_OPERATIONS and attempts.ambiguous:
            raise OutcomeUnknown(f"DynamoDB {operation}: {type(error).__name__}") from error
        raise StorageUnavailable(f"DynamoDB {operation}: {type(error).__name__}") from error


def table_name() -> str:
    name = get_settings().entities_table
    if not name:
        raise InternalError("ENTITIES_TABLE is not configured")
    return name


def get(pk: str, sk: str, consistent: bool = True) -> Item | None:
    response = _call("get_item", TableName=table_name(), Key=key_of(pk, sk), ConsistentRead=consistent)
    attributes = response.get("Item")
    return from_item(attributes) if attributes else None


def get_many(keys: Iterable[Key]) -> dict[Key, Item]:
    """BatchGetItem in chunks of 100, retrying UnprocessedKeys with backoff."""
    found: dict[Key, Item] = {}
    unique = list(dict.fromkeys(keys))
    name = table_name()
    for start in range(0, len(unique), _BATCH_GET_LIMIT):
        request = {name: {"Keys": [key_of(pk, sk) for pk, sk in unique[start : start + _BATCH_GET_LIMIT]], "ConsistentRead": True}}
        attempt = 0
        while request:
            response = _call("batch_get_item", RequestItems=request)
            for attributes in response.get("Responses", {}).get(name, []):
                item = from_item(attributes)
                found[(item["PK"], item["SK"])] = item
            request = response.get("UnprocessedKeys") or {}
            if request:
                attempt += 1
                if attempt > 8:
                    raise StorageUnavailable("DynamoDB BatchGetItem kept returning UnprocessedKeys")
                time.sleep(min(0.05 * 2**attempt, 1.0))
    return found


def query_pages(pk: str, sk_prefix: str = "", index: str | None = None, **extra: Any) -> Iterator[list[Item]]:
    """Yields every page of a partition query (of the table or of a GSI), following LastEvaluatedKey to the end."""
    hash_key, range_key = (f"{index}PK", f"{index}SK") if index else ("PK", "SK")
    kwargs: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": f"{hash_key} = :pk",
        "ExpressionAttributeValues": {":pk": {"S": pk}},
        **extra,
    }
    if index:
        kwargs["IndexName"] = index
    if sk_prefix:
        kwargs["KeyConditionExpression"] += f" AND begins_with({range_key}, :prefix)"
        kwargs["ExpressionAttributeValues"][":prefix"] = {"S": sk_prefix}
    while True:
        response = _call("query", **kwargs)
        yield [from_item(attributes) for attributes in response.get("Items", [])]
        last = response.get("LastEvaluatedKey")
        if not last:
            return
        kwargs["ExclusiveStartKey"] = last


def query_all(pk: str, sk_prefix: str = "", index: str | None = None, **extra: Any) -> list[Item]:
    return [item for page in query_pages(pk, sk_prefix, index, **extra) for item in page]


def query_range_pages(pk: str, low: str, high: str, filters: dict[str | tuple[str, ...], Any] | None = None) -> Iterator[tuple[list[Item], int]]:
    """Yields (items, items read) for every page of `PK = pk AND SK BETWEEN low AND high`, following
    LastEvaluatedKey to the end. `filters` (attribute → value, or → tuple of attributes to match any
    of) become a FilterExpression: DynamoDB still reads, and bills, the items the filter drops."""
    values: dict[str, Any] = {":pk": {"S": pk}, ":low": {"S": low}, ":high": {"S": high}}
    kwargs: dict[str, Any] = {"TableName": table_name(), "KeyConditionExpression": "PK = :pk AND SK BETWEEN :low AND :high"}
    conditions, names = [], {}
    for index, (attribute, value) in enumerate((filters or {}).items()):
        values[f":f{index}"] = to_attribute(value)
        alternatives = attribute if isinstance(attribute, tuple) else (attribute,)
        parts = []
        for alternative in alternatives:
            names[f"#f{len(names)}"] = alternative
            parts.append(f"#f{len(names) - 1} = :f{index}")
        conditions.append(parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")")
    if conditions:
        kwargs["FilterExpression"] = " AND ".join(conditions)
        kwargs["ExpressionAttributeNames"] = names
    kwargs["ExpressionAttributeValues"] = values
    while True:
        response = _call("query", **kwargs)
        yield [from_item(attributes) for attributes in response.get("Items", [])], response.get("ScannedCount", 0)
        last = response.get("LastEvaluatedKey")
        if not last:
            return
        kwargs["ExclusiveStartKey"] = last


_STAMP_NAME, _STAMP_VALUE = "#written_by", ":written_by"


def _token_of(request: Any) -> str:
    """The write's token, derived from its parameters (see writes.token)."""
    return writes.token(json.dumps(request, sort_keys=True, ensure_ascii=False, default=str))
_NOT_OURS = f"(attribute_not_exists({_STAMP_NAME}) OR {_STAMP_NAME} <> {_STAMP_VALUE})"


def _guarded(condition: str) -> str:
    """The condition, and "not already written by this very write": a retry of a write whose first
    attempt committed fails here instead of applying twice (a toggle would flip back)."""
    return f"({condition}) AND {_NOT_OURS}"


def _conditional_write(operation: str, token: str, kwargs: dict[str, Any]) -> tuple[dict[str, Any] | None, Item | None]:
    """Runs a stamped conditional single-item write. Returns (response, None) when it was applied now,
    or (None, item) when an earlier attempt of the same write had already applied it (the item is the
    state that write left). A condition that fails for another reason raises ConditionFailed, or
    OutcomeUnknown when an earlier attempt may have been applied and then overwritten by someone else."""
    kwargs["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    try:
        return _call(operation, **kwargs), None
    except ConditionFailed as failure:
        if failure.item is not None and failure.item.get(writes.STAMP) == token:
            return None, failure.item
        if attempts.ambiguous:
            raise OutcomeUnknown(f"DynamoDB {operation}: condition failed after an attempt with unknown outcome") from failure
        raise


def put(item: Item, condition: str | None = None, values: Item | None = None) -> None:
    """Puts an item, under a condition if given. Exactly-once under retries (see `_conditional_write`);
    without a condition a put is idempotent anyway."""
    token = _token_of(["put", item, condition, values])
    kwargs: dict[str, Any] = {"TableName": table_name(), "Item": to_item({**item, writes.STAMP: token})}
    if condition is None:
        _call("put_item", **kwargs)
        return
    kwargs["ConditionExpression"] = _guarded(condition)
    kwargs["ExpressionAttributeNames"] = {_STAMP_NAME: writes.STAMP}
    kwargs["ExpressionAttributeValues"] = to_item({**(values or {}), _STAMP_VALUE: token})
    _conditional_write("put_item", token, kwargs)


def _update_arguments(pk: str, sk: str, changes: Item, condition: str, condition_values: Item | None) -> dict[str, Any]:
    names = {f"#a{index}": name for index, name in enumerate(changes)}
    sets = [f"#a{index} = :v{index}" for index, value in enumerate(changes.values()) if value is not None]
    removes = [f"#a{index}" for index, value in enumerate(changes.values()) if value is None]
    expression = " ".join(part for part in (("SET " + ", ".join(sets)) if sets else "", ("REMOVE " + ", ".join(removes)) if removes else "") if part)
    values = {f":v{index}": value for index, value in enumerate(changes.values()) if value is not None}
    values.update(condition_values or {})
    kwargs: dict[str, Any] = {
        "TableName": table_name(),
        "Key": key_of(pk, sk),
        "UpdateExpression": expression,
        "ConditionExpression": condition,
        "ExpressionAttributeNames": names,
    }
    if values:
        kwargs["ExpressionAttributeValues"] = to_item(values)
    return kwargs


def update(pk: str, sk: str, changes: Item, condition: str = "attribute_exists(PK)", condition_values: Item | None = None) -> Item:
    """SETs (or REMOVEs, for None) the given attributes under a condition; returns the new item.
    Exactly-once under retries: a toggle's condition never lets one request flip twice."""
    token = _token_of(["update", pk, sk, changes, condition, condition_values])
    kwargs = _update_arguments(pk, sk, {**changes, writes.STAMP: token}, _guarded(condition), {**(condition_values or {}), _STAMP_VALUE: token})
    kwargs["ExpressionAttributeNames"][_STAMP_NAME] = writes.STAMP
    response, already = _conditional_write("update_item", token, {**kwargs, "ReturnValues": "ALL_NEW"})
    return already if response is None else from_item(response["Attributes"])


def increment(pk: str, sk: str, attribute: str, kind: str) -> int:
    """Atomically adds 1 to a counter (creating it at 1) and returns the new value: concurrent callers
    never see the same value (updates are serialized by DynamoDB per item). The item remembers the
    last increment's token and value, so a retried increment returns its value instead of adding again."""
    token = _token_of(["increment", pk, sk, attribute])
    kwargs = {
        "TableName": table_name(),
        "Key": key_of(pk, sk),
        "UpdateExpression": "SET #counter = if_not_exists(#counter, :zero) + :one, #last = if_not_exists(#counter, :zero) + :one, #kind = :kind, #written_by = :written_by",
        "ConditionExpression": _NOT_OURS,
        "ExpressionAttributeNames": {"#counter": attribute, "#last": f"{attribute}_last", "#kind": "kind", _STAMP_NAME: writes.STAMP},
        "ExpressionAttributeValues": {":zero": {"N": "0"}, ":one": {"N": "1"}, ":kind": {"S": kind}, _STAMP_VALUE: {"S": token}},
        "ReturnValues": "ALL_NEW",
    }
    response, already = _conditional_write("update_item", token, kwargs)
    return int(already[f"{attribute}_last"]) if response is None else int(response["Attributes"][attribute]["N"])


def update_action(pk: str, sk: str, changes: Item, condition: str = "attribute_exists(PK)", condition_values: Item | None = None) -> dict[str, Any]:
    """The same update as a TransactWriteItems action."""
    return {"Update": _update_arguments(pk, sk, changes, condition, condition_values)}


def delete(pk: str, sk: str) -> None:
    _call("delete_item", TableName=table_name(), Key=key_of(pk, sk))


def condition_check(pk: str, sk: str, condition: str = "attribute_exists(PK)", values: Item | None = None) -> dict[str, Any]:
    check: dict[str, Any] = {"TableName": table_name(), "Key": key_of(pk, sk), "ConditionExpression": condition}
    if values:
        check["ExpressionAttributeValues"] = to_item(values)
    return {"ConditionCheck": check}


def put_action(item: Item) -> dict[str, Any]:
    return {"Put": {"TableName": table_name(), "Item": to_item(item)}}


def delete_action(pk: str, sk: str) -> dict[str, Any]:
    return {"Delete": {"TableName": table_name(), "Key": key_of(pk, sk)}}


def _stamped(action: dict[str, Any], token: str) -> dict[str, Any]:
    """A Put or Update action that also records the transaction's token on its item."""
    if "Put" in action:
        return {"Put": {**action["Put"], "Item": {**action["Put"]["Item"], writes.STAMP: {"S": token}}}}
    if "Update" in action:
        update = action["Update"]
        expression = update["UpdateExpression"]
        stamp = f"{_STAMP_NAME} = {_STAMP_VALUE}"
        expression = f"SET {stamp}, {expression[4:]}" if expression.startswith("SET ") else f"SET {stamp} {expression}"
        return {
            "Update": {
                **update,
                "UpdateExpression": expression,
                "ExpressionAttributeNames": {**update.get("ExpressionAttributeNames", {}), _STAMP_NAME: writes.STAMP},
                "ExpressionAttributeValues": {**update.get("ExpressionAttributeValues", {}), _STAMP_VALUE: {"S": token}},
            }
        }
    return action


def transact(actions: list[dict[str, Any]]) -> None:
    """All-or-nothing write of up to 100 actions (DynamoDB's TransactWriteItems limit). The
    ClientRequestToken makes a retry of a transaction that committed succeed without applying twice."""
    if len(actions) > _TRANSACTION_LIMIT:
        raise ValueError(f"a transaction takes at most {_TRANSACTION_LIMIT} actions, got {len(actions)}")
    token = _token_of(["transact", actions])
    _call("transact_write_items", TransactItems=[_stamped(action, token) for action in actions], ClientRequestToken=token)
