"""The workbench API without a browser: token, same-origin, Host, validation, file serving."""

from __future__ import annotations

import warnings

import pytest

pytest.importorskip("starlette")
with warnings.catch_warnings():  # starlette >= 1.x suggests httpx2; httpx still works
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402

from siting.serve.app import close_session, create_app, new_session  # noqa: E402
from siting.serve.worker import Runner  # noqa: E402

from .scenarios import community_folder, pmedian_folder  # noqa: E402

URL = "http://127.0.0.1:8765"


@pytest.fixture
def session(tmp_path):
    s = new_session(community_folder(tmp_path / "case"), exports=tmp_path / "exports")
    s.runner = Runner(s.publish)  # not started: jobs stay queued, no worker process
    yield s
    close_session(s)


@pytest.fixture
def client(session):
    return TestClient(create_app(session), base_url=URL)


def post(client, session, path, body, **headers):
    h = {"X-Siting-Token": session.token, "Origin": URL, **headers}
    return client.post(path, json=body, headers={k: v for k, v in h.items() if v is not None})


def test_page_carries_the_session_token(client, session) -> None:
    r = client.get("/")
    assert r.status_code == 200 and session.token in r.text
    assert 'data-testid="solve-button"' in r.text


def test_state_describes_the_scenario(client) -> None:
    st = client.get("/api/state").json()
    assert st["kind"] == "community" and st["problem"]["budget"] == 100.0
    assert st["sites"]["id"][:3] == ["s0", "s1", "s2"] and len(st["blocks"]["x"]) == 60
    assert [s["name"] for s in st["services"]] == ["elderly", "childcare", "health"]
    assert set(st["messages"]) == {"en", "zh"} and set(st["messages"]["en"]) == set(
        st["messages"]["zh"])


def test_post_without_or_with_a_wrong_token_is_403(client, session) -> None:
    assert post(client, session, "/api/solve", {}, **{"X-Siting-Token": None}).status_code == 403
    r = post(client, session, "/api/solve", {}, **{"X-Siting-Token": "nope"})
    assert r.status_code == 403 and "token" in r.json()["error"]
    assert session.runner.jobs == {}


