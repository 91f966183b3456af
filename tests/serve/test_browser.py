"""The workbench in a real browser (Chromium via Playwright) against `siting serve`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, cli_solve, start_server, stop_server
from .scenarios import community_folder, edited_copy, pmedian_folder

FINAL = ("optimal", "feasible", "infeasible", "no_solution", "interrupted", "cancelled", "error")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    toml = community_folder(folder / "case")
    server = start_server(toml, folder / "exports")
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def pmed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pmed")
    toml = pmedian_folder(folder / "case")
    server = start_server(toml, folder / "exports")
    yield server
    stop_server(server)


def open_page(page, server) -> None:
    page.goto(server.url + "/")
    page.wait_for_selector("body[data-ready='1']")


def solve(page, timeout: float = 120_000) -> dict:
    """Press Solve and wait for this solve's final state; what the page shows."""
    old = page.get_by_test_id("status").get_attribute("data-job")
    page.get_by_test_id("solve-button").click()
    page.wait_for_function(
        "([old, final]) => { const s = document.querySelector('[data-testid=status]');"
        " return s.dataset.job && s.dataset.job !== old && final.includes(s.dataset.state); }",
        arg=[old, list(FINAL)], timeout=timeout)
    return shown(page)


def shown(page) -> dict:
    status = page.get_by_test_id("status")
    value = page.get_by_test_id("objective").get_attribute("data-value")
    open_sites = page.eval_on_selector_all(
        "[data-testid^=inplan-]", "els => els.filter(e => e.textContent === '✓')"
        ".map(e => e.dataset.testid.slice(7))")
    return {"state": status.get_attribute("data-state"), "job": status.get_attribute("data-job"),
            "objective": None if value is None else float(value), "open": sorted(open_sites),
            "message": page.get_by_test_id("message").text_content()}


def test_budget_change_matches_siting_solve(page, tiny, tmp_path):
    open_page(page, tiny)
    page.get_by_test_id("budget-input").fill("70")
    got = solve(page)
    assert got["state"] == "optimal", got
    ref = cli_solve(edited_copy(tiny.scenario, tiny.scenario.with_name("b70.toml"), budget=70.0),
                    tmp_path)
    assert ref["status"] == "optimal"
    assert got["objective"] == ref["objective"], "page objective differs from siting solve"
    assert got["open"] == sorted(ref["open_sites"])
    plan = page.request.get(f"{tiny.url}/api/jobs/{got['job']}").json()["job"]["plan"]
    assert plan["path"] == "warm", "the budget change did not re-solve the warm session"
    assert page.get_by_test_id("seconds").get_attribute("data-path") == "warm"


def test_lock_puts_site_in_plan_and_forbid_removes_it(page, tiny):
    open_page(page, tiny)
    base = solve(page)
    assert base["state"] == "optimal"
    closed = [r.get_attribute("data-testid")[9:] for r in
              page.locator("[data-testid^=site-row-]").all()]
    closed = [s for s in closed if s not in base["open"]]
    page.get_by_test_id(f"lock-{closed[0]}").check()
    locked = solve(page)
    assert locked["state"] == "optimal"
    assert closed[0] in locked["open"], f"locked site {closed[0]} is not in the plan"
    assert locked["objective"] <= base["objective"] + 1e-9

    page.get_by_test_id(f"lock-{closed[0]}").uncheck()
    existing = set(page.eval_on_selector_all(
        "[data-testid^=lock-]:disabled", "els => els.map(e => e.dataset.testid.slice(5))"))
    chosen = next(s for s in base["open"] if s not in existing)
    page.get_by_test_id(f"forbid-{chosen}").check()
    forbidden = solve(page)
    assert forbidden["state"] == "optimal"
    assert chosen not in forbidden["open"]
    assert forbidden["objective"] <= base["objective"] + 1e-9  # coverage cannot increase


