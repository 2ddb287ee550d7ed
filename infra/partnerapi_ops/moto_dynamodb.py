"""moto's DynamoDB, made fit for the sandbox and the tests: same answers, cost by items touched.

`patch_moto_dynamodb()` (idempotent) patches moto's classes in this process:

- One request at a time (`serialize_moto_dynamodb`): moto's backend is not thread-safe.
- TransactWriteItems keeps an undo log instead of deep-copying every table it names (moto copies the
  whole table once per *action*): before moto runs the transaction, each item a Put, Update or Delete
  will write is copied (or noted absent); if anything fails, exactly those items are put back. moto's
  own code still runs every action, so cancellation reasons and ReturnValuesOnConditionCheckFailure
  are moto's. Secondary indexes follow from the restored items (see below).
- TransactWriteItems honours ClientRequestToken as DynamoDB documents: a token remembered for
  `TOKEN_WINDOW_SECONDS` after its transaction committed; the same parameters again → success without
  applying anything, other parameters → IdempotentParameterMismatchException, while the first call
  runs → TransactionInProgressException. Failed calls are not remembered. Expired tokens are dropped.
- Query reads only the items the key condition can reach. Each table keeps, per partition, its range
  keys in moto's sort order, and each secondary index (one HASH, at most one RANGE attribute) its
  entries per index partition, sorted as moto sorts them; both are built at the first Query of a table
  and kept up to date by every write path (PutItem, DeleteItem, UpdateItem, batches, transactions and
  their undo). Bisection finds the key range and the ExclusiveStartKey; at most the page (Limit + 1
  items, or 1 MB) is handed to moto's own Query, which filters, projects, pages and counts as always.
  Anything else (multi-attribute keys, mixed key types, legacy QueryFilter …) runs moto's Query as is.
- Memory stays flat: moto keeps every model instance it ever made (`instances_tracked`, for its
  dashboard), i.e. every Item of every request; DynamoDB's models now track only live instances. Reads
  of a missing partition no longer leave an empty partition behind.

`unpatch_moto_dynamodb()` puts moto back as it was (tests compare against it; benchmarks measure it).
"""

from __future__ import annotations

import bisect
import copy
import hashlib
import json
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

TOKEN_WINDOW_SECONDS = 600.0
clock: Callable[[], float] = time.monotonic  # tests inject a fake clock here

_ABSENT = object()
_installed: list[tuple[Any, str, Any]] = []  # (owner, name, what owner.__dict__ held before)
_local = threading.local()  # per thread: depth of "tables are shared, not copied" and of "index updates deferred"
_indexes: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # Table → _TableIndex


# --- installing ----------------------------------------------------------------------------------


def _install(owner: Any, name: str, make: Callable[[Any], Any], wrap: Callable[[Any], Any] = lambda function: function) -> None:
    """owner.name = make(current owner.name), once: a patch already in place is left alone."""
    current = owner.__dict__.get(name, _ABSENT)
    if getattr(getattr(current, "__func__", current), "_partnerapi_patch", False):
        return
    replacement = make(getattr(owner, name, None))
    replacement._partnerapi_patch = True
    _installed.append((owner, name, current))
    setattr(owner, name, wrap(replacement))


def unpatch_moto_dynamodb() -> None:
    """Restores every patched attribute; the query indexes are dropped (unpatched writes would stale them)."""
    while _installed:
        owner, name, previous = _installed.pop()
        if previous is _ABSENT:
            delattr(owner, name)
        else:
            setattr(owner, name, previous)
    _indexes.clear()


# Held by every DynamoDB request to the emulation; the sandbox's data-file snapshot holds it too, so it
# sees whole requests only (persistence.py).
REQUEST_LOCK = threading.RLock()


def serialize_moto_dynamodb() -> None:
    """One DynamoDB request at a time in the emulation. moto's backend is not thread-safe: its
    TransactWriteItems copies the tables while other request threads write to them ("dictionary
    changed size during iteration"). DynamoDB itself has no such race, so the emulation must not either."""
    from moto.dynamodb.responses import DynamoHandler

    def make(original: Callable) -> Callable:
        def call_action(self: Any) -> Any:
            with REQUEST_LOCK:
                return original(self)

        return call_action

    _install(DynamoHandler, "call_action", make)


