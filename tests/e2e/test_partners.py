"""The partners group over the wire with zeep: the partner, its contacts, roles, regions and employees."""

import uuid

import pytest
from lxml import etree
from support.demo import (
    CLIENT_ADDRESS,
    DEMO,
    DEMO2_ID,
    DEMO_ID,
    DEMO_USER_IVAN,
    MOSCOW,
    NOVOSIBIRSK,
    PARTNER_NAME_IN_REGION,
    PARTNER_PHONE,
    PARTNER_SITE,
    SPB,
    USER_EMAIL,
    USER_PHONE,
)
from support.faults import code, fault_of, rows
from support.soap import TNS, envelope, post
from zeep import xsd

PORTS = ["PartnerAPISoap", "PartnerAPISoap12"]


@pytest.fixture(params=PORTS)
def api(request, soap_client):
    """The partners group of the demo partner, through the single URL, in SOAP 1.1 and 1.2."""
    return soap_client(port=request.param)


@pytest.fixture
def new_user(api):
    """Factory: adds an employee of the demo partner and returns its row."""

    def add(name="Сотрудник", family="Тестов", father="Тестович"):
        (row,) = rows(api.partner_user_add(name, family, father))
        return row

    return add


# --- partner_read ---------------------------------------------------------------------------


def test_partner_read_returns_the_current_partner(api):
    assert [(row["partner_id"], row["partner_name"]) for row in rows(api.partner_read())] == [(DEMO_ID, DEMO["partner_name"])]
    assert rows(api.partner_read(DEMO_ID))[0]["partner_id"] == DEMO_ID
    assert rows(api.partner_read(DEMO_ID.upper()))[0]["partner_id"] == DEMO_ID


def test_partner_read_of_another_partner_is_answered_like_an_unknown_id(api):
    unknown = str(uuid.uuid4())
    foreign = fault_of(api.partner_read, DEMO2_ID)
    missing = fault_of(api.partner_read, unknown)
    assert code(foreign) == code(missing) == "Client.ReferenceNotFound"
    assert foreign.message.replace(DEMO2_ID, "ID") == missing.message.replace(unknown, "ID")


# --- regions, roles -------------------------------------------------------------------------


def test_partner_region_read_lists_the_granted_regions(api):
    assert {(row["partner_id"], row["region_id"]) for row in rows(api.partner_region_read())} == {(DEMO_ID, MOSCOW), (DEMO_ID, SPB)}


def test_partner_role_read_lists_role_ids_as_strings(api):
    assert sorted((row["partner_id"], row["role_id"]) for row in rows(api.partner_role_read())) == [(DEMO_ID, "1"), (DEMO_ID, "3")]


# --- partner contacts -----------------------------------------------------------------------


def test_partner_contact_read_filters_by_region_and_type(api):
    everything = rows(api.partner_contact_read())
    assert {row["region_id"] for row in everything} >= {MOSCOW, SPB}
    in_spb = rows(api.partner_contact_read(None, SPB))
    assert in_spb and all(row["region_id"] == SPB for row in in_spb)
    names = rows(api.partner_contact_read(DEMO_ID, None, PARTNER_NAME_IN_REGION))
    assert names and all(row["contact_type_id"] == PARTNER_NAME_IN_REGION and row["partner_id"] == DEMO_ID for row in names)


def test_partner_contact_read_does_not_check_region_availability(api):
    # spec: «При указании региона не выполняется проверка на доступность региона»
    assert rows(api.partner_contact_read(None, NOVOSIBIRSK)) == []


def test_partner_contact_read_refuses_contact_types_of_other_codes(api):
    fault = fault_of(api.partner_contact_read, None, None, USER_PHONE)
    assert code(fault) == "Client.ContactTypeNotAllowed" and "contact_type_code = 2" in fault.message


def test_partner_contact_edit_writes_cuts_to_500_and_clears(api):
    (row,) = rows(api.partner_contact_edit(SPB, PARTNER_SITE, "https://spb.demo.example"))
    assert (row["partner_id"], row["region_id"], row["contact_type_id"], row["contact_view"]) == (DEMO_ID, SPB, PARTNER_SITE, "https://spb.demo.example")
    assert rows(api.partner_contact_read(None, SPB, PARTNER_SITE))[0]["contact_view"] == "https://spb.demo.example"

    long_view = "Ж" * 600
    assert rows(api.partner_contact_edit(SPB, PARTNER_SITE, long_view))[0]["contact_view"] == "Ж" * 500
    assert rows(api.partner_contact_read(None, SPB, PARTNER_SITE))[0]["contact_view"] == "Ж" * 500

    api.partner_contact_edit(SPB, PARTNER_SITE, "")
    assert rows(api.partner_contact_read(None, SPB, PARTNER_SITE)) == []


