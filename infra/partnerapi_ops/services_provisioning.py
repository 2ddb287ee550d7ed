"""What the operator provisions for the services group: public and private service types, vendor exports
(a partner's line made visible to another partner), contract services and subscriptions. The items are
built by the same functions the API uses, so fixtures and the API cannot drift apart."""

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

from partnerapi.data import keys, table
from partnerapi.logic import contracts, service_types, subscriptions
from partnerapi.logic.values import EMPTY_DATE
from pydantic import BaseModel, Field


def _new_id() -> str:
    return str(uuid.uuid4())


def _canonical(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError):
        raise ValueError(f"{value!r} is not a UUID") from None


class ServiceType(BaseModel):
    service_type_id: str = Field(default_factory=_new_id)
    service_type_name: str = Field(min_length=1, max_length=service_types.NAME_LENGTH)
    service_type_full_name: str = Field(default="", max_length=service_types.FULL_NAME_LENGTH)
    service_type_del: bool = False


class Export(BaseModel):
    """One of the partner's own service types exported to another partner (the importer)."""

    service_type_id: str
    partner_id: str


class ContractService(BaseModel):
    service_type_id: str
    contract_service_start_date: date | None = None  # default: the contract's start


class Subscription(BaseModel):
    service_id: str = Field(default_factory=_new_id)
    service_type_id: str
    agent_user_id: str
    service_partner_id: str | None = None  # default: the selling partner itself
    service_start_date: date
    service_end_date: date = EMPTY_DATE  # open-ended
    service_stopped: bool = False


def _require_partner(partner_id: str) -> None:
    if table.get(keys.partner_pk(partner_id), keys.PROFILE_SK) is None:
        raise ValueError(f"partner {partner_id} does not exist")


def add_service_type(service_type: ServiceType, owner_partner_id: str | None = None) -> ServiceType:
    """A public type (no owner) or a private type of `owner_partner_id`."""
    service_type.service_type_id = _canonical(service_type.service_type_id)
    owner = _canonical(owner_partner_id) if owner_partner_id else None
    if owner:
        _require_partner(owner)
    full_name = service_type.service_type_full_name or service_type.service_type_name
    table.put(service_types.service_type_item(owner, service_type.service_type_id, service_type.service_type_name, full_name, service_type.service_type_del))
    return service_type


def export_service_type(owner_partner_id: str, service_type_id: str, importer_partner_id: str) -> dict[str, str]:
    """Makes the owner's private type visible to the importer (import marker, vendor link, export marker)."""
    owner, type_id, importer = _canonical(owner_partner_id), _canonical(service_type_id), _canonical(importer_partner_id)
    if owner == importer:
        raise ValueError("a partner cannot import its own service type")
    _require_partner(owner)
    if table.get(keys.partner_pk(owner), keys.own_service_type_sk(type_id)) is None:
        if table.get(keys.SERVICE_TYPE_PK, type_id) is not None:
            raise ValueError(f"service type {type_id} is public: every partner sees it, only a partner's own type (service-type add --partner-id) is exported")
        raise ValueError(f"service type {type_id} is not a private type of partner {owner}")
    _require_partner(importer)
    table.transact([table.put_action(item) for item in service_types.vendor_items(owner, type_id, importer)])
    return {"owner_partner_id": owner, "service_type_id": type_id, "importer_partner_id": importer}