def patch_moto_dynamodb() -> None:
    """Applies every patch of this module (idempotent)."""
    from moto.core.model_instances import model_data
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler

    serialize_moto_dynamodb()
    for model in list(model_data.get("dynamodb", {}).values()):
        _install(model, "__new__", lambda _: _new_tracked_weakly, staticmethod)
    _install(Table, "__deepcopy__", _make_table_deepcopy)
    _install(Table, "get_item", _make_get_item)
    _install(Table, "put_item", _make_put_item)
    _install(Table, "delete_item", _make_delete_item)
    _install(Table, "query", _make_query)
    _install(DynamoDBBackend, "update_item", _make_update_item)
    _install(DynamoHandler, "transact_write_items", _make_transact_write_items)


# --- memory ---------------------------------------------------------------------------------------


class _WeakInstances:
    """moto's per-class list of instances, holding only the live ones."""

    def __init__(self, initial: Any = ()) -> None:
        self._live: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
        for instance in initial:
            self.append(instance)

    def append(self, instance: Any) -> None:
        self._live[id(instance)] = instance

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self._live.values()))

    def __len__(self) -> int:
        return len(self._live)


def _new_tracked_weakly(cls: type, *args: Any, **kwargs: Any) -> Any:
    instance = object.__new__(cls)
    tracked = cls.__dict__.get("instances_tracked")
    if type(tracked) is not _WeakInstances:  # also after moto's reset_model_data() put a list back
        tracked = _WeakInstances(tracked or ())
        cls.instances_tracked = tracked  # type: ignore[attr-defined]
    tracked.append(instance)
    return instance


def _depth(name: str) -> int:
    return getattr(_local, name, 0)


class _Nested:
    """`with _Nested("name"):` raises a per-thread depth for the block."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> None:
        setattr(_local, self.name, _depth(self.name) + 1)

    def __exit__(self, *exc: Any) -> None:
        setattr(_local, self.name, _depth(self.name) - 1)


def _make_table_deepcopy(_: Any) -> Callable:
    def __deepcopy__(self: Any, memo: dict) -> Any:
        if _depth("sharing"):
            return self  # moto's transaction backup: the undo log does that job
        return copy._reconstruct(self, memo, *self.__reduce_ex__(4))  # what deepcopy does without this method

    return __deepcopy__


# --- secondary structures for Query ---------------------------------------------------------------


class _Sorted:
    """One partition's sort keys in moto's order, with what each refers to."""

    __slots__ = ("keys", "refs", "types", "broken")

    def __init__(self) -> None:
        self.keys: list[Any] = []
        self.refs: dict[Any, Any] = {}
        self.types: set[str] = set()  # DynamoDB types of the first sort component seen here
        self.broken = False  # keys that do not sort (mixed types): Query falls back to moto's

    def add(self, key: Any, ref: Any, first_type: str) -> None:
        if self.broken:
            return
        try:
            existing = self.refs.get(key, _ABSENT)
            if existing is not _ABSENT:
                if existing != ref:  # two items on one sort key: types that compare equal
                    self.broken = True
                return
            bisect.insort(self.keys, key)
            self.refs[key] = ref
            self.types.add(first_type)
        except TypeError:
            self.broken = True

    def remove(self, key: Any) -> None:
        if self.broken:
            return
        try:
            if self.refs.pop(key, _ABSENT) is not _ABSENT:
                del self.keys[bisect.bisect_left(self.keys, key)]
        except TypeError:
            self.broken = True

    def fill(self, entries: list[tuple[Any, Any, str]]) -> None:
        """Adds many (key, ref, type) at once: one sort instead of an insertion each."""
        try:
            for key, ref, first_type in entries:
                existing = self.refs.get(key, _ABSENT)
                if existing is not _ABSENT and existing != ref:
                    self.broken = True
                    return
                self.refs[key] = ref
                self.types.add(first_type)
            self.keys = sorted(self.refs)
        except TypeError:
            self.broken = True


class _Secondary:
    """An index (GSI or LSI) of one HASH and at most one RANGE attribute, partitioned by its hash."""

    def __init__(self, table: Any, index: Any) -> None:
        hashes = [key["AttributeName"] for key in index.schema if key["KeyType"] == "HASH"]
        ranges = [key["AttributeName"] for key in index.schema if key["KeyType"] == "RANGE"]
        self.name, self.hash_attr, self.range_attr = index.name, hashes[0], (ranges[0] if ranges else None)
        # moto's sort attributes for this index, built as its Query builds them
        from moto.dynamodb.models.table import GlobalSecondaryIndex

        if ranges:
            range_attrs = [*ranges, table.range_key_attr]
        elif isinstance(index, GlobalSecondaryIndex) and table.range_key_attr:
            range_attrs = [table.range_key_attr, table.range_key_attr]
        else:
            range_attrs = [table.hash_key_attr, table.range_key_attr]
        self.sort_attrs: list[str] = table._generate_attr_to_sort_by([*hashes, table.hash_key_attr], range_attrs)
        self.partitions: dict[Any, _Sorted] = {}

    def entry(self, item: Any) -> tuple[Any, tuple, str] | None:
        """(index hash, sort key, type of its first component) of an item moto's Query would find here."""
        if item is None:
            return None
        attrs = item.attrs
        hash_value = attrs.get(self.hash_attr)
        if hash_value is None or (self.range_attr is not None and self.range_attr not in attrs):
            return None
        try:
            values = [attrs[name] for name in self.sort_attrs[1:]]
        except KeyError:
            return None
        return hash_value, tuple(value.cast_value for value in values), values[0].type

    def add(self, entry: tuple[Any, tuple, str] | None, ref: tuple[Any, Any]) -> None:
        if entry is not None:
            try:
                partition = self.partitions.setdefault(entry[0], _Sorted())
            except TypeError:  # an unhashable hash attribute (a map …): no Query can name it
                return
            partition.add(entry[1], ref, entry[2])

    def remove(self, entry: tuple[Any, tuple, str] | None) -> None:
        if entry is None:
            return
        try:
            partition = self.partitions.get(entry[0])
        except TypeError:
            return
        if partition is not None:
            partition.remove(entry[1])
            if not partition.refs and not partition.broken:
                del self.partitions[entry[0]]


