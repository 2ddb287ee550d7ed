#!/usr/bin/env python3
"""Does statistics_read cost what it returns, whatever the table holds?

1. In one moto table (in-process, created from template.yaml), loads call records in steps (default
   10 000, then up to 1 000 000) with BatchWriteItem, as exactly the items the ingest path writes
   (`partnerapi.logic.ingest.items_of`: the record, its id marker, its month in the month list). The
   records are spread over 2023 and over several partners; one partner's probe day (2023-06-15) holds
   the same `--probe-rows` calls at every step, so the result of the measured read is the same at
   every size while the table around it grows a hundredfold.
2. At each step, measures `statistics_read` over that day through StatisticsFunction's handler (an API
   Gateway event, SOAP in, SOAP out): the Query calls, the items DynamoDB read for them (ScannedCount,
   what DynamoDB bills) against the rows returned (target ≤ 1.1), and the median time of `--repeat`
   calls; then the time ratio between the largest and the smallest step (target ≤ 1.2). Also a natural
   day of another partner, and the probe day filtered by client (a filter reads the whole window).

moto's Query is not DynamoDB's: it lists and sorts the whole table (all partitions) in Python on every
call, O(table), where DynamoDB seeks the partition's B-tree, O(log n + rows). Timed as it is, moto
would measure moto. So the timed reads run with a key index given to moto's Query (`PartitionSeek`:
each partition's range keys sorted once after loading, BETWEEN answered by bisection; moto then
filters, pages and counts as always, over the same candidates). One unpatched call per step is
reported beside it, to show what the patch removes. Items read and Query calls are moto's own counts
either way.

    .venv/bin/python bench/statistics_scale.py                        # 10 000 then 1 000 000 records
    .venv/bin/python bench/statistics_scale.py --rows 10000,100000    # a quicker run
    .venv/bin/python bench/statistics_scale.py --write                # … and into docs/performance.md
"""

from __future__ import annotations

import argparse
import base64
import bisect
import datetime as dt
import gc
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from docs_section import replace_section  # bench/ is the script's own directory

REPO_ROOT = Path(__file__).resolve().parents[1]
LAYER_DIR = REPO_ROOT / "layers" / "shared"
INFRA_DIR = REPO_ROOT / "infra"
DOC_PATH = REPO_ROOT / "docs" / "performance.md"
RESULTS = REPO_ROOT / "bench" / "results" / "statistics_scale.json"
BEGIN, END = "<!-- statistics-scale:begin -->", "<!-- statistics-scale:end -->"
PROBE_DAY = dt.date(2023, 6, 15)
YEAR_START = dt.datetime(2023, 1, 1)

