"""Every write operation over the wire, with the first attempt of every DynamoDB write losing its answer.

The sandbox runs with PARTNERAPI_SANDBOX_FAULTS=lost_response:first-attempt (infra/partnerapi_ops/faults.py):
each PutItem, UpdateItem, DeleteItem and TransactWriteItems is applied by DynamoDB (moto's server) but its
answer never arrives, as when it comes after the client's read timeout, so botocore sends it again. Each
operation, called once with zeep as demo/demo through the single URL, must answer what applying it once
answers, and the stored state read back must be that of applying it once: toggles flipped once, no
duplicate objects, agent numbers consecutive.
"""

import time
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
import requests
from support.demo import CLIENT_ADDRESS, DEMO_ID, MOSCOW, PARTNER_SITE, PUBLIC_CONSULTING, PUBLIC_TECHNICAL, SPB, USER_EMAIL, USER_PHONE
from support.faults import code, fault_of, plain
from support.sandbox import start_sandbox
from support.workload import write_operations_of_groups
from zeep import Client
from zeep.transports import Transport

FIRST_ATTEMPT_LOST = {"PARTNERAPI_SANDBOX_FAULTS": "lost_response:first-attempt"}
DEMO_CONTRACTS = {"c0000000-0000-4000-8000-000000000101", "c0000000-0000-4000-8000-000000000102"}  # both open-ended


@pytest.fixture(scope="module")
def lossy_sandbox():
    running = start_sandbox(env=FIRST_ATTEMPT_LOST)
    yield running
    running.stop()


class Api:
    """A partner through the single URL (demo/demo unless told); `call` answers plain rows (or the flag)."""

    def __init__(self, url: str, login: str = "demo"):
        session = requests.Session()
        session.auth = requests.auth.HTTPBasicAuth(login, login)
        self.service = Client(f"{url}?wsdl", transport=Transport(session=session)).bind("PartnerAPI", "PartnerAPISoap")
        self.others: list[Api] = []  # the other partners: agent numbers are shared by all

    def call(self, operation: str, **arguments: Any) -> Any:
        result = getattr(self.service, operation)(**arguments)
        return result if isinstance(result, bool) else plain(result)

    def one(self, operation: str, **arguments: Any) -> dict:
        (row,) = self.call(operation, **arguments)
        return row

    # --- factories: fresh objects of demo, so each test reads only what it made ---

    def partner_user(self) -> str:
        return self.one("partner_user_add", partner_user_name=unique("Сотрудник"), partner_user_family_name="Разовый")["partner_user_id"]

    def client(self) -> str:
        return self.one("client_add", client_name=unique("Клиент"), region_id=MOSCOW)["client_id"]

    def client_user(self, client_id: str) -> str:
        return self.one("client_user_add", client_id=client_id, client_user_name=unique("Сотрудник"))["client_user_id"]

    def partner_agent(self, user: str) -> dict:
        return self.one("agent_partner_add", partner_user_id=user)

    def user_agent(self, client_user: str) -> dict:
        return self.one("agent_user_add", client_user_id=client_user)

    def own_type(self) -> str:
        return self.one("service_type_add", service_type_name=unique("Линия"), service_type_full_name="Линия поддержки")["service_type_id"]

    def customer(self) -> tuple[str, str, str]:
        """A client with an employee and the employee's agent: (client, employee, agent)."""
        client = self.client()
        user = self.client_user(client)
        return client, user, self.user_agent(user)["agent_user_id"]

    def subscription(self, service_type_id: str = PUBLIC_CONSULTING) -> tuple[str, str]:
        client, _, agent = self.customer()
        row = self.one("service_add", client_id=client, service_partner_id=DEMO_ID, agent_user_id=agent, service_type_id=service_type_id)
        return row["service_id"], client

    def highest_agent_number(self) -> int:
        """The last number given to any agent of any partner (one counter for all, A1)."""
        numbers = []
        for partner in (self, *self.others):
            numbers += [row["agent_partner_number"] for row in partner.call("agent_partner_read")] + [row["agent_user_number"] for row in partner.call("agent_user_read")]
        return max(int(number) for number in numbers)


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def text(value: str | None) -> str:
    """zeep reads an empty string element as None."""
    return value or ""


