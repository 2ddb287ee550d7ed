"""A pure in-memory model of the spec's rules for every write operation, for the fault-injection checker.

Written from the spec and docs/spec-notes.md (the product's logic only settled details the spec leaves
open: which of two faults a request with two mistakes gets, cut lengths the notes give). `SpecModel.apply`
decides an operation's answer — rows or a fault code — and changes the model's state when it succeeds;
`SpecModel.state` projects the state into the form `support.workload.observe` reads from the service.

Objects that exist when the model is built keep their real IDs; objects the model adds get the model's
own IDs (`M1`, `M2`, …), bound to the real IDs the service answered (`IdMap`). Generated agent passwords
are `Generated` until the service's answer tells the model the value.

Not modelled: account_access_email_notify (sends mail, stores nothing), reads, and the operator's writes.
"""

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any

EMPTY_DATE = date(1, 1, 1)  # 1C's «пустая дата»: an open end
MOSCOW = timezone(timedelta(hours=3))  # T1: UTC+3 all year
CONTACT_VIEW_LENGTH = 500  # P3
EMPLOYEE_NAME_LENGTH = 100  # P8
CLIENT_NAME, CLIENT_FULL_NAME, CLIENT_INN, CLIENT_KPP, CLIENT_ADDIT = 50, 255, 12, 9, 255  # spec; C6
SERVICE_TYPE_NAME, SERVICE_TYPE_FULL_NAME = 100, 255  # S5
PASSWORD_MAX = 64  # A2
GENERATED_PASSWORD = re.compile(r"[abcdefghjkmnpqrstuvwxyz23456789]{12}")  # A3
AGENT_NUMBER_PREFIX = "271828"  # A1
FRANCHISEE = 1  # S4
CODE_CLIENT, CODE_PARTNER, CODE_USER = 1, 2, 3  # contact_type_code


def today() -> date:
    return datetime.now(MOSCOW).date()


# --- answers ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    code: str


class Refused(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Ref:
    """An object of the model named in an operation: sent as its real ID (upper-cased if `upper`, G6)."""

    id: str
    upper: bool = False


@dataclass(frozen=True)
class Generated:
    """A password the service generates (A3): any value of the documented form; the model learns it."""

    agent_id: str


def refuse(reason: str) -> Refused:
    return Refused(reason if "." in reason else f"Client.{reason}")


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cut(value: str | None, length: int) -> str | None:
    return None if value is None else value[:length]


# --- values (G5, I1, A2) ----------------------------------------------------------------------------------

_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}:\d{2}(\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))?")


def parse_date(value: str | None) -> date | None:
    """G5: YYYY-MM-DD or the spec's datetime forms; the date as written. Blank: not given."""
    if blank(value):
        return None
    match = _DATE.fullmatch(value.strip())
    if match is None or (match.group(5) and (int(match.group(5)) > 14 or int(match.group(6)) > 59)):
        raise refuse("InvalidParameter")
    try:
        if match.group(2):
            datetime.fromisoformat(match.group(1) + match.group(2)[:9])
        return date.fromisoformat(match.group(1))
    except ValueError:
        raise refuse("InvalidParameter") from None


def given_date(value: str | None) -> date | None:
    """Services group dates: blank and 0001-01-01 are "not given"."""
    parsed = parse_date(value)
    return None if parsed in (None, EMPTY_DATE) else parsed


def parse_flag(value: Any) -> bool | None:
    if isinstance(value, bool) or blank(value):
        return None if blank(value) else value
    if value.strip() in ("true", "1", "false", "0"):
        return value.strip() in ("true", "1")
    raise refuse("InvalidParameter")


def normalize_reg_number(text: str) -> str | None:
    """I1: whitespace removed, upper case; 500000..999999999999 (leading zeros dropped) or ВО/FR + digits."""
    compact = "".join(text.split()).upper()
    if re.fullmatch(r"[0-9]+", compact):
        number = int(compact)
        return str(number) if 500000 <= number <= 999999999999 else None
    match = re.fullmatch(r"([ВB][ОO]|FR)([0-9]{1,20})", compact)
    if match is None:
        return None
    return ("FR" if match.group(1) == "FR" else "ВО") + match.group(2)


def checked_password(value: str | None, agent_id: str) -> "str | Generated":
    """A3: blank generates one; A2: at most 64 printable characters."""
    if blank(value):
        return Generated(agent_id)
    if len(value) > PASSWORD_MAX or not value.isprintable():
        raise refuse("InvalidParameter")
    return value


def in_force(start: date, end: date, day: date) -> bool:
    return start <= day and (end == EMPTY_DATE or end >= day)


def ends_before(end: date, day: date) -> bool:
    return end != EMPTY_DATE and end < day


# --- state ------------------------------------------------------------------------------------------


@dataclass
class Employee:
    id: str
    owner: str  # partner_id or client_id
    name: str
    family: str | None
    father: str | None
    birthday: str | None = None
    deleted: bool = False


@dataclass
class Client:
    id: str
    new_id: str
    name: str
    full_name: str | None
    region: str
    inn: str | None
    kpp: str | None
    reg_num: str | None
    pay_method: int
    addit: str | None
    deleted: bool = False


@dataclass
class Agent:
    id: str
    number: str
    password: "str | Generated"
    owner: str  # partner_id (partner agents) or client_id (user agents)
    user: str
    active: bool = True


