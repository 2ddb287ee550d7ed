"""The SQS queues of template.yaml in the emulation (the statistics queue and its dead-letter queue),
created with the template's own properties: visibility timeout, retention, and the redrive policy
that moves a record to the dead-letter queue after maxReceiveCount receives."""

import json
from typing import Any

from partnerapi.data.clients import client

from partnerapi_ops.template import load_template

_ATTRIBUTES = {"VisibilityTimeout": "VisibilityTimeout", "MessageRetentionPeriod": "MessageRetentionPeriod", "DelaySeconds": "DelaySeconds"}


def queue_definitions() -> dict[str, dict[str, Any]]:
    return {name: resource.get("Properties", {}) for name, resource in load_template()["Resources"].items() if resource["Type"] == "AWS::SQS::Queue"}


def create_queues() -> dict[str, str]:
    """Creates every queue (dead-letter targets first; idempotent); returns logical id → queue URL.
    Local queue names are the logical ids."""
    sqs = client("sqs")
    definitions = queue_definitions()
    urls: dict[str, str] = {}
    arns: dict[str, str] = {}
    for name in sorted(definitions, key=lambda name: "RedrivePolicy" in definitions[name]):
        properties = definitions[name]
        attributes = {attribute: str(properties[key]) for key, attribute in _ATTRIBUTES.items() if key in properties}
        redrive = properties.get("RedrivePolicy")
        if redrive:
            target = redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]
            attributes["RedrivePolicy"] = json.dumps({"deadLetterTargetArn": arns[target], "maxReceiveCount": int(redrive["maxReceiveCount"])})
        urls[name] = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arns[name] = sqs.get_queue_attributes(QueueUrl=urls[name], AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return urls
