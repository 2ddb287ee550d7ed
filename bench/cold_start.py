#!/usr/bin/env python3
"""Cold start of each Lambda function of template.yaml against the floor of a SOAP function.

Every sample is a fresh `python -I -c …` process:

- floor: `import boto3`, one DynamoDB client, `import spyne`, a one-operation spyne Application
  (Soap11 in/out) wrapped in WsgiApplication: the least any spyne-on-Lambda function pays;
- each function of template.yaml: sys.path = [CodeUri folder, layers/shared] (then the interpreter's
  own stdlib and site-packages, where the layer's third-party packages live here), import of the
  Handler module as Lambda's bootstrap does it (`importlib.import_module("app")`), then
  `handler.initialize()`, which builds what the first request would otherwise build (Powertools
  Logger/Metrics/Tracer, settings, boto3 client). The editable install's finder is removed and
  `infra` is not on the path, so nothing but the deployed code can be imported.

The time reported is measured inside the child with time.perf_counter() from its first statement to
the end (interpreter start-up excluded: it is the same for every function); the parent also records
the whole process' wall time. Rounds run in turns (floor and functions in a rotating order) so that
machine noise hits all of them alike. The target is median(function) ≤ 1.25 × median(floor).

    .venv/bin/python bench/cold_start.py                 # 15 rounds, markdown table on stdout
    .venv/bin/python bench/cold_start.py --write         # … and into docs/performance.md
    .venv/bin/python bench/cold_start.py --check         # exit 1 when a function misses the target
    .venv/bin/python bench/cold_start.py --importtime RouterFunction   # top import costs

No network call is made: credentials are fake and no request is sent.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docs_section import replace_section  # bench/ is the script's own directory

REPO_ROOT = Path(__file__).resolve().parents[1]
LAYER_DIR = REPO_ROOT / "layers" / "shared"
INFRA_DIR = REPO_ROOT / "infra"
DOC_PATH = REPO_ROOT / "docs" / "performance.md"
RESULTS_DIR = REPO_ROOT / "bench" / "results"  # git-ignored
BEGIN, END = "<!-- cold-start:begin -->", "<!-- cold-start:end -->"
TARGET = 1.25
FLOOR = "floor"
REGION = "eu-central-1"
MARKER = "COLDSTART"

# Installed before the clock starts, in the floor and in every function alike: packages of the dev
# venv that are neither in the layer (layers/shared/requirements.txt and its dependencies) nor in the
# Lambda runtime (boto3 and its dependencies) cannot be imported, as on Lambda. Otherwise optional
# imports find them (Powertools' Tracer patches `requests` when it is importable, for one).
HARNESS = """
import sys
class _NotOnLambda:
    blocked = frozenset(@BLOCKED@)
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name.partition(".")[0] in cls.blocked:
            raise ModuleNotFoundError("No module named %r (not in the Lambda runtime or layer)" % name, name=name)
        return None
if _NotOnLambda.blocked:
    sys.meta_path.insert(0, _NotOnLambda)
"""

FLOOR_CODE = f"""
import time
_t0 = time.perf_counter()
import boto3
boto3.client("dynamodb", region_name="eu-central-1")
from spyne import Application, ServiceBase, Unicode, rpc
from spyne.protocol.soap import Soap11
from spyne.server.wsgi import WsgiApplication


class FloorService(ServiceBase):
    @rpc(Unicode, _returns=Unicode)
    def echo(ctx, text):
        return text


WsgiApplication(Application([FloorService], tns="urn:partnerapi:floor", name="Floor", in_protocol=Soap11(validator="soft"), out_protocol=Soap11()))
_t1 = time.perf_counter()
import sys
print("{MARKER}", repr(_t1 - _t0), repr(_t1 - _t0), repr(0.0), len(sys.modules), flush=True)
"""

# Placeholders are filled with repr() of paths and names (see function_code).
FUNCTION_CODE = f"""
import time
_t0 = time.perf_counter()
import sys
sys.meta_path[:] = [finder for finder in sys.meta_path if "editable" not in (getattr(finder, "__module__", "") or "")]
sys.path[:0] = [@CODE_DIR@, @LAYER_DIR@]
import importlib
_module = importlib.import_module(@MODULE@)
_t1 = time.perf_counter()
getattr(_module, @ATTRIBUTE@).initialize()
_t2 = time.perf_counter()
_package = sys.modules.get("partnerapi")
_problems = []
if _package is None or not str(getattr(_package, "__file__", "")).startswith(@LAYER_DIR@):
    _problems.append("partnerapi not imported from layers/shared: " + repr(getattr(_package, "__file__", None)))
