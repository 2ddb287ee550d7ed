"""`partnerapi ingest FILE.jsonl`: statistics records from a JSON Lines file (or `-` for stdin), through
the ingest function's own record processor (partnerapi.logic.ingest.process), so a record stored
from a file is stored exactly as one that came through the queue; storing it again changes nothing.

Records are written by `workers` threads; an invalid line is counted and reported with its line number
(the first 20) and never stops the load; a storage error is retried with backoff, then reported.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TextIO

from partnerapi.errors import StorageUnavailable
from partnerapi.events import InvalidRecord
from partnerapi.logic import ingest

MAX_REPORTED = 20
MAX_ATTEMPTS = 6
IN_FLIGHT_PER_WORKER = 8
_sleep = time.sleep  # tests replace it


def _store(line: str) -> ingest.Outcome:
    for attempt in range(MAX_ATTEMPTS):
        try:
            return ingest.process(line)
        except StorageUnavailable:
            if attempt == MAX_ATTEMPTS - 1:
                raise
            _sleep(min(0.1 * 2**attempt, 2.0))
    raise AssertionError("unreachable")


def _lines(handle: TextIO) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(handle, start=1):
        if line.strip():
            yield number, line


def ingest_lines(lines: Iterable[tuple[int, str]], progress: Any = None, workers: int = 4) -> dict[str, Any]:
    counts: dict[str, Any] = {"records": 0, "stored": 0, "duplicates": 0, "invalid": 0, "failed": 0, "problems": []}

    def settle(number: int, future: Future) -> None:
        try:
            outcome = future.result()
        except InvalidRecord as error:
            counts["invalid"] += 1
            problem = f"line {number}: {error}"
        except Exception as error:  # storage kept failing: reported, the load goes on
            counts["failed"] += 1
            problem = f"line {number}: not stored: {type(error).__name__}: {error}"
        else:
            counts["stored" if outcome.stored else "duplicates"] += 1
            problem = None
        if problem and len(counts["problems"]) < MAX_REPORTED:
            counts["problems"].append(problem)
        if progress is not None:
            progress.update(1)

    pending: deque[tuple[int, Future]] = deque()
    with ThreadPoolExecutor(max_workers=max(1, min(workers, 8))) as pool:
        for number, line in lines:
            counts["records"] += 1
            pending.append((number, pool.submit(_store, line)))
            while len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                settle(*pending.popleft())
        while pending:
            settle(*pending.popleft())
    return counts


def ingest_file(path: str | Path, progress: bool = True, workers: int = 4) -> dict[str, Any]:
    """Loads a JSON Lines file of records (docs/events.md); `-` reads stdin."""
    from tqdm import tqdm

    show = progress and sys.stderr.isatty()
    if str(path) == "-":
        with tqdm(unit=" records", desc="ingest", file=sys.stderr, disable=not show) as bar:
            return ingest_lines(_lines(sys.stdin), bar, workers)
    with open(path, encoding="utf-8-sig") as handle:
        total = sum(1 for line in handle if line.strip()) if show else None
        handle.seek(0)
        with tqdm(total=total, unit=" records", desc="ingest", file=sys.stderr, disable=not show) as bar:
            return ingest_lines(_lines(handle), bar, workers)
