"""The sandbox's data file: who holds it (a lock), how it is written (durably, from moto's in-process
state) and when (a background flusher, about a second after each change).

File format, version 1 (unchanged): {"version": 1, "tables": {logical id: [item in DynamoDB JSON]},
"buckets": {logical id: [{"key": …, "body": base64}]}}.
"""

import base64
import errno
import fcntl
import gc
import json
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

FLUSH_INTERVAL_SECONDS = 1.0
LOCK_SUFFIX = ".lock"
TEMPORARY_SUFFIX = ".tmp"

_SCALAR_TYPES = frozenset({"S", "N", "BOOL", "NULL"})
_writing = threading.Lock()  # the flusher and the final export share the temporary file


# ------------------------------------------------------------------------------------------ lock --


class DataFileBusy(Exception):
    """Another process holds the data file (a sandbox or a `partnerapi … --data` command)."""

    def __init__(self, data: Path, holder: dict[str, Any]) -> None:
        self.data, self.holder = data, holder
        super().__init__(self.message())

    def message(self, command: str = "") -> str:
        """One line: who holds the file and what to do instead; `command`, e.g. `partnerapi region add`,
        is what the refused user ran (empty: a sandbox)."""
        holder, data = self.holder, self.data
        pid = holder.get("pid", "?")
        if holder.get("command") == "serve":
            where = f"the sandbox (pid {pid}, port {holder.get('port', '?')})"
            if not holder.get("environment"):
                advice = f"it is still starting; use it when it has, or stop it (kill {pid})"
            elif command:
                advice = f"act on it instead, without --data: {holder['environment']} {command} …; or stop it first (kill {pid}: it saves the file)"
            else:
                advice = f"use it ({holder.get('url', '')}), or stop it first (kill {pid}: it saves the file)"
        elif holder.get("command"):
            where, advice = f"`{holder['command']}` (pid {pid})", "try again when it has finished"
        else:
            where, advice = "another process", "try again when it has finished"
        return f"{data} is in use by {where}; {advice}"


class DataFileError(Exception):
    """The data file cannot be read as one (not JSON, another format)."""


class DataFileLock:
    """An exclusive flock on FILE.lock for as long as this process uses FILE. The kernel releases it
    when the process dies however it dies, so no lock is ever stale. The lock file names the holder
    (one JSON line) for the refusal message; it is left in place: removing it would let a third
    process lock a new file while a second still waits on the old one."""

    def __init__(self, data: Path) -> None:
        self.data = Path(data)
        real = Path(os.path.realpath(data))  # one lock per file, whatever path or symlink names it
        self.path = real.with_name(real.name + LOCK_SUFFIX)
        self._fd: int | None = None
        self._holder: dict[str, Any] = {}

    def acquire(self, **holder: Any) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            current = _read_holder(fd)
            os.close(fd)
            if error.errno in (errno.EAGAIN, errno.EACCES):
                raise DataFileBusy(self.data, current) from None
            raise
        self._fd = fd
        self.describe(pid=os.getpid(), **holder)

    def describe(self, **holder: Any) -> None:
        """Adds to what the lock file says about the holder (e.g. the sandbox's endpoint once known)."""
        assert self._fd is not None
        self._holder.update(holder)
        line = (json.dumps(self._holder, ensure_ascii=False) + "\n").encode()
        # overwrite in place, then trim: a reader sees the old line or the new one, never an empty file
        os.pwrite(self._fd, line, 0)
        os.ftruncate(self._fd, len(line))

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing the last descriptor releases the flock
            self._fd = None


def _read_holder(fd: int) -> dict[str, Any]:
    try:
        line = os.pread(fd, 4096, 0).split(b"\n", 1)[0]
        holder = json.loads(line)
        return holder if isinstance(holder, dict) else {}
    except (OSError, ValueError):
        return {}


@contextmanager
def holding(data: Path, **holder: Any) -> Iterator[DataFileLock]:
    """The data file's lock for the block; raises DataFileBusy at once if another process has it."""
    lock = DataFileLock(data)
    lock.acquire(**holder)
    try:
        yield lock
    finally:
        lock.release()


# ---------------------------------------------------------------------------------------- export --


def dynamodb_request_lock() -> Any:
    """The lock every request to moto's DynamoDB holds in the emulation (moto_dynamodb.serialize_moto_dynamodb):
    a snapshot taken under it sees whole requests only (a TransactWriteItems all or nothing, an
    UpdateItem done or not begun)."""
    from partnerapi_ops.moto_dynamodb import REQUEST_LOCK

    return REQUEST_LOCK


