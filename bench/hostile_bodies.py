#!/usr/bin/env python3
"""Hostile bodies: what the worst request under the size cap costs, and what it costs other partners.

Every shape is built as large as the cap allows (MAX_REQUEST_BYTES, 1 MiB by default), SOAP 1.1:

- the guard alone: CPU time (`time.thread_time`) of `envelope.inspect()`, median and max of
  --repeats, the fault it gives, and the same body through the guard's parse without its byte-level
  pre-scan (`envelope._walk`), to show what the pre-scan saves;
- the largest body the guard accepts (every cap reached at once) through `inspect()` and spyne's
  deserialization (`ServerBase.generate_contexts` + `get_in_object`: everything before the operation
  runs), and spyne alone, without the guard, over N attributes on the operation element: the
  quadratic cost the caps exist for;
- over HTTP against the real sandbox (`python -m partnerapi_ops.cli serve` in a subprocess, started
  as tests/support/sandbox.py starts it): the time from sending each body to its fault, on the group
  URL (/cus/ws/PartnerAPI/partners) and the single URL (the router), median and max of --posts; and
  how long a declared 2 MiB body (Content-Length, nothing sent) waits for its 413;
- neighbours: demo2 sends small `partner_read` requests back to back (keep-alive session) to one URL,
  first alone, then while another process sends every hostile body in a loop, as demo, to the same
  URL; p50/p99/max of demo2's latency with and without the bombs, for the group and the single URL.

The sandbox runs each function one request at a time (infra/partnerapi_ops/gateway.py, one Lambda
instance each), so a bomb and demo2's request to the same function wait for each other; on AWS they
would run on separate instances. Targets: each fault in < 1 s; demo2 delayed by < 100 ms.

    .venv/bin/python bench/hostile_bodies.py                # ≈ 1 min
    .venv/bin/python bench/hostile_bodies.py --write        # … and into docs/performance.md
    .venv/bin/python bench/hostile_bodies.py --no-http      # the guard and spyne only (≈ 10 s)
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import multiprocessing
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from docs_section import replace_section  # bench/ is the script's own directory
from docs_section import source_state as described_source
from lxml import etree
from partnerapi.settings import get_settings
from partnerapi.soap import envelope as guard
from sandbox_process import sandbox_process

REPO_ROOT = Path(__file__).resolve().parents[1]
DOC_PATH = REPO_ROOT / "docs" / "performance.md"
RESULTS_PATH = REPO_ROOT / "bench" / "results" / "hostile_bodies.json"  # git-ignored
BEGIN, END = "<!-- hostile-bodies:begin -->", "<!-- hostile-bodies:end -->"
BASE_PATH = "/cus/ws/PartnerAPI"
GROUP_PATH = f"{BASE_PATH}/partners"
SOAP11, TNS = guard.SOAP11_ENV, "http://buhphone.com/PartnerAPI"
CONTENT_TYPE = "text/xml; charset=utf-8"
FAULT_TARGET_S, NEIGHBOUR_TARGET_S = 1.0, 0.100
SPYNE_ATTRIBUTES = (1_000, 4_000, 20_000)
SMALL = (
    f"<s:Envelope xmlns:s='{SOAP11}' xmlns:t='{TNS}'><s:Body><t:partner_read/></s:Body></s:Envelope>"
).encode()


# -------------------------------------------------------------------- bodies --


def envelope(inner: str, operation_attributes: str = "", header: str | None = None) -> str:
    head = f"<s:Header>{header}</s:Header>" if header is not None else ""
    return f"<s:Envelope xmlns:s='{SOAP11}' xmlns:t='{TNS}'>{head}<s:Body><t:partner_read{operation_attributes}>{inner}</t:partner_read></s:Body></s:Envelope>"


def filled(make: Callable[[str], str], unit: Callable[[int], str], limit: int) -> bytes:
    """make(filler) with as many fixed-width units as fit in `limit` bytes."""
    room = limit - len(make("").encode())
    width = len(unit(0).encode())
    body = make("".join(unit(index) for index in range(room // width))).encode()
    assert limit - width < len(body) <= limit, (len(body), limit)
    return body


def shapes(limit: int) -> dict[str, tuple[str, bytes]]:
    """name → (what it is, the body), each as large as `limit` allows."""
    inner = lambda filler: envelope(filler)  # inside the operation element
    on_operation = lambda filler: envelope("", filler)  # on the operation element
    after_operation = lambda filler: envelope("").replace("</s:Body>", filler + "</s:Body>")
    return {
        "attributes-on-one-element": ("`a000001='1'` × n on the operation element", filled(on_operation, lambda i: f" a{i:06}='1'", limit)),
        "namespace-declarations": ("`xmlns:n000001='u'` × n on the operation element", filled(on_operation, lambda i: f" xmlns:n{i:06}='u'", limit)),
        "attributes-on-many-elements": (
            f"`<p a00='' … a{guard.MAX_ATTRIBUTES_PER_ELEMENT - 1}=''/>` × n (each at the per-element cap: the pre-scan reads every tag in full)",
            filled(inner, lambda i: "<p" + "".join(f" a{k:02}=''" for k in range(guard.MAX_ATTRIBUTES_PER_ELEMENT)) + "/>", limit),
        ),
        "long-attribute-value": ("one attribute of ~1 MiB", filled(lambda f: envelope("", f" a='{f}'"), lambda i: "x", limit)),
        "elements": ("`<p/>` × n", filled(inner, lambda i: "<p/>", limit)),
        "deep-elements": ("29 nested `<x>` (depth 32 with Envelope, Body, operation) × n", filled(inner, lambda i: "<x>" * 29 + "</x>" * 29, limit)),
        "huge-text": ("one text node of ~1 MiB", filled(inner, lambda i: "x", limit)),
        "tiny-texts-between-comments": ("`x<!---->` × n: text nodes split by comments", filled(inner, lambda i: "x<!---->", limit)),
        "comments": ("`<!---->` × n", filled(inner, lambda i: "<!---->", limit)),
        "cdata-sections": ("`<![CDATA[x]]>` × n", filled(inner, lambda i: "<![CDATA[x]]>", limit)),
        "character-references": ("`&#1103;` × n", filled(inner, lambda i: "&#1103;", limit)),
        "processing-instructions": ("`<?p?>` × n", filled(inner, lambda i: "<?p?>", limit)),
        "operations": ("`<t:partner_read/>` × n in Body", filled(after_operation, lambda i: "<t:partner_read/>", limit)),
        "xinclude": ("`<xi:include href='file:///etc/hostname'/>` × n", filled(inner, lambda i: "<xi:include xmlns:xi='http://www.w3.org/2001/XInclude' href='file:///etc/hostname'/>", limit)),
        "less-than-signs": ("`<a` × n and 33 `=` (not XML): the byte-level pre-scan's worst case", filled(lambda f: envelope("", "", "").replace("<s:Body>", f + "=" * 33 + "<s:Body>"), lambda i: "<a", limit)),
        "must-understand-headers": (
            "header blocks with mustUnderstand='1' × n",
            filled(lambda f: envelope("", "", f), lambda i: f"<h:B{i:06} xmlns:h='urn:h' s:mustUnderstand='1'/>", limit),
        ),
    }


def accepted_at_the_caps() -> bytes:
    """The largest request the guard accepts: every cap of envelope.py reached at once."""
    per_element = guard.MAX_ATTRIBUTES_PER_ELEMENT
    declarations = "".join(f" xmlns:n{index}='urn:n{index}'" for index in range(per_element - 2))  # + xmlns:s, xmlns:t
    attributed = (guard.MAX_ATTRIBUTES - per_element) // per_element  # elements carrying a full set of attributes
    params = "".join("<t:p" + "".join(f" a{k}='{k}'" for k in range(per_element)) + "/>" for _ in range(attributed))
    nest = "<t:x>" * (guard.MAX_DEPTH - 3) + "</t:x>" * (guard.MAX_DEPTH - 3)
    text_room = guard.MAX_TEXT_TOTAL - len(SOAP11) - len(TNS) - sum(len(f"urn:n{index}") for index in range(per_element - 2))
    text_room -= sum(len(str(k)) for k in range(per_element)) * attributed
    texts = [guard.MAX_TEXT_CHARS] * (text_room // guard.MAX_TEXT_CHARS) + [text_room % guard.MAX_TEXT_CHARS]
    text_elements = "".join(f"<t:note>{'ж' * size}</t:note>" for size in texts)  # unknown to spyne, which skips them
    used = 3 + attributed + (guard.MAX_DEPTH - 3) + len(texts)
    comments = "<!---->" * (guard.MAX_ELEMENTS - used)
    body = (
        f"<s:Envelope xmlns:s='{SOAP11}' xmlns:t='{TNS}'{declarations}><s:Body><t:partner_read>"
        f"{params}{nest}{text_elements}{comments}</t:partner_read></s:Body></s:Envelope>"
    ).encode()
    guard.inspect(body, CONTENT_TYPE, len(body))  # must pass, and be at the caps: one more attribute, character or node is refused
    for old, new in ((b"<t:partner_read>", b"<t:partner_read b=''>"), (b"<t:partner_read>", b"<t:partner_read>x"), (b"</t:partner_read>", b"<!----></t:partner_read>")):
        try:
            guard.inspect(body.replace(old, new, 1), CONTENT_TYPE, len(body) + 20)
        except guard.HostileInput:
            continue
        raise AssertionError(f"the accepted body is not at the caps: {new!r} passes")
    return body


# ------------------------------------------------------------------- in-process --


def cpu_ms(function: Callable[[], Any], repeats: int) -> tuple[float, float]:
    """(median, max) CPU milliseconds of this thread over `repeats` calls; exceptions are the expected outcome."""
    samples = []
    for _ in range(repeats):
        started = time.thread_time()
        try:
            function()
        except guard.HostileInput:
            pass
        samples.append((time.thread_time() - started) * 1000)
    return statistics.median(samples), max(samples)


def fault_of(body: bytes, limit: int) -> str:
    try:
        guard.inspect(body, CONTENT_TYPE, limit)
    except guard.HostileInput as refusal:
        return refusal.faultcode
    return "(accepted)"


def spyne_server() -> Any:
    from partnerapi.soap.endpoint import SoapEndpoint
    from spyne.server import ServerBase

    return ServerBase(SoapEndpoint.for_group("partners")._app("1.1").app)


def spyne_deserialize(server: Any, body: bytes) -> None:
    """What spyne does before calling the operation: parse, find the method, deserialize the parameters."""
    from spyne import MethodContext

    context = MethodContext(server, MethodContext.SERVER)
    context.in_string = [body]
    (context, *_) = server.generate_contexts(context)
    if context.in_error is None:
        server.get_in_object(context)
    if context.in_error is not None:
        raise RuntimeError(f"spyne refused the body: {context.in_error}")


def measure_guard(bodies: dict[str, tuple[str, bytes]], limit: int, repeats: int) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name, (_, body) in bodies.items():
        inspect_ms = cpu_ms(lambda body=body: guard.inspect(body, CONTENT_TYPE, limit), repeats)
        walk_ms = cpu_ms(lambda body=body: guard._walk(body, "1.1"), max(3, repeats // 3))
        results[name] = {"bytes": len(body), "fault": fault_of(body, limit), "inspect_ms": inspect_ms, "walk_only_ms": walk_ms}
        print(f"  {name:30} {results[name]['fault']:42} inspect {inspect_ms[0]:7.2f} ms (max {inspect_ms[1]:.2f})  walk only {walk_ms[0]:7.2f} ms", flush=True)
    return results


def measure_accepted(repeats: int) -> dict[str, Any]:
    body = accepted_at_the_caps()
    server = spyne_server()
    spyne_deserialize(server, body)  # warm: spyne builds its caches on the first request
    both = lambda: (guard.inspect(body, CONTENT_TYPE, len(body)), spyne_deserialize(server, body))
    small = lambda: (guard.inspect(SMALL, CONTENT_TYPE, len(SMALL)), spyne_deserialize(server, SMALL))
    result = {
        "bytes": len(body),
        "inspect_ms": cpu_ms(lambda: guard.inspect(body, CONTENT_TYPE, len(body)), repeats),
        "guard_and_spyne_ms": cpu_ms(both, repeats),
        "small_guard_and_spyne_ms": cpu_ms(small, repeats),
        "spyne_alone_attributes_ms": {},
    }
    for count in SPYNE_ATTRIBUTES:
        attributes = "".join(f" a{index}='1'" for index in range(count))
        bomb = envelope("", attributes).encode()
        result["spyne_alone_attributes_ms"][count] = {"bytes": len(bomb), "ms": cpu_ms(lambda bomb=bomb: spyne_deserialize(server, bomb), 1 if count > 5_000 else 3)[0]}
    print(f"  accepted at the caps ({len(body)} bytes): guard + spyne {result['guard_and_spyne_ms'][0]:.2f} ms", flush=True)
    print(f"  spyne alone over attributes: {result['spyne_alone_attributes_ms']}", flush=True)
    return result


# ------------------------------------------------------------------------ HTTP --


@contextmanager
def sandbox() -> Iterator[str]:
    """The sandbox in a subprocess (bench/sandbox_process.py); yields its base URL."""
    with sandbox_process() as running:
        yield running.url


def session(login: str) -> Any:
    import requests

    client = requests.Session()
    client.auth = (login, login)
    client.headers["Content-Type"] = CONTENT_TYPE
    return client


def answer_code(content: bytes) -> str:
    """SOAP 1.1 fault code of an answer, "(ok)" for a result."""
    root = etree.fromstring(content)
    code = root.findtext(f"{{{SOAP11}}}Body/{{{SOAP11}}}Fault/faultcode")
    return code.strip().partition(":")[2] if code else "(ok)"


def measure_faults(base_url: str, bodies: dict[str, bytes], posts: int) -> dict[str, Any]:
    client = session("demo")
    client.post(base_url + GROUP_PATH, data=SMALL).raise_for_status()  # warm both functions and the authorizer
    client.post(base_url + BASE_PATH, data=SMALL).raise_for_status()
    results: dict[str, Any] = {}
    for name, body in bodies.items():
        for where, path in (("group", GROUP_PATH), ("single", BASE_PATH)):
            samples, codes = [], set()
            for _ in range(posts):
                started = time.perf_counter()
                response = client.post(base_url + path, data=body)
                samples.append(time.perf_counter() - started)
                codes.add(f"{response.status_code} {answer_code(response.content)}")
            results[f"{name}|{where}"] = {"median_s": statistics.median(samples), "max_s": max(samples), "answers": sorted(codes)}
        print(f"  {name:30} group {results[name + '|group']['median_s'] * 1000:7.1f} ms  single {results[name + '|single']['median_s'] * 1000:7.1f} ms  {results[name + '|single']['answers']}", flush=True)
    return results


def declared_too_large(base_url: str, repeats: int = 5) -> dict[str, Any]:
    """A Content-Length of 2 MiB and no body: how long until the 413."""
    host, port = base_url.rsplit("//", 1)[1].split(":")
    samples, statuses = [], set()
    for _ in range(repeats):
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        started = time.perf_counter()
        connection.putrequest("POST", GROUP_PATH)
        connection.putheader("Content-Type", CONTENT_TYPE)
        connection.putheader("Content-Length", str(2 * 1024 * 1024))
        connection.endheaders()
        response = connection.getresponse()
        response.read()
        samples.append(time.perf_counter() - started)
        statuses.add(response.status)
        connection.close()
    return {"median_s": statistics.median(samples), "max_s": max(samples), "statuses": sorted(statuses)}


def bomb_loop(url: str, bodies: list[bytes], stop: Any, results: Any) -> None:
    """Runs in its own process: every hostile body in turn, as demo, until told to stop."""
    client = session("demo")
    samples: list[float] = []
    while not stop.is_set():
        for body in bodies:
            started = time.perf_counter()
            client.post(url, data=body)
            samples.append(time.perf_counter() - started)
            if stop.is_set():
                break
    results.put(samples)


def neighbour_latency(url: str, requests_count: int, warmup: int) -> list[float]:
    client = session("demo2")
    for _ in range(warmup):
        client.post(url, data=SMALL).raise_for_status()
    samples = []
    for _ in range(requests_count):
        started = time.perf_counter()
        response = client.post(url, data=SMALL)
        samples.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"demo2's partner_read failed: HTTP {response.status_code} {response.text[:300]}")
    return samples


def measure_neighbours(base_url: str, bodies: list[bytes], requests_count: int, warmup: int) -> dict[str, Any]:
    context = multiprocessing.get_context("fork")
    results: dict[str, Any] = {}
    for where, path in (("group", GROUP_PATH), ("single", BASE_PATH)):
        url = base_url + path
        alone = neighbour_latency(url, requests_count, warmup)
        stop, queue = context.Event(), context.Queue()
        bomber = context.Process(target=bomb_loop, args=(url, bodies, stop, queue), daemon=True)
        bomber.start()
        time.sleep(1.0)  # the bombs are flowing before demo2 starts
        bombed = neighbour_latency(url, requests_count, 0)
        stop.set()
        bomb_samples = queue.get(timeout=60)
        bomber.join(30)
        results[where] = {"alone": alone, "bombed": bombed, "bombs": len(bomb_samples), "bomb_median_s": statistics.median(bomb_samples), "bomb_max_s": max(bomb_samples)}
        print(
            f"  {where}: demo2 alone p50 {percentile(alone, 0.5) * 1000:.1f} p99 {percentile(alone, 0.99) * 1000:.1f} ms; "
            f"with bombs p50 {percentile(bombed, 0.5) * 1000:.1f} p99 {percentile(bombed, 0.99) * 1000:.1f} ms ({len(bomb_samples)} bombs)",
            flush=True,
        )
    return results


# ------------------------------------------------------------------ reporting --


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def report(limit: int, descriptions: dict[str, str], figures: dict[str, Any], args: argparse.Namespace) -> str:
    guard_figures, accepted = figures["guard"], figures["accepted"]
    lines = [
        f"Every body below is as large as the cap allows ({limit:,} bytes), SOAP 1.1. Guard: CPU time of `inspect()` in this process, "
        f"median (max) of {args.repeats}; «parse only» is the guard's parse without its byte-level pre-scan (`_walk`).",
        "",
        "| shape | bytes | fault | `inspect()` CPU (ms) | parse only (ms) |",
        "|---|---:|---|---:|---:|",
    ]
    for name, result in guard_figures.items():
        median, worst = result["inspect_ms"]
        lines.append(f"| {name}: {descriptions[name]} | {result['bytes']:,} | `{result['fault']}` | {median:.2f} ({worst:.2f}) | {result['walk_only_ms'][0]:.2f} |")
    worst_name = max(guard_figures, key=lambda name: guard_figures[name]["inspect_ms"][0])
    lines += [
        "",
        f"Worst refusal: **{worst_name}, {guard_figures[worst_name]['inspect_ms'][0]:.2f} ms** of CPU (target ≤ ~50 ms).",
        "",
        f"The largest body the guard accepts, every cap reached at once ({accepted['bytes']:,} bytes: {guard.MAX_ATTRIBUTES_PER_ELEMENT} attributes on "
        f"the Envelope and on each of {(guard.MAX_ATTRIBUTES - guard.MAX_ATTRIBUTES_PER_ELEMENT) // guard.MAX_ATTRIBUTES_PER_ELEMENT} parameters "
        f"({guard.MAX_ATTRIBUTES} in all), {guard.MAX_ELEMENTS} elements and comments, depth {guard.MAX_DEPTH}, {guard.MAX_TEXT_TOTAL:,} characters of text "
        f"in nodes of {guard.MAX_TEXT_CHARS:,}): `inspect()` {accepted['inspect_ms'][0]:.2f} ms, `inspect()` + spyne's deserialization "
        f"**{accepted['guard_and_spyne_ms'][0]:.2f} ms** (max {accepted['guard_and_spyne_ms'][1]:.2f}); a plain `partner_read` "
        f"{accepted['small_guard_and_spyne_ms'][0]:.2f} ms.",
        "",
        "Why the caps: spyne alone (no guard) deserializing a `partner_read` with N attributes on its element, CPU ms:",
        "",
        "| attributes | bytes | spyne (ms) |",
        "|---:|---:|---:|",
    ]
    for count, result in accepted["spyne_alone_attributes_ms"].items():
        lines.append(f"| {int(count):,} | {result['bytes']:,} | {result['ms']:.1f} |")
    http = figures.get("http")
    if http is None:
        return "\n".join(lines)
    faults, neighbours = http["faults"], http["neighbours"]
    lines += [
        "",
        f"Over HTTP (sandbox subprocess, keep-alive session, demo): time from sending the body to the whole answer, median (max) of {args.posts}.",
        "",
        "| shape | group URL (ms) | single URL (ms) | answer |",
        "|---|---:|---:|---|",
    ]
    names = list(guard_figures) + ["accepted-at-the-caps"]
    for name in names:
        group, single = faults[f"{name}|group"], faults[f"{name}|single"]
        answers = ", ".join(sorted(set(group["answers"]) | set(single["answers"])))
        lines.append(
            f"| {name} | {group['median_s'] * 1000:.1f} ({group['max_s'] * 1000:.1f}) | {single['median_s'] * 1000:.1f} ({single['max_s'] * 1000:.1f}) | {answers} |"
        )
    slowest = max(max(result["max_s"] for result in faults.values()), 0)
    declared = http["declared"]
    lines += [
        "",
        f"Slowest answer: **{slowest * 1000:.1f} ms** (target < {FAULT_TARGET_S * 1000:.0f} ms). A declared 2 MiB body (Content-Length, nothing sent): "
        f"HTTP {', '.join(map(str, declared['statuses']))} in {declared['median_s'] * 1000:.1f} ms (max {declared['max_s'] * 1000:.1f}).",
        "",
        f"Neighbours: demo2's `partner_read` ({args.neighbour_requests} back-to-back requests) alone, then while another process posts every "
        "hostile body above in a loop (as demo) to the same URL:",
        "",
        "| URL | demo2 alone p50 / p99 / max (ms) | with bombs p50 / p99 / max (ms) | delay p50 / p99 (ms) | bombs sent (median answer, ms) |",
        "|---|---|---|---|---|",
    ]
    worst_delay = 0.0
    for where, result in neighbours.items():
        alone, bombed = result["alone"], result["bombed"]
        stats = lambda values: f"{percentile(values, 0.5) * 1000:.1f} / {percentile(values, 0.99) * 1000:.1f} / {max(values) * 1000:.1f}"
        delay50 = percentile(bombed, 0.5) - percentile(alone, 0.5)
        delay99 = percentile(bombed, 0.99) - percentile(alone, 0.99)
        worst_delay = max(worst_delay, delay50, delay99)
        label = f"group `{GROUP_PATH}`" if where == "group" else f"single `{BASE_PATH}` (router)"
        lines.append(f"| {label} | {stats(alone)} | {stats(bombed)} | {delay50 * 1000:+.1f} / {delay99 * 1000:+.1f} | {result['bombs']} ({result['bomb_median_s'] * 1000:.1f}) |")
    verdict = "met" if worst_delay < NEIGHBOUR_TARGET_S else "**missed**"
    lines += ["", f"Largest delay of demo2 (p50 or p99): **{worst_delay * 1000:.1f} ms**, target < {NEIGHBOUR_TARGET_S * 1000:.0f} ms: {verdict}."]
    return "\n".join(lines)


def source_state() -> str:
    return described_source(REPO_ROOT, ("layers/shared", "infra"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=21, help="inspect() calls per shape (default 21)")
    parser.add_argument("--posts", type=int, default=5, help="HTTP posts per shape and URL (default 5)")
    parser.add_argument("--neighbour-requests", type=int, default=300, help="demo2 requests per phase (default 300)")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--no-http", action="store_true", help="skip the sandbox: the guard and spyne only")
    parser.add_argument("--write", action="store_true", help=f"replace the hostile-bodies section of {DOC_PATH.relative_to(REPO_ROOT)}")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    limit = get_settings().max_request_bytes
    bodies = shapes(limit)
    print("guard (in process):", flush=True)
    figures: dict[str, Any] = {"guard": measure_guard(bodies, limit, args.repeats), "accepted": measure_accepted(args.repeats)}
    if not args.no_http:
        with sandbox() as base_url:
            print("over HTTP:", flush=True)
            posted = {name: body for name, (_, body) in bodies.items()} | {"accepted-at-the-caps": accepted_at_the_caps()}
            figures["http"] = {"faults": measure_faults(base_url, posted, args.posts), "declared": declared_too_large(base_url)}
            figures["http"]["neighbours"] = measure_neighbours(base_url, [body for _, body in bodies.values()], args.neighbour_requests, args.warmup)
    elapsed = time.perf_counter() - started
    rendered = report(limit, {name: what for name, (what, _) in bodies.items()}, figures, args)
    print("\n" + rendered)
    print(f"\nrun time {elapsed:.0f} s")
    RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_PATH.write_text(json.dumps(figures, indent=1, default=str), encoding="utf-8")
    if args.write:
        header = (
            f"Measured {dt.date.today().isoformat()} on {os.cpu_count()} CPUs, Python {platform.python_version()} ({platform.machine()}), "
            f"lxml {'.'.join(map(str, etree.LXML_VERSION[:3]))} with libxml2 {'.'.join(map(str, etree.LIBXML_VERSION))}; "
            f"source: {source_state()}. Run time {elapsed:.0f} s."
        )
        replace_section(DOC_PATH, BEGIN, END, header + "\n\n" + rendered)
        print(f"wrote {DOC_PATH.relative_to(REPO_ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
