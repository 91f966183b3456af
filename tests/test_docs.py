"""Every formulation cites a models/ section that exists (the math is written once)."""

from __future__ import annotations

import re
from pathlib import Path

from siting.formulations import FORMULATIONS

ROOT = Path(__file__).resolve().parents[1]


def _anchors(text: str) -> set[str]:
    out = set()
    for heading in re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        out.add(slug)
    return out


def test_every_formulation_cites_an_existing_models_section():
    for kind, table in FORMULATIONS.items():
        for name, cls in table.items():
            doc = cls.doc
            assert doc.startswith("models/"), f"{kind}/{name} cites {doc!r}"
            path, _, anchor = doc.partition("#")
            text = (ROOT / path).read_text(encoding="utf-8")
            if anchor:
                assert anchor in _anchors(text), f"{kind}/{name}: no section #{anchor} in {path}"
