"""Competences over the wire (sandbox, zeep, both SOAP ports): the default priority 3, reads filtered by
competence, agent (under both of the spec's names), service type and priority, one live competence per
agent and line, competence_stop's empty answer, and which service types may be named (public, own,
a vendor's imported line; not a deleted one)."""

import uuid

import pytest
from support.demo import (
    DEMO2_AGENT,
    DEMO_AGENT_IVAN,
    DEMO_PRIVATE_LINE,
    DEMO_USER_ANNA,
    DEMO_VENDOR_LINE,
    PUBLIC_ARCHIVED,
    PUBLIC_CONSULTING,
    PUBLIC_TECHNICAL,
)
from support.faults import code, fault_of, plain

PORTS = ["PartnerAPISoap", "PartnerAPISoap12"]


@pytest.fixture
def api(soap_client):
    return lambda port="PartnerAPISoap", login="demo": soap_client(login, login, group="agents", port=port)


@pytest.fixture
def new_agent(api):
    """A fresh partner agent of demo (competences of the demo agents stay as other tests leave them)."""
    return lambda: plain(api().agent_partner_add(partner_user_id=DEMO_USER_ANNA))[0]["agent_partner_id"]


@pytest.mark.parametrize("port", PORTS)
def test_competence_add_defaults_the_priority_to_3_and_reads_back(api, new_agent, port):
    # Given a partner agent
    competences, agent = api(port), new_agent()
    # When it gets a competence on a public line without a priority, and one on the partner's own line with priority 1
    (default,) = plain(competences.competence_add(agent_partner_id=agent, service_type_id=PUBLIC_CONSULTING))
    (explicit,) = plain(competences.competence_add(agent_partner_id=agent, service_type_id=DEMO_PRIVATE_LINE, prioritet=1))
    # Then the answers carry the competence, the agent, the line and the priority (3 when not given)
    assert default == {"competence_id": default["competence_id"], "agent_partner_id": agent, "service_type_id": PUBLIC_CONSULTING, "prioritet": 3}
    assert explicit["prioritet"] == 1 and explicit["service_type_id"] == DEMO_PRIVATE_LINE
    uuid.UUID(default["competence_id"])
    # And both read back under the agent, by either of the spec's names for it
    by_agent_id = plain(competences.competence_read(agent_id=agent))
    by_agent_partner_id = plain(competences.competence_read(agent_partner_id=agent))
    assert sorted(by_agent_id, key=lambda row: row["competence_id"]) == sorted([default, explicit], key=lambda row: row["competence_id"])
    assert sorted(by_agent_partner_id, key=lambda row: row["competence_id"]) == sorted(by_agent_id, key=lambda row: row["competence_id"])


def test_competence_read_filters_by_id_agent_service_type_and_priority(api, new_agent):
    competences = api()
    first, second = new_agent(), new_agent()
    a = plain(competences.competence_add(first, PUBLIC_CONSULTING, 2))[0]["competence_id"]
    b = plain(competences.competence_add(first, PUBLIC_TECHNICAL, 3))[0]["competence_id"]
    c = plain(competences.competence_add(second, PUBLIC_CONSULTING, 2))[0]["competence_id"]

    def ids(**filters) -> set[str]:
        return {row["competence_id"] for row in plain(competences.competence_read(**filters))}

    assert ids(agent_id=first) == {a, b}
    assert ids(agent_id=first, service_type_id=PUBLIC_CONSULTING) == {a}
    assert ids(agent_id=first, prioritet=3) == {b}
    assert {a, c} <= ids(service_type_id=PUBLIC_CONSULTING, prioritet=2)
    assert b not in ids(service_type_id=PUBLIC_CONSULTING)
    assert ids(competence_id=c) == {c}
    assert ids(competence_id=c, agent_id=first) == set()
    assert ids(agent_id=first, agent_partner_id=second) == set()  # both names given: both filter
    assert {a, b, c} <= ids()


