"""Registration numbers of 1C software products and INNs as the ITS registry compares them (`partnerapi.logic.its`).

Spec (client_add_its, client_edit_its): «Корректным регистрационным номером программного продукта 1С
считается номер от 500000 до 999999999999, либо имеется префикс ВО или FR».
"""

import pytest
from partnerapi.data import keys
from partnerapi.logic.its import normalize_inn, normalize_reg_number

CYRILLIC_VO = "\u0412\u041e"  # В, О
LATIN_BO = "BO"


@pytest.mark.parametrize(
    "text, expected",
    [
        # the numeric range, both ends
        ("500000", "500000"),
        ("999999999999", "999999999999"),
        ("800123456", "800123456"),
        # leading zeros: the value counts, the canonical form drops them
        ("0500000", "500000"),
        ("000000999999999999", "999999999999"),
        # ВО in Cyrillic, in Latin look-alikes, and mixed: all the Cyrillic form
        (f"{CYRILLIC_VO}123", f"{CYRILLIC_VO}123"),
        (f"{LATIN_BO}123", f"{CYRILLIC_VO}123"),
        ("\u0412O123", f"{CYRILLIC_VO}123"),  # Cyrillic В + Latin O
        ("B\u041e123", f"{CYRILLIC_VO}123"),  # Latin B + Cyrillic О
        ("FR77", "FR77"),
        # after a prefix the digits are a code: leading zeros kept, any value, 1 to 20 digits
        ("FR0001", "FR0001"),
        ("во1", f"{CYRILLIC_VO}1"),
        (f"{LATIN_BO}0", f"{CYRILLIC_VO}0"),
        ("FR" + "9" * 20, "FR" + "9" * 20),
        # letter case
        ("fr77", "FR77"),
        ("Fr77", "FR77"),
        ("bo123", f"{CYRILLIC_VO}123"),
        ("\u0432\u043e123", f"{CYRILLIC_VO}123"),  # во
        # spaces: around, inside, tabs, non-breaking
        ("  800123456  ", "800123456"),
        ("800 123 456", "800123456"),
        (f"{CYRILLIC_VO} 123", f"{CYRILLIC_VO}123"),
        ("F R 7 7", "FR77"),
        ("\t800123456\n", "800123456"),
        ("800\u00a0123\u00a0456", "800123456"),
    ],
)
def test_valid_registration_numbers_are_normalized(text, expected):
    assert normalize_reg_number(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        # the numeric range, just outside
        "499999",
        "0",
        "1000000000000",
        "9" * 13,
        # a prefix needs digits after it, and only digits
        "FR",
        CYRILLIC_VO,
        LATIN_BO,
        "FR7A",
        "FR-77",
        f"{CYRILLIC_VO}-123",
        "FR" + "9" * 21,
        # letters elsewhere, other prefixes, other look-alikes
        "800123456A",
        "A800123456",
        "80012E456",
        "RF77",
        "FB77",
        "ВА123",
        "OB123",
        "ФР77",  # Cyrillic Ф Р is not FR
        "F\u0420" + "77",  # Latin F + Cyrillic Р (looks like P, not R)
        "123ВО",
        "FRFR77",
        # signs, separators, decimals, exponents, non-ASCII digits
        "+800123456",
        "-800123456",
        "800.123456",
        "800,123,456",
        "8e11",
        "\u0668\u0660\u0660\u0661\u0662\u0663\u0664\u0665\u0666",  # Arabic-Indic digits
        "８００１２３４５６",  # full-width digits
        # a megabyte of digits is refused without converting it
        "9" * 1_000_000,
    ],
)
def test_invalid_registration_numbers_are_none(text):
    assert normalize_reg_number(text) is None


def test_normalization_is_idempotent_so_the_loader_and_the_lookups_agree():
    for text in ("0500000", "bo 0123", "fr77", "ВО1", " 999999999999 "):
        once = normalize_reg_number(text)
        assert normalize_reg_number(once) == once


def test_both_spellings_of_vo_reach_the_same_registry_key():
    assert keys.its_pk(normalize_reg_number("BO123")) == keys.its_pk(normalize_reg_number("во 123")) == "ITS#ВО123"
    assert keys.its_pk("800123456") == "ITS#800123456"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("7701234567", "7701234567"),
        (" 7701 234 567 ", "7701234567"),
        ("770123456789", "770123456789"),
        ("", None),
        ("   ", None),
        (None, None),
        # anything but whitespace is kept, so it can never equal a registry INN (10 or 12 digits)
        ("ИНН7701234567", "ИНН7701234567"),
        ("7701-234567", "7701-234567"),
    ],
)
def test_inn_normalization_only_removes_whitespace(text, expected):
    assert normalize_inn(text) == expected
