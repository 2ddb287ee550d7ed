#!/usr/bin/env python3
"""What the single URL costs: the same SOAP request straight to its group URL and through the router.

Against the real local HTTP server (`partnerapi serve`, the sandbox the tests use: emulated AWS,
demo data, the deployed handlers, API Gateway's routes and authorizer), with keep-alive
`requests.Session`s and HTTP Basic (demo/demo):

- direct: POST /cus/ws/PartnerAPI/<group>  → the group function;
- routed: POST /cus/ws/PartnerAPI          → RouterFunction (guard parse + OPERATION_GROUP lookup)
                                             → the group function, invoked in-process.

After a warm-up, direct and routed requests alternate (the order flips every pair) so both see the
same machine. Also timed without HTTP: the router's own dispatch (`envelope.inspect()` + the
OPERATION_GROUP lookup) and its whole `route()` with a no-op invoker.

On AWS the routed path additionally pays one synchronous Lambda Invoke of the group function (and,
after a scale-out, possibly a second cold start): that cannot be measured here.

    .venv/bin/python bench/router_latency.py                # 300 pairs per operation
    .venv/bin/python bench/router_latency.py --write        # … and into docs/performance.md
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import time
import timeit
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from docs_section import replace_section  # bench/ is the script's own directory
from sandbox_process import sandbox_process

REPO_ROOT = Path(__file__).resolve().parents[1]
LAYER_DIR = REPO_ROOT / "layers" / "shared"
INFRA_DIR = REPO_ROOT / "infra"
DOC_PATH = REPO_ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- router:begin -->", "<!-- router:end -->"
BASE_PATH = "/cus/ws/PartnerAPI"
TNS = "http://buhphone.com/PartnerAPI"
CONTENT_TYPE = "text/xml; charset=utf-8"
CREDENTIALS = ("demo", "demo")
OPERATIONS = ("partner_user_read", "region_read")  # one per group function
AWS_INVOKE_NOTE = (
    "On AWS the routed path additionally pays one synchronous Lambda `Invoke` (RequestResponse) of the group "
    "function, with the event and the response serialized to JSON: an outside figure commonly quoted for a warm "
    "invoke in the same region is ~10–30 ms. That figure is not a measurement of this project and cannot be "
    "measured here (locally the router calls the group handler in-process); measure it on AWS from the X-Ray "
    "trace (the `Invoke` subsegment of RouterFunction). When the group function has no warm instance, the "
    "routed request also waits for that function's cold start, in series with the router's own."
)

for path in (LAYER_DIR, INFRA_DIR):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


def envelope(operation: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:p="{TNS}">'
        f"<soapenv:Header/><soapenv:Body><p:{operation}/></soapenv:Body></soapenv:Envelope>"
    ).encode()


def group_of(operation: str) -> str:
    from partnerapi.groups import OPERATION_GROUP

    return OPERATION_GROUP[operation]


# -------------------------------------------------------------------- server --


@contextmanager
def subprocess_server() -> Iterator[str]:
    """The sandbox in a subprocess (bench/sandbox_process.py); yields its base URL."""
    with sandbox_process() as running:
        yield running.url


@contextmanager
def in_process_server() -> Iterator[str]:
    """Emulated AWS and uvicorn in this process (the client then shares the GIL with the server)."""
    from partnerapi_ops.gateway import LocalGateway
    from partnerapi_ops.sandbox import emulated_aws
    from partnerapi_ops.server import BackgroundServer

    with emulated_aws():
        server = BackgroundServer(LocalGateway())
        url = server.start()
        try:
            yield url
        finally:
            server.stop()


# -------------------------------------------------------------------- timing --


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def http_latency(base_url: str, pairs: int, warmup: int) -> dict[str, Any]:
    import requests

    sessions = {}
    for path in ("direct", "routed"):
        session = requests.Session()
        session.auth = requests.auth.HTTPBasicAuth(*CREDENTIALS)
        sessions[path] = session

    def url(path: str, operation: str) -> str:
        return f"{base_url}{BASE_PATH}/{group_of(operation)}" if path == "direct" else f"{base_url}{BASE_PATH}"

    def call(path: str, operation: str) -> tuple[float, bytes]:
        headers = {"Content-Type": CONTENT_TYPE, "SOAPAction": f'"{operation}"'}
        started = time.perf_counter()
        response = sessions[path].post(url(path, operation), data=envelope(operation), headers=headers)
        elapsed = time.perf_counter() - started
        if response.status_code != 200 or f"{operation}Response".encode() not in response.content:
            raise RuntimeError(f"{path} {operation}: HTTP {response.status_code}\n{response.text[:2000]}")
        return elapsed, response.content

    for operation in OPERATIONS:
        for _ in range(warmup):
            for path in ("direct", "routed"):
                call(path, operation)
        if call("direct", operation)[1] != call("routed", operation)[1]:
            raise RuntimeError(f"{operation}: the routed response differs from the direct one")

    times: dict[tuple[str, str], list[float]] = {(operation, path): [] for operation in OPERATIONS for path in ("direct", "routed")}
    differences: dict[str, list[float]] = {operation: [] for operation in OPERATIONS}
    for index in range(pairs):
        for operation in OPERATIONS:
            order = ("direct", "routed") if index % 2 == 0 else ("routed", "direct")
            pair = {path: call(path, operation)[0] for path in order}
            for path, elapsed in pair.items():
                times[(operation, path)].append(elapsed)
            differences[operation].append(pair["routed"] - pair["direct"])
    for session in sessions.values():
        session.close()
    return {"times": times, "differences": differences}


def dispatch_cost(iterations: int, repeats: int) -> dict[str, dict[str, float]]:
    """The router's own work per request, without HTTP and without invoking anything."""
    from partnerapi.groups import OPERATION_GROUP
    from partnerapi.soap.envelope import inspect

    os.environ.setdefault("GROUP_FUNCTION_REFERENCE", "ReferenceFunction")
    os.environ.setdefault("GROUP_FUNCTION_PARTNERS", "PartnersFunction")
    from partnerapi import router
    from partnerapi.settings import get_settings

    limit = get_settings().max_request_bytes
    canned = {"statusCode": 200, "headers": {"Content-Type": CONTENT_TYPE}, "body": "<ok/>", "isBase64Encoded": False}
    previous = router._invoker[0]
    router.use_invoker(lambda function_name, event: canned)
    results = {}
    try:
        for operation in OPERATIONS:
            body = envelope(operation)
            event = {
                "resource": BASE_PATH,
                "path": BASE_PATH,
                "httpMethod": "POST",
                "headers": {"content-type": CONTENT_TYPE, "soapaction": f'"{operation}"', "host": "127.0.0.1"},
                "requestContext": {"stage": "local", "requestId": "bench", "authorizer": {"partner_id": "bench"}},
                "body": base64.b64encode(body).decode(),
                "isBase64Encoded": True,
            }

            def dispatch(body: bytes = body) -> None:
                OPERATION_GROUP.get(inspect(body, CONTENT_TYPE, limit).operation)

            def whole_route(event: dict[str, Any] = event) -> None:
                router.route(event, None)

            assert router.route(event, None) is canned
            per_call = {}
            for label, function in (("dispatch", dispatch), ("route", whole_route)):
                runs = [seconds / iterations for seconds in timeit.repeat(function, number=iterations, repeat=repeats)]
                per_call[label] = statistics.median(runs)
                per_call[label + "_min"] = min(runs)
            results[operation] = per_call
    finally:
        router.use_invoker(previous)
    return results