def test_partner_contact_edit_in_an_unavailable_region_is_refused_and_writes_nothing(api):
    fault = fault_of(api.partner_contact_edit, NOVOSIBIRSK, PARTNER_PHONE, "+7 383 000-00-00")
    assert code(fault) == "Client.RegionNotAvailable"
    assert rows(api.partner_contact_read(None, NOVOSIBIRSK)) == []


@pytest.mark.parametrize("contact_type", [CLIENT_ADDRESS, USER_EMAIL])
def test_partner_contact_edit_refuses_contact_types_of_other_codes(api, contact_type):
    fault = fault_of(api.partner_contact_edit, MOSCOW, contact_type, "x")
    assert code(fault) == "Client.ContactTypeNotAllowed"


@pytest.mark.parametrize("arguments", [(None, PARTNER_PHONE, "x"), ("  ", PARTNER_PHONE, "x"), (MOSCOW, None, "x"), (MOSCOW, PARTNER_PHONE, None)])
def test_partner_contact_edit_requires_its_parameters(api, arguments):
    assert code(fault_of(api.partner_contact_edit, *arguments)) == "Client.MissingParameter"


# --- employees ------------------------------------------------------------------------------


def test_partner_user_add_returns_the_new_employee_and_reads_it_back(api, new_user):
    row = new_user("Мария", "Котова", "Павловна")
    assert (row["partner_id"], row["partner_user_name"], row["partner_user_family_name"], row["partner_user_father_name"], row["partner_user_del"]) == (
        DEMO_ID,
        "Мария",
        "Котова",
        "Павловна",
        False,
    )
    uuid.UUID(row["partner_user_id"])
    assert rows(api.partner_user_read(row["partner_user_id"]))[0]["partner_user_family_name"] == "Котова"
    assert row["partner_user_id"] in {user["partner_user_id"] for user in rows(api.partner_user_read())}


@pytest.mark.parametrize("name", [None, "", "   "])
def test_partner_user_add_requires_a_name(api, name):
    before = len(rows(api.partner_user_read(None, True)))
    fault = fault_of(api.partner_user_add, name, "Фамилия", None)
    assert code(fault) == "Client.MissingParameter"
    assert len(rows(api.partner_user_read(None, True))) == before


def test_partner_user_edit_nil_leaves_empty_clears_value_replaces(api, new_user):
    user = new_user("Имя", "Фамилия", "Отчество")["partner_user_id"]
    # nil (xsi:nil), "" and a value, in one call
    (row,) = rows(api.partner_user_edit(user, xsd.Nil, "", "Новое"))
    assert row["partner_user_name"] == "Имя"
    assert not row["partner_user_family_name"]
    assert row["partner_user_father_name"] == "Новое"
    # omitted: nothing changes
    (row,) = rows(api.partner_user_edit(user))
    assert (row["partner_user_name"], row["partner_user_father_name"]) == ("Имя", "Новое")
    (stored,) = rows(api.partner_user_read(user))
    assert (stored["partner_user_name"], stored["partner_user_family_name"], stored["partner_user_father_name"]) == ("Имя", None, "Новое")


def test_partner_user_edit_over_raw_xml_distinguishes_nil_empty_and_omitted(sandbox, api, new_user):
    user = new_user("Имя", "Фамилия", "Отчество")["partner_user_id"]
    body = envelope(
        "partner_user_edit",
        f"<t:partner_user_id>{user}</t:partner_user_id><t:partner_user_name xsi:nil='true'/><t:partner_user_family_name/>",
    )
    response = post(sandbox.url("partners"), body)
    assert response.status_code == 200
    result = etree.fromstring(response.content).find(f".//{{{TNS}}}partner_user")
    assert result.findtext(f"{{{TNS}}}partner_user_name") == "Имя"  # nil: unchanged
    assert result.findtext(f"{{{TNS}}}partner_user_family_name") == ""  # empty element: cleared
    assert result.findtext(f"{{{TNS}}}partner_user_father_name") == "Отчество"  # omitted: unchanged


def test_partner_user_edit_requires_the_employee(api):
    fault = fault_of(api.partner_user_edit, None, "Имя")
    assert code(fault) == "Client.MissingParameter" and "partner_user_id" in fault.message


def test_partner_user_delete_toggles_and_include_deleted_filters(api, new_user):
    user = new_user()["partner_user_id"]
    assert rows(api.partner_user_delete(user))[0]["partner_user_del"] is True
    assert user not in {row["partner_user_id"] for row in rows(api.partner_user_read())}
    assert user not in {row["partner_user_id"] for row in rows(api.partner_user_read(None, False))}
    assert user in {row["partner_user_id"] for row in rows(api.partner_user_read(None, True))}
    # asked for by ID, a deleted employee is still returned
    assert rows(api.partner_user_read(user))[0]["partner_user_del"] is True
    # the second call restores
    assert rows(api.partner_user_delete(user))[0]["partner_user_del"] is False
    assert user in {row["partner_user_id"] for row in rows(api.partner_user_read())}