class _TableIndex:
    """Per table: range keys of every partition, and the entries of every secondary index."""

    def __init__(self, table: Any) -> None:
        self.signature = _signature(table)
        self.dirty = False
        self.ranged = table.range_key_attr is not None
        self.partitions: dict[Any, _Sorted] = {}
        self.secondary: list[_Secondary] = []
        for index in table.all_indexes():
            hashes = [key for key in index.schema if key["KeyType"] == "HASH"]
            ranges = [key for key in index.schema if key["KeyType"] == "RANGE"]
            if len(hashes) == 1 and len(ranges) <= 1:
                self.secondary.append(_Secondary(table, index))
        # built in bulk: a sort per partition instead of an insertion per item
        ranged: dict[Any, list] = {}
        secondary: list[dict[Any, list]] = [{} for _ in self.secondary]
        for hash_value, stored in list(table.items.items()):
            for item in list(stored.values()) if self.ranged else [stored]:
                if self.ranged:
                    ranged.setdefault(hash_value, []).append((item.range_key.cast_value, item.range_key, item.range_key.type))
                for index, entries in zip(self.secondary, secondary, strict=True):
                    entry = index.entry(item)
                    if entry is not None:
                        try:
                            entries.setdefault(entry[0], []).append((entry[1], (hash_value, item.range_key), entry[2]))
                        except TypeError:  # an unhashable index hash (a map …): no Query can name it
                            pass
        for target, grouped in ((self.partitions, ranged), *((index.partitions, entries) for index, entries in zip(self.secondary, secondary, strict=True))):
            for hash_value, entries in grouped.items():
                partition = target[hash_value] = _Sorted()
                partition.fill(entries)

    def snapshot(self, item: Any) -> tuple:
        return tuple(secondary.entry(item) for secondary in self.secondary)

    def changed(self, hash_value: Any, range_value: Any, was_present: bool, before: tuple, item: Any) -> None:
        """The item at (hash_value, range_value) went from `before` (a snapshot) to `item` (None: gone)."""
        if self.ranged and was_present != (item is not None):
            if item is not None:
                self.partitions.setdefault(hash_value, _Sorted()).add(range_value.cast_value, range_value, range_value.type)
            elif (partition := self.partitions.get(hash_value)) is not None:
                partition.remove(range_value.cast_value)
                if not partition.refs and not partition.broken:
                    del self.partitions[hash_value]
        for secondary, old, new in zip(self.secondary, before, self.snapshot(item), strict=True):
            if old != new:
                secondary.remove(old)
                secondary.add(new, (hash_value, range_value))


