"""Subscriptions («абонементы»: service_read/add/stop/edit).

A subscription lives under the selling partner's partition (`SERVICE#<id>`) and on GSI1 under its client
(`keys.by_client_pk`), where client_delete's cascade finds and stops it (`logic/clients.py`, attribute
`service_stopped`). Only active subscriptions are read: not stopped and not ended before today (Moscow
date); future ones included (docs/spec-notes.md S12–S16).
"""

from datetime import date

from partnerapi.data import keys, table, writes
from partnerapi.errors import (
    AgentNotOfClient,
    ClientDeleted,
    ConcurrentModification,
    InvalidParameter,
    ReferenceNotFound,
    ServicePartnerNotAllowed,
    ServiceStopped,
    ServiceTypeDeleted,
    ServiceTypeNotInContract,
)
from partnerapi.logic import contracts, periods, service_types
from partnerapi.logic.its import today_in_moscow
from partnerapi.logic.references import resolve
from partnerapi.logic.values import EMPTY_DATE, parse_date, require

Row = dict[str, object]


def subscription_item(
    partner_id: str, service_id: str, client_id: str, service_partner_id: str, start: date, end: date, agent_user_id: str, service_type_id: str, stopped: bool = False
) -> table.Item:
    return {
        "PK": keys.partner_pk(partner_id),
        "SK": keys.service_sk(service_id),
        "GSI1PK": keys.by_client_pk(partner_id, client_id),
        "GSI1SK": keys.service_sk(service_id),
        "kind": "service",
        "service_id": service_id,
        "sale_partner_id": partner_id,
        "client_id": client_id,
        "service_partner_id": service_partner_id,
        "service_start_date": start.isoformat(),
        "service_end_date": end.isoformat(),
        "agent_user_id": agent_user_id,
        "service_type_id": service_type_id,
        "service_stopped": stopped,
    }


def service_row(item: table.Item) -> Row:
    return {
        "service_id": item["service_id"],
        "sale_partner_id": item["sale_partner_id"],
        "client_id": item["client_id"],
        "service_partner_id": item["service_partner_id"],
        "service_start_date": periods.stored(item["service_start_date"]),
        "service_end_date": periods.stored(item["service_end_date"]),
        "agent_user_id": item["agent_user_id"],
        "service_type_id": item["service_type_id"],
    }


def is_active(item: table.Item, today: date) -> bool:
    """«активных абонементов (которые действуют или будут действовать позже)»."""
    return not item.get("service_stopped") and not periods.ends_before(periods.stored(item["service_end_date"]), today)


def _vendor_of(current_partner: str, service_type_id: str) -> str | None:
    marker = table.get(keys.partner_pk(current_partner), keys.imported_service_type_sk(service_type_id))
    return marker["owner_partner_id"] if marker else None


def _check_service_partner(current_partner: str, service_partner_id: str, service_type_id: str, vendor: str | None) -> None:
    """The current partner serves any line it sells; a vendor serves only its own line (S13)."""
    if service_partner_id != current_partner and service_partner_id != vendor:
        raise ServicePartnerNotAllowed(service_partner_id, service_type_id)


# --- reading ---------------------------------------------------------------------------------------


def service_read(
    current_partner: str,
    service_id: str | None,
    sale_partner_id: str | None,
    client_id: str | None,
    service_partner_id: str | None,
    service_start_date: str | None,
    service_end_date: str | None,
    agent_user_id: str | None,
    service_type_id: str | None,
) -> list[Row]:
    period = periods.filter_period(service_start_date, service_end_date, "service_start_date", "service_end_date")
    refs = resolve(
        current_partner,
        {
            "service_id": service_id,
            "sale_partner_id": sale_partner_id,
            "client_id": client_id,
            "service_partner_id": service_partner_id,
            "agent_user_id": agent_user_id,
            "service_type_id": service_type_id,
        },
    )
    if refs["service_id"] is not None:
        items = [refs["service_id"]]
    elif refs["client_id"] is not None:
        by_client = keys.by_client_pk(current_partner, refs["client_id"]["client_id"])
        items = [item for item in table.query_all(by_client, keys.SERVICE_PREFIX, index=keys.BY_CLIENT_INDEX) if item.get("kind") == "service"]
    else:
        items = table.query_all(keys.partner_pk(current_partner), keys.SERVICE_PREFIX)
    wanted = {
        "sale_partner_id": refs["sale_partner_id"] and refs["sale_partner_id"]["partner_id"],
        "client_id": refs["client_id"] and refs["client_id"]["client_id"],
        "service_partner_id": refs["service_partner_id"] and refs["service_partner_id"]["partner_id"],
        "agent_user_id": refs["agent_user_id"] and refs["agent_user_id"]["agent_user_id"],
        "service_type_id": refs["service_type_id"] and refs["service_type_id"]["service_type_id"],
    }
    today = today_in_moscow()
    found = []
    for item in items:
        if not is_active(item, today):
            continue
        if any(value is not None and item.get(field) != value for field, value in wanted.items()):
            continue
        if not periods.covers(periods.stored(item["service_start_date"]), periods.stored(item["service_end_date"]), *period):
            continue
        found.append(item)
    return [service_row(item) for item in sorted(found, key=lambda item: (item["service_start_date"], item["service_id"]))]


# --- adding, stopping, editing -------------------------------------------------------------------------


