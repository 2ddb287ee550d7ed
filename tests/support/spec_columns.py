"""Result columns as the spec lists them (written out by hand, so a test compares the service with the
spec, not with its own declarations), for the third-party client tests."""

CLIENT_COLUMNS = [
    "client_id",
    "region_id",
    "client_name",
    "client_full_name",
    "client_del",
    "client_inn",
    "client_kpp",
    "client_reg_num",
    "pay_method_id",
    "addit_attribute",
    "client_new_id",
]
PARTNER_USER_COLUMNS = ["partner_user_id", "partner_id", "partner_user_name", "partner_user_family_name", "partner_user_father_name", "partner_user_del"]
