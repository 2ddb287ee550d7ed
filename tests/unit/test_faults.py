"""The fault injector itself (infra/partnerapi_ops/faults.py): each kind does what it says — executed or
not, retried by botocore or not, ReadTimeoutError where the answer is lost — in-process (moto's own
before-send executor) and over HTTP (moto's server), with the product's DynamoDB client config."""

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError
from moto import mock_aws
from partnerapi.data.clients import client as product_client
from partnerapi.data.clients import reset_clients
from partnerapi_ops.emulation import MotoServer, local_environment
from partnerapi_ops.faults import DEFAULT_ATTEMPTS, KINDS, FaultInjector, FaultPlan, install_from_environment

TABLE = "FaultsTable"
WRITE_KINDS = ("throttle", "server_error", "server_error_after_commit", "lost_response")


def every_attempt(kind: str, **extra) -> FaultPlan:
    """Every attempt of every call faulted with `kind` (the call fails)."""
    return FaultPlan(**{kind: 1.0}, doomed=1.0, **extra)


def first_attempts(kind: str, count: int, **extra) -> FaultPlan:
    """The first `count` attempts of every call faulted with `kind` (botocore's retries recover when count < 5)."""
    return FaultPlan(**{kind: 1.0}, max_consecutive=count, **extra)


@pytest.fixture
def dynamodb(monkeypatch):
    """The product's DynamoDB client (standard retries, max_attempts 4) on moto in-process, with a one-key table."""
    for name, value in local_environment(None).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    reset_clients()
    with mock_aws():
        created = product_client("dynamodb")
        create_table(created)
        yield created
    reset_clients()


def create_table(client) -> None:
    client.create_table(TableName=TABLE, KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}], AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")


def add_one(client, key: str = "counter") -> dict:
    """A write that is visibly not idempotent: each execution adds 1."""
    return client.update_item(TableName=TABLE, Key={"PK": {"S": key}}, UpdateExpression="ADD n :one", ExpressionAttributeValues={":one": {"N": "1"}}, ReturnValues="ALL_NEW")


def executions(client, key: str = "counter") -> int:
    item = client.get_item(TableName=TABLE, Key={"PK": {"S": key}}, ConsistentRead=True).get("Item")
    return int(item["n"]["N"]) if item else 0


def attach(client, plan: FaultPlan) -> FaultInjector:
    injector = FaultInjector(plan)
    injector.attach(client)
    return injector


@pytest.mark.parametrize("kind, code", [("throttle", ("ProvisionedThroughputExceededException", "ThrottlingException")), ("server_error", ("InternalServerError",))])
def test_a_fault_before_execution_is_never_executed(dynamodb, kind, code):
    # Given every attempt answered with the fault
    injector = attach(dynamodb, every_attempt(kind))

    # When a write is sent
    with pytest.raises(ClientError) as caught:
        add_one(dynamodb)

    # Then botocore tried each of its attempts, got the injected error, and nothing was written
    assert caught.value.response["Error"]["Code"] in code
    assert injector.stats.attempts == DEFAULT_ATTEMPTS and injector.stats.injected[kind] == DEFAULT_ATTEMPTS and injector.stats.failed_calls == 1
    injector.detach(dynamodb)
    assert executions(dynamodb) == 0


def test_a_server_error_after_commit_is_executed_on_every_attempt(dynamodb):
    # Given every attempt executed, then answered 500
    injector = attach(dynamodb, every_attempt("server_error_after_commit"))

    # When a write is sent
    with pytest.raises(ClientError) as caught:
        add_one(dynamodb)

    # Then the caller saw InternalServerError, yet each attempt was applied
    assert caught.value.response["Error"]["Code"] == "InternalServerError"
    injector.detach(dynamodb)
    assert executions(dynamodb) == DEFAULT_ATTEMPTS


def test_a_lost_response_is_executed_and_raises_read_timeout(dynamodb):
    # Given every attempt executed but its answer lost
    injector = attach(dynamodb, every_attempt("lost_response"))

    # When a write is sent
    with pytest.raises(ReadTimeoutError):
        add_one(dynamodb)

    # Then the caller saw a read timeout, yet each attempt was applied
    assert injector.stats.injected["lost_response"] == DEFAULT_ATTEMPTS
    injector.detach(dynamodb)
    assert executions(dynamodb) == DEFAULT_ATTEMPTS


@pytest.mark.parametrize("kind", WRITE_KINDS)
def test_botocore_retries_recover_below_its_attempts(dynamodb, kind):
    # Given the first three attempts of each call faulted
    injector = attach(dynamodb, first_attempts(kind, 3))

    # When a write is sent
    answer = add_one(dynamodb)

    # Then the fourth attempt answered, and the write ran once per attempt that reached the table
    executed = 1 + (3 if kind in ("server_error_after_commit", "lost_response") else 0)
    assert int(answer["Attributes"]["n"]["N"]) == executed
    assert injector.stats.attempts == 4 and injector.stats.failed_calls == 0
    injector.detach(dynamodb)
    assert executions(dynamodb) == executed


def test_the_first_attempt_mode_loses_the_first_answer_of_writes_only(dynamodb):
    # Given the sandbox's deterministic mode
    injector = attach(dynamodb, FaultPlan.parse("lost_response:first-attempt"))

    # When a write and a read are sent
    answer = add_one(dynamodb)
    found = executions(dynamodb)

    # Then the write was applied by its lost first attempt and again by the retry; the read was not faulted
    assert int(answer["Attributes"]["n"]["N"]) == 2 and found == 2
    assert injector.stats.injected["lost_response"] == 1 and injector.stats.attempts == 3