def test_export_reproduces_the_plan(page, tiny, tmp_path):
    open_page(page, tiny)
    page.get_by_test_id("budget-input").fill("90")
    page.get_by_test_id("weight-health").fill("2")
    page.get_by_test_id("cost-s3").fill("5")        # derived site table
    page.get_by_test_id("area-s5").fill("600")
    page.get_by_test_id("lock-s7").check()          # forced column
    page.get_by_test_id("forbid-s1").check()
    got = solve(page)
    assert got["state"] == "optimal", got
    assert "s7" in got["open"] and "s1" not in got["open"]
    page.get_by_test_id("export-toml").click()
    path = Path(page.get_by_test_id("export-path").text_content())
    assert path.is_file() and (path.parent / "sites.csv").is_file()
    assert (path.parent / "outputs" / "report.html").is_file()
    ref = cli_solve(path, tmp_path)
    assert ref["objective"] == got["objective"]
    assert sorted(ref["open_sites"]) == got["open"]


def test_compare_two_plans(page, tiny):
    open_page(page, tiny)
    page.get_by_test_id("budget-input").fill("60")
    a = solve(page)
    assert a["state"] == "optimal", a
    page.get_by_test_id("compare-add").click()
    page.get_by_test_id("budget-input").fill("120")
    b = solve(page)
    assert b["state"] == "optimal", b
    page.get_by_test_id("compare-add").click()
    table = page.get_by_test_id("compare-table")
    heads = table.locator("thead th").all_text_contents()
    assert heads[1:] == [f"Plan {a['job']}", f"Plan {b['job']}"]
    added = set(b["open"]) - set(a["open"])
    rows = {r.locator("th").text_content(): r.locator("td").all_text_contents()
            for r in table.locator("tbody tr").all()}
    added_row = next(v for k, v in rows.items() if k.startswith("added"))
    assert set(filter(None, added_row[1].split(", "))) == added
    assert page.get_by_test_id(f"compare-map-{b['job']}").locator("circle.added").count() == \
        len(added)


def test_bad_input_is_a_message_not_a_crash(page, tiny):
    open_page(page, tiny)
    page.get_by_test_id("budget-input").fill("-5")
    page.get_by_test_id("solve-button").click()
    msg = page.get_by_test_id("message")
    msg.wait_for(state="visible")
    page.wait_for_function("() => document.querySelector('[data-testid=message]').textContent")
    assert "problem.budget" in msg.text_content() and "Traceback" not in msg.text_content()
    page.get_by_test_id("budget-input").fill("50")
    assert solve(page)["state"] == "optimal"   # the page still works


def test_language_toggle(page, tiny):
    open_page(page, tiny)
    assert page.get_by_test_id("solve-button").text_content() == "Solve"
    page.get_by_test_id("lang-toggle").click()
    assert page.get_by_test_id("solve-button").text_content() == "求解"
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    page.get_by_test_id("lang-toggle").click()
    assert page.get_by_test_id("solve-button").text_content() == "Solve"


def test_path_traversal_is_404(page, tiny):
    open_page(page, tiny)
    for url in ("/files/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/files/..%2f..%2fetc%2fpasswd",
                "/static/..%2fengine.py", "/static/index.html/../../engine.py",
                "/exports/%2e%2e/case/scenario.toml", "/plans/p1/%2e%2e/%2e%2e/etc/passwd"):
        assert page.request.get(tiny.url + url).status == 404, url
    assert page.request.get(tiny.url + "/files/blocks.csv").status == 200


def test_cross_origin_post_is_refused(page, tiny):
    statuses: list[int] = []
    page.on("response", lambda r: statuses.append(r.status) if "/api/solve" in r.url else None)
    # localhost:PORT and 127.0.0.1:PORT are different origins: the browser sends its Origin
    page.goto(f"http://localhost:{tiny.port}/")
    page.wait_for_selector("body[data-ready='1']")
    before = len(page.request.get(tiny.url + "/api/state").json()["jobs"])
    token = page.get_attribute("meta[name=siting-token]", "content")
    page.evaluate("""([url, token]) => fetch(url + '/api/solve', {method: 'POST', mode: 'no-cors',
        headers: {'Content-Type': 'text/plain'}, body: JSON.stringify({edits: {}})})""",
                  [tiny.url, token])
    page.wait_for_timeout(500)
    assert statuses == [403]
    assert len(page.request.get(tiny.url + "/api/state").json()["jobs"]) == before


