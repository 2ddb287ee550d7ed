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
    "clients": (
        "client_read",
        "client_read_advanced",
        "client_add",
        "client_add_its",
        "client_add_advanced",
        "client_edit",
        "client_edit_its",
        "client_edit_advanced",
        "client_ITS_status_For_INN",
        "client_delete",
        "client_contact_read",
        "client_contact_edit",
        "client_user_read",
        "client_user_read_with_birthday",
        "client_user_add",
        "client_user_edit",
        "client_user_set_birthday",
        "client_user_delete",
        "client_user_contact_read",
        "client_user_contact_edit",
    ),
    "agents": (
        "agent_partner_read",
        "agent_partner_add",
        "agent_partner_edit",
        "agent_partner_delete",
        "agent_user_read",
        "agent_user_add",
        "agent_user_edit",
        "agent_user_delete",
        "competence_read",
        "competence_add",
        "competence_stop",
        "account_access_email_notify",
    ),
    "services": (
        "partner_vendor_read",
        "client_vendor_read",
        "service_type_read",
        "service_type_add",
        "service_type_edit",
        "service_type_delete",
        "contract_read",
        "contract_service_read",
        "contract_service_add",
        "contract_service_delete",
        "service_read",
        "service_add",
        "service_stop",
        "service_edit",
    ),
    "statistics": (
        "statistics_read",
        "remote_access_statistics_read",
        "sip_calls_statistics_read",
        "chat_history_statistics_read",
        "chat_history_colleagues_read",
    ),
}

OPERATION_GROUP: dict[str, str] = {operation: group for group, operations in GROUP_OPERATIONS.items() for operation in operations}

# Operations that change something (stored data, or a mail sent): the Idempotency-Key header applies to these.
WRITE_OPERATIONS: frozenset[str] = frozenset(
    operation
    for operations in GROUP_OPERATIONS.values()
    for operation in operations
    if operation.endswith(("_add", "_add_its", "_add_advanced", "_edit", "_edit_its", "_edit_advanced", "_delete", "_stop", "_set_birthday", "_notify"))
)