@dataclass
class Competence:
    id: str
    agent: str
    service_type: str
    priority: int
    stopped: bool = False


@dataclass
class ServiceType:
    id: str
    name: str
    full_name: str
    owner: str | None  # None: public
    deleted: bool = False


@dataclass
class Contract:
    id: str
    start: date
    end: date
    role: str


@dataclass
class Subscription:
    id: str
    client: str
    service_partner: str
    start: date
    end: date
    agent: str
    service_type: str
    stopped: bool = False


@dataclass
class Partner:
    id: str
    regions: set[str] = field(default_factory=set)
    roles: set[int] = field(default_factory=set)
    contacts: dict[tuple[str, str], str] = field(default_factory=dict)
    users: dict[str, Employee] = field(default_factory=dict)
    user_contacts: dict[tuple[str, str], str] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)
    client_contacts: dict[tuple[str, str], str] = field(default_factory=dict)
    client_users: dict[str, Employee] = field(default_factory=dict)
    client_user_contacts: dict[tuple[str, str], str] = field(default_factory=dict)
    partner_agents: dict[str, Agent] = field(default_factory=dict)
    user_agents: dict[str, Agent] = field(default_factory=dict)
    competences: dict[str, Competence] = field(default_factory=dict)
    own_types: dict[str, ServiceType] = field(default_factory=dict)
    imports: dict[str, str] = field(default_factory=dict)  # imported line → its owner (S3)
    vendors: set[str] = field(default_factory=set)  # partners whose lines it imports (S1, S13)
    contracts: dict[str, Contract] = field(default_factory=dict)
    permissions: dict[tuple[str, str], tuple[date, date]] = field(default_factory=dict)  # (contract, type) → period
    subscriptions: dict[str, Subscription] = field(default_factory=dict)


class IdMap:
    """The model's IDs ↔ the service's IDs (initial objects: the same string)."""

    def __init__(self) -> None:
        self.real: dict[str, str] = {}
        self.model: dict[str, str] = {}

    def bind(self, model_id: str, real_id: str) -> None:
        real_id = real_id.lower()
        if self.real.get(model_id, real_id) != real_id or self.model.get(real_id, model_id) != model_id:
            raise ValueError(f"{model_id} ↔ {real_id}: already bound otherwise")
        self.real[model_id], self.model[real_id] = real_id, model_id

    def to_real(self, value: Any) -> Any:
        if isinstance(value, Ref):
            real = self.real.get(value.id, value.id)
            return real.upper() if value.upper else real
        return value

    def to_model(self, value: Any) -> Any:
        return self.model.get(value.lower(), value) if isinstance(value, str) else value


# --- the model --------------------------------------------------------------------------------------


