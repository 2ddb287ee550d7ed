"""The one procedure that turns `*_id` parameters into references (spec section 2).

Every operation passes its ID parameters here first. Each parameter name maps to a kind of object;
the procedure checks the format, builds the partner-scoped key and reads all of them in one
BatchGetItem. A malformed ID, an unknown ID and another partner's ID all raise the same
`ReferenceNotFound`: objects of another partner live under another partition and are simply not
found, so nothing about them can leak, and nothing is written before resolution succeeds.
"""

import enum
import uuid
from collections.abc import Mapping

from partnerapi.data import keys, table
from partnerapi.errors import ReferenceNotFound
from partnerapi.logic.values import blank_to_none


class Kind(enum.Enum):
    REGION = "region"
    CONTACT_TYPE = "contact_type"
    ROLE = "role"
    PARTNER = "partner"
    PARTNER_USER = "partner_user"
    CLIENT = "client"
    CLIENT_USER = "client_user"
    AGENT_PARTNER = "agent_partner"
    AGENT_USER = "agent_user"
    COMPETENCE = "competence"
    SERVICE_TYPE = "service_type"
    CONTRACT = "contract"
    SERVICE = "service"
    SERVICE_PARTNER = "service_partner"  # the current partner itself or a vendor whose line it imports
    # where the spec lets one parameter name either of two objects (statistics group)
    AGENT = "agent"  # a partner agent or a user agent
    CLIENT_USER_OR_AGENT = "client_user_or_agent"  # a client employee or one of their user agents (devices)
    SERVICE_OR_TYPE = "service_or_type"  # a subscription or a service type (support line)


# Kinds that stand for either of several kinds: their candidates are all of theirs, in this order.
EITHER_KIND: dict[Kind, tuple[Kind, ...]] = {
    Kind.AGENT: (Kind.AGENT_PARTNER, Kind.AGENT_USER),
    Kind.CLIENT_USER_OR_AGENT: (Kind.CLIENT_USER, Kind.AGENT_USER),
    Kind.SERVICE_OR_TYPE: (Kind.SERVICE, Kind.SERVICE_TYPE),
}


# The default kind of each parameter name; an operation may override it (the spec sometimes
# names a parameter after the wrong object, e.g. partner_user_set_birthday(client_id, …)).
KIND_OF_PARAMETER: dict[str, Kind] = {
    "region_id": Kind.REGION,
    "contact_type_id": Kind.CONTACT_TYPE,
    "role_id": Kind.ROLE,
    "partner_id": Kind.PARTNER,
    "partner_user_id": Kind.PARTNER_USER,
    "client_id": Kind.CLIENT,
    "client_user_id": Kind.CLIENT_USER,
    "agent_partner_id": Kind.AGENT_PARTNER,
    "agent_id": Kind.AGENT_PARTNER,  # competence_read's name for agent_partner_id
    "agent_user_id": Kind.AGENT_USER,
    "competence_id": Kind.COMPETENCE,
    "service_type_id": Kind.SERVICE_TYPE,
    "contract_id": Kind.CONTRACT,
    "service_id": Kind.SERVICE,
    "sale_partner_id": Kind.PARTNER,
    "service_partner_id": Kind.SERVICE_PARTNER,
}


def canonical_uuid(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def canonical_role(value: str) -> int | None:
    try:
        role = int(value)
    except ValueError:
        return None
    return role if 0 <= role < 1_000_000 else None


def _candidates(kind: Kind, current_partner: str, value: str) -> tuple[tuple[str, str], ...]:
    """The item keys where a reference may live, in order of preference; empty when the value cannot
    be one of the current partner's. Only service types have more than one place (see data/keys.py)."""
    if kind in EITHER_KIND:
        return tuple(candidate for either in EITHER_KIND[kind] for candidate in _candidates(either, current_partner, value))
    if kind is Kind.ROLE:
        role = canonical_role(value)
        return () if role is None else ((keys.ROLE_PK, keys.role_sk(role)),)
    canonical = canonical_uuid(value)
    if canonical is None:
        return ()
    own = keys.partner_pk(current_partner)
    if kind is Kind.REGION:
        return ((keys.REGION_PK, canonical),)
    if kind is Kind.CONTACT_TYPE:
        return ((keys.CONTACT_TYPE_PK, canonical),)
    if kind is Kind.PARTNER:
        return ((own, keys.PROFILE_SK),) if canonical == current_partner else ()
    if kind is Kind.SERVICE_PARTNER:
        return ((own, keys.PROFILE_SK),) if canonical == current_partner else ((own, keys.vendor_sk(canonical)),)
    if kind is Kind.SERVICE_TYPE:
        return (
            (keys.SERVICE_TYPE_PK, canonical),
            (own, keys.own_service_type_sk(canonical)),
            (own, keys.imported_service_type_sk(canonical)),
        )
    sort_key = {
        Kind.PARTNER_USER: keys.partner_user_sk,
        Kind.CLIENT: keys.client_sk,
        Kind.CLIENT_USER: keys.client_user_sk,
        Kind.AGENT_PARTNER: keys.agent_partner_sk,
        Kind.AGENT_USER: keys.agent_user_sk,
        Kind.COMPETENCE: keys.competence_sk,
        Kind.CONTRACT: keys.contract_sk,
        Kind.SERVICE: keys.service_sk,
    }[kind]
    return ((own, sort_key(canonical)),)


def resolve(
    current_partner: str,
    parameters: Mapping[str, str | None],
    kinds: Mapping[str, Kind] | None = None,
) -> dict[str, table.Item | None]:
    """Resolves every given parameter to its stored item; not given (nil, omitted, blank) → None."""
    wanted: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {}
    resolved: dict[str, table.Item | None] = {}
    for name, raw in parameters.items():
        value = blank_to_none(raw)
        if value is None:
            resolved[name] = None
            continue
        kind = (kinds or {}).get(name) or KIND_OF_PARAMETER[name]
        candidates = _candidates(kind, current_partner, value)
        if not candidates:
            raise ReferenceNotFound(name, value)
        wanted[name] = (value, candidates)
    if wanted:
        found = table.get_many(key for _, candidates in wanted.values() for key in candidates)
        for name, (value, candidates) in wanted.items():
            item = next((found[key] for key in candidates if key in found), None)
            if item is None:
                raise ReferenceNotFound(name, value)
            resolved[name] = item
    return resolved
