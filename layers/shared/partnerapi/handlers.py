"""Lambda entry points. Each function's app.py is one line that picks its handler here.

Import builds only what needs no environment (the spyne applications); settings, Powertools and
boto3 clients are set up by `initialize()` on the first invocation.
"""

from collections.abc import Callable
from typing import Any

from partnerapi import observability
from partnerapi.data.clients import client
from partnerapi.http import request_from_event, response_to_event
from partnerapi.settings import get_settings

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def _observed(handle: Handler, with_metrics: bool = True) -> Handler:
    from aws_lambda_powertools.logging import correlation_paths

    handle = observability.tracer().capture_lambda_handler(handle, capture_response=False)
    if with_metrics:
        handle = observability.metrics().log_metrics(handle)
    return observability.logger().inject_lambda_context(handle, correlation_id_path=correlation_paths.API_GATEWAY_REST)


class LazyHandler:
    """A Lambda handler whose environment-dependent set-up runs once, on first use."""

    def __init__(self) -> None:
        self._handle: Handler | None = None

    def build(self) -> Handler:
        raise NotImplementedError

    def initialize(self) -> Handler:
        if self._handle is None:
            self._handle = self.build()
        return self._handle

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        return self.initialize()(event, context)


class GroupHandler(LazyHandler):
    """API Gateway event → the group's SOAP endpoint → API Gateway response."""

    def __init__(self, group: str):
        from partnerapi.soap.endpoint import SoapEndpoint

        super().__init__()
        self.endpoint = SoapEndpoint.for_group(group)

    def build(self) -> Handler:
        get_settings()
        client("dynamodb")

        def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
            request = request_from_event(event, getattr(context, "aws_request_id", ""))
            return response_to_event(self.endpoint.handle(request))

        return _observed(handle)


class RouterHandler(LazyHandler):
    """The single compatible URL: finds the operation's group and invokes that group's function."""

    def build(self) -> Handler:
        from partnerapi.router import route

        get_settings()
        client("lambda")
        return _observed(route, with_metrics=False)


class AuthorizerHandler(LazyHandler):
    def build(self) -> Handler:
        from partnerapi.auth import authorizer

        get_settings()
        client("dynamodb")

        def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
            return authorizer(event)

        return _observed(handle, with_metrics=False)


class IngestHandler(LazyHandler):
    """SQS batch of platform records → the record processor (partnerapi.logic.ingest), one record at a
    time. Failures are reported per message (ReportBatchItemFailures): the rest of the batch is stored,
    and only a failed record comes back, until the queue's maxReceiveCount moves it to the DLQ."""

    def build(self) -> Handler:
        from aws_lambda_powertools.metrics import MetricUnit
        from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

        from partnerapi.events import InvalidRecord
        from partnerapi.logic import ingest

        get_settings()
        client("dynamodb")
        # the S3 client waits for the first chat record: most batches carry calls only
        # a batch whose every record failed is reported like any other, not raised: a lone poison message
        # is then retried and parked in the DLQ without counting as a function error
        processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        log, recorder = observability.logger(), observability.metrics()

        def record_handler(record: Any) -> None:
            try:
                outcome = ingest.process(record.body)
            except InvalidRecord as error:
                recorder.add_metric(name="InvalidRecords", unit=MetricUnit.Count, value=1)
                log.warning("invalid record", extra={"message_id": record.message_id, "reason": str(error)})
                raise
            recorder.add_metric(name="StoredRecords" if outcome.stored else "DuplicateRecords", unit=MetricUnit.Count, value=1)
            details = {"message_id": record.message_id, "record_type": outcome.record_type, "record_id": outcome.record_id}
            if outcome.stored:
                log.debug("record stored", extra=details)
            else:
                log.info("duplicate record: already stored, nothing changed", extra=details)

        def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
            return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)

        handle = observability.tracer().capture_lambda_handler(handle, capture_response=False)
        handle = recorder.log_metrics(handle)
        return log.inject_lambda_context(handle)
