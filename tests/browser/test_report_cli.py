"""`siting report RUN_DIR`: re-renders in the other language from report.json; a folder that is
not a run is one line on stderr and exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from siting.cli import main


def test_rerender_switches_language(run_en: Path, capsys: pytest.CaptureFixture[str],
                                    tmp_path: Path) -> None:
    import shutil

    run = tmp_path / "copy"
    shutil.copytree(run_en, run)
    assert main(["report", str(run), "--lang", "zh"]) == 0
    page = (run / "report.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page and "社区嵌入式服务设施规划" in page
    assert "报告" in capsys.readouterr().out
    assert main(["report", str(run)]) == 0  # default: the run's own language
    assert '<html lang="en">' in (run / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("case", ["missing", "empty", "bad-json", "old-version"])
def test_not_a_run_folder_is_one_line(case: str, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "run"
    if case != "missing":
        folder.mkdir()
    if case == "bad-json":
        (folder / "report.json").write_text("{not json", encoding="utf-8")
    if case == "old-version":
        (folder / "report.json").write_text(json.dumps({"version": 0}), encoding="utf-8")
    assert main(["report", str(folder), "--pdf"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("siting: error: ") and str(folder) in err
    assert not (folder / "report.pdf").exists()