# ------------------------------------------------------------------ reporting --


def report(http: dict[str, Any], dispatch: dict[str, dict[str, float]], pairs: int, mode: str) -> str:
    ms = lambda seconds: f"{seconds * 1000:.2f}"
    lines = [
        "| operation | path | median (ms) | p90 (ms) | p99 (ms) |",
        "|---|---|---:|---:|---:|",
    ]
    for operation in OPERATIONS:
        for path in ("direct", "routed"):
            values = http["times"][(operation, path)]
            where = f"`{BASE_PATH}/{group_of(operation)}`" if path == "direct" else f"`{BASE_PATH}` (router)"
            lines.append(
                f"| {operation} | {path}: {where} | {ms(statistics.median(values))} | {ms(percentile(values, 0.9))} | {ms(percentile(values, 0.99))} |"
            )
    lines += [
        "",
        "Router overhead in the local process (routed − direct):",
        "",
        "| operation | median(routed) − median(direct) (ms) | median of the paired differences (ms) |",
        "|---|---:|---:|",
    ]
    for operation in OPERATIONS:
        direct = statistics.median(http["times"][(operation, "direct")])
        routed = statistics.median(http["times"][(operation, "routed")])
        lines.append(f"| {operation} | {ms(routed - direct)} | {ms(statistics.median(http['differences'][operation]))} |")
    lines += [
        "",
        "The router's own work without HTTP (this process, median of the repeats):",
        "",
        "| operation | `inspect()` + `OPERATION_GROUP` lookup (µs) | whole `route()` with a no-op invoker (µs) |",
        "|---|---:|---:|",
    ]
    for operation in OPERATIONS:
        lines.append(f"| {operation} | {dispatch[operation]['dispatch'] * 1e6:.1f} | {dispatch[operation]['route'] * 1e6:.1f} |")
    lines += ["", f"{pairs} alternating pairs per operation; server: {mode}.", "", AWS_INVOKE_NOTE]
    return "\n".join(lines)


def source_state() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], check=False, cwd=REPO_ROOT, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "layers/shared", "functions", "infra", "template.yaml"],
            check=False,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
        ).stdout
    except OSError:
        return "unknown"
    changed = len([line for line in dirty.splitlines() if line.strip()])
    return f"commit {head}" + (f" + {changed} uncommitted change(s) under layers/shared, functions, infra, template.yaml" if changed else " (clean)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300, help="alternating direct/routed pairs per operation (default 300)")
    parser.add_argument("--warmup", type=int, default=20, help="warm-up requests per operation and path (default 20)")
    parser.add_argument("--in-process", action="store_true", help="run emulated AWS + uvicorn in this process instead of `partnerapi serve`")
    parser.add_argument("--iterations", type=int, default=20000, help="calls per timing of the in-process dispatch (default 20000)")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--write", action="store_true", help=f"replace the router section of {DOC_PATH.relative_to(REPO_ROOT)}")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    mode = "in-process (emulated_aws + BackgroundServer)" if args.in_process else "`python -m partnerapi_ops.cli serve` subprocess (uvicorn, moto)"
    with in_process_server() if args.in_process else subprocess_server() as base_url:
        http = http_latency(base_url, args.requests, args.warmup)
    dispatch = dispatch_cost(args.iterations, args.repeats)
    elapsed = time.perf_counter() - started
    rendered = report(http, dispatch, args.requests, mode)
    print(rendered)
    print(f"\nrun time {elapsed:.0f} s")
    if args.write:
        header = (
            f"Measured {dt.date.today().isoformat()} on {os.cpu_count()} CPUs, Python {platform.python_version()} ({platform.machine()}); "
            f"{args.warmup} warm-up requests per operation and path; source: {source_state()}. Run time {elapsed:.0f} s."
        )
        replace_section(DOC_PATH, BEGIN, END, header + "\n\n" + rendered)
        print(f"wrote {DOC_PATH.relative_to(REPO_ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