def revoke_export(owner_partner_id: str, service_type_id: str, importer_partner_id: str) -> dict[str, str]:
    """Undoes an export. The importer's existing subscriptions and permissions of the line stay as they
    are; new ones cannot name the line any more. The vendor link goes with the importer's last line of
    that vendor."""
    owner, type_id, importer = _canonical(owner_partner_id), _canonical(service_type_id), _canonical(importer_partner_id)
    _require_partner(owner)
    _require_partner(importer)
    marker_sk = keys.imported_service_type_sk(type_id)
    marker = table.get(keys.partner_pk(importer), marker_sk)
    if marker is None or marker["owner_partner_id"] != owner:
        raise ValueError(f"partner {importer} does not import service type {type_id} of partner {owner}")
    others = [
        item
        for item in table.query_all(keys.partner_pk(importer), keys.IMPORTED_SERVICE_TYPE_PREFIX)
        if item["owner_partner_id"] == owner and item["SK"] != marker_sk
    ]
    actions = [
        table.delete_action(keys.partner_pk(importer), marker_sk),
        table.delete_action(keys.partner_pk(owner), keys.exported_service_type_sk(type_id, importer)),
    ]
    if not others:
        actions.append(table.delete_action(keys.partner_pk(importer), keys.vendor_sk(owner)))
    table.transact(actions)
    return {"owner_partner_id": owner, "service_type_id": type_id, "importer_partner_id": importer}


def _visible_type(partner_id: str, service_type_id: str) -> bool:
    pk = keys.partner_pk(partner_id)
    candidates = [(keys.SERVICE_TYPE_PK, service_type_id), (pk, keys.own_service_type_sk(service_type_id)), (pk, keys.imported_service_type_sk(service_type_id))]
    return bool(table.get_many(candidates))


def add_contract_service(partner_id: str, contract_id: str, contract_service: ContractService) -> dict[str, Any]:
    partner, contract_id, type_id = _canonical(partner_id), _canonical(contract_id), _canonical(contract_service.service_type_id)
    contract = table.get(keys.partner_pk(partner), keys.contract_sk(contract_id))
    if contract is None:
        raise ValueError(f"contract {contract_id} of partner {partner} does not exist")
    if not _visible_type(partner, type_id):
        raise ValueError(f"service type {type_id} is not visible to partner {partner} (public, own or imported)")
    start = contract_service.contract_service_start_date or date.fromisoformat(contract["contract_start_date"])
    item = contracts.contract_service_item(partner, contract, type_id, start)
    table.put(item)
    return contracts.contract_service_row(item)


def add_subscription(partner_id: str, client_id: str, subscription: Subscription) -> dict[str, Any]:
    partner, client_id = _canonical(partner_id), _canonical(client_id)
    if table.get(keys.partner_pk(partner), keys.client_sk(client_id)) is None:
        raise ValueError(f"client {client_id} of partner {partner} does not exist")
    type_id = _canonical(subscription.service_type_id)
    if not _visible_type(partner, type_id):
        raise ValueError(f"service type {type_id} is not visible to partner {partner} (public, own or imported)")
    subscription.service_id = _canonical(subscription.service_id)
    item = subscriptions.subscription_item(
        partner,
        subscription.service_id,
        client_id,
        _canonical(subscription.service_partner_id) if subscription.service_partner_id else partner,
        subscription.service_start_date,
        subscription.service_end_date,
        _canonical(subscription.agent_user_id),
        type_id,
        subscription.service_stopped,
    )
    table.put(item)
    return subscriptions.service_row(item)


def load_services(public_types: Iterable[ServiceType], partners: Iterable[Any]) -> dict[str, int]:
    """The services part of a fixture, after every partner with its clients is in place: types first,
    then exports (both partners exist), then contract services and subscriptions (which need them)."""
    partners = list(partners)
    counts = {"service_types": 0, "exports": 0, "contract_services": 0, "subscriptions": 0}
    for service_type in public_types:
        add_service_type(service_type)
        counts["service_types"] += 1
    for partner in partners:
        for service_type in partner.service_types:
            add_service_type(service_type, partner.partner_id)
            counts["service_types"] += 1
    for partner in partners:
        for export in partner.exports:
            export_service_type(partner.partner_id, export.service_type_id, export.partner_id)
            counts["exports"] += 1
    for partner in partners:
        for contract in partner.contracts:
            for contract_service in contract.services:
                add_contract_service(partner.partner_id, contract.contract_id, contract_service)
                counts["contract_services"] += 1
        for client in partner.clients:
            for subscription in client.services:
                add_subscription(partner.partner_id, client.client_id, subscription)
                counts["subscriptions"] += 1
    return counts
