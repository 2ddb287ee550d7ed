"""The sandbox keeps its data file (`partnerapi serve --data FILE`): writes reach the file while it
runs, every stop signal saves it, a SIGKILL loses nothing already flushed, one process holds the file
at a time, and a busy port is refused before anything starts."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta

import requests
from partnerapi_ops import REPO_ROOT
from partnerapi_ops.sandbox import DEMO_FIXTURE
from support.faults import rows
from support.sandbox import Sandbox, free_port, start_sandbox
from support.statistics_records import SPECIALIST_ANNA, SPECIALIST_IVAN
from zeep import Client
from zeep.transports import Transport

PYTHONPATH = os.pathsep.join([str(REPO_ROOT / "layers" / "shared"), str(REPO_ROOT / "infra")])
# the flusher would save a write only after an hour: what reaches the file, the exit saved
EXIT_SAVES_ONLY = {"PARTNERAPI_FLUSH_SECONDS": "3600"}


def operator_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of an operator with no AWS configuration at all, plus `extra`."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("AWS_") and name not in ("ENTITIES_TABLE", "CREDENTIALS_TABLE")}
    no_profile = {"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
    return {**environment, **no_profile, "PYTHONPATH": PYTHONPATH, **(extra or {})}


def partnerapi(*arguments: str, environment: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "partnerapi_ops.cli", *arguments]
    return subprocess.run(command, cwd=REPO_ROOT, env=environment or operator_environment(), capture_output=True, text=True, timeout=120, check=False)


def api(sandbox: Sandbox, group: str = ""):
    session = requests.Session()
    session.auth = ("demo", "demo")
    return Client(f"{sandbox.url(group)}?wsdl", transport=Transport(session=session)).bind("PartnerAPI", "PartnerAPISoap")


def add_employee(sandbox: Sandbox) -> str:
    name = f"Сохраненный-{uuid.uuid4().hex[:8]}"
    rows(api(sandbox).partner_user_add(name, "Тестов", None))
    return name


def employee_names(sandbox: Sandbox) -> set[str]:
    return {row["partner_user_name"] for row in rows(api(sandbox).partner_user_read(None, True))}


# a window around the demo statistics (the last two months)
CHAT_WINDOW_END = datetime.now().replace(microsecond=0) + timedelta(days=1)
CHAT_WINDOW = ((CHAT_WINDOW_END - timedelta(days=70)).isoformat(), CHAT_WINDOW_END.isoformat())


def colleague_chats(sandbox: Sandbox) -> dict:
    """Ivan's and Anna's chats of the demo statistics: the index in DynamoDB, the messages from S3."""
    return json.loads(api(sandbox, "statistics").chat_history_colleagues_read(SPECIALIST_IVAN, SPECIALIST_ANNA, *CHAT_WINDOW))


def eventually(condition, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def one_line(text: str) -> bool:
    return bool(text.strip()) and "\n" not in text.strip() and "Traceback" not in text


def test_writes_reach_the_file_while_it_runs_others_are_refused_the_file_and_a_sigkill_loses_nothing_flushed(tmp_path):
    data = tmp_path / "sandbox.json"
    # Given a sandbox on a new data file (it starts with the demo data)
    sandbox = start_sandbox("--data", str(data))
    try:
        # When an employee is added over SOAP, Then the file has it while the sandbox keeps running
        name = add_employee(sandbox)
        assert eventually(lambda: data.exists() and name in data.read_text(encoding="utf-8")), "the write never reached the data file"
        assert sandbox.process.poll() is None
        chats = colleague_chats(sandbox)
        assert chats["sessions"] and all(session["messages"] for session in chats["sessions"])

        # When an operator runs a command on the same file, Then it is refused in one line naming the
        # sandbox and how to act on it instead, and the file is left as it was
        region = f"Регион-{uuid.uuid4().hex[:8]}"
        before = data.read_bytes()
        refused = partnerapi("region", "add", "--name", region, "--time-zone", "3", "--data", str(data))
        assert refused.returncode == 2, refused.stderr
        assert one_line(refused.stderr), refused.stderr
        assert f"pid {sandbox.process.pid}" in refused.stderr and f"port {sandbox.port}" in refused.stderr
        assert f"AWS_ENDPOINT_URL={sandbox.moto_endpoint}" in refused.stderr
        assert data.read_bytes() == before

        # When the operator follows the advice (the printed environment, no --data), Then the region
        # is written into the running sandbox and reaches the file too
        printed = refused.stderr.split("without --data: ", 1)[1].split(" partnerapi", 1)[0]
        advised_environment = operator_environment(dict(pair.split("=", 1) for pair in printed.split()))
        advised = partnerapi("region", "add", "--name", region, "--time-zone", "3", environment=advised_environment)
        assert advised.returncode == 0, advised.stderr
        region_id = json.loads(advised.stdout)["region_id"]
        assert eventually(lambda: region_id in data.read_text(encoding="utf-8")), "a write made beside the API never reached the data file"

        # When a second sandbox is started on the same file, Then it is refused the same way, before its banner
        second = partnerapi("serve", "--port", str(free_port()), "--data", str(data))
        assert second.returncode == 2, second.stderr
        assert one_line(second.stderr) and f"pid {sandbox.process.pid}" in second.stderr, second.stderr
        assert "PartnerAPI sandbox" not in second.stdout

        # When the sandbox is killed outright
        assert sandbox.send(signal.SIGKILL) == -signal.SIGKILL
    finally:
        sandbox.stop()

    # Then a new sandbox gets the file (no stale lock) and serves all of it: the employee, the demo
    # credentials, the region written beside the API, the chat transcripts kept in S3
    restarted = start_sandbox("--data", str(data))
    try:
        assert name in employee_names(restarted)
        assert [row["region_name"] for row in rows(api(restarted, "reference").region_read(region_id))] == [region]
        assert colleague_chats(restarted) == chats
    finally:
        assert restarted.stop() == 0
    # and once it has stopped, the file is free for the operator again
    assert partnerapi("region", "add", "--name", "Казань", "--time-zone", "3", "--data", str(data)).returncode == 0


def test_sigterm_sigint_and_sighup_each_save_the_file_and_exit_0(tmp_path):
    data = tmp_path / "env.json"
    assert partnerapi("load", str(DEMO_FIXTURE), "--data", str(data)).returncode == 0
    sandbox = start_sandbox("--data", str(data), env=EXIT_SAVES_ONLY)
    try:
        for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            # Given an employee added just now, not yet in the file
            name = add_employee(sandbox)
            assert name not in data.read_text(encoding="utf-8")
            # When the sandbox gets the signal, Then it exits 0
            assert sandbox.send(number) == 0, f"{signal.Signals(number).name}:\n" + "".join(sandbox.output)
            # and a sandbox started on the file again serves the employee
            sandbox = start_sandbox("--data", str(data), env=EXIT_SAVES_ONLY)
            assert name in employee_names(sandbox), signal.Signals(number).name
    finally:
        sandbox.stop()


def test_a_busy_port_is_refused_in_one_line_before_anything_starts(tmp_path):
    data = tmp_path / "sandbox.json"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = partnerapi("serve", "--port", str(port), "--data", str(data))
    assert result.returncode == 2, result.stderr
    assert one_line(result.stderr) and str(port) in result.stderr and "in use" in result.stderr, result.stderr
    # no banner, and nothing loaded or written: the data file and its lock were never created
    assert "PartnerAPI sandbox" not in result.stdout
    assert list(tmp_path.iterdir()) == []
