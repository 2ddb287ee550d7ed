"""Helpers to look at SOAP faults and results the way a zeep user does."""

import pytest
from zeep.exceptions import Fault
from zeep.helpers import serialize_object


def fault_of(call, *args, **kwargs) -> Fault:
    """Calls a zeep operation that must fail with a SOAP Fault and returns the fault."""
    with pytest.raises(Fault) as caught:
        call(*args, **kwargs)
    return caught.value


def code(fault: Fault) -> str:
    """The fault code in SOAP 1.1 terms: `Client.ReferenceNotFound` from `soap11env:Client.ReferenceNotFound`,
    or from SOAP 1.2's `Sender` with subcode `ReferenceNotFound`."""
    major = str(fault.code).split(":", 1)[-1]
    major = {"Sender": "Client", "Receiver": "Server"}.get(major, major)
    subcodes = [str(getattr(subcode, "localname", subcode)).rsplit("}", 1)[-1].split(":", 1)[-1] for subcode in (fault.subcodes or [])]
    return ".".join([major, *subcodes])


def rows(result) -> list:
    """zeep gives None for an empty array result."""
    return list(result or [])


def plain(result) -> list[dict]:
    """The result's rows as plain dicts."""
    return [serialize_object(row, dict) for row in rows(result)]
