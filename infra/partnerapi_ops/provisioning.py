"""What the operator provisions: regions, contact types, roles, partners with logins, their regions,
roles, contracts, contacts and employees. Used by the CLI commands and by fixture files."""

import json
import uuid
from datetime import date
from pathlib import Path

from partnerapi.auth import hash_password
from partnerapi.data import keys, table
from partnerapi.data.credentials import put_credential
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
    partner_user_family_name: str = ""
    partner_user_father_name: str = ""
    partner_user_birthday: date | None = None
    partner_user_del: bool = False
    contacts: list[Contact] = []
    agents: list[PartnerAgent] = []


class ClientUser(BaseModel):
    client_user_id: str = Field(default_factory=_new_id)
    client_user_name: str = Field(min_length=1, max_length=100)
    client_user_family_name: str = ""
    client_user_father_name: str = ""
    client_user_birthday: date | None = None
    client_user_del: bool = False
    contacts: list[Contact] = []
    agents: list[UserAgent] = []


class Client(BaseModel):
    client_id: str = Field(default_factory=_new_id)
    client_new_id: str = Field(default_factory=_new_id)
    client_name: str = Field(min_length=1, max_length=50)
    client_full_name: str = Field(default="", max_length=255)
    region_id: str
    client_del: bool = False
    client_inn: str = Field(default="", max_length=12)
    client_kpp: str = Field(default="", max_length=9)
    client_reg_num: str = ""
    pay_method_id: int = Field(default=2, ge=0, le=4)
    addit_attribute: str = ""
    contacts: list[Contact] = []
    users: list[ClientUser] = []
    services: list[Subscription] = []


class Partner(BaseModel):
    partner_id: str = Field(default_factory=_new_id)
    partner_name: str = Field(min_length=1, max_length=150)
    login: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1)
    regions: list[str] = []
    roles: list[int] = []
    contracts: list[Contract] = []
    contacts: list[Contact] = []
    users: list[PartnerUser] = []
    clients: list[Client] = []
    service_types: list[ServiceType] = []  # the partner's private types
    exports: list[Export] = []


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
    return str(uuid.UUID(value))


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


def set_password(login: str, partner_id: str, password: str) -> None:
    put_credential(login, _canonical(partner_id), hash_password(password))


def add_partner(partner_id: str, partner_name: str, login: str, password: str) -> str:
    partner_id = _canonical(partner_id)
    table.put({"PK": keys.partner_pk(partner_id), "SK": keys.PROFILE_SK, "kind": "partner", "partner_id": partner_id, "partner_name": partner_name})
    set_password(login, partner_id, password)
    return partner_id


def _require(pk: str, sk: str, what: str) -> None:
    if table.get(pk, sk) is None:
        raise ValueError(f"{what} does not exist")


def grant_region(partner_id: str, region_id: str) -> None:
    partner_id, region_id = _canonical(partner_id), _canonical(region_id)
    _require(keys.REGION_PK, region_id, f"region {region_id}")
    table.put({"PK": keys.partner_pk(partner_id), "SK": keys.partner_region_sk(region_id), "kind": "partner_region", "partner_id": partner_id, "region_id": region_id})


def grant_role(partner_id: str, role_id: int) -> None:
    partner_id = _canonical(partner_id)
    _require(keys.ROLE_PK, keys.role_sk(role_id), f"role {role_id}")
    table.put({"PK": keys.partner_pk(partner_id), "SK": keys.partner_role_sk(role_id), "kind": "partner_role", "partner_id": partner_id, "role_id": role_id})


def add_contract(partner_id: str, contract: Contract) -> Contract:
    partner_id = _canonical(partner_id)
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
        **user.model_dump(exclude={"contacts", "partner_user_birthday", "agents"}),
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
    table.put({"PK": pk, "SK": keys.client_sk(client.client_id), "kind": "client", "partner_id": partner_id, **client.model_dump(exclude={"contacts", "users", "services"})})
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
            **user.model_dump(exclude={"contacts", "client_user_birthday", "agents"}),
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
    for region in fixture.regions:
        add_region(region)
    for contact_type in fixture.contact_types:
        add_contact_type(contact_type)
    for role in fixture.roles:
        add_role(role)
    for partner in fixture.partners:
        partner_id = add_partner(partner.partner_id, partner.partner_name, partner.login, partner.password)
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
