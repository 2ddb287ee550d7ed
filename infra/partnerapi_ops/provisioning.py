"""What the operator provisions: regions, contact types, roles, partners with logins, their regions,
roles, contracts, contacts and employees. Used by the CLI commands and by fixture files."""

import json
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from partnerapi.auth import hash_password
from partnerapi.data import credentials, keys, table
from partnerapi.data.clients import client as aws_client
from pydantic import BaseModel, Field, field_validator

from partnerapi_ops.agents_provisioning import PartnerAgent, UserAgent, load_agents
from partnerapi_ops.services_provisioning import ContractService, Export, ServiceType, Subscription, load_services


def _new_id() -> str:
    return str(uuid.uuid4())


class Region(BaseModel):
    region_id: str = Field(default_factory=_new_id)
    region_name: str = Field(min_length=1, max_length=100)
    region_time_zone: int = Field(ge=-12, le=14)


class ContactType(BaseModel):
    contact_type_id: str = Field(default_factory=_new_id)
    contact_type_name: str = Field(min_length=1, max_length=100)
    contact_type_code: int = Field(ge=1, le=3)


class Role(BaseModel):
    role_id: int = Field(ge=0, lt=1_000_000)
    role_name: str = Field(min_length=1, max_length=100)


class Contact(BaseModel):
    region_id: str | None = None
    contact_type_id: str
    contact_view: str = Field(max_length=500)


class Contract(BaseModel):
    contract_id: str = Field(default_factory=_new_id)
    contract_start_date: date
    contract_end_date: date = date(1, 1, 1)  # open-ended, as the spec shows it
    role_id: int
    services: list[ContractService] = []


class PartnerUser(BaseModel):
    partner_user_id: str = Field(default_factory=_new_id)
    partner_user_name: str = Field(min_length=1, max_length=100)
    partner_user_family_name: str | None = None  # not given: not stored, read as nil (spec-notes G10)
    partner_user_father_name: str | None = None
    partner_user_birthday: date | None = None
    partner_user_del: bool = False
    contacts: list[Contact] = []
    agents: list[PartnerAgent] = []


class ClientUser(BaseModel):
    client_user_id: str = Field(default_factory=_new_id)
    client_user_name: str = Field(min_length=1, max_length=100)
    client_user_family_name: str | None = None
    client_user_father_name: str | None = None
    client_user_birthday: date | None = None
    client_user_del: bool = False
    contacts: list[Contact] = []
    agents: list[UserAgent] = []


class Client(BaseModel):
    client_id: str = Field(default_factory=_new_id)
    client_new_id: str = Field(default_factory=_new_id)
    client_name: str = Field(min_length=1, max_length=50)
    client_full_name: str | None = Field(default=None, max_length=255)
    region_id: str
    client_del: bool = False
    client_inn: str | None = Field(default=None, max_length=12)
    client_kpp: str | None = Field(default=None, max_length=9)
    client_reg_num: str | None = None
    pay_method_id: int = Field(default=2, ge=0, le=4)
    addit_attribute: str | None = None
    contacts: list[Contact] = []
    users: list[ClientUser] = []
    services: list[Subscription] = []


def _valid_login(login: str) -> str:
    problem = credentials.login_problem(login)
    if problem:
        raise ValueError(problem)
    return login


def _valid_password(password: str) -> str:
    problem = credentials.password_problem(password)
    if problem:
        raise ValueError(problem)
    return password


class Partner(BaseModel):
    partner_id: str = Field(default_factory=_new_id)
    partner_name: str = Field(min_length=1, max_length=150)
    login: str
    password: str
    regions: list[str] = []
    roles: list[int] = []
    contracts: list[Contract] = []
    contacts: list[Contact] = []
    users: list[PartnerUser] = []
    clients: list[Client] = []
    service_types: list[ServiceType] = []  # the partner's private types
    exports: list[Export] = []

    _login = field_validator("login")(_valid_login)
    _password = field_validator("password")(_valid_password)


class Fixture(BaseModel):
    """A whole environment; see docs/fixtures.md."""

    regions: list[Region] = []
    contact_types: list[ContactType] = []
    roles: list[Role] = []
    service_types: list[ServiceType] = []  # public types
    partners: list[Partner] = []

    @field_validator("partners")
    @classmethod
    def logins_are_unique(cls, partners: list[Partner]) -> list[Partner]:
        logins = [partner.login for partner in partners]
        if len(logins) != len(set(logins)):
            raise ValueError("partner logins must be unique")
        return partners


def _canonical(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError):
        raise ValueError(f"{value!r} is not a UUID") from None


def _require(pk: str, sk: str, what: str) -> dict[str, Any]:
    item = table.get(pk, sk)
    if item is None:
        raise ValueError(f"{what} does not exist")
    return item


