"""The one JSON writer: atomic, numpy values as plain numbers, and the same file mode as every
other output (0644 under umask 022; mkstemp alone would leave 0600)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import numpy as np
import pytest

from siting.cli import main
from siting.outputs.write import json_text, write_json

TOY = Path(__file__).resolve().parents[2] / "instances" / "toy" / "toy_pmed.txt"


@pytest.fixture
def umask022():  # type: ignore[no-untyped-def]
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_write_json_is_0644_and_plain(tmp_path: Path, umask022: None) -> None:
    path = tmp_path / "r.json"
    write_json(path, {"a": np.int64(3), "b": np.float64(0.5), "c": np.arange(2)})
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert json.loads(path.read_text()) == {"a": 3, "b": 0.5, "c": [0, 1]}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temporary left


def test_a_value_json_cannot_hold_leaves_no_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_json(tmp_path / "r.json", {"x": float("nan")})
    assert list(tmp_path.iterdir()) == []
    assert json_text({"x": 1}).endswith("}\n")


def test_cli_json_file_has_the_output_mode(tmp_path: Path, umask022: None,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.json"
    assert main(["solve", str(TOY), "--p", "3", "--json", str(out)]) == 0
    capsys.readouterr()
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert json.loads(out.read_text())["status"] == "optimal"


def test_exported_models_have_the_output_mode(tmp_path: Path, umask022: None,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "m.mps"
    assert main(["export", str(TOY), "--problem", "p-median", "--p", "3",
                 "--formulation", "classic", str(out)]) == 0
    capsys.readouterr()
    assert stat.S_IMODE(out.stat().st_mode) == 0o644 and out.read_text().startswith("NAME")
