"""The message catalogues: every marked message has a Chinese translation with the same
placeholders, messages hidden in f-strings are marked too, the .po files ship as package data,
and numbers follow each language's conventions."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

import pytest

from siting import i18n
from siting.errors import SpecError
from siting.i18n.update import extract

SRC = Path(i18n.__file__).resolve().parents[1]
ROOT = SRC.parents[1]


def _po(lang: str) -> dict[tuple[str | None, str], tuple[str, bool]]:
    from babel.messages.pofile import read_po

    with (i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "siting.po").open("rb") as fh:
        cat = read_po(fh, locale=lang)
    return {(m.context, m.id): (str(m.string or ""), m.fuzzy) for m in cat if m.id}


def test_every_message_has_a_chinese_translation() -> None:
    zh = _po("zh")
    messages = [(m.context, m.id) for m in extract() if m.id]
    assert len(messages) > 150
    missing = [k for k in messages if k not in zh or not zh[k][0]]
    fuzzy = [k for k in messages if k in zh and zh[k][1]]
    assert missing == [], f"untranslated in zh (run python -m siting.i18n.update): {missing}"
    assert fuzzy == [], f"fuzzy zh entries: {fuzzy}"
    en = _po("en")
    assert [k for k in messages if k not in en] == [], "en catalogue is out of date"


def test_translations_keep_placeholders() -> None:
    for (ctx, msgid), (text, _) in _po("zh").items():
        want = sorted(re.findall(r"\{[^{}]*\}", msgid))
        assert sorted(re.findall(r"\{[^{}]*\}", text)) == want, (ctx, msgid, text)


def test_messages_in_fstrings_are_marked() -> None:
    """Python 3.11's tokenizer hides _() calls inside f-strings from pybabel: each such literal
    must also be marked where the extractor sees it."""
    known = {m.id for m in extract() if m.id}
    hidden = []
    for path in SRC.rglob("*.py"):
        for msg in re.findall(r"""\b_\(\s*(['"])((?:(?!\1).)+)\1\s*\)""", path.read_text("utf-8")):
            if msg[1] not in known:
                hidden.append((path.name, msg[1]))
    assert hidden == []


def test_catalogues_ship_as_package_data() -> None:
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = cfg["tool"]["setuptools"]["package-data"]["siting"]
    for lang in i18n.LANGUAGES:
        rel = f"i18n/locale/{lang}/LC_MESSAGES/siting.po"
        assert (SRC / rel).is_file()
        assert any(fnmatch.fnmatch(rel, g) for g in globs), f"{rel} not in package-data"
    assert "babel>=2.12" in " ".join(cfg["project"]["dependencies"])


def test_language_context_and_lookup() -> None:
    assert i18n.current() == "en"
    with i18n.use_language("zh-CN"):
        assert i18n.current() == "zh"
        assert i18n._("total cost") == "总费用"
        assert i18n.pgettext("status", "optimal") == "已证明最优"
        with i18n.use_language("en"):
            assert i18n._("total cost") == "total cost"
        assert i18n._("not a message") == "not a message"
    assert i18n.current() == "en"
    with pytest.raises(SpecError, match="language 'fr'"):
        i18n.check_language("fr")


@pytest.mark.parametrize(("lang", "value", "money", "number", "pct"), [
    ("zh", 30_000_000, "3,000万元", "30,000,000", "52.3%"),
    ("zh", 1_050_000, "105万元", "1,050,000", "52.3%"),
    ("zh", 8_888_000.7, "888.8万元", "8,888,001", "52.3%"),
    ("zh", 3_500, "¥3,500", "3,500", "52.3%"),
    ("en", 30_000_000, "¥30,000,000", "30,000,000", "52.3%"),
])
def test_number_formats(lang: str, value: float, money: str, number: str, pct: str) -> None:
    assert i18n.fmt_money(value, lang) == money
    assert i18n.fmt_number(value, 0, lang) == number
    assert i18n.fmt_percent(0.5234, 1, lang) == pct
    assert i18n.fmt_money(float("nan"), lang) == "—"
    assert i18n.fmt_money_in_unit(1_050_000, lang) == ("105.00" if lang == "zh" else "1,050,000")
