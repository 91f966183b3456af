"""Fixtures: a `siting serve` process on a free port and a headless Chromium page."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import chromium_executable

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    port: int
    proc: subprocess.Popen
    scenario: Path
    exports: Path


def start_server(scenario: Path, exports: Path, timeout: float = 90) -> Server:
    import httpx

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get(
        "PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-m", "siting", "serve", str(scenario), "--port",
                             str(port), "--no-browser", "--exports", str(exports)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"siting serve exited {proc.returncode}: {proc.stderr.read()}")
        try:
            if httpx.get(url + "/api/state", timeout=2).status_code == 200:
                return Server(url, port, proc, scenario, exports)
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise RuntimeError("siting serve did not answer in time")


def stop_server(server: Server) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(10)
    except subprocess.TimeoutExpired:
        server.proc.kill()


@pytest.fixture(scope="session")
def browser(request: pytest.FixtureRequest) -> object:
    """The session's one Chromium (tests/conftest.py: Playwright's sync API is one per
    process, so tests/browser and tests/serve share it)."""
    chromium_executable()  # the executable the session's `chromium` fixture launches
    pytest.importorskip("playwright.sync_api")
    return request.getfixturevalue("chromium")


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors
    yield pg
    ctx.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def cli_solve(scenario: Path, tmp: Path) -> dict:
    """`siting solve SCENARIO --json` in a fresh process; the summary dict."""
    out = tmp / f"cli-{scenario.stem}-{time.monotonic_ns()}.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    r = subprocess.run([sys.executable, "-m", "siting", "solve", str(scenario), "--json",
                        str(out), "--quiet"], env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"siting solve failed: {r.stderr}"
    return json.loads(out.read_text(encoding="utf-8"))
