"""The one place where domain exceptions become SOAP faults, and where every operation is measured."""

import time
from collections.abc import Iterable
from typing import Any

from spyne import Fault, ServiceBase

from partnerapi import observability
from partnerapi.errors import InternalError, PartnerApiError

PARTNER_KEY = "partnerapi.partner_id"
REQUEST_ID_KEY = "partnerapi.request_id"


def current_partner(ctx: Any) -> str:
    """The partner the authorizer established for this request."""
    return ctx.transport.req_env[PARTNER_KEY]


def rows(row_type: type, values: Iterable[dict[str, object]]) -> list[Any]:
    return [row_type(**value) for value in values]


class PartnerApiService(ServiceBase):
    @classmethod
    def call_wrapper(cls, ctx: Any, args: Any = None) -> Any:
        operation = ctx.descriptor.name
        request_id = ctx.transport.req_env.get(REQUEST_ID_KEY, "")
        started = time.perf_counter()
        fault = True
        try:
            result = super().call_wrapper(ctx, args)
            fault = False
            return result
        except PartnerApiError as error:
            raise Fault(faultcode=error.faultcode, faultstring=error.message, lang="ru") from None
        except InternalError as error:
            observability.logger().exception("operation failed", extra={"operation": operation, "request_id": request_id})
            message = f"Сервис временно недоступен, повторите запрос позже. Идентификатор запроса: {request_id}"
            raise Fault(faultcode=error.faultcode, faultstring=message, lang="ru") from None
        except Exception:
            observability.logger().exception("internal error", extra={"operation": operation, "request_id": request_id})
            raise Fault(faultcode="Server", faultstring=f"Внутренняя ошибка сервиса. Идентификатор запроса: {request_id}", lang="ru") from None
        finally:
            observability.record_operation(operation, time.perf_counter() - started, fault)
