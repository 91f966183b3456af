"""The operating-viability section of a community report in headless Chromium, in Chinese and
in English: titled, explained, a row per service point with its users against the threshold
and the break-even, the points below break-even named in planning words with the shortfall
and the deficit, the subsidy against its budget. Figures are compared with summary.json (the
verifier's), not with fixed numbers; a scenario without viability figures has no section."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from siting.cli import main
from siting.i18n import fmt_money, fmt_number, use_language
from siting.testing.district import generate, write

from .page_checks import assert_fits_and_chinese_only, report_page

SCENARIO = """
name = "small-viability"
language = "{lang}"
[demand]
path = "v.gpkg"
layer = "blocks"
[sites]
path = "v.gpkg"
layer = "sites"
[problem]
kind = "community"
objective = "coverage"
budget = 3_000_000
catalogue = "default"
# the nursing station's operating cost raised so that a viable point stays below break-even
services = ["elderly_care", "meals", {{ name = "nursing_station", operating_cost = 900_000 }},
            "convenience_store", "express"]
[problem.viability]
subsidy_budget = 1_000_000
[problem.rules]
new_site_min_services = 0
new_site_min_core = 0
space_per_100_households = 0
"""


@pytest.fixture(scope="module")
def viability_district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small district whose shops and rooms may also host the market services (as
    instances/demo_district/generate_viability.py does for the demo)."""
    folder = tmp_path_factory.mktemp("viability")
    d = generate(7, width=1200, height=900, n_blocks=100, n_sites=16, cols=2, rows=1)
    extra = d.sites["kind"].map({"vacant shop": "convenience_store;express",
                                 "community room": "nursing_station"}).fillna(
        "convenience_store;express;nursing_station")
    d.sites["services"] = d.sites["services"].astype(str) + ";" + extra
    write(d, str(folder / "v.gpkg"))
    return folder


@pytest.fixture(scope="module", params=["zh", "en"])
def operating(request: pytest.FixtureRequest, viability_district: Path, browser: Any) -> Any:
    lang = request.param
    scenario = viability_district / f"{lang}.toml"
    scenario.write_text(SCENARIO.format(lang=lang), encoding="utf-8")
    run = viability_district / f"out-{lang}"
    assert main(["solve", str(scenario), "--out", str(run), "--quiet"]) == 0
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "optimal"
    with report_page(browser, run) as pg:
        yield lang, summary, pg


def test_section_is_titled_and_explained(operating: Any) -> None:
    lang, _, pg = operating
    sec = pg.locator("#sec-operating")
    assert sec.is_visible()
    title = sec.locator("h2").inner_text()
    assert title == {"zh": "运营可持续性", "en": "Operating viability"}[lang]
    intro = sec.locator("p.muted").first.inner_text()
    assert ("盈亏平衡" in intro) if lang == "zh" else ("breaks even" in intro)


def test_a_row_per_service_point_with_users_and_threshold(operating: Any) -> None:
    lang, summary, pg = operating
    mods = summary["modules"]
    table = pg.locator("#sec-operating table").first
    heads = table.locator("th").evaluate_all("hs => hs.map(h => h.dataset.col)")
    assert heads[:5] == ["site", "service", "status", "modules", "users"]
    assert "threshold" in heads and "break_even_users" in heads
    rows = table.locator("tbody tr")
    assert rows.count() == len(mods)
    at = {c: heads.index(c) for c in heads}
    with use_language(lang):
        for k, m in enumerate(mods):
            cells = [c.strip() for c in rows.nth(k).locator("td").all_inner_texts()]
            assert cells[at["site"]] == m["site"]
            assert cells[at["users"]] == fmt_number(m["users"], 0 if m["users"] >= 100 or
                                                    float(m["users"]).is_integer() else 2)
            want = "—" if not m["threshold"] else fmt_number(m["threshold"])
            assert cells[at["threshold"]] == want, (m["site"], m["service"])


def test_points_below_break_even_in_planning_words(operating: Any) -> None:
    lang, summary, pg = operating
    svc = {s["name"]: s for s in summary["problem"]["services"]}
    below = sorted((m for m in summary["modules"] if (m["deficit"] or 0) > 1e-9),
                   key=lambda m: -m["deficit"])
    assert below, "the case has no point below break-even: the test would prove nothing"
    items = pg.locator("#sec-operating ol.below-break-even li")
    assert items.count() == len(below)
    with use_language(lang):
        for k, m in enumerate(below):
            item = items.nth(k)
            assert item.get_attribute("data-site") == m["site"]
            assert item.get_attribute("data-service") == m["service"]
            text = item.inner_text()
            breakeven = svc[m["service"]]["operating_cost"] * m["modules"] / \
                svc[m["service"]]["revenue_per_user"]
            assert m["users"] < breakeven
            for figure in (fmt_number(m["users"], 0), fmt_number(breakeven, 0),
                           fmt_number(breakeven - m["users"], 0), fmt_money(m["deficit"])):
                assert figure in text, (figure, text)
        facts = pg.locator("#sec-operating ul.operating-facts").inner_text()
        assert fmt_money(summary["operations"]["subsidy_needed"]) in facts
        assert fmt_money(summary["operations"]["subsidy_budget"]) in facts
    # the money table lists only the points with operating figures
    money = pg.locator("#sec-operating table").nth(1)
    assert money.locator("th[data-col='deficit']").count() == 1
    with_money = [m for m in summary["modules"] if m["deficit"] is not None]
    assert money.locator("tbody tr").count() == len(with_money)


def test_page_fits_and_chinese_page_has_no_english_left(operating: Any) -> None:
    lang, _, pg = operating
    assert_fits_and_chinese_only(pg, lang)


def test_no_section_without_viability_figures(run_en: Path) -> None:
    page = (run_en / "report.html").read_text(encoding="utf-8")
    assert 'id="sec-operating"' not in page
    assert "operating" not in json.loads((run_en / "report.json").read_text(encoding="utf-8"))