@pytest.fixture(scope="module")
def api(lossy_sandbox) -> Api:
    demo = Api(lossy_sandbox.url())
    demo.others.append(Api(lossy_sandbox.url(), login="demo2"))
    return demo


# --- one scenario per write operation: given / when (the one call) / then (answer, state read back) ---------


def partner_contact_edit(api: Api) -> None:
    value = unique("https://demo.example/")
    answer = api.call("partner_contact_edit", region_id=MOSCOW, contact_type_id=PARTNER_SITE, contact_view=value)
    assert answer == [{"partner_id": DEMO_ID, "region_id": MOSCOW, "contact_type_id": PARTNER_SITE, "contact_view": value}]
    assert api.call("partner_contact_read", region_id=MOSCOW, contact_type_id=PARTNER_SITE) == answer


def partner_user_add(api: Api) -> None:
    name = unique("Добавленный")
    added = api.one("partner_user_add", partner_user_name=name, partner_user_family_name="Один")
    assert added["partner_user_name"] == name and added["partner_user_del"] is False
    assert [row for row in api.call("partner_user_read", include_deleted=True) if row["partner_user_name"] == name] == [added]


def partner_user_set_birthday(api: Api) -> None:
    user = api.partner_user()
    assert api.call("partner_user_set_birthday", partner_user_id=user, birthday=date(1980, 2, 29)) is True
    assert api.one("partner_user_read_with_birthday", partner_user_id=user)["partner_user_birthday"] == date(1980, 2, 29)


def partner_user_edit(api: Api) -> None:
    user = api.partner_user()
    edited = api.one("partner_user_edit", partner_user_id=user, partner_user_name="Изменённый", partner_user_father_name="")
    assert (edited["partner_user_name"], edited["partner_user_family_name"], text(edited["partner_user_father_name"])) == ("Изменённый", "Разовый", "")
    assert api.call("partner_user_read", partner_user_id=user) == [edited]


def partner_user_delete(api: Api) -> None:
    user = api.partner_user()
    assert api.one("partner_user_delete", partner_user_id=user)["partner_user_del"] is True
    assert api.one("partner_user_read", partner_user_id=user)["partner_user_del"] is True
    assert api.one("partner_user_delete", partner_user_id=user)["partner_user_del"] is False  # flipped once each time


def partner_user_contact_edit(api: Api) -> None:
    user = api.partner_user()
    answer = api.call("partner_user_contact_edit", partner_user_id=user, contact_type_id=USER_EMAIL, contact_view="one@demo.example")
    assert answer == [{"partner_user_id": user, "contact_type_id": USER_EMAIL, "contact_view": "one@demo.example"}]
    assert api.call("partner_user_contact_read", partner_user_id=user) == answer


def _client_added(api: Api, operation: str, **extra: Any) -> None:
    name = unique("Клиент")[:50]
    added = api.one(operation, client_name=name, region_id=SPB, client_inn="7701234567", **extra)
    assert added["client_name"] == name and added["region_id"] == SPB and added["client_del"] is False and added["client_new_id"] != added["client_id"]
    assert [row for row in api.call("client_read", include_deleted=True) if row["client_name"] == name] == [added]


def client_add(api: Api) -> None:
    _client_added(api, "client_add")


def client_add_its(api: Api) -> None:
    _client_added(api, "client_add_its", client_reg_num="800123456")  # C3: an ITS contract in force → 4


def client_add_advanced(api: Api) -> None:
    _client_added(api, "client_add_advanced", pay_method_type_id=1, addit_attribute=unique("признак"))


