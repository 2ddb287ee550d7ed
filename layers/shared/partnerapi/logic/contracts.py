"""Contracts (operator-provisioned, one role each) and the service types they permit (contract services).

A contract service `CSERVICE#<contract>#<type>` permits the partner to provide support on a line under
one contract; its end is the contract's end (open: 0001-01-01).
"""

from datetime import date

from partnerapi.data import keys, table, writes
from partnerapi.errors import ConcurrentModification, NoContractInForce, ServiceTypeNotInContract
from partnerapi.logic import periods, service_types
from partnerapi.logic.its import today_in_moscow
from partnerapi.logic.references import resolve
from partnerapi.logic.values import require

Row = dict[str, object]

TRANSACTION_LIMIT = 100


def contract_row(item: table.Item) -> Row:
    return {
        "contract_id": item["contract_id"],
        "contract_start_date": periods.stored(item["contract_start_date"]),
        "contract_end_date": periods.stored(item["contract_end_date"]),
        "role_id": str(item["role_id"]),  # R1: role codes travel as text in role_id parameters and results
    }


def contract_service_row(item: table.Item) -> Row:
    return {
        "contract_id": item["contract_id"],
        "service_type_id": item["service_type_id"],
        "contract_service_start_date": periods.stored(item["contract_service_start_date"]),
        "contract_service_end_date": periods.stored(item["contract_service_end_date"]),
    }


def contract_service_item(partner_id: str, contract: table.Item, service_type_id: str, start: date) -> table.Item:
    """A permission under one contract, from `start` (never before the contract's start) to the contract's end."""
    start = max(start, periods.stored(contract["contract_start_date"]))
    return {
        "PK": keys.partner_pk(partner_id),
        "SK": keys.contract_service_sk(contract["contract_id"], service_type_id),
        "kind": "contract_service",
        "contract_id": contract["contract_id"],
        "service_type_id": service_type_id,
        "contract_service_start_date": start.isoformat(),
        "contract_service_end_date": contract["contract_end_date"],
    }


def _in_period(start: str, end: str, period: tuple[date | None, date | None]) -> bool:
    return periods.covers(periods.stored(start), periods.stored(end), *period)


def _transact_or_conflict(actions: list[dict]) -> None:
    """One transaction of a batch; a failed condition means another request changed the data meanwhile."""
    try:
        table.transact(actions)
    except table.ConditionFailed as error:
        raise ConcurrentModification() from error


def contract_services(current_partner: str, service_type_id: str) -> list[table.Item]:
    """Every permission the partner has for one service type, across its contracts."""
    items = table.query_all(keys.partner_pk(current_partner), keys.CONTRACT_SERVICE_PREFIX)
    return [item for item in items if item["service_type_id"] == service_type_id]


def permission_on(current_partner: str, service_type_id: str, day: date) -> table.Item:
    """A contract service in force on `day` for the type, or ServiceTypeNotInContract."""
    for item in contract_services(current_partner, service_type_id):
        if periods.in_force_on(periods.stored(item["contract_service_start_date"]), periods.stored(item["contract_service_end_date"]), day):
            return item
    raise ServiceTypeNotInContract(service_type_id, day.isoformat())


# --- contracts -------------------------------------------------------------------------------------


def contract_read(current_partner: str, contract_id: str | None, contract_start_date: str | None, contract_end_date: str | None, role_id: str | None) -> list[Row]:
    """Every parameter is a filter («Все параметры устанавливают отбор»); dates select the contracts in
    force throughout the asked period (S8)."""
    period = periods.filter_period(contract_start_date, contract_end_date, "contract_start_date", "contract_end_date")
    refs = resolve(current_partner, {"contract_id": contract_id, "role_id": role_id})
    if refs["contract_id"] is not None:
        items = [refs["contract_id"]]
    else:
        items = table.query_all(keys.partner_pk(current_partner), keys.CONTRACT_PREFIX)
    if refs["role_id"] is not None:
        items = [item for item in items if item["role_id"] == refs["role_id"]["role_id"]]
    items = [item for item in items if _in_period(item["contract_start_date"], item["contract_end_date"], period)]
    return [contract_row(item) for item in sorted(items, key=lambda item: (item["contract_start_date"], item["contract_id"]))]