if "partnerapi_ops" in sys.modules or any("infra" in str(entry) and entry.startswith(@REPO_ROOT@) for entry in sys.path):
    _problems.append("infra is importable")
if _problems:
    print("{MARKER}-ERROR", "; ".join(_problems), flush=True)
    raise SystemExit(3)
print("{MARKER}", repr(_t2 - _t0), repr(_t1 - _t0), repr(_t2 - _t1), len(sys.modules), flush=True)
"""


@dataclass
class Function:
    logical_id: str
    code_dir: Path
    module: str
    attribute: str
    memory: int
    environment: dict[str, str]


@dataclass
class Sample:
    init: float  # in-process: first statement → end of initialize()
    import_: float  # of which the module import (Lambda's INIT phase)
    initialize: float  # of which handler.initialize()
    wall: float  # whole process, measured by the parent
    modules: int


@dataclass
class Series:
    name: str
    samples: list[Sample] = field(default_factory=list)

    def values(self, attribute: str) -> list[float]:
        return [getattr(sample, attribute) for sample in self.samples]


# ------------------------------------------------------------------ template --


def _template() -> Any:
    for path in (INFRA_DIR, LAYER_DIR):  # the parent reads the template with the ops package
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    from partnerapi_ops import TEMPLATE_PATH, template

    return template, TEMPLATE_PATH


def _plain(value: Any) -> str:
    """A template value as the local stand-in for what CloudFormation would resolve."""
    if isinstance(value, dict):
        (name, argument), *_ = value.items()
        if name == "Ref":
            return str(argument)
        if name == "Fn::GetAtt":
            return ".".join(argument) if isinstance(argument, list) else str(argument)
        if name == "Fn::Sub":
            return re.sub(r"\$\{([^}]+)\}", lambda m: m.group(1).replace("AWS::", ""), argument if isinstance(argument, str) else argument[0])
        return str(argument)
    return str(value)


def discover() -> list[Function]:
    """The functions of template.yaml, read like partnerapi_ops.template.load_handler reads them."""
    template, template_path = _template()
    document = template.load_template()
    globals_ = document.get("Globals", {}).get("Function", {})
    functions = []
    for logical_id in template.function_names():
        properties = {**globals_, **document["Resources"][logical_id]["Properties"]}
        module, _, attribute = properties["Handler"].rpartition(".")
        variables = {
            **globals_.get("Environment", {}).get("Variables", {}),
            **document["Resources"][logical_id]["Properties"].get("Environment", {}).get("Variables", {}),
        }
        functions.append(
            Function(
                logical_id=logical_id,
                code_dir=(template_path.parent / properties["CodeUri"]).resolve(),
                module=module,
                attribute=attribute,
                memory=int(properties.get("MemorySize", 128)),
                environment={name: _plain(value) for name, value in variables.items()},
            )
        )
    return functions


def lambda_environment(function: Function | None) -> dict[str, str]:
    """What the Lambda runtime and template.yaml give a function; fake credentials, no config files."""
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "ASIABENCHMARKFAKEKEY",
        "AWS_SECRET_ACCESS_KEY": "benchmark-fake-secret",
        "AWS_SESSION_TOKEN": "benchmark-fake-token",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129:2000",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "ENTITIES_TABLE": "EntitiesTable",
        "CREDENTIALS_TABLE": "CredentialsTable",
        "CHAT_HISTORY_BUCKET": "partnerapi-chat-history-bench",
        "POWERTOOLS_SERVICE_NAME": "partnerapi",
        "POWERTOOLS_METRICS_NAMESPACE": "PartnerAPI",
        "GROUP_FUNCTION_REFERENCE": "ReferenceFunction",
        "GROUP_FUNCTION_PARTNERS": "PartnersFunction",
        "AWS_LAMBDA_FUNCTION_NAME": "partnerapi-floor",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
    }
    if function is not None:
        environment.update(function.environment)
        environment.update(
            {
                "AWS_LAMBDA_FUNCTION_NAME": f"partnerapi-{function.logical_id}",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory),
                "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/partnerapi-{function.logical_id}",
                # Lambda sets it; Powertools' Tracer enables itself (template: Tracing: Active) only when it is set
                "LAMBDA_TASK_ROOT": str(function.code_dir),
                "_HANDLER": f"{function.module}.{function.attribute}",
            }
        )
    return environment


def function_code(function: Function) -> str:
    code = FUNCTION_CODE
    for placeholder, value in {
        "@CODE_DIR@": str(function.code_dir),
        "@LAYER_DIR@": str(LAYER_DIR),
        "@REPO_ROOT@": str(REPO_ROOT),
        "@MODULE@": function.module,
        "@ATTRIBUTE@": function.attribute,
    }.items():
        code = code.replace(placeholder, repr(value))
    return code


# ----------------------------------------------------------------- measuring --


def _distribution_key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def layer_requirements() -> list[str]:
    from packaging.requirements import Requirement

    names = []
    for line in (LAYER_DIR / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            names.append(Requirement(line).name)
    return names


def lambda_distributions() -> set[str]:
    """The layer's requirements and the runtime's boto3, with all their (non-extra) dependencies."""
    return closure(["boto3", *layer_requirements()])


def closure(roots: list[str]) -> set[str]:
    from importlib import metadata

    from packaging.requirements import Requirement

    roots = list(roots)
    seen: set[str] = set()
    while roots:
        name = _distribution_key(roots.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for text in requires:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                roots.append(requirement.name)
    return seen


_BLOCKED: list[str] | None = None


def blocked_modules() -> list[str]:
    """Top-level modules of the dev venv that a deployed function could not import."""
    global _BLOCKED
    if _BLOCKED is None:
        from importlib import metadata

        allowed = lambda_distributions() | {"partnerapi"}  # partnerapi itself comes from layers/shared (sys.path)
        _BLOCKED = sorted(
            module
            for module, distributions in metadata.packages_distributions().items()
            if module not in sys.stdlib_module_names
            and not module.startswith("__editable__")
            and not any(_distribution_key(distribution) in allowed for distribution in distributions)
        )
        _BLOCKED = sorted(set(_BLOCKED) | {"partnerapi_ops"})
    return _BLOCKED


def layer_modules() -> list[str]:
    """Top-level modules that the layer ships (not those the Lambda runtime provides), and partnerapi."""
    from importlib import metadata

    shipped = closure(layer_requirements()) - closure(["boto3"])
    return sorted(
        {"partnerapi"}
        | {module for module, distributions in metadata.packages_distributions().items() if any(_distribution_key(d) in shipped for d in distributions)}
    )


# Appended to a child after its measurement: how long compiling the layer's modules it loaded takes.
# /opt is read-only on Lambda, so a layer without bytecode would be compiled from source on every cold
# start; layers/shared/Makefile ships unchecked-hash .pyc to avoid exactly this cost.
COMPILE_CODE = """
_layer = frozenset(@LAYER@)
_total, _count = 0.0, 0
for _name, _module in list(sys.modules.items()):
    _file = getattr(_module, "__file__", None) or ""
    if _file.endswith(".py") and _name.partition(".")[0] in _layer:
        with open(_file, "rb") as _handle:
            _source = _handle.read()
        _started = time.perf_counter()
        compile(_source, _file, "exec", dont_inherit=True)
        _total += time.perf_counter() - _started
        _count += 1