def _signature(table: Any) -> tuple:
    return (table.hash_key_attr, table.range_key_attr, tuple((index.name, repr(index.schema)) for index in table.all_indexes()))


def _index_of(table: Any, rebuild: bool = False) -> _TableIndex:
    index = _indexes.get(table)
    if rebuild or index is None or index.dirty or index.signature != _signature(table):
        index = _indexes[table] = _TableIndex(table)
    return index


def _stored(table: Any, hash_value: Any, range_value: Any) -> Any:
    """The item at a key, read without moto's side effect (a read creates the missing partition)."""
    stored = table.items.get(hash_value)
    if stored is None or table.range_key_attr is None:
        return stored
    return None if range_value is None else stored.get(range_value)


# --- write paths keep the index --------------------------------------------------------------------


def _make_get_item(original: Callable) -> Callable:
    def get_item(self: Any, hash_key: Any, range_key: Any = None, projection_expression: Any = None) -> Any:
        if range_key and self.has_range_key and hash_key not in self.items:
            return None  # as moto answers, without leaving an empty partition behind
        return original(self, hash_key, range_key, projection_expression)

    return get_item


def _make_put_item(original: Callable) -> Callable:
    def put_item(self: Any, item_attrs: dict, *args: Any, **kwargs: Any) -> Any:
        index = _indexes.get(self)
        if index is None or _depth("quiet"):
            return original(self, item_attrs, *args, **kwargs)
        from moto.dynamodb.models.dynamo_type import DynamoType

        try:
            hash_value = DynamoType(item_attrs[self.hash_key_attr])
            range_value = DynamoType(item_attrs[self.range_key_attr]) if self.range_key_attr else None
        except Exception:
            index.dirty = True  # moto refuses such an item anyway; rebuild rather than guess
            return original(self, item_attrs, *args, **kwargs)
        before = _stored(self, hash_value, range_value)
        snapshot = index.snapshot(before)
        try:
            return original(self, item_attrs, *args, **kwargs)
        finally:
            index.changed(hash_value, range_value, before is not None, snapshot, _stored(self, hash_value, range_value))

    return put_item


def _make_delete_item(original: Callable) -> Callable:
    def delete_item(self: Any, hash_key: Any, range_key: Any) -> Any:
        if range_key and hash_key not in self.items:
            return None  # nothing to delete; moto would leave an empty partition behind
        index = _indexes.get(self)
        if index is None or _depth("quiet"):
            removed = original(self, hash_key, range_key)
        else:
            before = _stored(self, hash_key, range_key if self.has_range_key else None)
            snapshot = index.snapshot(before)
            try:
                removed = original(self, hash_key, range_key)
            finally:
                index.changed(hash_key, range_key, before is not None, snapshot, _stored(self, hash_key, range_key if self.has_range_key else None))
        if range_key and not self.items.get(hash_key, True):
            del self.items[hash_key]  # the partition's last item: keep no empty partition
        return removed

    return delete_item


def _make_update_item(original: Callable) -> Callable:
    """UpdateItem changes the stored item in place, maybe its index keys: re-file it afterwards."""

    def update_item(self: Any, table_name: str, key: dict, *args: Any, **kwargs: Any) -> Any:
        try:
            table = self.get_table(table_name)
        except Exception:
            return original(self, table_name, key, *args, **kwargs)  # moto's own error
        index = _indexes.get(table)
        if index is None:
            return original(self, table_name, key, *args, **kwargs)
        try:
            hash_value, range_value = self.get_keys_value(table, key)
        except Exception:
            index.dirty = True
            return original(self, table_name, key, *args, **kwargs)
        before = _stored(table, hash_value, range_value)
        snapshot = index.snapshot(before)
        try:
            with _Nested("quiet"):  # its inner put of a new item is filed here, once
                return original(self, table_name, key, *args, **kwargs)
        finally:
            index.changed(hash_value, range_value, before is not None, snapshot, _stored(table, hash_value, range_value))

    return update_item


# --- Query ------------------------------------------------------------------------------------------


class _Reachable:
    """The table as moto's Query sees it: only the items the key condition can reach, in key order."""

    def __init__(self, table: Any, items: list) -> None:
        self._table, self._items = table, items

    def all_items(self) -> list:
        return self._items

    def __getattr__(self, name: str) -> Any:
        return getattr(self._table, name)


