"""Long fault-injection run: the random write workload of tests/integration/test_fault_injection.py, as
many operations as asked, against moto in-process with the demo data, checked against the spec model.

    .venv/bin/python bench/fault_injection.py --ops 10000 --seed 20261202
    .venv/bin/python bench/fault_injection.py --ops 2000 --seed 7 --lost-response 0.2 --doomed 0.02

Prints the figures (operations, faults injected per kind, replays, Server faults answered, wall time) and
the result: PASS, or the first mismatch with its seed, index, operation and both answers (exit 1).
`--escaped-as-server` treats an exception that is no InternalError (a botocore error escaping the data
layer) as a Server fault to replay instead of stopping there, and counts it.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ops", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--check-every", type=int, default=100, help="compare the stored state with the model every N operations")
    parser.add_argument("--throttle", type=float, default=0.04)
    parser.add_argument("--server-error", type=float, default=0.04)
    parser.add_argument("--server-error-after-commit", type=float, default=0.04)
    parser.add_argument("--lost-response", type=float, default=0.06)
    parser.add_argument("--doomed", type=float, default=0.01, help="share of calls faulted on every attempt (they fail)")
    parser.add_argument("--max-consecutive", type=int, default=3)
    parser.add_argument("--operations", choices=("all", "writes"), default="all")
    parser.add_argument("--escaped-as-server", action="store_true")
    parser.add_argument("--skip", default="", help="comma-separated operations to leave out of the workload")
    parser.add_argument("--keep-going", action="store_true", help="after a mismatch, rebuild the model from the stored state and go on (lists every mismatch)")
    args = parser.parse_args()

    # the modules the tests use, without pytest: same paths as pyproject's pythonpath
    for path in ("layers/shared", "infra", "tests"):
        sys.path.insert(0, str(ROOT / path))

    from moto import mock_aws
    from partnerapi.data.clients import client, reset_clients
    from partnerapi_ops.emulation import create_resources, local_environment
    from partnerapi_ops.faults import KINDS, FaultInjector, FaultPlan
    from partnerapi_ops.its_registry import import_registry
    from partnerapi_ops.provisioning import load_fixture
    from partnerapi_ops.sandbox import DEMO_FIXTURE, DEMO_ITS_REGISTRY
    from support.demo import DEMO2_ID, DEMO_ID
    from support.workload import Checker, Mismatch, Workload, build_model, load_its_registry

    os.environ.update(local_environment(None))
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.pop("AGENT_PASSWORD_KEY_FILE", None)
    reset_clients()
    partners = [DEMO_ID, DEMO2_ID]
    plan = FaultPlan(
        seed=args.seed,
        throttle=args.throttle,
        server_error=args.server_error,
        server_error_after_commit=args.server_error_after_commit,
        lost_response=args.lost_response,
        operations=args.operations,
        max_consecutive=args.max_consecutive,
        doomed=args.doomed,
    )
    with mock_aws():
        try:  # the emulation the tests' `aws` fixture uses (ClientRequestToken, fast transactions and queries)
            from partnerapi_ops.moto_dynamodb import patch_moto_dynamodb
        except ImportError:
            patch_moto_dynamodb = None
        if patch_moto_dynamodb is not None:
            patch_moto_dynamodb()
        create_resources()
        os.environ["AGENT_PASSWORD_KEY_ARN"] = client("kms").create_key(Description="agent passwords (bench)")["KeyMetadata"]["Arn"]
        reset_clients()
        load_fixture(DEMO_FIXTURE)
        import_registry(DEMO_ITS_REGISTRY, progress=False)
        model = build_model(partners, load_its_registry(DEMO_ITS_REGISTRY))
        injector = FaultInjector(plan)
        injector.install()
        injector.attach(client("dynamodb"))
        checker = Checker(model, partners, args.seed, injector, escaped_is_server=args.escaped_as_server)
        skipped = {name: 0 for name in filter(None, args.skip.split(","))}
        workload = Workload(model, partners, args.seed, skipped)
        started = time.perf_counter()
        failures: list[Mismatch] = []
        for index in range(args.ops):
            try:
                checker.run(workload.next(index))
                if (index + 1) % args.check_every == 0 or index == args.ops - 1:
                    checker.check_state(index)
            except Mismatch as mismatch:
                failures.append(mismatch)
                if not args.keep_going:
                    break
                with injector.paused():  # the stored state becomes the model's starting point again
                    checker.model = workload.model = build_model(partners, load_its_registry(DEMO_ITS_REGISTRY))
        wall = time.perf_counter() - started
        injector.uninstall()

    stats, injected = checker.stats, injector.stats
    print(f"plan: {plan}")
    print(f"operations: {stats.operations} of {args.ops} (seed {args.seed}), state checks: {stats.state_checks}, wall time: {wall:.1f} s")
    print(f"DynamoDB calls: {injected.calls}, attempts: {injected.attempts}, calls faulted: {injected.faulted_calls}, calls failed outright: {injected.failed_calls}")
    print("faults injected (attempts): " + ", ".join(f"{kind} {injected.injected[kind]}" for kind in KINDS))
    print(f"Server answers: {sum(stats.server_answers.values())} {dict(stats.server_answers)}; replays: {stats.replays} over {stats.operations_replayed} operations (at most {stats.max_replays_of_one} for one)")
    print(f"answers: {stats.answers['rows']} rows, {sum(stats.answers.values()) - stats.answers['rows']} Client faults ({len(stats.answers) - 1} codes)")
    print("Client faults: " + ", ".join(f"{answer} {count}" for answer, count in stats.answers.most_common() if answer != "rows"))
    names = sorted({name for name, _ in stats.per_operation})
    print("per operation (answered rows/faults): " + ", ".join(f"{name} {stats.per_operation[(name, 'rows')]}/{stats.per_operation[(name, 'fault')]}" for name in names))
    if checker.escaped:
        print(f"exceptions that were no InternalError (replayed as Server faults): {len(checker.escaped)}, first: {checker.escaped[0]}")
    if failures:
        print(f"RESULT: FAIL ({len(failures)} mismatch(es))")
        for failure in failures:
            print(failure)
        return 1
    print("RESULT: PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