def moto_backends() -> tuple[Any, Any]:
    """moto's DynamoDB and S3 backends of the emulation (its server runs in this process)."""
    from moto.backends import get_backend
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.utilities.utils import get_partition

    from partnerapi_ops.emulation import REGION

    return get_backend("dynamodb")[DEFAULT_ACCOUNT_ID][REGION], get_backend("s3")[DEFAULT_ACCOUNT_ID][get_partition(REGION)]


def snapshot() -> dict[str, Any]:
    """Every item and object of the emulation, read from moto's in-process backends (not a Scan over
    HTTP: that costs a request and a JSON round trip per page), in the file's format.

    Under the request lock only what requests change in place is copied: each item's attribute dict,
    and its maps, lists and sets (moto replaces a scalar attribute's value object, never alters it);
    the rest of the conversion runs after the lock is released. S3 objects are read afterwards: each
    is written whole, and one written meanwhile is marked as a change and saved by the next flush."""
    from partnerapi_ops.emulation import local_buckets, local_tables

    dynamodb, s3 = moto_backends()
    frozen: dict[str, list[dict[str, Any]]] = {}
    with no_gc():  # ~2 million small objects: collections would triple the time, most of it under the lock
        with dynamodb_request_lock():
            for logical_id in local_tables():
                table = dynamodb.tables[logical_id]
                partitions = table.items.values()
                items = (item for partition in partitions for item in partition.values()) if table.has_range_key else partitions
                frozen[logical_id] = [
                    dict(item.attrs) if all(value.type in _SCALAR_TYPES for value in item.attrs.values()) else _freeze(item.attrs) for item in items
                ]
        state: dict[str, Any] = {"version": 1, "tables": {}, "buckets": {}}
        for logical_id, rows in frozen.items():
            state["tables"][logical_id] = [{name: value if type(value) is dict else {value.type: value.value} for name, value in row.items()} for row in rows]
    for logical_id, name in local_buckets().items():
        store = s3.buckets[name].keys
        objects = []
        for key in list(dict.keys(store)):  # a copy: request threads add keys meanwhile
            body = _object_body(store, key)
            if body is not None:
                objects.append({"key": key, "body": base64.b64encode(body).decode()})
        state["buckets"][logical_id] = objects
    return state


@contextmanager
def no_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _freeze(attributes: dict[str, Any]) -> dict[str, Any]:
    """Scalars as they are (moto's value objects), everything else as plain DynamoDB JSON."""
    return {name: value if value.type in _SCALAR_TYPES else _plain(value) for name, value in attributes.items()}


def _plain(value: Any) -> dict[str, Any]:
    kind, inner = value.type, value.value
    if kind == "M":
        return {"M": {name: _plain(member) for name, member in inner.items()}}
    if kind == "L":
        return {"L": [_plain(member) for member in inner]}
    if kind == "B":
        return {"B": _base64(inner)}
    if kind == "BS":
        return {"BS": [_base64(member) for member in inner]}
    if kind in ("SS", "NS"):
        return {kind: list(inner)}
    return {kind: inner}


def _base64(value: bytes | str) -> str:
    return base64.b64encode(value).decode() if isinstance(value, bytes) else value


def _object_body(store: Any, key: str) -> bytes | None:
    for _ in range(3):
        versions = store.getlist(key) or []
        latest = versions[-1] if versions else None
        if latest is None or getattr(latest, "is_delete_marker", False) or not hasattr(latest, "value"):
            return None
        try:
            return latest.value
        except ValueError:  # replaced or deleted (its buffer closed) while we read it: look again
            continue
    return None


def counts_of(state: dict[str, Any]) -> dict[str, int]:
    return {name: len(entries) for section in ("tables", "buckets") for name, entries in state[section].items()}


def write_state(path: Path, state: dict[str, Any]) -> None:
    # json.dumps, not json.dump: only the one-shot encoder is the C one (several times faster)
    write_durably(Path(path), json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode())


def write_durably(path: Path, content: bytes) -> None:
    """Replaces `path` with `content` so that a crash at any moment leaves the old file or the new one:
    a temporary file in the same directory, fsync, rename over, fsync the directory (the rename)."""
    path = Path(os.path.realpath(path))  # a symlinked data file stays a symlink
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + TEMPORARY_SUFFIX)
    with _writing:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            view = memoryview(content)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)
        directory = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def read_state(path: Path) -> dict[str, Any]:
    try:
        state = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise DataFileError(f"{path}: cannot be read as a sandbox data file: {error}") from None
    if not isinstance(state, dict) or state.get("version") != 1:
        raise DataFileError(f"{path}: not a sandbox data file of version 1")
    return state