class _Stale(Exception):
    """The index disagrees with the table (written behind moto's methods): rebuild it."""


def _prefix_end(prefix: Any) -> Any:
    """The least value above every value that begins with `prefix` (None: there is none)."""
    trimmed = prefix.rstrip("\U0010ffff" if isinstance(prefix, str) else b"\xff")
    if not trimmed:
        return None
    last = trimmed[-1]
    return trimmed[:-1] + (chr(ord(last) + 1) if isinstance(trimmed, str) else bytes([last + 1]))


def _key_range(partition: _Sorted, comparison: str | None, bounds: list, first: Callable[[Any], Any] | None) -> tuple[int, int] | None:
    """[low, high) of the partition's keys the range condition selects; None: leave it to moto."""
    keys, count = partition.keys, len(partition.keys)
    if comparison is None:
        return 0, count
    if not keys:
        return 0, 0
    if len(partition.types) != 1 or any(bound.type not in partition.types for bound in bounds):
        return None  # moto compares across types its own way
    values = [bound.cast_value for bound in bounds]

    def left(value: Any) -> int:
        return bisect.bisect_left(keys, value, key=first)

    def right(value: Any) -> int:
        return bisect.bisect_right(keys, value, key=first)

    if comparison == "=":
        return left(values[0]), right(values[0])
    if comparison == "<":
        return 0, left(values[0])
    if comparison == "<=":
        return 0, right(values[0])
    if comparison == ">":
        return right(values[0]), count
    if comparison == ">=":
        return left(values[0]), count
    if comparison == "BETWEEN" and len(values) == 2:
        low = left(values[0])
        return low, max(low, right(values[1]))
    if comparison == "BEGINS_WITH" and len(values) == 1 and isinstance(values[0], (str, bytes)):
        end = _prefix_end(values[0])
        return left(values[0]), (count if end is None else left(end))
    return None


def _start_key(table: Any, attrs: list[str], start: dict, hash_value: Any, partition: _Sorted, first_is_index_range: bool) -> Any:
    """ExclusiveStartKey as a sort key of this partition; _ABSENT: leave it to moto."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    if any(name not in start for name in attrs):
        return _ABSENT
    try:
        values = [DynamoType(start[name]) for name in attrs]
    except Exception:
        return _ABSENT
    if values[0] != hash_value:
        return _ABSENT
    declared = {table.hash_key_attr: table.hash_key_type, table.range_key_attr: table.range_key_type}
    for position, (name, value) in enumerate(zip(attrs[1:], values[1:], strict=True)):
        expected = partition.types if position == 0 and first_is_index_range else {declared.get(name)}
        if expected != {value.type}:
            return _ABSENT
    casts = tuple(value.cast_value for value in values[1:])
    return casts if first_is_index_range else casts[0]


_MAX_ITEM_SIZE = 405_000  # moto refuses to store a bigger item (LimitedSizeDict)


def _page(in_range: Iterator[Any], beyond: Iterator[Any], limit: int | None) -> list:
    """The items moto's Query loop would look at: those of the key range up to the end of the page, and
    the item that ends the page. moto walks the whole partition and checks Limit and the 1 MB cap before
    the key condition, so the item ending a page may lie beyond the range: it is the next item once
    Limit is reached, or the first whose size would pass 1 MB (none can while the page is under
    1 MB - 405 KB, so the rest of the partition is only read when a page is that full)."""
    from moto.dynamodb.models import table as table_module

    cap = table_module.RESULT_SIZE_LIMIT
    chosen: list = []
    size = 0
    for item in in_range:
        chosen.append(item)
        if len(chosen) - 1 == limit:
            return chosen
        size += item.size()
        if size > cap:
            return chosen
    if len(chosen) == limit:
        following = next(beyond, None)
    elif size > cap - _MAX_ITEM_SIZE:
        following = next((item for item in beyond if size + item.size() > cap), None)
    else:
        following = None
    return chosen if following is None else [*chosen, following]


def _reachable(table: Any, hash_key: Any, comparison: str | None, range_values: list, limit: int | None, start: dict | None, forward: bool, index_name: str | None, hash_conditions: list, range_conditions: list, legacy_filters: dict) -> list | None:
    """The items moto's Query must see for this page, or None to run moto's Query unchanged."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    if len(range_conditions) > 1 or len(hash_conditions) > 1 or legacy_filters:
        return None
    index = _index_of(table)
    if index_name is None:
        if hash_key is None:
            return None
        if not table.has_range_key:
            item = table.items.get(hash_key)
            return [item] if item is not None else []
        hash_value, secondary = hash_key, None
        partition = index.partitions.get(hash_value)
        if partition is not None and partition.broken:
            return None
        if len(partition.refs if partition is not None else ()) != len(table.items.get(hash_value, ())):
            raise _Stale  # written behind moto's methods
        attrs, first = [table.hash_key_attr, table.range_key_attr], None
    else:
        secondary = next((candidate for candidate in index.secondary if candidate.name == index_name), None)
        if secondary is None or not hash_conditions or hash_conditions[0][0] != secondary.hash_attr:
            return None
        if comparison is not None and secondary.range_attr is None:
            return None  # moto refuses a range condition on an index without a range key
        hash_value = hash_conditions[0][1]
        try:
            partition = secondary.partitions.get(hash_value)
        except TypeError:
            return None
        attrs, first = secondary.sort_attrs, (lambda key: key[0])
    if partition is None:
        return []
    if partition.broken or len(partition.types) > 1:
        return None  # moto orders mixed types its own way
    bounds = _key_range(partition, comparison, [DynamoType(value) if not isinstance(value, DynamoType) else value for value in range_values], first)
    if bounds is None:
        return None
    low, high = bounds
    if start is not None:
        start_key = _start_key(table, attrs, start, hash_value, partition, secondary is not None)
        if start_key is _ABSENT:
            return None
        try:
            if forward:
                low = max(low, bisect.bisect_right(partition.keys, start_key))
            else:
                high = min(high, bisect.bisect_left(partition.keys, start_key))
        except TypeError:
            return None
    count = len(partition.keys)
    if forward:
        in_range, beyond = range(low, high), range(max(low, high), count)
    else:
        in_range, beyond = range(high - 1, low - 1, -1), range(min(low, high) - 1, -1, -1)

    def items(positions: range) -> Iterator[Any]:
        for position in positions:
            key = partition.keys[position]
            ref = partition.refs[key]
            if secondary is None:
                item = _stored(table, hash_value, ref)
                if item is None:
                    raise _Stale
            else:
                item = _stored(table, *ref)
                entry = secondary.entry(item)
                if entry is None or entry[0] != hash_value or entry[1] != key:
                    raise _Stale
            yield item

    return _page(items(in_range), items(beyond), limit)


