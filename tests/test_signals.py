"""Real signals on a running solve (siting/signals.py; issue #21 item 9): SIGINT exits 130 and
SIGTERM 143 after the same cleanup — the solver is cancelled and keeps its incumbent, the JSON
is complete or absent, no output folder is half-written, no temporary folder stays behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from siting.signals import EXIT_SIGINT, EXIT_SIGTERM

EXIT = {signal.SIGINT: EXIT_SIGINT, signal.SIGTERM: EXIT_SIGTERM}
SRC = str(Path(__file__).resolve().parents[1] / "src")
ENV = {**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH") or SRC}


def _default_sigint() -> None:
    # a parent running us in the background may ignore SIGINT, and Python then keeps it
    # ignored: restore the default so the child gets Ctrl-C as in a terminal
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(args: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "siting", *args], cwd=cwd, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_default_sigint)


def _wait_for(proc: subprocess.Popen, seconds: float) -> None:
    """Sleep, failing early if the process already ended (the signal would test nothing)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the solve ended before the signal (rc {proc.returncode}): {out}{err}")
        time.sleep(0.1)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if ".tmp" in p.name)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_during_classical_solve(shared_instances, tmp_path, signum):
    out = tmp_path / "r.json"
    proc = _start(["solve", str(shared_instances / "orlib-pmed" / "pmed16.txt"),
                   "--formulation", "classic", "--json", str(out)], tmp_path)
    _wait_for(proc, 6)  # reading and building take about a second; the solve takes minutes
    t0 = time.monotonic()
    os.kill(proc.pid, signum)
    stdout, stderr = proc.communicate(timeout=60)
    assert time.monotonic() - t0 < 20, "the solve did not stop promptly"
    assert proc.returncode == EXIT[signum], stdout + stderr
    assert "Traceback" not in stderr and "Waiting for HiGHS" not in stdout + stderr
    data = json.loads(out.read_text())  # complete: written atomically after the stop
    assert data["termination"] == "interrupted"
    assert data["status"] in ("feasible", "no_solution")
    if data["status"] == "feasible":
        assert data["verified"]["feasible"] and data["bound"] is not None
    assert _leftovers(tmp_path) == []


def _city_scenario(folder: Path) -> Path:
    from siting.scale.generate import generate_city, scenario_toml, write_city_layers

    demand, sites = write_city_layers(generate_city(1500, 400, seed=3), folder)
    path = folder / "city.toml"
    path.write_text(scenario_toml("city", demand, sites, {"kind": "p-median", "p": 25},
                                  formulation="classic"))
    return path


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_leaves_no_partial_output_folder(tmp_path, signum):
    scenario = _city_scenario(tmp_path)
    out = tmp_path / "out"
    proc = _start(["solve", str(scenario), "--out", str(out)], tmp_path)
    _wait_for(proc, 8)
    os.kill(proc.pid, signum)
    stdout, stderr = proc.communicate(timeout=90)
    assert proc.returncode == EXIT[signum], stdout + stderr
    assert "Traceback" not in stderr
    assert _leftovers(tmp_path) == []
    if out.exists():  # written whole, marked interrupted
        summary = json.loads((out / "summary.json").read_text())
        assert summary["termination"] == "interrupted"


def test_interrupts_held_records_ctrl_c_and_restores_the_handler():
    import _thread

    from siting.signals import interrupts_held

    before = signal.getsignal(signal.SIGINT)
    with interrupts_held() as held:
        _thread.interrupt_main()  # what Ctrl-C does
        for _ in range(1000):  # the handler runs between bytecodes
            pass
        assert held == [signal.SIGINT]
    assert signal.getsignal(signal.SIGINT) is before
    with pytest.raises(KeyboardInterrupt):  # outside, Ctrl-C raises again
        _thread.interrupt_main()
        for _ in range(1000):
            pass


def test_nested_interrupts_held_both_see_the_interrupt():
    import _thread

    from siting.signals import interrupts_held

    with interrupts_held() as outer:
        with interrupts_held() as inner:
            _thread.interrupt_main()
            for _ in range(1000):
                pass
        assert inner == [signal.SIGINT]  # the inner code must cancel what it started
    assert outer == [signal.SIGINT]


def test_the_command_exits_at_once_beside_an_abandoned_solver_thread():
    # siting.signals.exit_now: a solver thread left running after an interrupt neither holds
    # the command's exit nor changes its exit code
    child = ("import sys, threading, time\n"
             "from siting import signals\n"
             "t = threading.Thread(target=time.sleep, args=(60,))\n"
             "t.start()\n"
             "signals.abandon(t)\n"
             "print('written', flush=True)\n"
             "sys.exit(signals.exit_now(130))\n")
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", child], env=ENV, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 130, proc.stderr
    assert proc.stdout == "written\n"
    assert time.monotonic() - t0 < 30
