"""The reference group: regions, contact types, roles and the fixed lists of the spec."""

from partnerapi.data import keys, table
from partnerapi.logic.references import resolve

Row = dict[str, object]

# Fixed lists, exactly as the spec documents them (section 4, *_type_read operations).
CALL_STATUS_TYPES: tuple[tuple[int, str], ...] = (
    (0, "Успех"),
    (1, "НеБылоДоступныхИлиСвободныхСпециалистов"),
    (2, "ПользовательНеВзялТрубку"),
    (3, "СпециалистНеВзялТрубку"),
    (4, "СпециалистОтменилВызов"),
    (5, "СпециалистОтклонилВызов"),
    (6, "ПользовательОтклонилВызов"),
    (7, "ПользовательОтменилВызов"),
)
REMOTE_STATUS_TYPES: tuple[tuple[int, str], ...] = ((0, "Не инициировано"), (1, "TeamViewer"), (2, "Основное средство"))
REMOTE_ACCESS_TYPES: tuple[tuple[int, str], ...] = ((1, "TeamViewer"), (2, "Основное средство"))
PAY_METHOD_TYPES: tuple[tuple[int, str], ...] = (
    (0, "Пустое значение"),
    (1, "Оплата взимается сразу до конца действия договора ИТС"),
    (2, "Оплата взимается ежемесячно"),
    (3, "Оплата за 6 месяцев"),
    (4, "Оплата за 12 месяцев"),
)


def region_row(item: table.Item) -> Row:
    return {"region_id": item["region_id"], "region_name": item["region_name"], "region_time_zone": item["region_time_zone"]}


def region_read(current_partner: str, region_id: str | None) -> list[Row]:
    """With region_id: that region. Without: the regions the current partner is present in."""
    region = resolve(current_partner, {"region_id": region_id})["region_id"]
    if region is not None:
        return [region_row(region)]
    granted = table.query_all(keys.partner_pk(current_partner), keys.REGION_PREFIX)
    found = table.get_many((keys.REGION_PK, item["region_id"]) for item in granted)
    rows = [region_row(item) for item in found.values()]
    return sorted(rows, key=lambda row: (str(row["region_name"]), str(row["region_id"])))


def contact_type_read() -> list[Row]:
    items = table.query_all(keys.CONTACT_TYPE_PK)
    rows = [
        {"contact_type_id": item["contact_type_id"], "contact_type_name": item["contact_type_name"], "contact_type_code": item["contact_type_code"]}
        for item in items
    ]
    return sorted(rows, key=lambda row: (row["contact_type_code"], str(row["contact_type_name"])))


def role_read() -> list[Row]:
    return [{"role_id": item["role_id"], "role_name": item["role_name"]} for item in table.query_all(keys.ROLE_PK)]


def _fixed(prefix: str, entries: tuple[tuple[int, str], ...]) -> list[Row]:
    return [{f"{prefix}_id": code, f"{prefix}_name": name} for code, name in entries]


def call_status_type_read() -> list[Row]:
    return _fixed("call_status_type", CALL_STATUS_TYPES)


def remote_status_type_read() -> list[Row]:
    return _fixed("remote_status_type", REMOTE_STATUS_TYPES)


def remote_access_type_read() -> list[Row]:
    return _fixed("remote_access_type", REMOTE_ACCESS_TYPES)


def pay_method_type_read() -> list[Row]:
    return _fixed("pay_method_type", PAY_METHOD_TYPES)
