"""Solves run here: one spawned worker process, one job at a time, the rest queued.

The server thread hands the worker a written scenario file and the page's edits; the worker keeps
the opened scenario warm (:mod:`.warm`: one session, built once, opened when the worker starts)
and answers by a re-solve when the edits allow it, else by the full pipeline. While the worker
solves, the thread
reads the HiGHS log for incumbent, bound and gap and publishes them. Cancel sends SIGINT: HiGHS
stops and keeps its incumbent. A solve of several MILPs (the community model's tie-break
questions) starts the next one; each later MILP gets its own SIGINT shortly after its log
appears, so the plan found so far comes back, marked interrupted. A worker that has not answered
GRACE_TERMINATE seconds after the cancel is terminated (no plan) and a fresh one started.
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import os
import queue
import re
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: seconds between a new MILP's log appearing and its SIGINT (HiGHS is then inside solve())
SIGINT_DELAY = 0.3
#: seconds after a cancel before the worker is terminated
GRACE_TERMINATE = 30.0

_LOG_ROW = re.compile(  # HiGHS B&B row: ... Expl.% BestBound BestSol Gap ... Time
    r"^\s*[A-Za-z]?\s+\d+\s+\d+\s+\d+\s+[\d.]+%\s+(\S+)\s+(\S+)\s+(\S+).*?(\S+s)\s*$")


def _worker_main(tasks: Any, events: Any,
                 scenario: str | None = None) -> None:  # pragma: no cover - runs in the child
    """The worker loop: solve each task, answer with ('done'|'interrupted'|'error', id, data).

    ``scenario``: the opened scenario, read and built at once so the first solve is warm."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a cancel during start-up is not a crash
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # HiGHS prints from C++; the server's terminal stays clean
    from ..errors import SitingError
    from . import engine
    from .warm import WarmCache, solve_job

    try:  # warm the imports the first solve needs
        from .. import pipeline  # noqa: F401
        from ..backends import highs  # noqa: F401
        from ..community import pipeline as _cp  # noqa: F401
    except ImportError:
        pass
    parent = os.getppid()
    events.put(("ready", None, os.getpid()))
    cache = WarmCache()
    if scenario is not None:
        try:
            cache.get(Path(scenario))
            events.put(("warm", None, scenario))
        except Exception:  # noqa: BLE001 - the first solve takes the cold path and says why
            pass
    signal.signal(signal.SIGINT, signal.default_int_handler)
    while True:
        try:
            item = tasks.get(timeout=1.0)
        except KeyboardInterrupt:  # a late cancel while idle
            continue
        except queue.Empty:
            if os.getppid() != parent:  # the server is gone (even killed): so is its worker
                return
            continue
        if item is None:
            return
        job_id, toml, out_dir, log, base, edits = item
        try:
            events.put(("started", job_id, None))
            warm = cache.get(Path(base)) if base is not None and edits is not None else None
            plan = solve_job(Path(toml), Path(out_dir), Path(log) if log else None,
                             warm=warm, edits=engine.parse_edits(edits)
                             if edits is not None else None)
            events.put(("done", job_id, plan))
        except KeyboardInterrupt:
            events.put(("interrupted", job_id, None))
        except SitingError as exc:
            events.put(("error", job_id, " ".join(str(exc).split())))
        except Exception as exc:  # noqa: BLE001 - the page gets one line, never a traceback
            events.put(("error", job_id, f"{type(exc).__name__}: {' '.join(str(exc).split())}"))


@dataclass(eq=False)
class Job:
    """One solve request and what became of it."""

    id: str
    folder: Path
    edits: Any
    label: str = ""
    state: str = "queued"           # queued, running, done, interrupted, cancelled, error
    plan: dict[str, Any] | None = None
    error: str | None = None
    progress: dict[str, Any] = field(default_factory=dict)
    created: float = field(default_factory=time.time)
    started: float | None = None
    seconds: float | None = None
    cancel_at: float | None = None
    solving: float | None = None    # when the worker took the job (cancel signals from then on)

    @property
    def toml(self) -> Path:
        return self.folder / "scenario.toml"

    @property
    def out(self) -> Path:
        return self.folder / "out"

    @property
    def log(self) -> Path:
        return self.folder / "highs.log"

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "state": self.state, "error": self.error,
                "cancelling": self.cancel_at is not None and self.state == "running",
                "progress": self.progress, "seconds": self.seconds, "plan": self.plan,
                "edits": self.edits.model_dump(mode="json") if self.edits is not None else None}


