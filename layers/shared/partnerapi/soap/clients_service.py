"""SOAP declarations of the clients group: clients, the ITS status, client contacts and employees."""

from spyne import Array, Boolean, Integer, Unicode, rpc

from partnerapi.errors import InvalidParameter
from partnerapi.logic import clients
from partnerapi.soap.rows import (
    ClientContactRow,
    ClientRow,
    ClientUserContactRow,
    ClientUserRow,
    ClientUserWithBirthdayRow,
    ItsStatusRow,
    LenientDate,
    StrictBoolean,
)
from partnerapi.soap.service_base import PartnerApiService, current_partner, rows

Clients = Array(ClientRow)


def pay_method(pay_method_type_id: int | None, pay_method_id: int | None) -> int | None:
    """The spec names this parameter pay_method_type_id in signatures and pay_method_id in texts: both are taken."""
    if pay_method_type_id is not None and pay_method_id is not None and pay_method_type_id != pay_method_id:
        raise InvalidParameter("pay_method_type_id и pay_method_id заданы с разными значениями")
    return pay_method_type_id if pay_method_type_id is not None else pay_method_id


class ClientsService(PartnerApiService):
    @rpc(Unicode, Unicode, StrictBoolean, _returns=Clients)
    def client_read(ctx, client_id, region_id, include_deleted):
        return rows(ClientRow, clients.client_read(current_partner(ctx), client_id, region_id, include_deleted))

    @rpc(Unicode, Unicode, StrictBoolean, Unicode, _returns=Clients)
    def client_read_advanced(ctx, client_id, region_id, include_deleted, addit_attribute):
        return rows(ClientRow, clients.client_read(current_partner(ctx), client_id, region_id, include_deleted, addit_attribute))

    @rpc(Unicode, Unicode, Unicode, Unicode, Unicode, _returns=Clients)
    def client_add(ctx, client_name, region_id, client_inn, client_kpp, client_full_name):
        return rows(ClientRow, clients.client_add(current_partner(ctx), client_name, region_id, client_inn, client_kpp, client_full_name))

    @rpc(Unicode, Unicode, Unicode, Unicode, Unicode, Unicode, Integer, Integer, _returns=Clients)
    def client_add_its(ctx, client_name, region_id, client_inn, client_kpp, client_full_name, client_reg_num, pay_method_type_id, pay_method_id):
        method = pay_method(pay_method_type_id, pay_method_id)
        added = clients.client_add(current_partner(ctx), client_name, region_id, client_inn, client_kpp, client_full_name, client_reg_num, method)
        return rows(ClientRow, added)

    @rpc(Unicode, Unicode, Unicode, Unicode, Unicode, Unicode, Integer, Unicode, Integer, _returns=Clients)
    def client_add_advanced(ctx, client_name, region_id, client_inn, client_kpp, client_full_name, client_reg_num, pay_method_type_id, addit_attribute, pay_method_id):
        method = pay_method(pay_method_type_id, pay_method_id)
        added = clients.client_add(current_partner(ctx), client_name, region_id, client_inn, client_kpp, client_full_name, client_reg_num, method, addit_attribute)
        return rows(ClientRow, added)

    @rpc(Unicode, Unicode, Unicode, Unicode, Unicode, Unicode, _returns=Clients)
    def client_edit(ctx, client_id, client_name, region_id, client_inn, client_kpp, client_full_name):
        return rows(ClientRow, clients.client_edit(current_partner(ctx), client_id, client_name, region_id, client_inn, client_kpp, client_full_name))

    @rpc(Unicode, Unicode, Unicode, Unicode, Unicode, Unicode, Unicode, Integer, Integer, _returns=Clients)
    def client_edit_its(ctx, client_id, client_name, region_id, client_inn, client_kpp, client_full_name, client_reg_num, pay_method_type_id, pay_method_id):
        method = pay_method(pay_method_type_id, pay_method_id)
        edited = clients.client_edit(current_partner(ctx), client_id, client_name, region_id, client_inn, client_kpp, client_full_name, client_reg_num, method)
        return rows(ClientRow, edited)

    @rpc(Unicode, Unicode, Unicode, Unicode, Unicode, Unicode, Unicode, Integer, Unicode, Integer, _returns=Clients)
    def client_edit_advanced(ctx, client_id, client_name, region_id, client_inn, client_kpp, client_full_name, client_reg_num, pay_method_type_id, addit_attribute, pay_method_id):
        method = pay_method(pay_method_type_id, pay_method_id)
        partner = current_partner(ctx)
        edited = clients.client_edit(partner, client_id, client_name, region_id, client_inn, client_kpp, client_full_name, client_reg_num, method, addit_attribute)
        return rows(ClientRow, edited)

    @rpc(Unicode, Unicode, _returns=Array(ItsStatusRow))
    def client_ITS_status_For_INN(ctx, RegNumberPP1C, INN):  # noqa: N802, N803 - the spec's names
        return rows(ItsStatusRow, clients.client_its_status_for_inn(RegNumberPP1C, INN))

    @rpc(Unicode, _returns=Clients)
    def client_delete(ctx, client_id):
        return rows(ClientRow, clients.client_delete(current_partner(ctx), client_id))

    @rpc(Unicode, Unicode, _returns=Array(ClientContactRow))
    def client_contact_read(ctx, client_id, contact_type_id):
        return rows(ClientContactRow, clients.client_contact_read(current_partner(ctx), client_id, contact_type_id))

    @rpc(Unicode, Unicode, Unicode, _returns=Array(ClientContactRow))
    def client_contact_edit(ctx, client_id, contact_type_id, contact_view):
        return rows(ClientContactRow, clients.client_contact_edit(current_partner(ctx), client_id, contact_type_id, contact_view))

    @rpc(Unicode, Unicode, StrictBoolean, _returns=Array(ClientUserRow))
    def client_user_read(ctx, client_user_id, client_id, include_deleted):
        return rows(ClientUserRow, clients.client_user_read(current_partner(ctx), client_user_id, client_id, include_deleted))

    @rpc(Unicode, Unicode, StrictBoolean, _returns=Array(ClientUserWithBirthdayRow))
    def client_user_read_with_birthday(ctx, client_user_id, client_id, include_deleted):
        found = clients.client_user_read(current_partner(ctx), client_user_id, client_id, include_deleted, with_birthday=True)
        return rows(ClientUserWithBirthdayRow, found)

    @rpc(Unicode, Unicode, Unicode, Unicode, _returns=Array(ClientUserRow))
    def client_user_add(ctx, client_id, client_user_name, client_user_family_name, client_user_father_name):
        added = clients.client_user_add(current_partner(ctx), client_id, client_user_name, client_user_family_name, client_user_father_name)
        return rows(ClientUserRow, added)

    @rpc(Unicode, Unicode, Unicode, Unicode, _returns=Array(ClientUserRow))
    def client_user_edit(ctx, client_user_id, client_user_name, client_user_family_name, client_user_father_name):
        edited = clients.client_user_edit(current_partner(ctx), client_user_id, client_user_name, client_user_family_name, client_user_father_name)
        return rows(ClientUserRow, edited)

    @rpc(Unicode, LenientDate, _returns=Boolean)
    def client_user_set_birthday(ctx, client_user_id, birthday):
        return clients.client_user_set_birthday(current_partner(ctx), client_user_id, birthday)

    @rpc(Unicode, _returns=Array(ClientUserRow))
    def client_user_delete(ctx, client_user_id):
        return rows(ClientUserRow, clients.client_user_delete(current_partner(ctx), client_user_id))

    @rpc(Unicode, Unicode, _returns=Array(ClientUserContactRow))
    def client_user_contact_read(ctx, client_user_id, contact_type_id):
        return rows(ClientUserContactRow, clients.client_user_contact_read(current_partner(ctx), client_user_id, contact_type_id))

    @rpc(Unicode, Unicode, Unicode, _returns=Array(ClientUserContactRow))
    def client_user_contact_edit(ctx, client_user_id, contact_type_id, contact_view):
        edited = clients.client_user_contact_edit(current_partner(ctx), client_user_id, contact_type_id, contact_view)
        return rows(ClientUserContactRow, edited)
