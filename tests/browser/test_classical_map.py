"""map.html of a classical run in Chinese: lang set, scale bar and north arrow visible, the
scale bar follows the zoom, the facts and legend translated; map.png with a CJK font."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from siting.outputs.pdf import open_page
from tests.conftest import cjk_font_family

from ..geo.conftest import make_points, write_layer
from .page_checks import VISIBLE_TEXT, english_left


@pytest.fixture(scope="module")
def classical_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("classical")
    demand, sites = make_points(13, n=30, m=7)
    d, s = write_layer(demand, tmp / "d.gpkg"), write_layer(sites, tmp / "s.gpkg")
    from siting.cli import main

    rc = main(["solve", "--demand", str(d), "--sites", str(s), "--demand-id", "block",
               "--site-id", "site", "--problem", "mclp", "--radius", "600", "--p", "3",
               "--out", str(tmp / "o"), "--quiet", "--lang", "zh"])
    assert rc == 0
    return tmp / "o"


def test_map_in_chinese_with_scale_and_north(classical_run: Path, browser: Any) -> None:
    page = open_page(browser, classical_run / "map.html", width=1280, height=800)
    try:
        page.wait_for_selector("body[data-rendered]")
        assert page.evaluate("document.documentElement.lang") == "zh-CN"
        for sel in ("#scalebar", "#north"):
            box = page.locator(sel).bounding_box()
            assert box is not None and box["width"] > 10 and box["height"] > 10, sel
        before = page.text_content("#scalebar-text")
        assert re.fullmatch(r"[\d,.]+ (米|千米)", before or ""), before
        page.mouse.move(700, 400)
        for _ in range(6):
            page.mouse.wheel(0, -200)
        page.wait_for_timeout(100)
        assert page.text_content("#scalebar-text") != before
        text = " ".join(page.evaluate(VISIBLE_TEXT))
        assert "开设站点" in text and "最大覆盖" in text
        # ids and CRS are data; everything else is Chinese
        facts = page.locator("#facts dd").all_text_contents()
        assert english_left(page, exclude=facts) == []
    finally:
        page.close()


def test_map_png_uses_a_cjk_font(classical_run: Path) -> None:
    cjk_font_family()
    assert (classical_run / "map.png").stat().st_size > 10_000
