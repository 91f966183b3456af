"""The per-case status of the paper's TSPLIB table: later CSVs win, the #17 target is judged on
CPU seconds with a 10 s floor, the paper's open cases are told apart."""

from __future__ import annotations

import csv
from pathlib import Path

from benchmarks.tsplib_status import latest_runs, main, markdown, published_cases, status_rows

COLUMNS = ["instance", "model", "status", "objective", "gap", "wall_s", "cpu_s"]


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_published_cases_carry_the_papers_times_and_open_cases() -> None:
    cases = {c["instance"]: c for c in published_cases()}
    assert cases["rl1304_p10"]["objective"] == 2134295 and cases["rl1304_p10"]["dm_s"] == 15.4
    assert cases["rl5934_p50"]["dm_s"] is None  # not proven in the paper's 10 h


def test_status_rows_judge_the_target_and_take_the_last_csv(tmp_path: Path) -> None:
    first = _write(tmp_path / "a.csv", [
        {"instance": "rl1304_p10", "model": "p-median", "status": "feasible",
         "objective": 2134295, "gap": 0.001, "wall_s": 300, "cpu_s": 290}])
    second = _write(tmp_path / "b.csv", [
        {"instance": "rl1304_p10", "model": "p-median", "status": "optimal",
         "objective": 2134295, "gap": 0, "wall_s": 60, "cpu_s": 30.0},  # 30 <= 2 x 15.4
        {"instance": "rl1304_p200", "model": "p-median", "status": "optimal",
         "objective": 268573, "gap": 0, "wall_s": 20, "cpu_s": 10.5},  # above the 10 s floor
        {"instance": "rl1304_p5", "model": "p-median", "status": "optimal",
         "objective": 3099074, "gap": 0, "wall_s": 1, "cpu_s": 1},  # not the published optimum
        {"instance": "rl5934_p50", "model": "p-median", "status": "optimal",
         "objective": 4029999, "gap": 0, "wall_s": 1, "cpu_s": 1},
        {"instance": "rl1304_p20", "model": "p-center", "status": "optimal",
         "objective": 1, "gap": 0, "wall_s": 1, "cpu_s": 1}])
    runs = latest_runs([first, second])
    rows = {r[0]: r for r in status_rows(published_cases(), runs)}
    assert rows["rl1304_p10"][3] == "optimal" and rows["rl1304_p10"][9] == "yes"
    assert rows["rl1304_p10"][10] == "b.csv"
    assert rows["rl1304_p200"][9] == "NO"
    assert rows["rl1304_p5"][9] == "NO"
    assert rows["rl5934_p50"][9] == "proven (open in the paper)"
    assert rows["rl1304_p20"][3] == "not run"  # a p-center row is not the paper's case
    text = markdown(list(rows.values()))
    assert "Target met on 1 of the" in text


def test_main_prints_only_the_files_asked_for(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = _write(tmp_path / "a.csv", [
        {"instance": "u1432_p5", "model": "p-median", "status": "optimal",
         "objective": 1210126, "gap": 0, "wall_s": 3, "cpu_s": 3}])
    assert main([str(path), "--files", "u1432"]) == 0
    out = capsys.readouterr().out
    assert "| u1432_p5 |" in out and "rl1304" not in out
    assert "Target met on 1 of the 8 cases" in out
