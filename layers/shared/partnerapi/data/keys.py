"""Key design of the entities table (PK/SK), one place.

Everything a partner owns lives under its own partition `PARTNER#<id>`, so every request reads
and writes with GetItem/Query on that partition: ownership is part of the key, never a filter.
Reference data shared by all partners lives under `REF#<kind>` partitions.
"""

REGION_PK = "REF#REGION"
CONTACT_TYPE_PK = "REF#CONTACT_TYPE"
ROLE_PK = "REF#ROLE"

PROFILE_SK = "PROFILE"
REGION_PREFIX = "REGION#"
ROLE_PREFIX = "ROLE#"
CONTACT_PREFIX = "CONTACT#"
USER_PREFIX = "USER#"
USER_CONTACT_PREFIX = "USERCONTACT#"
CONTRACT_PREFIX = "CONTRACT#"


def partner_pk(partner_id: str) -> str:
    return f"PARTNER#{partner_id}"


def role_sk(role_id: int) -> str:
    # zero-padded so a Query returns roles in numeric order
    return f"{role_id:06d}"


def partner_region_sk(region_id: str) -> str:
    return f"{REGION_PREFIX}{region_id}"


def partner_role_sk(role_id: int) -> str:
    return f"{ROLE_PREFIX}{role_id:06d}"


def partner_contact_sk(region_id: str, contact_type_id: str) -> str:
    return f"{CONTACT_PREFIX}{region_id}#{contact_type_id}"


def partner_user_sk(partner_user_id: str) -> str:
    return f"{USER_PREFIX}{partner_user_id}"


def partner_user_contact_sk(partner_user_id: str, contact_type_id: str = "") -> str:
    return f"{USER_CONTACT_PREFIX}{partner_user_id}#{contact_type_id}"


def contract_sk(contract_id: str) -> str:
    return f"{CONTRACT_PREFIX}{contract_id}"


# --- clients (all under the partner's partition; GSI1 groups a client's dependents) ----------
CLIENT_PREFIX = "CLIENT#"
CLIENT_CONTACT_PREFIX = "CCONTACT#"
CLIENT_USER_PREFIX = "CUSER#"
CLIENT_USER_CONTACT_PREFIX = "CUCONTACT#"
BY_CLIENT_INDEX = "GSI1"


def client_sk(client_id: str) -> str:
    return f"{CLIENT_PREFIX}{client_id}"


def client_contact_sk(client_id: str, contact_type_id: str = "") -> str:
    return f"{CLIENT_CONTACT_PREFIX}{client_id}#{contact_type_id}"


def client_user_sk(client_user_id: str) -> str:
    return f"{CLIENT_USER_PREFIX}{client_user_id}"


def client_user_contact_sk(client_user_id: str, contact_type_id: str = "") -> str:
    return f"{CLIENT_USER_CONTACT_PREFIX}{client_user_id}#{contact_type_id}"


def by_client_pk(partner_id: str, client_id: str) -> str:
    """GSI1 partition of everything that belongs to one client (employees; later agents, subscriptions)."""
    return f"PARTNER#{partner_id}#CLIENT#{client_id}"


ITS_PREFIX = "ITS#"


def its_pk(reg_number: str) -> str:
    # one partition per registration number (normalized, see logic/its.py): a lookup is one GetItem
    return f"{ITS_PREFIX}{reg_number}"


# --- agents (devices with logins) ------------------------------------------------------------
# Partner agents and user agents live under the partner's partition; a user agent is also on GSI1
# under its client (by_client_pk), so client_delete's cascade finds it.
AGENT_PARTNER_PREFIX = "AGENTP#"
AGENT_USER_PREFIX = "AGENTU#"
COMPETENCE_PREFIX = "COMPETENCE#"
AGENT_NUMBER_PK = "REF#AGENT_NUMBER"  # one counter item: numbers are allocated by an atomic ADD
AGENT_NUMBER_SK = "COUNTER"


def agent_partner_sk(agent_partner_id: str) -> str:
    return f"{AGENT_PARTNER_PREFIX}{agent_partner_id}"


def agent_user_sk(agent_user_id: str) -> str:
    return f"{AGENT_USER_PREFIX}{agent_user_id}"


def competence_sk(competence_id: str) -> str:
    return f"{COMPETENCE_PREFIX}{competence_id}"


# One live competence per agent and service type: this marker is written with the competence (only if
# absent) and removed when it is stopped, so two concurrent competence_add cannot both succeed.
COMPETENCE_FOR_PREFIX = "COMPETENCEFOR#"


def competence_for_sk(agent_partner_id: str, service_type_id: str) -> str:
    return f"{COMPETENCE_FOR_PREFIX}{agent_partner_id}#{service_type_id}"