# --- contract services -----------------------------------------------------------------------------


def contract_service_read(
    current_partner: str, contract_id: str | None, service_type_id: str | None, contract_service_start_date: str | None, contract_service_end_date: str | None
) -> list[Row]:
    period = periods.filter_period(contract_service_start_date, contract_service_end_date, "contract_service_start_date", "contract_service_end_date")
    refs = resolve(current_partner, {"contract_id": contract_id, "service_type_id": service_type_id})
    contract, service_type = refs["contract_id"], refs["service_type_id"]
    prefix = keys.contract_service_sk(contract["contract_id"]) if contract else keys.CONTRACT_SERVICE_PREFIX
    items = table.query_all(keys.partner_pk(current_partner), prefix)
    if service_type is not None:
        items = [item for item in items if item["service_type_id"] == service_type["service_type_id"]]
    items = [item for item in items if _in_period(item["contract_service_start_date"], item["contract_service_end_date"], period)]
    return [contract_service_row(item) for item in items]


def contract_service_add(current_partner: str, service_type_id: str | None, contract_service_start_date: str | None) -> list[Row]:
    """Adds the type to every contract of the partner that is in force on the start day or later and
    lacks it, and returns every permission for the type (the spec's note; S10)."""
    require(service_type_id, "Не указан добавляемый вид сервиса (service_type_id)")
    start = periods.given_date(contract_service_start_date, "contract_service_start_date") or today_in_moscow()
    reference = resolve(current_partner, {"service_type_id": service_type_id})["service_type_id"]
    service_type = service_types.usable(service_type_id, reference)
    type_id = service_type["service_type_id"]
    contracts = [
        item
        for item in table.query_all(keys.partner_pk(current_partner), keys.CONTRACT_PREFIX)
        if not periods.ends_before(periods.stored(item["contract_end_date"]), start)
    ]
    if not contracts:
        raise NoContractInForce(start.isoformat())
    existing = contract_services(current_partner, type_id)
    permitted = {item["contract_id"] for item in existing}
    added = [contract_service_item(current_partner, contract, type_id, start) for contract in contracts if contract["contract_id"] not in permitted]
    per_transaction = (TRANSACTION_LIMIT - 1) // 2  # a contract check and a put per contract, plus the type's check
    for first in range(0, len(added), per_transaction):
        actions = [service_types.still_usable(reference)]
        for item in added[first : first + per_transaction]:
            actions.append(table.condition_check(item["PK"], keys.contract_sk(item["contract_id"])))
            put = table.put_action(item)
            put["Put"]["ConditionExpression"] = "attribute_not_exists(PK)"
            actions.append(put)
        _transact_or_conflict(actions)
    everything = sorted(existing + added, key=lambda item: (item["contract_service_start_date"], item["contract_id"]))
    return [contract_service_row(item) for item in everything]


def contract_service_delete(current_partner: str, service_type_id: str | None) -> list[Row]:
    """Removes the type from every contract of the partner; success is an empty result (the spec's note)."""
    require(service_type_id, "Не указан удаляемый вид сервиса (service_type_id)")
    reference = resolve(current_partner, {"service_type_id": service_type_id})["service_type_id"]
    type_id = reference["service_type_id"]
    existing = contract_services(current_partner, type_id)
    removal = {"PK": keys.partner_pk(current_partner), "SK": keys.contract_service_removal_sk(type_id), "kind": "contract_service_removal", "service_type_id": type_id}
    if not existing:
        if writes.by_this_request(table.get(removal["PK"], removal["SK"])):
            return []  # this request removed them already
        raise ServiceTypeNotInContract(type_id)
    for first in range(0, len(existing), TRANSACTION_LIMIT - 1):
        actions = [table.put_action(removal)]
        for item in existing[first : first + TRANSACTION_LIMIT - 1]:
            delete = table.delete_action(item["PK"], item["SK"])
            delete["Delete"]["ConditionExpression"] = "attribute_exists(PK)"
            actions.append(delete)
        _transact_or_conflict(actions)
    return []
