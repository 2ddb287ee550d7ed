#!/usr/bin/env python3
"""Bulk reads: one partner with 10 000 clients and 30 000 employees, read whole over HTTP.

Seeds the local emulation (`partnerapi_ops.sandbox.emulated_aws()`: moto's server on loopback, the
template's tables, the demo data) with one more partner, written with BatchWriteItem in the exact
shape `provisioning.add_client` writes (its own output, collected instead of put item by item), and
serves it with the real local HTTP server (`BackgroundServer(LocalGateway())`, in this process so
that `CallCounter` and the memory figures can be read). Then, per operation (`client_read` and
`client_user_read`, all rows, include_deleted=true), with SOAP 1.1 over HTTP Basic:

- over HTTP (raw `requests.post`): wall time, median of 5 after 1 warm-up, with
  `Accept-Encoding: gzip` (what requests and zeep send by default), the part of it spent inside
  DynamoDB calls (botocore before-call → after-call: moto on loopback plus response parsing),
  the DynamoDB calls per read by operation (`CallCounter`, reset before each read), the response
  size uncompressed and as sent with and without gzip accepted, the peak memory of this process
  during one call (tracemalloc peak; RSS high-water mark above the RSS before the call: VmHWM,
  which `resource.getrusage` reports as ru_maxrss, reset before each call through
  /proc/self/clear_refs), and the size of the Lambda response payload the function returned;
- once through zeep, to prove that a zeep client gets every row.

Then, in a fresh child process holding only what a deployed function holds (its folder and the
layer; no moto, no server), `app.handler` invoked with the API Gateway event while DynamoDB's
responses, recorded byte for byte during the HTTP warm-up, are replayed to botocore (which still
parses them): what the function itself costs in time and memory without moto, whose Query costs
milliseconds per item and dominates every local HTTP figure. In the same process, without HTTP or
AWS: the serialization of 10 000 client rows into the response envelope by the product
(`SoapEndpoint._call_spyne` with the rows handed to the service, minus the same call with none; the
product writes rows with `partnerapi.soap.flat_rows`) and by spyne's own generic writer, against a
bare lxml build of byte-identical XML; above the 3× target a cProfile of the product's call. Last, how close the response comes to Lambda's
6 291 456-byte response payload limit, and the largest client count that fits.

    .venv/bin/python bench/bulk_read.py                 # ≈ 20–40 min: moto's Query is slow
    .venv/bin/python bench/bulk_read.py --write         # … and into docs/performance.md
    .venv/bin/python bench/bulk_read.py --clients 1000 --repeats 2  # a quick look
    .venv/bin/python bench/bulk_read.py --rerender [--write]        # the last run's figures again
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import datetime as dt
import gc
import gzip
import io
import json
import os
import platform
import pstats
import random
import resource
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

from docs_section import replace_section  # bench/ is the script's own directory

REPO_ROOT = Path(__file__).resolve().parents[1]
LAYER_DIR = REPO_ROOT / "layers" / "shared"
INFRA_DIR = REPO_ROOT / "infra"
DOC_PATH = REPO_ROOT / "docs" / "performance.md"
RESULTS_PATH = REPO_ROOT / "bench" / "results" / "bulk_read.json"  # git-ignored
BEGIN, END = "<!-- bulk-read:begin -->", "<!-- bulk-read:end -->"

for path in (LAYER_DIR, INFRA_DIR):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

TNS = "http://buhphone.com/PartnerAPI"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
CONTENT_TYPE = "text/xml; charset=utf-8"
GROUP_PATH = "/cus/ws/PartnerAPI/clients"
FUNCTION = "ClientsFunction"
BULK_PARTNER = "b0000000-0000-4000-8000-000000010000"
BULK_LOGIN = BULK_PASSWORD = "bulk"
MOSCOW, SPB = "6f1d3c1e-0b6a-4d47-9a59-1f0c5d1a0001", "6f1d3c1e-0b6a-4d47-9a59-1f0c5d1a0002"  # demo regions
LAMBDA_PAYLOAD_LIMIT = 6_291_456  # synchronous invocation: the whole JSON response payload
TARGET_RATIO = 3.0
READ_TIMEOUT = 300  # seconds, this run's botocore read timeout (the product's is 10 s)
# operation → (row element, id field, seeded item kind)
OPERATIONS = {"client_read": ("client", "client_id", "client"), "client_user_read": ("client_user", "client_user_id", "client_user")}

SYLLABLES = "ба ва га да де жи за ки ко ла ли ма ми но ны по ра ро се со та ти ту фе хо це чи ша щу юр ян ал ер ин ов ст ск ев ид".split()
LEGAL_FORMS = ("Общество с ограниченной ответственностью", "Акционерное общество", "Индивидуальный предприниматель", "Закрытое акционерное общество")


def envelope(operation: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP11}" xmlns:p="{TNS}"><soapenv:Body>'
        f"<p:{operation}><p:include_deleted>true</p:include_deleted></p:{operation}>"
        "</soapenv:Body></soapenv:Envelope>"
    ).encode()


# ------------------------------------------------------------------- seeding --


class Text:
    """Deterministic Cyrillic text from 3 000 pseudo-words (not a handful: gzip would flatter it)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.words = sorted({"".join(self.rng.choice(SYLLABLES) for _ in range(self.rng.randint(2, 5))) for _ in range(3000)})

    def words_of(self, length: int) -> str:
        text = ""
        while len(text) < length:
            text += self.rng.choice(self.words) + " "
        return text[:length].rstrip().ljust(length, "а")

    def name(self) -> str:
        return self.words_of(self.rng.randint(5, 11)).capitalize()

    def client(self, index: int, users: int) -> Any:
        from partnerapi_ops.provisioning import Client, ClientUser

        firm = self.words_of(self.rng.randint(8, 20)).capitalize()
        full = f'{self.rng.choice(LEGAL_FORMS)} «{firm}» '
        return Client(
            client_name=f"{firm} {self.words_of(50)}"[:50],
            client_full_name=(full + self.words_of(255))[:255],  # the longest the spec keeps: the worst case for size
            region_id=(MOSCOW, SPB)[index % 2],
            client_del=index % 10 == 0,
            client_inn=str(self.rng.randrange(10**11, 10**12)),
            client_kpp=str(self.rng.randrange(10**8, 10**9)),
            users=[
                ClientUser(client_user_name=self.name(), client_user_family_name=self.name() + "ов", client_user_father_name=self.name() + "ович", client_user_del=user == 2)
                for user in range(users)
            ],
        )


