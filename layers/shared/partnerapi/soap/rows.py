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


def row_type(type_name: str, **fields: type) -> type[Row]:
    """A result row: the spec's field names, in the spec's order."""
    return type(type_name, (Row,), {"__type_name__": type_name, "__namespace__": TNS, "_type_info": list(fields.items())})


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
