"""The one place where domain exceptions become SOAP faults, and where every operation is measured."""

import time
from collections.abc import Iterable
from typing import Any

from spyne import Fault, ServiceBase

from partnerapi import observability
from partnerapi.data import writes
from partnerapi.errors import InternalError, PartnerApiError

PARTNER_KEY = "partnerapi.partner_id"
REQUEST_ID_KEY = "partnerapi.request_id"
WRITE_SEED_KEY = "partnerapi.write_seed"  # stable across retries of the same request (data/writes.py)
SERVER_FAULT_KEY = "partnerapi.server_fault"  # set when the answer is a `Server` fault


def current_partner(ctx: Any) -> str:
    """The partner the authorizer established for this request."""
    return ctx.transport.req_env[PARTNER_KEY]


def rows(row_type: type, values: Iterable[dict[str, object]]) -> list[dict[str, object]]:
    """The logic's rows as the result of an operation returning `row_type`s. They stay dicts (the
    serializer reads them as they are; building spyne objects would cost as much as writing the XML),
    so a field name the row type does not declare is caught here rather than silently dropped."""
    fields = set(row_type.get_flat_type_info(row_type))
    result = list(values)
    for value in result:
        if not value.keys() <= fields:
            raise TypeError(f"{row_type.get_type_name()} has no field(s) {sorted(value.keys() - fields)}")
    return result


class PartnerApiService(ServiceBase):
    @classmethod
    def call_wrapper(cls, ctx: Any, args: Any = None) -> Any:
        operation = ctx.descriptor.name
        request_id = ctx.transport.req_env.get(REQUEST_ID_KEY, "")
        seed = ctx.transport.req_env.get(WRITE_SEED_KEY) or request_id
        started = time.perf_counter()
        fault = True
        try:
            with writes.scope(seed, current_partner(ctx)):
                result = super().call_wrapper(ctx, args)
            fault = False
            return result
        except PartnerApiError as error:
            raise Fault(faultcode=error.faultcode, faultstring=error.message, lang="ru") from None
        except InternalError as error:
            ctx.transport.req_env[SERVER_FAULT_KEY] = True
            observability.logger().exception("operation failed", extra={"operation": operation, "request_id": request_id})
            message = f"Сервис временно недоступен, повторите запрос позже. Идентификатор запроса: {request_id}"
            raise Fault(faultcode=error.faultcode, faultstring=message, lang="ru") from None
        except Exception:
            ctx.transport.req_env[SERVER_FAULT_KEY] = True
            observability.logger().exception("internal error", extra={"operation": operation, "request_id": request_id})
            raise Fault(faultcode="Server", faultstring=f"Внутренняя ошибка сервиса. Идентификатор запроса: {request_id}", lang="ru") from None
        finally:
            observability.record_operation(operation, time.perf_counter() - started, fault)
