"""SOAP declarations of the partners group: the current partner, its contacts, roles, regions, employees."""

from spyne import Array, Boolean, Unicode, rpc

from partnerapi.logic import partners
from partnerapi.soap.rows import (
    LenientDate,
    PartnerContactRow,
    PartnerRegionRow,
    PartnerRoleRow,
    PartnerRow,
    PartnerUserContactRow,
    PartnerUserRow,
    PartnerUserWithBirthdayRow,
    StrictBoolean,
)
from partnerapi.soap.service_base import PartnerApiService, current_partner, rows


class PartnersService(PartnerApiService):
    @rpc(Unicode, _returns=Array(PartnerRow))
    def partner_read(ctx, partner_id):
        return rows(PartnerRow, partners.partner_read(current_partner(ctx), partner_id))

    @rpc(Unicode, Unicode, Unicode, _returns=Array(PartnerContactRow))
    def partner_contact_read(ctx, partner_id, region_id, contact_type_id):
        return rows(PartnerContactRow, partners.partner_contact_read(current_partner(ctx), partner_id, region_id, contact_type_id))

    @rpc(Unicode, Unicode, Unicode, _returns=Array(PartnerContactRow))
    def partner_contact_edit(ctx, region_id, contact_type_id, contact_view):
        return rows(PartnerContactRow, partners.partner_contact_edit(current_partner(ctx), region_id, contact_type_id, contact_view))

    @rpc(_returns=Array(PartnerRoleRow))
    def partner_role_read(ctx):
        return rows(PartnerRoleRow, partners.partner_role_read(current_partner(ctx)))

    @rpc(_returns=Array(PartnerRegionRow))
    def partner_region_read(ctx):
        return rows(PartnerRegionRow, partners.partner_region_read(current_partner(ctx)))

    @rpc(Unicode, StrictBoolean, _returns=Array(PartnerUserRow))
    def partner_user_read(ctx, partner_user_id, include_deleted):
        return rows(PartnerUserRow, partners.partner_user_read(current_partner(ctx), partner_user_id, include_deleted))

    @rpc(Unicode, StrictBoolean, _returns=Array(PartnerUserWithBirthdayRow))
    def partner_user_read_with_birthday(ctx, partner_user_id, include_deleted):
        found = partners.partner_user_read(current_partner(ctx), partner_user_id, include_deleted, with_birthday=True)
        return rows(PartnerUserWithBirthdayRow, found)

    @rpc(Unicode, Unicode, Unicode, _returns=Array(PartnerUserRow))
    def partner_user_add(ctx, partner_user_name, partner_user_family_name, partner_user_father_name):
        added = partners.partner_user_add(current_partner(ctx), partner_user_name, partner_user_family_name, partner_user_father_name)
        return rows(PartnerUserRow, added)

    # The spec's signature says client_id, its table says partner_user_id: both are declared.
    @rpc(Unicode, LenientDate, Unicode, _returns=Boolean)
    def partner_user_set_birthday(ctx, partner_user_id, birthday, client_id):
        return partners.partner_user_set_birthday(current_partner(ctx), partner_user_id, client_id, birthday)

    @rpc(Unicode, Unicode, Unicode, Unicode, _returns=Array(PartnerUserRow))
    def partner_user_edit(ctx, partner_user_id, partner_user_name, partner_user_family_name, partner_user_father_name):
        edited = partners.partner_user_edit(current_partner(ctx), partner_user_id, partner_user_name, partner_user_family_name, partner_user_father_name)
        return rows(PartnerUserRow, edited)

    @rpc(Unicode, _returns=Array(PartnerUserRow))
    def partner_user_delete(ctx, partner_user_id):
        return rows(PartnerUserRow, partners.partner_user_delete(current_partner(ctx), partner_user_id))

    @rpc(Unicode, Unicode, _returns=Array(PartnerUserContactRow))
    def partner_user_contact_read(ctx, partner_user_id, contact_type_id):
        return rows(PartnerUserContactRow, partners.partner_user_contact_read(current_partner(ctx), partner_user_id, contact_type_id))

    @rpc(Unicode, Unicode, Unicode, _returns=Array(PartnerUserContactRow))
    def partner_user_contact_edit(ctx, partner_user_id, contact_type_id, contact_view):
        edited = partners.partner_user_contact_edit(current_partner(ctx), partner_user_id, contact_type_id, contact_view)
        return rows(PartnerUserContactRow, edited)
