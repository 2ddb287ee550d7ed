"""A seeded random workload of write operations, checked against the spec model under injected faults.

- `OPERATIONS`: every write operation, called as its SOAP declaration (`soap/*_service.py`) calls the
  logic, so `run` can execute it in-process inside `writes.scope(seed, partner)` like service_base.py.
- `observe`: the stored state, read through the service's own read operations (plus the raw items of
  what no read shows: stopped subscriptions and competences, the agent number counter).
- `build_model`: the model's starting point, from the stored demo data and the ITS registry file.
- `Workload`: the next operation, drawn from the model's state (valid, invalid, cross-partner and wrong-kind
  IDs, deleted objects, toggles back and forth).
- `Checker`: runs each operation, replays a `Server` answer with the same seed (what a caller does with the
  same Idempotency-Key), and compares the final answer — and, every `check_every` operations, the stored
  state — with the model's. A difference raises `Mismatch` naming the seed, the index, the operation and
  both answers.
"""

import csv
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from partnerapi.data import keys, table, writes
from partnerapi.errors import InternalError, PartnerApiError
from partnerapi.groups import GROUP_OPERATIONS, WRITE_OPERATIONS
from partnerapi.logic import agents, clients, competences, contracts, partners, reference, service_types, subscriptions
from partnerapi.soap.clients_service import pay_method

from support.model import (
    Agent,
    Client,
    Competence,
    Contract,
    Employee,
    Fault,
    Generated,
    Partner,
    Ref,
    ServiceType,
    SpecModel,
    Subscription,
    normalize_reg_number,
    today,
)

# --- the operations, as their SOAP declarations call the logic -------------------------------------------

OPERATIONS: dict[str, Callable[..., Any]] = {
    "partner_contact_edit": lambda p, region_id, contact_type_id, contact_view: partners.partner_contact_edit(p, region_id, contact_type_id, contact_view),
    "partner_user_add": lambda p, partner_user_name, partner_user_family_name, partner_user_father_name: partners.partner_user_add(
        p, partner_user_name, partner_user_family_name, partner_user_father_name
    ),
    "partner_user_set_birthday": lambda p, partner_user_id, birthday, client_id: partners.partner_user_set_birthday(p, partner_user_id, client_id, birthday),
    "partner_user_edit": lambda p, partner_user_id, partner_user_name, partner_user_family_name, partner_user_father_name: partners.partner_user_edit(
        p, partner_user_id, partner_user_name, partner_user_family_name, partner_user_father_name
    ),
    "partner_user_delete": lambda p, partner_user_id: partners.partner_user_delete(p, partner_user_id),
    "partner_user_contact_edit": lambda p, partner_user_id, contact_type_id, contact_view: partners.partner_user_contact_edit(p, partner_user_id, contact_type_id, contact_view),
    "client_add": lambda p, client_name, region_id, client_inn, client_kpp, client_full_name: clients.client_add(p, client_name, region_id, client_inn, client_kpp, client_full_name),
    "client_add_its": lambda p, client_name, region_id, client_inn, client_kpp, client_full_name, client_reg_num, pay_method_type_id, pay_method_id: clients.client_add(
        p, client_name, region_id, client_inn, client_kpp, client_full_name, client_reg_num, pay_method(pay_method_type_id, pay_method_id)
    ),
    "client_add_advanced": lambda p, client_name, region_id, client_inn, client_kpp, client_full_name, client_reg_num, pay_method_type_id, addit_attribute, pay_method_id: clients.client_add(
        p, client_name, region_id, client_inn, client_kpp, client_full_name, client_reg_num, pay_method(pay_method_type_id, pay_method_id), addit_attribute
    ),
    "client_edit": lambda p, client_id, client_name, region_id, client_inn, client_kpp, client_full_name: clients.client_edit(
        p, client_id, client_name, region_id, client_inn, client_kpp, client_full_name
    ),
    "client_edit_its": lambda p, client_id, client_name, region_id, client_inn, client_kpp, client_full_name, client_reg_num, pay_method_type_id, pay_method_id: clients.client_edit(
        p, client_id, client_name, region_id, client_inn, client_kpp, client_full_name, client_reg_num, pay_method(pay_method_type_id, pay_method_id)
    ),
    "client_edit_advanced": lambda p,
    client_id,
    client_name,
    region_id,
    client_inn,
    client_kpp,
    client_full_name,
    client_reg_num,
    pay_method_type_id,
    addit_attribute,
    pay_method_id: clients.client_edit(
        p, client_id, client_name, region_id, client_inn, client_kpp, client_full_name, client_reg_num, pay_method(pay_method_type_id, pay_method_id), addit_attribute
    ),
    "client_delete": lambda p, client_id: clients.client_delete(p, client_id),
    "client_contact_edit": lambda p, client_id, contact_type_id, contact_view: clients.client_contact_edit(p, client_id, contact_type_id, contact_view),
    "client_user_add": lambda p, client_id, client_user_name, client_user_family_name, client_user_father_name: clients.client_user_add(
        p, client_id, client_user_name, client_user_family_name, client_user_father_name
    ),
    "client_user_edit": lambda p, client_user_id, client_user_name, client_user_family_name, client_user_father_name: clients.client_user_edit(
        p, client_user_id, client_user_name, client_user_family_name, client_user_father_name
    ),
    "client_user_set_birthday": lambda p, client_user_id, birthday: clients.client_user_set_birthday(p, client_user_id, birthday),
    "client_user_delete": lambda p, client_user_id: clients.client_user_delete(p, client_user_id),
    "client_user_contact_edit": lambda p, client_user_id, contact_type_id, contact_view: clients.client_user_contact_edit(p, client_user_id, contact_type_id, contact_view),
    "agent_partner_add": lambda p, agent_partner_password, partner_user_id: agents.agent_partner_add(p, agent_partner_password, partner_user_id),
    "agent_partner_edit": lambda p, agent_partner_id, agent_partner_password, agent_partner_activity, partner_user_id: agents.agent_partner_edit(
        p, agent_partner_id, agent_partner_password, agent_partner_activity, partner_user_id
    ),
    "agent_partner_delete": lambda p, agent_partner_id: agents.agent_partner_delete(p, agent_partner_id),
    "agent_user_add": lambda p, agent_user_password, client_user_id: agents.agent_user_add(p, agent_user_password, client_user_id),
    "agent_user_edit": lambda p, agent_user_id, agent_user_password, agent_user_activity, client_user_id: agents.agent_user_edit(
        p, agent_user_id, agent_user_password, agent_user_activity, client_user_id
    ),
    "agent_user_delete": lambda p, agent_user_id: agents.agent_user_delete(p, agent_user_id),
    "competence_add": lambda p, agent_partner_id, service_type_id, prioritet, agent_id: competences.competence_add(p, agent_partner_id, service_type_id, prioritet, agent_id),
    "competence_stop": lambda p, competence_id: competences.competence_stop(p, competence_id),
    "service_type_add": lambda p, service_type_name, service_type_full_name: service_types.service_type_add(p, service_type_name, service_type_full_name),
    "service_type_edit": lambda p, service_type_id, service_type_name, service_type_full_name: service_types.service_type_edit(
        p, service_type_id, service_type_name, service_type_full_name
    ),
    "service_type_delete": lambda p, service_type_id: service_types.service_type_delete(p, service_type_id),
    "contract_service_add": lambda p, service_type_id, contract_service_start_date: contracts.contract_service_add(p, service_type_id, contract_service_start_date),
    "contract_service_delete": lambda p, service_type_id: contracts.contract_service_delete(p, service_type_id),
    "service_add": lambda p, client_id, service_partner_id, service_start_date, service_end_date, agent_user_id, service_type_id: subscriptions.service_add(
        p, client_id, service_partner_id, service_start_date, service_end_date, agent_user_id, service_type_id
    ),
    "service_stop": lambda p, service_id: subscriptions.service_stop(p, service_id),
    "service_edit": lambda p, service_id, service_partner_id, service_start_date, service_end_date: subscriptions.service_edit(
        p, service_id, service_partner_id, service_start_date, service_end_date
    ),
}

