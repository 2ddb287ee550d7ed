"""The ITS registry («база 1С:ИТС»): which registration number of a 1C product has which ITS contract.

Used by `client_ITS_status_For_INN` (the level table of the spec) and by `client_add_its` /
`client_edit_its` (the «Не корректный регистрационный номер» check and the default
`pay_method_type_id`). The operator loads the registry (`partnerapi its import`, see
docs/its-registry.md); one item per registration number:

    PK = ITS#<normalized number>, SK = ITS
    reg_number, inn, its_level (1, 2 or 4), date_from, date_to (ISO dates)

Every lookup is exactly one GetItem (eventually consistent: the registry is reference data that
only the operator's bulk load changes). Never a Query or a Scan over the registry.
"""

import re
from datetime import date, datetime, timedelta, timezone

from partnerapi.data import keys, table
from partnerapi.errors import InternalError

Row = dict[str, object]

ITS_SK = "ITS"

# Levels (spec, client_ITS_status_For_INN, «Уровни ИТС (ITSLevel)»)
ITS_NONE = 0  # «Отсутствует - Нет регистрационного номера ПП 1С, или он не валиден»
ITS_PROF = 1  # «ПРОФ - В базе ИТС данному регистрационному номеру ПП 1С соответствует договор уровня ПРОФ»
ITS_TECHNO = 2  # «ТЕХНО - В базе ИТС данному регистрационному номеру ПП 1С соответствует договор уровня ТЕХНО»
ITS_BASIC = 3  # «Базовая - Регистрационный номер ПП 1С валиден, но не определен по базе ИТС»
ITS_INTERNATIONAL = 4  # «ИТС Международный»
ITS_INN_MISMATCH = 10  # «Номер ПП найден, но не соответствует ИНН»
CONTRACT_LEVELS = frozenset({ITS_PROF, ITS_TECHNO, ITS_INTERNATIONAL})  # what a registry row may hold

# pay_method_type_read codes used for the default (spec, client_add_its: «По умолчанию при наличии
# договора ИТС устанавливается значение «Оплата за 12 месяцев», иначе «Оплата взимается ежемесячно»»)
PAY_METHOD_MONTHLY = 2
PAY_METHOD_12_MONTHS = 4

INVALID_REG_NUMBER_MESSAGE = (
    "Не корректный регистрационный номер. Корректным регистрационным номером программного продукта 1С "
    "считается номер от 500000 до 999999999999, либо имеется префикс ВО или FR"
)

REG_NUMBER_MIN = 500_000
REG_NUMBER_MAX = 999_999_999_999
PREFIXED_DIGITS_MAX = 20  # digits after ВО/FR: 1 to 20 (the spec gives no length; 20 bounds the key)

# «ВО» in any mix of Cyrillic В/О and their Latin look-alikes B/O, or Latin «FR»; then ASCII digits only.
_PLAIN = re.compile(r"[0-9]+")
_PREFIXED = re.compile(r"(?P<prefix>[ВB][ОO]|FR)(?P<digits>[0-9]{1,%d})" % PREFIXED_DIGITS_MAX)
_CANONICAL_VO = "\u0412\u041e"  # Cyrillic В + Cyrillic О
_MOSCOW = timezone(timedelta(hours=3))


def normalize_reg_number(text: str | None) -> str | None:
    """The canonical form of a registration number of a 1C software product, or None when it is not valid.

    Valid (spec: «от 500000 до 999999999999, либо имеется префикс ВО или FR»):
    - ASCII digits only, value 500000..999999999999 → the number without leading zeros ("0500000" → "500000");
    - `ВО` (Cyrillic, Latin `BO`, or a mix of the look-alikes) followed by 1–20 ASCII digits → `ВО` in Cyrillic
      plus the digits as written (leading zeros kept: after a prefix the digits are a code, not a value);
    - `FR` followed by 1–20 ASCII digits.
    Before checking, all whitespace is removed (inside too: "800 123 456") and letters are upper-cased.
    Anything else (other letters, hyphens, a prefix with nothing after it, signs, non-ASCII digits) is not valid.
    """
    if text is None:
        return None
    compact = "".join(str(text).split()).upper()
    if not compact:
        return None
    if _PLAIN.fullmatch(compact):
        digits = compact.lstrip("0") or "0"
        if len(digits) > len(str(REG_NUMBER_MAX)):  # before int(): no conversion of a megabyte of digits
            return None
        return digits if REG_NUMBER_MIN <= int(digits) <= REG_NUMBER_MAX else None
    match = _PREFIXED.fullmatch(compact)
    if match is None:
        return None
    prefix = "FR" if match.group("prefix") == "FR" else _CANONICAL_VO
    return prefix + match.group("digits")


