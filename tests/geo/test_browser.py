"""map.html in a real browser: headless Chromium with networking disabled renders the markers."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.conftest import chromium_executable

from .conftest import make_points, run_cli, write_layer


def _chromium(page: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(  # noqa: PLW1510 - the caller checks returncode
            [chromium_executable(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}", "--virtual-time-budget=5000",
             # networking off: every host resolves to nothing, and no proxy is reachable
             "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://0.0.0.0:1",
             *extra, page.as_uri()],
            capture_output=True, text=True, timeout=120)


def test_map_renders_offline_in_chromium(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    demand, sites = make_points(13, n=30, m=7)
    sites.loc[2, "site"] = "<b>S2</b>"
    d, s = write_layer(demand, tmp_path / "d.gpkg"), write_layer(sites, tmp_path / "s.gpkg")
    rc, _, err = run_cli(capsys, "solve", "--demand", d, "--sites", s, "--demand-id", "block",
                         "--site-id", "site", "--problem", "mclp", "--radius", "600", "--p",
                         "3", "--out", tmp_path / "o", "--quiet")
    assert rc == 0, err
    page = tmp_path / "o" / "map.html"
    dom = _chromium(page, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    assert 'data-rendered="37"' in html  # set by the script once every marker is drawn
    assert len(re.findall(r'<rect class="site open', html)) == 3
    assert len(re.findall(r'<rect class="site closed', html)) == 4
    assert len(re.findall(r'<circle class="demand', html)) == 30
    assert len(re.findall(r'<line class="assignment"', html)) > 0
    assert "&lt;b&gt;S2&lt;/b&gt;" in html and "<b>S2</b>" not in html  # ids shown as text
    shot = tmp_path / "map.png"
    res = _chromium(page, f"--screenshot={shot}", "--window-size=1000,700")
    assert res.returncode == 0 and shot.stat().st_size > 5_000