print("COMPILE", repr(_total), _count, flush=True)
"""


def compile_cost(names: list[str], functions: dict[str, Function], runs: int, dev_venv: bool = False) -> dict[str, tuple[float, int]]:
    code = COMPILE_CODE.replace("@LAYER@", repr(layer_modules()))
    costs = {}
    for name in names:
        times, count = [], 0
        for _ in range(runs):
            command, environment = child_command(name, functions, dev_venv=dev_venv, extra=code)
            done = subprocess.run(command, check=False, env=environment, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
            for line in done.stdout.splitlines():
                if line.startswith("COMPILE "):
                    _, seconds, modules = line.split()
                    times.append(float(seconds))
                    count = int(modules)
        if times:
            costs[name] = (statistics.median(times), count)
    return costs


def compile_table(costs: dict[str, tuple[float, int]], rows: list[dict[str, Any]]) -> str:
    medians = {row["name"]: row["median"] for row in rows}
    lines = ["| | layer modules loaded | compiling them (ms) | init median + compiling (ms) |", "|---|---:|---:|---:|"]
    for name, (seconds, count) in costs.items():
        label = "floor (spyne, lxml, pytz would come from the layer)" if name == FLOOR else name
        lines.append(f"| {label} | {count} | {seconds * 1000:.0f} | {(medians.get(name, 0) + seconds) * 1000:.0f} |")
    return "\n".join(lines)


def child_command(name: str, functions: dict[str, Function], *flags: str, dev_venv: bool = False, extra: str = "") -> tuple[list[str], dict[str, str]]:
    harness = HARNESS.replace("@BLOCKED@", repr([] if dev_venv else blocked_modules()))
    if name == FLOOR:
        return [sys.executable, "-I", *flags, "-c", harness + FLOOR_CODE + extra], lambda_environment(None)
    function = functions[name]
    return [sys.executable, "-I", *flags, "-c", harness + function_code(function) + extra], lambda_environment(function)


def measure(name: str, functions: dict[str, Function], dev_venv: bool = False) -> Sample:
    command, environment = child_command(name, functions, dev_venv=dev_venv)
    started = time.perf_counter()
    done = subprocess.run(command, check=False, env=environment, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    wall = time.perf_counter() - started
    for line in done.stdout.splitlines():
        if line.startswith(MARKER + " "):
            _, init, import_, initialize, modules = line.split()
            return Sample(float(init), float(import_), float(initialize), wall, int(modules))
    raise RuntimeError(f"{name}: no measurement (exit {done.returncode})\n{done.stdout}\n{done.stderr[-3000:]}")


def run_rounds(
    names: list[str], functions: dict[str, Function], rounds: int, warmup: int, shuffle: bool, seed: int, progress: bool, dev_venv: bool = False
) -> dict[str, Series]:
    series = {name: Series(name) for name in names}
    rng = random.Random(seed)
    for round_number in range(-warmup, rounds):
        if shuffle:
            order = names[:]
            rng.shuffle(order)
        else:  # rotating: over len(names) rounds every entry takes every position once
            shift = round_number % len(names)
            order = names[shift:] + names[:shift]
        for name in order:
            sample = measure(name, functions, dev_venv)
            if round_number >= 0:
                series[name].samples.append(sample)
        if progress:
            label = "warm-up" if round_number < 0 else f"round {round_number + 1}/{rounds}"
            print(
                f"  {label}: " + ", ".join(f"{name} {series[name].samples[-1].init * 1000:.0f} ms" if round_number >= 0 else name for name in order),
                file=sys.stderr,
            )
    return series


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarize(series: dict[str, Series]) -> list[dict[str, Any]]:
    floor = statistics.median(series[FLOOR].values("init"))
    rows = []
    for name, entry in series.items():
        init = entry.values("init")
        median = statistics.median(init)
        rows.append(
            {
                "name": name,
                "median": median,
                "p90": percentile(init, 0.9),
                "import": statistics.median(entry.values("import_")),
                "initialize": statistics.median(entry.values("initialize")),
                "wall": statistics.median(entry.values("wall")),
                "wall_p90": percentile(entry.values("wall"), 0.9),
                "modules": int(statistics.median(entry.values("modules"))),
                "ratio": median / floor,
            }
        )
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    ms = lambda seconds: f"{seconds * 1000:.0f}"
    lines = [
        "| Function | init median (ms) | init p90 (ms) | import (ms) | initialize() (ms) | process wall median (ms) | modules | ratio to floor | ≤ 1.25× |",
        "|---|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for row in rows:
        if row["name"] == FLOOR:
            lines.append(
                f"| floor (boto3 + DynamoDB client + spyne app) | {ms(row['median'])} | {ms(row['p90'])} | – | – | {ms(row['wall'])} | {row['modules']} | 1.00 | – |"
            )
        else:
            verdict = "yes" if row["ratio"] <= TARGET else "**no**"
            lines.append(
                f"| {row['name']} | {ms(row['median'])} | {ms(row['p90'])} | {ms(row['import'])} | {ms(row['initialize'])} | {ms(row['wall'])} | {row['modules']} | {row['ratio']:.2f} | {verdict} |"
            )
    return "\n".join(lines)


# ---------------------------------------------------------------- importtime --

_IMPORTTIME = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)\s*$")


def parse_importtime(stderr: str) -> list[dict[str, Any]]:
    """`-X importtime` lines (children are printed before their parent) with each module's importer."""
    entries: list[dict[str, Any]] = []
    pending: dict[int, list[dict[str, Any]]] = {}
    for line in stderr.splitlines():
        match = _IMPORTTIME.match(line)
        if not match:
            continue
        self_us, cumulative_us, indent, module = int(match.group(1)), int(match.group(2)), match.group(3), match.group(4)
        depth = (len(indent) - 1) // 2
        entry = {"module": module, "self": self_us / 1e6, "cumulative": cumulative_us / 1e6, "depth": depth, "parent": None}
        for child in pending.pop(depth + 1, []):
            child["parent"] = module
        pending.setdefault(depth, []).append(entry)
        entries.append(entry)
    return entries


