"""A phased rollout's report in headless Chromium, in Chinese and in English: the roadmap table
has one row per phase with the verified spending, the "what opens when" table names every site
each phase builds at, there is one map per phase (what is open then, the sites the phase opens
marked, ids unique, zoom per map), and the coverage curve has a point per phase and service at
the verified share. Everything is compared with summary.json, not with fixed numbers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from siting.cli import main
from siting.i18n import fmt_money, fmt_percent, use_language

from .page_checks import assert_fits_and_chinese_only, report_page

SCENARIO = """
name = "small-phased"
language = "{lang}"
[demand]
path = "d.gpkg"
layer = "blocks"
[sites]
path = "d.gpkg"
layer = "sites"
[[phases]]
name = "2025"
budget = 3_000_000
[[phases]]
name = "2026"
budget = 2_500_000
growth = {{ elderly = 1.1 }}
[[phases]]
name = "2027"
budget = 2_500_000
growth = {{ elderly = 1.2, infant = 0.9 }}
targets = {{ elderly_care = {{ overall = 0.1 }} }}
[problem]
kind = "community"
objective = "coverage"
carry_over = true
catalogue = "default"
streets = "d.gpkg#streets"
communities = "d.gpkg#communities"
services = ["elderly_care", {{ name = "childcare", weight = 3 }}, "meals"]
[problem.rules]
space_per_100_households = 0
"""


def _solve(folder: Path, lang: str) -> Path:
    scenario = folder / f"phased-{lang}.toml"
    scenario.write_text(SCENARIO.format(lang=lang), encoding="utf-8")
    out = folder / f"out-phased-{lang}"
    assert main(["solve", str(scenario), "--out", str(out), "--quiet"]) == 0
    return out


@pytest.fixture(scope="module", params=["zh", "en"])
def phased(request: pytest.FixtureRequest, district: Path, browser: Any) -> Any:
    lang = request.param
    run = _solve(district, lang)
    summary = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "optimal" and len(summary["phases"]) == 3
    with report_page(browser, run) as pg:
        yield lang, summary, pg


def test_roadmap_table_has_a_row_per_phase(phased: Any) -> None:
    lang, summary, pg = phased
    assert pg.evaluate("document.documentElement.lang") == {"zh": "zh-CN", "en": "en"}[lang]
    rows = pg.locator("#roadmap tbody tr")
    phases = summary["phases"]
    assert rows.count() == len(phases)
    with use_language(lang):
        for k, ph in enumerate(phases):
            row = rows.nth(k)
            assert row.get_attribute("data-phase") == ph["name"]
            cells = [c.strip() for c in row.locator("td").all_inner_texts()]
            assert cells[0] == ph["name"]
            assert cells[1] == str(len(ph["opened_sites"])), "sites opened"
            assert cells[2] == str(sum(m["modules"] for m in ph["new_modules"])), "new modules"
            assert cells[3] == fmt_money(ph["cost"]), "spending of the phase"
            assert cells[4] == fmt_money(ph["cumulative_cost"]), "spending to date"
            assert cells[5] == fmt_money(ph["budget"]), "phase budget"
            shares = pg.locator(f".roadmap-coverage tr[data-phase='{ph['name']}'] td")
            want = [fmt_percent(ph["coverage"][n]["share"], 1) for n in summary["coverage"]]
            assert [c.strip() for c in shares.all_inner_texts()][1:] == want
    assert sum(p["cost"] for p in phases) == pytest.approx(summary["cost"]["total"])


def test_what_opens_when_names_every_site_a_phase_builds_at(phased: Any) -> None:
    _, summary, pg = phased
    for ph in summary["phases"]:
        rows = pg.locator(f"#roadmap-sites tr[data-phase='{ph['name']}']")
        sites = {c.strip() for c in rows.locator("td:nth-child(2)").all_inner_texts()}
        want = set(ph["opened_sites"]) | {m["site"] for m in ph["new_modules"]}
        assert sites == want or (not want and rows.count() == 1), ph["name"]
    assert any(ph["opened_sites"] for ph in summary["phases"]), "the case opens no site"


def test_one_map_per_phase_with_what_is_open_then(phased: Any) -> None:
    _, summary, pg = phased
    figures = pg.locator("figure.phase-map")
    phases = summary["phases"]
    assert figures.count() == len(phases)
    for k, ph in enumerate(phases):
        fig = figures.nth(k)
        assert fig.get_attribute("data-phase") == ph["name"]
        assert fig.locator("svg.planmap").count() == 1
        box = fig.locator("svg.planmap").bounding_box()
        assert box is not None and box["width"] > 600 and box["height"] > 300
        n_open = fig.locator("g.site-new").count() + fig.locator("g.site-existing").count()
        assert n_open == len(ph["open_sites"]), f"phase {ph['name']}: sites open"
        assert fig.locator("g.site-opened").count() == len(ph["opened_sites"])
        assert fig.locator(".scalebar").is_visible() and fig.locator(".north-arrow").is_visible()
        assert fig.locator("path.community").count() > 0
    # what is built stays built: each phase map shows at least the sites of the one before
    counts = [figures.nth(k).locator("g.site").count() for k in range(len(phases))]
    assert counts == sorted(counts)
    # the last phase's map is the plan the main map shows
    assert figures.nth(len(phases) - 1).locator("g.site").count() == \
        pg.locator("svg#map g.site").count()
    dup = pg.evaluate("""() => { const seen = new Set(), dup = [];
        document.querySelectorAll('[id]').forEach(e => {
            if (seen.has(e.id)) dup.push(e.id); seen.add(e.id); });
        return dup; }""")
    assert dup == [], f"element ids repeated on the page: {dup[:10]}"


def test_each_map_zooms_on_its_own(phased: Any) -> None:
    _, _, pg = phased
    fig = pg.locator("figure.phase-map").nth(1)
    vp = fig.locator(".viewport")
    main_before = pg.get_attribute("#viewport", "transform")
    bar = fig.locator(".scalebar-bar")
    before = fig.locator(".scalebar-text").text_content(), bar.get_attribute("width")
    fig.locator("button[data-zoom='in']").click()
    assert "scale(1.5" in vp.get_attribute("transform")
    assert (fig.locator(".scalebar-text").text_content(), bar.get_attribute("width")) != before
    assert pg.get_attribute("#viewport", "transform") == main_before
    fig.locator("button[data-zoom='reset']").click()
    assert vp.get_attribute("transform") == "translate(0.00,0.00) scale(1.0000)"


def test_coverage_curve_has_the_verified_share_of_every_phase(phased: Any) -> None:
    _, summary, pg = phased
    curve = pg.locator("svg#coverage-curve")
    assert curve.is_visible()
    box = curve.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100
    services = list(summary["coverage"])
    assert curve.locator("polyline.curve-line").count() == len(services)
    # the phase labels are inside the chart (HTML in SVG text would have ended the svg)
    labels = curve.locator("text.curve-phase").all_text_contents()
    assert labels == [ph["name"] for ph in summary["phases"]]
    for ph in summary["phases"]:
        for name in services:
            point = curve.locator(f"circle.curve-point[data-service='{name}']"
                                  f"[data-phase='{ph['name']}']")
            assert point.count() == 1
            got = float(point.get_attribute("data-share"))
            assert got == pytest.approx(ph["coverage"][name]["share"], abs=1e-6)
    # higher share, higher point
    ys = pg.evaluate("""() => [...document.querySelectorAll('#coverage-curve circle.curve-point')]
        .map(c => [+c.dataset.share, +c.getAttribute('cy')])""")
    ys.sort()
    assert [y for _, y in ys] == sorted((y for _, y in ys), reverse=True)


def test_community_coverage_per_phase_and_service(phased: Any) -> None:
    lang, summary, pg = phased
    boxes = pg.locator("details.phase-districts")
    assert boxes.count() == len(summary["coverage"])
    first = summary["phases"][0]
    name = next(iter(summary["coverage"]))
    table = pg.locator(f"details.phase-districts[data-service='{name}'] table")
    pg.locator(f"details.phase-districts[data-service='{name}'] summary").click()
    shares = first["coverage"][name]["districts"]
    assert table.locator("tbody tr").count() == len(shares)
    with use_language(lang):
        got = {r.locator("td").nth(0).inner_text().strip(): r.locator("td").nth(1).inner_text()
               for r in table.locator("tbody tr").all()}
        want = {d: fmt_percent(v, 1) for d, v in shares.items()}
    assert got == want


def test_page_fits_and_chinese_page_has_no_english_left(phased: Any) -> None:
    lang, _, pg = phased
    assert_fits_and_chinese_only(pg, lang)
