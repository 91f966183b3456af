"""Checks the report pages share: what text is visible, and which Latin a Chinese page may show."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from siting.outputs.pdf import open_page

# visible text outside translate="no" (data), <code> (CSV column names), scripts and styles
VISIBLE_TEXT = """() => {
  const out = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let n;
  while ((n = walk.nextNode())) {
    const el = n.parentElement;
    if (!el || el.closest('[translate="no"],code,script,style,title')) continue;
    const t = n.textContent.trim();
    if (t) out.push(t);
  }
  document.querySelectorAll('[title]').forEach(e => {
    if (!e.closest('[translate="no"]')) out.push(e.getAttribute('title'));
  });
  return out;
}"""
# allowed Latin in Chinese text: file names, URLs, standard codes, units and the PDF word
ALLOWED = re.compile(r"\b\w+\.(csv|json|gpkg|html|pdf)\b|https?://\S+|\b(GB|TD|T|NDRC|"
                     r"MOHURD|MNR|CLI|PDF|CFLP|UFLP|LSCP|MCLP|p)\b|Σ")


def english_left(pg: Any, exclude: tuple[str, ...] | list[str] = ()) -> list[str]:
    """Visible texts of a Chinese page that still hold English words (beyond ALLOWED)."""
    return [t for t in pg.evaluate(VISIBLE_TEXT)
            if t not in exclude and re.search(r"[A-Za-z]{2,}", ALLOWED.sub("", t))]


def assert_fits_and_chinese_only(pg: Any, lang: str) -> None:
    """No table wider than its container, no sideways scroll at 1,280 px; a zh page has no
    untranslated English."""
    wide = pg.evaluate("""() => [...document.querySelectorAll('table')].filter(t =>
        t.getBoundingClientRect().width > t.parentElement.clientWidth + 0.5).length""")
    assert wide == 0 and pg.evaluate("document.documentElement.scrollWidth") <= 1280
    if lang == "zh":
        leftovers = english_left(pg)
        assert leftovers == [], f"untranslated English in the zh report: {leftovers[:10]}"


@contextlib.contextmanager
def report_page(browser: Any, run: Path) -> Iterator[Any]:
    """A run's report.html open at 1,280 px with its map drawn; closed afterwards."""
    pg = open_page(browser, run / "report.html", width=1280)
    pg.wait_for_selector("body[data-map-ready='1']")
    yield pg
    pg.close()
