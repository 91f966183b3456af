"""Maintainers' tool: refresh the catalogues from the source (``python -m siting.i18n.update``).

Extracts every marked message (``_``, ``N_``, ``gettext``, ``pgettext``/``NP_`` with context)
into ``siting.pot`` and merges it into each language's .po, keeping existing translations;
new Chinese entries are left empty (the catalogue test then fails until they are translated).
Equivalent to ``pybabel extract -F babel.cfg ...`` followed by ``pybabel update``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import DOMAIN, LANGUAGES, LOCALE_DIR

KEYWORDS: dict[str, Any] = {"_": None, "N_": None, "gettext": None,
                            "pgettext": ((1, "c"), 2), "NP_": ((1, "c"), 2)}


def extract() -> Any:
    """A Babel Catalog of every message marked in the siting package."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    root = Path(__file__).resolve().parents[1]
    cat = Catalog(project="siting", version="0.1.0", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
            root, method_map=[("**.py", "python")], keywords=KEYWORDS):
        cat.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return cat


def main() -> None:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    template = extract()
    with (LOCALE_DIR.parent / f"{DOMAIN}.pot").open("wb") as fh:
        write_po(fh, template, sort_output=True, no_location=True)
    for lang in LANGUAGES:
        path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        if path.is_file():
            with path.open("rb") as fh:
                cat = read_po(fh, locale=lang)
        else:
            cat = Catalog(locale=lang, project="siting", version="0.1.0")
        cat.update(template, no_fuzzy_matching=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, cat, sort_output=True, no_location=True, ignore_obsolete=True)
        print(f"{path}: {sum(1 for m in cat if m.id)} messages")


if __name__ == "__main__":
    main()