class SpecModel:
    def __init__(self, regions: set[str], contact_types: dict[str, int], public_types: dict[str, ServiceType], its: dict[str, tuple[date, date]], counter: int):
        self.regions = regions
        self.contact_types = contact_types
        self.public_types = public_types
        self.its = its  # normalized registration number → ITS contract period (I4)
        self.counter = counter  # the agent number counter (A1)
        self.partners: dict[str, Partner] = {}
        self.ids = IdMap()
        self.created: list[str] = []  # IDs the last operation created (bound from its answer)
        self._next = 0

    # --- helpers ----------------------------------------------------------------------------------

    def new_id(self) -> str:
        self._next += 1
        model_id = f"M{self._next}"
        self.created.append(model_id)
        return model_id

    def known(self, model_id: str) -> None:
        """An object that exists when the model is built keeps its real ID."""
        self.ids.bind(model_id, model_id)

    def learn(self, placeholder: Any, real: Any) -> bool:
        """Settles a `Generated` password from the service's answer; False if it is not of the form."""
        if not isinstance(placeholder, Generated):
            return placeholder == real
        if not isinstance(real, str) or not GENERATED_PASSWORD.fullmatch(real):
            return False
        for partner in self.partners.values():
            for agents in (partner.partner_agents, partner.user_agents):
                agent = agents.get(placeholder.agent_id)
                if agent is not None and agent.password == placeholder:
                    agent.password = real
        return True

    def apply(self, partner_id: str, operation: str, args: dict[str, Any]) -> Any:
        """The answer of `operation` called by `partner_id`: rows, True, or a Fault (then nothing changed)."""
        self.created = []
        partner = self.partners[partner_id]
        try:
            return getattr(self, f"_{operation.lower()}")(partner, **args)
        except Refused as refused:
            self.created = []  # refused before anything changed: its new IDs were never handed out
            return Fault(refused.code)

    def _ref(self, value: Any, found: dict[str, Any]) -> Any:
        """One `*_id` parameter: None when not given (nil or blank, G3), else the object or ReferenceNotFound (G4)."""
        if blank(value):
            return None
        if isinstance(value, Ref) and value.id in found:
            return found[value.id]
        raise refuse("ReferenceNotFound")

    def _resolve(self, *pairs: tuple[Any, dict[str, Any]]) -> list[Any]:
        """Every given parameter is resolved before anything else (G4); any unknown one is ReferenceNotFound."""
        return [self._ref(value, found) for value, found in pairs]

    def _required(self, *values: Any) -> None:
        for value in values:
            if blank(value):
                raise refuse("MissingParameter")

    def visible_types(self, partner: Partner) -> dict[str, ServiceType]:
        """S3: public types, the partner's own, and the vendors' lines it imports (their owners' objects)."""
        imported = {type_id: self.partners[owner].own_types[type_id] for type_id, owner in partner.imports.items()}
        return {**self.public_types, **partner.own_types, **imported}

    def _service_partners(self, partner: Partner) -> dict[str, str]:
        """S13: the current partner itself or a vendor whose line it imports."""
        return {partner_id: partner_id for partner_id in {partner.id, *partner.vendors}}

    def _check_contact_type(self, contact_type: str | None, codes: tuple[int, ...]) -> None:
        if contact_type is not None and self.contact_types[contact_type] not in codes:
            raise refuse("ContactTypeNotAllowed")

    def _next_number(self) -> str:
        self.counter += 1
        return f"{AGENT_NUMBER_PREFIX}{self.counter:06d}"

    # --- rows ------------------------------------------------------------------------------------

    @staticmethod
    def employee_row(prefix: str, owner_field: str, user: Employee) -> dict[str, Any]:
        return {
            f"{prefix}_id": user.id,
            owner_field: user.owner,
            f"{prefix}_name": user.name,
            f"{prefix}_family_name": user.family,
            f"{prefix}_father_name": user.father,
            f"{prefix}_del": user.deleted,
        }

    @staticmethod
    def client_row(client: Client) -> dict[str, Any]:
        return {
            "client_id": client.id,
            "region_id": client.region,
            "client_name": client.name,
            "client_full_name": client.full_name,
            "client_del": client.deleted,
            "client_inn": client.inn,
            "client_kpp": client.kpp,
            "client_reg_num": client.reg_num,
            "pay_method_id": client.pay_method,
            "addit_attribute": client.addit,
            "client_new_id": client.new_id,
        }

    @staticmethod
    def agent_row(prefix: str, agent: Agent) -> dict[str, Any]:
        owner, user = ("partner_id", "partner_user_id") if prefix == "agent_partner" else ("client_id", "client_user_id")
        return {
            f"{prefix}_id": agent.id,
            f"{prefix}_number": agent.number,
            "agent_type": 1 if prefix == "agent_partner" else 2,
            f"{prefix}_password": agent.password,
            owner: agent.owner,
            f"{prefix}_activity": agent.active,
            user: agent.user,
        }

    @staticmethod
    def competence_row(competence: Competence) -> dict[str, Any]:
        return {"competence_id": competence.id, "agent_partner_id": competence.agent, "service_type_id": competence.service_type, "prioritet": competence.priority}

    @staticmethod
    def service_type_row(service_type: ServiceType) -> dict[str, Any]:
        return {
            "service_type_id": service_type.id,
            "service_type_name": service_type.name,
            "service_type_full_name": service_type.full_name,
            "partner_id": service_type.owner,
            "service_type_del": service_type.deleted,
        }

    @staticmethod
    def subscription_row(partner: Partner, subscription: Subscription) -> dict[str, Any]:
        return {
            "service_id": subscription.id,
            "sale_partner_id": partner.id,
            "client_id": subscription.client,
            "service_partner_id": subscription.service_partner,
            "service_start_date": subscription.start,
            "service_end_date": subscription.end,
            "agent_user_id": subscription.agent,
            "service_type_id": subscription.service_type,
        }

    # --- partners group ---------------------------------------------------------------------------

    def _partner_contact_edit(self, partner: Partner, region_id: Any, contact_type_id: Any, contact_view: str | None) -> list:
        self._required(region_id, contact_type_id)
        if contact_view is None:
            raise refuse("MissingParameter")  # P3: the operand is mandatory
        region, contact_type = self._resolve((region_id, {r: r for r in self.regions}), (contact_type_id, {t: t for t in self.contact_types}))
        self._check_contact_type(contact_type, (CODE_PARTNER,))
        if region not in partner.regions:
            raise refuse("RegionNotAvailable")  # P2
        view = cut(contact_view, CONTACT_VIEW_LENGTH)
        if view:
            partner.contacts[(region, contact_type)] = view
        else:
            partner.contacts.pop((region, contact_type), None)  # P3: "" clears
        return [{"partner_id": partner.id, "region_id": region, "contact_type_id": contact_type, "contact_view": view}]

    def _add_employee(self, users: dict[str, Employee], owner: str, name: str | None, family: str | None, father: str | None) -> Employee:
        if blank(name):
            raise refuse("MissingParameter")  # P8
        # not given: None (nil); "" stays "" (docs/spec-notes.md, strict table form)
        user = Employee(self.new_id(), owner, cut(name, EMPLOYEE_NAME_LENGTH), cut(family, EMPLOYEE_NAME_LENGTH), cut(father, EMPLOYEE_NAME_LENGTH))
        users[user.id] = user
        return user

    def _partner_user_add(self, partner: Partner, partner_user_name: Any, partner_user_family_name: Any, partner_user_father_name: Any) -> list:
        user = self._add_employee(partner.users, partner.id, partner_user_name, partner_user_family_name, partner_user_father_name)
        return [self.employee_row("partner_user", "partner_id", user)]

    def _set_birthday(self, user: Employee, birthday: str | None) -> bool:
        if blank(birthday):
            raise refuse("MissingParameter")  # P4
        parsed = parse_date(birthday)
        user.birthday = None if parsed == EMPTY_DATE else parsed.isoformat()  # P4: 0001-01-01 clears
        return True

    def _partner_user_set_birthday(self, partner: Partner, partner_user_id: Any, birthday: Any, client_id: Any = None) -> bool:
        if blank(partner_user_id) and blank(client_id):
            raise refuse("MissingParameter")
        users = [user for user in self._resolve((partner_user_id, partner.users), (client_id, partner.users)) if user is not None]
        if len({user.id for user in users}) > 1:
            raise refuse("ReferenceNotFound")  # P4: both naming different employees
        return self._set_birthday(users[0], birthday)

    def _edit_employee(self, user: Employee, name: Any, family: Any, father: Any) -> Employee:
        """G2: nil leaves a field, "" clears it."""
        for attribute, value in (("name", name), ("family", family), ("father", father)):
            if value is not None:
                setattr(user, attribute, cut(value, EMPLOYEE_NAME_LENGTH))
        return user

    def _partner_user_edit(self, partner: Partner, partner_user_id: Any, partner_user_name: Any, partner_user_family_name: Any, partner_user_father_name: Any) -> list:
        self._required(partner_user_id)  # P10
        (user,) = self._resolve((partner_user_id, partner.users))
        self._edit_employee(user, partner_user_name, partner_user_family_name, partner_user_father_name)
        return [self.employee_row("partner_user", "partner_id", user)]

    def _partner_user_delete(self, partner: Partner, partner_user_id: Any) -> list:
        self._required(partner_user_id)
        (user,) = self._resolve((partner_user_id, partner.users))
        user.deleted = not user.deleted  # P6: a toggle
        return [self.employee_row("partner_user", "partner_id", user)]

    def _contact_edit(self, users: dict[str, Employee], contacts: dict, codes: tuple[int, ...], user_id: Any, contact_type_id: Any, contact_view: Any) -> tuple[Employee, str, str]:
        self._required(user_id, contact_type_id)
        if contact_view is None:
            raise refuse("MissingParameter")
        user, contact_type = self._resolve((user_id, users), (contact_type_id, {t: t for t in self.contact_types}))
        self._check_contact_type(contact_type, codes)
        view = cut(contact_view, CONTACT_VIEW_LENGTH)
        if view:
            contacts[(user.id, contact_type)] = view
        else:
            contacts.pop((user.id, contact_type), None)
        return user, contact_type, view

    def _partner_user_contact_edit(self, partner: Partner, partner_user_id: Any, contact_type_id: Any, contact_view: Any) -> list:
        # P5: codes 3 and 2
        user, contact_type, view = self._contact_edit(partner.users, partner.user_contacts, (CODE_USER, CODE_PARTNER), partner_user_id, contact_type_id, contact_view)
        return [{"partner_user_id": user.id, "contact_type_id": contact_type, "contact_view": view}]

    # --- clients group ----------------------------------------------------------------------------

    @staticmethod
    def _either_pay_method(pay_method_type_id: int | None, pay_method_id: int | None) -> int | None:
        """C2: either name; both with different values is InvalidParameter (before anything else)."""
        if pay_method_type_id is not None and pay_method_id is not None and pay_method_type_id != pay_method_id:
            raise refuse("InvalidParameter")
        return pay_method_type_id if pay_method_type_id is not None else pay_method_id

    @staticmethod
    def _pay_method(value: int | None) -> int | None:
        """C2: a code outside 0–4 (pay_method_type_read) is InvalidParameter."""
        if value is not None and value not in range(5):
            raise refuse("InvalidParameter")
        return value

    @staticmethod
    def _reg_number(value: str | None) -> str | None:
        """C4: None not given, "" (or blanks) cleared, else a valid number."""
        if value is None or not value.strip():
            return value if value is None else ""
        normalized = normalize_reg_number(value)
        if normalized is None:
            raise refuse("InvalidParameter")
        return normalized

    def _default_pay_method(self, reg_number: str | None) -> int:
        """C3/I4: 4 when the number has an ITS contract in force today, else 2."""
        period = self.its.get(reg_number or "")
        return 4 if period and period[0] <= today() <= period[1] else 2

    def _client_add_common(self, partner: Partner, client_name: Any, region_id: Any, client_inn: Any, client_kpp: Any, client_full_name: Any, client_reg_num: Any = None, pay_method: Any = None, addit_attribute: Any = None) -> list:
        if blank(client_name):
            raise refuse("MissingParameter")
        self._required(region_id)
        reg_number = self._reg_number(client_reg_num)
        pay_method = self._pay_method(pay_method)
        (region,) = self._resolve((region_id, {r: r for r in self.regions}))
        if region not in partner.regions:
            raise refuse("RegionNotAvailable")  # C5
        client_id = self.new_id()
        client = Client(
            id=client_id,
            new_id=self.new_id(),  # C8
            name=cut(client_name, CLIENT_NAME),
            # not given: None (nil); "" stays "" (docs/spec-notes.md, strict table form)
            full_name=cut(client_full_name, CLIENT_FULL_NAME),
            region=region,
            inn=cut(client_inn, CLIENT_INN),
            kpp=cut(client_kpp, CLIENT_KPP),
            reg_num=reg_number,
            pay_method=pay_method if pay_method is not None else self._default_pay_method(reg_number or None),
            addit=cut(addit_attribute, CLIENT_ADDIT),
        )
        partner.clients[client_id] = client
        return [self.client_row(client)]

    def _client_add(self, partner: Partner, client_name: Any, region_id: Any, client_inn: Any = None, client_kpp: Any = None, client_full_name: Any = None) -> list:
        return self._client_add_common(partner, client_name, region_id, client_inn, client_kpp, client_full_name)

    def _client_add_its(self, partner: Partner, client_name: Any, region_id: Any, client_inn: Any = None, client_kpp: Any = None, client_full_name: Any = None, client_reg_num: Any = None, pay_method_type_id: Any = None, pay_method_id: Any = None) -> list:
        method = self._either_pay_method(pay_method_type_id, pay_method_id)
        return self._client_add_common(partner, client_name, region_id, client_inn, client_kpp, client_full_name, client_reg_num, method)

    def _client_add_advanced(
        self, partner: Partner, client_name: Any, region_id: Any, client_inn: Any = None, client_kpp: Any = None, client_full_name: Any = None, client_reg_num: Any = None, pay_method_type_id: Any = None, addit_attribute: Any = None, pay_method_id: Any = None
    ) -> list:
        method = self._either_pay_method(pay_method_type_id, pay_method_id)
        return self._client_add_common(partner, client_name, region_id, client_inn, client_kpp, client_full_name, client_reg_num, method, addit_attribute)

    def _client_edit_common(self, partner: Partner, client_id: Any, client_name: Any, region_id: Any, client_inn: Any, client_kpp: Any, client_full_name: Any, client_reg_num: Any = None, pay_method: Any = None, addit_attribute: Any = None) -> list:
        self._required(client_id)
        if blank(client_name):
            raise refuse("MissingParameter")  # C1
        reg_number = self._reg_number(client_reg_num)
        pay_method = self._pay_method(pay_method)
        client, region = self._resolve((client_id, partner.clients), (region_id, {r: r for r in self.regions}))
        if region is not None and region not in partner.regions:
            raise refuse("RegionNotAvailable")  # C5
        client.name = cut(client_name, CLIENT_NAME)
        for attribute, value, length in (("inn", client_inn, CLIENT_INN), ("kpp", client_kpp, CLIENT_KPP), ("full_name", client_full_name, CLIENT_FULL_NAME), ("addit", addit_attribute, CLIENT_ADDIT)):
            if value is not None:  # G2
                setattr(client, attribute, cut(value, length))
        if reg_number is not None:
            client.reg_num = reg_number
        if pay_method is not None:
            client.pay_method = pay_method  # C3: edits never change it unless given
        if region is not None:
            client.region = region
        return [self.client_row(client)]

    def _client_edit(self, partner: Partner, client_id: Any, client_name: Any, region_id: Any = None, client_inn: Any = None, client_kpp: Any = None, client_full_name: Any = None) -> list:
        return self._client_edit_common(partner, client_id, client_name, region_id, client_inn, client_kpp, client_full_name)

    def _client_edit_its(
        self, partner: Partner, client_id: Any, client_name: Any, region_id: Any = None, client_inn: Any = None, client_kpp: Any = None, client_full_name: Any = None, client_reg_num: Any = None, pay_method_type_id: Any = None, pay_method_id: Any = None
    ) -> list:
        method = self._either_pay_method(pay_method_type_id, pay_method_id)
        return self._client_edit_common(partner, client_id, client_name, region_id, client_inn, client_kpp, client_full_name, client_reg_num, method)

    def _client_edit_advanced(
        self,
        partner: Partner,
        client_id: Any,
        client_name: Any,
        region_id: Any = None,
        client_inn: Any = None,
        client_kpp: Any = None,
        client_full_name: Any = None,
        client_reg_num: Any = None,
        pay_method_type_id: Any = None,
        addit_attribute: Any = None,
        pay_method_id: Any = None,
    ) -> list:
        method = self._either_pay_method(pay_method_type_id, pay_method_id)
        return self._client_edit_common(partner, client_id, client_name, region_id, client_inn, client_kpp, client_full_name, client_reg_num, method, addit_attribute)

    def _client_delete(self, partner: Partner, client_id: Any) -> list:
        """C7/A10/S16: a toggle; deleting marks its employees deleted, deactivates its agents and stops its
        subscriptions; restoring restores the client alone."""
        self._required(client_id)
        (client,) = self._resolve((client_id, partner.clients))
        client.deleted = not client.deleted
        if client.deleted:
            for user in partner.client_users.values():
                if user.owner == client.id:
                    user.deleted = True
            for agent in partner.user_agents.values():
                if agent.owner == client.id:
                    agent.active = False
            for subscription in partner.subscriptions.values():
                if subscription.client == client.id:
                    subscription.stopped = True
        return [self.client_row(client)]

    def _client_contact_edit(self, partner: Partner, client_id: Any, contact_type_id: Any, contact_view: Any) -> list:
        # C12: code 1
        client, contact_type, view = self._contact_edit(partner.clients, partner.client_contacts, (CODE_CLIENT,), client_id, contact_type_id, contact_view)
        return [{"client_id": client.id, "contact_type_id": contact_type, "contact_view": view}]

    def _client_user_add(self, partner: Partner, client_id: Any, client_user_name: Any, client_user_family_name: Any, client_user_father_name: Any) -> list:
        self._required(client_id)
        (client,) = self._resolve((client_id, partner.clients))
        if client.deleted:
            raise refuse("ClientDeleted")  # C7
        user = self._add_employee(partner.client_users, client.id, client_user_name, client_user_family_name, client_user_father_name)
        return [self.employee_row("client_user", "client_id", user)]

    def _client_user_edit(self, partner: Partner, client_user_id: Any, client_user_name: Any, client_user_family_name: Any, client_user_father_name: Any) -> list:
        self._required(client_user_id)
        (user,) = self._resolve((client_user_id, partner.client_users))
        self._edit_employee(user, client_user_name, client_user_family_name, client_user_father_name)
        return [self.employee_row("client_user", "client_id", user)]

    def _client_user_set_birthday(self, partner: Partner, client_user_id: Any, birthday: Any) -> bool:
        self._required(client_user_id)
        (user,) = self._resolve((client_user_id, partner.client_users))
        return self._set_birthday(user, birthday)

    def _client_user_delete(self, partner: Partner, client_user_id: Any) -> list:
        self._required(client_user_id)
        (user,) = self._resolve((client_user_id, partner.client_users))
        user.deleted = not user.deleted  # C10, P6
        return [self.employee_row("client_user", "client_id", user)]

    def _client_user_contact_edit(self, partner: Partner, client_user_id: Any, contact_type_id: Any, contact_view: Any) -> list:
        # C11: code 3 only
        user, contact_type, view = self._contact_edit(partner.client_users, partner.client_user_contacts, (CODE_USER,), client_user_id, contact_type_id, contact_view)
        return [{"client_user_id": user.id, "contact_type_id": contact_type, "contact_view": view}]

    # --- agents group -----------------------------------------------------------------------------

    def _agent_partner_add(self, partner: Partner, agent_partner_password: Any, partner_user_id: Any) -> list:
        self._required(partner_user_id)
        agent_id = self.new_id()
        password = checked_password(agent_partner_password, agent_id)
        (user,) = self._resolve((partner_user_id, partner.users))
        if user.deleted:
            raise refuse("UserDeleted")  # A5
        agent = Agent(agent_id, self._next_number(), password, partner.id, user.id)
        partner.partner_agents[agent_id] = agent
        return [self.agent_row("agent_partner", agent)]

    def _agent_user_add(self, partner: Partner, agent_user_password: Any, client_user_id: Any) -> list:
        self._required(client_user_id)
        agent_id = self.new_id()
        password = checked_password(agent_user_password, agent_id)
        (user,) = self._resolve((client_user_id, partner.client_users))
        if partner.clients[user.owner].deleted:
            raise refuse("ClientDeleted")  # A5
        if user.deleted:
            raise refuse("UserDeleted")
        agent = Agent(agent_id, self._next_number(), password, user.owner, user.id)
        partner.user_agents[agent_id] = agent
        return [self.agent_row("agent_user", agent)]

    def _agent_edit(self, prefix: str, agents: dict[str, Agent], users: dict[str, Employee], agent_id: Any, password: Any, activity: Any, user_id: Any) -> list:
        """A6: the activity is checked, then ignored; A3: nil leaves the password, blank generates one;
        A7: a user agent stays with its client."""
        self._required(agent_id)
        parse_flag(activity)
        new_password = None if password is None else checked_password(password, agent_id.id if isinstance(agent_id, Ref) else "")
        agent, user = self._resolve((agent_id, agents), (user_id, users))
        if user is not None and user.id != agent.user:
            if prefix == "agent_user" and user.owner != agent.owner:
                raise refuse("AgentTransferNotAllowed")
            if user.deleted:
                raise refuse("UserDeleted")
            agent.user = user.id
        if new_password is not None:
            agent.password = Generated(agent.id) if isinstance(new_password, Generated) else new_password
        return [self.agent_row(prefix, agent)]

    def _agent_partner_edit(self, partner: Partner, agent_partner_id: Any, agent_partner_password: Any = None, agent_partner_activity: Any = None, partner_user_id: Any = None) -> list:
        return self._agent_edit("agent_partner", partner.partner_agents, partner.users, agent_partner_id, agent_partner_password, agent_partner_activity, partner_user_id)

    def _agent_user_edit(self, partner: Partner, agent_user_id: Any, agent_user_password: Any = None, agent_user_activity: Any = None, client_user_id: Any = None) -> list:
        return self._agent_edit("agent_user", partner.user_agents, partner.client_users, agent_user_id, agent_user_password, agent_user_activity, client_user_id)

    def _agent_partner_delete(self, partner: Partner, agent_partner_id: Any) -> list:
        """A8: a toggle; deactivating answers nothing, restoring answers the agent and needs a live employee."""
        self._required(agent_partner_id)
        (agent,) = self._resolve((agent_partner_id, partner.partner_agents))
        if agent.active:
            agent.active = False
            return []
        if partner.users[agent.user].deleted:
            raise refuse("UserDeleted")
        agent.active = True
        return [self.agent_row("agent_partner", agent)]

    def _agent_user_delete(self, partner: Partner, agent_user_id: Any) -> list:
        """A8: restoring also needs a live client."""
        self._required(agent_user_id)
        (agent,) = self._resolve((agent_user_id, partner.user_agents))
        if agent.active:
            agent.active = False
            return []
        if partner.clients[agent.owner].deleted:
            raise refuse("ClientDeleted")
        if partner.client_users[agent.user].deleted:
            raise refuse("UserDeleted")
        agent.active = True
        return [self.agent_row("agent_user", agent)]

    def _competence_add(self, partner: Partner, agent_partner_id: Any, service_type_id: Any, prioritet: Any = None, agent_id: Any = None) -> list:
        """A11–A13: either name of the agent; a visible, live line; priority 1–10, default 3; one live
        competence per agent and line."""
        if blank(agent_partner_id) and blank(agent_id):
            raise refuse("MissingParameter")
        self._required(service_type_id)
        if prioritet is not None and prioritet not in range(1, 11):
            raise refuse("InvalidParameter")
        named, other, service_type = self._resolve((agent_partner_id, partner.partner_agents), (agent_id, partner.partner_agents), (service_type_id, self.visible_types(partner)))
        agents = {agent.id: agent for agent in (named, other) if agent is not None}
        if len(agents) > 1:
            raise refuse("InvalidParameter")
        (agent,) = agents.values()
        if service_type.deleted:
            raise refuse("ServiceTypeDeleted")  # A12 (S7: importers see a vendor's deletion too)
        if any(not item.stopped and item.agent == agent.id and item.service_type == service_type.id for item in partner.competences.values()):
            raise refuse("DuplicateCompetence")
        competence = Competence(self.new_id(), agent.id, service_type.id, 3 if prioritet is None else prioritet)
        partner.competences[competence.id] = competence
        return [self.competence_row(competence)]

    def _competence_stop(self, partner: Partner, competence_id: Any) -> list:
        self._required(competence_id)
        (competence,) = self._resolve((competence_id, partner.competences))
        if competence.stopped:
            raise refuse("CompetenceStopped")  # A14
        competence.stopped = True
        return []

    # --- services group ---------------------------------------------------------------------------

    def _service_type_add(self, partner: Partner, service_type_name: Any, service_type_full_name: Any = None) -> list:
        if blank(service_type_name):
            raise refuse("MissingParameter")  # S5
        if FRANCHISEE not in partner.roles:
            raise refuse("NotFranchisee")  # S4
        full_name = service_type_name if blank(service_type_full_name) else service_type_full_name
        service_type = ServiceType(self.new_id(), cut(service_type_name, SERVICE_TYPE_NAME), cut(full_name, SERVICE_TYPE_FULL_NAME), partner.id)
        partner.own_types[service_type.id] = service_type
        return [self.service_type_row(service_type)]

    def _own_type(self, partner: Partner, service_type_id: Any) -> ServiceType:
        (service_type,) = self._resolve((service_type_id, self.visible_types(partner)))
        if service_type.id not in partner.own_types:
            raise refuse("ServiceTypeNotOwn")  # S6
        return service_type

    def _service_type_edit(self, partner: Partner, service_type_id: Any, service_type_name: Any, service_type_full_name: Any = None) -> list:
        self._required(service_type_id)
        if blank(service_type_name):
            raise refuse("MissingParameter")
        service_type = self._own_type(partner, service_type_id)
        service_type.name = cut(service_type_name, SERVICE_TYPE_NAME)
        if service_type_full_name is not None:
            service_type.full_name = cut(service_type_full_name, SERVICE_TYPE_FULL_NAME)
        return [self.service_type_row(service_type)]

    def _service_type_delete(self, partner: Partner, service_type_id: Any) -> list:
        self._required(service_type_id)
        service_type = self._own_type(partner, service_type_id)
        service_type.deleted = True  # S7: a mark, not a toggle
        return [self.service_type_row(service_type)]

    def _permissions_of(self, partner: Partner, type_id: str) -> list[dict[str, Any]]:
        rows = [
            {"contract_id": contract, "service_type_id": service_type, "contract_service_start_date": start, "contract_service_end_date": end}
            for (contract, service_type), (start, end) in partner.permissions.items()
            if service_type == type_id
        ]
        return sorted(rows, key=lambda row: (row["contract_service_start_date"], row["contract_id"]))

    def _contract_service_add(self, partner: Partner, service_type_id: Any, contract_service_start_date: Any = None) -> list:
        """S10: the type goes into every contract in force on the start day or later that lacks it; the
        answer is every permission the partner has for the type."""
        self._required(service_type_id)
        start = given_date(contract_service_start_date) or today()
        (service_type,) = self._resolve((service_type_id, self.visible_types(partner)))
        if service_type.deleted:
            raise refuse("ServiceTypeDeleted")
        contracts = [contract for contract in partner.contracts.values() if not ends_before(contract.end, start)]
        if not contracts:
            raise refuse("NoContractInForce")
        for contract in contracts:
            partner.permissions.setdefault((contract.id, service_type.id), (max(start, contract.start), contract.end))
        return self._permissions_of(partner, service_type.id)

    def _contract_service_delete(self, partner: Partner, service_type_id: Any) -> list:
        """S11: out of every contract; a type no contract permits is ServiceTypeNotInContract."""
        self._required(service_type_id)
        (service_type,) = self._resolve((service_type_id, self.visible_types(partner)))
        keys = [key for key in partner.permissions if key[1] == service_type.id]
        if not keys:
            raise refuse("ServiceTypeNotInContract")
        for key in keys:
            del partner.permissions[key]
        return []

    def _vendor_of(self, partner: Partner, type_id: str) -> str | None:
        return partner.imports.get(type_id)

    def _permitted_on(self, partner: Partner, type_id: str, day: date) -> bool:
        return any(service_type == type_id and in_force(start, end, day) for (_, service_type), (start, end) in partner.permissions.items())

    def _service_add(self, partner: Partner, client_id: Any, service_partner_id: Any, service_start_date: Any = None, service_end_date: Any = None, agent_user_id: Any = None, service_type_id: Any = None) -> list:
        """S13/S14."""
        self._required(client_id, service_partner_id, agent_user_id, service_type_id)
        start = given_date(service_start_date) or today()
        end = given_date(service_end_date) or EMPTY_DATE
        if end != EMPTY_DATE and end < start:
            raise refuse("InvalidParameter")
        if ends_before(end, today()):
            raise refuse("InvalidParameter")  # S14: never active
        client, service_partner, agent, service_type = self._resolve(
            (client_id, partner.clients), (service_partner_id, self._service_partners(partner)), (agent_user_id, partner.user_agents), (service_type_id, self.visible_types(partner))
        )
        if client.deleted:
            raise refuse("ClientDeleted")
        if agent.owner != client.id:
            raise refuse("AgentNotOfClient")
        if service_type.deleted:
            raise refuse("ServiceTypeDeleted")
        if service_partner not in (partner.id, self._vendor_of(partner, service_type.id)):
            raise refuse("ServicePartnerNotAllowed")
        if not self._permitted_on(partner, service_type.id, start):
            raise refuse("ServiceTypeNotInContract")
        subscription = Subscription(self.new_id(), client.id, service_partner, start, end, agent.id, service_type.id)
        partner.subscriptions[subscription.id] = subscription
        return [self.subscription_row(partner, subscription)]

    def _service_stop(self, partner: Partner, service_id: Any) -> list:
        self._required(service_id)
        (subscription,) = self._resolve((service_id, partner.subscriptions))
        subscription.stopped = True  # S16: stopping again is a success too
        return []

    def _service_edit(self, partner: Partner, service_id: Any, service_partner_id: Any = None, service_start_date: Any = None, service_end_date: Any = None) -> list:
        """S15: nil/blank leave a value; an end of 0001-01-01 makes it open-ended; a refused edit changes nothing."""
        self._required(service_id)
        new_start = given_date(service_start_date)
        new_end = parse_date(service_end_date)
        subscription, service_partner = self._resolve((service_id, partner.subscriptions), (service_partner_id, self._service_partners(partner)))
        if subscription.stopped:
            raise refuse("ServiceStopped")
        changed = replace(subscription)
        if service_partner is not None and service_partner != subscription.service_partner:
            if service_partner not in (partner.id, self._vendor_of(partner, subscription.service_type)):
                raise refuse("ServicePartnerNotAllowed")
            changed.service_partner = service_partner
        if new_start is not None:
            changed.start = new_start
        if new_end is not None:
            changed.end = new_end
        if changed.end != EMPTY_DATE and changed.end < changed.start:
            raise refuse("InvalidParameter")
        if changed.start != subscription.start and not self._permitted_on(partner, subscription.service_type, changed.start):
            raise refuse("ServiceTypeNotInContract")
        partner.subscriptions[subscription.id] = changed
        return [self.subscription_row(partner, changed)]

    # --- the observable state ---------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """What `support.workload.observe` reads from the service, in the model's IDs."""
        day = today()
        partners = {}
        for partner in self.partners.values():
            partners[partner.id] = {
                "partner_contacts": dict(partner.contacts),
                "partner_users": {user.id: (user.name, user.family, user.father, user.birthday, user.deleted) for user in partner.users.values()},
                "partner_user_contacts": dict(partner.user_contacts),
                "clients": {
                    client.id: (client.new_id, client.name, client.full_name, client.region, client.deleted, client.inn, client.kpp, client.reg_num, client.pay_method, client.addit)
                    for client in partner.clients.values()
                },
                "client_contacts": dict(partner.client_contacts),
                "client_users": {user.id: (user.owner, user.name, user.family, user.father, user.birthday, user.deleted) for user in partner.client_users.values()},
                "client_user_contacts": dict(partner.client_user_contacts),
                "partner_agents": {agent.id: (agent.number, agent.password, agent.user, agent.active) for agent in partner.partner_agents.values()},
                "user_agents": {agent.id: (agent.number, agent.password, agent.owner, agent.user, agent.active) for agent in partner.user_agents.values()},
                "competences": {item.id: (item.agent, item.service_type, item.priority) for item in partner.competences.values() if not item.stopped},
                "competences_stopped": {item.id: item.stopped for item in partner.competences.values()},
                "service_types": {item.id: (item.name, item.full_name, item.owner, item.deleted) for item in self.visible_types(partner).values()},
                "permissions": {key: (start.isoformat(), end.isoformat()) for key, (start, end) in partner.permissions.items()},
                "subscriptions": {
                    item.id: (item.client, item.service_partner, item.start.isoformat(), item.end.isoformat(), item.agent, item.service_type)
                    for item in partner.subscriptions.values()
                    if not item.stopped and not ends_before(item.end, day)  # S12: active ones
                },
                "subscriptions_stopped": {item.id: item.stopped for item in partner.subscriptions.values()},
            }
        return {"agent_counter": self.counter, "partners": partners}
