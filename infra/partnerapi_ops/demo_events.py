"""Realistic statistics records for the partners of a fixture file (`partnerapi demo-events`), and the
sandbox's demo statistics.

For every partner of the fixture, for each of the last `days` days (Moscow time, up to now): calls of
its clients' employees to its specialists, remote-access sessions, SIP calls, support chats and chats
between colleagues, between 9:00 and 20:00, with the fixture's own clients, employees, agents,
support lines and subscriptions. The output depends only on the fixture, the day and the seed: IDs are
UUIDv5 of what the record is, so generating again for the same day gives the same records, and
ingesting them again stores nothing new.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from partnerapi.logic import moscow_time

NAMESPACE = uuid.UUID("6d1c7e0e-9a55-4f57-8f0e-5ad0c1e5a7a1")
DEMO_DAYS = 62  # a little over two months: remote_access_statistics_read's default window is full
ABONENTS = ("+74951234567", "+74957654321", "+78123334455", "+79161112233", "+79031234567", "+73832223344")
CLIENT_LINES = (
    "Здравствуйте! Не проводится документ «Реализация товаров и услуг», пишет, что не хватает остатков.",
    "Добрый день. После обновления конфигурации не открывается отчет по НДС.",
    "Подскажите, как загрузить банковскую выписку из файла?",
    "Программа просит обновить платформу, можно ли это сделать самим?",
    "Спасибо, все получилось!",
    "Можно подключиться к моему компьютеру? Проще показать.",
)
SPECIALIST_LINES = (
    "Здравствуйте! Сейчас посмотрим. Уточните, пожалуйста, версию конфигурации.",
    "Проверьте, включен ли партионный учет в настройках параметров учета.",
    "Выписку можно загрузить через «Банк и касса» → «Банковские выписки» → «Загрузить».",
    "Обновление платформы лучше выполнить нам, запланируем на вечер.",
    "Подключаюсь, подтвердите, пожалуйста, запрос на удаленный доступ.",
    "Рады помочь! Хорошего дня.",
)
COLLEAGUE_LINES = (
    "Коллеги, кто сегодня дежурит по линии консультаций?",
    "Я до 18:00, потом передам смену.",
    "У клиента «Ромашка» снова вопрос по НДС, возьмешь?",
    "Да, возьму после текущего звонка.",
)


@dataclass
class PartnerView:
    """What of one partner the records may name."""

    partner_id: str
    specialists: list[str] = field(default_factory=list)  # partner agents
    devices: list[tuple[str, str, str]] = field(default_factory=list)  # (client_id, client_user_id, agent_user_id)
    clients: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # service types the partner may serve
    subscriptions: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # client_id → [(service_id, service_type_id)]


def partner_views(fixture: dict[str, Any]) -> list[PartnerView]:
    public = [line["service_type_id"] for line in fixture.get("service_types", []) if not line.get("service_type_del")]
    exported: dict[str, list[str]] = {}
    for partner in fixture.get("partners", []):
        for export in partner.get("exports", []):
            exported.setdefault(export["partner_id"], []).append(export["service_type_id"])
    views = []
    for partner in fixture.get("partners", []):
        view = PartnerView(partner["partner_id"])
        view.specialists = [agent["agent_partner_id"] for user in partner.get("users", []) for agent in user.get("agents", [])]
        own = [line["service_type_id"] for line in partner.get("service_types", []) if not line.get("service_type_del")]
        view.lines = public + own + exported.get(partner["partner_id"], [])
        for client in partner.get("clients", []):
            view.clients.append(client["client_id"])
            for user in client.get("users", []):
                for agent in user.get("agents", []):
                    view.devices.append((client["client_id"], user["client_user_id"], agent["agent_user_id"]))
            view.subscriptions[client["client_id"]] = [(s["service_id"], s["service_type_id"]) for s in client.get("services", []) if not s.get("service_stopped")]
        views.append(view)
    return views


def _id(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(str(part) for part in parts)))


def _moments(rng: random.Random, day: date, count: int, until: datetime) -> list[datetime]:
    start = datetime.combine(day, datetime.min.time()) + timedelta(hours=9)
    moments = sorted(start + timedelta(seconds=rng.randrange(11 * 3600)) for _ in range(count))
    return [moment for moment in moments if moment <= until]


def _line_of(rng: random.Random, view: PartnerView, client_id: str) -> tuple[str | None, str | None]:
    """(service_id, service_type_id): the client's subscription when it has one, else any line."""
    subscriptions = view.subscriptions.get(client_id) or []
    if subscriptions:
        return rng.choice(subscriptions)
    return None, (rng.choice(view.lines) if view.lines else None)


def _call(rng: random.Random, view: PartnerView, key: str, moment: datetime) -> dict[str, Any]:
    client_id, _, device = rng.choice(view.devices) if view.devices else (rng.choice(view.clients) if view.clients else None, None, None)
    status = rng.choices(range(8), weights=(70, 6, 4, 5, 3, 3, 4, 5))[0]
    answered = status == 0
    return {
        "record_type": "call",
        "call_id": _id(key),
        "time": f"{moscow_time.key_time(moment)}+03:00",
        "duration": rng.randrange(60, 1500) if answered else rng.randrange(0, 40),
        "partner_id": view.partner_id,
        "client_id": client_id,
        "src_agent_id": device,
        "dst_agent_id": rng.choice(view.specialists) if view.specialists and status != 1 else None,
        "service_type_id": _line_of(rng, view, client_id)[1] if client_id else None,
        "call_status_id": status,
        "remote_status_id": rng.choices((0, 1, 2), weights=(80, 5, 15))[0] if answered else 0,
    }