def test_cross_origin_post_is_403(client, session) -> None:
    r = post(client, session, "/api/solve", {}, Origin="http://evil.example")
    assert r.status_code == 403 and "cross-origin" in r.json()["error"]
    r = post(client, session, "/api/solve", {}, Origin=None, **{"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    assert session.runner.jobs == {}


def test_foreign_host_header_is_refused(client) -> None:
    assert client.get("/api/state", headers={"Host": "attacker.example:8765"}).status_code == 403


def test_valid_solve_is_queued_and_written(client, session) -> None:
    r = post(client, session, "/api/solve", {"edits": {"problem": {"budget": 80}}})
    assert r.status_code == 200, r.text
    job = r.json()["job"]
    assert job["state"] == "queued"
    toml = (session.work / job["id"] / "scenario.toml").read_text(encoding="utf-8")
    assert "budget = 80" in toml
    assert client.get(f"/plans/{job['id']}/scenario.toml").status_code == 200


@pytest.mark.parametrize(("edits", "words"), [
    ({"problem": {"budget": -1}}, "problem.budget"),
    ({"problem": {"budget": "lots"}}, "problem.budget"),
    ({"problem": {"kind": "p-median"}}, "problem.kind"),
    ({"weights": {"nosuch": 2}}, "nosuch"),
    ({"weights": {"health": -2}}, "weight"),
    ({"targets": {"elderly": {"overall": 1.5}}}, "targets.elderly.overall"),
    ({"lock": ["s999"]}, "s999"),
    ({"lock": ["s2"], "forbid": ["s2"]}, "both"),
    ({"forbid": ["s0"]}, "already open"),
    ({"sites": {"s3": {"cost": -4}}}, "sites.s3.cost"),
    ({"time_limit": 0}, "time_limit"),
    ({"bogus": 1}, "bogus"),
    ({"rules": {"new_site_min_core": 3, "new_site_min_services": 2}}, "new_site_min_core"),
])
def test_bad_edits_are_one_line_messages(client, session, edits, words) -> None:
    r = post(client, session, "/api/solve", {"edits": edits})
    assert r.status_code == 400, r.text
    msg = r.json()["error"]
    assert words in msg and "\n" not in msg and "Traceback" not in msg
    assert session.runner.jobs == {}


def test_malformed_body_is_400(client, session) -> None:
    r = client.post("/api/solve", content=b"{not json", headers={
        "X-Siting-Token": session.token, "Origin": URL})
    assert r.status_code == 400 and "JSON" in r.json()["error"]
    assert post(client, session, "/api/solve", [1, 2]).status_code == 400


@pytest.mark.parametrize("url", [
    "/files/%2e%2e/%2e%2e/etc/passwd", "/files/..%2f..%2f..%2fetc%2fpasswd",
    "/files//etc/passwd", "/files/%00", "/static/app.py", "/static/..%2fengine.py",
    "/static/%2e%2e%2fengine.py", "/exports/%2e%2e/case/scenario.toml",
    "/plans/p1/scenario.toml", "/nothing-here",
])
def test_paths_outside_the_served_folders_are_404(client, url) -> None:
    assert client.get(url).status_code == 404


def test_scenario_folder_and_assets_are_served(client) -> None:
    assert client.get("/files/blocks.csv").status_code == 200
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/static/app.css").status_code == 200


def test_symlink_out_of_the_folder_is_404(client, session, tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("no", encoding="utf-8")
    (session.base.folder / "link.txt").symlink_to(secret)
    assert client.get("/files/link.txt").status_code == 404


def test_export_needs_a_plan(client, session) -> None:
    job = post(client, session, "/api/solve", {"edits": {}}).json()["job"]
    r = post(client, session, "/api/export", {"job": job["id"]})
    assert r.status_code == 400 and "no plan" in r.json()["error"]
    assert post(client, session, "/api/export", {"job": "p99"}).status_code == 404


def test_pdf_needs_a_plan_a_token_and_a_known_solve(client, session) -> None:
    job = post(client, session, "/api/solve", {"edits": {}}).json()["job"]
    r = post(client, session, "/api/pdf", {"job": job["id"]})
    assert r.status_code == 400 and "no plan" in r.json()["error"]
    assert post(client, session, "/api/pdf", {"job": "p99"}).status_code == 404
    assert post(client, session, "/api/pdf", {"job": job["id"]},
                **{"X-Siting-Token": None}).status_code == 403
    assert not (session.runner.jobs[job["id"]].folder / "report.pdf").exists()


def test_cancel_a_queued_solve(client, session) -> None:
    job = post(client, session, "/api/solve", {"edits": {}}).json()["job"]
    r = post(client, session, "/api/cancel", {"job": job["id"]})
    assert r.json()["job"]["state"] == "cancelled"


def test_classical_scenario_state_and_edits(tmp_path) -> None:
    s = new_session(pmedian_folder(tmp_path / "case"), exports=tmp_path / "exports")
    s.runner = Runner(s.publish)
    c = TestClient(create_app(s), base_url=URL)
    st = c.get("/api/state").json()
    assert st["kind"] == "p-median" and st["problem"] == {"p": 3}
    assert post(c, s, "/api/solve", {"edits": {"problem": {"p": 0}}}).status_code == 400
    r = post(c, s, "/api/solve", {"edits": {"weights": {"a": 1}}})
    assert r.status_code == 400 and "community" in r.json()["error"]
    r = post(c, s, "/api/solve", {"edits": {"sites": {"f1": {"area": 5}}}})
    assert r.status_code == 400 and "area" in r.json()["error"]
    assert post(c, s, "/api/solve", {"edits": {"problem": {"p": 4}, "lock": ["f1"]}}
                ).status_code == 200
    close_session(s)


def test_bound_to_all_interfaces_any_host_but_still_same_origin(session) -> None:
    c = TestClient(create_app(session, any_host=True), base_url="http://192.0.2.7:8765")
    assert c.get("/api/state").status_code == 200
    ok = c.post("/api/solve", json={"edits": {}}, headers={
        "X-Siting-Token": session.token, "Origin": "http://192.0.2.7:8765"})
    assert ok.status_code == 200
    bad = c.post("/api/solve", json={"edits": {}}, headers={
        "X-Siting-Token": session.token, "Origin": "http://127.0.0.1:8765"})
    assert bad.status_code == 403


def test_export_writes_a_new_folder_and_never_overwrites(client, session) -> None:
    from siting.serve import engine

    job_id = post(client, session, "/api/solve", {"edits": {"problem": {"budget": 70}}}
                  ).json()["job"]["id"]
    job = session.runner.jobs[job_id]
    job.plan, job.state = engine.solve_plan(job.toml, job.out), "done"  # as the worker would
    first = post(client, session, "/api/export", {"job": job_id}).json()
    folder = session.exports / first["folder"].rsplit("/", 1)[-1]
    assert {"scenario.toml", "outputs/report.html", "outputs/result.gpkg",
            "outputs/coverage.csv"} <= set(first["files"])
    assert client.get(first["urls"]["scenario.toml"]).text.count("budget = 70") == 1
    again = post(client, session, "/api/export", {"job": job_id}).json()
    assert again["folder"] == first["folder"]        # the same plan, the same folder
    session.exported.clear()                          # a later session, same plan id
    (folder / "mine.txt").write_text("keep", encoding="utf-8")
    third = post(client, session, "/api/export", {"job": job_id}).json()
    assert third["folder"] != first["folder"] and (folder / "mine.txt").is_file()
