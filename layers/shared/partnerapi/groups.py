"""Which operation belongs to which group (one Lambda each). Imported by the router: no spyne here."""

GROUP_OPERATIONS: dict[str, tuple[str, ...]] = {
    "reference": (
        "region_read",
        "contact_type_read",
        "role_read",
        "call_status_type_read",
        "remote_status_type_read",
        "remote_access_type_read",
        "pay_method_type_read",
    ),
    "partners": (
        "partner_read",
        "partner_contact_read",
        "partner_contact_edit",
        "partner_role_read",
        "partner_region_read",
        "partner_user_read",
        "partner_user_read_with_birthday",
        "partner_user_add",
        "partner_user_set_birthday",
        "partner_user_edit",
        "partner_user_delete",
        "partner_user_contact_read",
        "partner_user_contact_edit",
    ),
}

OPERATION_GROUP: dict[str, str] = {operation: group for group, operations in GROUP_OPERATIONS.items() for operation in operations}
