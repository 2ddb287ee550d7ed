"""The one ID-resolution procedure (spec section 2) against moto with the demo data."""

import uuid

import pytest
from partnerapi.data.table import CallCounter
from partnerapi.errors import ReferenceNotFound
from partnerapi.logic.references import Kind, resolve
from support.demo import DEMO2_ID, DEMO2_USER, DEMO_ID, DEMO_USER_IVAN, MOSCOW, USER_EMAIL


def test_resolves_every_given_parameter_in_one_batch_read(demo_data):
    refs = resolve(DEMO_ID, {"partner_user_id": DEMO_USER_IVAN, "region_id": MOSCOW, "contact_type_id": USER_EMAIL, "role_id": "1", "partner_id": DEMO_ID})
    assert refs["partner_user_id"]["partner_user_name"] == "Иван"
    assert refs["region_id"]["region_name"] == "Москва"
    assert refs["contact_type_id"]["contact_type_code"] == 3
    assert refs["role_id"]["role_id"] == 1
    assert refs["partner_id"]["partner_id"] == DEMO_ID
    assert CallCounter.calls == {"batch_get_item": 1}


@pytest.mark.parametrize("value", [None, "", "   ", "\t"])
def test_not_given_values_resolve_to_none_without_reading(demo_data, value):
    assert resolve(DEMO_ID, {"partner_user_id": value}) == {"partner_user_id": None}
    assert CallCounter.calls == {}


def test_ids_are_case_insensitive_and_trimmed(demo_data):
    assert resolve(DEMO_ID, {"partner_user_id": f"  {DEMO_USER_IVAN.upper()} "})["partner_user_id"]["partner_user_id"] == DEMO_USER_IVAN


@pytest.mark.parametrize(
    "parameter, foreign",
    [("partner_user_id", DEMO2_USER), ("partner_id", DEMO2_ID)],
)
def test_foreign_unknown_and_malformed_ids_raise_the_same_error(demo_data, parameter, foreign):
    errors = []
    for value in (foreign, str(uuid.uuid4()), "not-a-guid"):
        with pytest.raises(ReferenceNotFound) as caught:
            resolve(DEMO_ID, {parameter: value})
        errors.append((type(caught.value), caught.value.faultcode, caught.value.parameter, caught.value.message.replace(value, "<id>")))
    assert errors[0] == errors[1] == errors[2]


def test_a_parameter_can_be_resolved_as_another_kind(demo_data):
    assert resolve(DEMO_ID, {"client_id": DEMO_USER_IVAN}, kinds={"client_id": Kind.PARTNER_USER})["client_id"]["partner_user_id"] == DEMO_USER_IVAN


def test_resolution_writes_nothing(demo_data):
    with pytest.raises(ReferenceNotFound):
        resolve(DEMO_ID, {"partner_user_id": DEMO_USER_IVAN, "region_id": str(uuid.uuid4())})
    assert set(CallCounter.calls) == {"batch_get_item"}


@pytest.mark.parametrize("role", ["-1", "1.5", "x", "1000000"])
def test_malformed_roles_are_not_found(demo_data, role):
    with pytest.raises(ReferenceNotFound):
        resolve(DEMO_ID, {"role_id": role})
