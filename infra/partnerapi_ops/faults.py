"""Fault injection at the botocore layer, for the exactly-once tests and the sandbox.

A `FaultInjector` hooks a DynamoDB client's own events (`before-call.dynamodb` decides the faults of
each logical call from a seeded plan, `before-send.dynamodb` answers each attempt): the product's data
layer, botocore's retries and the emulation all run unchanged; only chosen attempts get another answer.

Kinds (what a real deployment sees now and then):
- `throttle`: 400 ProvisionedThroughputExceededException / ThrottlingException; not executed.
- `server_error`: 500 InternalServerError; not executed.
- `server_error_after_commit`: executed, then answered 500.
- `lost_response`: executed, then `ReadTimeoutError`, as when the answer arrives after the client's
  read timeout.

"Executed" means the request really reaches the emulation: in-process moto (`mock_aws`) executes
requests in its own `before-send` handler, which `attach` takes off the client and calls itself; a
real endpoint (the sandbox's moto server) gets the request over HTTP through the client's own session.

`PARTNERAPI_SANDBOX_FAULTS` (read by `install_from_environment`, which the sandbox's gateway calls):
`lost_response:first-attempt` (the first attempt of every write call loses its answer), or
`seed=7,throttle=0.1,server_error=0.05,server_error_after_commit=0.05,lost_response=0.1,operations=all,
max_consecutive=3,doomed=0.01`.
"""

import json
import os
import random
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError

ENVIRONMENT_VARIABLE = "PARTNERAPI_SANDBOX_FAULTS"
KINDS = ("throttle", "server_error", "server_error_after_commit", "lost_response")
EXECUTED = {"throttle": False, "server_error": False, "server_error_after_commit": True, "lost_response": True}
WRITE_OPERATIONS = frozenset({"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"})
# a client's attempts per call when its config does not say (botocore's Config(max_attempts=4), as
# partnerapi.data.clients sets it, means 4 *retries*: 5 attempts)
DEFAULT_ATTEMPTS = 5

_THROTTLE_CODES = (
    "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
    "com.amazon.coral.availability#ThrottlingException",
)
_SERVER_ERROR_CODE = "com.amazonaws.dynamodb.v20120810#InternalServerError"
_MARK = "_partnerapi_fault_injector"  # the injector attached to a client

@dataclass(frozen=True)
class FaultPlan:
    """Per-attempt probabilities of each kind; a logical call gets at most `max_consecutive` faults in a
    row (below the client's attempts, 5 for the product's clients, botocore's retries recover; at or
    above, the call can fail), except a `doomed` call, which is faulted on every attempt and fails.
    `operations`: "writes" or "all"."""

    seed: int = 0
    throttle: float = 0.0
    server_error: float = 0.0
    server_error_after_commit: float = 0.0
    lost_response: float = 0.0
    operations: str = "writes"
    max_consecutive: int = 3
    doomed: float = 0.0
    first_attempt: bool = False  # deterministic: the first attempt of every write call loses its answer
    instant_retries: bool = True  # injected faults take no time, so botocore's backoff waits none either

    def __post_init__(self) -> None:
        if self.operations not in ("writes", "all"):
            raise ValueError(f"operations must be 'writes' or 'all', not {self.operations!r}")
        for kind in (*KINDS, "doomed"):
            if not 0.0 <= getattr(self, kind) <= 1.0:
                raise ValueError(f"{kind} must be a probability, got {getattr(self, kind)}")
        if sum(getattr(self, kind) for kind in KINDS) > 1.0:
            raise ValueError("the probabilities of the fault kinds add up to more than 1")
        if self.max_consecutive < 0:
            raise ValueError("max_consecutive must be ≥ 0")

    @classmethod
    def parse(cls, spec: str) -> "FaultPlan":
        """`lost_response:first-attempt` or `name=value,…` with the field names of this class."""
        spec = spec.strip()
        if spec == "lost_response:first-attempt":
            return cls(first_attempt=True)
        types = {item.name: item.type for item in fields(cls)}
        values: dict[str, Any] = {}
        for part in filter(None, (part.strip() for part in spec.split(","))):
            name, separator, text = part.partition("=")
            name = name.strip().replace("-", "_")
            if not separator or name not in types:
                raise ValueError(f"{ENVIRONMENT_VARIABLE}: unknown setting {part!r}")
            kind = types[name]
            if kind is bool:
                values[name] = text.strip().lower() in ("1", "true", "yes")
            elif kind is int:
                values[name] = int(text)
            elif kind is float:
                values[name] = float(text)
            else:
                values[name] = text.strip()
        return cls(**values)

    def applies_to(self, operation: str) -> bool:
        return self.operations == "all" or operation in WRITE_OPERATIONS


