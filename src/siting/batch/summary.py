"""The batch summary table: one row per run (status, objective, bound, gap, time)."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any

COLUMNS = ["name", "status", "objective", "bound", "gap", "seconds", "scenario", "message"]


def _fmt(value: Any, key: str) -> str:
    if value is None:
        return ""
    if key == "gap" and isinstance(value, (int, float)):
        return f"{100 * value:.4f}%"
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def write_summary(rows: list[dict[str, Any]], out: Path) -> tuple[Path, Path]:
    """Write ``summary.csv`` and ``summary.md`` atomically (temp file + rename)."""
    csv_path, md_path = out / "summary.csv", out / "summary.md"
    tmp = out / ".summary.csv.part"
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for r in rows:
            w.writerow(["" if r.get(c) is None else r.get(c) for c in COLUMNS])
    os.replace(tmp, csv_path)
    tmp = out / ".summary.md.part"
    tmp.write_text(markdown_table(rows), encoding="utf-8")
    os.replace(tmp, md_path)
    return csv_path, md_path


def markdown_table(rows: list[dict[str, Any]]) -> str:
    cols = ["name", "status", "objective", "bound", "gap", "seconds", "message"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        lines.append("| " + " | ".join(_cell(r.get(c), c) for c in cols) + " |")
    return "\n".join(lines) + "\n"


def _cell(value: Any, key: str) -> str:
    """A table cell: one line, with the characters Markdown tables treat specially escaped."""
    text = " ".join(_fmt(value, key).split())
    return text.replace("\\", "\\\\").replace("|", "\\|")