def importtime(name: str, functions: dict[str, Function], runs: int, dev_venv: bool = False) -> list[dict[str, Any]]:
    """Median cumulative/self time per module over `runs` fresh processes (one warm-up first)."""
    collected: dict[str, list[dict[str, Any]]] = {}
    for run in range(runs + 1):
        command, environment = child_command(name, functions, "-X", "importtime", dev_venv=dev_venv)
        done = subprocess.run(command, check=False, env=environment, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
        if MARKER + " " not in done.stdout:
            raise RuntimeError(f"{name}: importtime run failed\n{done.stdout}\n{done.stderr[-3000:]}")
        if run == 0:
            continue
        for entry in parse_importtime(done.stderr):
            collected.setdefault(entry["module"], []).append(entry)
    merged = []
    for module, entries in collected.items():
        merged.append(
            {
                "module": module,
                "cumulative": statistics.median(entry["cumulative"] for entry in entries),
                "self": statistics.median(entry["self"] for entry in entries),
                "parent": entries[0]["parent"],
                "depth": entries[0]["depth"],
            }
        )
    return sorted(merged, key=lambda entry: entry["cumulative"], reverse=True)


def importtime_table(entries: list[dict[str, Any]], top: int) -> str:
    lines = ["| # | module | cumulative (ms) | self (ms) | imported by |", "|---:|---|---:|---:|---|"]
    for rank, entry in enumerate(entries[:top], 1):
        parent = f"`{entry['parent']}`" if entry["parent"] else "top level: app.py, or an import inside a function"
        lines.append(f"| {rank} | `{entry['module']}` | {entry['cumulative'] * 1000:.1f} | {entry['self'] * 1000:.1f} | {parent} |")
    return "\n".join(lines)


def beyond_floor(entries: list[dict[str, Any]], floor_entries: list[dict[str, Any]]) -> list[tuple[str, float, int]]:
    """Self time of the modules the floor does not import, summed per top-level package."""
    in_floor = {entry["module"] for entry in floor_entries}
    packages: dict[str, list[float]] = {}
    for entry in entries:
        if entry["module"] not in in_floor:
            packages.setdefault(entry["module"].partition(".")[0], []).append(entry["self"])
    return sorted(((package, sum(times), len(times)) for package, times in packages.items()), key=lambda item: item[1], reverse=True)


def beyond_floor_table(rows: list[tuple[str, float, int]], top: int) -> str:
    lines = ["| package | self time of its modules the floor does not import (ms) | modules |", "|---|---:|---:|"]
    lines += [f"| `{package}` | {seconds * 1000:.1f} | {count} |" for package, seconds, count in rows[:top]]
    return "\n".join(lines)


# Work the first request still does after initialize(), measured in the same kind of process.
FIRST_REQUEST_LEFTOVERS = {
    "RouterFunction": (
        "client('lambda') (created by the first routed request, not by initialize())",
        "from partnerapi.data.clients import client\nclient('lambda')",
    ),
}
LEFTOVER_CODE = """
_t3 = time.perf_counter()
@CODE@
print("LEFTOVER", repr(time.perf_counter() - _t3), flush=True)
"""


def leftovers(functions: dict[str, Function], runs: int, dev_venv: bool = False) -> list[tuple[str, str, float]]:
    found = []
    for name, (label, code) in FIRST_REQUEST_LEFTOVERS.items():
        if name not in functions:
            continue
        times = []
        for _ in range(runs):
            command, environment = child_command(name, functions, dev_venv=dev_venv, extra=LEFTOVER_CODE.replace("@CODE@", code))
            done = subprocess.run(command, check=False, env=environment, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
            times += [float(line.split()[1]) for line in done.stdout.splitlines() if line.startswith("LEFTOVER ")]
        if times:
            found.append((name, label, statistics.median(times)))
    return found


# ------------------------------------------------------------------- writing --


def machine() -> str:
    return f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()}), Python {platform.python_version()} ({platform.machine()}, {platform.system()})"


