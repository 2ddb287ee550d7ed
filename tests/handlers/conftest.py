"""Fixtures of the handler tests: functions loaded from template.yaml, the router calling them in-process."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from support.handlers import router_in_process, template_invoker


@pytest.fixture
def invoke(demo_data: None) -> Callable[[str, dict[str, Any]], dict[str, Any]]:
    """invoke(logical_id, event) → the handler's result, the handler loaded from template.yaml once per test."""
    return template_invoker()


@pytest.fixture
def in_process_router(demo_data: None) -> Iterator[None]:
    """The router's Lambda invocations go to the in-process group handlers, as in the sandbox."""
    with router_in_process():
        yield