@pytest.mark.parametrize("operations, reads_faulted", [("writes", False), ("all", True)])
def test_the_plan_chooses_which_operations_are_faulted(dynamodb, operations, reads_faulted):
    # Given every attempt of the chosen operations throttled
    injector = attach(dynamodb, every_attempt("throttle", operations=operations))

    # When a read is sent
    def read():
        return dynamodb.get_item(TableName=TABLE, Key={"PK": {"S": "counter"}})

    # Then it fails only when reads are among the faulted operations
    if reads_faulted:
        with pytest.raises(ClientError):
            read()
    else:
        read()
    assert injector.stats.injected["throttle"] == (DEFAULT_ATTEMPTS if reads_faulted else 0)


def test_a_seeded_plan_decides_the_same_faults_every_time():
    def faults_of(seed: int) -> list[tuple[int, str]]:
        plan = FaultPlan(seed=seed, throttle=0.2, server_error=0.1, server_error_after_commit=0.1, lost_response=0.2, doomed=0.05)
        injector = FaultInjector(plan)
        return [(len(faults), ",".join(faults)) for faults in (injector._plan_call("PutItem", DEFAULT_ATTEMPTS) for _ in range(300))]

    # Given two injectors with the same seed and one with another, Then their decisions agree only with the same seed
    first, again, other = faults_of(7), faults_of(7), faults_of(8)
    assert first == again and first != other
    # And no call gets more than max_consecutive faults unless doomed (every attempt)
    assert {count for count, _ in first} <= {0, 1, 2, 3, DEFAULT_ATTEMPTS}
    assert {kind for _, kinds in first for kind in kinds.split(",") if kind} == set(KINDS)


def test_paused_injects_nothing(dynamodb):
    injector = attach(dynamodb, every_attempt("throttle"))
    with injector.paused():
        add_one(dynamodb)
    assert executions(dynamodb) == 1 and injector.stats.injected["throttle"] == 0


def test_a_second_injector_on_the_same_client_is_refused(dynamodb):
    # two would each execute the request: every write applied twice
    first = attach(dynamodb, FaultPlan())
    with pytest.raises(ValueError):
        attach(dynamodb, FaultPlan())
    first.detach(dynamodb)
    attach(dynamodb, FaultPlan())
    add_one(dynamodb)
    assert executions(dynamodb) == 1


def test_detach_gives_the_client_back_unchanged(dynamodb):
    injector = attach(dynamodb, every_attempt("server_error"))
    injector.detach(dynamodb)
    add_one(dynamodb)
    assert executions(dynamodb) == 1 and injector.stats.attempts == 0


def test_install_attaches_to_every_later_dynamodb_client(dynamodb):
    # Given an injector installed through the data layer's creation hook
    injector = FaultInjector(every_attempt("server_error"))
    injector.install()
    try:
        # When the product creates its clients anew
        reset_clients()
        fresh = product_client("dynamodb")

        # Then the new DynamoDB client is faulted
        with pytest.raises(ClientError):
            add_one(fresh)
        assert injector.stats.failed_calls == 1
    finally:
        injector.uninstall()
    add_one(fresh)
    assert executions(fresh) == 1


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("lost_response:first-attempt", FaultPlan(first_attempt=True)),
        ("seed=7,throttle=0.1,lost_response=0.1", FaultPlan(seed=7, throttle=0.1, lost_response=0.1)),
        ("seed=3, server_error=0.05, server_error_after_commit=0.05, operations=all, max_consecutive=4, doomed=0.01", FaultPlan(seed=3, server_error=0.05, server_error_after_commit=0.05, operations="all", max_consecutive=4, doomed=0.01)),
    ],
)
def test_the_environment_spec_is_parsed(spec, expected):
    assert FaultPlan.parse(spec) == expected


@pytest.mark.parametrize("spec", ["throttle", "throttle=2", "nonsense=1", "operations=reads", "throttle=0.6,lost_response=0.6"])
def test_an_invalid_spec_is_refused(spec):
    with pytest.raises(ValueError):
        FaultPlan.parse(spec)


def test_nothing_is_installed_without_the_environment_variable():
    assert install_from_environment({}) is None


def test_over_http_a_lost_response_is_executed_by_the_server(monkeypatch):
    """The sandbox's case: moto's server on loopback, reached over HTTP by the client's own session."""
    server = MotoServer()
    endpoint = server.start()
    try:
        for name, value in local_environment(endpoint).items():
            monkeypatch.setenv(name, value)
        reset_clients()
        over_http = product_client("dynamodb")
        create_table(over_http)
        injector = attach(over_http, every_attempt("lost_response"))
        with pytest.raises(ReadTimeoutError):
            add_one(over_http)
        injector.detach(over_http)
        assert executions(over_http) == DEFAULT_ATTEMPTS
        injector = attach(over_http, every_attempt("throttle"))
        with pytest.raises(ClientError):
            add_one(over_http)
        injector.detach(over_http)
        assert executions(over_http) == DEFAULT_ATTEMPTS
    finally:
        reset_clients()
        server.stop()
