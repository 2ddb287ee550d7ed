#!/usr/bin/env python3
"""How fast the operator's loader puts the ITS registry into DynamoDB, and how much memory it needs.

1. Generates N rows (default 1 000 000) to a temporary CSV (`;`), in the format of
   docs/its-registry.md: plain numbers, `ВО…` and `FR…` numbers, levels 1/2/4, plus one invalid row
   in every 10 000 (they must be counted, not written).
2. Starts the local emulation (`partnerapi_ops.sandbox.emulated_aws()`: moto's server on loopback,
   the tables of template.yaml) in this process.
3. Runs `python -m partnerapi_ops.cli its import FILE` as a child process against it, exactly as an
   operator runs it against AWS (ENTITIES_TABLE + AWS_ENDPOINT_URL in the environment), so the child's
   peak RSS is the loader's own and not moto's (moto keeps every item in this process's memory).
4. Checks the result: the table's item count, and 1 000 random lookups through `partnerapi.logic.its`
   (one GetItem each) that must find what the file says.

    .venv/bin/python bench/its_import.py                  # 1 000 000 rows
    .venv/bin/python bench/its_import.py --rows 200000 --workers 8
    .venv/bin/python bench/its_import.py --write          # … and into docs/performance.md

`--extrapolate-to N` labels the figures of a smaller run as an extrapolation to N rows (linear in
rows: the loader streams, and every batch costs the same).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from docs_section import replace_section  # bench/ is the script's own directory

REPO_ROOT = Path(__file__).resolve().parents[1]
LAYER_DIR = REPO_ROOT / "layers" / "shared"
INFRA_DIR = REPO_ROOT / "infra"
DOC_PATH = REPO_ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- its-import:begin -->", "<!-- its-import:end -->"
INVALID_EVERY = 10_000

for path in (LAYER_DIR, INFRA_DIR):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


def reg_number(index: int) -> str:
    """Distinct valid numbers: 1 in 10 `ВО…`, 1 in 10 `FR…`, the rest plain from 500000 up."""
    if index % 10 == 3:
        return f"ВО{index:09d}"
    if index % 10 == 7:
        return f"FR{index:09d}"
    return str(500_000 + index)


def row(index: int) -> tuple[str, str, int, str, str]:
    start = dt.date(2024, 1, 1) + dt.timedelta(days=index % 700)
    inn = f"{7_700_000_000 + index % 99_999_999:010d}" if index % 2 else f"{770_000_000_000 + index:012d}"
    return reg_number(index), inn, (1, 2, 4)[index % 3], start.isoformat(), (start + dt.timedelta(days=364)).isoformat()


def generate(path: Path, rows: int) -> int:
    """Writes `rows` data rows; returns how many are invalid."""
    invalid = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("reg_number;inn;its_level;date_from;date_to\n")
        for index in range(rows):
            if index % INVALID_EVERY == INVALID_EVERY - 1:
                handle.write("499999;7701234567;1;2025-01-01;2025-12-31\n")  # below the valid range
                invalid += 1
            else:
                handle.write(";".join(str(value) for value in row(index)) + "\n")
    return invalid


def rss_mb(kilobytes: int) -> float:
    return kilobytes / 1024  # ru_maxrss is in KiB on Linux


def git_source() -> str:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout.strip()
        changes = subprocess.run(["git", "status", "--porcelain"], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout.splitlines()
        return f"commit {commit}" + (f" + {len(changes)} uncommitted change(s)" if changes else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown source"


def run(rows: int, workers: int, keep: Path | None) -> dict:
    from partnerapi.data.clients import client
    from partnerapi.data.table import CallCounter
    from partnerapi.logic import its
    from partnerapi_ops.emulation import local_environment
    from partnerapi_ops.sandbox import emulated_aws

    directory = tempfile.TemporaryDirectory(prefix="its-bench-")
    csv_path = keep or Path(directory.name) / "its.csv"
    started = time.perf_counter()
    expected_invalid = generate(csv_path, rows)
    generate_seconds = time.perf_counter() - started
    size_mb = csv_path.stat().st_size / 1e6
    print(f"generated {rows} rows ({size_mb:.1f} MB) in {generate_seconds:.1f} s", file=sys.stderr, flush=True)

    with emulated_aws(None, seed_demo=False) as endpoint:
        environment = {**os.environ, **local_environment(endpoint), "PYTHONPATH": os.pathsep.join([str(LAYER_DIR), str(INFRA_DIR)])}
        command = [sys.executable, "-m", "partnerapi_ops.cli", "its", "import", str(csv_path), "--no-progress", "--workers", str(workers)]
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=REPO_ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        stdout, stderr = child.communicate()
        wall = time.perf_counter() - started
        child_rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        if child.returncode not in (0, 1):
            raise SystemExit(f"import failed ({child.returncode}):\n{stderr}")
        counts = json.loads(stdout)
        item_count = client("dynamodb").describe_table(TableName="EntitiesTable")["Table"]["ItemCount"]

        # 1 000 random lookups: each must be one GetItem and find the row of the file
        sample = random.Random(20261123).sample([index for index in range(rows) if index % INVALID_EVERY != INVALID_EVERY - 1], min(1000, rows - expected_invalid))
        latencies = []
        CallCounter.reset()
        for index in sample:
            number, inn, level, date_from, date_to = row(index)
            lookup_started = time.perf_counter()
            status = its.client_its_status_for_inn(number, inn)
            latencies.append(time.perf_counter() - lookup_started)
            assert status == [{"ITSLevel": level, "DateFrom": dt.date.fromisoformat(date_from), "DateTo": dt.date.fromisoformat(date_to)}], (number, status)
        assert CallCounter.calls == {"get_item": len(sample)}, CallCounter.calls
    emulation_rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    directory.cleanup()

    assert counts["invalid"] == expected_invalid, counts
    assert counts["written"] == rows - expected_invalid == item_count, (counts, item_count)
    return {
        "rows": rows,
        "file_mb": round(size_mb, 1),
        "workers": workers,
        "loader_seconds": counts["seconds"],
        "wall_seconds": round(wall, 1),
        "rows_per_second": counts["rows_per_second"],
        "written": counts["written"],
        "invalid": counts["invalid"],
        "item_count": item_count,
        "loader_peak_rss_mb": round(rss_mb(child_rss_kb), 1),
        "emulation_peak_rss_mb": round(rss_mb(emulation_rss_kb), 1),
        "lookup_median_ms": round(statistics.median(latencies) * 1000, 2),
        "lookups": len(sample),
    }


def markdown(result: dict, extrapolate_to: int | None, run_seconds: float) -> str:
    measured = (
        f"Measured {dt.date.today().isoformat()} on {os.cpu_count()} CPUs, Python {platform.python_version()} ({platform.machine()}); "
        f"source: {git_source()}. Run time {run_seconds:.0f} s.\n\n"
        "| rows | file (MB) | writer threads | written | invalid (counted, not written) | loader time (s) | rows/s | loader peak RSS (MB) | emulation (moto) peak RSS (MB) |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        f"| {result['rows']:,} | {result['file_mb']} | {result['workers']} | {result['written']:,} | {result['invalid']:,} | {result['loader_seconds']:.1f} | "
        f"{result['rows_per_second']:,} | {result['loader_peak_rss_mb']} | {result['emulation_peak_rss_mb']} |\n\n"
        f"Loader time is what `import_registry` reports (read, validate, write); the whole CLI process took {result['wall_seconds']} s "
        f"(interpreter and imports included). The table then held {result['item_count']:,} items, and {result['lookups']} random "
        f"`client_ITS_status_For_INN` lookups each cost exactly one GetItem (median {result['lookup_median_ms']} ms against moto) and found "
        "the file's level and dates."
    )
    if extrapolate_to and extrapolate_to != result["rows"]:
        seconds = result["loader_seconds"] * extrapolate_to / result["rows"]
        measured += (
            f"\n\n**Extrapolation, not a measurement:** {extrapolate_to:,} rows at the measured {result['rows_per_second']:,} rows/s "
            f"would take ≈ {seconds:.0f} s ({seconds / 60:.1f} min). Rather more in fact: moto slows down as its table grows "
            "(smaller runs of this benchmark measure higher rates), so read this as a lower bound for moto. "
            "The loader's memory does not grow with the rows (it streams); moto's does (it keeps every item in memory)."
        )
    return measured


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=4, help="the loader's writer threads (default 4)")
    parser.add_argument("--keep", type=Path, help="write the generated CSV here and keep it")
    parser.add_argument("--extrapolate-to", type=int, help="also state the time for this many rows, labelled as an extrapolation")
    parser.add_argument("--write", action="store_true", help="replace the its-import section of docs/performance.md")
    args = parser.parse_args()
    started = time.perf_counter()
    result = run(args.rows, args.workers, args.keep)
    print(json.dumps(result, ensure_ascii=False), file=sys.stderr)
    text = markdown(result, args.extrapolate_to, time.perf_counter() - started)
    print(text)
    if args.write:
        replace_section(DOC_PATH, BEGIN, END, text)
        print(f"written to {DOC_PATH}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
