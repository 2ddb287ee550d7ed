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