# account_access_email_notify sends mail and stores nothing: out of the model (and of this workload)
NOT_MODELLED = frozenset({"account_access_email_notify"})


def write_operations_of_groups() -> set[str]:
    """Every operation of groups.py that changes data (its WRITE_OPERATIONS, which must be all but the reads)."""
    everything = {operation for names in GROUP_OPERATIONS.values() for operation in names}
    reads = {operation for operation in everything if "_read" in operation or operation == "client_ITS_status_For_INN"}
    assert WRITE_OPERATIONS == everything - reads, f"groups.WRITE_OPERATIONS is not every operation but the reads: {sorted(WRITE_OPERATIONS ^ (everything - reads))}"
    return set(WRITE_OPERATIONS) - NOT_MODELLED


# --- observing the stored state ---------------------------------------------------------------------------


def _day(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, date) else value


def observe(partner_ids: list[str], to_model: Callable[[Any], Any]) -> dict[str, Any]:
    """The stored state as the service's reads show it (plus the raw items no read shows), in the model's IDs."""
    m = to_model
    observed = {}
    for p in partner_ids:
        pk = keys.partner_pk(p)
        raw_services = [item for item in table.query_all(pk, keys.SERVICE_PREFIX) if item.get("kind") == "service"]
        raw_competences = [item for item in table.query_all(pk, keys.COMPETENCE_PREFIX) if item.get("kind") == "competence"]
        observed[p] = {
            "partner_contacts": {(row["region_id"], row["contact_type_id"]): row["contact_view"] for row in partners.partner_contact_read(p, None, None, None)},
            "partner_users": {
                m(row["partner_user_id"]): (row["partner_user_name"], row["partner_user_family_name"], row["partner_user_father_name"], _day(row["partner_user_birthday"]), row["partner_user_del"])
                for row in partners.partner_user_read(p, None, True, with_birthday=True)
            },
            "partner_user_contacts": {(m(row["partner_user_id"]), row["contact_type_id"]): row["contact_view"] for row in partners.partner_user_contact_read(p, None, None)},
            "clients": {
                m(row["client_id"]): (
                    m(row["client_new_id"]),
                    row["client_name"],
                    row["client_full_name"],
                    row["region_id"],
                    row["client_del"],
                    row["client_inn"],
                    row["client_kpp"],
                    row["client_reg_num"],
                    row["pay_method_id"],
                    row["addit_attribute"],
                )
                for row in clients.client_read(p, None, None, True)
            },
            "client_contacts": {(m(row["client_id"]), row["contact_type_id"]): row["contact_view"] for row in clients.client_contact_read(p, None, None)},
            "client_users": {
                m(row["client_user_id"]): (
                    m(row["client_id"]),
                    row["client_user_name"],
                    row["client_user_family_name"],
                    row["client_user_father_name"],
                    _day(row["client_user_birthday"]),
                    row["client_user_del"],
                )
                for row in clients.client_user_read(p, None, None, True, with_birthday=True)
            },
            "client_user_contacts": {(m(row["client_user_id"]), row["contact_type_id"]): row["contact_view"] for row in clients.client_user_contact_read(p, None, None)},
            "partner_agents": {
                m(row["agent_partner_id"]): (row["agent_partner_number"], row["agent_partner_password"], m(row["partner_user_id"]), row["agent_partner_activity"])
                for row in agents.agent_partner_read(p, None, None, None)
            },
            "user_agents": {
                m(row["agent_user_id"]): (row["agent_user_number"], row["agent_user_password"], m(row["client_id"]), m(row["client_user_id"]), row["agent_user_activity"])
                for row in agents.agent_user_read(p, None, None, None, None)
            },
            "competences": {
                m(row["competence_id"]): (m(row["agent_partner_id"]), m(row["service_type_id"]), row["prioritet"]) for row in competences.competence_read(p, None, None, None, None)
            },
            "competences_stopped": {m(item["competence_id"]): bool(item.get("competence_stopped")) for item in raw_competences},
            "service_types": {
                m(row["service_type_id"]): (row["service_type_name"], row["service_type_full_name"], m(row["partner_id"]), row["service_type_del"])
                for row in service_types.service_type_read(p, None, None, True)
            },
            "permissions": {
                (row["contract_id"], m(row["service_type_id"])): (_day(row["contract_service_start_date"]), _day(row["contract_service_end_date"]))
                for row in contracts.contract_service_read(p, None, None, None, None)
            },
            "subscriptions": {
                m(row["service_id"]): (
                    m(row["client_id"]),
                    m(row["service_partner_id"]),
                    _day(row["service_start_date"]),
                    _day(row["service_end_date"]),
                    m(row["agent_user_id"]),
                    m(row["service_type_id"]),
                )
                for row in subscriptions.service_read(p, None, None, None, None, None, None, None, None)
            },
            "subscriptions_stopped": {m(item["service_id"]): bool(item.get("service_stopped")) for item in raw_services},
        }
    counter = table.get(keys.AGENT_NUMBER_PK, keys.AGENT_NUMBER_SK) or {}
    return {"agent_counter": counter.get(agents.COUNTER_ATTRIBUTE, 0), "partners": observed}


