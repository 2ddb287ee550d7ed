"""The ITS registry against moto: the operator's loader (`partnerapi_ops.its_registry`, `partnerapi its import`)
and the lookups of `partnerapi.logic.its` over what it loaded (every level of client_ITS_status_For_INN)."""

import json
import os
import subprocess
import sys
import tracemalloc
from datetime import date
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from partnerapi.data import keys, table
from partnerapi.data.clients import client
from partnerapi.data.table import CallCounter
from partnerapi.logic import its
from partnerapi_ops import REPO_ROOT, its_registry
from partnerapi_ops.its_registry import RegistryFileError, import_registry

HEADER = ("reg_number", "inn", "its_level", "date_from", "date_to")
CSV_ROWS = 3000
JSONL_ROWS = 2000
CSV_INVALID = 25  # more than the 20 that are listed
VO = "\u0412\u041e"


def good_row(index: int) -> dict:
    """A valid, distinct row: plain numbers, ВО… (written in Latin in the file for some) and FR…"""
    if index % 10 == 3:
        number = (f"{VO}{index:07d}", f"{VO}{index:07d}")
    elif index % 10 == 6:
        number = (f"bo {index:07d}", f"{VO}{index:07d}")  # Latin look-alike, lower case, a space
    elif index % 10 == 7:
        number = (f"FR{index:07d}", f"FR{index:07d}")
    else:
        number = (str(600_000 + index), str(600_000 + index))
    start = date(2025, 1, 1).replace(day=1 + index % 28)
    return {
        "reg_number": number[0],
        "normalized": number[1],
        "inn": f"{7_700_000_000 + index:010d}" if index % 2 else f"{770_000_000_000 + index:012d}",
        "its_level": (1, 2, 4)[index % 3],
        "date_from": start.isoformat(),
        "date_to": start.replace(year=2026).isoformat(),
    }


BAD_CSV_LINES = [
    "499999;7701234567;1;2025-01-01;2025-12-31",  # below the range
    "1000000000000;7701234567;1;2025-01-01;2025-12-31",  # above it
    "FR;7701234567;1;2025-01-01;2025-12-31",  # a prefix without digits
    "800123456;77012345;1;2025-01-01;2025-12-31",  # INN of 8 digits
    "800123457;7701234567;3;2025-01-01;2025-12-31",  # 3 is not a contract level
    "800123458;7701234567;1;2025-13-01;2025-12-31",  # no such month
    "800123459;7701234567;1;2025-12-31;2025-01-01",  # the period ends before it starts
    "800123460;7701234567;1;2025-01-01",  # a field short
]


def write_csv(path: Path, rows: list[dict], bad_every: int, delimiter: str = ";") -> list[int]:
    """Writes rows with an invalid one after every `bad_every`-th; returns the invalid lines' numbers."""
    bad_lines, line, bad = [], 1, 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(delimiter.join(HEADER) + "\n")
        for index, row in enumerate(rows):
            handle.write(delimiter.join(str(row[field]) for field in HEADER) + "\n")
            line += 1
            if index % bad_every == bad_every - 1 and bad < CSV_INVALID:
                handle.write(BAD_CSV_LINES[bad % len(BAD_CSV_LINES)].replace(";", delimiter) + "\n")
                line += 1
                bad += 1
                bad_lines.append(line)
    return bad_lines


def count_items() -> int:
    """Tests may scan (product code never does)."""
    return sum(page["Count"] for page in client("dynamodb").get_paginator("scan").paginate(TableName=table.table_name(), Select="COUNT"))


