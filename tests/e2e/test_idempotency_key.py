"""The Idempotency-Key header over the wire with zeep, on SOAP 1.1 and 1.2: the same key from the same
partner replays the first answer and changes nothing, for every add operation; another body under the
same key is refused; a toggle sent twice under one key flips once; a malformed key is refused."""

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import requests
from support.demo import DEMO_CLIENT_ROMASHKA, DEMO_ID, DEMO_USER_AGENT_OLGA, DEMO_USER_ANNA, MOSCOW, PUBLIC_CONSULTING
from support.faults import code, fault_of, plain
from zeep import Client
from zeep.transports import Transport

PORTS = ["PartnerAPISoap", "PartnerAPISoap12"]


@dataclass
class Caller:
    """A zeep client whose session headers the test sets per call, as an integrator does."""

    api: object
    session: requests.Session
    history: list

    @contextmanager
    def key(self, value: str) -> Iterator[None]:
        self.session.headers["Idempotency-Key"] = value
        try:
            yield
        finally:
            del self.session.headers["Idempotency-Key"]


@pytest.fixture(params=PORTS)
def caller(sandbox, request) -> Caller:
    session = requests.Session()
    session.auth = requests.auth.HTTPBasicAuth("demo", "demo")
    history: list = []
    session.hooks["response"].append(lambda response, *args, **kwargs: history.append(response))
    client = Client(f"{sandbox.url()}?wsdl", transport=Transport(session=session))
    return Caller(client.bind("PartnerAPI", request.param), session, history)


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


@dataclass
class AddCase:
    """An add operation: how to call it, the field with the new object's id, and the ids stored."""

    add: Callable[[object, dict], list]
    id_field: str
    stored: Callable[[object, dict], list[str]]
    prepare: Callable[[object], dict] = lambda api: {}


def _new_partner_agent(api) -> dict:
    return {"agent": plain(api.agent_partner_add(partner_user_id=DEMO_USER_ANNA))[0]["agent_partner_id"]}


def _new_client(api) -> dict:
    return {"client": plain(api.client_add(client_name=unique("Клиент"), region_id=MOSCOW))[0]["client_id"]}


def _new_line(api) -> dict:
    return {"line": plain(api.service_type_add(unique("Линия")))[0]["service_type_id"]}


def _client_ids(api, names: dict) -> list[str]:
    return [row["client_id"] for row in plain(api.client_read(include_deleted=True)) if row["client_name"] == names["name"]]


ADD_CASES = {
    "partner_user_add": AddCase(
        add=lambda api, ctx: api.partner_user_add(partner_user_name=ctx["name"]),
        id_field="partner_user_id",
        stored=lambda api, ctx: [row["partner_user_id"] for row in plain(api.partner_user_read(include_deleted=True)) if row["partner_user_name"] == ctx["name"]],
    ),
    "client_add": AddCase(add=lambda api, ctx: api.client_add(client_name=ctx["name"], region_id=MOSCOW), id_field="client_id", stored=_client_ids),
    "client_add_its": AddCase(add=lambda api, ctx: api.client_add_its(client_name=ctx["name"], region_id=MOSCOW), id_field="client_id", stored=_client_ids),
    "client_add_advanced": AddCase(add=lambda api, ctx: api.client_add_advanced(client_name=ctx["name"], region_id=MOSCOW), id_field="client_id", stored=_client_ids),
    "client_user_add": AddCase(
        prepare=_new_client,
        add=lambda api, ctx: api.client_user_add(client_id=ctx["client"], client_user_name=ctx["name"]),
        id_field="client_user_id",
        stored=lambda api, ctx: [row["client_user_id"] for row in plain(api.client_user_read(client_id=ctx["client"], include_deleted=True))],
    ),
    "agent_partner_add": AddCase(
        add=lambda api, ctx: api.agent_partner_add(partner_user_id=DEMO_USER_ANNA),
        id_field="agent_partner_id",
        stored=lambda api, ctx: [row["agent_partner_id"] for row in plain(api.agent_partner_read(partner_user_id=DEMO_USER_ANNA))],
    ),
    "agent_user_add": AddCase(
        prepare=lambda api: {"employee": plain(api.client_user_add(client_id=_new_client(api)["client"], client_user_name="Агент"))[0]["client_user_id"]},
        add=lambda api, ctx: api.agent_user_add(agent_user_password="s3cret-pass", client_user_id=ctx["employee"]),
        id_field="agent_user_id",
        stored=lambda api, ctx: [row["agent_user_id"] for row in plain(api.agent_user_read(client_user_id=ctx["employee"]))],
    ),
    "competence_add": AddCase(
        prepare=_new_partner_agent,
        add=lambda api, ctx: api.competence_add(agent_partner_id=ctx["agent"], service_type_id=PUBLIC_CONSULTING),
        id_field="competence_id",
        stored=lambda api, ctx: [row["competence_id"] for row in plain(api.competence_read(agent_partner_id=ctx["agent"]))],
    ),
    "service_type_add": AddCase(
        add=lambda api, ctx: api.service_type_add(ctx["name"]),
        id_field="service_type_id",
        stored=lambda api, ctx: [row["service_type_id"] for row in plain(api.service_type_read(include_deleted=True)) if row["service_type_name"] == ctx["name"]],
    ),
    "contract_service_add": AddCase(
        prepare=_new_line,
        add=lambda api, ctx: api.contract_service_add(ctx["line"]),
        id_field="contract_id",
        stored=lambda api, ctx: [row["contract_id"] for row in plain(api.contract_service_read(service_type_id=ctx["line"]))],
    ),
    "service_add": AddCase(
        add=lambda api, ctx: api.service_add(DEMO_CLIENT_ROMASHKA, DEMO_ID, None, None, DEMO_USER_AGENT_OLGA, PUBLIC_CONSULTING),
        id_field="service_id",
        stored=lambda api, ctx: [row["service_id"] for row in plain(api.service_read(client_id=DEMO_CLIENT_ROMASHKA))],
    ),
}


