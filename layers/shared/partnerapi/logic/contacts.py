"""Rules every contact-information operation shares (spec: contact_type_read, *_contact_edit)."""

from partnerapi.data import table
from partnerapi.errors import ContactTypeNotAllowed

CONTACT_VIEW_LENGTH = 500  # spec: «будут сохранены только первые 500»
CONTACT_CODE_CLIENT = 1
CONTACT_CODE_PARTNER = 2
CONTACT_CODE_USER = 3


def check_contact_type(contact_type: table.Item | None, allowed: tuple[int, ...]) -> None:
    """Each operation accepts contact types of its own code(s) only."""
    if contact_type is not None and contact_type["contact_type_code"] not in allowed:
        raise ContactTypeNotAllowed(contact_type["contact_type_id"], allowed)