def _client_edited(api: Api, operation: str, **extra: Any) -> None:
    client = api.client()
    edited = api.one(operation, client_id=client, client_name="Переименованный", region_id=SPB, client_kpp="770101001", **extra)
    assert (edited["client_name"], edited["region_id"], edited["client_kpp"]) == ("Переименованный", SPB, "770101001")
    assert api.call("client_read", client_id=client) == [edited]


def client_edit(api: Api) -> None:
    _client_edited(api, "client_edit")


def client_edit_its(api: Api) -> None:
    _client_edited(api, "client_edit_its", client_reg_num="FR100200", pay_method_type_id=3)


def client_edit_advanced(api: Api) -> None:
    _client_edited(api, "client_edit_advanced", client_reg_num="", pay_method_id=0, addit_attribute="VIP")


def client_delete(api: Api) -> None:
    service, client = api.subscription()
    (user,) = [row["client_user_id"] for row in api.call("client_user_read", client_id=client)]
    deleted = api.one("client_delete", client_id=client)
    assert deleted["client_del"] is True
    # the cascade: its employee deleted, the agent without access, the subscription stopped
    assert api.one("client_user_read", client_user_id=user)["client_user_del"] is True
    assert [row["agent_user_activity"] for row in api.call("agent_user_read", client_id=client)] == [False]
    assert api.call("service_read", client_id=client) == []
    # flipped once: the next call restores the client alone
    assert api.one("client_delete", client_id=client)["client_del"] is False
    assert api.one("client_user_read", client_user_id=user)["client_user_del"] is True


def client_contact_edit(api: Api) -> None:
    client = api.client()
    answer = api.call("client_contact_edit", client_id=client, contact_type_id=CLIENT_ADDRESS, contact_view="Москва, ул. Разовая, 1")
    assert answer == [{"client_id": client, "contact_type_id": CLIENT_ADDRESS, "contact_view": "Москва, ул. Разовая, 1"}]
    assert api.call("client_contact_read", client_id=client) == answer


def client_user_add(api: Api) -> None:
    client = api.client()
    added = api.one("client_user_add", client_id=client, client_user_name="Единственный")
    assert added["client_id"] == client and added["client_user_del"] is False
    assert api.call("client_user_read", client_id=client, include_deleted=True) == [added]


def client_user_edit(api: Api) -> None:
    user = api.client_user(api.client())
    edited = api.one("client_user_edit", client_user_id=user, client_user_family_name="Новая")
    assert edited["client_user_family_name"] == "Новая"
    assert api.call("client_user_read", client_user_id=user) == [edited]


def client_user_set_birthday(api: Api) -> None:
    user = api.client_user(api.client())
    assert api.call("client_user_set_birthday", client_user_id=user, birthday=date(1991, 12, 31)) is True
    assert api.one("client_user_read_with_birthday", client_user_id=user)["client_user_birthday"] == date(1991, 12, 31)


def client_user_delete(api: Api) -> None:
    user = api.client_user(api.client())
    assert api.one("client_user_delete", client_user_id=user)["client_user_del"] is True
    assert api.one("client_user_read", client_user_id=user)["client_user_del"] is True
    assert api.one("client_user_delete", client_user_id=user)["client_user_del"] is False


def client_user_contact_edit(api: Api) -> None:
    user = api.client_user(api.client())
    answer = api.call("client_user_contact_edit", client_user_id=user, contact_type_id=USER_PHONE, contact_view="+7 900 000-00-01")
    assert answer == [{"client_user_id": user, "contact_type_id": USER_PHONE, "contact_view": "+7 900 000-00-01"}]
    assert api.call("client_user_contact_read", client_user_id=user) == answer


def agent_partner_add(api: Api) -> None:
    user = api.partner_user()
    highest = api.highest_agent_number()
    first = api.one("agent_partner_add", partner_user_id=user, agent_partner_password="первый")
    second = api.one("agent_partner_add", partner_user_id=user)
    # numbers consecutive: the counter moved once per add, though each increment was sent twice
    assert [int(first["agent_partner_number"]), int(second["agent_partner_number"])] == [highest + 1, highest + 2]
    assert sorted(api.call("agent_partner_read", partner_user_id=user), key=lambda row: row["agent_partner_number"]) == [first, second]


