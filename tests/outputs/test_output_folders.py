"""--out may name folders that do not exist yet; a failed run still leaves nothing behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from siting.outputs.write import atomic_dir

from tests.geo.conftest import run_cli


def _flags(town: dict[str, Path], *more: object) -> list[object]:
    return ["solve", "--demand", town["demand"], "--sites", town["sites"], "--demand-id",
            "block", "--weight", "pop", "--site-id", "site", "--problem", "p-median", "--p", "2",
            "--quiet", *more]


def test_out_creates_missing_parent_folders(town, tmp_path, capsys):
    out = tmp_path / "new" / "deeper" / "run"
    rc, _, err = run_cli(capsys, *_flags(town), "--out", out)
    assert rc == 0, err
    assert (out / "summary.json").is_file() and (out / "result.gpkg").is_file()


def test_failed_write_removes_the_folders_it_created(tmp_path):
    out = tmp_path / "a" / "b" / "run"
    with pytest.raises(RuntimeError):
        with atomic_dir(out) as tmp:
            (tmp / "half.csv").write_text("x")
            raise RuntimeError("disk full")
    assert list(tmp_path.iterdir()) == []
