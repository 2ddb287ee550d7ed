"""SOAP declarations of the reference group (spec: region_read and the *_type_read operations)."""

from spyne import Array, Unicode, rpc

from partnerapi.logic import reference
from partnerapi.soap.rows import (
    CallStatusTypeRow,
    ContactTypeRow,
    PayMethodTypeRow,
    RegionRow,
    RemoteAccessTypeRow,
    RemoteStatusTypeRow,
    RoleRow,
)
from partnerapi.soap.service_base import PartnerApiService, current_partner, rows


class ReferenceService(PartnerApiService):
    @rpc(Unicode, _returns=Array(RegionRow))
    def region_read(ctx, region_id):
        return rows(RegionRow, reference.region_read(current_partner(ctx), region_id))

    @rpc(_returns=Array(ContactTypeRow))
    def contact_type_read(ctx):
        return rows(ContactTypeRow, reference.contact_type_read())

    @rpc(_returns=Array(RoleRow))
    def role_read(ctx):
        return rows(RoleRow, reference.role_read())

    @rpc(_returns=Array(CallStatusTypeRow))
    def call_status_type_read(ctx):
        return rows(CallStatusTypeRow, reference.call_status_type_read())

    @rpc(_returns=Array(RemoteStatusTypeRow))
    def remote_status_type_read(ctx):
        return rows(RemoteStatusTypeRow, reference.remote_status_type_read())

    @rpc(_returns=Array(RemoteAccessTypeRow))
    def remote_access_type_read(ctx):
        return rows(RemoteAccessTypeRow, reference.remote_access_type_read())

    @rpc(_returns=Array(PayMethodTypeRow))
    def pay_method_type_read(ctx):
        return rows(PayMethodTypeRow, reference.pay_method_type_read())