def test_classical_kind_p_median(page, pmed, tmp_path):
    open_page(page, pmed)
    page.get_by_test_id("p-input").fill("4")
    got = solve(page)
    assert got["state"] == "optimal"
    ref = cli_solve(edited_copy(pmed.scenario, pmed.scenario.with_name("p4.toml"), p=4), tmp_path)
    assert got["objective"] == ref["objective"]
    assert got["open"] == sorted(ref["open_sites"])
    closed = next(s for s in ("f0", "f1", "f2", "f3", "f4", "f5") if s not in got["open"])
    page.get_by_test_id(f"lock-{closed}").check()
    page.get_by_test_id(f"forbid-{got['open'][0]}").check()
    again = solve(page)
    assert closed in again["open"] and got["open"][0] not in again["open"]
    assert again["objective"] >= got["objective"] - 1e-9  # p-median minimises
    page.get_by_test_id("export-toml").click()
    path = Path(page.get_by_test_id("export-path").text_content())
    text = path.read_text(encoding="utf-8")
    assert "required_ids" in text and "forbidden_ids" in text
    ref2 = cli_solve(path, tmp_path)
    assert ref2["objective"] == again["objective"]
    assert sorted(ref2["open_sites"]) == again["open"]


@pytest.mark.slow
def test_cancel_a_long_solve_on_the_demo(page, tmp_path):
    # the demo district itself now proves in seconds; every catalogue service with viability
    # is a solve that runs for minutes (not proven in 300 s), so a cancel meets a running MILP
    demo = ROOT / "instances" / "demo_district"
    if not (demo / "demo_viability.gpkg").is_file():
        pytest.skip("demo district data missing")
    server = start_server(demo / "scenario_viability_full.toml", tmp_path / "exports",
                          timeout=180)
    try:
        open_page(page, server)
        page.get_by_test_id("budget-input").fill("5000000")
        page.get_by_test_id("solve-button").click()
        page.wait_for_selector("[data-testid=status][data-state=running]", timeout=60_000)
        # the worker opens the scenario warm first, then HiGHS presolves for a while: the first
        # gap can take a minute or more on a loaded 2-core machine
        page.wait_for_function("() => document.querySelector('[data-testid=progress]')"
                               ".textContent.includes('%')", timeout=240_000)
        page.get_by_test_id("cancel-button").click()
        page.wait_for_selector("[data-testid=status][data-state=interrupted]", timeout=120_000)
        assert page.get_by_test_id("cancel-button").is_disabled()
        value = page.get_by_test_id("objective").get_attribute("data-value")
        if value is not None:  # the incumbent came back: shown, marked interrupted
            assert page.get_by_test_id("notes").text_content().startswith("interrupted")
            job = page.get_by_test_id("status").get_attribute("data-job")
            plan = page.request.get(f"{server.url}/api/jobs/{job}").json()["job"]["plan"]
            assert plan["path"] == "warm"   # the cancel reached the warm session's solve
        # the queue is free again: the next solve starts
        page.get_by_test_id("solve-button").click()
        page.wait_for_selector("[data-testid=status][data-state=running]", timeout=60_000)
        page.get_by_test_id("cancel-button").click()
        page.wait_for_selector("[data-testid=status][data-state=interrupted]", timeout=120_000)
    finally:
        stop_server(server)