@pytest.fixture
def registry(aws, tmp_path):
    """A CSV (3000 rows + 25 invalid) and a JSON Lines file (2000 rows + 5 invalid), both imported."""
    csv_rows = [good_row(index) for index in range(CSV_ROWS)]
    jsonl_rows = [good_row(index) for index in range(CSV_ROWS, CSV_ROWS + JSONL_ROWS)]
    csv_path = tmp_path / "its.csv"
    bad_csv_lines = write_csv(csv_path, csv_rows, bad_every=100)
    jsonl_path = tmp_path / "its.jsonl"
    with open(jsonl_path, "w", encoding="utf-8") as handle:
        for index, row in enumerate(jsonl_rows):
            handle.write(json.dumps({field: row[field] for field in HEADER}, ensure_ascii=False) + "\n")
            if index == 10:
                handle.write("{not json\n")  # line 12
            if index == 20:
                handle.write("[1, 2]\n")  # line 23: not an object
            if index == 30:
                handle.write(json.dumps({"reg_number": "800123456", "inn": "7701234567", "its_level": 1}) + "\n")  # 34: no dates
            if index == 40:
                handle.write("\n")  # 45: blank, not a row
            if index == 50:
                handle.write(json.dumps({"reg_number": 800123456, "inn": 7701234567, "its_level": "9", "date_from": "2025-01-01", "date_to": "2025-12-31"}) + "\n")  # 56
            if index == 60:
                handle.write(json.dumps({"reg_number": None, "inn": "7701234567", "its_level": 1, "date_from": "2025-01-01", "date_to": "2025-12-31"}) + "\n")  # 67
    csv_counts = import_registry(csv_path, progress=False)
    jsonl_counts = import_registry(jsonl_path, progress=False)
    CallCounter.reset()
    return {
        "csv": (csv_path, csv_counts, bad_csv_lines),
        "jsonl": (jsonl_path, jsonl_counts),
        "rows": csv_rows + jsonl_rows,
    }


def test_import_counts_every_row_and_lists_the_first_20_invalid_ones_by_line(registry):
    _, counts, bad_lines = registry["csv"]
    assert {name: counts[name] for name in ("read", "written", "invalid", "duplicates")} == {
        "read": CSV_ROWS + CSV_INVALID,
        "written": CSV_ROWS,
        "invalid": CSV_INVALID,
        "duplicates": 0,
    }
    assert counts["format"] == "csv (;)" and counts["file_error"] is None
    assert [entry["line"] for entry in counts["invalid_rows"]] == bad_lines[:20]
    errors = [entry["error"] for entry in counts["invalid_rows"]]
    assert errors[0].startswith("reg_number: «499999» is not a valid registration number")
    assert errors[3].startswith("inn: «77012345» is not an INN")
    assert errors[4].startswith("its_level: «3» is not a contract level")
    assert "date_from: «2025-13-01» is not a date" in errors[5]
    assert "date_from 2025-12-31 is after date_to 2025-01-01" in errors[6]
    assert errors[7] == "4 fields, the header has 5"

    _, counts = registry["jsonl"]
    assert {name: counts[name] for name in ("read", "written", "invalid", "duplicates")} == {"read": JSONL_ROWS + 5, "written": JSONL_ROWS, "invalid": 5, "duplicates": 0}
    assert counts["format"] == "json lines"
    listed = {entry["line"]: entry["error"] for entry in counts["invalid_rows"]}
    assert list(listed) == [12, 23, 34, 56, 67]
    assert listed[12].startswith("JSON: ")
    assert listed[23] == "not a JSON object"
    assert "date_from: Field required" in listed[34] and "date_to: Field required" in listed[34]
    assert listed[56].startswith("its_level: «9»")
    assert listed[67] == "reg_number: reg_number must be a string or an integer"

    assert count_items() == CSV_ROWS + JSONL_ROWS