def export_data(path: Path) -> dict[str, int]:
    state = snapshot()
    write_state(path, state)
    return counts_of(state)


# --------------------------------------------------------------------------------------- flusher --


_DYNAMODB_WRITES = frozenset(
    {
        "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems", "ExecuteStatement", "BatchExecuteStatement",
        "ExecuteTransaction", "CreateTable", "DeleteTable", "UpdateTable", "RestoreTableFromBackup", "RestoreTableToPointInTime", "ImportTable",
    }
)  # fmt: skip
_listeners: list[Callable[[], None]] = []
_SCOPE = re.compile(r"Credential=[^/,]*/[^/,]*/[^/,]*/([^/,]*)/")


def _is_write(environ: dict[str, Any]) -> bool:
    """Whether a request to the emulated AWS may have changed what the data file holds."""
    scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    service = scope.group(1) if scope else ""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if service == "dynamodb" or target.startswith("DynamoDB_"):
        return target.rpartition(".")[2] in _DYNAMODB_WRITES
    # S3 (and, to be safe, anything unsigned): whatever is not a read
    return service in ("s3", "") and not target and environ.get("REQUEST_METHOD") in ("PUT", "POST", "DELETE", "PATCH")


def watch_writes(listener: Callable[[], None]) -> Callable[[], None]:
    """Calls `listener` after each successful write request to the emulated AWS, whoever sends it:
    the API's functions, or `partnerapi` and scripts pointed at AWS_ENDPOINT_URL. Returns the undo."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original = DomainDispatcherApplication.__call__
    if not getattr(original, "_partnerapi_writes", False):

        def __call__(self: Any, environ: dict[str, Any], start_response: Callable) -> Any:
            statuses: list[str] = []

            def recording(status: str, headers: list, *exc_info: Any) -> Any:
                statuses.append(status)
                return start_response(status, headers, *exc_info)

            # moto handles the request within this call (Flask); only the body is sent afterwards
            result = original(self, environ, recording)
            if statuses and statuses[-1].startswith("2") and _is_write(environ):
                for each in list(_listeners):
                    each()
            return result

        __call__._partnerapi_writes = True  # type: ignore[attr-defined]
        DomainDispatcherApplication.__call__ = __call__  # type: ignore[method-assign]
    _listeners.append(listener)
    return lambda: _listeners.remove(listener)


def flush_interval() -> float:
    """FLUSH_INTERVAL_SECONDS, or PARTNERAPI_FLUSH_SECONDS (tests set a long one to see what only the exit saves)."""
    text = os.environ.get("PARTNERAPI_FLUSH_SECONDS", "")
    try:
        value = float(text) if text else FLUSH_INTERVAL_SECONDS
    except ValueError:
        value = -1.0
    if not value > 0:
        raise ValueError(f"PARTNERAPI_FLUSH_SECONDS must be a number of seconds above 0, not {text!r}")
    return value


class Flusher:
    """Writes the data file in the background `interval` seconds after the state changed (`changed()`),
    and never when it did not: the writes of that interval are saved together. One export at a time,
    and exports take at most half of the time (a large file takes seconds to export)."""

    def __init__(self, path: Path, interval: float = FLUSH_INTERVAL_SECONDS, export: Callable[[Path], Any] = export_data) -> None:
        self.path, self.interval, self._export = Path(path), interval, export
        self._dirty = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="data-file-flusher", daemon=True)
        self._last_error = ""

    def changed(self) -> None:
        self._dirty.set()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Waits for an export in progress; the caller writes the final state itself."""
        self._stopping.set()
        self._dirty.set()
        self._thread.join()

    def _run(self) -> None:
        pause = self.interval
        while True:
            self._dirty.wait()
            if self._stopping.is_set() or self._stopping.wait(pause):
                return
            # cleared before the snapshot: a change marked from here on is saved by the next export
            self._dirty.clear()
            started = time.monotonic()
            try:
                self._export(self.path)
                self._last_error = ""
            except Exception as error:  # a full disk must not stop the sandbox; retried next round
                self._dirty.set()
                message = f"partnerapi serve: could not save {self.path}: {error}; retrying"
                if message != self._last_error:
                    print(message, file=sys.stderr, flush=True)
                self._last_error = message
            pause = max(self.interval, time.monotonic() - started)


@contextmanager
def flushing(path: Path, interval: float = FLUSH_INTERVAL_SECONDS) -> Iterator[Flusher]:
    """A flusher for the block, told of every write to the emulated AWS."""
    flusher = Flusher(path, interval)
    flusher.start()
    unwatch = watch_writes(flusher.changed)
    try:
        yield flusher
    finally:
        unwatch()
        flusher.stop()
