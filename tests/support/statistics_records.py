"""Statistics records for the tests, fed to the sandbox through the ingestion path (`partnerapi ingest`),
and the demo fixture's agents, lines and subscriptions they name."""

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from partnerapi.data.clients import reset_clients
from partnerapi_ops import REPO_ROOT
from partnerapi_ops.emulation import local_environment

from support.demo import DEMO2_CLIENT, DEMO2_CLIENT_USER, DEMO2_ID, DEMO_CLIENT_ROMASHKA, DEMO_CLIENT_SOKOLOV, DEMO_ID, FIXTURE

MSK = timezone(timedelta(hours=3))
_DEMO, _DEMO2 = FIXTURE["partners"]
# partner agents (specialists) and user agents (client employees' devices) of the demo fixture
SPECIALIST_IVAN, SPECIALIST_IVAN_OFF, SPECIALIST_ANNA = (agent["agent_partner_id"] for user in _DEMO["users"] for agent in user["agents"])
DEVICE_OLGA, DEVICE_SERGEY = (user["agents"][0]["agent_user_id"] for user in _DEMO["clients"][0]["users"])
DEVICE_PAVEL = _DEMO["clients"][1]["users"][0]["agents"][0]["agent_user_id"]
DEMO_CLIENT_USER_OLGA, DEMO_CLIENT_USER_SERGEY = (user["client_user_id"] for user in _DEMO["clients"][0]["users"])
DEMO2_SPECIALIST = _DEMO2["users"][0]["agents"][0]["agent_partner_id"]
DEMO2_DEVICE = _DEMO2["clients"][0]["users"][0]["agents"][0]["agent_user_id"]
# support lines: public ones, each partner's own, and subscriptions
PUBLIC_LINE, SECOND_PUBLIC_LINE = (line["service_type_id"] for line in FIXTURE["service_types"][:2])
DEMO_OWN_LINE = _DEMO["service_types"][1]["service_type_id"]
DEMO2_OWN_LINE = _DEMO2["service_types"][0]["service_type_id"]
ROMASHKA_SUBSCRIPTION = _DEMO["clients"][0]["services"][0]["service_id"]  # on PUBLIC_LINE, for Olga's device
ROMASHKA_SUBSCRIPTION_LINE = _DEMO["clients"][0]["services"][0]["service_type_id"]
DEMO2_SUBSCRIPTION = _DEMO2["clients"][0]["services"][0]["service_id"]
__all__ = ["DEMO2_CLIENT", "DEMO2_CLIENT_USER", "DEMO2_ID", "DEMO_CLIENT_ROMASHKA", "DEMO_CLIENT_SOKOLOV", "DEMO_ID"]


def new_id() -> str:
    return str(uuid.uuid4())


def at(moment: datetime) -> str:
    """A naive datetime as the ISO text a producer sends (Moscow time when it has no offset)."""
    return moment.isoformat()


def call(moment: datetime | str, **fields: Any) -> dict[str, Any]:
    return {
        "record_type": "call",
        "call_id": new_id(),
        "time": moment if isinstance(moment, str) else at(moment),
        "duration": 120,
        "partner_id": DEMO_ID,
        "client_id": DEMO_CLIENT_ROMASHKA,
        "src_agent_id": DEVICE_OLGA,
        "dst_agent_id": SPECIALIST_IVAN,
        "service_type_id": PUBLIC_LINE,
        "call_status_id": 0,
        **fields,
    }


def remote_session(moment: datetime | str, **fields: Any) -> dict[str, Any]:
    return {
        "record_type": "remote_access_session",
        "session_id": new_id(),
        "time": moment if isinstance(moment, str) else at(moment),
        "duration": 600,
        "partner_id": DEMO_ID,
        "client_id": DEMO_CLIENT_ROMASHKA,
        "server_agent_id": DEVICE_OLGA,
        "dst_agent_id": SPECIALIST_IVAN,
        "service_type_id": PUBLIC_LINE,
        "remote_access_result_id": 0,
        "remote_access_type_id": 2,
        **fields,
    }


def sip_call(moment: datetime | str, **fields: Any) -> dict[str, Any]:
    return {
        "record_type": "sip_call",
        "call_id": new_id(),
        "time": moment if isinstance(moment, str) else at(moment),
        "duration": 90,
        "duration_after_answer": 75,
        "partner_id": DEMO_ID,
        "agent_id": SPECIALIST_IVAN,
        "abonent": "+74951234567",
        "incoming": True,
        "sip_call_status_id": 0,
        **fields,
    }


def messages(moment: datetime, *lines: tuple[str, str]) -> list[dict[str, Any]]:
    return [{"time": at(moment + timedelta(seconds=10 * (index + 1))), "agent_id": agent, "text": text} for index, (agent, text) in enumerate(lines)]


def chat(moment: datetime, **fields: Any) -> dict[str, Any]:
    return {
        "record_type": "chat_session",
        "session_id": new_id(),
        "time": at(moment),
        "end_time": at(moment + timedelta(minutes=5)),
        "partner_id": DEMO_ID,
        "client_id": DEMO_CLIENT_ROMASHKA,
        "client_user_id": DEMO_CLIENT_USER_OLGA,
        "agent_user_id": DEVICE_OLGA,
        "service_type_id": PUBLIC_LINE,
        "service_id": ROMASHKA_SUBSCRIPTION,
        "messages": messages(moment, (DEVICE_OLGA, "Здравствуйте! Не открывается отчет."), (SPECIALIST_IVAN, "Здравствуйте, сейчас посмотрим.")),
        **fields,
    }


def colleague_chat(moment: datetime, first: str = SPECIALIST_IVAN, second: str = SPECIALIST_ANNA, **fields: Any) -> dict[str, Any]:
    return {
        "record_type": "colleague_chat_session",
        "session_id": new_id(),
        "time": at(moment),
        "partner_id": DEMO_ID,
        "colleague1_id": first,
        "colleague2_id": second,
        "messages": messages(moment, (first, "Возьмешь звонок?"), (second, "Да.")),
        **fields,
    }


def ingest(sandbox: Any, records: list[dict[str, Any] | str], directory: Path) -> tuple[int, dict[str, Any]]:
    """`partnerapi ingest FILE.jsonl` against the sandbox's emulated AWS, as an operator runs it:
    (exit code, its JSON report). A string is written as the line itself (for malformed lines)."""
    path = directory / f"records-{uuid.uuid4().hex[:8]}.jsonl"
    path.write_text("".join((record if isinstance(record, str) else json.dumps(record, ensure_ascii=False)) + "\n" for record in records), encoding="utf-8")
    environment = {**sandbox.cli_env(), "PYTHONPATH": os.pathsep.join([str(REPO_ROOT / "layers" / "shared"), str(REPO_ROOT / "infra")])}
    result = subprocess.run(
        [sys.executable, "-m", "partnerapi_ops.cli", "ingest", str(path)], cwd=REPO_ROOT, env=environment, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


@contextmanager
def sandbox_aws(sandbox: Any, monkeypatch: Any) -> Iterator[None]:
    """This process's AWS clients pointed at the sandbox's emulation (e.g. to put a recording in its bucket)."""
    with monkeypatch.context() as patch:
        for name, value in local_environment(sandbox.moto_endpoint).items():
            patch.setenv(name, value)
        reset_clients()
        try:
            yield
        finally:
            reset_clients()
    reset_clients()