def test_lookups_return_every_documented_level_with_one_get_item_each(registry):
    rows = registry["rows"]
    by_level = {level: next(row for row in rows if row["its_level"] == level) for level in (1, 2, 4)}
    cases = [
        # 1 ПРОФ, 2 ТЕХНО, 4 ИТС Международный: the registry's level and dates, when the INN matches
        *[(row["normalized"], row["inn"], [{"ITSLevel": level, "DateFrom": date.fromisoformat(row["date_from"]), "DateTo": date.fromisoformat(row["date_to"])}]) for level, row in by_level.items()],
        # 3 Базовая: valid, not in the registry (whatever the INN)
        ("999999999999", "7701234567", [{"ITSLevel": 3, "DateFrom": None, "DateTo": None}]),
        ("FR1", "", [{"ITSLevel": 3, "DateFrom": None, "DateTo": None}]),
        # 10: found, but the INN is another one, or none was given (it cannot be matched)
        (by_level[1]["normalized"], "7707083893", [{"ITSLevel": 10, "DateFrom": None, "DateTo": None}]),
        (by_level[2]["normalized"], None, [{"ITSLevel": 10, "DateFrom": None, "DateTo": None}]),
        (by_level[4]["normalized"], "  ", [{"ITSLevel": 10, "DateFrom": None, "DateTo": None}]),
        (by_level[1]["normalized"], by_level[1]["inn"] + "0", [{"ITSLevel": 10, "DateFrom": None, "DateTo": None}]),
    ]
    for number, inn, expected in cases:
        CallCounter.reset()
        assert its.client_its_status_for_inn(number, inn) == expected, (number, inn)
        assert CallCounter.calls == {"get_item": 1}, (number, CallCounter.calls)

    # 0 Отсутствует: no number, or not a valid one — answered without reading anything
    for number in (None, "", "   ", "499999", "1000000000000", "FR", "ABC123"):
        CallCounter.reset()
        assert its.client_its_status_for_inn(number, "7701234567") == [{"ITSLevel": 0, "DateFrom": None, "DateTo": None}]
        assert CallCounter.calls == {}


def test_lookups_normalize_the_number_and_the_inn_as_the_loader_did(registry):
    rows = registry["rows"]
    loaded_from_latin = next(row for row in rows if row["reg_number"].startswith("bo "))
    cyrillic = loaded_from_latin["normalized"]
    latin = "BO" + cyrillic[2:]
    spaced_inn = " ".join(loaded_from_latin["inn"][i : i + 4] for i in range(0, len(loaded_from_latin["inn"]), 4))
    for number in (cyrillic, latin, latin.lower(), f"  {cyrillic[:2]} {cyrillic[2:]} "):
        CallCounter.reset()
        [row] = its.client_its_status_for_inn(number, spaced_inn)
        assert row["ITSLevel"] == loaded_from_latin["its_level"], number
        assert CallCounter.calls == {"get_item": 1}
    plain = next(row for row in rows if row["normalized"].isdigit())
    assert its.client_its_status_for_inn("0" + plain["normalized"], plain["inn"])[0]["ITSLevel"] == plain["its_level"]


def test_its_contract_and_the_pay_method_default(registry):
    row = registry["rows"][0]
    CallCounter.reset()
    contract = its.its_contract(row["reg_number"])
    assert contract == {
        "reg_number": row["normalized"],
        "inn": row["inn"],
        "its_level": row["its_level"],
        "date_from": date.fromisoformat(row["date_from"]),
        "date_to": date.fromisoformat(row["date_to"]),
    }
    assert CallCounter.calls == {"get_item": 1}
    assert its.its_contract("999999999999") is None and its.its_contract("499999") is None and its.its_contract(None) is None

    inside, before, after = date(2025, 6, 1), date(2024, 12, 31), date(2026, 12, 31)
    assert its.has_its_contract(row["reg_number"], on=inside)
    assert its.has_its_contract(row["reg_number"], on=contract["date_from"]) and its.has_its_contract(row["reg_number"], on=contract["date_to"])
    assert not its.has_its_contract(row["reg_number"], on=before)
    assert not its.has_its_contract(row["reg_number"], on=after)
    assert not its.has_its_contract("999999999999", on=inside)
    assert not its.has_its_contract("не номер", on=inside)
    # pay_method_type_read: 4 «Оплата за 12 месяцев» with a contract in force, else 2 «Оплата взимается ежемесячно»
    assert its.default_pay_method_type_id(row["reg_number"], on=inside) == 4
    assert its.default_pay_method_type_id(row["reg_number"], on=after) == 2
    assert its.default_pay_method_type_id("999999999999", on=inside) == 2
    assert its.default_pay_method_type_id(None) == 2
    CallCounter.reset()
    its.has_its_contract(row["reg_number"])
    assert CallCounter.calls == {"get_item": 1}