def add_client_items(partner_id: str, clients: list[Any]) -> list[dict[str, Any]]:
    """What `provisioning.add_client` writes for each client, collected instead of put one by one."""
    from partnerapi_ops import provisioning

    written: list[dict[str, Any]] = []
    with mock.patch.object(provisioning.table, "put", lambda item, *args, **kwargs: written.append(item)):
        for new in clients:
            provisioning.add_client(partner_id, new)
    return written


def batch_write(items: list[dict[str, Any]]) -> int:
    from partnerapi.data import table
    from partnerapi.data.clients import client

    dynamodb, name, calls = client("dynamodb"), table.table_name(), 0
    for start in range(0, len(items), 25):
        request = {name: [{"PutRequest": {"Item": table.to_item(item)}} for item in items[start : start + 25]]}
        while request:
            calls += 1
            request = dynamodb.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
    return calls


def seed(clients: int, users_per_client: int) -> dict[str, Any]:
    from partnerapi_ops import provisioning

    started = time.perf_counter()
    provisioning.add_partner(BULK_PARTNER, "Партнёр с большой базой", BULK_LOGIN, BULK_PASSWORD)
    for region in (MOSCOW, SPB):
        provisioning.grant_region(BULK_PARTNER, region)
    text = Text(20261123)
    items = add_client_items(BULK_PARTNER, [text.client(index, users_per_client) for index in range(clients)])
    built = time.perf_counter() - started
    calls = batch_write(items)
    return {"items": items, "built_s": built, "seconds": time.perf_counter() - started, "batch_calls": calls}


# ----------------------------------------------------------- instrumentation --

_collect = gc.collect  # the bench's own collections; spyne's go through GcClock when installed