def state_differences(expected: dict[str, Any], actual: dict[str, Any], limit: int = 12) -> list[str]:
    problems = []
    if expected["agent_counter"] != actual["agent_counter"]:
        problems.append(f"agent counter: model {expected['agent_counter']}, stored {actual['agent_counter']}")
    for partner_id, sections in expected["partners"].items():
        for section, wanted in sections.items():
            found = actual["partners"][partner_id][section]
            for key in sorted(set(wanted) | set(found), key=repr):
                if wanted.get(key, "<absent>") != found.get(key, "<absent>"):
                    problems.append(f"{partner_id} {section} {key!r}: model {wanted.get(key, '<absent>')!r}, stored {found.get(key, '<absent>')!r}")
    return problems[:limit]


# --- the model's starting point -----------------------------------------------------------------------------


def load_its_registry(path: Path) -> dict[str, tuple[date, date]]:
    """The registry file the ITS import loads (docs/its-registry.md): number → contract period."""
    with path.open(encoding="utf-8") as lines:
        return {normalize_reg_number(row["reg_number"]): (date.fromisoformat(row["date_from"]), date.fromisoformat(row["date_to"])) for row in csv.DictReader(lines)}


def build_model(partner_ids: list[str], its_registry: dict[str, tuple[date, date]]) -> SpecModel:
    """The model of the stored data before the workload (the operator's fixture: not under test)."""
    regions = {item["region_id"] for item in table.query_all(keys.REGION_PK)}
    contact_types = {row["contact_type_id"]: row["contact_type_code"] for row in reference.contact_type_read()}
    counter = (table.get(keys.AGENT_NUMBER_PK, keys.AGENT_NUMBER_SK) or {}).get(agents.COUNTER_ATTRIBUTE, 0)
    public: dict[str, ServiceType] = {}
    model = SpecModel(regions, contact_types, public, its_registry, counter)
    observed = observe(partner_ids, lambda value: value)["partners"]
    type_rows = {p: service_types.service_type_read(p, None, None, True) for p in partner_ids}
    for p in partner_ids:
        partner = model.partners[p] = Partner(p)
        partner.regions = {row["region_id"] for row in partners.partner_region_read(p)}
        partner.roles = {int(row["role_id"]) for row in partners.partner_role_read(p)}
        for row in type_rows[p]:
            service_type = ServiceType(row["service_type_id"], row["service_type_name"], row["service_type_full_name"], row["partner_id"], row["service_type_del"])
            if row["partner_id"] is None:
                public[service_type.id] = service_type
            elif row["partner_id"] == p:
                partner.own_types[service_type.id] = service_type
            else:
                partner.imports[service_type.id] = row["partner_id"]
        partner.vendors = set(partner.imports.values())
        for row in contracts.contract_read(p, None, None, None, None):
            partner.contracts[row["contract_id"]] = Contract(row["contract_id"], row["contract_start_date"], row["contract_end_date"], row["role_id"])
        seen = observed[p]
        partner.permissions = {key: (date.fromisoformat(start), date.fromisoformat(end)) for key, (start, end) in seen["permissions"].items()}
        partner.contacts = dict(seen["partner_contacts"])
        partner.users = {uid: Employee(uid, p, *values) for uid, values in seen["partner_users"].items()}
        partner.user_contacts = dict(seen["partner_user_contacts"])
        partner.clients = {cid: Client(cid, new_id, name, full, region, inn, kpp, reg, pay, addit, deleted) for cid, (new_id, name, full, region, deleted, inn, kpp, reg, pay, addit) in seen["clients"].items()}
        partner.client_contacts = dict(seen["client_contacts"])
        partner.client_users = {uid: Employee(uid, *values) for uid, values in seen["client_users"].items()}
        partner.client_user_contacts = dict(seen["client_user_contacts"])
        partner.partner_agents = {aid: Agent(aid, number, password, p, user, active) for aid, (number, password, user, active) in seen["partner_agents"].items()}
        partner.user_agents = {aid: Agent(aid, number, password, client, user, active) for aid, (number, password, client, user, active) in seen["user_agents"].items()}
        pk = keys.partner_pk(p)
        for item in table.query_all(pk, keys.COMPETENCE_PREFIX):
            if item.get("kind") == "competence":
                partner.competences[item["competence_id"]] = Competence(item["competence_id"], item["agent_partner_id"], item["service_type_id"], item["prioritet"], bool(item.get("competence_stopped")))
        for item in table.query_all(pk, keys.SERVICE_PREFIX):
            if item.get("kind") == "service":
                partner.subscriptions[item["service_id"]] = Subscription(
                    item["service_id"],
                    item["client_id"],
                    item["service_partner_id"],
                    date.fromisoformat(item["service_start_date"]),
                    date.fromisoformat(item["service_end_date"]),
                    item["agent_user_id"],
                    item["service_type_id"],
                    bool(item.get("service_stopped")),
                )
    for p, partner in model.partners.items():
        # an imported line is its owner's object, seen through the import (S3)
        for type_id, owner in partner.imports.items():
            assert type_id in model.partners[owner].own_types, f"{p} imports {type_id} of a partner outside the workload"
    everything = set(partner_ids) | regions | set(contact_types) | set(public)
    for partner in model.partners.values():
        everything |= {*partner.users, *partner.clients, *(client.new_id for client in partner.clients.values()), *partner.client_users}
        everything |= {*partner.partner_agents, *partner.user_agents, *partner.competences, *partner.own_types, *partner.contracts, *partner.subscriptions}
    for known in everything:
        model.known(known)
    return model