def agent_partner_edit(api: Api) -> None:
    agent = api.partner_agent(api.partner_user())
    edited = api.one("agent_partner_edit", agent_partner_id=agent["agent_partner_id"], agent_partner_password="новый пароль")
    assert edited == {**agent, "agent_partner_password": "новый пароль"}
    assert api.call("agent_partner_read", agent_partner_id=agent["agent_partner_id"]) == [edited]


def agent_partner_delete(api: Api) -> None:
    agent = api.partner_agent(api.partner_user())
    assert api.call("agent_partner_delete", agent_partner_id=agent["agent_partner_id"]) == []
    assert api.one("agent_partner_read", agent_partner_id=agent["agent_partner_id"])["agent_partner_activity"] is False
    assert api.call("agent_partner_delete", agent_partner_id=agent["agent_partner_id"]) == [agent]  # restored: flipped once each time


def agent_user_add(api: Api) -> None:
    client = api.client()
    user = api.client_user(client)
    highest = api.highest_agent_number()
    first = api.one("agent_user_add", client_user_id=user)
    second = api.one("agent_user_add", client_user_id=user, agent_user_password="второй")
    assert [int(first["agent_user_number"]), int(second["agent_user_number"])] == [highest + 1, highest + 2]
    assert sorted(api.call("agent_user_read", client_id=client), key=lambda row: row["agent_user_number"]) == [first, second]


def agent_user_edit(api: Api) -> None:
    client = api.client()
    agent = api.user_agent(api.client_user(client))
    colleague = api.client_user(client)
    edited = api.one("agent_user_edit", agent_user_id=agent["agent_user_id"], client_user_id=colleague)
    assert edited == {**agent, "client_user_id": colleague}
    assert api.call("agent_user_read", agent_user_id=agent["agent_user_id"]) == [edited]


def agent_user_delete(api: Api) -> None:
    agent = api.user_agent(api.client_user(api.client()))
    assert api.call("agent_user_delete", agent_user_id=agent["agent_user_id"]) == []
    assert api.one("agent_user_read", agent_user_id=agent["agent_user_id"])["agent_user_activity"] is False
    assert api.call("agent_user_delete", agent_user_id=agent["agent_user_id"]) == [agent]


def competence_add(api: Api) -> None:
    agent = api.partner_agent(api.partner_user())["agent_partner_id"]
    added = api.one("competence_add", agent_partner_id=agent, service_type_id=PUBLIC_TECHNICAL, prioritet=2)
    assert (added["agent_partner_id"], added["service_type_id"], added["prioritet"]) == (agent, PUBLIC_TECHNICAL, 2)
    assert api.call("competence_read", agent_id=agent) == [added]


def competence_stop(api: Api) -> None:
    agent = api.partner_agent(api.partner_user())["agent_partner_id"]
    competence = api.one("competence_add", agent_partner_id=agent, service_type_id=PUBLIC_TECHNICAL)["competence_id"]
    assert api.call("competence_stop", competence_id=competence) == []
    assert api.call("competence_read", agent_id=agent) == []
    assert code(fault_of(api.service.competence_stop, competence_id=competence)) == "Client.CompetenceStopped"
    # the line is free again: exactly one live competence after a new add
    assert len(api.call("competence_add", agent_partner_id=agent, service_type_id=PUBLIC_TECHNICAL)) == 1


def service_type_add(api: Api) -> None:
    name = unique("Линия")
    added = api.one("service_type_add", service_type_name=name)
    assert (added["service_type_name"], added["service_type_full_name"], added["partner_id"], added["service_type_del"]) == (name, name, DEMO_ID, False)
    assert [row for row in api.call("service_type_read", include_deleted=True) if row["service_type_name"] == name] == [added]


