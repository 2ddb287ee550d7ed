#!/usr/bin/env python3
"""Does the sandbox cost what a request touches, whatever its tables hold?

Against the real local server (`partnerapi serve`: emulated AWS, demo data, the deployed handlers, the
local API Gateway) in a subprocess, over HTTP with raw SOAP 1.1 and HTTP Basic (demo/demo):

1. The entities table grows in steps (default: the demo data as it starts, ~1 000 items, then 10 000 and
   100 000) with realistic items written straight into the emulation with BatchWriteItem: clients of
   the demo partner (40 %) and of 20 other partners, each with 2 contacts, 3 employees (GSI1), a user
   agent (GSI1) and a subscription (GSI1), exactly as the API writes them.
2. At each step: the median latency of `client_add`, `client_edit` and `client_read` of one client
   (`--repeat` calls each), of one TransactWriteItems of 100 Updates (sent to the emulation directly),
   and the time `client_delete` takes for a new client of demo with 500 employees, 500 user agents and
   500 subscriptions (API Gateway gives up at 29 s). Target: the largest step's median ≤ 1.5 × the smallest's.
3. Then `--writes` client_edit calls (default 20 000): the sandbox process's RSS after a warm-up and at
   the end (target: ≤ 100 MB of growth).

`--moto unpatched` runs the sandbox with moto as installed plus only the request lock the emulation had
before `partnerapi_ops.moto_dynamodb` (the "before" figures; keep to `--steps 1000` or `10000`: a
100-action transaction then copies the whole table 100 times).

    .venv/bin/python bench/sandbox_scale.py                            # ~25 min on 2 CPUs
    .venv/bin/python bench/sandbox_scale.py --steps 1000,10000 --writes 2000
    .venv/bin/python bench/sandbox_scale.py --moto unpatched --steps 1000 --writes 0 --repeat 5
    .venv/bin/python bench/sandbox_scale.py --write                    # … and into docs/performance.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import boto3
import requests
from botocore.config import Config
from docs_section import replace_section  # bench/ is the script's own directory
from partnerapi.data import keys
from partnerapi.data.table import to_item
from partnerapi_ops import REPO_ROOT
from partnerapi_ops.sandbox import DEMO_FIXTURE
from sandbox_process import sandbox_process

DOC_PATH = REPO_ROOT / "docs" / "performance.md"
RESULTS = REPO_ROOT / "bench" / "results" / "sandbox_scale.json"
BEGIN, END = "<!-- sandbox-scale:begin -->", "<!-- sandbox-scale:end -->"
TNS = "http://buhphone.com/PartnerAPI"
CREDENTIALS = ("demo", "demo")
FIXTURE = json.loads(DEMO_FIXTURE.read_text(encoding="utf-8"))
DEMO_ID = FIXTURE["partners"][0]["partner_id"]
DEMO_REGION = FIXTURE["partners"][0]["regions"][0]
ITEMS_PER_CLIENT = 8
DEMO_SHARE = 0.4
OTHER_PARTNERS = [f"b1000000-0000-4000-8000-{index:012d}" for index in range(1, 21)]
CASCADE = 500  # employees, user agents and subscriptions each
TRANSACTION_ACTIONS = 100
UNPATCHED_LAUNCHER = (
    "import sys, partnerapi_ops.moto_dynamodb as m; m.patch_moto_dynamodb = m.serialize_moto_dynamodb; "  # the lock alone, as before
    "from partnerapi_ops.cli import main; sys.exit(main(sys.argv[1:]))"
)


# -------------------------------------------------------------------- server --


@dataclass
class Sandbox:
    url: str
    moto: str
    pid: int

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")


@contextmanager
def sandbox(moto: str) -> Iterator[Sandbox]:
    """`partnerapi serve` with the demo data, with moto patched or as installed."""
    launcher = ("-c", UNPATCHED_LAUNCHER) if moto == "unpatched" else ("-m", "partnerapi_ops.cli")
    with sandbox_process(launcher=launcher) as running:
        yield Sandbox(f"{running.url}/cus/ws/PartnerAPI/clients", running.moto_endpoint, running.pid)


# ---------------------------------------------------------------------- SOAP --


class Soap:
    def __init__(self, url: str) -> None:
        self.url = url
        self.session = requests.Session()
        self.session.auth = CREDENTIALS

    def call(self, operation: str, timeout: float = 60, **parameters: object) -> tuple[float, str]:
        inner = "".join(f"<t:{name}>{escape(str(value))}</t:{name}>" for name, value in parameters.items() if value is not None)
        body = (
            "<?xml version='1.0' encoding='UTF-8'?><s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/' "
            f"xmlns:t='{TNS}'><s:Body><t:{operation}>{inner}</t:{operation}></s:Body></s:Envelope>"
        ).encode()
        started = time.perf_counter()
        response = self.session.post(self.url, data=body, headers={"Content-Type": "text/xml; charset=utf-8"}, timeout=timeout)
        elapsed = time.perf_counter() - started
        if response.status_code != 200 or "Fault>" in response.text:
            raise RuntimeError(f"{operation}: HTTP {response.status_code}: {response.text[:500]}")
        return elapsed, response.text

    def client_add(self, name: str) -> tuple[float, str]:
        elapsed, text = self.call("client_add", client_name=name, region_id=DEMO_REGION)
        return elapsed, re.search(r"client_id>([0-9a-f-]{36})<", text).group(1)


# --------------------------------------------------------------------- items --


def client_bundle(rng: random.Random, partner: str) -> list[dict]:
    """A client with 2 contacts, 3 employees, a user agent and a subscription, as the API writes them."""
    client_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    pk, by_client = keys.partner_pk(partner), keys.by_client_pk(partner, client_id)
    items = [
        {
            "PK": pk,
            "SK": keys.client_sk(client_id),
            "kind": "client",
            "client_id": client_id,
            "client_new_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "partner_id": partner,
            "client_name": f"ООО Клиент {rng.randrange(10**6)}",
            "client_full_name": "Общество с ограниченной ответственностью «Клиент»",
            "region_id": DEMO_REGION,
            "client_del": False,
            "client_inn": f"77{rng.randrange(10**8):08d}",
            "client_kpp": "770101001",
            "client_reg_num": "",
            "pay_method_id": 0,
            "addit_attribute": "",
        }
    ]
    for contact in range(2):
        contact_type = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        items.append({"PK": pk, "SK": keys.client_contact_sk(client_id, contact_type), "kind": "client_contact", "client_id": client_id, "contact_type_id": contact_type, "contact_view": f"+7 495 {contact}{rng.randrange(10**6):06d}"})
    for number in range(3):
        user = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        sk = keys.client_user_sk(user)
        items.append(
            {"PK": pk, "SK": sk, "GSI1PK": by_client, "GSI1SK": sk, "kind": "client_user", "client_user_id": user, "client_id": client_id, "client_user_name": f"Сотрудник {number}", "client_user_family_name": "Иванов", "client_user_father_name": "", "client_user_del": False}
        )
    agent, service = str(uuid.UUID(int=rng.getrandbits(128), version=4)), str(uuid.UUID(int=rng.getrandbits(128), version=4))
    items.append({"PK": pk, "SK": keys.agent_user_sk(agent), "GSI1PK": by_client, "GSI1SK": keys.agent_user_sk(agent), "kind": "agent_user", "agent_user_id": agent, "client_id": client_id, "agent_user_activity": True, "agent_user_name": "Агент"})
    items.append({"PK": pk, "SK": keys.service_sk(service), "GSI1PK": by_client, "GSI1SK": keys.service_sk(service), "kind": "service", "service_id": service, "client_id": client_id, "service_stopped": False, "service_name": "Подписка"})
    return items


def batch_put(dynamodb, table: str, items: list[dict], threads: int = 1) -> None:
    """BatchWriteItem in 25s; several threads keep the emulation busy while one encodes its next batch."""

    def put(start: int) -> None:
        request = {table: [{"PutRequest": {"Item": to_item(item)}} for item in items[start : start + 25]]}
        while request:
            request = dynamodb.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(put, range(0, len(items), 25)))


def count_items(dynamodb, table: str) -> int:
    return sum(page["Count"] for page in dynamodb.get_paginator("scan").paginate(TableName=table, Select="COUNT"))


# -------------------------------------------------------------------- timing --


TABLE = "EntitiesTable"
OPERATIONS = ("client_add", "client_edit", "client_read", f"transaction of {TRANSACTION_ACTIONS}")


@dataclass
class Target:
    """One sandbox as the benchmark drives it."""

    sandbox: Sandbox
    soap: Soap
    dynamodb: object
    transaction_keys: list[dict] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    rounds: int = 0

    @classmethod
    def of(cls, sandbox: Sandbox) -> Target:
        dynamodb = boto3.client(
            "dynamodb", endpoint_url=sandbox.moto, region_name="eu-central-1", aws_access_key_id="sandbox", aws_secret_access_key="sandbox", config=Config(read_timeout=3600, retries={"total_max_attempts": 1})
        )
        target = cls(sandbox, Soap(sandbox.url), dynamodb)
        # the transaction's 100 items: clients of demo added through the API
        target.transaction_keys = [{"PK": {"S": keys.partner_pk(DEMO_ID)}, "SK": {"S": keys.client_sk(target.soap.client_add(f"Транзакция {number}")[1])}} for number in range(TRANSACTION_ACTIONS)]
        return target

    def run(self, operation: str, number: int) -> float:
        if operation == "client_add":
            elapsed, client_id = self.soap.client_add(f"Замер {number}")
            self.added.append(client_id)
            return elapsed
        if operation == "client_edit":
            return self.soap.call("client_edit", client_id=self.added[number % len(self.added)], client_name=f"Правка {number}")[0]
        if operation == "client_read":
            return self.soap.call("client_read", client_id=self.added[number % len(self.added)])[0]
        self.rounds += 1
        update = {"UpdateExpression": "SET bench_round = :n", "ExpressionAttributeValues": {":n": {"N": str(self.rounds)}}}
        actions = [{"Update": {"TableName": TABLE, "Key": key, **update}} for key in self.transaction_keys]
        started = time.perf_counter()
        self.dynamodb.transact_write_items(TransactItems=actions)
        return time.perf_counter() - started


@dataclass
class Step:
    items: int
    baseline_items: int
    load_seconds: float
    grown: dict[str, list[float]] = field(default_factory=dict)
    baseline: dict[str, list[float]] = field(default_factory=dict)
    cascade_seconds: float | None = None
    rss_mb: float = 0.0

    def median_ms(self, operation: str, of_baseline: bool = False) -> float:
        return statistics.median((self.baseline if of_baseline else self.grown)[operation]) * 1000

    def ratio(self, operation: str) -> float:
        """Grown / baseline, both measured in alternation: what the load of the machine does to one, it does to the other."""
        return self.median_ms(operation) / self.median_ms(operation, of_baseline=True)


def measure_step(grown: Target, baseline: Target, step: Step, repeat: int, cascade: bool) -> None:
    for operation in OPERATIONS:
        calls = repeat if not operation.startswith("transaction") else max(4, repeat // 3)
        for number in range(calls):
            for target in (grown, baseline) if number % 2 == 0 else (baseline, grown):
                (step.grown if target is grown else step.baseline).setdefault(operation, []).append(target.run(operation, number))
    if cascade:
        step.cascade_seconds = measure_cascade(grown.soap, grown.dynamodb, TABLE)
    step.rss_mb = grown.sandbox.rss_mb()


def measure_cascade(soap: Soap, dynamodb, table: str) -> float | None:
    """client_delete of a new client of demo with 500 employees, 500 user agents and 500 subscriptions."""
    rng = random.Random()
    _, client_id = soap.client_add("Клиент на 1500 зависимых")
    pk, by_client = keys.partner_pk(DEMO_ID), keys.by_client_pk(DEMO_ID, client_id)
    dependents = []
    for kind, sk_of, extra in (
        ("client_user", keys.client_user_sk, {"client_user_del": False, "client_user_name": "Сотрудник", "client_user_family_name": "", "client_user_father_name": ""}),
        ("agent_user", keys.agent_user_sk, {"agent_user_activity": True, "agent_user_name": "Агент"}),
        ("service", keys.service_sk, {"service_stopped": False, "service_name": "Подписка"}),
    ):
        for _ in range(CASCADE):
            own_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            sk = sk_of(own_id)
            dependents.append({"PK": pk, "SK": sk, "GSI1PK": by_client, "GSI1SK": sk, "kind": kind, f"{kind}_id": own_id, "client_id": client_id, **extra})
    batch_put(dynamodb, table, dependents)
    try:
        elapsed, text = soap.call("client_delete", timeout=900, client_id=client_id)
    except RuntimeError as fault:  # e.g. moto unpatched: report it, do not stop
        print(f"  client_delete: {fault}"[:400], file=sys.stderr)
        return None
    if "client_del>true<" not in text:
        raise RuntimeError("client_delete did not delete: " + text[:500])
    return elapsed


def measure_writes(target: Target, writes: int) -> list[tuple[int, float]]:
    """RSS (MB) along `writes` client_edit calls over 50 clients (the data does not grow)."""
    clients = [target.soap.client_add(f"Память {number}")[1] for number in range(50)]
    curve = [(0, target.sandbox.rss_mb())]
    for number in range(1, writes + 1):
        target.soap.call("client_edit", client_id=clients[number % len(clients)], client_name=f"Правка {number}")
        if number % max(1, writes // 20) == 0 or number == writes:
            curve.append((number, target.sandbox.rss_mb()))
    return curve


# -------------------------------------------------------------------- report --


def render(steps: list[Step], curve: list[tuple[int, float]], moto: str, repeat: int, started: float, warmup: int) -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=False).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=REPO_ROOT, capture_output=True, text=True, check=False).stdout.strip()
    lines = [
        f"Measured {dt.date.today().isoformat()} on {os.cpu_count()} CPUs, Python {platform.python_version()} ({platform.machine()}); "
        f"source: commit {commit}{' + uncommitted changes' if dirty else ''}; moto {moto}. Run time {time.monotonic() - started:.0f} s. "
        f"Median of {repeat} calls per operation ({max(4, repeat // 3)} transactions), each call alternating with the same call on a baseline "
        f"sandbox that keeps the demo data (~{steps[0].baseline_items:,} items); in brackets, the median's ratio to the baseline's.",
        "",
        "| items in the entities table | load (s) | " + " | ".join(f"{operation} (ms)" for operation in OPERATIONS) + " | client_delete, 500+500+500 (s) | sandbox RSS (MB) |",
        "|---:|---:|" + "---:|" * len(OPERATIONS) + "---:|---:|",
    ]
    for step in steps:
        cascade = "—" if step.cascade_seconds is None else f"{step.cascade_seconds:.1f}"
        cells = " | ".join(f"{step.median_ms(operation):,.1f} ({step.ratio(operation):.2f}×)" for operation in OPERATIONS)
        lines.append(f"| {step.items:,} | {step.load_seconds:.0f} | {cells} | {cascade} | {step.rss_mb:,.0f} |")
    if len(steps) > 1:
        first, last = steps[0], steps[-1]
        paired = ", ".join(f"{operation} **{last.ratio(operation):.2f}**" for operation in OPERATIONS)
        across = ", ".join(f"{operation} {last.median_ms(operation) / first.median_ms(operation):.2f}" for operation in OPERATIONS)
        lines += [
            "",
            f"At {last.items:,} items against the ~{last.baseline_items:,}-item baseline, measured alternately (target ≤ 1.5): {paired}. "
            f"The same from the rows (the {last.items:,} row's median / the {first.items:,} row's, at different times): {across}.",
        ]
    if len(curve) > 1:
        base = next(rss for writes, rss in curve if writes >= warmup)
        lines += [
            "",
            f"RSS of the sandbox process over {curve[-1][0]:,} client_edit calls (a transaction each) at {steps[-1].items:,} items: "
            f"**{curve[-1][1] - base:+.0f} MB** from write {warmup:,} to the last (target ≤ 100 MB; {curve[0][1]:,.0f} MB before the first): "
            + ", ".join(f"{writes:,}: {rss:,.0f}" for writes, rss in curve)
            + " MB.",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", default="1000,10000,100000", help="entities table sizes (the first, if below the demo data, is the demo data as it starts)")
    parser.add_argument("--repeat", type=int, default=30, help="calls per operation and step, on each sandbox")
    parser.add_argument("--writes", type=int, default=20_000, help="client_edit calls for the RSS curve, after the last step (0: none)")
    parser.add_argument("--moto", choices=["patched", "unpatched"], default="patched")
    parser.add_argument("--no-cascade", action="store_true", help="skip the 500+500+500 client_delete")
    parser.add_argument("--write", action="store_true", help=f"replace the sandbox-scale section of {DOC_PATH.relative_to(REPO_ROOT)}")
    args = parser.parse_args(argv)
    started = time.monotonic()
    rng = random.Random(20241202)
    steps: list[Step] = []
    curve: list[tuple[int, float]] = []
    with sandbox(args.moto) as grown_sandbox, sandbox(args.moto) as baseline_sandbox:
        grown, baseline = Target.of(grown_sandbox), Target.of(baseline_sandbox)
        for target_size in (int(value) for value in args.steps.split(",")):
            load_started = time.perf_counter()
            present, bundles = count_items(grown.dynamodb, TABLE), []
            while present + len(bundles) < target_size:
                bundles.extend(client_bundle(rng, DEMO_ID if rng.random() < DEMO_SHARE else rng.choice(OTHER_PARTNERS)))
            batch_put(grown.dynamodb, TABLE, bundles, threads=4)
            step = Step(count_items(grown.dynamodb, TABLE), count_items(baseline.dynamodb, TABLE), time.perf_counter() - load_started)
            print(f"{step.items:,} items (loaded in {step.load_seconds:.0f} s), baseline {step.baseline_items:,}; measuring …", file=sys.stderr)
            measure_step(grown, baseline, step, args.repeat, not args.no_cascade)
            steps.append(step)
            summary = ", ".join(f"{operation} {step.median_ms(operation):.1f} ms ({step.ratio(operation):.2f}×)" for operation in OPERATIONS)
            print(f"  {summary}" + (f", client_delete 1500: {step.cascade_seconds:.1f} s" if step.cascade_seconds else "") + f", RSS {step.rss_mb:.0f} MB", file=sys.stderr)
        if args.writes:
            print(f"{args.writes:,} client_edit calls …", file=sys.stderr)
            curve = measure_writes(grown, args.writes)
    warmup = min(1000, args.writes // 10)
    rendered = render(steps, curve, args.moto, args.repeat, started, warmup)
    print(rendered)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"moto": args.moto, "steps": [step.__dict__ for step in steps], "rss_curve": curve}, indent=1), encoding="utf-8")
    if args.write:
        replace_section(DOC_PATH, BEGIN, END, rendered)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
