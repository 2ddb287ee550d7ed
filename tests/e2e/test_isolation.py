"""A partner only ever sees and changes its own data: another partner's ID is answered exactly like an
ID that does not exist, for every operation and every ID parameter, and nothing changes."""

import uuid

import pytest
from support.demo import DEMO2_USER, DEMO_ID, DEMO_USER_IVAN, USER_EMAIL
from support.faults import code, fault_of, rows

# operation → (keyword arguments with ID placeholder "{id}", the parameter that carries it)
ID_PARAMETERS = [
    ("partner_read", {"partner_id": "{id}"}),
    ("partner_contact_read", {"partner_id": "{id}"}),
    ("partner_user_read", {"partner_user_id": "{id}"}),
    ("partner_user_read_with_birthday", {"partner_user_id": "{id}"}),
    ("partner_user_set_birthday", {"partner_user_id": "{id}", "birthday": "1970-01-01"}),
    ("partner_user_set_birthday", {"client_id": "{id}", "birthday": "1970-01-01"}),
    ("partner_user_edit", {"partner_user_id": "{id}", "partner_user_name": "Взлом"}),
    ("partner_user_delete", {"partner_user_id": "{id}"}),
    ("partner_user_contact_read", {"partner_user_id": "{id}"}),
    ("partner_user_contact_edit", {"partner_user_id": "{id}", "contact_type_id": USER_EMAIL, "contact_view": "evil@example"}),
]
FOREIGN_IDS = {"partner_id": DEMO_ID, "partner_user_id": DEMO_USER_IVAN, "client_id": DEMO_USER_IVAN}


def demo_state(soap_client):
    demo = soap_client("demo", "demo")
    return (
        rows(demo.partner_read()),
        rows(demo.partner_user_read_with_birthday(None, True)),
        rows(demo.partner_user_contact_read()),
        rows(demo.partner_contact_read()),
    )


def _arguments(template: dict, value: str) -> dict:
    return {name: (value if argument == "{id}" else argument) for name, argument in template.items()}


@pytest.mark.parametrize("port", ["PartnerAPISoap", "PartnerAPISoap12"])
@pytest.mark.parametrize("operation, template", ID_PARAMETERS, ids=[f"{op}-{'-'.join(t)}" for op, t in ID_PARAMETERS])
def test_foreign_id_is_answered_like_an_unknown_id_and_changes_nothing(soap_client, port, operation, template):
    # Given the first partner's data and the second partner's client
    before = demo_state(soap_client)
    intruder = getattr(soap_client("demo2", "demo2", group="partners", port=port), operation)
    (parameter,) = [name for name, argument in template.items() if argument == "{id}"]
    foreign, unknown, malformed = FOREIGN_IDS[parameter], str(uuid.uuid4()), "12345"

    # When the second partner uses the first partner's ID, an unknown ID and a malformed one
    foreign_fault = fault_of(intruder, **_arguments(template, foreign))
    unknown_fault = fault_of(intruder, **_arguments(template, unknown))
    malformed_fault = fault_of(intruder, **_arguments(template, malformed))

    # Then all three faults are the same fault, naming only what the caller sent
    assert code(foreign_fault) == code(unknown_fault) == code(malformed_fault) == "Client.ReferenceNotFound"
    assert foreign_fault.message.replace(foreign, "<id>") == unknown_fault.message.replace(unknown, "<id>") == malformed_fault.message.replace(malformed, "<id>")
    # And nothing of the first partner changed
    assert demo_state(soap_client) == before


def test_lists_never_show_another_partners_employees(soap_client):
    demo_users = {row["partner_user_id"] for row in rows(soap_client("demo", "demo").partner_user_read(None, True))}
    demo2_users = {row["partner_user_id"] for row in rows(soap_client("demo2", "demo2").partner_user_read(None, True))}
    assert DEMO_USER_IVAN in demo_users and DEMO2_USER in demo2_users
    assert not demo_users & demo2_users
    assert all(row["partner_user_id"] in demo2_users for row in rows(soap_client("demo2", "demo2").partner_user_contact_read()))
