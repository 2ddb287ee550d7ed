"""Writes a benchmark's results between its markers in docs/performance.md."""

from pathlib import Path


def replace_section(path: Path, begin: str, end: str, content: str) -> None:
    text = path.read_text(encoding="utf-8")
    start, stop = text.find(begin), text.find(end)
    if start < 0 or stop < start:
        raise SystemExit(f"{path}: markers {begin} … {end} not found")
    path.write_text(text[: start + len(begin)] + "\n" + content.strip() + "\n" + text[stop:], encoding="utf-8")


def source_state(repo: Path, paths: tuple[str, ...]) -> str:
    """`commit abc1234 (clean)` or `commit abc1234 + N uncommitted change(s) under …`: what was measured."""
    import subprocess

    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], check=False, cwd=repo, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", *paths], check=False, cwd=repo, capture_output=True, text=True).stdout
    except OSError:
        return "unknown"
    changed = len([line for line in dirty.splitlines() if line.strip()])
    return f"commit {head}" + (f" + {changed} uncommitted change(s) under {', '.join(paths)}" if changed else " (clean)")
