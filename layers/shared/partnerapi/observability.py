"""Powertools Logger, Metrics and Tracer, created on first use (they read the environment)."""

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def logger() -> Any:
    from aws_lambda_powertools import Logger

    return Logger(service="partnerapi")


@lru_cache(maxsize=1)
def metrics() -> Any:
    from aws_lambda_powertools import Metrics

    return Metrics(namespace="PartnerAPI", service="partnerapi")


@lru_cache(maxsize=1)
def tracer() -> Any:
    from aws_lambda_powertools import Tracer

    # only botocore makes outbound calls here; patching all 13 supported libraries costs ~30 ms more per cold start
    return Tracer(service="partnerapi", patch_modules=["botocore"])


def record_operation(operation: str, seconds: float, fault: bool) -> None:
    """Calls, faults and latency per operation (one Lambda invocation answers one operation)."""
    from aws_lambda_powertools.metrics import MetricUnit

    recorder = metrics()
    recorder.clear_metrics()  # one invocation answers one operation; nothing earlier belongs to it
    recorder.add_dimension(name="operation", value=operation)
    recorder.add_metric(name="Calls", unit=MetricUnit.Count, value=1)
    recorder.add_metric(name="Faults", unit=MetricUnit.Count, value=1 if fault else 0)
    recorder.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=round(seconds * 1000, 3))