class Runner:
    """The job queue and the worker process; ``publish(event)`` is called from its thread."""

    def __init__(self, publish: Callable[[dict[str, Any]], None],
                 scenario: Path | None = None) -> None:
        """``scenario``: the opened scenario file; its worker keeps it warm (None: every solve
        takes the full pipeline)."""
        self._publish = publish
        self.scenario = scenario
        self._ctx = mp.get_context("spawn")
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._ids = itertools.count(1)
        self.jobs: dict[str, Job] = {}
        self._proc: Any = None
        self._tasks: Any = None
        self._events: Any = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name="siting-serve-runner",
                                        daemon=True)
        self._started = False

    # -- public ---------------------------------------------------------------------------
    def start(self) -> None:
        if not self._started:
            self._spawn()
            self._thread.start()
            self._started = True

    def stop(self) -> None:
        self._queue.put(None)
        self._kill_worker()

    @property
    def worker_pid(self) -> int | None:
        """The worker process's id (benchmarks read its CPU time), None before it starts."""
        return None if self._proc is None else self._proc.pid

    def new_id(self) -> str:
        return f"p{next(self._ids)}"

    def submit(self, job: Job) -> Job:
        with self._lock:
            self.jobs[job.id] = job
        self._emit(job)
        self._queue.put(job)
        return job

    def cancel(self, job_id: str) -> Job | None:
        job = self.jobs.get(job_id)
        if job is None:
            return None
        if job.state == "queued":
            job.state = "cancelled"
            self._emit(job)
        elif job.state == "running" and job.cancel_at is None:
            job.cancel_at = time.monotonic()
            if job.solving is not None:  # else: signalled when the worker takes the job
                self._signal(signal.SIGINT)
        return job

    # -- worker ---------------------------------------------------------------------------
    def _spawn(self) -> None:
        self._tasks, self._events = self._ctx.Queue(), self._ctx.Queue()
        self._proc = self._ctx.Process(target=_worker_main, args=(self._tasks, self._events,
                                             None if self.scenario is None
                                             else str(self.scenario)),
                                       name="siting-serve-worker", daemon=True)
        self._proc.start()

    def _kill_worker(self) -> None:
        proc = self._proc
        if proc is not None and proc.is_alive():
            proc.terminate()
            proc.join(3)
            if proc.is_alive():
                proc.kill()
                proc.join(1)

    def _signal(self, sig: int) -> None:
        proc = self._proc
        if proc is not None and proc.pid is not None and proc.is_alive():
            try:
                os.kill(proc.pid, sig)
            except ProcessLookupError:
                pass

    def _emit(self, job: Job, kind: str = "job") -> None:
        data = job.public()
        if kind == "progress":
            data = {"id": job.id, "state": job.state, "progress": job.progress,
                    "cancelling": job.cancel_at is not None}
        self._publish({"type": kind, "job": data})

    def _loop(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            if job.state == "cancelled":
                continue
            try:
                self._run(job)
            except Exception as exc:  # noqa: BLE001 - keep the queue alive whatever happens
                job.state, job.error = "error", f"{type(exc).__name__}: {exc}"
                self._emit(job)

    def _run(self, job: Job) -> None:
        if self._proc is None or not self._proc.is_alive():
            self._spawn()
        job.state, job.started = "running", time.monotonic()
        self._emit(job)
        edits = job.edits.model_dump(mode="json", exclude_unset=True) if job.edits is not None else None
        self._tasks.put((job.id, str(job.toml), str(job.out), str(job.log),
                         None if self.scenario is None else str(self.scenario), edits))
        tail = _LogTail(job.log)
        signalled_stage = 0     # the MILP (log stage) the last SIGINT went to
        while True:
            try:
                kind, job_id, data = self._events.get(timeout=0.25)
            except queue.Empty:
                kind = None
            if kind in ("ready", "warm"):
                continue
            if kind == "started" and job_id == job.id:
                job.solving = time.monotonic()
                if job.cancel_at is not None:
                    job.cancel_at = job.solving
                    self._signal(signal.SIGINT)
                    signalled_stage = tail.stage
                continue
            if kind is not None and job_id == job.id:
                self._finish(job, kind, data)
                return
            now = time.monotonic()
            progress = tail.read()
            if progress:
                job.progress = {**progress, "elapsed": round(now - job.started, 1)}
                self._emit(job, "progress")
            if job.cancel_at is not None and job.solving is not None:
                waited = now - job.cancel_at
                if signalled_stage == 0:
                    signalled_stage = tail.stage
                if tail.stage > signalled_stage and now - tail.changed > SIGINT_DELAY:
                    self._signal(signal.SIGINT)  # the next MILP of the cancelled solve
                    signalled_stage = tail.stage
                if waited > GRACE_TERMINATE:
                    self._kill_worker()
                    self._spawn()
                    self._finish(job, "interrupted", None)
                    return
            if not self._proc.is_alive():
                code = self._proc.exitcode
                self._spawn()
                self._finish(job, "error", f"the solver process ended unexpectedly (exit {code})")
                return

    def _finish(self, job: Job, kind: str, data: Any) -> None:
        job.seconds = round(time.monotonic() - (job.started or time.monotonic()), 2)
        if kind == "done":
            job.plan = data
            job.state = "interrupted" if job.cancel_at is not None else "done"
            if job.cancel_at is not None and job.plan is not None:
                job.plan["interrupted"] = True
        elif kind == "interrupted":
            job.state = "interrupted"
        else:
            job.state, job.error = "error", str(data)
        self._emit(job)


class _LogTail:
    """Incumbent, bound and gap from the last progress row of a HiGHS log.

    Each MILP of a solve (the primary objective, then tie-break questions) rewrites the file;
    a shorter file than last time is the next stage.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = 0
        self.stage = 1
        self.clock = -1.0               # the last progress row's Time column (restarts per MILP)
        self.changed = time.monotonic()  # when the stage last changed
        self.last: dict[str, Any] = {}

    def read(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return {}
        if len(text) == self.size:
            return {}
        row = None
        for line in text.splitlines():
            m = _LOG_ROW.match(line)
            if m:
                row = m
        clock = _float(row.group(4).rstrip("s")) if row is not None else None
        # a new MILP rewrote the file: it is shorter, or its clock started again
        if len(text) < self.size or (clock is not None and clock < self.clock):
            self.stage += 1
            self.changed = time.monotonic()
            self.clock = -1.0
        self.size = len(text)
        if clock is not None:
            self.clock = clock
        if row is None:
            return {"stage": self.stage}
        bound, incumbent, gap = (_float(row.group(1)), _float(row.group(2)),
                                 row.group(3))
        gap_value = _float(gap.rstrip("%"))
        self.last = {"stage": self.stage, "bound": bound, "incumbent": incumbent,
                     "gap": None if gap_value is None else gap_value / 100}
        return self.last


def _float(text: str) -> float | None:
    try:
        v = float(text)
    except ValueError:
        return None
    return v if v == v and abs(v) != float("inf") else None
