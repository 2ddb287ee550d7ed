"""HTTP Basic authentication against salted scrypt hashes.

On AWS this runs as the API Gateway REQUEST authorizer (functions/authorizer), which hands
`partner_id` to the functions; the sandbox's gateway runs the same authorizer function.

The authorizer never denies: API Gateway's own 401 could not be answered in the SOAP version of the
request, so a request without valid credentials goes on with `partner_id` "" and the function
answers 401 in that version. API Gateway caches nothing (no identity source, ReauthorizeEvery 0);
the authorizer keeps its decisions for AUTH_CACHE_SECONDS itself, so a steady caller costs one scrypt
per few seconds and a revoked login stops working within that time.
"""

import base64
import binascii
import hashlib
import hmac
import os
import time
from collections.abc import Callable
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


AUTH_CACHE_SECONDS = 3.0  # how long a revoked or changed login may still be honoured by a warm instance
_MAX_DECISIONS = 4096


class RecentDecisions:
    """`authenticate` decisions of the last `ttl_seconds`, keyed by a hash of the Authorization header
    (never the header itself: it carries the password). Wrong credentials are kept too: a client that
    repeats them costs no scrypt either."""

    def __init__(self, ttl_seconds: float = AUTH_CACHE_SECONDS, clock: Callable[[], float] = time.monotonic, max_entries: int = _MAX_DECISIONS):
        self.ttl_seconds = ttl_seconds
        self.clock = clock
        self.max_entries = max_entries
        self._decisions: dict[bytes, tuple[float, str | None]] = {}

    def __len__(self) -> int:
        return len(self._decisions)

    def partner_id(self, header: str | None) -> str | None:
        key = hashlib.sha256((header or "").encode("utf-8", "surrogateescape")).digest()
        now = self.clock()
        cached = self._decisions.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        partner_id = authenticate(header)
        if len(self._decisions) >= self.max_entries:
            self._decisions = {k: v for k, v in self._decisions.items() if v[0] > now}
            while len(self._decisions) >= self.max_entries:  # all fresh: the oldest go first
                del self._decisions[next(iter(self._decisions))]
        self._decisions.pop(key, None)  # re-inserted last: insertion order is age order
        self._decisions[key] = (now + self.ttl_seconds, partner_id)
        return partner_id


_recent = RecentDecisions()


def authorizer(event: dict[str, Any], decisions: RecentDecisions | None = None) -> dict[str, Any]:
    """API Gateway REQUEST authorizer: always an Allow policy; `partner_id` in the context is the
    authenticated partner, or "" for missing or wrong credentials (the function answers those 401)."""
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    partner_id = (decisions or _recent).partner_id(headers.get("authorization"))
    # arn:aws:execute-api:region:account:api/stage/METHOD/path → the whole stage
    arn = event["methodArn"].split("/")
    resource = "/".join(arn[:2]) + "/*"
    return {
        "principalId": partner_id or "anonymous",
        "policyDocument": {"Version": "2012-10-17", "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": resource}]},
        "context": {"partner_id": partner_id or ""},
    }
