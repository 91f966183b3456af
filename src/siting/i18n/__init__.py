"""Language of everything a person reads: reports, maps, figures and run summaries.

Messages are English msgids marked with :func:`_` (or :func:`N_` where the text is defined
before a language is known) and translated through gettext catalogues,
``siting/i18n/locale/<lang>/LC_MESSAGES/siting.po``, read at run time with Babel (no compile
step, so an editable install works as is). Numbers, money and percentages go through Babel's
locale data. The language is a context: ``with use_language("zh"): ...`` makes every ``_()``
and ``fmt_*`` call inside it Chinese; ``siting.pipeline.run`` enters the scenario's language.

    from siting.i18n import _, fmt_money, use_language
    with use_language("zh"):
        _("total cost")          # '总费用'
        fmt_money(30_000_000)    # '3,000万元'
"""

from __future__ import annotations

import contextvars
import math
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")
DEFAULT: Language = "en"
LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "siting"
# Babel locale of each language (number symbols, grouping)
_BABEL = {"zh": "zh_Hans_CN", "en": "en_US"}
# <html lang> and CSS :lang() value
HTML_LANG = {"zh": "zh-CN", "en": "en"}

_current: contextvars.ContextVar[Language] = contextvars.ContextVar("siting_language",
                                                                     default=DEFAULT)


def check_language(lang: str) -> Language:
    """``lang`` as a Language; 'zh-CN', 'zh_CN', 'EN' are accepted spellings."""
    key = str(lang).strip().lower().replace("_", "-").split("-")[0]
    if key not in LANGUAGES:
        from ..errors import SpecError

        raise SpecError(f"language {lang!r}: choose one of {', '.join(LANGUAGES)}")
    return key  # type: ignore[return-value]


def current() -> Language:
    return _current.get()


@contextmanager
def use_language(lang: str | None) -> Iterator[Language]:
    """Within the block, ``_()`` and the formatters speak ``lang`` (None keeps the current)."""
    if lang is None:
        yield current()
        return
    token = _current.set(check_language(lang))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


@lru_cache(maxsize=None)
def catalogue(lang: Language) -> dict[tuple[str | None, str], str]:
    """(context, msgid) → translation of ``lang``'s .po file (untranslated entries left out)."""
    from babel.messages.pofile import read_po

    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        return {}
    with path.open("rb") as fh:
        cat = read_po(fh, locale=_BABEL[lang].split("_")[0])
    out: dict[tuple[str | None, str], str] = {}
    for msg in cat:
        if msg.id and isinstance(msg.id, str) and msg.string and not msg.fuzzy:
            out[(msg.context, msg.id)] = str(msg.string)
    return out


def gettext(message: str, lang: str | None = None) -> str:
    lg = current() if lang is None else check_language(lang)
    return catalogue(lg).get((None, message), message)


def pgettext(context: str, message: str, lang: str | None = None) -> str:
    lg = current() if lang is None else check_language(lang)
    return catalogue(lg).get((context, message), message)


def known(message: str, context: str | None = None, lang: str | None = None) -> bool:
    """Whether the catalogue of ``lang`` translates ``message`` (e.g. a shipped service label)."""
    lg = current() if lang is None else check_language(lang)
    return (context, message) in catalogue(lg) or lg == "en"


_ = gettext


def N_(message: str) -> str:
    """Mark a message for extraction without translating it yet (translate later with _())."""
    return message


# --- numbers -------------------------------------------------------------------------------

def _locale(lang: str | None) -> Any:
    return _babel_locale(_BABEL[current() if lang is None else check_language(lang)])


@lru_cache(maxsize=None)
def _babel_locale(name: str) -> Any:
    """babel's Locale, parsed once (babel parses the name on every call otherwise)."""
    from babel import Locale

    return Locale.parse(name)


@lru_cache(maxsize=64)
def _pattern(pattern: str) -> Any:
    """A parsed number pattern: the report's map formats one percentage per block, and
    parsing the pattern and the locale each time was 0.8 s of the demo's 2.4 s of outputs."""
    from babel.numbers import parse_pattern

    return parse_pattern(pattern)


def fmt_number(value: float | None, digits: int = 0, lang: str | None = None) -> str:
    """Grouped decimal with ``digits`` decimals; '—' for missing or non-finite."""
    from babel.numbers import format_decimal

    if value is None or not math.isfinite(float(value)):
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(float(value), format=_pattern(pattern), locale=_locale(lang))


def fmt_percent(value: float | None, digits: int = 1, lang: str | None = None) -> str:
    from babel.numbers import format_percent

    if value is None or not math.isfinite(float(value)):
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "") + "%"
    return format_percent(float(value), format=_pattern(pattern), locale=_locale(lang))


def money_unit(lang: str | None = None) -> tuple[float, str]:
    """(divisor, unit label) of money columns: 万元 in Chinese, yuan in English."""
    lg = current() if lang is None else check_language(lang)
    return (1e4, "万元") if lg == "zh" else (1.0, "¥")


def fmt_money(value: float | None, lang: str | None = None) -> str:
    """A sum of yuan the way a planner writes it: '3,000万元' / '¥30,000,000'."""
    if value is None or not math.isfinite(float(value)):
        return "—"
    lg = current() if lang is None else check_language(lang)
    if lg == "zh":
        wan = float(value) / 1e4
        if abs(wan) >= 1:
            digits = 0 if abs(wan) >= 1000 or float(wan).is_integer() else (1 if abs(wan) >= 100 else 2)
            return fmt_number(wan, digits, lg) + "万元"
        return "¥" + fmt_number(value, 0, lg)
    return "¥" + fmt_number(value, 0, lg)


def fmt_money_in_unit(value: float | None, lang: str | None = None) -> str:
    """A money table cell in the column's unit (万元 with two decimals, or whole yuan)."""
    div, _unit = money_unit(lang)
    if value is None or not math.isfinite(float(value)):
        return "—"
    return fmt_number(float(value) / div, 2 if div > 1 else 0, lang)


__all__ = ["LANGUAGES", "DEFAULT", "HTML_LANG", "Language", "N_", "_", "catalogue",
           "check_language", "current", "fmt_money", "fmt_money_in_unit", "fmt_number",
           "fmt_percent", "gettext", "known", "money_unit", "pgettext", "use_language"]
