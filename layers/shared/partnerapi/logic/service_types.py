"""Service types (support lines): public, the partner's own private ones, and vendors' lines it imports.

Where each lives (data/keys.py): public types under `REF#SERVICE_TYPE` (operator reference data, few);
a partner's own types under its partition (`STYPE#`); a vendor's line exported to a partner as an import
marker under the importer (`STYPEIN#`, naming the owner) whose details stay in the owner's partition,
with an export marker under the owner (`STYPEOUT#<type>#<importer>`) and a vendor link (`VENDOR#<owner>`)
under the importer. `resolve(service_type_id)` finds whichever of the three the partner can see.
"""


from partnerapi.data import keys, table, writes
from partnerapi.errors import MissingParameter, NotFranchisee, ReferenceNotFound, ServiceTypeDeleted, ServiceTypeNotOwn
from partnerapi.logic.references import Kind, resolve
from partnerapi.logic.values import blank_to_none, cut, parse_flag, require

Row = dict[str, object]

FRANCHISEE_ROLE_ID = 1  # «Франчайзи» in role_read; only franchisees add service types (docs/spec-notes.md S4)
NAME_LENGTH, FULL_NAME_LENGTH = 100, 255  # undocumented; cut, never refused (S5)
IMPORT_KIND = "service_type_import"

EMPTY_NAME = "Наименование вида сервиса не должно быть пустым"
NO_SERVICE_TYPE = "Не указан вид сервиса (service_type_id)"


# --- items ---------------------------------------------------------------------------------------


def service_type_item(owner_partner_id: str | None, service_type_id: str, name: str, full_name: str, deleted: bool = False) -> table.Item:
    """A public type (no owner) or a partner's private type."""
    item: table.Item = {
        "PK": keys.partner_pk(owner_partner_id) if owner_partner_id else keys.SERVICE_TYPE_PK,
        "SK": keys.own_service_type_sk(service_type_id) if owner_partner_id else service_type_id,
        "kind": "service_type",
        "service_type_id": service_type_id,
        "service_type_name": cut(name, NAME_LENGTH),
        "service_type_full_name": cut(full_name, FULL_NAME_LENGTH),
        "service_type_del": deleted,
    }
    if owner_partner_id:
        item["partner_id"] = owner_partner_id
    return item


def vendor_items(owner_partner_id: str, service_type_id: str, importer_partner_id: str) -> list[table.Item]:
    """What exporting a vendor's line to a partner writes: the import marker and the vendor link under the
    importer, the export marker under the owner."""
    importer = keys.partner_pk(importer_partner_id)
    return [
        {"PK": importer, "SK": keys.imported_service_type_sk(service_type_id), "kind": IMPORT_KIND, "service_type_id": service_type_id, "owner_partner_id": owner_partner_id},
        {"PK": importer, "SK": keys.vendor_sk(owner_partner_id), "kind": "vendor", "partner_id": owner_partner_id},
        {
            "PK": keys.partner_pk(owner_partner_id),
            "SK": keys.exported_service_type_sk(service_type_id, importer_partner_id),
            "kind": "service_type_export",
            "service_type_id": service_type_id,
            "importer_partner_id": importer_partner_id,
        },
    ]


def is_imported(item: table.Item) -> bool:
    return item.get("kind") == IMPORT_KIND


def is_own(current_partner: str, item: table.Item) -> bool:
    return item["PK"] == keys.partner_pk(current_partner) and item["SK"].startswith(keys.OWN_SERVICE_TYPE_PREFIX)


def owner_of(item: table.Item) -> str | None:
    """The owning partner of a resolved type: None for a public type."""
    return item["owner_partner_id"] if is_imported(item) else item.get("partner_id")


def _owner_key(marker: table.Item) -> table.Key:
    return keys.partner_pk(marker["owner_partner_id"]), keys.own_service_type_sk(marker["service_type_id"])


def details(item: table.Item) -> table.Item | None:
    """The type itself for a resolved reference: an import marker leads to the owner's item."""
    return table.get(*_owner_key(item)) if is_imported(item) else item


def row(item: table.Item) -> Row:
    return {
        "service_type_id": item["service_type_id"],
        "service_type_name": item.get("service_type_name"),
        "service_type_full_name": item.get("service_type_full_name"),
        "partner_id": item.get("partner_id"),
        "service_type_del": bool(item.get("service_type_del", False)),
    }


def usable(service_type_id: str, reference: table.Item) -> table.Item:
    """The details of a type a new permission or subscription may use: visible and not deleted."""
    found = details(reference)
    if found is None:  # a dangling import marker: the line is gone
        raise ReferenceNotFound("service_type_id", service_type_id)
    if found.get("service_type_del"):
        raise ServiceTypeDeleted(found["service_type_id"])
    return found