def _make_query(original: Callable) -> Callable:
    def query(
        self: Any,
        hash_key: Any,
        range_comparison: str | None,
        range_objs: list,
        limit: int,
        exclusive_start_key: dict,
        scan_index_forward: bool,
        projection_expressions: Any,
        index_name: str | None = None,
        consistent_read: bool = False,
        filter_expression: Any = None,
        hash_key_conditions: list | None = None,
        range_key_conditions: list | None = None,
        **filter_kwargs: Any,
    ) -> Any:
        reachable = None
        for _ in range(2):
            try:
                reachable = _reachable(
                    self, hash_key, range_comparison, range_objs, limit, exclusive_start_key, scan_index_forward is not False, index_name,
                    hash_key_conditions or [], range_key_conditions or [], filter_kwargs,
                )
                break
            except _Stale:
                _index_of(self, rebuild=True)
        view = self if reachable is None else _Reachable(self, reachable)
        return original(
            view, hash_key, range_comparison, range_objs, limit, exclusive_start_key, scan_index_forward, projection_expressions, index_name,
            consistent_read, filter_expression, hash_key_conditions=hash_key_conditions, range_key_conditions=range_key_conditions, **filter_kwargs,
        )

    return query


# --- TransactWriteItems ----------------------------------------------------------------------------


