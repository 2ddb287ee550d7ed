"""Request-scoped write identity: what keeps every write exactly-once when a storage call is retried.

A logical request runs inside a `scope(seed, partner_id)`. The seed is stable across every retry of
that request (API Gateway's request id, so the router invoking a group function again reuses it; or
the caller's Idempotency-Key with the body's hash, so a caller's retry after a `Server` fault reuses
it). From it the scope derives, in the order the logic asks for them:

- `token(content)`: a ClientRequestToken per transaction (DynamoDB answers a replayed, already committed
  transaction with success and changes nothing) and a stamp written into every single-item write, so
  that a `ConditionalCheckFailed` caused by our own earlier attempt is recognised as success;
- `new_id()`: the IDs of new objects, so a re-executed request writes the very same items.

A token is derived from the seed and the write's own parameters, so a re-execution that makes the same
write gets the same token, and one that takes another path (part of the work is done) gets others.
IDs are derived in the order the logic asks for them, and the logic creates its IDs before any branch.
Outside a scope (operator CLI, ingestion) tokens and IDs are random.
"""

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

# the attribute every write sets to its token
STAMP = "last_write"
_ID_NAMESPACE = uuid.UUID("6f1c3a52-8d0e-4a8e-9a57-6b0f3c0d9e21")


@dataclass
class WriteScope:
    seed: str
    partner_id: str
    ids: int = 0

    def _derive(self, purpose: str, number: int) -> str:
        return f"{self.partner_id}\x00{self.seed}\x00{purpose}\x00{number}"

    @property
    def prefix(self) -> str:
        """What every token of this request starts with: an item stamped with it was written by it."""
        return hashlib.sha256(f"{self.partner_id}\x00{self.seed}".encode()).hexdigest()[:24]

    def token(self, content: str) -> str:
        """The token of one write of this request: its prefix and the write's own content, so the same
        write made again (a retry, a re-execution) has the same token, and any other write another one,
        whatever path a re-execution takes. ClientRequestToken takes at most 36 characters."""
        return self.prefix + hashlib.sha256(content.encode()).hexdigest()[:8]

    def new_id(self) -> str:
        self.ids += 1
        return str(uuid.uuid5(_ID_NAMESPACE, self._derive("id", self.ids)))


_current: ContextVar[WriteScope | None] = ContextVar("partnerapi_write_scope", default=None)


@contextmanager
def scope(seed: str, partner_id: str) -> Iterator[WriteScope]:
    """Every write inside belongs to one logical request identified by `seed`."""
    current = WriteScope(seed=seed, partner_id=partner_id)
    reset = _current.set(current)
    try:
        yield current
    finally:
        _current.reset(reset)


def token(content: str) -> str:
    """The token of a write with this content (its request's parameters, without the token)."""
    current = _current.get()
    return current.token(content) if current else uuid.uuid4().hex


def by_this_request(item: dict | None) -> bool:
    """Whether the item's last write was made by the current request: a re-executed request (same seed)
    finds its own earlier work there and must not apply it again (a toggle would flip back)."""
    current = _current.get()
    return bool(current and item and str(item.get(STAMP, "")).startswith(current.prefix))


def new_id() -> str:
    current = _current.get()
    return current.new_id() if current else str(uuid.uuid4())


def idempotency_seed(key: str, body: bytes) -> str:
    """The seed of a request carrying an Idempotency-Key: the same key with the same body re-executes
    as the same logical request; with another body it is another one."""
    return "idempotency-key:" + hashlib.sha256(key.encode("utf-8", "surrogateescape") + b"\x00" + body).hexdigest()