for path in (LAYER_DIR, INFRA_DIR, REPO_ROOT / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


# ------------------------------------------------------------------------------------ records --


def partners(count: int) -> list[str]:
    return [f"b0000000-0000-4000-8000-{index:012d}" for index in range(1, count + 1)]


def call_record(rng: random.Random, partner: str, moment: dt.datetime, client_id: str | None = None) -> dict[str, Any]:
    status = rng.choices(range(8), weights=(70, 6, 4, 5, 3, 3, 4, 5))[0]
    return {
        "record_type": "call",
        "call_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "time": moment.isoformat(),
        "duration": rng.randrange(0, 1500),
        "partner_id": partner,
        "client_id": client_id or str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "src_agent_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "dst_agent_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "service_type_id": "5e000000-0000-4000-8000-000000000001",
        "call_status_id": status,
        "remote_status_id": rng.choice((0, 0, 0, 2)),
    }


def background(rng: random.Random, count: int, all_partners: list[str]) -> Any:
    """`count` calls over 2023 and the partners, never on the probe partner's probe day."""
    probe_partner = all_partners[0]
    for index in range(count):
        partner = all_partners[index % len(all_partners)]
        moment = YEAR_START + dt.timedelta(seconds=rng.randrange(365 * 86400))
        if partner == probe_partner and moment.date() == PROBE_DAY:
            moment += dt.timedelta(days=1)
        yield call_record(rng, partner, moment)


def probe(rng: random.Random, count: int, partner: str, probe_client: str) -> Any:
    start = dt.datetime.combine(PROBE_DAY, dt.time())
    for index in range(count):
        yield call_record(rng, partner, start + dt.timedelta(seconds=rng.randrange(86400)), probe_client if index % 10 == 0 else None)


class Loader:
    """BatchWriteItem of the exact items the ingest path writes (month items once, as its process cache does)."""

    def __init__(self) -> None:
        from partnerapi.data import table
        from partnerapi.data.clients import client

        self.table = table
        self.client = client("dynamodb")
        self.name = table.table_name()
        self.months: set[tuple[str, str]] = set()
        self.pending: list[dict[str, Any]] = []
        self.records = 0
        self.items = 0

    def add(self, record: dict[str, Any]) -> None:
        from partnerapi.events import parse_record
        from partnerapi.logic.ingest import items_of

        data, marker, month = items_of(parse_record(record))
        for item in (data, marker):
            self.pending.append({"PutRequest": {"Item": self.table.to_item(item)}})
        if (month["PK"], month["SK"]) not in self.months:
            self.months.add((month["PK"], month["SK"]))
            self.pending.append({"PutRequest": {"Item": self.table.to_item(month)}})
        self.records += 1
        while len(self.pending) >= 25:
            self._write(self.pending[:25])
            del self.pending[:25]

    def flush(self) -> None:
        while self.pending:
            self._write(self.pending[:25])
            del self.pending[:25]

    def _write(self, batch: list[dict[str, Any]]) -> None:
        request = {self.name: batch}
        while request:
            request = self.client.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
        self.items += len(batch)


# ------------------------------------------------------------------------- moto, DynamoDB-like --


class PartitionSeek:
    """Gives moto's Table.query what DynamoDB has: a sorted key index per partition. Built after loading."""

    def __init__(self, moto_table: Any) -> None:
        self.table = moto_table
        self.index: dict[Any, tuple[list[str], list[Any]]] = {}
        for hash_key, partition in moto_table.items.items():
            ordered = sorted(partition.values(), key=lambda item: item.range_key.value)
            self.index[hash_key] = ([item.range_key.value for item in ordered], ordered)

    def candidates(self, hash_key: Any, range_comparison: str | None, range_objs: list[Any]) -> list[Any]:
        keys, items = self.index.get(hash_key, ([], []))
        if range_comparison == "BETWEEN":
            low, high = (value.value for value in range_objs)
            return items[bisect.bisect_left(keys, low) : bisect.bisect_right(keys, high)]
        return list(items)

    @contextmanager
    def active(self) -> Any:
        from moto.dynamodb.models.table import Table

        original = Table.query
        seek = self

        def query(table: Any, hash_key: Any, range_comparison: Any, range_objs: Any, *args: Any, **kwargs: Any) -> Any:
            index_name = args[4] if len(args) > 4 else kwargs.get("index_name")  # (limit, start key, forward, projection, index_name, …)
            if table is not seek.table or index_name:
                return original(table, hash_key, range_comparison, range_objs, *args, **kwargs)
            chosen = seek.candidates(hash_key, range_comparison, range_objs)
            table.all_items = lambda: chosen  # the one O(table) step of moto's query, replaced
            try:
                return original(table, hash_key, range_comparison, range_objs, *args, **kwargs)
            finally:
                del table.all_items

        Table.query = query
        try:
            yield
        finally:
            Table.query = original


def moto_table(name: str) -> Any:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[DEFAULT_ACCOUNT_ID][os.environ["AWS_DEFAULT_REGION"]].tables[name]


# ------------------------------------------------------------------------------- measurement --


class Meter:
    def __init__(self) -> None:
        from partnerapi.data.clients import client

        self.queries = 0
        self.items_read = 0
        client("dynamodb").meta.events.register("after-call.dynamodb.Query", self._count)

    def _count(self, parsed: dict[str, Any], **_: Any) -> None:
        self.queries += 1
        self.items_read += parsed.get("ScannedCount", 0)

    def reset(self) -> None:
        self.queries = self.items_read = 0


def soap_event(partner: str, inner: str) -> dict[str, Any]:
    from support.soap import envelope

    event = json.loads((REPO_ROOT / "events" / "statistics_statistics_read.json").read_text(encoding="utf-8"))
    body = envelope("statistics_read", inner)
    event["body"] = base64.b64encode(body).decode()
    event["headers"] = {key: value for key, value in event["headers"].items() if key.lower() not in ("content-length", "accept-encoding")}
    event["multiValueHeaders"] = {key: [value] for key, value in event["headers"].items()}
    event["requestContext"]["authorizer"]["partner_id"] = partner
    return event


def day_read(handler: Any, meter: Meter, partner: str, day: dt.date, client_id: str | None = None) -> dict[str, Any]:
    """One statistics_read of a whole day through the handler: rows, Query calls, items read, seconds."""
    from partnerapi.http import response_from_event
    from partnerapi_ops.gateway import LocalContext

    inner = f"<t:start_time>{day}T00:00:00</t:start_time><t:end_time>{day}T23:59:59</t:end_time>"
    if client_id:
        inner += f"<t:client_id>{client_id}</t:client_id>"
    meter.reset()
    started = time.perf_counter()
    result = handler(soap_event(partner, inner), LocalContext("StatisticsFunction"))
    seconds = time.perf_counter() - started
    body = response_from_event(result).body
    assert result["statusCode"] == 200, body[:500]
    return {"rows": body.count(b"<tns:call_id>"), "queries": meter.queries, "items_read": meter.items_read, "seconds": seconds}


def measure(handler: Any, meter: Meter, seek: PartitionSeek, all_partners: list[str], probe_client: str, repeat: int, rng: random.Random) -> dict[str, Any]:
    unpatched = day_read(handler, meter, all_partners[0], PROBE_DAY)
    with seek.active():
        runs = [day_read(handler, meter, all_partners[0], PROBE_DAY) for _ in range(repeat)]
        natural_day = YEAR_START.date() + dt.timedelta(days=rng.randrange(365))
        natural = day_read(handler, meter, all_partners[1], natural_day)
        filtered = day_read(handler, meter, all_partners[0], PROBE_DAY, probe_client)
    first = runs[0]
    assert all((run["rows"], run["queries"], run["items_read"]) == (first["rows"], first["queries"], first["items_read"]) for run in runs)
    return {
        "probe": {**{key: first[key] for key in ("rows", "queries", "items_read")}, "median_ms": round(statistics.median(run["seconds"] for run in runs) * 1000, 2)},
        "probe_unpatched_ms": round(unpatched["seconds"] * 1000, 1),
        "natural": {"day": natural_day.isoformat(), **{key: natural[key] for key in ("rows", "queries", "items_read")}, "ms": round(natural["seconds"] * 1000, 2)},
        "filtered": {**{key: filtered[key] for key in ("rows", "queries", "items_read")}},
    }


def run(sizes: list[int], partner_count: int, probe_rows: int, repeat: int) -> dict[str, Any]:
    from moto import mock_aws
    from partnerapi.data.clients import reset_clients
    from partnerapi_ops.emulation import create_resources, local_environment
    from partnerapi_ops.template import load_handler

    os.environ.update(local_environment(None))
    os.environ.pop("AWS_ENDPOINT_URL", None)
    reset_clients()
    rng = random.Random(20261124)
    all_partners = partners(partner_count)
    probe_client = "d0000000-0000-4000-8000-0000000000aa"
    steps = []
    with mock_aws():
        create_resources()
        from partnerapi.data import keys, table

        # the probe partner's client, so that the client filter resolves (the records name it)
        table.put({"PK": keys.partner_pk(all_partners[0]), "SK": keys.client_sk(probe_client), "kind": "client", "client_id": probe_client, "client_del": False})
        loader = Loader()
        handler = load_handler("StatisticsFunction")
        meter = Meter()
        for record in probe(rng, probe_rows, all_partners[0], probe_client):
            loader.add(record)
        generator = background(rng, max(sizes) - probe_rows, all_partners)
        for size in sorted(sizes):
            started = time.perf_counter()
            while loader.records < size:
                loader.add(next(generator))
                if loader.records % 100_000 == 0:
                    print(f"  {loader.records:,} records ({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
            loader.flush()
            load_seconds = time.perf_counter() - started
            gc.collect()
            seek = PartitionSeek(moto_table(loader.name))
            measured = measure(handler, meter, seek, all_partners, probe_client, repeat, rng)
            step = {"records": size, "items": loader.items, "load_seconds": round(load_seconds, 1), **measured}
            print(json.dumps(step), file=sys.stderr, flush=True)
            steps.append(step)
    smallest, largest = steps[0], steps[-1]
    return {
        "source": git_source(),
        "partners": partner_count,
        "probe_rows": probe_rows,
        "repeat": repeat,
        "steps": steps,
        "time_ratio": round(largest["probe"]["median_ms"] / smallest["probe"]["median_ms"], 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


# ---------------------------------------------------------------------------------- reporting --


def git_source() -> str:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout.strip()
        changes = subprocess.run(["git", "status", "--porcelain"], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout.splitlines()
        return f"commit {commit}" + (f" + {len(changes)} uncommitted change(s)" if changes else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown source"


def markdown(result: dict[str, Any], run_seconds: float) -> str:
    lines = [
        f"Measured {dt.date.today().isoformat()} on {os.cpu_count()} CPUs, Python {platform.python_version()} ({platform.machine()}); "
        f"source: {result.get('source') or git_source()}. {result['partners']} partners, calls spread over 2023; the probe day of the first partner holds "
        f"{result['probe_rows']} calls at every size. Run time {run_seconds:.0f} s, peak RSS {result['peak_rss_mb']:,} MB (moto holds every item).",
        "",
        "| records in the table | items | load (s) | probe day: rows | Query calls | items read | items read / row | median time (ms) | same, moto unpatched (ms) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for step in result["steps"]:
        probe_step = step["probe"]
        lines.append(
            f"| {step['records']:,} | {step['items']:,} | {step['load_seconds']:,} | {probe_step['rows']} | {probe_step['queries']} | {probe_step['items_read']} | "
            f"{probe_step['items_read'] / max(probe_step['rows'], 1):.2f} | {probe_step['median_ms']} | {step['probe_unpatched_ms']:,} |"
        )
    lines += [
        "",
        f"**Time ratio, largest / smallest table: {result['time_ratio']}** (target ≤ 1.2; median of {result['repeat']} calls each, moto with the "
        "partition seek). Items read per row returned (target ≤ 1.1):",
        "",
        "| records in the table | another partner's natural day: rows / items read / Query calls | probe day filtered by client: rows / items read |",
        "|---:|---|---|",
    ]
    for step in result["steps"]:
        natural, filtered = step["natural"], step["filtered"]
        lines.append(
            f"| {step['records']:,} | {natural['rows']} / {natural['items_read']} / {natural['queries']} ({natural['day']}) | {filtered['rows']} / {filtered['items_read']} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default="10000,1000000", help="table sizes, ascending, comma-separated (default 10000,1000000)")
    parser.add_argument("--partners", type=int, default=5)
    parser.add_argument("--probe-rows", type=int, default=300, help="calls on the measured day (default 300)")
    parser.add_argument("--repeat", type=int, default=15, help="timed reads per size (default 15)")
    parser.add_argument("--write", action="store_true", help="replace the statistics-scale section of docs/performance.md")
    args = parser.parse_args()
    sizes = sorted(int(size.replace("_", "")) for size in args.rows.split(","))
    if sizes[0] <= args.probe_rows:
        raise SystemExit("every size must exceed --probe-rows")
    started = time.perf_counter()
    result = run(sizes, args.partners, args.probe_rows, args.repeat)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2), encoding="utf-8")
    text = markdown(result, time.perf_counter() - started)
    print(text)
    if args.write:
        replace_section(DOC_PATH, BEGIN, END, text)
        print(f"written to {DOC_PATH}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