def _remote_access(rng: random.Random, view: PartnerView, key: str, moment: datetime) -> dict[str, Any]:
    client_id, _, device = rng.choice(view.devices)
    return {
        "record_type": "remote_access_session",
        "session_id": _id(key),
        "time": f"{moscow_time.key_time(moment)}+03:00",
        "duration": rng.randrange(120, 3600),
        "partner_id": view.partner_id,
        "client_id": client_id,
        "server_agent_id": device,
        "dst_agent_id": rng.choice(view.specialists),
        "service_type_id": _line_of(rng, view, client_id)[1],
        "remote_access_result_id": rng.choices((0, 1), weights=(92, 8))[0],
        "remote_access_type_id": rng.choices((1, 2), weights=(30, 70))[0],
    }


def _sip_call(rng: random.Random, view: PartnerView, key: str, moment: datetime) -> dict[str, Any]:
    status = rng.choices((0, 1, 2), weights=(80, 8, 12))[0]
    duration = rng.randrange(20, 900)
    return {
        "record_type": "sip_call",
        "call_id": _id(key),
        "time": f"{moscow_time.key_time(moment)}+03:00",
        "duration": duration,
        "duration_after_answer": rng.randrange(5, duration) if status == 0 else 0,
        "partner_id": view.partner_id,
        "agent_id": rng.choice(view.specialists),
        "abonent": rng.choice(ABONENTS),
        "incoming": rng.random() < 0.6,
        "sip_call_status_id": status,
    }


def _messages(rng: random.Random, moment: datetime, speakers: tuple[str, str], lines: tuple[tuple[str, ...], tuple[str, ...]]) -> list[dict[str, Any]]:
    messages, at = [], moment
    for turn in range(rng.randrange(2, 7)):
        at += timedelta(seconds=rng.randrange(10, 180))
        side = turn % 2
        messages.append({"time": moscow_time.key_time(at), "agent_id": speakers[side], "text": rng.choice(lines[side])})
    return messages


def _chat(rng: random.Random, view: PartnerView, key: str, moment: datetime) -> dict[str, Any]:
    client_id, client_user_id, device = rng.choice(view.devices)
    service_id, service_type_id = _line_of(rng, view, client_id)
    messages = _messages(rng, moment, (device, rng.choice(view.specialists)), (CLIENT_LINES, SPECIALIST_LINES))
    return {
        "record_type": "chat_session",
        "session_id": _id(key),
        "time": moscow_time.key_time(moment),
        "end_time": messages[-1]["time"],
        "partner_id": view.partner_id,
        "client_id": client_id,
        "client_user_id": client_user_id,
        "agent_user_id": device,
        "service_type_id": service_type_id,
        "service_id": service_id,
        "messages": messages,
    }


def _colleague_chat(rng: random.Random, view: PartnerView, key: str, moment: datetime) -> dict[str, Any]:
    first, second = rng.sample(view.specialists, 2)
    messages = _messages(rng, moment, (first, second), (COLLEAGUE_LINES, COLLEAGUE_LINES))
    return {
        "record_type": "colleague_chat_session",
        "session_id": _id(key),
        "time": moscow_time.key_time(moment),
        "end_time": messages[-1]["time"],
        "partner_id": view.partner_id,
        "colleague1_id": first,
        "colleague2_id": second,
        "messages": messages,
    }


def generate(fixture: dict[str, Any], days: int = DEMO_DAYS, now: datetime | None = None, seed: int = 1) -> Iterator[dict[str, Any]]:
    """The records of the last `days` days up to `now` (Moscow), in time order per partner and day."""
    now = now or moscow_time.now()
    for view in partner_views(fixture):
        for offset in range(days - 1, -1, -1):
            day = now.date() - timedelta(days=offset)
            rng = random.Random(f"{seed}/{view.partner_id}/{day.isoformat()}")
            weekday = day.weekday() < 5
            plan = [("call", _call, rng.randrange(1, 5) if weekday else rng.randrange(0, 2), bool(view.clients))]
            plan.append(("remote", _remote_access, rng.randrange(0, 3) if weekday else 0, bool(view.devices and view.specialists)))
            plan.append(("sip", _sip_call, rng.randrange(0, 3) if weekday else 0, bool(view.specialists)))
            plan.append(("chat", _chat, rng.randrange(0, 2) if weekday else 0, bool(view.devices and view.specialists and view.lines)))
            plan.append(("colleagues", _colleague_chat, rng.randrange(0, 2) if weekday and rng.random() < 0.5 else 0, len(view.specialists) >= 2))
            for name, make, count, possible in plan:
                if not possible:
                    continue
                for index, moment in enumerate(_moments(rng, day, count, now)):
                    yield make(rng, view, f"{view.partner_id}/{name}/{day.isoformat()}/{index}", moment)


def write_jsonl(records: Iterator[dict[str, Any]], path: Path | None) -> int:
    """JSON Lines to `path` (stdout when None); returns how many records."""
    import sys

    count = 0
    handle = open(path, "w", encoding="utf-8") if path else sys.stdout
    try:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    finally:
        if path:
            handle.close()
    return count
