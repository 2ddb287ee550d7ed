"""The statistics group keeps partners apart (over the sandbox, both SOAP ports): every ID parameter of
every operation answers another partner's client, employee, agent, support line or subscription exactly
like an unknown or malformed ID; and what the second partner reads never holds the first partner's
records, however it filters."""

import uuid
from datetime import datetime, timedelta

import pytest
from partnerapi.logic import moscow_time
from support.faults import code, fault_of, rows
from support.statistics_records import (
    DEMO2_CLIENT,
    DEMO2_DEVICE,
    DEMO2_ID,
    DEMO2_OWN_LINE,
    DEMO2_SPECIALIST,
    DEMO2_SUBSCRIPTION,
    DEMO_CLIENT_ROMASHKA,
    DEMO_CLIENT_USER_OLGA,
    DEMO_ID,
    DEMO_OWN_LINE,
    DEVICE_OLGA,
    PUBLIC_LINE,
    ROMASHKA_SUBSCRIPTION,
    SPECIALIST_ANNA,
    SPECIALIST_IVAN,
    call,
    chat,
    colleague_chat,
    ingest,
    remote_session,
    sip_call,
)

PORTS = ["PartnerAPISoap", "PartnerAPISoap12"]
DAY = datetime(2018, 6, 1)
PERIOD = {"start_time": "2018-06-01T00:00:00", "end_time": "2018-06-01T23:59:59"}
CHAT_PERIOD = {"period_from": "2018-06-01T00:00:00", "period_to": "2018-06-01T23:59:59"}

# The first partner's objects, as the second partner (the intruder) would name them
FOREIGN = {
    "client": DEMO_CLIENT_ROMASHKA,
    "partner_agent": SPECIALIST_IVAN,
    "user_agent": DEVICE_OLGA,
    "client_user": DEMO_CLIENT_USER_OLGA,
    "own_line": DEMO_OWN_LINE,
    "subscription": ROMASHKA_SUBSCRIPTION,
}
# The intruder's own valid values for the other parameters of an operation
OWN_CHAT = {"client_user_id": DEMO2_DEVICE, "service_id": DEMO2_SUBSCRIPTION, **CHAT_PERIOD}
OWN_COLLEAGUES = {"Colleague1_id": DEMO2_SPECIALIST, "Colleague2_id": DEMO2_DEVICE, **CHAT_PERIOD}

# (operation, parameter, kind of foreign object, other arguments)
CASES = [
    *[("statistics_read", "client_id", "client", PERIOD)],
    *[("statistics_read", parameter, kind, PERIOD) for parameter in ("agent_id", "src_agent_id", "dst_agent_id") for kind in ("partner_agent", "user_agent")],
    ("statistics_read", "service_type_id", "own_line", PERIOD),
    ("remote_access_statistics_read", "client_id", "client", {}),
    *[
        ("remote_access_statistics_read", parameter, kind, {})
        for parameter in ("agent_id", "src_agent_id", "dst_agent_id", "server_agent_id", "client_agent_id")
        for kind in ("partner_agent", "user_agent")
    ],
    ("remote_access_statistics_read", "service_type_id", "own_line", {}),
    *[("sip_calls_statistics_read", "agent_id", kind, PERIOD) for kind in ("partner_agent", "user_agent")],
    *[("chat_history_statistics_read", "client_user_id", kind, OWN_CHAT) for kind in ("client_user", "user_agent")],
    *[("chat_history_statistics_read", "service_id", kind, OWN_CHAT) for kind in ("own_line", "subscription")],
    *[("chat_history_colleagues_read", parameter, kind, OWN_COLLEAGUES) for parameter in ("Colleague1_id", "Colleague2_id") for kind in ("partner_agent", "user_agent")],
]