def source_state() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], check=False, cwd=REPO_ROOT, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "layers/shared", "functions", "template.yaml"], check=False, cwd=REPO_ROOT, capture_output=True, text=True
        ).stdout
        changed = len([line for line in dirty.splitlines() if line.strip()])
    except OSError:
        return "unknown"
    return f"commit {head}" + (f" + {changed} uncommitted change(s) under layers/shared, functions, template.yaml" if changed else " (clean)")


# ---------------------------------------------------------------------- main --


def resolve(name: str, functions: dict[str, Function]) -> str:
    if name == FLOOR or name in functions:
        return name
    for logical_id, function in functions.items():
        if name.lower() in (logical_id.lower(), function.code_dir.name.lower(), logical_id.lower().removesuffix("function")):
            return logical_id
    raise SystemExit(f"unknown function {name!r}; choose one of: {FLOOR}, {', '.join(functions)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15, help="measured rounds (default 15)")
    parser.add_argument("--warmup", type=int, default=1, help="discarded rounds first (bytecode and page cache, default 1)")
    parser.add_argument("--shuffle", action="store_true", help="shuffle the order each round instead of rotating it")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--only", action="append", help="measure only this function (repeatable); the floor always runs")
    parser.add_argument("--dev-venv", action="store_true", help="let children import every package of the dev venv (default: only what Lambda has)")
    parser.add_argument("--write", action="store_true", help=f"replace the cold-start section of {DOC_PATH.relative_to(REPO_ROOT)}")
    parser.add_argument("--check", action="store_true", help=f"exit 1 if a function's median exceeds {TARGET}× the floor")
    parser.add_argument("--importtime", metavar="FUNCTION", help="print the top cumulative import costs of FUNCTION (or 'floor') and exit")
    parser.add_argument("--importtime-runs", type=int, default=3, help="processes whose -X importtime output is merged (median), default 3")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)

    functions = {function.logical_id: function for function in discover()}
    if args.importtime:
        name = resolve(args.importtime, functions)
        entries = importtime(name, functions, args.importtime_runs, args.dev_venv)
        print(f"-X importtime of {name}, median of {args.importtime_runs} fresh processes (import + initialize()):\n")
        print(importtime_table(entries, args.top))
        if name != FLOOR:
            floor_entries = importtime(FLOOR, functions, args.importtime_runs, args.dev_venv)
            print(f"\nImported by {name} but not by the floor, self time per top-level package:\n")
            print(beyond_floor_table(beyond_floor(entries, floor_entries), args.top))
        return 0

    selected = [resolve(name, functions) for name in args.only] if args.only else list(functions)
    names = [FLOOR, *[name for name in selected if name != FLOOR]]
    started = time.perf_counter()
    if not args.quiet:
        hidden = "dev venv as is" if args.dev_venv else f"{len(blocked_modules())} top-level modules of the dev venv hidden (not on Lambda)"
        print(f"cold start: {args.rounds} rounds (+{args.warmup} warm-up) of {', '.join(names)}; {hidden}", file=sys.stderr)
    series = run_rounds(names, functions, args.rounds, args.warmup, args.shuffle, args.seed, progress=not args.quiet, dev_venv=args.dev_venv)
    rows = summarize(series)
    elapsed = time.perf_counter() - started
    rendered = table(rows)
    print(rendered)
    print(
        f"\nfloor median {rows[0]['median'] * 1000:.0f} ms in-process, {rows[0]['wall'] * 1000:.0f} ms whole process; target ≤ {TARGET}× floor; {elapsed:.0f} s"
    )
    later = leftovers({name: functions[name] for name in names if name != FLOOR}, 5, args.dev_venv)
    for name, label, seconds in later:
        print(f"{name}: {label}: {seconds * 1000:.0f} ms more on the first request")

    misses = [row for row in rows if row["name"] != FLOOR and row["ratio"] > TARGET]
    if args.write:
        worst = max((row for row in rows if row["name"] != FLOOR), key=lambda row: row["ratio"])
        top = importtime(worst["name"], functions, args.importtime_runs, args.dev_venv)
        extra = beyond_floor(top, importtime(FLOOR, functions, args.importtime_runs, args.dev_venv))
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        raw = {name: [sample.__dict__ for sample in entry.samples] for name, entry in series.items()}
        (RESULTS_DIR / "cold_start.json").write_text(
            json.dumps({"rows": rows, "samples": raw, "importtime": {worst["name"]: top[:50]}, "beyond_floor": extra}, indent=1), encoding="utf-8"
        )
        verdict = "every function is within" if not misses else f"{len(misses)} of {len(rows) - 1} functions miss"
        hidden = (
            "the dev venv as is (--dev-venv)"
            if args.dev_venv
            else "only the packages a deployed function has (the layer's requirements, boto3, their dependencies)"
        )
        lines = [
            (
                f"Measured {dt.date.today().isoformat()} on {machine()}; {args.rounds} rounds (+{args.warmup} discarded warm-up), "
                f"{'shuffled' if args.shuffle else 'rotating'} order; importable: {hidden}; source: {source_state()}. "
                f"Run time {elapsed:.0f} s."
            ),
            "",
            rendered,
            "",
            (
                f"Floor: {rows[0]['median'] * 1000:.0f} ms in-process ({rows[0]['wall'] * 1000:.0f} ms whole process, interpreter start-up included). "
                f"Target ≤ {TARGET}× floor = {rows[0]['median'] * TARGET * 1000:.0f} ms: **{verdict} the target**."
            ),
        ]
        for name, label, seconds in later:
            lines += ["", f"Not in the table: {name}'s {label} costs {seconds * 1000:.0f} ms (median of 5) on its first request."]
        lines += [
            "",
            (
                f"Top 10 cumulative import costs of the worst function, {worst['name']} (ratio {worst['ratio']:.2f}), "
                f"`-X importtime`, median of {args.importtime_runs} processes, import + initialize():"
            ),
            "",
            importtime_table(top, 10),
            "",
            f"What {worst['name']} imports beyond the floor (self time of the modules the floor does not import, per package, same runs):",
            "",
            beyond_floor_table(extra, 10),
        ]
        costs = compile_cost(names, functions, 3, args.dev_venv)
        lines += [
            "",
            (
                "Bytecode: `/opt` is read-only on Lambda, so a layer without `.pyc` files would compile the modules it loads "
                "(partnerapi, spyne, Powertools, …; boto3 comes with the runtime) from source on every cold start. "
                "`layers/shared/Makefile` therefore ships unchecked-hash cpython-311 bytecode (checked by tests/infra), and the "
                "table above, measured with bytecode, is what a deployed function pays. What the bytecode saves, measured by "
                "compiling the same sources in the same process, median of 3:"
            ),
            "",
            compile_table(costs, rows),
        ]
        replace_section(DOC_PATH, BEGIN, END, "\n".join(lines))
        print(f"wrote {DOC_PATH.relative_to(REPO_ROOT)} and {(RESULTS_DIR / 'cold_start.json').relative_to(REPO_ROOT)}", file=sys.stderr)
    if args.check and misses:
        print("over target: " + ", ".join(f"{row['name']} {row['ratio']:.2f}×" for row in misses), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
