"""The community report in headless Chromium at 1,280 px, in Chinese and in English: language
set, every table inside its container, scale bar and north arrow visible, community
boundaries and catchments drawn, zoom works, no English left in the Chinese page; and
`siting report RUN_DIR --pdf` prints every column of every table with embedded fonts."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from siting.outputs.pdf import open_page

from .conftest import need_tool
from .page_checks import english_left

def _data(run: Path) -> dict[str, Any]:
    return json.loads((run / "report.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module", params=["zh", "en"])
def page(request: pytest.FixtureRequest, browser: Any) -> Any:
    run = request.getfixturevalue(f"run_{request.param}")
    pg = open_page(browser, run / "report.html", width=1280)
    pg.wait_for_selector("body[data-map-ready='1']")
    yield request.param, run, pg
    pg.close()


def test_language_is_set(page: Any) -> None:
    lang, _, pg = page
    assert pg.evaluate("document.documentElement.lang") == {"zh": "zh-CN", "en": "en"}[lang]
    h1 = pg.inner_text("h1")
    if lang == "zh":
        assert "社区嵌入式服务设施规划" in h1
    else:
        assert "embedded community services plan" in h1


def test_no_table_wider_than_its_container(page: Any) -> None:
    _, _, pg = page
    wide = pg.evaluate("""() => [...document.querySelectorAll('table')].map(t => ({
        w: t.getBoundingClientRect().width, scroll: t.scrollWidth,
        box: t.parentElement.clientWidth,
        head: [...t.querySelectorAll('th')].map(h => h.dataset.col || h.textContent).join('|')
      })).filter(t => t.w > t.box + 0.5 || t.scroll > t.box + 0.5)""")
    assert wide == [], f"tables wider than their container at 1,280 px: {wide}"
    assert pg.evaluate("document.documentElement.scrollWidth") <= 1280


def test_scale_bar_and_north_arrow_visible(page: Any) -> None:
    _, _, pg = page
    svg = pg.locator("svg#map").bounding_box()
    for sel in ("#scalebar", "#north-arrow"):
        box = pg.locator(sel).bounding_box()
        assert box is not None and box["width"] > 10 and box["height"] > 10, sel
        assert svg["x"] <= box["x"] and box["x"] + box["width"] <= svg["x"] + svg["width"], sel
        assert svg["y"] <= box["y"] and box["y"] + box["height"] <= svg["y"] + svg["height"], sel
    text = pg.text_content("#scalebar-text")
    assert re.fullmatch(r"[\d.]+ (m|km|米|千米)", text), text
    # the bar's length is the label's distance at the map's scale
    mpp = float(pg.get_attribute("svg#map", "data-mpp"))
    width = float(pg.get_attribute("#scalebar-bar", "width"))
    value = float(text.split()[0]) * (1000 if text.split()[1] in ("km", "千米") else 1)
    assert width * mpp == pytest.approx(value, rel=1e-3)


def test_boundaries_streets_and_catchments_drawn(page: Any) -> None:
    lang, run, pg = page
    data = _data(run)
    m = data["map"]
    assert m["boundary_source"] == ("layer" if lang == "zh" else "derived")
    n_comm = len(m["districts"])
    assert pg.locator("path.community").count() == n_comm
    assert pg.locator("polyline.street").count() == len(m["streets"]) > 0
    used = [j for j, u in enumerate(m["sites"]["used"]) if u]
    want = sum(len(data["services"][s]["tiers"]) for j in used for s in m["sites"]["hosts"][j])
    assert want > 0
    assert pg.locator(".catchment").count() == want
    assert pg.locator("g.site-new").count() + pg.locator("g.site-existing").count() == len(used)
    assert pg.locator("path.site-unused").count() == len(m["sites"]["used"]) - len(used)
    assert pg.locator("circle.catchment").count() == want  # euclidean: circles
    # every boundary has a visible outline inside the map
    boxes = pg.evaluate("[...document.querySelectorAll('path.community')].map(p => "
                        "p.getBBox().width * p.getBBox().height)")
    assert all(a > 0 for a in boxes)


def test_zoom_and_scale_follow(page: Any) -> None:
    _, _, pg = page
    before = pg.text_content("#scalebar-text"), pg.get_attribute("#viewport", "transform")
    pg.click("button[data-zoom='in']")
    pg.click("button[data-zoom='in']")
    after = pg.text_content("#scalebar-text"), pg.get_attribute("#viewport", "transform")
    assert after[1] != before[1] and "scale(2.25" in after[1]
    assert after[0] != before[0]
    pg.click("button[data-zoom='reset']")
    assert pg.get_attribute("#viewport", "transform") == "translate(0.00,0.00) scale(1.0000)"
    pg.click("button[data-zoom='in']")
    pg.click("#print-view")  # the print view: whole map, no controls, page width
    assert "print-view" in pg.get_attribute("body", "class")
    assert pg.get_attribute("#viewport", "transform") == "translate(0.00,0.00) scale(1.0000)"
    assert not pg.locator("button[data-zoom='in']").is_visible()
    pg.click("#print-view")  # the same button leaves it
    assert "print-view" not in (pg.get_attribute("body", "class") or "")
    assert pg.locator("button[data-zoom='in']").is_visible()


def test_chinese_page_has_no_english_left(page: Any) -> None:
    lang, _, pg = page
    if lang != "zh":
        pytest.skip("Chinese page only")
    leftovers = english_left(pg)
    assert leftovers == [], f"untranslated English in the zh report: {leftovers[:10]}"
    assert re.search(r"[\u4e00-\u9fff]", pg.inner_text("main"))


def test_print_media_keeps_every_column(page: Any) -> None:
    _, _, pg = page
    pg.emulate_media(media="print")
    try:
        pg.set_viewport_size({"width": 718, "height": 1000})  # A4 width minus margins at 96 dpi
        wide = pg.evaluate("""() => [...document.querySelectorAll('table')].filter(t =>
            t.getBoundingClientRect().width > t.parentElement.clientWidth + 0.5).length""")
        assert wide == 0
        assert pg.evaluate("getComputedStyle(document.querySelector('thead')).display") \
            == "table-header-group"
        assert pg.locator(".ctl").evaluate("e => getComputedStyle(e).display") == "none"
    finally:
        pg.emulate_media(media="screen")
        pg.set_viewport_size({"width": 1280, "height": 900})


def _columns(data: dict[str, Any]) -> set[str]:
    cols = set(data["sites"]["columns"]) | set(data["coverage"]["columns"])
    cols -= {"service", "segment"}  # shown as section titles, not columns
    return cols


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pdf_has_every_column_and_embedded_fonts(lang: str, request: pytest.FixtureRequest) -> None:
    pdftotext, pdffonts = need_tool("pdftotext"), need_tool("pdffonts")
    from .conftest import need_browser

    need_browser()
    run = request.getfixturevalue(f"run_{lang}")
    pdf = run / f"report-{lang}.pdf"
    # the real command in its own process (Playwright's sync API owns its event loop)
    proc = subprocess.run([sys.executable, "-m", "siting", "report", str(run), "--pdf", "--lang",
                           lang, "--out", str(pdf)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert str(pdf) in proc.stdout
    text = subprocess.run([pdftotext, "-raw", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = re.sub(r"\s+", "", text)
    data = _data(run)
    missing = [c for c in sorted(_columns(data)) if c not in flat]
    assert missing == [], f"column headers missing from the PDF: {missing}"
    assert "total_cost" in flat
    for name in data["map"]["districts"]:
        assert name in flat, f"community {name} missing from the PDF"
    if lang == "zh":
        assert "标准符合情况" in flat and "选定站点" in flat
    fonts = subprocess.run([pdffonts, str(pdf)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    assert fonts, "the PDF lists no fonts"
    not_embedded = [f for f in fonts if f.split()[-5] != "yes"]
    assert not_embedded == [], f"fonts not embedded: {not_embedded}"