@pytest.mark.parametrize("operation", sorted(ADD_CASES))
def test_the_same_key_replays_the_first_answer_and_adds_nothing(caller: Caller, operation: str) -> None:
    case = ADD_CASES[operation]
    # Given what the add needs, and what is stored before it
    context = {"name": unique("Повтор"), **case.prepare(caller.api)}
    before = set(case.stored(caller.api, context))
    key = str(uuid.uuid4())
    # When the add is sent twice with one Idempotency-Key (a caller retrying after a timeout)
    with caller.key(key):
        first = plain(case.add(caller.api, context))
        assert caller.history[-1].headers.get("Idempotent-Replayed") is None
        second = plain(case.add(caller.api, context))
        assert caller.history[-1].headers.get("Idempotent-Replayed") == "true"
    # Then both answers are the first one, and exactly the objects of that answer were added
    assert second == first
    added = set(case.stored(caller.api, context)) - before
    assert added == {row[case.id_field] for row in first} and len(added) >= 1
    # And without the key the same call adds again: the key, not the body, made it a replay
    if operation not in ("competence_add", "contract_service_add"):  # these refuse a duplicate by rule
        third = plain(case.add(caller.api, context))
        assert {row[case.id_field] for row in third}.isdisjoint(added)


def test_the_same_key_with_another_body_is_refused_and_changes_nothing(caller: Caller) -> None:
    # Given a client added under a key
    key = str(uuid.uuid4())
    name, other = unique("Первый"), unique("Другой")
    with caller.key(key):
        plain(caller.api.client_add(client_name=name, region_id=MOSCOW))
        # When the same key comes with another body
        fault = fault_of(caller.api.client_add, client_name=other, region_id=MOSCOW)
    # Then it is refused in Russian, with 422, and nothing named `other` exists
    assert code(fault) == "Client.IdempotencyKeyReused"
    assert "Idempotency-Key уже использован" in fault.message
    assert caller.history[-1].status_code == 422
    assert _client_ids(caller.api, {"name": other}) == []


def test_a_toggle_sent_twice_under_one_key_flips_once(caller: Caller) -> None:
    # Given a live employee
    (user,) = plain(caller.api.partner_user_add(partner_user_name=unique("Переключатель")))
    # When its delete toggle is sent twice with one key
    with caller.key(str(uuid.uuid4())):
        first = plain(caller.api.partner_user_delete(partner_user_id=user["partner_user_id"]))
        second = plain(caller.api.partner_user_delete(partner_user_id=user["partner_user_id"]))
    # Then it was deleted once, not deleted and restored
    assert first == second and first[0]["partner_user_del"] is True
    (stored,) = plain(caller.api.partner_user_read(partner_user_id=user["partner_user_id"]))
    assert stored["partner_user_del"] is True


def test_a_client_fault_is_kept_like_a_result(caller: Caller) -> None:
    # Given a key used for an add that fails (a region that does not exist)
    key, name = str(uuid.uuid4()), unique("Ошибка")
    missing_region = str(uuid.uuid4())
    with caller.key(key):
        first = fault_of(caller.api.client_add, client_name=name, region_id=missing_region)
        # When the same request is repeated with the same key
        second = fault_of(caller.api.client_add, client_name=name, region_id=missing_region)
        assert caller.history[-1].headers.get("Idempotent-Replayed") == "true"
    # Then the same fault comes back
    assert code(first) == code(second) == "Client.ReferenceNotFound" and first.message == second.message


@pytest.mark.parametrize("value", ["", "with space", "tab\there", "x" * 256])
def test_a_malformed_key_is_refused(caller: Caller, value: str) -> None:
    name = unique("Ключ")
    with caller.key(value):
        fault = fault_of(caller.api.client_add, client_name=name, region_id=MOSCOW)
    assert code(fault) == "Client.InvalidIdempotencyKey"
    assert _client_ids(caller.api, {"name": name}) == []


def test_reads_ignore_the_key(caller: Caller) -> None:
    # reads change nothing, so a key on them is harmless and not kept
    with caller.key(str(uuid.uuid4())):
        first = plain(caller.api.partner_read())
        second = plain(caller.api.partner_read())
        assert caller.history[-1].headers.get("Idempotent-Replayed") is None
    assert first == second
