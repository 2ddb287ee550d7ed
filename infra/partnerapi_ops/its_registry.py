"""The operator's loader of the ITS registry («база 1С:ИТС»): `partnerapi its import FILE`.

Reads CSV (header `reg_number,inn,its_level,date_from,date_to`, `;` or `,`), JSON Lines or a JSON
array of objects with the same fields, UTF-8 (a BOM is fine), streaming: memory stays constant
whatever the file's size. Every row is validated; an invalid row is counted and reported with its
line number (the first 20), never dropped silently, and never stops the load. Valid rows are written
with BatchWriteItem, 25 items a batch, retrying UnprocessedItems and throttling with jittered
exponential backoff. Rows are spread over `workers` writer threads by a hash of their key, so the
rows of one number are always written in file order: the last row of a number wins, and loading the
same file twice leaves the same items. See docs/its-registry.md.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import sys
import time
import zlib
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from partnerapi.data import keys
from partnerapi.data.clients import client
from partnerapi.data.table import table_name, to_item
from partnerapi.errors import StorageUnavailable
from partnerapi.logic.its import CONTRACT_LEVELS, ITS_SK, normalize_reg_number
from pydantic import BaseModel, ValidationError, field_validator, model_validator

FIELDS = ("reg_number", "inn", "its_level", "date_from", "date_to")
BATCH_SIZE = 25  # DynamoDB's BatchWriteItem limit
MAX_ATTEMPTS = 10  # per batch, for UnprocessedItems and throttling together
MAX_REPORTED = 20  # invalid rows listed with their line numbers
MAX_JSON_VALUE_CHARS = 1 << 20  # one element of a JSON array may not exceed 1 MiB of text
IN_FLIGHT_PER_WORKER = 4  # batches queued per writer thread: bounds memory
_THROTTLING = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded", "InternalServerError", "ServiceUnavailable"}
)
_sleep = time.sleep  # tests replace it
_INN = re.compile(r"[0-9]{10}|[0-9]{12}")
_RU_DATE = re.compile(r"(?P<day>[0-9]{2})\.(?P<month>[0-9]{2})\.(?P<year>[0-9]{4})")


class RegistryFileError(ValueError):
    """The file as a whole cannot be read (no header, missing columns, unknown format): nothing is written."""


# --------------------------------------------------------------------------------------- rows --


def _text(value: Any, field: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"{field} must be a string or an integer")
    text = str(value)
    if "\ufffd" in text:
        raise ValueError("the value is not valid UTF-8")
    return text


class ItsRow(BaseModel):
    """One registry row, validated and normalized exactly as the lookups will read it."""

    reg_number: str
    inn: str
    its_level: int
    date_from: date
    date_to: date

    @field_validator("reg_number", mode="before")
    @classmethod
    def _reg_number(cls, value: Any) -> str:
        text = _text(value, "reg_number")
        normalized = normalize_reg_number(text)
        if normalized is None:
            raise ValueError(f"«{text[:40]}» is not a valid registration number (500000..999999999999, or ВО/FR followed by 1-20 digits)")
        return normalized

    @field_validator("inn", mode="before")
    @classmethod
    def _inn(cls, value: Any) -> str:
        text = "".join(_text(value, "inn").split())
        if not _INN.fullmatch(text):
            raise ValueError(f"«{text[:40]}» is not an INN (10 or 12 digits)")
        return text

    @field_validator("its_level", mode="before")
    @classmethod
    def _its_level(cls, value: Any) -> int:
        text = _text(value, "its_level").strip()
        if not text.isascii() or not text.isdigit() or int(text) not in CONTRACT_LEVELS:
            raise ValueError(f"«{text[:40]}» is not a contract level: 1 (ПРОФ), 2 (ТЕХНО) or 4 (ИТС Международный)")
        return int(text)

    @field_validator("date_from", "date_to", mode="before")
    @classmethod
    def _date(cls, value: Any) -> date:
        text = _text(value, "date").strip()
        try:
            if match := _RU_DATE.fullmatch(text):
                return date(int(match["year"]), int(match["month"]), int(match["day"]))
            if len(text) == 10:
                return date.fromisoformat(text)
        except ValueError:
            pass
        raise ValueError(f"«{text[:40]}» is not a date (YYYY-MM-DD or DD.MM.YYYY)")

    @model_validator(mode="after")
    def _period(self) -> ItsRow:
        if self.date_from > self.date_to:
            raise ValueError(f"date_from {self.date_from} is after date_to {self.date_to}")
        return self

    def item(self) -> dict[str, Any]:
        return to_item(
            {
                "PK": keys.its_pk(self.reg_number),
                "SK": ITS_SK,
                "kind": "its_contract",
                "reg_number": self.reg_number,
                "inn": self.inn,
                "its_level": self.its_level,
                "date_from": self.date_from.isoformat(),
                "date_to": self.date_to.isoformat(),
            }
        )


def _explain(error: ValidationError) -> str:
    parts = []
    for entry in error.errors():
        message = entry["msg"].removeprefix("Value error, ")
        field = ".".join(str(part) for part in entry["loc"])
        parts.append(f"{field}: {message}" if field else message)
    return "; ".join(parts)


# ------------------------------------------------------------------------------------ readers --

Record = tuple[int, dict[str, Any] | None, str | None]  # (line, fields, error)


class _CountingReader(io.RawIOBase):
    """Counts the bytes read, for the progress bar (a text stream cannot tell() while iterated)."""

    def __init__(self, raw: io.RawIOBase):
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        read = self.raw.readinto(buffer) or 0
        self.count += read
        return read

    def close(self) -> None:
        self.raw.close()
        super().close()


def detect_format(path: Path) -> str:
    """`csv;`, `csv,`, `jsonl` or `json` (an array), from the first non-blank character and the header."""
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        head = handle.read(65536)
    stripped = head.lstrip()
    if stripped.startswith("["):
        return "json"
    if stripped.startswith("{"):
        return "jsonl"
    header = head.splitlines()[0] if head else ""
    return "csv;" if header.count(";") > header.count(",") else "csv,"


def _csv_records(text: io.TextIOBase, delimiter: str) -> Iterator[Record]:
    reader = csv.reader(text, delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        return
    names = [name.strip().lower() for name in header]
    missing = [field for field in FIELDS if field not in names]
    if missing:
        raise RegistryFileError(f"the CSV header lacks {', '.join(missing)} (found: {delimiter.join(header)[:200]}); expected {','.join(FIELDS)}")
    position = {field: names.index(field) for field in FIELDS}
    previous = reader.line_num
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            line, previous = previous + 1, reader.line_num
            yield line, None, f"CSV: {error}"
            continue
        line, previous = previous + 1, reader.line_num
        if not any(cell.strip() for cell in record):
            continue  # a blank line is not a row
        if len(record) != len(names):
            yield line, None, f"{len(record)} fields, the header has {len(names)}"
            continue
        yield line, {field: record[position[field]] for field in FIELDS}, None


def _jsonl_records(text: io.TextIOBase) -> Iterator[Record]:
    for line, raw in enumerate(text, start=1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except ValueError as error:
            yield line, None, f"JSON: {error.msg if isinstance(error, json.JSONDecodeError) else error}"
            continue
        if isinstance(value, dict):
            yield line, value, None
        else:
            yield line, None, "not a JSON object"


class _JsonArrayError(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def _json_array_records(text: io.TextIOBase) -> Iterator[Record]:
    """The elements of a top-level JSON array, one at a time (raw_decode over a sliding buffer)."""
    decoder = json.JSONDecoder()
    buffer, position, line, eof = "", 0, 1, False

    def fill() -> bool:
        nonlocal buffer, position, eof
        if eof:
            return False
        chunk = text.read(65536)
        if not chunk:
            eof = True
            return False
        buffer, position = buffer[position:] + chunk, 0
        return True

    def skip_blank() -> str:
        """Skips whitespace (counting lines); returns the next character, '' at the end."""
        nonlocal position, line
        while True:
            while position < len(buffer) and buffer[position] in " \t\r\n":
                line += buffer[position] == "\n"
                position += 1
            if position < len(buffer):
                return buffer[position]
            if not fill():
                return ""

    if skip_blank() != "[":
        raise _JsonArrayError(line, "a JSON file must hold an array of objects (or use JSON Lines: one object a line)")
    position += 1
    expect_value = True
    while True:
        character = skip_blank()
        if character == "]":
            position += 1
            if skip_blank():
                raise _JsonArrayError(line, "text after the end of the array")
            return
        if character == "":
            raise _JsonArrayError(line, "the array is not closed")
        if not expect_value:
            if character != ",":
                raise _JsonArrayError(line, f"expected ',' or ']', found {character!r}")
            position += 1
            expect_value = True
            continue
        while True:
            try:
                value, end = decoder.raw_decode(buffer, position)
            except json.JSONDecodeError as error:
                # maybe only cut off by the buffer's end: read on (up to 1 MiB for one element)
                if len(buffer) - position > MAX_JSON_VALUE_CHARS or not fill():
                    raise _JsonArrayError(line + buffer.count("\n", position, error.pos), f"JSON: {error.msg}") from None
                continue
            # a value ending exactly at the buffer's end may be cut short (a number): decode it again with more text
            if end < len(buffer) or not fill():
                break
        start = line
        line += buffer.count("\n", position, end)
        position = end
        expect_value = False
        if isinstance(value, dict):
            yield start, value, None
        else:
            yield start, None, "not a JSON object"


# ------------------------------------------------------------------------------------- writer --


class _Writer:
    """BatchWriteItem in batches of 25 on `workers` threads; a key always goes to the same thread."""

    def __init__(self, workers: int):
        self.name = table_name()
        self.dynamodb = client("dynamodb")
        self.batches: list[dict[str, dict[str, Any]]] = [{} for _ in range(workers)]
        self.executors = [ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"its-writer-{index}") for index in range(workers)]
        self.pending: list[deque[Future[int]]] = [deque() for _ in range(workers)]
        self.written = 0
        self.duplicates = 0

    def add(self, key: str, item: dict[str, Any]) -> None:
        shard = zlib.crc32(key.encode()) % len(self.batches)
        batch = self.batches[shard]
        if key in batch:
            self.duplicates += 1  # BatchWriteItem refuses a key twice in one request: the later row wins
        batch[key] = item
        if len(batch) == BATCH_SIZE:
            self._flush(shard)

    def _flush(self, shard: int) -> None:
        items = list(self.batches[shard].values())
        self.batches[shard] = {}
        pending = self.pending[shard]
        while len(pending) >= IN_FLIGHT_PER_WORKER:
            self.written += pending.popleft().result()
        pending.append(self.executors[shard].submit(self._write, items))

    def _write(self, items: list[dict[str, Any]]) -> int:
        request: dict[str, Any] = {self.name: [{"PutRequest": {"Item": item}} for item in items]}
        attempt = 0
        while request:
            try:
                request = self.dynamodb.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
                if not request:
                    break
                reason = "UnprocessedItems"
            except ClientError as error:
                reason = error.response.get("Error", {}).get("Code", "")
                if reason not in _THROTTLING:
                    raise
            attempt += 1
            if attempt >= MAX_ATTEMPTS:
                raise StorageUnavailable(f"DynamoDB BatchWriteItem: {reason} after {attempt} attempts")
            _sleep(min(0.05 * 2**attempt, 5.0) * random.uniform(0.5, 1.0))
        return len(items)

    def close(self, wait_for_all: bool = True) -> None:
        try:
            if wait_for_all:
                for shard, batch in enumerate(self.batches):
                    if batch:
                        self._flush(shard)
                for pending in self.pending:
                    while pending:
                        self.written += pending.popleft().result()
        finally:
            for executor in self.executors:
                executor.shutdown(wait=True, cancel_futures=not wait_for_all)


# ------------------------------------------------------------------------------------- import --


def import_registry(path: str | Path, progress: bool = True, *, workers: int = 4) -> dict[str, Any]:
    """Loads a registry file into the entities table. Returns
    `{read, written, invalid, duplicates, seconds, rows_per_second, format, invalid_rows, file_error}`:

    - read: data rows read (header and blank lines not counted) = written + invalid + duplicates;
    - written: items put (one per valid row, less the in-batch duplicates);
    - duplicates: valid rows overwritten by a later row of the same number in the same batch;
    - invalid_rows: the first 20 invalid rows as {line, error};
    - file_error: why reading stopped early (a JSON array with a syntax error), else None.

    Raises RegistryFileError (nothing written) when the file cannot be read as a registry at all.
    """
    from tqdm import tqdm

    path = Path(path)
    workers = max(1, min(int(workers), 8))
    started = time.perf_counter()
    kind = detect_format(path)
    counts: dict[str, Any] = {"read": 0, "written": 0, "invalid": 0, "duplicates": 0}
    reported: list[dict[str, Any]] = []
    file_error: str | None = None

    raw = _CountingReader(open(path, "rb", buffering=0))  # noqa: SIM115 (closed below)
    text = io.TextIOWrapper(io.BufferedReader(raw, 1 << 16), encoding="utf-8-sig", errors="replace", newline="")
    bar = tqdm(total=path.stat().st_size, unit="B", unit_scale=True, desc="ITS registry", file=sys.stderr, disable=not progress or not sys.stderr.isatty())
    writer: _Writer | None = None
    try:
        if kind == "json":
            records: Iterator[Record] = _json_array_records(text)
        elif kind == "jsonl":
            records = _jsonl_records(text)
        else:
            records = _csv_records(text, kind[-1])
        writer = _Writer(workers)  # writes nothing until a valid row arrives (a header error comes first)
        try:
            for line, fields, error in records:
                counts["read"] += 1
                if fields is not None:
                    try:
                        row = ItsRow.model_validate(fields)
                    except ValidationError as invalid:
                        error = _explain(invalid)
                    else:
                        writer.add(row.reg_number, row.item())
                if error is not None:
                    counts["invalid"] += 1
                    if len(reported) < MAX_REPORTED:
                        reported.append({"line": line, "error": error})
                if counts["read"] % 2048 == 0:
                    bar.update(raw.count - bar.n)
                    bar.set_postfix(rows=counts["read"], invalid=counts["invalid"], refresh=False)
        except _JsonArrayError as error:
            file_error = f"line {error.line}: {error.message}; the rest of the file was not read (JSON Lines allow reading past a bad line)"
        writer.close()
        bar.update(raw.count - bar.n)
    except BaseException:
        if writer is not None:
            writer.close(wait_for_all=False)
        raise
    finally:
        bar.close()
        text.close()
    seconds = time.perf_counter() - started
    counts["written"] = writer.written
    counts["duplicates"] = writer.duplicates
    return {
        **counts,
        "seconds": round(seconds, 3),
        "rows_per_second": round(counts["read"] / seconds) if seconds > 0 else None,
        "format": {"csv;": "csv (;)", "csv,": "csv (,)", "jsonl": "json lines", "json": "json array"}[kind],
        "invalid_rows": reported,
        "file_error": file_error,
    }
