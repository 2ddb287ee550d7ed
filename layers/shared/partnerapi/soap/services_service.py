"""SOAP declarations of the services group: vendors, service types, contracts, contract services and
subscriptions, in the order of the spec's table of contents."""

from spyne import Array, Unicode, rpc

from partnerapi.logic import contracts, service_types, subscriptions, vendors
from partnerapi.soap.rows import ClientRow, ContractRow, ContractServiceRow, LenientDate, PartnerRow, ServiceRow, ServiceTypeRow, StrictBoolean
from partnerapi.soap.service_base import PartnerApiService, current_partner, rows

ServiceTypes = Array(ServiceTypeRow)
ContractServices = Array(ContractServiceRow)
Services = Array(ServiceRow)


class ServicesService(PartnerApiService):
    @rpc(Unicode, _returns=Array(PartnerRow))
    def partner_vendor_read(ctx, service_id):
        return rows(PartnerRow, vendors.partner_vendor_read(current_partner(ctx), service_id))

    @rpc(Unicode, Unicode, _returns=Array(ClientRow))
    def client_vendor_read(ctx, service_type_id, partner_id):
        return rows(ClientRow, vendors.client_vendor_read(current_partner(ctx), service_type_id, partner_id))

    # the operations table adds include_deleted (and service_type_del to the result): declared last (S2)
    @rpc(Unicode, Unicode, StrictBoolean, _returns=ServiceTypes)
    def service_type_read(ctx, service_type_id, partner_id, include_deleted):
        return rows(ServiceTypeRow, service_types.service_type_read(current_partner(ctx), service_type_id, partner_id, include_deleted))

    @rpc(Unicode, Unicode, _returns=ServiceTypes)
    def service_type_add(ctx, service_type_name, service_type_full_name):
        return rows(ServiceTypeRow, service_types.service_type_add(current_partner(ctx), service_type_name, service_type_full_name))

    @rpc(Unicode, Unicode, Unicode, _returns=ServiceTypes)
    def service_type_edit(ctx, service_type_id, service_type_name, service_type_full_name):
        return rows(ServiceTypeRow, service_types.service_type_edit(current_partner(ctx), service_type_id, service_type_name, service_type_full_name))

    @rpc(Unicode, _returns=ServiceTypes)
    def service_type_delete(ctx, service_type_id):
        return rows(ServiceTypeRow, service_types.service_type_delete(current_partner(ctx), service_type_id))

    @rpc(Unicode, LenientDate, LenientDate, Unicode, _returns=Array(ContractRow))
    def contract_read(ctx, contract_id, contract_start_date, contract_end_date, role_id):
        return rows(ContractRow, contracts.contract_read(current_partner(ctx), contract_id, contract_start_date, contract_end_date, role_id))

    @rpc(Unicode, Unicode, LenientDate, LenientDate, _returns=ContractServices)
    def contract_service_read(ctx, contract_id, service_type_id, contract_service_start_date, contract_service_end_date):
        found = contracts.contract_service_read(current_partner(ctx), contract_id, service_type_id, contract_service_start_date, contract_service_end_date)
        return rows(ContractServiceRow, found)

    @rpc(Unicode, LenientDate, _returns=ContractServices)
    def contract_service_add(ctx, service_type_id, contract_service_start_date):
        return rows(ContractServiceRow, contracts.contract_service_add(current_partner(ctx), service_type_id, contract_service_start_date))

    @rpc(Unicode, _returns=ContractServices)
    def contract_service_delete(ctx, service_type_id):
        return rows(ContractServiceRow, contracts.contract_service_delete(current_partner(ctx), service_type_id))

    @rpc(Unicode, Unicode, Unicode, Unicode, LenientDate, LenientDate, Unicode, Unicode, _returns=Services)
    def service_read(ctx, service_id, sale_partner_id, client_id, service_partner_id, service_start_date, service_end_date, agent_user_id, service_type_id):
        partner = current_partner(ctx)
        found = subscriptions.service_read(
            partner, service_id, sale_partner_id, client_id, service_partner_id, service_start_date, service_end_date, agent_user_id, service_type_id
        )
        return rows(ServiceRow, found)

    @rpc(Unicode, Unicode, LenientDate, LenientDate, Unicode, Unicode, _returns=Services)
    def service_add(ctx, client_id, service_partner_id, service_start_date, service_end_date, agent_user_id, service_type_id):
        added = subscriptions.service_add(current_partner(ctx), client_id, service_partner_id, service_start_date, service_end_date, agent_user_id, service_type_id)
        return rows(ServiceRow, added)

    @rpc(Unicode, _returns=Services)
    def service_stop(ctx, service_id):
        return rows(ServiceRow, subscriptions.service_stop(current_partner(ctx), service_id))

    @rpc(Unicode, Unicode, LenientDate, LenientDate, _returns=Services)
    def service_edit(ctx, service_id, service_partner_id, service_start_date, service_end_date):
        return rows(ServiceRow, subscriptions.service_edit(current_partner(ctx), service_id, service_partner_id, service_start_date, service_end_date))