class _UndoLog:
    """The items a transaction will write, as they were before it, and how to put them back."""

    def __init__(self, backend: Any, actions: list) -> None:
        self.backend = backend
        self.entries: list[tuple[str, Any, Any, Any]] = []
        self.streams: dict[str, tuple[Any, int]] = {}
        seen = set()
        for action in actions if isinstance(actions, list) else []:
            if not isinstance(action, dict) or len(action) != 1:
                continue
            ((kind, operation),) = action.items()
            if kind not in ("Put", "Update", "Delete") or not isinstance(operation, dict):
                continue
            try:
                table = backend.get_table(operation["TableName"])
                if kind == "Put":
                    hash_value, range_value = backend.get_keys_value(table, operation["Item"])
                else:
                    hash_value, range_value = backend.get_keys_value(table, operation["Key"])
                if (table.name, hash_value, range_value) in seen:
                    continue
            except Exception:
                continue  # moto will refuse this action before writing anything for it
            seen.add((table.name, hash_value, range_value))
            self.entries.append((table.name, hash_value, range_value, copy.deepcopy(_stored(table, hash_value, range_value))))
            if table.stream_shard is not None and table.name not in self.streams:
                self.streams[table.name] = (table.stream_shard, len(table.stream_shard.items))

    def restore(self) -> None:
        for table_name, hash_value, range_value, before in reversed(self.entries):
            table = self.backend.tables.get(table_name)
            if table is not None:
                _put_back(table, hash_value, range_value, before)
        for shard, length in self.streams.values():
            del shard.items[length:]


def _put_back(table: Any, hash_value: Any, range_value: Any, item: Any) -> None:
    """Stores `item` (None: nothing) at a key, bypassing moto's checks, and keeps the index."""
    index = _indexes.get(table)
    current = _stored(table, hash_value, range_value)
    snapshot = index.snapshot(current) if index is not None else ()
    if range_value is None:
        if item is None:
            table.items.pop(hash_value, None)
        else:
            table.items[hash_value] = item
    elif item is None:
        partition = table.items.get(hash_value)
        if partition is not None:
            partition.pop(range_value, None)
            if not partition:
                del table.items[hash_value]
    else:
        table.items[hash_value][range_value] = item
    if index is not None:
        index.changed(hash_value, range_value, current is not None, snapshot, item)


class _TransactionInProgress(Exception):
    pass


class _Tokens:
    """ClientRequestTokens of one backend: running, and committed within the window."""

    def __init__(self) -> None:
        self.running: dict[str, bytes] = {}
        self.committed: OrderedDict[str, tuple[bytes, float]] = OrderedDict()  # in commit order

    def expire(self, now: float) -> None:
        while self.committed:
            token, (_, committed_at) = next(iter(self.committed.items()))
            if now - committed_at < TOKEN_WINDOW_SECONDS:
                return
            del self.committed[token]


def _errors() -> tuple[type, type]:
    from moto.dynamodb.exceptions import ERROR_TYPE_PREFIX, DynamodbException

    class IdempotentParameterMismatch(DynamodbException):
        def __init__(self) -> None:
            super().__init__(ERROR_TYPE_PREFIX + "IdempotentParameterMismatchException", "The request uses the same client token as a previous, but non-identical request.")

    class TransactionInProgress(DynamodbException):
        def __init__(self) -> None:
            super().__init__(ERROR_TYPE_PREFIX + "TransactionInProgressException", "The transaction with the given request token is already in progress.")

    return IdempotentParameterMismatch, TransactionInProgress


def _digest(body: dict) -> bytes:
    """The request's parameters besides the token, canonically."""
    parameters = {name: value for name, value in body.items() if name != "ClientRequestToken"}
    return hashlib.sha256(json.dumps(parameters, sort_keys=True, default=repr).encode()).digest()


def _make_transact_write_items(original: Callable) -> Callable:
    from moto.core.responses import ActionResult

    mismatch, in_progress = _errors()

    def atomically(self: Any) -> Any:
        undo = _UndoLog(self.dynamodb_backend, self.body.get("TransactItems"))
        try:
            with _Nested("sharing"):
                return original(self)
        except BaseException:
            undo.restore()
            raise

    def transact_write_items(self: Any) -> Any:
        token = self.body.get("ClientRequestToken")
        if token is None:
            return atomically(self)
        backend = self.dynamodb_backend
        tokens = backend.__dict__.setdefault("_partnerapi_tokens", _Tokens())  # gone with the backend's reset
        digest = _digest(self.body)
        tokens.expire(clock())
        if token in tokens.running:
            raise mismatch() if tokens.running[token] != digest else in_progress()
        if token in tokens.committed:
            if tokens.committed[token][0] != digest:
                raise mismatch()
            return ActionResult({"ConsumedCapacity": [], "ItemCollectionMetrics": {}})  # committed before: nothing again
        tokens.running[token] = digest
        try:
            result = atomically(self)
            tokens.committed[token] = (digest, clock())
            return result
        finally:
            del tokens.running[token]

    return transact_write_items