# --- service types (support lines), contract services, subscriptions, vendors -----------------
# A service type is visible to a partner in exactly one of three places, all found by one
# BatchGetItem: public types under SERVICE_TYPE_PK; the partner's own private types under its
# partition; a vendor's line exported to the partner as an import marker under the partner's
# partition (the vendor's partition holds the matching export marker for partner_vendor_read).
SERVICE_TYPE_PK = "REF#SERVICE_TYPE"
OWN_SERVICE_TYPE_PREFIX = "STYPE#"
IMPORTED_SERVICE_TYPE_PREFIX = "STYPEIN#"
EXPORTED_SERVICE_TYPE_PREFIX = "STYPEOUT#"
CONTRACT_SERVICE_PREFIX = "CSERVICE#"
SERVICE_PREFIX = "SERVICE#"


def own_service_type_sk(service_type_id: str) -> str:
    return f"{OWN_SERVICE_TYPE_PREFIX}{service_type_id}"


def imported_service_type_sk(service_type_id: str) -> str:
    return f"{IMPORTED_SERVICE_TYPE_PREFIX}{service_type_id}"


def exported_service_type_sk(service_type_id: str, importer_partner_id: str = "") -> str:
    return f"{EXPORTED_SERVICE_TYPE_PREFIX}{service_type_id}#{importer_partner_id}"


def contract_service_sk(contract_id: str, service_type_id: str = "") -> str:
    return f"{CONTRACT_SERVICE_PREFIX}{contract_id}#{service_type_id}"


# The last contract_service_delete of a type, kept so a re-executed delete knows it already ran
# (the permissions it removed leave nothing else behind). Outside CONTRACT_SERVICE_PREFIX: not a permission.
def contract_service_removal_sk(service_type_id: str) -> str:
    return f"CSREMOVED#{service_type_id}"


def service_sk(service_id: str) -> str:
    return f"{SERVICE_PREFIX}{service_id}"


# A vendor whose line a partner imports is a partner the importer may name (service_partner_id,
# service_type_read's owner filter): one link item per vendor under the importer's partition,
# written and removed with the import markers (operator provisioning), so resolution stays one BatchGetItem.
VENDOR_PREFIX = "VENDOR#"


def vendor_sk(vendor_partner_id: str) -> str:
    return f"{VENDOR_PREFIX}{vendor_partner_id}"


# --- statistics (calls, remote access, SIP calls, chat sessions) ------------------------------
# Records are written by the ingest function only. Each kind of record lives in one partition per
# partner and Moscow calendar month, sorted by its start time (`YYYY-MM-DDTHH:MM:SS`, Moscow) and id,
# so a time window is one Query with BETWEEN per month it touches and reads only the records inside
# it. A marker per record id makes ingestion idempotent: it is written in the same transaction as the
# record, on the condition that it does not exist yet. The months that hold records of a kind are
# listed under the partner's partition (for windows without a bound).
CALL_RECORDS = "CALL"
REMOTE_ACCESS_RECORDS = "RACCESS"
SIP_CALL_RECORDS = "SIP"
CHAT_SESSIONS = "CHAT"
COLLEAGUE_CHAT_SESSIONS = "CCHAT"
STATISTICS_MONTH_PREFIX = "STATMONTH#"
RECORD_MARKER_SK = "RECORD"


def statistics_pk(partner_id: str, record_kind: str, month: str) -> str:
    return f"PARTNER#{partner_id}#{record_kind}#{month}"


def statistics_sk(moscow_time: str, record_id: str = "") -> str:
    return f"{moscow_time}#{record_id}"


def statistics_month_sk(record_kind: str, month: str = "") -> str:
    return f"{STATISTICS_MONTH_PREFIX}{record_kind}#{month}"


def record_marker_pk(partner_id: str, record_kind: str, record_id: str) -> str:
    return f"PARTNER#{partner_id}#{record_kind}#RECORD#{record_id}"


def chat_pk(partner_id: str, client_user_id: str, service_type_id: str) -> str:
    """Support chats of one client employee on one support line (chat_history_statistics_read)."""
    return f"PARTNER#{partner_id}#{CHAT_SESSIONS}#{client_user_id}#{service_type_id}"


def colleague_chat_pk(partner_id: str, colleague1_id: str, colleague2_id: str) -> str:
    """Chats between two colleagues, in either order (chat_history_colleagues_read)."""
    first, second = sorted((colleague1_id, colleague2_id))
    return f"PARTNER#{partner_id}#{COLLEAGUE_CHAT_SESSIONS}#{first}#{second}"