def require_partner(partner_id: str) -> str:
    """The canonical ID of an existing partner; ValueError naming it otherwise."""
    partner_id = _canonical(partner_id)
    _require(keys.partner_pk(partner_id), keys.PROFILE_SK, f"partner {partner_id}")
    return partner_id


def add_region(region: Region) -> Region:
    region.region_id = _canonical(region.region_id)
    table.put({"PK": keys.REGION_PK, "SK": region.region_id, "kind": "region", **region.model_dump()})
    return region


def add_contact_type(contact_type: ContactType) -> ContactType:
    contact_type.contact_type_id = _canonical(contact_type.contact_type_id)
    table.put({"PK": keys.CONTACT_TYPE_PK, "SK": contact_type.contact_type_id, "kind": "contact_type", **contact_type.model_dump()})
    return contact_type


def add_role(role: Role) -> Role:
    table.put({"PK": keys.ROLE_PK, "SK": keys.role_sk(role.role_id), "kind": "role", **role.model_dump()})
    return role


def _profile(partner_id: str, partner_name: str) -> dict[str, Any]:
    return {"PK": keys.partner_pk(partner_id), "SK": keys.PROFILE_SK, "kind": "partner", "partner_id": partner_id, "partner_name": partner_name}


def _new_login(login: str, password: str) -> tuple[str, str]:
    """The login and the hash of its password, both checked against the rules (ValueError otherwise)."""
    return _valid_login(login), hash_password(_valid_password(password))


def add_partner(partner_id: str, partner_name: str, login: str, password: str) -> str:
    """A new partner with its first login, in one transaction: refused if the partner or the login
    exists (the login's owner is never changed)."""
    partner_id = _canonical(partner_id)
    login, password_hash = _new_login(login, password)
    profile = table.put_action(_profile(partner_id, partner_name))
    profile["Put"]["ConditionExpression"] = "attribute_not_exists(PK)"
    try:
        table.transact([profile, credentials.new_login_action(login, partner_id, password_hash)])
    except table.ConditionFailed as failure:
        if failure.reasons[:1] == ["ConditionalCheckFailed"]:
            raise ValueError(f"partner {partner_id} already exists; `partner add-login` gives it another login") from None
        raise credentials.explain_refusal(login) from None
    return partner_id


def add_login(partner_id: str, login: str, password: str) -> dict[str, Any]:
    """Another login of an existing partner, or a deleted login of this partner given back with a new
    password; a login of any other partner, or an existing one, is refused."""
    partner_id = _canonical(partner_id)
    login, password_hash = _new_login(login, password)
    try:
        table.transact([table.condition_check(keys.partner_pk(partner_id), keys.PROFILE_SK), credentials.new_login_action(login, partner_id, password_hash, revive_deleted=True)])
    except table.ConditionFailed as failure:
        if failure.reasons[:1] == ["ConditionalCheckFailed"]:
            raise ValueError(f"partner {partner_id} does not exist") from None
        raise credentials.explain_refusal(login, partner_id) from None
    return {"login": login, "partner_id": partner_id, "state": credentials.ACTIVE}


def set_password(login: str, password: str, partner_id: str | None = None) -> dict[str, Any]:
    """A new password for an existing login (which must be `partner_id`'s, if given); never changes its owner."""
    _valid_password(password)
    return credentials.set_password(login, hash_password(password), _canonical(partner_id) if partner_id is not None else None)


def set_login_state(login: str, state: str) -> dict[str, Any]:
    return credentials.set_state(login, state)


def logins(partner_id: str | None = None) -> list[dict[str, Any]]:
    """Every login, or an existing partner's (by login), with its state; never a hash."""
    return credentials.logins_of(require_partner(partner_id)) if partner_id is not None else credentials.all_logins()


def _fixture_partner(partner: "Partner") -> str:
    """A fixture's partner: written again as the file says (idempotent); its login created or, if it is
    already this partner's, given the file's password; another partner's login is refused."""
    partner_id = _canonical(partner.partner_id)
    table.put(_profile(partner_id, partner.partner_name))
    credentials.put_credential(partner.login, partner_id, hash_password(partner.password))
    return partner_id


def grant_region(partner_id: str, region_id: str) -> None:
    partner_id, region_id = require_partner(partner_id), _canonical(region_id)
    _require(keys.REGION_PK, region_id, f"region {region_id}")
    table.put({"PK": keys.partner_pk(partner_id), "SK": keys.partner_region_sk(region_id), "kind": "partner_region", "partner_id": partner_id, "region_id": region_id})