@pytest.mark.parametrize(
    "birthday",
    ["1990-05-17", "1990-05-17T00:00:00", "1990-05-17T00:00:00.000", "1990-05-17T00:00:00.000+06:00"],
)
def test_partner_user_set_birthday_accepts_every_documented_form(sandbox, api, new_user, birthday):
    user = new_user()["partner_user_id"]
    # raw XML: zeep would format a date itself, a partner's script may send any of the spec's forms
    body = envelope("partner_user_set_birthday", f"<t:partner_user_id>{user}</t:partner_user_id><t:birthday>{birthday}</t:birthday>")
    response = post(sandbox.url("partners"), body)
    assert response.status_code == 200 and b">true<" in response.content
    assert str(rows(api.partner_user_read_with_birthday(user))[0]["partner_user_birthday"]) == "1990-05-17"


def test_partner_user_set_birthday_takes_the_spec_signatures_client_id_too(api, new_user):
    user = new_user()["partner_user_id"]
    assert api.partner_user_set_birthday(client_id=user, birthday="2001-02-03") is True
    assert str(rows(api.partner_user_read_with_birthday(user))[0]["partner_user_birthday"]) == "2001-02-03"
    # the empty date of 1C clears it
    assert api.partner_user_set_birthday(user, "0001-01-01") is True
    assert rows(api.partner_user_read_with_birthday(user))[0]["partner_user_birthday"] is None


def test_partner_user_set_birthday_refuses_two_different_employees(api, new_user):
    first, second = new_user()["partner_user_id"], new_user()["partner_user_id"]
    assert code(fault_of(api.partner_user_set_birthday, first, "2001-02-03", second)) == "Client.ReferenceNotFound"


@pytest.mark.parametrize("birthday", [None, "", "17.05.1990", "1990-02-30"])
def test_partner_user_set_birthday_refuses_missing_or_invalid_dates(api, new_user, birthday):
    user = new_user()["partner_user_id"]
    fault = fault_of(api.partner_user_set_birthday, user, birthday)
    assert code(fault) in ("Client.MissingParameter", "Client.InvalidParameter")
    assert rows(api.partner_user_read_with_birthday(user))[0]["partner_user_birthday"] is None


def test_partner_user_read_with_birthday_has_the_birthday_field(api):
    (ivan,) = rows(api.partner_user_read_with_birthday(DEMO_USER_IVAN))
    assert "partner_user_birthday" in ivan
    assert "partner_user_birthday" not in rows(api.partner_user_read(DEMO_USER_IVAN))[0]


def test_a_blank_reference_counts_as_not_given(api):
    assert {row["partner_user_id"] for row in rows(api.partner_user_read("   "))} == {row["partner_user_id"] for row in rows(api.partner_user_read())}


# --- employee contacts ----------------------------------------------------------------------


@pytest.mark.parametrize("contact_type", [USER_PHONE, PARTNER_PHONE])  # codes 3 and 2: see docs/spec-notes.md
def test_partner_user_contact_edit_overwrites_and_reads_back(api, new_user, contact_type):
    user = new_user()["partner_user_id"]
    api.partner_user_contact_edit(user, contact_type, "+7 900 000-00-01")
    (row,) = rows(api.partner_user_contact_edit(user, contact_type, "+7 900 000-00-02"))
    assert (row["partner_user_id"], row["contact_type_id"], row["contact_view"]) == (user, contact_type, "+7 900 000-00-02")
    assert [r["contact_view"] for r in rows(api.partner_user_contact_read(user, contact_type))] == ["+7 900 000-00-02"]


def test_partner_user_contact_edit_cuts_to_500_and_clears(api, new_user):
    user = new_user()["partner_user_id"]
    assert rows(api.partner_user_contact_edit(user, USER_EMAIL, "a" * 501))[0]["contact_view"] == "a" * 500
    api.partner_user_contact_edit(user, USER_EMAIL, "")
    assert rows(api.partner_user_contact_read(user)) == []


def test_partner_user_contact_read_without_employee_lists_all_employees_contacts(api, new_user):
    user = new_user()["partner_user_id"]
    api.partner_user_contact_edit(user, USER_EMAIL, "x@demo.example")
    everyone = {(row["partner_user_id"], row["contact_type_id"]) for row in rows(api.partner_user_contact_read())}
    assert (user, USER_EMAIL) in everyone and (DEMO_USER_IVAN, USER_EMAIL) in everyone


@pytest.mark.parametrize("operation", ["partner_user_contact_edit", "partner_user_contact_read"])
def test_partner_user_contacts_refuse_client_contact_types(api, new_user, operation):
    user = new_user()["partner_user_id"]
    arguments = (user, CLIENT_ADDRESS, "x") if operation.endswith("edit") else (user, CLIENT_ADDRESS)
    assert code(fault_of(getattr(api, operation), *arguments)) == "Client.ContactTypeNotAllowed"
    assert rows(api.partner_user_contact_read(user)) == []