def test_a_second_import_is_idempotent(registry):
    csv_path, first, _ = registry["csv"]
    jsonl_path, _ = registry["jsonl"]
    before = sorted(
        (json.dumps(item, sort_keys=True) for page in client("dynamodb").get_paginator("scan").paginate(TableName=table.table_name()) for item in page["Items"]),
    )
    again = import_registry(csv_path, progress=False)
    import_registry(jsonl_path, progress=False)
    assert {name: again[name] for name in ("read", "written", "invalid")} == {name: first[name] for name in ("read", "written", "invalid")}
    after = sorted(
        (json.dumps(item, sort_keys=True) for page in client("dynamodb").get_paginator("scan").paginate(TableName=table.table_name()) for item in page["Items"]),
    )
    assert len(after) == CSV_ROWS + JSONL_ROWS
    assert after == before
    # each row's item, read by key as the service reads it
    wanted = [(keys.its_pk(row["normalized"]), its.ITS_SK) for row in registry["rows"]]
    assert len(table.get_many(wanted)) == len(wanted)


def test_the_last_row_of_a_number_wins_within_and_across_batches(aws, tmp_path):
    # 100 rows of one number (4 batches' worth) with levels 1, 2, 4, 1, … then a last row of level 2,
    # among 300 others, on 4 writer threads: the key always goes to the same thread, so order holds
    path = tmp_path / "dup.csv"
    lines = [",".join(HEADER)]
    for index in range(400):
        if index % 4 == 0:
            lines.append(f"800123456,7701234567,{(1, 2, 4)[index % 3]},2025-01-01,2025-12-31")
        else:
            row = good_row(index)
            lines.append(",".join(str(row[field]) for field in HEADER))
    lines.append("800 123 456,7701234567,2,2025-02-01,2025-12-31")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    counts = import_registry(path, progress=False, workers=4)
    assert counts["read"] == 401 and counts["invalid"] == 0
    assert counts["written"] + counts["duplicates"] == 401
    assert counts["duplicates"] > 0  # some repeats met in one batch, and were collapsed there
    assert its.its_contract("800123456")["its_level"] == 2
    assert its.its_contract("800123456")["date_from"] == date(2025, 2, 1)
    assert count_items() == 301