def service_type_edit(api: Api) -> None:
    service_type = api.own_type()
    edited = api.one("service_type_edit", service_type_id=service_type, service_type_name="Переименованная линия", service_type_full_name="")
    assert (edited["service_type_name"], text(edited["service_type_full_name"])) == ("Переименованная линия", "")
    assert api.call("service_type_read", service_type_id=service_type) == [edited]


def service_type_delete(api: Api) -> None:
    service_type = api.own_type()
    assert api.one("service_type_delete", service_type_id=service_type)["service_type_del"] is True
    assert api.one("service_type_read", service_type_id=service_type)["service_type_del"] is True


def contract_service_add(api: Api) -> None:
    service_type = api.own_type()
    start = date.today() + timedelta(days=10)
    added = api.call("contract_service_add", service_type_id=service_type, contract_service_start_date=start)
    assert {row["contract_id"] for row in added} == DEMO_CONTRACTS and len(added) == 2
    assert all(row["contract_service_start_date"] == start for row in added)
    assert sorted(api.call("contract_service_read", service_type_id=service_type), key=lambda row: row["contract_id"]) == sorted(added, key=lambda row: row["contract_id"])


def contract_service_delete(api: Api) -> None:
    service_type = api.own_type()
    api.call("contract_service_add", service_type_id=service_type)
    assert api.call("contract_service_delete", service_type_id=service_type) == []
    assert api.call("contract_service_read", service_type_id=service_type) == []


def service_add(api: Api) -> None:
    client, _, agent = api.customer()
    added = api.one("service_add", client_id=client, service_partner_id=DEMO_ID, agent_user_id=agent, service_type_id=PUBLIC_CONSULTING)
    assert (added["client_id"], added["agent_user_id"], added["service_type_id"], added["sale_partner_id"]) == (client, agent, PUBLIC_CONSULTING, DEMO_ID)
    assert api.call("service_read", client_id=client) == [added]


def service_stop(api: Api) -> None:
    service, client = api.subscription()
    assert api.call("service_stop", service_id=service) == []
    assert api.call("service_read", client_id=client) == []


def service_edit(api: Api) -> None:
    service, client = api.subscription()
    end = date.today() + timedelta(days=365)
    edited = api.one("service_edit", service_id=service, service_end_date=end)
    assert edited["service_end_date"] == end
    assert api.call("service_read", client_id=client) == [edited]


SCENARIOS = {scenario.__name__: scenario for scenario in (
    partner_contact_edit, partner_user_add, partner_user_set_birthday, partner_user_edit, partner_user_delete, partner_user_contact_edit,
    client_add, client_add_its, client_add_advanced, client_edit, client_edit_its, client_edit_advanced, client_delete, client_contact_edit,
    client_user_add, client_user_edit, client_user_set_birthday, client_user_delete, client_user_contact_edit,
    agent_partner_add, agent_partner_edit, agent_partner_delete, agent_user_add, agent_user_edit, agent_user_delete, competence_add, competence_stop,
    service_type_add, service_type_edit, service_type_delete, contract_service_add, contract_service_delete, service_add, service_stop, service_edit,
)}  # fmt: skip


def test_there_is_a_scenario_for_every_write_operation():
    assert set(SCENARIOS) == write_operations_of_groups()


def test_the_sandbox_loses_the_first_answer_of_every_write(lossy_sandbox, api):
    # Given the sandbox has served a request (its gateway, which installs the faults, exists by then)
    api.call("partner_read")
    # Then its console says which faults it injects (read by a thread: give it a moment)
    deadline = time.monotonic() + 10
    while not any("fault injection active" in line for line in lossy_sandbox.output) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert any("fault injection active" in line and "first_attempt=True" in line for line in lossy_sandbox.output), "".join(lossy_sandbox.output)


@pytest.mark.parametrize("operation", sorted(SCENARIOS))
def test_a_write_whose_first_answer_is_lost_is_applied_exactly_once(api, operation):
    SCENARIOS[operation](api)