def normalize_inn(text: str | None) -> str | None:
    """An INN as compared with the registry: all whitespace removed; None when nothing is left.

    No other cleaning: an INN with anything but digits left in it cannot equal a registry INN
    (10 or 12 digits, checked by the loader), so it never confirms a contract.
    """
    if text is None:
        return None
    compact = "".join(str(text).split())
    return compact or None


def _date(value: object, reg_number: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InternalError(f"ITS registry item {reg_number!r} has a malformed date {value!r}") from None


def its_contract(reg_number: str | None) -> Row | None:
    """The registry row of a valid registration number (one GetItem), else None (also for an invalid number).

    Keys: reg_number (normalized), inn, its_level (1, 2 or 4), date_from, date_to (`datetime.date`).
    """
    normalized = normalize_reg_number(reg_number)
    if normalized is None:
        return None
    item = table.get(keys.its_pk(normalized), ITS_SK, consistent=False)
    if item is None:
        return None
    level = item.get("its_level")
    if level not in CONTRACT_LEVELS:
        raise InternalError(f"ITS registry item {normalized!r} has level {level!r}, not one of 1, 2, 4")
    return {
        "reg_number": item["reg_number"],
        "inn": item["inn"],
        "its_level": level,
        "date_from": _date(item["date_from"], normalized),
        "date_to": _date(item["date_to"], normalized),
    }


def today_in_moscow() -> date:
    """The calendar day the ITS base works in (Moscow time, UTC+3), whatever the Lambda's clock zone."""
    return datetime.now(_MOSCOW).date()


def has_its_contract(reg_number: str | None, *, on: date | None = None) -> bool:
    """Whether the registration number has an ITS contract **in force** on `on` (default: today, Moscow):
    a registry row with date_from ≤ on ≤ date_to. One GetItem; False for an invalid or unknown number."""
    contract = its_contract(reg_number)
    if contract is None:
        return False
    day = on or today_in_moscow()
    return contract["date_from"] <= day <= contract["date_to"]


def default_pay_method_type_id(reg_number: str | None, *, on: date | None = None) -> int:
    """client_add_its / client_edit_its without pay_method_type_id: 4 «Оплата за 12 месяцев» when the
    number has an ITS contract in force, else 2 «Оплата взимается ежемесячно». One GetItem at most."""
    return PAY_METHOD_12_MONTHS if has_its_contract(reg_number, on=on) else PAY_METHOD_MONTHLY


def _status(level: int, date_from: date | None = None, date_to: date | None = None) -> list[Row]:
    return [{"ITSLevel": level, "DateFrom": date_from, "DateTo": date_to}]


def client_its_status_for_inn(reg_number: str | None, inn: str | None) -> list[Row]:
    """`client_ITS_status_For_INN(RegNumberPP1C, INN)`: one row, ITSLevel per the spec's table.

    0  the number is missing or not valid (no read at all);
    3  valid, but not in the registry;
    1/2/4  the registry's level, with its dates, when the INN equals the registry's INN;
    10 the number is in the registry but the INN differs, or no INN was given (it cannot be matched,
       and the caller learns nothing about the contract). Dates only for 1, 2 and 4.
    """
    normalized = normalize_reg_number(reg_number)
    if normalized is None:
        return _status(ITS_NONE)
    contract = its_contract(normalized)
    if contract is None:
        return _status(ITS_BASIC)
    given = normalize_inn(inn)
    if given is None or given != contract["inn"]:
        return _status(ITS_INN_MISMATCH)
    return _status(int(contract["its_level"]), contract["date_from"], contract["date_to"])