def test_csv_with_commas_a_bom_russian_dates_and_columns_in_another_order(aws, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text(
        "\ufeffINN, Reg_Number ,date_from,date_to,its_level,comment\n"
        '7701234567,"ВО 42",01.02.2025,31.01.2026,2,"a, quoted, comment"\n'
        "770123456789,fr77,2025-01-01,2025-12-31,4,\n",
        encoding="utf-8",
    )
    counts = import_registry(path, progress=False)
    assert counts["format"] == "csv (,)"
    assert (counts["read"], counts["written"], counts["invalid"]) == (2, 2, 0)
    assert its.client_its_status_for_inn("BO42", "7701234567") == [{"ITSLevel": 2, "DateFrom": date(2025, 2, 1), "DateTo": date(2026, 1, 31)}]
    assert its.client_its_status_for_inn("FR77", "770123456789")[0]["ITSLevel"] == 4


def test_json_array_import_with_line_numbers(aws, tmp_path):
    path = tmp_path / "its.json"
    rows = [good_row(index) for index in range(300)]
    elements = [json.dumps({field: row[field] for field in HEADER}, ensure_ascii=False, indent=1) for row in rows]
    elements.insert(5, '"a string"')
    path.write_text("[\n" + ",\n".join(elements) + "\n]\n", encoding="utf-8")
    counts = import_registry(path, progress=False)
    assert counts["format"] == "json array"
    assert (counts["read"], counts["written"], counts["invalid"], counts["file_error"]) == (301, 300, 1, None)
    element_lines = len(elements[0].splitlines())
    assert counts["invalid_rows"] == [{"line": 2 + 5 * element_lines, "error": "not a JSON object"}]
    assert count_items() == 300


def test_a_json_array_with_a_syntax_error_keeps_what_came_before_and_says_where_it_stopped(aws, tmp_path):
    path = tmp_path / "broken.json"
    good = [json.dumps({field: good_row(index)[field] for field in HEADER}, ensure_ascii=False) for index in range(50)]
    path.write_text("[\n" + ",\n".join(good) + ",\n{\"reg_number\": oops}\n]\n", encoding="utf-8")
    counts = import_registry(path, progress=False)
    assert (counts["read"], counts["written"]) == (50, 50)
    assert counts["file_error"].startswith("line 52: JSON: Expecting value")


def test_an_unusable_header_writes_nothing(aws, tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("regnumber;inn;level\n800123456;7701234567;1\n", encoding="utf-8")
    with pytest.raises(RegistryFileError, match="lacks reg_number, its_level, date_from, date_to"):
        import_registry(path, progress=False)
    assert count_items() == 0
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    assert import_registry(empty, progress=False)["read"] == 0


def test_not_utf8_rows_are_invalid_not_fatal(aws, tmp_path):
    path = tmp_path / "cp1251.csv"
    path.write_bytes(",".join(HEADER).encode() + b"\n" + "ВО42,7701234567,1,2025-01-01,2025-12-31\n".encode("cp1251") + b"800123456,7701234567,1,2025-01-01,2025-12-31\n")
    counts = import_registry(path, progress=False)
    assert (counts["read"], counts["written"], counts["invalid"]) == (2, 1, 1)
    assert counts["invalid_rows"] == [{"line": 2, "error": "reg_number: the value is not valid UTF-8"}]


class FlakyDynamoDB:
    """Answers the first BatchWriteItem with half its items unprocessed and the second with a throttling error."""

    def __init__(self, real):
        self.real = real
        self.calls = 0

    def batch_write_item(self, RequestItems):
        self.calls += 1
        if self.calls == 2:
            raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}, "BatchWriteItem")
        if self.calls == 1:
            (name, requests), = RequestItems.items()
            half = len(requests) // 2
            self.real.batch_write_item(RequestItems={name: requests[:half]})
            return {"UnprocessedItems": {name: requests[half:]}}
        return self.real.batch_write_item(RequestItems=RequestItems)


def test_unprocessed_items_and_throttling_are_retried_with_backoff(aws, tmp_path, monkeypatch):
    flaky = FlakyDynamoDB(client("dynamodb"))
    sleeps = []
    monkeypatch.setattr(its_registry, "client", lambda service: flaky)
    monkeypatch.setattr(its_registry, "_sleep", sleeps.append)
    path = tmp_path / "its.csv"
    write_csv(path, [good_row(index) for index in range(60)], bad_every=1000)
    counts = import_registry(path, progress=False, workers=1)
    assert (counts["read"], counts["written"]) == (60, 60)
    assert count_items() == 60
    assert flaky.calls == 3 + 2  # 3 batches (25, 25, 10), two of the first's calls retried
    assert len(sleeps) == 2 and 0 < sleeps[0] <= sleeps[1] * 2


def test_a_batch_that_stays_unprocessed_fails_the_load_loudly(aws, tmp_path, monkeypatch):
    class Stuck:
        def batch_write_item(self, RequestItems):
            return {"UnprocessedItems": RequestItems}

    monkeypatch.setattr(its_registry, "client", lambda service: Stuck())
    monkeypatch.setattr(its_registry, "_sleep", lambda seconds: None)
    path = tmp_path / "its.csv"
    write_csv(path, [good_row(index) for index in range(30)], bad_every=1000)
    with pytest.raises(Exception, match="UnprocessedItems after 10 attempts"):
        import_registry(path, progress=False)


class NullDynamoDB:
    def batch_write_item(self, RequestItems):
        return {}


