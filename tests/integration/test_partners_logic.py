"""Write agreement in the partners logic: conditions and transactions hold under races (moto)."""

import pytest
from partnerapi.data import keys, table
from partnerapi.errors import RegionNotAvailable
from partnerapi.logic import partners
from support.demo import DEMO_ID, MOSCOW, PARTNER_PHONE


def test_a_toggle_that_lost_a_race_is_retried_on_the_fresh_state(demo_data, monkeypatch):
    # Given an employee that another request deleted after this request had read it as live
    (user,) = partners.partner_user_add(DEMO_ID, "Гонка", "", "")
    stale = partners.resolve(DEMO_ID, {"partner_user_id": user["partner_user_id"]})
    partners.partner_user_delete(DEMO_ID, user["partner_user_id"])
    monkeypatch.setattr(partners, "resolve", lambda *args, **kwargs: stale)
    # When this request's toggle is applied
    (row,) = partners.partner_user_delete(DEMO_ID, user["partner_user_id"])
    # Then its condition failed on the stale value, it re-read, and it toggled the fresh state:
    # two toggles in all, so the employee is live again (a blind write would have left it deleted)
    assert row["partner_user_del"] is False
    assert table.get(keys.partner_pk(DEMO_ID), keys.partner_user_sk(user["partner_user_id"]))["partner_user_del"] is False


def test_contact_edit_in_a_revoked_region_fails_whole(demo_data):
    # Given the operator revoked a region the partner has contacts in
    table.delete(keys.partner_pk(DEMO_ID), keys.partner_region_sk(MOSCOW))
    before = partners.partner_contact_read(DEMO_ID, None, MOSCOW, PARTNER_PHONE)
    # When the contact is edited
    with pytest.raises(RegionNotAvailable):
        partners.partner_contact_edit(DEMO_ID, MOSCOW, PARTNER_PHONE, "+7 000")
    # Then the transaction wrote nothing
    assert partners.partner_contact_read(DEMO_ID, None, MOSCOW, PARTNER_PHONE) == before


def test_user_contact_edit_of_a_user_removed_mid_way_writes_nothing(demo_data, monkeypatch):
    (user,) = partners.partner_user_add(DEMO_ID, "Временный", "", "")
    resolved = partners.resolve(DEMO_ID, {"partner_user_id": user["partner_user_id"], "contact_type_id": "0c9e2a4b-7d1f-4c3a-8e55-2b7a9c100302"})
    table.delete(keys.partner_pk(DEMO_ID), keys.partner_user_sk(user["partner_user_id"]))
    monkeypatch.setattr(partners, "resolve", lambda *args, **kwargs: resolved)
    with pytest.raises(Exception) as caught:
        partners.partner_user_contact_edit(DEMO_ID, user["partner_user_id"], "0c9e2a4b-7d1f-4c3a-8e55-2b7a9c100302", "x@y")
    assert type(caught.value).__name__ == "ReferenceNotFound"
    assert table.query_all(keys.partner_pk(DEMO_ID), keys.partner_user_contact_sk(user["partner_user_id"])) == []
