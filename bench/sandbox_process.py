"""The sandbox (`partnerapi serve`) in a subprocess, for the benchmarks that measure it over HTTP.

Started as tests/support/sandbox.py starts it; its output is drained for the process's whole life (a
full pipe would block it) and kept for error messages.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
_PYTHONPATH = os.pathsep.join([str(REPO_ROOT / "layers" / "shared"), str(REPO_ROOT / "infra")])


@dataclass
class SandboxProcess:
    port: int
    moto_endpoint: str
    pid: int
    output: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def sandbox_process(*arguments: str, launcher: Sequence[str] = ("-m", "partnerapi_ops.cli"), timeout: float = 120) -> Iterator[SandboxProcess]:
    """`python <launcher> serve --port N <arguments>` until the block ends (then SIGINT, as Ctrl-C)."""
    port = free_port()
    environment = {**os.environ, "PYTHONPATH": _PYTHONPATH, "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING")}
    command = [sys.executable, *launcher, "serve", "--port", str(port), *arguments]
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment)
    output: list[str] = []
    banner = threading.Event()

    def drain() -> None:
        for line in process.stdout:
            output.append(line)
            if line.startswith("  data:"):
                banner.set()
        banner.set()

    threading.Thread(target=drain, daemon=True).start()
    try:
        if not banner.wait(timeout) or process.poll() is not None:
            raise RuntimeError("sandbox did not start:\n" + "".join(output))
        endpoint = next((match.group(1) for line in output if (match := re.search(r"AWS_ENDPOINT_URL=(\S+)", line))), "")
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("sandbox did not listen:\n" + "".join(output)) from None
                time.sleep(0.05)
        yield SandboxProcess(port, endpoint, process.pid, output)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