# --- the workload -------------------------------------------------------------------------------------------

NAMES = ("Иван", "Мария", "Пётр", "Ольга", "Сергей", "Анна", "Кирилл", "Зоя", "Фёдор", "Юлия")
FAMILIES = ("Петров", "Смирнова", "Кузнецов", "Попова", "Соколов", "Лебедева", "Новиков")
CLIENT_NAMES = ("ООО «Ромашка»", "ИП Иванов", "АО «Север»", "ООО «Вектор»", "ЗАО «Луч»", "ООО «Полёт»")
REG_NUMBERS = ("800123456", "800 123 456", "0800123457", "800999999", "FR100200", "fr100200", "bo12345", "ВО987", "12345", "ABC-1", "", None, None, None)
PAY_METHODS = (None, None, None, None, 0, 1, 2, 3, 4, 5, -1)
FLAGS = (None, None, "true", "false", "1", "0", "maybe")


@dataclass
class Op:
    index: int
    partner: str
    name: str
    args: dict[str, Any]
    seed: str

    def describe(self, ids: Any = None) -> str:
        def show(value: Any) -> str:
            if isinstance(value, Ref):
                real = ids.to_real(value) if ids is not None else "?"
                return f"{value.id}={real}"
            return repr(value)

        return f"#{self.index} {self.name}({', '.join(f'{name}={show(value)}' for name, value in self.args.items())}) as {self.partner} seed={self.seed!r}"


