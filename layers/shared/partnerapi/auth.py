"""HTTP Basic authentication against salted scrypt hashes.

On AWS this runs as the API Gateway REQUEST authorizer (functions/authorizer), which hands
`partner_id` to the functions; locally the sandbox runs the same `authenticate` as middleware.
"""

import base64
import binascii
import hashlib
import hmac
import os
from typing import Any

from partnerapi.data.credentials import get_credential

_N, _R, _P, _LENGTH = 2**14, 8, 1, 32
_PREFIX = "scrypt"
# verified when the login is unknown, so both failures take the same time
_DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=_LENGTH)
    return f"{_PREFIX}${_N}${_R}${_P}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_password(password: str, encoded: str) -> bool:
    try:
        prefix, n, r, p, salt, digest = encoded.split("$")
        expected = base64.b64decode(digest)
        cost = int(n), int(r), int(p)
        # a stored hash is data: costs outside sane bounds must not crash or stall the authorizer
        if prefix != _PREFIX or not (2 <= cost[0] <= 2**20 and 1 <= cost[1] <= 32 and 1 <= cost[2] <= 16) or not 16 <= len(expected) <= 64:
            return False
        actual = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=cost[0], r=cost[1], p=cost[2], dklen=len(expected), maxmem=2**27)
    except (ValueError, TypeError, OverflowError, binascii.Error):
        return False
    return hmac.compare_digest(actual, expected)


def parse_basic(header: str | None) -> tuple[str, str] | None:
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic" or not token:
        return None
    try:
        raw = base64.b64decode(token.strip(), validate=True)
    except (ValueError, binascii.Error):
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    login, separator, password = text.partition(":")
    return (login, password) if separator and login else None


def authenticate(header: str | None) -> str | None:
    """The partner_id of a valid `Authorization: Basic …` header, else None."""
    credentials = parse_basic(header)
    if credentials is None:
        return None
    login, password = credentials
    stored = get_credential(login)
    if stored is None:
        verify_password(password, _DUMMY_HASH)
        return None
    return stored["partner_id"] if verify_password(password, stored["password_hash"]) else None


def authorizer(event: dict[str, Any]) -> dict[str, Any]:
    """API Gateway REQUEST authorizer: an Allow policy with partner_id in the context, or 401."""
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    partner_id = authenticate(headers.get("authorization"))
    if partner_id is None:
        raise PermissionError("Unauthorized")  # API Gateway maps this message to 401 + WWW-Authenticate
    # arn:aws:execute-api:region:account:api/stage/METHOD/path → allow the whole stage, so the
    # cached decision serves every path and method of this partner
    arn = event["methodArn"].split("/")
    resource = "/".join(arn[:2]) + "/*"
    return {
        "principalId": partner_id,
        "policyDocument": {"Version": "2012-10-17", "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": resource}]},
        "context": {"partner_id": partner_id},
    }
