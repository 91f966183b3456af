"""`siting serve` on the command line: bad input is one line and exit 2; other hosts warn."""

from __future__ import annotations

import os
import subprocess
import sys

from .conftest import ROOT


def _serve(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "siting", "serve", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_missing_scenario_is_one_line_exit_2(tmp_path) -> None:
    r = _serve(str(tmp_path / "nope.toml"), "--no-browser")
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [f"siting: error: {tmp_path / 'nope.toml'}: "
                                             "scenario file not found"]


def test_bad_port_is_exit_2(tmp_path) -> None:
    r = _serve(str(tmp_path / "x.toml"), "--port", "70000")
    assert r.returncode == 2 and "--port" in r.stderr and "Traceback" not in r.stderr


def test_other_host_warns(tmp_path) -> None:
    r = _serve(str(tmp_path / "nope.toml"), "--host", "0.0.0.0", "--no-browser")
    assert "warning: --host 0.0.0.0" in r.stderr
    assert _serve(str(tmp_path / "nope.toml"), "--no-browser").stderr.count("warning") == 0