class Workload:
    """Draws operations from the model's state: mostly valid, with unknown, malformed, blank, wrong-kind and
    other partners' IDs, deleted objects, long values (cuts) and invalid values mixed in."""

    WEIGHTS: dict[str, float] = {
        "partner_contact_edit": 2,
        "partner_user_add": 3,
        "partner_user_set_birthday": 1.5,
        "partner_user_edit": 2,
        "partner_user_delete": 3,
        "partner_user_contact_edit": 2,
        "client_add": 1.5,
        "client_add_its": 1.5,
        "client_add_advanced": 1.5,
        "client_edit": 1.5,
        "client_edit_its": 1.5,
        "client_edit_advanced": 1.5,
        "client_delete": 2.5,
        "client_contact_edit": 2,
        "client_user_add": 4,
        "client_user_edit": 2,
        "client_user_set_birthday": 1.5,
        "client_user_delete": 3,
        "client_user_contact_edit": 2,
        "agent_partner_add": 3,
        "agent_partner_edit": 2,
        "agent_partner_delete": 3,
        "agent_user_add": 4,
        "agent_user_edit": 2.5,
        "agent_user_delete": 3,
        "competence_add": 3,
        "competence_stop": 2,
        "service_type_add": 1.5,
        "service_type_edit": 1.5,
        "service_type_delete": 0.7,
        "contract_service_add": 2,
        "contract_service_delete": 1,
        "service_add": 5,
        "service_stop": 2,
        "service_edit": 3,
    }

    def __init__(self, model: SpecModel, partner_ids: list[str], seed: int, weights: dict[str, float] | None = None):
        self.model = model
        self.partner_ids = partner_ids
        self.seed = seed
        self.random = random.Random(f"workload:{seed}")
        self.weights = {**self.WEIGHTS, **(weights or {})}
        self._names = [name for name, weight in self.weights.items() if weight > 0]
        self._cumulative = [self.weights[name] for name in self._names]

    # --- values -------------------------------------------------------------------------------------

    def chance(self, probability: float) -> bool:
        return self.random.random() < probability

    def unknown_id(self) -> str:
        return str(uuid.UUID(int=self.random.getrandbits(128), version=4))

    def name(self, pool: tuple[str, ...], long: int = 0, optional: bool = False) -> str | None:
        draw = self.random.random()
        if draw < 0.04:
            return "" if self.chance(0.5) else "   "
        if draw < 0.08 and optional:
            return None
        if draw < 0.12 and long:
            return (self.random.choice(pool) + " ") * (long // 4)
        return f"{self.random.choice(pool)} {self.random.randint(1, 999)}"

    def view(self) -> str | None:
        draw = self.random.random()
        if draw < 0.12:
            return ""
        if draw < 0.15:
            return None
        if draw < 0.2:
            return "x" * 520
        return f"+7 9{self.random.randint(10, 99)} {self.random.randint(100, 999)}-{self.random.randint(10, 99)}-{self.random.randint(10, 99)}"

    def day(self, low: int = -400, high: int = 800) -> str | None:
        draw = self.random.random()
        if draw < 0.25:
            return None
        if draw < 0.3:
            return "0001-01-01"
        if draw < 0.33:
            return self.random.choice(("2026-02-30", "31.12.2026", "soon"))
        value = today() + timedelta(days=self.random.randint(low, high))
        if draw < 0.38:
            return f"{value.isoformat()}T00:00:00.000+06:00"
        return value.isoformat()

    def password(self) -> str | None:
        draw = self.random.random()
        if draw < 0.3:
            return None
        if draw < 0.4:
            return "" if self.chance(0.5) else "  "
        if draw < 0.44:
            return "p" * 70
        if draw < 0.47:
            return "bad\x01password"
        return f"pw-{self.random.randint(1000, 9999)}"

    # --- references -------------------------------------------------------------------------------------

    def _objects(self, partner_id: str, kind: str) -> list[str]:
        partner = self.model.partners[partner_id]
        if kind == "service_type":
            return sorted(self.model.visible_types(partner))
        if kind == "own_service_type":
            return sorted(partner.own_types)
        if kind == "region":
            return sorted(self.model.regions)
        if kind == "service_partner":
            return list(self.partner_ids)
        return sorted(getattr(partner, kind))

    KINDS = ("users", "clients", "client_users", "partner_agents", "user_agents", "competences", "subscriptions", "own_types")

    def ref(self, partner_id: str, kind: str, candidates: list[str] | None = None, noise: float = 0.2) -> Any:
        """Mostly one of the partner's objects (deleted ones included); else another partner's object of the
        kind, one of another kind, an unknown or malformed ID, or a blank."""
        own = candidates if candidates is not None else self._objects(partner_id, kind)
        draw = self.random.random()
        if draw >= noise and own:
            return Ref(self.random.choice(own), upper=self.chance(0.05))
        draw = self.random.random()
        if draw < 0.35:
            other = self.random.choice([p for p in self.partner_ids if p != partner_id])
            found = self._objects(other, kind) if kind not in ("region", "service_partner") else []
            if found:
                return Ref(self.random.choice(found))
        if draw < 0.55:
            wrong = self._objects(partner_id, self.random.choice([k for k in self.KINDS if k != kind]))
            if wrong:
                return Ref(self.random.choice(wrong))
        if draw < 0.8:
            return self.unknown_id()
        if draw < 0.9:
            return self.random.choice(("not-a-guid", "12345", "{" + self.unknown_id() + "}x"))
        return self.random.choice(("", "   ", None))

    def contact_type(self, codes: tuple[int, ...]) -> Any:
        fitting = sorted(type_id for type_id, code in self.model.contact_types.items() if code in codes)
        if self.chance(0.85):
            return Ref(self.random.choice(fitting))
        if self.chance(0.6):
            return Ref(self.random.choice(sorted(self.model.contact_types)))
        return self.random.choice((self.unknown_id(), "", None))

    # --- operations ---------------------------------------------------------------------------------------

    def next(self, index: int) -> Op:
        name = self.random.choices(self._names, self._cumulative)[0]
        partner_id = self.random.choice(self.partner_ids)
        args = getattr(self, f"_{name.lower()}")(partner_id)
        return Op(index, partner_id, name, args, seed=f"fault-injection:{self.seed}:{index}")

    def _partner_contact_edit(self, p: str) -> dict[str, Any]:
        return {"region_id": self.ref(p, "region", noise=0.1), "contact_type_id": self.contact_type((2,)), "contact_view": self.view()}

    def _names3(self, prefix: str) -> dict[str, Any]:
        return {
            f"{prefix}_name": self.name(NAMES, long=120, optional=True),
            f"{prefix}_family_name": self.name(FAMILIES, long=120, optional=True),
            f"{prefix}_father_name": self.name(NAMES, long=120, optional=True),
        }

    def _partner_user_add(self, p: str) -> dict[str, Any]:
        return self._names3("partner_user")

    def _partner_user_set_birthday(self, p: str) -> dict[str, Any]:
        user = self.ref(p, "users")
        client_id = None if self.chance(0.8) else (user if self.chance(0.5) else self.ref(p, "users"))
        return {"partner_user_id": user if self.chance(0.9) else None, "birthday": self.day(-20000, 0), "client_id": client_id}

    def _partner_user_edit(self, p: str) -> dict[str, Any]:
        return {"partner_user_id": self.ref(p, "users"), **self._names3("partner_user")}

    def _partner_user_delete(self, p: str) -> dict[str, Any]:
        return {"partner_user_id": self.ref(p, "users")}

    def _partner_user_contact_edit(self, p: str) -> dict[str, Any]:
        return {"partner_user_id": self.ref(p, "users"), "contact_type_id": self.contact_type((2, 3)), "contact_view": self.view()}

    def _client_fields(self, p: str, add: bool) -> dict[str, Any]:
        return {
            "client_name": self.name(CLIENT_NAMES, long=60, optional=not add),
            "region_id": self.ref(p, "region", noise=0.1) if add or self.chance(0.5) else None,
            "client_inn": self.random.choice((None, "", "7701234567", "78011234567890")),
            "client_kpp": self.random.choice((None, "", "770101001", "7701010012")),
            "client_full_name": self.random.choice((None, "", "Общество с ограниченной ответственностью " + "«Длинное имя» " * 20)),
        }

    def _its_fields(self) -> dict[str, Any]:
        first = self.random.choice(PAY_METHODS)
        second = self.random.choice((None, None, None, first, 3))
        return {"client_reg_num": self.random.choice(REG_NUMBERS), "pay_method_type_id": first, "pay_method_id": second}

    def _client_add(self, p: str) -> dict[str, Any]:
        return self._client_fields(p, add=True)

    def _client_add_its(self, p: str) -> dict[str, Any]:
        return {**self._client_fields(p, add=True), **self._its_fields()}

    def _client_add_advanced(self, p: str) -> dict[str, Any]:
        fields = {**self._client_fields(p, add=True), **self._its_fields()}
        pay_method_id = fields.pop("pay_method_id")
        return {**fields, "addit_attribute": self.random.choice((None, "", "VIP", "опт", "a" * 300)), "pay_method_id": pay_method_id}

    def _client_edit(self, p: str) -> dict[str, Any]:
        return {"client_id": self.ref(p, "clients"), **self._client_fields(p, add=False)}

    def _client_edit_its(self, p: str) -> dict[str, Any]:
        return {**self._client_edit(p), **self._its_fields()}

    def _client_edit_advanced(self, p: str) -> dict[str, Any]:
        fields = self._client_edit_its(p)
        pay_method_id = fields.pop("pay_method_id")
        return {**fields, "addit_attribute": self.random.choice((None, "", "VIP", "опт", "a" * 300)), "pay_method_id": pay_method_id}

    def _client_delete(self, p: str) -> dict[str, Any]:
        return {"client_id": self.ref(p, "clients")}

    def _client_contact_edit(self, p: str) -> dict[str, Any]:
        return {"client_id": self.ref(p, "clients"), "contact_type_id": self.contact_type((1,)), "contact_view": self.view()}

    def _client_user_add(self, p: str) -> dict[str, Any]:
        return {"client_id": self.ref(p, "clients"), **self._names3("client_user")}

    def _client_user_edit(self, p: str) -> dict[str, Any]:
        return {"client_user_id": self.ref(p, "client_users"), **self._names3("client_user")}

    def _client_user_set_birthday(self, p: str) -> dict[str, Any]:
        return {"client_user_id": self.ref(p, "client_users"), "birthday": self.day(-20000, 0)}

    def _client_user_delete(self, p: str) -> dict[str, Any]:
        return {"client_user_id": self.ref(p, "client_users")}

    def _client_user_contact_edit(self, p: str) -> dict[str, Any]:
        return {"client_user_id": self.ref(p, "client_users"), "contact_type_id": self.contact_type((3,)), "contact_view": self.view()}

    def _agent_partner_add(self, p: str) -> dict[str, Any]:
        return {"agent_partner_password": self.password(), "partner_user_id": self.ref(p, "users")}

    def _agent_partner_edit(self, p: str) -> dict[str, Any]:
        return {
            "agent_partner_id": self.ref(p, "partner_agents"),
            "agent_partner_password": self.password(),
            "agent_partner_activity": self.random.choice(FLAGS),
            "partner_user_id": self.ref(p, "users") if self.chance(0.5) else None,
        }

    def _agent_partner_delete(self, p: str) -> dict[str, Any]:
        return {"agent_partner_id": self.ref(p, "partner_agents")}

    def _agent_user_add(self, p: str) -> dict[str, Any]:
        return {"agent_user_password": self.password(), "client_user_id": self.ref(p, "client_users")}

    def _agent_user_edit(self, p: str) -> dict[str, Any]:
        agent = self.ref(p, "user_agents")
        partner = self.model.partners[p]
        user: Any = None
        if self.chance(0.5):
            same_client = []
            if isinstance(agent, Ref) and agent.id in partner.user_agents:
                owner = partner.user_agents[agent.id].owner
                same_client = [uid for uid, found in partner.client_users.items() if found.owner == owner]
            user = self.ref(p, "client_users", same_client if same_client and self.chance(0.7) else None)
        return {"agent_user_id": agent, "agent_user_password": self.password(), "agent_user_activity": self.random.choice(FLAGS), "client_user_id": user}

    def _agent_user_delete(self, p: str) -> dict[str, Any]:
        return {"agent_user_id": self.ref(p, "user_agents")}

    def _competence_add(self, p: str) -> dict[str, Any]:
        agent = self.ref(p, "partner_agents")
        both = self.chance(0.15)
        return {
            "agent_partner_id": agent if not both or self.chance(0.5) else None,
            "service_type_id": self.ref(p, "service_type", noise=0.1),
            "prioritet": self.random.choice((None, None, 1, 2, 3, 5, 10, 0, 11)),
            "agent_id": (agent if self.chance(0.7) else self.ref(p, "partner_agents")) if both else None,
        }

    def _competence_stop(self, p: str) -> dict[str, Any]:
        return {"competence_id": self.ref(p, "competences")}

    def _service_type_add(self, p: str) -> dict[str, Any]:
        return {"service_type_name": self.name(("Линия", "Поддержка", "Сервис"), long=120), "service_type_full_name": self.random.choice((None, "", "Полное имя " * 30, "Линия поддержки"))}

    def _service_type_edit(self, p: str) -> dict[str, Any]:
        return {
            "service_type_id": self.ref(p, "own_types", sorted(self.model.visible_types(self.model.partners[p])) if self.chance(0.2) else None),
            "service_type_name": self.name(("Линия", "Поддержка", "Сервис"), long=120),
            "service_type_full_name": self.random.choice((None, "", "Полное имя", "Линия поддержки " * 20)),
        }

    def _service_type_delete(self, p: str) -> dict[str, Any]:
        return {"service_type_id": self.ref(p, "own_types", sorted(self.model.visible_types(self.model.partners[p])) if self.chance(0.2) else None)}

    def _contract_service_add(self, p: str) -> dict[str, Any]:
        return {"service_type_id": self.ref(p, "service_type", noise=0.1), "contract_service_start_date": self.day(-100, 2000)}

    def _contract_service_delete(self, p: str) -> dict[str, Any]:
        return {"service_type_id": self.ref(p, "service_type", noise=0.1)}

    def _service_add(self, p: str) -> dict[str, Any]:
        partner = self.model.partners[p]
        # mostly a live client with agents, so that many subscriptions are sold
        ready = sorted({agent.owner for agent in partner.user_agents.values() if not partner.clients[agent.owner].deleted})
        client = self.ref(p, "clients", ready if ready and self.chance(0.7) else None, noise=0.1)
        agents_of_client = []
        if isinstance(client, Ref) and client.id in partner.clients:
            agents_of_client = [aid for aid, agent in partner.user_agents.items() if agent.owner == client.id]
        permitted = sorted({type_id for (_, type_id) in partner.permissions})
        return {
            "client_id": client,
            "service_partner_id": Ref(p) if self.chance(0.8) else self.ref(p, "service_partner", noise=0.5),
            "service_start_date": self.day(-30, 400) if self.chance(0.6) else None,
            "service_end_date": self.day(-30, 1200) if self.chance(0.5) else None,
            "agent_user_id": self.ref(p, "user_agents", agents_of_client if agents_of_client and self.chance(0.85) else None, noise=0.1),
            "service_type_id": self.ref(p, "service_type", permitted if permitted and self.chance(0.85) else None, noise=0.1),
        }

    def _service_stop(self, p: str) -> dict[str, Any]:
        return {"service_id": self.ref(p, "subscriptions", self._live_subscriptions(p))}

    def _live_subscriptions(self, p: str) -> list[str] | None:
        live = sorted(sid for sid, item in self.model.partners[p].subscriptions.items() if not item.stopped)
        return live if live and self.chance(0.7) else None

    def _service_edit(self, p: str) -> dict[str, Any]:
        return {
            "service_id": self.ref(p, "subscriptions", self._live_subscriptions(p)),
            "service_partner_id": None if self.chance(0.6) else self.ref(p, "service_partner", noise=0.3),
            "service_start_date": self.day(-30, 400) if self.chance(0.5) else None,
            "service_end_date": self.day(-60, 1200) if self.chance(0.5) else None,
        }


# --- running and checking ---------------------------------------------------------------------------------


@dataclass
class Outcome:
    kind: str  # rows | flag | fault | server | escaped
    value: Any
    before: list[str] = field(default_factory=list)  # the Server answers of the executions before this one

    def __str__(self) -> str:
        replayed = f" (after {len(self.before)} replay(s) of: {'; '.join(self.before)})" if self.before else ""
        return f"{self.kind}: {self.value!r}{replayed}"


def execute(op: Op, to_real: Callable[[Any], Any]) -> Outcome:
    """One execution of the operation, as service_base.py runs it: inside the request's write scope."""
    arguments = {name: to_real(value) for name, value in op.args.items()}
    with writes.scope(op.seed, op.partner):
        try:
            result = OPERATIONS[op.name](op.partner, **arguments)
        except PartnerApiError as error:
            return Outcome("fault", error.faultcode)
        except InternalError as error:
            return Outcome("server", error.faultcode)
        except Exception as error:  # noqa: BLE001 - any other exception is a finding, reported as such
            return Outcome("escaped", f"{type(error).__name__}: {error}")
    if isinstance(result, bool):
        return Outcome("flag", result)
    return Outcome("rows", [dict(row) for row in result])


class Mismatch(AssertionError):
    pass


@dataclass
class RunStats:
    operations: int = 0
    answers: Counter = field(default_factory=Counter)  # "rows" / fault codes
    per_operation: Counter = field(default_factory=Counter)  # (operation, "rows" or "fault")
    replays: int = 0  # re-executions after a Server answer
    server_answers: Counter = field(default_factory=Counter)  # Server fault codes (and escaped exceptions) answered
    operations_replayed: int = 0
    max_replays_of_one: int = 0
    state_checks: int = 0
    seconds: float = 0.0


class Checker:
    """Runs operations against the service and the model; the first difference raises Mismatch."""

    def __init__(self, model: SpecModel, partner_ids: list[str], seed: int, injector: Any = None, max_replays: int = 10, escaped_is_server: bool = False):
        self.model = model
        self.partner_ids = partner_ids
        self.seed = seed
        self.injector = injector
        self.max_replays = max_replays
        self.escaped_is_server = escaped_is_server
        self.stats = RunStats()
        self.history: list[str] = []
        self.escaped: list[str] = []

    def _fail(self, op: Op, problem: str, expected: Any, outcome: Any) -> None:
        recent = "\n    ".join(self.history[-4:])
        named = {self.model.ids.to_real(value).lower() for value in op.args.values() if isinstance(value, Ref)}
        related = "\n    ".join([line for line in self.history[:-4] if any(real in line for real in named)][-8:]) or "none"
        raise Mismatch(
            f"fault-injection seed {self.seed}, operation {op.describe(self.model.ids)}\n"
            f"  {problem}\n  model:   {expected!r}\n  service: {outcome}\n"
            f"  previous operations:\n    {recent}\n  earlier operations naming the same objects:\n    {related}"
        )

    def run(self, op: Op) -> None:
        started = time.perf_counter()
        expected = self.model.apply(op.partner, op.name, op.args)
        outcome = execute(op, self.model.ids.to_real)
        replays, earlier = 0, []
        while outcome.kind == "server" or (outcome.kind == "escaped" and self.escaped_is_server):
            self.stats.server_answers[str(outcome.value).split(":")[0]] += 1
            earlier.append(str(outcome))
            if outcome.kind == "escaped":
                self.escaped.append(f"{op.describe(self.model.ids)}: {outcome.value}")
            if replays >= self.max_replays:
                self._fail(op, f"still a Server answer after {replays} replays with the same seed", expected, outcome)
            replays += 1
            outcome = execute(op, self.model.ids.to_real)
        if earlier:
            outcome = Outcome(outcome.kind, outcome.value, earlier)
        self.stats.replays += replays
        self.stats.operations_replayed += bool(replays)
        self.stats.max_replays_of_one = max(self.stats.max_replays_of_one, replays)
        if outcome.kind == "escaped":
            self._fail(op, "an exception that is neither a Client fault nor a retryable Server fault (InternalError)", expected, outcome)
        problem = self.compare(expected, outcome)
        if problem:
            self._fail(op, problem, expected, outcome)
        self.stats.operations += 1
        self.stats.answers["rows" if outcome.kind in ("rows", "flag") else outcome.value] += 1
        self.stats.per_operation[(op.name, "rows" if outcome.kind in ("rows", "flag") else "fault")] += 1
        self.stats.seconds += time.perf_counter() - started
        self.history.append(f"{op.describe(self.model.ids)} → {outcome}")

    def compare(self, expected: Any, outcome: Outcome) -> str | None:
        if isinstance(expected, Fault):
            return None if outcome.kind == "fault" and outcome.value == expected.code else f"expected the fault {expected.code}"
        if expected is True:
            return None if outcome.kind == "flag" and outcome.value is True else "expected the flag true"
        if outcome.kind != "rows" or len(outcome.value) != len(expected):
            return f"expected {len(expected)} row(s)"
        ids = self.model.ids
        for wanted, found in zip(expected, outcome.value, strict=True):
            for name, value in wanted.items():
                if isinstance(value, str) and value in self.model.created and value not in ids.real:
                    real = found.get(name)
                    if not isinstance(real, str) or real.lower() in ids.model:
                        return f"{name}: a new object needs a new ID, got {real!r}"
                    ids.bind(value, real)
            for name, value in wanted.items():
                actual = found.get(name)
                if isinstance(value, Generated):
                    if not self.model.learn(value, actual):
                        return f"{name}: expected a generated password, got {actual!r}"
                elif name.endswith("_id") and name != "pay_method_id" and isinstance(actual, str):
                    if ids.to_model(actual) != value:
                        return f"{name}: expected {value!r} ({ids.real.get(value, value)}), got {actual!r}"
                elif actual != value:
                    return f"{name}: expected {value!r}, got {actual!r}"
        return None

    def check_state(self, index: int) -> None:
        pause = self.injector.paused() if self.injector is not None else _nothing()
        with pause:
            stored = observe(self.partner_ids, self.model.ids.to_model)
        problems = state_differences(self.model.state(), stored)
        self.stats.state_checks += 1
        if problems:
            recent = "\n    ".join(self.history[-6:])
            raise Mismatch(f"fault-injection seed {self.seed}: stored state differs from the model after operation #{index}:\n  " + "\n  ".join(problems) + f"\n  previous operations:\n    {recent}")


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: Any) -> None:
        return None


def run_workload(checker: Checker, workload: Workload, operations: int, check_every: int = 50) -> RunStats:
    for index in range(operations):
        checker.run(workload.next(index))
        if (index + 1) % check_every == 0:
            checker.check_state(index)
    checker.check_state(operations - 1)
    return checker.stats
