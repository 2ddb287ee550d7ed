"""Agents in fixtures (operator provisioning) and the sandbox's key for agent passwords.

An agent is written exactly as the agents group writes it (logic/agents.py: number from the same
atomic counter, password sealed with the environment's key). Loading is idempotent: an agent that
exists keeps its number, and keeps its password unless the fixture gives one.
"""

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from partnerapi.data import keys, secrets, table
from partnerapi.data.clients import reset_clients
from partnerapi.logic import agents
from pydantic import BaseModel, Field

KEY_FILE_SUFFIX = ".agent-passwords.key"


def _new_id() -> str:
    return str(uuid.uuid4())


def _canonical(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError):
        raise ValueError(f"{value!r} is not a UUID") from None


class PartnerAgent(BaseModel):
    """An agent of a partner's employee (nested in the employee)."""

    agent_partner_id: str = Field(default_factory=_new_id)
    agent_partner_password: str | None = Field(default=None, min_length=1, max_length=agents.PASSWORD_MAX_LENGTH)  # None: generated
    agent_partner_activity: bool = True


class UserAgent(BaseModel):
    """An agent of a client's employee (nested in the employee; its client is the employee's)."""

    agent_user_id: str = Field(default_factory=_new_id)
    agent_user_password: str | None = Field(default=None, min_length=1, max_length=agents.PASSWORD_MAX_LENGTH)
    agent_user_activity: bool = True


def _put_agent(kind: agents.AgentKind, partner_id: str, agent_id: str, password: str | None, active: bool, owner_id: str, user_id: str) -> dict[str, Any]:
    existing = table.get(keys.partner_pk(partner_id), kind.sk(agent_id))
    if existing is not None and existing.get(kind.user_field) != user_id:
        raise ValueError(f"agent {agent_id} exists and belongs to another employee")
    number = existing[kind.number_field] if existing else agents.allocate_number()
    if password is None:
        password = agents.rows(kind, [existing])[0][kind.password_field] if existing else agents.generate_password()
    item = agents.new_item(kind, partner_id, agent_id, number, password, owner_id, user_id, active)
    table.put(item)
    return agents.row(kind, item, password)


def add_partner_agent(partner_id: str, partner_user_id: str, agent: PartnerAgent) -> dict[str, Any]:
    partner_id, partner_user_id = _canonical(partner_id), _canonical(partner_user_id)
    if table.get(keys.partner_pk(partner_id), keys.partner_user_sk(partner_user_id)) is None:
        raise ValueError(f"employee {partner_user_id} of partner {partner_id} does not exist")
    agent.agent_partner_id = _canonical(agent.agent_partner_id)
    return _put_agent(agents.PARTNER_AGENTS, partner_id, agent.agent_partner_id, agent.agent_partner_password, agent.agent_partner_activity, partner_id, partner_user_id)


def add_user_agent(partner_id: str, client_user_id: str, agent: UserAgent) -> dict[str, Any]:
    partner_id, client_user_id = _canonical(partner_id), _canonical(client_user_id)
    user = table.get(keys.partner_pk(partner_id), keys.client_user_sk(client_user_id))
    if user is None:
        raise ValueError(f"client employee {client_user_id} of partner {partner_id} does not exist")
    agent.agent_user_id = _canonical(agent.agent_user_id)
    return _put_agent(agents.USER_AGENTS, partner_id, agent.agent_user_id, agent.agent_user_password, agent.agent_user_activity, user["client_id"], client_user_id)


def load_agents(partners: Iterable[Any]) -> dict[str, int]:
    """The agents of a fixture's employees, after the employees are in place."""
    counts = {"agents_partner": 0, "agents_user": 0}
    for partner in partners:
        for user in partner.users:
            for agent in user.agents:
                add_partner_agent(partner.partner_id, user.partner_user_id, agent)
                counts["agents_partner"] += 1
        for client in partner.clients:
            for user in client.users:
                for agent in user.agents:
                    add_user_agent(partner.partner_id, user.client_user_id, agent)
                    counts["agents_user"] += 1
    return counts


@contextmanager
def sandbox_password_key(data: Path | None) -> Iterator[Path]:
    """The sandbox's key for agent passwords (AGENT_PASSWORD_KEY_FILE): next to the data file, so the
    passwords it keeps stay readable across restarts; otherwise in a private temporary directory
    removed at exit. Never in the data file itself: a copy of the data alone reveals no password."""
    scratch = None
    if data is not None:
        path = Path(data).with_name(Path(data).name + KEY_FILE_SUFFIX)
    else:
        scratch = tempfile.mkdtemp(prefix="partnerapi-keys-")
        path = Path(scratch) / ("sandbox" + KEY_FILE_SUFFIX)
    secrets.ensure_key_file(path)
    previous = {name: os.environ.get(name) for name in ("AGENT_PASSWORD_KEY_FILE", "AGENT_PASSWORD_KEY_ARN")}
    os.environ.pop("AGENT_PASSWORD_KEY_ARN", None)
    os.environ["AGENT_PASSWORD_KEY_FILE"] = str(path)
    reset_clients()
    try:
        yield path
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reset_clients()
        secrets.forget_keys()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