def grant_role(partner_id: str, role_id: int) -> None:
    partner_id = require_partner(partner_id)
    _require(keys.ROLE_PK, keys.role_sk(role_id), f"role {role_id}")
    table.put({"PK": keys.partner_pk(partner_id), "SK": keys.partner_role_sk(role_id), "kind": "partner_role", "partner_id": partner_id, "role_id": role_id})


def add_contract(partner_id: str, contract: Contract) -> Contract:
    partner_id = require_partner(partner_id)
    _require(keys.ROLE_PK, keys.role_sk(contract.role_id), f"role {contract.role_id}")
    contract.contract_id = _canonical(contract.contract_id)
    table.put(
        {
            "PK": keys.partner_pk(partner_id),
            "SK": keys.contract_sk(contract.contract_id),
            "kind": "contract",
            "partner_id": partner_id,
            "contract_id": contract.contract_id,
            "contract_start_date": contract.contract_start_date.isoformat(),
            "contract_end_date": contract.contract_end_date.isoformat(),
            "role_id": contract.role_id,
        }
    )
    return contract


def list_partners() -> list[dict[str, Any]]:
    """Every partner with its logins, by name (paginated Scans: an operator command, never a request)."""
    paginator = aws_client("dynamodb").get_paginator("scan")
    pages = paginator.paginate(
        TableName=table.table_name(),
        FilterExpression="SK = :profile AND kind = :partner",
        ExpressionAttributeValues={":profile": {"S": keys.PROFILE_SK}, ":partner": {"S": "partner"}},
    )
    partners = [table.from_item(item) for page in pages for item in page.get("Items", [])]
    logins_by_partner: dict[str, list[dict[str, Any]]] = {}
    for record in credentials.all_logins():
        logins_by_partner.setdefault(record["partner_id"], []).append({"login": record["login"], "state": record["state"]})
    return [
        {"partner_id": partner["partner_id"], "partner_name": partner["partner_name"], "logins": logins_by_partner.get(partner["partner_id"], [])}
        for partner in sorted(partners, key=lambda partner: (partner["partner_name"], partner["partner_id"]))
    ]


def show_partner(partner_id: str) -> dict[str, Any]:
    """A partner as the operator checks it: name, logins with their state, regions, roles, contracts."""
    partner_id = _canonical(partner_id)
    profile = _require(keys.partner_pk(partner_id), keys.PROFILE_SK, f"partner {partner_id}")
    pk = keys.partner_pk(partner_id)
    region_ids = [item["region_id"] for item in table.query_all(pk, keys.REGION_PREFIX) if item.get("kind") == "partner_region"]
    role_ids = [item["role_id"] for item in table.query_all(pk, keys.ROLE_PREFIX) if item.get("kind") == "partner_role"]
    contracts = [item for item in table.query_all(pk, keys.CONTRACT_PREFIX) if item.get("kind") == "contract"]
    names = table.get_many([(keys.REGION_PK, region_id) for region_id in region_ids] + [(keys.ROLE_PK, keys.role_sk(role_id)) for role_id in role_ids])
    return {
        "partner_id": partner_id,
        "partner_name": profile["partner_name"],
        "logins": [{"login": record["login"], "state": record["state"]} for record in credentials.logins_of(partner_id)],
        "regions": [{"region_id": region_id, "region_name": names.get((keys.REGION_PK, region_id), {}).get("region_name")} for region_id in region_ids],
        "roles": [{"role_id": role_id, "role_name": names.get((keys.ROLE_PK, keys.role_sk(role_id)), {}).get("role_name")} for role_id in role_ids],
        "contracts": [
            {name: contract[name] for name in ("contract_id", "role_id", "contract_start_date", "contract_end_date")}
            for contract in sorted(contracts, key=lambda contract: (contract["contract_start_date"], contract["contract_id"]))
        ],
    }


def add_partner_contact(partner_id: str, contact: Contact) -> None:
    partner_id = _canonical(partner_id)
    if contact.region_id is None:
        raise ValueError("a partner contact needs region_id")
    region_id, contact_type_id = _canonical(contact.region_id), _canonical(contact.contact_type_id)
    table.put(
        {
            "PK": keys.partner_pk(partner_id),
            "SK": keys.partner_contact_sk(region_id, contact_type_id),
            "kind": "partner_contact",
            "partner_id": partner_id,
            "region_id": region_id,
            "contact_type_id": contact_type_id,
            "contact_view": contact.contact_view,
        }
    )


