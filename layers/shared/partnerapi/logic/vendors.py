"""Vendors: who imports your exported lines (partner_vendor_read) and which of their clients use them
(client_vendor_read).

Exports are provisioned by the operator (`partnerapi vendor export`, or `exports` in a fixture); the
owner's partition holds one export marker per importer (`STYPEOUT#<type>#<importer>`). Reading an
importer's profile, subscriptions and clients from the vendor's request is what the export grants; the
importer is always found through the vendor's own marker, never from a caller's value alone.
"""

from partnerapi.data import keys, table
from partnerapi.errors import MissingParameter, ReferenceNotFound, ServiceTypeNotOwn
from partnerapi.logic import service_types
from partnerapi.logic.clients import client_row
from partnerapi.logic.its import today_in_moscow
from partnerapi.logic.references import Kind, canonical_uuid, resolve
from partnerapi.logic.subscriptions import is_active
from partnerapi.logic.values import blank_to_none

Row = dict[str, object]


def _own_line(current_partner: str, parameter: str, value: str) -> str:
    """An own service type (the only kind a partner can export); the line's ID."""
    item = resolve(current_partner, {parameter: value}, kinds={parameter: Kind.SERVICE_TYPE})[parameter]
    if not service_types.is_own(current_partner, item):
        raise ServiceTypeNotOwn(item["service_type_id"], "экспортировать и смотреть импортеров")
    return item["service_type_id"]


def _importers(current_partner: str, service_type_id: str | None = None) -> list[str]:
    prefix = keys.exported_service_type_sk(service_type_id) if service_type_id else keys.EXPORTED_SERVICE_TYPE_PREFIX
    markers = table.query_all(keys.partner_pk(current_partner), prefix)
    return list(dict.fromkeys(marker["importer_partner_id"] for marker in markers))


def partner_vendor_read(current_partner: str, service_id: str | None) -> list[Row]:
    """With service_id (an own exported line): the partners importing it; without: those importing any
    of the partner's lines (S17)."""
    line = _own_line(current_partner, "service_id", service_id) if blank_to_none(service_id) is not None else None
    importers = _importers(current_partner, line)
    profiles = table.get_many((keys.partner_pk(partner), keys.PROFILE_SK) for partner in importers)
    rows = [{"partner_id": profile["partner_id"], "partner_name": profile["partner_name"]} for profile in profiles.values()]
    return sorted(rows, key=lambda row: (row["partner_name"], row["partner_id"]))


def client_vendor_read(current_partner: str, service_type_id: str | None, partner_id: str | None) -> list[Row]:
    """Clients of the importers (or of the one importer named) with an active subscription of the line (S18)."""
    if blank_to_none(service_type_id) is None:
        raise MissingParameter("Не указана экспортируемая линия поддержки (service_type_id)")
    line = _own_line(current_partner, "service_type_id", service_type_id)
    importers = _importers(current_partner, line)
    if blank_to_none(partner_id) is not None:
        # an importer of this line, or answered like any unknown partner
        wanted = canonical_uuid(partner_id.strip())
        if wanted not in importers:
            raise ReferenceNotFound("partner_id", partner_id.strip())
        importers = [wanted]
    today = today_in_moscow()
    client_keys = []
    for importer in importers:
        for page in table.query_pages(keys.partner_pk(importer), keys.SERVICE_PREFIX):
            client_keys.extend(
                (keys.partner_pk(importer), keys.client_sk(item["client_id"])) for item in page if item["service_type_id"] == line and is_active(item, today)
            )
    clients = table.get_many(client_keys)
    return [client_row(item) for item in sorted(clients.values(), key=lambda item: (item.get("client_name") or "", item["client_id"]))]