@dataclass
class FaultStats:
    calls: int = 0  # logical calls seen (botocore API calls)
    attempts: int = 0
    faulted_calls: int = 0
    failed_calls: int = 0  # calls faulted on every attempt botocore makes
    injected: Counter = field(default_factory=Counter)  # kind → attempts answered with it


class _RawBody:
    """What AWSResponse reads a body from."""

    def __init__(self, body: bytes):
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def _error_response(request: Any, status: int, code: str) -> AWSResponse:
    body = json.dumps({"__type": code, "message": "injected by partnerapi_ops.faults"}).encode()
    headers = {"Content-Type": "application/x-amz-json-1.0", "Content-Length": str(len(body)), "x-amzn-RequestId": str(uuid.uuid4())}
    return AWSResponse(request.url, status, headers, _RawBody(body))


def _moto_stubber() -> Any:
    """moto's in-process executor, if moto is imported (it registers itself on every new client)."""
    models = sys.modules.get("moto.core.models")
    return getattr(models, "botocore_stubber", None)


@dataclass
class _Call:
    operation: str
    faults: list[str]
    attempt: int = 0


@dataclass
class _Attachment:
    before_call: Any
    before_send: Any
    stubber: Any
    attempts: int = DEFAULT_ATTEMPTS
    backoff: Any = None
    backoff_random: Any = None