def add_partner_user(partner_id: str, user: PartnerUser) -> PartnerUser:
    partner_id = _canonical(partner_id)
    user.partner_user_id = _canonical(user.partner_user_id)
    item = {
        "PK": keys.partner_pk(partner_id),
        "SK": keys.partner_user_sk(user.partner_user_id),
        "kind": "partner_user",
        "partner_id": partner_id,
        **user.model_dump(exclude={"contacts", "partner_user_birthday", "agents"}, exclude_none=True),
    }
    if user.partner_user_birthday:
        item["partner_user_birthday"] = user.partner_user_birthday.isoformat()
    table.put(item)
    for contact in user.contacts:
        contact_type_id = _canonical(contact.contact_type_id)
        table.put(
            {
                "PK": keys.partner_pk(partner_id),
                "SK": keys.partner_user_contact_sk(user.partner_user_id, contact_type_id),
                "kind": "partner_user_contact",
                "partner_user_id": user.partner_user_id,
                "contact_type_id": contact_type_id,
                "contact_view": contact.contact_view,
            }
        )
    return user


def add_client(partner_id: str, client: Client) -> Client:
    """A client with its contacts and employees, stored exactly as the clients group stores them."""
    partner_id = _canonical(partner_id)
    client.client_id, client.region_id = _canonical(client.client_id), _canonical(client.region_id)
    pk = keys.partner_pk(partner_id)
    table.put({"PK": pk, "SK": keys.client_sk(client.client_id), "kind": "client", "partner_id": partner_id, **client.model_dump(exclude={"contacts", "users", "services"}, exclude_none=True)})
    for contact in client.contacts:
        contact_type_id = _canonical(contact.contact_type_id)
        table.put(
            {
                "PK": pk,
                "SK": keys.client_contact_sk(client.client_id, contact_type_id),
                "kind": "client_contact",
                "client_id": client.client_id,
                "contact_type_id": contact_type_id,
                "contact_view": contact.contact_view,
            }
        )
    for user in client.users:
        user.client_user_id = _canonical(user.client_user_id)
        item = {
            "PK": pk,
            "SK": keys.client_user_sk(user.client_user_id),
            "GSI1PK": keys.by_client_pk(partner_id, client.client_id),
            "GSI1SK": keys.client_user_sk(user.client_user_id),
            "kind": "client_user",
            "client_id": client.client_id,
            **user.model_dump(exclude={"contacts", "client_user_birthday", "agents"}, exclude_none=True),
        }
        if user.client_user_birthday:
            item["client_user_birthday"] = user.client_user_birthday.isoformat()
        table.put(item)
        for contact in user.contacts:
            contact_type_id = _canonical(contact.contact_type_id)
            table.put(
                {
                    "PK": pk,
                    "SK": keys.client_user_contact_sk(user.client_user_id, contact_type_id),
                    "kind": "client_user_contact",
                    "client_user_id": user.client_user_id,
                    "contact_type_id": contact_type_id,
                    "contact_view": contact.contact_view,
                }
            )
    return client


def load_fixture(path: Path) -> dict[str, int]:
    """Loads a fixture file; idempotent (same IDs overwrite). Returns how many of each were loaded."""
    fixture = Fixture.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))
    for partner in fixture.partners:  # before anything is written: a fixture never takes another partner's login
        existing = credentials.get_login(partner.login)
        if existing is None:
            continue
        if "partner_id" not in partner.model_fields_set:
            partner.partner_id = existing["partner_id"]  # no ID given: the login names the partner, so a reload is idempotent
        elif _canonical(partner.partner_id) != existing["partner_id"]:
            raise credentials.LoginRefused(f"login {partner.login!r} belongs to partner {existing['partner_id']}, not to {_canonical(partner.partner_id)}")
    for region in fixture.regions:
        add_region(region)
    for contact_type in fixture.contact_types:
        add_contact_type(contact_type)
    for role in fixture.roles:
        add_role(role)
    for partner in fixture.partners:
        partner_id = _fixture_partner(partner)
        for region_id in partner.regions:
            grant_region(partner_id, region_id)
        for role_id in partner.roles:
            grant_role(partner_id, role_id)
        for contract in partner.contracts:
            add_contract(partner_id, contract)
        for contact in partner.contacts:
            add_partner_contact(partner_id, contact)
        for user in partner.users:
            add_partner_user(partner_id, user)
        for client in partner.clients:
            add_client(partner_id, client)
    agent_counts = load_agents(fixture.partners)
    services = load_services(fixture.service_types, fixture.partners)
    return {
        "regions": len(fixture.regions),
        "contact_types": len(fixture.contact_types),
        "roles": len(fixture.roles),
        "partners": len(fixture.partners),
        "partner_users": sum(len(partner.users) for partner in fixture.partners),
        "clients": sum(len(partner.clients) for partner in fixture.partners),
        "client_users": sum(len(client.users) for partner in fixture.partners for client in partner.clients),
        **agent_counts,
        **services,
    }
