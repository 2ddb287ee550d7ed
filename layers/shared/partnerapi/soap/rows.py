"""spyne declarations of the result rows (one per object of the spec) and of lenient parameter types."""

from spyne import Boolean, ComplexModel, Date, Integer, Unicode
from spyne.const.xml import NS_XSD

from partnerapi.soap import TNS


class LenientDate(Unicode):
    """Published as xs:date, parsed by the shared validation: `YYYY-MM-DD` and the spec's datetime forms."""

    __type_name__ = "date"
    __namespace__ = NS_XSD


class StrictBoolean(Unicode):
    """Published as xs:boolean, parsed strictly by the shared validation (spyne reads any text as false)."""

    __type_name__ = "boolean"
    __namespace__ = NS_XSD


class Row(ComplexModel):
    __namespace__ = TNS


def column(field_type: type) -> type:
    """A column of the spec's «строгой табличной форме»: always written (minOccurs 1), null as xsi:nil."""
    return field_type.customize(min_occurs=1, nillable=True)


def row_type(type_name: str, **fields: type) -> type[Row]:
    """A result row: the spec's field names, in the spec's order, every one a `column`."""
    columns = [(name, column(field_type)) for name, field_type in fields.items()]
    return type(type_name, (Row,), {"__type_name__": type_name, "__namespace__": TNS, "_type_info": columns})


# reference group
RegionRow = row_type("region", region_id=Unicode, region_name=Unicode, region_time_zone=Integer)
ContactTypeRow = row_type("contact_type", contact_type_id=Unicode, contact_type_name=Unicode, contact_type_code=Integer)
RoleRow = row_type("role", role_id=Integer, role_name=Unicode)
CallStatusTypeRow = row_type("call_status_type", call_status_type_id=Integer, call_status_type_name=Unicode)
RemoteStatusTypeRow = row_type("remote_status_type", remote_status_type_id=Integer, remote_status_type_name=Unicode)
RemoteAccessTypeRow = row_type("remote_access_type", remote_access_type_id=Integer, remote_access_type_name=Unicode)
PayMethodTypeRow = row_type("pay_method_type", pay_method_type_id=Integer, pay_method_type_name=Unicode)

# partners group
PartnerRow = row_type("partner", partner_id=Unicode, partner_name=Unicode)
PartnerContactRow = row_type("partner_contact", partner_id=Unicode, region_id=Unicode, contact_type_id=Unicode, contact_view=Unicode)
PartnerRoleRow = row_type("partner_role", partner_id=Unicode, role_id=Unicode)
PartnerRegionRow = row_type("partner_region", partner_id=Unicode, region_id=Unicode)
_user_fields = {
    "partner_user_id": Unicode,
    "partner_id": Unicode,
    "partner_user_name": Unicode,
    "partner_user_family_name": Unicode,
    "partner_user_father_name": Unicode,
}
PartnerUserRow = row_type("partner_user", **_user_fields, partner_user_del=Boolean)
PartnerUserWithBirthdayRow = row_type("partner_user_with_birthday", **_user_fields, partner_user_birthday=Date, partner_user_del=Boolean)
PartnerUserContactRow = row_type("partner_user_contact", partner_user_id=Unicode, contact_type_id=Unicode, contact_view=Unicode)

# clients group
ClientRow = row_type(
    "client",
    client_id=Unicode,
    region_id=Unicode,
    client_name=Unicode,
    client_full_name=Unicode,
    client_del=Boolean,
    client_inn=Unicode,
    client_kpp=Unicode,
    client_reg_num=Unicode,
    pay_method_id=Integer,
    addit_attribute=Unicode,
    client_new_id=Unicode,
)
ClientContactRow = row_type("client_contact", client_id=Unicode, contact_type_id=Unicode, contact_view=Unicode)
_client_user_fields = {
    "client_user_id": Unicode,
    "client_id": Unicode,
    "client_user_name": Unicode,
    "client_user_family_name": Unicode,
    "client_user_father_name": Unicode,
}
ClientUserRow = row_type("client_user", **_client_user_fields, client_user_del=Boolean)
ClientUserWithBirthdayRow = row_type("client_user_with_birthday", **_client_user_fields, client_user_birthday=Date, client_user_del=Boolean)
ClientUserContactRow = row_type("client_user_contact", client_user_id=Unicode, contact_type_id=Unicode, contact_view=Unicode)
ItsStatusRow = row_type("its_status", ITSLevel=Integer, DateFrom=Date, DateTo=Date)

# agents group
AgentPartnerRow = row_type(
    "agent_partner",
    agent_partner_id=Unicode,
    agent_partner_number=Unicode,
    agent_type=Integer,
    agent_partner_password=Unicode,
    partner_id=Unicode,
    agent_partner_activity=Boolean,
    partner_user_id=Unicode,
)
AgentUserRow = row_type(
    "agent_user",
    agent_user_id=Unicode,
    agent_user_number=Unicode,
    agent_type=Integer,
    agent_user_password=Unicode,
    client_id=Unicode,
    agent_user_activity=Boolean,
    client_user_id=Unicode,
)
CompetenceRow = row_type("competence", competence_id=Unicode, agent_partner_id=Unicode, service_type_id=Unicode, prioritet=Integer)

# services group (partner_vendor_read answers PartnerRow, client_vendor_read ClientRow)
ServiceTypeRow = row_type(
    "service_type", service_type_id=Unicode, service_type_name=Unicode, service_type_full_name=Unicode, partner_id=Unicode, service_type_del=Boolean
)
ContractRow = row_type("contract", contract_id=Unicode, contract_start_date=Date, contract_end_date=Date, role_id=Unicode)
ContractServiceRow = row_type("contract_service", contract_id=Unicode, service_type_id=Unicode, contract_service_start_date=Date, contract_service_end_date=Date)
ServiceRow = row_type(
    "service",
    service_id=Unicode,
    sale_partner_id=Unicode,
    client_id=Unicode,
    service_partner_id=Unicode,
    service_start_date=Date,
    service_end_date=Date,
    agent_user_id=Unicode,
    service_type_id=Unicode,
)


# statistics group
class LenientDateTime(Unicode):
    """Published as xs:dateTime, handled as text: parameters are parsed by logic/moscow_time.py (any
    offset, or none for Moscow time), results are Moscow times with their offset (…T10:00:00+03:00)."""

    __type_name__ = "dateTime"
    __namespace__ = NS_XSD


CallStatisticsRow = row_type(
    "call_statistics",
    call_id=Unicode,
    time=LenientDateTime,
    duration=Integer,
    partner_id=Unicode,
    client_id=Unicode,
    src_agent_id=Unicode,
    dst_agent_id=Unicode,
    service_type_id=Unicode,
    call_status_id=Integer,
    remote_status_id=Integer,
    URL_call_record=Unicode,
)
RemoteAccessStatisticsRow = row_type(
    "remote_access_statistics",
    session_id=Unicode,
    time=LenientDateTime,
    duration=Integer,
    partner_id=Unicode,
    client_id=Unicode,
    server_agent_id=Unicode,
    dst_agent_id=Unicode,
    service_type_id=Unicode,
    remote_access_result_id=Integer,
    remote_access_type_id=Integer,
)
SipCallStatisticsRow = row_type(
    "sip_call_statistics",
    call_id=Unicode,
    time=LenientDateTime,
    duration=Integer,
    duration_after_answer=Integer,
    agent_id=Unicode,
    abonent=Unicode,
    incoming=Boolean,
    sip_call_status_id=Integer,
)
