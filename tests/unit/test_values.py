"""Scalar parameter validation shared by every operation (`partnerapi.logic.values`)."""

from datetime import date

import pytest
from partnerapi.errors import InvalidParameter, MissingParameter
from partnerapi.logic.values import blank_to_none, cut, parse_date, require

SEPT_14 = date(2012, 9, 14)


@pytest.mark.parametrize(
    "text",
    [
        "2012-09-14",
        "2012-09-14T00:00:00",
        "2012-09-14T00:00:00.000",
        "2012-09-14T00:00:00.000+06:00",
        "2012-09-14T00:00:00.000-03:30",
        "2012-09-14T00:00:00Z",
        "2012-09-14T00:00:00.000Z",
        "2012-09-14+06:00",
        "2012-09-14Z",
        "  2012-09-14  ",
    ],
)
def test_parse_date_accepts_the_documented_forms(text):
    # The spec's forms (plain date, «…00», «…000», «…000+06:00») and their xs:date / xs:dateTime kin
    assert parse_date(text, "birthday") == SEPT_14


def test_parse_date_takes_the_date_as_written_whatever_the_offset():
    # 23:30 at +06:00 is 17:30 UTC the same day; 00:30 at +06:00 is the previous day in UTC:
    # the caller's own calendar date is kept, not shifted
    assert parse_date("2012-09-14T00:30:00.000+06:00", "birthday") == SEPT_14
    assert parse_date("2012-09-14T23:59:59.999-11:00", "birthday") == SEPT_14


def test_parse_date_accepts_the_empty_date_of_1c():
    assert parse_date("0001-01-01T00:00:00", "birthday") == date(1, 1, 1)


@pytest.mark.parametrize(
    "text",
    [
        "14.09.2012",
        "2012-13-01",
        "2012-02-30",
        "2012-09-14T25:00:00",
        "2012-09-14T12:60:00",
        "2012-09-14T00:00",
        "2012-9-14",
        "20120914",
        "2012-09-14 00:00:00",
        "2012-09-14T00:00:00+0600",
        "２０１２-09-14",
        "not-a-date",
        "2012-09-14x",
    ],
)
def test_parse_date_rejects_other_forms_naming_the_parameter(text):
    # When a malformed date is given for a named parameter
    with pytest.raises(InvalidParameter) as error:
        parse_date(text, "contract_start_date")
    # Then the fault names the parameter and the value, and is the caller's (Client) fault
    assert "contract_start_date" in error.value.message
    assert text.strip() in error.value.message
    assert error.value.faultcode.startswith("Client")


@pytest.mark.parametrize("text", ["2012-09-14T00:00:00.000+99:99", "2012-09-14T00:00:00+25:00"])
def test_parse_date_rejects_an_impossible_offset(text):
    with pytest.raises(InvalidParameter):
        parse_date(text, "birthday")


@pytest.mark.parametrize("text", [None, "", "   ", "\t\n"])
def test_parse_date_treats_blank_as_not_given(text):
    assert parse_date(text, "birthday") is None


@pytest.mark.parametrize(("value", "expected"), [(None, None), ("", None), ("   ", None), (" a b ", "a b"), ("x", "x"), ("\u00a0", None)])
def test_blank_to_none(value, expected):
    assert blank_to_none(value) == expected


def test_require_returns_the_stripped_value():
    assert require("  b0000000-0000-4000-8000-000000000101 ", "нужно") == "b0000000-0000-4000-8000-000000000101"


@pytest.mark.parametrize("value", [None, "", "    "])
def test_require_refuses_missing_with_the_given_message(value):
    message = "Не указан сотрудник партнера (partner_user_id)"
    with pytest.raises(MissingParameter) as error:
        require(value, message)
    assert error.value.message == message
    assert error.value.faultcode.startswith("Client")


@pytest.mark.parametrize(
    ("value", "length", "expected"),
    [
        (None, 5, None),
        ("", 5, ""),
        ("abc", 5, "abc"),
        ("abcde", 5, "abcde"),
        ("abcdef", 5, "abcde"),
        ("Щёлково-Юг", 6, "Щёлков"),
    ],
)
def test_cut_keeps_the_first_characters(value, length, expected):
    assert cut(value, length) == expected


def test_cut_counts_characters_not_bytes():
    # 500 Cyrillic characters are 1000 bytes of UTF-8; all 500 are kept
    value = "я" * 501
    assert cut(value, 500) == "я" * 500