class FaultInjector:
    def __init__(self, plan: FaultPlan):
        self.plan = plan
        self.stats = FaultStats()
        self.enabled = True
        self._random = random.Random(plan.seed)
        self._lock = threading.Lock()
        self._local = threading.local()
        self._attached: dict[int, tuple[Any, _Attachment]] = {}
        self._hook = None

    # --- attaching ----------------------------------------------------------------------------------

    def attach(self, client: Any) -> Any:
        """Injects faults into every later call of this DynamoDB client (idempotent)."""
        if id(client) in self._attached:
            return client
        if getattr(client, _MARK, None) is not None:
            # two injectors would each execute the request: every write applied twice
            raise ValueError("this client already has a fault injector: detach it first")
        setattr(client, _MARK, self)
        events = client.meta.events
        stubber = _moto_stubber()
        if stubber is not None:
            # this injector executes the requests moto's handler would have (see _execute)
            events.unregister("before-send", stubber)
        attachment = _Attachment(
            before_call=lambda model, **_: self._before_call(model.name, attachment.attempts),
            before_send=lambda request, **_: self._before_send(client, attachment, request),
            stubber=stubber,
            attempts=(client.meta.config.retries or {}).get("total_max_attempts") or DEFAULT_ATTEMPTS,
        )
        events.register_first("before-call.dynamodb", attachment.before_call)
        events.register_first("before-send.dynamodb", attachment.before_send)
        if self.plan.instant_retries:
            attachment.backoff = _retry_backoff(client)
            if attachment.backoff is not None:
                attachment.backoff_random = attachment.backoff._random
                attachment.backoff._random = lambda: 0.0
        self._attached[id(client)] = (client, attachment)
        return client

    def detach(self, client: Any) -> None:
        _, attachment = self._attached.pop(id(client), (None, None))
        if attachment is None:
            return
        setattr(client, _MARK, None)
        events = client.meta.events
        events.unregister("before-call.dynamodb", attachment.before_call)
        events.unregister("before-send.dynamodb", attachment.before_send)
        if attachment.stubber is not None:
            events.register("before-send", attachment.stubber)
        if attachment.backoff is not None:
            attachment.backoff._random = attachment.backoff_random

    def install(self) -> None:
        """Attaches to every DynamoDB client `partnerapi.data.clients` creates from now on."""
        from partnerapi.data.clients import add_creation_hook

        def hook(service: str, client: Any) -> None:
            if service == "dynamodb":
                self.attach(client)

        self._hook = hook
        add_creation_hook(hook)

    def uninstall(self) -> None:
        from partnerapi.data.clients import remove_creation_hook

        if self._hook is not None:
            remove_creation_hook(self._hook)
            self._hook = None
        for client, _ in list(self._attached.values()):
            self.detach(client)

    @contextmanager
    def paused(self) -> Iterator[None]:
        """No faults inside (a test's own look at the stored state)."""
        enabled, self.enabled = self.enabled, False
        try:
            yield
        finally:
            self.enabled = enabled

    # --- deciding -------------------------------------------------------------------------------------

    def _pick_kind(self, forced: bool) -> str | None:
        weights = [getattr(self.plan, kind) for kind in KINDS]
        draw = self._random.random()
        if forced:  # a doomed call: a kind in proportion to the weights (all alike when none is set)
            weights = [weight / sum(weights) for weight in weights] if sum(weights) else [1.0 / len(KINDS)] * len(KINDS)
        for kind, weight in zip(KINDS, weights, strict=True):
            if draw < weight:
                return kind
            draw -= weight
        return None

    def _plan_call(self, operation: str, attempts: int) -> list[str]:
        if not self.enabled or not self.plan.applies_to(operation):
            return []
        if self.plan.first_attempt:
            return ["lost_response"] if operation in WRITE_OPERATIONS else []
        with self._lock:
            if self.plan.doomed and self._random.random() < self.plan.doomed:
                return [self._pick_kind(forced=True) or "server_error" for _ in range(attempts)]
            faults: list[str] = []
            while len(faults) < self.plan.max_consecutive and (kind := self._pick_kind(forced=False)) is not None:
                faults.append(kind)
            return faults

    def _before_call(self, operation: str, attempts: int) -> None:
        faults = self._plan_call(operation, attempts)
        self._local.call = _Call(operation, faults)
        with self._lock:
            self.stats.calls += 1
            self.stats.faulted_calls += bool(faults)
            self.stats.failed_calls += len(faults) >= attempts

    # --- answering ------------------------------------------------------------------------------------

    def _execute(self, client: Any, attachment: _Attachment, request: Any) -> AWSResponse:
        if attachment.stubber is not None and attachment.stubber.enabled:
            response = attachment.stubber("before-send", request)
            if response is not None:
                return response
        return client._endpoint.http_session.send(request)

    def _before_send(self, client: Any, attachment: _Attachment, request: Any) -> AWSResponse | None:
        call = getattr(self._local, "call", None)
        kind = None
        if call is not None:
            kind = call.faults[call.attempt] if call.attempt < len(call.faults) else None
            call.attempt += 1
        with self._lock:
            self.stats.attempts += 1
            if kind:
                self.stats.injected[kind] += 1
        if kind == "throttle":
            return _error_response(request, 400, self._random.choice(_THROTTLE_CODES))
        if kind == "server_error":
            return _error_response(request, 500, _SERVER_ERROR_CODE)
        if kind is None:
            # in-process moto executes in before-send; over HTTP botocore sends it itself
            stubbed = attachment.stubber is not None and attachment.stubber.enabled
            return self._execute(client, attachment, request) if stubbed else None
        self._execute(client, attachment, request)
        if kind == "server_error_after_commit":
            return _error_response(request, 500, _SERVER_ERROR_CODE)
        raise ReadTimeoutError(endpoint_url=request.url)


def _retry_backoff(client: Any) -> Any:
    """botocore's backoff of this client's standard retries (private structure; None if it changed)."""
    emitter = getattr(client.meta.events, "_emitter", client.meta.events)
    entry = getattr(emitter, "_unique_id_handlers", {}).get("retry-config-dynamodb")
    handler = getattr(entry["handler"], "__self__", None) if entry else None
    backoff = getattr(getattr(handler, "_retry_policy", None), "_retry_backoff", None)
    return backoff if hasattr(backoff, "_random") else None


_installed: FaultInjector | None = None


def install_from_environment(environ: Any = None) -> FaultInjector | None:
    """Installs the plan named by PARTNERAPI_SANDBOX_FAULTS, once per process, also on the DynamoDB
    client already created (the sandbox loads its data before it serves). Nothing when it is unset."""
    global _installed
    spec = (environ if environ is not None else os.environ).get(ENVIRONMENT_VARIABLE, "").strip()
    if not spec or _installed is not None:
        return _installed
    from partnerapi.data.clients import client

    injector = FaultInjector(FaultPlan.parse(spec))
    injector.install()
    injector.attach(client("dynamodb"))
    _installed = injector
    # on the sandbox's console, next to its banner: a sandbox that loses answers on purpose must say so
    print(f"  DynamoDB fault injection active ({ENVIRONMENT_VARIABLE}): {injector.plan}", file=sys.stderr, flush=True)
    return injector