@pytest.fixture(scope="module")
def both_partners_have_records(sandbox, tmp_path_factory):
    """Records of both partners on one day (and, for remote access, one recent night)."""
    night = datetime.combine(moscow_time.today() - timedelta(days=3), datetime.min.time()) + timedelta(hours=2, minutes=17)
    theirs = dict(partner_id=DEMO2_ID, client_id=DEMO2_CLIENT, service_type_id=DEMO2_OWN_LINE)
    records = [
        call(DAY + timedelta(hours=9)),
        call(DAY + timedelta(hours=9), **theirs, src_agent_id=DEMO2_DEVICE, dst_agent_id=DEMO2_SPECIALIST),
        remote_session(night),
        remote_session(night, **theirs, server_agent_id=DEMO2_DEVICE, dst_agent_id=DEMO2_SPECIALIST),
        sip_call(DAY + timedelta(hours=10)),
        sip_call(DAY + timedelta(hours=10), partner_id=DEMO2_ID, agent_id=DEMO2_SPECIALIST),
        chat(DAY + timedelta(hours=11)),
        colleague_chat(DAY + timedelta(hours=12), first=SPECIALIST_IVAN, second=SPECIALIST_ANNA),
    ]
    status, report = ingest(sandbox, records, tmp_path_factory.mktemp("isolation"))
    assert status == 0 and report["stored"] == len(records), report
    return {"night": night, "records": records}


@pytest.mark.parametrize("port", PORTS)
@pytest.mark.parametrize(("operation", "parameter", "kind", "others"), CASES, ids=[f"{op}-{parameter}-{kind}" for op, parameter, kind, _ in CASES])
def test_foreign_ids_are_answered_like_unknown_ids(soap_client, both_partners_have_records, port, operation, parameter, kind, others):
    # Given the second partner, and an ID of the first partner's of the kind the parameter may name
    intruder = getattr(soap_client("demo2", "demo2", group="statistics", port=port), operation)
    foreign, unknown, malformed = FOREIGN[kind], str(uuid.uuid4()), "12345"

    # When it passes the foreign ID, an unknown ID and a malformed one
    faults = [fault_of(intruder, **{**others, parameter: value}) for value in (foreign, unknown, malformed)]

    # Then the three faults are one and the same fault, naming only what the caller sent
    assert [code(fault) for fault in faults] == ["Client.ReferenceNotFound"] * 3
    messages = {fault.message.replace(value, "<id>") for fault, value in zip(faults, (foreign, unknown, malformed), strict=True)}
    assert len(messages) == 1 and parameter in faults[0].message


@pytest.mark.parametrize("port", PORTS)
def test_the_second_partner_never_reads_the_first_partners_records(soap_client, both_partners_have_records, port):
    api = soap_client("demo2", "demo2", group="statistics", port=port)
    night = both_partners_have_records["night"]
    window = (night.isoformat(), night.isoformat())
    # When the second partner reads the shared day and night, unfiltered and by its own objects
    reads = [
        rows(api.statistics_read(PERIOD["start_time"], PERIOD["end_time"], None, None, None, None, None)),
        rows(api.statistics_read(PERIOD["start_time"], PERIOD["end_time"], DEMO2_CLIENT, DEMO2_SPECIALIST, None, None, PUBLIC_LINE)),
        rows(api.remote_access_statistics_read(*window, None, None, None, None, None)),
        rows(api.sip_calls_statistics_read(PERIOD["start_time"], PERIOD["end_time"], None, None)),
        rows(api.sip_calls_statistics_read(PERIOD["start_time"], PERIOD["end_time"], DEMO2_SPECIALIST, "+74951234567")),
    ]
    # Then only its own records come back
    assert [len(found) for found in reads] == [1, 0, 1, 1, 1]
    assert all(row.partner_id == DEMO2_ID for found in reads[:3] for row in found)
    assert all(row.agent_id == DEMO2_SPECIALIST for found in reads[3:] for row in found)
    # And the first partner still sees exactly its own
    demo = soap_client("demo", "demo", group="statistics", port=port)
    own = rows(demo.statistics_read(PERIOD["start_time"], PERIOD["end_time"], None, None, None, None, None))
    assert [row.partner_id for row in own] == [DEMO_ID]
