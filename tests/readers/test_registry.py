"""The readers registry: a format registers with one line and is found by content."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from siting import readers
from siting.errors import DataError, SpecError
from siting.instance import Instance

TOY = Path(__file__).resolve().parents[2] / "instances" / "toy" / "toy_pmed.txt"


def test_a_new_format_registers_with_one_line(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "READERS", list(readers.READERS))

    def read(path: Path, scale: float = 1.0) -> Instance:
        n = int(path.read_text().split()[1])
        return Instance(cost=np.full((n, n), scale), weight=np.ones(n),
                        demand_ids=np.arange(n), site_ids=np.arange(n))

    readers.register(readers.Reader("ones", lambda p: p.read_text().startswith("ONES"), read,
                                    options=("scale",)))
    f = tmp_path / "x.ones"
    f.write_text("ONES 3\n")
    assert readers.sniff_format(f) == "ones"
    inst = readers.load_instance(f, capacity=7.0, scale=2.0)
    assert inst.dense_cost()[0, 0] == 2.0 and (inst.capacity == 7.0).all()
    assert readers.sniff_format(TOY) == "pmed"  # the others still answer
    with pytest.raises(SpecError, match="'scale' does not apply to pmed files"):
        readers.load_instance(TOY, scale=2.0)


def test_unrecognised_files_name_what_was_expected(tmp_path: Path) -> None:
    f = tmp_path / "odd.txt"
    f.write_text("hello there world again\n")
    with pytest.raises(DataError, match="odd.txt: line 1: unrecognised format .*p-median"):
        readers.load_instance(f)
