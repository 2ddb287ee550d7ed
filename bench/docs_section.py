"""Writes a benchmark's results between its markers in docs/performance.md."""

from pathlib import Path


def replace_section(path: Path, begin: str, end: str, content: str) -> None:
    text = path.read_text(encoding="utf-8")
    start, stop = text.find(begin), text.find(end)
    if start < 0 or stop < start:
        raise SystemExit(f"{path}: markers {begin} … {end} not found")
    path.write_text(text[: start + len(begin)] + "\n" + content.strip() + "\n" + text[stop:], encoding="utf-8")
