"""How long `partnerapi serve --data FILE` takes until it answers an authenticated SOAP call: the first
start (no file: demo data + two months of statistics are generated and saved) and restarts on the file
it left. Target: a restart ≤ 10 s on a 2-core machine (docs/performance.md, "Sandbox restart").

    .venv/bin/python bench/sandbox_restart.py                 # one first start, 3 restarts
    .venv/bin/python bench/sandbox_restart.py --restarts 5 --keep /tmp/x.json
    .venv/bin/python bench/sandbox_restart.py --check         # exit 1 when a restart's median misses 10 s
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 10.0
ENVELOPE = (
    b"<?xml version='1.0' encoding='UTF-8'?><s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/' "
    b"xmlns:t='http://buhphone.com/PartnerAPI'><s:Body><t:partner_read/></s:Body></s:Envelope>"
)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def partnerapi() -> list[str]:
    """The installed console script, as a user runs it (its start-up cost included)."""
    script = Path(sys.executable).with_name("partnerapi")
    return [str(script)] if script.exists() else [sys.executable, "-m", "partnerapi_ops.cli"]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process so far (Linux /proc): what a busy machine cannot inflate."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_and_answer(data: Path, timeout: float = 300) -> tuple[float, float, float]:
    """Seconds from spawning the process until partner_read answers 200, the CPU seconds the process
    used for it, and how long SIGINT then takes."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/cus/ws/PartnerAPI/partners"
    started = time.monotonic()
    process = subprocess.Popen([*partnerapi(), "serve", "--data", str(data), "--port", str(port)], cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"sandbox exited {process.returncode}: {process.stderr.read().decode(errors='replace')}")
            try:
                # the socket listens from the first moment: the request waits in its backlog until the app runs
                response = requests.post(url, data=ENVELOPE, auth=("demo", "demo"), headers={"Content-Type": "text/xml; charset=utf-8"}, timeout=timeout)
                if response.status_code == 200 and b"partner_name" in response.content:
                    break
                raise RuntimeError(f"unexpected answer {response.status_code}: {response.text[:500]}")
            except requests.ConnectionError:
                time.sleep(0.05)
            if time.monotonic() - started > timeout:
                raise RuntimeError("no answer within the timeout")
        answered = time.monotonic() - started
        cpu = cpu_seconds(process.pid)
        stopping = time.monotonic()
        process.send_signal(signal.SIGINT)
        if process.wait(120) != 0:
            raise RuntimeError(f"sandbox exited {process.returncode}: {process.stderr.read().decode(errors='replace')}")
        return answered, cpu, time.monotonic() - stopping
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--restarts", type=int, default=3)
    parser.add_argument("--keep", help="data file to use (and keep); default: a temporary one")
    parser.add_argument("--check", action="store_true", help=f"exit 1 when the restarts' median exceeds {TARGET_SECONDS:g} s")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="partnerapi-restart-") as scratch:
        data = Path(args.keep) if args.keep else Path(scratch) / "sandbox-data.json"
        if not data.exists():
            first, cpu, stop = start_and_answer(data)
            print(f"first start (demo data + statistics generated): {first:.2f} s to the first answer ({cpu:.2f} s CPU), stop {stop:.2f} s, file {data.stat().st_size / 1e6:.1f} MB", flush=True)
        restarts, cpus = [], []
        for number in range(1, args.restarts + 1):
            answered, cpu, stop = start_and_answer(data)
            restarts.append(answered)
            cpus.append(cpu)
            print(f"restart {number}: {answered:.2f} s to the first answer ({cpu:.2f} s CPU), stop {stop:.2f} s", flush=True)
        median = statistics.median(restarts)
        load = os.getloadavg()[0]
        print(f"restart median {median:.2f} s, {statistics.median(cpus):.2f} s CPU (target ≤ {TARGET_SECONDS:g} s; {os.cpu_count()} cores, load {load:.1f})")
    return 1 if args.check and median > TARGET_SECONDS else 0


if __name__ == "__main__":
    sys.exit(main())
