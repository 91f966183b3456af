"""The solve queue: one worker process, one solve at a time, in order; failures are messages."""

from __future__ import annotations

import threading

from siting.serve import engine
from siting.serve.worker import Job, Runner

from .scenarios import community_folder


def test_solves_run_one_at_a_time_in_order(tmp_path) -> None:
    base = engine.open_base(community_folder(tmp_path / "case"))
    events: list[tuple[str, str]] = []
    finished = threading.Event()

    def publish(e: dict) -> None:
        if e["type"] == "job":
            events.append((e["job"]["id"], e["job"]["state"]))
            if e["job"]["id"] == "p3" and e["job"]["state"] in ("done", "error", "interrupted"):
                finished.set()

    runner = Runner(publish)
    runner.start()
    try:
        jobs = []
        for k, edits in enumerate([{"problem": {"budget": 60}}, {"problem": {"budget": 90}},
                                   {"sites": {"s2": {"area": 1}}, "lock": ["s2"]}], start=1):
            ed = engine.parse_edits(edits)
            engine.write_scenario(base, ed, tmp_path / f"p{k}")
            jobs.append(runner.submit(Job(runner.new_id(), tmp_path / f"p{k}", ed)))
        assert finished.wait(300), events
    finally:
        runner.stop()
    running = [e for e in events if e[1] == "running"]
    assert [j for j, _ in running] == ["p1", "p2", "p3"]
    for a, b in (("p1", "p2"), ("p2", "p3")):
        assert events.index((a, "done")) < events.index((b, "running")), events
    assert jobs[0].plan["cost"]["total"] <= 60 and jobs[1].plan["cost"]["total"] <= 90
    assert jobs[0].plan["objective"] <= jobs[1].plan["objective"]
    # locking a site whose free area fits no module: infeasible, explained in planning words
    third = jobs[2]
    assert third.state == "done" and third.plan["status"] == "infeasible"
    assert "s2" in third.plan["infeasible_because"][0]
    assert third.plan["open_sites"] == []
