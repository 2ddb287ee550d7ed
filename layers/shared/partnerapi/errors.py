"""Domain exceptions. The SOAP layer turns them into faults in one place (soap/faults.py).

Each class carries its SOAP fault code; the message is the Russian text the spec documents
or, where it documents none, a clear one in the same style.
"""


class PartnerApiError(Exception):
    """A request the caller can correct: answered with a `Client…` fault."""

    faultcode = "Client"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ReferenceNotFound(PartnerApiError):
    """An `*_id` that is malformed, unknown, or belongs to another partner (indistinguishable by design)."""

    faultcode = "Client.ReferenceNotFound"

    def __init__(self, parameter: str, value: str):
        super().__init__(f"Не удалось преобразовать значение параметра {parameter} в ссылку: объект «{value}» не найден")
        self.parameter = parameter
        self.value = value


class MissingParameter(PartnerApiError):
    faultcode = "Client.MissingParameter"


class InvalidParameter(PartnerApiError):
    faultcode = "Client.InvalidParameter"


class RegionNotAvailable(PartnerApiError):
    faultcode = "Client.RegionNotAvailable"

    def __init__(self, region_id: str):
        super().__init__(f"Регион «{region_id}» недоступен текущему партнеру. Список доступных регионов возвращает операция partner_region_read")


class ContactTypeNotAllowed(PartnerApiError):
    faultcode = "Client.ContactTypeNotAllowed"

    def __init__(self, contact_type_id: str, allowed_codes: tuple[int, ...]):
        codes = " или ".join(str(code) for code in allowed_codes)
        super().__init__(f"Вид контактной информации «{contact_type_id}» недопустим в этой операции: допустимы виды с contact_type_code = {codes}")


class ClientDeleted(PartnerApiError):
    faultcode = "Client.ClientDeleted"

    def __init__(self, client_id: str):
        super().__init__(f"Клиент «{client_id}» удален: добавить ему сотрудника нельзя. Восстановить клиента можно операцией client_delete")


class ConcurrentModification(PartnerApiError):
    faultcode = "Client.ConcurrentModification"

    def __init__(self):
        super().__init__("Объект изменен другим запросом одновременно с этим. Повторите операцию")


class InternalError(Exception):
    """Base of server-side failures: answered with a `Server…` fault and logged with the request id."""

    faultcode = "Server"


class StorageUnavailable(InternalError):
    faultcode = "Server.StorageUnavailable"