class GcClock:
    """Times the process' other gc.collect() calls: spyne's MethodContext.close() runs a full
    collection at most once a second (spyne.const.MIN_GC_INTERVAL), i.e. on nearly every request."""

    def __init__(self) -> None:
        self.seconds, self.calls = 0.0, 0

        def collect(*args: Any, **kwargs: Any) -> int:
            started = time.perf_counter()
            try:
                return _collect(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started
                self.calls += 1

        gc.collect = collect

    def reset(self) -> None:
        self.seconds, self.calls = 0.0, 0


class RawBody(io.BytesIO):
    """A recorded HTTP body as botocore reads it (`raw.stream()`)."""

    def stream(self, **_: Any) -> Any:
        yield self.read()


class DynamoDbClock:
    """Time inside DynamoDB API calls (botocore before-call → after-call), and optionally a
    recording of Query's raw HTTP responses that can later be replayed to botocore."""

    def __init__(self) -> None:
        from partnerapi.data.clients import client

        self.events = client("dynamodb").meta.events
        self.seconds = 0.0
        self._started = threading.local()
        self.recording = False
        self.replaying = False
        self.recorded: dict[bytes, tuple[int, dict[str, str], bytes]] = {}
        self.misses = 0
        self.sends = 0  # HTTP attempts of DynamoDB calls: more than the calls means botocore retried
        self._request = threading.local()
        self.events.register("before-call.dynamodb", self._before)
        self.events.register("after-call.dynamodb", self._after)
        self.events.register("before-send.dynamodb", self._count)
        self.events.register("before-send.dynamodb.Query", self._send)
        self.events.register("before-parse.dynamodb.Query", self._parse)
        self.retries: list[str] = []
        self.events.register("needs-retry.dynamodb", self._retry)

    def _retry(self, response: Any = None, caught_exception: Any = None, attempts: int = 0, **_: Any) -> None:
        if caught_exception is not None:
            self.retries.append(f"attempt {attempts}: {type(caught_exception).__name__}: {caught_exception}")
        elif response is not None and response[0].status_code >= 400:
            self.retries.append(f"attempt {attempts}: HTTP {response[0].status_code}")

    def _before(self, **_: Any) -> None:
        self._started.value = time.perf_counter()

    def _after(self, **_: Any) -> None:
        self.seconds += time.perf_counter() - self._started.value

    def _count(self, **_: Any) -> None:
        self.sends += 1

    def _send(self, request: Any, **_: Any) -> Any:
        self._request.body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
        if not self.replaying:
            return None
        recorded = self.recorded.get(self._request.body)
        if recorded is None:
            self.misses += 1
            return None
        from botocore.awsrequest import AWSResponse

        status, headers, body = recorded
        return AWSResponse(request.url, status, headers, RawBody(body))

    def _parse(self, response_dict: dict[str, Any], **_: Any) -> None:
        if self.recording and not self.replaying:
            self.recorded[self._request.body] = (response_dict["status_code"], dict(response_dict["headers"]), response_dict["body"])


def current_rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss() -> int:
    """The RSS high-water mark (VmHWM: what getrusage's ru_maxrss reports for this process' memory,
    without the parent's RSS that a child inherits in ru_maxrss through fork + exec)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def reset_rss_peak() -> bool:
    """Resets the RSS high-water mark that getrusage() reports (Linux ≥ 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def memory_of(call: Callable[[], Any], traced: bool) -> tuple[Any, dict[str, int | None]]:
    """Runs `call` once; returns its result and the process' peak memory above what it held before."""
    _collect()
    resettable = reset_rss_peak()
    before = current_rss()
    if traced:
        tracemalloc.start()
    try:
        wall, cpu = time.perf_counter(), time.thread_time()
        result = call()
        wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
        peak = tracemalloc.get_traced_memory()[1] if traced else None
    finally:
        if traced:
            tracemalloc.stop()
    high_water = peak_rss()
    memory = {"tracemalloc_peak": peak, "rss_delta": max(0, high_water - before) if resettable else None, "rss_peak": high_water, "rss_before": before}
    return result, {**memory, "seconds": wall, "cpu_seconds": cpu}


class PayloadRecorder:
    """Wraps the local gateway's function invoker: measures the Lambda response payload of the
    function (JSON, as the Python 3.11 runtime's marshaller writes it) when asked to."""

    def __init__(self, functions: Any) -> None:
        self.functions = functions
        self.measure = False
        self.last: dict[str, Any] | None = None
        real = functions.invoke

        def invoke(logical_id: str, event: dict[str, Any]) -> dict[str, Any]:
            result = real(logical_id, event)
            if self.measure and logical_id == FUNCTION:
                self.last = payload_sizes(result)
            return result

        functions.invoke = invoke


def payload_sizes(result: dict[str, Any]) -> dict[str, Any]:
    # awslambdaric's marshaller: ensure_ascii=False only on the python3.12+ runtimes, so on python3.11
    # non-ASCII text in a text body travels as \uXXXX escapes (6 bytes for a 2-byte Cyrillic letter)
    return {
        "payload_py311": len(json.dumps(result, ensure_ascii=True)),
        "payload_py312": len(json.dumps(result, ensure_ascii=False).encode()),
        "base64": bool(result.get("isBase64Encoded")),
        "content_encoding": {name.lower(): value for name, value in (result.get("headers") or {}).items()}.get("content-encoding", ""),
        "status": result.get("statusCode"),
    }


# ---------------------------------------------------------------- HTTP reads --


def response_rows(body: bytes, operation: str) -> tuple[list[str], str | None]:
    """The ids of the rows in a response, or the fault code."""
    from lxml import etree

    row_tag, id_field, _ = OPERATIONS[operation]
    document = etree.fromstring(body)
    fault = document.find(f"{{{SOAP11}}}Body/{{{SOAP11}}}Fault")
    if fault is not None:
        return [], f"{fault.findtext('faultcode')}: {fault.findtext('faultstring')}"
    return [row.findtext(f"{{{TNS}}}{id_field}") for row in document.iter(f"{{{TNS}}}{row_tag}")], None


def http_read(session: Any, url: str, operation: str, accept_encoding: str, clock: DynamoDbClock, gc_clock: GcClock) -> dict[str, Any]:
    from partnerapi.data.table import CallCounter

    headers = {"Content-Type": CONTENT_TYPE, "SOAPAction": f'"{operation}"', "Accept-Encoding": accept_encoding}
    CallCounter.reset()
    clock.seconds, clock.sends = 0.0, 0
    gc_clock.reset()
    started = time.perf_counter()
    response = session.post(url, data=envelope(operation), headers=headers, stream=True)
    wire = response.raw.read(decode_content=False)
    elapsed = time.perf_counter() - started
    response.close()
    encoding = response.headers.get("Content-Encoding", "")
    return {
        "seconds": elapsed,
        "dynamodb_seconds": clock.seconds,
        "gc_seconds": gc_clock.seconds,
        "calls": dict(CallCounter.calls),
        "http_attempts": clock.sends,
        "status": response.status_code,
        "content_encoding": encoding,
        "wire_bytes": len(wire),
        "body": gzip.decompress(wire) if encoding == "gzip" else wire,
    }


def measure_http(base_url: str, operation: str, expected_ids: set[str], repeats: int, clock: DynamoDbClock, gc_clock: GcClock, recorder: PayloadRecorder) -> dict[str, Any]:
    import requests

    session = requests.Session()
    session.auth = requests.auth.HTTPBasicAuth(BULK_LOGIN, BULK_PASSWORD)
    url = base_url + GROUP_PATH
    read = lambda accept: http_read(session, url, operation, accept, clock, gc_clock)
    result: dict[str, Any] = {}

    # warm-up (gzip accepted, as requests/zeep send by default): records DynamoDB's answers for the
    # replay below, the Lambda payload and the RSS growth of the process' first big read
    clock.recording, recorder.measure = True, True
    warm, warm_memory = memory_of(lambda: read("gzip, deflate"), traced=False)
    clock.recording, recorder.measure = False, False
    ids, fault = response_rows(warm["body"], operation)
    if fault or len(ids) != len(expected_ids) or set(ids) != expected_ids:
        raise RuntimeError(f"{operation}: {len(ids)} rows ({len(set(ids))} distinct) instead of {len(expected_ids)}; fault {fault}; HTTP {warm['status']}")
    result["rows"] = len(ids)
    result["payload_gzip_accepted"] = recorder.last
    result["first_read_rss_delta"] = warm_memory["rss_delta"]
    result["uncompressed_bytes"] = len(warm["body"])
    result["gzip_accepted"] = {key: warm[key] for key in ("status", "content_encoding", "wire_bytes")}

    timed = []
    for _ in range(repeats):
        sample, memory = memory_of(lambda: read("gzip, deflate"), traced=False)
        timed.append({**{key: value for key, value in sample.items() if key != "body"}, "rss_delta": memory["rss_delta"], "client_thread_cpu_seconds": memory["cpu_seconds"]})
        if len(sample["body"]) != result["uncompressed_bytes"]:
            raise RuntimeError(f"{operation}: response size changed between reads")
    result["timed"] = timed

    recorder.measure = True
    plain = read("identity")
    recorder.measure = False
    plain_ids, plain_fault = response_rows(plain["body"], operation)
    result["identity"] = {key: plain[key] for key in ("seconds", "status", "content_encoding", "wire_bytes", "calls")}
    result["identity"].update(rows=len(plain_ids), fault=plain_fault, payload=recorder.last)

    traced, memory = memory_of(lambda: read("gzip, deflate"), traced=True)
    traced_ids, traced_fault = response_rows(traced["body"], operation)
    result["traced"] = {**memory, "seconds": traced["seconds"], "rows": len(traced_ids), "fault": traced_fault}
    result["raw_body"] = warm["body"]  # for the payload arithmetic; not written to the results file
    session.close()
    return result


def prime(base_url: str, client_id: str) -> None:
    """One small request first: loads the function and the authorizer (cached 300 s), so the
    figures below are of warm functions, as most Lambda requests are."""
    import requests

    body = envelope("client_read").replace(b"<p:include_deleted>", f"<p:client_id>{client_id}</p:client_id><p:include_deleted>".encode())
    headers = {"Content-Type": CONTENT_TYPE, "SOAPAction": '"client_read"'}
    response = requests.post(base_url + GROUP_PATH, data=body, headers=headers, auth=(BULK_LOGIN, BULK_PASSWORD))
    if response.status_code != 200 or client_id.encode() not in response.content:
        raise RuntimeError(f"priming request: HTTP {response.status_code}\n{response.text[:2000]}")


def zeep_read(base_url: str, expected: int) -> dict[str, Any]:
    import requests
    from zeep import Client
    from zeep.transports import Transport

    session = requests.Session()
    session.auth = requests.auth.HTTPBasicAuth(BULK_LOGIN, BULK_PASSWORD)
    service = Client(f"{base_url}{GROUP_PATH}?wsdl", transport=Transport(session=session, operation_timeout=900)).bind("PartnerAPI", "PartnerAPISoap")
    started = time.perf_counter()
    rows = service.client_read(None, None, True)
    elapsed = time.perf_counter() - started
    count = len(rows or [])
    if count != expected:
        raise RuntimeError(f"zeep got {count} clients instead of {expected}")
    return {"rows": count, "seconds": elapsed}


# ------------------------------------------------------------ function alone --


def gateway_event(operation: str, accept_encoding: str) -> dict[str, Any]:
    """The Lambda proxy event API Gateway (and the local gateway) hands to the group function."""
    body = envelope(operation)
    headers = {"content-type": CONTENT_TYPE, "soapaction": f'"{operation}"', "accept-encoding": accept_encoding, "host": "127.0.0.1"}
    return {
        "resource": GROUP_PATH,
        "path": GROUP_PATH,
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "requestContext": {"stage": "local", "requestId": "bench", "httpMethod": "POST", "path": GROUP_PATH, "authorizer": {"partner_id": BULK_PARTNER}},
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }


class Context:
    """The parts of the Lambda context object that the handler and Powertools read."""

    function_name = FUNCTION
    memory_limit_in_mb = 512
    function_version = "$LATEST"
    invoked_function_arn = f"arn:aws:lambda:eu-central-1:000000000000:function:{FUNCTION}"
    aws_request_id = "bench"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 29_000


def measure_function(handler: Any, operation: str, repeats: int, clock: DynamoDbClock, gc_clock: GcClock) -> dict[str, Any]:
    """The group function's handler invoked with the API Gateway event, DynamoDB's recorded answers
    replayed: no moto, no HTTP, no server in the process."""
    from partnerapi.data.table import CallCounter

    event = gateway_event(operation, "gzip, deflate")
    invoke = lambda: handler(event, Context())
    clock.replaying, clock.misses = True, 0
    try:
        invoke()  # warm-up
        samples = []
        for _ in range(repeats):
            CallCounter.reset()
            clock.seconds = 0.0
            gc_clock.reset()
            result, memory = memory_of(invoke, traced=False)
            samples.append({**memory, "dynamodb_seconds": clock.seconds, "gc_seconds": gc_clock.seconds, "calls": dict(CallCounter.calls)})
        result, traced = memory_of(invoke, traced=True)
    finally:
        clock.replaying = False
    if clock.misses:
        raise RuntimeError(f"{operation}: {clock.misses} DynamoDB requests were not among the recorded ones")
    return {"samples": samples, "tracemalloc_peak": traced["tracemalloc_peak"], "status": result["statusCode"], "payload": payload_sizes(result)}


def child_main(path: Path, repeats: int) -> int:
    """A fresh process with what a deployed function has: the function's folder and the layer on
    sys.path, `app.handler`, the recorded DynamoDB answers. Prints its figures as JSON."""
    import pickle

    sys.path[:] = [entry for entry in sys.path if Path(entry).resolve() != INFRA_DIR.resolve()]
    sys.path.insert(0, str(REPO_ROOT / "functions" / "clients"))
    started_rss = current_rss()
    import app  # functions/clients/app.py, as Lambda's bootstrap imports it

    app.handler.initialize()
    _collect()
    result: dict[str, Any] = {"rss_start": started_rss, "rss_initialized": current_rss(), "gc_objects_initialized": len(gc.get_objects()), "function": {}}
    with open(path, "rb") as handle:
        given = pickle.load(handle)
    clock, gc_clock = DynamoDbClock(), GcClock()
    clock.recorded = given["recorded"]
    result["recording_bytes"] = sum(len(body) for _, _, body in clock.recorded.values())
    result["rss_with_recording"] = current_rss()
    for operation in given["operations"]:
        result["function"][operation] = measure_function(app.handler, operation, repeats, clock, gc_clock)
    result["max_rss"] = peak_rss()  # reset before each read: the last read's peak
    result["retries"] = clock.retries
    result["serialization"] = measure_serialization(given["client_items"], repeats)
    print(json.dumps(result))
    return 0


def run_child(recorded: dict, client_items: list[dict[str, Any]], operations: list[str], repeats: int, environment: dict[str, str]) -> dict[str, Any]:
    import pickle
    import tempfile

    with tempfile.NamedTemporaryFile("wb", suffix=".pickle", delete=False) as handle:
        pickle.dump({"recorded": recorded, "client_items": client_items, "operations": operations}, handle)
    try:
        completed = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--child", handle.name, "--repeats", str(repeats)],
            cwd=REPO_ROOT,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        os.unlink(handle.name)
    if completed.returncode != 0:
        raise RuntimeError(f"child process failed ({completed.returncode}):\n{completed.stderr[-5000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------- serialization --


def read_request() -> Any:
    from partnerapi.http import HttpRequest

    return HttpRequest("POST", GROUP_PATH, {"content-type": CONTENT_TYPE, "host": "127.0.0.1"}, envelope("client_read"), partner_id=BULK_PARTNER, request_id="bench")


def spyne_body(endpoint: Any, rows: list[dict[str, Any]]) -> bytes:
    """`SoapEndpoint._call_spyne` for client_read with `rows` as the logic's answer (the service's
    `service_base.rows` check and the serialization run as in the product)."""
    from partnerapi.logic import clients

    with mock.patch.object(clients, "client_read", lambda *args, **kwargs: rows):
        response = endpoint._call_spyne("1.1", read_request())
    if response.status != 200:
        raise RuntimeError(f"spyne answered {response.status}: {response.body[:500]!r}")
    return response.body


def lxml_body(rows: list[dict[str, Any]]) -> bytes:
    """The same envelope, namespaces and fields, built with lxml.etree directly."""
    from lxml import etree
    from partnerapi.soap.rows import ClientRow

    fields = [(name, f"{{{TNS}}}{name}") for name in ClientRow._type_info]
    envelope_element = etree.Element(f"{{{SOAP11}}}Envelope", nsmap={"soap11env": SOAP11, "tns": TNS})
    body = etree.SubElement(envelope_element, f"{{{SOAP11}}}Body")
    result = etree.SubElement(etree.SubElement(body, f"{{{TNS}}}client_readResponse"), f"{{{TNS}}}client_readResult")
    row_tag = f"{{{TNS}}}client"
    for row in rows:
        element = etree.SubElement(result, row_tag)
        for name, tag in fields:
            value = row.get(name)
            if value is not None:
                etree.SubElement(element, tag).text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return etree.tostring(envelope_element, xml_declaration=True, encoding="UTF-8")


def generic_endpoint() -> Any:
    """The clients endpoint with spyne's own generic writer instead of the product's flat-row one."""
    from partnerapi.soap.endpoint import SoapEndpoint
    from spyne.protocol.soap import Soap11

    endpoint = SoapEndpoint.for_group("clients")
    endpoint._app("1.1").app.out_protocol.__class__ = Soap11
    return endpoint


def interleaved(functions: dict[str, Callable[[], Any]], repeats: int) -> tuple[dict[str, dict[str, float]], dict[str, Any]]:
    """Median CPU time (this thread's: other processes on a busy machine do not inflate it) and wall
    time of each function over `repeats` rounds after a discarded warm-up round; every round runs each
    function once, in a rotating order."""
    names = list(functions)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    results: dict[str, Any] = {}
    for round_index in range(repeats + 1):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            _collect()
            wall, cpu = time.perf_counter(), time.thread_time()
            results[name] = functions[name]()
            if round_index:
                samples[name].append((time.thread_time() - cpu, time.perf_counter() - wall))
    medians = {name: {"cpu": statistics.median(cpu for cpu, _ in values), "wall": statistics.median(wall for _, wall in values)} for name, values in samples.items()}
    return medians, results


def serialization_rounds(endpoint: Any, generic: Any, rows: list[dict[str, Any]], repeats: int) -> tuple[dict[str, dict[str, float]], dict[str, Any]]:
    return interleaved(
        {
            "product": lambda: spyne_body(endpoint, rows),
            "generic": lambda: spyne_body(generic, rows),
            "empty": lambda: spyne_body(endpoint, []),
            "lxml": lambda: lxml_body(rows),
        },
        max(repeats, 7),
    )


def measure_serialization(client_items: list[dict[str, Any]], repeats: int) -> dict[str, Any]:
    from partnerapi.logic.clients import client_row
    from partnerapi.soap.endpoint import SoapEndpoint
    from spyne import const as spyne_const

    rows = [client_row(item) for item in client_items]
    endpoint, generic = SoapEndpoint.for_group("clients"), generic_endpoint()
    # spyne's per-request gc.collect() is not serialization: kept out here, measured with the function
    with mock.patch.object(spyne_const, "MIN_GC_INTERVAL", float("inf")):
        seconds, bodies = serialization_rounds(endpoint, generic, rows, repeats)
        profile = cProfile.Profile()
        profile.enable()
        spyne_body(endpoint, rows)
        profile.disable()
    cpu = {name: figures["cpu"] for name, figures in seconds.items()}
    empty_seconds, lxml_seconds = cpu["empty"], cpu["lxml"]
    product, generic_body, empty, bare = bodies["product"], bodies["generic"], bodies["empty"], bodies["lxml"]
    result = {
        "rows": len(rows),
        "wall": {name: figures["wall"] for name, figures in seconds.items()},
        "spyne_call_seconds": cpu["product"],
        "spyne_empty_call_seconds": empty_seconds,
        "spyne_seconds": cpu["product"] - empty_seconds,
        "generic_call_seconds": cpu["generic"],
        "generic_seconds": cpu["generic"] - empty_seconds,
        "lxml_seconds": lxml_seconds,
        "identical": product == bare,
        "generic_identical": generic_body == product,
        "body_bytes": len(product),
        "empty_body_bytes": len(empty),
        "gzip_bytes": len(gzip.compress(product, compresslevel=6)),
        "empty_gzip_bytes": len(gzip.compress(empty, compresslevel=6)),
    }
    result["ratio"] = result["spyne_seconds"] / lxml_seconds
    result["generic_ratio"] = result["generic_seconds"] / lxml_seconds
    if result["ratio"] > TARGET_RATIO:
        result["profile"] = profile_rows(profile, 15)
        result["profile_total_seconds"] = sum(row[2] for row in profile_rows(profile, 10_000))
    return result


def profile_rows(profile: cProfile.Profile, top: int) -> list[tuple[str, int, float, float]]:
    stats = pstats.Stats(profile, stream=io.StringIO())
    rows = []
    for (filename, line, function), (_, calls, tottime, cumtime, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = filename.split("site-packages/")[-1] if "site-packages/" in filename else Path(filename).name
        rows.append((f"{where}:{line} {function}" if line else function, calls, tottime, cumtime))
    rows.sort(key=lambda row: row[2], reverse=True)
    return rows[:top]


# --------------------------------------------------------------- 6 MB limit --


def lambda_payloads(body: bytes) -> dict[str, int]:
    """The Lambda response payload (python3.11 marshaller: ensure_ascii) of a 200 with this body, three ways."""
    plain = {"Content-Type": CONTENT_TYPE, "Cache-Control": "no-store"}
    compressed_headers = {**plain, "Content-Encoding": "gzip", "Vary": "Accept-Encoding"}

    def frame(body_text: str, is_base64: bool, headers: dict[str, str]) -> int:
        return len(json.dumps({"statusCode": 200, "headers": headers, "body": body_text, "isBase64Encoded": is_base64}, ensure_ascii=True))

    return {
        "text": frame(body.decode("utf-8"), False, plain),
        "base64": frame(base64.b64encode(body).decode(), True, plain),
        "gzip_base64": frame(base64.b64encode(gzip.compress(body, compresslevel=6)).decode(), True, compressed_headers),
    }


def fit(full: int, empty: int, rows: int) -> tuple[float, int]:
    """Bytes per row and the largest row count under the limit, linear between 0 and `rows` rows."""
    per_row = (full - empty) / rows
    return per_row, int((LAMBDA_PAYLOAD_LIMIT - empty) // per_row)


# ------------------------------------------------------------------ report --


def kib(size: int | float | None) -> str:
    return "–" if size is None else f"{size / 1024:,.0f} KiB".replace(",", " ")


def mib(size: int | float | None) -> str:
    return "–" if size is None else f"{size / 1048576:.1f} MiB"


def number(value: int | float) -> str:
    return f"{value:,.0f}".replace(",", " ")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}".replace(",", " ")


def median_of(samples: list[dict[str, Any]], key: str) -> float:
    return statistics.median(sample[key] for sample in samples)


def report(data: dict[str, Any]) -> str:
    http, function, ser = data["http"], data["function"], data["serialization"]
    repeats = data["repeats"]
    gzip_applied = all(http[operation]["gzip_accepted"]["content_encoding"] == "gzip" for operation in http)
    lines = [
        f"Data: one partner with {number(data['clients'])} clients and {number(data['users'])} employees "
        f"({number(data['seed']['items'])} items, ≈{data['client_item_bytes']:.0f} B per client item and ≈{data['user_item_bytes']:.0f} B per employee item "
        f"as DynamoDB counts them: Cyrillic names, client full names at the spec's maximum of 255 characters, every 10th client and every 3rd employee deleted), "
        f"seeded with {number(data['seed']['batch_calls'])} BatchWriteItem calls into the emulation in {data['seed']['seconds']:.0f} s. "
        f"SOAP 1.1, HTTP Basic, `{GROUP_PATH}`, include_deleted=true, all rows. The function's botocore read timeout was raised from "
        f"the product's 10 s to {READ_TIMEOUT} s for this run: moto answers a 1 MB page in seconds, not milliseconds (a first run failed a read "
        "under tracemalloc with `ReadTimeoutError`, which the function answers with a `Server` fault).",
        "",
        "**Over HTTP** (the real local server in this process, moto on loopback; wall time median of "
        f"{repeats} after 1 warm-up, gzip accepted as requests and zeep send it by default):",
        "",
        "| | client_read | client_user_read |",
        "|---|---:|---:|",
    ]
    ops = list(OPERATIONS)
    row = lambda label, values: lines.append(f"| {label} | " + " | ".join(values) + " |")
    row("rows returned (all, deleted included)", [number(http[op]["rows"]) for op in ops])
    row("wall time, median (ms)", [ms(median_of(http[op]["timed"], "seconds")) for op in ops])
    row("… of which inside DynamoDB calls (moto; ms)", [ms(median_of(http[op]["timed"], "dynamodb_seconds")) for op in ops])
    row("… the rest: handler, SOAP, gzip, HTTP, client (ms)", [ms(statistics.median(s["seconds"] - s["dynamodb_seconds"] for s in http[op]["timed"])) for op in ops])
    row("… … of which spyne's per-request `gc.collect()` (ms; older objects frozen)", [ms(median_of(http[op]["timed"], "gc_seconds")) for op in ops])
    row("DynamoDB calls per read (`CallCounter`)", [calls_cell(http[op]["timed"]) for op in ops])
    row("… botocore retries (HTTP attempts − calls), all timed reads", [number(sum(s["http_attempts"] - sum(s["calls"].values()) for s in http[op]["timed"])) for op in ops])
    row("response uncompressed (bytes)", [number(http[op]["uncompressed_bytes"]) for op in ops])
    row(
        "as sent, gzip accepted (bytes)",
        [f"{number(http[op]['gzip_accepted']['wire_bytes'])}" + (" (gzip)" if http[op]["gzip_accepted"]["content_encoding"] == "gzip" else " (**not compressed**)") for op in ops],
    )
    row("as sent, `Accept-Encoding: identity` (bytes)", [identity_cell(http[op]["identity"]) for op in ops])
    row("Lambda response payload, gzip accepted (bytes)", [payload_cell(http[op]["payload_gzip_accepted"]) for op in ops])
    row("Lambda response payload, identity (bytes)", [payload_cell(http[op]["identity"]["payload"]) for op in ops])
    row(
        "peak memory of the process, tracemalloc (one read)",
        [mib(http[op]["traced"]["tracemalloc_peak"]) + ("" if http[op]["traced"]["rows"] == http[op]["rows"] else f" (**the read failed**: {http[op]['traced']['fault']})") for op in ops],
    )
    row("RSS high-water mark − RSS before, first read", [mib(http[op]["first_read_rss_delta"]) for op in ops])
    row("RSS high-water mark − RSS before, median of the timed reads", [mib(median_of(http[op]["timed"], "rss_delta")) for op in ops])
    child = data["child"]
    lines += [
        "",
        "This process holds moto's server and its 40 000 items, uvicorn and the client too: the memory rows include moto "
        "building each 1 MB page and the client holding the response, and the wall times are moto's. Before the reads, "
        f"the {number(data['frozen_objects'])} objects then alive were frozen out of the garbage collector (`gc.freeze()`): "
        "spyne's per-request full `gc.collect()` would otherwise walk moto's items (≈3 s per request in a first run, before "
        "`endpoint.py` switched that collection off with `spyne.const.MIN_GC_INTERVAL = inf`; the rows above and below check it stays off).",
        "",
        "**The function alone**, in a fresh process with what a deployed function has (`functions/clients/app.py` and the "
        "layer on `sys.path`; no moto, no server, no infra code): `app.handler` invoked with the API Gateway event, "
        "DynamoDB's answers recorded during the HTTP warm-up replayed byte for byte to botocore, which still parses "
        f"them. Median of {repeats} after 1 warm-up, gzip accepted:",
        "",
        "| | client_read | client_user_read |",
        "|---|---:|---:|",
    ]
    row("handler CPU time (ms)", [ms(median_of(function[op]["samples"], "cpu_seconds")) for op in ops])
    row("handler wall time (ms)", [ms(median_of(function[op]["samples"], "seconds")) for op in ops])
    row("… of which DynamoDB calls: botocore parsing the pages (ms)", [ms(median_of(function[op]["samples"], "dynamodb_seconds")) for op in ops])
    row("… of which spyne's per-request `gc.collect()` (ms)", [ms(median_of(function[op]["samples"], "gc_seconds")) for op in ops])
    row("DynamoDB calls per read", [", ".join(f"{name} {count}" for name, count in sorted(function[op]["samples"][0]["calls"].items())) for op in ops])
    row("peak memory above the warm process, tracemalloc", [mib(function[op]["tracemalloc_peak"]) for op in ops])
    row("RSS high-water mark − RSS before the read, median", [mib(median_of(function[op]["samples"], "rss_delta")) for op in ops])
    row("process RSS high-water mark during the read, median", [mib(median_of(function[op]["samples"], "rss_peak")) for op in ops])
    held = data["child"]["rss_with_recording"] - data["child"]["rss_initialized"]
    row(f"… minus what only the bench holds (recording, seeded clients: {mib(held)})", [mib(median_of(function[op]["samples"], "rss_peak") - held) for op in ops])
    row("Lambda response payload (bytes)", [payload_cell(function[op]["payload"]) for op in ops])
    lines += [
        "",
        f"The process took {mib(child['rss_start'])} before the import, {mib(child['rss_initialized'])} with the handler initialized "
        f"({number(child['gc_objects_initialized'])} objects for the collector to walk), {mib(child['rss_with_recording'])} once it also held "
        f"the recording ({mib(child['recording_bytes'])} of DynamoDB responses, which a deployed function does not hold) and the seeded clients. ",
    ]
    share = 512 / 1769
    cpu_of = {op: median_of(function[op]["samples"], "cpu_seconds") for op in ops}
    lines[-1] += (
        f"**Extrapolation, not a measurement:** Lambda gives a function CPU in proportion to its memory (one vCPU at 1 769 MB), "
        f"so the 512 MB of template.yaml get ≈{share:.2f} vCPU: the CPU times above would take ≈{cpu_of['client_read'] / share:.1f} s and "
        f"≈{cpu_of['client_user_read'] / share:.1f} s there, if a vCPU there is as fast as one here, plus DynamoDB's own time for "
        f"{http['client_read']['timed'][0]['calls'].get('query', 0)} and {http['client_user_read']['timed'][0]['calls'].get('query', 0)} pages, "
        "against API Gateway's 29 s integration timeout (the functions' `Timeout`)."
    )
    retries = data.get("http_retries", []) + child.get("retries", [])
    if retries:
        lines += ["", f"botocore retried {len(retries)} DynamoDB request(s) during the run (moto on loopback): " + "; ".join(f"`{reason[:160]}`" for reason in retries[:5]) + "."]
    if data["zeep"]["rows"]:
        lines += ["", f"zeep (`client_read(None, None, True)` through the WSDL, gzip accepted): **{number(data['zeep']['rows'])} clients** in {ms(data['zeep']['seconds'])} ms."]
    else:
        lines += ["", "zeep: skipped (`--skip-zeep`)."]
    if not gzip_applied:
        lines += ["", "**gzip was not applied** by the function when this ran, although the requests accepted it: the compressed figures below are computed here (gzip level 6)."]

    lines += [
        "",
        f"**SOAP serialization** of {number(ser['rows'])} client rows (the same fresh process, no HTTP, no AWS; median CPU time of this "
        "thread, which other processes on a busy machine do not inflate; spyne's per-request `gc.collect()` held off, as the product does):",
        "",
        "| path | CPU time (ms) | ratio to bare lxml |",
        "|---|---:|---:|",
        f"| the product: `SoapEndpoint._call_spyne` with the rows ({ms(ser['spyne_call_seconds'])} ms) − the same call with none ({ms(ser['spyne_empty_call_seconds'])} ms); rows written by `soap/flat_rows.py` | {ms(ser['spyne_seconds'])} | **{ser['ratio']:.1f}×** |",
        f"| bare lxml: Element/SubElement tree of the same envelope, namespaces and fields + `etree.tostring` | {ms(ser['lxml_seconds'])} | 1.0× |",
        f"| for comparison, spyne's own generic writer: the same call ({ms(ser['generic_call_seconds'])} ms) − the empty call | {ms(ser['generic_seconds'])} | {ser['generic_ratio']:.1f}× |",
        "",
        f"The product's response and the bare lxml build are byte-identical: {'yes' if ser['identical'] else '**no**'}; spyne's generic writer's too: {'yes' if ser['generic_identical'] else '**no**'}; "
        f"{number(ser['body_bytes'])} bytes; {max(repeats, 7)} rounds in a rotating order. Target ≤ {TARGET_RATIO:.0f}×: **{'met' if ser['ratio'] <= TARGET_RATIO else 'missed'}**. "
        "The product's figure includes `service_base.rows` checking each row's field names; the rows stay the logic's dicts (building spyne objects for them cost as much again as the bare lxml build).",
    ]
    if "profile" in ser:
        lines += ["", f"cProfile of the product's call (top 15 by own time; {ms(ser['profile_total_seconds'])} ms under the profiler):", "", "| function | calls | own (ms) | cumulative (ms) |", "|---|---:|---:|---:|"]
        lines += [f"| `{where}` | {number(calls_)} | {ms(own)} | {ms(cumulative)} |" for where, calls_, own, cumulative in ser["profile"]]
    lines += ["", lambda_section(data)]
    return "\n".join(lines)


def calls_cell(samples: list[dict[str, Any]]) -> str:
    """The calls most reads made; the authorizer's GetItem shows up in a read after its 300 s cache expired."""
    shown = lambda calls: ", ".join(f"{name} {count}" for name, count in sorted(calls.items())) or "none"
    typical = statistics.mode(shown(sample["calls"]) for sample in samples)
    others = [shown(sample["calls"]) for sample in samples if shown(sample["calls"]) != typical]
    if not others:
        return typical
    return f"{typical} ({len(others)} of {len(samples)}: {'; '.join(others)}: the authorizer's GetItem, its 300 s cache had expired)"


def identity_cell(identity: dict[str, Any]) -> str:
    if identity["fault"]:
        return f"{number(identity['wire_bytes'])}: HTTP {identity['status']}, fault `{identity['fault'].split(': ')[0]}`, 0 rows"
    return number(identity["wire_bytes"]) + (f" ({identity['content_encoding']})" if identity["content_encoding"] else "")


def payload_cell(payload: dict[str, Any] | None) -> str:
    if payload is None:
        return "–"
    body = ("gzip, " if payload["content_encoding"] == "gzip" else "") + ("base64" if payload["base64"] else "text")
    return f"{number(payload['payload_py311'])} ({body}; HTTP {payload['status']})"


def lambda_section(data: dict[str, Any]) -> str:
    limits = data["limits"]
    lines = [
        f"**Lambda's 6 MB limit** ({number(LAMBDA_PAYLOAD_LIMIT)} bytes for the whole JSON response payload; the python3.11 runtime's marshaller "
        "escapes non-ASCII characters, so a Cyrillic letter in a text body takes 6 bytes, in a base64 body 4/3 of its 2 UTF-8 bytes). "
        "Payload = statusCode, headers and body as the function returns them; bytes per row from the measured response and the empty one:",
        "",
        "| operation | body as | payload at the measured count (bytes) | bytes per row | largest count that fits |",
        "|---|---|---:|---:|---:|",
    ]
    labels = {"text": "uncompressed, text (JSON-escaped; how a body ≤ 64 KiB travels)", "base64": "uncompressed, base64", "gzip_base64": "gzip, base64"}
    for operation, per_way in limits.items():
        for way, figures in per_way.items():
            lines.append(f"| {operation} | {labels[way]} | {number(figures['payload'])} ({figures['payload'] / LAMBDA_PAYLOAD_LIMIT:.2f}× the limit) | {figures['per_row']:.0f} | **{number(figures['fits'])}** |")
    product_limit = data.get("product_response_limit")
    lines += [
        "",
        (
            f"Bodies above 64 KiB travel base64-encoded (`partnerapi/http.py`), so of the two uncompressed rows base64 is what the function sends; it answers a "
            f"body whose payload would exceed {number(product_limit)} bytes (`RESPONSE_LIMIT`) with `Client.ResponseTooLarge` (HTTP 400)"
            + (", as the identity reads above got. " if any("ResponseTooLarge" in (data["http"][op]["identity"]["fault"] or "") for op in data["http"]) else ". ")
            if product_limit
            else ""
        )
        + "The gzip row assumes the compression ratio measured at the full count; data with less repetition compresses less. "
        f"client_user_read's per-row figures come from its own response ({number(data['users'])} rows) and the empty client_read envelope.",
    ]
    return "\n".join(lines)


def source_state() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], check=False, cwd=REPO_ROOT, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "layers/shared", "functions", "infra", "template.yaml"], check=False, cwd=REPO_ROOT, capture_output=True, text=True
        ).stdout
    except OSError:
        return "unknown"
    changed = len([line for line in dirty.splitlines() if line.strip()])
    return f"commit {head}" + (f" + {changed} uncommitted change(s) under layers/shared, functions, infra, template.yaml" if changed else " (clean)")


def item_bytes(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + (len(value.encode()) if isinstance(value, str) else len(str(int(value)))) for name, value in item.items())


# -------------------------------------------------------------------- main --


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--users-per-client", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5, help="timed reads after the warm-up (default 5)")
    parser.add_argument("--skip-zeep", action="store_true")
    parser.add_argument("--write", action="store_true", help=f"replace the bulk-read section of {DOC_PATH.relative_to(REPO_ROOT)}")
    parser.add_argument("--rerender", action="store_true", help=f"render (and with --write, write) the figures of the last run, {RESULTS_PATH.relative_to(REPO_ROOT)}")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)  # internal: the function-alone process
    args = parser.parse_args(argv)
    if args.child:
        return child_main(args.child, args.repeats)
    if args.rerender:
        return publish(json.loads(RESULTS_PATH.read_text(encoding="utf-8")), args.write)
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    from botocore.config import Config
    from partnerapi.data import clients as aws_clients
    from partnerapi_ops.gateway import LocalGateway
    from partnerapi_ops.sandbox import emulated_aws
    from partnerapi_ops.server import BackgroundServer

    # moto in this process needs seconds per 1 MB page, and more under tracemalloc: the product's 10 s
    # botocore read timeout (partnerapi.data.clients._CONFIG) would fail reads that DynamoDB answers in
    # milliseconds, so this run (only) gives the function's client a longer one
    timeout_patch = mock.patch.object(aws_clients, "_CONFIG", aws_clients._CONFIG.merge(Config(read_timeout=READ_TIMEOUT)))
    timeout_patch.start()
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    data: dict[str, Any] = {"clients": args.clients, "users": args.clients * args.users_per_client, "repeats": args.repeats}
    with emulated_aws():
        seeded = seed(args.clients, args.users_per_client)
        items = seeded.pop("items")
        data["seed"] = {**seeded, "items": len(items)}
        by_kind = {kind: [item for item in items if item["kind"] == kind] for kind in ("client", "client_user")}
        data["client_item_bytes"] = statistics.mean(item_bytes(item) for item in by_kind["client"])
        data["user_item_bytes"] = statistics.mean(item_bytes(item) for item in by_kind["client_user"]) if by_kind["client_user"] else 0
        print(f"seeded {len(items)} items in {seeded['seconds']:.0f} s ({seeded['batch_calls']} BatchWriteItem calls)", file=sys.stderr)

        clock, gc_clock = DynamoDbClock(), GcClock()
        gateway = LocalGateway()
        recorder = PayloadRecorder(gateway.functions)
        server = BackgroundServer(gateway)
        base_url = server.start()
        data["http"] = {}
        raw_bodies = {}
        try:
            prime(base_url, by_kind["client"][0]["client_id"])
            # moto's items and everything else alive now leave the collector's reach: spyne's per-request
            # gc.collect() then walks what the requests create, not the emulation (the child below
            # measures that collection at the size of a function's own heap)
            _collect()
            gc.freeze()
            data["frozen_objects"] = gc.get_freeze_count()
            for operation, (_, id_field, kind) in OPERATIONS.items():
                expected = {item[id_field] for item in by_kind[kind]}
                if not expected:
                    continue
                phase = time.perf_counter()
                measured = measure_http(base_url, operation, expected, args.repeats, clock, gc_clock, recorder)
                raw_bodies[operation] = measured.pop("raw_body")
                data["http"][operation] = measured
                print(f"{operation} over HTTP: {time.perf_counter() - phase:.0f} s", file=sys.stderr)
            if not args.skip_zeep:
                phase = time.perf_counter()
                data["zeep"] = zeep_read(base_url, args.clients)
                print(f"zeep: {time.perf_counter() - phase:.0f} s", file=sys.stderr)
        finally:
            server.stop()
            gc.unfreeze()
        data["http_retries"] = clock.retries
        # the child talks to nothing: every DynamoDB answer it needs is in the recording
        child_environment = {**os.environ, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}

    phase = time.perf_counter()
    child = run_child(clock.recorded, by_kind["client"], list(data["http"]), args.repeats, child_environment)
    print(f"function alone and serialization (child process): {time.perf_counter() - phase:.0f} s", file=sys.stderr)
    data["function"], data["serialization"] = child.pop("function"), child.pop("serialization")
    data["child"] = child
    from partnerapi.soap.endpoint import SoapEndpoint

    empty = lambda_payloads(spyne_body(SoapEndpoint.for_group("clients"), []))
    data["limits"] = {}
    for operation, body in raw_bodies.items():
        rows = data["http"][operation]["rows"]
        full = lambda_payloads(body)
        data["limits"][operation] = {way: {"payload": full[way], **dict(zip(("per_row", "fits"), fit(full[way], empty[way], rows), strict=True))} for way in full}
    data["zeep"] = data.get("zeep", {"rows": 0, "seconds": 0.0})
    from partnerapi.soap import endpoint as endpoint_module

    data["product_response_limit"] = getattr(endpoint_module, "RESPONSE_LIMIT", None)
    elapsed = time.perf_counter() - started
    data["meta"] = {
        "date": dt.date.today().isoformat(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "source": source_state(),
        "run_seconds": elapsed,
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
    }
    RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_PATH.write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")
    print(f"\nrun time {elapsed:.0f} s", file=sys.stderr)
    return publish(data, args.write)


def header(data: dict[str, Any]) -> str:
    meta = data["meta"]
    return (
        f"Measured {meta['date']} on {meta['cpus']} CPUs, Python {meta['python']} ({meta['machine']}); source: {meta['source']}. "
        f"Run time {meta['run_seconds'] / 60:.0f} min (seeding {data['seed']['seconds']:.0f} s); "
        f"load average (1 min) {meta['load_before']:.1f} at the start, {meta['load_after']:.1f} at the end."
    )


def publish(data: dict[str, Any], write: bool) -> int:
    rendered = report(data)
    print(rendered)
    if write:
        replace_section(DOC_PATH, BEGIN, END, header(data) + "\n\n" + rendered)
        print(f"wrote {DOC_PATH.relative_to(REPO_ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
