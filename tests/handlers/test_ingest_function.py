"""IngestFunction as Lambda runs it: SQS events (events/ingest_*.json) in, partial batch failures out,
the records then read back through StatisticsFunction with an API Gateway event. Also the queues of
template.yaml in moto: a record that keeps failing ends in the dead-letter queue, the rest are stored.
Data: the demo fixture in moto (fixture `demo_data`)."""

import copy
import gzip
import hashlib
import json
import os
import subprocess
import sys
from datetime import date
from typing import Any

from lxml import etree
from partnerapi.data import blobs, keys, table
from partnerapi.data.clients import client
from partnerapi.http import response_from_event
from partnerapi.logic import statistics
from partnerapi_ops import REPO_ROOT
from support.demo import DEMO_ID
from support.handlers import load_event

TNS = "http://buhphone.com/PartnerAPI"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"


def bodies(event: dict[str, Any]) -> list[dict[str, Any]]:
    return [json.loads(record["body"]) for record in event["Records"]]


def day_calls() -> list[dict[str, object]]:
    return statistics.statistics_read(DEMO_ID, "2024-03-05T00:00:00", "2024-03-05T23:59:59", None, None, None, None, None)


def day_sip_calls() -> list[dict[str, object]]:
    return statistics.sip_calls_statistics_read(DEMO_ID, "2024-03-05T00:00:00", "2024-03-05T23:59:59", None, None)


def statistics_items() -> int:
    """The records the ingest path stored for the demo partner in 2024-03, of every kind."""
    return sum(len(table.query_all(keys.statistics_pk(DEMO_ID, kind, "2024-03"))) for kind in (keys.CALL_RECORDS, keys.REMOTE_ACCESS_RECORDS, keys.SIP_CALL_RECORDS))


# ----------------------------------------------------------------------------- event files --


def test_event_files_are_sqs_events_of_the_statistics_queue():
    for name in ("ingest_good_batch", "ingest_batch_with_bad_record", "ingest_chat_sessions"):
        event = load_event(name)
        for record in event["Records"]:
            assert record["eventSource"] == "aws:sqs", name
            assert record["eventSourceARN"].endswith(":StatisticsQueue"), name
            assert hashlib.md5(record["body"].encode()).hexdigest() == record["md5OfBody"], name
            assert json.loads(record["body"])["partner_id"] == DEMO_ID, name


# ---------------------------------------------------------------------------------- batches --


def test_a_good_batch_is_stored_and_read_back_through_the_statistics_function(invoke):
    # Given the SQS event of a call, a remote-access session and a SIP call
    event = load_event("ingest_good_batch")
    call, remote, sip = bodies(event)
    # When IngestFunction handles it
    result = invoke("IngestFunction", event)
    # Then no record is reported as failed
    assert result == {"batchItemFailures": []}
    # And StatisticsFunction answers the day's statistics_read event with the call, in Moscow time
    answer = invoke("StatisticsFunction", load_event("statistics_statistics_read"))
    assert answer["statusCode"] == 200
    body = response_from_event(answer).body
    if (answer.get("headers") or {}).get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    rows = [{etree.QName(field).localname: field.text for field in row} for row in etree.fromstring(body).iter(f"{{{TNS}}}call_statistics")]
    assert rows == [
        {
            "call_id": call["call_id"],
            "time": "2024-03-05T10:15:00+03:00",
            "duration": "420",
            "partner_id": DEMO_ID,
            "client_id": call["client_id"],
            "src_agent_id": call["src_agent_id"],
            "dst_agent_id": call["dst_agent_id"],
            "service_type_id": call["service_type_id"],
            "call_status_id": "0",
            "remote_status_id": "2",
            "URL_call_record": call["URL_call_record"],
        }
    ]
    # And the remote-access session (sent in UTC) and the SIP call (naive: Moscow) are there too
    [session] = statistics.remote_access_statistics_read(
        DEMO_ID, "2024-03-05T10:20:00", "2024-03-05T10:20:00", None, None, None, None, None, today=date(2024, 4, 1)
    )
    assert session["session_id"] == remote["session_id"] and session["time"] == "2024-03-05T10:20:00+03:00"
    assert [row["call_id"] for row in day_sip_calls()] == [sip["call_id"]]


def test_a_bad_record_fails_alone_and_the_rest_of_its_batch_is_stored(invoke):
    # Given a batch whose middle record has call_status_id 9 (the fixed list is 0-7)
    event = load_event("ingest_batch_with_bad_record")
    before, bad, after = event["Records"]
    # When IngestFunction handles it
    result = invoke("IngestFunction", event)
    # Then exactly that message is reported, so only it comes back (and, after maxReceiveCount, goes to the DLQ)
    assert result == {"batchItemFailures": [{"itemIdentifier": bad["messageId"]}]}
    # And the records before and after it are stored
    assert [row["call_id"] for row in day_calls()] == [json.loads(before["body"])["call_id"]]
    assert [row["call_id"] for row in day_sip_calls()] == [json.loads(after["body"])["call_id"]]


def test_a_redelivered_batch_is_stored_once(invoke):
    # Given a batch that was stored
    event = load_event("ingest_good_batch")
    assert invoke("IngestFunction", event) == {"batchItemFailures": []}
    stored = statistics_items()
    # When SQS delivers the same messages again (twice)
    assert invoke("IngestFunction", event) == {"batchItemFailures": []}
    assert invoke("IngestFunction", event) == {"batchItemFailures": []}
    # Then nothing more is stored and every record is read once
    assert statistics_items() == stored == 3
    assert len(day_calls()) == 1 and len(day_sip_calls()) == 1


