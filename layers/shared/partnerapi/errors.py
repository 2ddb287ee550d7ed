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

    def __init__(self, client_id: str, action: str = "добавить ему сотрудника"):
        super().__init__(f"Клиент «{client_id}» удален: {action} нельзя. Восстановить клиента можно операцией client_delete")


class ConcurrentModification(PartnerApiError):
    faultcode = "Client.ConcurrentModification"

    def __init__(self):
        super().__init__("Объект изменен другим запросом одновременно с этим. Повторите операцию")


# --- services group ---------------------------------------------------------------------------


class NotFranchisee(PartnerApiError):
    faultcode = "Client.NotFranchisee"

    def __init__(self):
        super().__init__("Добавлять виды сервисов могут только франчайзи: у текущего партнера нет роли «Франчайзи» (см. partner_role_read)")


class ServiceTypeNotOwn(PartnerApiError):
    """A public type or a vendor's imported line where only the partner's own type is allowed."""

    faultcode = "Client.ServiceTypeNotOwn"

    def __init__(self, service_type_id: str, action: str):
        super().__init__(f"Вид сервиса «{service_type_id}» не принадлежит текущему партнеру (это общий вид сервиса или линия вендора): {action} можно только свои виды сервисов")


class ServiceTypeDeleted(PartnerApiError):
    faultcode = "Client.ServiceTypeDeleted"

    def __init__(self, service_type_id: str):
        super().__init__(f"Вид сервиса «{service_type_id}» удален: использовать его в новых разрешениях и абонементах нельзя")


class NoContractInForce(PartnerApiError):
    faultcode = "Client.NoContractInForce"

    def __init__(self, day: str):
        super().__init__(f"У текущего партнера нет договора, действующего на {day} или позже: разрешение на вид сервиса добавить некуда (см. contract_read)")


class ServiceTypeNotInContract(PartnerApiError):
    faultcode = "Client.ServiceTypeNotInContract"

    def __init__(self, service_type_id: str, day: str | None = None):
        when = f" на {day}" if day else ""
        super().__init__(f"Вид сервиса «{service_type_id}» не разрешен договорами текущего партнера{when} (см. contract_service_read, contract_service_add)")


class AgentNotOfClient(PartnerApiError):
    faultcode = "Client.AgentNotOfClient"

    def __init__(self, agent_user_id: str, client_id: str):
        super().__init__(f"Агент пользователя «{agent_user_id}» не принадлежит клиенту «{client_id}»: абонемент активируется агенту сотрудника этого клиента")


class ServicePartnerNotAllowed(PartnerApiError):
    faultcode = "Client.ServicePartnerNotAllowed"

    def __init__(self, service_partner_id: str, service_type_id: str):
        super().__init__(
            f"Партнер «{service_partner_id}» не может быть сервисным партнером по виду сервиса «{service_type_id}»: "
            "сервисным партнером может быть текущий партнер или вендор, линию которого импортирует текущий партнер, по своей линии"
        )


class ServiceStopped(PartnerApiError):
    faultcode = "Client.ServiceStopped"

    def __init__(self, service_id: str):
        super().__init__(f"Абонемент «{service_id}» отменен: изменять его нельзя")


# --- agents group -------------------------------------------------------------------------------


class UserDeleted(PartnerApiError):
    faultcode = "Client.UserDeleted"

    def __init__(self, parameter: str, user_id: str, restore_with: str):
        super().__init__(f"Сотрудник «{user_id}» ({parameter}) удален: передать ему агент или восстановить доступ его агента нельзя. Восстановить сотрудника можно операцией {restore_with}")


class AgentTransferNotAllowed(PartnerApiError):
    faultcode = "Client.AgentTransferNotAllowed"

    def __init__(self, agent_user_id: str, client_id: str, client_user_id: str):
        super().__init__(
            f"Сотрудник «{client_user_id}» не работает у клиента «{client_id}», у которого находится агент «{agent_user_id}»: "
            "новым пользователем агента может быть только сотрудник того же клиента (передача агентов другому клиенту не выполняется)"
        )


class DuplicateCompetence(PartnerApiError):
    faultcode = "Client.DuplicateCompetence"

    def __init__(self, agent_partner_id: str, service_type_id: str, competence_id: str):
        super().__init__(f"Агенту «{agent_partner_id}» уже назначена компетенция «{competence_id}» по виду сервиса «{service_type_id}». Отменить ее можно операцией competence_stop")


class CompetenceStopped(PartnerApiError):
    faultcode = "Client.CompetenceStopped"

    def __init__(self, competence_id: str):
        super().__init__(f"Компетенция «{competence_id}» уже отменена")


class NoEmailContact(PartnerApiError):
    faultcode = "Client.NoEmailContact"

    def __init__(self, client_user_id: str):
        super().__init__(
            f"У сотрудника клиента «{client_user_id}» не указан адрес электронной почты: добавьте его операцией client_user_contact_edit (вид контактной информации «E-mail»)"
        )


class NoActiveAgents(PartnerApiError):
    faultcode = "Client.NoActiveAgents"

    def __init__(self, client_user_id: str):
        super().__init__(f"У сотрудника клиента «{client_user_id}» нет активных агентов: сообщать о доступе нечего (см. agent_user_read, agent_user_add)")


class SmtpTargetNotAllowed(PartnerApiError):
    """An SMTP server the service must not connect to (internal addresses, non-mail ports)."""

    faultcode = "Client.SmtpTargetNotAllowed"


class SmtpFailed(PartnerApiError):
    """The SMTP server named by the caller could not be reached or did not accept the message."""

    faultcode = "Client.SmtpFailed"


# --- statistics group ---------------------------------------------------------------------------


class ResponseTooLarge(PartnerApiError):
    """A result that cannot fit one response (Lambda's 6 MB), refused before it is built."""

    faultcode = "Client.ResponseTooLarge"


class InternalError(Exception):
    """Base of server-side failures: answered with a `Server…` fault and logged with the request id."""

    faultcode = "Server"


class GroupFunctionThrottled(InternalError):
    """The router could not invoke a group function: Lambda's concurrency is exhausted. Nothing was
    done; the caller gets HTTP 429 with Retry-After and may repeat the request unchanged."""

    faultcode = "Server.Throttled"

    def __init__(self, retry_after: int):
        super().__init__(f"group function throttled, retry after {retry_after} s")
        self.retry_after = retry_after


class StorageUnavailable(InternalError):
    faultcode = "Server.StorageUnavailable"


class SecretUnavailable(InternalError):
    """A stored agent password cannot be sealed or opened (key service down, wrong or missing key)."""

    faultcode = "Server.SecretUnavailable"


class OutcomeUnknown(InternalError):
    """A write whose outcome cannot be known (an attempt may have been applied and then overwritten by
    another request): answered with a retryable `Server` fault, never with a guessed `Client` fault.
    Repeating the request with the same Idempotency-Key completes it exactly once."""

    faultcode = "Server.OutcomeUnknown"
