"""Functions of template.yaml loaded the way Lambda loads them, driven by the event files in events/."""

import copy
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import partnerapi.router
from partnerapi_ops import REPO_ROOT
from partnerapi_ops.gateway import LocalContext, LocalFunctions
from partnerapi_ops.template import load_handler

EVENTS = REPO_ROOT / "events"


def load_event(name: str) -> dict[str, Any]:
    """events/<name>.json as a dict."""
    return json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))


def template_invoker() -> Callable[[str, dict[str, Any]], dict[str, Any]]:
    """invoke(logical_id, event) → the handler's result; each handler loaded from template.yaml once."""
    handlers: dict[str, Any] = {}

    def invoke(logical_id: str, event: dict[str, Any]) -> dict[str, Any]:
        if logical_id not in handlers:
            handlers[logical_id] = load_handler(logical_id)
        return handlers[logical_id](copy.deepcopy(event), LocalContext(logical_id))

    return invoke


@contextmanager
def router_in_process() -> Iterator[None]:
    """The router's Lambda invocations go to the in-process group handlers, as in the sandbox."""
    partnerapi.router.use_invoker(LocalFunctions().invoke)
    try:
        yield
    finally:
        partnerapi.router.use_invoker(partnerapi.router.lambda_invoker)
