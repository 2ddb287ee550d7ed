"""Exactly-once writes under injected DynamoDB faults, checked against a model of the spec (moto in-process).

A seeded workload of every write operation runs against the demo data with throttling, 5xx, 5xx after
the write was applied and lost answers injected at the botocore layer (infra/partnerapi_ops/faults.py).
Each answer must be the model's, or a retryable Server fault, in which case the same operation with the
same seed (a caller's retry with the same Idempotency-Key) must end with the model's answer applied
exactly once. The stored state is compared with the model's every 50 operations and at the end.
A failure names the seed, the operation's index, the operation and both answers
(tests/support/workload.py; long runs: bench/fault_injection.py).
"""

import pytest
from partnerapi.data import table
from partnerapi.data.clients import client as aws_client
from partnerapi_ops.faults import FaultInjector, FaultPlan
from partnerapi_ops.its_registry import import_registry
from partnerapi_ops.sandbox import DEMO_ITS_REGISTRY
from support.demo import DEMO2_ID, DEMO_ID
from support.workload import OPERATIONS, Checker, Mismatch, Workload, build_model, load_its_registry, run_workload, write_operations_of_groups

PARTNERS = [DEMO_ID, DEMO2_ID]
SEEDS = (1, 2)
OPERATIONS_PER_SEED = 1000


def faulty_plan(seed: int) -> FaultPlan:
    """Mostly ≤ 3 faults in a row on a call (botocore's retries recover), 1 % of calls failing outright."""
    return FaultPlan(seed=seed, throttle=0.04, server_error=0.04, server_error_after_commit=0.04, lost_response=0.06, operations="all", max_consecutive=3, doomed=0.01)


@pytest.fixture
def harness(demo_data):
    """make(plan, seed, weights) → (checker, workload) over the demo data and the demo ITS registry,
    with `plan` injected into the DynamoDB client from then on (instead of any earlier plan)."""
    import_registry(DEMO_ITS_REGISTRY, progress=False)
    model = build_model(PARTNERS, load_its_registry(DEMO_ITS_REGISTRY))
    injectors: list[FaultInjector] = []

    def make(plan: FaultPlan, seed: int, weights: dict[str, float] | None = None) -> tuple[Checker, Workload]:
        for earlier in injectors:  # one injector at a time on the client
            earlier.uninstall()
        injector = FaultInjector(plan)
        injector.install()
        injector.attach(aws_client("dynamodb"))
        injectors.append(injector)
        return Checker(model, PARTNERS, seed, injector), Workload(model, PARTNERS, seed, weights)

    yield make
    for injector in injectors:
        injector.uninstall()


def test_the_workload_covers_every_write_operation_of_the_groups():
    # Given the operations groups.py routes, When the reads and the mail are left out, Then the rest is what the workload runs
    assert set(OPERATIONS) == write_operations_of_groups()
    assert set(Workload.WEIGHTS) == set(OPERATIONS) and all(weight > 0 for weight in Workload.WEIGHTS.values())


@pytest.mark.parametrize("seed", SEEDS)
def test_every_answer_is_the_models_applied_exactly_once_under_injected_faults(harness, seed):
    # Given the demo data, the model of the spec, and faults injected into a tenth of DynamoDB attempts
    checker, workload = harness(faulty_plan(seed), seed)

    # When a thousand random write operations run, each Server answer replayed with the same seed
    stats = run_workload(checker, workload, OPERATIONS_PER_SEED, check_every=50)

    # Then every answer and the stored state matched the model (run_workload raises otherwise), and the run did meet faults
    injected = checker.injector.stats
    assert stats.operations == OPERATIONS_PER_SEED
    assert injected.injected["lost_response"] > 0 and injected.injected["server_error_after_commit"] > 0 and injected.failed_calls > 0
    assert stats.replays > 0, "no operation needed a replay: the faults never reached an answer"
    assert len({answer for answer in stats.answers if answer != "rows"}) >= 10, f"too few kinds of refusal: {stats.answers}"
    assert stats.answers["rows"] >= OPERATIONS_PER_SEED // 4, f"too few successful writes: {stats.answers}"


FIRST_ATTEMPT_LOST = FaultPlan(first_attempt=True)
TOGGLES = {name: 0 for name in OPERATIONS} | {"partner_user_delete": 1, "client_user_delete": 1, "agent_partner_add": 1}


def test_the_checker_reports_a_write_applied_twice(harness, monkeypatch):
    # Given every write's first attempt applied but its answer lost, and the same toggles and agent adds
    # checked once with the product's stamp recognition intact (they must pass) …
    checker, workload = harness(FIRST_ATTEMPT_LOST, seed=3, weights=TOGGLES)
    run_workload(checker, workload, 30, check_every=10)

    # … When the recognition of "already written by this very write" is removed from the data layer
    def forgetful(operation, token, kwargs):
        kwargs["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        return table._call(operation, **kwargs), None

    monkeypatch.setattr(table, "_conditional_write", forgetful)
    checker, workload = harness(FIRST_ATTEMPT_LOST, seed=4, weights=TOGGLES)

    # Then the checker stops at the first such write, naming the seed, the operation and both answers
    with pytest.raises(Mismatch) as caught:
        run_workload(checker, workload, 30, check_every=10)
    report = str(caught.value)
    assert "fault-injection seed 4" in report and "operation #" in report and "model:" in report and "service:" in report