def test_a_record_reusing_a_stored_id_at_another_time_is_not_stored(invoke):
    # Given a stored call
    event = load_event("ingest_good_batch")
    invoke("IngestFunction", event)
    # When a record with the same call_id but another start time arrives
    call = bodies(event)[0]
    moved = copy.deepcopy(event)
    moved["Records"] = [moved["Records"][0]]
    moved["Records"][0]["body"] = json.dumps({**call, "time": "2024-03-05T18:00:00+03:00"})
    assert invoke("IngestFunction", moved) == {"batchItemFailures": []}
    # Then the id still stands for the first record only
    assert [row["time"] for row in day_calls()] == ["2024-03-05T10:15:00+03:00"]


def test_chat_sessions_are_stored_as_transcripts_with_an_index(invoke):
    # Given the SQS event of a support chat and a chat between colleagues
    event = load_event("ingest_chat_sessions")
    chat, colleagues = bodies(event)
    # When IngestFunction handles it twice (a redelivery)
    assert invoke("IngestFunction", event) == {"batchItemFailures": []}
    assert invoke("IngestFunction", event) == {"batchItemFailures": []}
    # Then each transcript is one object, written once (one version in the versioned bucket)
    s3 = client("s3")
    bucket = blobs.bucket_name()
    versions = s3.list_object_versions(Bucket=bucket, Prefix=f"chats/{DEMO_ID}/2024-03/").get("Versions", [])
    assert sorted(version["Key"] for version in versions) == sorted(f"chats/{DEMO_ID}/2024-03/{body['session_id']}.json" for body in (chat, colleagues))
    # And the index lists each session once, under its conversation
    support = table.query_all(keys.chat_pk(DEMO_ID, chat["client_user_id"], chat["service_type_id"]))
    pair = table.query_all(keys.colleague_chat_pk(DEMO_ID, colleagues["colleague2_id"], colleagues["colleague1_id"]))
    assert [item["session_id"] for item in support] == [chat["session_id"]]
    assert [item["session_id"] for item in pair] == [colleagues["session_id"]]


def test_a_batch_of_only_bad_records_reports_each_of_them(invoke):
    # Given a batch in which every record is malformed
    event = load_event("ingest_batch_with_bad_record")
    event["Records"][0]["body"] = "{not json"
    event["Records"][2]["body"] = json.dumps({"record_type": "fax"})
    event["Records"] = [event["Records"][0], event["Records"][2]]
    # When IngestFunction handles it
    result = invoke("IngestFunction", event)
    # Then each message is reported (retried, then parked), and the invocation itself does not fail
    assert result == {"batchItemFailures": [{"itemIdentifier": record["messageId"]} for record in event["Records"]]}
    assert day_calls() == [] and day_sip_calls() == []


# ------------------------------------------------------------------- the queues, in moto --


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """What the event source mapping hands the function for the received messages."""
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": "eu-central-1",
            }
            for message in messages
        ]
    }


def test_through_the_queue_a_bad_record_ends_in_the_dead_letter_queue_and_the_rest_is_stored(invoke):
    # Given the statistics queue and its dead-letter queue, as template.yaml declares them
    sqs = client("sqs")
    queue = sqs.get_queue_url(QueueName="StatisticsQueue")["QueueUrl"]
    dead_letters = sqs.get_queue_url(QueueName="StatisticsDeadLetterQueue")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn", "RedrivePolicy"])["Attributes"]
    max_receives = json.loads(attributes["RedrivePolicy"])["maxReceiveCount"]
    # And a producer that sends the records of a batch with one bad record
    records = bodies(load_event("ingest_batch_with_bad_record"))
    for record in records:
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(record))
    bad_body = json.dumps(records[1])
    # When the event source mapping delivers what it receives, deletes what succeeded and lets the rest come back
    for _ in range(max_receives + 1):
        received = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=0, AttributeNames=["All"]).get("Messages", [])
        if not received:
            break
        result = invoke("IngestFunction", sqs_event(received, attributes["QueueArn"]))
        failed = {failure["itemIdentifier"] for failure in result["batchItemFailures"]}
        assert {message["Body"] for message in received if message["MessageId"] in failed} == {bad_body}
        for message in received:
            if message["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    # Then the bad record is in the dead-letter queue, and only it
    parked = sqs.receive_message(QueueUrl=dead_letters, MaxNumberOfMessages=10).get("Messages", [])
    assert [message["Body"] for message in parked] == [bad_body]
    assert not sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages")
    # And the good records were stored once each
    assert [row["call_id"] for row in day_calls()] == [records[0]["call_id"]]
    assert [row["call_id"] for row in day_sip_calls()] == [records[2]["call_id"]]


def test_cli_invoke_runs_the_ingest_event_file():
    # When `partnerapi invoke IngestFunction --event events/ingest_good_batch.json --raw` runs against a fresh demo emulation
    result = subprocess.run(
        [sys.executable, "-m", "partnerapi_ops.cli", "invoke", "IngestFunction", "--event", "events/ingest_good_batch.json", "--raw"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT / "layers" / "shared"), str(REPO_ROOT / "infra")])},
    )
    # Then it prints the function's answer: no failed record
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"batchItemFailures": []}