def _peak_memory(path: Path) -> int:
    tracemalloc.start()
    try:
        import_registry(path, progress=False)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("kind", ["csv", "jsonl", "json"])
def test_memory_does_not_grow_with_the_file(aws, tmp_path, monkeypatch, kind):
    # the real reader, validator and writer (queues included); only DynamoDB is a stub, as moto would keep every item
    monkeypatch.setattr(its_registry, "client", lambda service: NullDynamoDB())

    def write(path: Path, rows: int) -> Path:
        records = (good_row(index) for index in range(rows))
        with open(path, "w", encoding="utf-8") as handle:
            if kind == "csv":
                handle.write(";".join(HEADER) + "\n")
                handle.writelines(";".join(str(row[field]) for field in HEADER) + "\n" for row in records)
            else:
                lines = (json.dumps({field: row[field] for field in HEADER}, ensure_ascii=False) for row in records)
                if kind == "jsonl":
                    handle.writelines(line + "\n" for line in lines)
                else:
                    handle.write("[\n" + ",\n".join(lines) + "\n]")
        return path

    small = _peak_memory(write(tmp_path / f"small.{kind}", 2_000))
    large = _peak_memory(write(tmp_path / f"large.{kind}", 20_000))
    assert large < small * 1.5 + 256 * 1024, (small, large)


PYTHONPATH = os.pathsep.join([str(REPO_ROOT / "layers" / "shared"), str(REPO_ROOT / "infra")])


def run_cli(*arguments: str) -> subprocess.CompletedProcess:
    environment = {name: value for name, value in os.environ.items() if name not in ("ENTITIES_TABLE", "CREDENTIALS_TABLE", "AWS_ENDPOINT_URL")}
    environment["PYTHONPATH"] = PYTHONPATH
    return subprocess.run([sys.executable, "-m", "partnerapi_ops.cli", *arguments], cwd=REPO_ROOT, env=environment, capture_output=True, text=True, timeout=120, check=False)


def test_cli_imports_into_a_local_data_file_and_prints_the_counts(tmp_path):
    data = tmp_path / "env.json"
    clean = tmp_path / "clean.csv"
    write_csv(clean, [good_row(index) for index in range(100)], bad_every=1000)
    result = run_cli("its", "import", str(clean), "--data", str(data))
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["loaded_into"] == f"local data file {data}"
    assert {name: printed[name] for name in ("read", "written", "invalid", "duplicates")} == {"read": 100, "written": 100, "invalid": 0, "duplicates": 0}
    assert printed["seconds"] >= 0 and printed["file_error"] is None
    assert "ITS registry" not in result.stderr  # no progress bar when stderr is not a terminal

    # invalid rows: the valid ones are loaded, the exit status says some were not
    mixed = tmp_path / "mixed.csv"
    write_csv(mixed, [good_row(index) for index in range(100, 150)], bad_every=10)
    result = run_cli("its", "import", str(mixed), "--data", str(data))
    assert result.returncode == 1, result.stderr
    printed = json.loads(result.stdout)
    assert (printed["read"], printed["written"], printed["invalid"]) == (55, 50, 5)
    assert [entry["line"] for entry in printed["invalid_rows"]] == [12, 23, 34, 45, 56]

    # and again: idempotent
    assert run_cli("its", "import", str(clean), "--data", str(data)).returncode == 0
    state = json.loads(data.read_text(encoding="utf-8"))
    registry_items = [item for item in state["tables"]["EntitiesTable"] if item["PK"]["S"].startswith(keys.ITS_PREFIX)]
    assert len(registry_items) == 150

    # a file that is not a registry: exit 2, a message, nothing else
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b\n1,2\n", encoding="utf-8")
    result = run_cli("its", "import", str(wrong), "--data", str(data))
    assert result.returncode == 2 and "lacks reg_number" in result.stderr and result.stdout == ""
    result = run_cli("its", "import", str(tmp_path / "missing.csv"), "--data", str(data))
    assert result.returncode == 2 and "No such file" in result.stderr