def service_add(
    current_partner: str,
    client_id: str | None,
    service_partner_id: str | None,
    service_start_date: str | None,
    service_end_date: str | None,
    agent_user_id: str | None,
    service_type_id: str | None,
) -> list[Row]:
    require(client_id, "Не указан клиент (client_id), которому активируется абонемент")
    require(service_partner_id, "Не указан сервисный партнер абонемента (service_partner_id)")
    require(agent_user_id, "Не указан агент пользователя (agent_user_id), для которого активируется абонемент")
    require(service_type_id, "Не указан вид абонемента (service_type_id)")
    today = today_in_moscow()
    start = periods.given_date(service_start_date, "service_start_date") or today  # «Если не указано, то текущая дата»
    end = periods.given_date(service_end_date, "service_end_date") or EMPTY_DATE  # «Если не указано, то бессрочный»
    periods.check_order(start, end, "service_start_date", "service_end_date")
    if periods.ends_before(end, today):
        raise InvalidParameter(f"Дата окончания абонемента service_end_date ({end.isoformat()}) уже прошла: такой абонемент не был бы активным")
    refs = resolve(
        current_partner,
        {"client_id": client_id, "service_partner_id": service_partner_id, "agent_user_id": agent_user_id, "service_type_id": service_type_id},
    )
    client, agent, reference = refs["client_id"], refs["agent_user_id"], refs["service_type_id"]
    if client.get("client_del"):
        raise ClientDeleted(client["client_id"], "активировать ему абонемент")
    if agent.get("client_id") != client["client_id"]:
        raise AgentNotOfClient(agent["agent_user_id"], client["client_id"])
    service_type = service_types.usable(service_type_id, reference)
    type_id = service_type["service_type_id"]
    vendor = reference["owner_partner_id"] if service_types.is_imported(reference) else None
    _check_service_partner(current_partner, refs["service_partner_id"]["partner_id"], type_id, vendor)
    permission = contracts.permission_on(current_partner, type_id, start)

    item = subscription_item(current_partner, writes.new_id(), client["client_id"], refs["service_partner_id"]["partner_id"], start, end, agent["agent_user_id"], type_id)
    put = table.put_action(item)
    put["Put"]["ConditionExpression"] = "attribute_not_exists(PK)"
    actions = [
        # a live client, still: once client_delete has marked it, no subscription can escape its cascade
        table.condition_check(client["PK"], client["SK"], "client_del = :false AND attribute_not_exists(cascade_pending)", {":false": False}),
        table.condition_check(agent["PK"], agent["SK"], "client_id = :client", {":client": client["client_id"]}),
        table.condition_check(permission["PK"], permission["SK"]),
        service_types.still_usable(reference),
        put,
    ]
    try:
        table.transact(actions)
    except table.ConditionFailed as error:
        failed = error.reasons.index("ConditionalCheckFailed") if "ConditionalCheckFailed" in error.reasons else -1
        if failed == 0:
            raise ClientDeleted(client["client_id"], "активировать ему абонемент") from error
        if failed == 1:
            raise ReferenceNotFound("agent_user_id", agent_user_id.strip()) from error
        if failed == 2:
            raise ServiceTypeNotInContract(type_id, start.isoformat()) from error
        if failed == 3:  # deleted meanwhile, or (a vendor line) its export revoked
            if service_types.is_imported(reference):
                raise ReferenceNotFound("service_type_id", service_type_id.strip()) from error
            raise ServiceTypeDeleted(type_id) from error
        raise ConcurrentModification() from error
    return [service_row(item)]


def service_stop(current_partner: str, service_id: str | None) -> list[Row]:
    """Stops the subscription; success is an empty result (the spec's note). Stopping again is a success too."""
    require(service_id, "Не указан отменяемый абонемент (service_id)")
    item = resolve(current_partner, {"service_id": service_id})["service_id"]
    if not item.get("service_stopped"):
        try:
            table.update(item["PK"], item["SK"], {"service_stopped": True})
        except table.ConditionFailed as error:
            raise ReferenceNotFound("service_id", service_id) from error
    return []


def service_edit(current_partner: str, service_id: str | None, service_partner_id: str | None, service_start_date: str | None, service_end_date: str | None) -> list[Row]:
    """Changes what is given; nil, omitted or blank leave a value as it is; an end of 0001-01-01 makes the
    subscription open-ended (S15)."""
    require(service_id, "Не указан изменяемый абонемент (service_id)")
    new_start = periods.given_date(service_start_date, "service_start_date")
    end_given = parse_date(service_end_date, "service_end_date")
    refs = resolve(current_partner, {"service_id": service_id, "service_partner_id": service_partner_id})
    item = refs["service_id"]
    if item.get("service_stopped"):
        raise ServiceStopped(item["service_id"])
    type_id = item["service_type_id"]
    changes: table.Item = {}
    if refs["service_partner_id"] is not None and refs["service_partner_id"]["partner_id"] != item["service_partner_id"]:
        partner = refs["service_partner_id"]["partner_id"]
        _check_service_partner(current_partner, partner, type_id, None if partner == current_partner else _vendor_of(current_partner, type_id))
        changes["service_partner_id"] = partner
    start, end = periods.stored(item["service_start_date"]), periods.stored(item["service_end_date"])
    if new_start is not None and new_start != start:
        start = new_start
        changes["service_start_date"] = start.isoformat()
    if end_given is not None and end_given != end:
        end = end_given
        changes["service_end_date"] = end.isoformat()
    periods.check_order(start, end, "service_start_date", "service_end_date")
    if not changes:
        return [service_row(item)]
    actions = [table.update_action(item["PK"], item["SK"], changes, "attribute_exists(PK) AND service_stopped = :false", {":false": False})]
    if "service_start_date" in changes:
        permission = contracts.permission_on(current_partner, type_id, start)
        actions.append(table.condition_check(permission["PK"], permission["SK"]))
    try:
        table.transact(actions)
    except table.ConditionFailed as error:
        if error.reasons[:1] == ["ConditionalCheckFailed"]:
            raise ServiceStopped(item["service_id"]) from error
        raise ServiceTypeNotInContract(type_id, start.isoformat()) from error
    return [service_row({**item, **changes})]