def test_an_agent_gets_a_line_once_until_the_competence_is_stopped(api, new_agent):
    competences, agent = api(), new_agent()
    (first,) = plain(competences.competence_add(agent, PUBLIC_TECHNICAL))
    # When the same agent gets the same line again: refused, naming the live competence; nothing added
    fault = fault_of(competences.competence_add, agent, PUBLIC_TECHNICAL, 1)
    assert code(fault) == "Client.DuplicateCompetence" and first["competence_id"] in fault.message
    assert plain(competences.competence_read(agent_id=agent)) == [first]
    # When the competence is stopped: the answer is empty and it is no longer read
    assert plain(competences.competence_stop(competence_id=first["competence_id"])) == []
    assert plain(competences.competence_read(agent_id=agent)) == []
    assert plain(competences.competence_read(competence_id=first["competence_id"])) == []
    # And stopping it again is refused, while the line may be given again
    fault = fault_of(competences.competence_stop, competence_id=first["competence_id"])
    assert code(fault) == "Client.CompetenceStopped"
    (again,) = plain(competences.competence_add(agent, PUBLIC_TECHNICAL, 5))
    assert again["competence_id"] != first["competence_id"] and again["prioritet"] == 5


def test_a_vendors_imported_line_may_be_a_competence_of_the_importer(api):
    # Given demo2 imports demo's vendor line
    competences = api(login="demo2")
    (added,) = plain(competences.competence_add(DEMO2_AGENT, DEMO_VENDOR_LINE))
    assert added["service_type_id"] == DEMO_VENDOR_LINE
    competences.competence_stop(added["competence_id"])


def test_a_deleted_service_type_is_refused(api, new_agent):
    competences, agent = api(), new_agent()
    fault = fault_of(competences.competence_add, agent, PUBLIC_ARCHIVED)
    assert code(fault) == "Client.ServiceTypeDeleted" and PUBLIC_ARCHIVED in fault.message
    assert plain(competences.competence_read(agent_id=agent)) == []


@pytest.mark.parametrize("priority", [0, -1, 11, 1000])
def test_a_priority_outside_1_to_10_is_refused(api, new_agent, priority):
    competences, agent = api(), new_agent()
    fault = fault_of(competences.competence_add, agent, PUBLIC_CONSULTING, priority)
    assert code(fault) == "Client.InvalidParameter" and "prioritet" in fault.message
    assert plain(competences.competence_read(agent_id=agent)) == []
    assert code(fault_of(competences.competence_read, prioritet=priority)) == "Client.InvalidParameter"


def test_competence_add_takes_the_agent_under_either_name_but_not_two_agents(api, new_agent):
    competences, first, second = api(), new_agent(), new_agent()
    (by_agent_id,) = plain(competences.competence_add(service_type_id=PUBLIC_CONSULTING, agent_id=first))
    assert by_agent_id["agent_partner_id"] == first
    (same,) = plain(competences.competence_add(agent_partner_id=second, service_type_id=PUBLIC_CONSULTING, agent_id=second))
    assert same["agent_partner_id"] == second
    fault = fault_of(competences.competence_add, agent_partner_id=first, service_type_id=PUBLIC_TECHNICAL, agent_id=second)
    assert code(fault) == "Client.InvalidParameter"
    assert {row["service_type_id"] for row in plain(competences.competence_read(agent_id=first))} == {PUBLIC_CONSULTING}


@pytest.mark.parametrize(
    "arguments, missing",
    [({"service_type_id": PUBLIC_CONSULTING}, "agent_partner_id"), ({"agent_partner_id": DEMO_AGENT_IVAN}, "service_type_id")],
)
def test_competence_add_names_a_missing_parameter(api, arguments, missing):
    fault = fault_of(api().competence_add, **arguments)
    assert code(fault) == "Client.MissingParameter" and missing in fault.message


def test_competence_stop_needs_the_competence(api):
    fault = fault_of(api().competence_stop)
    assert code(fault) == "Client.MissingParameter" and "competence_id" in fault.message