def still_usable(reference: table.Item) -> dict:
    """A transaction condition: the reference is still there and (for public and own types) not deleted."""
    condition = "attribute_exists(PK) AND (attribute_not_exists(service_type_del) OR service_type_del = :false)"
    return table.condition_check(reference["PK"], reference["SK"], condition, {":false": False})


# --- operations ----------------------------------------------------------------------------------


def service_type_read(current_partner: str, service_type_id: str | None, partner_id: str | None, include_deleted: object) -> list[Row]:
    """Public types, own types and imported vendor lines. By ID a type is returned even when deleted."""
    include_deleted = parse_flag(include_deleted, "include_deleted")
    refs = resolve(current_partner, {"service_type_id": service_type_id, "partner_id": partner_id}, kinds={"partner_id": Kind.SERVICE_PARTNER})
    if refs["service_type_id"] is not None:
        found = details(refs["service_type_id"])
        items = [found] if found is not None else []
    else:
        own_pk = keys.partner_pk(current_partner)
        public = table.query_all(keys.SERVICE_TYPE_PK)
        own = table.query_all(own_pk, keys.OWN_SERVICE_TYPE_PREFIX)
        markers = table.query_all(own_pk, keys.IMPORTED_SERVICE_TYPE_PREFIX)
        imported = table.get_many(_owner_key(marker) for marker in markers)
        items = [
            *sorted(public, key=_by_name),
            *sorted(own, key=_by_name),
            *sorted(imported.values(), key=_by_name),
        ]
        if not include_deleted:
            items = [item for item in items if not item.get("service_type_del")]
    if refs["partner_id"] is not None:
        items = [item for item in items if item.get("partner_id") == refs["partner_id"]["partner_id"]]
    return [row(item) for item in items]


def _by_name(item: table.Item) -> tuple[str, str]:
    return item.get("service_type_name") or "", item["service_type_id"]


def service_type_add(current_partner: str, service_type_name: str | None, service_type_full_name: str | None) -> list[Row]:
    if blank_to_none(service_type_name) is None:
        raise MissingParameter(EMPTY_NAME)
    full_name = service_type_full_name if blank_to_none(service_type_full_name) is not None else service_type_name
    item = service_type_item(current_partner, writes.new_id(), service_type_name, full_name)
    franchisee = table.condition_check(keys.partner_pk(current_partner), keys.partner_role_sk(FRANCHISEE_ROLE_ID))
    put = table.put_action(item)
    put["Put"]["ConditionExpression"] = "attribute_not_exists(PK)"
    try:
        table.transact([franchisee, put])
    except table.ConditionFailed as error:
        raise NotFranchisee() from error
    return [row(item)]


def _own(current_partner: str, service_type_id: str | None, action: str) -> table.Item:
    require(service_type_id, NO_SERVICE_TYPE)
    item = resolve(current_partner, {"service_type_id": service_type_id})["service_type_id"]
    if not is_own(current_partner, item):
        raise ServiceTypeNotOwn(item["service_type_id"], action)
    return item


def service_type_edit(current_partner: str, service_type_id: str | None, service_type_name: str | None, service_type_full_name: str | None) -> list[Row]:
    """The name always replaces the name; the full name: nil leaves it, "" clears it."""
    require(service_type_id, NO_SERVICE_TYPE)
    if blank_to_none(service_type_name) is None:
        raise MissingParameter(EMPTY_NAME)
    item = _own(current_partner, service_type_id, "изменять")
    changes: table.Item = {"service_type_name": cut(service_type_name, NAME_LENGTH)}
    if service_type_full_name is not None:
        changes["service_type_full_name"] = cut(service_type_full_name, FULL_NAME_LENGTH)
    try:
        updated = table.update(item["PK"], item["SK"], changes)
    except table.ConditionFailed as error:
        raise ReferenceNotFound("service_type_id", item["service_type_id"]) from error
    return [row(updated)]


def service_type_delete(current_partner: str, service_type_id: str | None) -> list[Row]:
    """Marks the own type deleted (S6): a retried call keeps it deleted; subscriptions and permissions stay."""
    item = _own(current_partner, service_type_id, "удалять")
    if item.get("service_type_del"):
        return [row(item)]
    try:
        updated = table.update(item["PK"], item["SK"], {"service_type_del": True})
    except table.ConditionFailed as error:
        raise ReferenceNotFound("service_type_id", item["service_type_id"]) from error
    return [row(updated)]