def test_map_popup_edits_the_same_site_state(page, tiny):
    open_page(page, tiny)
    page.get_by_test_id("map-site-s4").click(force=True)
    popup = page.get_by_test_id("site-popup")
    popup.wait_for(state="visible")
    page.get_by_test_id("popup-lock-s4").check()
    assert page.get_by_test_id("lock-s4").is_checked()
    assert "locked" in page.get_by_test_id("map-site-s4").get_attribute("class")
    page.get_by_test_id("map-site-s4").click(force=True)
    page.get_by_test_id("popup-forbid-s4").check()   # forbid replaces the lock
    assert page.get_by_test_id("forbid-s4").is_checked()
    assert not page.get_by_test_id("lock-s4").is_checked()
    page.get_by_test_id("map-site-s4").click(force=True)
    page.get_by_test_id("popup-cost-s4").fill("3.5")
    page.get_by_test_id("popup-cost-s4").dispatch_event("change")
    assert page.get_by_test_id("cost-s4").input_value() == "3.5"


def test_pdf_export_downloads_a_pdf(page, tiny):
    open_page(page, tiny)
    page.get_by_test_id("budget-input").fill("80")
    assert solve(page)["state"] == "optimal"
    with page.expect_download(timeout=180_000) as info:
        page.get_by_test_id("export-pdf").click()
    download = info.value
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF-"), f"the download is not a PDF: {data[:20]!r}"
    assert b"%%EOF" in data[-2048:] and len(data) > 10_000
    assert download.suggested_filename.endswith(".pdf")
    assert page.get_by_test_id("message").text_content() == ""


def _share(page, server, service: str, community: str) -> float:
    """The credited share of one service in one community, from the shown plan."""
    job = page.get_by_test_id("status").get_attribute("data-job")
    cov = page.request.get(f"{server.url}/api/jobs/{job}").json()["job"]["plan"]["coverage_table"]
    cols = cov["columns"]
    return next(r[cols.index("credited_share")] for r in cov["rows"]
                if r[cols.index("service")] == service
                and str(r[cols.index("district")]) == community)


def test_per_community_target_is_honoured(page, tiny, tmp_path):
    open_page(page, tiny)
    page.get_by_test_id("budget-input").fill("140")
    base = solve(page)
    assert base["state"] == "optimal", base
    before = _share(page, tiny, "childcare", "D3")
    want = round(before + 0.1, 2)
    assert want <= 1
    page.get_by_test_id("target-communities-childcare").locator("summary").click()
    page.get_by_test_id("target-community-childcare-D3").fill("1.5")   # bad input: a message
    page.get_by_test_id("solve-button").click()
    page.wait_for_function("() => document.querySelector('[data-testid=message]').textContent")
    msg = page.get_by_test_id("message").text_content()
    assert "targets.childcare" in msg and "Traceback" not in msg, msg
    page.get_by_test_id("target-community-childcare-D3").fill(str(want))
    got = solve(page)
    assert got["state"] == "optimal", got
    assert _share(page, tiny, "childcare", "D3") >= want - 1e-9, "community target not honoured"
    assert got["objective"] <= base["objective"] + 1e-9   # a new target cannot add coverage
    page.get_by_test_id("export-toml").click()
    path = Path(page.get_by_test_id("export-path").text_content())
    assert "D3" in path.read_text(encoding="utf-8")
    ref = cli_solve(path, tmp_path)
    assert ref["objective"] == got["objective"] and sorted(ref["open_sites"]) == got["open"]


def test_map_draws_the_walking_network(page, tiny, tmp_path):
    open_page(page, tiny)   # straight-line distances: no network, no legend entry
    assert page.get_by_test_id("map-network").count() == 0
    assert page.get_by_test_id("legend-network").is_hidden()
    server = start_server(community_folder(tmp_path / "net", network=True), tmp_path / "exports")
    try:
        open_page(page, server)
        lines = page.get_by_test_id("map-network").locator("polyline")
        drawn = len(page.request.get(server.url + "/api/state").json()["network"])
        assert drawn > 0 and lines.count() == drawn
        assert page.get_by_test_id("legend-network").is_visible()
        assert "walking network" in page.get_by_test_id("legend-network").text_content()
        page.get_by_test_id("budget-input").fill("80")
        assert solve(page)["state"] == "optimal"
        assert lines.count() == drawn   # redrawn with the plan
    finally:
        stop_server(server)
