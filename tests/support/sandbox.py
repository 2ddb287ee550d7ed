"""The real local server (`partnerapi serve`) in a subprocess, for tests over HTTP."""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

from partnerapi_ops import REPO_ROOT
from partnerapi_ops.emulation import local_environment


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Sandbox:
    process: subprocess.Popen
    port: int
    moto_endpoint: str
    output: list[str]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/cus/ws/PartnerAPI"

    def url(self, group: str = "") -> str:
        return f"{self.base_url}/{group}" if group else self.base_url

    def cli_env(self) -> dict[str, str]:
        """Environment for `partnerapi …` commands acting on this sandbox's emulated AWS."""
        return {**os.environ, **local_environment(self.moto_endpoint)}

    def send(self, number: int, timeout: float = 30) -> int:
        """Sends a signal and waits for the process to end; its exit code (-N: killed by signal N)."""
        self.process.send_signal(number)
        return self.process.wait(timeout)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def start_sandbox(*extra: str, port: int | None = None, env: dict[str, str] | None = None) -> Sandbox:
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "partnerapi_ops.cli", "serve", "--port", str(port), *extra],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {}), "PYTHONPATH": os.pathsep.join([str(REPO_ROOT / "layers" / "shared"), str(REPO_ROOT / "infra")])},
    )
    output: list[str] = []
    banner_done = threading.Event()

    def drain() -> None:
        # keep reading for the server's whole life: a full pipe would block it
        for line in process.stdout:
            output.append(line)
            if line.startswith("  data:"):
                banner_done.set()
        banner_done.set()

    threading.Thread(target=drain, daemon=True).start()
    deadline = time.monotonic() + 60
    if not banner_done.wait(60) or process.poll() is not None:
        process.kill()
        raise RuntimeError("sandbox did not start:\n" + "".join(output))
    endpoint = next((match.group(1) for line in output if (match := re.search(r"AWS_ENDPOINT_URL=(\S+)", line))), "")
    sandbox = Sandbox(process, port, endpoint, output)
    # wait until the port answers (it listens before the banner; the check costs nothing)
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return sandbox
        except OSError:
            time.sleep(0.05)
    sandbox.stop()
    raise RuntimeError("sandbox did not listen:\n" + "".join(output))
